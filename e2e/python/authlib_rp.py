"""A confidential relying party built on Authlib (PyPI), for the browser test `oidc.test.mjs`.

    authlib_rp.py start  ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI
        prints {"url", "state", "nonce", "verifier"}: the authorization request, with PKCE (S256)
    authlib_rp.py finish ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI CALLBACK_URL STATE NONCE VERIFIER
        exchanges the code with client_secret_basic, validates the ID token against the JWKS
        (issuer, audience, nonce, expiry), calls userinfo, and prints {"id_token", "userinfo"}

Only Authlib speaks OpenID Connect here; this file just wires it to the command line.
"""

import json
import secrets
import sys
import warnings

# Authlib 1.x announces its JOSE module's move to `joserfc`; the module is what Authlib's own
# OpenID Connect client uses, and works the same until 2.0.
warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


def discover(issuer):
    return requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()


def session(client_id, client_secret, redirect_uri):
    return OAuth2Session(
        client_id,
        client_secret,
        scope="openid profile email account",
        redirect_uri=redirect_uri,
        token_endpoint_auth_method="client_secret_basic",
        code_challenge_method="S256",
    )


def start(issuer, client_id, client_secret, redirect_uri):
    config = discover(issuer)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session(client_id, client_secret, redirect_uri).create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    print(json.dumps({"url": url, "state": state, "nonce": nonce, "verifier": verifier}))


def finish(issuer, client_id, client_secret, redirect_uri, callback, state, nonce, verifier):
    config = discover(issuer)
    client = session(client_id, client_secret, redirect_uri)
    token = client.fetch_token(
        config["token_endpoint"],
        authorization_response=callback,
        state=state,
        code_verifier=verifier,
    )
    keys = JsonWebKey.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}},
        claims_params={"nonce": nonce, "client_id": client_id},
    )
    claims.validate()
    userinfo = client.get(config["userinfo_endpoint"]).json()
    print(json.dumps({"id_token": dict(claims), "userinfo": userinfo}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"start": start, "finish": finish}[command](*args)

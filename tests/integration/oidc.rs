//! OpenID Connect with a real client library: the Rust `openidconnect` crate discovers the
//! provider, runs the code flow with PKCE (the browser part through the test browser: login,
//! consent), validates the ID token against the JWKS, refreshes, and reads userinfo. Then the
//! checks of the OpenID Foundation's Basic and Config OP test plans that apply, and the
//! refresh-token rules.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use base64::Engine as _;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use portcullis_server::flows::oidc::{self, NewClient};
use portcullis_server::infra::jwt::Alg;
use serde_json::Value;
use tower::ServiceExt as _;

use crate::support::{Browser, TestAccount, TestApp};

const ISSUER: &str = "http://localhost:8080";
const CALLBACK: &str = "http://localhost:3000/callback";

/// The library's HTTP client: requests go to the server in this process.
fn http(
    app: &TestApp,
) -> impl Fn(
    openidconnect::HttpRequest,
) -> std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<openidconnect::HttpResponse, std::io::Error>>
            + Send,
    >,
> + use<> {
    let router = app.router.clone();
    move |request: openidconnect::HttpRequest| {
        let router = router.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let path = parts
                .uri
                .path_and_query()
                .map_or("/".to_string(), |p| p.as_str().to_string());
            let mut builder = axum::http::Request::builder()
                .method(parts.method)
                .uri(path);
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let mut request = builder
                .body(axum::body::Body::from(body))
                .map_err(std::io::Error::other)?;
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 1))));
            let response = router
                .oneshot(request)
                .await
                .map_err(std::io::Error::other)?;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(std::io::Error::other)?;
            Ok(openidconnect::HttpResponse::from_parts(
                parts,
                bytes.to_vec(),
            ))
        })
    }
}

/// A confidential client asking for consent (not first-party), and its secret.
async fn register(app: &TestApp, first_party: bool, account: Option<&str>) -> (String, String) {
    let (id, secret) = oidc::create_client(
        &app.state,
        &NewClient {
            name: "Ledger App",
            redirect_uris: &[CALLBACK.to_string()],
            public: false,
            account_id: account,
            first_party,
            alg: Alg::Es256,
        },
    )
    .await
    .unwrap();
    (id, secret.unwrap())
}

/// The path and query of a URL (the test browser speaks to the server in-process).
fn local(url: &url::Url) -> String {
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// Where a page sends the browser back to the app: its redirect, or (the answer of the login or
/// consent form) the link that the page follows by itself.
fn returned(page: &crate::support::Page) -> String {
    if !page.location().is_empty() {
        return page.location().to_string();
    }
    let marker = "href=\"";
    page.body
        .split("data-redirect")
        .next()
        .and_then(|before| before.rfind(marker).map(|at| &before[at + marker.len()..]))
        .and_then(|rest| rest.split('"').next())
        .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
        .unwrap_or_default()
}

/// A query parameter of a redirect's Location.
fn param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The claims of a JWT, unverified (the library verified it already).
fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// Logs in at the login page the authorization request led to, and follows the continuation:
/// the page the browser ends on (consent, or the redirect back to the app).
async fn log_in_for_app(
    browser: &mut Browser<'_>,
    account: &TestAccount,
    username: &str,
) -> crate::support::Page {
    let page = browser
        .login(&account.security_code, username, crate::support::PASSWORD)
        .await;
    assert_eq!(
        page.location(),
        "/oauth2/authorize/continue",
        "{}",
        page.body
    );
    browser.get("/oauth2/authorize/continue").await
}

#[tokio::test]
async fn the_openidconnect_crate_logs_in_validates_refreshes_and_reads_userinfo() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    let books = portcullis_core::ids::new_id();
    app.state
        .store
        .create_administration(&books, &account.account_id, "Olga's Books", app.clock.now())
        .await
        .unwrap();
    oidc::ensure_keys(&app.state).await.unwrap();
    let (client_id, secret) = register(&app, false, None).await;
    let http = http(&app);

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(ISSUER.into()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("account".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser: not logged in, so to the login page; after it, the consent page.
    let mut browser = app.browser();
    let to_login = browser.get(&local(&url)).await;
    assert_eq!(to_login.location(), "/login");
    let consent = log_in_for_app(&mut browser, &account, "olga").await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    assert!(consent.body.contains("Allow Ledger App?"));
    assert!(
        consent
            .body
            .contains("your company, your role and the administrations you may use")
    );
    let mut fields: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    fields.push(("csrf".into(), consent.csrf()));
    fields.push(("consent".into(), "allow".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let back = browser.post("/oauth2/authorize", &pairs).await;
    let location = returned(&back);
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(
        param(&location, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    assert_eq!(param(&location, "iss").as_deref(), Some(ISSUER));
    let code = param(&location, "code").unwrap();

    // The code, with the PKCE verifier: an ID token the library validates with the JWKS.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().unwrap();
    // The server's clock is the test's, months before the machine's.
    let now = chrono::DateTime::from_timestamp_millis(app.clock.now().millis()).unwrap();
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256])
        .set_time_fn(move || now);
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), account.admin_id);
    assert_eq!(claims.issuer().as_str(), ISSUER);
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("olga")
    );
    assert_eq!(claims.email().map(|e| e.as_str()), Some("olga@example.com"));
    assert_eq!(
        claims.email_verified(),
        Some(false),
        "never proven by a link"
    );
    assert!(claims.auth_time().is_some());
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(amr, ["pwd"]);
    let raw = payload(&id_token.to_string());
    assert_eq!(raw["account_id"], account.account_id);
    assert_eq!(raw["account_name"], "olga Holding");
    assert_eq!(raw["user_kind"], "administrator");
    assert_eq!(raw["administrations"][0]["name"], "Olga's Books");
    assert_eq!(raw["acr"], "pwd");
    assert!(raw["sid"].is_string());
    // The access token is an RFC 9068 JWT.
    let access = tokens.access_token().secret();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(payload(access)["client_id"], client_id);
    if let Some(expected) = claims.access_token_hash() {
        let actual = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(&actual, expected);
    }

    // Userinfo (GET through the library, POST with the token in the body): the same subject.
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(info.subject().as_str(), account.admin_id);
    let posted = browser
        .post("/oauth2/userinfo", &[("access_token", access.as_str())])
        .await;
    assert_eq!(posted.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&posted.body).unwrap()["sub"],
        account.admin_id
    );

    // The code again: refused, and what it issued is revoked.
    let replay = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new("x".repeat(43)))
        .request_async(&http)
        .await;
    assert!(replay.is_err());
    let first_refresh = tokens.refresh_token().unwrap().clone();
    let revoked = client
        .exchange_refresh_token(&first_refresh)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(
        revoked.is_err(),
        "a replayed code revokes the tokens it issued"
    );
}

/// Runs the flow for a first-party client (no consent) up to the tokens.
async fn tokens_for(
    app: &TestApp,
    browser: &mut Browser<'_>,
    account: &TestAccount,
    username: &str,
    client: &CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    logged_in: bool,
) -> openidconnect::core::CoreTokenResponse {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let back = if logged_in {
        browser.get(&local(&url)).await
    } else {
        assert_eq!(browser.get(&local(&url)).await.location(), "/login");
        log_in_for_app(browser, account, username).await
    };
    let code = param(&returned(&back), "code").unwrap_or_else(|| panic!("{}", back.body));
    client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http(app))
        .await
        .unwrap()
}

async fn first_party_client(
    app: &TestApp,
) -> CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
> {
    oidc::ensure_keys(&app.state).await.unwrap();
    let (client_id, secret) = register(app, true, None).await;
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(ISSUER.into()).unwrap(), &http(app))
            .await
            .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.into()).unwrap())
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_its_family() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    let client = first_party_client(&app).await;
    let mut browser = app.browser();
    let tokens = tokens_for(&app, &mut browser, &account, "olga", &client, false).await;
    let first = tokens.refresh_token().unwrap().clone();
    let refresh = |token: RefreshToken| {
        let client = client.clone();
        let http = http(&app);
        async move {
            client
                .exchange_refresh_token(&token)
                .unwrap()
                .request_async(&http)
                .await
        }
    };
    let second = refresh(first.clone()).await.unwrap();
    let second_token = second.refresh_token().unwrap().clone();
    assert_ne!(second_token.secret(), first.secret(), "rotated");
    let third = refresh(second_token.clone()).await.unwrap();
    // The first again: refused, and the newest of its family stops working too.
    assert!(refresh(first).await.is_err());
    assert!(
        refresh(third.refresh_token().unwrap().clone())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn logout_and_a_password_change_revoke_refresh_tokens() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    let client = first_party_client(&app).await;
    let refresh = |token: RefreshToken| {
        let client = client.clone();
        let http = http(&app);
        async move {
            client
                .exchange_refresh_token(&token)
                .unwrap()
                .request_async(&http)
                .await
        }
    };
    // Logout ends the session the tokens are bound to.
    let mut browser = app.browser();
    let tokens = tokens_for(&app, &mut browser, &account, "olga", &client, false).await;
    let access = tokens.access_token().clone();
    browser.post_from("/", "/logout", &[]).await;
    assert!(
        refresh(tokens.refresh_token().unwrap().clone())
            .await
            .is_err()
    );
    let info = client
        .user_info(access, None)
        .unwrap()
        .request_async::<openidconnect::EmptyAdditionalClaims, _, openidconnect::core::CoreGenderClaim>(&http(&app))
        .await;
    assert!(info.is_err(), "userinfo ends with the session");

    // A password change revokes them although the session goes on.
    let mut browser = app.browser();
    let tokens = tokens_for(&app, &mut browser, &account, "olga", &client, false).await;
    let tab = format!("/employees/{}/security", account.admin_id);
    let new = "a brand new long passphrase";
    let changed = browser
        .post_from(
            &tab,
            "/security/password",
            &[
                ("current", crate::support::PASSWORD),
                ("new", new),
                ("repeat", new),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(
        browser.get("/").await.status,
        StatusCode::OK,
        "the session goes on"
    );
    assert!(
        refresh(tokens.refresh_token().unwrap().clone())
            .await
            .is_err()
    );
}

/// An authorization request's path, with `extra` parameters over the usual ones.
fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
        ("state", "s-123"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    format!(
        "/oauth2/authorize?{}",
        crate::support::serde_urlencoded_encode(&params)
    )
}

/// The RFC 7636 example's verifier for the challenge above.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// Exchanges a code by hand (form post with client_secret_post), returning status and JSON.
async fn exchange(
    browser: &mut Browser<'_>,
    client_id: &str,
    secret: &str,
    code: &str,
    verifier: &str,
) -> (StatusCode, Value) {
    let page = browser
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", verifier),
                ("client_id", client_id),
                ("client_secret", secret),
            ],
        )
        .await;
    (
        page.status,
        serde_json::from_str(&page.body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_basic_and_config_op_checks_that_apply() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    oidc::ensure_keys(&app.state).await.unwrap();
    let (client_id, secret) = register(&app, true, None).await;
    let mut browser = app.browser();

    // Config: discovery's issuer is the public URL, and every endpoint is advertised.
    let config: Value =
        serde_json::from_str(&browser.get("/.well-known/openid-configuration").await.body).unwrap();
    assert_eq!(config["issuer"], ISSUER);
    for field in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    ] {
        assert!(
            config[field].as_str().unwrap().starts_with(ISSUER),
            "{field}"
        );
    }
    assert_eq!(
        config["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    // JWKS: distinct kids, no private parts.
    let jwks: Value = serde_json::from_str(&browser.get("/oauth2/jwks").await.body).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(keys.len() >= 2);
    let mut kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    kids.sort_unstable();
    kids.dedup();
    assert_eq!(kids.len(), keys.len());
    assert!(
        keys.iter()
            .all(|k| k.get("d").is_none() && k.get("p").is_none())
    );

    // An unknown client or redirect URI: a page, no redirect.
    for path in [
        authorize_path("no-such-client", &[]),
        authorize_path(&client_id, &[("redirect_uri", "https://evil.example/cb")]),
        authorize_path(&client_id, &[("redirect_uri", "")]),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(page.location().is_empty(), "{path}");
    }
    // Other errors go back to the app with `error`, `state` and `iss`.
    for (extra, error) in [
        (vec![("response_type", "")], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "profile")], "invalid_scope"),
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("prompt", "none login")], "invalid_request"),
        (vec![("prompt", "none")], "login_required"),
    ] {
        let page = browser.get(&authorize_path(&client_id, &extra)).await;
        let location = page.location();
        assert!(location.starts_with(CALLBACK), "{extra:?}: {location}");
        assert_eq!(
            param(location, "error").as_deref(),
            Some(error),
            "{extra:?}"
        );
        assert_eq!(param(location, "state").as_deref(), Some("s-123"));
        assert_eq!(param(location, "iss").as_deref(), Some(ISSUER));
    }

    // Logged in; unknown parameters ignored, no nonce needed.
    browser.login_ok(&account, "olga").await;
    let back = browser
        .get(&authorize_path(
            &client_id,
            &[("made_up", "1"), ("ui_locales", "nl")],
        ))
        .await;
    let code = param(&returned(&back), "code").unwrap();
    // Wrong verifier, then the right one twice: the second is invalid_grant.
    let (status, body) = exchange(&mut browser, &client_id, &secret, &code, &"x".repeat(43)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let back = browser.get(&authorize_path(&client_id, &[])).await;
    let code = param(&returned(&back), "code").unwrap();
    let (status, first) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(
        payload(first["id_token"].as_str().unwrap())
            .get("nonce")
            .is_none()
    );
    let (status, again) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // A wrong secret: invalid_client.
    let back = browser.get(&authorize_path(&client_id, &[])).await;
    let code = param(&returned(&back), "code").unwrap();
    let (status, body) = exchange(&mut browser, &client_id, "wrong", &code, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // prompt=none with a session: a code. prompt=login and max_age: a newer auth_time.
    let back = browser
        .get(&authorize_path(&client_id, &[("prompt", "none")]))
        .await;
    let code = param(&returned(&back), "code").unwrap();
    let (_, tokens) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
    let first_auth = payload(tokens["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .unwrap();
    app.clock.advance(std::time::Duration::from_secs(5));
    for extra in [vec![("prompt", "login")], vec![("max_age", "1")]] {
        let to_login = browser.get(&authorize_path(&client_id, &extra)).await;
        assert_eq!(to_login.location(), "/login", "{extra:?}");
        let back = log_in_for_app(&mut browser, &account, "olga").await;
        let code = param(&returned(&back), "code").unwrap_or_else(|| panic!("{}", back.body));
        let (_, tokens) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
        let auth_time = payload(tokens["id_token"].as_str().unwrap())["auth_time"]
            .as_i64()
            .unwrap();
        assert!(auth_time > first_auth, "{extra:?}");
        app.clock.advance(std::time::Duration::from_secs(5));
    }

    // Key rotation: new keys sign, the old stay published.
    let before: Vec<String> = keys
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    oidc::rotate_keys(&app.state).await.unwrap();
    app.clock.advance(std::time::Duration::from_secs(120));
    let jwks: Value = serde_json::from_str(&browser.get("/oauth2/jwks").await.body).unwrap();
    let after: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        before.iter().all(|kid| after.contains(&kid.as_str())),
        "the old keys stay published"
    );
    assert_eq!(after.len(), before.len() * 2);
    let back = browser.get(&authorize_path(&client_id, &[])).await;
    let code = param(&returned(&back), "code").unwrap();
    let (_, tokens) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(
                tokens["id_token"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .next()
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    assert!(
        !before.contains(&header["kid"].as_str().unwrap().to_string()),
        "a new key signs"
    );
    // Once every token of the old keys has expired, they are no longer published.
    app.clock.advance(portcullis_core::oidc::KEY_OVERLAP);
    let jwks: Value = serde_json::from_str(&browser.get("/oauth2/jwks").await.body).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), before.len());
}

#[tokio::test]
async fn an_app_of_one_account_refuses_the_users_of_another_and_ended_employment_revokes() {
    let app = TestApp::new().await;
    let mine = app.account("olga").await;
    let other = app.account("piet").await;
    oidc::ensure_keys(&app.state).await.unwrap();
    let (client_id, secret) = register(&app, true, Some(&mine.account_id)).await;
    let mut piet = app.browser();
    piet.login_ok(&other, "piet").await;
    let refused = piet.get(&authorize_path(&client_id, &[])).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("This app is not for your account"));
    assert!(refused.location().is_empty());

    let ines = app
        .user(&mine, "ines", portcullis_core::user::UserKind::Employee)
        .await;
    let mut browser = app.browser();
    browser.login_ok(&mine, "ines").await;
    let back = browser
        .get(&authorize_path(
            &client_id,
            &[("scope", "openid offline_access")],
        ))
        .await;
    let code = param(&returned(&back), "code").unwrap();
    let (status, tokens) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK);
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    // Her employment ends: her session goes at its next use, and the refresh token with it.
    let mut admin = app.browser();
    admin.login_ok(&mine, "olga").await;
    let edit = format!("/employees/{ines}/edit");
    let today = "2026-01-04";
    admin
        .post_from(
            &edit,
            &edit,
            &[
                ("name", "ines Tester"),
                ("email", "ines@example.com"),
                ("kind", "employee"),
                ("employment_ends", today),
            ],
        )
        .await;
    assert_eq!(browser.get("/").await.location(), "/login");
    let page = browser
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
}

#[tokio::test]
async fn consent_is_remembered_listed_and_taken_back() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    oidc::ensure_keys(&app.state).await.unwrap();
    let (client_id, secret) = register(&app, false, None).await;
    let mut browser = app.browser();
    browser.login_ok(&account, "olga").await;
    let path = authorize_path(&client_id, &[("scope", "openid email offline_access")]);
    let consent = browser.get(&path).await;
    assert!(
        consent.body.contains("Allow Ledger App?"),
        "{}",
        consent.body
    );
    // Denied: back to the app with access_denied.
    let url = url::Url::parse(&format!("{ISSUER}{path}")).unwrap();
    let mut fields: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    fields.push(("csrf".into(), consent.csrf()));
    let answer = |choice: &str| {
        let mut all = fields.clone();
        all.push(("consent".into(), choice.into()));
        all
    };
    let denied = answer("deny");
    let pairs: Vec<(&str, &str)> = denied
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let back = browser.post("/oauth2/authorize", &pairs).await;
    assert_eq!(
        param(&returned(&back), "error").as_deref(),
        Some("access_denied")
    );
    // A consent form without the session's CSRF token is only shown again.
    let mut forged = answer("allow");
    forged.retain(|(k, _)| k != "csrf");
    let pairs: Vec<(&str, &str)> = forged
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let again = browser.post("/oauth2/authorize", &pairs).await;
    assert!(again.body.contains("Allow Ledger App?"));
    // Allowed: remembered, so the next request goes straight back with a code.
    let allowed = answer("allow");
    let pairs: Vec<(&str, &str)> = allowed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let back = browser.post("/oauth2/authorize", &pairs).await;
    let code = param(&returned(&back), "code").unwrap();
    let (_, tokens) = exchange(&mut browser, &client_id, &secret, &code, VERIFIER).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let back = browser.get(&path).await;
    assert!(
        param(&returned(&back), "code").is_some(),
        "no second question"
    );
    // A broader scope asks again.
    let broader = browser
        .get(&authorize_path(&client_id, &[("scope", "openid account")]))
        .await;
    assert!(broader.body.contains("Allow Ledger App?"));

    // Listed under Apps with access; taking it back revokes the refresh token.
    let apps_page = format!("/employees/{}/security/apps", account.admin_id);
    let apps = browser.get(&apps_page).await;
    assert!(
        apps.body.contains("Ledger App") && apps.body.contains("May know: email, offline_access"),
        "{}",
        apps.body
    );
    let revoke = format!("/security/apps/{client_id}/revoke");
    let done = browser.post_from(&apps_page, &revoke, &[]).await;
    assert_eq!(done.location(), format!("{apps_page}?done=app-revoked"));
    assert!(
        browser
            .get(&apps_page)
            .await
            .body
            .contains("You have not allowed any app.")
    );
    let page = browser
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        browser.get(&path).await.body.contains("Allow Ledger App?"),
        "asked again"
    );
    assert_eq!(
        browser.post_from(&apps_page, &revoke, &[]).await.status,
        StatusCode::NOT_FOUND,
        "nothing left to take back"
    );
    app.assert_audited(
        &account.admin_id,
        "oidc.app_revoked",
        "app=Ledger App",
        None,
    )
    .await;
    // An hour after their minute, the codes are swept away; the refresh token after its days.
    let sweep = || portcullis_server::flows::housekeeping::sweep(&app.state);
    app.clock
        .advance(std::time::Duration::from_secs(60 * 60 + 61));
    assert_eq!(sweep().await.unwrap().expired.oidc_codes, 2);
    app.clock.advance(portcullis_core::oidc::REFRESH_VALIDITY);
    assert_eq!(sweep().await.unwrap().expired.oidc_refresh_tokens, 1);
}

#[tokio::test]
async fn a_native_app_is_sent_back_to_its_loopback_port_or_its_own_scheme() {
    let app = TestApp::new().await;
    let account = app.account("nora").await;
    oidc::ensure_keys(&app.state).await.unwrap();
    // RFC 8252: a public client with a loopback IP redirect and a private-use scheme.
    let (client_id, secret) = oidc::create_client(
        &app.state,
        &NewClient {
            name: "Desktop Ledger",
            redirect_uris: &[
                "http://127.0.0.1/callback".to_string(),
                "com.example.ledger:/oauth2redirect".to_string(),
            ],
            public: true,
            account_id: None,
            first_party: true,
            alg: Alg::Es256,
        },
    )
    .await
    .unwrap();
    assert!(secret.is_none());
    let mut browser = app.browser();
    browser.login_ok(&account, "nora").await;

    // Whatever port the app listens on this time.
    let back = browser
        .get(&authorize_path(
            &client_id,
            &[("redirect_uri", "http://127.0.0.1:49152/callback")],
        ))
        .await;
    let location = returned(&back);
    assert!(
        location.starts_with("http://127.0.0.1:49152/callback?code="),
        "{location}"
    );
    let back = browser
        .get(&authorize_path(
            &client_id,
            &[("redirect_uri", "com.example.ledger:/oauth2redirect")],
        ))
        .await;
    let location = returned(&back);
    assert!(
        location.starts_with("com.example.ledger:/oauth2redirect?code="),
        "{location}"
    );
    // The code is the app's, with its PKCE verifier and the redirect URI it was sent to.
    let code = param(&location, "code").unwrap();
    let exchanged = browser
        .request(
            axum::http::Method::POST,
            "/oauth2/token",
            Some(crate::support::serde_urlencoded_encode(&[
                ("grant_type", "authorization_code"),
                ("client_id", &client_id),
                ("code", &code),
                ("redirect_uri", "com.example.ledger:/oauth2redirect"),
                ("code_verifier", VERIFIER),
            ])),
        )
        .await;
    assert_eq!(exchanged.status, StatusCode::OK, "{}", exchanged.body);

    // Another path on the loopback address, or another scheme: no redirect at all.
    for wrong in [
        "http://127.0.0.1:49152/other",
        "http://localhost:49152/callback",
        "com.example.other:/oauth2redirect",
    ] {
        let page = browser
            .get(&authorize_path(&client_id, &[("redirect_uri", wrong)]))
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{wrong}");
        assert_eq!(page.location(), "", "{wrong}");
    }
}

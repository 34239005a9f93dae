-- OpenID Connect provider: relying parties (clients), signing keys, authorization codes, refresh
-- tokens and consents. Everything a login through another application needs lives here, so any
-- server process can finish what another began.

-- A relying party. `secret_hash` is the SHA-256 of its secret (NULL for a public client).
-- `account_id` NULL: it serves users of every account (the SaaS's own app); else only that
-- account's users. `redirect_uris`: one per line (a URI holds no line break), matched exactly.
CREATE TABLE oidc_clients (
    client_id        TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    secret_hash      TEXT,
    redirect_uris    TEXT NOT NULL,
    account_id       TEXT REFERENCES accounts (id),
    first_party      BIGINT NOT NULL DEFAULT 0,
    id_token_alg     TEXT NOT NULL DEFAULT 'ES256' CHECK (id_token_alg IN ('ES256', 'EdDSA', 'RS256')),
    created_at       BIGINT NOT NULL
);

-- Signing keys: the private key sealed with the server key (bound to 'oidc/key/<kid>'), the
-- public JWK in clear. The newest key of an algorithm signs; a key stays published until
-- `retire_at` (when every token it signed has expired).
CREATE TABLE oidc_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL CHECK (alg IN ('ES256', 'EdDSA', 'RS256')),
    private_enc TEXT NOT NULL,
    public_jwk  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retire_at   BIGINT
);
CREATE INDEX oidc_keys_by_alg ON oidc_keys (alg, created_at);

-- An authorization code (its SHA-256), single use, 60 seconds. What it was issued for is kept
-- so the token endpoint can check the client, redirect URI and PKCE verifier, and so a replay
-- can revoke what the first exchange issued (`used_at`, `family`).
CREATE TABLE oidc_codes (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    session_id     TEXT NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    nonce          TEXT,
    code_challenge TEXT NOT NULL,
    auth_time      BIGINT NOT NULL,
    amr            TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT,
    family         TEXT
);
CREATE INDEX oidc_codes_by_expiry ON oidc_codes (expires_at);

-- Refresh tokens (their SHA-256), rotated on every use: each belongs to a family (the first
-- exchange's); presenting one that was already used revokes the whole family. Bound to the
-- Portcullis session they came from (`session_id`): when it ends, they stop working.
CREATE TABLE oidc_refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    family      TEXT NOT NULL,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,
    auth_time   BIGINT NOT NULL,
    amr         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX oidc_refresh_by_family ON oidc_refresh_tokens (family);
CREATE INDEX oidc_refresh_by_session ON oidc_refresh_tokens (session_id);
CREATE INDEX oidc_refresh_by_user ON oidc_refresh_tokens (user_id, client_id);
CREATE INDEX oidc_refresh_by_expiry ON oidc_refresh_tokens (expires_at);

-- What a user allowed a (not first-party) client: its scopes, space-separated.
CREATE TABLE oidc_consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    scope      TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- An address is verified when an emailed link to it was used (invitation, password reset,
-- IP confirmation); changing it clears this.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- Passkeys (WebAuthn discoverable credentials) and the state of WebAuthn ceremonies in progress,
-- kept in the database so that any server process can finish a ceremony another one began.

-- The user handle given to authenticators: a random UUID, set at the first passkey, never the
-- internal user id.
ALTER TABLE users ADD COLUMN webauthn_id TEXT;
CREATE UNIQUE INDEX users_by_webauthn_id ON users (webauthn_id);

CREATE TABLE passkeys (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- base64url of the credential id the authenticator chose.
    credential_id   TEXT NOT NULL UNIQUE,
    -- webauthn-rs's Passkey: the public key, algorithm, counter and flags. Public data.
    passkey_json    TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- The authenticator model's AAGUID (all zeros when it does not say).
    aaguid          TEXT NOT NULL,
    backup_eligible BIGINT NOT NULL,
    backup_state    BIGINT NOT NULL,
    sign_count      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A registration, login or re-authentication ceremony between its options and its answer
-- (5 minutes, single use). The browser holds a random id; only its SHA-256 is stored.
CREATE TABLE webauthn_ceremonies (
    id_hash    TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'reauth')),
    -- The user it is for (registration, re-authentication); empty for a usernameless login.
    user_id    TEXT NOT NULL,
    state_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);

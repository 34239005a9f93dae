-- Two-factor authentication with an authenticator app, recovery codes, the partial login that
-- waits for a code, IP address records (the 30-day rule reads them; IP security extends them),
-- and the account's first security-center switches.

CREATE TABLE totp_credentials (
    user_id         TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    -- XChaCha20-Poly1305 with the server key, bound to 'user/<id>/totp'.
    secret_enc      TEXT NOT NULL,
    -- NULL while enrolling: the secret counts only after a first valid code.
    confirmed_at    BIGINT,
    -- The last time step whose code was accepted: a code is accepted once, and only a later one
    -- after it (checked and set in one statement, so also across server processes).
    last_step       BIGINT NOT NULL DEFAULT -1,
    -- Wrong codes in the current 30-second window.
    window_step     BIGINT NOT NULL DEFAULT -1,
    window_failures BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX totp_credentials_by_account ON totp_credentials (account_id);

-- One-time recovery codes, stored as SHA-256 hashes (they are 80 random bits).
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- A login whose first factor passed and that waits for a second one (5 minutes).
CREATE TABLE pending_logins (
    -- SHA-256 of the token in the browser's pending-login cookie.
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX pending_logins_by_user ON pending_logins (user_id);

-- IP addresses per user.
CREATE TABLE ip_addresses (
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip                 TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'validated', 'blocked')),
    first_seen_at      BIGINT NOT NULL,
    last_seen_at       BIGINT NOT NULL,
    last_user_agent    TEXT NOT NULL,
    -- When two-factor authentication was last passed from this address.
    last_two_factor_at BIGINT,
    PRIMARY KEY (user_id, ip)
);
CREATE INDEX ip_addresses_by_account ON ip_addresses (account_id, last_seen_at);

ALTER TABLE accounts ADD COLUMN enforce_two_factor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN limit_two_factor_validity BIGINT NOT NULL DEFAULT 0;
-- "Only ask for two-factor authentication once every 30 days on a known IP address".
ALTER TABLE users ADD COLUMN remember_two_factor BIGINT NOT NULL DEFAULT 0;

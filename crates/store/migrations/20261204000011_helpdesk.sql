-- The helpdesk: the platform's operators, and the grants customer accounts give them.
--
-- A grant lets the helpdesk into one account until `expires_at`; revoking deletes it (the audit
-- log keeps the history).
CREATE TABLE helpdesk_grants (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The platform's operators: staff of whoever runs Portcullis, outside every customer account.
-- Usernames are unique without regard to case (`username_key`). A second factor is required:
-- until `totp_confirmed_at` is set, an operator can do nothing but set one up. `totp_last_step`
-- makes each code count once; `failures` counts wrong passwords and codes in a row, and at
-- `LOCK_AFTER` of them the operator is locked until unlocked on the command line.
CREATE TABLE operators (
    id                TEXT PRIMARY KEY,
    username          TEXT NOT NULL,
    username_key      TEXT NOT NULL UNIQUE,
    email             TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    disabled          BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    totp_secret_enc   TEXT,
    totp_confirmed_at BIGINT,
    totp_last_step    BIGINT,
    failures          BIGINT NOT NULL DEFAULT 0
);

-- Operator sessions, apart from customer sessions: their own cookie and a shorter idle time.
-- `verified` is 0 while the session waits for the second factor (or for it to be set up).
CREATE TABLE operator_sessions (
    token_hash   TEXT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    operator_id  TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    verified     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);

-- Operators' passkeys: a second factor like the authenticator app (apart from customers'
-- passkeys, which belong to users of accounts).
CREATE TABLE operator_passkeys (
    id            TEXT PRIMARY KEY,
    operator_id   TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    passkey_json  TEXT NOT NULL,
    name          TEXT NOT NULL,
    sign_count    BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
CREATE INDEX operator_passkeys_by_operator ON operator_passkeys (operator_id);

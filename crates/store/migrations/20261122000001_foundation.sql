-- Portcullis foundation schema. Portable between SQLite and PostgreSQL: TEXT and BIGINT only,
-- times as BIGINT milliseconds since the epoch (UTC), booleans as 0/1, ids as random text.
-- Every tenant-owned table carries account_id.

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    -- XChaCha20-Poly1305 with the server key, bound to 'account/<id>/security_code'.
    security_code_enc TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    username           TEXT NOT NULL,
    -- lowercased username: unique across the whole system
    username_key       TEXT NOT NULL UNIQUE,
    email              TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('administrator', 'accountant', 'employee')),
    disabled           BIGINT NOT NULL DEFAULT 0,
    employment_ends_at BIGINT,
    password_hash      TEXT,
    created_at         BIGINT NOT NULL,
    last_login_at      BIGINT
);
CREATE INDEX users_by_account ON users (account_id, username_key);

CREATE TABLE administrations (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX administrations_by_account ON administrations (account_id, name);

-- Which administrations an employee may use (administrators and accountants see all).
CREATE TABLE user_administrations (
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    administration_id TEXT NOT NULL REFERENCES administrations (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, administration_id)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token; the token itself is never stored.
    token_hash   TEXT PRIMARY KEY,
    -- public id, to list and end sessions without handling their tokens
    id           TEXT NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Brute-force state, shared by every server process. Keyed by 'user:<username as typed,
-- lowercased>' (whether or not such a user exists) or 'ip:<address>'; not tenant-owned.
CREATE TABLE login_failures (
    throttle_key    TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    window_start    BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_at       BIGINT
);

-- Single-use links (set password, later password reset, IP confirmation): stored hashed.
CREATE TABLE single_use_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX single_use_tokens_by_user ON single_use_tokens (user_id, purpose);

-- Append-only: the store offers no way to change or delete an event.
CREATE TABLE audit_events (
    id         TEXT PRIMARY KEY,
    -- NULL for attempts on usernames that do not exist
    account_id TEXT REFERENCES accounts (id),
    user_id    TEXT,
    -- who did it: the user themselves, an administrator, 'cli', 'system'
    actor      TEXT NOT NULL,
    event      TEXT NOT NULL,
    detail     TEXT NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX audit_events_by_account ON audit_events (account_id, at);
CREATE INDEX audit_events_by_user ON audit_events (user_id, at);

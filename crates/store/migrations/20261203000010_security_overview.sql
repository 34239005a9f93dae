-- The Security center's overview and breach checks.
--
-- One row per user: the newest known answer about whether their email address is in a known
-- data breach. `email` is the address that was checked: when the user's address changes, the
-- row no longer applies until it is checked again. `result` ('clean' or 'breached') and
-- `breaches` are the last good answer (NULL when there never was one) from `last_good_at`;
-- `failed_at` is set when the newest attempt failed (and cleared by a good one).
CREATE TABLE email_checks (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    email        TEXT NOT NULL,
    result       TEXT CHECK (result IN ('clean', 'breached')),
    breaches     BIGINT NOT NULL DEFAULT 0,
    checked_at   BIGINT NOT NULL,
    last_good_at BIGINT,
    failed_at    BIGINT
);
-- The background checker walks the oldest answers first.
CREATE INDEX email_checks_by_age ON email_checks (checked_at);

-- Abuse resistance (see portcullis_core::lockout): usernames unique within their account, the
-- account found by a blind index of its security code, failure counters per account, refusals
-- of a burst aggregated in the audit log, and rate windows for what strangers may ask.

-- 1. Failure counters. A counter of a username that exists becomes its account's counter
--    ('user:<account id>/<username>', which can lock); a counter of a username that exists
--    nowhere becomes a counter of the username as typed ('name:<username>', which never locks).
--    Done before usernames change below, while 'user:' || username_key still finds the user.
UPDATE login_failures SET throttle_key = 'name:' || substr(throttle_key, 6), locked_at = NULL
 WHERE throttle_key LIKE 'user:%'
   AND NOT EXISTS (SELECT 1 FROM users u WHERE 'user:' || u.username_key = login_failures.throttle_key);
UPDATE login_failures SET throttle_key =
       (SELECT 'user:' || u.account_id || '/' || u.username_key FROM users u
         WHERE 'user:' || u.username_key = login_failures.throttle_key)
 WHERE throttle_key LIKE 'user:%';
CREATE INDEX login_failures_by_last_failure ON login_failures (last_failure_at);

-- 2. Usernames are unique within their account, not across accounts. username_key becomes
--    '<account id>/<lowercased username>': the column's UNIQUE constraint now means "unique in
--    the account" (SQLite cannot drop a column constraint without rebuilding a table that others
--    reference), and the (account_id, username_key) index still orders an account's users by
--    username.
UPDATE users SET username_key = account_id || '/' || username_key;

-- 3. The security code's blind index: HMAC-SHA-256 of the normalised code under a key derived
--    from the server key, so a login finds its account by an indexed lookup while the code itself
--    stays encrypted. SQL cannot compute it: the server fills it in at start-up.
ALTER TABLE accounts ADD COLUMN security_code_index TEXT;
CREATE UNIQUE INDEX accounts_by_security_code ON accounts (security_code_index);

-- 4. Refusals of a burst (throttled or locked attempts): the first of a minute is an event of
--    its own, the rest of that minute only raise its `repeats`. burst_key names the refusal's
--    gate and minute; NULL for every other event.
ALTER TABLE audit_events ADD COLUMN burst_key TEXT;
ALTER TABLE audit_events ADD COLUMN repeats BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX audit_events_by_burst ON audit_events (burst_key);

-- 5. Fixed-window rate limits for requests that need no credentials (passkey login options):
--    one row per limit and client address, deleted by housekeeping once its window is over.
CREATE TABLE rate_windows (
    limit_key    TEXT PRIMARY KEY,
    hits         BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX rate_windows_by_start ON rate_windows (window_start);

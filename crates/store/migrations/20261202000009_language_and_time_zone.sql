-- Languages and local time. An account speaks a default language and shows times in its time
-- zone (an IANA name; stored times stay UTC milliseconds). A user may choose their own language;
-- NULL means "none chosen": the browser's preference, else the account's default, applies.
-- Accounts that exist already keep English and show UTC, as they did.
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'nl'));
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('en', 'nl'));

-- The Security and login details summary: when the password was last set, and how each session
-- logged in. Unknown for what exists already (NULL; sessions read as password logins).
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
UPDATE users SET password_changed_at = created_at WHERE password_hash IS NOT NULL;
ALTER TABLE sessions ADD COLUMN login_method TEXT NOT NULL DEFAULT 'password';

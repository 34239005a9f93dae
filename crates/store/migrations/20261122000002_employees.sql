-- Employees, re-authentication and password reset.

-- The person's name, shown on the Employees page. Existing users get an empty name, which the
-- pages show as the username.
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- When the session's user last proved who they are (login or re-authentication), ms. Sensitive
-- changes need this to be recent ("sudo mode").
ALTER TABLE sessions ADD COLUMN reauth_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_by_account_user ON sessions (account_id, user_id);

-- Finding a user's pending links of one purpose (resend limits, voiding old links).
CREATE INDEX single_use_tokens_by_purpose ON single_use_tokens (account_id, user_id, purpose, created_at);

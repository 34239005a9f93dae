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

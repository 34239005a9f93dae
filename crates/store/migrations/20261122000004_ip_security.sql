-- IP address security: confirmation of new addresses by email, the user's "automatically
-- validate new IP addresses" option, the account's "block new IP addresses" switch, and indexes
-- for the IP addresses page.

-- A login from a new address waits in pending_logins with stage 'ip' (30 minutes) until a
-- confirmation link validates the address; stage 'totp' waits for the authenticator's code.
ALTER TABLE pending_logins ADD COLUMN stage TEXT NOT NULL DEFAULT 'totp';

-- The emailed link: "this was me" validates the address (and lets the waiting login go on),
-- "this wasn't me" blocks it. Both carry the same single-use token, stored as its SHA-256.
CREATE TABLE ip_confirmations (
    token_hash   TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip           TEXT NOT NULL,
    -- The waiting login this link belongs to (its token hash).
    pending_hash TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX ip_confirmations_by_pending ON ip_confirmations (pending_hash, created_at);
CREATE INDEX ip_confirmations_by_user_ip ON ip_confirmations (user_id, ip, created_at);

ALTER TABLE accounts ADD COLUMN block_new_ips BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN auto_validate_ips BIGINT NOT NULL DEFAULT 0;

-- The IP addresses page: newest first, per account, per status, per user.
CREATE INDEX ip_addresses_by_account_status ON ip_addresses (account_id, status, last_seen_at);
CREATE INDEX ip_addresses_by_user_seen ON ip_addresses (user_id, last_seen_at);

-- The accountancy portal: an accountancy firm is an account; client accounts link themselves to
-- it, and the firm's accountants then work in their clients under their own login.
--
-- 1. The firm's administrator makes a link code (shown once; only its SHA-256 is kept; one per
--    firm, replaced by the next, valid for 14 days) and hands it to the client.
-- 2. The client's administrator types it: a link in state 'requested'.
-- 3. The firm's administrator accepts it ('active') or declines it ('ended'); the client's
--    administrator may end it at any time ('ended'). Ended links stay as history.
CREATE TABLE firm_link_codes (
    firm_account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    code_hash       TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

CREATE TABLE client_links (
    id                  TEXT PRIMARY KEY,
    firm_account_id     TEXT NOT NULL REFERENCES accounts (id),
    client_account_id   TEXT NOT NULL REFERENCES accounts (id),
    state               TEXT NOT NULL CHECK (state IN ('requested', 'active', 'ended')),
    -- 1: the firm may reach every administration of the client; 0: only those listed in
    -- client_link_administrations.
    all_administrations BIGINT NOT NULL DEFAULT 1,
    requested_at        BIGINT NOT NULL,
    requested_by        TEXT NOT NULL,
    accepted_at         BIGINT,
    ended_at            BIGINT,
    ended_by            TEXT
);
-- At most one link that is not ended between a firm and a client.
CREATE UNIQUE INDEX client_links_live ON client_links (firm_account_id, client_account_id)
    WHERE state <> 'ended';
CREATE INDEX client_links_by_client ON client_links (client_account_id, requested_at);
CREATE INDEX client_links_by_firm ON client_links (firm_account_id, requested_at);

CREATE TABLE client_link_administrations (
    link_id           TEXT NOT NULL REFERENCES client_links (id) ON DELETE CASCADE,
    administration_id TEXT NOT NULL REFERENCES administrations (id) ON DELETE CASCADE,
    PRIMARY KEY (link_id, administration_id)
);

-- Which of the firm's accountants work for which client (through an active link), and in which
-- of the administrations the link allows.
CREATE TABLE client_assignments (
    link_id             TEXT NOT NULL REFERENCES client_links (id) ON DELETE CASCADE,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_account_id   TEXT NOT NULL REFERENCES accounts (id),
    all_administrations BIGINT NOT NULL DEFAULT 1,
    assigned_at         BIGINT NOT NULL,
    PRIMARY KEY (link_id, user_id)
);
CREATE INDEX client_assignments_by_user ON client_assignments (user_id, client_account_id);
CREATE INDEX client_assignments_by_client ON client_assignments (client_account_id);

CREATE TABLE client_assignment_administrations (
    link_id           TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    administration_id TEXT NOT NULL REFERENCES administrations (id) ON DELETE CASCADE,
    PRIMARY KEY (link_id, user_id, administration_id),
    FOREIGN KEY (link_id, user_id) REFERENCES client_assignments (link_id, user_id) ON DELETE CASCADE
);

-- The client an accountant's session works in (NULL: their own firm, the portal).
ALTER TABLE sessions ADD COLUMN client_account_id TEXT;

-- How an address came to be validated: 'automatic' when the user's own option did it without an
-- email (a client that blocks new IP addresses does not accept those); NULL otherwise.
ALTER TABLE ip_addresses ADD COLUMN validated_by TEXT;

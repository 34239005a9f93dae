-- The IP addresses page sorts by (last_seen_at, user_id, ip), all descending, and pages by that
-- triple. Indexes that end in the whole triple let both databases walk the index backwards from
-- the page's start and stop after one page, also when many records share a last_seen_at (the
-- earlier indexes ended at last_seen_at, so ties were sorted in memory).
DROP INDEX ip_addresses_by_account;
DROP INDEX ip_addresses_by_account_status;
DROP INDEX ip_addresses_by_user_seen;
CREATE INDEX ip_addresses_by_account ON ip_addresses (account_id, last_seen_at, user_id, ip);
CREATE INDEX ip_addresses_by_account_status ON ip_addresses (account_id, status, last_seen_at, user_id, ip);
CREATE INDEX ip_addresses_by_user_seen ON ip_addresses (user_id, last_seen_at, ip);

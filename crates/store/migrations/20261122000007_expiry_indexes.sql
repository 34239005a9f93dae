-- Housekeeping deletes expired partial logins, IP confirmation links and single-use links in
-- small batches every few minutes; these indexes let each batch find its rows without a scan.
CREATE INDEX pending_logins_by_expiry ON pending_logins (expires_at);
CREATE INDEX ip_confirmations_by_expiry ON ip_confirmations (expires_at);
CREATE INDEX single_use_tokens_by_expiry ON single_use_tokens (expires_at);

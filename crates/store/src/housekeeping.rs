//! Removing what can no longer be used: expired partial logins, IP confirmation links and
//! single-use links (password reset, invitation). Nothing here is needed once expired — every
//! reader already ignores expired rows, and an unknown link gets the same answer as an expired
//! one — so the tables stay the size of what is live, whatever arrives.

use portcullis_core::Timestamp;

use crate::{Store, StoreError};

/// Rows per delete: short enough that no batch holds SQLite's write lock for long.
const BATCH: i64 = 1_000;

/// The tables whose rows expire: each has `expires_at` (indexed) and the key `token_hash`.
const EXPIRING: [&str; 3] = ["pending_logins", "ip_confirmations", "single_use_tokens"];

/// How many rows one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Partial logins (waiting for a code or an IP confirmation) past their validity.
    pub pending_logins: u64,
    /// IP confirmation links past their validity.
    pub ip_confirmations: u64,
    /// Password-reset and invitation links past their validity.
    pub single_use_tokens: u64,
}

impl Store {
    /// Deletes every partial login, IP confirmation link and single-use link that expired at or
    /// before `now`, a batch at a time.
    pub async fn purge_expired(&self, now: Timestamp) -> Result<Purged, StoreError> {
        let mut counts = [0_u64; EXPIRING.len()];
        for (table, count) in EXPIRING.iter().zip(counts.iter_mut()) {
            let sql = format!(
                "DELETE FROM {table} WHERE token_hash IN \
                 (SELECT token_hash FROM {table} WHERE expires_at <= $1 LIMIT $2)"
            );
            loop {
                let done = sqlx::query(&sql)
                    .bind(now.millis())
                    .bind(BATCH)
                    .execute(self.pool())
                    .await?
                    .rows_affected();
                *count += done;
                if done < BATCH.unsigned_abs() {
                    break;
                }
            }
        }
        let [pending_logins, ip_confirmations, single_use_tokens] = counts;
        Ok(Purged {
            pending_logins,
            ip_confirmations,
            single_use_tokens,
        })
    }
}

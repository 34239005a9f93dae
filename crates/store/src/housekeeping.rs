//! Removing what can no longer be used: expired partial logins, IP confirmation links,
//! single-use links (password reset, invitation), OpenID Connect codes and refresh tokens. Nothing here is needed once expired — every
//! reader already ignores expired rows, and an unknown link gets the same answer as an expired
//! one — so the tables stay the size of what is live, whatever arrives.

use portcullis_core::Timestamp;

use crate::{Store, StoreError};

/// Rows per delete: short enough that no batch holds SQLite's write lock for long.
const BATCH: i64 = 1_000;

/// The tables whose rows expire, with their key: each has `expires_at` (indexed).
const EXPIRING: [(&str, &str); 5] = [
    ("pending_logins", "token_hash"),
    ("ip_confirmations", "token_hash"),
    ("single_use_tokens", "token_hash"),
    ("oidc_codes", "code_hash"),
    ("oidc_refresh_tokens", "token_hash"),
];

/// How many rows one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Partial logins (waiting for a code or an IP confirmation) past their validity.
    pub pending_logins: u64,
    /// IP confirmation links past their validity.
    pub ip_confirmations: u64,
    /// Password-reset and invitation links past their validity.
    pub single_use_tokens: u64,
    /// Authorization codes past their validity (a code is kept a while after: see below).
    pub oidc_codes: u64,
    /// Refresh tokens past their validity.
    pub oidc_refresh_tokens: u64,
}

/// How long an expired authorization code is kept: a replay soon after its minute still finds
/// it, and revokes what it issued.
const CODE_AFTERLIFE_MS: i64 = 60 * 60 * 1000;

impl Store {
    /// Deletes every partial login, IP confirmation link and single-use link that expired at or
    /// before `now`, a batch at a time.
    pub async fn purge_expired(&self, now: Timestamp) -> Result<Purged, StoreError> {
        let mut counts = [0_u64; EXPIRING.len()];
        for ((table, key), count) in EXPIRING.iter().zip(counts.iter_mut()) {
            let sql = format!(
                "DELETE FROM {table} WHERE {key} IN \
                 (SELECT {key} FROM {table} WHERE expires_at <= $1 LIMIT $2)"
            );
            let cutoff = if *table == "oidc_codes" {
                now.millis() - CODE_AFTERLIFE_MS
            } else {
                now.millis()
            };
            loop {
                let done = sqlx::query(&sql)
                    .bind(cutoff)
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
        let [
            pending_logins,
            ip_confirmations,
            single_use_tokens,
            oidc_codes,
            oidc_refresh_tokens,
        ] = counts;
        Ok(Purged {
            pending_logins,
            ip_confirmations,
            single_use_tokens,
            oidc_codes,
            oidc_refresh_tokens,
        })
    }
}

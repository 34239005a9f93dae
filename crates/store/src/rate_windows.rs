//! Fixed-window rate limits shared by every server process (see
//! `portcullis_core::lockout::RateLimit`), for requests that need no credentials.

use portcullis_core::Timestamp;
use portcullis_core::lockout::RateLimit;

use crate::{Store, StoreError};

impl Store {
    /// Counts one request against `limit` for `key` (a limit's name and a client address), in
    /// one conditional statement: `Ok(())` when it is within the limit, otherwise the time its
    /// window ends. A refused request is not counted.
    pub async fn claim_rate_window(
        &self,
        key: &str,
        limit: RateLimit,
        now: Timestamp,
    ) -> Result<Result<(), Timestamp>, StoreError> {
        let cutoff = limit.cutoff(now).millis();
        let admitted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO rate_windows (limit_key, hits, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (limit_key) DO UPDATE SET \
               hits = CASE WHEN rate_windows.window_start <= $3 THEN 1 ELSE rate_windows.hits + 1 END, \
               window_start = CASE WHEN rate_windows.window_start <= $3 THEN $2 ELSE rate_windows.window_start END \
             WHERE rate_windows.window_start <= $3 OR rate_windows.hits < $4 \
             RETURNING hits",
        )
        .bind(key)
        .bind(now.millis())
        .bind(cutoff)
        .bind(i64::from(limit.max))
        .fetch_optional(self.pool())
        .await?;
        if admitted.is_some() {
            return Ok(Ok(()));
        }
        let start: Option<(i64,)> =
            sqlx::query_as("SELECT window_start FROM rate_windows WHERE limit_key = $1")
                .bind(key)
                .fetch_optional(self.pool())
                .await?;
        Ok(Err(limit.ends(start.map_or(now, |(s,)| Timestamp(s)))))
    }

    /// Deletes rate windows that began at or before `cutoff` (over for every limit whose window
    /// is at most `now - cutoff` long), a batch at a time. Returns how many went.
    pub async fn purge_rate_windows(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let mut purged = 0;
        loop {
            let done = sqlx::query(
                "DELETE FROM rate_windows WHERE limit_key IN \
                 (SELECT limit_key FROM rate_windows WHERE window_start <= $1 LIMIT 1000)",
            )
            .bind(cutoff.millis())
            .execute(self.pool())
            .await?
            .rows_affected();
            purged += done;
            if done < 1000 {
                return Ok(purged);
            }
        }
    }
}

//! Brute-force counters shared by every server process (see `portcullis_core::lockout`).

use portcullis_core::Timestamp;
use portcullis_core::lockout::{IpFailures, UsernameFailures};

use crate::{Store, StoreError};

fn user_key(username_key: &str) -> String {
    format!("user:{username_key}")
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Forgets a username's failures on `executor` (the pool, or a transaction). Returns whether
/// there were any.
pub(crate) async fn clear_username_failures<'c, E>(
    executor: E,
    username_key: &str,
) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let done = sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
        .bind(user_key(username_key))
        .execute(executor)
        .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    /// The failure state of a username (as typed, lowercased).
    pub async fn username_failures(
        &self,
        username_key: &str,
    ) -> Result<UsernameFailures, StoreError> {
        let row: Option<(i64, i64, Option<i64>)> =
            sqlx::query_as("SELECT failures, last_failure_at, locked_at FROM login_failures WHERE throttle_key = $1")
                .bind(user_key(username_key))
                .fetch_optional(self.pool())
                .await?;
        Ok(row
            .map(|(failures, last, locked)| UsernameFailures {
                failures: count(failures),
                last_failure_at: Some(Timestamp(last)),
                locked_at: locked.map(Timestamp),
            })
            .unwrap_or_default())
    }

    /// Counts one more consecutive failure for a username; returns the new count. Atomic, so
    /// failures arriving at several processes at once all count.
    pub async fn record_username_failure(
        &self,
        username_key: &str,
        now: Timestamp,
    ) -> Result<u32, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO login_failures (throttle_key, failures, window_start, last_failure_at) VALUES ($1, 1, $2, $2) \
             ON CONFLICT (throttle_key) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = $2 \
             RETURNING failures",
        )
        .bind(user_key(username_key))
        .bind(now.millis())
        .fetch_one(self.pool())
        .await?;
        Ok(count(n))
    }

    /// Engages the lock on a username; returns whether this call engaged it (so the lock is
    /// audited and announced once).
    pub async fn lock_username(
        &self,
        username_key: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE login_failures SET locked_at = $1 WHERE throttle_key = $2 AND locked_at IS NULL")
            .bind(now.millis())
            .bind(user_key(username_key))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forgets a username's failures: after a successful login, or when an administrator lifts
    /// a lock. Returns whether there was anything to forget.
    pub async fn clear_username_failures(&self, username_key: &str) -> Result<bool, StoreError> {
        clear_username_failures(self.pool(), username_key).await
    }

    /// The failure window of an IP address.
    pub async fn ip_failures(&self, ip: &str) -> Result<IpFailures, StoreError> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, window_start FROM login_failures WHERE throttle_key = $1",
        )
        .bind(ip_key(ip))
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .map(|(failures, start)| IpFailures {
                failures: count(failures),
                window_start: Some(Timestamp(start)),
            })
            .unwrap_or_default())
    }

    /// Counts a failure from an IP address; a window that began before `window_cutoff` is over,
    /// and this failure starts a new one.
    pub async fn record_ip_failure(
        &self,
        ip: &str,
        now: Timestamp,
        window_cutoff: Timestamp,
    ) -> Result<u32, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO login_failures (throttle_key, failures, window_start, last_failure_at) VALUES ($1, 1, $2, $2) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN login_failures.window_start <= $3 THEN 1 ELSE login_failures.failures + 1 END, \
               window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 ELSE login_failures.window_start END, \
               last_failure_at = $2 \
             RETURNING failures",
        )
        .bind(ip_key(ip))
        .bind(now.millis())
        .bind(window_cutoff.millis())
        .fetch_one(self.pool())
        .await?;
        Ok(count(n))
    }
}

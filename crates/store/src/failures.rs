//! Brute-force counters shared by every server process (see `portcullis_core::lockout`).
//!
//! An attempt is claimed before it is checked: the domain computes the counter's next state from
//! the stored one, and the store writes it only if the stored state is still the one read (a
//! compare-and-set, one conditional statement). A writer that lost the race reads again and asks
//! the domain again, so N attempts arriving at once on any number of processes are admitted no
//! more often than the gate allows.

use portcullis_core::Timestamp;
use portcullis_core::lockout::{Gate, IpFailures, Scope, UsernameFailures};

use crate::{Store, StoreError};

/// The counter of a username in one account, or of a username as typed (no account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameCounter<'a> {
    /// `account_id` and the lowercased username: the counter that can lock.
    InAccount(&'a str, &'a str),
    /// The lowercased username as typed with a security code that names no account.
    AsTyped(&'a str),
}

impl UsernameCounter<'_> {
    fn key(&self) -> String {
        match self {
            UsernameCounter::InAccount(account_id, key) => {
                format!("user:{}", crate::users::scoped_key(account_id, key))
            }
            UsernameCounter::AsTyped(key) => format!("name:{key}"),
        }
    }

    /// The domain's name for this counter's rules.
    pub fn scope(&self) -> Scope {
        match self {
            UsernameCounter::InAccount(..) => Scope::InAccount,
            UsernameCounter::AsTyped(_) => Scope::AsTyped,
        }
    }
}

fn ip_key(address: &str) -> String {
    format!("ip:{address}")
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// How often a claim reads again after losing a race before it gives up (and refuses the
/// attempt for a second). Every round one of the racing writers wins, and the gate closes after
/// a handful of claims, so this is never reached in practice.
const CLAIM_ROUNDS: usize = 64;

/// A counter row as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    failures: i64,
    window_start: i64,
    last_failure_at: i64,
    locked_at: Option<i64>,
}

/// Forgets a username's failures on `executor` (the pool, or a transaction). Returns whether
/// there were any.
pub(crate) async fn clear_username_failures<'c, E>(
    executor: E,
    counter: UsernameCounter<'_>,
) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let done = sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
        .bind(counter.key())
        .execute(executor)
        .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    async fn counter_row(&self, key: &str) -> Result<Option<Row>, StoreError> {
        let row: Option<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT failures, window_start, last_failure_at, locked_at FROM login_failures WHERE throttle_key = $1",
        )
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        Ok(
            row.map(|(failures, window_start, last_failure_at, locked_at)| Row {
                failures,
                window_start,
                last_failure_at,
                locked_at,
            }),
        )
    }

    /// Writes `next` over `before` if the row is still `before` (or inserts it if there was no
    /// row and still is none). Returns whether this writer won.
    async fn compare_and_set(
        &self,
        key: &str,
        before: Option<Row>,
        next: Row,
    ) -> Result<bool, StoreError> {
        let done = match before {
            None => {
                sqlx::query(
                    "INSERT INTO login_failures (throttle_key, failures, window_start, last_failure_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (throttle_key) DO NOTHING",
                )
                .bind(key)
                .bind(next.failures)
                .bind(next.window_start)
                .bind(next.last_failure_at)
                .execute(self.pool())
                .await?
            }
            Some(before) => {
                sqlx::query(
                    "UPDATE login_failures SET failures = $1, window_start = $2, last_failure_at = $3 \
                     WHERE throttle_key = $4 AND failures = $5 AND window_start = $6 \
                       AND last_failure_at = $7 AND locked_at IS NULL",
                )
                .bind(next.failures)
                .bind(next.window_start)
                .bind(next.last_failure_at)
                .bind(key)
                .bind(before.failures)
                .bind(before.window_start)
                .bind(before.last_failure_at)
                .execute(self.pool())
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// The failure state of a username counter.
    pub async fn username_failures(
        &self,
        counter: UsernameCounter<'_>,
    ) -> Result<UsernameFailures, StoreError> {
        Ok(self
            .counter_row(&counter.key())
            .await?
            .map(username_state)
            .unwrap_or_default())
    }

    /// Claims an attempt on a username counter before it is checked: counts it as a failure
    /// when the gate is open and returns the new count, or returns the closed gate. A success
    /// gives the claim back with [`Store::clear_username_failures`].
    pub async fn claim_username_attempt(
        &self,
        counter: UsernameCounter<'_>,
        now: Timestamp,
    ) -> Result<Result<u32, Gate>, StoreError> {
        self.claim(&counter.key(), now, |before| {
            let next = before
                .map(username_state)
                .unwrap_or_default()
                .claim(counter.scope(), now)?;
            Ok(Row {
                failures: i64::from(next.failures),
                window_start: before.map_or(now.millis(), |b| b.window_start),
                last_failure_at: now.millis(),
                locked_at: None,
            })
        })
        .await
    }

    /// The claim loop: reads the counter, lets `decide` compute its next state (or the closed
    /// gate), and writes it if nobody wrote in between; otherwise reads again.
    async fn claim(
        &self,
        key: &str,
        now: Timestamp,
        decide: impl Fn(Option<Row>) -> Result<Row, Gate>,
    ) -> Result<Result<u32, Gate>, StoreError> {
        for _ in 0..CLAIM_ROUNDS {
            let before = self.counter_row(key).await?;
            let next = match decide(before) {
                Ok(next) => next,
                Err(gate) => return Ok(Err(gate)),
            };
            if self.compare_and_set(key, before, next).await? {
                return Ok(Ok(count(next.failures)));
            }
        }
        Ok(Err(Gate::WaitUntil(
            now.plus(std::time::Duration::from_secs(1)),
        )))
    }

    /// Engages the lock on an account's username; returns whether this call engaged it (so the
    /// lock is audited and announced once).
    pub async fn lock_username(
        &self,
        counter: UsernameCounter<'_>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE login_failures SET locked_at = $1 WHERE throttle_key = $2 AND locked_at IS NULL")
            .bind(now.millis())
            .bind(counter.key())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives back one claimed attempt on a username counter whose check passed a step without
    /// ending the login (the password was right and the code is next): the count goes down by
    /// one, the failures before it stay.
    pub async fn give_back_username_attempt(
        &self,
        counter: UsernameCounter<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE login_failures SET failures = failures - 1 \
             WHERE throttle_key = $1 AND failures > 0 AND locked_at IS NULL",
        )
        .bind(counter.key())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The failure window of a client address (see `portcullis_core::lockout::address_key`).
    pub async fn ip_failures(&self, address: &str) -> Result<IpFailures, StoreError> {
        Ok(self
            .counter_row(&ip_key(address))
            .await?
            .map(ip_state)
            .unwrap_or_default())
    }

    /// Claims an attempt from a client address before it is checked: counts it in the
    /// address's window when the gate is open, or returns the closed gate. A success gives the
    /// claim back with [`Store::give_back_ip_attempt`].
    pub async fn claim_ip_attempt(
        &self,
        address: &str,
        now: Timestamp,
    ) -> Result<Result<u32, Gate>, StoreError> {
        self.claim(&ip_key(address), now, |before| {
            let next = before.map(ip_state).unwrap_or_default().claim(now)?;
            Ok(Row {
                failures: i64::from(next.failures),
                window_start: next.window_start.unwrap_or(now).millis(),
                last_failure_at: now.millis(),
                locked_at: None,
            })
        })
        .await
    }

    /// Gives back a claimed attempt from an address whose credentials turned out right.
    pub async fn give_back_ip_attempt(&self, address: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE login_failures SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0",
        )
        .bind(ip_key(address))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Deletes counters that no longer hold anything back: address windows that are over and
    /// username counters quiet since `quiet_since` (locks are kept until an administrator lifts
    /// them). Returns how many went.
    pub async fn purge_failure_counters(
        &self,
        ip_window_cutoff: Timestamp,
        quiet_since: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut purged = 0;
        loop {
            let done = sqlx::query(
                "DELETE FROM login_failures WHERE throttle_key IN (SELECT throttle_key FROM login_failures \
                 WHERE locked_at IS NULL AND ((throttle_key LIKE 'ip:%' AND window_start <= $1) \
                   OR (throttle_key NOT LIKE 'ip:%' AND last_failure_at <= $2)) LIMIT 1000)",
            )
            .bind(ip_window_cutoff.millis())
            .bind(quiet_since.millis())
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

fn username_state(row: Row) -> UsernameFailures {
    UsernameFailures {
        failures: count(row.failures),
        last_failure_at: Some(Timestamp(row.last_failure_at)),
        locked_at: row.locked_at.map(Timestamp),
    }
}

fn ip_state(row: Row) -> IpFailures {
    IpFailures {
        failures: count(row.failures),
        window_start: Some(Timestamp(row.window_start)),
    }
}

crate::tx::both! {
    /// Forgets a username's failures: after a successful login, or when an administrator lifts
    /// a lock. Returns whether there was anything to forget.
    pub async fn clear_username_failures(
        &self,
        counter: UsernameCounter<'_>,
    ) -> Result<bool, StoreError> [e] {
        clear_username_failures(e, counter).await
    }
}

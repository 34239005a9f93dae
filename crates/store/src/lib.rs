//! Portcullis storage: versioned migrations and every query, for SQLite and PostgreSQL.
//!
//! # One body of code for both databases
//! We use sqlx's `Any` driver with portable SQL rather than an ORM or two sets of queries:
//! - the schema needs only `TEXT` and `BIGINT` (times as UTC milliseconds, booleans as 0/1, ids as
//!   random text), which both databases store identically, so one migration set serves both;
//! - `$1`-style parameters, `INSERT … ON CONFLICT … DO UPDATE` and `RETURNING` mean the same on
//!   SQLite ≥ 3.35 (bundled) and PostgreSQL, so every query is written once and runs on both;
//! - the whole integration suite runs against each database, which is what keeps this honest.
//!
//! The price is that `Any` decodes only plain types, which is why times are integers.
//!
//! One query runs outside sqlx on SQLite: the session lookup every authenticated request makes is
//! answered on the request's own thread by `rusqlite` (same SQL text, same SQLite library), which
//! saves sqlx's per-query thread hand-off — see `sqlite_reads`.
//!
//! # What must always hold
//! - No policy lives here: the store records and reads; the domain decides.
//! - Every query on tenant-owned data filters by `account_id` as well as the row id, so a
//!   foreign id finds nothing.
//! - State changes that race across server processes are single atomic statements (upserts with
//!   `RETURNING`, conditional updates), never read-then-write.
//! - SQLite runs in WAL mode with foreign keys on.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod accounts;
mod administrations;
mod audit;
mod failures;
mod helpdesk;
mod housekeeping;
mod ip_addresses;
mod oidc;
mod operators;
mod overview;
mod passkeys;
mod portal;
mod rate_windows;
mod seed;
mod sessions;
mod sqlite_reads;
#[cfg(test)]
mod test_support;
mod tokens;
mod two_factor;
mod tx;
mod users;

pub use accounts::{NewAccount, SealedAccount};
pub use administrations::AdministrationRow;
pub use audit::{AuditEvent, AuditQuery, AuditRow};
pub use failures::UsernameCounter;
pub use helpdesk::{GrantedAccount, HelpdeskGrant};
pub use housekeeping::Purged;
pub use ip_addresses::{IpAddressRow, IpConfirmationRow, IpQuery};
pub use oidc::{AppAccess, CodeGrant, NewCode, NewRefresh, OidcClient, OidcKeyRow, RefreshGrant};
pub use operators::{NewOperator, Operator, OperatorPasskey, OperatorSession};
pub use overview::{
    EmailCheck, EmailCheckState, OverviewContext, OverviewCursor, OverviewFigures, OverviewQuery,
    OverviewRow, OverviewSort,
};
pub use passkeys::{CeremonyPurpose, NewPasskey, PasskeyRow};
pub use portal::{AssignedClient, Assignment, ClientAdministration, ClientLink, FirmAccountant};
pub use seed::SeedIp;
pub use sessions::{ActiveSession, NewSession, SessionClient, SessionListRow, SessionStart};
pub use tokens::TokenPurpose;
pub use two_factor::{IpFactsRow, PendingLoginRow, PendingStage, TotpRow};
pub use tx::Tx;
pub use users::{Employee, Guarded, LoginCandidate, NewUser, UserQuery, UserUpdate};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// What went wrong in the store. The web layer maps these to responses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one Portcullis understands.
    #[error("unsupported database URL (expected sqlite:… or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// Another user already has this username (compared without regard to case).
    #[error("the username is already taken")]
    UsernameTaken,
    /// Another account already has this security code.
    #[error("the security code is in use")]
    SecurityCodeTaken,
    /// This passkey (credential id) is registered already.
    #[error("the passkey is registered already")]
    AlreadyRegistered,
    /// The row that should have been changed does not exist (or belongs to another account).
    #[error("not found")]
    NotFound,
    /// The lock that keeps two processes from migrating one SQLite file at once failed.
    #[error("could not lock the database for migration: {0}")]
    MigrationLock(String),
    /// A migration failed; start-up stops.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Anything else the database said.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything SQLite said on a read answered outside the pool (see `sqlite_reads`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, the embedded default.
    Sqlite,
    /// For several server processes.
    Postgres,
}

/// The database handle shared by every request. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// For SQLite: the database file, whose neighbour `<file>-migrate.lock` serialises
    /// migrations between processes.
    sqlite_file: Option<std::sync::Arc<std::path::Path>>,
    /// For a SQLite file: the session lookup's own connections (see `sqlite_reads`).
    sqlite_reads: Option<std::sync::Arc<sqlite_reads::SqliteReads>>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Opens a pool on `url` (`sqlite:…` creates the file when missing; `postgres://…`).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection before handing it out by default: one extra round
            // trip per query (a third of a session check's time). A connection that died is
            // noticed by the query that uses it instead, and the pool replaces it.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let sqlite_file = match backend {
            Backend::Sqlite => sqlite_file(&url).map(std::sync::Arc::<std::path::Path>::from),
            Backend::Postgres => None,
        };
        // One read connection per thread that can be running a request at once.
        let sqlite_reads = sqlite_file.as_ref().map(|file| {
            let threads = std::thread::available_parallelism().map_or(2, usize::from);
            std::sync::Arc::new(sqlite_reads::SqliteReads::new(
                file.to_path_buf(),
                threads + 1,
            ))
        });
        Ok(Store {
            pool,
            backend,
            sqlite_file,
            sqlite_reads,
        })
    }

    /// Brings the schema up to date. Safe to run from several processes at once: PostgreSQL
    /// migrations take an advisory lock; sqlx has no such lock for SQLite, so an exclusive lock
    /// on a file next to the database stands in for it.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let _guard = match &self.sqlite_file {
            Some(file) => {
                let mut lock_path = file.as_os_str().to_os_string();
                lock_path.push("-migrate.lock");
                let lock =
                    tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
                        let f = std::fs::OpenOptions::new()
                            .create(true)
                            .truncate(false)
                            .write(true)
                            .open(&lock_path)?;
                        f.lock()?;
                        Ok(f)
                    })
                    .await
                    .map_err(|e| StoreError::MigrationLock(e.to_string()))?
                    .map_err(|e| StoreError::MigrationLock(e.to_string()))?;
                Some(lock)
            }
            None => None,
        };
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (at shutdown, and in tests before a database is dropped).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The SQLite journal mode, to check that WAL is on.
    pub async fn sqlite_journal_mode(&self) -> Result<Option<String>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(mode))
    }

    /// Whether SQLite enforces foreign keys on this pool's connections.
    pub async fn sqlite_foreign_keys(&self) -> Result<Option<bool>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let (on,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(on == 1))
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// The file of a `sqlite:` URL, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// A database URL with any password replaced, safe for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..scheme_end], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Maps a unique-constraint violation to `conflict`, anything else to a database error.
pub(crate) fn unique_violation(err: sqlx::Error, conflict: StoreError) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => conflict,
        _ => StoreError::Database(err),
    }
}

/// `NotFound` when an update meant for one row of one account changed nothing.
pub(crate) fn changed(
    done: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
) -> Result<(), StoreError> {
    if done?.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Takes the account's row lock for the rest of the transaction: a no-op update, which PostgreSQL
/// turns into a row lock and SQLite into the database write lock. Used where a rule spans several
/// rows of one account (the last administrator).
pub(crate) async fn lock_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
) -> Result<(), StoreError> {
    changed(
        sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
            .bind(account_id)
            .execute(&mut **tx)
            .await,
    )
}

/// Stored 0/1 as a boolean.
pub(crate) fn flag(value: i64) -> bool {
    value != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite:/data/portcullis.db?mode=rwc"),
            Some("/data/portcullis.db".into())
        );
        assert_eq!(sqlite_file("sqlite://rel.db"), Some("rel.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite:x.db?mode=memory"), None);
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/portcullis"),
            "postgres://app:***@db:5432/portcullis"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
    }
}

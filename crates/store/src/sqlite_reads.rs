//! The session lookup on SQLite, answered on the calling thread.
//!
//! sqlx runs every SQLite connection on a thread of its own and hands each query and each row
//! across channels. For a point read that hand-off costs several times the read: profiling the
//! session-check benchmark put about 40% of the server's CPU in waking and parking those
//! threads. The one query every authenticated request makes is therefore answered by a few
//! connections of our own, used synchronously under a mutex held only for the read:
//! - the SQL is the same text the pool runs (on PostgreSQL, and here as the fallback);
//! - in WAL mode a read never waits for a writer, and each read is a transaction of its own, so
//!   it sees every commit made before it, by this process or another (logout on one server
//!   process ends the session on every other at its next request);
//! - the connections are `query_only` with no busy timeout: if SQLite ever answers "busy" (a
//!   checkpoint resetting the log), or every connection is in use, the read goes to the pool
//!   instead, so this path never blocks the async thread on a lock.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, TryLockError};

use rusqlite::{Connection, ErrorCode, OpenFlags};

/// A handful of read connections to one SQLite file, opened when first needed.
#[derive(Debug)]
pub(crate) struct SqliteReads {
    file: PathBuf,
    slots: Box<[Mutex<Option<Connection>>]>,
    next: AtomicUsize,
}

/// Why a read was not answered here; the caller asks the pool instead.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Declined {
    /// Every connection is in use (more threads reading at once than connections).
    AllBusy,
    /// SQLite could not take its read lock at once, or could not open the file.
    Unavailable,
}

impl SqliteReads {
    /// Read connections to `file`: one per thread that can run requests at once.
    pub(crate) fn new(file: PathBuf, connections: usize) -> SqliteReads {
        SqliteReads {
            file,
            slots: (0..connections.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// Runs `read` on a free connection. `Err(Declined)` means nothing was read.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<rusqlite::Result<T>, Declined> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.slots.len() {
            let slot = &self.slots[(start + i) % self.slots.len()];
            let mut guard = match slot.try_lock() {
                Ok(guard) => guard,
                // Busy, or a read panicked while holding it: try the next one.
                Err(TryLockError::WouldBlock | TryLockError::Poisoned(_)) => continue,
            };
            if guard.is_none() {
                *guard = Some(self.open().map_err(|e| {
                    tracing::warn!("cannot open a read connection to the SQLite file: {e}");
                    Declined::Unavailable
                })?);
            }
            let Some(conn) = guard.as_ref() else {
                return Err(Declined::Unavailable);
            };
            return match read(conn) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
                {
                    Err(Declined::Unavailable)
                }
                other => Ok(other),
            };
        }
        Err(Declined::AllBusy)
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 0;")?;
        Ok(conn)
    }
}

/// Runs `sql` with one text parameter on a read connection and maps its first row, if any,
/// with `map` (the caller owns the SQL and knows its columns).
pub(crate) fn query_one<T>(
    conn: &Connection,
    sql: &str,
    param: &str,
    map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query([param])?;
    match rows.next()? {
        Some(row) => map(row).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::{ActiveSession, SESSION_BY_TOKEN_HASH, SessionRecord};
    use crate::test_support::store_with_a_session;

    /// The session lookup answered by the read connections themselves (a decline fails).
    fn read_here(reads: &SqliteReads, hash: &str) -> Option<ActiveSession> {
        reads
            .read(|conn| {
                query_one(
                    conn,
                    SESSION_BY_TOKEN_HASH,
                    hash,
                    SessionRecord::from_sqlite,
                )
            })
            .expect("answered on this thread, not declined to the pool")
            .unwrap()
            .map(ActiveSession::from)
    }

    #[tokio::test]
    async fn answers_like_the_pool_and_sees_every_commit_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_a_session(&dir).await;
        let reads = store.sqlite_reads.clone().unwrap();
        let read = |hash: &str| read_here(&reads, hash);

        let here = read("hash-1").unwrap();
        let pooled = store
            .session_by_token_hash_pooled("hash-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(here, pooled);
        assert_eq!(here.username, "MDupont");
        assert_eq!(here.account_name, "Dupont & Fils");
        assert_eq!(here.factors, portcullis_core::user::Factors::NONE);
        // The columns added for languages and local time read the same way on both paths.
        assert_eq!(here.name, "Marie Dupont");
        assert_eq!(here.language, None);
        assert_eq!(
            here.account_language,
            portcullis_core::language::Language::Dutch
        );
        assert_eq!(here.time_zone, "Europe/Amsterdam");
        assert!(read("hash-2").is_none());

        // A logout through the pool (another connection, as another process would be) is
        // seen by the very next read.
        store.delete_session("hash-1").await.unwrap();
        assert!(read("hash-1").is_none());
        assert!(
            store
                .session_by_token_hash("hash-1")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn the_forward_auth_lookup_adds_the_administrations_the_same_on_both_paths() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_a_session(&dir).await;
        let (_, none) = store
            .session_with_administrations("hash-1")
            .await
            .unwrap()
            .unwrap();
        assert!(none.is_empty());
        for (id, name) in [("adm-2", "Zuid"), ("adm-1", "Noord & Co")] {
            store
                .create_administration(id, "acc-1", name, portcullis_core::Timestamp(1))
                .await
                .unwrap();
        }
        let here = store
            .session_with_administrations("hash-1")
            .await
            .unwrap()
            .unwrap();
        let pooled = store
            .session_with_administrations_pooled("hash-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(here, pooled);
        assert_eq!(here.1, ["Noord & Co", "Zuid"]);
        assert_eq!(
            here.0,
            store
                .session_by_token_hash("hash-1")
                .await
                .unwrap()
                .unwrap()
        );
        assert_eq!(here.0.email, "marie@example.com");
        assert!(
            store
                .session_with_administrations("hash-2")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_writer_holding_the_lock_does_not_block_reads() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_a_session(&dir).await;
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query("DELETE FROM sessions WHERE token_hash = 'hash-1'")
            .execute(&mut *tx)
            .await
            .unwrap();
        // Uncommitted: the read sees the session as it was, at once.
        let seen = store.session_by_token_hash("hash-1").await.unwrap();
        assert_eq!(seen.map(|s| s.id), Some("ses-1".to_string()));
        // And it was answered here, not declined to the pool: the writer's lock is no obstacle.
        let reads = store.sqlite_reads.clone().unwrap();
        let here = read_here(&reads, "hash-1");
        assert_eq!(here.map(|s| s.id), Some("ses-1".to_string()));
        tx.commit().await.unwrap();
        assert!(
            store
                .session_by_token_hash("hash-1")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn when_every_connection_is_in_use_the_pool_answers() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_a_session(&dir).await;
        let reads = store.sqlite_reads.clone().unwrap();
        let held: Vec<_> = reads
            .slots
            .iter()
            .map(|slot| slot.lock().unwrap())
            .collect();
        assert_eq!(reads.read(|_| Ok(())).map(|_| ()), Err(Declined::AllBusy));
        // The store still answers, through the pool.
        let seen = store.session_by_token_hash("hash-1").await.unwrap();
        assert_eq!(seen.map(|s| s.id), Some("ses-1".to_string()));
        drop(held);
        assert!(reads.read(|_| Ok(())).is_ok());
    }

    #[test]
    fn a_missing_file_is_declined_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let reads = SqliteReads::new(dir.path().join("absent").join("x.db"), 2);
        assert_eq!(
            reads.read(|_| Ok(())).map(|_| ()),
            Err(Declined::Unavailable)
        );
    }
}

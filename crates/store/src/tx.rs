//! Units of work: writes that commit together or not at all.
//!
//! A flow that changes several rows — a change and its audit event, a user's update and the
//! sessions it ends — begins a [`Tx`], makes its writes on it and commits. Dropping a `Tx`
//! without committing rolls everything back, so an early return (a rule that refused, an error)
//! leaves nothing half done.
//!
//! Begin with a write (or [`Tx::lock_account`]) when a unit of work also reads: on SQLite a
//! transaction that read first and writes later fails at once if another process wrote in
//! between, while one that writes first waits its turn for the write lock.
//!
//! Single-statement writes are declared once with [`both!`], which gives each a method on
//! [`Store`] (its own autocommit statement, for callers with nothing else to write) and the same
//! method on [`Tx`].

use crate::audit::{AuditEvent, append_audit};
use crate::{Store, StoreError};

/// An open transaction on the store.
pub struct Tx {
    pub(crate) inner: sqlx::Transaction<'static, sqlx::Any>,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

impl Store {
    /// Begins a unit of work.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx {
            inner: self.pool().begin().await?,
        })
    }
}

impl Tx {
    /// Makes every write of this unit of work permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        Ok(())
    }

    /// Appends an audit event, committed with the change it reports.
    pub async fn append_audit(&mut self, e: &AuditEvent<'_>) -> Result<(), StoreError> {
        append_audit(&mut *self.inner, e).await
    }

    /// Takes the account's row lock for the rest of the transaction (see
    /// [`crate::lock_account`]): where a rule spans several rows of one account.
    pub async fn lock_account(&mut self, account_id: &str) -> Result<(), StoreError> {
        crate::lock_account(&mut self.inner, account_id).await
    }
}

/// Declares a single-statement store operation once, as a method on [`Store`] and on [`Tx`].
/// The body names its executor `$e` and uses it exactly once.
macro_rules! both {
    ($(
        $(#[$doc:meta])*
        pub async fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty
        [$e:ident] $body:block
    )*) => {
        impl crate::Store {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    let $e = self.pool();
                    $body
                }
            )*
        }

        impl crate::tx::Tx {
            $(
                $(#[$doc])*
                pub async fn $name(&mut self $(, $arg: $ty)*) -> $ret {
                    let $e = &mut *self.inner;
                    $body
                }
            )*
        }
    };
}
pub(crate) use both;

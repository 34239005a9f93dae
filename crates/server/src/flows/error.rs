//! Why a flow could not do its work. A flow's expected outcomes (a wrong password, a rule that
//! refused) are its return value; this error is for what the caller answers with 500 or 503,
//! and it keeps the cause for the log.

use portcullis_store::StoreError;

use crate::flows::people::accounts::CreateError;

/// A flow failed.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The database said no (or the row is not there: `StoreError::NotFound`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing capacity is exhausted: try again in a moment.
    #[error("password hashing is at capacity")]
    Busy,
    /// A password could not be hashed.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Creating an account or user failed for a reason the caller cannot fix.
    #[error(transparent)]
    Create(#[from] CreateError),
}

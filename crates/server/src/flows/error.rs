//! Why a flow could not do its work. A flow's expected outcomes (a wrong password, a rule that
//! refused) are its return value; this error is for what the caller answers with 500 or 503,
//! and it keeps the cause for the log.

use portcullis_store::StoreError;

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

/// Why an account or user was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// An input broke a rule; the message says which and how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// Another user of the same account already has this username.
    #[error(
        "the username '{0}' is already taken in this account (usernames are unique within an account, without regard to case)"
    )]
    UsernameTaken(String),
    /// The chosen security code cannot be used (another account has it).
    #[error("this security code cannot be used: choose another, or let Portcullis generate one")]
    SecurityCodeUnavailable,
    /// No account has this id.
    #[error("no account has the id '{0}'")]
    NoSuchAccount(String),
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
    /// Hashing could not run.
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<StoreError> for CreateError {
    fn from(e: StoreError) -> Self {
        CreateError::Store(e)
    }
}

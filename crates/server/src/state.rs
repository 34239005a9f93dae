//! What every request handler shares.

use std::sync::Arc;

use portcullis_core::secret_box::Keyring;
use portcullis_store::Store;

use crate::clock::Clock;
use crate::config::Config;
use crate::hashing::HashPool;
use crate::mail::Mailer;

/// Shared state; cheap to clone (everything inside is reference-counted).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Encrypts and decrypts stored secrets.
    pub keys: Arc<Keyring>,
    /// Checked settings.
    pub config: Arc<Config>,
    /// Sends mail.
    pub mailer: Mailer,
    /// Bounded password hashing.
    pub hashing: HashPool,
    /// Where "now" comes from.
    pub clock: Clock,
}

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
    /// The WebAuthn relying party for the public URL; `None` when passkeys are unavailable (the
    /// public URL's host is an IP address).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// Work that outlives its request (mail whose timing must not show in the answer). Shutdown
    /// waits for it; tests wait for it instead of sleeping.
    pub background: tokio_util::task::TaskTracker,
}

impl AppState {
    /// Runs `work` after the answer, tracked so that shutdown and tests can wait for it.
    pub fn in_background<F>(&self, work: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.background.spawn(work);
    }

    /// Waits until every piece of background work started so far has finished.
    pub async fn background_settled(&self) {
        self.background.close();
        self.background.wait().await;
        self.background.reopen();
    }
}

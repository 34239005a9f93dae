//! What every request handler shares.

use std::sync::Arc;

use portcullis_core::secret_box::Keyring;
use portcullis_store::Store;

use crate::infra::clock::Clock;
use crate::infra::config::Config;
use crate::infra::hashing::HashPool;
use crate::infra::mail::Mailer;

/// Shared state, behind one reference count: axum clones it several times per request
/// (router, middleware, each extractor), and one shared counter is cheaper than one per service,
/// which two cores would otherwise keep passing a dozen cache lines between.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// The state of a server made of these services.
    pub fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }

    /// The same services with another hashing pool (tests that saturate hashing).
    pub fn with_hashing(&self, hashing: HashPool) -> AppState {
        AppState::new(Services {
            hashing,
            ..Services::clone(&self.0)
        })
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What every request handler may use.
#[derive(Debug, Clone)]
pub struct Services {
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
    /// The breach services (email addresses in the background, new passwords when chosen).
    pub breaches: Arc<dyn crate::infra::breach::BreachChecker>,
    /// Work that outlives its request (mail whose timing must not show in the answer). Shutdown
    /// waits for it; tests wait for it instead of sleeping.
    pub background: tokio_util::task::TaskTracker,
    /// This process's copy of the OpenID Connect signing keys.
    pub oidc_keys: Arc<crate::infra::jwt::KeyCache>,
    /// The forward-auth rules in force (read again on SIGHUP).
    pub access_rules: Arc<crate::infra::access_rules::LiveRules>,
}

impl Services {
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

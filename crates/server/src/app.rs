//! Start-up: from checked settings to a bound, ready server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use portcullis_core::secret_box::Keyring;
use portcullis_store::{Store, StoreError};
use tokio::net::TcpListener;

use crate::cli::demo;
use crate::http;
use crate::infra::clock::Clock;
use crate::infra::config::Config;
use crate::infra::config::describe_mail;
use crate::infra::hashing::HashPool;
use crate::infra::mail::MailError;
use crate::infra::mail::Mailer;
use crate::state::{AppState, Services};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The mail settings could not be used.
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    /// The data directory could not be created.
    #[error("the data directory {path} cannot be created: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The listen address could not be bound.
    #[error(
        "cannot listen on {addr}: {source} (is another server using it? set --listen / PORTCULLIS_LISTEN)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP client of the breach checks could not be built.
    #[error("breach checks: {0}")]
    Breach(String),
    /// Demo data could not be created.
    #[error("demo data: {0}")]
    Demo(String),
    /// The OpenID Connect signing keys could not be made or opened.
    #[error("OpenID Connect signing keys: {0}")]
    Oidc(String),
}

/// A server that is ready to serve.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
}

impl App {
    /// Opens the database (running migrations), loads the key, creates demo data when asked,
    /// and binds the listener. Port 0 binds a free port; [`App::addr`] tells which.
    pub async fn build(mut config: Config, keys: Keyring, clock: Clock) -> Result<App, AppError> {
        // Bound first: a public URL with port 0 (a test's, or a throwaway server's) means "this
        // host at whatever port was bound", and everything after needs the real one.
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| AppError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| AppError::Bind {
            addr: config.listen,
            source,
        })?;
        if config.public_url.port() == Some(0) {
            // Cannot fail: the URL has a host and an http(s) scheme (checked with the settings).
            let _ = config.public_url.set_port(Some(addr.port()));
        }
        std::fs::create_dir_all(&config.data_dir).map_err(|source| AppError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let store = Store::connect(&config.database_url).await?;
        store.migrate().await?;
        let indexed = crate::flows::people::accounts::index_security_codes(&store, &keys).await?;
        if indexed > 0 {
            tracing::info!("indexed the security codes of {indexed} account(s)");
        }
        let mailer = Mailer::new(&config.mail, &config.mail_from)?;
        let webauthn = crate::infra::webauthn::relying_party(&config).map(Arc::new);
        if webauthn.is_none() {
            tracing::warn!(
                "passkeys are unavailable: the public URL's host is not a domain name (use e.g. http://localhost:PORT)"
            );
        }
        let breaches =
            crate::infra::breach::Hibp::new(config.breach.clone()).map_err(AppError::Breach)?;
        let access_rules = Arc::new(crate::infra::access_rules::LiveRules::new(
            config.access_rules_file.clone(),
            config.access_rules.clone(),
        ));
        let state = AppState::new(Services {
            breaches: Arc::new(breaches),
            store,
            webauthn,
            keys: Arc::new(keys),
            config: Arc::new(config),
            mailer,
            hashing: HashPool::for_this_machine(),
            clock,
            background: tokio_util::task::TaskTracker::new(),
            oidc_keys: Default::default(),
            access_rules,
        });
        crate::flows::oidc::ensure_keys(&state)
            .await
            .map_err(|e| AppError::Oidc(e.to_string()))?;
        if state.config.demo {
            if !state.config.listen.ip().is_loopback() {
                tracing::warn!(
                    "demo mode is on and the server listens beyond this machine: anyone who reaches it can read \
                     the Mailbox page (/dev/mail) and the links in it. Use demo mode only for trying Portcullis."
                );
            }
            demo::ensure_demo_data(&state)
                .await
                .map_err(|e| AppError::Demo(e.to_string()))?;
        }
        tracing::info!(
            %addr,
            public_url = %state.config.public_url,
            database = %portcullis_store::redact_url(&state.config.database_url),
            mail = %describe_mail(&state.config.mail),
            key_id = %state.keys.current().id(),
            "Portcullis is ready"
        );
        Ok(App {
            listener,
            addr,
            state,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (for tests and commands that run beside the server).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let housekeeping = tokio::spawn(crate::flows::housekeeping::every_interval(
            self.state.clone(),
        ));
        let breach_checks = tokio::spawn(crate::flows::breaches::every_minute(self.state.clone()));
        let rules_reloads = tokio::spawn(reload_rules_on_hangup(self.state.clone()));
        let router = http::router(self.state.clone());
        let result = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        housekeeping.abort();
        breach_checks.abort();
        rules_reloads.abort();
        // Mail queued by the last requests still goes out, within reason.
        self.state.background.close();
        if tokio::time::timeout(Duration::from_secs(10), self.state.background.wait())
            .await
            .is_err()
        {
            tracing::warn!("shutting down with background work (mail) unfinished");
        }
        self.state.store.close().await;
        result
    }
}

/// Reads the forward-auth rules again on every SIGHUP. A file that no longer checks leaves the
/// rules in force as they were; the log says why.
async fn reload_rules_on_hangup(state: AppState) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: the access rules are read at start-up only");
            return;
        };
        while hangups.recv().await.is_some() {
            match state.access_rules.reload() {
                Ok(count) => tracing::info!(rules = count, "access rules read again (SIGHUP)"),
                Err(problem) => tracing::error!(
                    %problem,
                    "the access rules file does not check: the rules in force stay as they were"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = state;
}

//! Portcullis server: the web layer (pages, sessions, CSRF, security headers), mail, and the
//! application start-up that ties configuration, storage and the router together.
//!
//! [`App::build`] opens the database, runs migrations, loads the server key, binds the listener
//! and reports the bound address; [`web::router`] builds every route and can be driven directly
//! by tests.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod app;
pub mod cli;
pub mod flows;
pub mod http;
pub mod i18n;
pub mod infra;
pub mod state;

pub use app::{App, AppError};
pub use infra::clock::Clock;
pub use infra::config::{Config, Settings, StorageSettings};
pub use state::{AppState, Services};

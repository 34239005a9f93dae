//! Portcullis server: the web layer (pages, sessions, CSRF, security headers), mail, and the
//! application start-up that ties configuration, storage and the router together.
//!
//! [`App::build`] opens the database, runs migrations, loads the server key, binds the listener
//! and reports the bound address; [`web::router`] builds every route and can be driven directly
//! by tests.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod accounts;
pub mod app;
pub mod auth;
pub mod client_ip;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod hashing;
pub mod housekeeping;
pub mod ip_security;
pub mod keys;
pub mod mail;
pub mod notify;
pub mod passkeys;
pub mod second_factor;
pub mod seed;
pub mod state;
pub mod web;

pub use app::{App, AppError};
pub use clock::Clock;
pub use config::{Config, Settings, StorageSettings};
pub use state::{AppState, Services};

//! Portcullis domain: accounts, users, factors, policies and the login decision.
//!
//! This crate does no IO and has no async code. Every rule that involves time takes `now` as a
//! parameter, so the rules are tested as tables with a clock that the test controls. Randomness
//! comes from the operating system's generator (`OsRng`) and is the only outside input.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod access;
pub mod clock;
pub mod email;
pub mod forward_auth;
pub mod helpdesk;
pub mod ids;
pub mod language;
pub mod lockout;
pub mod login;
pub mod oidc;
pub mod passkey;
pub mod password;
pub mod portal;
pub mod recovery;
pub mod secret_box;
pub mod security_code;
pub mod session;
pub mod token;
pub mod totp;
pub mod user;
pub mod user_agent;
pub mod username;

pub use clock::Timestamp;

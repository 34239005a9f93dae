//! The work the server does, without HTTP: every login path, every change to credentials,
//! people and the account's security settings. Pages and the JSON API call these functions and
//! turn their outcomes into answers; the decisions themselves are `portcullis_core`'s, the
//! storage `portcullis_store`'s.
//!
//! Data flows one way: `http` → `flows` → core decisions → store. Nothing here imports from
//! `http`; [`context`] holds what every flow is told about the request (who acts, from where).

pub mod attempts;
pub mod breaches;
pub mod context;
pub mod credentials;
pub mod error;
pub mod helpdesk;
pub mod housekeeping;
pub mod login;
pub mod notices;
pub mod oidc;
pub mod people;
pub mod portal;
pub mod security_center;
pub mod session;

pub use error::FlowError;

//! What the flows run on: configuration, mail delivery, bounded password hashing, the server
//! key, the clock, the client's address behind trusted proxies, and the WebAuthn relying party.
//! Nothing here knows about accounts, users or logins.

pub mod access_rules;
pub mod breach;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod hashing;
pub mod jwt;
pub mod keys;
pub mod mail;
pub mod webauthn;

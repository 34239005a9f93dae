//! What a user proves themselves with, as things they set up and manage: the authenticator app
//! and passkeys.

pub mod passkeys;
pub mod password;
pub mod totp;

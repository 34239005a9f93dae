//! Every way in: a password (then perhaps the authenticator app's code, then perhaps a new IP
//! address's confirmation), a passkey, and "Confirm it's you" for a logged-in user. Each path
//! ends in [`crate::flows::session::start_session`].

pub mod new_ip;
pub mod passkey;
pub mod password;
pub mod reauth;
pub mod reset;
pub mod second_factor;

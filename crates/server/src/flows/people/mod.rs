//! Accounts and the users in them: creating them, the security code.

pub mod accounts;
pub mod users;

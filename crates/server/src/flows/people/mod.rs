//! Accounts and what is in them: creating accounts and users, the account's own settings,
//! administrations, and users as administrators manage them.

pub mod account;
pub mod accounts;
pub mod administrations;
pub mod ip_addresses;
pub mod users;

//! The HTML pages, one file per area of the product.

pub(super) mod account;
pub(super) mod administrations;
pub(crate) mod audit;
pub(super) mod dashboard;
pub(crate) mod dev_example;
pub(super) mod dev_mail;
pub(super) mod employee;
pub(super) mod employees;
pub(super) mod forgot;
pub(super) mod forward_auth;
pub(super) mod health;
pub(super) mod helpdesk;
pub(super) mod ip_addresses;
pub(super) mod login;
pub(super) mod login_code;
pub(super) mod new_ip;
pub(super) mod oidc;
pub(super) mod passkeys;
pub(super) mod portal;
pub(super) mod reauth;
pub(super) mod security;
pub(super) mod security_center;
pub(super) mod set_password;
pub(super) mod shared;
pub(super) mod two_factor;

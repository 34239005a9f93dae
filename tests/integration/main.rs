//! The integration suite: one test binary (link time). Every test gets a fresh migrated database;
//! the whole suite runs on SQLite, and again on PostgreSQL when `PORTCULLIS_TEST_BACKEND=postgres`
//! (see `scripts/test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod abuse;
mod account_page;
mod architecture;
mod cli;
mod csrf_and_headers;
mod employees;
mod forgot_password;
mod forward_auth;
mod helpdesk;
mod housekeeping;
mod ip_security;
mod isolation;
mod languages;
mod lockout;
mod login;
mod mail;
mod multi_process;
mod oidc;
mod pages;
mod passkeys;
mod portal;
mod real_server;
mod security_overview;
mod security_tab;
mod sessions;
mod storage;
mod support;
mod two_factor;

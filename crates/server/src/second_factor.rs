//! The second step of a password login: the authenticator app's code, or a recovery code,
//! against a partial login that the password step left (5 minutes).
//!
//! What must always hold:
//! - a code is accepted once per user (the store takes the step atomically), also across
//!   server processes;
//! - wrong codes count toward the username's lockout like wrong passwords; at most
//!   [`WRONG_CODES_PER_WINDOW`] per 30-second window are tried, and a partial login ends after
//!   [`WRONG_CODES_PER_LOGIN`] wrong codes (the password must be typed again);
//! - success records that two-factor was passed from this IP address (the 30-day rule reads it)
//!   and starts a fresh session.

use portcullis_core::lockout::Gate;
use portcullis_core::login::{self, Refusal, Step};
use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::{Timestamp, recovery, token, username};
use portcullis_store::{PendingLoginRow, PendingStage, StoreError, UserRow};

use crate::auth::{self, Audit, Client, NewSessionToken};
use crate::ip_security;
use crate::notify::{self, Recipient};
use crate::state::AppState;

/// Wrong codes tried per 30-second window before the user must wait for the next code.
pub const WRONG_CODES_PER_WINDOW: u32 = 3;

/// Wrong codes per partial login before it ends.
pub const WRONG_CODES_PER_LOGIN: i64 = 5;

/// The associated data binding a user's encrypted TOTP secret to them.
pub fn totp_context(user_id: &str) -> String {
    format!("user/{user_id}/totp")
}

/// How the second step ended.
#[derive(Debug)]
pub enum CodeOutcome {
    /// Logged in.
    Session(NewSessionToken),
    /// The code is wrong or was used before.
    Wrong,
    /// Too many wrong codes in this 30-second window: wait for the app's next code.
    WaitForNextCode,
    /// No such partial login, or it expired, or it ended after too many wrong codes: log in again.
    Expired,
    /// The username is locked or throttled by failed attempts.
    Locked,
    /// The code passed from a new IP address: a confirmation email went out and the login
    /// waits (the new partial login's token replaces the cookie).
    ConfirmIp(String),
    /// The code passed, but the IP address is blocked for the user.
    IpBlocked,
}

/// Which kind of code the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// The authenticator app's 6 digits.
    Totp,
    /// One of the ten recovery codes.
    Recovery,
}

/// Decrypts a user's TOTP secret.
pub fn secret_of(state: &AppState, user_id: &str, secret_enc: &str) -> Option<TotpSecret> {
    match state.keys.decrypt(&totp_context(user_id), secret_enc) {
        Ok(bytes) => Some(TotpSecret::from_bytes(bytes)),
        Err(e) => {
            tracing::error!(user_id, "cannot decrypt a TOTP secret: {e}");
            None
        }
    }
}

/// Completes a partial login with a code.
#[tracing::instrument(skip_all, fields(ip = %client.ip))]
pub async fn complete(
    state: &AppState,
    pending_token: &str,
    typed: &str,
    kind: CodeKind,
    client: &Client,
) -> Result<CodeOutcome, StoreError> {
    let now = state.clock.now();
    if !token::looks_like_token(pending_token) {
        return Ok(CodeOutcome::Expired);
    }
    let pending_hash = token::hash_token(pending_token);
    let Some(pending) = state
        .store
        .pending_login(&pending_hash, PendingStage::Totp, now)
        .await?
    else {
        return Ok(CodeOutcome::Expired);
    };
    let Some(user) = state
        .store
        .user(&pending.account_id, &pending.user_id)
        .await?
    else {
        return Ok(CodeOutcome::Expired);
    };
    let ended = user.disabled != 0 || user.employment_ends_at.is_some_and(|t| now.millis() >= t);
    if ended {
        state.store.take_pending_login(&pending_hash).await?;
        return Ok(CodeOutcome::Expired);
    }
    let key = username::key(&user.username);
    match state.store.username_failures(&key).await?.gate(now) {
        Gate::Open => {}
        Gate::Locked | Gate::WaitUntil(_) => return Ok(CodeOutcome::Locked),
    }
    let audit = Audit { state, client, now };
    let accepted = match kind {
        CodeKind::Totp => match check_totp(state, &pending, typed, now).await? {
            TotpCheck::Accepted => true,
            TotpCheck::Rejected => false,
            TotpCheck::WaitForNextCode => return Ok(CodeOutcome::WaitForNextCode),
            TotpCheck::NoApp => {
                state.store.take_pending_login(&pending_hash).await?;
                return Ok(CodeOutcome::Expired);
            }
        },
        CodeKind::Recovery => match recovery::normalize(typed) {
            Some(canonical) => {
                state
                    .store
                    .use_recovery_code(&user.account_id, &user.id, &recovery::hash(&canonical), now)
                    .await?
            }
            None => false,
        },
    };
    if !accepted {
        return wrong_code(state, &audit, &pending_hash, &pending, &user, &key, kind).await;
    }
    // Exactly one request completes a partial login.
    if !state.store.take_pending_login(&pending_hash).await? {
        return Ok(CodeOutcome::Expired);
    }
    state.store.clear_username_failures(&key).await?;
    state
        .store
        .record_two_factor_from_ip(
            &user.account_id,
            &user.id,
            &client.ip.to_string(),
            &client.user_agent,
            now,
        )
        .await?;
    let factor = match kind {
        CodeKind::Totp => "password+totp",
        CodeKind::Recovery => "password+recovery_code",
    };
    if kind == CodeKind::Recovery {
        recovery_code_used(state, &user, client, now).await?;
    }
    let account = state.store.account(&user.account_id).await?;
    let account_name = account.as_ref().map(|a| a.name.clone()).unwrap_or_default();
    let policy = account
        .as_ref()
        .map(auth::account_policy)
        .unwrap_or_default();
    let ip = client.ip.to_string();
    let ip_facts = ip_security::ip_facts(state, &user.account_id, &user.id, &ip).await?;
    match login::after_all_factors(&auth::user_facts(&user, true, false), policy, ip_facts) {
        Step::StartSession { ip: on_start, .. } => {
            let session = auth::start_session(
                state,
                auth::Login {
                    user: &user,
                    account_name: &account_name,
                    ip: on_start,
                    factors: &format!("factor={factor}"),
                    clear_failures_of: None,
                },
                client,
                now,
            )
            .await?;
            Ok(CodeOutcome::Session(session))
        }
        Step::ConfirmIp => {
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "login.second_factor_passed",
                    &format!("factor={factor} next=confirm_ip"),
                )
                .await?;
            let pending =
                ip_security::begin_waiting(state, &user, &account_name, client, now).await?;
            Ok(CodeOutcome::ConfirmIp(pending))
        }
        // After every factor, the only refusal left is a blocked address; a code is never
        // asked twice.
        Step::Refused(_) | Step::AskTotp => {
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "login.refused",
                    &format!("reason={}", Refusal::IpBlocked.as_str()),
                )
                .await?;
            Ok(CodeOutcome::IpBlocked)
        }
    }
}

enum TotpCheck {
    Accepted,
    Rejected,
    WaitForNextCode,
    NoApp,
}

async fn check_totp(
    state: &AppState,
    pending: &PendingLoginRow,
    typed: &str,
    now: Timestamp,
) -> Result<TotpCheck, StoreError> {
    let Some(row) = state
        .store
        .totp(&pending.account_id, &pending.user_id)
        .await?
    else {
        return Ok(TotpCheck::NoApp);
    };
    if row.confirmed_at.is_none() {
        return Ok(TotpCheck::NoApp);
    }
    let current = totp::step_of(now);
    let window_full = u64::try_from(row.window_step).ok() == Some(current)
        && row.window_failures >= i64::from(WRONG_CODES_PER_WINDOW);
    if window_full {
        return Ok(TotpCheck::WaitForNextCode);
    }
    let Some(secret) = secret_of(state, &pending.user_id, &row.secret_enc) else {
        return Ok(TotpCheck::Rejected);
    };
    let Some(step) = totp::verify(&secret, typed, now) else {
        state
            .store
            .record_totp_failure(&pending.account_id, &pending.user_id, current)
            .await?;
        return Ok(TotpCheck::Rejected);
    };
    if state
        .store
        .use_totp_step(&pending.account_id, &pending.user_id, step, None)
        .await?
    {
        Ok(TotpCheck::Accepted)
    } else {
        // The right code, but used before: a replay.
        state
            .store
            .record_totp_failure(&pending.account_id, &pending.user_id, current)
            .await?;
        Ok(TotpCheck::Rejected)
    }
}

async fn wrong_code(
    state: &AppState,
    audit: &Audit<'_>,
    pending_hash: &str,
    pending: &PendingLoginRow,
    user: &UserRow,
    key: &str,
    kind: CodeKind,
) -> Result<CodeOutcome, StoreError> {
    let account_name = state
        .store
        .account(&user.account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let failures = auth::count_failure(state, audit, key, Some((user, &account_name))).await?;
    let event = match kind {
        CodeKind::Totp => "login.totp_failed",
        CodeKind::Recovery => "login.recovery_code_failed",
    };
    audit
        .record(
            Some(&pending.account_id),
            Some(&pending.user_id),
            event,
            &format!("failures={failures}"),
        )
        .await?;
    if state.store.record_pending_failure(pending_hash).await? >= WRONG_CODES_PER_LOGIN {
        state.store.take_pending_login(pending_hash).await?;
        return Ok(CodeOutcome::Expired);
    }
    Ok(CodeOutcome::Wrong)
}

async fn recovery_code_used(
    state: &AppState,
    user: &UserRow,
    client: &Client,
    now: Timestamp,
) -> Result<(), StoreError> {
    let left = state
        .store
        .unused_recovery_codes(&user.account_id, &user.id)
        .await?;
    let account_name = state
        .store
        .account(&user.account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let notice = notify::security_change(
        Recipient {
            email: &user.email,
            name: user.display_name(),
            account_name: &account_name,
        },
        "A recovery code was used to log in",
        &format!(
            "Your username {} logged in with a recovery code instead of the authenticator app. Each code works once; you have {left} left. If you lost your phone, set up two-factor authentication again on Security and login details and make new recovery codes.",
            user.username
        ),
        now,
        client,
    );
    notify::send(state, &notice).await;
    Ok(())
}

//! The second step of a password login: the authenticator app's code, or a recovery code,
//! against a partial login that the password step left (5 minutes).
//!
//! What must always hold:
//! - a code is accepted once per user (the store takes the step atomically), also across
//!   server processes;
//! - every attempt is claimed before its code is checked, so parallel requests cannot outrun a
//!   limit: at most [`WRONG_CODES_PER_WINDOW`] per 30-second window are tried, a partial login
//!   ends after [`WRONG_CODES_PER_LOGIN`] wrong codes (the password must be typed again), and
//!   wrong codes count toward the username's lockout like wrong passwords;
//! - a deactivated user, an ended employment or a blocked address is said only once the code has
//!   passed (before, a refusal would confirm the password to someone without the app);
//! - success records that two-factor was passed from this IP address (the 30-day rule reads it)
//!   and starts a fresh session.

use portcullis_core::login::{self, Refusal, Step};
use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::{Timestamp, recovery, token, username};
use portcullis_store::{PendingStage, StoreError, UserRow, UsernameCounter};

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
    /// Every factor passed, and still no session: the user was deactivated, their employment
    /// ended, or the IP address is blocked for them. Said only now, never before the code.
    Refused(Refusal),
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

/// How checking an authenticator app's code ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// Right, and not used before: accepted (and now used).
    Accepted,
    /// Wrong, or used before.
    Rejected,
    /// The user has no confirmed authenticator app.
    NoApp,
}

/// How a logged-in user's own code check ended (turning two-factor off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnCode {
    /// Right: accepted and used up.
    Accepted,
    /// Wrong or used before; counted toward the username's lockout.
    Wrong,
    /// Too many wrong codes in this 30-second window.
    WaitForNextCode,
    /// Too many failed attempts for the username: locked or throttled.
    Locked,
    /// The user has no confirmed authenticator app.
    NoApp,
}

/// Checks a logged-in user's authenticator code under the same limits as the login's code
/// step: claimed in the 30-second window and on the user's failure counter (and the client's
/// address) before it is checked; a wrong code counts toward the username's lockout.
pub async fn check_own_code(
    state: &AppState,
    user: &UserRow,
    account_name: &str,
    typed: &str,
    client: &Client,
) -> Result<OwnCode, StoreError> {
    let now = state.clock.now();
    let audit = Audit { state, client, now };
    match claim_code_window(state, &user.account_id, &user.id, now).await? {
        None => return Ok(OwnCode::NoApp),
        Some(false) => return Ok(OwnCode::WaitForNextCode),
        Some(true) => {}
    }
    let key = username::key(&user.username);
    let Some(claimed) = claim_for_user(&audit, user, &key, "code_confirmation").await? else {
        return Ok(OwnCode::Locked);
    };
    match verify_claimed_code(state, &user.account_id, &user.id, typed, now).await? {
        TotpCheck::Accepted => {
            claimed.give_back(state, false).await?;
            Ok(OwnCode::Accepted)
        }
        TotpCheck::NoApp => {
            claimed.give_back(state, true).await?;
            Ok(OwnCode::NoApp)
        }
        TotpCheck::Rejected => {
            let failures = claimed
                .failed(state, &audit, Some((user, account_name)))
                .await?;
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "two_factor.code_failed",
                    &format!("failures={failures}"),
                )
                .await?;
            Ok(OwnCode::Wrong)
        }
    }
}

/// Claims a code attempt in the current 30-second window (at most
/// [`WRONG_CODES_PER_WINDOW`]), before anything is checked. `None` when the user has no
/// confirmed app; `Some(false)` when the window is full.
pub async fn claim_code_window(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    now: Timestamp,
) -> Result<Option<bool>, StoreError> {
    let has_app = state
        .store
        .totp(account_id, user_id)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some());
    if !has_app {
        return Ok(None);
    }
    Ok(Some(
        state
            .store
            .claim_totp_attempt(
                account_id,
                user_id,
                totp::step_of(now),
                WRONG_CODES_PER_WINDOW,
            )
            .await?
            .is_some(),
    ))
}

/// Checks a code whose attempt was claimed already; a right code is used up (once per user,
/// across server processes).
pub async fn verify_claimed_code(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    typed: &str,
    now: Timestamp,
) -> Result<TotpCheck, StoreError> {
    let Some(row) = state
        .store
        .totp(account_id, user_id)
        .await?
        .filter(|row| row.confirmed_at.is_some())
    else {
        return Ok(TotpCheck::NoApp);
    };
    let Some(step) = secret_of(state, user_id, &row.secret_enc)
        .and_then(|secret| totp::verify(&secret, typed, now))
    else {
        return Ok(TotpCheck::Rejected);
    };
    // A right code used before is a replay: rejected like a wrong one.
    Ok(
        if state
            .store
            .use_totp_step(account_id, user_id, step, None)
            .await?
        {
            TotpCheck::Accepted
        } else {
            TotpCheck::Rejected
        },
    )
}

/// Claims a code attempt on the client's address and the user's own counter; a refusal is
/// audited (as a burst) and answered with `None`.
async fn claim_for_user<'a>(
    audit: &Audit<'_>,
    user: &'a UserRow,
    key: &'a str,
    what: &str,
) -> Result<Option<auth::Claimed<'a>>, StoreError> {
    let counter = UsernameCounter::InAccount(&user.account_id, key);
    match auth::claim_attempt(audit.state, audit.client, counter, audit.now).await? {
        Ok(claimed) => Ok(Some(claimed)),
        Err(refused) => {
            auth::record_refusal(
                audit,
                &refused,
                Some(&user.account_id),
                Some(&user.id),
                what,
            )
            .await?;
            Ok(None)
        }
    }
}

/// Completes a partial login with a code.
///
/// Every limit is claimed before the code is checked: the window's attempts (app codes), the
/// partial login's attempts, then the client's address and the user's own failure counter.
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
    let audit = Audit { state, client, now };
    if kind == CodeKind::Totp {
        match claim_code_window(state, &user.account_id, &user.id, now).await? {
            None => {
                state.store.take_pending_login(&pending_hash).await?;
                return Ok(CodeOutcome::Expired);
            }
            Some(false) => return Ok(CodeOutcome::WaitForNextCode),
            Some(true) => {}
        }
    }
    let Some(attempts) = state
        .store
        .claim_pending_attempt(&pending_hash, WRONG_CODES_PER_LOGIN)
        .await?
    else {
        state.store.take_pending_login(&pending_hash).await?;
        return Ok(CodeOutcome::Expired);
    };
    let key = username::key(&user.username);
    let Some(claimed) = claim_for_user(&audit, &user, &key, "second_factor").await? else {
        return Ok(CodeOutcome::Locked);
    };
    let accepted = match kind {
        CodeKind::Totp => {
            match verify_claimed_code(state, &user.account_id, &user.id, typed, now).await? {
                TotpCheck::Accepted => true,
                TotpCheck::Rejected => false,
                TotpCheck::NoApp => {
                    state.store.take_pending_login(&pending_hash).await?;
                    return Ok(CodeOutcome::Expired);
                }
            }
        }
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
        let account_name = state
            .store
            .account(&user.account_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let failures = claimed
            .failed(state, &audit, Some((&user, &account_name)))
            .await?;
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
        if attempts >= WRONG_CODES_PER_LOGIN {
            state.store.take_pending_login(&pending_hash).await?;
            return Ok(CodeOutcome::Expired);
        }
        return Ok(CodeOutcome::Wrong);
    }
    // Exactly one request completes a partial login.
    if !state.store.take_pending_login(&pending_hash).await? {
        return Ok(CodeOutcome::Expired);
    }
    claimed.give_back(state, false).await?;
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
    match login::after_all_factors(&auth::user_facts(&user, true, false), policy, ip_facts, now) {
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
        // Every factor passed: now, and only now, the refusal may say why. A code is never
        // asked twice.
        Step::Refused(refusal) => {
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "login.refused",
                    &format!("reason={} after={factor}", refusal.as_str()),
                )
                .await?;
            Ok(CodeOutcome::Refused(refusal))
        }
        Step::AskTotp => Ok(CodeOutcome::Expired),
    }
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

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

use portcullis_core::login::{self, Refusal, UserFacts, Verdict};
use portcullis_core::session::LoginMethod;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, recovery, token, username};
use portcullis_store::{PendingStage, StoreError};

use crate::flows::context::Audit;
use crate::flows::context::Client;
use crate::flows::session::NewSessionToken;
use crate::i18n::Msg;

use crate::flows::attempts::claim_for_user;
use crate::flows::credentials::totp::{TotpCheck, claim_code_window, verify_claimed_code};
use crate::flows::notices::Recipient;
use crate::state::AppState;

/// Wrong codes per partial login before it ends.
pub const WRONG_CODES_PER_LOGIN: i64 = 5;

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

/// What the code step shows about the login waiting for it.
#[derive(Debug, Clone)]
pub struct CodeStep {
    /// Who is logging in: their name, else their username.
    pub name: String,
    /// Their account's name.
    pub account_name: String,
    /// The account lets users skip the code on a known address for 30 days.
    pub may_remember: bool,
    /// The user's "don't ask again on this IP address for 30 days".
    pub remember: bool,
}

/// The login waiting for a code behind `pending_token`, if there is one.
pub async fn waiting_for_code(
    state: &AppState,
    pending_token: &str,
) -> Result<Option<CodeStep>, StoreError> {
    if !token::looks_like_token(pending_token) {
        return Ok(None);
    }
    let now = state.clock.now();
    let Some(pending) = state
        .store
        .pending_login(&token::hash_token(pending_token), PendingStage::Totp, now)
        .await?
    else {
        return Ok(None);
    };
    let subject = state
        .store
        .login_subject(&pending.account_id, &pending.user_id)
        .await?;
    Ok(subject.map(|subject| CodeStep {
        name: subject.user.display_name().to_string(),
        may_remember: !subject.policy.limit_two_factor_validity,
        remember: subject.user.remember_two_factor,
        account_name: subject.account_name,
    }))
}

/// Completes a partial login with a code. `remember` is the code step's "don't ask again on
/// this IP address for 30 days", when the page offered it: once the code passed, it becomes the
/// user's option.
///
/// Every limit is claimed before the code is checked: the window's attempts (app codes), the
/// partial login's attempts, then the client's address and the user's own failure counter.
#[tracing::instrument(skip_all, fields(ip = %client.ip))]
pub async fn complete(
    state: &AppState,
    pending_token: &str,
    typed: &str,
    kind: CodeKind,
    remember: Option<bool>,
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
    let Some(subject) = state
        .store
        .login_subject(&pending.account_id, &pending.user_id)
        .await?
    else {
        return Ok(CodeOutcome::Expired);
    };
    let user = &subject.user;
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
    let Some(claimed) = claim_for_user(&audit, user, &key, "second_factor").await? else {
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
        let failures = claimed
            .failed(state, &audit, Some((user, &subject.account_name)))
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
        recovery_code_used(state, user, client, now).await?;
    }
    if let Some(remember) = remember
        && remember != user.remember_two_factor
        && !subject.policy.limit_two_factor_validity
    {
        let mut tx = state.store.begin().await?;
        tx.set_remember_two_factor(&user.account_id, &user.id, remember)
            .await?;
        client
            .audit_own(
                &mut tx,
                user,
                "two_factor.remember_changed",
                &format!("remember={remember}"),
                now,
            )
            .await?;
        tx.commit().await?;
    }
    let ip = client.ip.to_string();
    let ip_facts = super::new_ip::ip_facts(state, &user.account_id, &user.id, &ip).await?;
    let facts = UserFacts::of(user, subject.factors);
    match login::after_all_factors(&facts, subject.policy, ip_facts, now) {
        Verdict::StartSession(start) => {
            let session = crate::flows::session::start_session(
                state,
                crate::flows::session::Login {
                    user,
                    account_name: &subject.account_name,
                    ip: start.ip,
                    factors: &format!("factor={factor}"),
                    method: match kind {
                        CodeKind::Totp => LoginMethod::PasswordAndApp,
                        CodeKind::Recovery => LoginMethod::PasswordAndRecoveryCode,
                    },
                    clear_failures_of: None,
                },
                client,
                now,
            )
            .await?;
            Ok(CodeOutcome::Session(session))
        }
        Verdict::ConfirmIp => {
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "login.second_factor_passed",
                    &format!("factor={factor} next=confirm_ip"),
                )
                .await?;
            let pending =
                super::new_ip::begin_waiting(state, user, &subject.account_name, client, now)
                    .await?;
            Ok(CodeOutcome::ConfirmIp(pending))
        }
        // Every factor passed: now, and only now, the refusal may say why. A code is never
        // asked twice.
        Verdict::Refused(refusal) => {
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
    }
}

async fn recovery_code_used(
    state: &AppState,
    user: &User,
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
    let notice = crate::flows::notices::security_change(
        Recipient::of(user, &account_name),
        Msg::new("mail-recovery-code-used-subject"),
        Msg::new("mail-recovery-code-used")
            .with("username", &user.username)
            .with("left", left),
        now,
        client,
    );
    crate::flows::notices::send(state, &notice).await;
    Ok(())
}

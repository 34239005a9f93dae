//! Breach checks as the product uses them: every user's email address is checked in the
//! background, within the service's allowance, oldest answer first and again after a day; a new
//! password is checked when it is chosen. A check that fails never blocks anything: the overview
//! says "check failed" beside the last good answer, and a password is judged by the bundled list
//! alone.

use std::time::Duration;

use portcullis_core::password::PasswordProblem;
use portcullis_store::StoreError;
use secrecy::SecretString;

use crate::infra::breach::CheckFailed;
use crate::state::AppState;

/// How old an answer about an email address may get before it is asked again.
pub const RECHECK_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How one round of email checks ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmailRound {
    /// Addresses with a new good answer.
    pub answered: u64,
    /// Addresses whose check failed.
    pub failed: u64,
    /// The service asked to wait this many seconds before the next request.
    pub paused_for: Option<u64>,
}

/// One round: the addresses due at the state's clock, as many as the allowance of a minute
/// permits. Nothing happens when email checks are off.
pub async fn check_due_emails(state: &AppState) -> Result<EmailRound, StoreError> {
    let checker = &state.breaches;
    let mut round = EmailRound::default();
    if !checker.checks_emails() {
        return Ok(round);
    }
    let now = state.clock.now();
    let due = state
        .store
        .emails_due_for_check(
            now.minus(RECHECK_AFTER),
            i64::from(checker.email_checks_per_minute()),
        )
        .await?;
    for (account_id, user_id, email) in due {
        match checker.breaches_of_email(&email).await {
            Ok(breaches) => {
                let breaches = i64::try_from(breaches).unwrap_or(i64::MAX);
                state
                    .store
                    .record_email_check(&account_id, &user_id, &email, breaches, now)
                    .await?;
                round.answered += 1;
            }
            Err(CheckFailed::RateLimited(seconds)) => {
                tracing::warn!(seconds, "the breach service asked to slow down");
                round.paused_for = Some(seconds);
                break;
            }
            Err(why) => {
                // The address stays out of the log; the user id says whose it was.
                tracing::warn!(user_id, cause = %why, "an email breach check failed");
                state
                    .store
                    .record_email_check_failed(&account_id, &user_id, &email, now)
                    .await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// Checks due addresses once a minute (or after the service's `Retry-After`) until the task is
/// dropped.
pub async fn every_minute(state: AppState) {
    if !state.breaches.checks_emails() {
        return;
    }
    loop {
        let wait = match check_due_emails(&state).await {
            Ok(EmailRound {
                paused_for: Some(seconds),
                ..
            }) => Duration::from_secs(seconds.max(60)),
            Ok(_) => Duration::from_secs(60),
            Err(e) => {
                tracing::error!(cause = ?e, "email breach checks could not read or write the database");
                Duration::from_secs(60)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Whether a new password appears in known breaches (when that check is on). A check that gives
/// no answer lets the password through, logged: the bundled list of common passwords still holds.
pub async fn password_problem(
    state: &AppState,
    password: &SecretString,
) -> Option<PasswordProblem> {
    match state.breaches.password_is_breached(password).await {
        Ok(true) => Some(PasswordProblem::Breached),
        Ok(false) => None,
        Err(why) => {
            tracing::warn!(cause = %why, "the Pwned Passwords check failed; the password was judged without it");
            None
        }
    }
}

//! The password login, end to end but without HTTP: gates, the three checks, the decision, and
//! what follows from it (counters, session, audit). The web layer turns the [`LoginOutcome`] into
//! a page; the JSON API can do the same.
//!
//! What must always hold:
//! - the same work whether the security code or the username exists or not (a dummy hash is
//!   verified);
//! - every attempt is claimed on its counters (client address; the account's username, or the
//!   username as typed when the security code names no account) before any hashing, so parallel
//!   attempts cannot outrun the limits (`portcullis_core::lockout`);
//! - a refusal for a wrong field is counted and audited with its true reason, and shown as one
//!   generic message;
//! - a successful login resets the username's failure count and gets a brand-new session.

use portcullis_core::lockout::{self, Gate};
use portcullis_core::login::{self, AccountPolicy, FirstFactor, Refusal, Step, UserFacts};
use portcullis_core::password::{self, DUMMY_HASH};
use portcullis_core::{Timestamp, security_code, token, username};
use portcullis_store::{
    AccountRow, LoginCandidate, PendingStage, StoreError, UserRow, UsernameCounter,
};
use secrecy::{ExposeSecret, SecretString};

use crate::flows::people::accounts::security_code_context;
use crate::flows::people::accounts::security_code_lookups;

use crate::flows::attempts::{Claimed, MAX_KEY_CHARS, claim_attempt, record_refusal};
use crate::flows::context::{Audit, Client};
use crate::flows::session::{Login, NewSessionToken, start_session};
use crate::state::AppState;

/// How long a login may wait for its second factor.
pub const PENDING_LOGIN_VALIDITY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// What the browser sent.
pub struct PasswordLogin {
    /// The account's security code, as typed.
    pub security_code: String,
    /// The username, as typed.
    pub username: String,
    /// The password.
    pub password: SecretString,
}

/// How a login attempt ended.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in.
    Session(NewSessionToken),
    /// Refused by the decision.
    Refused(Refusal),
    /// Too many recent failures (for this username or from this IP); try again at this time.
    TryLater(Timestamp),
    /// The username is locked until an administrator lifts the lock.
    Locked,
    /// Hashing capacity is exhausted; answer 503.
    Busy,
    /// The password passed; the authenticator app's code is next. The token goes into the
    /// pending-login cookie; only its hash is stored.
    SecondFactor(String),
    /// Every factor passed from a new IP address: a confirmation email went out and the login
    /// waits. The token goes into the pending-login cookie.
    ConfirmIp(String),
}

/// The account's switches, from a login candidate.
fn policy_of(candidate: &LoginCandidate) -> AccountPolicy {
    AccountPolicy {
        enforce_two_factor: candidate.enforce_two_factor != 0,
        limit_two_factor_validity: candidate.limit_two_factor_validity != 0,
        block_new_ips: candidate.block_new_ips != 0,
    }
}

/// The account's switches that the login reads.
pub fn account_policy(account: &AccountRow) -> AccountPolicy {
    AccountPolicy {
        enforce_two_factor: account.enforce_two_factor != 0,
        limit_two_factor_validity: account.limit_two_factor_validity != 0,
        block_new_ips: account.block_new_ips != 0,
    }
}

/// What the login decision needs to know about a user.
pub fn user_facts(user: &UserRow, has_totp: bool, has_passkey: bool) -> UserFacts {
    UserFacts {
        disabled: user.disabled != 0,
        employment_ends_at: user.employment_ends_at.map(Timestamp),
        has_totp,
        has_passkey,
        remember_two_factor: user.remember_two_factor != 0,
        auto_validate_ips: user.auto_validate_ips != 0,
    }
}

/// Runs a password login.
#[tracing::instrument(skip_all, fields(ip = %client.ip))]
pub async fn password_login(
    state: &AppState,
    attempt: PasswordLogin,
    client: &Client,
) -> Result<LoginOutcome, StoreError> {
    let now = state.clock.now();
    let key: String = username::key(&attempt.username)
        .chars()
        .take(MAX_KEY_CHARS)
        .collect();
    let audit = Audit { state, client, now };
    // A flood is turned away here, before it costs a database query; one address cannot take
    // more than its share of the queue.
    let Ok(hashing) = state.hashing.admit(client.ip) else {
        return Ok(LoginOutcome::Busy);
    };

    // The security code names the account (a blind-index lookup; then the decrypted code is
    // compared in constant time), the username a user in it. The same queries run whether or
    // not either exists.
    let account = state
        .store
        .account_by_security_code(&security_code_lookups(&state.keys, &attempt.security_code))
        .await?
        .filter(|account| security_code_matches(state, account, &attempt.security_code));
    let account_id = account.as_ref().map(|a| a.id.as_str());
    let candidate = state
        .store
        .login_candidate(account_id.unwrap_or(""), &key)
        .await?;
    let user_id = candidate.as_ref().map(|c| c.user.id.as_str());
    let counter = match account_id {
        Some(id) => UsernameCounter::InAccount(id, &key),
        None => UsernameCounter::AsTyped(&key),
    };
    debug_assert_eq!(counter.scope(), lockout::counters_for(account.is_some()));

    let claimed = match claim_attempt(state, client, counter, now).await? {
        Ok(claimed) => claimed,
        Err(refused) => {
            record_refusal(&audit, &refused, account_id, user_id, "password").await?;
            return Ok(match refused.gate {
                Gate::Locked => LoginOutcome::Locked,
                Gate::WaitUntil(until) => LoginOutcome::TryLater(until),
                Gate::Open => LoginOutcome::TryLater(now),
            });
        }
    };

    let stored_hash = candidate
        .as_ref()
        .and_then(|c| c.user.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let password = attempt.password;
    let password_matches = match hashing
        .run(move || password::verify_password(password.expose_secret(), &stored_hash))
        .await
    {
        Ok(matches) => matches,
        Err(_busy) => {
            claimed.give_back(state, true).await?;
            return Ok(LoginOutcome::Busy);
        }
    };
    let first_factor = FirstFactor::from_checks(
        account.is_some(),
        candidate.is_some(),
        candidate
            .as_ref()
            .is_some_and(|c| c.user.password_hash.is_some()),
        password_matches,
    );
    let facts = candidate
        .as_ref()
        .map(|c| user_facts(&c.user, c.totp_confirmed > 0, c.passkeys > 0));
    let policy = candidate.as_ref().map(policy_of).unwrap_or_default();
    // Only read once the password passed: nothing about the IP address is looked at before.
    let ip_facts = match (&candidate, first_factor) {
        (Some(c), FirstFactor::Passed) => {
            crate::flows::login::new_ip::ip_facts(
                state,
                &c.user.account_id,
                &c.user.id,
                &client.ip.to_string(),
            )
            .await?
        }
        _ => None,
    };

    let step = login::decide(first_factor, facts, policy, ip_facts, now);
    let (Step::Refused(Refusal::BadCredentials(_)) | Step::AskTotp) = step else {
        // Every factor passed (or the decision refused a user whose factors all passed).
        claimed.give_back_address(state).await?;
        return after_password(state, &audit, &claimed, candidate.as_ref(), step, client).await;
    };
    match step {
        Step::AskTotp => {
            // Only this attempt is given back: the failures before it (wrong codes, say) stay
            // until the code passes too.
            claimed.give_back(state, true).await?;
            let Some(candidate) = candidate.as_ref() else {
                return Ok(LoginOutcome::Refused(Refusal::BadCredentials(
                    login::FailureReason::UnknownUser,
                )));
            };
            let pending = token::new_token();
            state
                .store
                .insert_pending_login(
                    &token::hash_token(&pending),
                    &candidate.user.account_id,
                    &candidate.user.id,
                    now,
                    now.plus(PENDING_LOGIN_VALIDITY),
                    &client.ip.to_string(),
                    &client.user_agent,
                    PendingStage::Totp,
                )
                .await?;
            audit
                .record(account_id, user_id, "login.password_passed", "next=totp")
                .await?;
            Ok(LoginOutcome::SecondFactor(pending))
        }
        refused => {
            let reason = match refused {
                Step::Refused(Refusal::BadCredentials(reason)) => reason,
                _ => login::FailureReason::WrongPassword,
            };
            let failures = claimed
                .failed(
                    state,
                    &audit,
                    candidate
                        .as_ref()
                        .map(|c| (&c.user, c.account_name.as_str())),
                )
                .await?;
            let detail = match user_id {
                Some(_) => format!("reason={} failures={failures}", reason.as_str()),
                None => format!(
                    "reason={} username={key} failures={failures}",
                    reason.as_str()
                ),
            };
            audit
                .record(account_id, user_id, "login.failed", &detail)
                .await?;
            Ok(LoginOutcome::Refused(Refusal::BadCredentials(reason)))
        }
    }
}

/// The rest of a password login whose every factor passed: a refusal that may now be said, the
/// new-IP confirmation, or the session.
async fn after_password(
    state: &AppState,
    audit: &Audit<'_>,
    claimed: &Claimed<'_>,
    candidate: Option<&LoginCandidate>,
    step: Step,
    client: &Client,
) -> Result<LoginOutcome, StoreError> {
    let Some(candidate) = candidate else {
        return Ok(LoginOutcome::Refused(Refusal::BadCredentials(
            login::FailureReason::UnknownUser,
        )));
    };
    let (account_id, user_id) = (
        Some(candidate.user.account_id.as_str()),
        Some(candidate.user.id.as_str()),
    );
    match step {
        Step::Refused(refusal) => {
            state.store.clear_username_failures(claimed.counter).await?;
            audit
                .record(
                    account_id,
                    user_id,
                    "login.refused",
                    &format!("reason={}", refusal.as_str()),
                )
                .await?;
            Ok(LoginOutcome::Refused(refusal))
        }
        Step::ConfirmIp => {
            state.store.clear_username_failures(claimed.counter).await?;
            audit
                .record(
                    account_id,
                    user_id,
                    "login.password_passed",
                    "next=confirm_ip",
                )
                .await?;
            let pending = crate::flows::login::new_ip::begin_waiting(
                state,
                &candidate.user,
                &candidate.account_name,
                client,
                audit.now,
            )
            .await?;
            Ok(LoginOutcome::ConfirmIp(pending))
        }
        Step::StartSession { ip: on_start, .. } => {
            let session = start_session(
                state,
                Login {
                    user: &candidate.user,
                    account_name: &candidate.account_name,
                    ip: on_start,
                    factors: "factor=password",
                    clear_failures_of: Some(claimed.counter),
                },
                client,
                audit.now,
            )
            .await?;
            Ok(LoginOutcome::Session(session))
        }
        Step::AskTotp => Ok(LoginOutcome::Refused(Refusal::BadCredentials(
            login::FailureReason::WrongPassword,
        ))),
    }
}

fn security_code_matches(state: &AppState, account: &AccountRow, typed: &str) -> bool {
    let context = security_code_context(&account.id);
    match state.keys.decrypt(&context, &account.security_code_enc) {
        Ok(actual) => security_code::matches(typed, &String::from_utf8_lossy(&actual)),
        Err(e) => {
            tracing::error!(account_id = %account.id, "cannot decrypt the security code: {e}");
            false
        }
    }
}

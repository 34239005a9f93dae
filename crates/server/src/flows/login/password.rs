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
use portcullis_core::login::{self, FailureReason, FirstFactor, Refusal, Step, UserFacts};
use portcullis_core::password::{self, DUMMY_HASH};
use portcullis_core::session::LoginMethod;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, token, username};
use portcullis_store::{PendingStage, StoreError, UsernameCounter};
use secrecy::{ExposeSecret, SecretString};

use crate::flows::people::accounts::account_by_security_code;

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
    let account =
        account_by_security_code(&state.store, &state.keys, &attempt.security_code).await?;
    let account_id = account.as_ref().map(|a| a.account.id.as_str());
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
    let password_set = candidate
        .as_ref()
        .is_some_and(|c| c.user.password_hash.is_some());
    let candidate = match login::check_first_factor(
        account.is_some(),
        candidate.as_ref(),
        password_set,
        password_matches,
    ) {
        Ok(candidate) => candidate,
        Err(reason) => {
            let user = candidate
                .as_ref()
                .map(|c| (&c.user, c.account_name.as_str()));
            return failed(state, &audit, &claimed, reason, account_id, user, &key).await;
        }
    };
    // Only read once the password passed: nothing about the IP address is looked at before.
    let ip_facts = super::new_ip::ip_facts(
        state,
        &candidate.user.account_id,
        &candidate.user.id,
        &client.ip.to_string(),
    )
    .await?;
    let facts = UserFacts::of(&candidate.user, candidate.factors);
    let (account_id, user_id) = (
        Some(candidate.user.account_id.as_str()),
        Some(candidate.user.id.as_str()),
    );
    match login::decide(
        FirstFactor::Password,
        &facts,
        candidate.policy,
        ip_facts,
        now,
    ) {
        Step::AskTotp => {
            // Only this attempt is given back: the failures before it (wrong codes, say) stay
            // until the code passes too.
            claimed.give_back(state, true).await?;
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
        Step::Refused(refusal) => {
            // Every factor passed; the decision refused the user anyway.
            claimed.give_back_address(state).await?;
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
            claimed.give_back_address(state).await?;
            state.store.clear_username_failures(claimed.counter).await?;
            audit
                .record(
                    account_id,
                    user_id,
                    "login.password_passed",
                    "next=confirm_ip",
                )
                .await?;
            let pending = super::new_ip::begin_waiting(
                state,
                &candidate.user,
                &candidate.account_name,
                client,
                now,
            )
            .await?;
            Ok(LoginOutcome::ConfirmIp(pending))
        }
        Step::StartSession(start) => {
            claimed.give_back_address(state).await?;
            let session = start_session(
                state,
                Login {
                    user: &candidate.user,
                    account_name: &candidate.account_name,
                    ip: start.ip,
                    factors: "factor=password",
                    method: LoginMethod::Password,
                    clear_failures_of: Some(claimed.counter),
                },
                client,
                now,
            )
            .await?;
            Ok(LoginOutcome::Session(session))
        }
    }
}

/// A password login whose first factor failed: counted (perhaps locking the username), audited
/// with the true reason, answered with one generic refusal.
async fn failed(
    state: &AppState,
    audit: &Audit<'_>,
    claimed: &Claimed<'_>,
    reason: FailureReason,
    account_id: Option<&str>,
    user: Option<(&User, &str)>,
    key: &str,
) -> Result<LoginOutcome, StoreError> {
    let failures = claimed.failed(state, audit, user).await?;
    let user_id = user.map(|(u, _)| u.id.as_str());
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

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

use std::net::IpAddr;

use portcullis_core::lockout::{self, Gate};
use portcullis_core::login::{
    self, AccountPolicy, FirstFactor, IpOnStart, Refusal, Step, UserFacts,
};
use portcullis_core::password::{self, DUMMY_HASH};
use portcullis_core::user::UserKind;
use portcullis_core::{Timestamp, ids, security_code, token, username};
use portcullis_store::{
    AccountRow, AuditEvent, LoginCandidate, NewSession, PendingStage, SessionStart, StoreError,
    UserRow, UsernameCounter,
};
use secrecy::{ExposeSecret, SecretString};

use crate::accounts::{security_code_context, security_code_lookups};
use crate::ip_security;
use crate::notify::{self, Recipient};
use crate::state::AppState;

/// What the browser sent.
pub struct PasswordLogin {
    /// The account's security code, as typed.
    pub security_code: String,
    /// The username, as typed.
    pub username: String,
    /// The password.
    pub password: SecretString,
}

/// Where the request came from.
#[derive(Debug, Clone)]
pub struct Client {
    /// Client IP address (after trusted-proxy resolution).
    pub ip: IpAddr,
    /// The browser's User-Agent, truncated.
    pub user_agent: String,
}

/// A new session, to be put in the cookie.
#[derive(Debug)]
pub struct NewSessionToken {
    /// The cookie value; only its hash is stored.
    pub token: String,
    /// The user.
    pub user_id: String,
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

/// How long a login may wait for its second factor.
pub const PENDING_LOGIN_VALIDITY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

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

/// Longest username key kept for failure counting: longer input cannot be a username anyway.
const MAX_KEY_CHARS: usize = 100;

/// The counters an attempt was claimed on before it was checked (see
/// `portcullis_core::lockout`): its client address and a username counter.
pub(crate) struct Claimed<'a> {
    address: String,
    counter: UsernameCounter<'a>,
    /// The username counter's consecutive failures, this attempt included.
    pub failures: u32,
}

/// Why a claim was refused: the gate that was closed, and its name for the audit log's bursts.
pub(crate) struct Refused {
    /// The closed gate.
    pub gate: Gate,
    /// Which counter closed it (`ip:<address>` or the username counter).
    pub gate_key: String,
}

/// Claims an attempt on the client's address and on `counter`, before anything is checked.
/// When the username gate refuses, the address's claim is given back.
pub(crate) async fn claim_attempt<'a>(
    state: &AppState,
    client: &Client,
    counter: UsernameCounter<'a>,
    now: Timestamp,
) -> Result<Result<Claimed<'a>, Refused>, StoreError> {
    let address = lockout::address_key(client.ip).to_string();
    if let Err(gate) = state.store.claim_ip_attempt(&address, now).await? {
        return Ok(Err(Refused {
            gate,
            gate_key: format!("ip:{address}"),
        }));
    }
    match state.store.claim_username_attempt(counter, now).await? {
        Ok(failures) => Ok(Ok(Claimed {
            address,
            counter,
            failures,
        })),
        Err(gate) => {
            state.store.give_back_ip_attempt(&address).await?;
            Ok(Err(Refused {
                gate,
                gate_key: counter_name(counter),
            }))
        }
    }
}

fn counter_name(counter: UsernameCounter<'_>) -> String {
    match counter {
        UsernameCounter::InAccount(account_id, key) => format!("user:{account_id}/{key}"),
        UsernameCounter::AsTyped(key) => format!("name:{key}"),
    }
}

impl Claimed<'_> {
    /// The attempt was not a failure: the address's claim is given back, and on the username
    /// counter either this attempt only (`only_this`: a login that still waits for its code, or
    /// a check that never ran) or every failure (the login or confirmation succeeded).
    pub(crate) async fn give_back(
        &self,
        state: &AppState,
        only_this: bool,
    ) -> Result<(), StoreError> {
        state.store.give_back_ip_attempt(&self.address).await?;
        if only_this {
            state.store.give_back_username_attempt(self.counter).await
        } else {
            state
                .store
                .clear_username_failures(self.counter)
                .await
                .map(|_| ())
        }
    }

    /// Gives back only the address's claim (the username counter is cleared elsewhere, e.g. in
    /// the session's transaction).
    pub(crate) async fn give_back_address(&self, state: &AppState) -> Result<(), StoreError> {
        state.store.give_back_ip_attempt(&self.address).await
    }

    /// The attempt failed; it was counted when it was claimed. When this failure reaches the
    /// lock of an account's username, engages it, audits it and tells the user by email.
    /// Returns the consecutive failure count.
    pub(crate) async fn failed(
        &self,
        state: &AppState,
        audit: &Audit<'_>,
        user: Option<(&UserRow, &str)>,
    ) -> Result<u32, StoreError> {
        let failures = self.failures;
        let lockable = self.counter.scope() == lockout::Scope::InAccount;
        if lockable
            && lockout::locks(failures)
            && state.store.lock_username(self.counter, audit.now).await?
        {
            locked(state, audit, &counter_name(self.counter), failures, user).await?;
        }
        Ok(failures)
    }
}

/// Audits a lock that just engaged and tells the user.
async fn locked(
    state: &AppState,
    audit: &Audit<'_>,
    key: &str,
    failures: u32,
    user: Option<(&UserRow, &str)>,
) -> Result<(), StoreError> {
    tracing::warn!("a username was locked after {failures} consecutive failed attempts");
    audit
        .record(
            user.map(|(u, _)| u.account_id.as_str()),
            user.map(|(u, _)| u.id.as_str()),
            "login.locked",
            &format!("counter={key} failures={failures}"),
        )
        .await?;
    let Some((user, account_name)) = user else {
        return Ok(());
    };
    let mut notice = notify::security_change(
        Recipient {
            email: &user.email,
            name: user.display_name(),
            account_name,
        },
        "Your username is locked",
        &format!(
            "Someone typed a wrong password or code for your username {} {failures} times in a row, with your account's security code, so Portcullis locked it. Nobody can log in with it until an administrator of {account_name} unlocks it.",
            user.username
        ),
        audit.now,
        audit.client,
    );
    if let Some(time) = notice.facts.first_mut() {
        time.0 = "Time of the last attempt".into();
    }
    notice.advice = Some(
        "If these attempts were not yours, someone who knows the security code is guessing your password. Ask your administrator to unlock your username, and choose a new password that you use nowhere else."
            .into(),
    );
    notify::send(state, &notice).await;
    Ok(())
}

/// Audits an attempt refused by a closed gate. Such refusals come in bursts, so the first of a
/// minute per gate (and account) is its own event and the rest only count into it.
pub(crate) async fn record_refusal(
    audit: &Audit<'_>,
    refused: &Refused,
    account_id: Option<&str>,
    user_id: Option<&str>,
    what: &str,
) -> Result<(), StoreError> {
    let (event, reason) = match refused.gate {
        Gate::Locked => ("login.refused", "reason=locked"),
        Gate::WaitUntil(_) | Gate::Open => ("login.throttled", "reason=throttled"),
    };
    let minute = audit.now.millis().div_euclid(60_000);
    let burst = format!(
        "{event}|{what}|{}|{}|{minute}",
        refused.gate_key,
        account_id.unwrap_or("-")
    );
    let detail = format!("{reason} attempt={what} gate={}", refused.gate_key);
    audit
        .state
        .store
        .append_burst(
            &burst,
            &AuditEvent {
                account_id,
                user_id,
                actor: "user",
                event,
                detail: &detail,
                ip: &audit.client.ip.to_string(),
                user_agent: &audit.client.user_agent,
                at: audit.now,
            },
        )
        .await
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
            ip_security::ip_facts(
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
            let pending = ip_security::begin_waiting(
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

/// How a logged-in user's password confirmation ended (re-authentication, password or
/// username change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The password is right.
    Confirmed,
    /// The password is wrong; the failure was counted.
    Wrong,
    /// Too many recent failures; try again at this time.
    TryLater(Timestamp),
    /// The username is locked.
    Locked,
    /// Hashing capacity is exhausted.
    Busy,
}

/// Checks a logged-in user's password under the same brute-force rules as the login: a stolen
/// session must not become a way to guess the password without limits. The attempt is claimed
/// on the client's address and the user's own counter before the hash runs.
#[tracing::instrument(skip_all, fields(ip = %client.ip))]
pub async fn confirm_password(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    account_name: &str,
    password: SecretString,
    client: &Client,
) -> Result<Confirmation, StoreError> {
    let now = state.clock.now();
    let audit = Audit { state, client, now };
    let Some(user) = state.store.user(account_id, user_id).await? else {
        return Ok(Confirmation::Wrong);
    };
    let Ok(hashing) = state.hashing.admit(client.ip) else {
        return Ok(Confirmation::Busy);
    };
    let key = username::key(&user.username);
    let counter = UsernameCounter::InAccount(account_id, &key);
    let claimed = match claim_attempt(state, client, counter, now).await? {
        Ok(claimed) => claimed,
        Err(refused) => {
            record_refusal(
                &audit,
                &refused,
                Some(account_id),
                Some(user_id),
                "password_confirmation",
            )
            .await?;
            return Ok(match refused.gate {
                Gate::Locked => Confirmation::Locked,
                Gate::WaitUntil(until) => Confirmation::TryLater(until),
                Gate::Open => Confirmation::TryLater(now),
            });
        }
    };
    let stored_hash = user
        .password_hash
        .clone()
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let has_password = user.password_hash.is_some();
    let matches = match hashing
        .run(move || password::verify_password(password.expose_secret(), &stored_hash))
        .await
    {
        Ok(matches) => matches && has_password,
        Err(_busy) => {
            claimed.give_back(state, true).await?;
            return Ok(Confirmation::Busy);
        }
    };
    if matches {
        claimed.give_back(state, false).await?;
        return Ok(Confirmation::Confirmed);
    }
    let failures = claimed
        .failed(state, &audit, Some((&user, account_name)))
        .await?;
    audit
        .record(
            Some(account_id),
            Some(user_id),
            "password.confirm_failed",
            &format!("failures={failures}"),
        )
        .await?;
    Ok(Confirmation::Wrong)
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

/// A login whose every factor passed, about to get its session.
pub struct Login<'a> {
    /// Who logs in.
    pub user: &'a UserRow,
    /// Their account's name (for the notice when the address is validated automatically).
    pub account_name: &'a str,
    /// What happens to the client's address (the login decision says).
    pub ip: IpOnStart,
    /// The `login.succeeded` audit detail: which factors passed.
    pub factors: &'a str,
    /// The username counter whose failures a password login clears.
    pub clear_failures_of: Option<UsernameCounter<'a>>,
}

/// Starts the session of a login whose every factor passed. Everything the login writes (the
/// session, last login, the address seen or validated, failures cleared, audit events) is one
/// transaction; the notice of an automatically validated address goes out after it.
pub async fn start_session(
    state: &AppState,
    login: Login<'_>,
    client: &Client,
    now: Timestamp,
) -> Result<NewSessionToken, StoreError> {
    let user = login.user;
    let session_token = token::new_token();
    let csrf = token::new_token();
    let ip = client.ip.to_string();
    let validate_ip = login.ip == IpOnStart::ValidateAndNotify;
    let validated_detail = format!("ip={ip} by=automatic");
    let event = |event, detail| AuditEvent {
        account_id: Some(&user.account_id),
        user_id: Some(&user.id),
        actor: "user",
        event,
        detail,
        ip: &ip,
        user_agent: &client.user_agent,
        at: now,
    };
    let mut audit = Vec::with_capacity(2);
    if validate_ip {
        audit.push(event("ip.validated", &validated_detail));
    }
    audit.push(event("login.succeeded", login.factors));
    state
        .store
        .start_session(&SessionStart {
            session: NewSession {
                token_hash: &token::hash_token(&session_token),
                id: &ids::new_id(),
                account_id: &user.account_id,
                user_id: &user.id,
                csrf_token: &csrf,
                now,
                ip: &ip,
                user_agent: &client.user_agent,
            },
            clear_failures_of: login.clear_failures_of,
            validate_ip,
            audit: &audit,
        })
        .await?;
    if validate_ip {
        ip_security::notify_validated_automatically(state, user, login.account_name, client, now)
            .await;
    }
    Ok(NewSessionToken {
        token: session_token,
        user_id: user.id.clone(),
    })
}

/// Writes audit events for one request.
pub struct Audit<'a> {
    /// Shared state.
    pub state: &'a AppState,
    /// Where the request came from.
    pub client: &'a Client,
    /// When.
    pub now: Timestamp,
}

impl Audit<'_> {
    /// Appends one event, acted by the user themselves.
    pub async fn record(
        &self,
        account_id: Option<&str>,
        user_id: Option<&str>,
        event: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.record_by("user", account_id, user_id, event, detail)
            .await
    }

    /// Appends one event about `user_id`, acted by someone else (`administrator:<username>`).
    pub async fn record_by(
        &self,
        actor: &str,
        account_id: Option<&str>,
        user_id: Option<&str>,
        event: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.state
            .store
            .append_audit(&AuditEvent {
                account_id,
                user_id,
                actor,
                event,
                detail,
                ip: &self.client.ip.to_string(),
                user_agent: &self.client.user_agent,
                at: self.now,
            })
            .await
    }
}

/// Whether a user kind may see the account's audit log.
pub fn may_read_audit(kind: UserKind) -> bool {
    kind.is_administrator()
}

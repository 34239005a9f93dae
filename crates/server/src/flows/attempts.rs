//! Attempts claimed before they are checked: every password, code or confirmation is counted on
//! the client's address and a username counter first (see `portcullis_core::lockout`), so
//! parallel attempts cannot outrun the limits; closed gates are audited as bursts.

use portcullis_core::lockout::{self, Gate};
use portcullis_core::user::User;
use portcullis_store::{AuditEvent, StoreError, UsernameCounter};

use crate::flows::context::{Audit, Client};
use crate::flows::notices::{self, Recipient};
use crate::i18n::Msg;
use crate::state::AppState;
use portcullis_core::Timestamp;

/// Longest username key kept for failure counting: longer input cannot be a username anyway.
pub(crate) const MAX_KEY_CHARS: usize = 100;

/// The counters an attempt was claimed on before it was checked (see
/// `portcullis_core::lockout`): its client address and a username counter.
pub(crate) struct Claimed<'a> {
    address: String,
    /// The username counter the attempt was claimed on.
    pub(crate) counter: UsernameCounter<'a>,
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
        user: Option<(&User, &str)>,
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
    user: Option<(&User, &str)>,
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
    let mut notice = notices::security_change(
        Recipient::of(user, account_name),
        Msg::new("mail-locked-subject"),
        Msg::new("mail-locked")
            .with("username", &user.username)
            .with("failures", failures)
            .with("account", account_name),
        audit.now,
        audit.client,
    );
    if let Some(time) = notice.facts.first_mut() {
        time.0 = Msg::new("mail-locked-last-attempt");
    }
    notice.advice = Some(Msg::new("mail-locked-advice"));
    notices::send(state, &notice).await;
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

/// Claims a code attempt on the client's address and the user's own counter; a refusal is
/// audited (as a burst) and answered with `None`.
pub(crate) async fn claim_for_user<'a>(
    audit: &Audit<'_>,
    user: &'a User,
    key: &'a str,
    what: &str,
) -> Result<Option<Claimed<'a>>, StoreError> {
    let counter = UsernameCounter::InAccount(&user.account_id, key);
    match crate::flows::attempts::claim_attempt(audit.state, audit.client, counter, audit.now)
        .await?
    {
        Ok(claimed) => Ok(Some(claimed)),
        Err(refused) => {
            crate::flows::attempts::record_refusal(
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

//! The Security center's switches: enforce two-factor authentication, limit its validity, block
//! new IP addresses. Sessions read them at every request, so a change applies at once on every
//! server process.
//!
//! What must always hold: the switches and their audit event commit together, and only a change
//! is audited; an administrator without a second factor who would require one is told what that
//! means for them before it applies (every page would lead them to set one up); when two-factor
//! becomes required, every user who has none yet is told by email.

use portcullis_core::Timestamp;
use portcullis_core::access::Actor;
use portcullis_core::helpdesk;
use portcullis_core::login::{self, AccountPolicy};
use portcullis_store::StoreError;

use crate::flows::context::{Acting, Client};
use crate::flows::notices::{self, Recipient};
use crate::i18n::Msg;
use crate::state::AppState;

/// How saving the switches ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyChange {
    /// Saved (or nothing changed).
    Saved,
    /// Not saved: it would require two-factor authentication of the acting administrator, who
    /// has none yet. Ask them; save with `restricting_myself` once they agree.
    WouldRestrictYou,
}

/// Sets the account's switches to `policy`. `restricting_myself` says the acting administrator
/// agreed to be restricted to setting up a second factor, which they lack.
pub async fn set_policy(
    acting: &Acting<'_>,
    policy: AccountPolicy,
    restricting_myself: bool,
) -> Result<PolicyChange, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    // Locked first, so the switches read below are the ones this change replaces.
    tx.lock_account(acting.account_id).await?;
    let before = tx
        .account(acting.account_id)
        .await?
        .ok_or(StoreError::NotFound)?
        .policy;
    if before == policy {
        return Ok(PolicyChange::Saved);
    }
    let now_required = policy.enforce_two_factor && !before.enforce_two_factor;
    if now_required
        && !restricting_myself
        && let Actor::Member(me) = acting.actor
        && login::restricted(tx.factors(acting.account_id, &me.user_id).await?, policy)
    {
        return Ok(PolicyChange::WouldRestrictYou);
    }
    tx.set_two_factor_policy(
        acting.account_id,
        policy.enforce_two_factor,
        policy.limit_two_factor_validity,
    )
    .await?;
    tx.set_block_new_ips(acting.account_id, policy.block_new_ips)
        .await?;
    acting
        .audit(
            &mut tx,
            None,
            "policy.changed",
            &format!(
                "enforce_two_factor={} limit_two_factor_validity={} block_new_ips={}",
                policy.enforce_two_factor, policy.limit_two_factor_validity, policy.block_new_ips
            ),
        )
        .await?;
    tx.commit().await?;
    if now_required {
        let (state, account_id) = (acting.state.clone(), acting.account_id.to_string());
        let (account_name, client, now) = (
            acting.account_name.to_string(),
            acting.client.clone(),
            acting.now,
        );
        acting.state.in_background(async move {
            tell_users_it_is_required(&state, &account_id, &account_name, &client, now).await;
        });
    }
    Ok(PolicyChange::Saved)
}

/// Tells every user who can log in and has no second factor that the account now requires one.
async fn tell_users_it_is_required(
    state: &AppState,
    account_id: &str,
    account_name: &str,
    client: &Client,
    now: Timestamp,
) {
    let users = match state
        .store
        .active_users_without_second_factor(account_id, now)
        .await
    {
        Ok(users) => users,
        Err(e) => {
            tracing::error!(cause = ?e, "could not list the users to tell that two-factor is required");
            return;
        }
    };
    for user in users {
        let mut notice = notices::security_change(
            Recipient::of(&user, account_name),
            Msg::new("mail-two-factor-required-subject"),
            Msg::new("mail-two-factor-required").with("account", account_name),
            now,
            client,
        );
        notice.action = Some((
            Msg::new("mail-two-factor-required-action"),
            format!("{}/login", state.config.public_origin()),
        ));
        notice.advice = Some(Msg::new("mail-two-factor-required-advice"));
        notices::send(state, &notice).await;
    }
}

/// Gives the platform's helpdesk access to the acting user's account for a month from now (a
/// grant that exists is renewed); audited. Returns when it ends.
pub async fn grant_helpdesk(acting: &Acting<'_>) -> Result<Timestamp, StoreError> {
    let expires = helpdesk::grant_expires(acting.now);
    let mut tx = acting.state.store.begin().await?;
    let by = acting.actor.name();
    tx.grant_helpdesk(acting.account_id, &by, acting.now, expires)
        .await?;
    acting
        .audit(
            &mut tx,
            None,
            "helpdesk.granted",
            &format!("until={}", expires.millis()),
        )
        .await?;
    tx.commit().await?;
    Ok(expires)
}

/// Ends the helpdesk's access to the acting user's account at once; audited when there was a
/// grant to end.
pub async fn revoke_helpdesk(acting: &Acting<'_>) -> Result<bool, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    let revoked = tx.revoke_helpdesk(acting.account_id).await?;
    if revoked {
        acting.audit(&mut tx, None, "helpdesk.revoked", "").await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

//! The password as a credential a user manages: confirming it ("Confirm it's you", under the
//! login's brute-force limits), changing it on the security tab (with the current one),
//! choosing it through an emailed link, and the notice that it changed.
//!
//! What must always hold: a change is checked against the password rules and confirmed with
//! the current password under the login's brute-force limits; the new hash, the end of every
//! other session, the end of outstanding reset links, this session's new token and the audit
//! event commit together; the user is told by email.

use portcullis_core::lockout::Gate;
use portcullis_core::password::{self, DUMMY_HASH, PasswordContext, PasswordProblem};
use portcullis_core::user::User;
use portcullis_core::{Timestamp, token, username};
use portcullis_store::{StoreError, TokenPurpose, UsernameCounter};
use secrecy::{ExposeSecret, SecretString};

use crate::flows::FlowError;
use crate::flows::attempts::{claim_attempt, record_refusal};
use crate::flows::context::{Acting, Audit, Client};
use crate::flows::notices::{self, Recipient};
use crate::flows::session::{self, OwnSession};
use crate::i18n::Msg;
use crate::state::AppState;

/// Why a logged-in user's password confirmation (re-authentication, password or username
/// change) did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unconfirmed {
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
/// on the client's address and the user's own counter before the hash runs. `user` is the acting
/// user, as the caller read them for this request.
#[tracing::instrument(skip_all, fields(ip = %acting.client.ip))]
pub async fn confirm_password(
    acting: &Acting<'_>,
    user: &User,
    password: SecretString,
) -> Result<Result<(), Unconfirmed>, StoreError> {
    let (state, client, now) = (acting.state, acting.client, acting.now);
    let (account_id, user_id) = (user.account_id.as_str(), user.id.as_str());
    let audit = Audit { state, client, now };
    let Ok(hashing) = state.hashing.admit(client.ip) else {
        return Ok(Err(Unconfirmed::Busy));
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
                Gate::Locked => Err(Unconfirmed::Locked),
                Gate::WaitUntil(until) => Err(Unconfirmed::TryLater(until)),
                Gate::Open => Err(Unconfirmed::TryLater(now)),
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
            return Ok(Err(Unconfirmed::Busy));
        }
    };
    if matches {
        claimed.give_back(state, false).await?;
        return Ok(Ok(()));
    }
    let failures = claimed
        .failed(state, &audit, Some((user, acting.account_name)))
        .await?;
    audit
        .record(
            Some(account_id),
            Some(user_id),
            "password.confirm_failed",
            &format!("failures={failures}"),
        )
        .await?;
    Ok(Err(Unconfirmed::Wrong))
}

/// How a password change ended.
#[derive(Debug)]
pub enum PasswordChange {
    /// Changed; this session's new token goes into the cookie.
    Changed {
        /// The session's new token.
        session_token: String,
    },
    /// The new password was typed differently the second time.
    NotTheSame,
    /// The new password breaks a rule.
    Weak(PasswordProblem),
    /// The current password was not confirmed.
    NotConfirmed(Unconfirmed),
}

/// Changes the acting user's own password.
pub async fn change(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    me: &User,
    current: SecretString,
    new: SecretString,
    repeat: &str,
) -> Result<PasswordChange, FlowError> {
    let state = acting.state;
    if new.expose_secret() != repeat {
        return Ok(PasswordChange::NotTheSame);
    }
    let context = PasswordContext {
        username: &me.username,
        email: &me.email,
        account_name: acting.account_name,
    };
    if let Err(problem) = password::check_new_password(new.expose_secret(), context) {
        return Ok(PasswordChange::Weak(problem));
    }
    let confirmation = confirm_password(acting, me, current).await?;
    if let Err(why) = confirmation {
        return Ok(PasswordChange::NotConfirmed(why));
    }
    // Asked only of someone who proved they are the user: not an oracle for strangers.
    if let Some(problem) = crate::flows::breaches::password_problem(state, &new).await {
        return Ok(PasswordChange::Weak(problem));
    }
    let hash = state
        .hashing
        .run(acting.client.ip, move || {
            password::hash_password(new.expose_secret())
        })
        .await
        .map_err(|_| FlowError::Busy)?
        .map_err(|e| FlowError::Hashing(e.to_string()))?;
    let mut tx = state.store.begin().await?;
    tx.set_password_hash(acting.account_id, &me.id, &hash, acting.now)
        .await?;
    // Apps that logged in through Portcullis must ask the user again.
    tx.revoke_refresh_tokens_of_user(&me.id, acting.now).await?;
    let ended = tx
        .delete_other_sessions(acting.account_id, &me.id, session.id)
        .await?;
    tx.void_tokens(
        acting.account_id,
        &me.id,
        TokenPurpose::ResetPassword,
        acting.now,
    )
    .await?;
    let fresh = session::renew_in(&mut tx, session, acting.now).await?;
    acting
        .audit(
            &mut tx,
            Some(&me.id),
            "password.changed",
            &format!("other_sessions_ended={ended}"),
        )
        .await?;
    tx.commit().await?;
    tell_password_changed(state, me, acting.account_name, acting.now, acting.client).await;
    Ok(PasswordChange::Changed {
        session_token: fresh,
    })
}

/// How choosing a password through an emailed link ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkSet {
    /// The password is set; the user logs in with it.
    Set,
    /// The new password breaks a rule. The link stays usable.
    Weak(PasswordProblem),
    /// The link expired, was used already, or is not this user's.
    Unusable,
}

/// Sets `user`'s password through a single-use link of `purpose` (an invitation or a reset).
/// The password is hashed before the link is taken, so a busy server leaves the link usable;
/// then, in one transaction: the link is used up, the hash stored, every session of the user
/// ended, every other link voided, the address validated (the link came by email, which proves
/// what a confirmation email would; a blocked address stays blocked), and it is audited. A
/// reset is told by email.
pub async fn set_with_link(
    state: &AppState,
    client: &Client,
    purpose: TokenPurpose,
    link_token: &str,
    user: &User,
    account_name: &str,
    new: SecretString,
) -> Result<LinkSet, FlowError> {
    let context = PasswordContext {
        username: &user.username,
        email: &user.email,
        account_name,
    };
    if let Err(problem) = password::check_new_password(new.expose_secret(), context) {
        return Ok(LinkSet::Weak(problem));
    }
    if let Some(problem) = crate::flows::breaches::password_problem(state, &new).await {
        return Ok(LinkSet::Weak(problem));
    }
    let hash = state
        .hashing
        .run(client.ip, move || {
            password::hash_password(new.expose_secret())
        })
        .await
        .map_err(|_| FlowError::Busy)?
        .map_err(|e| FlowError::Hashing(e.to_string()))?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let taken = tx
        .take_token(&token::hash_token(link_token), purpose, now)
        .await?;
    if taken.as_ref() != Some(&(user.account_id.clone(), user.id.clone())) {
        return Ok(LinkSet::Unusable);
    }
    tx.set_password_hash(&user.account_id, &user.id, &hash, now)
        .await?;
    tx.delete_sessions_of_user(&user.account_id, &user.id)
        .await?;
    // The link came by email: the address is the user's.
    tx.mark_email_verified(&user.id, now).await?;
    tx.revoke_refresh_tokens_of_user(&user.id, now).await?;
    let via = match purpose {
        TokenPurpose::SetPassword => "via=set_password_link",
        TokenPurpose::ResetPassword => "via=reset_link",
    };
    client
        .audit_own(&mut tx, user, "password.set", via, now)
        .await?;
    tx.record_ip_seen(
        &user.account_id,
        &user.id,
        &client.ip.to_string(),
        &client.user_agent,
        now,
        true,
    )
    .await?;
    for purpose in [TokenPurpose::SetPassword, TokenPurpose::ResetPassword] {
        tx.void_tokens(&user.account_id, &user.id, purpose, now)
            .await?;
    }
    tx.commit().await?;
    if purpose == TokenPurpose::ResetPassword {
        tell_password_changed(state, user, account_name, now, client).await;
    }
    Ok(LinkSet::Set)
}

/// Tells a user their password was changed (on the security tab, or through a link).
pub async fn tell_password_changed(
    state: &AppState,
    user: &User,
    account_name: &str,
    now: Timestamp,
    client: &Client,
) {
    let notice = notices::security_change(
        Recipient::of(user, account_name),
        Msg::new("mail-password-changed-subject"),
        Msg::new("mail-password-changed").with("username", &user.username),
        now,
        client,
    );
    notices::send(state, &notice).await;
}

//! The password as a credential a user manages: changing it on the security tab (with the
//! current one), and the notice that it changed.
//!
//! What must always hold: a change is checked against the password rules and confirmed with
//! the current password under the login's brute-force limits; the new hash, the end of every
//! other session, the end of outstanding reset links, this session's new token and the audit
//! event commit together; the user is told by email.

use portcullis_core::password::{self, PasswordContext};
use portcullis_core::user::User;
use portcullis_core::{Timestamp, token};
use std::time::Duration;

use portcullis_core::lockout::{self, Gate};
use portcullis_store::{AuditEvent, LoginCandidate, StoreError, TokenPurpose};
use secrecy::{ExposeSecret, SecretString};

use crate::flows::FlowError;
use crate::flows::context::{Acting, Client};
use crate::flows::login::reauth::{self, Unconfirmed};
use crate::flows::notices::{self, Recipient};
use crate::flows::people::accounts::account_by_security_code;
use crate::flows::session::OwnSession;
use crate::state::AppState;

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
    /// The new password breaks a rule; the message says which.
    Weak(String),
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
        return Ok(PasswordChange::Weak(problem.to_string()));
    }
    let confirmation = reauth::confirm_password(
        state,
        acting.account_id,
        &me.id,
        acting.account_name,
        current,
        acting.client,
    )
    .await?;
    if let Err(why) = confirmation {
        return Ok(PasswordChange::NotConfirmed(why));
    }
    let hash = state
        .hashing
        .run(acting.client.ip, move || {
            password::hash_password(new.expose_secret())
        })
        .await
        .map_err(|_| FlowError::Busy)?
        .map_err(|e| FlowError::Hashing(e.to_string()))?;
    let fresh = token::new_token();
    let mut tx = state.store.begin().await?;
    tx.set_password_hash(acting.account_id, &me.id, &hash)
        .await?;
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
    tx.reauthenticate_session(session.token_hash, &token::hash_token(&fresh), acting.now)
        .await?;
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
    /// The new password breaks a rule; the message says which. The link stays usable.
    Weak(String),
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
        return Ok(LinkSet::Weak(problem.to_string()));
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
    tx.set_password_hash(&user.account_id, &user.id, &hash)
        .await?;
    tx.delete_sessions_of_user(&user.account_id, &user.id)
        .await?;
    let via = match purpose {
        TokenPurpose::SetPassword => "via=set_password_link",
        TokenPurpose::ResetPassword => "via=reset_link",
    };
    let ip = client.ip.to_string();
    tx.append_audit(&AuditEvent {
        account_id: Some(&user.account_id),
        user_id: Some(&user.id),
        actor: "user",
        event: "password.set",
        detail: via,
        ip: &ip,
        user_agent: &client.user_agent,
        at: now,
    })
    .await?;
    tx.record_ip_seen(
        &user.account_id,
        &user.id,
        &ip,
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

/// How long a reset link works.
pub const RESET_VALIDITY: Duration = Duration::from_secs(30 * 60);

/// The shortest time between two reset mails to one user.
pub const RESEND_AFTER: Duration = Duration::from_secs(60);

/// "Forgot your password?": when the security code and username match a user who can log in,
/// and the address is not being throttled for failed logins, a reset link goes to the user's
/// email address (at most one a minute). The caller answers the same either way; the token and
/// the mail are made in the background, so timing does not tell whether anything matched.
pub async fn request_reset(
    state: &AppState,
    client: &Client,
    typed_code: &str,
    typed_username: &str,
) -> Result<(), StoreError> {
    let now = state.clock.now();
    let ip_open = state
        .store
        .ip_failures(&lockout::address_key(client.ip).to_string())
        .await?
        .gate(now)
        == Gate::Open;
    // The same look-ups as the login: the account by its security code, the user in it.
    let account = account_by_security_code(&state.store, &state.keys, typed_code).await?;
    let candidate = state
        .store
        .login_candidate(
            account.as_ref().map_or("", |a| a.account.id.as_str()),
            typed_username,
        )
        .await?;
    let matched = candidate.filter(|c| c.user.may_log_in(now));
    if let (Some(candidate), true) = (matched, ip_open) {
        let (task_state, client) = (state.clone(), client.clone());
        state.in_background(async move {
            if let Err(e) = send_reset_link(&task_state, &candidate, &client, now).await {
                tracing::error!("could not issue a password reset link: {e}");
            }
        });
    }
    Ok(())
}

async fn send_reset_link(
    state: &AppState,
    candidate: &LoginCandidate,
    client: &Client,
    now: Timestamp,
) -> Result<(), StoreError> {
    let user = &candidate.user;
    let link_token = token::new_token();
    let mut tx = state.store.begin().await?;
    let issued = tx
        .issue_token_unless_recent(
            &token::hash_token(&link_token),
            TokenPurpose::ResetPassword,
            &user.account_id,
            &user.id,
            now,
            now.plus(RESET_VALIDITY),
            RESEND_AFTER,
        )
        .await?;
    if !issued {
        return Ok(());
    }
    let ip = client.ip.to_string();
    tx.append_audit(&AuditEvent {
        account_id: Some(&user.account_id),
        user_id: Some(&user.id),
        actor: "user",
        event: "password_reset.requested",
        detail: "",
        ip: &ip,
        user_agent: &client.user_agent,
        at: now,
    })
    .await?;
    tx.commit().await?;
    let mut notice = crate::flows::notices::security_change(
        crate::flows::notices::Recipient {
            email: &user.email,
            name: user.display_name(),
            account_name: &candidate.account_name,
        },
        "Choose a new password",
        &format!(
            "Someone asked to choose a new password for your username {}. The link below works once and for {} minutes. Your current password keeps working until you choose a new one.",
            user.username,
            RESET_VALIDITY.as_secs() / 60
        ),
        now,
        client,
    );
    notice.action = Some((
        "Choose a new password".into(),
        format!(
            "{}/reset-password?token={link_token}",
            state.config.public_origin()
        ),
    ));
    notice.advice = Some(
        "If you did not ask for this, ignore this message: nothing changes unless the link is used. If it keeps happening, tell your administrator."
            .into(),
    );
    crate::flows::notices::send(state, &notice).await;
    Ok(())
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
        "Your password was changed",
        &format!(
            "The password of your username {} was changed, and every other session of yours was ended.",
            user.username
        ),
        now,
        client,
    );
    notices::send(state, &notice).await;
}

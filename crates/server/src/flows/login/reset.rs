//! "Forgot your password?": the user gives the security code and their username; when both
//! match a user who can log in, a single-use reset link goes to the user's email address. The
//! link only lets them choose a new password (`credentials::password::set_with_link`); it never
//! logs them in, so two-factor authentication still applies afterwards.
//!
//! What must always hold: the caller answers the same whether or not anything matched, and the
//! token and mail work happen after the answer, in the background, so timing does not tell
//! either; at most one reset mail per user per minute, and none from an address that is being
//! throttled for failed logins.

use std::time::Duration;

use portcullis_core::lockout::{self, Gate};
use portcullis_core::{Timestamp, token};
use portcullis_store::{LoginCandidate, StoreError, TokenPurpose};

use crate::flows::context::Client;
use crate::flows::notices;
use crate::flows::people::accounts::account_by_security_code;
use crate::i18n::Msg;
use crate::state::AppState;

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
    client
        .audit_own(&mut tx, user, "password_reset.requested", "", now)
        .await?;
    tx.commit().await?;
    let mut notice = notices::security_change(
        notices::Recipient::of(user, &candidate.account_name),
        Msg::new("mail-reset-subject"),
        Msg::new("mail-reset")
            .with("username", &user.username)
            .with("minutes", RESET_VALIDITY.as_secs() / 60),
        now,
        client,
    );
    notice.action = Some((
        Msg::new("mail-reset-subject"),
        format!(
            "{}/reset-password?token={link_token}",
            state.config.public_origin()
        ),
    ));
    notice.advice = Some(Msg::new("mail-reset-advice"));
    notices::send(state, &notice).await;
    Ok(())
}

//! "Forgot your password?": the user gives the security code and their username; when both
//! match an active user, a single-use reset link (30 minutes) goes to the user's email address.
//!
//! What must always hold:
//! - the answer is the same page, with the same status, whether or not anything matched, and
//!   the token and mail work happen after the answer is decided, in the background, so timing
//!   does not tell either;
//! - at most one reset mail per user per minute, and none from an IP address that is being
//!   throttled for failed logins;
//! - the link only lets the user choose a new password; it never logs them in (see
//!   `set_password`), so two-factor authentication still applies afterwards.

use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::lockout::{self, Gate};
use portcullis_core::{Timestamp, token};
use portcullis_store::{LoginCandidate, TokenPurpose};
use serde::Deserialize;

use crate::flows::context::Audit;
use crate::flows::context::Client;
use crate::http::extract::CsrfForm;
use crate::http::templates::render;
use crate::http::{WebError, cookies};

use crate::flows::people::accounts::account_by_security_code;
use crate::http::routes::Routes;
use crate::state::AppState;

/// How long a reset link works.
pub const RESET_VALIDITY: Duration = Duration::from_secs(30 * 60);

/// The shortest time between two reset mails to one user.
pub const RESEND_AFTER: Duration = Duration::from_secs(60);

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    csrf: String,
    sent: bool,
    minutes: u64,
}

/// `GET /forgot-password`.
pub async fn form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, WebError> {
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = ForgotPage {
        csrf,
        sent: false,
        minutes: RESET_VALIDITY.as_secs() / 60,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    security_code: String,
    #[serde(default)]
    username: String,
}

/// `POST /forgot-password`.
pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let ip_open = state
        .store
        .ip_failures(&lockout::address_key(client.ip).to_string())
        .await?
        .gate(now)
        == Gate::Open;
    // The same look-ups as the login: the account by its security code, the user in it.
    let account = account_by_security_code(&state.store, &state.keys, &form.security_code).await?;
    let candidate = state
        .store
        .login_candidate(
            account.as_ref().map_or("", |a| a.account.id.as_str()),
            &form.username,
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
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = ForgotPage {
        csrf,
        sent: true,
        minutes: RESET_VALIDITY.as_secs() / 60,
    };
    Ok((jar, render(&page)?).into_response())
}

async fn send_reset_link(
    state: &AppState,
    candidate: &LoginCandidate,
    client: &Client,
    now: Timestamp,
) -> Result<(), WebError> {
    let user = &candidate.user;
    let link_token = token::new_token();
    let issued = state
        .store
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
    Audit { state, client, now }
        .record(
            Some(&user.account_id),
            Some(&user.id),
            "password_reset.requested",
            "",
        )
        .await?;
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

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/forgot-password", form)
        .post("/forgot-password", submit)
}

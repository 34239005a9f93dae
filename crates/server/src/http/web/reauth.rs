//! Re-authentication ("sudo mode"): before a sensitive change the user confirms their password,
//! which counts for ten minutes, and then continues where they were.
//!
//! Confirming gives the session a new token, so a token copied before the confirmation does not
//! carry the new rights. Wrong passwords count toward the username's lockout exactly like failed
//! logins.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use secrecy::SecretString;
use serde::Deserialize;

use super::shared::confirmation_problem;
use crate::flows::context::Client;
use crate::flows::login::reauth::{self, Reauth};
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{Nav, render, safe_return_path};
use crate::http::{WebError, cookies};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    t: crate::i18n::Tr,
    nav: Nav,
    next: String,
    error: Option<String>,
    has_passkey: bool,
}

/// Whether the user can confirm with a passkey (has one, and passkeys work on this server).
async fn has_passkey(state: &AppState, user: &CurrentUser) -> Result<bool, WebError> {
    Ok(state.webauthn.is_some()
        && !state
            .store
            .passkeys_of_user(&user.account_id, &user.user_id)
            .await?
            .is_empty())
}

#[derive(Deserialize)]
pub struct ReauthQuery {
    #[serde(default)]
    next: String,
}

/// `GET /reauth?next=…`.
pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ReauthQuery>,
) -> Result<Response, WebError> {
    render(&ReauthPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, ""),
        next: safe_return_path(&query.next).to_string(),
        error: None,
        has_passkey: has_passkey(&state, &user).await?,
    })
}

#[derive(Deserialize)]
pub struct ReauthForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    password: String,
}

/// `POST /reauth`.
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ReauthForm>,
) -> Result<Response, WebError> {
    let next = safe_return_path(&form.next).to_string();
    let reauth = reauth::with_password(
        &user.acting(&state, &client),
        &user.own_session(),
        &user.user_id,
        SecretString::from(form.password),
    )
    .await?;
    let why = match reauth {
        Reauth::Renewed(session_token) => {
            let jar = jar.add(cookies::session(&state.config, session_token));
            return Ok((jar, Redirect::to(&next)).into_response());
        }
        Reauth::NotConfirmed(why) => why,
    };
    let page = ReauthPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, ""),
        next,
        error: Some(confirmation_problem(&state, why)?),
        has_passkey: has_passkey(&state, &user).await?,
    };
    Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/reauth", form).post("/reauth", submit)
}

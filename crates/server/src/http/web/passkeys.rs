//! Passkey pages and the JSON calls of their ceremonies (`/static/passkeys.js` runs them):
//! creating one on Security and login details, renaming and deleting, **Log in with a passkey**
//! (and autofill) on the login page, and confirming it's you with a passkey.
//!
//! Every JSON call carries the CSRF token in `X-CSRF-Token`; a failure answers
//! `{"error": "…"}` with a 4xx status and a sentence a person can act on.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::ids;
use portcullis_core::login::Refusal;
use portcullis_core::passkey;
use serde::Deserialize;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::security::{self, Part, Problems, Shown};
use super::shared::{Confirm, ConfirmForm, confirm_first};
use crate::flows::context::Client;
use crate::flows::credentials::passkeys::{self, Deleted};
use crate::flows::login::passkey::PasskeyLogin;
use crate::http::api_error::ApiUser;
use crate::http::cookies;
use crate::http::extract::{CsrfForm, CsrfJson, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{Nav, render, safe_return_path};
use crate::http::{ApiError, WebError};
use crate::i18n::{Arg, Words, t, ta};
use crate::state::AppState;

fn redirect_json(to: &str) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "redirect": to }))
}

/// The passkeys part of the user's own tab, where every passkey change returns.
fn passkeys_part(user: &CurrentUser) -> String {
    format!("/employees/{}/security/passkeys", user.user_id)
}

#[derive(Template)]
#[template(path = "passkey_new.html")]
struct NewPasskeyPage {
    t: crate::i18n::Tr,
    nav: Nav,
    available: bool,
    back: String,
}

/// `GET /security/passkeys/new`: the page that creates a passkey (after re-authentication).
pub async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    user.require_recent_auth(state.clock.now(), "/security/passkeys/new")?;
    render(&NewPasskeyPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "security"),
        available: state.webauthn.is_some(),
        back: passkeys_part(&user),
    })
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /security/passkeys/options`: starts a registration.
pub async fn registration_options(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    CsrfJson(_): CsrfJson<Empty>,
) -> Result<Response, ApiError> {
    user.require_recent_auth(state.clock.now(), "")?;
    let row = user.me(&state).await?;
    let ceremony = passkeys::begin_registration(&state, &row).await?;
    Ok(Json(ceremony).into_response())
}

#[derive(Deserialize)]
pub struct Registration {
    ceremony: String,
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// `POST /security/passkeys`: finishes a registration and stores the passkey.
pub async fn register(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    client: Client,
    CsrfJson(body): CsrfJson<Registration>,
) -> Result<Response, ApiError> {
    let row = user.me(&state).await?;
    passkeys::finish_registration(
        &state,
        &row,
        &body.ceremony,
        &body.credential,
        Some(&body.name),
        &user.account_name,
        &client,
    )
    .await?;
    Ok(redirect_json(&format!("{}?done=passkey-added", passkeys_part(&user))).into_response())
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

/// `POST /security/passkeys/{id}/rename`.
pub async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RenameForm>,
) -> Result<Response, WebError> {
    if !ids::looks_like_id(&id) {
        return Err(WebError::NotFound);
    }
    let name = match passkey::parse_name(&form.name) {
        Ok(name) => name,
        Err(problem) => {
            // The passkeys again, the problem beside the field that was typed in.
            let row = user.me(&state).await?;
            let shown = Shown {
                problems: Problems {
                    passkey_name: Some((id, problem.words())),
                    ..Problems::default()
                },
                ..Shown::part(Part::Passkeys)
            };
            return security::page(&state, &user, &row, shown).await;
        }
    };
    passkeys::rename(&user.acting(&state, &client), &user.user_id, &id, &name).await?;
    Ok(Redirect::to(&format!("{}?done=saved", passkeys_part(&user))).into_response())
}

/// `POST /security/passkeys/{id}/delete`: needs re-authentication; refused for the last factor
/// while the account enforces two-factor authentication.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, WebError> {
    if !ids::looks_like_id(&id) {
        return Err(WebError::NotFound);
    }
    let owned = state
        .store
        .passkeys_of_user(&user.account_id, &user.user_id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(WebError::NotFound)?;
    user.require_recent_auth(state.clock.now(), &passkeys_part(&user))?;
    if !form.confirmed() {
        return confirm_first(
            &state,
            &user,
            "security",
            Confirm {
                title: ta(
                    "confirm-delete-passkey-title",
                    &[("name", Arg::from(&owned.name))],
                ),
                what: t("confirm-delete-passkey"),
                action: format!("/security/passkeys/{}/delete", owned.id),
                button: t("confirm-delete-passkey-button"),
                back: passkeys_part(&user),
            },
        );
    }
    let row = user.me(&state).await?;
    match passkeys::delete(&user.acting(&state, &client), &row, &owned).await? {
        Deleted::Deleted => Ok(Redirect::to(&format!(
            "{}?done=passkey-deleted",
            passkeys_part(&user)
        ))
        .into_response()),
        Deleted::LastFactor => Err(WebError::Conflict(ta(
            "problem-last-passkey",
            &[("account", Arg::from(&user.account_name))],
        ))),
    }
}

/// `POST /login/passkey/options`: starts a usernameless login.
pub async fn login_options(
    State(state): State<AppState>,
    client: Client,
    CsrfJson(_): CsrfJson<Empty>,
) -> Result<Response, ApiError> {
    let ceremony = crate::flows::login::passkey::begin_login(&state, &client).await?;
    Ok(Json(ceremony).into_response())
}

#[derive(Deserialize)]
pub struct Assertion {
    ceremony: String,
    credential: PublicKeyCredential,
    #[serde(default)]
    next: String,
}

/// `POST /login/passkey`: finishes a usernameless login.
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfJson(body): CsrfJson<Assertion>,
) -> Result<Response, ApiError> {
    let outcome = crate::flows::login::passkey::finish_login(
        &state,
        &body.ceremony,
        &body.credential,
        &client,
    )
    .await?;
    match outcome {
        PasskeyLogin::Session(session) => {
            let to = super::shared::landing(&state, &jar, "/");
            let jar = super::shared::session_cookies(&state, jar, session);
            Ok((jar, redirect_json(&to)).into_response())
        }
        PasskeyLogin::Refused(Refusal::IpBlocked) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            super::shared::ip_blocked(),
        )),
        PasskeyLogin::Refused(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            super::shared::no_longer(),
        )),
    }
}

/// `POST /reauth/passkey/options`: starts confirming it's you with a passkey.
pub async fn reauth_options(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    CsrfJson(_): CsrfJson<Empty>,
) -> Result<Response, ApiError> {
    let row = user.me(&state).await?;
    let ceremony = crate::flows::login::passkey::begin_reauth(&state, &row).await?;
    Ok(Json(ceremony).into_response())
}

/// `POST /reauth/passkey`: finishes it; the session gets a new token and continues at `next`.
pub async fn reauth(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    client: Client,
    jar: CookieJar,
    CsrfJson(body): CsrfJson<Assertion>,
) -> Result<Response, ApiError> {
    let row = user.me(&state).await?;
    let renewed = crate::flows::login::passkey::finish_reauth(
        &user.acting(&state, &client),
        &user.own_session(),
        &row,
        &body.ceremony,
        &body.credential,
    )
    .await?;
    let session_token = renewed;
    let jar = jar.add(cookies::session(&state.config, session_token));
    let next = safe_return_path(&body.next).to_string();
    Ok((jar, redirect_json(&next)).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .post("/login/passkey/options", login_options)
        .post("/login/passkey", login)
        .post("/reauth/passkey/options", reauth_options)
        .post("/reauth/passkey", reauth)
        .get("/security/passkeys/new", new_page)
        .post("/security/passkeys/options", registration_options)
        .post("/security/passkeys", register)
        .post("/security/passkeys/{id}/rename", rename)
        .post("/security/passkeys/{id}/delete", delete)
}

//! The login page and logout.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::login::Refusal;
use secrecy::SecretString;
use serde::Deserialize;

use super::shared::{into_session, ip_blocked, no_longer, wait_words};
use crate::flows::context::Client;
use crate::flows::login::password::LoginOutcome;
use crate::flows::login::password::PasswordLogin;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::render;
use crate::http::{WebError, cookies};
use crate::i18n::{Arg, t, ta};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: crate::i18n::Tr,
    csrf: String,
    security_code: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    /// Filled in after a password was just set: the password field gets the focus.
    prefilled: bool,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    notice: Option<String>,
    /// An app's `login_hint` (OpenID Connect): the username to fill in.
    login_hint: Option<String>,
    /// Forward-auth: the app address to return to after the login (only hosts in the cookie
    /// domain are kept).
    rd: Option<String>,
}

fn notice_text(code: &str) -> Option<String> {
    Some(match code {
        "password-set" => t("login-notice-password-set"),
        "logged-out" => t("login-notice-logged-out"),
        "logged-out-everywhere" => t("login-notice-logged-out-everywhere"),
        "login-expired" => t("login-notice-expired"),
        "ip-blocked" => ip_blocked(),
        "no-longer" => no_longer(),
        "ip-expired" => t("login-notice-ip-expired"),
        _ => return None,
    })
}

/// The login page, pre-filled: shown at once after a person chose their password through an
/// emailed link, so they log in without going back to the email. The form is answered in the
/// page itself (not through a URL, which would carry the values into logs and history).
pub fn prefilled(
    state: &AppState,
    jar: CookieJar,
    security_code: String,
    username: String,
) -> Result<Response, WebError> {
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = LoginPage {
        t: crate::i18n::reader(),
        csrf,
        security_code,
        username,
        error: None,
        notice: notice_text("password-set"),
        prefilled: true,
    };
    Ok((jar, render(&page)?).into_response())
}

/// `GET /login`.
pub async fn form(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let jar = super::forward_auth::remember_return(&state, jar, query.rd.as_deref());
    if user.is_some() && cookies::return_to_value(&state.config, &jar).is_some() {
        // Logged in already (the app's host did not have the cookie yet): straight back.
        return Ok((jar, Redirect::to("/login/return")).into_response());
    }
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = LoginPage {
        t: crate::i18n::reader(),
        csrf,
        security_code: String::new(),
        username: query
            .login_hint
            .filter(|hint| hint.chars().count() <= 100)
            .unwrap_or_default(),
        error: None,
        notice: query.notice.as_deref().and_then(notice_text),
        prefilled: false,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    security_code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    let attempt = PasswordLogin {
        security_code: form.security_code.clone(),
        username: form.username.clone(),
        password: SecretString::from(form.password),
    };
    let outcome = crate::flows::login::password::password_login(&state, attempt, &client).await?;
    let (status, message, retry_after) = match outcome {
        LoginOutcome::Session(session) => return into_session(&state, jar, session).await,
        LoginOutcome::Busy => return Err(WebError::Busy),
        LoginOutcome::SecondFactor(pending) => {
            let jar = jar.add(cookies::pending(&state.config, pending));
            return Ok((jar, Redirect::to("/login/code")).into_response());
        }
        LoginOutcome::ConfirmIp(pending) => {
            let jar = jar.add(cookies::pending(&state.config, pending));
            return Ok((jar, Redirect::to("/login/new-ip")).into_response());
        }
        LoginOutcome::Refused(Refusal::IpBlocked) => (StatusCode::FORBIDDEN, ip_blocked(), None),
        LoginOutcome::Refused(Refusal::BadCredentials(_)) => {
            (StatusCode::UNAUTHORIZED, t("login-generic-failure"), None)
        }
        LoginOutcome::Refused(Refusal::Disabled | Refusal::EmploymentEnded) => {
            (StatusCode::FORBIDDEN, no_longer(), None)
        }
        LoginOutcome::Locked => (StatusCode::TOO_MANY_REQUESTS, t("login-locked"), None),
        LoginOutcome::TryLater(until) => {
            let secs = until.since(state.clock.now()).as_secs().max(1);
            let wait = ta("login-try-later", &[("wait", Arg::from(wait_words(secs)))]);
            (StatusCode::TOO_MANY_REQUESTS, wait, Some(secs))
        }
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = LoginPage {
        t: crate::i18n::reader(),
        csrf,
        security_code: form.security_code,
        username: form.username,
        error: Some(message),
        notice: None,
        prefilled: false,
    };
    let mut response = (status, jar, render(&page)?).into_response();
    if let Some(secs) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, secs);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LogoutForm {}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(_form): CsrfForm<LogoutForm>,
) -> Result<Response, WebError> {
    crate::flows::session::logout(
        &user.acting(&state, &client),
        &user.user_id,
        &user.own_session(),
    )
    .await?;
    let jar = cookies::clear_session(&state.config, jar);
    Ok((jar, Redirect::to("/login?notice=logged-out")).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/login", form)
        .post("/login", submit)
        .post("/logout", logout)
}

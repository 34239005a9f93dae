//! The "Security and login details" tab of a user's page.
//!
//! On their own page a user changes their username and password (the current password is
//! required, and counts as a re-authentication), sees their active sessions and ends any or all
//! others. An administrator looking at someone else's tab sees that user's sessions and can end
//! them all. Later issues add two-factor authentication, passkeys and IP settings here.
//!
//! What must always hold: a password change ends every other session of the user and gives this
//! one a new token; the user is told by email.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::user::User;
use portcullis_core::{ids, user_agent};
use secrecy::SecretString;
use serde::Deserialize;

use super::employee::{Person, person};
use super::shared::confirmation_problem;
use crate::flows::context::Client;
use crate::flows::credentials::password::{self, PasswordChange};
use crate::flows::people::users::{self, AutoValidate, UsernameChange};
use crate::flows::session;
use crate::http::WebError;
use crate::http::cookies;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, form_status, format_time, format_time_or, render};
use crate::state::AppState;

/// One session in the list.
pub struct SessionLine {
    pub id: String,
    pub browser: String,
    pub ip: String,
    pub started: String,
    pub last_active: String,
    pub current: bool,
}

/// Which form of the tab an error belongs to.
#[derive(Default)]
pub struct Problems {
    pub username: Option<String>,
    pub password: Option<String>,
}

/// The two-factor part of the tab.
pub struct TwoFactorView {
    /// A confirmed authenticator app.
    pub on: bool,
    /// Unused recovery codes.
    pub recovery_left: i64,
    /// The user's 30-day option.
    pub remember: bool,
    /// The account enforces two-factor authentication.
    pub enforced: bool,
    /// The account asks for two-factor at every login.
    pub limited: bool,
    /// The page was reached because the account requires a factor the user lacks.
    pub required_notice: bool,
}

/// A passkey as the tab lists it.
pub struct PasskeyLine {
    pub id: String,
    pub name: String,
    pub authenticator: &'static str,
    pub created: String,
    pub last_used: String,
    pub synced: bool,
}

/// The IP address part of the tab.
pub struct IpView {
    /// The user's "automatically validate new IP addresses".
    pub auto_validate: bool,
    /// The account blocks new IP addresses, so the option does not apply.
    pub account_blocks_new: bool,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    nav: Nav,
    person: Person,
    tab: &'static str,
    sessions: Vec<SessionLine>,
    problems: Problems,
    typed_username: String,
    two_factor: TwoFactorView,
    ip: IpView,
    passkeys: Vec<PasskeyLine>,
    passkeys_available: bool,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    row: &User,
    done: Option<&str>,
    problems: Problems,
    typed_username: String,
) -> Result<Response, WebError> {
    let sessions = state
        .store
        .sessions_of_user(&user.account_id, &row.id)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            current: s.id == user.session_id,
            browser: user_agent::describe(&s.user_agent),
            ip: s.ip,
            started: format_time(s.created_at),
            last_active: format_time(s.last_seen_at),
            id: s.id,
        })
        .collect();
    let status = form_status(problems.username.is_some() || problems.password.is_some());
    let active = if row.id == user.user_id {
        "security"
    } else {
        "employees"
    };
    let account = state
        .store
        .account(&user.account_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let totp = state.store.totp(&user.account_id, &row.id).await?;
    let two_factor = TwoFactorView {
        on: totp.is_some_and(|t| t.confirmed_at.is_some()),
        recovery_left: state
            .store
            .unused_recovery_codes(&user.account_id, &row.id)
            .await?,
        remember: row.remember_two_factor,
        enforced: account.policy.enforce_two_factor,
        limited: account.policy.limit_two_factor_validity,
        required_notice: user.restricted && row.id == user.user_id,
    };
    let page = SecurityPage {
        nav: Nav::new(state, user, active).with_flash(done),
        person: person(state, user, row).await?,
        tab: "security",
        sessions,
        problems,
        typed_username,
        two_factor,
        ip: IpView {
            auto_validate: row.auto_validate_ips,
            account_blocks_new: account.policy.block_new_ips,
        },
        passkeys: state
            .store
            .passkeys_of_user(&user.account_id, &row.id)
            .await?
            .iter()
            .map(|p| {
                let view = crate::flows::credentials::passkeys::PasskeyView::from(p);
                PasskeyLine {
                    id: view.id,
                    name: view.name,
                    authenticator: view.authenticator,
                    created: format_time(view.created),
                    last_used: format_time_or(view.last_used, "Never"),
                    synced: view.synced,
                }
            })
            .collect(),
        passkeys_available: state.webauthn.is_some(),
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /employees/{id}/security`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let row = user.user_named(&state, &id).await?;
    page(
        &state,
        &user,
        &row,
        query.done.as_deref(),
        Problems::default(),
        String::new(),
    )
    .await
}

fn my_security(user: &CurrentUser, done: &str) -> Redirect {
    Redirect::to(&format!("/employees/{}/security?done={done}", user.user_id))
}

#[derive(Deserialize)]
pub struct UsernameForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /security/username`.
pub async fn change_username(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<UsernameForm>,
) -> Result<Response, WebError> {
    let row = user.me(&state).await?;
    let refuse = |problem: String| Problems {
        username: Some(problem),
        ..Problems::default()
    };
    let session = user.own_session();
    let changed = users::change_own_username(
        &user.acting(&state, &client),
        &session,
        &row,
        &form.username,
        SecretString::from(form.password),
    )
    .await?;
    let problem = match changed {
        UsernameChange::Changed { session_token } => {
            let jar = jar.add(cookies::session(&state.config, session_token));
            return Ok((jar, my_security(&user, "username-changed")).into_response());
        }
        UsernameChange::Invalid(problem) => problem,
        UsernameChange::Taken(name) => format!(
            "The username '{name}' is already taken in {}. Choose another.",
            user.account_name
        ),
        UsernameChange::NotConfirmed(why) => confirmation_problem(&state, why)?,
    };
    page(&state, &user, &row, None, refuse(problem), form.username).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /security/password`.
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let row = user.me(&state).await?;
    let refuse = |problem: String| Problems {
        password: Some(problem),
        ..Problems::default()
    };
    let session = user.own_session();
    let changed = password::change(
        &user.acting(&state, &client),
        &session,
        &row,
        SecretString::from(form.current),
        SecretString::from(form.new),
        &form.repeat,
    )
    .await?;
    let problem = match changed {
        PasswordChange::Changed { session_token } => {
            let jar = jar.add(cookies::session(&state.config, session_token));
            return Ok((jar, my_security(&user, "password-changed")).into_response());
        }
        PasswordChange::NotTheSame => "The two new passwords are not the same.".to_string(),
        PasswordChange::Weak(problem) => problem,
        PasswordChange::NotConfirmed(why) => confirmation_problem(&state, why)?,
    };
    page(&state, &user, &row, None, refuse(problem), String::new()).await
}

#[derive(Deserialize)]
pub struct EndForm {}

/// `POST /security/sessions/{id}/end`: ends one of the user's own sessions.
pub async fn end_session(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(session_id): Path<String>,
    CsrfForm(_form): CsrfForm<EndForm>,
) -> Result<Response, WebError> {
    if !ids::looks_like_id(&session_id) {
        return Err(WebError::NotFound);
    }
    session::end_one(&user.acting(&state, &client), &user.user_id, &session_id).await?;
    if session_id == user.session_id {
        return Ok(Redirect::to("/login?notice=logged-out").into_response());
    }
    Ok(my_security(&user, "session-ended").into_response())
}

/// `POST /security/sessions/end-others`: ends every session of the user but this one.
pub async fn end_other_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(_form): CsrfForm<EndForm>,
) -> Result<Response, WebError> {
    session::end_sessions(
        &user.acting(&state, &client),
        &user.user_id,
        Some(&user.own_session()),
    )
    .await?;
    Ok(my_security(&user, "sessions-ended").into_response())
}

/// `POST /security/sessions/end-all`: signs the user out everywhere, this browser included.
pub async fn end_all_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(_form): CsrfForm<EndForm>,
) -> Result<Response, WebError> {
    session::end_sessions(&user.acting(&state, &client), &user.user_id, None).await?;
    let jar = cookies::clear_session(&state.config, jar);
    Ok((jar, Redirect::to("/login?notice=logged-out-everywhere")).into_response())
}

#[derive(Deserialize)]
pub struct AutoValidateForm {
    #[serde(default)]
    auto_validate: Option<String>,
}

/// `POST /security/ip-addresses/auto-validate`: the user's "automatically validate new IP
/// addresses". Switching it on weakens the login, so it needs a recent re-authentication, and
/// it is refused while the account blocks new IP addresses.
pub async fn auto_validate(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<AutoValidateForm>,
) -> Result<Response, WebError> {
    let auto = form.auto_validate.is_some();
    let back = format!("/employees/{}/security", user.user_id);
    if auto {
        user.require_recent_auth(state.clock.now(), &back)?;
    }
    let saved =
        users::set_own_auto_validate(&user.acting(&state, &client), &user.user_id, auto).await?;
    if saved == AutoValidate::BlockedByAccount {
        return Err(WebError::Conflict(format!(
            "{} blocks new IP addresses: every new address waits for confirmation by email, so this option cannot be switched on.",
            user.account_name
        )));
    }
    Ok(Redirect::to(&format!("{back}?done=saved")).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/employees/{id}/security", show)
        .post("/security/username", change_username)
        .post("/security/password", change_password)
        .post("/security/ip-addresses/auto-validate", auto_validate)
        .post("/security/sessions/{id}/end", end_session)
        .post("/security/sessions/end-others", end_other_sessions)
        .post("/security/sessions/end-all", end_all_sessions)
}

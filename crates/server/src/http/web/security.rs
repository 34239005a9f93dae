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
use portcullis_core::password::{self, PasswordContext};
use portcullis_core::user::User;
use portcullis_core::{Timestamp, ids, user_agent, username};
use portcullis_store::{StoreError, TokenPurpose};
use secrecy::SecretString;
use serde::Deserialize;

use super::employee::{Person, person};
use super::reauth::{confirmation_problem, renew_session};
use crate::flows::context::Client;
use crate::flows::login::reauth::Confirmation;
use crate::flows::notices::Recipient;
use crate::http::WebError;
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
            started: format_time(Timestamp(s.created_at)),
            last_active: format_time(Timestamp(s.last_seen_at)),
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

async fn me(state: &AppState, user: &CurrentUser) -> Result<User, WebError> {
    state
        .store
        .user(&user.account_id, &user.user_id)
        .await?
        .ok_or(WebError::LoginRequired)
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
    let row = me(&state, &user).await?;
    let refuse = |problem: String| Problems {
        username: Some(problem),
        ..Problems::default()
    };
    let new_username = match username::parse(&form.username) {
        Ok(name) => name,
        Err(e) => {
            return page(
                &state,
                &user,
                &row,
                None,
                refuse(e.to_string()),
                form.username,
            )
            .await;
        }
    };
    let confirmation = confirm(&state, &user, form.password, &client).await?;
    if let Some(problem) = confirmation_problem(&state, confirmation)? {
        return page(&state, &user, &row, None, refuse(problem), form.username).await;
    }
    match state
        .store
        .set_username(&user.account_id, &user.user_id, &new_username)
        .await
    {
        Ok(()) => {}
        Err(StoreError::UsernameTaken) => {
            let problem = format!(
                "The username '{new_username}' is already taken in {}. Choose another.",
                user.account_name
            );
            return page(&state, &user, &row, None, refuse(problem), form.username).await;
        }
        Err(e) => return Err(e.into()),
    }
    let jar = renew_session(&state, &user, jar).await?;
    let now = state.clock.now();
    user.audit(
        &state,
        &client,
        "username.changed",
        &format!("from={} to={new_username}", row.username),
    )
    .await?;
    let notice = crate::flows::notices::security_change(
        Recipient {
            email: &row.email,
            name: row.display_name(),
            account_name: &user.account_name,
        },
        "Your username was changed",
        &format!(
            "Your username changed from {} to {new_username}. Use the new username when you log in.",
            row.username
        ),
        now,
        &client,
    );
    crate::flows::notices::send(&state, &notice).await;
    Ok((jar, my_security(&user, "username-changed")).into_response())
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

async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    password: String,
    client: &Client,
) -> Result<Confirmation, WebError> {
    Ok(crate::flows::login::reauth::confirm_password(
        state,
        &user.account_id,
        &user.user_id,
        &user.account_name,
        SecretString::from(password),
        client,
    )
    .await?)
}

/// `POST /security/password`.
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let row = me(&state, &user).await?;
    let refuse = |problem: String| Problems {
        password: Some(problem),
        ..Problems::default()
    };
    let problem = if form.new != form.repeat {
        Some("The two new passwords are not the same.".to_string())
    } else {
        let context = PasswordContext {
            username: &row.username,
            email: &row.email,
            account_name: &user.account_name,
        };
        password::check_new_password(&form.new, context)
            .err()
            .map(|p| p.to_string())
    };
    if let Some(problem) = problem {
        return page(&state, &user, &row, None, refuse(problem), String::new()).await;
    }
    let confirmation = confirm(&state, &user, form.current, &client).await?;
    if let Some(problem) = confirmation_problem(&state, confirmation)? {
        return page(&state, &user, &row, None, refuse(problem), String::new()).await;
    }
    let new_password = form.new;
    let hash = state
        .hashing
        .run(client.ip, move || password::hash_password(&new_password))
        .await
        .map_err(|_| WebError::Busy)?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let now = state.clock.now();
    state
        .store
        .set_password_hash(&user.account_id, &user.user_id, &hash)
        .await?;
    let ended = state
        .store
        .delete_other_sessions(&user.account_id, &user.user_id, &user.session_id)
        .await?;
    state
        .store
        .void_tokens(
            &user.account_id,
            &user.user_id,
            TokenPurpose::ResetPassword,
            now,
        )
        .await?;
    let jar = renew_session(&state, &user, jar).await?;
    user.audit(
        &state,
        &client,
        "password.changed",
        &format!("other_sessions_ended={ended}"),
    )
    .await?;
    password_changed_notice(&state, &row, &user.account_name, now, &client).await;
    Ok((jar, my_security(&user, "password-changed")).into_response())
}

/// Tells a user their password was changed (here, or through a reset link).
pub async fn password_changed_notice(
    state: &AppState,
    row: &User,
    account_name: &str,
    now: Timestamp,
    client: &Client,
) {
    let notice = crate::flows::notices::security_change(
        Recipient {
            email: &row.email,
            name: row.display_name(),
            account_name,
        },
        "Your password was changed",
        &format!(
            "The password of your username {} was changed, and every other session of yours was ended.",
            row.username
        ),
        now,
        client,
    );
    crate::flows::notices::send(state, &notice).await;
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
    match state
        .store
        .delete_session_by_id(&user.account_id, &user.user_id, &session_id)
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    user.audit(&state, &client, "sessions.ended", "count=1 reason=user")
        .await?;
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
    let n = state
        .store
        .delete_other_sessions(&user.account_id, &user.user_id, &user.session_id)
        .await?;
    user.audit(
        &state,
        &client,
        "sessions.ended",
        &format!("count={n} reason=user_ended_others"),
    )
    .await?;
    Ok(my_security(&user, "sessions-ended").into_response())
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
        let account = state
            .store
            .account(&user.account_id)
            .await?
            .ok_or(WebError::NotFound)?;
        if account.policy.block_new_ips {
            return Err(WebError::Conflict(format!(
                "{} blocks new IP addresses: every new address waits for confirmation by email, so this option cannot be switched on.",
                account.name
            )));
        }
    }
    state
        .store
        .set_auto_validate_ips(&user.account_id, &user.user_id, auto)
        .await?;
    user.audit(
        &state,
        &client,
        "ip.auto_validate_changed",
        &format!("auto_validate={auto}"),
    )
    .await?;
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
}

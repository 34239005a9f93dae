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
use portcullis_core::language::Language;
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
use crate::http::templates::{
    DoneQuery, Nav, form_status, format_time, format_time_or_never, render,
};
use crate::i18n::{Arg, Words, key, t, ta};
use crate::state::AppState;

/// One session in the list.
pub struct SessionLine {
    pub id: String,
    pub browser: String,
    pub method: String,
    pub ip: String,
    pub started: String,
    pub last_active: String,
    pub current: bool,
}

/// Which form of the tab an error belongs to.
#[derive(Default)]
pub struct Problems {
    pub username: Option<String>,
    pub current_password: Option<String>,
    pub password: Option<String>,
    pub two_factor: Option<String>,
    /// A passkey's new name that was refused: the passkey, and why.
    pub passkey_name: Option<(String, String)>,
}

impl Problems {
    fn any(&self) -> bool {
        self.username.is_some()
            || self.current_password.is_some()
            || self.password.is_some()
            || self.two_factor.is_some()
            || self.passkey_name.is_some()
    }
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

/// The parts of the tab: a summary of cards, and one page for each thing to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Summary,
    TwoFactor,
    Passkeys,
    Password,
    Username,
    Sessions,
    IpAddresses,
    Language,
    /// The apps (OpenID Connect clients) the user allowed.
    Apps,
}

impl Part {
    /// The part a URL segment names; only the user's own tab has every part.
    fn named(segment: &str, is_me: bool) -> Option<Part> {
        let part = match segment {
            "two-factor" => Part::TwoFactor,
            "passkeys" => Part::Passkeys,
            "sessions" => Part::Sessions,
            "password" => Part::Password,
            "username" => Part::Username,
            "ip-addresses" => Part::IpAddresses,
            "language" => Part::Language,
            "apps" => Part::Apps,
            _ => return None,
        };
        let everyone_s = matches!(part, Part::TwoFactor | Part::Passkeys | Part::Sessions);
        (everyone_s || is_me).then_some(part)
    }

    /// What the template calls it.
    fn slug(self) -> &'static str {
        match self {
            Part::Summary => "summary",
            Part::TwoFactor => "two-factor",
            Part::Passkeys => "passkeys",
            Part::Password => "password",
            Part::Username => "username",
            Part::Sessions => "sessions",
            Part::IpAddresses => "ip-addresses",
            Part::Language => "language",
            Part::Apps => "apps",
        }
    }

    /// Its page title.
    fn title(self) -> String {
        t(match self {
            Part::Summary => key("menu-security"),
            Part::TwoFactor => key("two-factor-title"),
            Part::Passkeys => key("passkeys-title"),
            Part::Password => key("password-title"),
            Part::Username => key("field-username"),
            Part::Sessions => key("sessions-title"),
            Part::IpAddresses => key("ip-security-title"),
            Part::Language => key("language-title"),
            Part::Apps => key("apps-title"),
        })
    }
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    t: crate::i18n::Tr,
    nav: Nav,
    person: Person,
    tab: &'static str,
    part: &'static str,
    part_title: String,
    base: String,
    sessions: Vec<SessionLine>,
    problems: Problems,
    typed_username: String,
    two_factor: TwoFactorView,
    ip: IpView,
    passkeys: Vec<PasskeyLine>,
    passkeys_available: bool,
    password_changed: String,
    chosen_language: Option<&'static str>,
    chosen_code: &'static str,
    /// The newest security events about the user (on the summary).
    activity: Vec<super::audit::EventLine>,
    /// The apps the user allowed (their own tab only).
    apps: Vec<AppLine>,
}

/// An app with access, in words.
pub struct AppLine {
    pub client_id: String,
    pub name: String,
    pub scopes: String,
    pub since: String,
}

/// How many of a user's newest security events the summary shows.
const RECENT_ACTIVITY: i64 = 20;

/// A part of a user's tab, with what went wrong in a form of it, if anything.
pub(crate) struct Shown<'a> {
    pub part: Part,
    pub done: Option<&'a str>,
    pub problems: Problems,
    pub typed_username: String,
}

impl Shown<'_> {
    /// The part as it is, nothing typed.
    pub fn part(part: Part) -> Shown<'static> {
        Shown {
            part,
            done: None,
            problems: Problems::default(),
            typed_username: String::new(),
        }
    }
}

pub(crate) async fn page(
    state: &AppState,
    user: &CurrentUser,
    row: &User,
    shown: Shown<'_>,
) -> Result<Response, WebError> {
    let sessions = state
        .store
        .sessions_of_user(&user.account_id, &row.id)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            current: s.id == user.session_id,
            browser: user_agent::describe(&s.user_agent),
            method: s.login_method.words(),
            ip: s.ip,
            started: format_time(s.created_at),
            last_active: format_time(s.last_seen_at),
            id: s.id,
        })
        .collect();
    let status = form_status(shown.problems.any());
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
    let activity = if shown.part == Part::Summary {
        state
            .store
            .audit_of_user(&row.id, RECENT_ACTIVITY)
            .await?
            .into_iter()
            .filter(|e| e.account_id.as_deref() == Some(&*user.account_id))
            .map(super::audit::line)
            .collect()
    } else {
        Vec::new()
    };
    let apps = if row.id == user.user_id {
        state
            .store
            .apps_of_user(&row.id)
            .await?
            .into_iter()
            .map(|a| AppLine {
                scopes: a
                    .scope
                    .split(' ')
                    .filter(|s| *s != "openid")
                    .collect::<Vec<_>>()
                    .join(", "),
                client_id: a.client_id,
                name: a.name,
                since: format_time(a.granted_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = SecurityPage {
        apps,
        activity,
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, active).with_flash(shown.done),
        person: person(state, user, row).await?,
        tab: "security",
        part: shown.part.slug(),
        part_title: shown.part.title(),
        base: format!("/employees/{}/security", row.id),
        sessions,
        problems: shown.problems,
        typed_username: shown.typed_username,
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
                    last_used: format_time_or_never(view.last_used),
                    synced: view.synced,
                }
            })
            .collect(),
        passkeys_available: state.webauthn.is_some(),
        password_changed: format_time_or_never(row.password_changed_at),
        chosen_language: row.language.map(Language::own_name),
        chosen_code: row.language.map_or("", Language::code),
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /employees/{id}/security`: the summary.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let row = user.user_named(&state, &id).await?;
    let shown = Shown {
        done: query.done.as_deref(),
        ..Shown::part(Part::Summary)
    };
    page(&state, &user, &row, shown).await
}

/// `GET /employees/{id}/security/{part}`: one part, to change it.
pub async fn show_part(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, segment)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let row = user.user_named(&state, &id).await?;
    let part = Part::named(&segment, row.id == user.user_id).ok_or(WebError::NotFound)?;
    let shown = Shown {
        done: query.done.as_deref(),
        ..Shown::part(part)
    };
    page(&state, &user, &row, shown).await
}

/// Back to one part of the user's own tab, with a confirmation.
pub(crate) fn my_part(user: &CurrentUser, part: Part, done: &str) -> Redirect {
    Redirect::to(&format!(
        "/employees/{}/security/{}?done={done}",
        user.user_id,
        part.slug()
    ))
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
        UsernameChange::Invalid(problem) => problem.words(),
        UsernameChange::Taken(name) => ta(
            "problem-username-taken",
            &[
                ("username", Arg::from(name)),
                ("account", Arg::from(&user.account_name)),
            ],
        ),
        UsernameChange::NotConfirmed(why) => confirmation_problem(&state, why)?,
    };
    let shown = Shown {
        problems: Problems {
            username: Some(problem),
            ..Problems::default()
        },
        typed_username: form.username,
        ..Shown::part(Part::Username)
    };
    page(&state, &user, &row, shown).await
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
    let problems = match changed {
        PasswordChange::Changed { session_token } => {
            let jar = jar.add(cookies::session(&state.config, session_token));
            return Ok((jar, my_security(&user, "password-changed")).into_response());
        }
        PasswordChange::NotTheSame => Problems {
            password: Some(t("problem-passwords-differ")),
            ..Problems::default()
        },
        PasswordChange::Weak(problem) => Problems {
            password: Some(problem.words()),
            ..Problems::default()
        },
        PasswordChange::NotConfirmed(why) => Problems {
            current_password: Some(confirmation_problem(&state, why)?),
            ..Problems::default()
        },
    };
    let shown = Shown {
        problems,
        ..Shown::part(Part::Password)
    };
    page(&state, &user, &row, shown).await
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
    Ok(my_part(&user, Part::Sessions, "session-ended").into_response())
}

/// `POST /security/apps/{client_id}/revoke`: takes back an app's access (and its refresh
/// tokens). An app the user never allowed is not found.
pub async fn revoke_app(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(client_id): Path<String>,
    CsrfForm(_form): CsrfForm<EndForm>,
) -> Result<Response, WebError> {
    if client_id.len() > 100
        || !crate::flows::oidc::revoke_app(&user.acting(&state, &client), &user.user_id, &client_id)
            .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(my_part(&user, Part::Apps, "app-revoked").into_response())
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
    Ok(my_part(&user, Part::Sessions, "sessions-ended").into_response())
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
    let back = format!("/employees/{}/security/ip-addresses", user.user_id);
    if auto {
        user.require_recent_auth(state.clock.now(), &back)?;
    }
    let saved =
        users::set_own_auto_validate(&user.acting(&state, &client), &user.user_id, auto).await?;
    if saved == AutoValidate::BlockedByAccount {
        return Err(WebError::Conflict(ta(
            "problem-auto-validate-blocked",
            &[("account", Arg::from(&user.account_name))],
        )));
    }
    Ok(Redirect::to(&format!("{back}?done=saved")).into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// `POST /security/language`: the user's own language, or none (their browser's, else the
/// account's).
pub async fn set_language(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<Response, WebError> {
    let language = match form.language.as_str() {
        "" => None,
        code => {
            Some(Language::parse(code).ok_or_else(|| WebError::BadRequest(t("problem-language")))?)
        }
    };
    users::set_own_language(&user.acting(&state, &client), &user.user_id, language).await?;
    Ok(my_security(&user, "language-saved").into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/employees/{id}/security", show)
        .get("/employees/{id}/security/{part}", show_part)
        .post("/security/language", set_language)
        .post("/security/username", change_username)
        .post("/security/password", change_password)
        .post("/security/ip-addresses/auto-validate", auto_validate)
        .post("/security/sessions/{id}/end", end_session)
        .post("/security/apps/{id}/revoke", revoke_app)
        .post("/security/sessions/end-others", end_other_sessions)
        .post("/security/sessions/end-all", end_all_sessions)
}

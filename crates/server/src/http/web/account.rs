//! Company settings (administrators): the account's name, its security code, which
//! administrators can view and change, and its default language and time zone. A new security code is emailed to every active user of the account, who
//! need it at their next login.
//!
//! The page shows a secret, so it needs a recent re-authentication, like the changes on it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::language::Language;
use portcullis_core::{security_code, user};
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::people::account::{self, CodeChange};
use crate::flows::people::accounts::read_security_code;
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, form_status, render};
use crate::i18n::{self, Words};
use crate::state::AppState;

const PATH: &str = "/account";

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: crate::i18n::Tr,
    nav: Nav,
    name: String,
    security_code: String,
    name_error: Option<String>,
    code_error: Option<String>,
    zone_error: Option<String>,
    language: &'static str,
    time_zone: String,
    zones: Vec<String>,
}

/// Which form of the page a problem belongs to.
enum Problem {
    Name(String),
    Code(String),
    Zone(String),
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    problem: Option<Problem>,
) -> Result<Response, WebError> {
    let sealed = state
        .store
        .sealed_account(&user.account_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let status = form_status(problem.is_some());
    let (mut name_error, mut code_error, mut zone_error) = (None, None, None);
    match problem {
        Some(Problem::Name(p)) => name_error = Some(p),
        Some(Problem::Code(p)) => code_error = Some(p),
        Some(Problem::Zone(p)) => zone_error = Some(p),
        None => {}
    }
    let page = AccountPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, "account").with_flash(done),
        security_code: read_security_code(&state.keys, &sealed).map_err(WebError::Internal)?,
        language: sealed.account.language.code(),
        time_zone: sealed.account.time_zone,
        zones: i18n::time_zone_names(),
        name: sealed.account.name,
        name_error,
        code_error,
        zone_error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /account`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    user.require_recent_auth(state.clock.now(), PATH)?;
    page(&state, &user, query.done.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// `POST /account/name`.
pub async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let now = state.clock.now();
    user.require_recent_auth(now, PATH)?;
    let name = match user::parse_name(&form.name) {
        Ok(name) => name,
        Err(e) => return page(&state, &user, None, Some(Problem::Name(e.words()))).await,
    };
    account::rename(&user.acting(&state, &client), &name).await?;
    Ok(Redirect::to("/account?done=saved").into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    /// A chosen code; empty for a generated one.
    #[serde(default)]
    code: String,
}

/// `POST /account/security-code`.
pub async fn change_code(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let now = state.clock.now();
    user.require_recent_auth(now, PATH)?;
    let code = match form.code.trim() {
        "" => security_code::generate(),
        typed => match security_code::parse_chosen(typed) {
            Ok(code) => code,
            Err(e) => return page(&state, &user, None, Some(Problem::Code(e.words()))).await,
        },
    };
    match account::change_security_code(&user.acting(&state, &client), code).await? {
        CodeChange::Changed => {}
        CodeChange::Unavailable => {
            let problem = Problem::Code(i18n::t("problem-code-unavailable"));
            return page(&state, &user, None, Some(problem)).await;
        }
    }
    Ok(Redirect::to("/account?done=code-changed").into_response())
}

#[derive(Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
}

/// `POST /account/locale`: the account's default language and time zone.
pub async fn set_locale(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<LocaleForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let language = Language::parse(&form.language)
        .ok_or_else(|| WebError::BadRequest(i18n::t("problem-language")))?;
    let time_zone = form.time_zone.trim();
    if !account::set_locale(&user.acting(&state, &client), language, time_zone).await? {
        let problem = Problem::Zone(i18n::t("problem-time-zone"));
        return page(&state, &user, None, Some(problem)).await;
    }
    Ok(Redirect::to("/account?done=saved").into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/account", show)
        .post("/account/name", rename)
        .post("/account/security-code", change_code)
        .post("/account/locale", set_locale)
}

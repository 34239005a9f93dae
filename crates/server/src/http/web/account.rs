//! My account (administrators): the account's name and its security code, which administrators
//! can view and change. A new security code is emailed to every active user of the account, who
//! need it at their next login.
//!
//! The page shows a secret, so it needs a recent re-authentication, like the changes on it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::{security_code, user};
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::people::account::{self, CodeChange};
use crate::flows::people::accounts::read_security_code;
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, form_status, render};
use crate::state::AppState;

const PATH: &str = "/account";

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    name: String,
    security_code: String,
    name_error: Option<String>,
    code_error: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    name_error: Option<String>,
    code_error: Option<String>,
) -> Result<Response, WebError> {
    let sealed = state
        .store
        .sealed_account(&user.account_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let status = form_status(name_error.is_some() || code_error.is_some());
    let page = AccountPage {
        nav: Nav::new(state, user, "account").with_flash(done),
        security_code: read_security_code(&state.keys, &sealed).map_err(WebError::Internal)?,
        name: sealed.account.name,
        name_error,
        code_error,
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
    page(&state, &user, query.done.as_deref(), None, None).await
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
        Err(e) => return page(&state, &user, None, Some(e.to_string()), None).await,
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
            Err(e) => return page(&state, &user, None, None, Some(e.to_string())).await,
        },
    };
    match account::change_security_code(&user.acting(&state, &client), code).await? {
        CodeChange::Changed => {}
        CodeChange::Unavailable => {
            let problem = "This security code cannot be used. Choose another, or leave the field empty for a generated one.";
            return page(&state, &user, None, None, Some(problem.to_string())).await;
        }
    }
    Ok(Redirect::to("/account?done=code-changed").into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/account", show)
        .post("/account/name", rename)
        .post("/account/security-code", change_code)
}

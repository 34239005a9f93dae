//! My account (administrators): the account's name and its security code, which administrators
//! can view and change. A new security code is emailed to every active user of the account, who
//! need it at their next login.
//!
//! The page shows a secret, so it needs a recent re-authentication, like the changes on it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::{Timestamp, security_code, user};
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::notices::Notice;
use crate::flows::people::accounts::read_security_code;
use crate::flows::people::accounts::security_code_context;
use crate::flows::people::accounts::security_code_index;
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, form_status, render};
use crate::state::AppState;
use portcullis_store::StoreError;

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
    state.store.rename_account(&user.account_id, &name).await?;
    user.audit(&state, &client, "account.renamed", &format!("name={name}"))
        .await?;
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
    let sealed = state
        .keys
        .encrypt(&security_code_context(&user.account_id), code.as_bytes());
    match state
        .store
        .set_security_code(
            &user.account_id,
            &sealed,
            &security_code_index(&state.keys, &code),
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::SecurityCodeTaken) => {
            let problem = "This security code cannot be used. Choose another, or leave the field empty for a generated one.";
            return page(&state, &user, None, None, Some(problem.to_string())).await;
        }
        Err(e) => return Err(e.into()),
    }
    user.audit(&state, &client, "account.security_code_changed", "")
        .await?;
    let (task_state, admin) = (state.clone(), user.username.clone());
    let (account_id, account_name) = (user.account_id.clone(), user.account_name.clone());
    state.in_background(async move {
        tell_everyone(
            &task_state,
            &account_id,
            &account_name,
            &admin,
            &code,
            now,
            &client,
        )
        .await;
    });
    Ok(Redirect::to("/account?done=code-changed").into_response())
}

/// Emails the new security code to every user who can still log in.
async fn tell_everyone(
    state: &AppState,
    account_id: &str,
    account_name: &str,
    admin: &str,
    code: &str,
    now: Timestamp,
    client: &Client,
) {
    let users = match state.store.active_users(account_id, now).await {
        Ok(users) => users,
        Err(e) => {
            tracing::error!("could not list the users to tell about a new security code: {e}");
            return;
        }
    };
    for user in users {
        let notice = Notice {
            to: user.email.clone(),
            greeting: user.display_name().to_string(),
            account_name: account_name.to_string(),
            subject: format!("New security code for {account_name}"),
            headline: "The security code has changed".into(),
            paragraphs: vec![format!(
                "{admin}, an administrator of {account_name}, changed the account's security code. From now on, log in with the new code below; your username and password stay the same."
            )],
            facts: crate::flows::notices::change_facts(now, client)
                .into_iter()
                .take(1)
                .chain([("New security code".to_string(), code.to_string())])
                .collect(),
            action: Some((
                "Log in".into(),
                format!("{}/login", state.config.public_origin()),
            )),
            advice: Some(
                "Keep the security code within your company. If you did not expect this change, ask your administrator."
                    .into(),
            ),
            not_me: None,
        };
        crate::flows::notices::send(state, &notice).await;
    }
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/account", show)
        .post("/account/name", rename)
        .post("/account/security-code", change_code)
}

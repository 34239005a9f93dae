//! Choosing a password through a single-use link (new administrators and invited users).
//!
//! Opening the link only shows the form; the token is used up when a valid password is posted,
//! so a link preview or a mistyped password does not burn it. The password is hashed before the
//! token is taken, so a busy server leaves the link usable.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::password::{self, PasswordContext};
use portcullis_core::token;
use portcullis_store::TokenPurpose;
use serde::Deserialize;

use super::extract::CsrfForm;
use super::templates::render;
use super::{WebError, cookies};
use crate::auth::{Audit, Client};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    csrf: String,
    token: String,
    username: String,
    account_name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

fn link_unusable() -> Result<Response, WebError> {
    let page = MessagePage {
        title: "This link can no longer be used",
        message: "It has expired or has already been used. Ask your administrator for a new one.",
    };
    Ok((StatusCode::GONE, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

struct LinkTarget {
    account_id: String,
    user_id: String,
    username: String,
    email: String,
    account_name: String,
}

async fn target_of(state: &AppState, link_token: &str) -> Result<Option<LinkTarget>, WebError> {
    if !token::looks_like_token(link_token) {
        return Ok(None);
    }
    let now = state.clock.now();
    let Some((account_id, user_id)) = state
        .store
        .peek_token(
            &token::hash_token(link_token),
            TokenPurpose::SetPassword,
            now,
        )
        .await?
    else {
        return Ok(None);
    };
    let (Some(user), Some(account)) = (
        state.store.user(&account_id, &user_id).await?,
        state.store.account(&account_id).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some(LinkTarget {
        account_id,
        user_id,
        username: user.username,
        email: user.email,
        account_name: account.name,
    }))
}

/// `GET /set-password?token=…`.
pub async fn form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    let Some(target) = target_of(&state, &query.token).await? else {
        return link_unusable();
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = SetPasswordPage {
        csrf,
        token: query.token,
        username: target.username,
        account_name: target.account_name,
        error: None,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /set-password`.
pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<SetPasswordForm>,
) -> Result<Response, WebError> {
    let Some(target) = target_of(&state, &form.token).await? else {
        return link_unusable();
    };
    let problem = if form.password != form.repeat {
        Some("The two passwords are not the same.".to_string())
    } else {
        let context = PasswordContext {
            username: &target.username,
            email: &target.email,
            account_name: &target.account_name,
        };
        password::check_new_password(&form.password, context)
            .err()
            .map(|p| p.to_string())
    };
    if let Some(problem) = problem {
        let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
        let page = SetPasswordPage {
            csrf,
            token: form.token,
            username: target.username,
            account_name: target.account_name,
            error: Some(problem),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, render(&page)?).into_response());
    }
    let new_password = form.password;
    let hash = state
        .hashing
        .run(move || password::hash_password(&new_password))
        .await
        .map_err(|_| WebError::Busy)?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let now = state.clock.now();
    let taken = state
        .store
        .take_token(
            &token::hash_token(&form.token),
            TokenPurpose::SetPassword,
            now,
        )
        .await?;
    if taken.as_ref() != Some(&(target.account_id.clone(), target.user_id.clone())) {
        return link_unusable();
    }
    state
        .store
        .set_password_hash(&target.account_id, &target.user_id, &hash)
        .await?;
    state
        .store
        .delete_sessions_of_user(&target.account_id, &target.user_id)
        .await?;
    Audit {
        state: &state,
        client: &client,
        now,
    }
    .record(
        Some(&target.account_id),
        Some(&target.user_id),
        "password.set",
        "via=set_password_link",
    )
    .await?;
    Ok(Redirect::to("/login?notice=password-set").into_response())
}

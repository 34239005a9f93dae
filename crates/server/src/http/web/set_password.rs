//! Choosing a password through a single-use link: the invitation of a new user (72 hours) and
//! the reset link of "Forgot your password?" (30 minutes). Both end every session of the user;
//! neither logs anyone in, so a reset never skips two-factor authentication.
//!
//! Opening the link only shows the form; the token is used up when a valid password is posted,
//! so a link preview or a mistyped password does not burn it. The password is hashed before the
//! token is taken, so a busy server leaves the link usable.
//!
//! The link arrived by email, so using it proves what an IP confirmation email would: the
//! address it is used from becomes validated for the user (IP address security).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::token;
use portcullis_core::user::User;
use portcullis_store::TokenPurpose;
use secrecy::SecretString;
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::credentials::password::{self, LinkSet};
use crate::flows::people::accounts::read_security_code;
use crate::http::extract::CsrfForm;
use crate::http::routes::Routes;
use crate::http::templates::{MessagePage, render};
use crate::http::{WebError, cookies};
use crate::i18n::{Words, t};
use crate::state::AppState;

/// Which kind of link this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A new user's invitation.
    Invitation,
    /// "Forgot your password?".
    Reset,
}

impl LinkKind {
    fn purpose(self) -> TokenPurpose {
        match self {
            LinkKind::Invitation => TokenPurpose::SetPassword,
            LinkKind::Reset => TokenPurpose::ResetPassword,
        }
    }

    fn path(self) -> &'static str {
        match self {
            LinkKind::Invitation => "/set-password",
            LinkKind::Reset => "/reset-password",
        }
    }

    fn title(self) -> String {
        match self {
            LinkKind::Invitation => t("mail-invitation-action"),
            LinkKind::Reset => t("mail-reset-subject"),
        }
    }

    fn unusable(self) -> String {
        match self {
            LinkKind::Invitation => t("link-unusable-invitation"),
            LinkKind::Reset => t("link-unusable-reset"),
        }
    }
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    t: crate::i18n::Tr,
    title: String,
    action: &'static str,
    csrf: String,
    token: String,
    username: String,
    account_name: String,
    error: Option<String>,
}

fn link_unusable(kind: LinkKind) -> Result<Response, WebError> {
    let page = MessagePage {
        t: crate::i18n::reader(),
        title: &t("link-unusable-title"),
        message: &kind.unusable(),
    };
    Ok((StatusCode::GONE, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

struct LinkTarget {
    account_name: String,
    user: User,
    /// The account's security code, for an invitation only: its email carried the code
    /// already, so the login page after it may show it. A reset link did not, and a reset link
    /// that leaked must not reveal the code too.
    security_code: Option<String>,
}

async fn target_of(
    state: &AppState,
    kind: LinkKind,
    link_token: &str,
) -> Result<Option<LinkTarget>, WebError> {
    if !token::looks_like_token(link_token) {
        return Ok(None);
    }
    let now = state.clock.now();
    let Some((account_id, user_id)) = state
        .store
        .peek_token(&token::hash_token(link_token), kind.purpose(), now)
        .await?
    else {
        return Ok(None);
    };
    let (Some(user), Some(sealed)) = (
        state.store.user(&account_id, &user_id).await?,
        state.store.sealed_account(&account_id).await?,
    ) else {
        return Ok(None);
    };
    let security_code = match kind {
        LinkKind::Invitation => {
            Some(read_security_code(&state.keys, &sealed).map_err(WebError::Internal)?)
        }
        LinkKind::Reset => None,
    };
    Ok(Some(LinkTarget {
        account_name: sealed.account.name,
        user,
        security_code,
    }))
}

/// `GET /set-password?token=…`.
pub async fn invitation_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    form(state, LinkKind::Invitation, jar, query).await
}

/// `GET /reset-password?token=…`.
pub async fn reset_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    form(state, LinkKind::Reset, jar, query).await
}

async fn form(
    state: AppState,
    kind: LinkKind,
    jar: CookieJar,
    query: LinkQuery,
) -> Result<Response, WebError> {
    let Some(target) = target_of(&state, kind, &query.token).await? else {
        return link_unusable(kind);
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = SetPasswordPage {
        t: crate::i18n::reader(),
        title: kind.title(),
        action: kind.path(),
        csrf,
        token: query.token,
        username: target.user.username,
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
pub async fn invitation_submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<SetPasswordForm>,
) -> Result<Response, WebError> {
    submit(state, LinkKind::Invitation, client, jar, form).await
}

/// `POST /reset-password`.
pub async fn reset_submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<SetPasswordForm>,
) -> Result<Response, WebError> {
    submit(state, LinkKind::Reset, client, jar, form).await
}

async fn submit(
    state: AppState,
    kind: LinkKind,
    client: Client,
    jar: CookieJar,
    form: SetPasswordForm,
) -> Result<Response, WebError> {
    let Some(target) = target_of(&state, kind, &form.token).await? else {
        return link_unusable(kind);
    };
    let problem = if form.password != form.repeat {
        t("problem-passwords-differ")
    } else {
        {
            let set = password::set_with_link(
                &state,
                &client,
                kind.purpose(),
                &form.token,
                &target.user,
                &target.account_name,
                SecretString::from(form.password),
            )
            .await?;
            match set {
                LinkSet::Set => {
                    // Straight on to the login page, filled in as far as the link allows.
                    return super::login::prefilled(
                        &state,
                        jar,
                        target.security_code.unwrap_or_default(),
                        target.user.username,
                    );
                }
                LinkSet::Unusable => return link_unusable(kind),
                LinkSet::Weak(problem) => problem.words(),
            }
        }
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = SetPasswordPage {
        t: crate::i18n::reader(),
        title: kind.title(),
        action: kind.path(),
        csrf,
        token: form.token,
        username: target.user.username,
        account_name: target.account_name,
        error: Some(problem),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, render(&page)?).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/set-password", invitation_form)
        .post("/set-password", invitation_submit)
        .get("/reset-password", reset_form)
        .post("/reset-password", reset_submit)
}

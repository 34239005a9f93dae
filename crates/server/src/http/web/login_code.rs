//! The login's second step: "Authentication code", or a recovery code.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::login::Refusal;
use portcullis_core::token;
use serde::Deserialize;

use super::shared;
use crate::flows::context::Client;
use crate::flows::login::second_factor::CodeKind;
use crate::flows::login::second_factor::CodeOutcome;
use crate::http::extract::CsrfForm;
use crate::http::routes::Routes;
use crate::http::templates::render;
use crate::http::{WebError, cookies};
use crate::state::AppState;
use portcullis_store::PendingStage;

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    csrf: String,
    recovery: bool,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    recovery: Option<String>,
}

/// `GET /login/code`.
pub async fn form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<CodeQuery>,
) -> Result<Response, WebError> {
    let Some(pending) = cookies::pending_token(&state.config, &jar) else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !token::looks_like_token(&pending)
        || state
            .store
            .pending_login(
                &token::hash_token(&pending),
                PendingStage::Totp,
                state.clock.now(),
            )
            .await?
            .is_none()
    {
        let jar = cookies::clear_pending(&state.config, jar);
        return Ok((jar, Redirect::to("/login?notice=login-expired")).into_response());
    }
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = CodePage {
        csrf,
        recovery: query.recovery.is_some(),
        error: None,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: Option<String>,
}

/// `POST /login/code`.
pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    let pending = cookies::pending_token(&state.config, &jar).unwrap_or_default();
    let (kind, typed) = match &form.recovery_code {
        Some(code) => (CodeKind::Recovery, code.as_str()),
        None => (CodeKind::Totp, form.code.as_str()),
    };
    let outcome =
        crate::flows::login::second_factor::complete(&state, &pending, typed, kind, &client)
            .await?;
    let error = match outcome {
        CodeOutcome::Session(session) => return shared::into_session(&state, jar, session).await,
        CodeOutcome::ConfirmIp(pending) => {
            let jar = jar.add(cookies::pending(&state.config, pending));
            return Ok((jar, Redirect::to("/login/new-ip")).into_response());
        }
        CodeOutcome::Refused(refusal) => {
            let jar = cookies::clear_pending(&state.config, jar);
            let notice = match refusal {
                Refusal::IpBlocked => "ip-blocked",
                _ => "no-longer",
            };
            return Ok((jar, Redirect::to(&format!("/login?notice={notice}"))).into_response());
        }
        CodeOutcome::Expired => {
            let jar = cookies::clear_pending(&state.config, jar);
            return Ok((jar, Redirect::to("/login?notice=login-expired")).into_response());
        }
        CodeOutcome::Wrong => match kind {
            CodeKind::Totp => {
                "That code is not correct, or it was used already. Enter the code your app shows now."
            }
            CodeKind::Recovery => "That recovery code is not correct, or it was used already.",
        },
        CodeOutcome::WaitForNextCode => {
            "Too many wrong codes. Wait until your app shows a new code, then try again."
        }
        CodeOutcome::Locked => {
            "Too many failed attempts for this username. Wait a while, or ask your administrator to unlock it."
        }
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = CodePage {
        csrf,
        recovery: kind == CodeKind::Recovery,
        error: Some(error),
    };
    Ok((StatusCode::UNAUTHORIZED, jar, render(&page)?).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/login/code", form).post("/login/code", submit)
}

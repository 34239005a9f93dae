//! The login's second step: "Authentication code", or a recovery code.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::login::Refusal;
use serde::Deserialize;

use super::shared;
use crate::flows::context::Client;
use crate::flows::login::second_factor::{self, CodeKind, CodeOutcome, CodeStep};
use crate::http::extract::CsrfForm;
use crate::http::routes::Routes;
use crate::http::templates::render;
use crate::http::{WebError, cookies};
use crate::i18n::t;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    t: crate::i18n::Tr,
    csrf: String,
    recovery: bool,
    error: Option<String>,
    who: String,
    account_name: String,
    may_remember: bool,
    remember: bool,
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
    let Some(step) = second_factor::waiting_for_code(&state, &pending).await? else {
        let jar = cookies::clear_pending(&state.config, jar);
        return Ok((jar, Redirect::to("/login?notice=login-expired")).into_response());
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = code_page(csrf, query.recovery.is_some(), None, step);
    Ok((jar, render(&page)?).into_response())
}

fn code_page(csrf: String, recovery: bool, error: Option<String>, step: CodeStep) -> CodePage {
    CodePage {
        t: crate::i18n::reader(),
        csrf,
        recovery,
        error,
        who: step.name,
        account_name: step.account_name,
        may_remember: step.may_remember,
        remember: step.remember,
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: Option<String>,
    /// Present when the page offered the 30-day option: "on" when ticked.
    #[serde(default)]
    remember: Option<String>,
    /// Set by the page when it offered the option, so an unticked box reads as "no".
    #[serde(default)]
    remember_offered: Option<String>,
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
    let step = second_factor::waiting_for_code(&state, &pending).await?;
    let remember = form
        .remember_offered
        .is_some()
        .then_some(form.remember.is_some());
    let outcome = second_factor::complete(&state, &pending, typed, kind, remember, &client).await?;
    let error = match outcome {
        CodeOutcome::Session(session) => {
            let to = shared::landing(
                &state,
                &jar,
                match kind {
                    CodeKind::Recovery => "/?done=recovery-login",
                    CodeKind::Totp => "/",
                },
            );
            let jar = shared::session_cookies(&state, jar, session);
            return Ok((jar, Redirect::to(&to)).into_response());
        }
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
            CodeKind::Totp => t("problem-login-code-wrong"),
            CodeKind::Recovery => t("problem-login-recovery-wrong"),
        },
        CodeOutcome::WaitForNextCode => t("problem-login-code-wait"),
        CodeOutcome::Locked => t("problem-login-code-locked"),
    };
    let Some(step) = step else {
        let jar = cookies::clear_pending(&state.config, jar);
        return Ok((jar, Redirect::to("/login?notice=login-expired")).into_response());
    };
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = code_page(csrf, kind == CodeKind::Recovery, Some(error), step);
    Ok((StatusCode::UNAUTHORIZED, jar, render(&page)?).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/login/code", form).post("/login/code", submit)
}

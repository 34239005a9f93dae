//! "Forgot your password?": the user gives the security code and their username; when both
//! match an active user, a single-use reset link (30 minutes) goes to the user's email address.
//!
//! What must always hold:
//! - the answer is the same page, with the same status, whether or not anything matched, and
//!   the token and mail work happen after the answer is decided, in the background, so timing
//!   does not tell either;
//! - at most one reset mail per user per minute, and none from an IP address that is being
//!   throttled for failed logins;
//! - the link only lets the user choose a new password; it never logs them in (see
//!   `set_password`), so two-factor authentication still applies afterwards.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::flows::context::Client;
use crate::http::extract::CsrfForm;
use crate::http::templates::render;
use crate::http::{WebError, cookies};

use crate::flows::login::reset::{self, RESET_VALIDITY};
use crate::http::routes::Routes;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    t: crate::i18n::Tr,
    csrf: String,
    sent: bool,
    minutes: u64,
}

/// `GET /forgot-password`.
pub async fn form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, WebError> {
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = ForgotPage {
        t: crate::i18n::reader(),
        csrf,
        sent: false,
        minutes: RESET_VALIDITY.as_secs() / 60,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    security_code: String,
    #[serde(default)]
    username: String,
}

/// `POST /forgot-password`.
pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, WebError> {
    reset::request_reset(&state, &client, &form.security_code, &form.username).await?;
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = ForgotPage {
        t: crate::i18n::reader(),
        csrf,
        sent: true,
        minutes: RESET_VALIDITY.as_secs() / 60,
    };
    Ok((jar, render(&page)?).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/forgot-password", form)
        .post("/forgot-password", submit)
}

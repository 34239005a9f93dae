//! What pages of several areas share: handing a browser its new session, the words for a
//! login's refusals and waits, what to say when a password confirmation did not succeed, and
//! the confirmation step of destructive actions.

use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::flows::credentials::password::Unconfirmed;
use crate::flows::session::NewSessionToken;
use crate::http::extract::CurrentUser;
use crate::http::templates::{Nav, render};
use crate::http::{WebError, cookies};
use crate::i18n::{Arg, t, ta};
use crate::state::AppState;

/// What a deactivated user, or one whose employment has ended, is told once every factor passed.
pub fn no_longer() -> String {
    t("login-no-longer")
}

/// What a login from a blocked IP address is told.
pub fn ip_blocked() -> String {
    t("login-ip-blocked")
}

/// Hands a browser its new session: any session it had before is ended (a fresh token on every
/// login), the partial login's cookie is removed, and it goes to the dashboard — or back to the
/// app whose login it was.
pub async fn into_session(
    state: &AppState,
    jar: CookieJar,
    session: NewSessionToken,
) -> Result<Response, WebError> {
    let to = landing(state, &jar, "/");
    let jar = session_cookies(state, jar, session);
    Ok((jar, Redirect::to(&to)).into_response())
}

/// Where a login that just completed goes: back to the app waiting for it (OpenID Connect, or
/// forward-auth's `rd`, through `/login/return`), else `otherwise`.
pub fn landing(state: &AppState, jar: &CookieJar, otherwise: &str) -> String {
    if cookies::oidc_request_value(&state.config, jar).is_some() {
        "/oauth2/authorize/continue".into()
    } else if cookies::return_to_value(&state.config, jar).is_some() {
        "/login/return".into()
    } else {
        otherwise.into()
    }
}

/// The cookies of a new session (any session this browser had was ended with the login): the
/// partial login's cookie removed, the new session's cookie set.
pub fn session_cookies(state: &AppState, jar: CookieJar, session: NewSessionToken) -> CookieJar {
    cookies::clear_pending(&state.config, jar).add(cookies::session(&state.config, session.token))
}

/// How long to wait, in words: seconds below a minute, "a minute" below two, else whole
/// minutes (rounded up).
pub fn wait_words(secs: u64) -> String {
    match secs {
        0..=59 => ta("wait-seconds", &[("count", Arg::from(secs.max(1)))]),
        60..=119 => ta("wait-minutes", &[("count", Arg::from(1u64))]),
        _ => ta("wait-minutes", &[("count", Arg::from(secs.div_ceil(60)))]),
    }
}

/// What to tell a user whose password confirmation did not succeed.
pub fn confirmation_problem(state: &AppState, why: Unconfirmed) -> Result<String, WebError> {
    Ok(match why {
        Unconfirmed::Wrong => t("problem-password-wrong"),
        Unconfirmed::TryLater(until) => ta(
            "problem-password-try-later",
            &[(
                "wait",
                Arg::from(wait_words(until.since(state.clock.now()).as_secs().max(1))),
            )],
        ),
        Unconfirmed::Locked => t("problem-password-locked"),
        Unconfirmed::Busy => return Err(WebError::Busy),
    })
}

/// The form of a destructive action: it acts only when `confirmed` came with it, which only the
/// confirmation page sends.
#[derive(Debug, serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirmed: Option<String>,
}

impl ConfirmForm {
    /// Whether the person confirmed on the confirmation page.
    pub fn confirmed(&self) -> bool {
        self.confirmed.is_some()
    }
}

/// What a confirmation page asks.
pub struct Confirm {
    /// The page's title: the action, as a question ("Delete the passkey "Laptop"?").
    pub title: String,
    /// What happens, in sentences.
    pub what: String,
    /// Where the confirming form posts (the action's own URL).
    pub action: String,
    /// The confirming button.
    pub button: String,
    /// Where "Cancel" goes.
    pub back: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    t: crate::i18n::Tr,
    nav: Nav,
    title: &'a str,
    what: &'a str,
    action: &'a str,
    button: &'a str,
    back: &'a str,
}

/// The page that asks before a destructive action; its button posts the action again, confirmed.
/// A page form, not a script dialog, so the content security policy stays as strict as it is.
pub fn confirm_first(
    state: &AppState,
    user: &CurrentUser,
    active: &'static str,
    confirm: Confirm,
) -> Result<Response, WebError> {
    render(&ConfirmPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, active),
        title: &confirm.title,
        what: &confirm.what,
        action: &confirm.action,
        button: &confirm.button,
        back: &confirm.back,
    })
}

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
use crate::state::AppState;

/// What a deactivated user, or one whose employment has ended, is told once every factor passed.
pub const NO_LONGER: &str =
    "This user can no longer log in. Contact your administrator if you think this is a mistake.";

/// What a login from a blocked IP address is told.
pub const IP_BLOCKED: &str = "Logins from this IP address are blocked for your user. If it is yours, ask your administrator to unblock it on the IP addresses page.";

/// Hands a browser its new session: any session it had before is ended (a fresh token on every
/// login), the partial login's cookie is removed, and it goes to the dashboard.
pub async fn into_session(
    state: &AppState,
    jar: CookieJar,
    session: NewSessionToken,
) -> Result<Response, WebError> {
    let jar = session_cookies(state, jar, session);
    Ok((jar, Redirect::to("/")).into_response())
}

/// The cookies of a new session (any session this browser had was ended with the login): the
/// partial login's cookie removed, the new session's cookie set.
pub fn session_cookies(state: &AppState, jar: CookieJar, session: NewSessionToken) -> CookieJar {
    cookies::clear_pending(&state.config, jar).add(cookies::session(&state.config, session.token))
}

pub fn wait_words(secs: u64) -> String {
    match secs {
        0..=1 => "a second".to_string(),
        2..=59 => format!("{secs} seconds"),
        60..=119 => "a minute".to_string(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// What to tell a user whose password confirmation did not succeed.
pub fn confirmation_problem(state: &AppState, why: Unconfirmed) -> Result<String, WebError> {
    Ok(match why {
        Unconfirmed::Wrong => "The password is not correct.".into(),
        Unconfirmed::TryLater(until) => format!(
            "Too many wrong passwords. Wait {} and try again.",
            wait_words(until.since(state.clock.now()).as_secs().max(1))
        ),
        Unconfirmed::Locked => {
            "Your username is locked after too many wrong passwords. Ask your administrator to unlock it."
                .into()
        }
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
pub struct Confirm<'a> {
    /// The page's title: the action, as a question ("Delete the passkey "Laptop"?").
    pub title: String,
    /// What happens, in sentences.
    pub what: String,
    /// Where the confirming form posts (the action's own URL).
    pub action: String,
    /// The confirming button.
    pub button: &'a str,
    /// Where "Cancel" goes.
    pub back: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
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
    confirm: Confirm<'_>,
) -> Result<Response, WebError> {
    render(&ConfirmPage {
        nav: Nav::new(state, user, active),
        title: &confirm.title,
        what: &confirm.what,
        action: &confirm.action,
        button: confirm.button,
        back: &confirm.back,
    })
}

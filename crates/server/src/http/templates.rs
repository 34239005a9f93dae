//! Shared pieces of page rendering.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use portcullis_core::Timestamp;

use super::WebError;
use super::extract::CurrentUser;
use crate::state::AppState;

/// The `?done=…` of a page reached after a change.
#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    /// Which confirmation to show (see `flash_text`).
    pub done: Option<String>,
}

/// What the menu of a logged-in page shows.
#[derive(Debug, Clone)]
pub struct Nav {
    pub user_id: String,
    pub username: String,
    pub account_name: String,
    pub kind_label: &'static str,
    pub is_admin: bool,
    pub is_employee: bool,
    pub csrf: String,
    pub active: &'static str,
    pub demo: bool,
    /// A confirmation to show once, after a redirect (`?done=…`).
    pub flash: Option<&'static str>,
    /// Only the security settings are open (two-factor required but not set up): the menu
    /// shows nothing else.
    pub restricted: bool,
}

impl Nav {
    /// The menu for `user`, with `active` highlighted.
    pub fn new(state: &AppState, user: &CurrentUser, active: &'static str) -> Nav {
        Nav {
            user_id: user.user_id.to_string(),
            username: user.username.clone(),
            account_name: user.account_name.clone(),
            kind_label: user.kind.label(),
            is_admin: user.actor.administers(&user.account_id),
            is_employee: !user.kind.sees_all_administrations(),
            csrf: user.csrf_token.clone(),
            active,
            demo: state.config.demo,
            flash: None,
            restricted: user.restricted,
        }
    }

    /// The same menu, with the confirmation named by a `done` query value, if it is one.
    pub fn with_flash(mut self, done: Option<&str>) -> Nav {
        self.flash = done.and_then(flash_text);
        self
    }
}

/// What a `?done=…` code on a page says. Only these fixed texts can appear, so the query cannot
/// put words on the page.
fn flash_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Your changes are saved.",
        "user-created" => "The user is created. An email with their login details is on its way.",
        "user-created-no-mail" => {
            "The user is created, but the email with their login details could not be sent. Use \"Send a new invitation\" once mail works."
        }
        "invited" => {
            "A new invitation email is on its way. Earlier invitation links no longer work."
        }
        "invite-failed" => "The invitation email could not be sent. Try again later.",
        "sessions-ended" => "The sessions are ended.",
        "session-ended" => "The session is ended.",
        "unlocked" => "The username is unlocked.",
        "deactivated" => "The user is deactivated and logged out everywhere.",
        "reactivated" => "The user is active again.",
        "password-changed" => "Your password is changed. Your other sessions are ended.",
        "username-changed" => "Your username is changed. Use the new one next time you log in.",
        "code-changed" => "The security code is changed. Every active user is told by email.",
        "administration-created" => "The administration is created.",
        "administration-renamed" => "The administration is renamed.",
        "two-factor-off" => "Two-factor authentication is off.",
        "passkey-added" => {
            "The passkey is added. Add a second one on another device, so that losing one device does not lock you out."
        }
        "passkey-deleted" => "The passkey is deleted. It can no longer log in.",
        "two-factor-reset" => "Two-factor authentication is reset. The user is told by email.",
        _ => return None,
    })
}

/// The status of a form page: 422 when it is shown again with a problem to fix, else 200.
pub fn form_status(has_problem: bool) -> axum::http::StatusCode {
    if has_problem {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    }
}

/// Renders a template into an HTML response; a template error is an internal error.
pub fn render<T: Template>(template: &T) -> Result<Response, WebError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// Formats an optional time, with a word for "never".
pub fn format_time_or(at: Option<Timestamp>, never: &str) -> String {
    at.map_or_else(|| never.to_string(), format_time)
}

/// A local path to continue at after a detour (re-authentication): only paths on this site, so
/// the parameter cannot send anyone elsewhere.
pub fn safe_return_path(path: &str) -> &str {
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if local { path } else { "/" }
}

/// Formats a time for people (UTC, to the second).
pub fn format_time(at: Timestamp) -> String {
    portcullis_core::clock::format_date_time(at)
}

/// A page with one message and a way back to the login page (used-up links and the like).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

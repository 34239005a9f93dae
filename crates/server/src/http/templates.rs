//! Shared pieces of page rendering.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use portcullis_core::Timestamp;

use super::WebError;
use super::extract::CurrentUser;
use crate::i18n::{Words, key, reader, t};
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
    /// How to greet the user: their name, else their username.
    pub display_name: String,
    pub account_name: String,
    /// The user's role, in words.
    pub role: String,
    pub is_admin: bool,
    pub is_employee: bool,
    pub csrf: String,
    pub active: &'static str,
    pub demo: bool,
    /// A confirmation to show once, after a redirect (`?done=…`).
    pub flash: Option<String>,
    /// Only the security settings are open (two-factor required but not set up): the menu
    /// shows nothing else.
    pub restricted: bool,
    /// An accountant: the menu offers their clients.
    pub is_accountant: bool,
    /// The client an accountant works in, named in the header of every page.
    pub client: Option<String>,
}

impl Nav {
    /// The menu for `user`, with `active` highlighted.
    pub fn new(state: &AppState, user: &CurrentUser, active: &'static str) -> Nav {
        Nav {
            user_id: user.user_id.to_string(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            account_name: user.account_name.clone(),
            role: user.kind.words(),
            is_admin: user.actor.administers(&user.account_id),
            is_employee: !user.kind.sees_all_administrations(),
            csrf: user.csrf_token.clone(),
            active,
            demo: state.config.demo,
            flash: None,
            restricted: user.restricted,
            is_accountant: user.kind == portcullis_core::user::UserKind::Accountant,
            client: user.client.as_ref().map(|c| c.name.clone()),
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
fn flash_text(code: &str) -> Option<String> {
    let key = match code {
        "saved" => key("flash-saved"),
        "user-created" => key("flash-user-created"),
        "user-created-no-mail" => key("flash-user-created-no-mail"),
        "invited" => key("flash-invited"),
        "invite-failed" => key("flash-invite-failed"),
        "sessions-ended" => key("flash-sessions-ended"),
        "session-ended" => key("flash-session-ended"),
        "unlocked" => key("flash-unlocked"),
        "deactivated" => key("flash-deactivated"),
        "reactivated" => key("flash-reactivated"),
        "password-changed" => key("flash-password-changed"),
        "username-changed" => key("flash-username-changed"),
        "code-changed" => key("flash-code-changed"),
        "administration-created" => key("flash-administration-created"),
        "administration-renamed" => key("flash-administration-renamed"),
        "two-factor-off" => key("flash-two-factor-off"),
        "passkey-added" => key("flash-passkey-added"),
        "passkey-deleted" => key("flash-passkey-deleted"),
        "two-factor-reset" => key("flash-two-factor-reset"),
        "language-saved" => key("flash-language-saved"),
        "helpdesk-granted" => key("flash-helpdesk-granted"),
        "helpdesk-revoked" => key("flash-helpdesk-revoked"),
        "app-revoked" => key("flash-app-revoked"),
        "link-requested" => key("flash-link-requested"),
        "link-accepted" => key("flash-link-accepted"),
        "link-declined" => key("flash-link-declined"),
        "link-ended" => key("flash-link-ended"),
        "link-limited" => key("flash-link-limited"),
        "assigned" => key("flash-assigned"),
        "unassigned" => key("flash-unassigned"),
        "accountant-removed" => key("flash-accountant-removed"),
        "client-left" => key("flash-client-left"),
        "no-client" => key("flash-no-client"),
        "link-changed-meanwhile" => key("flash-link-changed-meanwhile"),
        _ => return None,
    };
    Some(t(key))
}

/// The problems of a user form, each beside its field; the first one gets the focus.
#[derive(Debug, Default)]
pub struct FieldProblems {
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub employment_ends: Option<String>,
    /// The field that gets the focus: the first with a problem (empty when none has one).
    pub first: &'static str,
}

impl FieldProblems {
    /// Notes `problem` beside `field` (one of the fields above).
    pub fn add(&mut self, field: &'static str, problem: String) {
        let slot = match field {
            "name" => &mut self.name,
            "username" => &mut self.username,
            "email" => &mut self.email,
            _ => &mut self.employment_ends,
        };
        *slot = Some(problem);
        if self.first.is_empty() {
            self.first = field;
        }
    }

    /// Whether any field has a problem.
    pub fn any(&self) -> bool {
        !self.first.is_empty()
    }
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

/// Formats an optional time for the reader of the request, "Never" when there is none.
pub fn format_time_or_never(at: Option<Timestamp>) -> String {
    at.map_or_else(|| t("time-never"), format_time)
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

/// Formats a time for the reader of the request: in their account's time zone, zone named.
pub fn format_time(at: Timestamp) -> String {
    reader().time(at)
}

/// A page with one message and a way back to the login page (used-up links and the like).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub t: crate::i18n::Tr,
    pub title: &'a str,
    pub message: &'a str,
}

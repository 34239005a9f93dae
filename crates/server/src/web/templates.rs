//! Shared pieces of page rendering.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::WebError;
use super::extract::CurrentUser;
use crate::state::AppState;

/// What the menu of a logged-in page shows.
#[derive(Debug, Clone)]
pub struct Nav {
    pub username: String,
    pub account_name: String,
    pub kind_label: &'static str,
    pub is_admin: bool,
    pub is_employee: bool,
    pub csrf: String,
    pub active: &'static str,
    pub demo: bool,
}

impl Nav {
    /// The menu for `user`, with `active` highlighted.
    pub fn new(state: &AppState, user: &CurrentUser, active: &'static str) -> Nav {
        Nav {
            username: user.username.clone(),
            account_name: user.account_name.clone(),
            kind_label: user.kind.label(),
            is_admin: user.kind.is_administrator(),
            is_employee: !user.kind.sees_all_administrations(),
            csrf: user.csrf_token.clone(),
            active,
            demo: state.config.demo,
        }
    }
}

/// Renders a template into an HTML response; a template error is an internal error.
pub fn render<T: Template>(template: &T) -> Result<Response, WebError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// Formats a stored time for people (UTC, to the second).
pub fn format_time(ms: i64) -> String {
    let t = portcullis_core::Timestamp(ms).to_offset_date_time();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

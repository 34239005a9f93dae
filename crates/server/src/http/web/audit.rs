//! The audit log page (administrators).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use portcullis_core::Timestamp;
use serde::Deserialize;

use crate::http::WebError;
use crate::http::extract::CurrentUser;
use crate::http::routes::Routes;
use crate::http::templates::{Nav, format_time, render};
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;

struct EventLine {
    at: String,
    event: String,
    username: String,
    actor: String,
    detail: String,
    ip: String,
    user_agent: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    events: Vec<EventLine>,
    older: Option<i64>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<String>,
}

/// `GET /audit`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    if !user.actor.administers(&user.account_id) {
        return Err(WebError::NotFound);
    }
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Timestamp(text.parse::<i64>().map_err(|_| {
            WebError::BadRequest("The 'before' parameter must be a time in milliseconds.".into())
        })?)),
    };
    let rows = state
        .store
        .audit_of_account(&user.account_id, before, PAGE_SIZE)
        .await?;
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.at.millis()))
        .flatten();
    let events = rows
        .into_iter()
        .map(|r| EventLine {
            at: format_time(r.at),
            event: r.event,
            username: r.username.unwrap_or_default(),
            actor: match r.actor.as_str() {
                "user" => "The user".to_string(),
                other => other.replace("administrator:", "Administrator "),
            },
            detail: match r.repeats {
                0 => r.detail,
                1 => format!("{} (and once more within the minute)", r.detail),
                n => format!("{} (and {n} more times within the minute)", r.detail),
            },
            ip: r.ip,
            user_agent: r.user_agent,
        })
        .collect();
    render(&AuditPage {
        nav: Nav::new(&state, &user, "audit"),
        events,
        older,
    })
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/audit", show)
}

//! The IP addresses page: users see their own addresses, administrators every user's in the
//! account; filter by user and status, newest first, 100 at a time (keyset paging, so the
//! thousandth page costs what the first does). Opening an address lets its user or an
//! administrator switch **Blocked** on (future logins from it are refused and the user's sessions
//! from it end) or off (the address is validated).
//!
//! Who may do what: a user may block their own addresses at any time and validate a pending one
//! after re-authenticating; lifting a block takes an administrator (a block is a deliberate act,
//! often someone else's). Every change is audited.

use std::net::IpAddr;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::login::IpStatus;
use portcullis_core::{ids, user_agent};
use portcullis_store::{IpAddressRow, IpQuery};
use serde::Deserialize;

use crate::flows::context::Client;
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, format_time, format_time_or_never, render};

use crate::flows::people::ip_addresses::{self, StatusChange};
use crate::i18n::{self, Words};
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;

/// One address as the page shows it.
pub struct IpLine {
    pub user_id: String,
    pub user: String,
    pub ip: String,
    pub status: String,
    pub status_class: &'static str,
    pub first_seen: String,
    pub last_seen: String,
    pub browser: String,
    pub last_two_factor: String,
    /// The detail page's query string (`ip=…`).
    pub href: String,
}

fn status_label(status: IpStatus) -> (String, &'static str) {
    let class = match status {
        IpStatus::Pending => "status-invited",
        IpStatus::Validated => "status-active",
        IpStatus::Blocked => "status-deactivated",
    };
    (status.words(), class)
}

fn line(row: IpAddressRow) -> IpLine {
    let (status, status_class) = status_label(row.status);
    let user = match row.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("{name} ({})", row.username),
        _ => row.username.clone(),
    };
    IpLine {
        href: url::form_urlencoded::Serializer::new(String::new())
            .append_pair("ip", &row.ip)
            .finish(),
        user_id: row.user_id,
        user,
        ip: row.ip,
        status,
        status_class,
        first_seen: format_time(row.first_seen_at),
        last_seen: format_time(row.last_seen_at),
        browser: if row.last_user_agent.is_empty() {
            "—".to_string()
        } else {
            user_agent::describe(&row.last_user_agent)
        },
        last_two_factor: format_time_or_never(row.last_two_factor_at),
    }
}

#[derive(Template)]
#[template(path = "ip_addresses.html")]
struct ListPage {
    t: crate::i18n::Tr,
    nav: Nav,
    is_admin: bool,
    username: String,
    status: String,
    lines: Vec<IpLine>,
    problem: Option<String>,
    next: Option<String>,
    first: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// Filter: a username (administrators).
    #[serde(default)]
    user: String,
    /// Filter: pending, validated or blocked.
    #[serde(default)]
    status: String,
    /// Keyset: last seen (ms), user id, IP address of the previous page's last line.
    #[serde(default)]
    seen: Option<i64>,
    #[serde(default)]
    uid: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    done: Option<String>,
}

fn list_query(username: &str, status: &str) -> url::form_urlencoded::Serializer<'static, String> {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if !username.is_empty() {
        q.append_pair("user", username);
    }
    if !status.is_empty() {
        q.append_pair("status", status);
    }
    q
}

/// `GET /ip-addresses`.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let is_admin = user.actor.administers(&user.account_id);
    let status = match query.status.as_str() {
        "pending" | "validated" | "blocked" => query.status.clone(),
        _ => String::new(),
    };
    let username = query.user.trim().to_string();
    let mut problem = None;
    let filter_user = if !is_admin {
        Some(user.user_id.to_string())
    } else if username.is_empty() {
        None
    } else {
        match state
            .store
            .user_by_username(&user.account_id, &username)
            .await?
        {
            Some(found) => Some(found.id),
            _ => {
                problem = Some(i18n::ta(
                    "problem-no-such-username",
                    &[("username", i18n::Arg::from(&username))],
                ));
                None
            }
        }
    };
    let after = match (query.seen, query.uid.as_str(), query.ip.as_str()) {
        (Some(seen), uid, ip) if ids::looks_like_id(uid) && ip.parse::<IpAddr>().is_ok() => {
            Some((seen, uid, ip))
        }
        _ => None,
    };
    let rows = if problem.is_some() {
        Vec::new()
    } else {
        state
            .store
            .list_ip_addresses(
                &user.account_id,
                &IpQuery {
                    user_id: filter_user.as_deref(),
                    status: (!status.is_empty()).then_some(status.as_str()),
                    after,
                    limit: PAGE_SIZE + 1,
                },
            )
            .await?
    };
    let more = rows.len() as i64 > PAGE_SIZE;
    let next = more
        .then(|| rows.get(PAGE_SIZE as usize - 1))
        .flatten()
        .map(|last| {
            list_query(&username, &status)
                .append_pair("seen", &last.last_seen_at.millis().to_string())
                .append_pair("uid", &last.user_id)
                .append_pair("ip", &last.ip)
                .finish()
        });
    let lines = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(line)
        .collect();
    render(&ListPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "ip-addresses").with_flash(query.done.as_deref()),
        is_admin,
        first: after.map(|_| list_query(&username, &status).finish()),
        username,
        status,
        lines,
        problem,
        next,
    })
}

#[derive(Template)]
#[template(path = "ip_address.html")]
struct DetailPage {
    t: crate::i18n::Tr,
    nav: Nav,
    line: IpLine,
    blocked: bool,
    may_unblock: bool,
    own: bool,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    ip: String,
    #[serde(default)]
    done: Option<String>,
}

/// The address record of a user the caller may see; 404 otherwise.
async fn visible_record(
    state: &AppState,
    caller: &CurrentUser,
    user_id: &str,
    ip: &str,
) -> Result<IpAddressRow, WebError> {
    let owner = caller.user_named(state, user_id).await?;
    let ip: IpAddr = ip.trim().parse().map_err(|_| WebError::NotFound)?;
    state
        .store
        .ip_address(&caller.account_id, &owner.id, &ip.to_string())
        .await?
        .ok_or(WebError::NotFound)
}

/// `GET /ip-addresses/{user id}?ip=…`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(user_id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let row = visible_record(&state, &user, &user_id, &query.ip).await?;
    let blocked = row.status == IpStatus::Blocked;
    render(&DetailPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "ip-addresses")
            .with_flash(DoneQuery { done: query.done }.done.as_deref()),
        blocked,
        may_unblock: user.actor.administers(&user.account_id),
        own: row.user_id == user.user_id,
        line: line(row),
    })
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    ip: String,
    #[serde(default)]
    blocked: Option<String>,
}

/// `POST /ip-addresses/{user id}`: Blocked on or off.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(user_id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, WebError> {
    let row = visible_record(&state, &user, &user_id, &form.ip).await?;
    let now = state.clock.now();
    let before = row.status;
    let after = if form.blocked.is_some() {
        IpStatus::Blocked
    } else {
        IpStatus::Validated
    };
    let back = format!(
        "/ip-addresses/{}?{}",
        row.user_id,
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("ip", &row.ip)
            .finish()
    );
    let changed = ip_addresses::set_status(
        &user.acting(&state, &client),
        &row.user_id,
        &row.ip,
        (before, after),
        user.require_recent_auth(now, &back).is_ok(),
    )
    .await?;
    match changed {
        StatusChange::Saved => {}
        StatusChange::OnlyAnAdministratorUnblocks => {
            return Err(WebError::Forbidden(i18n::t(
                "problem-only-administrator-unblocks",
            )));
        }
        StatusChange::ReauthRequired => return Err(WebError::ReauthRequired(back)),
    }
    Ok(Redirect::to(&format!("{back}&done=saved")).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/ip-addresses", list)
        .get("/ip-addresses/{id}", show)
        .post("/ip-addresses/{id}", save)
}

//! The Security center (administrators): the account's two-factor and IP address switches and
//! every user's two-factor state. Changing a switch needs a recent re-authentication and is audited; sessions
//! read the switches at every request, so a change applies at once on every server process.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::login::AccountPolicy;
use portcullis_store::UserQuery;
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::security_center::{self, PolicyChange};
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, render};
use crate::i18n::Words;
use crate::state::AppState;

const PATH: &str = "/security-center";

/// One user's line in the overview.
pub struct UserState {
    pub id: String,
    pub name: String,
    pub username: String,
    pub kind: String,
    pub two_factor: bool,
}

#[derive(Template)]
#[template(path = "security_center.html")]
struct CenterPage {
    t: crate::i18n::Tr,
    nav: Nav,
    enforce: bool,
    limit: bool,
    block_new_ips: bool,
    users: Vec<UserState>,
    without: usize,
    more: bool,
}

/// Users shown in the overview; the Employees page has them all.
const OVERVIEW_LIMIT: i64 = 500;

/// `GET /security-center`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let account = state
        .store
        .account(&user.account_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let rows = state
        .store
        .list_users(
            &user.account_id,
            &UserQuery {
                search: "",
                after: None,
                limit: OVERVIEW_LIMIT + 1,
            },
        )
        .await?;
    let more = rows.len() as i64 > OVERVIEW_LIMIT;
    let users: Vec<UserState> = rows
        .into_iter()
        .take(OVERVIEW_LIMIT as usize)
        .map(|r| UserState {
            two_factor: r.factors.has_second_factor(),
            name: r.user.display_name().to_string(),
            kind: r.user.kind.words(),
            username: r.user.username,
            id: r.user.id,
        })
        .collect();
    let without = users.iter().filter(|u| !u.two_factor).count();
    render(&CenterPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "security-center").with_flash(query.done.as_deref()),
        enforce: account.policy.enforce_two_factor,
        limit: account.policy.limit_two_factor_validity,
        block_new_ips: account.policy.block_new_ips,
        users,
        without,
        more,
    })
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    enforce_two_factor: Option<String>,
    #[serde(default)]
    limit_two_factor_validity: Option<String>,
    #[serde(default)]
    block_new_ips: Option<String>,
    /// The administrator agreed to be restricted to setting up a second factor they lack.
    #[serde(default)]
    restricting_myself: Option<String>,
}

/// Asks an administrator without a second factor before requiring one.
#[derive(Template)]
#[template(path = "security_center_confirm.html")]
struct ConfirmPage {
    t: crate::i18n::Tr,
    nav: Nav,
    limit: bool,
    block_new_ips: bool,
}

/// `POST /security-center`: saves the switches.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let now = state.clock.now();
    user.require_recent_auth(now, PATH)?;
    let policy = AccountPolicy {
        enforce_two_factor: form.enforce_two_factor.is_some(),
        limit_two_factor_validity: form.limit_two_factor_validity.is_some(),
        block_new_ips: form.block_new_ips.is_some(),
    };
    let restricting_myself = form.restricting_myself.is_some();
    match security_center::set_policy(&user.acting(&state, &client), policy, restricting_myself)
        .await?
    {
        PolicyChange::Saved => Ok(Redirect::to("/security-center?done=saved").into_response()),
        PolicyChange::WouldRestrictYou => render(&ConfirmPage {
            t: crate::i18n::reader(),
            nav: Nav::new(&state, &user, "security-center"),
            limit: policy.limit_two_factor_validity,
            block_new_ips: policy.block_new_ips,
        }),
    }
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/security-center", show)
        .post("/security-center", save)
}

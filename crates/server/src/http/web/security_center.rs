//! The Security center (administrators): the account's two-factor and IP address switches and
//! every user's two-factor state. Changing a switch needs a recent re-authentication and is audited; sessions
//! read the switches at every request, so a change applies at once on every server process.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::helpdesk;
use portcullis_core::login::AccountPolicy;
use portcullis_core::user::UserKind;
use portcullis_store::{
    EmailCheckState, OverviewContext, OverviewCursor, OverviewFigures, OverviewQuery, OverviewRow,
    OverviewSort,
};
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::security_center::{self, PolicyChange};
use crate::http::WebError;
use crate::http::csv;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{Nav, format_time, format_time_or_never, render};
use crate::i18n::{Arg, Words, t, ta};
use crate::state::AppState;

const PATH: &str = "/security-center";

/// Users per page of the overview.
const PAGE_SIZE: i64 = 50;

/// Rows per database page of the CSV download.
const EXPORT_PAGE: i64 = 500;

/// One user's line in the overview, in words.
pub struct UserState {
    pub id: String,
    pub name: String,
    pub username: String,
    pub kind: String,
    pub last_login: String,
    pub email: String,
    pub two_factor: bool,
    pub passkeys: u32,
    pub new_ips: String,
    pub email_check: String,
    /// `status-…` class of the email check's badge.
    pub email_class: &'static str,
    pub live_sessions: i64,
}

/// The overview's filters and order, as its form and links carry them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OverviewParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    two_factor: String,
    #[serde(default)]
    passkeys: String,
    #[serde(default)]
    new_ips: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    logged_in: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    after: String,
    done: Option<String>,
}

impl OverviewParams {
    /// The store's query for these parameters; a value no form offers is a bad request.
    fn query(&self, limit: i64) -> Result<OverviewQuery<'_>, WebError> {
        let bad = || WebError::BadRequest(t("problem-overview-filter"));
        let yes_no = |text: &str, yes: &str, no: &str| -> Result<Option<bool>, WebError> {
            match text {
                "" => Ok(None),
                t if t == yes => Ok(Some(true)),
                t if t == no => Ok(Some(false)),
                _ => Err(bad()),
            }
        };
        if self.q.chars().count() > 100 {
            return Err(bad());
        }
        Ok(OverviewQuery {
            search: &self.q,
            kind: match self.role.as_str() {
                "" => None,
                role => Some(UserKind::parse(role).ok_or_else(bad)?),
            },
            two_factor: yes_no(&self.two_factor, "on", "off")?,
            passkeys: yes_no(&self.passkeys, "some", "none")?,
            confirms_new_ips: yes_no(&self.new_ips, "confirm", "automatic")?,
            email: match self.email.as_str() {
                "" => None,
                state => Some(EmailCheckState::parse(state).ok_or_else(bad)?),
            },
            logged_in: yes_no(&self.logged_in, "yes", "no")?,
            sort: match self.sort.as_str() {
                "" | "username" => OverviewSort::Username,
                "last-login" => OverviewSort::LastLogin,
                _ => return Err(bad()),
            },
            after: match self.after.as_str() {
                "" => None,
                cursor => Some(parse_cursor(cursor).ok_or_else(bad)?),
            },
            limit,
        })
    }

    /// The query string of these filters, without the page (`after`).
    fn filters(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("role", &self.role)
            .append_pair("two_factor", &self.two_factor)
            .append_pair("passkeys", &self.passkeys)
            .append_pair("new_ips", &self.new_ips)
            .append_pair("email", &self.email)
            .append_pair("logged_in", &self.logged_in)
            .append_pair("sort", &self.sort)
            .finish()
    }

    /// Whether any filter is set (the page offers "Show everyone").
    fn filtered(&self) -> bool {
        [
            &self.q,
            &self.role,
            &self.two_factor,
            &self.passkeys,
            &self.new_ips,
            &self.email,
            &self.logged_in,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }
}

/// A page cursor as a link carries it: the last login (ms, -1 for never) and the username key.
fn cursor_text(cursor: &OverviewCursor) -> String {
    format!("{}~{}", cursor.last_login, cursor.username_key)
}

fn parse_cursor(text: &str) -> Option<OverviewCursor> {
    let (login, key) = text.split_once('~')?;
    (!key.is_empty() && key.len() <= 64).then_some(())?;
    Some(OverviewCursor {
        last_login: login.parse().ok()?,
        username_key: key.to_string(),
    })
}

/// What "logged in now" and the IP rule depend on, for this account at the state's clock.
async fn context(
    state: &AppState,
    user: &CurrentUser,
) -> Result<(OverviewContext, AccountPolicy), WebError> {
    let account = state
        .store
        .account(&user.account_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let now = state.clock.now();
    let limits = state.config.session;
    Ok((
        OverviewContext {
            block_new_ips: account.policy.block_new_ips,
            idle_cutoff: now.minus(limits.idle),
            absolute_cutoff: now.minus(limits.absolute),
        },
        account.policy,
    ))
}

/// A row in words.
fn state_of(row: OverviewRow, checks_on: bool) -> UserState {
    let check = &row.email_check;
    let (email_check, email_class) = match check.state {
        EmailCheckState::NotChecked if !checks_on => (t("email-check-off"), ""),
        EmailCheckState::NotChecked => (t("email-check-not-yet"), ""),
        EmailCheckState::Clean => (t("email-check-clean"), "status-active"),
        EmailCheckState::Breached => (
            ta(
                "email-check-breached",
                &[("count", Arg::from(check.breaches))],
            ),
            "status-deactivated",
        ),
        EmailCheckState::Failed => (
            match check.last_good_at {
                Some(at) => ta("email-check-failed-since", &[("when", Arg::Time(at))]),
                None => t("email-check-failed"),
            },
            "status-invited",
        ),
    };
    UserState {
        two_factor: row.factors.has_second_factor(),
        passkeys: row.factors.passkeys,
        new_ips: t(if row.confirms_new_ips {
            "overview-new-ips-confirm"
        } else {
            "overview-new-ips-automatic"
        }),
        email_check,
        email_class,
        live_sessions: row.live_sessions,
        last_login: format_time_or_never(row.user.last_login_at),
        name: row.user.display_name().to_string(),
        kind: row.user.kind.words(),
        email: row.user.email,
        username: row.user.username,
        id: row.user.id,
    }
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
    figures: OverviewFigures,
    params: OverviewParams,
    filtered: bool,
    filters: String,
    next: Option<String>,
    first_page: bool,
    checks_on: bool,
    /// Until when the helpdesk has access, if it has.
    helpdesk_until: Option<String>,
    /// Accountants of a linked accountancy firm who may work in this account.
    accountants: Vec<super::portal::AccountantLine>,
}

/// `GET /security-center`: the switches and the overview.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<OverviewParams>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let (context, policy) = context(&state, &user).await?;
    let rows = state
        .store
        .security_overview(&user.account_id, context, &params.query(PAGE_SIZE + 1)?)
        .await?;
    let next = (rows.len() as i64 > PAGE_SIZE)
        .then(|| rows.get(PAGE_SIZE as usize - 1).map(OverviewRow::cursor))
        .flatten()
        .map(|cursor| cursor_text(&cursor));
    let checks_on = state.breaches.checks_emails();
    let users = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|row| state_of(row, checks_on))
        .collect();
    let figures = state
        .store
        .overview_figures(&user.account_id, context)
        .await?;
    let now = state.clock.now();
    let helpdesk_until = state
        .store
        .helpdesk_grant(&user.account_id)
        .await?
        .filter(|grant| helpdesk::grant_is_active(grant.expires_at, now))
        .map(|grant| format_time(grant.expires_at));
    let accountants = super::portal::accountant_lines(
        crate::flows::portal::accountants_with_access(&state, &user.account_id).await?,
    );
    render(&CenterPage {
        accountants,
        helpdesk_until,
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "security-center").with_flash(params.done.as_deref()),
        enforce: policy.enforce_two_factor,
        limit: policy.limit_two_factor_validity,
        block_new_ips: policy.block_new_ips,
        users,
        figures,
        filtered: params.filtered(),
        filters: params.filters(),
        first_page: params.after.is_empty(),
        next,
        checks_on,
        params,
    })
}

/// `GET /security-center/overview.csv`: the overview as filtered, every page of it.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<OverviewParams>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    // Checked now, so a bad filter is a 400 rather than a broken download.
    params.query(EXPORT_PAGE)?;
    let (context, _) = context(&state, &user).await?;
    let checks_on = state.breaches.checks_emails();
    let header = csv::line(&[
        t("field-name"),
        t("field-username"),
        t("field-role"),
        t("last-login"),
        t("field-email"),
        t("two-factor-title"),
        t("passkeys-title"),
        t("overview-new-ips"),
        t("overview-email-check"),
        t("overview-logged-in"),
    ]);
    let reader = crate::i18n::reader();
    let account_id = user.account_id.to_string();
    let filename = format!(
        "security-overview-{}.csv",
        reader.iso_date(state.clock.now())
    );
    let next = move |after: Option<OverviewCursor>| {
        let state = state.clone();
        let account_id = account_id.clone();
        let reader = reader.clone();
        let params = params.clone();
        async move {
            // The filters were checked before the download began; the page continues after
            // the previous one's last row.
            let Ok(mut query) = params.query(EXPORT_PAGE + 1) else {
                return Ok((Vec::new(), None));
            };
            query.after = after;
            let rows = state
                .store
                .security_overview(&account_id, context, &query)
                .await?;
            let more = (rows.len() as i64 > EXPORT_PAGE)
                .then(|| rows.get(EXPORT_PAGE as usize - 1).map(OverviewRow::cursor))
                .flatten();
            // The words of the rows are the reader's, also on the stream's own task.
            let lines = crate::i18n::with_reader(reader, || {
                rows.into_iter()
                    .take(EXPORT_PAGE as usize)
                    .map(|row| {
                        let s = state_of(row, checks_on);
                        csv::line(&[
                            s.name,
                            s.username,
                            s.kind,
                            s.last_login,
                            s.email,
                            t(if s.two_factor {
                                "status-on"
                            } else {
                                "status-off"
                            }),
                            s.passkeys.to_string(),
                            s.new_ips,
                            s.email_check,
                            s.live_sessions.to_string(),
                        ])
                    })
                    .collect()
            });
            Ok((lines, more))
        }
    };
    Ok(csv::download(&filename, header, next))
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

#[derive(Deserialize)]
pub struct HelpdeskForm {}

/// Gives (`grant`) or revokes the helpdesk's access, after re-authentication.
async fn set_helpdesk(
    state: AppState,
    user: CurrentUser,
    client: Client,
    grant: bool,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    user.require_recent_auth(state.clock.now(), PATH)?;
    let acting = user.acting(&state, &client);
    let done = if grant {
        security_center::grant_helpdesk(&acting).await?;
        "helpdesk-granted"
    } else {
        security_center::revoke_helpdesk(&acting).await?;
        "helpdesk-revoked"
    };
    Ok(Redirect::to(&format!("{PATH}?done={done}")).into_response())
}

/// `POST /security-center/helpdesk`: gives the helpdesk access for a month (or renews it).
pub async fn grant_helpdesk(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(_form): CsrfForm<HelpdeskForm>,
) -> Result<Response, WebError> {
    set_helpdesk(state, user, client, true).await
}

/// `POST /security-center/helpdesk/revoke`: ends the helpdesk's access at once.
pub async fn revoke_helpdesk(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(_form): CsrfForm<HelpdeskForm>,
) -> Result<Response, WebError> {
    set_helpdesk(state, user, client, false).await
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/security-center", show)
        .get("/security-center/overview.csv", export)
        .post("/security-center/helpdesk", grant_helpdesk)
        .post("/security-center/helpdesk/revoke", revoke_helpdesk)
        .post("/security-center", save)
}

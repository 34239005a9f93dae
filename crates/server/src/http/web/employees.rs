//! The Employees page (administrators): every user of the account, searchable and paged, and
//! creating a user, who is invited by email.
//!
//! The list walks the `(account_id, username_key)` index page by page ("keyset" paging), so the
//! hundredth page costs what the first does. Every id in a URL is looked up within the caller's
//! account: another account's user is "not found", never "forbidden".

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::Timestamp;
use portcullis_core::user::{self, User, UserKind};
use portcullis_core::{email, username};
use portcullis_store::{AdministrationRow, Employee, UserQuery};
use serde::Deserialize;

use crate::flows::FlowError;
use crate::flows::context::Client;
use crate::flows::people::accounts::INVITATION_VALIDITY;
use crate::flows::people::accounts::UserInput;
use crate::flows::people::users::{self, Created};
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{FieldProblems, Nav, form_status, format_time_or_never, render};
use crate::i18n::{Arg, Words, reader, t, ta};
use crate::state::AppState;

/// Users per page.
const PAGE_SIZE: i64 = 50;

/// Longest search text accepted.
const MAX_SEARCH_CHARS: usize = 100;

/// One line of the Employees table.
pub struct EmployeeLine {
    pub id: String,
    pub name: String,
    pub username: String,
    pub kind: String,
    pub email: String,
    pub last_login: String,
    pub status: String,
    /// `status-active`, `status-locked`, …: for the badge's colour.
    pub status_class: String,
}

/// What a user's status column says, most important first, and the class of its badge.
pub fn status_of(user: &User, locked: bool, now: Timestamp) -> (String, &'static str) {
    match user.employment_ends_at {
        _ if user.disabled => (t("status-deactivated"), "status-deactivated"),
        Some(ends) if now >= ends => (t("status-employment-ended"), "status-employment"),
        _ if locked => (t("status-locked"), "status-locked"),
        _ if user.password_hash.is_none() => (t("status-invited"), "status-invited"),
        Some(ends) => (
            ta(
                "status-active-until",
                &[("date", Arg::from(reader().date(ends)))],
            ),
            "status-active",
        ),
        None => (t("status-active"), "status-active"),
    }
}

fn line(row: Employee, now: Timestamp) -> EmployeeLine {
    let (status, status_class) = status_of(&row.user, row.locked_at.is_some(), now);
    let user = row.user;
    EmployeeLine {
        status_class: status_class.to_string(),
        name: user.display_name().to_string(),
        kind: user.kind.words(),
        last_login: format_time_or_never(user.last_login_at),
        id: user.id,
        username: user.username,
        email: user.email,
        status,
    }
}

#[derive(Template)]
#[template(path = "employees.html")]
struct EmployeesPage {
    t: crate::i18n::Tr,
    nav: Nav,
    search: String,
    total: i64,
    lines: Vec<EmployeeLine>,
    next: Option<String>,
    first: Option<String>,
    /// Accountants of a linked accountancy firm who may work in this account.
    accountants: Vec<super::portal::AccountantLine>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
    done: Option<String>,
}

/// `GET /employees`.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    if query.q.chars().count() > MAX_SEARCH_CHARS {
        return Err(WebError::BadRequest(ta(
            "problem-search-too-long",
            &[("max", Arg::from(MAX_SEARCH_CHARS))],
        )));
    }
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    let rows = state
        .store
        .list_users(
            &user.account_id,
            &UserQuery {
                search: &query.q,
                after,
                limit: PAGE_SIZE + 1,
            },
        )
        .await?;
    let total = state.store.count_users(&user.account_id, &query.q).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let now = state.clock.now();
    let lines: Vec<EmployeeLine> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|row| line(row, now))
        .collect();
    let next = more
        .then(|| {
            lines
                .last()
                .map(|l| portcullis_core::username::key(&l.username))
        })
        .flatten()
        .map(|after| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &query.q)
                .append_pair("after", &after)
                .finish()
        });
    let accountants = super::portal::accountant_lines(
        crate::flows::portal::accountants_with_access(&state, &user.account_id).await?,
    );
    render(&EmployeesPage {
        accountants,
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "employees").with_flash(query.done.as_deref()),
        search: query.q.clone(),
        total,
        lines,
        next,
        first: after.map(|_| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &query.q)
                .finish()
        }),
    })
}

/// An administration with whether the form has it ticked.
pub struct AdministrationChoice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// The account's administrations, ticked where `granted` has them.
pub fn choices(all: Vec<AdministrationRow>, granted: &[String]) -> Vec<AdministrationChoice> {
    all.into_iter()
        .map(|a| AdministrationChoice {
            checked: granted.contains(&a.id),
            id: a.id,
            name: a.name,
        })
        .collect()
}

/// Checks that every ticked administration belongs to the account (a forged form could name
/// another account's); returns them without duplicates.
pub fn checked_administrations(
    all: &[AdministrationRow],
    ticked: &[String],
) -> Result<Vec<String>, WebError> {
    let mut ids: Vec<String> = Vec::new();
    for id in ticked {
        if !all.iter().any(|a| &a.id == id) {
            return Err(WebError::NotFound);
        }
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    Ok(ids)
}

/// The three kinds, for a select.
pub struct KindChoice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// Every kind, with `selected` chosen.
pub fn kind_choices(selected: UserKind) -> Vec<KindChoice> {
    [
        UserKind::Employee,
        UserKind::Accountant,
        UserKind::Administrator,
    ]
    .into_iter()
    .map(|kind| KindChoice {
        value: kind.as_str(),
        label: kind.words(),
        selected: kind == selected,
    })
    .collect()
}

#[derive(Template)]
#[template(path = "employee_new.html")]
struct NewUserPage {
    t: crate::i18n::Tr,
    nav: Nav,
    form: NewUserForm,
    kinds: Vec<KindChoice>,
    administrations: Vec<AdministrationChoice>,
    error: Option<String>,
    problems: FieldProblems,
    creating: bool,
    validity_hours: u64,
}

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    administration: Vec<String>,
}

async fn new_user_page(
    state: &AppState,
    user: &CurrentUser,
    form: NewUserForm,
    error: Option<String>,
    problems: FieldProblems,
) -> Result<Response, WebError> {
    let all = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    let kind = UserKind::parse(&form.kind).unwrap_or(UserKind::Employee);
    let status = form_status(error.is_some() || problems.any());
    let page = NewUserPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, "employees"),
        kinds: kind_choices(kind),
        administrations: choices(all, &form.administration),
        form,
        error,
        problems,
        creating: true,
        validity_hours: INVITATION_VALIDITY.as_secs() / 3600,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /employees/new`.
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    user.require_recent_auth(state.clock.now(), "/employees/new")?;
    new_user_page(
        &state,
        &user,
        NewUserForm::default(),
        None,
        FieldProblems::default(),
    )
    .await
}

/// `POST /employees/new`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<NewUserForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let now = state.clock.now();
    user.require_recent_auth(now, "/employees/new")?;
    let kind =
        UserKind::parse(&form.kind).ok_or_else(|| WebError::BadRequest(t("problem-role")))?;
    let mut problems = FieldProblems::default();
    if let Err(e) = user::parse_name(&form.name) {
        problems.add("name", e.words());
    }
    if let Err(e) = username::parse(&form.username) {
        problems.add("username", e.words());
    }
    if let Err(e) = email::parse(&form.email) {
        problems.add("email", e.words());
    }
    if problems.any() {
        return new_user_page(&state, &user, form, None, problems).await;
    }
    let all = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    let granted = checked_administrations(&all, &form.administration)?;
    let input = UserInput {
        username: &form.username,
        name: Some(&form.name),
        email: &form.email,
        kind,
        password: None,
    };
    let created = users::create(&user.acting(&state, &client), input, granted)
        .await
        .map_err(FlowError::from)?;
    match created {
        Created::User { user_id, invited } => {
            let done = if invited {
                "user-created"
            } else {
                "user-created-no-mail"
            };
            Ok(Redirect::to(&format!("/employees/{user_id}?done={done}")).into_response())
        }
        Created::Invalid(message) => {
            let problems = FieldProblems::default();
            new_user_page(&state, &user, form, Some(message), problems).await
        }
        Created::UsernameTaken(name) => {
            let mut problems = FieldProblems::default();
            problems.add(
                "username",
                ta(
                    "problem-username-taken",
                    &[
                        ("username", Arg::from(name)),
                        ("account", Arg::from(&user.account_name)),
                    ],
                ),
            );
            new_user_page(&state, &user, form, None, problems).await
        }
    }
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/employees", list)
        .get("/employees/new", new_form)
        .post("/employees/new", create)
}

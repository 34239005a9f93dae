//! One user's page: details, and what an administrator may change (kind, administrations,
//! email, end of employment, deactivation, sessions, lock, invitation).
//!
//! What must always hold:
//! - a user of another account is "not found"; a user who is not an administrator sees only
//!   their own page;
//! - changes need a recent re-authentication, except ending sessions and re-sending an
//!   invitation, which only protect;
//! - the account keeps a lasting administrator (`portcullis_core::user::keeps_an_administrator`),
//!   checked inside the store's transaction;
//! - deactivating a user or ending their employment ends their sessions at once.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::user::{self, User, UserKind};
use portcullis_core::{email, username};
use portcullis_store::{UserUpdate, UsernameCounter};
use serde::Deserialize;

use super::employees::{
    AdministrationChoice, KindChoice, checked_administrations, choices, kind_choices, status_of,
};
use super::shared::{Confirm, ConfirmForm, confirm_first};
use crate::flows::FlowError;
use crate::flows::context::Client;
use crate::flows::people::users::{self, Change, ChangeOutcome, Invited};
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{
    DoneQuery, FieldProblems, Nav, form_status, format_time, format_time_or_never, render,
};
use crate::i18n::{self, Arg, Words, reader};
use crate::state::AppState;

/// A user as the pages show them.
pub struct Person {
    pub id: String,
    pub name: String,
    pub username: String,
    pub email: String,
    pub kind: String,
    pub status: String,
    pub last_login: String,
    pub created: String,
    pub employment_ends: String,
    pub disabled: bool,
    pub locked: bool,
    pub invited: bool,
    pub is_me: bool,
}

/// The page header's view of a user.
pub async fn person(
    state: &AppState,
    caller: &CurrentUser,
    row: &User,
) -> Result<Person, WebError> {
    let locked = state
        .store
        .username_failures(UsernameCounter::InAccount(
            &row.account_id,
            &username::key(&row.username),
        ))
        .await?
        .locked_at
        .is_some();
    let kind = row.kind;
    Ok(Person {
        id: row.id.clone(),
        name: row.display_name().to_string(),
        username: row.username.clone(),
        email: row.email.clone(),
        kind: kind.words(),
        status: status_of(row, locked, state.clock.now()).0,
        last_login: format_time_or_never(row.last_login_at),
        created: format_time(row.created_at),
        employment_ends: row
            .employment_ends_at
            .map_or_else(String::new, |at| reader().date(at)),
        disabled: row.disabled,
        locked,
        invited: row.password_hash.is_none(),
        is_me: row.id == caller.user_id,
    })
}

#[derive(Template)]
#[template(path = "employee.html")]
struct EmployeePage {
    t: crate::i18n::Tr,
    nav: Nav,
    person: Person,
    tab: &'static str,
    administrations: Vec<String>,
    sessions: usize,
    is_admin: bool,
}

/// `GET /employees/{id}`: the Details tab.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let row = user.user_named(&state, &id).await?;
    let kind = row.kind;
    let administrations = state
        .store
        .administrations_for(&user.account_id, &row.id, kind)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    let sessions = state
        .store
        .count_sessions_of_user(&user.account_id, &row.id)
        .await?;
    let active = if row.id == user.user_id {
        "security"
    } else {
        "employees"
    };
    render(&EmployeePage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, active).with_flash(query.done.as_deref()),
        person: person(&state, &user, &row).await?,
        tab: "details",
        administrations,
        sessions: usize::try_from(sessions).unwrap_or(0),
        is_admin: user.actor.administers(&user.account_id),
    })
}

#[derive(Template)]
#[template(path = "employee_edit.html")]
struct EditPage {
    t: crate::i18n::Tr,
    nav: Nav,
    person: Person,
    form: EditForm,
    kinds: Vec<KindChoice>,
    administrations: Vec<AdministrationChoice>,
    error: Option<String>,
    problems: FieldProblems,
    creating: bool,
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    /// Not editable here (the user changes it themselves); the form shares its fields with
    /// the new-user form.
    #[serde(skip)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    employment_ends: String,
    #[serde(default)]
    administration: Vec<String>,
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    row: &User,
    form: EditForm,
    error: Option<String>,
    problems: FieldProblems,
) -> Result<Response, WebError> {
    let all = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    let kind = UserKind::parse(&form.kind).unwrap_or(UserKind::Employee);
    let status = form_status(error.is_some() || problems.any());
    let page = EditPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, "employees"),
        person: person(state, user, row).await?,
        kinds: kind_choices(kind),
        administrations: choices(all, &form.administration),
        form,
        error,
        problems,
        creating: false,
    };
    Ok((status, render(&page)?).into_response())
}

fn edit_path(id: &str) -> String {
    format!("/employees/{id}/edit")
}

/// `GET /employees/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let row = user.user_named(&state, &id).await?;
    user.require_recent_auth(state.clock.now(), &edit_path(&row.id))?;
    let form = EditForm {
        name: row.name.clone(),
        username: row.username.clone(),
        email: row.email.clone(),
        kind: row.kind.as_str().to_string(),
        employment_ends: row
            .employment_ends_at
            .map_or_else(String::new, |at| reader().iso_date(at)),
        administration: state
            .store
            .granted_administrations(&user.account_id, &row.id)
            .await?,
    };
    edit_page(&state, &user, &row, form, None, FieldProblems::default()).await
}

/// The refusal when a change would leave the account without a lasting administrator.
fn last_administrator(row: &User) -> String {
    i18n::ta(
        "problem-last-administrator",
        &[("username", Arg::from(&row.username))],
    )
}

/// `POST /employees/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let row = user.user_named(&state, &id).await?;
    let now = state.clock.now();
    user.require_recent_auth(now, &edit_path(&row.id))?;
    let all = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    let granted = checked_administrations(&all, &form.administration)?;
    let kind =
        UserKind::parse(&form.kind).ok_or_else(|| WebError::BadRequest(i18n::t("problem-role")))?;
    let mut problems = FieldProblems::default();
    let name = user::parse_name(&form.name)
        .map_err(|e| problems.add("name", e.words()))
        .ok();
    let email = email::parse(&form.email)
        .map_err(|e| problems.add("email", e.words()))
        .ok();
    let ends = match form.employment_ends.trim() {
        "" => Some(None),
        typed => reader()
            .start_of_day(typed)
            .map(Some)
            .map_err(|e| problems.add("employment_ends", e.words()))
            .ok(),
    };
    let (Some(name), Some(email), Some(employment_ends_at)) = (name, email, ends) else {
        return edit_page(&state, &user, &row, form, None, problems).await;
    };
    let update = UserUpdate {
        name,
        email,
        kind,
        disabled: row.disabled,
        employment_ends_at,
    };
    let change = Change {
        update,
        administrations: Some(granted),
    };
    match users::change(&user.acting(&state, &client), &row, change).await? {
        ChangeOutcome::Applied => {
            Ok(Redirect::to(&format!("/employees/{}?done=saved", row.id)).into_response())
        }
        ChangeOutcome::LastAdministrator => {
            let problem = Some(last_administrator(&row));
            edit_page(&state, &user, &row, form, problem, FieldProblems::default()).await
        }
    }
}

#[derive(Deserialize)]
pub struct ActionForm {}

/// `POST /employees/{id}/deactivate` and `/reactivate`.
async fn set_disabled(
    state: AppState,
    user: CurrentUser,
    client: Client,
    id: String,
    disabled: bool,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let row = user.user_named(&state, &id).await?;
    let now = state.clock.now();
    user.require_recent_auth(now, &format!("/employees/{}", row.id))?;
    let update = UserUpdate {
        name: row.name.clone(),
        email: row.email.clone(),
        kind: row.kind,
        disabled,
        employment_ends_at: row.employment_ends_at,
    };
    let change = Change {
        update,
        administrations: None,
    };
    if users::change(&user.acting(&state, &client), &row, change).await?
        == ChangeOutcome::LastAdministrator
    {
        return Err(WebError::Conflict(last_administrator(&row)));
    }
    let done = if disabled {
        "deactivated"
    } else {
        "reactivated"
    };
    Ok(Redirect::to(&format!("/employees/{}?done={done}", row.id)).into_response())
}

/// `POST /employees/{id}/deactivate`.
pub async fn deactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, WebError> {
    if !form.confirmed() {
        user.require_administrator()?;
        let row = user.user_named(&state, &id).await?;
        user.require_recent_auth(state.clock.now(), &format!("/employees/{}", row.id))?;
        return confirm_first(
            &state,
            &user,
            "employees",
            Confirm {
                title: i18n::ta(
                    "confirm-deactivate-title",
                    &[("name", Arg::from(row.display_name()))],
                ),
                what: i18n::ta(
                    "confirm-deactivate",
                    &[("username", Arg::from(&row.username))],
                ),
                action: format!("/employees/{}/deactivate", row.id),
                button: i18n::t("employee-deactivate"),
                back: format!("/employees/{}", row.id),
            },
        );
    }
    set_disabled(state, user, client, id, true).await
}

/// `POST /employees/{id}/reactivate`.
pub async fn reactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    set_disabled(state, user, client, id, false).await
}

#[derive(Deserialize)]
pub struct EndSessionsForm {
    /// `overview` when sent from the Security center's overview, which it returns to.
    #[serde(default)]
    back: String,
}

/// `POST /employees/{id}/end-sessions`: logs a user out everywhere (after re-authentication;
/// audited). An administrator ending their own sessions this way is logged out too.
pub async fn end_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EndSessionsForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let row = user.user_named(&state, &id).await?;
    let from_overview = form.back == "overview";
    let back = if from_overview {
        "/security-center".to_string()
    } else {
        format!("/employees/{}", row.id)
    };
    user.require_recent_auth(state.clock.now(), &back)?;
    users::end_sessions(&user.acting(&state, &client), &row).await?;
    let done = if from_overview {
        "/security-center?done=sessions-ended".to_string()
    } else {
        format!("/employees/{}?done=sessions-ended", row.id)
    };
    Ok(Redirect::to(&done).into_response())
}

/// `POST /employees/{id}/unlock`: lifts the lock that too many failed logins put on the
/// username.
pub async fn unlock(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let row = user.user_named(&state, &id).await?;
    user.require_recent_auth(state.clock.now(), &format!("/employees/{}", row.id))?;
    users::unlock(&user.acting(&state, &client), &row).await?;
    Ok(Redirect::to(&format!("/employees/{}?done=unlocked", row.id)).into_response())
}

/// `POST /employees/{id}/invite`: a new set-password link by email, for a user who has not
/// chosen a password yet. Earlier links stop working.
pub async fn invite(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let row = user.user_named(&state, &id).await?;
    let invited = users::invite(&user.acting(&state, &client), &row)
        .await
        .map_err(FlowError::from)?;
    let done = match invited {
        Invited::Sent => "invited",
        Invited::NotSent => "invite-failed",
        Invited::HasPassword => {
            return Err(WebError::Conflict(i18n::ta(
                "problem-already-has-password",
                &[("username", Arg::from(&row.username))],
            )));
        }
    };
    Ok(Redirect::to(&format!("/employees/{}?done={done}", row.id)).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/employees/{id}", show)
        .get("/employees/{id}/edit", edit_form)
        .post("/employees/{id}/edit", edit)
        .post("/employees/{id}/deactivate", deactivate)
        .post("/employees/{id}/reactivate", reactivate)
        .post("/employees/{id}/end-sessions", end_sessions)
        .post("/employees/{id}/unlock", unlock)
        .post("/employees/{id}/invite", invite)
}

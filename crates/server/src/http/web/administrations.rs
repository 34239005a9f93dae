//! Administrations: administrators create and rename them; everyone opens the ones they may
//! use. An employee asking for an administration not granted to them gets "not found", the same
//! as for one that does not exist or belongs to another account.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::{ids, user};
use portcullis_store::AdministrationRow;
use serde::Deserialize;

use crate::flows::context::Client;
use crate::flows::people::administrations;
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, form_status, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "administrations.html")]
struct ListPage {
    t: crate::i18n::Tr,
    nav: Nav,
    administrations: Vec<AdministrationRow>,
    error: Option<String>,
    typed: String,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    error: Option<String>,
    typed: String,
) -> Result<Response, WebError> {
    let administrations = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    let status = form_status(error.is_some());
    let page = ListPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, "administrations").with_flash(done),
        administrations,
        error,
        typed,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /administrations` (administrators).
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    list_page(&state, &user, query.done.as_deref(), None, String::new()).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// `POST /administrations`: creates one.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let name = match user::parse_name(&form.name) {
        Ok(name) => name,
        Err(e) => return list_page(&state, &user, None, Some(e.to_string()), form.name).await,
    };
    administrations::create(&user.acting(&state, &client), &name).await?;
    Ok(Redirect::to("/administrations?done=administration-created").into_response())
}

#[derive(Template)]
#[template(path = "administration.html")]
struct ShowPage {
    t: crate::i18n::Tr,
    nav: Nav,
    administration: AdministrationRow,
    employees: Vec<(String, String, String)>,
    is_admin: bool,
    error: Option<String>,
}

async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<AdministrationRow, WebError> {
    if !ids::looks_like_id(id) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .administration_for(&user.account_id, &user.user_id, user.kind, id)
        .await?
        .ok_or(WebError::NotFound)
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    administration: AdministrationRow,
    done: Option<&str>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let is_admin = user.actor.administers(&user.account_id);
    let employees = if is_admin {
        state
            .store
            .employees_granted(&user.account_id, &administration.id)
            .await?
    } else {
        Vec::new()
    };
    let status = form_status(error.is_some());
    let page = ShowPage {
        t: crate::i18n::reader(),
        nav: Nav::new(
            state,
            user,
            if is_admin {
                "administrations"
            } else {
                "dashboard"
            },
        )
        .with_flash(done),
        administration,
        employees,
        is_admin,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /administrations/{id}`: for whoever may use it.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let administration = visible(&state, &user, &id).await?;
    show_page(&state, &user, administration, query.done.as_deref(), None).await
}

/// `POST /administrations/{id}/rename` (administrators).
pub async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let administration = visible(&state, &user, &id).await?;
    let name = match user::parse_name(&form.name) {
        Ok(name) => name,
        Err(e) => return show_page(&state, &user, administration, None, Some(e.to_string())).await,
    };
    administrations::rename(
        &user.acting(&state, &client),
        &administration.id,
        &administration.name,
        &name,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/administrations/{}?done=administration-renamed",
        administration.id
    ))
    .into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/administrations", list)
        .post("/administrations", create)
        .get("/administrations/{id}", show)
        .post("/administrations/{id}/rename", rename)
}

//! The dashboard: the administrations the user may use.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use portcullis_store::AdministrationRow;

use crate::http::WebError;
use crate::http::extract::CurrentUser;
use crate::http::routes::Routes;
use crate::http::templates::{Nav, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    administrations: Vec<AdministrationRow>,
}

/// `GET /`.
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, WebError> {
    let administrations = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    render(&DashboardPage {
        nav: Nav::new(&state, &user, "dashboard"),
        administrations,
    })
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/", show)
}

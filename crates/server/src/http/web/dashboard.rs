//! The dashboard: the administrations the user may use. After a login with a recovery code it
//! says how many codes are left.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use portcullis_store::AdministrationRow;

use crate::http::WebError;
use crate::http::extract::CurrentUser;
use crate::http::routes::Routes;
use crate::http::templates::{DoneQuery, Nav, render};
use crate::i18n::{Arg, t, ta};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: crate::i18n::Tr,
    nav: Nav,
    administrations: Vec<AdministrationRow>,
}

/// `GET /`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let administrations = state
        .store
        .administrations_for(&user.account_id, &user.user_id, user.kind)
        .await?;
    let mut nav = Nav::new(&state, &user, "dashboard");
    if query.done.as_deref() == Some("recovery-login") {
        let left = state
            .store
            .unused_recovery_codes(&user.account_id, &user.user_id)
            .await?;
        nav.flash = Some(format!(
            "{} {}",
            t("flash-recovery-login"),
            ta("recovery-codes-left", &[("count", Arg::from(left))])
        ));
    }
    render(&DashboardPage {
        t: crate::i18n::reader(),
        nav,
        administrations,
    })
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/", show)
}

//! The web layer: routes, pages, middleware. Thin by design: parse the request, call the
//! domain or the store, render. It picks status codes and page shapes; it decides no policy.

mod api;
mod api_error;
mod assets;
mod cookies;
pub(crate) mod csv;
mod error;
mod extract;
mod middleware;
mod routes;
mod templates;
pub(crate) mod web;

pub use api_error::ApiError;
pub use error::WebError;
pub use routes::{Declared, Verb};

use routes::Routes;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::state::AppState;
use web::{
    account, administrations, audit, dashboard, dev_example, dev_mail, employee, employees, forgot,
    forward_auth, health, helpdesk, ip_addresses, login, login_code, new_ip, oidc, passkeys,
    portal, reauth, security, security_center, set_password, two_factor,
};

/// Largest request body accepted: forms here are small.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// Every route of the server, each area's own, plus the demo mailbox when `demo` is on.
fn routes(demo: bool) -> Routes {
    let mut routes = Routes::new();
    for area in [
        dashboard::routes,
        login::routes,
        login_code::routes,
        new_ip::routes,
        passkeys::routes,
        set_password::routes,
        forgot::routes,
        reauth::routes,
        employees::routes,
        employee::routes,
        security::routes,
        two_factor::routes,
        ip_addresses::routes,
        security_center::routes,
        account::routes,
        administrations::routes,
        audit::routes,
        api::routes,
        health::routes,
        helpdesk::routes,
        portal::routes,
        oidc::routes,
        forward_auth::routes,
        assets::routes,
    ] {
        routes = area(routes);
    }
    if demo {
        routes = dev_mail::routes(routes);
        routes = dev_example::routes(routes);
    }
    routes
}

/// Every route the server can answer (the demo mailbox included), as declared: tests walk
/// this list.
pub fn declared_routes() -> Vec<Declared> {
    routes(true).into_parts().1
}

/// Every route of the server, with its middleware. Tests drive this directly.
pub fn router(state: AppState) -> Router {
    let (mut router, _) = routes(state.config.demo).into_parts();
    if state.config.bench_endpoints {
        router = router.route("/bench/bare", axum::routing::get(|| async { "ok" }));
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::origin_check,
        ))
        .layer(axum::middleware::from_fn(
            middleware::reject_control_characters,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::language,
        ))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state)
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// A form's address opened as a page (a bookmark, a reload): a page that says where to go,
/// not an empty answer.
async fn wrong_method() -> WebError {
    WebError::WrongMethod
}

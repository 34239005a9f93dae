//! The web layer: routes, pages, middleware. Thin by design: parse the request, call the
//! domain or the store, render. It picks status codes and page shapes; it decides no policy.

mod assets;
mod audit;
mod cookies;
mod dashboard;
mod dev_mail;
mod error;
mod extract;
mod health;
mod login;
mod middleware;
mod set_password;
mod templates;

pub use error::WebError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// Largest request body accepted: forms here are small.
const BODY_LIMIT: usize = 64 * 1024;

/// Every route of the server, with its middleware. Tests drive this directly.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/set-password",
            get(set_password::form).post(set_password::submit),
        )
        .route("/audit", get(audit::show))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{file}", get(assets::serve));
    if state.config.demo {
        router = router
            .route("/dev/mail", get(dev_mail::list))
            .route("/dev/mail/{id}", get(dev_mail::show));
    }
    if state.config.bench_endpoints {
        router = router.route("/bench/bare", get(|| async { "ok" }));
    }
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::origin_check,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state)
}

async fn not_found() -> WebError {
    WebError::NotFound
}

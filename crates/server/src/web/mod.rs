//! The web layer: routes, pages, middleware. Thin by design: parse the request, call the
//! domain or the store, render. It picks status codes and page shapes; it decides no policy.

mod account;
mod administrations;
mod api;
mod assets;
mod audit;
mod cookies;
mod dashboard;
mod dev_mail;
mod employee;
mod employees;
mod error;
mod extract;
mod forgot;
mod health;
mod ip_addresses;
mod login;
mod login_code;
mod middleware;
mod new_ip;
mod passkeys;
mod reauth;
mod security;
mod security_center;
mod set_password;
mod templates;
mod two_factor;

pub use error::WebError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// Largest request body accepted: forms here are small.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// Every route of the server, with its middleware. Tests drive this directly.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/login/code",
            get(login_code::form).post(login_code::submit),
        )
        .route("/login/new-ip", get(new_ip::waiting))
        .route("/login/new-ip/resend", post(new_ip::resend))
        .route("/new-ip", get(new_ip::link_form).post(new_ip::answer))
        .route("/ip-addresses", get(ip_addresses::list))
        .route(
            "/ip-addresses/{id}",
            get(ip_addresses::show).post(ip_addresses::save),
        )
        .route("/login/passkey/options", post(passkeys::login_options))
        .route("/login/passkey", post(passkeys::login))
        .route("/reauth/passkey/options", post(passkeys::reauth_options))
        .route("/reauth/passkey", post(passkeys::reauth))
        .route("/security/passkeys/new", get(passkeys::new_page))
        .route(
            "/security/passkeys/options",
            post(passkeys::registration_options),
        )
        .route("/security/passkeys", post(passkeys::register))
        .route("/security/passkeys/{id}/rename", post(passkeys::rename))
        .route("/security/passkeys/{id}/delete", post(passkeys::delete))
        .route("/logout", post(login::logout))
        .route(
            "/set-password",
            get(set_password::invitation_form).post(set_password::invitation_submit),
        )
        .route(
            "/reset-password",
            get(set_password::reset_form).post(set_password::reset_submit),
        )
        .route("/forgot-password", get(forgot::form).post(forgot::submit))
        .route("/reauth", get(reauth::form).post(reauth::submit))
        .route("/employees", get(employees::list))
        .route(
            "/employees/new",
            get(employees::new_form).post(employees::create),
        )
        .route("/employees/{id}", get(employee::show))
        .route(
            "/employees/{id}/edit",
            get(employee::edit_form).post(employee::edit),
        )
        .route("/employees/{id}/deactivate", post(employee::deactivate))
        .route("/employees/{id}/reactivate", post(employee::reactivate))
        .route("/employees/{id}/end-sessions", post(employee::end_sessions))
        .route("/employees/{id}/unlock", post(employee::unlock))
        .route("/employees/{id}/invite", post(employee::invite))
        .route("/employees/{id}/security", get(security::show))
        .route("/security/username", post(security::change_username))
        .route("/security/password", post(security::change_password))
        .route(
            "/security/ip-addresses/auto-validate",
            post(security::auto_validate),
        )
        .route("/security/sessions/{id}/end", post(security::end_session))
        .route(
            "/security/sessions/end-others",
            post(security::end_other_sessions),
        )
        .route("/security/two-factor/start", post(two_factor::start))
        .route("/security/two-factor/setup", get(two_factor::setup))
        .route("/security/two-factor/verify", post(two_factor::verify))
        .route(
            "/security/two-factor/recovery-codes",
            post(two_factor::regenerate),
        )
        .route("/security/two-factor/remember", post(two_factor::remember))
        .route("/security/two-factor/off", post(two_factor::turn_off))
        .route("/employees/{id}/reset-two-factor", post(two_factor::reset))
        .route(
            "/security-center",
            get(security_center::show).post(security_center::save),
        )
        .route("/account", get(account::show))
        .route("/account/name", post(account::rename))
        .route("/account/security-code", post(account::change_code))
        .route(
            "/administrations",
            get(administrations::list).post(administrations::create),
        )
        .route("/administrations/{id}", get(administrations::show))
        .route(
            "/administrations/{id}/rename",
            post(administrations::rename),
        )
        .route("/audit", get(audit::show))
        .route("/api/session", get(api::session))
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
        .layer(axum::middleware::from_fn(
            middleware::reject_control_characters,
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

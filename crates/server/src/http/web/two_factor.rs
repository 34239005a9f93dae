//! Two-factor authentication on "Security and login details": turning it on (QR code or key,
//! confirmed by a first code), recovery codes, the 30-day option, turning it off; and an
//! administrator's reset for a user who lost their phone.
//!
//! What must always hold:
//! - every change needs a recent re-authentication; turning it off also needs a current code
//!   and is refused while the account enforces two-factor and the user has no passkey;
//! - a secret only counts once a valid code confirmed it; recovery codes are shown once and
//!   stored hashed;
//! - the user and the account's administrators are told by email when it is turned on, and the
//!   user when it is turned off or reset.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::totp::{self};
use serde::Deserialize;

use super::security::{self, Part, Problems, Shown};
use super::shared::{Confirm, ConfirmForm, confirm_first};
use crate::flows::context::Client;
use crate::flows::credentials::totp::{self as app, Enrollment, OwnCode, TurnOff, secret_of};
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{Nav, form_status, render};
use crate::i18n::{Arg, t, ta};
use crate::state::AppState;

/// Where the tab lives for the current user.
fn tab(user: &CurrentUser) -> String {
    format!("/employees/{}/security", user.user_id)
}

fn back(user: &CurrentUser, done: &str) -> Response {
    security::my_part(user, Part::TwoFactor, done).into_response()
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /security/two-factor/start`: a new, unconfirmed secret.
pub async fn start(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    user.require_recent_auth(state.clock.now(), &tab(&user))?;
    if !app::start_enrollment(&user.acting(&state, &client), &user.user_id).await? {
        return Err(WebError::Conflict(t("problem-two-factor-already-on")));
    }
    Ok(Redirect::to("/security/two-factor/setup").into_response())
}

#[derive(Template)]
#[template(path = "two_factor_setup.html")]
struct SetupPage {
    t: crate::i18n::Tr,
    nav: Nav,
    qr_svg: String,
    key: String,
    error: Option<String>,
}

/// The issuer shown in authenticator apps.
fn issuer(account_name: &str) -> String {
    format!("Portcullis ({account_name})")
}

async fn setup_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
) -> Result<Response, WebError> {
    let row = state
        .store
        .totp(&user.account_id, &user.user_id)
        .await?
        .filter(|row| row.confirmed_at.is_none());
    let Some(row) = row else {
        return Ok(Redirect::to(&tab(user)).into_response());
    };
    let secret = secret_of(state, &user.user_id, &row.secret_enc)
        .ok_or_else(|| WebError::Internal("the enrollment secret cannot be read".into()))?;
    let uri = totp::otpauth_uri(&issuer(&user.account_name), &user.username, &secret);
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| WebError::Internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    let status = form_status(error.is_some());
    let page = SetupPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, "security"),
        // The XML declaration is not allowed inside HTML.
        qr_svg: qr_svg
            .split_once("?>")
            .map_or(qr_svg.clone(), |(_, svg)| svg.to_string()),
        key: secret.grouped(),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /security/two-factor/setup`: the QR code, the key and the code field.
pub async fn setup(State(state): State<AppState>, user: CurrentUser) -> Result<Response, WebError> {
    user.require_recent_auth(state.clock.now(), &tab(&user))?;
    setup_page(&state, &user, None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    t: crate::i18n::Tr,
    nav: Nav,
    codes: Vec<String>,
    download: String,
    first_time: bool,
}

/// Shows a new set of recovery codes, once.
fn recovery_codes_page(
    state: &AppState,
    user: &CurrentUser,
    codes: Vec<String>,
    first_time: bool,
) -> Result<Response, WebError> {
    let text = format!(
        "{}\n{}\n\n{}\n",
        ta(
            "recovery-codes-print-heading",
            &[
                ("username", Arg::from(&user.username)),
                ("account", Arg::from(&user.account_name)),
            ],
        ),
        t("recovery-codes-file-hint"),
        codes.join("\n")
    );
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    );
    render(&RecoveryCodesPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, "security"),
        codes,
        download,
        first_time,
    })
}

/// `POST /security/two-factor/verify`: the first code confirms the enrollment.
pub async fn verify(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    user.require_recent_auth(state.clock.now(), &tab(&user))?;
    let row = user.me(&state).await?;
    match app::confirm_enrollment(&user.acting(&state, &client), &row, &form.code).await? {
        Enrollment::On(codes) => recovery_codes_page(&state, &user, codes, true),
        Enrollment::NotStarted => Ok(Redirect::to(&tab(&user)).into_response()),
        Enrollment::WrongCode => {
            setup_page(&state, &user, Some(t("problem-setup-code-wrong"))).await
        }
    }
}

/// `POST /security/two-factor/recovery-codes`: a new set; the old one stops working.
pub async fn regenerate(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, WebError> {
    user.require_recent_auth(state.clock.now(), &tab(&user))?;
    if !form.confirmed() {
        return confirm_first(
            &state,
            &user,
            "security",
            Confirm {
                title: t("confirm-recovery-codes-title"),
                what: t("confirm-recovery-codes"),
                action: "/security/two-factor/recovery-codes".into(),
                button: t("recovery-codes-new"),
                back: tab(&user),
            },
        );
    }
    match app::replace_recovery_codes(&user.acting(&state, &client), &user.user_id).await? {
        Some(codes) => recovery_codes_page(&state, &user, codes, false),
        None => Err(WebError::Conflict(t("problem-recovery-codes-off"))),
    }
}

#[derive(Deserialize)]
pub struct RememberForm {
    #[serde(default)]
    remember: Option<String>,
}

/// `POST /security/two-factor/remember`: the 30-day option.
pub async fn remember(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<RememberForm>,
) -> Result<Response, WebError> {
    let remember = form.remember.is_some();
    app::set_remember(&user.acting(&state, &client), &user.user_id, remember).await?;
    Ok(back(&user, "saved"))
}

/// `POST /security/two-factor/off`: needs a current code, and is refused while the account
/// enforces two-factor authentication.
pub async fn turn_off(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    user.require_recent_auth(state.clock.now(), &tab(&user))?;
    let row = user.me(&state).await?;
    let code = match app::turn_off(&user.acting(&state, &client), &row, &form.code).await? {
        TurnOff::Off => return Ok(back(&user, "two-factor-off")),
        TurnOff::Enforced => {
            return Err(WebError::Conflict(ta(
                "problem-two-factor-enforced",
                &[("account", Arg::from(&user.account_name))],
            )));
        }
        TurnOff::Code(code) => code,
    };
    let (status, problem) = match code {
        OwnCode::Accepted | OwnCode::NoApp => {
            return Ok(Redirect::to(&tab(&user)).into_response());
        }
        OwnCode::Wrong => (StatusCode::CONFLICT, t("problem-turn-off-code-wrong")),
        OwnCode::WaitForNextCode => (StatusCode::TOO_MANY_REQUESTS, t("problem-turn-off-wait")),
        OwnCode::Locked => (StatusCode::TOO_MANY_REQUESTS, t("problem-turn-off-locked")),
    };
    // The two-factor page again, the problem beside the code field.
    let shown = Shown {
        problems: Problems {
            two_factor: Some(problem),
            ..Problems::default()
        },
        ..Shown::part(Part::TwoFactor)
    };
    let mut response = security::page(&state, &user, &row, shown).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// `POST /employees/{id}/reset-two-factor` (administrators): for a user who lost their phone.
pub async fn reset(
    State(state): State<AppState>,
    admin: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, WebError> {
    admin.require_administrator()?;
    let row = admin.user_named(&state, &id).await?;
    let now = state.clock.now();
    admin.require_recent_auth(now, &format!("/employees/{}/security", row.id))?;
    if !form.confirmed() {
        return confirm_first(
            &state,
            &admin,
            "employees",
            Confirm {
                title: ta(
                    "confirm-reset-two-factor-title",
                    &[("name", Arg::from(row.display_name()))],
                ),
                what: ta(
                    "confirm-reset-two-factor",
                    &[("username", Arg::from(&row.username))],
                ),
                action: format!("/employees/{}/reset-two-factor", row.id),
                button: t("two-factor-reset-button"),
                back: format!("/employees/{}/security", row.id),
            },
        );
    }
    app::reset(&admin.acting(&state, &client), &row).await?;
    Ok(Redirect::to(&format!(
        "/employees/{}/security/two-factor?done=two-factor-reset",
        row.id
    ))
    .into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .post("/security/two-factor/start", start)
        .get("/security/two-factor/setup", setup)
        .post("/security/two-factor/verify", verify)
        .post("/security/two-factor/recovery-codes", regenerate)
        .post("/security/two-factor/remember", remember)
        .post("/security/two-factor/off", turn_off)
        .post("/employees/{id}/reset-two-factor", reset)
}

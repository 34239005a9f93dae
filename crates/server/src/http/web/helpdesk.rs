//! The helpdesk console, for the platform's operators: its own login (password, then a
//! required second factor — an authenticator app or a passkey, chosen and set up at the first
//! login), its own session cookie, and — in an account whose grant is active — a read-only
//! view of the users with the few things the helpdesk may do: reset lost factors, unlock a
//! username, send a new invitation.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::ids::AccountId;
use portcullis_core::{ids, token};
use portcullis_store::{OperatorSession, UserQuery};
use secrecy::SecretString;
use serde::Deserialize;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::flows::FlowError;
use crate::flows::context::{Acting, Client};
use crate::flows::helpdesk::{self, CodeStep, Factors, OperatorLogin};
use crate::flows::people::users::{self, Invited};
use crate::http::ApiError;
use crate::http::extract::{CsrfForm, csrf_header, read_json};
use crate::http::routes::Routes;
use crate::http::templates::{format_time, format_time_or_never, render};
use crate::http::{WebError, cookies};
use crate::i18n::{self, Arg, Words, t, ta};
use crate::state::AppState;

/// The operator of a request, with the hash of their session's token.
struct Console {
    session: OperatorSession,
    token_hash: String,
}

/// The operator session of a request: `verified` pages need the second factor passed; the
/// code step needs a session that waits for it. Anything else goes to the helpdesk's login.
async fn console(state: &AppState, jar: &CookieJar, verified: bool) -> Result<Console, WebError> {
    let to_login = || WebError::HelpdeskLogin;
    let token = cookies::operator_token(&state.config, jar).ok_or_else(to_login)?;
    if !token::looks_like_token(&token) {
        return Err(to_login());
    }
    let token_hash = token::hash_token(&token);
    let session = helpdesk::resume(state, &token_hash)
        .await?
        .ok_or_else(to_login)?;
    if verified && !session.verified {
        return Err(WebError::HelpdeskCode);
    }
    Ok(Console {
        session,
        token_hash,
    })
}

/// The operator's session CSRF token, checked in constant time.
fn check_csrf(console: &Console, sent: &str) -> Result<(), WebError> {
    let expected = console.session.csrf_token.as_bytes();
    if !sent.is_empty() && token::constant_time_eq(expected, sent.as_bytes()) {
        Ok(())
    } else {
        Err(WebError::Forbidden(t("problem-form-csrf")))
    }
}

#[derive(Template)]
#[template(path = "helpdesk.html")]
struct HelpdeskPage {
    t: crate::i18n::Tr,
    view: &'static str,
    csrf: String,
    operator: Option<String>,
    error: Option<String>,
    notice: Option<String>,
    /// The code step: the QR code and key when the app is being set up.
    setup: Option<(String, String)>,
    search: String,
    accounts: Vec<(String, String, String)>,
    account: Option<(String, String)>,
    users: Vec<HelpdeskUser>,
    /// The next page of an account's users: after this username.
    next: Option<String>,
    /// The code step: the operator's factors, and whether passkeys work on this server.
    has_app: bool,
    has_passkeys: bool,
    passkeys_available: bool,
}

impl HelpdeskPage {
    fn new(view: &'static str, csrf: String) -> HelpdeskPage {
        HelpdeskPage {
            t: crate::i18n::reader(),
            view,
            csrf,
            operator: None,
            error: None,
            notice: None,
            setup: None,
            search: String::new(),
            accounts: Vec::new(),
            account: None,
            users: Vec::new(),
            next: None,
            has_app: false,
            has_passkeys: false,
            passkeys_available: false,
        }
    }
}

/// A user as the helpdesk sees them.
pub struct HelpdeskUser {
    pub id: String,
    pub name: String,
    pub username: String,
    pub role: String,
    pub last_login: String,
    pub two_factor: bool,
    pub passkeys: u32,
    pub invited: bool,
    pub locked: bool,
    pub status: String,
    pub logged_in: bool,
    pub confirms_new_ips: bool,
    pub email_check: String,
}

/// Users per page of an account in the console.
const PAGE_SIZE: i64 = 100;

/// The email check in words (the overview's column).
fn email_check_words(check: &portcullis_store::EmailCheck) -> String {
    use portcullis_store::EmailCheckState;
    match check.state {
        EmailCheckState::NotChecked => t("email-check-not-yet"),
        EmailCheckState::Clean => t("email-check-clean"),
        EmailCheckState::Breached => ta(
            "email-check-breached",
            &[("count", Arg::from(check.breaches))],
        ),
        EmailCheckState::Failed => t("email-check-failed"),
    }
}

/// `GET /helpdesk/login`.
pub async fn login_form(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    Ok((jar, render(&HelpdeskPage::new("login", csrf))?).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /helpdesk/login`: the password step.
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    match helpdesk::log_in(
        &state,
        &form.username,
        SecretString::from(form.password),
        &client,
    )
    .await
    .map_err(WebError::from)?
    {
        OperatorLogin::Waiting(session_token) => {
            let jar = jar.add(cookies::operator_session(&state.config, session_token));
            Ok((jar, Redirect::to("/helpdesk/login/code")).into_response())
        }
        OperatorLogin::Refused => {
            let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
            let mut page = HelpdeskPage::new("login", csrf);
            page.error = Some(t("helpdesk-login-refused"));
            Ok((StatusCode::UNAUTHORIZED, jar, render(&page)?).into_response())
        }
    }
}

/// The code step's page: the operator's passkey and/or code field; for an operator without a
/// second factor, the choice of setting up the app (QR code and key) or a passkey.
async fn code_page(
    state: &AppState,
    console: &Console,
    error: Option<String>,
) -> Result<Response, WebError> {
    let operator = &console.session.operator;
    let mut page = HelpdeskPage::new("code", console.session.csrf_token.clone());
    page.operator = Some(operator.username.clone());
    page.has_app = operator.totp_confirmed_at.is_some();
    page.has_passkeys = !state
        .store
        .operator_passkeys(&operator.id)
        .await?
        .is_empty();
    page.passkeys_available = state.webauthn.is_some();
    if !page.has_app && !page.has_passkeys {
        let secret = helpdesk::setup_secret(state, operator).await?;
        let uri =
            portcullis_core::totp::otpauth_uri("Portcullis helpdesk", &operator.username, &secret);
        let svg = qrcode::QrCode::new(uri.as_bytes())
            .map_err(|e| WebError::Internal(format!("QR code: {e}")))?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build();
        let svg = svg
            .split_once("?>")
            .map_or(svg.clone(), |(_, s)| s.to_string());
        page.setup = Some((svg, secret.grouped()));
    }
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    page.error = error;
    Ok((status, render(&page)?).into_response())
}

/// `GET /helpdesk/login/code`.
pub async fn code_form(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let console = console(&state, &jar, false).await?;
    if console.session.verified {
        return Ok(Redirect::to("/helpdesk").into_response());
    }
    code_page(&state, &console, None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /helpdesk/login/code`.
pub async fn code(
    State(state): State<AppState>,
    jar: CookieJar,
    axum::Form(form): axum::Form<CodeForm>,
) -> Result<Response, WebError> {
    let console = console(&state, &jar, false).await?;
    check_csrf(&console, &form.csrf)?;
    match helpdesk::check_code(&state, &console.session, &console.token_hash, &form.code).await? {
        CodeStep::Verified(fresh) => {
            let jar = jar.add(cookies::operator_session(&state.config, fresh));
            Ok((jar, Redirect::to("/helpdesk")).into_response())
        }
        CodeStep::Wrong => code_page(&state, &console, Some(t("problem-login-code-wrong"))).await,
        CodeStep::Locked => {
            let jar = cookies::clear_operator(&state.config, jar);
            Ok((jar, Redirect::to("/helpdesk/login")).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    /// The page of an account's users: after this username.
    after: Option<String>,
    done: Option<String>,
}

/// `GET /helpdesk`: the accounts whose grant lets the helpdesk in, searched by name or code.
pub async fn accounts(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let console = console(&state, &jar, true).await?;
    if query.q.chars().count() > 100 {
        return Err(WebError::BadRequest(t("problem-overview-filter")));
    }
    let found = helpdesk::granted_accounts(&state, &query.q).await?;
    let mut page = HelpdeskPage::new("accounts", console.session.csrf_token.clone());
    page.operator = Some(console.session.operator.username.clone());
    page.search = query.q;
    page.notice = query.done.as_deref().and_then(done_text);
    page.accounts = found
        .into_iter()
        .map(|a| (a.id, a.name, format_time(a.expires_at)))
        .collect();
    render(&page)
}

fn done_text(code: &str) -> Option<String> {
    Some(match code {
        "reset" => t("helpdesk-done-reset"),
        "unlocked" => t("flash-unlocked"),
        "invited" => t("flash-invited"),
        "invite-failed" => t("flash-invite-failed"),
        "passkey-added" => t("helpdesk-passkey-added"),
        _ => return None,
    })
}

/// The account behind a URL, when its grant lets this operator in; else "not found".
async fn let_in(
    state: &AppState,
    console: &Console,
    id: &str,
) -> Result<(portcullis_core::access::Actor, AccountId, String), WebError> {
    if !ids::looks_like_id(id) {
        return Err(WebError::NotFound);
    }
    helpdesk::let_in(state, &console.session.operator, id)
        .await?
        .ok_or(WebError::NotFound)
}

/// The context of the helpdesk's work in an account that let it in.
fn acting<'a>(
    state: &'a AppState,
    actor: &'a portcullis_core::access::Actor,
    account_id: &'a AccountId,
    account_name: &'a str,
    client: &'a Client,
) -> Acting<'a> {
    Acting {
        state,
        actor,
        account_id,
        account_name,
        client,
        now: state.clock.now(),
    }
}

/// `GET /helpdesk/accounts/{id}`: the account's users, read-only, with the helpdesk's actions.
pub async fn account(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let console = console(&state, &jar, true).await?;
    let (actor, account_id, account_name) = let_in(&state, &console, &id).await?;
    let acting = acting(&state, &actor, &account_id, &account_name, &client);
    helpdesk::record_view(&acting, None, "users").await?;
    let now = state.clock.now();
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    let rows = state
        .store
        .list_users(
            &account_id,
            &UserQuery {
                search: &query.q,
                after,
                limit: PAGE_SIZE + 1,
            },
        )
        .await?;
    // What the Security center's overview says of the same users: logged in now, whether new
    // IP addresses are confirmed by email, and the email check.
    let policy = state
        .store
        .account(&account_id)
        .await?
        .ok_or(WebError::NotFound)?
        .policy;
    let limits = state.config.session;
    let states: std::collections::HashMap<String, portcullis_store::OverviewRow> = state
        .store
        .security_overview(
            &account_id,
            portcullis_store::OverviewContext {
                block_new_ips: policy.block_new_ips,
                idle_cutoff: now.minus(limits.idle),
                absolute_cutoff: now.minus(limits.absolute),
            },
            &portcullis_store::OverviewQuery {
                search: &query.q,
                after: after.map(|key| portcullis_store::OverviewCursor {
                    last_login: 0,
                    username_key: key.to_string(),
                }),
                limit: PAGE_SIZE + 1,
                ..portcullis_store::OverviewQuery::default()
            },
        )
        .await?
        .into_iter()
        .map(|row| (row.user.id.clone(), row))
        .collect();
    let next = (rows.len() as i64 > PAGE_SIZE)
        .then(|| rows.get(PAGE_SIZE as usize - 1))
        .flatten()
        .map(|r| portcullis_core::username::key(&r.user.username));
    let mut page = HelpdeskPage::new("account", console.session.csrf_token.clone());
    page.operator = Some(console.session.operator.username.clone());
    page.search = query.q.clone();
    page.notice = query.done.as_deref().and_then(done_text);
    page.account = Some((account_id.to_string(), account_name));
    page.next = next;
    page.users = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| HelpdeskUser {
            logged_in: states.get(&r.user.id).is_some_and(|s| s.live_sessions > 0),
            confirms_new_ips: states.get(&r.user.id).is_none_or(|s| s.confirms_new_ips),
            email_check: states
                .get(&r.user.id)
                .map_or_else(String::new, |s| email_check_words(&s.email_check)),
            two_factor: r.factors.has_second_factor(),
            passkeys: r.factors.passkeys,
            invited: r.user.password_hash.is_none(),
            locked: r.locked_at.is_some(),
            status: super::employees::status_of(&r.user, r.locked_at.is_some(), now).0,
            last_login: format_time_or_never(r.user.last_login_at),
            role: r.user.kind.words(),
            name: r.user.display_name().to_string(),
            username: r.user.username,
            id: r.user.id,
        })
        .collect();
    render(&page)
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    which: String,
    #[serde(default)]
    reason: String,
}

/// `POST /helpdesk/accounts/{id}/users/{user}/{action}`: reset lost factors (with how the
/// person was verified), unlock the username, or send a new invitation.
pub async fn act(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Path((id, user_id, action)): Path<(String, String, String)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Result<Response, WebError> {
    let console = console(&state, &jar, true).await?;
    check_csrf(&console, &form.csrf)?;
    let (actor, account_id, account_name) = let_in(&state, &console, &id).await?;
    if !ids::looks_like_id(&user_id) {
        return Err(WebError::NotFound);
    }
    let target = state
        .store
        .user(&account_id, &user_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let acting = acting(&state, &actor, &account_id, &account_name, &client);
    let done = match action.as_str() {
        "reset-factors" => {
            let which = Factors::parse(&form.which)
                .ok_or_else(|| WebError::BadRequest(t("problem-overview-filter")))?;
            let reason = form.reason.trim();
            if reason.is_empty() || reason.chars().count() > helpdesk::MAX_REASON_CHARS {
                return Err(WebError::BadRequest(ta(
                    "problem-helpdesk-reason",
                    &[("max", Arg::from(helpdesk::MAX_REASON_CHARS))],
                )));
            }
            helpdesk::reset_factors(&acting, &target, which, reason).await?;
            "reset"
        }
        "unlock" => {
            users::unlock(&acting, &target).await?;
            "unlocked"
        }
        "invite" => match users::invite(&acting, &target)
            .await
            .map_err(FlowError::from)?
        {
            Invited::Sent => "invited",
            Invited::NotSent => "invite-failed",
            Invited::HasPassword => {
                return Err(WebError::Conflict(i18n::ta(
                    "problem-already-has-password",
                    &[("username", Arg::from(&target.username))],
                )));
            }
        },
        _ => return Err(WebError::NotFound),
    };
    Ok(Redirect::to(&format!("/helpdesk/accounts/{account_id}?done={done}")).into_response())
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /helpdesk/logout`.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    axum::Form(form): axum::Form<LogoutForm>,
) -> Result<Response, WebError> {
    let console = console(&state, &jar, false).await?;
    check_csrf(&console, &form.csrf)?;
    state
        .store
        .end_operator_session(&console.token_hash)
        .await?;
    let jar = cookies::clear_operator(&state.config, jar);
    Ok((jar, Redirect::to("/helpdesk/login")).into_response())
}

/// A JSON call of the code step's passkey ceremonies: the operator's session waiting for its
/// second factor, the `X-CSRF-Token` header checked against it, and the body.
pub struct WaitingJson<T> {
    console: Console,
    body: T,
}

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for WaitingJson<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(request.headers());
        let console = match console(state, &jar, false).await {
            Ok(console) if !console.session.verified => console,
            Ok(_) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    t("helpdesk-already-in"),
                ));
            }
            Err(WebError::HelpdeskLogin) => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    t("api-login-required"),
                ));
            }
            Err(other) => return Err(other.into()),
        };
        check_csrf(&console, csrf_header(request.headers()))
            .map_err(|_| ApiError::new(StatusCode::FORBIDDEN, t("problem-json-csrf")))?;
        let body = read_json(request, state).await?;
        Ok(WaitingJson { console, body })
    }
}

fn redirect_json(to: &str) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "redirect": to }))
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /helpdesk/login/passkey/options`: starts the second factor with a passkey.
pub async fn passkey_step_options(
    State(state): State<AppState>,
    WaitingJson { console, .. }: WaitingJson<Empty>,
) -> Result<Response, ApiError> {
    let ceremony = helpdesk::begin_passkey_step(&state, &console.session.operator).await?;
    Ok(Json(ceremony).into_response())
}

#[derive(Deserialize)]
pub struct Assertion {
    ceremony: String,
    credential: PublicKeyCredential,
}

/// `POST /helpdesk/login/passkey`: finishes it; the verified session gets a new token.
pub async fn passkey_step(
    State(state): State<AppState>,
    jar: CookieJar,
    WaitingJson { console, body }: WaitingJson<Assertion>,
) -> Result<Response, ApiError> {
    let fresh = helpdesk::finish_passkey_step(
        &state,
        &console.session,
        &console.token_hash,
        &body.ceremony,
        &body.credential,
    )
    .await?;
    let jar = jar.add(cookies::operator_session(&state.config, fresh));
    Ok((jar, redirect_json("/helpdesk")).into_response())
}

/// Refuses a passkey setup by an operator who already has a second factor: they prove
/// themselves with it at the code step instead.
async fn only_without_factor(state: &AppState, console: &Console) -> Result<(), ApiError> {
    if helpdesk::has_no_factor(state, &console.session.operator).await? {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            t("helpdesk-passkey-setup-only"),
        ))
    }
}

/// `POST /helpdesk/passkeys/options`: starts creating the first passkey of an operator
/// without a second factor.
pub async fn passkey_setup_options(
    State(state): State<AppState>,
    WaitingJson { console, .. }: WaitingJson<Empty>,
) -> Result<Response, ApiError> {
    only_without_factor(&state, &console).await?;
    let ceremony = helpdesk::begin_passkey_registration(&state, &console.session.operator).await?;
    Ok(Json(ceremony).into_response())
}

#[derive(Deserialize)]
pub struct Registration {
    ceremony: String,
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// `POST /helpdesk/passkeys`: stores that passkey; it is the second factor of this login too.
pub async fn passkey_setup(
    State(state): State<AppState>,
    jar: CookieJar,
    WaitingJson { console, body }: WaitingJson<Registration>,
) -> Result<Response, ApiError> {
    only_without_factor(&state, &console).await?;
    helpdesk::finish_passkey_registration(
        &state,
        &console.session.operator,
        &body.ceremony,
        &body.credential,
        &body.name,
    )
    .await?;
    let fresh = helpdesk::verify_after_setup(&state, &console.token_hash).await?;
    let jar = jar.add(cookies::operator_session(&state.config, fresh));
    Ok((jar, redirect_json("/helpdesk?done=passkey-added")).into_response())
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/helpdesk/login", login_form)
        .post("/helpdesk/login", login)
        .post("/helpdesk/login/passkey/options", passkey_step_options)
        .post("/helpdesk/login/passkey", passkey_step)
        .post("/helpdesk/passkeys/options", passkey_setup_options)
        .post("/helpdesk/passkeys", passkey_setup)
        .get("/helpdesk/login/code", code_form)
        .post("/helpdesk/login/code", code)
        .get("/helpdesk", accounts)
        .get("/helpdesk/accounts/{id}", account)
        .post("/helpdesk/accounts/{id}/users/{user}/{action}", act)
        .post("/helpdesk/logout", logout)
}

//! Forward-auth: a reverse proxy asks about every request to the app behind it, and Portcullis
//! answers by the session cookie and the access rules, in Authelia's conventions so that the
//! usual proxy configurations work:
//! - `GET /api/authz/forward-auth` (Caddy, Traefik): the request in `X-Forwarded-Method`,
//!   `-Proto`, `-Host`, `-Uri`; 200, or 302/303 to the login for a browser, 401 otherwise, 403.
//! - `GET /api/authz/auth-request` (nginx): the request in `X-Original-URL` and
//!   `X-Original-Method`; 200, 401 with the login's address in `Location`, or 403.
//!
//! The `X-Forwarded-*`/`X-Original-*` headers are believed only from `--trusted-proxies`; from
//! anyone else the request is judged as what it is, a request to Portcullis itself.
//!
//! Also here: the step-up page (a session that proved one factor gives the one the rule asks
//! for) and the page that sends a browser back to the app after its login.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::forward_auth::{self as rules, Decision, Level, Policy, Target, Who};
use portcullis_core::{login, token};
use portcullis_store::ActiveSession;
use serde::Deserialize;
use url::Url;

use crate::flows;
use crate::flows::context::Client;
use crate::flows::credentials::totp::OwnCode;
use crate::flows::login::reauth::{self, StepUp};
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{Nav, render};
use crate::http::{WebError, cookies};
use crate::i18n::t;
use crate::infra::client_ip::normalize;
use crate::state::AppState;

/// The two conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Convention {
    /// Caddy, Traefik: `X-Forwarded-*`; a browser is redirected.
    ForwardAuth,
    /// nginx `auth_request`: `X-Original-*`; 401 with `Location` (a subrequest cannot redirect).
    AuthRequest,
}

/// The request the proxy asks about.
struct Asked {
    /// Its full address (sent back to after the login).
    url: Url,
    /// Its method.
    method: String,
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// What the request asks about: from the proxy's headers when it is a trusted proxy, else the
/// request itself. `Err` names a header a trusted proxy left out or garbled.
fn asked(
    state: &AppState,
    peer: IpAddr,
    headers: &HeaderMap,
    convention: Convention,
    own_path: &str,
) -> Result<Asked, &'static str> {
    let peer = normalize(peer);
    let trusted = state
        .config
        .trusted_proxies
        .iter()
        .any(|net| net.contains(&peer));
    if !trusted {
        let url = state
            .config
            .public_url
            .join(own_path)
            .map_err(|_| "the request's own address")?;
        return Ok(Asked {
            url,
            method: "GET".into(),
        });
    }
    match convention {
        Convention::ForwardAuth => {
            let proto = header_str(headers, "x-forwarded-proto").unwrap_or("https");
            if proto != "http" && proto != "https" {
                return Err("X-Forwarded-Proto");
            }
            let host = header_str(headers, "x-forwarded-host").ok_or("X-Forwarded-Host")?;
            let uri = header_str(headers, "x-forwarded-uri").unwrap_or("/");
            if !uri.starts_with('/') {
                return Err("X-Forwarded-Uri");
            }
            let url =
                Url::parse(&format!("{proto}://{host}{uri}")).map_err(|_| "X-Forwarded-Host")?;
            Ok(Asked {
                url,
                method: header_str(headers, "x-forwarded-method")
                    .unwrap_or("GET")
                    .to_ascii_uppercase(),
            })
        }
        Convention::AuthRequest => {
            let url = header_str(headers, "x-original-url")
                .and_then(|u| Url::parse(u).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or("X-Original-URL")?;
            Ok(Asked {
                url,
                method: header_str(headers, "x-original-method")
                    .unwrap_or("GET")
                    .to_ascii_uppercase(),
            })
        }
    }
}

/// The raw path of a request as the proxy sent it (before `Url` resolved anything in it), for
/// the rules' own normalisation.
fn raw_path(headers: &HeaderMap, convention: Convention, url: &Url) -> String {
    let raw = match convention {
        Convention::ForwardAuth => header_str(headers, "x-forwarded-uri").map(str::to_string),
        Convention::AuthRequest => header_str(headers, "x-original-url").and_then(|u| {
            // Everything after scheme://authority.
            let rest = u.split_once("://")?.1;
            Some(
                rest.find('/')
                    .map_or("/".to_string(), |i| rest[i..].to_string()),
            )
        }),
    };
    raw.unwrap_or_else(|| url.path().to_string())
}

/// A logged-in user as the rules see them, with what the headers say about them.
struct Known {
    session: ActiveSession,
    administrations: Vec<String>,
    /// The account asks for two-factor and they have none yet: only set-up is open to them.
    restricted: bool,
}

async fn known(state: &AppState, headers: &HeaderMap) -> Result<Option<Known>, WebError> {
    let Some(token) = cookies::session_token_in(&state.config, headers) else {
        return Ok(None);
    };
    if !token::looks_like_token(&token) {
        return Ok(None);
    }
    let Some((session, administrations)) =
        flows::session::resume_with_administrations(state, &token::hash_token(&token)).await?
    else {
        return Ok(None);
    };
    let restricted = login::restricted(
        session.factors,
        portcullis_core::login::AccountPolicy {
            enforce_two_factor: session.enforce_two_factor,
            ..Default::default()
        },
    );
    Ok(Some(Known {
        session,
        administrations,
        restricted,
    }))
}

/// A header value with control characters left out (names are typed by people).
fn header_value(text: &str) -> Option<HeaderValue> {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    HeaderValue::from_str(&clean).ok()
}

/// The 200 answer: who the user is, for the app behind the proxy.
fn allowed(known: &Known) -> Response {
    let s = &known.session;
    let name = if s.name.is_empty() {
        &s.username
    } else {
        &s.name
    };
    let mut groups = vec![s.kind.as_str().to_string()];
    groups.extend(known.administrations.iter().map(|a| a.replace(',', " ")));
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    for (header, value) in [
        ("remote-user", s.username.as_str()),
        ("remote-name", name.as_str()),
        ("remote-email", s.email.as_str()),
        ("remote-groups", groups.join(",").as_str()),
        ("remote-account", s.account_name.as_str()),
        ("remote-account-id", s.account_id.as_str()),
    ] {
        if let Some(value) = header_value(value) {
            headers.insert(HeaderName::from_static(header), value);
        }
    }
    response
}

/// Whether the asking browser takes a page (a redirect makes sense), by its `Accept`.
fn wants_html(headers: &HeaderMap) -> bool {
    header_str(headers, "accept").is_some_and(|a| a.contains("text/html"))
}

/// Where to send someone who must log in (or step up) first, with the way back.
fn detour(state: &AppState, path: &str, extra: &[(&str, &str)], back: &Url) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in extra {
        query.append_pair(name, value);
    }
    query.append_pair("rd", back.as_str());
    state.config.link(&format!("{path}?{}", query.finish()))
}

fn send_to(
    convention: Convention,
    headers: &HeaderMap,
    asked: &Asked,
    location: String,
) -> Response {
    let Ok(location_value) = HeaderValue::from_str(&location) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let status = match convention {
        Convention::AuthRequest => StatusCode::UNAUTHORIZED,
        Convention::ForwardAuth if !wants_html(headers) => StatusCode::UNAUTHORIZED,
        Convention::ForwardAuth if matches!(asked.method.as_str(), "GET" | "HEAD") => {
            StatusCode::FOUND
        }
        Convention::ForwardAuth => StatusCode::SEE_OTHER,
    };
    let mut response = status.into_response();
    if status != StatusCode::UNAUTHORIZED || convention == Convention::AuthRequest {
        response
            .headers_mut()
            .insert(header::LOCATION, location_value);
    }
    response
}

async fn check(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    convention: Convention,
    own_path: &str,
) -> Result<Response, WebError> {
    let asked = match asked(&state, peer.ip(), &headers, convention, own_path) {
        Ok(asked) => asked,
        Err(missing) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                format!("forward-auth: the proxy sent no usable {missing} header"),
            )
                .into_response());
        }
    };
    let host = rules::host_only(asked.url.host_str().unwrap_or_default());
    let Some(path) = rules::normalise_path(&raw_path(&headers, convention, &asked.url)) else {
        return Ok(no_store(denied()));
    };
    let known = known(&state, &headers).await?;
    let who = known.as_ref().map(|k| Who {
        account_id: &k.session.account_id,
        kind: k.session.kind,
        administrations: &k.administrations,
        level: if k.restricted {
            // Not yet allowed anything but setting up a second factor.
            Level::OneFactor
        } else {
            Level::of(k.session.login_method)
        },
    });
    let rules = state.access_rules.current();
    let decision = rules::decide(
        &rules,
        Target {
            host: &host,
            path: &path,
        },
        who.as_ref(),
    );
    let response = match (decision, &known) {
        (Decision::Allow, Some(known)) if !known.restricted => allowed(known),
        (Decision::Allow | Decision::StepUp(_), Some(_)) => {
            let need = match decision {
                Decision::StepUp(Policy::Passkey) => "passkey",
                _ => "two_factor",
            };
            let to = detour(&state, "/login/step-up", &[("need", need)], &asked.url);
            send_to(convention, &headers, &asked, to)
        }
        (Decision::LogIn, _) | (Decision::Allow | Decision::StepUp(_), None) => {
            let to = detour(&state, "/login", &[], &asked.url);
            send_to(convention, &headers, &asked, to)
        }
        (Decision::Deny, _) => denied(),
    };
    Ok(no_store(response))
}

/// 403, with a line a person can read in their browser's language (a proxy shows it as it is;
/// an empty error page is shown by browsers as a network failure).
fn denied() -> Response {
    (
        StatusCode::FORBIDDEN,
        format!("403 {}\n", t("forward-auth-denied")),
    )
        .into_response()
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /api/authz/forward-auth`.
pub async fn forward_auth(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    check(
        state,
        peer,
        headers,
        Convention::ForwardAuth,
        "/api/authz/forward-auth",
    )
    .await
}

/// `GET /api/authz/auth-request`.
pub async fn auth_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    check(
        state,
        peer,
        headers,
        Convention::AuthRequest,
        "/api/authz/auth-request",
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Step-up and the way back

#[derive(Template)]
#[template(path = "step_up.html")]
struct StepUpPage {
    t: crate::i18n::Tr,
    nav: Nav,
    /// `app` (the code form, maybe a passkey too), `passkey` (a passkey only), `missing` (the
    /// factor asked for is not set up), `return` (back to the app).
    view: &'static str,
    need: &'static str,
    host: String,
    back: String,
    has_passkey: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct StepUpQuery {
    #[serde(default)]
    need: String,
    #[serde(default)]
    rd: String,
}

fn need_of(text: &str) -> Policy {
    if text == "passkey" {
        Policy::Passkey
    } else {
        Policy::TwoFactor
    }
}

fn need_name(policy: Policy) -> &'static str {
    if policy == Policy::Passkey {
        "passkey"
    } else {
        "two_factor"
    }
}

/// Whether the session already has what `need` asks.
fn satisfies(user: &CurrentUser, need: Policy) -> bool {
    need.satisfied_by(Level::of(user.login_method))
}

/// The address to go back to, if it is one a login may return to.
fn checked_return(state: &AppState, rd: &str) -> Option<Url> {
    Url::parse(rd)
        .ok()
        .filter(|u| state.config.may_return_to(u))
}

fn step_up_page(
    state: &AppState,
    user: &CurrentUser,
    need: Policy,
    back: Option<&str>,
    error: Option<String>,
) -> StepUpPage {
    let has_passkey = state.webauthn.is_some() && user.factors.passkeys > 0;
    let view = match need {
        Policy::Passkey if has_passkey => "passkey",
        _ if need != Policy::Passkey && user.factors.totp => "app",
        _ if need != Policy::Passkey && has_passkey => "passkey",
        _ => "missing",
    };
    let host = back
        .and_then(|b| Url::parse(b).ok())
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| t("step-up-this-app"));
    StepUpPage {
        t: crate::i18n::reader(),
        nav: Nav::new(state, user, ""),
        view,
        need: need_name(need),
        host,
        back: String::new(),
        has_passkey,
        error,
    }
}

/// `GET /login/step-up?need=two_factor|passkey&rd=URL`: asks for the missing factor only.
pub async fn step_up_form(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(query): Query<StepUpQuery>,
) -> Result<Response, WebError> {
    let need = need_of(&query.need);
    let jar = remember_return(&state, jar, Some(&query.rd));
    if satisfies(&user, need) {
        return Ok((jar, Redirect::to("/login/return")).into_response());
    }
    let back = cookies::return_to_value(&state.config, &jar);
    let page = step_up_page(&state, &user, need, back.as_deref(), None);
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct StepUpForm {
    #[serde(default)]
    need: String,
    #[serde(default)]
    code: String,
}

/// `POST /login/step-up`: the authenticator app's code.
pub async fn step_up_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<StepUpForm>,
) -> Result<Response, WebError> {
    let need = need_of(&form.need);
    let me = user.me(&state).await?;
    let typed: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let refused = if need == Policy::Passkey {
        // A code does not make a passkey login.
        OwnCode::Wrong
    } else {
        match reauth::step_up_with_app_code(
            &user.acting(&state, &client),
            &user.own_session(),
            &me,
            &typed,
        )
        .await?
        {
            StepUp::Raised(session_token) => {
                let jar = jar.add(cookies::session(&state.config, session_token));
                return Ok((jar, Redirect::to("/login/return")).into_response());
            }
            StepUp::Refused(why) => why,
        }
    };
    let error = match refused {
        OwnCode::Accepted | OwnCode::Wrong | OwnCode::NoApp => t("problem-step-up-code-wrong"),
        OwnCode::WaitForNextCode => t("problem-step-up-wait"),
        OwnCode::Locked => t("problem-step-up-locked"),
    };
    let back = cookies::return_to_value(&state.config, &jar);
    let page = step_up_page(&state, &user, need, back.as_deref(), Some(error));
    Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
}

/// `GET /login/step-up/done?need=…`: where the passkey confirmation lands.
pub async fn step_up_done(
    user: CurrentUser,
    Query(query): Query<StepUpQuery>,
) -> Result<Response, WebError> {
    let need = need_of(&query.need);
    let to = if satisfies(&user, need) {
        "/login/return".to_string()
    } else {
        format!("/login/step-up?need={}", need_name(need))
    };
    Ok(Redirect::to(&to).into_response())
}

/// `GET /login/return`: back to the app the login was for. A page with the link (followed at
/// once by script), because the answer to a form may not redirect to another site under this
/// server's Content-Security-Policy.
pub async fn back_to_app(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let back =
        cookies::return_to_value(&state.config, &jar).and_then(|rd| checked_return(&state, &rd));
    let jar = cookies::clear_return_to(&state.config, jar);
    let Some(back) = back else {
        return Ok((jar, Redirect::to("/")).into_response());
    };
    let page = StepUpPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, ""),
        view: "return",
        need: "two_factor",
        host: back.host_str().unwrap_or_default().to_string(),
        back: back.to_string(),
        has_passkey: false,
        error: None,
    };
    Ok((
        jar,
        [
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        render(&page)?,
    )
        .into_response())
}

/// Remembers a checked `rd` for after the login (the login page's `?rd=`).
pub fn remember_return(state: &AppState, jar: CookieJar, rd: Option<&str>) -> CookieJar {
    match rd.and_then(|rd| checked_return(state, rd)) {
        Some(url) => jar.add(cookies::return_to(&state.config, url.as_str())),
        None => jar,
    }
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/api/authz/forward-auth", forward_auth)
        .get("/api/authz/auth-request", auth_request)
        .get("/login/step-up", step_up_form)
        .post("/login/step-up", step_up_submit)
        .get("/login/step-up/done", step_up_done)
        .get("/login/return", back_to_app)
}

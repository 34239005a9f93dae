//! The OpenID Connect provider's endpoints: discovery, JWKS, authorization (with Portcullis's own
//! login in between, and consent), token and userinfo.
//!
//! Errors follow the specifications: an unknown client or redirect URI gets a page and no
//! redirect (sending a browser to an unchecked address would make Portcullis an open redirector);
//! every other authorization error goes back to the app's redirect URI with `error`, `state` and
//! `iss`; the token endpoint answers RFC 6749 5.2 JSON with `Cache-Control: no-store`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis_core::Timestamp;
use portcullis_core::oidc::{self as rules, LoginNeed, Prompt, Scopes};
use portcullis_core::token;
use portcullis_store::OidcClient;
use serde_json::json;

use crate::flows::context::Client;
use crate::flows::oidc::{self, Authorized, ClientAuth, TokenRefusal, Tokens};
use crate::http::extract::CurrentUser;
use crate::http::routes::Routes;
use crate::http::templates::render;
use crate::http::{WebError, cookies};
use crate::i18n::{Arg, t, ta};
use crate::infra::jwt::Alg;
use crate::state::AppState;

/// The longest authorization request kept while the user logs in (it rides in a cookie).
const MAX_REQUEST: usize = 3000;

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(state): State<AppState>) -> Response {
    let iss = oidc::issuer(&state);
    let body = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/userinfo"),
        "jwks_uri": format!("{iss}/oauth2/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": Alg::ALL.map(Alg::as_str),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "account", "offline_access"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "azp",
            "name", "preferred_username", "email", "email_verified",
            "account_id", "account_name", "user_kind", "administrations"
        ],
        "acr_values_supported": ["pwd", "mfa", "phr"],
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["en", "nl"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "userinfo_signing_alg_values_supported": [],
    });
    (
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        )],
        Json(body),
    )
        .into_response()
}

/// `GET /oauth2/jwks`.
pub async fn jwks(State(state): State<AppState>) -> Result<Response, WebError> {
    let keys = oidc::jwks(&state)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        )],
        Json(keys),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "oidc.html")]
struct OidcPage {
    t: crate::i18n::Tr,
    view: &'static str,
    title: String,
    message: String,
    app: String,
    scopes: Vec<String>,
    /// The request's parameters, carried through the consent form.
    fields: Vec<(String, String)>,
    csrf: String,
}

fn page(view: &'static str, title: String, message: String) -> OidcPage {
    OidcPage {
        t: crate::i18n::reader(),
        view,
        title,
        message,
        app: String::new(),
        scopes: Vec::new(),
        fields: Vec::new(),
        csrf: String::new(),
    }
}

/// The page for a request that cannot go back to the app (unknown client or redirect URI).
fn no_redirect(message: String) -> Result<Response, WebError> {
    let page = page("error", t("oidc-error-title"), message);
    Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response())
}

/// An authorization request's parameters, each given once at most.
struct Params(BTreeMap<String, String>, bool);

impl Params {
    fn parse(raw: &str) -> Params {
        let mut map = BTreeMap::new();
        let mut repeated = false;
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if map.insert(key.into_owned(), value.into_owned()).is_some() {
                repeated = true;
            }
        }
        Params(map, repeated)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// How the browser goes back to the app: a redirect, or — when the request is the answer of a
/// form (the login page, the consent page) — a page that follows the link itself, since this
/// server's `form-action 'self'` forbids a form's answer to redirect to another site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Back {
    Redirect,
    Page,
}

/// Sends the browser back to the app with `query` added to its redirect URI (and `iss`, RFC 9207).
fn back_to_app(
    state: &AppState,
    app: &OidcClient,
    redirect_uri: &str,
    query: &[(&str, &str)],
    how: Back,
) -> Result<Response, WebError> {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return Ok(StatusCode::BAD_REQUEST.into_response());
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in query {
            pairs.append_pair(name, value);
        }
        pairs.append_pair("iss", &oidc::issuer(state));
    }
    if how == Back::Redirect {
        return Ok(Redirect::to(url.as_str()).into_response());
    }
    let mut page = page(
        "redirect",
        ta("oidc-back-title", &[("app", Arg::from(app.name.as_str()))]),
        t("oidc-back-intro"),
    );
    page.app = app.name.clone();
    page.fields = vec![(String::new(), url.to_string())];
    Ok((
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

/// `GET /oauth2/authorize`.
pub async fn authorize_get(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    client: Client,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    authorize(
        &state,
        user,
        &client,
        jar,
        &query.unwrap_or_default(),
        None,
        false,
    )
    .await
}

/// `POST /oauth2/authorize` (the app's form post, or the consent form).
pub async fn authorize_post(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    client: Client,
    jar: CookieJar,
    body: String,
) -> Result<Response, WebError> {
    authorize(&state, user, &client, jar, &body, None, true).await
}

/// `GET /oauth2/authorize/continue`: the request that waited for the user to log in.
pub async fn authorize_continue(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    client: Client,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let waiting = cookies::oidc_request_value(&state.config, &jar);
    let jar = cookies::clear_oidc_request(&state.config, jar);
    let Some((fresh_since, raw)) = waiting.as_deref().and_then(decode_waiting) else {
        return Ok((jar, Redirect::to("/")).into_response());
    };
    authorize(&state, user, &client, jar, &raw, Some(fresh_since), false).await
}

fn encode_waiting(fresh_since: Timestamp, raw: &str) -> String {
    format!("{}.{}", fresh_since.millis(), URL_SAFE_NO_PAD.encode(raw))
}

fn decode_waiting(value: &str) -> Option<(Timestamp, String)> {
    let (at, raw) = value.split_once('.')?;
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    Some((Timestamp(at.parse().ok()?), raw))
}

/// The scopes in words, for the consent page.
fn scope_words(scopes: Scopes) -> Vec<String> {
    let mut words = vec![t("oidc-scope-openid")];
    if scopes.profile {
        words.push(t("oidc-scope-profile"));
    }
    if scopes.email {
        words.push(t("oidc-scope-email"));
    }
    if scopes.account {
        words.push(t("oidc-scope-account"));
    }
    if scopes.offline_access {
        words.push(t("oidc-scope-offline"));
    }
    words
}

#[allow(clippy::too_many_lines)]
async fn authorize(
    state: &AppState,
    user: Option<CurrentUser>,
    from: &Client,
    jar: CookieJar,
    raw: &str,
    fresh_since: Option<Timestamp>,
    posted: bool,
) -> Result<Response, WebError> {
    if raw.len() > MAX_REQUEST {
        return no_redirect(t("oidc-error-too-long"));
    }
    let params = Params::parse(raw);
    // Until the client and its redirect URI are known, nothing goes back to anyone.
    let Some(client_id) = params.get("client_id").filter(|c| c.len() <= 100) else {
        return no_redirect(t("oidc-error-no-client"));
    };
    let Some(app) = state.store.oidc_client(client_id).await? else {
        return no_redirect(t("oidc-error-no-client"));
    };
    let Some(redirect_uri) = params
        .get("redirect_uri")
        .filter(|uri| rules::redirect_uri_matches(uri, &app.redirect_uris))
    else {
        return no_redirect(t("oidc-error-redirect-uri"));
    };
    let app_state = params.get("state");
    let how = if posted || fresh_since.is_some() {
        Back::Page
    } else {
        Back::Redirect
    };
    let fail = |error: &str, description: &str| {
        let mut query = vec![("error", error), ("error_description", description)];
        if let Some(s) = app_state {
            query.push(("state", s));
        }
        back_to_app(state, &app, redirect_uri, &query, how)
    };
    if params.1 {
        return fail("invalid_request", "a parameter was given more than once");
    }
    if params.get("request").is_some() {
        return fail("request_not_supported", "request objects are not supported");
    }
    if params.get("request_uri").is_some() {
        return fail("request_uri_not_supported", "request_uri is not supported");
    }
    match params.get("response_type") {
        None => return fail("invalid_request", "response_type is missing"),
        Some("code") => {}
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is supported",
            );
        }
    }
    let Ok(scopes) = Scopes::parse(params.get("scope").unwrap_or_default()) else {
        return fail("invalid_scope", "the scope must include openid");
    };
    let challenge = params.get("code_challenge").unwrap_or_default();
    if params.get("code_challenge_method") != Some("S256")
        || !rules::valid_code_challenge(challenge)
    {
        return fail(
            "invalid_request",
            "PKCE is required: send code_challenge with code_challenge_method=S256",
        );
    }
    let Some(prompt) = Prompt::parse(params.get("prompt").unwrap_or_default()) else {
        return fail(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        );
    };
    let max_age = match params.get("max_age").map(str::parse::<u64>) {
        None => None,
        Some(Ok(seconds)) => Some(seconds),
        Some(Err(_)) => return fail("invalid_request", "max_age must be a number of seconds"),
    };
    let nonce = params.get("nonce").filter(|n| n.len() <= 500);

    let now = state.clock.now();
    let need = rules::login_need(
        user.as_ref().map(|u| u.reauth_at),
        prompt,
        max_age,
        now,
        fresh_since,
    );
    let user = match (need, user) {
        (LoginNeed::Enough, Some(user)) => user,
        (LoginNeed::LoginRequired, _) => {
            return fail("login_required", "the user is not logged in");
        }
        _ => {
            // Log in first, then come back here with this very request.
            let since = if prompt.login || max_age.is_some() {
                now
            } else {
                Timestamp(0)
            };
            let jar = jar.add(cookies::oidc_request(
                &state.config,
                encode_waiting(since, raw),
            ));
            let login = match params.get("login_hint").filter(|h| h.len() <= 100) {
                Some(hint) => format!(
                    "/login?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("login_hint", hint)
                        .finish()
                ),
                None => "/login".to_string(),
            };
            return Ok((jar, Redirect::to(&login)).into_response());
        }
    };

    // An app of one account admits only that account's users.
    if app
        .account_id
        .as_deref()
        .is_some_and(|only| only != user.account_id.as_str())
    {
        let page = page(
            "wrong-account",
            t("oidc-wrong-account-title"),
            ta(
                "oidc-wrong-account",
                &[
                    ("app", Arg::from(app.name.as_str())),
                    ("account", Arg::from(user.account_name.as_str())),
                ],
            ),
        );
        return Ok((StatusCode::FORBIDDEN, render(&page)?).into_response());
    }

    // Consent: first-party apps need none; others once per scope, unless asked again.
    if !app.first_party {
        let given = state
            .store
            .consent(&user.user_id, &app.client_id)
            .await?
            .and_then(|s| Scopes::parse(&s).ok());
        let covered = given.is_some_and(|g| scopes.within(g)) && !prompt.consent;
        let answered = posted
            && params.get("csrf").is_some_and(|sent| {
                token::constant_time_eq(sent.as_bytes(), user.csrf_token.as_bytes())
            });
        match (covered, answered, params.get("consent")) {
            (true, _, _) => {}
            (false, true, Some("allow")) => {
                oidc::grant_consent(&user.acting(state, from), &user.user_id, &app, scopes).await?;
            }
            (false, true, Some("deny")) => {
                return fail("access_denied", "the user did not allow it");
            }
            (false, _, _) if prompt.none => {
                return fail("consent_required", "the user has not allowed this app yet");
            }
            (false, _, _) => return consent_page(&app, scopes, &params, &user),
        }
    }

    let method = user.login_method;
    let code = oidc::issue_code(
        state,
        &Authorized {
            client: &app,
            session_id: &user.session_id,
            account_id: &user.account_id,
            user_id: &user.user_id,
            redirect_uri,
            scopes,
            nonce,
            code_challenge: challenge,
            auth_time: user.reauth_at,
            method,
        },
    )
    .await?;
    oidc::record_authorization(&user.acting(state, from), &user.user_id, &app).await?;
    let mut query = vec![("code", code.as_str())];
    if let Some(s) = app_state {
        query.push(("state", s));
    }
    Ok((jar, back_to_app(state, &app, redirect_uri, &query, how)?).into_response())
}

fn consent_page(
    app: &OidcClient,
    scopes: Scopes,
    params: &Params,
    user: &CurrentUser,
) -> Result<Response, WebError> {
    let mut page = page(
        "consent",
        ta(
            "oidc-consent-title",
            &[("app", Arg::from(app.name.as_str()))],
        ),
        ta(
            "oidc-consent-intro",
            &[
                ("app", Arg::from(app.name.as_str())),
                ("name", Arg::from(user.display_name.as_str())),
            ],
        ),
    );
    page.app = app.name.clone();
    page.scopes = scope_words(scopes);
    page.fields = params
        .0
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "consent"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    page.csrf = user.csrf_token.clone();
    render(&page)
}

/// A token endpoint error (RFC 6749 5.2).
fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"portcullis\""),
        );
    }
    response
}

/// `client_secret_basic`: the client id and secret from the Authorization header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    // RFC 6749 2.3.1: both are form-urlencoded before they are put together.
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// `POST /oauth2/token`.
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, WebError> {
    if body.len() > 8 * 1024 {
        return Ok(token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "too long",
        ));
    }
    let params = Params::parse(&body);
    if params.1 {
        return Ok(token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "a parameter was given more than once",
        ));
    }
    let basic = basic_credentials(&headers);
    let auth = match (&basic, params.get("client_id"), params.get("client_secret")) {
        (Some(_), _, Some(_)) => {
            return Ok(token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use one client authentication method",
            ));
        }
        (Some((id, secret)), _, None) => ClientAuth::Secret {
            client_id: id,
            secret,
        },
        (None, Some(id), Some(secret)) => ClientAuth::Secret {
            client_id: id,
            secret,
        },
        (None, Some(id), None) => ClientAuth::None { client_id: id },
        (None, None, _) => {
            return Ok(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the client is not authenticated",
            ));
        }
    };
    let Some(app) = oidc::authenticate_client(&state, &auth).await? else {
        return Ok(token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        ));
    };
    let outcome = match params.get("grant_type") {
        Some("authorization_code") => {
            oidc::exchange_code(
                &state,
                &app,
                params.get("code").unwrap_or_default(),
                params.get("redirect_uri").unwrap_or_default(),
                params.get("code_verifier").unwrap_or_default(),
            )
            .await
        }
        Some("refresh_token") => {
            oidc::refresh(
                &state,
                &app,
                params.get("refresh_token").unwrap_or_default(),
            )
            .await
        }
        Some(_) => {
            return Ok(token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "authorization_code and refresh_token are supported",
            ));
        }
        None => {
            return Ok(token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            ));
        }
    }
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(match outcome {
        Ok(tokens) => tokens_response(tokens),
        Err(TokenRefusal::InvalidGrant) => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code or refresh token is invalid, expired, used or not this client's",
        ),
        Err(TokenRefusal::InvalidRequest) => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the code or refresh token is missing",
        ),
    })
}

fn tokens_response(tokens: Tokens) -> Response {
    let mut body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "id_token": tokens.id_token,
        "scope": tokens.scope,
    });
    if let (Some(refresh), Some(map)) = (tokens.refresh_token, body.as_object_mut()) {
        map.insert("refresh_token".into(), json!(refresh));
    }
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        Json(body),
    )
        .into_response()
}

/// The bearer token of a userinfo request: the Authorization header, or (POST) the form body.
fn bearer(headers: &HeaderMap, body: Option<&str>) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_string());
    }
    Params::parse(body?).get("access_token").map(str::to_string)
}

async fn userinfo(state: &AppState, token: Option<String>) -> Result<Response, WebError> {
    let unauthorized = |error: &str| {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_str(&format!("Bearer error=\"{error}\""))
                    .unwrap_or(HeaderValue::from_static("Bearer")),
            )],
        )
            .into_response()
    };
    let Some(token) = token.filter(|t| t.len() <= 8 * 1024) else {
        return Ok(unauthorized("invalid_request"));
    };
    match oidc::userinfo(state, &token)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
    {
        Some(claims) => Ok((
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(claims),
        )
            .into_response()),
        None => Ok(unauthorized("invalid_token")),
    }
}

/// `GET /oauth2/userinfo`.
pub async fn userinfo_get(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    userinfo(&state, bearer(&headers, None)).await
}

/// `POST /oauth2/userinfo`.
pub async fn userinfo_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, WebError> {
    userinfo(&state, bearer(&headers, Some(&body))).await
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/.well-known/openid-configuration", discovery)
        .get("/oauth2/jwks", jwks)
        .get("/oauth2/authorize", authorize_get)
        .post("/oauth2/authorize", authorize_post)
        .get("/oauth2/authorize/continue", authorize_continue)
        .post("/oauth2/token", token)
        .get("/oauth2/userinfo", userinfo_get)
        .post("/oauth2/userinfo", userinfo_post)
}

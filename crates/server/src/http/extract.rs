//! Extractors: who is asking (the session), from where (client IP), and CSRF-checked forms.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use portcullis_core::access::{Actor, Member};
use portcullis_core::ids::{AccountId, UserId};
use portcullis_core::login::{self, AccountPolicy};
use portcullis_core::session::{self};
use portcullis_core::user::{User, UserKind};
use portcullis_core::{Timestamp, token};
use serde::de::DeserializeOwned;

use super::cookies;
use super::{ApiError, WebError};
use crate::flows;
use crate::flows::context::Acting;
use crate::flows::context::Client;
use crate::flows::people::users;
use crate::flows::session::OwnSession;
use crate::i18n::{Tr, t, ta};
use crate::infra::client_ip::client_ip;
use crate::state::AppState;

/// Longest User-Agent kept.
const MAX_USER_AGENT: usize = 512;

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(MAX_USER_AGENT)
            .collect();
        let held_session =
            cookies::session_token(&state.config, &CookieJar::from_headers(&parts.headers))
                .filter(|t| token::looks_like_token(t))
                .map(|t| token::hash_token(&t));
        Ok(Client {
            ip: client_ip(peer, &forwarded, &state.config.trusted_proxies),
            user_agent,
            held_session,
        })
    }
}

/// The logged-in user of a request. Extracting it checks the session cookie, the idle and
/// absolute timeouts, and that the user may still log in; otherwise the request is sent to the
/// login page.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// SHA-256 of the session token.
    pub token_hash: String,
    /// The session's public id (to tell "this browser" apart in the session list).
    pub session_id: String,
    /// When the user last proved who they are in this session (login or re-authentication).
    pub reauth_at: Timestamp,
    /// The user's account.
    pub account_id: AccountId,
    /// The account's name.
    pub account_name: String,
    /// The user.
    pub user_id: UserId,
    /// The user's username.
    pub username: String,
    /// How to greet the user: their name, else their username.
    pub display_name: String,
    /// What the user may do.
    pub kind: UserKind,
    /// Who acts in this request: the user, in their account.
    pub actor: Actor,
    /// The session's CSRF token, for forms.
    pub csrf_token: String,
    /// The account enforces two-factor authentication and this user has no second factor yet:
    /// only the pages that set one up are open.
    pub restricted: bool,
    /// The user's second factors.
    pub factors: portcullis_core::user::Factors,
    /// How this session's login proved who it was.
    pub login_method: portcullis_core::session::LoginMethod,
    /// The client an accountant works in (the accountancy portal), while their firm's link
    /// and their assignment last.
    pub client: Option<portcullis_store::SessionClient>,
}

impl axum::extract::OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    /// The logged-in user, or `None` without a session (pages that serve both).
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(user) => Ok(Some(user)),
            Err(WebError::LoginRequired) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

/// The CSRF token of the request's session, left by [`CurrentUser`] for the form and JSON
/// extractors that come after it.
#[derive(Debug, Clone)]
struct SessionCsrf(String);

/// Whether a restricted session may open `path`: the user's own security settings, the steps
/// that set up a factor, re-authentication, logout, and the session's own description.
fn open_while_restricted(path: &str, user_id: &str) -> bool {
    let own_security = format!("/employees/{user_id}/security");
    path == own_security
        || path
            .strip_prefix(own_security.as_str())
            .is_some_and(|part| part.starts_with('/'))
        || path == "/api/session"
        || path.starts_with("/security/")
        || path == "/reauth"
        || path.starts_with("/reauth/")
        || path == "/logout"
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = cookies::session_token(&state.config, &jar).ok_or(WebError::LoginRequired)?;
        if !token::looks_like_token(&token) {
            return Err(WebError::LoginRequired);
        }
        let token_hash = token::hash_token(&token);
        let session = flows::session::resume(state, &token_hash)
            .await?
            .ok_or(WebError::LoginRequired)?;
        crate::i18n::set_reader(Tr::for_person(
            session.language,
            crate::i18n::browser_language().0,
            session.account_language,
            &session.time_zone,
        ));
        let display_name = if session.name.is_empty() {
            session.username.clone()
        } else {
            session.name.clone()
        };
        let user = CurrentUser {
            token_hash,
            display_name,
            session_id: session.id,
            reauth_at: session.reauth_at,
            actor: Actor::Member(Member {
                account_id: AccountId::from_stored(session.account_id.clone()),
                user_id: UserId::from_stored(session.user_id.clone()),
                username: session.username.clone(),
                kind: session.kind,
            }),
            kind: session.kind,
            account_id: AccountId::from_stored(session.account_id),
            account_name: session.account_name,
            user_id: UserId::from_stored(session.user_id),
            username: session.username,
            csrf_token: session.csrf_token,
            factors: session.factors,
            login_method: session.login_method,
            client: session.client,
            restricted: login::restricted(
                session.factors,
                AccountPolicy {
                    enforce_two_factor: session.enforce_two_factor,
                    ..AccountPolicy::default()
                },
            ),
        };
        if user.restricted && !open_while_restricted(parts.uri.path(), &user.user_id) {
            return Err(WebError::SetUpTwoFactor(user.user_id.to_string()));
        }
        parts
            .extensions
            .insert(SessionCsrf(user.csrf_token.clone()));
        Ok(user)
    }
}

impl CurrentUser {
    /// Those who administer the account only; anyone else gets "not found", as if the page did
    /// not exist.
    pub fn require_administrator(&self) -> Result<(), WebError> {
        if self.actor.administers(&self.account_id) {
            Ok(())
        } else {
            Err(WebError::NotFound)
        }
    }

    /// This user as stored now; gone (deleted since the session began) means logged out.
    pub async fn me(&self, state: &AppState) -> Result<User, WebError> {
        state
            .store
            .user(&self.account_id, &self.user_id)
            .await?
            .ok_or(WebError::LoginRequired)
    }

    /// The user a URL names, if this user may act on them (administrators: everyone in their
    /// account; others: themselves). Anything else is "not found".
    pub async fn user_named(&self, state: &AppState, id: &str) -> Result<User, WebError> {
        users::user_for(state, &self.actor, &self.account_id, id)
            .await?
            .ok_or(WebError::NotFound)
    }

    /// The session this request came with, for the flows that change it.
    pub fn own_session(&self) -> OwnSession<'_> {
        OwnSession {
            token_hash: &self.token_hash,
            id: &self.session_id,
        }
    }

    /// The context of a flow this user runs in their account.
    pub fn acting<'a>(&'a self, state: &'a AppState, client: &'a Client) -> Acting<'a> {
        Acting {
            state,
            actor: &self.actor,
            account_id: &self.account_id,
            account_name: &self.account_name,
            client,
            now: state.clock.now(),
        }
    }

    /// Sensitive changes need a login or re-authentication in the last ten minutes; otherwise
    /// the user is sent to confirm their password and then back to `return_to`.
    pub fn require_recent_auth(&self, now: Timestamp, return_to: &str) -> Result<(), WebError> {
        if session::reauth_is_recent(self.reauth_at, now) {
            Ok(())
        } else {
            Err(WebError::ReauthRequired(return_to.to_string()))
        }
    }
}

/// A form whose `csrf` field was checked: against the session's token when the handler also
/// extracts [`CurrentUser`] (list that first), else against the pre-login CSRF cookie.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = match request.extensions().get::<SessionCsrf>() {
            Some(SessionCsrf(token)) => Some(token.clone()),
            None => cookies::csrf_token(&state.config, &CookieJar::from_headers(request.headers())),
        };
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(WebError::BadRequest(t("problem-form-expected")));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| WebError::BadRequest(t("problem-form-too-large")))?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&body)
            .map_err(|_| WebError::BadRequest(t("problem-form-unreadable")))?;
        let valid = expected.is_some_and(|expected| {
            !expected.is_empty()
                && token::constant_time_eq(expected.as_bytes(), sent.csrf.as_bytes())
        });
        if !valid {
            return Err(WebError::Forbidden(t("problem-form-csrf")));
        }
        // serde_html_form reads repeated fields (checkbox lists) into Vecs.
        serde_html_form::from_bytes(&body)
            .map(CsrfForm)
            .map_err(|e| {
                WebError::BadRequest(ta(
                    "problem-form-incomplete",
                    &[("why", crate::i18n::Arg::from(e.to_string()))],
                ))
            })
    }
}

/// A JSON body (the passkey ceremonies' `fetch` calls) whose `X-CSRF-Token` header was checked
/// like a form's `csrf` field: against the session's token when the handler also extracts
/// [`CurrentUser`] (list that first), else against the pre-login CSRF cookie.
#[derive(Debug)]
pub struct CsrfJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = match request.extensions().get::<SessionCsrf>() {
            Some(SessionCsrf(token)) => Some(token.clone()),
            None => cookies::csrf_token(&state.config, &CookieJar::from_headers(request.headers())),
        };
        let sent = csrf_header(request.headers()).to_string();
        let valid = expected.is_some_and(|expected| {
            !expected.is_empty() && token::constant_time_eq(expected.as_bytes(), sent.as_bytes())
        });
        if !valid {
            return Err(ApiError::new(StatusCode::FORBIDDEN, t("problem-json-csrf")));
        }
        read_json(request, state).await.map(CsrfJson)
    }
}

/// The `X-CSRF-Token` header of a request, empty when there is none.
pub fn csrf_header(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A request's JSON body: `application/json`, within the body limit, readable as `T`.
pub async fn read_json<T: DeserializeOwned>(
    request: Request,
    state: &AppState,
) -> Result<T, ApiError> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            t("problem-json-expected"),
        ));
    }
    let body = Bytes::from_request(request, state)
        .await
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, t("problem-json-too-large")))?;
    serde_json::from_slice(&body)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, t("problem-json-unreadable")))
}

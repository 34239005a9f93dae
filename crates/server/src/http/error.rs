//! Errors as pages. Every failure a request can meet becomes a clear page with the right
//! status; unexpected ones become a generic 500 that shows the request id, while the cause goes
//! to the log (never to the page).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_store::StoreError;

use crate::flows::FlowError;
use crate::i18n::t;

use super::middleware::current_request_id;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such page, or an id that is not the caller's to see.
    #[error("not found")]
    NotFound,
    /// The address exists, for another method (a form's address opened as a page).
    #[error("method not allowed")]
    WrongMethod,
    /// The request is malformed; the message says what to fix.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The change cannot be made in the current state; the message says why and what to do.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A state-changing request without a valid CSRF token or from another site.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The page needs a logged-in user.
    #[error("login required")]
    LoginRequired,
    /// The account enforces two-factor authentication and this user has none yet: every page
    /// leads to their security settings (holds the user id).
    #[error("two-factor authentication must be set up first")]
    SetUpTwoFactor(String),
    /// A helpdesk page without a live operator session: to the helpdesk's login.
    #[error("helpdesk login required")]
    HelpdeskLogin,
    /// A helpdesk page whose session has not passed its second factor yet.
    #[error("helpdesk second factor required")]
    HelpdeskCode,
    /// A sensitive change needs a recent re-authentication; then continue at this local path.
    #[error("re-authentication required")]
    ReauthRequired(String),
    /// Hashing capacity is exhausted; retry after this many seconds.
    #[error("busy")]
    Busy,
    /// Too many attempts: a limit holds; the message says what to wait for.
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// Something unexpected; the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
    /// The database failed (or, for `StoreError::NotFound`, the row is not there or is another
    /// account's: answered as [`WebError::NotFound`]). The cause is kept for the log.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A flow failed; the cause is kept for the log.
    #[error(transparent)]
    Flow(#[from] FlowError),
}

impl WebError {
    /// The same error with its cause boiled down to what the answer depends on: a missing row
    /// is "not found", exhausted hashing is "busy", anything else stays as it is.
    pub(crate) fn settled(self) -> WebError {
        match self {
            WebError::Store(StoreError::NotFound)
            | WebError::Flow(FlowError::Store(StoreError::NotFound)) => WebError::NotFound,
            WebError::Flow(FlowError::Busy) => WebError::Busy,
            other => other,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: crate::i18n::Tr,
    title: &'a str,
    message: &'a str,
    request_id: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let this = self.settled();
        let (status, title, message) = match &this {
            WebError::LoginRequired => return Redirect::to("/login").into_response(),
            WebError::HelpdeskLogin => return Redirect::to("/helpdesk/login").into_response(),
            WebError::HelpdeskCode => return Redirect::to("/helpdesk/login/code").into_response(),
            WebError::SetUpTwoFactor(user_id) => {
                return Redirect::to(&format!(
                    "/employees/{user_id}/security?why=two-factor-required"
                ))
                .into_response();
            }
            WebError::ReauthRequired(return_to) => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", return_to)
                    .finish();
                return Redirect::to(&format!("/reauth?{query}")).into_response();
            }
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                t("error-not-found-title"),
                t("error-not-found"),
            ),
            WebError::WrongMethod => (
                StatusCode::METHOD_NOT_ALLOWED,
                t("error-wrong-method-title"),
                t("error-wrong-method"),
            ),
            WebError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                t("error-bad-request-title"),
                why.clone(),
            ),
            WebError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                t("error-forbidden-title"),
                why.clone(),
            ),
            WebError::Conflict(why) => {
                (StatusCode::CONFLICT, t("error-conflict-title"), why.clone())
            }
            WebError::TooManyRequests(why) => (
                StatusCode::TOO_MANY_REQUESTS,
                t("error-too-many-title"),
                why.clone(),
            ),
            WebError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                t("error-busy-title"),
                t("error-busy"),
            ),
            WebError::Internal(_) | WebError::Store(_) | WebError::Flow(_) => {
                // The whole chain, for whoever reads the log; the page shows the request id.
                tracing::error!(cause = ?this, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t("error-internal-title"),
                    t("error-internal"),
                )
            }
        };
        let page = ErrorPage {
            t: crate::i18n::reader(),
            title: &title,
            message: &message,
            request_id: current_request_id(),
        };
        let body = page.render().unwrap_or_else(|_| message.clone());
        let mut response = (status, axum::response::Html(body)).into_response();
        if matches!(this, WebError::Busy) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

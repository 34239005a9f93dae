//! Errors as JSON, for every JSON route (the passkey ceremonies' `fetch` calls, `/api/session`,
//! and the API to come): `{"error": "<what happened and what to do>", "request_id": "<id>"}`
//! with the right status. Like the HTML error pages, an unexpected failure shows only a generic
//! message and the request id, while the cause goes to the log.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::WebError;
use super::extract::CurrentUser;
use super::middleware::current_request_id;
use crate::flows::credentials::passkeys::PasskeyError;
use crate::i18n::{Words, t};
use crate::state::AppState;

/// A JSON route's failure.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Seconds after which a retry may succeed (`Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    /// A failure with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same failure, telling the client when to try again.
    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds.max(1));
        self
    }

    fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, t("api-internal"))
    }
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        match e.settled() {
            WebError::LoginRequired => {
                ApiError::new(StatusCode::UNAUTHORIZED, t("api-login-required"))
            }
            WebError::SetUpTwoFactor(_) => {
                ApiError::new(StatusCode::FORBIDDEN, t("api-set-up-two-factor"))
            }
            WebError::ReauthRequired(_) => {
                ApiError::new(StatusCode::FORBIDDEN, t("api-reauth-required"))
            }
            WebError::NotFound | WebError::HelpdeskLogin | WebError::HelpdeskCode => {
                ApiError::new(StatusCode::NOT_FOUND, t("api-not-found"))
            }
            WebError::WrongMethod => {
                ApiError::new(StatusCode::METHOD_NOT_ALLOWED, t("error-wrong-method"))
            }
            WebError::BadRequest(why) => ApiError::new(StatusCode::BAD_REQUEST, why),
            WebError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, why),
            WebError::Conflict(why) => ApiError::new(StatusCode::CONFLICT, why),
            WebError::TooManyRequests(why) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, why),
            WebError::Busy => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, t("error-busy")).retry_after(2)
            }
            cause @ (WebError::Internal(_) | WebError::Store(_) | WebError::Flow(_)) => {
                tracing::error!(cause = ?cause, "request failed");
                ApiError::internal()
            }
        }
    }
}

impl From<PasskeyError> for ApiError {
    fn from(e: PasskeyError) -> ApiError {
        let status = match &e {
            PasskeyError::Store(cause) => {
                tracing::error!(cause = ?cause, "passkey ceremony failed");
                return ApiError::internal();
            }
            PasskeyError::TooMany(seconds) => {
                return ApiError::new(StatusCode::TOO_MANY_REQUESTS, t("passkey-error-too-many"))
                    .retry_after(*seconds);
            }
            PasskeyError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PasskeyError::Expired => StatusCode::GONE,
            PasskeyError::AlreadyRegistered => StatusCode::CONFLICT,
            PasskeyError::BadName(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PasskeyError::Rejected | PasskeyError::CounterRegression | PasskeyError::NoPasskeys => {
                StatusCode::UNAUTHORIZED
            }
        };
        let words = match &e {
            PasskeyError::Unavailable => t("passkeys-unavailable-long"),
            PasskeyError::Expired => t("passkey-error-expired"),
            PasskeyError::Rejected => t("passkey-error-rejected"),
            PasskeyError::CounterRegression => t("passkey-error-counter"),
            PasskeyError::AlreadyRegistered => t("passkey-error-registered"),
            PasskeyError::BadName(problem) => problem.words(),
            PasskeyError::NoPasskeys => t("passkey-error-none"),
            PasskeyError::TooMany(_) | PasskeyError::Store(_) => t("passkey-error-too-many"),
        };
        ApiError::new(status, words)
    }
}

impl From<portcullis_store::StoreError> for ApiError {
    fn from(e: portcullis_store::StoreError) -> ApiError {
        WebError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.message,
            "request_id": current_request_id(),
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The logged-in user of a JSON route: [`CurrentUser`], with its refusals answered as JSON.
#[derive(Debug, Clone)]
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(ApiError::from)
    }
}

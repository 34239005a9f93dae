//! `GET /api/session`: who the session cookie belongs to, as JSON.
//!
//! The cheapest authenticated call there is (one indexed read, no page to render), for
//! applications and reverse proxies that ask Portcullis whether a browser is logged in. It is
//! also what the session-check benchmark measures.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::api_error::ApiUser;
use crate::http::routes::Routes;

#[derive(Serialize)]
struct SessionInfo<'a> {
    session_id: &'a str,
    user_id: &'a str,
    username: &'a str,
    kind: &'a str,
    account_id: &'a str,
    account_name: &'a str,
    /// The account enforces two-factor authentication and the user has not set it up yet:
    /// only their security settings are open to them.
    restricted: bool,
}

/// `GET /api/session`: 200 with the session's user, or 401 with `{"error": …, "request_id": …}`.
pub async fn session(ApiUser(user): ApiUser) -> Response {
    Json(SessionInfo {
        session_id: &user.session_id,
        user_id: &user.user_id,
        username: &user.username,
        kind: user.kind.as_str(),
        account_id: &user.account_id,
        account_name: &user.account_name,
        restricted: user.restricted,
    })
    .into_response()
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/api/session", session)
}

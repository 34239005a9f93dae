//! Static files, compiled into the binary: no CDN, nothing to deploy beside it.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::WebError;
use crate::http::routes::Routes;

const APP_CSS: &str = include_str!("../../static/app.css");
const PASSKEYS_JS: &str = include_str!("../../static/passkeys.js");
const MENU_JS: &str = include_str!("../../static/menu.js");
const COPY_JS: &str = include_str!("../../static/copy.js");
const WAIT_JS: &str = include_str!("../../static/wait.js");
const REDIRECT_JS: &str = include_str!("../../static/redirect.js");

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Result<Response, WebError> {
    let (body, content_type) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "passkeys.js" => (PASSKEYS_JS, "text/javascript; charset=utf-8"),
        "menu.js" => (MENU_JS, "text/javascript; charset=utf-8"),
        "copy.js" => (COPY_JS, "text/javascript; charset=utf-8"),
        "wait.js" => (WAIT_JS, "text/javascript; charset=utf-8"),
        "redirect.js" => (REDIRECT_JS, "text/javascript; charset=utf-8"),
        _ => return Err(WebError::NotFound),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/static/{file}", serve)
}

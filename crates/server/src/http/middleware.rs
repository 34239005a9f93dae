//! Middleware: the request id and log line, security headers, and the Origin check.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use portcullis_core::language::Language;
use tracing::Instrument;

use super::{WebError, cookies};
use crate::i18n::{self, BrowserLanguage};
use crate::state::AppState;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT_REQUEST_ID: String;
}

/// The id of the request being handled (shown on error pages), or `-` outside a request.
pub fn current_request_id() -> String {
    CURRENT_REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_string())
}

/// Gives each request an id — in the `x-request-id` response header, in a tracing span that
/// every log line of the request carries — and logs one line when it completes. Only the path
/// is logged, never the query string: single-use links carry their token there.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let id = portcullis_core::ids::new_id();
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let mut response = CURRENT_REQUEST_ID
        .scope(id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "handled"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}

/// Decides what the browser asks for — a language picked with a page's switch (`?lang=nl`,
/// remembered in a cookie), else the first language of `Accept-Language` that Portcullis
/// speaks — and handles the request in it until the person is known (see `i18n`).
pub async fn language(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let switched = if request.method() == Method::GET {
        request.uri().query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "lang")
                .and_then(|(_, value)| Language::parse(&value))
        })
    } else {
        None
    };
    let chosen = switched.or_else(|| cookies::chosen_language(&state.config, &jar));
    let asked = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::from_accept_language);
    let browser = BrowserLanguage(chosen.or(asked));
    let mut response = i18n::with_browser_language(browser, next.run(request)).await;
    if let Some(language) = switched
        && let Ok(value) =
            HeaderValue::from_str(&cookies::language(&state.config, language).to_string())
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Security headers on every response, in one place.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // `same-origin`, not `no-referrer`: with `no-referrer` browsers send `Origin: null` on form posts,
    // which the Origin check must refuse. Nothing leaves for other sites either way.
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    if !is_static {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    if state.config.is_https() {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    response
}

/// Refuses state-changing requests that a browser says come from another origin. The CSRF token
/// in every form is the main defence; this is the second, independent one. Clients that send
/// neither `Origin` nor `Sec-Fetch-Site` (scripts, curl) still need the token.
pub async fn origin_check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let same_site = match (headers.get(header::ORIGIN), headers.get("sec-fetch-site")) {
        (Some(origin), _) => origin.as_bytes() == state.config.public_origin().as_bytes(),
        (None, Some(site)) => matches!(site.as_bytes(), b"same-origin" | b"none"),
        (None, None) => true,
    };
    if !same_site {
        return WebError::Forbidden(i18n::t("problem-other-site")).into_response();
    }
    next.run(request).await
}

/// What a request with a control character in its text is told.
fn control_character() -> String {
    i18n::t("problem-control-character")
}

/// Whether `c` is a control character that no text field takes: C0 controls other than tab,
/// line feed and carriage return, DEL, and C1 controls. Databases refuse some of them (NUL on
/// PostgreSQL), and none belongs in a name, a code or a password.
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn has_refused_control(text: &str) -> bool {
    text.chars().any(is_refused_control)
}

fn json_has_refused_control(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => has_refused_control(s),
        serde_json::Value::Array(items) => items.iter().any(json_has_refused_control),
        serde_json::Value::Object(fields) => fields
            .iter()
            .any(|(k, v)| has_refused_control(k) || json_has_refused_control(v)),
        _ => false,
    }
}

fn form_has_refused_control(encoded: &[u8]) -> bool {
    url::form_urlencoded::parse(encoded)
        .any(|(k, v)| has_refused_control(&k) || has_refused_control(&v))
}

/// Refuses, with 400 and a message saying what to fix, any request whose query string, form
/// body or JSON body carries a control character: text enters the server only here, so no
/// handler and no database ever sees one (PostgreSQL would refuse a NUL with an error).
pub async fn reject_control_characters(request: Request, next: Next) -> Response {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let refuse = || -> Response {
        if is_json {
            (
                axum::http::StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({ "error": control_character() })),
            )
                .into_response()
        } else {
            WebError::BadRequest(control_character()).into_response()
        }
    };
    if request
        .uri()
        .query()
        .is_some_and(|q| form_has_refused_control(q.as_bytes()))
        || has_refused_control(request.uri().path())
    {
        return refuse();
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form && !is_json {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, super::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                i18n::t("problem-request-too-large"),
            )
                .into_response();
        }
    };
    let refused = if is_json {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(|value| json_has_refused_control(&value))
            .unwrap_or(false)
    } else {
        form_has_refused_control(&bytes)
    };
    if refused {
        return refuse();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_in_forms_json_and_plain_text() {
        assert!(form_has_refused_control(b"username=al%00ice"));
        assert!(form_has_refused_control(b"a=1&b=%1B%5B31m"));
        assert!(form_has_refused_control(b"x=%C2%85"), "a C1 control");
        assert!(!form_has_refused_control(b"note=line%0D%0Anext%09tab"));
        assert!(!form_has_refused_control(b"name=Jos%C3%A9+M%C3%BCller"));
        let json = serde_json::json!({"credential": {"id": "abc", "names": ["ok", "bad\u{0}"]}});
        assert!(json_has_refused_control(&json));
        assert!(!json_has_refused_control(
            &serde_json::json!({"id": "abc-_="})
        ));
    }
}

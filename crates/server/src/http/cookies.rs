//! Every cookie Portcullis sets is built here, and only here.
//!
//! All are HttpOnly and SameSite=Lax with `Path=/`. When the public URL is https they are also
//! `Secure` and carry the `__Host-` prefix, which browsers only accept from a secure origin
//! without a `Domain` attribute, so no sibling subdomain can plant or read them. The session
//! cookie has no expiry: it ends with the browser as well as on the server.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use portcullis_core::language::Language;
use portcullis_core::token;

use crate::infra::config::Config;

const SESSION: &str = "portcullis_session";
const CSRF: &str = "portcullis_csrf";
const PENDING: &str = "portcullis_pending";
const LANGUAGE: &str = "portcullis_language";

fn name(config: &Config, base: &str) -> String {
    if config.is_https() {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

fn build(config: &Config, base: &str, value: String) -> Cookie<'static> {
    Cookie::build((name(config, base), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.is_https())
        .path("/")
        .build()
}

/// The session cookie carrying `token`.
pub fn session(config: &Config, token: String) -> Cookie<'static> {
    build(config, SESSION, token)
}

/// The session token in a request, if any.
pub fn session_token(config: &Config, jar: &CookieJar) -> Option<String> {
    jar.get(&name(config, SESSION))
        .map(|c| c.value().to_string())
}

/// Removes the session cookie.
pub fn clear_session(config: &Config, jar: CookieJar) -> CookieJar {
    jar.remove(build(config, SESSION, String::new()))
}

/// The cookie of a login waiting for its second factor.
pub fn pending(config: &Config, token: String) -> Cookie<'static> {
    build(config, PENDING, token)
}

/// The pending-login token in a request, if any.
pub fn pending_token(config: &Config, jar: &CookieJar) -> Option<String> {
    jar.get(&name(config, PENDING))
        .map(|c| c.value().to_string())
}

/// Removes the pending-login cookie.
pub fn clear_pending(config: &Config, jar: CookieJar) -> CookieJar {
    jar.remove(build(config, PENDING, String::new()))
}

/// The cookie half of the double-submit CSRF token used by forms shown before login.
pub fn csrf(config: &Config, token: String) -> Cookie<'static> {
    build(config, CSRF, token)
}

/// The pre-login CSRF token in a request, if any.
pub fn csrf_token(config: &Config, jar: &CookieJar) -> Option<String> {
    jar.get(&name(config, CSRF)).map(|c| c.value().to_string())
}

/// The CSRF token for a form shown before login: the one the browser already has, or a fresh one
/// added to the jar.
pub fn pre_login_csrf(config: &Config, jar: CookieJar) -> (CookieJar, String) {
    match csrf_token(config, &jar).filter(|t| token::looks_like_token(t)) {
        Some(existing) => (jar, existing),
        None => {
            let fresh = token::new_token();
            (jar.add(csrf(config, fresh.clone())), fresh)
        }
    }
}

/// The language chosen with the login page's switch, for a year. Not a secret, but HttpOnly
/// like every other cookie: only the server reads it.
pub fn language(config: &Config, language: Language) -> Cookie<'static> {
    let mut cookie = build(config, LANGUAGE, language.code().to_string());
    cookie.set_max_age(time::Duration::days(365));
    cookie
}

/// The language chosen with the login page's switch, if any.
pub fn chosen_language(config: &Config, jar: &CookieJar) -> Option<Language> {
    jar.get(&name(config, LANGUAGE))
        .and_then(|c| Language::parse(c.value()))
}

const OPERATOR: &str = "portcullis_operator";

/// The helpdesk operator's session cookie: apart from customer sessions, so neither opens the
/// other's pages.
pub fn operator_session(config: &Config, token: String) -> Cookie<'static> {
    build(config, OPERATOR, token)
}

/// The operator session token in a request, if any.
pub fn operator_token(config: &Config, jar: &CookieJar) -> Option<String> {
    jar.get(&name(config, OPERATOR))
        .map(|c| c.value().to_string())
}

/// Removes the operator session cookie.
pub fn clear_operator(config: &Config, jar: CookieJar) -> CookieJar {
    jar.remove(build(config, OPERATOR, String::new()))
}

const OIDC: &str = "portcullis_oidc";

/// An app's authorization request waiting for its user to log in (OpenID Connect): it carries
/// the request itself, so nothing a stranger sends is stored on the server. Ten minutes.
pub fn oidc_request(config: &Config, value: String) -> Cookie<'static> {
    let mut cookie = build(config, OIDC, value);
    cookie.set_max_age(time::Duration::minutes(10));
    cookie
}

/// The waiting authorization request in a request, if any.
pub fn oidc_request_value(config: &Config, jar: &CookieJar) -> Option<String> {
    jar.get(&name(config, OIDC)).map(|c| c.value().to_string())
}

/// Removes the waiting authorization request.
pub fn clear_oidc_request(config: &Config, jar: CookieJar) -> CookieJar {
    jar.remove(build(config, OIDC, String::new()))
}

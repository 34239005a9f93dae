//! Every cookie Portcullis sets is built here, and only here.
//!
//! All are HttpOnly and SameSite=Lax with `Path=/`. When the public URL is https they are also
//! `Secure` and carry the `__Host-` prefix, which browsers only accept from a secure origin
//! without a `Domain` attribute, so no sibling subdomain can plant or read them. The session
//! cookie has no expiry: it ends with the browser as well as on the server.
//!
//! With `--cookie-domain` (forward-auth: the apps behind a proxy share the login), the session
//! cookie alone carries `Domain` and therefore `__Secure-` instead of `__Host-`; every other
//! cookie stays on Portcullis's own host.

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

/// The session cookie's name: on a cookie domain, `__Secure-` (a `__Host-` cookie cannot name
/// a domain).
fn session_name(config: &Config) -> String {
    match (&config.cookie_domain, config.is_https()) {
        (Some(_), true) => format!("__Secure-{SESSION}"),
        _ => name(config, SESSION),
    }
}

fn session_cookie(config: &Config, token: String) -> Cookie<'static> {
    let mut cookie = build(config, SESSION, token);
    cookie.set_name(session_name(config));
    if let Some(domain) = &config.cookie_domain {
        cookie.set_domain(domain.clone());
    }
    cookie
}

/// The session cookie carrying `token`.
pub fn session(config: &Config, token: String) -> Cookie<'static> {
    session_cookie(config, token)
}

/// The session token in a request, if any.
pub fn session_token(config: &Config, jar: &CookieJar) -> Option<String> {
    jar.get(&session_name(config))
        .map(|c| c.value().to_string())
}

/// The session token in a request's `Cookie` headers (forward-auth: no jar needed).
pub fn session_token_in(config: &Config, headers: &axum::http::HeaderMap) -> Option<String> {
    session_token(config, &CookieJar::from_headers(headers))
}

/// Removes the session cookie.
pub fn clear_session(config: &Config, jar: CookieJar) -> CookieJar {
    jar.remove(session_cookie(config, String::new()))
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

const RETURN: &str = "portcullis_return";

/// Where to go after the login (forward-auth's `rd`, already checked): ten minutes, on
/// Portcullis's own host. Base64url, as a URL may hold `;` or spaces.
pub fn return_to(config: &Config, url: &str) -> Cookie<'static> {
    use base64::Engine as _;
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url);
    let mut cookie = build(config, RETURN, value);
    cookie.set_max_age(time::Duration::minutes(10));
    cookie
}

/// The address to return to after the login, if any.
pub fn return_to_value(config: &Config, jar: &CookieJar) -> Option<String> {
    use base64::Engine as _;
    let value = jar.get(&name(config, RETURN))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value.value())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Forgets the address to return to.
pub fn clear_return_to(config: &Config, jar: CookieJar) -> CookieJar {
    jar.remove(build(config, RETURN, String::new()))
}

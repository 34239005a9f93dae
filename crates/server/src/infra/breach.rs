//! Breach checks: whether an email address is in a known data breach (Have I Been Pwned's
//! `breachedaccount` API) and whether a new password appears in breach corpora (the Pwned
//! Passwords range API). Both sit behind [`BreachChecker`]; the server uses [`Hibp`], which
//! does only what its settings switch on.
//!
//! What must always hold:
//! - a password never leaves the server: only the first five hex characters of its SHA-1 do
//!   (k-anonymity), with the response padded so its size says nothing either;
//! - a failing check (timeout, 429, 5xx, an answer that is not the API's) never blocks a login or
//!   a password change: the caller treats it as "no answer", and it is logged without the address
//!   or the password;
//! - email addresses are checked in the background, within the API's allowance, never on a page
//!   request (`flows::breaches`).

use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};

/// Why a check gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckFailed {
    /// The service asked to slow down; try again after this many seconds.
    #[error("rate limited by the breach service (retry after {0} s)")]
    RateLimited(u64),
    /// No answer in time, no connection, an error status or an answer that is not the API's.
    #[error("the breach service gave no usable answer: {0}")]
    Unavailable(String),
}

/// The breach services Portcullis asks.
pub trait BreachChecker: Send + Sync + std::fmt::Debug {
    /// Whether email addresses are checked at all (an API key is configured).
    fn checks_emails(&self) -> bool;

    /// How many email checks the service allows per minute.
    fn email_checks_per_minute(&self) -> u32;

    /// The number of known breaches `email` appears in (0: none).
    fn breaches_of_email<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Result<u64, CheckFailed>>;

    /// Whether `password` appears in known breaches; `Ok(false)` when the check is off.
    fn password_is_breached<'a>(
        &'a self,
        password: &'a SecretString,
    ) -> BoxFuture<'a, Result<bool, CheckFailed>>;
}

/// Which checks are on, and where their services are.
#[derive(Debug, Clone)]
pub struct BreachSettings {
    /// The Have I Been Pwned API key; email addresses are checked only with one.
    pub hibp_api_key: Option<SecretString>,
    /// The base URL of the `breachedaccount` API (`…/api/v3`).
    pub hibp_base_url: String,
    /// The allowance of the API key, in requests per minute.
    pub hibp_requests_per_minute: u32,
    /// The base URL of the Pwned Passwords range API; `None` leaves the check off.
    pub pwned_passwords_url: Option<String>,
    /// How long one request may take.
    pub timeout: Duration,
}

/// Have I Been Pwned and Pwned Passwords over HTTPS (rustls, ring, the bundled web PKI roots).
#[derive(Debug)]
pub struct Hibp {
    settings: BreachSettings,
    client: reqwest::Client,
}

impl Hibp {
    /// A checker for `settings`; fails only when the HTTP client cannot be built.
    pub fn new(settings: BreachSettings) -> Result<Hibp, String> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("Portcullis/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Hibp { settings, client })
    }

    async fn email(&self, email: &str) -> Result<u64, CheckFailed> {
        let Some(key) = &self.settings.hibp_api_key else {
            return Ok(0);
        };
        let mut url = url::Url::parse(&format!(
            "{}/breachedaccount/",
            self.settings.hibp_base_url.trim_end_matches('/')
        ))
        .map_err(|e| CheckFailed::Unavailable(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| CheckFailed::Unavailable("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .push(email);
        url.query_pairs_mut()
            .append_pair("truncateResponse", "true");
        let response = self
            .client
            .get(url)
            .header("hibp-api-key", key.expose_secret())
            .send()
            .await
            .map_err(|e| CheckFailed::Unavailable(without_url(&e)))?;
        match response.status().as_u16() {
            // Not in any breach.
            404 => Ok(0),
            200 => {
                let breaches: Vec<serde_json::Value> = response
                    .json()
                    .await
                    .map_err(|e| CheckFailed::Unavailable(without_url(&e)))?;
                if breaches
                    .iter()
                    .all(|b| b.get("Name").is_some_and(|n| n.is_string()))
                {
                    Ok(breaches.len() as u64)
                } else {
                    Err(CheckFailed::Unavailable(
                        "an answer without breach names".into(),
                    ))
                }
            }
            429 => Err(CheckFailed::RateLimited(retry_after(&response))),
            status => Err(CheckFailed::Unavailable(format!("status {status}"))),
        }
    }

    async fn password(&self, password: &SecretString) -> Result<bool, CheckFailed> {
        let Some(base) = &self.settings.pwned_passwords_url else {
            return Ok(false);
        };
        let digest = hex::encode_upper(Sha1::digest(password.expose_secret().as_bytes()));
        let (prefix, suffix) = digest.split_at(5);
        let response = self
            .client
            .get(format!("{}/range/{prefix}", base.trim_end_matches('/')))
            .header("Add-Padding", "true")
            .send()
            .await
            .map_err(|e| CheckFailed::Unavailable(without_url(&e)))?;
        match response.status().as_u16() {
            200 => {}
            429 => return Err(CheckFailed::RateLimited(retry_after(&response))),
            status => return Err(CheckFailed::Unavailable(format!("status {status}"))),
        }
        let body = response
            .text()
            .await
            .map_err(|e| CheckFailed::Unavailable(without_url(&e)))?;
        range_contains(&body, suffix)
    }
}

/// Whether a range answer (`SUFFIX:COUNT` lines; padding lines count 0) lists `suffix` with a
/// count above zero. An answer with a line that is not of that form is not the API's.
fn range_contains(body: &str, suffix: &str) -> Result<bool, CheckFailed> {
    let mut found = false;
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (hash, count) = line
            .split_once(':')
            .ok_or_else(|| CheckFailed::Unavailable("a range line without a count".into()))?;
        let count: u64 = count
            .trim()
            .parse()
            .map_err(|_| CheckFailed::Unavailable("a range line with a bad count".into()))?;
        if hash.len() != 35 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CheckFailed::Unavailable(
                "a range line without a hash".into(),
            ));
        }
        if count > 0 && hash.eq_ignore_ascii_case(suffix) {
            found = true;
        }
    }
    Ok(found)
}

/// A transport error's words without its URL, which holds the email address.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() || e.is_body() {
        "an answer that could not be read"
    } else {
        "a request error"
    };
    kind.to_string()
}

/// The `Retry-After` seconds of a 429 (at least 1, 60 when the header is missing or odd).
fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(60, |s| s.clamp(1, 24 * 3600))
}

impl BreachChecker for Hibp {
    fn checks_emails(&self) -> bool {
        self.settings.hibp_api_key.is_some()
    }

    fn email_checks_per_minute(&self) -> u32 {
        self.settings.hibp_requests_per_minute.max(1)
    }

    fn breaches_of_email<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Result<u64, CheckFailed>> {
        Box::pin(self.email(email))
    }

    fn password_is_breached<'a>(
        &'a self,
        password: &'a SecretString,
    ) -> BoxFuture<'a, Result<bool, CheckFailed>> {
        Box::pin(self.password(password))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUFFIX: &str = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";

    #[test]
    fn a_range_answer_lists_a_suffix_only_with_a_count() {
        let body = format!("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{SUFFIX}:3\r\n");
        assert_eq!(range_contains(&body, SUFFIX), Ok(true));
        assert_eq!(range_contains(&body, &SUFFIX.to_lowercase()), Ok(true));
        // Padding lines count zero.
        let padded = format!("{SUFFIX}:0\n");
        assert_eq!(range_contains(&padded, SUFFIX), Ok(false));
        assert_eq!(range_contains("", SUFFIX), Ok(false));
    }

    #[test]
    fn an_answer_that_is_not_the_apis_is_a_failure() {
        for garbage in ["<html>oops</html>", "ABC:1", &format!("{SUFFIX}:many")] {
            assert!(matches!(
                range_contains(garbage, SUFFIX),
                Err(CheckFailed::Unavailable(_))
            ));
        }
    }
}

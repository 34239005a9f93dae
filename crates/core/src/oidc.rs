//! OpenID Connect's rules, without IO: what an authorization request may ask, PKCE, when a login
//! must be fresh, what the tokens say about how the user logged in, and how long each thing lives.
//!
//! What must always hold:
//! - every client proves the code is its own with PKCE S256 (no `plain`, no client without it);
//! - a redirect URI matches a registered one exactly, byte for byte;
//! - `amr` and `acr` never claim more than the login proved;
//! - a session older than `max_age`, or any session under `prompt=login`, is not enough: the
//!   user logs in again (and `prompt=none` answers `login_required` instead).

use std::time::Duration;

use crate::Timestamp;
use crate::session::LoginMethod;
use crate::token::constant_time_eq;

/// How long an authorization code may be exchanged.
pub const CODE_VALIDITY: Duration = Duration::from_secs(60);
/// How long ID and access tokens are valid (RFC 9068 access tokens: 5–15 minutes).
pub const TOKEN_VALIDITY: Duration = Duration::from_secs(10 * 60);
/// How long a refresh token lives at most (it also ends with its Portcullis session).
pub const REFRESH_VALIDITY: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long a retired signing key stays published: longer than any token it signed lives.
pub const KEY_OVERLAP: Duration = Duration::from_secs(2 * 10 * 60);

/// The scopes a client may ask for; others are ignored (OpenID Connect Core 3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes {
    /// `profile`: name and preferred_username.
    pub profile: bool,
    /// `email`: email and email_verified.
    pub email: bool,
    /// `account`: the tenant — account id and name, the user's kind and administrations.
    pub account: bool,
    /// `offline_access`: a refresh token.
    pub offline_access: bool,
}

/// Why an authorization request's scope cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeProblem {
    /// `openid` is missing: this is not an OpenID Connect request.
    NotOpenId,
}

impl Scopes {
    /// Reads a space-separated scope; unknown scopes are left out.
    pub fn parse(scope: &str) -> Result<Scopes, ScopeProblem> {
        let mut scopes = Scopes::default();
        let mut openid = false;
        for word in scope.split(' ').filter(|w| !w.is_empty()) {
            match word {
                "openid" => openid = true,
                "profile" => scopes.profile = true,
                "email" => scopes.email = true,
                "account" => scopes.account = true,
                "offline_access" => scopes.offline_access = true,
                _ => {}
            }
        }
        if openid {
            Ok(scopes)
        } else {
            Err(ScopeProblem::NotOpenId)
        }
    }

    /// As granted, in a fixed order (`openid` first).
    pub fn as_string(self) -> String {
        let mut words = vec!["openid"];
        for (on, word) in [
            (self.profile, "profile"),
            (self.email, "email"),
            (self.account, "account"),
            (self.offline_access, "offline_access"),
        ] {
            if on {
                words.push(word);
            }
        }
        words.join(" ")
    }

    /// Whether every scope of `self` is in `granted` (a consent covers the request).
    pub fn within(self, granted: Scopes) -> bool {
        (!self.profile || granted.profile)
            && (!self.email || granted.email)
            && (!self.account || granted.account)
            && (!self.offline_access || granted.offline_access)
    }
}

/// Whether a code challenge is one PKCE S256 can have made: 43 base64url characters (a SHA-256).
pub fn valid_code_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a code verifier is well formed (RFC 7636 4.1: 43–128 unreserved characters).
pub fn valid_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is the one `challenge` was made from (S256), in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine as _;
    use sha2::Digest as _;
    if !valid_code_verifier(verifier) {
        return false;
    }
    let made = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    constant_time_eq(made.as_bytes(), challenge.as_bytes())
}

/// Whether `uri` is one of `registered`: exactly, except that a loopback IP redirect URI
/// (`http://127.0.0.1/…`, `http://[::1]/…`) matches on any port, as RFC 8252 section 7.3 asks
/// for native apps, which listen on whatever port is free. Scheme, host, path and query still
/// match exactly.
pub fn redirect_uri_matches(uri: &str, registered: &[String]) -> bool {
    let loopback = loopback_without_port(uri);
    registered
        .iter()
        .any(|r| r == uri || (loopback.is_some() && loopback_without_port(r) == loopback))
}

/// A loopback IP redirect URI as (host, the rest after the port), or `None` for any other.
fn loopback_without_port(uri: &str) -> Option<(&'static str, &str)> {
    for host in ["http://127.0.0.1", "http://[::1]"] {
        let Some(rest) = uri.strip_prefix(host) else {
            continue;
        };
        let rest = match rest.strip_prefix(':') {
            Some(port) => {
                let digits = port
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(port.len());
                if !(1..=5).contains(&digits) {
                    return None;
                }
                &port[digits..]
            }
            None => rest,
        };
        return (rest.is_empty() || rest.starts_with('/')).then_some((host, rest));
    }
    None
}

/// Whether `uri` is a private-use URI scheme redirect of a native app (RFC 8252 section 7.1):
/// a scheme in reverse domain-name form (`com.example.app:/callback`), which keeps out
/// `javascript:`, `data:`, `file:` and every other scheme a browser gives meaning to.
pub fn private_use_redirect(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    scheme.contains('.')
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && !scheme.split('.').any(str::is_empty)
        && rest.starts_with('/')
        && !rest.starts_with("//")
        && !uri.contains('#')
        && !uri.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// What `prompt` asks (OpenID Connect Core 3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prompt {
    /// `none`: no page may be shown; answer with an error instead.
    pub none: bool,
    /// `login`: the user logs in again, whatever session they have.
    pub login: bool,
    /// `consent`: ask for consent even if given before.
    pub consent: bool,
}

impl Prompt {
    /// Reads `prompt`; `None` when `none` is combined with anything else (an invalid request).
    /// Unknown values (`select_account`) are ignored.
    pub fn parse(text: &str) -> Option<Prompt> {
        let mut prompt = Prompt::default();
        let mut others = false;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            match word {
                "none" => prompt.none = true,
                "login" => {
                    prompt.login = true;
                    others = true;
                }
                "consent" => {
                    prompt.consent = true;
                    others = true;
                }
                _ => others = true,
            }
        }
        if prompt.none && others {
            None
        } else {
            Some(prompt)
        }
    }
}

/// What an authorization request needs of the browser's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginNeed {
    /// The session will do.
    Enough,
    /// The user must log in (again).
    LogIn,
    /// A login is needed but `prompt=none` forbids it: answer `login_required`.
    LoginRequired,
}

/// Whether a session that logged in at `auth_time` (none: no session) serves a request with
/// `prompt` and `max_age` at `now`. `fresh_since`: the request already sent the user to log in
/// at that time, so a login since then satisfies `prompt=login` and `max_age`.
pub fn login_need(
    auth_time: Option<Timestamp>,
    prompt: Prompt,
    max_age: Option<u64>,
    now: Timestamp,
    fresh_since: Option<Timestamp>,
) -> LoginNeed {
    let need = match auth_time {
        None => true,
        Some(at) if fresh_since.is_some_and(|since| at >= since) => false,
        Some(at) => {
            prompt.login || max_age.is_some_and(|max| now.since(at) > Duration::from_secs(max))
        }
    };
    match (need, prompt.none) {
        (false, _) => LoginNeed::Enough,
        (true, true) => LoginNeed::LoginRequired,
        (true, false) => LoginNeed::LogIn,
    }
}

/// Authentication method references (RFC 8176) of a login: `pwd` for a password, `otp` for the
/// app's or a recovery code, `hwk` for a passkey (a key held by an authenticator), `mfa` when two
/// factors passed or a passkey verified its user.
pub fn amr(method: LoginMethod) -> Vec<&'static str> {
    match method {
        LoginMethod::Password => vec!["pwd"],
        LoginMethod::PasswordAndApp | LoginMethod::PasswordAndRecoveryCode => {
            vec!["pwd", "otp", "mfa"]
        }
        LoginMethod::Passkey => vec!["hwk", "user", "mfa"],
    }
}

/// The authentication context class (`acr`) of a login: `phr` (phishing-resistant: a passkey),
/// `mfa` (two factors), else `pwd`.
pub fn acr(method: LoginMethod) -> &'static str {
    match method {
        LoginMethod::Passkey => "phr",
        LoginMethod::PasswordAndApp | LoginMethod::PasswordAndRecoveryCode => "mfa",
        LoginMethod::Password => "pwd",
    }
}

/// What presenting a refresh token means, from what is stored about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshUse {
    /// Fresh: rotate it.
    Rotate,
    /// Used before (a copy is being replayed, or the legitimate client lost a race with a
    /// thief): revoke its whole family.
    Reused,
    /// Revoked or expired: refuse.
    Dead,
}

/// What to do with a refresh token in this state at `now`.
pub fn refresh_use(used: bool, revoked: bool, expires_at: Timestamp, now: Timestamp) -> RefreshUse {
    if revoked || now >= expires_at {
        RefreshUse::Dead
    } else if used {
        RefreshUse::Reused
    } else {
        RefreshUse::Rotate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_need_openid_and_ignore_the_unknown() {
        assert_eq!(Scopes::parse("profile"), Err(ScopeProblem::NotOpenId));
        assert_eq!(Scopes::parse(""), Err(ScopeProblem::NotOpenId));
        let all = Scopes::parse("email  openid weird account profile offline_access").unwrap();
        assert_eq!(
            all.as_string(),
            "openid profile email account offline_access"
        );
        let bare = Scopes::parse("openid").unwrap();
        assert_eq!(bare, Scopes::default());
        assert!(bare.within(all));
        assert!(!all.within(bare));
        assert!(Scopes::parse("openid email").unwrap().within(all));
    }

    #[test]
    fn pkce_is_s256_only_and_checked_exactly() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(valid_code_challenge(challenge));
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        // `plain` (verifier = challenge) does not pass.
        assert!(!pkce_matches(challenge, challenge));
        assert!(!pkce_matches("short", challenge));
        assert!(!valid_code_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"
        ));
        assert!(!valid_code_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
        assert!(!valid_code_verifier(&"a".repeat(129)));
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let registered = vec!["https://app.example/cb".to_string()];
        assert!(redirect_uri_matches("https://app.example/cb", &registered));
        for other in [
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://APP.example/cb",
            "http://app.example/cb",
            "https://app.example/c",
        ] {
            assert!(!redirect_uri_matches(other, &registered), "{other}");
        }
    }

    #[test]
    fn a_loopback_redirect_matches_on_any_port_and_nothing_else_loosens() {
        let registered = vec![
            "http://127.0.0.1/callback".to_string(),
            "http://[::1]:8080/cb?x=1".to_string(),
        ];
        for matching in [
            "http://127.0.0.1/callback",
            "http://127.0.0.1:51234/callback",
            "http://127.0.0.1:1/callback",
            "http://[::1]/cb?x=1",
            "http://[::1]:60000/cb?x=1",
        ] {
            assert!(redirect_uri_matches(matching, &registered), "{matching}");
        }
        for other in [
            "http://127.0.0.1:51234/callback/",
            "http://127.0.0.1:51234/other",
            "http://127.0.0.1:123456/callback",
            "http://127.0.0.1:/callback",
            "http://127.0.0.1.evil.net/callback",
            "http://127.0.0.1@evil.net/callback",
            "https://127.0.0.1:51234/callback",
            "http://localhost:51234/callback",
            "http://[::1]:60000/cb?x=2",
            "http://[::1]:60000/cb",
        ] {
            assert!(!redirect_uri_matches(other, &registered), "{other}");
        }
    }

    #[test]
    fn a_private_use_scheme_is_in_reverse_domain_form() {
        for good in [
            "com.example.app:/callback",
            "nl.bakkerij-jansen.boeken:/oauth2redirect",
        ] {
            assert!(private_use_redirect(good), "{good}");
        }
        for bad in [
            "javascript:/alert(1)",
            "data:/text",
            "file:/etc/passwd",
            "myapp:/callback",
            "com.example.app://callback",
            "com.example.app:callback",
            "Com.Example.App:/callback",
            "com..example:/cb",
            ".com.example:/cb",
            "com.example.app:/cb#x",
            "com.example.app:/c b",
            "https://app.example/cb",
        ] {
            assert!(!private_use_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn prompt_none_stands_alone() {
        assert_eq!(Prompt::parse("").unwrap(), Prompt::default());
        assert!(Prompt::parse("none").unwrap().none);
        assert!(Prompt::parse("login consent").unwrap().login);
        assert_eq!(Prompt::parse("none login"), None);
        assert_eq!(Prompt::parse("select_account").unwrap(), Prompt::default());
    }

    #[test]
    fn when_the_user_must_log_in_again() {
        let now = Timestamp(1_000_000);
        let minute_ago = Timestamp(940_000);
        let none = Prompt::parse("none").unwrap();
        let login = Prompt::parse("login").unwrap();
        let plain = Prompt::default();
        use LoginNeed::*;
        let table = [
            // (session's auth_time, prompt, max_age, fresh_since, need)
            (None, plain, None, None, LogIn),
            (None, none, None, None, LoginRequired),
            (Some(minute_ago), plain, None, None, Enough),
            (Some(minute_ago), none, None, None, Enough),
            (Some(minute_ago), login, None, None, LogIn),
            (Some(minute_ago), plain, Some(60), None, Enough),
            (Some(minute_ago), plain, Some(59), None, LogIn),
            (Some(minute_ago), none, Some(1), None, LoginRequired),
            // Sent to log in at the minute's start, and did: enough now.
            (Some(minute_ago), login, Some(1), Some(minute_ago), Enough),
            (
                Some(minute_ago),
                login,
                None,
                Some(Timestamp(950_000)),
                LogIn,
            ),
        ];
        for (auth_time, prompt, max_age, fresh_since, need) in table {
            assert_eq!(
                login_need(auth_time, prompt, max_age, now, fresh_since),
                need,
                "{auth_time:?} {prompt:?} {max_age:?} {fresh_since:?}"
            );
        }
    }

    #[test]
    fn amr_and_acr_claim_what_the_login_proved() {
        assert_eq!(amr(LoginMethod::Password), ["pwd"]);
        assert_eq!(acr(LoginMethod::Password), "pwd");
        assert_eq!(amr(LoginMethod::PasswordAndApp), ["pwd", "otp", "mfa"]);
        assert_eq!(acr(LoginMethod::PasswordAndRecoveryCode), "mfa");
        assert_eq!(amr(LoginMethod::Passkey), ["hwk", "user", "mfa"]);
        assert_eq!(acr(LoginMethod::Passkey), "phr");
    }

    #[test]
    fn a_refresh_token_is_used_once() {
        let now = Timestamp(10_000);
        let later = Timestamp(20_000);
        assert_eq!(refresh_use(false, false, later, now), RefreshUse::Rotate);
        assert_eq!(refresh_use(true, false, later, now), RefreshUse::Reused);
        assert_eq!(refresh_use(false, true, later, now), RefreshUse::Dead);
        assert_eq!(refresh_use(true, true, later, now), RefreshUse::Dead);
        assert_eq!(refresh_use(false, false, now, now), RefreshUse::Dead);
    }
}

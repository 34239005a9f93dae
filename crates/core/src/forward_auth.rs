//! Forward-auth: which requests a reverse proxy lets through to the app behind it, and what
//! a session must have proved for them.
//!
//! Rules are checked in order and the first that matches decides; when none matches, the
//! request is denied. A rule matches a request by host (exact, or `*.example.com` for every
//! subdomain) and path prefix, and a user by their account, kind and administrations (each an
//! optional limit). Someone without a session is sent to log in when any rule might admit them
//! once they have; only an unlimited `deny` refuses them outright.
//!
//! Paths are compared after normalisation (percent-decoding, `.` and `..` segments, repeated
//! slashes), so `/public/../admin` is held to the rules of `/admin`. A path that cannot be
//! normalised (an encoded slash or NUL, invalid UTF-8, `..` above the root) is denied.

use crate::session::LoginMethod;
use crate::user::UserKind;

/// What a rule asks of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Nobody passes.
    Deny,
    /// Any login.
    OneFactor,
    /// A login with two factors: password and app code (or a recovery code), or a passkey.
    TwoFactor,
    /// A login with a passkey.
    Passkey,
}

impl Policy {
    /// Whether a session whose login reached `level` has what this policy asks.
    pub fn satisfied_by(self, level: Level) -> bool {
        match self {
            Policy::Deny => false,
            Policy::OneFactor => true,
            Policy::TwoFactor => level >= Level::TwoFactor,
            Policy::Passkey => level == Level::Passkey,
        }
    }

    /// Reads a policy as written in the rules file.
    pub fn parse(text: &str) -> Option<Policy> {
        match text {
            "deny" => Some(Policy::Deny),
            "one_factor" => Some(Policy::OneFactor),
            "two_factor" => Some(Policy::TwoFactor),
            "passkey" => Some(Policy::Passkey),
            _ => None,
        }
    }
}

/// How strongly a session's login proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A password only.
    OneFactor,
    /// A password and a second factor.
    TwoFactor,
    /// A passkey (possession and the device's user verification: two factors in one).
    Passkey,
}

impl Level {
    /// The level a login method reached.
    pub fn of(method: LoginMethod) -> Level {
        match method {
            LoginMethod::Password => Level::OneFactor,
            LoginMethod::PasswordAndApp | LoginMethod::PasswordAndRecoveryCode => Level::TwoFactor,
            LoginMethod::Passkey => Level::Passkey,
        }
    }
}

/// A host a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// Every subdomain of this domain (`*.example.com`: `a.example.com`, `a.b.example.com`;
    /// not `example.com` itself). Held with its leading dot.
    Subdomains(String),
}

/// A rule that cannot be used, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

impl HostPattern {
    /// Reads `app.example.com` or `*.example.com` (lowercased; no scheme, port or path).
    pub fn parse(text: &str) -> Result<HostPattern, RuleError> {
        let text = text.trim().to_ascii_lowercase();
        let (wildcard, name) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let valid_label = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if name.is_empty() || name.len() > 253 || !name.split('.').all(valid_label) {
            return Err(RuleError(format!(
                "'{text}' is not a host name (write app.example.com or *.example.com, without \
                 scheme, port or path)"
            )));
        }
        Ok(if wildcard {
            HostPattern::Subdomains(format!(".{name}"))
        } else {
            HostPattern::Exact(name.to_string())
        })
    }

    /// Whether `host` (already lowercased, without port) is covered.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(name) => host == name,
            HostPattern::Subdomains(suffix) => {
                host.len() > suffix.len() && host.ends_with(suffix.as_str())
            }
        }
    }
}

/// The host of a `Host`-style value: lowercased, without port or a trailing dot.
pub fn host_only(host: &str) -> String {
    let host = host.trim();
    let without_port = if let Some(rest) = host.strip_prefix('[') {
        // An IPv6 literal: [::1]:8080.
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host, |(name, _)| name)
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

/// A path prefix a rule covers: `/admin` covers `/admin` and `/admin/…`, not `/administrator`;
/// `/` covers everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPrefix(String);

impl PathPrefix {
    /// Reads a prefix; it must start with `/` and is normalised like the paths it is compared to.
    pub fn parse(text: &str) -> Result<PathPrefix, RuleError> {
        if !text.starts_with('/') {
            return Err(RuleError(format!("the path '{text}' must start with /")));
        }
        let normal = normalise_path(text)
            .ok_or_else(|| RuleError(format!("the path '{text}' cannot be normalised")))?;
        Ok(PathPrefix(normal.trim_end_matches('/').to_string()))
    }

    /// Whether a normalised path is covered.
    pub fn covers(&self, path: &str) -> bool {
        path == self.0
            || path
                .strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// A request path (no query) decoded and with `.`, `..` and empty segments resolved, or `None`
/// when it cannot be trusted to mean one thing: an encoded `/`, `\` or NUL, invalid UTF-8 or
/// percent-encoding, or `..` above the root.
pub fn normalise_path(raw: &str) -> Option<String> {
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            let byte = u8::from_str_radix(hex, 16).ok()?;
            if matches!(byte, b'/' | b'\\' | 0) {
                return None;
            }
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    let mut normal = format!("/{}", segments.join("/"));
    if decoded.ends_with('/') && normal.len() > 1 {
        normal.push('/');
    }
    Some(normal)
}

/// One access rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The hosts it covers (at least one).
    pub hosts: Vec<HostPattern>,
    /// The path prefixes it covers; none means every path.
    pub paths: Vec<PathPrefix>,
    /// What it asks.
    pub policy: Policy,
    /// Only users of these accounts (ids); none means any account.
    pub accounts: Vec<String>,
    /// Only users of these kinds; none means any kind.
    pub kinds: Vec<UserKind>,
    /// Only users who may use one of these administrations (names); none means no limit.
    pub administrations: Vec<String>,
}

/// The request, as the proxy described it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The host, lowercased, without port.
    pub host: &'a str,
    /// The normalised path.
    pub path: &'a str,
}

/// The logged-in user asking.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    /// Their account's id.
    pub account_id: &'a str,
    /// Their kind.
    pub kind: UserKind,
    /// The names of the administrations they may use.
    pub administrations: &'a [String],
    /// What their session's login proved.
    pub level: Level,
}

/// What the proxy is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Let it through.
    Allow,
    /// Refuse it (403).
    Deny,
    /// No session: log in first.
    LogIn,
    /// The session is not strong enough: prove the missing factor.
    StepUp(Policy),
}

impl Rule {
    fn covers(&self, target: Target<'_>) -> bool {
        self.hosts.iter().any(|h| h.matches(target.host))
            && (self.paths.is_empty() || self.paths.iter().any(|p| p.covers(target.path)))
    }

    fn limited(&self) -> bool {
        !(self.accounts.is_empty() && self.kinds.is_empty() && self.administrations.is_empty())
    }

    fn admits(&self, who: &Who<'_>) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == who.account_id))
            && (self.kinds.is_empty() || self.kinds.contains(&who.kind))
            && (self.administrations.is_empty()
                || self
                    .administrations
                    .iter()
                    .any(|a| who.administrations.contains(a)))
    }
}

/// The first matching rule's answer for `target`, asked by `who` (none: no session).
pub fn decide(rules: &[Rule], target: Target<'_>, who: Option<&Who<'_>>) -> Decision {
    let Some(who) = who else {
        // A limited deny cannot be judged without knowing who asks: the rules after it decide.
        return rules
            .iter()
            .filter(|r| r.covers(target))
            .find(|r| !(r.policy == Policy::Deny && r.limited()))
            .map_or(Decision::Deny, |r| match r.policy {
                Policy::Deny => Decision::Deny,
                _ => Decision::LogIn,
            });
    };
    let Some(rule) = rules.iter().find(|r| r.covers(target) && r.admits(who)) else {
        return Decision::Deny;
    };
    match rule.policy {
        Policy::Deny => Decision::Deny,
        policy if policy.satisfied_by(who.level) => Decision::Allow,
        policy => Decision::StepUp(policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(hosts: &[&str], paths: &[&str], policy: Policy) -> Rule {
        Rule {
            hosts: hosts
                .iter()
                .map(|h| HostPattern::parse(h).unwrap())
                .collect(),
            paths: paths
                .iter()
                .map(|p| PathPrefix::parse(p).unwrap())
                .collect(),
            policy,
            accounts: vec![],
            kinds: vec![],
            administrations: vec![],
        }
    }

    fn who(level: Level) -> Who<'static> {
        Who {
            account_id: "acc-1",
            kind: UserKind::Employee,
            administrations: &[],
            level,
        }
    }

    fn at<'a>(host: &'a str, path: &'a str) -> Target<'a> {
        Target { host, path }
    }

    #[test]
    fn hosts_match_exactly_or_as_subdomains() {
        let cases = [
            ("app.example.com", "app.example.com", true),
            ("app.example.com", "other.example.com", false),
            ("app.example.com", "x.app.example.com", false),
            ("*.example.com", "app.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "badexample.com", false),
            ("*.example.com", "example.com.evil.net", false),
            ("APP.Example.com", "app.example.com", true),
        ];
        for (pattern, host, expected) in cases {
            assert_eq!(
                HostPattern::parse(pattern).unwrap().matches(host),
                expected,
                "{pattern} vs {host}"
            );
        }
        for bad in [
            "",
            "*.",
            "http://app.example.com",
            "app.example.com:8080",
            "a/b",
            "*",
            "-a.com",
        ] {
            assert!(
                HostPattern::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn a_host_header_loses_its_port_and_case() {
        assert_eq!(host_only("App.Example.com:8443"), "app.example.com");
        assert_eq!(host_only("app.example.com."), "app.example.com");
        assert_eq!(host_only("[::1]:8080"), "::1");
        assert_eq!(host_only("localhost"), "localhost");
    }

    #[test]
    fn paths_are_normalised_before_they_are_compared() {
        let cases = [
            ("/", Some("/")),
            ("/admin", Some("/admin")),
            ("/admin/", Some("/admin/")),
            ("//admin//users", Some("/admin/users")),
            ("/public/../admin", Some("/admin")),
            ("/public/%2e%2e/admin", Some("/admin")),
            ("/./admin?x=/public", Some("/admin")),
            ("/%61dmin", Some("/admin")),
            ("/caf%C3%A9", Some("/café")),
            ("/..", None),
            ("/a/%2Fb", None),
            ("/a%5c..%5cadmin", None),
            ("/a%00", None),
            ("/a%zz", None),
            ("/a%", None),
            ("/%ff", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalise_path(raw).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn a_prefix_covers_its_segment_and_below_only() {
        let admin = PathPrefix::parse("/admin").unwrap();
        assert!(admin.covers("/admin"));
        assert!(admin.covers("/admin/"));
        assert!(admin.covers("/admin/users"));
        assert!(!admin.covers("/administrator"));
        assert!(!admin.covers("/"));
        assert_eq!(PathPrefix::parse("/admin/").unwrap(), admin);
        assert!(PathPrefix::parse("/").unwrap().covers("/anything/at/all"));
        assert!(PathPrefix::parse("admin").is_err());
    }

    #[test]
    fn the_first_matching_rule_decides_and_no_match_denies() {
        let rules = [
            rule(&["app.example.com"], &["/public"], Policy::OneFactor),
            rule(&["app.example.com"], &["/secret"], Policy::Deny),
            rule(&["app.example.com"], &[], Policy::TwoFactor),
            rule(&["*.example.com"], &[], Policy::Passkey),
        ];
        use Decision::*;
        use Level::*;
        let cases = [
            // (host, path, level or no session, expected)
            ("app.example.com", "/public/page", Some(OneFactor), Allow),
            ("app.example.com", "/public", None, LogIn),
            ("app.example.com", "/secret/x", Some(Passkey), Deny),
            ("app.example.com", "/secret", None, Deny),
            (
                "app.example.com",
                "/other",
                Some(OneFactor),
                StepUp(Policy::TwoFactor),
            ),
            ("app.example.com", "/other", Some(TwoFactor), Allow),
            ("app.example.com", "/other", Some(Passkey), Allow),
            (
                "tools.example.com",
                "/",
                Some(TwoFactor),
                StepUp(Policy::Passkey),
            ),
            ("tools.example.com", "/", Some(Passkey), Allow),
            ("tools.example.com", "/", None, LogIn),
            ("example.com", "/", Some(Passkey), Deny),
            ("example.com", "/", None, Deny),
            ("elsewhere.net", "/public", Some(Passkey), Deny),
        ];
        for (host, path, level, expected) in cases {
            let asking = level.map(who);
            assert_eq!(
                decide(&rules, at(host, path), asking.as_ref()),
                expected,
                "{host}{path} at {level:?}"
            );
        }
        assert_eq!(
            decide(&[], at("app.example.com", "/"), Some(&who(Passkey))),
            Deny
        );
    }

    #[test]
    fn limits_by_account_kind_and_administration_choose_among_rules() {
        let mut finance = rule(&["books.example.com"], &[], Policy::OneFactor);
        finance.administrations = vec!["Finance".into()];
        let mut admins_only = rule(&["books.example.com"], &["/settings"], Policy::TwoFactor);
        admins_only.kinds = vec![UserKind::Administrator];
        let mut no_settings = rule(&["books.example.com"], &["/settings"], Policy::Deny);
        no_settings.kinds = vec![UserKind::Employee, UserKind::Accountant];
        let mut one_account = rule(&["books.example.com"], &[], Policy::OneFactor);
        one_account.accounts = vec!["acc-2".into()];
        let rules = [admins_only, no_settings, finance, one_account];

        let finance_names = ["Finance".to_string()];
        let employee = Who {
            account_id: "acc-1",
            kind: UserKind::Employee,
            administrations: &finance_names,
            level: Level::OneFactor,
        };
        let admin = Who {
            kind: UserKind::Administrator,
            ..employee
        };
        let outsider = Who {
            administrations: &[],
            ..employee
        };
        let other_account = Who {
            account_id: "acc-2",
            ..outsider
        };
        let books = |path| at("books.example.com", path);
        assert_eq!(decide(&rules, books("/"), Some(&employee)), Decision::Allow);
        assert_eq!(
            decide(&rules, books("/settings"), Some(&employee)),
            Decision::Deny
        );
        assert_eq!(
            decide(&rules, books("/settings"), Some(&admin)),
            Decision::StepUp(Policy::TwoFactor)
        );
        assert_eq!(decide(&rules, books("/"), Some(&outsider)), Decision::Deny);
        assert_eq!(
            decide(&rules, books("/"), Some(&other_account)),
            Decision::Allow
        );
        // Without a session: the limited deny cannot be judged, so the login comes first.
        assert_eq!(decide(&rules, books("/settings"), None), Decision::LogIn);
    }

    #[test]
    fn a_login_method_has_its_level() {
        assert_eq!(Level::of(LoginMethod::Password), Level::OneFactor);
        assert_eq!(Level::of(LoginMethod::PasswordAndApp), Level::TwoFactor);
        assert_eq!(
            Level::of(LoginMethod::PasswordAndRecoveryCode),
            Level::TwoFactor
        );
        assert_eq!(Level::of(LoginMethod::Passkey), Level::Passkey);
        // (policy, one factor, two factors, passkey): what each level satisfies.
        let table = [
            (Policy::Deny, [false, false, false]),
            (Policy::OneFactor, [true, true, true]),
            (Policy::TwoFactor, [false, true, true]),
            (Policy::Passkey, [false, false, true]),
        ];
        for (policy, expected) in table {
            let got = [Level::OneFactor, Level::TwoFactor, Level::Passkey]
                .map(|l| policy.satisfied_by(l));
            assert_eq!(got, expected, "{policy:?}");
        }
        for policy in ["deny", "one_factor", "two_factor", "passkey"] {
            assert!(Policy::parse(policy).is_some());
        }
        assert_eq!(Policy::parse("two-factor"), None);
    }
}

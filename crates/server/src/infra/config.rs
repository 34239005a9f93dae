//! Server settings: every one a command-line flag and an environment variable.
//!
//! [`Settings`] is what the command line and environment hold, as typed; [`Config`] is the
//! checked result. A bad value stops start-up with a [`ConfigError`] that names the flag, the
//! variable and what is wrong, before anything is opened or bound.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::SecretString;

use super::breach::BreachSettings;
use portcullis_core::session::SessionLimits;
use url::Url;

/// Settings as given on the command line or in the environment.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "PORTCULLIS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The URL people reach Portcullis at: used for cookies, links in mail and the WebAuthn origin.
    /// Port 0 (e.g. `http://localhost:0`, with `--listen 127.0.0.1:0`) stands for the port the
    /// server bound.
    #[arg(
        long,
        env = "PORTCULLIS_PUBLIC_URL",
        default_value = "http://localhost:8080"
    )]
    pub public_url: String,
    #[command(flatten)]
    pub storage: StorageSettings,
    /// Where mail goes: file://DIR (an outbox of .eml files), smtp://user:pass@host:port
    /// (STARTTLS required except on loopback), or smtps://user:pass@host:port (TLS). Default:
    /// file://<data-dir>/outbox.
    #[arg(long, env = "PORTCULLIS_MAIL")]
    pub mail: Option<String>,
    /// The From address of outgoing mail.
    #[arg(
        long,
        env = "PORTCULLIS_MAIL_FROM",
        default_value = "Portcullis <portcullis@localhost>"
    )]
    pub mail_from: String,
    /// Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed.
    #[arg(long, env = "PORTCULLIS_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// On an empty database, create a demo account and print how to log in. Also enables the
    /// Mailbox page (/dev/mail) that shows the outbox.
    #[arg(long, env = "PORTCULLIS_DEMO", default_value_t = false)]
    pub demo: bool,
    /// Minutes without activity after which a session ends.
    #[arg(long, env = "PORTCULLIS_SESSION_IDLE_MINUTES", default_value = "60")]
    pub session_idle_minutes: String,
    /// Hours after login after which a session ends, however active.
    #[arg(long, env = "PORTCULLIS_SESSION_LIFETIME_HOURS", default_value = "12")]
    pub session_lifetime_hours: String,
    /// Log format: human or json.
    #[arg(long, env = "PORTCULLIS_LOG_FORMAT", default_value = "human")]
    pub log_format: String,
    #[command(flatten)]
    pub breach: BreachFlags,
    #[command(flatten)]
    pub forward_auth: ForwardAuthFlags,
    /// Serve an empty handler at /bench/bare, to measure the framework's own cost. Benchmarks only.
    #[arg(
        long,
        env = "PORTCULLIS_BENCH_ENDPOINTS",
        default_value_t = false,
        hide = true
    )]
    pub bench_endpoints: bool,
}

/// Forward-auth's settings: reverse proxies ask Portcullis about every request to the apps
/// behind them (`/api/authz/forward-auth`, `/api/authz/auth-request`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ForwardAuthFlags {
    /// The access rules (TOML): which hosts and paths need which login. Read at start-up and
    /// again on SIGHUP. Without it, every forward-auth request is denied.
    #[arg(long, env = "PORTCULLIS_ACCESS_RULES")]
    pub access_rules: Option<PathBuf>,
    /// Make the session cookie valid for this domain and its subdomains (the apps behind the
    /// proxy), e.g. example.com. The public URL's host must be in it. Logins return only to
    /// hosts in it.
    #[arg(long, env = "PORTCULLIS_COOKIE_DOMAIN")]
    pub cookie_domain: Option<String>,
}

/// The breach checks' settings (see `infra::breach`).
#[derive(Debug, Clone, clap::Args)]
pub struct BreachFlags {
    /// A Have I Been Pwned API key: with one, every user's email address is checked against known
    /// data breaches, daily, in the background. Without one the Security center says "not
    /// checked".
    #[arg(long, env = "PORTCULLIS_HIBP_API_KEY", hide_env_values = true)]
    pub hibp_api_key: Option<String>,
    /// The base URL of the Have I Been Pwned API.
    #[arg(
        long,
        env = "PORTCULLIS_HIBP_BASE_URL",
        default_value = "https://haveibeenpwned.com/api/v3"
    )]
    pub hibp_base_url: String,
    /// The API key's allowance in requests per minute.
    #[arg(
        long,
        env = "PORTCULLIS_HIBP_REQUESTS_PER_MINUTE",
        default_value = "10"
    )]
    pub hibp_requests_per_minute: String,
    /// Refuse new passwords found in Pwned Passwords (only five hex characters of the password's
    /// SHA-1 leave the server).
    #[arg(long, env = "PORTCULLIS_PWNED_PASSWORDS", default_value_t = false)]
    pub pwned_passwords: bool,
    /// The base URL of the Pwned Passwords range API.
    #[arg(
        long,
        env = "PORTCULLIS_PWNED_PASSWORDS_URL",
        default_value = "https://api.pwnedpasswords.com"
    )]
    pub pwned_passwords_url: String,
    /// How long one breach check may take, in milliseconds.
    #[arg(long, env = "PORTCULLIS_BREACH_TIMEOUT_MS", default_value = "3000")]
    pub breach_timeout_ms: String,
}

impl Default for BreachFlags {
    /// Every check off, as without flags.
    fn default() -> BreachFlags {
        BreachFlags {
            hibp_api_key: None,
            hibp_base_url: "https://haveibeenpwned.com/api/v3".into(),
            hibp_requests_per_minute: "10".into(),
            pwned_passwords: false,
            pwned_passwords_url: "https://api.pwnedpasswords.com".into(),
            breach_timeout_ms: "3000".into(),
        }
    }
}

/// The settings every command that opens the database shares.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageSettings {
    /// Where the SQLite file, the key file and the mail outbox live.
    #[arg(long, env = "PORTCULLIS_DATA_DIR", default_value = "./portcullis-data")]
    pub data_dir: PathBuf,
    /// Database: sqlite:PATH, or postgres://user:pass@host/db for several server processes.
    /// Default: SQLite in the data dir.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// The server key (64 hex characters) that encrypts stored secrets. Default: the file
    /// secret.key in the data dir, created on first start.
    #[arg(long, env = "PORTCULLIS_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Earlier server keys, comma-separated, still accepted for decryption during key rotation.
    #[arg(long, env = "PORTCULLIS_PREVIOUS_SECRET_KEYS", hide_env_values = true)]
    pub previous_secret_keys: Option<String>,
}

/// How the server logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event.
    Json,
}

/// Where mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTarget {
    /// One .eml file per message in this directory.
    Outbox(PathBuf),
    /// An SMTP server, as a lettre connection URL (may hold a password: never log it).
    Smtp(String),
}

/// Checked settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// How people reach the server; its origin is the one allowed in `Origin` headers.
    pub public_url: Url,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL (may hold a password: never log it unredacted).
    pub database_url: String,
    /// Where mail goes.
    pub mail: MailTarget,
    /// The From address.
    pub mail_from: String,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Demo mode: demo data on an empty database, the Mailbox page.
    pub demo: bool,
    /// Session timeouts.
    pub session: SessionLimits,
    /// Log format.
    pub log_format: LogFormat,
    /// Whether the bench-only endpoints are served.
    pub bench_endpoints: bool,
    /// Which breach checks run, and where.
    pub breach: BreachSettings,
    /// The forward-auth rules file, if any, and its rules as read at start-up.
    pub access_rules_file: Option<PathBuf>,
    /// The rules read from it at start-up.
    pub access_rules: Vec<portcullis_core::forward_auth::Rule>,
    /// The domain the session cookie is valid for (with its subdomains), if wider than the host.
    pub cookie_domain: Option<String>,
}

/// A setting that cannot be used. The message names the flag and the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {flag} ({env}): {problem}")]
pub struct ConfigError {
    /// The command-line flag.
    pub flag: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// What is wrong, and what would be right.
    pub problem: String,
}

/// Checks `--cookie-domain`: a domain name that the public URL's host is, or is under.
fn cookie_domain(domain: &str, public_url: &Url) -> Result<String, ConfigError> {
    let flag = ("--cookie-domain", "PORTCULLIS_COOKIE_DOMAIN");
    let domain = domain.trim().trim_start_matches('.').to_ascii_lowercase();
    if portcullis_core::forward_auth::HostPattern::parse(&domain).is_err() || !domain.contains('.')
    {
        return Err(bad(
            flag.0,
            flag.1,
            format!("'{domain}' is not a domain like example.com"),
        ));
    }
    let host = public_url.host_str().unwrap_or_default();
    if host != domain && !host.ends_with(&format!(".{domain}")) {
        return Err(bad(
            flag.0,
            flag.1,
            format!(
                "the public URL's host {host} is not in {domain}: browsers would refuse the cookie"
            ),
        ));
    }
    Ok(domain)
}

fn bad(flag: &'static str, env: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        flag,
        env,
        problem: problem.into(),
    }
}

impl StorageSettings {
    /// The database URL: the given one, or SQLite in the data dir.
    pub fn database_url(&self) -> Result<String, ConfigError> {
        match &self.database_url {
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                Ok(url.clone())
            }
            Some(url) => Err(bad(
                "--database-url",
                "DATABASE_URL",
                format!(
                    "'{}' is not a database URL Portcullis supports; use sqlite:PATH or postgres://user@host/database",
                    portcullis_store::redact_url(url)
                ),
            )),
            None => Ok(format!(
                "sqlite:{}",
                self.data_dir.join("portcullis.db").display()
            )),
        }
    }
}

impl Config {
    /// Checks every setting.
    pub fn from_settings(s: &Settings) -> Result<Config, ConfigError> {
        let listen: SocketAddr = s.listen.trim().parse().map_err(|_| {
            bad(
                "--listen",
                "PORTCULLIS_LISTEN",
                format!(
                    "'{}' is not an address and port like 127.0.0.1:8080 or [::]:8080",
                    s.listen
                ),
            )
        })?;
        let public_url = Url::parse(s.public_url.trim()).map_err(|e| {
            bad(
                "--public-url",
                "PORTCULLIS_PUBLIC_URL",
                format!(
                    "'{}' is not a URL ({e}); use e.g. https://login.example.com",
                    s.public_url
                ),
            )
        })?;
        if !matches!(public_url.scheme(), "http" | "https") || public_url.host_str().is_none() {
            return Err(bad(
                "--public-url",
                "PORTCULLIS_PUBLIC_URL",
                format!("'{public_url}' must be an http:// or https:// URL with a host"),
            ));
        }
        if public_url.path() != "/" || public_url.query().is_some() {
            return Err(bad(
                "--public-url",
                "PORTCULLIS_PUBLIC_URL",
                format!(
                    "'{public_url}' must not have a path or query: Portcullis is served at the root of its origin"
                ),
            ));
        }
        let database_url = s.storage.database_url()?;
        let mail = match &s.mail {
            None => MailTarget::Outbox(s.storage.data_dir.join("outbox")),
            Some(m) => parse_mail(m)?,
        };
        if s.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(bad(
                "--mail-from",
                "PORTCULLIS_MAIL_FROM",
                format!(
                    "'{}' is not a mailbox like 'Portcullis <security@example.com>'",
                    s.mail_from
                ),
            ));
        }
        let trusted_proxies = s
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        bad(
                            "--trusted-proxies",
                            "PORTCULLIS_TRUSTED_PROXIES",
                            format!("'{p}' is not an IP address or CIDR like 10.0.0.0/8"),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let idle = positive(
            &s.session_idle_minutes,
            "--session-idle-minutes",
            "PORTCULLIS_SESSION_IDLE_MINUTES",
        )?;
        let lifetime = positive(
            &s.session_lifetime_hours,
            "--session-lifetime-hours",
            "PORTCULLIS_SESSION_LIFETIME_HOURS",
        )?;
        let session = SessionLimits {
            idle: Duration::from_secs(idle * 60),
            absolute: Duration::from_secs(lifetime * 3600),
        };
        let log_format = match s.log_format.trim() {
            "human" => LogFormat::Human,
            "json" => LogFormat::Json,
            other => {
                return Err(bad(
                    "--log-format",
                    "PORTCULLIS_LOG_FORMAT",
                    format!("'{other}' is not a log format; use human or json"),
                ));
            }
        };
        let breach = breach_settings(&s.breach)?;
        let access_rules = match &s.forward_auth.access_rules {
            Some(file) => crate::infra::access_rules::load(file)
                .map_err(|problem| bad("--access-rules", "PORTCULLIS_ACCESS_RULES", problem))?,
            None => Vec::new(),
        };
        let cookie_domain = match &s.forward_auth.cookie_domain {
            Some(domain) => Some(cookie_domain(domain, &public_url)?),
            None => None,
        };
        Ok(Config {
            access_rules_file: s.forward_auth.access_rules.clone(),
            access_rules,
            cookie_domain,
            breach,
            listen,
            public_url,
            data_dir: s.storage.data_dir.clone(),
            database_url,
            mail,
            mail_from: s.mail_from.clone(),
            trusted_proxies,
            demo: s.demo,
            session,
            log_format,
            bench_endpoints: s.bench_endpoints,
        })
    }

    /// Whether `url` may be sent to after a login (`rd`): http(s) — https when the public URL is
    /// — on this server's host or, with a cookie domain, on a host in it. Nothing else, so a
    /// login link cannot send anyone to a stranger's site.
    pub fn may_return_to(&self, url: &Url) -> bool {
        let scheme_ok = match url.scheme() {
            "https" => true,
            "http" => !self.is_https(),
            _ => false,
        };
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let in_domain = self.cookie_domain.as_deref().is_some_and(|domain| {
            host == domain
                || host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.ends_with('.'))
        });
        scheme_ok
            && url.username().is_empty()
            && url.password().is_none()
            && (in_domain || Some(host.as_str()) == self.public_url.host_str())
    }

    /// Whether the public URL is https: cookies get `Secure` and the `__Host-` prefix, and
    /// responses carry HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The public origin (`scheme://host[:port]`), the only one allowed to post forms.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// An absolute link to a path on this server.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.public_origin(), path_and_query)
    }
}

fn positive(text: &str, flag: &'static str, env: &'static str) -> Result<u64, ConfigError> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 && n <= 10_000 => Ok(n),
        _ => Err(bad(
            flag,
            env,
            format!("'{text}' must be a whole number from 1 to 10000"),
        )),
    }
}

/// The breach checks' settings, checked: base URLs are http(s) URLs, the allowance and the
/// timeout positive numbers.
fn breach_settings(f: &BreachFlags) -> Result<BreachSettings, ConfigError> {
    let base = |text: &str, flag: &'static str, env: &'static str| {
        let url = Url::parse(text.trim())
            .map_err(|e| bad(flag, env, format!("'{text}' is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(bad(
                flag,
                env,
                format!("'{text}' must be an http:// or https:// URL without a query"),
            ));
        }
        Ok(url.as_str().trim_end_matches('/').to_string())
    };
    let per_minute = positive(
        &f.hibp_requests_per_minute,
        "--hibp-requests-per-minute",
        "PORTCULLIS_HIBP_REQUESTS_PER_MINUTE",
    )?;
    let timeout_ms = positive(
        &f.breach_timeout_ms,
        "--breach-timeout-ms",
        "PORTCULLIS_BREACH_TIMEOUT_MS",
    )?;
    Ok(BreachSettings {
        hibp_api_key: f
            .hibp_api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| SecretString::from(k.to_string())),
        hibp_base_url: base(
            &f.hibp_base_url,
            "--hibp-base-url",
            "PORTCULLIS_HIBP_BASE_URL",
        )?,
        hibp_requests_per_minute: u32::try_from(per_minute).unwrap_or(u32::MAX),
        pwned_passwords_url: if f.pwned_passwords {
            Some(base(
                &f.pwned_passwords_url,
                "--pwned-passwords-url",
                "PORTCULLIS_PWNED_PASSWORDS_URL",
            )?)
        } else {
            None
        },
        timeout: Duration::from_millis(timeout_ms),
    })
}

fn parse_mail(text: &str) -> Result<MailTarget, ConfigError> {
    let problem = |why: String| bad("--mail", "PORTCULLIS_MAIL", why);
    let url = Url::parse(text.trim()).map_err(|e| {
        problem(format!(
            "not a URL ({e}); use file://DIR, smtp://… or smtps://…"
        ))
    })?;
    match url.scheme() {
        "file" => url.to_file_path().map(MailTarget::Outbox).map_err(|_| {
            problem(
                "a file:// URL needs an absolute directory, like file:///var/lib/portcullis/outbox"
                    .into(),
            )
        }),
        "smtp" | "smtps" => {
            let Some(host) = url.host_str() else {
                return Err(problem(
                    "an SMTP URL needs a host, like smtp://user:pass@mail.example.com:587".into(),
                ));
            };
            let loopback = host == "localhost"
                || host
                    .trim_matches(['[', ']'])
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            let tls = url
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            let mut lettre_url = url.clone();
            match (url.scheme(), tls.as_deref()) {
                ("smtps", _) => {}
                ("smtp", None) if !loopback => {
                    lettre_url.query_pairs_mut().append_pair("tls", "required");
                }
                ("smtp", None | Some("required") | Some("opportunistic")) => {}
                ("smtp", Some("none")) => {
                    let rest: Vec<(String, String)> = url
                        .query_pairs()
                        .filter(|(k, _)| k != "tls")
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    lettre_url.set_query(None);
                    if !rest.is_empty() {
                        lettre_url.query_pairs_mut().extend_pairs(rest);
                    }
                }
                (_, Some(other)) => {
                    return Err(problem(format!(
                        "tls={other} is not supported; use required, opportunistic or none"
                    )));
                }
                _ => {}
            }
            lettre::transport::smtp::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(
                lettre_url.as_str(),
            )
            .map_err(|e| problem(format!("the SMTP URL cannot be used: {e}")))?;
            Ok(MailTarget::Smtp(lettre_url.to_string()))
        }
        other => Err(problem(format!(
            "'{other}:' is not supported; use file://DIR, smtp://… or smtps://…"
        ))),
    }
}

/// A mail URL with its password hidden, for the start-up log.
pub fn describe_mail(target: &MailTarget) -> String {
    match target {
        MailTarget::Outbox(dir) => format!("outbox {}", dir.display()),
        MailTarget::Smtp(url) => portcullis_store::redact_url(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["portcullis"];
        argv.extend_from_slice(args);
        Cli::parse_from(argv).settings
    }

    #[test]
    fn defaults_are_usable() {
        let config = Config::from_settings(&settings(&["--data-dir", "/tmp/pc"])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_origin(), "http://localhost:8080");
        assert_eq!(config.database_url, "sqlite:/tmp/pc/portcullis.db");
        assert_eq!(
            config.mail,
            MailTarget::Outbox(PathBuf::from("/tmp/pc/outbox"))
        );
        assert_eq!(config.session, SessionLimits::default());
        assert!(!config.is_https());
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let cases: [(&[&str], &str); 7] = [
            (&["--listen", "localhost"], "--listen (PORTCULLIS_LISTEN)"),
            (
                &["--public-url", "ftp://x"],
                "--public-url (PORTCULLIS_PUBLIC_URL)",
            ),
            (
                &["--public-url", "https://x.example/login"],
                "must not have a path",
            ),
            (
                &["--database-url", "mysql://x"],
                "--database-url (DATABASE_URL)",
            ),
            (&["--mail", "pigeon://x"], "--mail (PORTCULLIS_MAIL)"),
            (
                &["--trusted-proxies", "10.0.0.0/8, nonsense"],
                "'nonsense' is not an IP address",
            ),
            (&["--session-idle-minutes", "0"], "--session-idle-minutes"),
        ];
        for (args, expected) in cases {
            let message = Config::from_settings(&settings(args))
                .unwrap_err()
                .to_string();
            assert!(message.contains(expected), "{args:?}: {message}");
        }
    }

    #[test]
    fn smtp_requires_starttls_except_on_loopback() {
        let remote = parse_mail("smtp://u:p@mail.example.com:587").unwrap();
        assert_eq!(
            remote,
            MailTarget::Smtp("smtp://u:p@mail.example.com:587?tls=required".into())
        );
        let local = parse_mail("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(local, MailTarget::Smtp("smtp://127.0.0.1:2525".into()));
        let explicit = parse_mail("smtp://mail.example.com:25?tls=none").unwrap();
        assert_eq!(
            explicit,
            MailTarget::Smtp("smtp://mail.example.com:25".into())
        );
        assert!(!describe_mail(&remote).contains(":p@"));
    }

    #[test]
    fn https_and_proxies_are_understood() {
        let config = Config::from_settings(&settings(&[
            "--public-url",
            "https://login.example.com",
            "--trusted-proxies",
            "10.0.0.0/8,192.168.1.7",
        ]))
        .unwrap();
        assert!(config.is_https());
        assert_eq!(config.trusted_proxies.len(), 2);
        assert_eq!(config.link("/x"), "https://login.example.com/x");
    }

    #[test]
    fn a_cookie_domain_must_hold_the_public_host_and_bounds_where_a_login_returns() {
        let config = Config::from_settings(&settings(&[
            "--public-url",
            "https://login.example.com",
            "--cookie-domain",
            ".Example.com",
        ]))
        .unwrap();
        assert_eq!(config.cookie_domain.as_deref(), Some("example.com"));
        let may = |url: &str| config.may_return_to(&Url::parse(url).unwrap());
        assert!(may("https://wiki.example.com/page?x=1"));
        assert!(may("https://example.com/"));
        assert!(may("https://a.b.example.com/"));
        assert!(!may("http://wiki.example.com/"), "no downgrade to http");
        assert!(!may("https://example.com.evil.net/"));
        assert!(!may("https://badexample.com/"));
        assert!(!may("https://user:pw@wiki.example.com/"));
        assert!(!may("javascript:alert(1)"));

        for (domain, problem) in [
            ("other.org", "is not in other.org"),
            ("com", "is not a domain"),
            ("https://example.com", "is not a domain"),
        ] {
            let refused = Config::from_settings(&settings(&[
                "--public-url",
                "https://login.example.com",
                "--cookie-domain",
                domain,
            ]))
            .unwrap_err()
            .to_string();
            assert!(
                refused.contains("--cookie-domain") && refused.contains(problem),
                "{refused}"
            );
        }
        // Without a cookie domain, only this server's own host.
        let plain =
            Config::from_settings(&settings(&["--public-url", "https://login.example.com"]))
                .unwrap();
        assert!(plain.may_return_to(&Url::parse("https://login.example.com/x").unwrap()));
        assert!(!plain.may_return_to(&Url::parse("https://wiki.example.com/").unwrap()));
    }

    #[test]
    fn a_rules_file_that_does_not_check_stops_the_start() {
        let refused =
            Config::from_settings(&settings(&["--access-rules", "/nonexistent/rules.toml"]))
                .unwrap_err()
                .to_string();
        assert!(
            refused.contains("--access-rules (PORTCULLIS_ACCESS_RULES)"),
            "{refused}"
        );
        assert!(refused.contains("cannot read"), "{refused}");
    }
}

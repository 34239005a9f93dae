//! Test support: a fresh migrated database per test (SQLite, or PostgreSQL when
//! `PORTCULLIS_TEST_BACKEND=postgres`), the app driven in-process, and a small browser that keeps
//! cookies.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use portcullis_core::Timestamp;
use portcullis_core::secret_box::{Keyring, SecretKey};
use portcullis_core::user::UserKind;
use portcullis_server::flows::people::accounts::{Accounts, UserInput};
use portcullis_server::infra::config::{Settings, StorageSettings};
use portcullis_server::infra::hashing::HashPool;
use portcullis_server::infra::mail::Mailer;
use portcullis_server::{AppState, Clock, Config, Services};
use portcullis_store::Store;
use secrecy::SecretString;
use sqlx::Connection;
use tower::ServiceExt;

/// A fixed, arbitrary start for manual clocks: 2026-01-05 09:00 UTC.
pub const T0: Timestamp = Timestamp(1_767_603_600_000);

/// A password that satisfies the policy for every test user.
pub const PASSWORD: &str = "copper kettle on the stove";

/// Whether this run uses PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("PORTCULLIS_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A database that exists for one test. PostgreSQL databases are dropped when this is dropped.
pub struct TestDb {
    pub url: String,
    pg_drop: Option<(String, String)>,
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        if !on_postgres() {
            return TestDb {
                url: format!("sqlite:{}", path.join("test.db").display()),
                pg_drop: None,
                _dir: dir,
                dir: path,
            };
        }
        let admin = std::env::var("PORTCULLIS_TEST_DATABASE_URL")
            .expect("PORTCULLIS_TEST_BACKEND=postgres needs PORTCULLIS_TEST_DATABASE_URL");
        let name = format!("pc_test_{}", portcullis_core::ids::new_id());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        TestDb {
            url: url.to_string(),
            pg_drop: Some((admin, name)),
            _dir: dir,
            dir: path,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_drop.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Settings for a test server; adjust fields before building.
pub fn settings(db: &TestDb) -> Settings {
    Settings {
        listen: "127.0.0.1:0".into(),
        public_url: "http://localhost:8080".into(),
        storage: StorageSettings {
            data_dir: db.dir.clone(),
            database_url: Some(db.url.clone()),
            secret_key: None,
            previous_secret_keys: None,
        },
        mail: None,
        mail_from: "Portcullis <portcullis@localhost>".into(),
        trusted_proxies: String::new(),
        demo: false,
        session_idle_minutes: "60".into(),
        session_lifetime_hours: "12".into(),
        log_format: "human".into(),
        bench_endpoints: false,
        breach: Default::default(),
        forward_auth: Default::default(),
    }
}

/// The application, driven in-process through its router, with a manual clock.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: Clock,
    _db: TestDb,
}

/// The address test users log in from every day (validated for each of them).
pub const USUAL_IP: &str = "198.51.100.7";

/// An account made for a test.
pub struct TestAccount {
    pub account_id: String,
    pub security_code: String,
    pub admin_id: String,
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with(|_| {}).await
    }

    pub async fn with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let db = TestDb::new().await;
        let mut s = settings(&db);
        adjust(&mut s);
        let config = Config::from_settings(&s).unwrap();
        let store = Store::connect(&config.database_url).await.unwrap();
        store.migrate().await.unwrap();
        let clock = Clock::manual(T0);
        let access_rules =
            std::sync::Arc::new(portcullis_server::infra::access_rules::LiveRules::new(
                config.access_rules_file.clone(),
                config.access_rules.clone(),
            ));
        let state = AppState::new(Services {
            breaches: std::sync::Arc::new(
                portcullis_server::infra::breach::Hibp::new(config.breach.clone()).unwrap(),
            ),
            webauthn: portcullis_server::infra::webauthn::relying_party(&config)
                .map(std::sync::Arc::new),
            mailer: Mailer::new(&config.mail, &config.mail_from).unwrap(),
            store,
            keys: std::sync::Arc::new(Keyring::new(SecretKey::generate())),
            config: std::sync::Arc::new(config),
            hashing: HashPool::for_this_machine(),
            clock: clock.clone(),
            background: Default::default(),
            oidc_keys: Default::default(),
            access_rules,
        });
        let router = portcullis_server::http::router(state.clone());
        TestApp {
            state,
            router,
            clock,
            _db: db,
        }
    }

    pub fn accounts(&self) -> Accounts<'_> {
        Accounts {
            store: &self.state.store,
            keys: &self.state.keys,
            public_origin: "http://localhost:8080",
            actor: &portcullis_core::access::Actor::System("test"),
        }
    }

    /// An account whose administrator `admin` has [`PASSWORD`].
    pub async fn account(&self, admin: &str) -> TestAccount {
        let created = self
            .accounts()
            .create_account(
                &format!("{admin} Holding"),
                UserInput {
                    username: admin,
                    name: None,
                    email: &format!("{admin}@example.com"),
                    kind: UserKind::Administrator,
                    password: Some(&SecretString::from(PASSWORD)),
                },
                None,
                Default::default(),
                self.clock.now(),
            )
            .await
            .unwrap();
        self.validate_usual_ip(&created.account_id, &created.admin_user_id)
            .await;
        TestAccount {
            account_id: created.account_id,
            security_code: created.security_code,
            admin_id: created.admin_user_id,
        }
    }

    /// Every test user has confirmed [`USUAL_IP`] before (IP address security), so logins from
    /// [`TestApp::browser`] go straight in; tests of new addresses use [`TestApp::browser_from`].
    pub async fn validate_usual_ip(&self, account_id: &str, user_id: &str) {
        self.state
            .store
            .set_ip_status(account_id, user_id, USUAL_IP, "validated", self.clock.now())
            .await
            .unwrap();
    }

    /// A user with [`PASSWORD`] in an account; returns the user id.
    pub async fn user(&self, account: &TestAccount, username: &str, kind: UserKind) -> String {
        let user_id = self
            .accounts()
            .create_user(
                &account.account_id,
                UserInput {
                    username,
                    name: Some(&format!("{username} Tester")),
                    email: &format!("{username}@example.com"),
                    kind,
                    password: Some(&SecretString::from(PASSWORD)),
                },
                self.clock.now(),
            )
            .await
            .unwrap()
            .user_id;
        self.validate_usual_ip(&account.account_id, &user_id).await;
        user_id
    }

    /// A browser at [`USUAL_IP`].
    /// The test database's URL, for reading tables directly.
    pub fn db_url(&self) -> String {
        self._db.url.clone()
    }

    pub fn browser(&self) -> Browser<'_> {
        self.browser_from(&format!("{USUAL_IP}:50000"))
    }

    pub fn browser_from(&self, addr: &str) -> Browser<'_> {
        Browser {
            app: self,
            cookies: HashMap::new(),
            peer: addr.parse().unwrap(),
            origin: Some(self.state.config.public_origin()),
            forwarded_for: None,
            accept_language: None,
            extra_headers: Vec::new(),
        }
    }
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the hidden `csrf` field.
    pub fn csrf(&self) -> String {
        hidden_field(&self.body, "csrf")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

/// The value of a hidden input in a page.
pub fn hidden_field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_string()
}

/// A cookie-keeping client of the in-process router.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub peer: SocketAddr,
    /// The Origin header sent with posts, as a browser would.
    pub origin: Option<String>,
    /// An `X-Forwarded-For` header sent with every request (a proxy in front, or a liar).
    pub forwarded_for: Option<String>,
    /// The browser's `Accept-Language` (none by default).
    pub accept_language: Option<String>,
    /// Headers for the next request only (JSON calls).
    extra_headers: Vec<(String, String)>,
}

impl Browser<'_> {
    pub async fn request(&mut self, method: Method, path: &str, form: Option<String>) -> Page {
        let mut builder = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        builder = builder.header(header::USER_AGENT, "integration-test");
        if let Some(languages) = &self.accept_language {
            builder = builder.header(header::ACCEPT_LANGUAGE, languages);
        }
        if let Some(forwarded) = &self.forwarded_for {
            builder = builder.header("x-forwarded-for", forwarded);
        }
        let json = !self.extra_headers.is_empty();
        for (name, value) in &self.extra_headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = match form {
            Some(form) => {
                if !json {
                    builder =
                        builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                }
                if let Some(origin) = &self.origin {
                    builder = builder.header(header::ORIGIN, origin);
                }
                Body::from(form)
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Posts JSON with the CSRF token in `X-CSRF-Token`, as `passkeys.js` does.
    pub async fn post_json(&mut self, path: &str, csrf: &str, body: &serde_json::Value) -> Page {
        self.extra_headers = vec![
            ("x-csrf-token".into(), csrf.into()),
            ("content-type".into(), "application/json".into()),
        ];
        let page = self
            .request(Method::POST, path, Some(body.to_string()))
            .await;
        self.extra_headers.clear();
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let page = self.request(Method::GET, path, None).await;
        self.extra_headers.clear();
        page
    }

    /// Headers for the next request only (a proxy's, say).
    pub fn set_next_headers(&mut self, headers: &[(&str, &str)]) {
        self.extra_headers = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let form = serde_urlencoded_encode(fields);
        self.request(Method::POST, path, Some(form)).await
    }

    /// Opens the login page and submits it.
    pub async fn login(&mut self, code: &str, username: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("security_code", code),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// Logs in and checks it worked; from an address new to the user, confirms it the way the
    /// user would, with the link from the newest confirmation email.
    pub async fn login_ok(&mut self, account: &TestAccount, username: &str) {
        let mut page = self.login(&account.security_code, username, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        if page.location() == "/login/new-ip" {
            page = self.confirm_new_ip().await;
        }
        assert_eq!(page.location(), "/");
    }

    /// Opens the newest IP confirmation link and answers "Yes, this was me".
    pub async fn confirm_new_ip(&mut self) -> Page {
        self.answer_new_ip("confirm").await
    }

    /// Opens the newest IP confirmation link and gives `answer` (`confirm` or `wasnt-me`).
    pub async fn answer_new_ip(&mut self, answer: &str) -> Page {
        let link = self.app.newest_ip_link().await;
        let form = self.get(&link).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let token = hidden_field(&form.body, "token");
        self.post(
            "/new-ip",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("answer", answer),
            ],
        )
        .await
    }
}

pub fn serde_urlencoded_encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A message found in the outbox.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The first link in the text body that starts with `prefix` (e.g. `http://localhost:8080/set-password`).
    pub fn link(&self, prefix: &str) -> String {
        let start = self
            .text
            .find(prefix)
            .unwrap_or_else(|| panic!("no link {prefix} in {}", self.text));
        self.text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    /// The path and query of [`Mail::link`], for the in-process browser.
    pub fn link_path(&self, prefix: &str) -> String {
        self.link(prefix)
            .strip_prefix("http://localhost:8080")
            .unwrap()
            .to_string()
    }
}

impl TestApp {
    /// Every message in the outbox, oldest first, once background work has finished.
    pub async fn mails(&self) -> Vec<Mail> {
        self.state.background_settled().await;
        let Some(dir) = self.state.mailer.outbox() else {
            return Vec::new();
        };
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect(),
            Err(_) => return Vec::new(),
        };
        files.sort();
        files
            .iter()
            .map(|path| {
                let raw = std::fs::read(path).unwrap();
                let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
                Mail {
                    to: message
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string(),
                    subject: message.subject().unwrap_or_default().to_string(),
                    text: message.body_text(0).unwrap_or_default().into_owned(),
                    html: message.body_html(0).unwrap_or_default().into_owned(),
                }
            })
            .collect()
    }

    /// The confirmation link ("Yes, this was me") of the newest IP confirmation email.
    pub async fn newest_ip_link(&self) -> String {
        self.mails()
            .await
            .into_iter()
            .rev()
            .find(|m| m.subject == "Confirm your login from a new IP address")
            .expect("an IP confirmation email")
            .link_path("http://localhost:8080/new-ip")
    }

    /// The messages to one address.
    pub async fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .await
            .into_iter()
            .filter(|m| m.to == address)
            .collect()
    }
}

impl Browser<'_> {
    /// Posts a form that only needs the session's CSRF token, read from `page_path`.
    pub async fn post_from(
        &mut self,
        page_path: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let csrf = self.get(page_path).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

/// Audit assertions: what the audit log holds about a user, read the way the tests ask.
impl TestApp {
    /// The events about `user_id` named `event`, newest first.
    pub async fn audited(&self, user_id: &str, event: &str) -> Vec<portcullis_store::AuditRow> {
        self.state
            .store
            .audit_of_user(user_id, 100_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == event)
            .collect()
    }

    /// Asserts that an event named `event` about `user_id` is in the audit log with `detail`
    /// in its detail (empty: any) and, when given, acted by `actor`; returns the newest such.
    pub async fn assert_audited(
        &self,
        user_id: &str,
        event: &str,
        detail: &str,
        actor: Option<&str>,
    ) -> portcullis_store::AuditRow {
        let events = self.audited(user_id, event).await;
        let found = events
            .iter()
            .find(|e| e.detail.contains(detail) && actor.is_none_or(|a| e.actor == a));
        match found {
            Some(event) => event.clone(),
            None => panic!(
                "no '{event}' with detail '{detail}' by {actor:?} about {user_id}; those there: {:?}",
                events
                    .iter()
                    .map(|e| (&e.actor, &e.detail))
                    .collect::<Vec<_>>()
            ),
        }
    }
}

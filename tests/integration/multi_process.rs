//! Two `portcullis serve` processes sharing one database: everything that must be shared
//! (sessions, failure counters, used TOTP steps, waiting logins, the account's switches) is, so a
//! load balancer may send any request to either. Written for PostgreSQL (several hosts); the
//! suite's SQLite run drives the same tests with two processes on one SQLite file (one host).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use portcullis_core::Timestamp;
use portcullis_core::secret_box::{Keyring, SecretKey};
use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::user::UserKind;
use portcullis_server::flows::credentials::totp::totp_context;
use portcullis_server::flows::people::accounts::{Accounts, CreatedAccount, UserInput};
use portcullis_store::Store;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::SecretString;

use crate::support::{PASSWORD, TestDb, USUAL_IP, hidden_field};

struct Server {
    child: Child,
    base: String,
    data_dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server whose public URL is `public_url` (several processes behind one address).
async fn start_at(db: &TestDb, key: &SecretKey, data_dir: &Path, public_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        // Port 0: the server picks a free port and says which on its first line of output.
        .args(["serve", "--listen", "127.0.0.1:0"])
        // Each test client says which address it comes from, as a load balancer would.
        .args(["--trusted-proxies", "127.0.0.1/32"])
        .env("DATABASE_URL", &db.url)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("PORTCULLIS_SECRET_KEY", key.to_hex())
        .env("PORTCULLIS_PUBLIC_URL", public_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server {
        child,
        base: String::new(),
        data_dir: data_dir.to_path_buf(),
    };
    let line = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            let mut reader = std::io::BufReader::new(stdout);
            let mut line = String::new();
            let read = std::io::BufRead::read_line(&mut reader, &mut line);
            // Whatever else it prints is drained, so a write never finds the pipe closed.
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
            read.map(|_| line)
        }),
    )
    .await
    .expect("the server says where it listens within a minute")
    .unwrap()
    .unwrap();
    let addr = line
        .strip_prefix("Portcullis is listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the server did not say where it listens: {line:?}"));
    let mut server = server;
    server.base = format!("http://{addr}");
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    server
}

/// Two servers on one fresh database, and an account whose administrator is `sam`.
struct Cluster {
    a: Server,
    b: Server,
    store: Store,
    keys: Keyring,
    account: CreatedAccount,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    _db: TestDb,
}

impl Cluster {
    async fn start() -> Cluster {
        Cluster::start_at("http://localhost:0").await
    }

    /// Two processes that both serve `public_url` (as behind a load balancer).
    async fn start_at(public_url: &str) -> Cluster {
        let db = TestDb::new().await;
        let key = SecretKey::generate();
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let keys = Keyring::new(key.clone());
        let account = Accounts {
            store: &store,
            keys: &keys,
            public_origin: "http://localhost:8080",
            actor: &portcullis_core::access::Actor::System("test"),
        }
        .create_account(
            "Shared Ltd",
            UserInput {
                username: "sam",
                name: None,
                email: "sam@example.com",
                kind: UserKind::Administrator,
                password: Some(&SecretString::from(PASSWORD)),
            },
            None,
            Default::default(),
            Timestamp::now(),
        )
        .await
        .unwrap();
        validate_usual_ip(&store, &account.account_id, &account.admin_user_id).await;
        let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = start_at(&db, &key, dirs.0.path(), public_url).await;
        let b = start_at(&db, &key, dirs.1.path(), public_url).await;
        Cluster {
            a,
            b,
            store,
            keys,
            account,
            _dirs: dirs,
            _db: db,
        }
    }

    /// Adds an employee who has confirmed [`USUAL_IP`] before.
    async fn employee(&self, username: &str) -> String {
        let created = Accounts {
            store: &self.store,
            keys: &self.keys,
            public_origin: "http://localhost:8080",
            actor: &portcullis_core::access::Actor::System("test"),
        }
        .create_user(
            &self.account.account_id,
            UserInput {
                username,
                name: None,
                email: &format!("{username}@example.com"),
                kind: UserKind::Employee,
                password: Some(&SecretString::from(PASSWORD)),
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
        validate_usual_ip(&self.store, &self.account.account_id, &created.user_id).await;
        created.user_id
    }

    /// Logs in through the form on `server`; returns the final status, path and body.
    async fn login(
        &self,
        browser: &reqwest::Client,
        server: &Server,
        username: &str,
        password: &str,
    ) -> (StatusCode, String, String) {
        let page = browser
            .get(format!("{}/login", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let response = browser
            .post(format!("{}/login", server.base))
            .form(&[
                ("csrf", hidden_field(&page, "csrf").as_str()),
                ("security_code", self.account.security_code.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        let path = response.url().path().to_string();
        (response.status(), path, response.text().await.unwrap())
    }

    async fn close(self) {
        self.store.close().await;
    }
}

async fn validate_usual_ip(store: &Store, account_id: &str, user_id: &str) {
    store
        .set_ip_status(account_id, user_id, USUAL_IP, "validated", Timestamp::now())
        .await
        .unwrap();
}

/// A browser with its own cookie jar, arriving from `ip` (through the trusted proxy).
fn browser_from(ip: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(ip).unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap()
}

async fn get(browser: &reqwest::Client, server: &Server, path: &str) -> (String, String) {
    let response = browser
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    let path = response.url().path().to_string();
    (path, response.text().await.unwrap())
}

/// The path and query of the first `/new-ip` link in the newest mail in `server`'s outbox.
fn newest_ip_link(server: &Server) -> String {
    let outbox = server.data_dir.join("outbox");
    let mut files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    let raw = std::fs::read(files.last().expect("a mail in the outbox")).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("Confirm your login from a new IP address")
    );
    let text = message.body_text(0).unwrap().into_owned();
    let start = text.find("/new-ip?").expect("a confirmation link");
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn failed_logins_on_either_process_count_together() {
    let cluster = Cluster::start().await;
    // Three failures on A and two on B count as five for one username: the next attempt, on
    // either process, is delayed.
    for (server, n) in [(&cluster.a, 3), (&cluster.b, 2)] {
        for _ in 0..n {
            let (status, _, _) = cluster
                .login(&browser_from(USUAL_IP), server, "sam", "wrong wrong wrong")
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
    }
    assert_eq!(
        cluster
            .store
            .username_failures(portcullis_store::UsernameCounter::InAccount(
                &cluster.account.account_id,
                "sam"
            ))
            .await
            .unwrap()
            .failures,
        5
    );
    let (status, _, body) = cluster
        .login(&browser_from(USUAL_IP), &cluster.a, "sam", PASSWORD)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("Too many failed login attempts"), "{body}");
    cluster.close().await;
}

#[tokio::test]
async fn a_session_made_on_one_process_is_valid_on_the_other_until_logout_on_either() {
    let cluster = Cluster::start().await;
    cluster.employee("tess").await;
    let browser = browser_from(USUAL_IP);
    let (status, path, _) = cluster.login(&browser, &cluster.b, "tess", PASSWORD).await;
    assert_eq!((status, path.as_str()), (StatusCode::OK, "/"));
    let (path, page) = get(&browser, &cluster.a, "/").await;
    assert_eq!(path, "/");
    assert!(page.contains("Welcome, tess"));
    browser
        .post(format!("{}/logout", cluster.a.base))
        .form(&[("csrf", hidden_field(&page, "csrf").as_str())])
        .send()
        .await
        .unwrap();
    let (path, _) = get(&browser, &cluster.b, "/").await;
    assert_eq!(path, "/login", "logged out on A, so gone on B");
    cluster.close().await;
}

#[tokio::test]
async fn a_totp_code_used_on_one_process_is_refused_on_the_other() {
    let cluster = Cluster::start().await;
    let tom = cluster.employee("tom").await;
    let secret = TotpSecret::generate();
    let enc = cluster.keys.encrypt(&totp_context(&tom), secret.as_bytes());
    let account_id = &cluster.account.account_id;
    let store = &cluster.store;
    assert!(
        store
            .begin_totp_enrollment(account_id, &tom, &enc, Timestamp::now())
            .await
            .unwrap()
    );
    assert!(
        store
            .use_totp_step(account_id, &tom, 0, Some(Timestamp::now()))
            .await
            .unwrap()
    );

    async fn submit_code(
        browser: &reqwest::Client,
        server: &Server,
        code: &str,
    ) -> (String, String) {
        let (path, page) = get(browser, server, "/login/code").await;
        assert_eq!(path, "/login/code");
        let response = browser
            .post(format!("{}/login/code", server.base))
            .form(&[
                ("csrf", hidden_field(&page, "csrf").as_str()),
                ("code", code),
            ])
            .send()
            .await
            .unwrap();
        let path = response.url().path().to_string();
        (path, response.text().await.unwrap())
    }

    // Two browsers pass the password, one on each process; both are asked for a code.
    let phone_user = browser_from(USUAL_IP);
    let thief = browser_from(USUAL_IP);
    for (browser, server) in [(&phone_user, &cluster.a), (&thief, &cluster.b)] {
        let (status, path, _) = cluster.login(browser, server, "tom", PASSWORD).await;
        assert_eq!((status, path.as_str()), (StatusCode::OK, "/login/code"));
    }
    let code = totp::code_at(&secret, Timestamp::now());
    let (path, page) = submit_code(&phone_user, &cluster.a, &code).await;
    assert_eq!(path, "/", "{page}");
    // The same code on B, moments later, is spent.
    let (path, page) = submit_code(&thief, &cluster.b, &code).await;
    assert_eq!(path, "/login/code");
    assert!(
        page.contains("That code is not correct, or it was used already"),
        "{page}"
    );
    let (path, _) = get(&thief, &cluster.b, "/").await;
    assert_eq!(path, "/login", "no session for the replay");
    cluster.close().await;
}

#[tokio::test]
async fn an_ip_confirmation_link_opened_on_one_process_completes_the_login_waiting_on_the_other() {
    let cluster = Cluster::start().await;
    cluster.employee("ivy").await;
    // Ivy logs in on A from an address she has never used: the login waits.
    let laptop = browser_from("203.0.113.9");
    let (status, path, page) = cluster.login(&laptop, &cluster.a, "ivy", PASSWORD).await;
    assert_eq!(
        (status, path.as_str()),
        (StatusCode::OK, "/login/new-ip"),
        "{page}"
    );
    // The load balancer sends her phone's click to B.
    let link = newest_ip_link(&cluster.a);
    let phone = browser_from("192.0.2.44");
    let (path, form) = get(&phone, &cluster.b, &link).await;
    assert_eq!(path, "/new-ip");
    let answered = phone
        .post(format!("{}/new-ip", cluster.b.base))
        .form(&[
            ("csrf", hidden_field(&form, "csrf").as_str()),
            ("token", hidden_field(&form, "token").as_str()),
            ("answer", "confirm"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    // The waiting page on A, at its next refresh, finds the confirmation and logs her in.
    let (path, page) = get(&laptop, &cluster.a, "/login/new-ip").await;
    assert_eq!(path, "/", "{page}");
    assert!(page.contains("Welcome, ivy"));
    let (path, _) = get(&laptop, &cluster.b, "/").await;
    assert_eq!(path, "/", "the session is valid on B too");
    cluster.close().await;
}

#[tokio::test]
async fn a_policy_switched_on_one_process_applies_on_the_other_at_the_next_request() {
    let cluster = Cluster::start().await;
    let tess = cluster.employee("tess").await;
    let employee = browser_from(USUAL_IP);
    let (_, path, _) = cluster.login(&employee, &cluster.b, "tess", PASSWORD).await;
    assert_eq!(path, "/");
    assert_eq!(
        get(&employee, &cluster.b, "/employees").await.0,
        "/employees"
    );

    // Sam switches on two-factor enforcement on A.
    let admin = browser_from(USUAL_IP);
    let (_, path, _) = cluster.login(&admin, &cluster.a, "sam", PASSWORD).await;
    assert_eq!(path, "/");
    let (_, center) = get(&admin, &cluster.a, "/security-center").await;
    let saved = admin
        .post(format!("{}/security-center", cluster.a.base))
        .form(&[
            ("csrf", hidden_field(&center, "csrf").as_str()),
            ("enforce_two_factor", "on"),
        ])
        .send()
        .await
        .unwrap();
    // Sam has no second factor himself: he is asked first, and nothing is saved yet.
    assert_eq!(saved.url().path(), "/security-center");
    let confirm = saved.text().await.unwrap();
    assert!(confirm.contains("Require it now anyway"), "{confirm}");
    let (path, _) = get(&employee, &cluster.b, "/employees").await;
    assert_eq!(path, "/employees", "not required yet");
    let saved = admin
        .post(format!("{}/security-center", cluster.a.base))
        .form(&[
            ("csrf", hidden_field(&confirm, "csrf").as_str()),
            ("enforce_two_factor", "on"),
            ("restricting_myself", "on"),
        ])
        .send()
        .await
        .unwrap();
    // Saved: Sam, who has no second factor yet, is held in his own settings at once.
    assert_eq!(
        saved.url().path(),
        format!("/employees/{}/security", cluster.account.admin_user_id)
    );
    assert_eq!(saved.url().query(), Some("why=two-factor-required"));

    // Tess's very next request on B is held in her security settings.
    let (path, page) = get(&employee, &cluster.b, "/employees").await;
    assert_eq!(path, format!("/employees/{tess}/security"));
    assert!(page.contains("two-factor"), "{page}");
    cluster.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_passwords_on_both_processes_are_checked_no_more_often_than_the_gate_allows()
 {
    let cluster = Cluster::start().await;
    for (round, n) in [(0, 20), (1, 40)] {
        let victim = format!("victim{round}");
        let victim_id = cluster.employee(&victim).await;
        let clients: Vec<reqwest::Client> = (0..n)
            .map(|i| browser_from(&format!("198.51.{}.{}", 100 + round, 1 + i)))
            .collect();
        let attempts = clients.iter().enumerate().map(|(i, client)| {
            let server = if i % 2 == 0 { &cluster.a } else { &cluster.b };
            cluster.login(client, server, &victim, "wrong wrong wrong")
        });
        let statuses: Vec<StatusCode> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|(status, _, _)| status)
            .collect();
        let checked = cluster
            .store
            .audit_of_user(&victim_id, 1_000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event == "login.failed")
            .count();
        assert_eq!(
            checked,
            portcullis_core::lockout::FREE_FAILURES as usize,
            "{n} at once over two processes: {statuses:?}"
        );
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::UNAUTHORIZED)
                .count(),
            checked
        );
    }
}

#[tokio::test]
async fn an_openid_connect_login_begun_on_one_process_is_finished_and_refreshed_on_the_other() {
    let cluster = Cluster::start_at("http://localhost:8080").await;
    let (a, b, store) = (&cluster.a, &cluster.b, &cluster.store);
    let secret = "a-client-secret-of-forty-three-characters-x";
    store
        .create_oidc_client(&portcullis_store::OidcClient {
            client_id: "shared-app".into(),
            name: "Shared App".into(),
            secret_hash: Some(portcullis_core::token::hash_token(secret)),
            redirect_uris: vec!["http://localhost:3000/cb".into()],
            account_id: None,
            first_party: true,
            id_token_alg: "ES256".into(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();

    // Logged in on A; the authorization request on A gives a code.
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_static(USUAL_IP));
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (status, _, _) = cluster.login(&browser, a, "sam", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let authorized = browser
        .get(format!("{}/oauth2/authorize", a.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "shared-app"),
            ("redirect_uri", "http://localhost:3000/cb"),
            ("scope", "openid account offline_access"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let location = authorized.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{location}"));

    // The code is exchanged on B; the refresh token is used on A; its reuse is caught on B.
    let token = |server: &Server, form: Vec<(&'static str, String)>| {
        let url = format!("{}/oauth2/token", server.base);
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .basic_auth("shared-app", Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, first) = token(
        b,
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", "http://localhost:3000/cb".into()),
            ("code_verifier", verifier.into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let jwks: serde_json::Value = reqwest::get(format!("{}/oauth2/jwks", a.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = portcullis_server::infra::jwt::verify(
        first["id_token"].as_str().unwrap(),
        jwks["keys"].as_array().unwrap(),
    )
    .expect("B's ID token verifies with A's JWKS");
    assert_eq!(claims["account_name"], "Shared Ltd");
    let refresh = first["refresh_token"].as_str().unwrap().to_string();
    let (status, second) = token(
        a,
        vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh.clone()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let (status, reused) = token(
        b,
        vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // Userinfo on B for A's access token.
    let info = reqwest::Client::new()
        .get(format!("{}/oauth2/userinfo", b.base))
        .bearer_auth(second["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::OK);
    cluster.close().await;
}

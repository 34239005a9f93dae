//! Two `portcullis serve` processes sharing one PostgreSQL database.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use portcullis_core::secret_box::{Keyring, SecretKey};
use portcullis_core::user::UserKind;
use portcullis_server::accounts::{Accounts, UserInput};
use portcullis_store::Store;
use reqwest::StatusCode;
use secrecy::SecretString;

use crate::real_server::{client, login};
use crate::support::{PASSWORD, TestDb, on_postgres};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &TestDb, key: &SecretKey, data_dir: &std::path::Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("PORTCULLIS_SECRET_KEY", key.to_hex())
        .env("PORTCULLIS_PUBLIC_URL", format!("http://localhost:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..200 {
        let ready = http.get(format!("{}/readyz", server.base)).send().await;
        if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {} did not become ready", server.base);
}

#[tokio::test]
async fn two_processes_on_one_postgresql_share_failures_and_sessions() {
    if !on_postgres() {
        eprintln!(
            "skipped: two_processes_on_one_postgresql_share_failures_and_sessions needs PostgreSQL"
        );
        return;
    }
    let db = TestDb::new().await;
    let key = SecretKey::generate();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let keys = Keyring::new(key.clone());
    let created = Accounts {
        store: &store,
        keys: &keys,
        public_origin: "http://localhost:8080",
        actor: "test",
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
        portcullis_core::Timestamp::now(),
    )
    .await
    .unwrap();
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let a = start(&db, &key, dir_a.path()).await;
    let b = start(&db, &key, dir_b.path()).await;

    // Three failures on A and two on B count as five for one username: the next attempt, on
    // either process, is delayed.
    for (server, n) in [(&a, 3), (&b, 2)] {
        for _ in 0..n {
            let (status, _) = login(
                &client(),
                &server.base,
                &created.security_code,
                "sam",
                "wrong wrong wrong",
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
    }
    assert_eq!(store.username_failures("sam").await.unwrap().failures, 5);
    let (status, body) = login(&client(), &a.base, &created.security_code, "sam", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    // A session made on B is valid on A, and logging out on A ends it on B.
    Accounts {
        store: &store,
        keys: &keys,
        public_origin: "http://localhost:8080",
        actor: "test",
    }
    .create_user(
        &created.account_id,
        UserInput {
            username: "tess",
            name: None,
            email: "tess@example.com",
            kind: UserKind::Employee,
            password: Some(&SecretString::from(PASSWORD)),
        },
        portcullis_core::Timestamp::now(),
    )
    .await
    .unwrap();
    // Tess has confirmed this machine's address before (IP address security).
    let tess = store.user_by_username("tess").await.unwrap().unwrap();
    store
        .set_ip_status(
            &created.account_id,
            &tess.id,
            "127.0.0.1",
            "validated",
            portcullis_core::Timestamp::now(),
        )
        .await
        .unwrap();
    let browser = client();
    let (status, body) = login(&browser, &b.base, &created.security_code, "tess", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let on_a = browser.get(format!("{}/", a.base)).send().await.unwrap();
    assert_eq!(on_a.url().path(), "/");
    let page = on_a.text().await.unwrap();
    assert!(page.contains("Welcome, tess"));
    let csrf = crate::support::hidden_field(&page, "csrf");
    browser
        .post(format!("{}/logout", a.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let on_b = browser.get(format!("{}/", b.base)).send().await.unwrap();
    assert_eq!(on_b.url().path(), "/login");
    store.close().await;
}

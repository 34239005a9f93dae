//! The real server on port 0, driven by an HTTP client with a cookie jar.

use portcullis_core::secret_box::{Keyring, SecretKey};
use portcullis_core::user::UserKind;
use portcullis_server::flows::people::accounts::{Accounts, UserInput};
use portcullis_server::{App, Clock, Config};
use reqwest::StatusCode;
use secrecy::SecretString;

use crate::support::{PASSWORD, TestDb, hidden_field, settings};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap()
}

/// Logs in through the login form; returns the final response's status and body.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    code: &str,
    username: &str,
    password: &str,
) -> (StatusCode, String) {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf");
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("security_code", code),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_real_server_on_port_zero_logs_in_and_out_with_a_cookie_jar() {
    let db = TestDb::new().await;
    let config = Config::from_settings(&settings(&db)).unwrap();
    let keys = Keyring::new(SecretKey::generate());
    let app = App::build(config, keys, Clock::System).await.unwrap();
    let base = format!("http://{}", app.addr());
    assert_ne!(app.addr().port(), 0);
    let state = app.state().clone();
    let created = Accounts {
        store: &state.store,
        keys: &state.keys,
        public_origin: "http://localhost:8080",
        actor: &portcullis_core::access::Actor::System("test"),
    }
    .create_account(
        "Real Server Ltd",
        UserInput {
            username: "zoe",
            name: None,
            email: "zoe@example.com",
            kind: UserKind::Administrator,
            password: Some(&SecretString::from(PASSWORD)),
        },
        None,
        Default::default(),
        state.clock.now(),
    )
    .await
    .unwrap();
    // Zoe has confirmed this machine's address before (IP address security).
    state
        .store
        .set_ip_status(
            &created.account_id,
            &created.admin_user_id,
            "127.0.0.1",
            "validated",
            state.clock.now(),
        )
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve_until(async {
        let _ = stopped.await;
    }));

    let client = client();
    let (status, body) = login(&client, &base, &created.security_code, "zoe", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Welcome, zoe"), "{body}");

    let csrf = hidden_field(&body, "csrf");
    let response = client
        .post(format!("{base}/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .url()
            .as_str()
            .ends_with("/login?notice=logged-out")
    );
    let after = client.get(format!("{base}/")).send().await.unwrap();
    assert!(
        after.url().path().ends_with("/login"),
        "logged out: {}",
        after.url()
    );

    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

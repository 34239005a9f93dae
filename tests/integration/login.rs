use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn the_login_page_has_the_three_labelled_fields_and_the_button() {
    let app = TestApp::new().await;
    let page = app.browser().get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    for label in [
        ">Security code</label>",
        ">Username</label>",
        ">Password</label>",
        ">Log in</button>",
    ] {
        assert!(page.body.contains(label), "missing {label}");
    }
    assert!(page.body.contains(r#"type="password""#));
}

#[tokio::test]
async fn correct_credentials_log_in_and_show_the_dashboard() {
    let app = TestApp::new().await;
    let account = app.account("anna").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "anna").await;
    let dashboard = browser.get("/").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Welcome, anna"));
    assert!(dashboard.body.contains(">Log out</button>"));
}

#[tokio::test]
async fn the_security_code_and_username_are_accepted_in_any_case_and_grouping() {
    let app = TestApp::new().await;
    let account = app.account("Bram").await;
    let sloppy_code = account.security_code.replace('-', " ").to_lowercase();
    let page = app.browser().login(&sloppy_code, "BRAM", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn a_wrong_security_code_username_or_password_gets_the_same_message() {
    let app = TestApp::new().await;
    let account = app.account("carla").await;
    let other = app.account("dirk").await;
    let cases = [
        (
            other.security_code.as_str(),
            "carla",
            PASSWORD,
            "wrong_security_code",
        ),
        (
            account.security_code.as_str(),
            "nobody-here",
            PASSWORD,
            "unknown_user",
        ),
        (
            account.security_code.as_str(),
            "carla",
            "copper kettle on the stovetop",
            "wrong_password",
        ),
    ];
    let mut bodies = Vec::new();
    for (code, user, password, _) in cases {
        let page = app.browser().login(code, user, password).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(
            page.body
                .contains("The security code, username or password is not correct.")
        );
        assert!(
            page.set_cookies()
                .iter()
                .all(|c| !c.contains("portcullis_session"))
        );
        // The page differs only in what the user typed back into the form.
        let generic = page.body.replace(user, "USER").replace(code, "CODE");
        let generic = generic.replace(&crate::support::hidden_field(&page.body, "csrf"), "CSRF");
        bodies.push(generic);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "the three failure pages differ"
    );

    // The true reasons are kept server-side, in the audit log.
    let events = app
        .state
        .store
        .audit_of_user(&account.admin_id, 10)
        .await
        .unwrap();
    let details: Vec<&str> = events.iter().map(|e| e.detail.as_str()).collect();
    // An attempt without the account's security code names no account, so it is in no
    // account's audit log: a stranger's guesses tell the administrators nothing false.
    assert!(
        !details
            .iter()
            .any(|d| d.contains("reason=wrong_security_code")),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.contains("reason=wrong_password")),
        "{details:?}"
    );
}

#[tokio::test]
async fn a_user_without_a_password_cannot_log_in_with_an_empty_one() {
    let app = TestApp::new().await;
    let account = app.account("erik").await;
    let created = app
        .accounts()
        .create_user(
            &account.account_id,
            portcullis_server::flows::people::accounts::UserInput {
                username: "fresh",
                name: None,
                email: "fresh@example.com",
                kind: UserKind::Employee,
                password: None,
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    assert!(created.set_password_link.is_some());
    let page = app
        .browser()
        .login(&account.security_code, "fresh", "")
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deactivated_user_or_one_whose_employment_ended_is_refused() {
    let app = TestApp::new().await;
    let account = app.account("fleur").await;
    let gijs = app.user(&account, "gijs", UserKind::Employee).await;
    let hanna = app.user(&account, "hanna", UserKind::Employee).await;
    app.state
        .store
        .set_user_disabled(&account.account_id, &gijs, true)
        .await
        .unwrap();
    app.state
        .store
        .set_employment_end(&account.account_id, &hanna, Some(app.clock.now()))
        .await
        .unwrap();
    for user in ["gijs", "hanna"] {
        let page = app
            .browser()
            .login(&account.security_code, user, PASSWORD)
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{user}");
        assert!(page.body.contains("can no longer log in"));
    }
}

#[tokio::test]
async fn ending_employment_ends_an_open_session_at_the_next_request() {
    let app = TestApp::new().await;
    let account = app.account("ilse").await;
    let jan = app.user(&account, "jan", UserKind::Employee).await;
    let mut browser = app.browser();
    browser.login_ok(&account, "jan").await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    let tomorrow = app.clock.now().plus(std::time::Duration::from_secs(86_400));
    app.state
        .store
        .set_employment_end(&account.account_id, &jan, Some(tomorrow))
        .await
        .unwrap();
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    app.clock.advance(std::time::Duration::from_secs(86_400));
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &jan)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn every_login_gets_a_new_session_token_and_ends_the_old_one() {
    let app = TestApp::new().await;
    let account = app.account("karel").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "karel").await;
    let first = browser.cookies["portcullis_session"].clone();
    browser.login_ok(&account, "karel").await;
    let second = browser.cookies["portcullis_session"].clone();
    assert_ne!(first, second);
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &account.admin_id)
            .await
            .unwrap(),
        1
    );
    let mut stale = app.browser();
    stale.cookies.insert("portcullis_session".into(), first);
    assert_eq!(stale.get("/").await.location(), "/login");
}

#[tokio::test]
async fn a_successful_login_is_audited_with_ip_and_browser() {
    let app = TestApp::new().await;
    let account = app.account("lotte").await;
    app.browser_from("203.0.113.9:1234")
        .login_ok(&account, "lotte")
        .await;
    let events = app
        .state
        .store
        .audit_of_user(&account.admin_id, 5)
        .await
        .unwrap();
    let login = events
        .iter()
        .find(|e| e.event == "login.succeeded")
        .expect("login audited");
    assert_eq!(login.ip, "203.0.113.9");
    assert_eq!(login.user_agent, "integration-test");
    assert_eq!(
        login.account_id.as_deref(),
        Some(account.account_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_hashing_is_saturated_a_login_gets_503_with_retry_after_at_once() {
    let mut app = TestApp::new().await;
    let account = app.account("lucas").await;
    app.state = app
        .state
        .with_hashing(portcullis_server::infra::hashing::HashPool::new(1, 0));
    app.router = portcullis_server::http::router(app.state.clone());
    // Occupy the only worker with a hash that waits for us.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (started, running) = tokio::sync::oneshot::channel();
    let pool = app.state.hashing.clone();
    let busy = tokio::spawn(async move {
        pool.run("192.0.2.200".parse().unwrap(), move || {
            let _ = started.send(());
            let _ = wait.recv();
        })
        .await
    });
    running.await.unwrap();
    let page = app
        .browser()
        .login(&account.security_code, "lucas", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers["retry-after"], "2");
    assert!(page.body.contains("try again in a few seconds"));
    // Nothing was counted against the user.
    assert_eq!(
        app.state
            .store
            .username_failures(portcullis_store::UsernameCounter::InAccount(
                &account.account_id,
                "lucas"
            ))
            .await
            .unwrap()
            .failures,
        0
    );
    release.send(()).unwrap();
    busy.await.unwrap().unwrap();
    app.browser().login_ok(&account, "lucas").await;
}

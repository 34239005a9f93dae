use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::lockout::{IP_MAX_FAILURES, LOCK_AFTER, MAX_DELAY};

use crate::support::{PASSWORD, TestApp};

const WRONG: &str = "definitely not the password";

#[tokio::test]
async fn repeated_failures_delay_the_next_attempt_and_a_success_resets_the_count() {
    let app = TestApp::new().await;
    let account = app.account("maria").await;
    for _ in 0..5 {
        let page = app
            .browser()
            .login(&account.security_code, "maria", WRONG)
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // The fifth failure brings a one-second delay: even the right password waits.
    let page = app
        .browser()
        .login(&account.security_code, "maria", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.body.contains("Wait a second and try again."),
        "{}",
        page.body
    );
    assert_eq!(page.headers["retry-after"], "1");

    app.clock.advance(Duration::from_secs(1));
    app.browser().login_ok(&account, "maria").await;
    assert_eq!(
        app.state
            .store
            .username_failures(portcullis_store::UsernameCounter::InAccount(
                &account.account_id,
                "maria"
            ))
            .await
            .unwrap()
            .failures,
        0
    );
}

#[tokio::test]
async fn failures_count_for_usernames_that_do_not_exist_exactly_like_real_ones() {
    let app = TestApp::new().await;
    let account = app.account("niels").await;
    let mut pages = Vec::new();
    for user in ["niels", "ghost-user"] {
        for _ in 0..5 {
            app.browser()
                .login(&account.security_code, user, WRONG)
                .await;
        }
        let page = app
            .browser()
            .login(&account.security_code, user, WRONG)
            .await;
        pages.push((
            page.status,
            page.body.contains("Too many failed login attempts"),
        ));
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[0], (StatusCode::TOO_MANY_REQUESTS, true));
}

#[tokio::test]
async fn one_hundred_consecutive_failures_lock_the_username_until_unlocked() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    // Vary the client address so the per-IP throttle is not what stops us.
    for i in 0..LOCK_AFTER {
        app.clock.advance(MAX_DELAY);
        let addr = format!("192.0.2.{}:4000", i % 250 + 1);
        let page = app
            .browser_from(&addr)
            .login(&account.security_code, "olga", WRONG)
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    app.clock.advance(Duration::from_secs(86_400));
    let page = app
        .browser()
        .login(&account.security_code, "olga", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("locked"), "{}", page.body);

    assert_eq!(
        app.audited(&account.admin_id, "login.locked").await.len(),
        1
    );

    // Olga is told by email, once.
    let mails = app.mails_to("olga@example.com").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Your username is locked");
    assert!(mails[0].text.contains("100 times"), "{}", mails[0].text);
    assert!(mails[0].text.contains("Time of the last attempt: "));

    // Another administrator sees the lock on the Employees page and lifts it there (the CLI's
    // `user unlock` does the same).
    app.user(
        &account,
        "olaf",
        portcullis_core::user::UserKind::Administrator,
    )
    .await;
    let mut olaf = app.browser();
    olaf.login_ok(&account, "olaf").await;
    assert!(olaf.get("/employees").await.body.contains("Locked"));
    let page = olaf
        .post_from("/", &format!("/employees/{}/unlock", account.admin_id), &[])
        .await;
    assert_eq!(
        page.location(),
        format!("/employees/{}?done=unlocked", account.admin_id)
    );
    app.browser().login_ok(&account, "olga").await;
}

#[tokio::test]
async fn one_address_is_throttled_across_usernames() {
    let app = TestApp::new().await;
    let account = app.account("pieter").await;
    for i in 0..IP_MAX_FAILURES {
        let user = format!("guess-{i}");
        let page = app
            .browser()
            .login(&account.security_code, &user, WRONG)
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = app
        .browser()
        .login(&account.security_code, "pieter", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected, and the window passes.
    app.browser_from("203.0.113.50:1")
        .login_ok(&account, "pieter")
        .await;
    app.clock.advance(portcullis_core::lockout::IP_WINDOW);
    app.browser().login_ok(&account, "pieter").await;
}

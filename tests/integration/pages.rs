use axum::http::StatusCode;
use portcullis_core::ids::new_id;
use portcullis_core::user::UserKind;
use portcullis_server::flows::people::accounts::UserInput;
use portcullis_server::infra::mail::Email;

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn employees_see_only_the_administrations_granted_to_them() {
    let app = TestApp::new().await;
    let account = app.account("bea").await;
    let employee = app.user(&account, "cas", UserKind::Employee).await;
    let now = app.clock.now();
    let (north, south) = (new_id(), new_id());
    app.state
        .store
        .create_administration(&north, &account.account_id, "North Books", now)
        .await
        .unwrap();
    app.state
        .store
        .create_administration(&south, &account.account_id, "South Books", now)
        .await
        .unwrap();
    app.state
        .store
        .grant_administration(&account.account_id, &employee, &north)
        .await
        .unwrap();

    let mut admin = app.browser();
    admin.login_ok(&account, "bea").await;
    let page = admin.get("/").await;
    assert!(page.body.contains("North Books") && page.body.contains("South Books"));

    let mut cas = app.browser();
    cas.login_ok(&account, "cas").await;
    let page = cas.get("/").await;
    assert!(page.body.contains("North Books"));
    assert!(!page.body.contains("South Books"));
}

#[tokio::test]
async fn an_administration_of_another_account_cannot_be_granted() {
    let app = TestApp::new().await;
    let mine = app.account("daan").await;
    let theirs = app.account("eva").await;
    let employee = app.user(&mine, "femke", UserKind::Employee).await;
    let foreign = new_id();
    app.state
        .store
        .create_administration(&foreign, &theirs.account_id, "Their Books", app.clock.now())
        .await
        .unwrap();
    let result = app
        .state
        .store
        .grant_administration(&mine.account_id, &employee, &foreign)
        .await;
    assert!(matches!(
        result,
        Err(portcullis_store::StoreError::NotFound)
    ));
}

#[tokio::test]
async fn the_audit_log_is_shown_to_administrators_of_the_account_only() {
    let app = TestApp::new().await;
    let account = app.account("gerrit").await;
    let other = app.account("hedwig").await;
    app.user(&account, "ivo", UserKind::Employee).await;
    app.browser()
        .login(&account.security_code, "gerrit", "wrong password here")
        .await;
    app.browser().login_ok(&other, "hedwig").await;

    let mut admin = app.browser();
    admin.login_ok(&account, "gerrit").await;
    let page = admin.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    // In words, not the log's machine spelling.
    assert!(page.body.contains("<td>Login failed</td>"), "{}", page.body);
    assert!(page.body.contains("Reason: wrong password"));
    assert!(page.body.contains("<td>Logged in</td>"));
    assert!(!page.body.contains("<td>login.failed") && !page.body.contains("reason="));
    assert!(
        !page.body.contains("hedwig"),
        "another account's events are not shown"
    );
    assert!(page.body.contains(">Audit log</a>"));

    let mut employee = app.browser();
    employee.login_ok(&account, "ivo").await;
    assert_eq!(employee.get("/audit").await.status, StatusCode::NOT_FOUND);
    assert!(!employee.get("/").await.body.contains(">Audit log</a>"));
}

#[tokio::test]
async fn a_set_password_link_works_once_and_checks_the_policy() {
    let app = TestApp::new().await;
    let account = app.account("jet").await;
    let created = app
        .accounts()
        .create_user(
            &account.account_id,
            UserInput {
                username: "koen",
                name: None,
                email: "koen@example.com",
                kind: UserKind::Accountant,
                password: None,
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    let link = created.set_password_link.unwrap();
    let path = link.strip_prefix("http://localhost:8080").unwrap();
    let mut browser = app.browser();
    let form = browser.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("koen"));
    let token = crate::support::hidden_field(&form.body, "token");

    let page = browser
        .post(
            "/set-password",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("password", "koen is great 123"),
                ("repeat", "koen is great 123"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("must not contain your username"));

    let page = browser
        .post(
            "/set-password",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("password", PASSWORD),
                ("repeat", PASSWORD),
            ],
        )
        .await;
    // The login form follows at once, filled in from the invitation (whose email carried the
    // security code and username): only the password is left to type.
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Your password is set. You can log in now.")
    );
    assert!(
        page.body
            .contains(&format!("value=\"{}\"", account.security_code))
    );
    assert!(page.body.contains("value=\"koen\""));
    assert!(page.body.contains("action=\"/login\""));
    browser.login_ok(&account, "koen").await;

    // The link is used up.
    assert_eq!(app.browser().get(path).await.status, StatusCode::GONE);
    let page = browser
        .post(
            "/set-password",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("password", "another fine password"),
                ("repeat", "another fine password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::GONE);
}

#[tokio::test]
async fn a_set_password_link_expires_after_72_hours() {
    let app = TestApp::new().await;
    let account = app.account("lies").await;
    let created = app
        .accounts()
        .create_user(
            &account.account_id,
            UserInput {
                username: "maarten",
                name: None,
                email: "maarten@example.com",
                kind: UserKind::Employee,
                password: None,
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    let link = created.set_password_link.unwrap();
    let path = link
        .strip_prefix("http://localhost:8080")
        .unwrap()
        .to_string();
    app.clock
        .advance(std::time::Duration::from_secs(72 * 3600 - 1));
    assert_eq!(app.browser().get(&path).await.status, StatusCode::OK);
    app.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(app.browser().get(&path).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn the_mailbox_page_shows_the_outbox_in_demo_mode_only() {
    let app = TestApp::with(|s| s.demo = true).await;
    let email = Email {
        to: "someone@example.com".into(),
        subject: "Confirm your new IP address".into(),
        text: "Open http://localhost:8080/confirm?token=abc to continue.".into(),
        html: "<p>Open the link.</p>".into(),
    };
    app.state.mailer.send(&email).await.unwrap();
    let mut browser = app.browser();
    let list = browser.get("/dev/mail").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Confirm your new IP address")
            && list.body.contains("someone@example.com")
    );
    let start = list.body.find("/dev/mail/").unwrap();
    let href: String = list.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let message = browser.get(&href).await;
    assert!(
        message
            .body
            .contains(r#"<a href="http://localhost:8080/confirm?token=abc">"#),
        "{}",
        message.body
    );

    let plain = TestApp::new().await;
    assert_eq!(
        plain.browser().get("/dev/mail").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.body.contains("ok"));
    let ready = browser.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    app.state.store.close().await;
    let ready = browser.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn every_table_scrolls_in_its_own_labelled_region_that_the_keyboard_reaches() {
    let app = TestApp::new().await;
    let account = app.account("tara").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "tara").await;
    let pages = [
        "/employees".to_string(),
        "/audit".to_string(),
        "/ip-addresses".to_string(),
        "/security-center".to_string(),
        format!("/employees/{}/security/sessions", account.admin_id),
    ];
    for path in pages {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let tables = page.body.matches("<table").count();
        assert!(tables > 0, "{path} has a table");
        for before_table in page.body.split("<table").take(tables) {
            let wrapper = before_table
                .rfind("<div")
                .map(|i| &before_table[i..])
                .unwrap_or_default();
            assert!(
                wrapper.starts_with("<div class=\"table-wrap\" role=\"region\" aria-label=\"")
                    && wrapper.contains("tabindex=\"0\""),
                "{path}: a table outside a focusable, labelled scroll region: {wrapper}"
            );
        }
    }
}

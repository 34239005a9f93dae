//! "Forgot your password?" and the reset link.

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{Browser, PASSWORD, TestApp, hidden_field};

const NEW_PASSWORD: &str = "lighthouse over the quiet bay";

pub(crate) async fn ask(
    browser: &mut Browser<'_>,
    code: &str,
    username: &str,
) -> crate::support::Page {
    browser
        .post_from(
            "/forgot-password",
            "/forgot-password",
            &[("security_code", code), ("username", username)],
        )
        .await
}

/// The `value` of the input named `name` in a page.
fn hidden_or_value(body: &str, name: &str) -> String {
    let field = body
        .split(&format!("name=\"{name}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no field {name}"));
    let tag_end = field.find('>').unwrap_or(field.len());
    field[..tag_end]
        .split("value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_default()
        .to_string()
}

async fn reset(browser: &mut Browser<'_>, path: &str, password: &str) -> crate::support::Page {
    let form = browser.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = hidden_field(&form.body, "token");
    browser
        .post(
            "/reset-password",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("password", password),
                ("repeat", password),
            ],
        )
        .await
}

#[tokio::test]
async fn forgot_password_answers_the_same_way_and_mails_a_link_only_when_code_and_username_match() {
    let app = TestApp::new().await;
    let account = app.account("dana").await;
    let emma = app.user(&account, "emma", UserKind::Employee).await;
    let mut browser = app.browser();
    let login = browser.get("/login").await;
    assert!(login.body.contains("href=\"/forgot-password\""));

    let wrong_code = ask(&mut browser, "AAAA-BBBB-CCCC", "emma").await;
    let unknown = ask(&mut browser, &account.security_code, "nobody-here").await;
    let right = ask(&mut browser, &account.security_code, "EMMA").await;
    for page in [&wrong_code, &unknown, &right] {
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("If the security code and username belong to an active user")
        );
    }
    assert_eq!(wrong_code.body, right.body);
    assert_eq!(unknown.body, right.body);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, "emma@example.com");
    assert!(mails[0].text.contains("30 minutes"));

    // An existing session ends when the password is reset; the reset itself logs nobody in.
    let mut emmas = app.browser();
    emmas.login_ok(&account, "emma").await;
    let link = mails[0].link_path("http://localhost:8080/reset-password");
    let mut fresh = app.browser();
    let done = reset(&mut fresh, &link, NEW_PASSWORD).await;
    // Straight to the login form with the username filled in; not the security code: the reset
    // link did not carry it, and a leaked link must not reveal it.
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body
            .contains("Your password is set. You can log in now.")
    );
    assert_eq!(hidden_or_value(&done.body, "username"), "emma");
    assert_eq!(hidden_or_value(&done.body, "security_code"), "");
    assert!(!done.body.contains(&account.security_code));
    assert!(!fresh.cookies.contains_key("portcullis_session"));
    assert_eq!(emmas.get("/").await.location(), "/login");
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &emma)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.browser().get(&link).await.status,
        StatusCode::GONE,
        "the link works once"
    );
    assert_eq!(
        app.browser()
            .login(&account.security_code, "emma", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser()
            .login(&account.security_code, "emma", NEW_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let changed = app.mails_to("emma@example.com").await;
    assert!(
        changed
            .iter()
            .any(|m| m.subject == "Your password was changed")
    );
}

#[tokio::test]
async fn a_reset_link_expires_after_thirty_minutes_and_mail_is_sent_at_most_once_a_minute() {
    let app = TestApp::new().await;
    let account = app.account("femke").await;
    let mut browser = app.browser();
    ask(&mut browser, &account.security_code, "femke").await;
    ask(&mut browser, &account.security_code, "femke").await;
    assert_eq!(
        app.mails().await.len(),
        1,
        "a second request within a minute sends nothing"
    );
    app.clock.advance(Duration::from_secs(61));
    ask(&mut browser, &account.security_code, "femke").await;
    let mails = app.mails().await;
    assert_eq!(mails.len(), 2);
    let (first, second) = (
        mails[0].link_path("http://localhost:8080/reset-password"),
        mails[1].link_path("http://localhost:8080/reset-password"),
    );
    let newest = if app.browser().get(&first).await.status == StatusCode::OK {
        first.clone()
    } else {
        second.clone()
    };
    let older = if newest == first { &second } else { &first };
    assert_eq!(
        app.browser().get(older).await.status,
        StatusCode::GONE,
        "a new link voids the older one"
    );

    app.clock.advance(Duration::from_secs(30 * 60));
    let page = app.browser().get(&newest).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("Forgot your password?"));
}

#[tokio::test]
async fn no_reset_mail_goes_to_a_deactivated_user() {
    let app = TestApp::new().await;
    let account = app.account("gert").await;
    let hein = app.user(&account, "hein", UserKind::Employee).await;
    app.state
        .store
        .set_user_disabled(&account.account_id, &hein, true)
        .await
        .unwrap();
    let page = ask(&mut app.browser(), &account.security_code, "hein").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(app.mails().await.is_empty());
}

//! A user's own "Security and login details": username, password and sessions.

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{PASSWORD, TestApp};

const NEW_PASSWORD: &str = "a brand new walnut staircase";

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_ends_every_other_session() {
    let app = TestApp::new().await;
    let account = app.account("vera").await;
    let wim = app.user(&account, "wim", UserKind::Employee).await;
    let tab = format!("/employees/{wim}/security");
    let mut desk = app.browser();
    desk.login_ok(&account, "wim").await;
    let mut phone = app.browser_from("203.0.113.20:999");
    phone.login_ok(&account, "wim").await;

    let wrong = desk
        .post_from(
            &tab,
            "/security/password",
            &[
                ("current", "not the password"),
                ("new", NEW_PASSWORD),
                ("repeat", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("The password is not correct."));
    let mismatch = desk
        .post_from(
            &tab,
            "/security/password",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("repeat", "something else"),
            ],
        )
        .await;
    assert!(mismatch.body.contains("not the same"));
    let weak = desk
        .post_from(
            &tab,
            "/security/password",
            &[
                ("current", PASSWORD),
                ("new", "password1234"),
                ("repeat", "password1234"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.browser().login_ok(&account, "wim").await; // still the old password (a third session)

    let before = desk.cookies.get("portcullis_session").cloned();
    let done = desk
        .post_from(
            &tab,
            "/security/password",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("repeat", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.location(), format!("{tab}?done=password-changed"));
    assert_ne!(
        desk.cookies.get("portcullis_session").cloned(),
        before,
        "this session gets a new token"
    );
    assert_eq!(
        desk.get("/").await.status,
        StatusCode::OK,
        "this browser stays logged in"
    );
    assert_eq!(
        phone.get("/").await.location(),
        "/login",
        "the other session ended"
    );
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &wim)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.browser()
            .login(&account.security_code, "wim", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser()
            .login(&account.security_code, "wim", NEW_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Besides the confirmation of the second browser's new IP address, one message.
    let mails: Vec<_> = app
        .mails_to("wim@example.com")
        .await
        .into_iter()
        .filter(|m| m.subject != "Confirm your login from a new IP address")
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Your password was changed");
    assert!(
        mails[0].text.contains("Time: 5 Jan 2026, 09:00 UTC"),
        "{}",
        mails[0].text
    );
    assert!(mails[0].text.contains("Browser: Unknown browser"));
    assert!(!mails[0].text.contains(NEW_PASSWORD));
    app.assert_audited(&wim, "password.changed", "other_sessions_ended=2", None)
        .await;
    app.assert_audited(&wim, "password.confirm_failed", "", None)
        .await;
}

#[tokio::test]
async fn a_user_changes_their_username_with_their_password() {
    let app = TestApp::new().await;
    let account = app.account("xander").await;
    let yara = app.user(&account, "yara", UserKind::Employee).await;
    app.user(&account, "zoe", UserKind::Employee).await;
    let tab = format!("/employees/{yara}/security");
    let mut browser = app.browser();
    browser.login_ok(&account, "yara").await;

    let taken = browser
        .post_from(
            &tab,
            "/security/username",
            &[("username", "ZOE"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("already taken"));
    let wrong = browser
        .post_from(
            &tab,
            "/security/username",
            &[("username", "yara.b"), ("password", "wrong password")],
        )
        .await;
    assert!(wrong.body.contains("The password is not correct."));
    let bad = browser
        .post_from(
            &tab,
            "/security/username",
            &[("username", "y a"), ("password", PASSWORD)],
        )
        .await;
    assert!(bad.body.contains("only letters, digits"));

    let done = browser
        .post_from(
            &tab,
            "/security/username",
            &[("username", "Yara.B"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(done.location(), format!("{tab}?done=username-changed"));
    assert!(
        browser
            .get(&tab)
            .await
            .body
            .contains("You log in as Yara.B.")
    );
    assert_eq!(
        app.browser()
            .login(&account.security_code, "yara", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.browser().login_ok(&account, "yara.b").await;
    let mails = app.mails_to("yara@example.com").await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Your username was changed" && m.text.contains("Yara.B"))
    );
}

#[tokio::test]
async fn a_user_sees_their_sessions_and_ends_one_or_all_others() {
    let app = TestApp::new().await;
    let account = app.account("anna").await;
    let tab = format!("/employees/{}/security", account.admin_id);
    let mut here = app.browser();
    here.login_ok(&account, "anna").await;
    let mut there = app.browser_from("203.0.113.30:1");
    there.login_ok(&account, "anna").await;
    let mut third = app.browser_from("203.0.113.31:1");
    third.login_ok(&account, "anna").await;

    let summary = here.get(&tab).await;
    assert!(
        summary.body.contains("3 active sessions."),
        "{}",
        summary.body
    );
    let tab = format!("{tab}/sessions");
    let page = here.get(&tab).await;
    assert!(page.body.contains("This browser"));
    assert!(
        page.body.contains("<td>Password</td>"),
        "the login method of each session"
    );
    assert!(page.body.contains("203.0.113.30") && page.body.contains("203.0.113.31"));
    assert_eq!(
        page.body
            .split("action=\"/security/sessions/")
            .skip(1)
            .filter(|rest| !rest.starts_with("end-"))
            .count(),
        2,
        "an End button for each other session"
    );

    let sessions = app
        .state
        .store
        .sessions_of_user(&account.account_id, &account.admin_id)
        .await
        .unwrap();
    let there_id = sessions
        .iter()
        .find(|s| s.ip == "203.0.113.30")
        .unwrap()
        .id
        .clone();
    let ended = here
        .post_from(&tab, &format!("/security/sessions/{there_id}/end"), &[])
        .await;
    assert_eq!(ended.location(), format!("{tab}?done=session-ended"));
    assert_eq!(there.get("/").await.location(), "/login");
    assert_eq!(third.get("/").await.status, StatusCode::OK);

    let again = here
        .post_from(&tab, &format!("/security/sessions/{there_id}/end"), &[])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    here.post_from(&tab, "/security/sessions/end-others", &[])
        .await;
    assert_eq!(third.get("/").await.location(), "/login");
    assert_eq!(here.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn nobody_ends_someone_elses_session_through_their_own_tab() {
    let app = TestApp::new().await;
    let account = app.account("bart").await;
    let cor = app.user(&account, "cor", UserKind::Administrator).await;
    let mut cors = app.browser();
    cors.login_ok(&account, "cor").await;
    let cor_session = app
        .state
        .store
        .sessions_of_user(&account.account_id, &cor)
        .await
        .unwrap()[0]
        .id
        .clone();
    let mut bart = app.browser();
    bart.login_ok(&account, "bart").await;
    let page = bart
        .post_from("/", &format!("/security/sessions/{cor_session}/end"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(cors.get("/").await.status, StatusCode::OK);

    // An administrator sees another user's sessions on their tab and can end them all.
    let summary = bart.get(&format!("/employees/{cor}/security")).await;
    assert!(
        !summary.body.contains("Change password"),
        "only the user changes their own password"
    );
    assert_eq!(
        bart.get(&format!("/employees/{cor}/security/password"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nor sees the page for it"
    );
    let tab = bart
        .get(&format!("/employees/{cor}/security/sessions"))
        .await;
    assert!(tab.body.contains("End all sessions"));
    bart.post_from("/", &format!("/employees/{cor}/end-sessions"), &[])
        .await;
    assert_eq!(cors.get("/").await.location(), "/login");
}

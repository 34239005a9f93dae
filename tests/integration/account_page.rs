//! My account: the account's name and security code.

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn an_administrator_changes_the_security_code_and_every_active_user_is_told() {
    let app = TestApp::new().await;
    let account = app.account("iris").await;
    app.user(&account, "jesse", UserKind::Employee).await;
    let gone = app.user(&account, "kees", UserKind::Employee).await;
    app.state
        .store
        .set_user_disabled(&account.account_id, &gone, true)
        .await
        .unwrap();
    let mut admin = app.browser();
    admin.login_ok(&account, "iris").await;

    let page = admin.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&account.security_code),
        "administrators can see the code"
    );

    let refused = admin
        .post_from("/account", "/account/security-code", &[("code", "short")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("at least"));

    let done = admin
        .post_from("/account", "/account/security-code", &[("code", "")])
        .await;
    assert_eq!(done.location(), "/account?done=code-changed");
    let mails = app.mails().await;
    let mut to: Vec<_> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        ["iris@example.com", "jesse@example.com"],
        "deactivated users are not told"
    );
    let text = &mails[0].text;
    let code_line = text
        .lines()
        .find(|l| l.starts_with("New security code: "))
        .unwrap();
    let new_code = code_line
        .trim_start_matches("New security code: ")
        .trim()
        .to_string();
    assert_ne!(new_code, account.security_code);
    assert!(admin.get("/account").await.body.contains(&new_code));

    assert_eq!(
        app.browser()
            .login(&account.security_code, "jesse", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser()
            .login(&new_code, "jesse", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let events = app
        .state
        .store
        .audit_of_account(&account.account_id, None, 100)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "account.security_code_changed")
    );
    assert!(
        events.iter().all(|e| !e.detail.contains(&new_code)),
        "the code is not in the audit log"
    );
}

#[tokio::test]
async fn a_chosen_security_code_and_a_new_account_name_are_kept() {
    let app = TestApp::new().await;
    let account = app.account("lotte").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "lotte").await;
    admin
        .post_from(
            "/account",
            "/account/security-code",
            &[("code", "tulip-field-2027")],
        )
        .await;
    admin
        .post_from("/account", "/account/name", &[("name", "Lotte & Co")])
        .await;
    let page = admin.get("/account").await;
    assert!(
        page.body.contains("TULI-PFIE-LD20-27"),
        "shown in groups of four"
    );
    assert!(page.body.contains("Lotte &#38; Co"));
    app.browser()
        .login_ok(
            &crate::support::TestAccount {
                security_code: "tulip field 2027".into(),
                ..account
            },
            "lotte",
        )
        .await;
}

#[tokio::test]
async fn the_security_code_is_only_shown_after_a_recent_re_authentication() {
    let app = TestApp::new().await;
    let account = app.account("mees").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "mees").await;
    app.clock.advance(Duration::from_secs(20 * 60));
    let page = admin.get("/account").await;
    assert_eq!(page.location(), "/reauth?next=%2Faccount");
    let changed = admin
        .post_from("/", "/account/security-code", &[("code", "")])
        .await;
    assert_eq!(changed.location(), "/reauth?next=%2Faccount");
    assert!(app.mails().await.is_empty());
}

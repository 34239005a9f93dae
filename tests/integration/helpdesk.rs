//! The helpdesk: an account's grant of access (a month, revocable, audited).

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::helpdesk;

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn an_administrator_gives_the_helpdesk_a_month_and_can_take_it_back() {
    let app = TestApp::new().await;
    let account = app.account("wilma").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "wilma").await;
    let page = admin.get("/security-center").await.body;
    assert!(page.contains("The helpdesk cannot see this account."));

    // Only after confirming it's you.
    app.clock.advance(Duration::from_secs(11 * 60));
    let asked = admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    assert_eq!(asked.location(), "/reauth?next=%2Fsecurity-center");
    assert!(
        app.state
            .store
            .helpdesk_grant(&account.account_id)
            .await
            .unwrap()
            .is_none()
    );
    let csrf = admin.get("/reauth?next=/security-center").await.csrf();
    admin
        .post(
            "/reauth",
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("next", "/security-center"),
            ],
        )
        .await;
    let granted_at = app.clock.now();
    let done = admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    assert_eq!(done.location(), "/security-center?done=helpdesk-granted");
    let grant = app
        .state
        .store
        .helpdesk_grant(&account.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.expires_at, helpdesk::grant_expires(granted_at));
    assert_eq!(grant.granted_by, "wilma");
    let page = admin
        .get("/security-center?done=helpdesk-granted")
        .await
        .body;
    assert!(page.contains("The helpdesk has access for one month."));
    assert!(
        page.contains("The helpdesk can help your users until 4 Feb 2026, 09:11 UTC."),
        "{page}"
    );
    // Audited, in words, with the end in the reader's time.
    let audit = admin.get("/audit?event=helpdesk.granted").await.body;
    assert!(audit.contains("<td>Helpdesk access given</td>"));
    assert!(audit.contains("Until: 4 Feb 2026, 09:11 UTC"), "{audit}");

    // A month later it has ended by itself.
    app.clock.advance(helpdesk::GRANT_DURATION);
    let mut admin = app.browser();
    admin.login_ok(&account, "wilma").await;
    assert!(
        admin
            .get("/security-center")
            .await
            .body
            .contains("The helpdesk cannot see this account.")
    );

    // Given again, then revoked at once.
    admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    let revoked = admin
        .post_from("/security-center", "/security-center/helpdesk/revoke", &[])
        .await;
    assert_eq!(revoked.location(), "/security-center?done=helpdesk-revoked");
    assert!(
        app.state
            .store
            .helpdesk_grant(&account.account_id)
            .await
            .unwrap()
            .is_none()
    );
    let log = app
        .state
        .store
        .audit_of_account(&account.account_id, None, 20)
        .await
        .unwrap();
    let events: Vec<&str> = log
        .iter()
        .filter(|e| e.event.starts_with("helpdesk."))
        .map(|e| e.event.as_str())
        .collect();
    assert_eq!(
        events,
        ["helpdesk.revoked", "helpdesk.granted", "helpdesk.granted"]
    );

    // Employees cannot grant anything.
    let employee = app
        .user(&account, "xeno", portcullis_core::user::UserKind::Employee)
        .await;
    let _ = employee;
    let mut xeno = app.browser();
    xeno.login_ok(&account, "xeno").await;
    let refused = xeno.post_from("/", "/security-center/helpdesk", &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

//! Housekeeping: a sweep deletes sessions past their timeouts and partial logins and links past
//! their validity, and nothing that still works.

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_server::flows::housekeeping::{self, Swept};
use portcullis_store::Purged;

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn a_sweep_removes_what_has_expired_and_nothing_that_still_works() {
    let app = TestApp::new().await;
    let account = app.account("ines").await;
    // A login waiting for its new address to be confirmed (a partial login and its link), and a
    // password-reset link.
    let mut laptop = app.browser_from("203.0.113.21:1");
    laptop.login(&account.security_code, "ines", PASSWORD).await;
    let ip_link = app.newest_ip_link().await;
    crate::forgot_password::ask(&mut app.browser(), &account.security_code, "ines").await;
    app.state.background_settled().await;
    let reset_link = app
        .mails()
        .await
        .iter()
        .find(|m| m.subject.contains("password"))
        .map(|m| m.link_path("http://localhost:8080/reset-password"))
        .unwrap();

    // Everything is still usable: nothing to remove.
    assert_eq!(
        housekeeping::sweep(&app.state).await.unwrap(),
        Swept::default()
    );
    assert_eq!(app.browser().get(&reset_link).await.status, StatusCode::OK);

    // Half an hour later all three have expired, and go.
    app.clock.advance(Duration::from_secs(30 * 60));
    let swept = housekeeping::sweep(&app.state).await.unwrap();
    assert_eq!(
        swept.expired,
        Purged {
            pending_logins: 1,
            ip_confirmations: 1,
            single_use_tokens: 1,
            oidc_codes: 0,
            oidc_refresh_tokens: 0,
        }
    );
    // A removed link gets the same answer an expired one did.
    assert_eq!(app.browser().get(&ip_link).await.status, StatusCode::GONE);
    assert_eq!(
        app.browser().get(&reset_link).await.status,
        StatusCode::GONE
    );
    let waiting = laptop.get("/login/new-ip").await;
    assert_eq!(waiting.location(), "/login?notice=ip-expired");

    // A login started now is live, and untouched by the next sweep.
    laptop.login(&account.security_code, "ines", PASSWORD).await;
    assert_eq!(
        housekeeping::sweep(&app.state).await.unwrap(),
        Swept::default()
    );
    let page = laptop.get(&app.newest_ip_link().await).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[tokio::test]
async fn a_sweep_ends_sessions_past_their_idle_timeout() {
    let app = TestApp::new().await;
    let account = app.account("joao").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "joao").await;
    assert_eq!(housekeeping::sweep(&app.state).await.unwrap().sessions, 0);
    app.clock
        .advance(app.state.config.session.idle + Duration::from_secs(1));
    assert_eq!(housekeeping::sweep(&app.state).await.unwrap().sessions, 1);
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &account.admin_id)
            .await
            .unwrap(),
        0
    );
}

use std::time::Duration;

use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn the_session_cookie_is_httponly_and_samesite_lax_on_http() {
    let app = TestApp::new().await;
    let account = app.account("quinten").await;
    let page = app
        .browser()
        .login(&account.security_code, "quinten", crate::support::PASSWORD)
        .await;
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portcullis_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("portcullis_session=");
    assert!(token.len() >= 43, "at least 256 bits: {token}");
}

#[tokio::test]
async fn on_https_the_session_cookie_is_secure_with_the_host_prefix_and_hsts_is_sent() {
    let app = TestApp::with(|s| s.public_url = "https://login.example.com".into()).await;
    let account = app.account("roos").await;
    let mut browser = app.browser();
    let page = browser
        .login(&account.security_code, "roos", crate::support::PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-portcullis_session="))
        .expect("a __Host- session cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax")
    );
    assert!(!cookie.contains("Domain"));
    assert!(
        page.headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn only_the_hash_of_the_session_token_is_stored() {
    let app = TestApp::new().await;
    let account = app.account("sanne").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "sanne").await;
    let token = browser.cookies["portcullis_session"].clone();
    assert!(
        app.state
            .store
            .session_by_token_hash(&token)
            .await
            .unwrap()
            .is_none()
    );
    let hashed = portcullis_core::token::hash_token(&token);
    assert!(
        app.state
            .store
            .session_by_token_hash(&hashed)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let account = app.account("tom").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "tom").await;
    let token = browser.cookies["portcullis_session"].clone();
    let csrf = browser.get("/").await.csrf();
    let page = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?notice=logged-out");
    assert!(!browser.cookies.contains_key("portcullis_session"));
    // Replaying the old cookie does not work: the session is gone server-side.
    let mut replay = app.browser();
    replay.cookies.insert("portcullis_session".into(), token);
    assert_eq!(replay.get("/").await.location(), "/login");
}

#[tokio::test]
async fn logout_is_not_possible_with_a_get() {
    let app = TestApp::new().await;
    let account = app.account("ursula").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "ursula").await;
    let page = browser.get("/logout").await;
    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        page.body.contains("This address belongs to a form"),
        "a page that says where to go, not an empty answer"
    );
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_session_ends_after_an_idle_hour() {
    let app = TestApp::new().await;
    let account = app.account("vera").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "vera").await;
    app.clock.advance(Duration::from_secs(59 * 60));
    assert_eq!(
        browser.get("/").await.status,
        StatusCode::OK,
        "activity at 59 minutes"
    );
    app.clock.advance(Duration::from_secs(59 * 60));
    assert_eq!(
        browser.get("/").await.status,
        StatusCode::OK,
        "still active: the last request was 59 minutes ago"
    );
    app.clock.advance(Duration::from_secs(60 * 60));
    assert_eq!(browser.get("/").await.location(), "/login");
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_however_active() {
    let app = TestApp::new().await;
    let account = app.account("wim").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "wim").await;
    for _ in 0..23 {
        app.clock.advance(Duration::from_secs(30 * 60));
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
    }
    app.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(browser.get("/").await.location(), "/login");
}

#[tokio::test]
async fn session_timeouts_are_configurable() {
    let app = TestApp::with(|s| s.session_idle_minutes = "5".into()).await;
    let account = app.account("xander").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "xander").await;
    app.clock.advance(Duration::from_secs(5 * 60));
    assert_eq!(browser.get("/").await.location(), "/login");
}

#[tokio::test]
async fn api_session_describes_the_logged_in_user_and_answers_401_json_otherwise() {
    let app = TestApp::new().await;
    let account = app.account("sanne").await;
    let mut browser = app.browser();
    let anonymous = browser.get("/api/session").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers["content-type"], "application/json");
    let error: serde_json::Value = serde_json::from_str(&anonymous.body).unwrap();
    assert_eq!(error["error"], "Not logged in, or the session has ended.");
    // Every JSON error names the request, like the error pages.
    assert_eq!(
        error["request_id"],
        anonymous.headers["x-request-id"].to_str().unwrap()
    );

    // A JSON route refuses a request without the page's CSRF token as JSON too.
    let forged = browser
        .post_json(
            "/login/passkey/options",
            "not-the-token",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.headers["content-type"], "application/json");
    let error: serde_json::Value = serde_json::from_str(&forged.body).unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("did not come from this site")
    );
    assert_eq!(
        error["request_id"],
        forged.headers["x-request-id"].to_str().unwrap()
    );

    browser.login_ok(&account, "sanne").await;
    let page = browser.get("/api/session").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let info: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(info["username"], "sanne");
    assert_eq!(info["user_id"], account.admin_id.as_str());
    assert_eq!(info["account_id"], account.account_id.as_str());
    assert_eq!(info["kind"], "administrator");
    assert_eq!(info["restricted"], false);
    assert!(
        !page.body.contains(&browser.get("/").await.csrf()),
        "no CSRF token in the JSON"
    );

    // Under enforced two-factor authentication the call stays open and says so.
    app.state
        .store
        .set_two_factor_policy(&account.account_id, true, false)
        .await
        .unwrap();
    let page = browser.get("/api/session").await;
    assert_eq!(page.status, StatusCode::OK);
    let info: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(info["restricted"], true);

    let csrf = browser
        .get(&format!("/employees/{}/security", account.admin_id))
        .await
        .csrf();
    browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(
        browser.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_this_browser_included() {
    let app = TestApp::new().await;
    let account = app.account("ugo").await;
    let mut laptop = app.browser();
    laptop.login_ok(&account, "ugo").await;
    let mut phone = app.browser();
    phone.login_ok(&account, "ugo").await;
    let tab = format!("/employees/{}/security/sessions", account.admin_id);
    assert!(laptop.get(&tab).await.body.contains("Sign out everywhere"));

    let done = laptop
        .post_from(&tab, "/security/sessions/end-all", &[])
        .await;
    assert_eq!(done.location(), "/login?notice=logged-out-everywhere");
    assert_eq!(laptop.get("/").await.location(), "/login");
    assert_eq!(phone.get("/").await.location(), "/login");
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &account.admin_id)
            .await
            .unwrap(),
        0
    );
    app.assert_audited(
        &account.admin_id,
        "sessions.ended",
        "count=2 reason=user_everywhere",
        None,
    )
    .await;
    let login = laptop.get("/login?notice=logged-out-everywhere").await;
    assert!(login.body.contains("You have logged out everywhere"));
}

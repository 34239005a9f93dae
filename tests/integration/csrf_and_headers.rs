use axum::http::{Method, StatusCode};

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn a_login_form_posted_without_its_csrf_token_is_refused() {
    let app = TestApp::new().await;
    let account = app.account("yara").await;
    let mut browser = app.browser();
    browser.get("/login").await;
    let fields = [
        ("security_code", account.security_code.as_str()),
        ("username", "yara"),
        ("password", PASSWORD),
    ];
    let page = browser.post("/login", &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("did not come from this site"));
    let page = browser
        .post("/login", &[&fields[..], &[("csrf", "forged")]].concat())
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Nothing was counted as a login attempt.
    assert_eq!(
        app.state
            .store
            .username_failures(portcullis_store::UsernameCounter::InAccount(
                &account.account_id,
                "yara"
            ))
            .await
            .unwrap()
            .failures,
        0
    );
}

#[tokio::test]
async fn a_logout_posted_without_the_session_csrf_token_is_refused() {
    let app = TestApp::new().await;
    let account = app.account("zeno").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "zeno").await;
    // The pre-login token is not the session's token.
    let pre_login = browser.cookies["portcullis_csrf"].clone();
    let page = browser.post("/logout", &[("csrf", &pre_login)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get("/").await.status,
        StatusCode::OK,
        "still logged in"
    );
}

#[tokio::test]
async fn a_form_posted_from_another_origin_is_refused_even_with_a_token() {
    let app = TestApp::new().await;
    let account = app.account("abel").await;
    let mut browser = app.browser();
    let csrf = browser.get("/login").await.csrf();
    browser.origin = Some("https://evil.example".into());
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("security_code", &account.security_code),
                ("username", "abel"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("another site"));
    // A browser that hides the origin sends "null": refused too.
    browser.origin = Some("null".into());
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("security_code", &account.security_code),
                ("username", "abel"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    for path in ["/login", "/healthz", "/nowhere"] {
        let page = browser.get(path).await;
        let h = &page.headers;
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert!(h.contains_key("x-request-id"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS on http"
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_never_a_500() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    browser.get("/login").await;
    let csrf = browser.cookies["portcullis_csrf"].clone();
    // Not a form.
    let page = browser.request(Method::POST, "/login", None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // Garbage in every field, including invalid UTF-8 escapes and a huge username.
    let huge = "x".repeat(10_000);
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("security_code", "%%%"),
                ("username", &huge),
                ("password", "\u{1}\u{2}"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "control characters are refused"
    );
    assert!(page.body.contains("control character"));
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("security_code", "%%%"),
                ("username", &huge),
                ("password", "\u{fffd}\u{10ffff}"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let page = browser
        .request(
            Method::POST,
            "/login",
            Some(format!("csrf={csrf}&username=%FF%FE")),
        )
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    // Too large.
    let page = browser
        .request(
            Method::POST,
            "/login",
            Some(format!("csrf={csrf}&password={}", "a".repeat(100_000))),
        )
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    // Unknown page, bad audit cursor, unusable link.
    assert_eq!(
        browser.get("/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser.get("/set-password?token=../../etc").await.status,
        StatusCode::GONE
    );
    assert_eq!(
        browser.get("/static/../../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_error_page_shows_the_request_id_and_no_detail() {
    let app = TestApp::new().await;
    let page = app.browser().get("/nowhere").await;
    let id = page.headers["x-request-id"].to_str().unwrap().to_string();
    assert!(page.body.contains(&id), "the page shows the request id");
}

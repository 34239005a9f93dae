//! Forward-auth: the two endpoints a reverse proxy asks (statuses, headers, the login and
//! step-up detours), trusted and untrusted proxies, the way back after the login, and rule
//! reloads.

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::*;
use crate::two_factor::{code_for, enroll};

/// The proxy's address (trusted), and one that is not.
const PROXY: &str = "127.0.0.1:40000";
const STRANGER: &str = "203.0.113.9:40000";

const RULES: &str = r#"
[[rule]]
hosts = ["wiki.example.com"]
paths = ["/private"]
policy = "deny"

[[rule]]
hosts = ["wiki.example.com"]
policy = "one_factor"

[[rule]]
hosts = ["*.tools.example.com"]
policy = "two_factor"

[[rule]]
hosts = ["vault.example.com"]
policy = "passkey"

[[rule]]
hosts = ["books.example.com"]
policy = "one_factor"
administrations = ["Finance"]
"#;

async fn app_with_rules() -> (TestApp, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-fa-{}-{}",
        std::process::id(),
        portcullis_core::token::new_token().get(..8).unwrap_or("x")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rules.toml");
    std::fs::write(&file, RULES).unwrap();
    let rules = file.clone();
    let app = TestApp::with(move |s| {
        s.public_url = "https://login.example.com".into();
        s.trusted_proxies = "127.0.0.1/32".into();
        s.forward_auth.access_rules = Some(rules);
        s.forward_auth.cookie_domain = Some("example.com".into());
    })
    .await;
    (app, file)
}

/// What nginx's `auth_request` sends for a visit to `url`.
async fn nginx_asks(browser: &mut Browser<'_>, url: &str) -> Page {
    browser.set_next_headers(&[("x-original-url", url), ("x-original-method", "GET")]);
    browser.get("/api/authz/auth-request").await
}

/// What Caddy's `forward_auth` sends for a browser's visit to `https://{host}{uri}`.
async fn caddy_asks(browser: &mut Browser<'_>, method: &str, host: &str, uri: &str) -> Page {
    browser.set_next_headers(&[
        ("x-forwarded-method", method),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", host),
        ("x-forwarded-uri", uri),
        ("accept", "text/html,application/xhtml+xml"),
    ]);
    browser.get("/api/authz/forward-auth").await
}

/// A browser behind the proxy, logged in as `username` with a password only.
async fn logged_in<'a>(app: &'a TestApp, account: &TestAccount, username: &str) -> Browser<'a> {
    let mut browser = app.browser_from(PROXY);
    browser.forwarded_for = Some(USUAL_IP.into());
    browser.login_ok(account, username).await;
    browser
}

#[tokio::test]
async fn each_answer_and_header_follows_the_conventions() {
    let (app, _rules) = app_with_rules().await;
    let account = app.account("fay").await;
    app.validate_usual_ip(&account.account_id, &account.admin_id)
        .await;
    let mut anonymous = app.browser_from(PROXY);

    // No session: nginx gets 401 with the login's address; Caddy redirects a browser, 303 for
    // a form post; a client that does not take HTML gets 401.
    let page = nginx_asks(&mut anonymous, "https://wiki.example.com/page?x=1").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        page.location(),
        "https://login.example.com/login?rd=https%3A%2F%2Fwiki.example.com%2Fpage%3Fx%3D1"
    );
    let page = caddy_asks(&mut anonymous, "GET", "wiki.example.com", "/page").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert!(
        page.location()
            .starts_with("https://login.example.com/login?rd=")
    );
    let page = caddy_asks(&mut anonymous, "POST", "wiki.example.com", "/form").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    anonymous.set_next_headers(&[
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "wiki.example.com"),
        ("x-forwarded-uri", "/api/data"),
        ("accept", "application/json"),
    ]);
    let page = anonymous.get("/api/authz/forward-auth").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.location(), "");
    // A denied path, and a host no rule names: 403 before any login.
    let page = nginx_asks(&mut anonymous, "https://wiki.example.com/private/x").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("access rules"), "{}", page.body);
    anonymous.accept_language = Some("nl-NL,nl;q=0.9".into());
    let page = nginx_asks(&mut anonymous, "https://wiki.example.com/private/x").await;
    assert!(page.body.contains("Geen toegang"), "{}", page.body);
    anonymous.accept_language = None;
    let page = nginx_asks(&mut anonymous, "https://elsewhere.example.org/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // A proxy that leaves out what it must say: a clear 400.
    let page = anonymous.get("/api/authz/auth-request").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("X-Original-URL"), "{}", page.body);

    // Logged in: 200 with who the user is.
    let mut browser = logged_in(&app, &account, "fay").await;
    let page = nginx_asks(&mut browser, "https://wiki.example.com/page").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let header = |name: &str| page.headers[name].to_str().unwrap().to_string();
    assert_eq!(header("remote-user"), "fay");
    assert_eq!(header("remote-name"), "fay");
    assert_eq!(header("remote-email"), "fay@example.com");
    assert_eq!(header("remote-groups"), "administrator");
    assert_eq!(header("remote-account"), "fay Holding");
    assert_eq!(header("remote-account-id"), account.account_id);
    assert_eq!(header("cache-control"), "no-store");
    let page = caddy_asks(&mut browser, "GET", "wiki.example.com", "/page").await;
    assert_eq!(page.status, StatusCode::OK);
    // A path that climbs out of an allowed one is judged where it lands.
    let page = nginx_asks(
        &mut browser,
        "https://wiki.example.com/public/%2e%2e/private/x",
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = caddy_asks(
        &mut browser,
        "GET",
        "wiki.example.com",
        "/a/..%2f..%2fprivate",
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = caddy_asks(
        &mut browser,
        "GET",
        "wiki.example.com",
        "/public/../private/x",
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // Logged out: asked to log in again at once.
    let dashboard = browser.get("/").await;
    let logout = browser
        .post("/logout", &[("csrf", &dashboard.csrf())])
        .await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    let page = nginx_asks(&mut browser, "https://wiki.example.com/page").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn headers_from_an_untrusted_peer_are_not_believed() {
    let (app, _rules) = app_with_rules().await;
    let account = app.account("gus").await;
    app.validate_usual_ip(&account.account_id, &account.admin_id)
        .await;
    let mut browser = logged_in(&app, &account, "gus").await;
    let page = nginx_asks(&mut browser, "https://wiki.example.com/").await;
    assert_eq!(page.status, StatusCode::OK);
    // The same session, asking from an address that is no trusted proxy: the headers claiming
    // to be about wiki.example.com are ignored and the request is judged as what it is (a
    // request to Portcullis itself, which no rule lets through).
    browser.peer = STRANGER.parse().unwrap();
    let page = nginx_asks(&mut browser, "https://wiki.example.com/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = caddy_asks(&mut browser, "GET", "wiki.example.com", "/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_login_returns_to_the_app_and_only_to_hosts_in_the_cookie_domain() {
    let (app, _rules) = app_with_rules().await;
    let account = app.account("hal").await;
    app.validate_usual_ip(&account.account_id, &account.admin_id)
        .await;
    let mut browser = app.browser_from(PROXY);
    browser.forwarded_for = Some(USUAL_IP.into());

    // The login page remembers rd; after the login, /login/return sends the browser back.
    let form = browser
        .get("/login?rd=https%3A%2F%2Fwiki.example.com%2Fpage%3Fx%3D1")
        .await;
    let done = browser
        .post(
            "/login",
            &[
                ("csrf", &form.csrf()),
                ("security_code", &account.security_code),
                ("username", "hal"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.location(), "/login/return", "{}", done.body);
    // The session cookie is valid for the apps' hosts.
    let cookie = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Secure-portcullis_session="))
        .expect("a __Secure- session cookie");
    assert!(cookie.contains("Domain=example.com"), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let back = browser.get("/login/return").await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(
        back.body
            .contains("href=\"https://wiki.example.com/page?x=1\" data-redirect"),
        "{}",
        back.body
    );
    // Once: the next login goes to the dashboard.
    assert_eq!(browser.get("/login/return").await.location(), "/");

    // Foreign hosts, look-alikes and downgrades are not remembered.
    for rd in [
        "https://evil.net/",
        "https://example.com.evil.net/",
        "http://wiki.example.com/",
        "//evil.net/",
        "javascript:alert(1)",
    ] {
        let query = serde_urlencoded_encode(&[("rd", rd)]);
        let page = browser.get(&format!("/login?{query}")).await;
        assert_ne!(page.location(), "/login/return", "{rd} was accepted");
        assert_eq!(browser.get("/login/return").await.location(), "/", "{rd}");
    }
}

#[tokio::test]
async fn a_one_factor_session_steps_up_with_only_the_missing_factor() {
    let (app, _rules) = app_with_rules().await;
    let account = app.account("ida").await;
    app.validate_usual_ip(&account.account_id, &account.admin_id)
        .await;
    let mut browser = logged_in(&app, &account, "ida").await;

    // No second factor yet: a two_factor rule sends to the step-up page, which says how to get
    // one.
    let page = caddy_asks(&mut browser, "GET", "ci.tools.example.com", "/").await;
    assert_eq!(page.status, StatusCode::FOUND);
    let step_up = page.location().to_string();
    assert!(
        step_up.starts_with("https://login.example.com/login/step-up?need=two_factor&rd="),
        "{step_up}"
    );
    let path = step_up.trim_start_matches("https://login.example.com");
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("not set up an authenticator app"),
        "{}",
        page.body
    );

    // With the app set up (this session still proved only the password), the step-up asks
    // for its code and nothing else.
    let (key, _) = enroll(&app, &mut browser, &account.admin_id).await;
    let page = nginx_asks(&mut browser, "https://ci.tools.example.com/").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.location().contains("/login/step-up?need=two_factor"));
    let form = browser.get(path).await;
    assert!(form.body.contains("name=\"code\""), "{}", form.body);
    assert!(!form.body.contains("name=\"password\""));
    let wrong = browser
        .post(
            "/login/step-up",
            &[
                ("csrf", &form.csrf()),
                ("need", "two_factor"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("not correct"), "{}", wrong.body);
    app.clock.advance(Duration::from_secs(30));
    let code = code_for(&key, app.clock.now());
    let done = browser
        .post(
            "/login/step-up",
            &[
                ("csrf", &form.csrf()),
                ("need", "two_factor"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(done.location(), "/login/return", "{}", done.body);
    let back = browser.get("/login/return").await;
    assert!(
        back.body.contains("https://ci.tools.example.com/"),
        "{}",
        back.body
    );
    app.assert_audited(&account.admin_id, "session.stepped_up", "factor=app", None)
        .await;

    // Now the two_factor rule lets the session through; the passkey rule still asks more.
    let page = nginx_asks(&mut browser, "https://ci.tools.example.com/").await;
    assert_eq!(page.status, StatusCode::OK);
    let page = nginx_asks(&mut browser, "https://vault.example.com/").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.location().contains("/login/step-up?need=passkey"));
    let vault = browser.get("/login/step-up?need=passkey").await;
    assert!(vault.body.contains("you have none yet"), "{}", vault.body);
}

#[tokio::test]
async fn limits_by_administration_and_kind_decide_who_passes() {
    let (app, _rules) = app_with_rules().await;
    let account = app.account("jan").await;
    app.validate_usual_ip(&account.account_id, &account.admin_id)
        .await;
    let employee = app.user(&account, "kim", UserKind::Employee).await;
    app.validate_usual_ip(&account.account_id, &employee).await;
    let mut admin = logged_in(&app, &account, "jan").await;
    // The account has no administration called Finance yet: nobody passes the books rule.
    let page = nginx_asks(&mut admin, "https://books.example.com/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Once it has one, administrators may use it (they may use all), the employee not yet.
    app.state
        .store
        .create_administration("adm-fin", &account.account_id, "Finance", app.clock.now())
        .await
        .unwrap();
    let page = nginx_asks(&mut admin, "https://books.example.com/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["remote-groups"], "administrator,Finance");
    let mut kim = logged_in(&app, &account, "kim").await;
    let page = nginx_asks(&mut kim, "https://books.example.com/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = nginx_asks(&mut kim, "https://wiki.example.com/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["remote-groups"], "employee");
}

#[tokio::test]
async fn rules_read_again_apply_at_once_and_a_broken_file_changes_nothing() {
    let (app, file) = app_with_rules().await;
    let account = app.account("lea").await;
    app.validate_usual_ip(&account.account_id, &account.admin_id)
        .await;
    let mut browser = logged_in(&app, &account, "lea").await;
    assert_eq!(
        nginx_asks(&mut browser, "https://wiki.example.com/")
            .await
            .status,
        StatusCode::OK
    );
    std::fs::write(
        &file,
        "[[rule]]\nhosts = [\"wiki.example.com\"]\npolicy = \"deny\"\n",
    )
    .unwrap();
    assert_eq!(app.state.access_rules.reload(), Ok(1));
    assert_eq!(
        nginx_asks(&mut browser, "https://wiki.example.com/")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    std::fs::write(
        &file,
        "[[rule]]\nhosts = [\"wiki.example.com\"]\npolicy = \"open\"\n",
    )
    .unwrap();
    assert!(app.state.access_rules.reload().is_err());
    assert_eq!(
        nginx_asks(&mut browser, "https://wiki.example.com/")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

//! Abuse resistance, tried as an attacker would: parallel attempts cannot outrun a limit,
//! nothing a stranger sends grows storage without bound, nobody without the security code can
//! lock a user out, no answer confirms a password before every factor passed, and bad bytes get
//! a 4xx. Runs on SQLite and on PostgreSQL like the rest of the suite.

use std::time::Duration;

use axum::http::StatusCode;
use futures::future::join_all;
use portcullis_core::lockout::{self, LOCK_AFTER};
use portcullis_core::user::UserKind;
use portcullis_store::UsernameCounter;

use crate::support::{Browser, PASSWORD, TestAccount, TestApp};
use crate::two_factor::{code_for, code_step, enroll, password_step};

const WRONG: &str = "not the password at all";

/// `n` browsers, each from its own address, so that only the username's gate is shared.
fn browsers(app: &TestApp, n: usize) -> Vec<Browser<'_>> {
    (0..n)
        .map(|i| app.browser_from(&format!("198.51.{}.{}:1", 100 + i / 200, 1 + i % 200)))
        .collect()
}

/// Posts `n` logins at once (each browser fetched its form first) and returns the statuses.
async fn parallel_logins(
    app: &TestApp,
    code: &str,
    username: &str,
    password: &str,
    n: usize,
) -> Vec<StatusCode> {
    let mut all = browsers(app, n);
    let mut forms = Vec::with_capacity(n);
    for browser in &mut all {
        forms.push(browser.get("/login").await.csrf());
    }
    let posts = all.iter_mut().zip(forms).map(|(browser, csrf)| async move {
        browser
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("security_code", code),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await
            .status
    });
    join_all(posts).await
}

/// How many events of this kind the user's audit log holds.
async fn events(app: &TestApp, user_id: &str, event: &str) -> usize {
    app.audited(user_id, event).await.len()
}

async fn failures(app: &TestApp, account: &TestAccount, username: &str) -> u32 {
    app.state
        .store
        .username_failures(UsernameCounter::InAccount(&account.account_id, username))
        .await
        .unwrap()
        .failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_passwords_are_checked_no_more_often_than_the_gate_allows() {
    for n in [20, 40] {
        let app = TestApp::new().await;
        let account = app.account("gerda").await;
        let statuses = parallel_logins(&app, &account.security_code, "gerda", WRONG, n).await;
        let checked = events(&app, &account.admin_id, "login.failed").await;
        assert_eq!(
            checked,
            lockout::FREE_FAILURES as usize,
            "{n} at once: {statuses:?}"
        );
        assert_eq!(
            failures(&app, &account, "gerda").await,
            lockout::FREE_FAILURES
        );
        let unauthorized = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        assert_eq!(unauthorized, checked, "{statuses:?}");
        assert!(
            statuses.iter().all(|s| [
                StatusCode::UNAUTHORIZED,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(s)),
            "{statuses:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_codes_are_checked_no_more_often_than_the_code_window_allows() {
    let app = TestApp::new().await;
    let account = app.account("hidde").await;
    let mut owner = app.browser();
    owner.login_ok(&account, "hidde").await;
    enroll(&app, &mut owner, &account.admin_id).await;
    app.clock.advance(Duration::from_secs(30));

    let mut attacker = app.browser();
    password_step(&mut attacker, &account, "hidde").await;
    let mut copies: Vec<Browser<'_>> = (0..20).map(|_| app.browser()).collect();
    let mut forms = vec![];
    for copy in &mut copies {
        copy.cookies = attacker.cookies.clone();
        forms.push(copy.get("/login").await.csrf());
    }
    let posts = copies.iter_mut().zip(forms).map(|(b, csrf)| async move {
        b.post("/login/code", &[("csrf", &csrf), ("code", "000000")])
            .await
    });
    let pages = join_all(posts).await;
    let checked = events(&app, &account.admin_id, "login.totp_failed").await;
    assert_eq!(checked, 3, "three per 30-second window");
    let waiting = pages
        .iter()
        .filter(|p| p.body.contains("Wait until your app shows a new code"))
        .count();
    assert_eq!(waiting, 17);
    assert_eq!(failures(&app, &account, "hidde").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_passwords_at_confirm_its_you_are_checked_no_more_often_than_the_gate_allows()
 {
    let app = TestApp::new().await;
    let account = app.account("ilse").await;
    let mut owner = app.browser();
    owner.login_ok(&account, "ilse").await;
    let mut thieves: Vec<Browser<'_>> = (0..20).map(|_| app.browser()).collect();
    let mut forms = vec![];
    for thief in &mut thieves {
        thief.cookies = owner.cookies.clone();
        forms.push(thief.get("/reauth?next=%2F").await.csrf());
    }
    let posts = thieves.iter_mut().zip(forms).map(|(b, csrf)| async move {
        b.post(
            "/reauth",
            &[("csrf", &csrf), ("next", "/"), ("password", WRONG)],
        )
        .await
        .status
    });
    let statuses = join_all(posts).await;
    let checked = events(&app, &account.admin_id, "password.confirm_failed").await;
    assert_eq!(checked, lockout::FREE_FAILURES as usize, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn turning_two_factor_off_has_the_code_steps_limits_and_wrong_codes_count_toward_the_lock() {
    let app = TestApp::new().await;
    let account = app.account("jorien").await;
    let mut owner = app.browser();
    owner.login_ok(&account, "jorien").await;
    let (key, _) = enroll(&app, &mut owner, &account.admin_id).await;
    app.clock.advance(Duration::from_secs(30));
    let tab = format!("/employees/{}/security", account.admin_id);

    let mut thieves: Vec<Browser<'_>> = (0..20).map(|_| app.browser()).collect();
    let mut forms = vec![];
    for thief in &mut thieves {
        thief.cookies = owner.cookies.clone();
        forms.push(thief.get(&tab).await.csrf());
    }
    let posts = thieves.iter_mut().zip(forms).map(|(b, csrf)| async move {
        b.post(
            "/security/two-factor/off",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await
        .status
    });
    let statuses = join_all(posts).await;
    assert_eq!(
        events(&app, &account.admin_id, "two_factor.code_failed").await,
        3
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        17,
        "{statuses:?}"
    );
    assert_eq!(failures(&app, &account, "jorien").await, 3);
    // Even the right code waits for the next window; then it works and clears the count.
    let right = code_for(&key, app.clock.now());
    let page = owner
        .post_from(&tab, "/security/two-factor/off", &[("code", &right)])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(Duration::from_secs(30));
    let right = code_for(&key, app.clock.now());
    let page = owner
        .post_from(&tab, "/security/two-factor/off", &[("code", &right)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(failures(&app, &account, "jorien").await, 0);
}

#[tokio::test]
async fn passkey_login_options_from_one_address_are_limited_and_rows_stay_bounded() {
    let app = TestApp::new().await;
    let mut stranger = app.browser_from("203.0.113.9:1");
    let csrf = stranger.get("/login").await.csrf();
    let mut limited = 0;
    for _ in 0..5_000 {
        let page = stranger
            .post_json("/login/passkey/options", &csrf, &serde_json::json!({}))
            .await;
        match page.status {
            StatusCode::OK => {}
            StatusCode::TOO_MANY_REQUESTS => {
                limited += 1;
                let retry: u64 = page.headers["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=60).contains(&retry), "{retry}");
            }
            other => panic!("{other}: {}", page.body),
        }
    }
    assert_eq!(limited, 5_000 - lockout::PASSKEY_OPTIONS.max as usize);
    let rows = ceremony_rows(&app).await;
    assert_eq!(rows, i64::from(lockout::PASSKEY_OPTIONS.max));

    // An IPv6 client counts by its /64: another address in it is limited too, another /64 not.
    let mut first = app.browser_from("[2001:db8:5:6::1]:1");
    let mut same = app.browser_from("[2001:db8:5:6::ffff]:1");
    let mut other = app.browser_from("[2001:db8:5:7::1]:1");
    let first_csrf = first.get("/login").await.csrf();
    for _ in 0..lockout::PASSKEY_OPTIONS.max {
        let page = first
            .post_json(
                "/login/passkey/options",
                &first_csrf,
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    let same_csrf = same.get("/login").await.csrf();
    let page = same
        .post_json("/login/passkey/options", &same_csrf, &serde_json::json!({}))
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    let other_csrf = other.get("/login").await.csrf();
    let page = other
        .post_json(
            "/login/passkey/options",
            &other_csrf,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);

    // A minute later the window is over; housekeeping then forgets it.
    app.clock.advance(Duration::from_secs(61));
    let page = stranger
        .post_json("/login/passkey/options", &csrf, &serde_json::json!({}))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    app.clock.advance(Duration::from_secs(61));
    let swept = portcullis_server::flows::housekeeping::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(swept.rate_windows, 3);
}

async fn ceremony_rows(app: &TestApp) -> i64 {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db_url()).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM webauthn_ceremonies")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_throttled_logins_is_one_audit_row_per_minute_that_counts_them() {
    let app = TestApp::new().await;
    let account = app.account("kees").await;
    let mut attacker = app.browser_from("203.0.113.20:1");
    for _ in 0..lockout::FREE_FAILURES {
        let page = attacker.login(&account.security_code, "kees", WRONG).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let csrf = attacker.get("/login").await.csrf();
    for _ in 0..5_000 {
        let page = attacker
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("security_code", &account.security_code),
                    ("username", "kees"),
                    ("password", WRONG),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let throttled = app.audited(&account.admin_id, "login.throttled").await;
    assert_eq!(throttled.len(), 1, "one row for the burst");
    assert_eq!(
        throttled[0].repeats, 4_999,
        "which still says how many were refused"
    );
    // The next minute starts a new row: the delay is over, one more guess is checked, and the
    // one right after it is refused again.
    app.clock.advance(Duration::from_secs(60));
    let checked = attacker.login(&account.security_code, "kees", WRONG).await;
    assert_eq!(checked.status, StatusCode::UNAUTHORIZED);
    let refused = attacker.login(&account.security_code, "kees", WRONG).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(events(&app, &account.admin_id, "login.throttled").await, 2);
    // The administrator reads it in the audit log.
    let mut admin = app.browser();
    app.clock.advance(Duration::from_secs(3600));
    admin.login_ok(&account, "kees").await;
    let page = admin.get("/audit").await;
    assert!(
        page.body.contains("And 4999 more times within the minute."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_stranger_without_the_security_code_cannot_lock_a_user_but_with_it_the_lock_comes_at_100()
{
    let app = TestApp::new().await;
    let account = app.account("lotte").await;
    // 300 guesses with a wrong security code, from many addresses, as fast as allowed.
    let mut tried = 0;
    let mut n = 0;
    while tried < 300 {
        n += 1;
        let mut stranger = app.browser_from(&format!("192.0.2.{}:1", 1 + n % 250));
        let page = stranger.login("WRNG-CODE-XXXX", "lotte", WRONG).await;
        match page.status {
            StatusCode::UNAUTHORIZED => tried += 1,
            StatusCode::TOO_MANY_REQUESTS => app.clock.advance(Duration::from_secs(901)),
            other => panic!("{other}"),
        }
        assert!(
            !page.body.contains("locked"),
            "a stranger never hears of a lock"
        );
    }
    // The user, who has the code, is not slowed down at all.
    assert_eq!(failures(&app, &account, "lotte").await, 0);
    let mut owner = app.browser();
    owner.login_ok(&account, "lotte").await;

    // With the code, the lock comes at exactly 100 failures, delays and all.
    let mut checked = 0;
    let mut attacker = app.browser_from("198.51.100.77:1");
    loop {
        let page = attacker.login(&account.security_code, "lotte", WRONG).await;
        match page.status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS if page.body.contains("is locked") => break,
            StatusCode::TOO_MANY_REQUESTS => app.clock.advance(Duration::from_secs(901)),
            other => panic!("{other}"),
        }
    }
    assert_eq!(checked, LOCK_AFTER);
    let mails = app.mails_to("lotte@example.com").await;
    assert!(mails.iter().any(|m| m.subject == "Your username is locked"));
    // A stranger without the code still hears only the generic answer.
    let page = app
        .browser_from("192.0.2.251:1")
        .login("WRNG-CODE-XXXX", "lotte", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.body
            .contains("The security code, username or password is not correct.")
    );
}

#[tokio::test]
async fn two_accounts_with_the_same_username_log_in_independently() {
    let app = TestApp::new().await;
    let first = app.account("alice").await;
    let second = app.account("bram").await;
    let other_alice = app.user(&second, "Alice", UserKind::Employee).await;
    app.validate_usual_ip(&second.account_id, &other_alice)
        .await;

    let mut one = app.browser();
    one.login_ok(&first, "alice").await;
    let me = one.get("/api/session").await;
    assert!(me.body.contains(&first.account_id), "{}", me.body);
    let mut two = app.browser();
    two.login_ok(&second, "ALICE").await;
    let me = two.get("/api/session").await;
    assert!(me.body.contains(&second.account_id), "{}", me.body);
    assert!(me.body.contains(&other_alice), "{}", me.body);

    // One alice's failures are not the other's.
    for _ in 0..lockout::FREE_FAILURES {
        app.browser()
            .login(&first.security_code, "alice", WRONG)
            .await;
    }
    assert_eq!(
        failures(&app, &first, "alice").await,
        lockout::FREE_FAILURES
    );
    assert_eq!(failures(&app, &second, "alice").await, 0);
    app.browser().login_ok(&second, "alice").await;
}

#[tokio::test]
async fn a_username_change_says_nothing_about_other_accounts() {
    let app = TestApp::new().await;
    let first = app.account("maarten").await;
    let second = app.account("noor").await;
    let mut noor = app.browser();
    noor.login_ok(&second, "noor").await;
    let tab = format!("/employees/{}/security", second.admin_id);
    // "maarten" exists in the other account: the change simply works.
    let page = noor
        .post_from(
            &tab,
            "/security/username",
            &[("username", "Maarten"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut again = app.browser();
    again.login_ok(&second, "maarten").await;
    app.browser().login_ok(&first, "maarten").await;
}

#[tokio::test]
async fn a_deactivated_user_or_a_blocked_address_hears_why_only_after_the_code() {
    let app = TestApp::new().await;
    let account = app.account("olga").await;
    let employee = app.user(&account, "pieter", UserKind::Employee).await;
    app.validate_usual_ip(&account.account_id, &employee).await;
    let mut pieter = app.browser();
    pieter.login_ok(&account, "pieter").await;
    let (key, _) = enroll(&app, &mut pieter, &employee).await;
    app.state
        .store
        .set_user_disabled(&account.account_id, &employee, true)
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(30));

    // With the right password but no code: the code step, as for anyone.
    let mut someone = app.browser();
    password_step(&mut someone, &account, "pieter").await;
    let wrong = code_step(&mut someone, "code", "000000").await;
    assert!(wrong.body.contains("not correct"), "{}", wrong.body);
    assert!(!wrong.body.contains("no longer"));
    // Only once the code passed does the refusal say why.
    let right = code_step(&mut someone, "code", &code_for(&key, app.clock.now())).await;
    assert_eq!(right.location(), "/login?notice=no-longer");
    let page = someone.get(right.location()).await;
    assert!(page.body.contains("can no longer log in"));
    assert!(!someone.cookies.contains_key("portcullis_session"));
}

#[tokio::test]
async fn control_characters_in_any_text_input_get_a_clear_400() {
    let app = TestApp::new().await;
    let account = app.account("quirine").await;
    let mut stranger = app.browser();
    let csrf = stranger.get("/login").await.csrf();
    for (path, field) in [
        ("/login", "username"),
        ("/forgot-password", "username"),
        ("/login", "security_code"),
    ] {
        for bad in ["al\u{0}ice", "bell\u{7}", "esc\u{1b}[31m", "c1\u{85}"] {
            let page = stranger
                .post(
                    path,
                    &[
                        ("csrf", &csrf),
                        ("security_code", &account.security_code),
                        ("username", "quirine"),
                        ("password", WRONG),
                        (field, bad),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path} {bad:?}");
            assert!(page.body.contains("control character"), "{}", page.body);
        }
    }
    let mut admin = app.browser();
    admin.login_ok(&account, "quirine").await;
    for path in [
        "/ip-addresses?user=a%00b",
        "/employees?after=%00",
        "/employees?q=%1B",
    ] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
    }
    // JSON bodies too.
    let page = stranger
        .post_json(
            "/login/passkey",
            &csrf,
            &serde_json::json!({"ceremony": "x\u{0}", "credential": {}}),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // Tabs and line breaks are ordinary text, and nothing was counted.
    assert_eq!(failures(&app, &account, "quirine").await, 0);
}

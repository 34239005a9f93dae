//! The Security center's overview, breach checks and the searchable audit log, against a real
//! local HTTP server that speaks both breach APIs (Have I Been Pwned's `breachedaccount` and the
//! Pwned Passwords range API) with canned answers and every failure mode.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_core::user::UserKind;
use portcullis_server::flows::breaches::{EmailRound, check_due_emails};
use sha1::{Digest, Sha1};

use crate::support::{Browser, PASSWORD, TestAccount, TestApp};

/// A password the fake Pwned Passwords service knows from breaches.
const BREACHED_PASSWORD: &str = "correct horse battery staple";
const FRESH_PASSWORD: &str = "violet lantern by the canal";

/// What the fake breach service saw and how it behaves.
#[derive(Default)]
struct Fake {
    /// Pwned Passwords answers 503 while this is set.
    passwords_down: AtomicBool,
    /// Pwned Passwords answers after the client's timeout while this is set.
    passwords_slow: AtomicBool,
    /// The range prefixes asked for, and whether padding was asked.
    ranges: Mutex<Vec<(String, bool)>>,
}

async fn breached_account(
    State(_fake): State<Arc<Fake>>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Response {
    if headers.get("hibp-api-key").and_then(|v| v.to_str().ok()) != Some("test-key") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match account.as_str() {
        "breached@example.com" => (
            [("content-type", "application/json")],
            r#"[{"Name":"Adobe"},{"Name":"LinkedIn"}]"#,
        )
            .into_response(),
        "slow@example.com" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::NOT_FOUND.into_response()
        }
        "limited@example.com" => {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "120")]).into_response()
        }
        "broken@example.com" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "garbage@example.com" => {
            ([("content-type", "application/json")], "<html>oops").into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn sha1_hex(password: &str) -> String {
    hex::encode_upper(Sha1::digest(password.as_bytes()))
}

async fn range(
    State(fake): State<Arc<Fake>>,
    Path(prefix): Path<String>,
    headers: HeaderMap,
) -> Response {
    fake.ranges
        .lock()
        .unwrap()
        .push((prefix.clone(), headers.contains_key("add-padding")));
    if fake.passwords_down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if fake.passwords_slow.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let breached = sha1_hex(BREACHED_PASSWORD);
    let mut body = String::from("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n");
    if breached.starts_with(&prefix) {
        body.push_str(&format!("{}:42\r\n", &breached[5..]));
    }
    // Padding, as the real service adds it: count 0.
    body.push_str("FFFFF45C4D1DEF81644B54AB7F969B88D65:0\r\n");
    body.into_response()
}

/// Starts the fake service on a free port.
async fn fake_breach_service() -> (SocketAddr, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new()
        .route(
            "/api/v3/breachedaccount/{account}",
            axum::routing::get(breached_account),
        )
        .route("/range/{prefix}", axum::routing::get(range))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, fake)
}

/// An app whose breach checks ask the fake service, with a short timeout.
async fn app_with_checks() -> (TestApp, Arc<Fake>) {
    let (addr, fake) = fake_breach_service().await;
    let app = TestApp::with(|s| {
        s.breach.hibp_api_key = Some("test-key".into());
        s.breach.hibp_base_url = format!("http://{addr}/api/v3");
        s.breach.hibp_requests_per_minute = "100".into();
        s.breach.pwned_passwords = true;
        s.breach.pwned_passwords_url = format!("http://{addr}");
        s.breach.breach_timeout_ms = "300".into();
    })
    .await;
    (app, fake)
}

/// The overview's rows for a query string, as `(username, the row's cells)`.
async fn overview(admin: &mut Browser<'_>, query: &str) -> Vec<(String, String)> {
    let page = admin.get(&format!("/security-center?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let username = row
                .split("<span class=\"hint\">")
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .unwrap_or_default()
                .to_string();
            (
                username,
                row.split("</tr>").next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A link as the browser reads it from the page's HTML.
fn unescape(href: &str) -> String {
    href.replace("&amp;", "&").replace("&#38;", "&")
}

fn usernames(rows: &[(String, String)]) -> Vec<&str> {
    rows.iter().map(|(name, _)| name.as_str()).collect()
}

/// A passkey for `user_id`, straight into the store (the passkey tests make real ones).
async fn give_passkey(app: &TestApp, account: &TestAccount, user_id: &str) {
    app.state
        .store
        .insert_passkey(&portcullis_store::NewPasskey {
            id: &portcullis_core::ids::new_id(),
            account_id: &account.account_id,
            user_id,
            credential_id: &portcullis_core::ids::new_id(),
            passkey_json: "{}",
            name: "Phone",
            aaguid: "00000000-0000-0000-0000-000000000000",
            backup_eligible: false,
            backup_state: false,
            sign_count: 0,
            now: app.clock.now(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn overview_figures_and_filters_agree_with_the_state() {
    let (app, _fake) = app_with_checks().await;
    let account = app.account("olga").await;
    // tom: authenticator app; pia: a passkey only; ruud: validates new addresses himself;
    // breached/broken/slow/garbage: addresses the fake service answers in its ways.
    let tom = app.user(&account, "tom", UserKind::Employee).await;
    let pia = app.user(&account, "pia", UserKind::Accountant).await;
    let ruud = app.user(&account, "ruud", UserKind::Employee).await;
    for name in ["breached", "broken", "slow", "garbage"] {
        app.user(&account, name, UserKind::Employee).await;
    }
    give_passkey(&app, &account, &pia).await;
    app.state
        .store
        .set_auto_validate_ips(&account.account_id, &ruud, true)
        .await
        .unwrap();
    let mut toms = app.browser();
    toms.login_ok(&account, "tom").await;
    crate::two_factor::enroll(&app, &mut toms, &tom).await;
    // Pia logged in and out again: no live session.
    let mut pias = app.browser();
    pias.login_ok(&account, "pia").await;
    let csrf = pias.get("/").await.csrf();
    pias.post("/logout", &[("csrf", &csrf)]).await;

    let mut admin = app.browser();
    admin.login_ok(&account, "olga").await;
    // Before any check: "not checked yet" for everyone.
    let rows = overview(&mut admin, "").await;
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|(_, row)| row.contains("Not checked yet")));

    // One round of the background checker.
    let round = check_due_emails(&app.state).await.unwrap();
    assert_eq!(
        round,
        EmailRound {
            answered: 5,
            failed: 3,
            paused_for: None
        }
    );
    // Nothing is due again within the day.
    assert_eq!(
        check_due_emails(&app.state).await.unwrap(),
        EmailRound::default()
    );

    let page = admin.get("/security-center").await.body;
    assert!(
        page.contains("6 of 8 users without two-factor authentication"),
        "{page}"
    );
    assert!(page.contains("7 of 8 users without a passkey"));
    assert!(page.contains("1 email address in a known data breach"));
    assert!(page.contains("2 logged in now"), "tom and olga");

    let without = overview(&mut admin, "two_factor=off").await;
    assert_eq!(
        usernames(&without),
        ["breached", "broken", "garbage", "olga", "ruud", "slow"],
        "a passkey counts as a second factor, as at the login"
    );
    assert_eq!(
        usernames(&overview(&mut admin, "two_factor=on").await),
        ["pia", "tom"]
    );
    assert_eq!(
        usernames(&overview(&mut admin, "passkeys=some").await),
        ["pia"]
    );
    assert_eq!(
        usernames(&overview(&mut admin, "role=accountant").await),
        ["pia"]
    );
    assert_eq!(
        usernames(&overview(&mut admin, "new_ips=automatic").await),
        ["ruud"]
    );
    assert_eq!(
        usernames(&overview(&mut admin, "email=breached").await),
        ["breached"]
    );
    let breached = overview(&mut admin, "email=breached").await;
    assert!(breached[0].1.contains("In 2 breaches"));
    assert_eq!(
        usernames(&overview(&mut admin, "email=failed").await),
        ["broken", "garbage", "slow"]
    );
    assert!(
        overview(&mut admin, "email=failed").await[0]
            .1
            .contains("Check failed"),
        "a failure says so"
    );
    assert_eq!(
        usernames(&overview(&mut admin, "logged_in=yes").await),
        ["olga", "tom"]
    );
    // Filters combine.
    assert_eq!(
        usernames(&overview(&mut admin, "logged_in=yes&two_factor=off").await),
        ["olga"]
    );
    // Most recent login first.
    let by_login = overview(&mut admin, "sort=last-login").await;
    assert_eq!(by_login[0].0, "olga");

    // The account's switch decides for everyone.
    app.state
        .store
        .set_block_new_ips(&account.account_id, true)
        .await
        .unwrap();
    assert!(overview(&mut admin, "new_ips=automatic").await.is_empty());
    assert_eq!(overview(&mut admin, "new_ips=confirm").await.len(), 8);

    // A filter no form offers is refused.
    assert_eq!(
        admin.get("/security-center?email=maybe").await.status,
        StatusCode::BAD_REQUEST
    );

    // An address that changes is no longer covered by the old answer.
    let breached_id = app
        .state
        .store
        .user_by_username(&account.account_id, "breached")
        .await
        .unwrap()
        .unwrap()
        .id;
    let edited = admin
        .post_from(
            &format!("/employees/{breached_id}/edit"),
            &format!("/employees/{breached_id}/edit"),
            &[
                (
                    "name",
                    "=HYPERLINK(\"http://evil.example\",\"x\"), \"Bert\"",
                ),
                ("email", "bert@example.com"),
                ("kind", "employee"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    assert!(overview(&mut admin, "email=breached").await.is_empty());

    // The CSV download of the filtered view: a header, one line per user, quoting and a
    // neutralised formula.
    let csv = admin
        .get("/security-center/overview.csv?two_factor=off&new_ips=confirm")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"security-overview-")
    );
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}Name,Username,Role,Last login,Email,Two-factor authentication,Passkeys,New IP addresses,Email check,Logged in now"
    );
    assert_eq!(lines.len(), 1 + 6);
    assert!(
        lines.contains(
            &"\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\"), \"\"Bert\"\"\",breached,Employee,Never,bert@example.com,Off,0,Confirmed by email,Not checked yet,0"
        ),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn the_overview_pages_through_every_user_whatever_the_filter() {
    let app = TestApp::new().await;
    let account = app.account("pam").await;
    for n in 0..120 {
        app.user(&account, &format!("user{n:03}"), UserKind::Employee)
            .await;
    }
    let mut admin = app.browser();
    admin.login_ok(&account, "pam").await;
    let mut seen = Vec::new();
    let mut path = "/security-center?two_factor=off".to_string();
    loop {
        let page = admin.get(&path).await.body;
        seen.extend(
            page.split("<span class=\"hint\">user")
                .skip(1)
                .map(|rest| rest[..3].to_string()),
        );
        let Some(next) = page.split("href=\"/security-center?").find_map(|rest| {
            let link = rest.split('"').next()?;
            link.contains("after=").then(|| unescape(link))
        }) else {
            break;
        };
        path = format!("/security-center?{next}");
    }
    let expected: Vec<String> = (0..120).map(|n| format!("{n:03}")).collect();
    assert_eq!(
        seen, expected,
        "every user once, in order, over three pages"
    );
    // Without checks configured, the column says so.
    assert!(
        admin
            .get("/security-center")
            .await
            .body
            .contains("Not checked")
    );
}

#[tokio::test]
async fn a_failing_breach_service_never_blocks_a_login_or_a_password_change() {
    let (app, fake) = app_with_checks().await;
    let account = app.account("quinn").await;
    let limited = app.user(&account, "limited", UserKind::Employee).await;
    let mut me = app.browser();
    me.login_ok(&account, "quinn").await;
    let part = format!("/employees/{}/security/password", account.admin_id);
    let change = |password: &'static str, current: &'static str| {
        [
            ("current", current),
            ("new", password),
            ("repeat", password),
        ]
    };

    // A breached password is refused, beside its field; only five hex characters of its SHA-1
    // left the server, with padding asked for.
    let refused = me
        .post_from(
            &part,
            "/security/password",
            &change(BREACHED_PASSWORD, PASSWORD),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("appears in known data breaches"),
        "{}",
        refused.body
    );
    let asked = fake.ranges.lock().unwrap().clone();
    assert_eq!(
        asked,
        vec![(sha1_hex(BREACHED_PASSWORD)[..5].to_string(), true)]
    );

    // The service is down, then too slow: the change goes through on the bundled list alone.
    fake.passwords_down.store(true, Ordering::SeqCst);
    let changed = me
        .post_from(
            &part,
            "/security/password",
            &change(FRESH_PASSWORD, PASSWORD),
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    fake.passwords_down.store(false, Ordering::SeqCst);
    fake.passwords_slow.store(true, Ordering::SeqCst);
    let changed = me
        .post_from(
            &part,
            "/security/password",
            &change(PASSWORD, FRESH_PASSWORD),
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    fake.passwords_slow.store(false, Ordering::SeqCst);

    // Logins never wait for a breach service.
    app.browser().login_ok(&account, "quinn").await;

    // The email service asks to slow down: the round stops, records nothing for that address,
    // and says how long to wait.
    let round = check_due_emails(&app.state).await.unwrap();
    assert_eq!(round.paused_for, Some(120), "{round:?}");
    let row = app
        .state
        .store
        .security_overview(
            &account.account_id,
            portcullis_store::OverviewContext {
                block_new_ips: false,
                idle_cutoff: app.clock.now(),
                absolute_cutoff: app.clock.now(),
            },
            &portcullis_store::OverviewQuery {
                search: "limited",
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(row[0].user.id, limited);
    assert_eq!(
        row[0].email_check.state,
        portcullis_store::EmailCheckState::NotChecked
    );
}

#[tokio::test]
async fn a_failed_check_keeps_the_last_good_answer_beside_it() {
    let app = TestApp::new().await;
    let account = app.account("rosa").await;
    let store = &app.state.store;
    let t0 = app.clock.now();
    store
        .record_email_check(
            &account.account_id,
            &account.admin_id,
            "rosa@example.com",
            3,
            t0,
        )
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(25 * 3600));
    store
        .record_email_check_failed(
            &account.account_id,
            &account.admin_id,
            "rosa@example.com",
            app.clock.now(),
        )
        .await
        .unwrap();
    let mut admin = app.browser();
    admin.login_ok(&account, "rosa").await;
    let rows = overview(&mut admin, "email=failed").await;
    assert_eq!(usernames(&rows), ["rosa"]);
    assert!(
        rows[0]
            .1
            .contains("Check failed (last good answer 5 Jan 2026, 09:00 UTC)"),
        "{}",
        rows[0].1
    );
    // A good answer clears the failure.
    store
        .record_email_check(
            &account.account_id,
            &account.admin_id,
            "rosa@example.com",
            0,
            app.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        usernames(&overview(&mut admin, "email=clean").await),
        ["rosa"]
    );
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_exports() {
    let app = TestApp::new().await;
    let account = app.account("sven").await;
    let tess = app.user(&account, "tess", UserKind::Employee).await;
    // 129 failed logins for tess over three days (43 a day, a minute apart), written as the
    // login writes them, and a comma, a quote and a formula in a detail.
    for day in 0..3u64 {
        for minute in 0..43u64 {
            let at = crate::support::T0.plus(Duration::from_secs(day * 24 * 3600 + minute * 60));
            app.state
                .store
                .append_audit(&portcullis_store::AuditEvent {
                    account_id: Some(&account.account_id),
                    user_id: Some(&tess),
                    actor: "user",
                    event: "login.failed",
                    detail: "reason=wrong_password failures=1",
                    ip: "198.51.100.9",
                    user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                    at,
                })
                .await
                .unwrap();
        }
    }
    app.state
        .store
        .append_audit(&portcullis_store::AuditEvent {
            account_id: Some(&account.account_id),
            user_id: Some(&tess),
            actor: "user",
            event: "passkey.renamed",
            detail: "id=abc from=Old, \"quoted\" to==cmd|calc",
            ip: "198.51.100.9",
            user_agent: "",
            at: crate::support::T0.plus(Duration::from_secs(4 * 24 * 3600)),
        })
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(5 * 24 * 3600));
    let mut admin = app.browser();
    admin.login_ok(&account, "sven").await;

    // By user and event type: 100 on the first page, the rest on the next.
    let first = admin.get("/audit?user=tess&event=login.failed").await.body;
    assert_eq!(first.matches("<td>Login failed</td>").count(), 100);
    assert!(!first.contains("<td>Logged in</td>"));
    let older = first
        .split("href=\"/audit?")
        .find_map(|rest| {
            let link = rest.split('"').next()?;
            link.contains("before=").then(|| unescape(link))
        })
        .expect("a link to older events");
    let second = admin.get(&format!("/audit?{older}")).await.body;
    assert_eq!(second.matches("<td>Login failed</td>").count(), 29);
    assert!(!second.contains("before="), "no page after the last");

    // By period: the second day only (in the account's time zone).
    let day_two = admin
        .get("/audit?user=tess&from=2026-01-06&to=2026-01-06")
        .await
        .body;
    assert_eq!(day_two.matches("<td>Login failed</td>").count(), 43);
    // A username nobody has: said on the page.
    let nobody = admin.get("/audit?user=nobody").await;
    assert!(
        nobody
            .body
            .contains("There is no user named nobody in this account.")
    );
    // A value no form offers: refused.
    assert_eq!(
        admin.get("/audit?event=made.up").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        admin.get("/audit?from=yesterday").await.status,
        StatusCode::BAD_REQUEST
    );

    // The export has every matching event, not a page.
    let csv = admin.get("/audit/export.csv?user=tess").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}Time,What happened,User,By,Details,IP address,Browser,Event type"
    );
    let failures = lines
        .iter()
        .filter(|l| l.ends_with(",login.failed"))
        .count();
    assert_eq!(failures, 129);
    assert_eq!(
        lines.len(),
        1 + 129 + 1 + 1,
        "every event about tess (her creation too), nothing else"
    );
    // Newest first: the rename, its detail quoted and its formula neutralised.
    assert_eq!(
        lines[1],
        "\"9 Jan 2026, 09:00 UTC\",Passkey renamed,tess,The user themself,\"From: Old, \"\"quoted\"\"; To: =cmd|calc\",198.51.100.9,,passkey.renamed"
    );
    assert!(
        lines[2].starts_with("\"7 Jan 2026, 09:42 UTC\",Login failed,tess,The user themself,Reason: wrong password; Failed attempts: 1,198.51.100.9,Firefox 128 on Linux,login.failed"),
        "{}",
        lines[2]
    );
}

#[tokio::test]
async fn ending_a_users_sessions_from_the_overview_needs_a_fresh_confirmation_and_is_audited() {
    let app = TestApp::new().await;
    let account = app.account("ute").await;
    let vera = app.user(&account, "vera", UserKind::Employee).await;
    let mut veras = app.browser();
    veras.login_ok(&account, "vera").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "ute").await;
    let rows = overview(&mut admin, "logged_in=yes").await;
    assert_eq!(usernames(&rows), ["ute", "vera"]);
    assert!(rows[1].1.contains("Yes, 1 session"));

    // More than ten minutes after the login: confirm first, then back to the overview.
    app.clock.advance(Duration::from_secs(11 * 60));
    let asked = admin
        .post_from(
            "/security-center",
            &format!("/employees/{vera}/end-sessions"),
            &[("back", "overview")],
        )
        .await;
    assert_eq!(asked.location(), "/reauth?next=%2Fsecurity-center");
    assert_eq!(
        veras.get("/").await.status,
        StatusCode::OK,
        "nothing ended yet"
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
    let done = admin
        .post_from(
            "/security-center",
            &format!("/employees/{vera}/end-sessions"),
            &[("back", "overview")],
        )
        .await;
    assert_eq!(done.location(), "/security-center?done=sessions-ended");
    assert_eq!(veras.get("/").await.location(), "/login");
    assert_eq!(
        usernames(&overview(&mut admin, "logged_in=yes").await),
        ["ute"]
    );
    // In the audit log, and in Vera's own recent activity.
    app.assert_audited(&vera, "sessions.ended", "reason=administrator", None)
        .await;
    let summary = admin.get(&format!("/employees/{vera}/security")).await.body;
    let activity = summary
        .split("aria-label=\"Recent security activity, newest first\"")
        .nth(1)
        .unwrap();
    assert!(activity.contains("<td>Sessions ended</td>"), "{activity}");
    assert!(activity.contains("<td>Logged in</td>"));
}

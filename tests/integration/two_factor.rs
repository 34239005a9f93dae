//! Two-factor authentication with an authenticator app: enrollment, the login step, recovery
//! codes, the 30-day rule, enforcement and an administrator's reset. The first test uses real
//! clients: the QR code is rendered to PNG by `rsvg-convert` and read by `zbarimg`, and the codes
//! come from `oathtool`.

use std::process::Command;
use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::Timestamp;
use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::user::UserKind;

use crate::support::{Browser, PASSWORD, TestAccount, TestApp};

/// Whether the real clients are installed; without them the real-client test says so loudly and
/// fails under CI (`scripts/test` reports it as skipped on a machine that lacks them).
fn real_clients_available() -> bool {
    let found = ["oathtool", "zbarimg", "rsvg-convert"].iter().all(|tool| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must have oathtool, zbarimg and rsvg-convert"
        );
        eprintln!("SKIPPED: real-client TOTP test (install oathtool, zbar-tools, librsvg2-bin)");
    }
    found
}

/// `oathtool`'s code for the base32 `secret` at time `at`.
fn oathtool(secret: &str, at: Timestamp) -> String {
    let out = Command::new("oathtool")
        .args([
            "--totp",
            "-b",
            secret,
            "--now",
            &format!("@{}", at.millis() / 1000),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The QR code in the setup page, decoded by zbarimg.
fn decode_qr(page: &str) -> String {
    let start = page.find("<svg").unwrap();
    let end = page.find("</svg>").unwrap() + "</svg>".len();
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("qr.svg");
    let png = dir.path().join("qr.png");
    std::fs::write(&svg, &page[start..end]).unwrap();
    let status = Command::new("rsvg-convert")
        .args(["-b", "white", "-o"])
        .arg(&png)
        .arg(&svg)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "zbarimg could not read the QR code");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The setup key shown for manual entry, without spaces.
fn setup_key(page: &str) -> String {
    let start = page.find("aria-label=\"Setup key\">").unwrap() + "aria-label=\"Setup key\">".len();
    page[start..].split('<').next().unwrap().replace(' ', "")
}

pub(crate) fn code_for(key: &str, at: Timestamp) -> String {
    let bytes = data_encoding::BASE32_NOPAD.decode(key.as_bytes()).unwrap();
    totp::code_at(&TotpSecret::from_bytes(bytes), at)
}

/// Starts enrollment and returns the setup page.
async fn start_enrollment(browser: &mut Browser<'_>, user_id: &str) -> String {
    let tab = format!("/employees/{user_id}/security");
    let started = browser
        .post_from(&tab, "/security/two-factor/start", &[])
        .await;
    assert_eq!(started.location(), "/security/two-factor/setup");
    let page = browser.get("/security/two-factor/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    page.body
}

/// Enrolls with codes computed in-process; returns the key and the recovery codes.
pub(crate) async fn enroll(
    app: &TestApp,
    browser: &mut Browser<'_>,
    user_id: &str,
) -> (String, Vec<String>) {
    let page = start_enrollment(browser, user_id).await;
    let key = setup_key(&page);
    let code = code_for(&key, app.clock.now());
    let done = browser
        .post_from(
            "/security/two-factor/setup",
            "/security/two-factor/verify",
            &[("code", &code)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    (key, recovery_codes(&done.body))
}

fn recovery_codes(page: &str) -> Vec<String> {
    let start = page.find("aria-label=\"Recovery codes\">").unwrap()
        + "aria-label=\"Recovery codes\">".len();
    page[start..]
        .split("</pre>")
        .next()
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Logs in with the password; expects to be asked for a code.
pub(crate) async fn password_step(
    browser: &mut Browser<'_>,
    account: &TestAccount,
    username: &str,
) {
    let page = browser
        .login(&account.security_code, username, PASSWORD)
        .await;
    assert_eq!(page.location(), "/login/code", "{}", page.body);
    assert!(!browser.cookies.contains_key("portcullis_session"));
    assert!(
        browser
            .get("/login/code")
            .await
            .body
            .contains("Authentication code")
    );
}

pub(crate) async fn code_step(
    browser: &mut Browser<'_>,
    field: &str,
    code: &str,
) -> crate::support::Page {
    browser
        .post_from("/login", "/login/code", &[(field, code)])
        .await
}

#[tokio::test]
async fn enrollment_by_qr_code_and_login_with_oathtool_codes_each_accepted_once() {
    if !real_clients_available() {
        return;
    }
    let app = TestApp::new().await;
    let account = app.account("ada").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "ada").await;
    let page = start_enrollment(&mut browser, &account.admin_id).await;
    assert!(page.contains("role=\"img\" aria-label=\"QR code\""));

    let uri = decode_qr(&page);
    assert!(
        uri.starts_with("otpauth://totp/Portcullis%20%28ada%20Holding%29:ada?secret="),
        "{uri}"
    );
    assert!(uri.contains("&algorithm=SHA1&digits=6&period=30"));
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        secret,
        setup_key(&page),
        "the QR code and the key for manual entry agree"
    );
    assert_eq!(
        data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .unwrap()
            .len(),
        20,
        "160 bits"
    );
    let row = app
        .state
        .store
        .totp(&account.account_id, &account.admin_id)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.secret_enc.contains(&secret), "stored encrypted");

    // Not on until a code is verified.
    browser.get("/").await;
    let wrong = browser
        .post_from(
            "/security/two-factor/setup",
            "/security/two-factor/verify",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let enrolled_at = app.clock.now();
    let first = oathtool(&secret, enrolled_at);
    let done = browser
        .post_from(
            "/security/two-factor/setup",
            "/security/two-factor/verify",
            &[("code", &first)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let codes = recovery_codes(&done.body);
    assert_eq!(codes.len(), 10);
    let mails = app.mails_to("ada@example.com").await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Two-factor authentication was turned on")
    );

    // The login asks for a code; the enrollment's code is spent, the next one works once.
    let mut laptop = app.browser();
    password_step(&mut laptop, &account, "ada").await;
    let replay = code_step(&mut laptop, "code", &first).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(replay.body.contains("used already"));
    app.clock.advance(Duration::from_secs(30));
    let next = oathtool(&secret, app.clock.now());
    let ok = code_step(&mut laptop, "code", &next).await;
    assert_eq!(ok.location(), "/");
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);

    let mut phone = app.browser_from("203.0.113.60:1");
    password_step(&mut phone, &account, "ada").await;
    let again = code_step(&mut phone, "code", &next).await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "the same code a second time is refused"
    );

    // A recovery code works once, and the user is told.
    let recovered = code_step(&mut phone, "recovery_code", &codes[3].to_lowercase()).await;
    assert_eq!(
        recovered.location(),
        "/login/new-ip",
        "after every factor, the phone's new address still waits for confirmation"
    );
    assert_eq!(phone.confirm_new_ip().await.location(), "/");
    let mut third = app.browser_from("203.0.113.61:1");
    password_step(&mut third, &account, "ada").await;
    assert_eq!(
        code_step(&mut third, "recovery_code", &codes[3])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let mails = app.mails_to("ada@example.com").await;
    assert!(mails.iter().any(|m| m.subject == "A recovery code was used to log in" && m.text.contains("9 left")));
}

#[tokio::test]
async fn wrong_codes_are_throttled_per_window_count_toward_the_lockout_and_end_the_partial_login() {
    let app = TestApp::new().await;
    let account = app.account("bob").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "bob").await;
    let (key, _) = enroll(&app, &mut browser, &account.admin_id).await;
    app.clock.advance(Duration::from_secs(30));

    let mut attacker = app.browser();
    password_step(&mut attacker, &account, "bob").await;
    for _ in 0..3 {
        let page = code_step(&mut attacker, "code", "123456").await;
        assert!(page.body.contains("not correct"), "{}", page.body);
    }
    let page = code_step(&mut attacker, "code", &code_for(&key, app.clock.now())).await;
    assert!(
        page.body.contains("Wait until your app shows a new code"),
        "even the right code waits"
    );
    assert_eq!(
        app.state
            .store
            .username_failures(portcullis_store::UsernameCounter::InAccount(
                &account.account_id,
                "bob"
            ))
            .await
            .unwrap()
            .failures,
        3
    );

    app.clock.advance(Duration::from_secs(30));
    code_step(&mut attacker, "code", "123456").await;
    let ended = code_step(&mut attacker, "code", "654321").await;
    assert_eq!(
        ended.location(),
        "/login?notice=login-expired",
        "five wrong codes end the partial login"
    );
}

#[tokio::test]
async fn a_partial_login_expires_after_five_minutes() {
    let app = TestApp::new().await;
    let account = app.account("cas").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "cas").await;
    let (key, _) = enroll(&app, &mut browser, &account.admin_id).await;
    let mut later = app.browser();
    password_step(&mut later, &account, "cas").await;
    app.clock.advance(Duration::from_secs(5 * 60));
    let page = code_step(&mut later, "code", &code_for(&key, app.clock.now())).await;
    assert_eq!(page.location(), "/login?notice=login-expired");
}

#[tokio::test]
async fn enforcement_keeps_a_user_without_a_second_factor_in_their_settings_until_they_enroll() {
    let app = TestApp::new().await;
    let account = app.account("dex").await;
    let eva = app.user(&account, "eva", UserKind::Employee).await;
    let finn = app.user(&account, "finn", UserKind::Accountant).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "dex").await;
    enroll(&app, &mut admin, &account.admin_id).await;
    let mut finns = app.browser();
    finns.login_ok(&account, "finn").await;
    assert_eq!(finns.get("/").await.status, StatusCode::OK);

    let saved = admin
        .post_from(
            "/security-center",
            "/security-center",
            &[("enforce_two_factor", "on")],
        )
        .await;
    assert_eq!(saved.location(), "/security-center?done=saved");
    let events = app
        .state
        .store
        .audit_of_account(&account.account_id, None, 50)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "policy.changed" && e.detail.contains("enforce_two_factor=true"))
    );
    // Everyone without a second factor is told by email; the administrator, who has one, not.
    let required = |mails: Vec<crate::support::Mail>| {
        mails
            .iter()
            .filter(|m| m.subject == "Two-factor authentication is now required")
            .count()
    };
    assert_eq!(required(app.mails_to("eva@example.com").await), 1);
    assert_eq!(required(app.mails_to("finn@example.com").await), 1);
    assert_eq!(required(app.mails_to("dex@example.com").await), 0);
    assert_eq!(
        admin.get("/").await.status,
        StatusCode::OK,
        "the administrator has a factor"
    );
    assert_eq!(
        finns.get("/").await.location(),
        format!("/employees/{finn}/security?why=two-factor-required"),
        "the switch applies to a session that already exists, at its next request"
    );

    let mut employee = app.browser();
    employee.login_ok(&account, "eva").await;
    let settings = format!("/employees/{eva}/security?why=two-factor-required");
    for path in [
        "/",
        "/administrations/x",
        &format!("/employees/{eva}"),
        "/employees",
        "/account",
    ] {
        assert_eq!(employee.get(path).await.location(), settings, "{path}");
    }
    let page = employee.get(&format!("/employees/{eva}/security")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("requires two-factor authentication for every user")
    );
    enroll(&app, &mut employee, &eva).await;
    assert_eq!(
        employee.get("/").await.status,
        StatusCode::OK,
        "free once enrolled"
    );

    // Turning it off is refused while the account enforces it.
    let off = employee
        .post_from("/", "/security/two-factor/off", &[("code", "123456")])
        .await;
    assert_eq!(off.status, StatusCode::CONFLICT);
    assert!(
        app.state
            .store
            .totp(&account.account_id, &eva)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn two_factor_is_skipped_for_30_days_on_a_validated_ip_when_the_user_asks_unless_the_account_limits_it()
 {
    let app = TestApp::new().await;
    let account = app.account("fay").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "fay").await;
    let (key, _) = enroll(&app, &mut browser, &account.admin_id).await;
    let tab = format!("/employees/{}/security", account.admin_id);
    browser
        .post_from(&tab, "/security/two-factor/remember", &[("remember", "on")])
        .await;
    // Enrolling passed two-factor from this IP, which the test account validated before.
    app.clock.advance(Duration::from_secs(29 * 86_400));
    app.browser().login_ok(&account, "fay").await;
    // From an address that is not validated, the code is still asked.
    password_step(&mut app.browser_from("203.0.113.70:1"), &account, "fay").await;

    app.clock.advance(Duration::from_secs(86_400));
    let mut month_later = app.browser();
    password_step(&mut month_later, &account, "fay").await;
    let ok = code_step(&mut month_later, "code", &code_for(&key, app.clock.now())).await;
    assert_eq!(ok.location(), "/");
    app.browser().login_ok(&account, "fay").await;

    let mut admin = app.browser();
    admin.login_ok(&account, "fay").await;
    admin
        .post_from(
            "/security-center",
            "/security-center",
            &[("limit_two_factor_validity", "on")],
        )
        .await;
    password_step(&mut app.browser(), &account, "fay").await;
}

#[tokio::test]
async fn an_administrator_resets_the_two_factor_of_a_user_who_lost_their_phone() {
    let app = TestApp::new().await;
    let account = app.account("gus").await;
    let hal = app.user(&account, "hal", UserKind::Employee).await;
    let mut hals = app.browser();
    hals.login_ok(&account, "hal").await;
    enroll(&app, &mut hals, &hal).await;
    password_step(&mut app.browser(), &account, "hal").await;

    let mut admin = app.browser();
    admin.login_ok(&account, "gus").await;
    let tab = admin
        .get(&format!("/employees/{hal}/security/two-factor"))
        .await;
    assert!(tab.body.contains("Reset two-factor authentication"));
    // Asked first: nothing is reset without the confirming post.
    let asked = admin
        .post_from("/", &format!("/employees/{hal}/reset-two-factor"), &[])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Are you sure?"), "{}", asked.body);
    assert!(
        app.state
            .store
            .factors(&account.account_id, &hal)
            .await
            .unwrap()
            .totp,
        "still on"
    );
    let done = admin
        .post_from(
            "/",
            &format!("/employees/{hal}/reset-two-factor"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(
        done.location(),
        format!("/employees/{hal}/security/two-factor?done=two-factor-reset")
    );
    app.browser().login_ok(&account, "hal").await;
    let mails = app.mails_to("hal@example.com").await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Your two-factor authentication was reset"
                && m.text.contains("gus"))
    );
    app.assert_audited(&hal, "two_factor.reset", "", Some("administrator:gus"))
        .await;
}

#[tokio::test]
async fn turning_two_factor_off_needs_a_current_code() {
    let app = TestApp::new().await;
    let account = app.account("ivy").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "ivy").await;
    let (key, _) = enroll(&app, &mut browser, &account.admin_id).await;
    app.clock.advance(Duration::from_secs(30));
    let refused = browser
        .post_from("/", "/security/two-factor/off", &[("code", "000000")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let off = browser
        .post_from(
            "/",
            "/security/two-factor/off",
            &[("code", &code_for(&key, app.clock.now()))],
        )
        .await;
    assert!(off.location().ends_with("?done=two-factor-off"));
    app.browser().login_ok(&account, "ivy").await;
}

#[tokio::test]
async fn new_recovery_codes_are_made_only_after_confirming_and_the_old_ones_stop_working() {
    let app = TestApp::new().await;
    let account = app.account("ilse").await;
    let mut browser = app.browser();
    browser.login_ok(&account, "ilse").await;
    let (_, old) = enroll(&app, &mut browser, &account.admin_id).await;
    let tab = format!("/employees/{}/security", account.admin_id);
    let unused = || async {
        app.state
            .store
            .unused_recovery_codes(&account.account_id, &account.admin_id)
            .await
            .unwrap()
    };
    assert_eq!(unused().await, 10);

    let asked = browser
        .post_from(&tab, "/security/two-factor/recovery-codes", &[])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(
        asked.body.contains("Make new recovery codes?"),
        "{}",
        asked.body
    );
    assert!(!asked.body.contains("aria-label=\"Recovery codes\""));

    let made = browser
        .post_from(
            &tab,
            "/security/two-factor/recovery-codes",
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let new = recovery_codes(&made.body);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));
    assert_eq!(unused().await, 10);
    for (code, works) in [(&old[0], false), (&new[0], true)] {
        let hash =
            portcullis_core::recovery::hash(&portcullis_core::recovery::normalize(code).unwrap());
        let used = app
            .state
            .store
            .use_recovery_code(
                &account.account_id,
                &account.admin_id,
                &hash,
                app.clock.now(),
            )
            .await
            .unwrap();
        assert_eq!(
            used, works,
            "{code}: an old code no longer works, a new one does"
        );
    }
    app.assert_audited(
        &account.admin_id,
        "two_factor.recovery_codes_replaced",
        "",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_code_step_names_who_logs_in_remembers_the_address_on_request_and_counts_codes_left() {
    let app = TestApp::new().await;
    let account = app.account("wout").await;
    let mut desk = app.browser();
    desk.login_ok(&account, "wout").await;
    let (_key, codes) = enroll(&app, &mut desk, &account.admin_id).await;

    let mut phone = app.browser();
    password_step(&mut phone, &account, "wout").await;
    let page = phone.get("/login/code").await.body;
    assert!(
        page.contains("Logging in as wout at wout Holding."),
        "{page}"
    );
    assert!(page.contains("ask again on this IP address for 30 days"));
    assert!(
        !page.contains("name=\"remember\" value=\"on\" checked"),
        "off until chosen"
    );

    // A recovery code, with the box ticked.
    let done = phone
        .post_from(
            "/login",
            "/login/code",
            &[
                ("recovery_code", &codes[0]),
                ("remember_offered", "yes"),
                ("remember", "on"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/?done=recovery-login");
    let dashboard = phone.get(done.location()).await.body;
    assert!(dashboard.contains("You logged in with a recovery code"));
    assert!(
        dashboard.contains("You have 9 recovery codes left."),
        "{dashboard}"
    );
    assert!(
        remembers_two_factor(&app, &account).await,
        "the box became the user's option"
    );
    app.assert_audited(
        &account.admin_id,
        "two_factor.remember_changed",
        "remember=true",
        Some("user"),
    )
    .await;
    // So the next login from this address needs no code.
    let again = app
        .browser()
        .login(&account.security_code, "wout", PASSWORD)
        .await;
    assert_eq!(again.location(), "/");

    // Where the account asks at every login, the option is not offered, and a forged box
    // changes nothing.
    app.state
        .store
        .set_two_factor_policy(&account.account_id, false, true)
        .await
        .unwrap();
    let mut laptop = app.browser();
    password_step(&mut laptop, &account, "wout").await;
    assert!(!laptop.get("/login/code").await.body.contains("30 days"));
    let done = laptop
        .post_from(
            "/login",
            "/login/code",
            &[("recovery_code", &codes[1]), ("remember_offered", "yes")],
        )
        .await;
    assert_eq!(done.location(), "/?done=recovery-login");
    assert!(
        remembers_two_factor(&app, &account).await,
        "unchanged while the account limits it"
    );
}

/// The administrator's "don't ask again on this IP address for 30 days", as stored.
async fn remembers_two_factor(app: &TestApp, account: &TestAccount) -> bool {
    app.state
        .store
        .user(&account.account_id, &account.admin_id)
        .await
        .unwrap()
        .unwrap()
        .remember_two_factor
}

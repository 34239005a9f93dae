//! IP address security: a password login from a new address waits until the user confirms it
//! by email; "This wasn't me" blocks; the user's auto-validate option and the account's "Block
//! new IP addresses"; the IP addresses page; the client address behind a trusted proxy.

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{Browser, PASSWORD, TestAccount, TestApp};

const CONFIRM_SUBJECT: &str = "Confirm your login from a new IP address";

/// An app whose trusted proxy is 10.0.0.0/8.
async fn behind_proxy() -> TestApp {
    TestApp::with(|s| s.trusted_proxies = "10.0.0.0/8".into()).await
}

/// A browser reaching the app through the trusted proxy from `ip`.
fn via_proxy<'a>(app: &'a TestApp, ip: &str) -> Browser<'a> {
    let mut browser = app.browser_from("10.0.0.2:40000");
    browser.forwarded_for = Some(format!("192.0.2.99, {ip}"));
    browser
}

async fn status_of(
    app: &TestApp,
    account: &TestAccount,
    user_id: &str,
    ip: &str,
) -> Option<String> {
    app.state
        .store
        .ip_facts(&account.account_id, user_id, ip)
        .await
        .unwrap()
        .map(|f| f.status)
}

async fn confirmations_to(app: &TestApp, address: &str) -> Vec<crate::support::Mail> {
    app.mails_to(address)
        .await
        .into_iter()
        .filter(|m| m.subject == CONFIRM_SUBJECT)
        .collect()
}

#[tokio::test]
async fn a_login_from_a_new_ip_waits_until_the_emailed_link_is_confirmed_from_another_device() {
    let app = behind_proxy().await;
    let account = app.account("fay").await;
    let mut hotel = via_proxy(&app, "203.0.113.9");

    // A wrong password from the new address sends nothing.
    let wrong = hotel
        .login(&account.security_code, "fay", "not the password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(confirmations_to(&app, "fay@example.com").await.is_empty());

    let page = hotel.login(&account.security_code, "fay", PASSWORD).await;
    assert_eq!(page.location(), "/login/new-ip");
    assert!(!hotel.cookies.contains_key("portcullis_session"));
    let waiting = hotel.get("/login/new-ip").await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(
        waiting.body.contains("f•••@example.com"),
        "{}",
        waiting.body
    );
    assert!(waiting.body.contains("http-equiv=\"refresh\""));
    assert_eq!(hotel.get("/").await.location(), "/login", "no session yet");
    assert_eq!(
        status_of(&app, &account, &account.admin_id, "203.0.113.9")
            .await
            .as_deref(),
        Some("pending")
    );

    let mails = confirmations_to(&app, "fay@example.com").await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        mail.text.contains("IP address: 203.0.113.9"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("This wasn't me"));
    assert!(mail.html.contains("Yes, this was me"));
    let link = mail.link_path("http://localhost:8080/new-ip");

    // The phone opens the link: opening alone changes nothing (mail scanners follow links).
    let mut phone = app.browser_from("198.51.100.200:1");
    let form = phone.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("203.0.113.9"));
    assert_eq!(
        status_of(&app, &account, &account.admin_id, "203.0.113.9")
            .await
            .as_deref(),
        Some("pending")
    );
    let token = crate::support::hidden_field(&form.body, "token");
    let answered = phone
        .post(
            "/new-ip",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("answer", "confirm"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK);
    assert!(
        answered.body.contains("continues by itself"),
        "{}",
        answered.body
    );
    assert!(
        !phone.cookies.contains_key("portcullis_session"),
        "the other device does not get the session"
    );

    // The waiting page continues by itself.
    let done = hotel.get("/login/new-ip").await;
    assert_eq!(done.location(), "/");
    assert_eq!(hotel.get("/").await.status, StatusCode::OK);
    assert_eq!(
        status_of(&app, &account, &account.admin_id, "203.0.113.9")
            .await
            .as_deref(),
        Some("validated")
    );
    // The link works once.
    assert_eq!(phone.get(&link).await.status, StatusCode::GONE);
    let again = phone
        .post(
            "/new-ip",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("answer", "confirm"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);

    // Next time, the address goes straight in, without another email.
    let mut later = via_proxy(&app, "203.0.113.9");
    later.login_ok(&account, "fay").await;
    assert_eq!(confirmations_to(&app, "fay@example.com").await.len(), 1);

    // The IP addresses page shows it as validated, with the browser.
    let list = later.get("/ip-addresses").await;
    assert!(list.body.contains("203.0.113.9") && list.body.contains("Validated"));
    app.assert_audited(
        &account.admin_id,
        "ip.validated",
        "ip=203.0.113.9 by=email",
        None,
    )
    .await;
}

#[tokio::test]
async fn confirming_in_the_waiting_browser_completes_the_login_directly() {
    let app = TestApp::new().await;
    let account = app.account("gus").await;
    let mut laptop = app.browser_from("203.0.113.10:1");
    let page = laptop.login(&account.security_code, "gus", PASSWORD).await;
    assert_eq!(page.location(), "/login/new-ip");
    let done = laptop.confirm_new_ip().await;
    assert_eq!(done.location(), "/");
    assert!(!laptop.cookies.contains_key("portcullis_pending"));
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_first_email_completes_a_second_login_typed_in_the_same_browser_within_the_minute() {
    let app = TestApp::new().await;
    let account = app.account("gwen").await;
    let mut laptop = app.browser_from("203.0.113.14:1");
    let page = laptop.login(&account.security_code, "gwen", PASSWORD).await;
    assert_eq!(page.location(), "/login/new-ip");
    let first_cookie = laptop.cookies["portcullis_pending"].clone();
    // Typed again within the minute: a new waiting login, and no second email.
    app.clock.advance(Duration::from_secs(20));
    let page = laptop.login(&account.security_code, "gwen", PASSWORD).await;
    assert_eq!(page.location(), "/login/new-ip");
    assert_ne!(laptop.cookies["portcullis_pending"], first_cookie);
    assert_eq!(confirmations_to(&app, "gwen@example.com").await.len(), 1);

    // The one email, confirmed in this browser, completes the login that waits here.
    let done = laptop.confirm_new_ip().await;
    assert_eq!(done.location(), "/");
    assert!(!laptop.cookies.contains_key("portcullis_pending"));
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn confirming_in_another_browser_does_not_log_that_browser_in() {
    let app = TestApp::new().await;
    let account = app.account("hedy").await;
    let mut laptop = app.browser_from("203.0.113.15:1");
    laptop.login(&account.security_code, "hedy", PASSWORD).await;
    // The link opened on a phone (no waiting login there): confirmed, nobody logged in there.
    let mut phone = app.browser_from("198.51.100.40:1");
    let done = phone.confirm_new_ip().await;
    assert!(
        !phone.cookies.contains_key("portcullis_session"),
        "{}",
        done.body
    );
    assert_eq!(phone.get("/").await.location(), "/login");
    // The laptop continues by itself.
    assert_eq!(laptop.get("/login/new-ip").await.location(), "/");
}

#[tokio::test]
async fn an_expired_link_is_refused_and_the_waiting_login_ends() {
    let app = TestApp::new().await;
    let account = app.account("hal").await;
    let mut laptop = app.browser_from("203.0.113.11:1");
    laptop.login(&account.security_code, "hal", PASSWORD).await;
    let link = app.newest_ip_link().await;

    app.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(laptop.get(&link).await.status, StatusCode::GONE);
    let waiting = laptop.get("/login/new-ip").await;
    assert_eq!(waiting.location(), "/login?notice=ip-expired");
    assert_eq!(
        status_of(&app, &account, &account.admin_id, "203.0.113.11")
            .await
            .as_deref(),
        Some("pending")
    );
}

#[tokio::test]
async fn a_new_email_is_sent_at_most_once_a_minute_and_replaces_the_old_link() {
    let app = TestApp::new().await;
    let account = app.account("ivy").await;
    let mut laptop = app.browser_from("203.0.113.12:1");
    laptop.login(&account.security_code, "ivy", PASSWORD).await;
    let first = app.newest_ip_link().await;

    let too_soon = laptop
        .post_from("/login/new-ip", "/login/new-ip/resend", &[])
        .await;
    assert!(too_soon.location().starts_with("/login/new-ip?wait="));
    assert!(
        laptop
            .get(too_soon.location())
            .await
            .body
            .contains("less than a minute ago")
    );
    assert_eq!(confirmations_to(&app, "ivy@example.com").await.len(), 1);
    // Typing the password again does not send another one either.
    let mut again = app.browser_from("203.0.113.12:2");
    let page = again.login(&account.security_code, "ivy", PASSWORD).await;
    assert_eq!(page.location(), "/login/new-ip");
    assert_eq!(confirmations_to(&app, "ivy@example.com").await.len(), 1);

    app.clock.advance(Duration::from_secs(61));
    let sent = laptop
        .post_from("/login/new-ip", "/login/new-ip/resend", &[])
        .await;
    assert_eq!(sent.location(), "/login/new-ip?sent=1");
    assert_eq!(confirmations_to(&app, "ivy@example.com").await.len(), 2);
    assert_eq!(laptop.get(&first).await.status, StatusCode::GONE);
    assert_eq!(laptop.confirm_new_ip().await.location(), "/");
}

#[tokio::test]
async fn this_wasnt_me_blocks_the_address_ends_the_login_and_tells_the_administrators() {
    let app = TestApp::new().await;
    let account = app.account("jan").await;
    let kim = app.user(&account, "kim", UserKind::Employee).await;
    let mut attacker = app.browser_from("203.0.113.13:1");
    let page = attacker
        .login(&account.security_code, "kim", PASSWORD)
        .await;
    assert_eq!(page.location(), "/login/new-ip");

    let mut kims_phone = app.browser_from("198.51.100.201:1");
    let answered = kims_phone.answer_new_ip("wasnt-me").await;
    assert_eq!(answered.status, StatusCode::OK);
    assert!(answered.body.contains("blocked"), "{}", answered.body);
    assert_eq!(
        status_of(&app, &account, &kim, "203.0.113.13")
            .await
            .as_deref(),
        Some("blocked")
    );

    // The waiting login has ended; the password no longer opens anything from there.
    assert_eq!(
        attacker.get("/login/new-ip").await.location(),
        "/login?notice=ip-expired"
    );
    let refused = attacker
        .login(&account.security_code, "kim", PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("blocked"), "{}", refused.body);
    assert_eq!(confirmations_to(&app, "kim@example.com").await.len(), 1);

    let to_admin = app.mails_to("jan@example.com").await;
    assert!(
        to_admin.iter().any(
            |m| m.subject == "A login attempt was reported: IP address blocked"
                && m.text.contains("203.0.113.13")
                && m.text.contains("kim")
        ),
        "{to_admin:?}"
    );
    app.assert_audited(&kim, "ip.blocked", "ip=203.0.113.13 by=not_me", None)
        .await;
    // Kim's usual address still works.
    app.browser().login_ok(&account, "kim").await;
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = behind_proxy().await;
    let account = app.account("lou").await;

    // From the usual (validated) address, a made-up header changes nothing: straight in, and
    // the session records the real peer.
    let mut usual = app.browser();
    usual.forwarded_for = Some("203.0.113.66".into());
    usual.login_ok(&account, "lou").await;
    let sessions = app
        .state
        .store
        .sessions_of_user(&account.account_id, &account.admin_id)
        .await
        .unwrap();
    assert_eq!(sessions[0].ip, "198.51.100.7");

    // From a new address, claiming the validated one does not skip confirmation.
    let mut liar = app.browser_from("203.0.113.77:1");
    liar.forwarded_for = Some("198.51.100.7".into());
    let page = liar.login(&account.security_code, "lou", PASSWORD).await;
    assert_eq!(page.location(), "/login/new-ip");
    assert_eq!(
        status_of(&app, &account, &account.admin_id, "203.0.113.77")
            .await
            .as_deref(),
        Some("pending")
    );
}

#[tokio::test]
async fn auto_validation_is_the_users_choice_unless_the_account_blocks_new_addresses() {
    let app = TestApp::new().await;
    let account = app.account("max").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "max").await;
    let tab = format!("/employees/{}/security/ip-addresses", account.admin_id);
    assert!(
        admin
            .get(&tab)
            .await
            .body
            .contains("Automatically validate new IP addresses")
    );
    let saved = admin
        .post_from(
            &tab,
            "/security/ip-addresses/auto-validate",
            &[("auto_validate", "on")],
        )
        .await;
    assert_eq!(saved.location(), format!("{tab}?done=saved"));

    // A new address goes straight in, and the user is told.
    let mut train = app.browser_from("203.0.113.20:1");
    let page = train.login(&account.security_code, "max", PASSWORD).await;
    assert_eq!(page.location(), "/");
    assert_eq!(
        status_of(&app, &account, &account.admin_id, "203.0.113.20")
            .await
            .as_deref(),
        Some("validated")
    );
    let told = app.mails_to("max@example.com").await;
    assert!(
        told.iter()
            .any(|m| m.subject == "New login from a new IP address"
                && m.text.contains("203.0.113.20"))
    );
    assert!(confirmations_to(&app, "max@example.com").await.is_empty());

    // The account blocks new addresses: the option is shown disabled with the reason, and every
    // new address waits.
    let center = admin
        .post_from(
            "/security-center",
            "/security-center",
            &[("block_new_ips", "on")],
        )
        .await;
    assert_eq!(center.location(), "/security-center?done=saved");
    let page = admin.get(&tab).await.body;
    assert!(page.contains("blocks new IP addresses"), "{page}");
    assert!(
        page.contains("name=\"auto_validate\" value=\"on\"  disabled"),
        "{page}"
    );
    let refused = admin
        .post_from(
            &tab,
            "/security/ip-addresses/auto-validate",
            &[("auto_validate", "on")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let page = app
        .browser_from("203.0.113.21:1")
        .login(&account.security_code, "max", PASSWORD)
        .await;
    assert_eq!(page.location(), "/login/new-ip");
    assert_eq!(confirmations_to(&app, "max@example.com").await.len(), 1);
    app.assert_audited(
        &account.admin_id,
        "policy.changed",
        "block_new_ips=true",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_ip_addresses_page_filters_blocks_and_validates() {
    let app = TestApp::new().await;
    let account = app.account("nel").await;
    let otto = app.user(&account, "otto", UserKind::Employee).await;
    let mut otto_home = app.browser_from("203.0.113.30:1");
    otto_home.login_ok(&account, "otto").await;
    let mut otto_office = app.browser();
    otto_office.login_ok(&account, "otto").await;

    let mut admin = app.browser();
    admin.login_ok(&account, "nel").await;
    let all = admin.get("/ip-addresses").await.body;
    assert!(
        all.contains("203.0.113.30") && all.contains("otto Tester (otto)"),
        "{all}"
    );
    let only_nel = admin.get("/ip-addresses?user=nel").await.body;
    assert!(!only_nel.contains("203.0.113.30"), "{only_nel}");
    let unknown = admin.get("/ip-addresses?user=nobody").await.body;
    assert!(unknown.contains("There is no user named nobody"));
    let none_blocked = admin.get("/ip-addresses?status=blocked").await.body;
    assert!(none_blocked.contains("No IP addresses match this filter"));

    // An employee sees only their own addresses.
    let own = otto_office.get("/ip-addresses?user=nel").await.body;
    assert!(own.contains("203.0.113.30"));
    assert!(
        !own.contains(&format!("/ip-addresses/{}", account.admin_id)),
        "{own}"
    );

    // The administrator blocks Otto's home address: the session from there ends and the next
    // login from there is refused.
    let detail = format!("/ip-addresses/{otto}?ip=203.0.113.30");
    let blocked = admin
        .post_from(
            &detail,
            &format!("/ip-addresses/{otto}"),
            &[("ip", "203.0.113.30"), ("blocked", "on")],
        )
        .await;
    assert_eq!(blocked.location(), format!("{detail}&done=saved"));
    assert_eq!(otto_home.get("/").await.location(), "/login");
    assert_eq!(otto_office.get("/").await.status, StatusCode::OK);
    let refused = app
        .browser_from("203.0.113.30:2")
        .login(&account.security_code, "otto", PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        admin
            .get("/ip-addresses?status=blocked")
            .await
            .body
            .contains("203.0.113.30")
    );

    // Otto cannot lift the block himself.
    let page = otto_office.get(&detail).await.body;
    assert!(
        page.contains("Only an administrator can unblock it"),
        "{page}"
    );
    let forged = otto_office
        .post_from(
            &detail,
            &format!("/ip-addresses/{otto}"),
            &[("ip", "203.0.113.30")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The administrator unblocks it (validating it); after ten minutes that takes a fresh
    // re-authentication.
    app.clock.advance(Duration::from_secs(11 * 60));
    let reauth = admin
        .post_from(
            &detail,
            &format!("/ip-addresses/{otto}"),
            &[("ip", "203.0.113.30")],
        )
        .await;
    assert!(
        reauth.location().starts_with("/reauth"),
        "{}",
        reauth.location()
    );
    admin
        .post_from(
            "/reauth",
            "/reauth",
            &[("password", PASSWORD), ("next", &detail)],
        )
        .await;
    let unblocked = admin
        .post_from(
            &detail,
            &format!("/ip-addresses/{otto}"),
            &[("ip", "203.0.113.30")],
        )
        .await;
    assert_eq!(unblocked.location(), format!("{detail}&done=saved"));
    let mut home_again = app.browser_from("203.0.113.30:3");
    let page = home_again
        .login(&account.security_code, "otto", PASSWORD)
        .await;
    assert_eq!(page.location(), "/", "validated: straight in");
    app.assert_audited(&otto, "ip.blocked", "", Some("administrator:nel"))
        .await;
    app.assert_audited(&otto, "ip.validated", "", Some("administrator:nel"))
        .await;

    // A malformed address or a foreign user is not found.
    assert_eq!(
        admin
            .get(&format!("/ip-addresses/{otto}?ip=not-an-ip"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        otto_office
            .get(&format!(
                "/ip-addresses/{}?ip=198.51.100.7",
                account.admin_id
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_password_set_through_the_emailed_link_validates_the_address_it_was_set_from() {
    let app = TestApp::new().await;
    let account = app.account("pim").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "pim").await;
    admin
        .post_from(
            "/employees/new",
            "/employees/new",
            &[
                ("name", "Quinn Vos"),
                ("username", "quinn"),
                ("email", "quinn@example.com"),
                ("kind", "employee"),
            ],
        )
        .await;
    let invitation = app.mails_to("quinn@example.com").await;
    let link = invitation[0].link_path("http://localhost:8080/set-password");
    let mut quinn = app.browser_from("203.0.113.40:1");
    let form = quinn.get(&link).await;
    let token = crate::support::hidden_field(&form.body, "token");
    let set = quinn
        .post(
            "/set-password",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("password", "a brand new password"),
                ("repeat", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "the login form, filled in");
    let page = quinn
        .login(&account.security_code, "quinn", "a brand new password")
        .await;
    assert_eq!(
        page.location(),
        "/",
        "no second email right after the invitation"
    );
}

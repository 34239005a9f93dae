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

    // Given again, then revoked at once (a moment later: the log orders by time).
    admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    app.clock.advance(Duration::from_secs(1));
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

/// An operator straight into the store (the command line's test makes one too).
async fn operator(app: &TestApp, username: &str) {
    let hash = portcullis_core::password::hash_password(OPERATOR_PASSWORD).unwrap();
    app.state
        .store
        .create_operator(&portcullis_store::NewOperator {
            id: &portcullis_core::ids::new_id(),
            username,
            username_key: &portcullis_core::username::key(username),
            email: &format!("{username}@helpdesk.example"),
            password_hash: &hash,
            now: app.clock.now(),
        })
        .await
        .unwrap();
}

const OPERATOR_PASSWORD: &str = "staff room kettle whistles";

/// The operator's login, the second factor set up on the way; returns its key.
async fn operator_logs_in(
    app: &TestApp,
    desk: &mut crate::support::Browser<'_>,
    username: &str,
) -> String {
    let csrf = desk.get("/helpdesk/login").await.csrf();
    let waiting = desk
        .post(
            "/helpdesk/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", OPERATOR_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        waiting.location(),
        "/helpdesk/login/code",
        "{}",
        waiting.body
    );
    // Until the second factor is set up and passed, nothing else opens.
    assert_eq!(
        desk.get("/helpdesk").await.location(),
        "/helpdesk/login/code"
    );
    let some_account = "/helpdesk/accounts/00000000000000000000000000";
    assert_eq!(
        desk.get(some_account).await.location(),
        "/helpdesk/login/code"
    );
    let csrf_now = desk.get("/helpdesk/login/code").await.csrf();
    assert_eq!(
        desk.post(
            &format!("{some_account}/users/x/unlock"),
            &[("csrf", &csrf_now)]
        )
        .await
        .location(),
        "/helpdesk/login/code"
    );
    let page = desk.get("/helpdesk/login/code").await;
    let start =
        page.body.find("aria-label=\"Setup key\">").unwrap() + "aria-label=\"Setup key\">".len();
    let key = page.body[start..]
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let code = crate::two_factor::code_for(&key, app.clock.now());
    let done = desk
        .post(
            "/helpdesk/login/code",
            &[("csrf", &page.csrf()), ("code", &code)],
        )
        .await;
    assert_eq!(done.location(), "/helpdesk", "{}", done.body);
    key
}

#[tokio::test]
async fn the_helpdesk_sees_an_account_only_while_its_grant_lasts() {
    let app = TestApp::new().await;
    let account = app.account("yvette").await;
    operator(&app, "piet").await;
    let mut desk = app.browser_from("198.51.100.200:1");
    operator_logs_in(&app, &mut desk, "piet").await;
    let account_page = format!("/helpdesk/accounts/{}", account.account_id);

    // No grant: the account is not there, also by its id.
    assert!(
        desk.get("/helpdesk")
            .await
            .body
            .contains("No account has given the helpdesk access")
    );
    assert_eq!(desk.get(&account_page).await.status, StatusCode::NOT_FOUND);

    // Granted: found by name and by security code, and its users can be seen; the view is in
    // the account's audit log under the operator's name.
    let mut admin = app.browser();
    admin.login_ok(&account, "yvette").await;
    admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    assert!(
        desk.get("/helpdesk?q=yvette")
            .await
            .body
            .contains("yvette Holding")
    );
    let by_code = desk
        .get(&format!(
            "/helpdesk?q={}",
            account.security_code.to_lowercase()
        ))
        .await;
    assert!(by_code.body.contains("yvette Holding"), "{}", by_code.body);
    let page = desk.get(&account_page).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Help yvette"));
    // Read-only, with what the Security center's overview says of each user.
    assert!(page.body.contains("<th scope=\"col\">Logged in now</th>"));
    assert!(page.body.contains("<td>Yes</td>"), "yvette is logged in");
    assert!(page.body.contains("<td>Confirmed by email</td>"));
    assert!(
        !page.body.contains("/employees/"),
        "no link into the customer's own pages"
    );
    let log = app
        .state
        .store
        .audit_of_account(&account.account_id, None, 5)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.event == "helpdesk.viewed" && e.actor == "helpdesk:piet")
    );

    // Revoked: gone at the next request, also for the page that is open.
    admin
        .post_from("/security-center", "/security-center/helpdesk/revoke", &[])
        .await;
    let from_open_page = desk
        .post(
            &format!("{account_page}/users/{}/reset-factors", account.admin_id),
            &[
                ("csrf", &page.csrf()),
                ("which", "all"),
                ("reason", "Called back on the number we have"),
            ],
        )
        .await;
    assert_eq!(from_open_page.status, StatusCode::NOT_FOUND);
    assert_eq!(desk.get(&account_page).await.status, StatusCode::NOT_FOUND);
    // Granted again, then a month passes: gone by itself (the operator logs in again after idling).
    admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    assert_eq!(desk.get(&account_page).await.status, StatusCode::OK);
    app.clock.advance(helpdesk::GRANT_DURATION);
    let mut desk = app.browser_from("198.51.100.200:2");
    operator_logs_in_again(&app, &mut desk, "piet").await;
    assert_eq!(desk.get(&account_page).await.status, StatusCode::NOT_FOUND);
}

/// A later login of an operator whose app is set up: the code only.
async fn operator_logs_in_again(
    app: &TestApp,
    desk: &mut crate::support::Browser<'_>,
    username: &str,
) {
    let csrf = desk.get("/helpdesk/login").await.csrf();
    desk.post(
        "/helpdesk/login",
        &[
            ("csrf", &csrf),
            ("username", username),
            ("password", OPERATOR_PASSWORD),
        ],
    )
    .await;
    let page = desk.get("/helpdesk/login/code").await;
    assert!(!page.body.contains("Setup key"), "set up once");
    let key = app
        .state
        .store
        .operator_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .totp_secret_enc
        .unwrap();
    let secret = app
        .state
        .keys
        .decrypt(
            &format!(
                "operator/{}/totp",
                app.state
                    .store
                    .operator_by_username(username)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            ),
            &key,
        )
        .unwrap();
    let code = portcullis_core::totp::code_at(
        &portcullis_core::totp::TotpSecret::from_bytes(secret),
        app.clock.now(),
    );
    let done = desk
        .post(
            "/helpdesk/login/code",
            &[("csrf", &page.csrf()), ("code", &code)],
        )
        .await;
    assert_eq!(done.location(), "/helpdesk");
}

#[tokio::test]
async fn the_helpdesk_resets_lost_factors_with_a_reason_and_everyone_is_told() {
    let app = TestApp::new().await;
    let account = app.account("zelda").await;
    let anke = app
        .user(&account, "anke", portcullis_core::user::UserKind::Employee)
        .await;
    let mut ankes = app.browser();
    ankes.login_ok(&account, "anke").await;
    crate::two_factor::enroll(&app, &mut ankes, &anke).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "zelda").await;
    admin
        .post_from("/security-center", "/security-center/helpdesk", &[])
        .await;
    operator(&app, "piet").await;
    let mut desk = app.browser_from("198.51.100.200:1");
    operator_logs_in(&app, &mut desk, "piet").await;
    let page = format!("/helpdesk/accounts/{}", account.account_id);
    let action = format!("{page}/users/{anke}/reset-factors");
    let csrf = desk.get(&page).await.csrf();

    // A reason is required.
    let refused = desk
        .post(
            &action,
            &[("csrf", &csrf), ("which", "all"), ("reason", "  ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // Without the operator's CSRF token: refused.
    let forged = desk
        .post(
            &action,
            &[("csrf", "nope"), ("which", "all"), ("reason", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let done = desk
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("which", "all"),
                ("reason", "Called back on the number in her file"),
            ],
        )
        .await;
    assert_eq!(done.location(), format!("{page}?done=reset"));
    let factors = app
        .state
        .store
        .factors(&account.account_id, &anke)
        .await
        .unwrap();
    assert!(!factors.has_second_factor());
    assert_eq!(
        ankes.get("/").await.location(),
        "/login",
        "her sessions ended"
    );
    app.assert_audited(
        &anke,
        "helpdesk.factors_reset",
        "which=all sessions_ended=1 reason=Called back on the number in her file",
        Some("helpdesk:piet"),
    )
    .await;
    for to in ["anke@example.com", "zelda@example.com"] {
        let mail = app.mails_to(to).await.pop().unwrap();
        assert_eq!(mail.subject, "Your second factors were reset", "{to}");
        assert!(
            mail.text
                .contains("helpdesk (piet) reset the lost second factors")
        );
    }
    // She logs in with her password alone now.
    app.browser().login_ok(&account, "anke").await;

    // Unlocking a username is the helpdesk's too, audited under its name; an action it does
    // not have is not there.
    let unlocked = desk
        .post(&format!("{page}/users/{anke}/unlock"), &[("csrf", &csrf)])
        .await;
    assert_eq!(unlocked.location(), format!("{page}?done=unlocked"));
    app.assert_audited(&anke, "user.unlocked", "", Some("helpdesk:piet"))
        .await;
    let other = desk
        .post(
            &format!("{page}/users/{anke}/deactivate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    // Another account's user through this account's grant: not found.
    let stranger = app.account("yara").await;
    let through = desk
        .post(
            &format!("{page}/users/{}/unlock", stranger.admin_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(through.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn customer_and_operator_sessions_open_only_their_own_pages() {
    let app = TestApp::new().await;
    let account = app.account("bob").await;
    let mut customer = app.browser();
    customer.login_ok(&account, "bob").await;
    assert_eq!(
        customer.get("/helpdesk").await.location(),
        "/helpdesk/login"
    );
    operator(&app, "piet").await;
    let mut desk = app.browser_from("198.51.100.200:1");
    operator_logs_in(&app, &mut desk, "piet").await;
    assert_eq!(desk.get("/").await.location(), "/login");
    assert_eq!(desk.get("/security-center").await.location(), "/login");
    // Idle for 15 minutes: the operator session is over.
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(desk.get("/helpdesk").await.location(), "/helpdesk/login");
    // Ten wrong passwords lock the operator.
    for _ in 0..10 {
        let csrf = desk.get("/helpdesk/login").await.csrf();
        desk.post(
            "/helpdesk/login",
            &[
                ("csrf", &csrf),
                ("username", "piet"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    }
    let csrf = desk.get("/helpdesk/login").await.csrf();
    let locked = desk
        .post(
            "/helpdesk/login",
            &[
                ("csrf", &csrf),
                ("username", "piet"),
                ("password", OPERATOR_PASSWORD),
            ],
        )
        .await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
}

/// The password step of an operator's login, up to the second factor's page.
async fn operator_password_step(
    desk: &mut crate::support::Browser<'_>,
    username: &str,
) -> crate::support::Page {
    let csrf = desk.get("/helpdesk/login").await.csrf();
    let waiting = desk
        .post(
            "/helpdesk/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", OPERATOR_PASSWORD),
            ],
        )
        .await;
    assert_eq!(waiting.location(), "/helpdesk/login/code");
    let page = desk.get("/helpdesk/login/code").await;
    assert_eq!(page.status, StatusCode::OK);
    page
}

#[tokio::test]
async fn an_operator_may_set_up_and_use_a_passkey_instead_of_the_app() {
    use crate::passkeys::{body, origin};
    use serde_json::json;
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;

    let app = TestApp::new().await;
    operator(&app, "anna").await;
    let mut desk = app.browser_from("198.51.100.200:1");
    let first_page = operator_password_step(&mut desk, "anna").await;
    let csrf = first_page.csrf();
    let first = first_page.body;
    // Without a second factor: both ways to set one up are offered.
    assert!(first.contains("aria-label=\"Setup key\""), "{first}");
    assert!(first.contains("data-passkey-register"), "{first}");
    let start =
        first.find("aria-label=\"Setup key\">").unwrap() + "aria-label=\"Setup key\">".len();
    let app_key = first[start..].split('<').next().unwrap().replace(' ', "");

    // The ceremony's calls need the operator session's CSRF token.
    let refused = desk
        .post_json("/helpdesk/passkeys/options", "not-the-token", &json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // There is no passkey to log in with yet.
    let none = desk
        .post_json("/helpdesk/login/passkey/options", &csrf, &json!({}))
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{}", none.body);

    let mut authenticator = SoftPasskey::new(true);
    let started = desk
        .post_json("/helpdesk/passkeys/options", &csrf, &json!({}))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let started = body(&started);
    // A second factor after the username: the key need not be discoverable, but must verify
    // its user.
    let options: webauthn_rs::prelude::CreationChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    assert_eq!(
        options
            .public_key
            .authenticator_selection
            .as_ref()
            .unwrap()
            .user_verification,
        webauthn_rs_proto::UserVerificationPolicy::Required
    );
    let credential = authenticator.do_registration(origin(), options).unwrap();
    let created = desk
        .post_json(
            "/helpdesk/passkeys",
            &csrf,
            &json!({ "ceremony": started["ceremony"], "name": "Desk key", "credential": credential }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(body(&created)["redirect"], "/helpdesk?done=passkey-added");
    // Setting it up passed this login's second factor.
    let console = desk.get("/helpdesk?done=passkey-added").await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.body.contains("Your passkey is set up"));
    let operator_id = app
        .state
        .store
        .operator_by_username("anna")
        .await
        .unwrap()
        .unwrap()
        .id;
    let keys = app
        .state
        .store
        .operator_passkeys(&operator_id)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "Desk key");

    // The next login asks for the passkey; the app key shown before the choice is worth nothing,
    // and no second factor can be set up any more.
    let mut later = app.browser_from("198.51.100.200:2");
    let second_page = operator_password_step(&mut later, "anna").await;
    let csrf = second_page.csrf();
    let second = second_page.body;
    assert!(second.contains("data-passkey-reauth"), "{second}");
    assert!(!second.contains("Setup key"));
    assert!(!second.contains("data-passkey-register"));
    let code = crate::two_factor::code_for(&app_key, app.clock.now());
    let wrong = later
        .post("/helpdesk/login/code", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let again = later
        .post_json("/helpdesk/passkeys/options", &csrf, &json!({}))
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    assert_eq!(
        later.get("/helpdesk").await.location(),
        "/helpdesk/login/code"
    );

    let started = later
        .post_json("/helpdesk/login/passkey/options", &csrf, &json!({}))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let started = body(&started);
    let options: webauthn_rs::prelude::RequestChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    assert_eq!(options.public_key.allow_credentials.len(), 1);
    let answer = authenticator.do_authentication(origin(), options).unwrap();
    let passed = later
        .post_json(
            "/helpdesk/login/passkey",
            &csrf,
            &json!({ "ceremony": started["ceremony"], "credential": answer }),
        )
        .await;
    assert_eq!(passed.status, StatusCode::OK, "{}", passed.body);
    assert_eq!(body(&passed)["redirect"], "/helpdesk");
    assert_eq!(later.get("/helpdesk").await.status, StatusCode::OK);
    // A finished login has no second factor left to pass.
    let done = later
        .post_json("/helpdesk/login/passkey/options", &csrf, &json!({}))
        .await;
    assert_eq!(done.status, StatusCode::CONFLICT);
}

//! Passkeys with a software authenticator (`webauthn-authenticator-rs`, `softpasskey`) against
//! the real endpoints: create, log in without a username, counter regression, wrong origin,
//! several passkeys, rename, delete, the last-factor rule, re-authentication, and how a passkey
//! login meets IP address security.

use axum::http::StatusCode;
use portcullis_core::user::UserKind;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse, Url,
};
use webauthn_rs_proto::AllowCredentials;

use crate::support::{Browser, TestAccount, TestApp};

const ORIGIN: &str = "http://localhost:8080";

pub(crate) fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

pub(crate) fn body(page: &crate::support::Page) -> Value {
    serde_json::from_str(&page.body).unwrap_or_else(|_| panic!("not JSON: {}", page.body))
}

/// Creates a passkey through the Security and login details endpoints; returns the answer.
async fn create_passkey(
    browser: &mut Browser<'_>,
    authenticator: &mut SoftPasskey,
    name: &str,
) -> crate::support::Page {
    let page = browser.get("/security/passkeys/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let started = browser
        .post_json("/security/passkeys/options", &csrf, &json!({}))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let started = body(&started);
    let options = discoverable_options(&started["options"]);
    let credential = authenticator.do_registration(origin(), options).unwrap();
    browser
        .post_json(
            "/security/passkeys",
            &csrf,
            &json!({ "ceremony": started["ceremony"], "name": name, "credential": credential }),
        )
        .await
}

/// Checks that registration options require a discoverable credential with user verification,
/// then relaxes the resident-key flag for the software authenticator, which cannot store keys
/// (a real one stores the key; the tests supply what it would return, see
/// [`sign_discoverably`]). Nothing the server verifies depends on that flag.
fn discoverable_options(options: &Value) -> CreationChallengeResponse {
    let mut options: CreationChallengeResponse = serde_json::from_value(options.clone()).unwrap();
    let selection = options.public_key.authenticator_selection.as_mut().unwrap();
    assert!(
        selection.require_resident_key,
        "discoverable credentials are required"
    );
    assert_eq!(
        selection.resident_key,
        Some(webauthn_rs_proto::ResidentKeyRequirement::Required)
    );
    assert_eq!(
        selection.user_verification,
        webauthn_rs_proto::UserVerificationPolicy::Required
    );
    selection.require_resident_key = false;
    selection.resident_key = None;
    options
}

/// The options of a usernameless login, from the login page.
async fn login_options(browser: &mut Browser<'_>) -> (String, String, RequestChallengeResponse) {
    let csrf = browser.get("/login").await.csrf();
    let started = browser
        .post_json("/login/passkey/options", &csrf, &json!({}))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let started = body(&started);
    let options: RequestChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    assert!(
        options.public_key.allow_credentials.is_empty(),
        "no username, no credential list"
    );
    (
        csrf,
        started["ceremony"].as_str().unwrap().to_string(),
        options,
    )
}

/// Signs a usernameless login's challenge the way a discoverable authenticator does: the
/// software authenticator needs its credential named, and returns no user handle, so the test
/// supplies both (neither is part of what is signed).
fn sign_discoverably(
    authenticator: &mut SoftPasskey,
    mut options: RequestChallengeResponse,
    credential_id: &[u8],
    user_handle: &[u8],
    at: &Url,
) -> PublicKeyCredential {
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".into(),
        id: credential_id.to_vec(),
        transports: None,
    }];
    let mut answer = authenticator
        .do_authentication(at.clone(), options)
        .unwrap();
    answer.response.user_handle = Some(user_handle.to_vec());
    answer
}

/// The credential id and user handle of the user's only (or first) passkey.
async fn ids_of(app: &TestApp, account: &TestAccount, user_id: &str) -> (Vec<u8>, Vec<u8>) {
    let row = app
        .state
        .store
        .passkeys_of_user(&account.account_id, user_id)
        .await
        .unwrap()
        .remove(0);
    let handle = app
        .state
        .store
        .webauthn_handle(&account.account_id, user_id, None)
        .await
        .unwrap()
        .unwrap();
    use base64::Engine as _;
    (
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(row.credential_id)
            .unwrap(),
        uuid::Uuid::parse_str(&handle).unwrap().as_bytes().to_vec(),
    )
}

async fn passkey_login(
    browser: &mut Browser<'_>,
    authenticator: &mut SoftPasskey,
    ids: &(Vec<u8>, Vec<u8>),
) -> crate::support::Page {
    let (csrf, ceremony, options) = login_options(browser).await;
    let answer = sign_discoverably(authenticator, options, &ids.0, &ids.1, &origin());
    browser
        .post_json(
            "/login/passkey",
            &csrf,
            &json!({ "ceremony": ceremony, "credential": answer }),
        )
        .await
}

#[tokio::test]
async fn a_passkey_is_created_and_logs_in_without_username_password_or_second_factor() {
    let app = TestApp::new().await;
    let account = app.account("ada").await;
    let mut desk = app.browser();
    desk.login_ok(&account, "ada").await;
    let mut authenticator = SoftPasskey::new(true);

    let created = create_passkey(&mut desk, &mut authenticator, "").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let tab = format!("/employees/{}/security/passkeys", account.admin_id);
    assert_eq!(
        body(&created)["redirect"],
        format!("{tab}?done=passkey-added")
    );
    let page = desk.get(&format!("{tab}?done=passkey-added")).await.body;
    assert!(page.contains("<strong>Passkey</strong>"), "{page}");
    assert!(page.contains("Unknown authenticator"));
    assert!(page.contains("Create a second one on another device"));
    let told = app.mails_to("ada@example.com").await;
    assert!(told.iter().any(|m| m.subject == "A passkey was added"));

    // A fresh browser, from an address never seen: no security code, username, password, code
    // or IP confirmation.
    let mut phone = app.browser_from("203.0.113.80:1");
    let ids = ids_of(&app, &account, &account.admin_id).await;
    let answer = passkey_login(&mut phone, &mut authenticator, &ids).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(body(&answer)["redirect"], "/");
    assert_eq!(phone.get("/").await.status, StatusCode::OK);
    let seen = app
        .state
        .store
        .ip_facts(&account.account_id, &account.admin_id, "203.0.113.80")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        seen.status, "pending",
        "seen, but a passkey does not validate it"
    );
    app.assert_audited(&account.admin_id, "login.succeeded", "factor=passkey", None)
        .await;
    let row = app
        .state
        .store
        .passkeys_of_user(&account.account_id, &account.admin_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(row.sign_count, 1);
    assert!(row.last_used_at.is_some());

    // A ceremony is single-use.
    let (csrf, ceremony, options) = login_options(&mut phone).await;
    let answer = sign_discoverably(&mut authenticator, options, &ids.0, &ids.1, &origin());
    let payload = json!({ "ceremony": ceremony, "credential": answer });
    let first = phone.post_json("/login/passkey", &csrf, &payload).await;
    assert_eq!(first.status, StatusCode::OK);
    let replay = phone.post_json("/login/passkey", &csrf, &payload).await;
    assert_eq!(replay.status, StatusCode::GONE, "{}", replay.body);
}

#[tokio::test]
async fn a_counter_that_goes_backwards_is_refused_and_audited() {
    let app = TestApp::new().await;
    let account = app.account("boris").await;
    let mut desk = app.browser();
    desk.login_ok(&account, "boris").await;
    let mut authenticator = SoftPasskey::new(true);
    create_passkey(&mut desk, &mut authenticator, "Key").await;
    let ids = ids_of(&app, &account, &account.admin_id).await;

    // Two logins signed in order (counters 1 and 2), answered in reverse: the older one looks
    // like a copy of the authenticator that fell behind.
    let mut early = app.browser();
    let (csrf_a, ceremony_a, options_a) = login_options(&mut early).await;
    let mut late = app.browser();
    let (csrf_b, ceremony_b, options_b) = login_options(&mut late).await;
    let answer_a = sign_discoverably(&mut authenticator, options_a, &ids.0, &ids.1, &origin());
    let answer_b = sign_discoverably(&mut authenticator, options_b, &ids.0, &ids.1, &origin());
    let ok = late
        .post_json(
            "/login/passkey",
            &csrf_b,
            &json!({ "ceremony": ceremony_b, "credential": answer_b }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let refused = early
        .post_json(
            "/login/passkey",
            &csrf_a,
            &json!({ "ceremony": ceremony_a, "credential": answer_a }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(body(&refused)["error"].as_str().unwrap().contains("copied"));
    assert!(!early.cookies.contains_key("portcullis_session"));
    app.assert_audited(&account.admin_id, "passkey.counter_regression", "", None)
        .await;
}

#[tokio::test]
async fn an_answer_made_for_another_origin_is_refused() {
    let app = TestApp::new().await;
    let account = app.account("cyril").await;
    let mut desk = app.browser();
    desk.login_ok(&account, "cyril").await;
    let mut authenticator = SoftPasskey::new(true);

    // Registration signed for another origin (same host, another port).
    let page = desk.get("/security/passkeys/new").await;
    let csrf = page.csrf();
    let started = body(
        &desk
            .post_json("/security/passkeys/options", &csrf, &json!({}))
            .await,
    );
    let options = discoverable_options(&started["options"]);
    let elsewhere = Url::parse("http://localhost:9999").unwrap();
    let credential = authenticator
        .do_registration(elsewhere.clone(), options)
        .unwrap();
    let refused = desk
        .post_json(
            "/security/passkeys",
            &csrf,
            &json!({ "ceremony": started["ceremony"], "name": "", "credential": credential }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(
        app.state
            .store
            .passkeys_of_user(&account.account_id, &account.admin_id)
            .await
            .unwrap()
            .is_empty()
    );

    // A real passkey, used from another origin to log in: refused.
    create_passkey(&mut desk, &mut authenticator, "Key").await;
    let ids = ids_of(&app, &account, &account.admin_id).await;
    let mut phishing = app.browser();
    let (csrf, ceremony, options) = login_options(&mut phishing).await;
    let answer = sign_discoverably(&mut authenticator, options, &ids.0, &ids.1, &elsewhere);
    let refused = phishing
        .post_json(
            "/login/passkey",
            &csrf,
            &json!({ "ceremony": ceremony, "credential": answer }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(!phishing.cookies.contains_key("portcullis_session"));
}

#[tokio::test]
async fn several_passkeys_are_listed_renamed_and_deleted_but_not_the_last_factor_when_enforced() {
    let app = TestApp::new().await;
    let account = app.account("dina").await;
    let mut desk = app.browser();
    desk.login_ok(&account, "dina").await;
    let tab = format!("/employees/{}/security/passkeys", account.admin_id);
    let mut laptop = SoftPasskey::new(true);
    let mut key = SoftPasskey::new(true);
    create_passkey(&mut desk, &mut laptop, "Laptop").await;
    app.clock.advance(std::time::Duration::from_secs(60));
    let second = create_passkey(&mut desk, &mut key, "").await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let rows = app
        .state
        .store
        .passkeys_of_user(&account.account_id, &account.admin_id)
        .await
        .unwrap();
    let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Laptop", "Passkey"]);
    let bad_name = create_passkey(&mut desk, &mut SoftPasskey::new(true), &"x".repeat(61)).await;
    assert_eq!(bad_name.status, StatusCode::UNPROCESSABLE_ENTITY);

    let renamed = desk
        .post_from(
            &tab,
            &format!("/security/passkeys/{}/rename", rows[1].id),
            &[("name", "Blue security key")],
        )
        .await;
    assert_eq!(renamed.location(), format!("{tab}?done=saved"));
    // A name that breaks a rule: said beside that passkey's field, nothing renamed.
    let refused = desk
        .post_from(
            &tab,
            &format!("/security/passkeys/{}/rename", rows[1].id),
            &[("name", "   ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(&format!(
            "id=\"rename-{}-error\">Give the passkey a name, such as the device it is on.",
            rows[1].id
        )),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("aria-invalid=\"true\""));
    assert!(desk.get(&tab).await.body.contains("Blue security key"));

    // The account enforces two-factor: a passkey counts, so the session is not restricted; the
    // last passkey cannot go, the one before it can.
    app.state
        .store
        .set_two_factor_policy(&account.account_id, true, false)
        .await
        .unwrap();
    assert_eq!(desk.get("/").await.status, StatusCode::OK);
    // Asked first; the passkey stays until the confirming post.
    let asked = desk
        .post_from(
            &tab,
            &format!("/security/passkeys/{}/delete", rows[0].id),
            &[],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Delete the passkey"), "{}", asked.body);
    assert_eq!(
        app.state
            .store
            .passkeys_of_user(&account.account_id, &account.admin_id)
            .await
            .unwrap()
            .len(),
        2
    );
    let deleted = desk
        .post_from(
            &tab,
            &format!("/security/passkeys/{}/delete", rows[0].id),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.location(), format!("{tab}?done=passkey-deleted"));
    let last = desk
        .post_from(
            &tab,
            &format!("/security/passkeys/{}/delete", rows[1].id),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT, "{}", last.body);
    assert!(last.body.contains("last way"));
    let told = app.mails_to("dina@example.com").await;
    assert!(
        told.iter()
            .any(|m| m.subject == "A passkey was removed" && m.text.contains("Laptop"))
    );

    // Someone else's passkey id is not found.
    let other = app.user(&account, "edwin", UserKind::Employee).await;
    let mut ed = app.browser();
    ed.login_ok(&account, "edwin").await;
    let foreign = ed
        .post_from(
            &format!("/employees/{other}/security"),
            &format!("/security/passkeys/{}/delete", rows[1].id),
            &[],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_blocked_address_refuses_a_passkey_and_reauthentication_can_use_one() {
    let app = TestApp::new().await;
    let account = app.account("felix").await;
    let mut desk = app.browser();
    desk.login_ok(&account, "felix").await;
    let mut authenticator = SoftPasskey::new(true);
    create_passkey(&mut desk, &mut authenticator, "Phone").await;
    let ids = ids_of(&app, &account, &account.admin_id).await;

    app.state
        .store
        .set_ip_status(
            &account.account_id,
            &account.admin_id,
            "203.0.113.90",
            "blocked",
            app.clock.now(),
        )
        .await
        .unwrap();
    let mut blocked = app.browser_from("203.0.113.90:1");
    let refused = passkey_login(&mut blocked, &mut authenticator, &ids).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        body(&refused)["error"]
            .as_str()
            .unwrap()
            .contains("blocked")
    );

    // Re-authentication with the passkey instead of the password.
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let page = desk.get("/reauth?next=/account").await;
    assert!(page.body.contains("Use a passkey"), "{}", page.body);
    let csrf = page.csrf();
    let started = body(
        &desk
            .post_json("/reauth/passkey/options", &csrf, &json!({}))
            .await,
    );
    let options: RequestChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    let answer = authenticator.do_authentication(origin(), options).unwrap();
    let before = desk.cookies.get("portcullis_session").cloned();
    let done = desk
        .post_json(
            "/reauth/passkey",
            &csrf,
            &json!({ "ceremony": started["ceremony"], "credential": answer, "next": "/account" }),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(body(&done)["redirect"], "/account");
    assert_ne!(desk.cookies.get("portcullis_session").cloned(), before);
    assert_eq!(desk.get("/account").await.status, StatusCode::OK);
    // The session now counts as proven by a passkey (forward-auth's `passkey` rules).
    let method_of = |cookie: Option<String>| {
        let store = app.state.store.clone();
        async move {
            store
                .session_by_token_hash(&portcullis_core::token::hash_token(&cookie.unwrap()))
                .await
                .unwrap()
                .unwrap()
                .login_method
        }
    };
    assert_eq!(
        method_of(desk.cookies.get("portcullis_session").cloned()).await,
        portcullis_core::session::LoginMethod::Passkey
    );
}

#[tokio::test]
async fn a_user_whose_only_second_factor_is_a_passkey_shows_as_protected_in_the_security_center() {
    let app = TestApp::new().await;
    let account = app.account("femke").await;
    let gijs = app.user(&account, "gijs", UserKind::Employee).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "femke").await;
    let line = |body: &str, user_id: &str| {
        let start = body
            .find(&format!(
                "<td class=\"person\"><a href=\"/employees/{user_id}\">"
            ))
            .unwrap_or_else(|| panic!("{user_id} is not listed: {body}"));
        let end = body[start..]
            .find("</tr>")
            .map_or(body.len(), |i| start + i);
        body[start..end].to_string()
    };
    let before = admin.get("/security-center").await;
    assert!(
        line(&before.body, &gijs).contains(">Off<"),
        "{}",
        before.body
    );
    assert!(
        before
            .body
            .contains("2 of 2 users without two-factor authentication"),
        "{}",
        before.body
    );

    // Gijs sets up a passkey and nothing else: a second factor, like an authenticator app.
    let mut phone = app.browser();
    phone.login_ok(&account, "gijs").await;
    let created = create_passkey(&mut phone, &mut SoftPasskey::new(true), "Phone").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let after = admin.get("/security-center").await;
    assert!(line(&after.body, &gijs).contains(">On<"), "{}", after.body);
    assert!(line(&after.body, &account.admin_id).contains(">Off<"));
    assert!(
        after
            .body
            .contains("1 of 2 users without two-factor authentication"),
        "{}",
        after.body
    );

    // The same definition holds at the login's policy gate: with two-factor enforced, his
    // session is not restricted, while the administrator without a factor is.
    app.state
        .store
        .set_two_factor_policy(&account.account_id, true, false)
        .await
        .unwrap();
    assert_eq!(phone.get("/").await.status, StatusCode::OK);
    assert_eq!(
        admin.get("/").await.location(),
        format!(
            "/employees/{}/security?why=two-factor-required",
            account.admin_id
        )
    );
}

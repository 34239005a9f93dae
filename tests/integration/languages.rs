//! Dutch and English, and local time: the language comes from the user's own choice (their
//! setting, or the login page's switch), else the browser's `Accept-Language`, else the
//! account's default; times show in the account's time zone with the zone named; every email is
//! in its recipient's language, whoever caused it.

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{Browser, PASSWORD, TestAccount, TestApp};

/// The `lang` of a page's `<html>`.
fn html_lang(body: &str) -> &str {
    body.split("<html lang=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
}

/// Sets the account's default language and time zone on Company settings.
async fn set_account_locale(
    admin: &mut Browser<'_>,
    language: &str,
    time_zone: &str,
) -> crate::support::Page {
    admin
        .post_from(
            "/account",
            "/account/locale",
            &[("language", language), ("time_zone", time_zone)],
        )
        .await
}

async fn dutch_account<'a>(app: &'a TestApp, admin: &str) -> (TestAccount, Browser<'a>) {
    let account = app.account(admin).await;
    let mut browser = app.browser();
    browser.login_ok(&account, admin).await;
    let saved = set_account_locale(&mut browser, "nl", "Europe/Amsterdam").await;
    assert_eq!(saved.location(), "/account?done=saved", "{}", saved.body);
    (account, browser)
}

#[tokio::test]
async fn the_language_is_the_users_choice_else_the_browsers_else_the_accounts() {
    let app = TestApp::new().await;
    let (account, mut admin) = dutch_account(&app, "lotte").await;
    let log = app
        .state
        .store
        .audit_of_account(&account.account_id, None, 10)
        .await
        .unwrap();
    assert!(
        log.iter().any(|e| e.event == "account.locale_changed"
            && e.detail == "language=nl time_zone=Europe/Amsterdam"),
        "{log:?}"
    );

    // No preference anywhere but the account's: Dutch.
    let page = admin.get("/").await;
    assert_eq!(html_lang(&page.body), "nl");
    assert!(page.body.contains("Welkom, lotte"), "{}", page.body);
    // The browser asks for English: English.
    admin.accept_language = Some("en-GB,en;q=0.9,nl;q=0.5".into());
    let page = admin.get("/").await;
    assert_eq!(html_lang(&page.body), "en");
    assert!(page.body.contains("Welcome, lotte"));
    // A language Portcullis does not speak counts as no preference.
    admin.accept_language = Some("de-DE,fr;q=0.8".into());
    assert_eq!(html_lang(&admin.get("/").await.body), "nl");

    // The user's own choice beats the browser.
    let tab = format!("/employees/{}/security/language", account.admin_id);
    let chosen = admin
        .post_from(&tab, "/security/language", &[("language", "en")])
        .await;
    assert_eq!(
        chosen.location(),
        format!(
            "/employees/{}/security?done=language-saved",
            account.admin_id
        )
    );
    admin.accept_language = Some("nl".into());
    let page = admin.get(chosen.location()).await;
    assert_eq!(html_lang(&page.body), "en");
    assert!(page.body.contains("Your language is saved."));
    assert!(page.body.contains("English"), "the card names the choice");
    // Back to automatic: the browser decides again.
    admin
        .post_from(&tab, "/security/language", &[("language", "")])
        .await;
    assert_eq!(html_lang(&admin.get("/").await.body), "nl");
    // Only the languages offered.
    let odd = admin
        .post_from(&tab, "/security/language", &[("language", "fr")])
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);

    // Before login, the login page's switch is a choice too, remembered in a cookie, and it
    // beats the browser's header.
    let mut visitor = app.browser();
    visitor.accept_language = Some("en-US,en".into());
    assert!(visitor.get("/login").await.body.contains("<h1>Log in</h1>"));
    let switched = visitor.get("/login?lang=nl").await;
    assert_eq!(html_lang(&switched.body), "nl");
    assert!(switched.body.contains("<h1>Inloggen</h1>"));
    assert!(
        visitor
            .cookies
            .get("portcullis_language")
            .is_some_and(|v| v == "nl")
    );
    let again = visitor.get("/forgot-password").await;
    assert_eq!(html_lang(&again.body), "nl");
    assert!(again.body.contains("Wachtwoord vergeten?"));
    // A refused login says so in the chosen language, with the same one message.
    let refused = visitor
        .login(&account.security_code, "lotte", "not the password at all")
        .await;
    assert!(
        refused
            .body
            .contains("De beveiligingscode, gebruikersnaam of het wachtwoord klopt niet."),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn times_are_shown_in_the_accounts_time_zone_with_the_zone_named() {
    let app = TestApp::new().await;
    let account = app.account("joris").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "joris").await;
    let sessions = format!("/employees/{}/security/sessions", account.admin_id);
    // The clock stands at 2026-01-05 09:00 UTC; new accounts keep UTC, as they did.
    assert!(
        admin
            .get(&sessions)
            .await
            .body
            .contains("5 Jan 2026, 09:00 UTC")
    );

    // Not a time zone: nothing changes, the problem is beside the field.
    let odd = set_account_locale(&mut admin, "en", "Europe/Atlantis").await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(odd.body.contains("Choose a time zone from the list."));
    assert!(odd.body.contains("aria-invalid=\"true\""));
    assert!(admin.get(&sessions).await.body.contains("09:00 UTC"));

    let saved = set_account_locale(&mut admin, "en", "Europe/Amsterdam").await;
    assert_eq!(saved.location(), "/account?done=saved");
    let page = admin.get(&sessions).await.body;
    assert!(page.contains("5 Jan 2026, 10:00 CET"), "{page}");
    // Stored times stay UTC.
    let rows = app
        .state
        .store
        .sessions_of_user(&account.account_id, &account.admin_id)
        .await
        .unwrap();
    assert_eq!(rows[0].created_at, crate::support::T0);
    // The audit log says which zone its times are in.
    assert!(
        admin
            .get("/audit")
            .await
            .body
            .contains("Times are in Europe/Amsterdam.")
    );

    // Emails carry the local time too.
    let mut other = app.browser_from("198.51.100.70:1");
    let waiting = other.login(&account.security_code, "joris", PASSWORD).await;
    assert_eq!(waiting.location(), "/login/new-ip");
    let mail = app.mails_to("joris@example.com").await.pop().unwrap();
    assert!(
        mail.text.contains("Time: 5 Jan 2026, 10:00 CET"),
        "{}",
        mail.text
    );
    // The link's page, opened by someone not logged in, shows the account's time as well.
    let link = other.get(&app.newest_ip_link().await).await.body;
    assert!(link.contains("5 Jan 2026, 10:00 CET"), "{link}");
}

#[tokio::test]
async fn every_email_is_in_its_recipients_language() {
    let app = TestApp::new().await;
    let (account, mut admin) = dutch_account(&app, "sanne").await;
    // Sanne's browser asks for English, but an email goes to whoever it is for: the new user
    // chose no language, so the account's default applies.
    admin.accept_language = Some("en".into());
    let csrf = admin.get("/employees/new").await.csrf();
    let created = admin
        .post(
            "/employees/new",
            &[
                ("csrf", &csrf),
                ("name", "Piet Pieters"),
                ("username", "piet"),
                ("email", "piet@example.com"),
                ("kind", "employee"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let invitation = app.mails_to("piet@example.com").await.pop().unwrap();
    assert_eq!(
        invitation.subject,
        format!("Je login voor {}", "sanne Holding")
    );
    assert!(
        invitation
            .text
            .starts_with("Je hebt een gebruiker bij sanne Holding")
    );
    assert!(invitation.text.contains("Hallo Piet Pieters,"));
    assert!(invitation.text.contains("Beveiligingscode: "));
    assert!(invitation.html.contains("<html lang=\"nl\">"));

    // Kees chose no language: his mail is in the account's Dutch.
    let kees = app.user(&account, "kees", UserKind::Employee).await;
    let mut keess = app.browser();
    keess.accept_language = Some("en".into());
    keess.login_ok(&account, "kees").await;
    change_password(&mut keess, &kees).await;
    let told = app.mails_to("kees@example.com").await.pop().unwrap();
    assert_eq!(told.subject, "Je wachtwoord is gewijzigd");
    assert!(
        told.text.contains("Tijdstip: 5 jan 2026, 10:00 CET"),
        "{}",
        told.text
    );

    // Sanne chooses English for herself: her own mail is English from then on.
    admin
        .post_from(
            &format!("/employees/{}/security/language", account.admin_id),
            "/security/language",
            &[("language", "en")],
        )
        .await;
    change_password(&mut admin, &account.admin_id).await;
    let told = app.mails_to("sanne@example.com").await.pop().unwrap();
    assert_eq!(told.subject, "Your password was changed");
    assert!(told.text.contains("Time: 5 Jan 2026, 10:00 CET"));
}

async fn change_password(browser: &mut Browser<'_>, user_id: &str) {
    let changed = browser
        .post_from(
            &format!("/employees/{user_id}/security/password"),
            "/security/password",
            &[
                ("current", PASSWORD),
                ("new", "a completely fresh passphrase"),
                ("repeat", "a completely fresh passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
}

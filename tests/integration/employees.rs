//! The Employees page, user pages and what administrators change about users.

use std::time::Duration;

use axum::http::StatusCode;
use portcullis_core::ids::new_id;
use portcullis_core::user::UserKind;
use portcullis_server::flows::people::accounts::UserInput;

use crate::support::{Browser, PASSWORD, TestAccount, TestApp};

async fn administration(app: &TestApp, account: &TestAccount, name: &str) -> String {
    let id = new_id();
    app.state
        .store
        .create_administration(&id, &account.account_id, name, app.clock.now())
        .await
        .unwrap();
    id
}

/// Submits the edit form of a user with these fields (and the session's CSRF token).
async fn edit(
    browser: &mut Browser<'_>,
    user_id: &str,
    fields: &[(&str, &str)],
) -> crate::support::Page {
    let path = format!("/employees/{user_id}/edit");
    browser.post_from(&path, &path, fields).await
}

#[tokio::test]
async fn an_administrator_creates_an_employee_who_is_invited_by_email_and_sees_only_their_administrations()
 {
    let app = TestApp::new().await;
    let account = app.account("anouk").await;
    let north = administration(&app, &account, "North Books").await;
    let south = administration(&app, &account, "South Books").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "anouk").await;

    let form = admin.get("/employees/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("North Books") && form.body.contains("South Books"));
    let created = admin
        .post(
            "/employees/new",
            &[
                ("csrf", &form.csrf()),
                ("name", "Bas Visser"),
                ("username", "bas.visser"),
                ("email", "bas@example.com"),
                ("kind", "employee"),
                ("administration", &north),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert!(created.location().ends_with("?done=user-created"));
    let page = admin.get(created.location()).await;
    assert!(page.body.contains("Bas Visser") && page.body.contains("Invited"));
    assert!(
        page.body
            .contains("An email with their login details is on its way.")
    );

    let mails = app.mails_to("bas@example.com").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let invitation = &mails[0];
    assert!(
        invitation.text.contains(&account.security_code),
        "the security code is in the invitation"
    );
    assert!(invitation.text.contains("bas.visser"));
    assert!(invitation.html.contains("Choose your password"));
    let link = invitation.link_path("http://localhost:8080/set-password");

    let mut bas = app.browser();
    let set = bas.get(&link).await;
    assert_eq!(set.status, StatusCode::OK);
    let token = crate::support::hidden_field(&set.body, "token");
    let done = bas
        .post(
            "/set-password",
            &[
                ("csrf", &set.csrf()),
                ("token", &token),
                ("password", PASSWORD),
                ("repeat", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "the login form, filled in");
    assert!(done.body.contains("value=\"bas.visser\""));
    bas.login_ok(&account, "bas.visser").await;
    let dashboard = bas.get("/").await;
    assert!(dashboard.body.contains("North Books"));
    assert!(!dashboard.body.contains("South Books"));
    assert_eq!(
        bas.get(&format!("/administrations/{north}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        bas.get(&format!("/administrations/{south}")).await.status,
        StatusCode::NOT_FOUND,
        "an administration that is not granted does not exist for the employee"
    );
}

#[tokio::test]
async fn a_new_user_with_a_bad_or_taken_username_is_refused_with_what_to_fix_and_the_form_kept() {
    let app = TestApp::new().await;
    let account = app.account("bram").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "bram").await;
    let csrf = admin.get("/employees/new").await.csrf();
    let fields = |username: &'static str| {
        vec![
            ("name", "Carla Smit"),
            ("username", username),
            ("email", "carla@example.com"),
            ("kind", "accountant"),
        ]
    };
    for (username, expected) in [
        ("BRAM", "already taken"),
        ("c", "at least 3 characters"),
        ("carla smit", "only letters, digits"),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields(username));
        let page = admin.post("/employees/new", &all).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{username}");
        assert!(page.body.contains(expected), "{username}: {}", page.body);
        assert!(
            page.body.contains("value=\"Carla Smit\""),
            "what was typed is kept"
        );
    }
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend([
        ("name", "Carla"),
        ("username", "carla"),
        ("email", "not an address"),
        ("kind", "employee"),
    ]);
    let page = admin.post("/employees/new", &all).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Enter an email address"));
    assert!(
        app.state
            .store
            .user_by_username(&account.account_id, "carla")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_employees_page_lists_searches_and_pages_through_users() {
    let app = TestApp::new().await;
    let account = app.account("cees").await;
    for i in 0..60 {
        let username = format!("user{i:03}");
        app.accounts()
            .create_user(
                &account.account_id,
                UserInput {
                    username: &username,
                    name: Some(&format!("Person {i:03}")),
                    email: &format!(
                        "{username}@{}",
                        if i == 42 {
                            "special.example"
                        } else {
                            "example.com"
                        }
                    ),
                    kind: UserKind::Employee,
                    password: None,
                },
                app.clock.now(),
            )
            .await
            .unwrap();
    }
    let mut admin = app.browser();
    admin.login_ok(&account, "cees").await;

    let first = admin.get("/employees").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("61 users"));
    assert!(first.body.contains(">cees<") && first.body.contains(">user048<"));
    assert!(!first.body.contains(">user049<"), "50 per page");
    assert!(first.body.contains("Invited"));
    let next = first
        .body
        .split("href=\"/employees?")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let second = admin
        .get(&format!("/employees?{}", next.replace("&#38;", "&")))
        .await;
    assert!(second.body.contains(">user049<") && second.body.contains(">user059<"));
    assert!(!second.body.contains(">user048<"));
    assert!(second.body.contains("First page") && !second.body.contains("Next page"));

    let found = admin.get("/employees?q=SPECIAL.example").await;
    assert!(found.body.contains("1 user matching"), "{}", found.body);
    assert!(found.body.contains(">user042<"));
    let by_name = admin.get("/employees?q=person%20007").await;
    assert!(by_name.body.contains(">user007<") && by_name.body.contains("1 user matching"));
    let wildcard = admin.get("/employees?q=%25").await;
    assert!(
        wildcard.body.contains("Nobody matches"),
        "a % is searched for literally"
    );
    let long = admin
        .get(&format!("/employees?q={}", "x".repeat(101)))
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn user_pages_are_for_administrators_except_a_users_own() {
    let app = TestApp::new().await;
    let account = app.account("dirk").await;
    let employee = app.user(&account, "eline", UserKind::Employee).await;
    let accountant = app.user(&account, "frits", UserKind::Accountant).await;
    let mut eline = app.browser();
    eline.login_ok(&account, "eline").await;
    for path in [
        "/employees",
        "/employees/new",
        "/account",
        "/administrations",
    ] {
        assert_eq!(
            eline.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        eline.get(&format!("/employees/{accountant}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        eline.get(&format!("/employees/{employee}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        eline
            .get(&format!("/employees/{employee}/security"))
            .await
            .status,
        StatusCode::OK
    );
    let menu = eline.get("/").await.body;
    assert!(menu.contains("Security and login details") && !menu.contains(">Employees</a>"));
    let forged = eline
        .post_from(
            "/",
            &format!("/employees/{employee}/edit"),
            &[
                ("name", "x"),
                ("email", "e@example.com"),
                ("kind", "administrator"),
            ],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::NOT_FOUND,
        "an employee cannot make themselves an administrator"
    );
}

#[tokio::test]
async fn ending_employment_logs_the_user_out_everywhere_and_refuses_the_next_login() {
    let app = TestApp::new().await;
    let account = app.account("gijs").await;
    let hanna = app.user(&account, "hanna", UserKind::Employee).await;
    let mut laptop = app.browser();
    laptop.login_ok(&account, "hanna").await;
    let mut phone = app.browser_from("203.0.113.9:1234");
    phone.login_ok(&account, "hanna").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "gijs").await;

    // A date in the future: nothing changes yet.
    let page = edit(
        &mut admin,
        &hanna,
        &[
            ("name", "Hanna"),
            ("email", "hanna@example.com"),
            ("kind", "employee"),
            ("employment_ends", "2026-01-10"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);
    assert!(
        admin
            .get(&format!("/employees/{hanna}"))
            .await
            .body
            .contains("Active until 10 Jan 2026")
    );

    // Today (the test clock is 2026-01-05 09:00 UTC): every session ends at once.
    let page = edit(
        &mut admin,
        &hanna,
        &[
            ("name", "Hanna"),
            ("email", "hanna@example.com"),
            ("kind", "employee"),
            ("employment_ends", "2026-01-05"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.state
            .store
            .count_sessions_of_user(&account.account_id, &hanna)
            .await
            .unwrap(),
        0
    );
    assert_eq!(laptop.get("/").await.location(), "/login");
    assert_eq!(phone.get("/").await.location(), "/login");
    let refused = app
        .browser()
        .login(&account.security_code, "hanna", PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("can no longer log in"));
    let status = admin.get(&format!("/employees/{hanna}")).await.body;
    assert!(status.contains("Employment ended"));

    // Clearing the date lets her in again.
    edit(
        &mut admin,
        &hanna,
        &[
            ("name", "Hanna"),
            ("email", "hanna@example.com"),
            ("kind", "employee"),
            ("employment_ends", ""),
        ],
    )
    .await;
    app.browser().login_ok(&account, "hanna").await;

    let bad = edit(
        &mut admin,
        &hanna,
        &[
            ("name", "Hanna"),
            ("email", "hanna@example.com"),
            ("kind", "employee"),
            ("employment_ends", "next week"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn a_future_end_of_employment_takes_effect_when_the_day_comes() {
    let app = TestApp::new().await;
    let account = app.account("ida").await;
    let jan = app.user(&account, "jan", UserKind::Accountant).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "ida").await;
    edit(
        &mut admin,
        &jan,
        &[
            ("name", "Jan"),
            ("email", "jan@example.com"),
            ("kind", "accountant"),
            ("employment_ends", "2026-01-06"),
        ],
    )
    .await;
    app.clock.advance(Duration::from_secs(14 * 3600)); // 2026-01-05 23:00
    let mut jans = app.browser();
    jans.login_ok(&account, "jan").await;
    app.clock.advance(Duration::from_secs(1800)); // 23:30
    assert_eq!(jans.get("/").await.status, StatusCode::OK);
    app.clock.advance(Duration::from_secs(1800)); // 2026-01-06 00:00
    assert_eq!(jans.get("/").await.location(), "/login");
    assert_eq!(
        app.browser()
            .login(&account.security_code, "jan", PASSWORD)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_last_active_administrator_cannot_be_demoted_deactivated_or_given_an_end_date() {
    let app = TestApp::new().await;
    let account = app.account("joost").await;
    let me = account.admin_id.clone();
    let mut admin = app.browser();
    admin.login_ok(&account, "joost").await;
    for fields in [
        vec![
            ("name", "Joost"),
            ("email", "joost@example.com"),
            ("kind", "accountant"),
        ],
        vec![
            ("name", "Joost"),
            ("email", "joost@example.com"),
            ("kind", "administrator"),
            ("employment_ends", "2027-01-01"),
        ],
    ] {
        let page = edit(&mut admin, &me, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body.contains("last active administrator"),
            "{}",
            page.body
        );
    }
    let deactivate = admin
        .post_from(
            "/",
            &format!("/employees/{me}/deactivate"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(deactivate.status, StatusCode::CONFLICT);
    assert!(deactivate.body.contains("last active administrator"));
    let row = app
        .state
        .store
        .user(&account.account_id, &me)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.kind.as_str(), row.disabled, row.employment_ends_at),
        ("administrator", false, None)
    );

    // With a second administrator, the first may step down.
    app.user(&account, "karin", UserKind::Administrator).await;
    let page = edit(
        &mut admin,
        &me,
        &[
            ("name", "Joost"),
            ("email", "joost@example.com"),
            ("kind", "accountant"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        admin.get("/employees").await.status,
        StatusCode::NOT_FOUND,
        "no longer an administrator"
    );
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_and_reactivating_lets_them_back_in() {
    let app = TestApp::new().await;
    let account = app.account("lars").await;
    let mila = app.user(&account, "mila", UserKind::Employee).await;
    let mut milas = app.browser();
    milas.login_ok(&account, "mila").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "lars").await;

    // Asked first: the first post only shows what will happen.
    let asked = admin
        .post_from("/", &format!("/employees/{mila}/deactivate"), &[])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Are you sure?"), "{}", asked.body);
    assert!(asked.body.contains("name=\"confirmed\""));
    assert!(
        !app.state
            .store
            .user(&account.account_id, &mila)
            .await
            .unwrap()
            .unwrap()
            .disabled,
        "nothing happens without the confirming post"
    );
    let page = admin
        .post_from(
            "/",
            &format!("/employees/{mila}/deactivate"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/employees/{mila}?done=deactivated")
    );
    assert_eq!(milas.get("/").await.location(), "/login");
    assert_eq!(
        app.browser()
            .login(&account.security_code, "mila", PASSWORD)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(admin.get("/employees").await.body.contains("Deactivated"));

    admin
        .post_from("/", &format!("/employees/{mila}/reactivate"), &[])
        .await;
    app.browser().login_ok(&account, "mila").await;
    let updates = app.audited(&mila, "user.updated").await;
    assert_eq!(updates.len(), 2);
    assert!(updates.iter().all(|e| e.actor == "administrator:lars"));
}

#[tokio::test]
async fn changing_a_users_email_tells_the_old_and_the_new_address() {
    let app = TestApp::new().await;
    let account = app.account("noor").await;
    let olaf = app.user(&account, "olaf", UserKind::Employee).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "noor").await;
    let page = edit(
        &mut admin,
        &olaf,
        &[
            ("name", "Olaf"),
            ("email", "olaf@new.example"),
            ("kind", "employee"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    for address in ["olaf@example.com", "olaf@new.example"] {
        let mails = app.mails_to(address).await;
        assert_eq!(mails.len(), 1, "{address}");
        assert_eq!(mails[0].subject, "Your email address was changed");
        assert!(
            mails[0].text.contains("olaf@new.example")
                && mails[0].text.contains("IP address: 198.51.100.7")
        );
        assert!(mails[0].html.contains("198.51.100.7"));
    }
}

#[tokio::test]
async fn changes_to_users_need_a_recent_re_authentication_which_then_returns_to_the_page() {
    let app = TestApp::new().await;
    let account = app.account("pien").await;
    let quinten = app.user(&account, "quinten", UserKind::Employee).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "pien").await;
    assert_eq!(
        admin.get("/employees/new").await.status,
        StatusCode::OK,
        "a fresh login counts"
    );

    app.clock.advance(Duration::from_secs(11 * 60));
    let page = admin.get(&format!("/employees/{quinten}/edit")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let expected = format!("/reauth?next=%2Femployees%2F{quinten}%2Fedit");
    assert_eq!(page.location(), expected);
    let posted = admin
        .post_from(
            "/",
            &format!("/employees/{quinten}/edit"),
            &[
                ("name", "Q"),
                ("email", "q@example.com"),
                ("kind", "administrator"),
            ],
        )
        .await;
    assert_eq!(
        posted.location(),
        expected,
        "a post without sudo changes nothing"
    );
    let row = app
        .state
        .store
        .user(&account.account_id, &quinten)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.kind, UserKind::Employee);

    let form = admin.get(&expected).await;
    assert!(form.body.contains("Confirm it&#39;s you") || form.body.contains("Confirm it's you"));
    let next = crate::support::hidden_field(&form.body, "next");
    let wrong = admin
        .post(
            "/reauth",
            &[
                ("csrf", &form.csrf()),
                ("next", &next),
                ("password", "not my password at all"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The password is not correct."));
    let failures = app
        .state
        .store
        .username_failures(portcullis_store::UsernameCounter::InAccount(
            &account.account_id,
            "pien",
        ))
        .await
        .unwrap();
    assert_eq!(
        failures.failures, 1,
        "a wrong password here counts toward the lockout"
    );

    let old_cookie = admin.cookies.get("portcullis_session").cloned().unwrap();
    let ok = admin
        .post(
            "/reauth",
            &[
                ("csrf", &form.csrf()),
                ("next", &next),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), format!("/employees/{quinten}/edit"));
    assert_ne!(
        admin.cookies.get("portcullis_session").unwrap(),
        &old_cookie,
        "the session gets a new token"
    );
    assert_eq!(admin.get(ok.location()).await.status, StatusCode::OK);
    assert_eq!(
        app.state
            .store
            .username_failures(portcullis_store::UsernameCounter::InAccount(
                &account.account_id,
                "pien"
            ))
            .await
            .unwrap()
            .failures,
        0
    );

    let mut stolen = app.browser();
    stolen
        .cookies
        .insert("portcullis_session".into(), old_cookie);
    assert_eq!(
        stolen.get("/").await.location(),
        "/login",
        "the old token is worthless"
    );
}

#[tokio::test]
async fn re_authentication_only_returns_to_pages_on_this_site() {
    let app = TestApp::new().await;
    let account = app.account("rik").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "rik").await;
    for next in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let form = admin
            .get(&format!(
                "/reauth?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(
            crate::support::hidden_field(&form.body, "next"),
            "/",
            "{next}"
        );
        let done = admin
            .post(
                "/reauth",
                &[
                    ("csrf", &form.csrf()),
                    ("next", next),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(done.location(), "/", "{next}");
    }
}

#[tokio::test]
async fn a_new_invitation_replaces_the_old_link() {
    let app = TestApp::new().await;
    let account = app.account("sanne").await;
    let mut admin = app.browser();
    admin.login_ok(&account, "sanne").await;
    let csrf = admin.get("/employees/new").await.csrf();
    let created = admin
        .post(
            "/employees/new",
            &[
                ("csrf", &csrf),
                ("name", "Tom"),
                ("username", "tom"),
                ("email", "tom@example.com"),
                ("kind", "accountant"),
            ],
        )
        .await;
    let tom = created
        .location()
        .trim_start_matches("/employees/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let first =
        app.mails_to("tom@example.com").await[0].link_path("http://localhost:8080/set-password");
    let again = admin
        .post_from("/", &format!("/employees/{tom}/invite"), &[])
        .await;
    assert_eq!(again.location(), format!("/employees/{tom}?done=invited"));
    let mails = app.mails_to("tom@example.com").await;
    assert_eq!(mails.len(), 2);
    let second = mails
        .iter()
        .map(|m| m.link_path("http://localhost:8080/set-password"))
        .find(|l| *l != first)
        .unwrap();
    assert_eq!(app.browser().get(&first).await.status, StatusCode::GONE);
    assert_eq!(app.browser().get(&second).await.status, StatusCode::OK);
}

#[tokio::test]
async fn administrators_create_and_rename_administrations_and_grant_them_to_employees() {
    let app = TestApp::new().await;
    let account = app.account("ties").await;
    let ursula = app.user(&account, "ursula", UserKind::Employee).await;
    let mut admin = app.browser();
    admin.login_ok(&account, "ties").await;
    let created = admin
        .post_from(
            "/administrations",
            "/administrations",
            &[("name", "  Payroll  ")],
        )
        .await;
    assert_eq!(
        created.location(),
        "/administrations?done=administration-created"
    );
    let empty = admin
        .post_from("/administrations", "/administrations", &[("name", "   ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = app
        .state
        .store
        .administrations_for(
            &account.account_id,
            &account.admin_id,
            UserKind::Administrator,
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "Payroll");
    let id = rows[0].id.clone();
    let renamed = admin
        .post_from(
            &format!("/administrations/{id}"),
            &format!("/administrations/{id}/rename"),
            &[("name", "Salaries")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);

    let mut employee = app.browser();
    employee.login_ok(&account, "ursula").await;
    assert_eq!(
        employee.get(&format!("/administrations/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    edit(
        &mut admin,
        &ursula,
        &[
            ("name", "Ursula"),
            ("email", "ursula@example.com"),
            ("kind", "employee"),
            ("administration", &id),
        ],
    )
    .await;
    let page = employee.get(&format!("/administrations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Salaries"));
    assert!(
        admin
            .get(&format!("/administrations/{id}"))
            .await
            .body
            .contains("ursula")
    );
    let forged = edit(
        &mut admin,
        &ursula,
        &[
            ("name", "Ursula"),
            ("email", "ursula@example.com"),
            ("kind", "employee"),
            ("administration", &new_id()),
        ],
    )
    .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.state
            .store
            .granted_administrations(&account.account_id, &ursula)
            .await
            .unwrap(),
        vec![id]
    );
}

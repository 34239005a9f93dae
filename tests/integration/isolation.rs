//! Tenant isolation: an administrator of one account can neither see nor change anything of
//! another account, whatever ids they put in URLs or forms, and learns nothing about whether
//! those ids exist (404, never 403).

use axum::http::{Method, StatusCode};
use portcullis_core::ids::new_id;
use portcullis_core::user::UserKind;
use portcullis_server::http::Verb;

use crate::support::TestApp;

/// Every route that takes an id, with how to call it. The test below fails when the router
/// gains an id-taking route that is not listed here.
const ID_ROUTES: &[(&str, &str)] = &[
    ("GET", "/employees/{id}"),
    ("GET", "/employees/{id}/edit"),
    ("POST", "/employees/{id}/edit"),
    ("POST", "/employees/{id}/deactivate"),
    ("POST", "/employees/{id}/reactivate"),
    ("POST", "/employees/{id}/end-sessions"),
    ("POST", "/employees/{id}/unlock"),
    ("POST", "/employees/{id}/invite"),
    ("POST", "/employees/{id}/reset-two-factor"),
    ("GET", "/employees/{id}/security"),
    ("GET", "/employees/{id}/security/{part}"),
    ("POST", "/security/sessions/{id}/end"),
    ("GET", "/administrations/{id}"),
    ("POST", "/administrations/{id}/rename"),
    ("GET", "/ip-addresses/{id}?ip=198.51.100.7"),
    ("POST", "/security/passkeys/{id}/rename"),
    ("POST", "/security/passkeys/{id}/delete"),
    ("POST", "/security/apps/{id}/revoke"),
    ("POST", "/ip-addresses/{id}"),
    ("POST", "/portal/clients/{id}/open"),
    ("POST", "/portal/firm/links/{id}/{answer}"),
    ("GET", "/portal/firm/clients/{id}"),
    ("POST", "/portal/firm/clients/{id}/accountants/{user}"),
    ("GET", "/account/firms/{id}"),
    ("POST", "/account/firms/{id}/limit"),
    ("POST", "/account/firms/{id}/end"),
    ("POST", "/account/firms/{id}/accountants/{user}/remove"),
];

/// The id a route of [`ID_ROUTES`] takes, from someone else's things.
struct TheirIds<'a> {
    user: &'a str,
    administration: &'a str,
    session: &'a str,
    passkey: &'a str,
    /// A link between their account and a firm.
    link: &'a str,
    /// Their account (a client, for the portal).
    account: &'a str,
}

impl TheirIds<'_> {
    fn for_route(&self, template: &str) -> String {
        let id = if template.starts_with("/administrations") {
            self.administration
        } else if template.starts_with("/security/sessions") {
            self.session
        } else if template.starts_with("/security/passkeys") {
            self.passkey
        } else if template.starts_with("/portal/clients") {
            self.account
        } else if template.starts_with("/portal/firm") || template.starts_with("/account/firms") {
            self.link
        } else {
            self.user
        };
        // Every part of a user's tab is read the same way: sessions stand for them all.
        template
            .replace("{id}", id)
            .replace("{part}", "sessions")
            .replace("{answer}", "end")
            .replace("{user}", self.user)
    }
}

/// Links `client` to `firm` (asked and accepted) and puts `accountant` of the firm on it.
async fn linked(app: &TestApp, firm: &str, client: &str, accountant: Option<&str>) -> String {
    use portcullis_core::portal::LinkState;
    let link = new_id();
    let now = app.clock.now();
    let store = &app.state.store;
    assert!(
        store
            .request_link(&link, firm, client, "cli", now)
            .await
            .unwrap()
    );
    assert!(
        store
            .move_link(&link, LinkState::Requested, LinkState::Active, "cli", now)
            .await
            .unwrap()
    );
    if let Some(accountant) = accountant {
        let mut tx = store.begin().await.unwrap();
        tx.assign(
            &link,
            accountant,
            client,
            &portcullis_core::portal::Reach::All,
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    link
}

/// The id-taking routes the router declares (the server exports the list it builds the router
/// from), apart from static files and the demo mailbox, which hold no account's data, and the
/// helpdesk's console, which no customer session opens (its isolation by grant is tested in
/// `helpdesk.rs`).
fn declared_id_routes() -> Vec<(&'static str, &'static str)> {
    portcullis_server::http::declared_routes()
        .into_iter()
        .filter(|route| {
            route.takes_id()
                && !route.path.starts_with("/static/")
                && !route.path.starts_with("/dev/")
                && !route.path.starts_with("/helpdesk/")
        })
        .map(|route| {
            let method = match route.verb {
                Verb::Get => "GET",
                Verb::Post => "POST",
            };
            (method, route.path)
        })
        .collect()
}

#[test]
fn every_id_taking_route_is_walked_by_the_isolation_test() {
    let declared = declared_id_routes();
    assert!(declared.len() >= 8, "{declared:?}");
    for (method, path) in &declared {
        assert!(
            ID_ROUTES
                .iter()
                .any(|(m, p)| m == method && p.split('?').next() == Some(*path)),
            "{method} {path} takes an id: add it to ID_ROUTES in tests/integration/isolation.rs"
        );
    }
    for (method, path) in ID_ROUTES {
        let path = path.split('?').next().unwrap_or_default();
        assert!(
            declared.iter().any(|(m, p)| m == method && *p == path),
            "{method} {path} is in ID_ROUTES but the router does not declare it"
        );
    }
}

#[tokio::test]
async fn ids_from_another_account_are_not_found_on_every_route() {
    let app = TestApp::new().await;
    let mine = app.account("ruben").await;
    let theirs = app.account("sofie").await;
    let their_user = app.user(&theirs, "tijn", UserKind::Employee).await;
    let their_administration = new_id();
    app.state
        .store
        .create_administration(
            &their_administration,
            &theirs.account_id,
            "Their Books",
            app.clock.now(),
        )
        .await
        .unwrap();
    let mut tijn = app.browser_from("203.0.113.50:1");
    tijn.login_ok(&theirs, "tijn").await;
    let their_session = app
        .state
        .store
        .sessions_of_user(&theirs.account_id, &their_user)
        .await
        .unwrap()[0]
        .id
        .clone();

    let their_passkey = new_id();
    app.state
        .store
        .insert_passkey(&portcullis_store::NewPasskey {
            id: &their_passkey,
            account_id: &theirs.account_id,
            user_id: &their_user,
            credential_id: "dGhlaXItY3JlZGVudGlhbA",
            passkey_json: "{}",
            name: "Their Books key",
            aaguid: "00000000-0000-0000-0000-000000000000",
            backup_eligible: false,
            backup_state: false,
            sign_count: 0,
            now: app.clock.now(),
        })
        .await
        .unwrap();

    // Their account is a client of a firm (not ours): its link is theirs and the firm's only.
    let firm = app.account("ulla").await;
    let their_link = linked(&app, &firm.account_id, &theirs.account_id, None).await;

    let mut admin = app.browser();
    admin.login_ok(&mine, "ruben").await;
    let csrf = admin.get("/").await.csrf();
    let theirs_ids = TheirIds {
        user: &their_user,
        administration: &their_administration,
        session: &their_session,
        passkey: &their_passkey,
        link: &their_link,
        account: &theirs.account_id,
    };
    let unknown = new_id();
    let nonsense = TheirIds {
        user: "not-an-id",
        administration: "not-an-id",
        session: "not-an-id",
        passkey: "not-an-id",
        link: "not-an-id",
        account: "not-an-id",
    };
    let fresh = TheirIds {
        user: &unknown,
        administration: &unknown,
        session: &unknown,
        passkey: &unknown,
        link: &unknown,
        account: &unknown,
    };
    for (method, template) in ID_ROUTES {
        for ids in [&theirs_ids, &nonsense, &fresh] {
            let path = ids.for_route(template);
            let page = if *method == "GET" {
                admin.get(&path).await
            } else {
                admin
                    .request(
                        Method::POST,
                        &path,
                        Some(crate::support::serde_urlencoded_encode(&[
                            ("csrf", &csrf),
                            ("name", "Taken Over"),
                            ("email", "attacker@example.com"),
                            ("kind", "administrator"),
                            ("ip", "198.51.100.7"),
                            ("code", "AAAA-BBBB-CCCC-DDDD"),
                            ("confirmed", "yes"),
                            ("assigned", "on"),
                        ])),
                    )
                    .await
            };
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert!(
                !page.body.contains("tijn") && !page.body.contains("Their Books"),
                "{method} {path}"
            );
        }
    }

    // Nothing of theirs changed.
    let row = app
        .state
        .store
        .user(&theirs.account_id, &their_user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.kind.as_str(), row.email.as_str(), row.disabled),
        ("employee", "tijn@example.com", false)
    );
    assert_eq!(
        tijn.get("/").await.status,
        StatusCode::OK,
        "their session is alive"
    );
    let names: Vec<_> = app
        .state
        .store
        .administrations_for(
            &theirs.account_id,
            &theirs.admin_id,
            UserKind::Administrator,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Their Books"]);
    let keys = app
        .state
        .store
        .passkeys_of_user(&theirs.account_id, &their_user)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "Their Books key");
    // And the employees list shows only their own account.
    let list = admin.get("/employees").await;
    assert!(
        list.body.contains("ruben") && !list.body.contains("tijn") && !list.body.contains("sofie")
    );
}

#[tokio::test]
async fn an_accountant_working_in_a_client_reaches_nothing_else_by_id() {
    let app = TestApp::new().await;
    let firm = app.account("fiona").await;
    let karin = app.user(&firm, "karin", UserKind::Accountant).await;
    let colleague = app.user(&firm, "kees", UserKind::Accountant).await;
    let mine = app.account("anna").await;
    let other = app.account("bert").await;
    let outsider = app.account("carla").await;
    let my_link = linked(&app, &firm.account_id, &mine.account_id, Some(&karin)).await;
    // Bert is a client of the same firm, but not karin's; carla is another firm's client.
    let bert_link = linked(&app, &firm.account_id, &other.account_id, Some(&colleague)).await;
    let elsewhere = app.account("dirk").await;
    let carla_link = linked(&app, &elsewhere.account_id, &outsider.account_id, None).await;
    let my_books = new_id();
    app.state
        .store
        .create_administration(&my_books, &mine.account_id, "Anna's Books", app.clock.now())
        .await
        .unwrap();

    let mut k = app.browser();
    k.login_ok(&firm, "karin").await;
    let opened = k
        .post_from(
            "/portal",
            &format!("/portal/clients/{}/open", mine.account_id),
            &[],
        )
        .await;
    assert_eq!(opened.location(), "/portal/client");
    let csrf = k.get("/").await.csrf();
    // Inside anna: neither anna's nor bert's nor carla's things are reachable by id, and
    // neither is a colleague's or the firm's link.
    for (client, link, user, administration) in [
        (
            &mine,
            my_link.as_str(),
            mine.admin_id.as_str(),
            my_books.as_str(),
        ),
        (
            &other,
            bert_link.as_str(),
            other.admin_id.as_str(),
            my_books.as_str(),
        ),
        (
            &outsider,
            carla_link.as_str(),
            outsider.admin_id.as_str(),
            my_books.as_str(),
        ),
        (
            &firm,
            my_link.as_str(),
            colleague.as_str(),
            my_books.as_str(),
        ),
    ] {
        let ids = TheirIds {
            user,
            administration,
            session: "not-an-id",
            passkey: "not-an-id",
            link,
            account: &client.account_id,
        };
        for (method, template) in ID_ROUTES {
            let path = ids.for_route(template);
            // Anna is the client she may open; her colleague's page is an administrator's.
            if path == format!("/portal/clients/{}/open", mine.account_id) {
                continue;
            }
            let page = if *method == "GET" {
                k.get(&path).await
            } else {
                k.request(
                    Method::POST,
                    &path,
                    Some(crate::support::serde_urlencoded_encode(&[
                        ("csrf", &csrf),
                        ("confirmed", "yes"),
                        ("assigned", "on"),
                        ("name", "Taken Over"),
                    ])),
                )
                .await
            };
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert!(!page.body.contains("Books"), "{method} {path}");
        }
    }
    // Still in anna, and nothing changed: every link is as it was.
    assert!(
        k.get("/portal/client")
            .await
            .body
            .contains("<h1>anna Holding</h1>")
    );
    for (account, link) in [
        (&mine, &my_link),
        (&other, &bert_link),
        (&outsider, &carla_link),
    ] {
        let row = app
            .state
            .store
            .link_of(&account.account_id, link)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.state, portcullis_core::portal::LinkState::Active);
    }
    assert_eq!(
        app.state
            .store
            .assignments_of_link(&bert_link)
            .await
            .unwrap()
            .len(),
        1
    );
}

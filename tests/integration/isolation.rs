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
    ("POST", "/ip-addresses/{id}"),
];

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

    let mut admin = app.browser();
    admin.login_ok(&mine, "ruben").await;
    let csrf = admin.get("/").await.csrf();
    for (method, template) in ID_ROUTES {
        let id = if template.starts_with("/administrations") {
            their_administration.as_str()
        } else if template.starts_with("/security/sessions") {
            their_session.as_str()
        } else if template.starts_with("/security/passkeys") {
            their_passkey.as_str()
        } else {
            their_user.as_str()
        };
        for id in [id, "not-an-id", &new_id()] {
            // Every part of a user's tab is read the same way: sessions stand for them all.
            let path = template.replace("{id}", id).replace("{part}", "sessions");
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

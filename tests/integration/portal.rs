//! The accountancy portal: a client links itself to a firm with the firm's code, the firm
//! accepts and assigns its accountants, and they work in their clients under one login — each
//! client's rules applying, nothing reachable beyond their assignment, every step in both
//! accounts' audit logs.

use axum::http::StatusCode;
use portcullis_core::user::UserKind;

use crate::support::{Browser, TestAccount, TestApp};

/// The firm's administrator makes a link code; the client's administrator types it; the firm
/// accepts. Returns the link's id.
async fn link(firm_admin: &mut Browser<'_>, client_admin: &mut Browser<'_>) -> String {
    let made = firm_admin
        .post_from("/portal/firm", "/portal/firm/code", &[])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let start =
        made.body.find("<code id=\"link-code\">").unwrap() + "<code id=\"link-code\">".len();
    let code = made.body[start..].split('<').next().unwrap().to_string();
    let asked = client_admin
        .post_from(
            "/account/firms",
            "/account/firms",
            &[("code", &code.to_lowercase())],
        )
        .await;
    assert_eq!(
        asked.location(),
        "/account/firms?done=link-requested",
        "{}",
        asked.body
    );
    let page = firm_admin.get("/portal/firm").await;
    let marker = "action=\"/portal/firm/links/";
    let at = page.body.find(marker).unwrap() + marker.len();
    let link_id = page.body[at..].split('/').next().unwrap().to_string();
    let accepted = firm_admin
        .post_from(
            "/portal/firm",
            &format!("/portal/firm/links/{link_id}/accept"),
            &[],
        )
        .await;
    assert_eq!(accepted.location(), "/portal/firm?done=link-accepted");
    link_id
}

/// Puts an accountant on a client (every administration the link allows).
async fn assign(firm_admin: &mut Browser<'_>, link_id: &str, user_id: &str) {
    let page = format!("/portal/firm/clients/{link_id}");
    let done = firm_admin
        .post_from(
            &page,
            &format!("{page}/accountants/{user_id}"),
            &[("assigned", "on"), ("scope", "all")],
        )
        .await;
    assert_eq!(done.location(), format!("{page}?done=assigned"));
}

async fn open(browser: &mut Browser<'_>, client: &TestAccount) -> crate::support::Page {
    browser
        .post_from(
            "/portal",
            &format!("/portal/clients/{}/open", client.account_id),
            &[],
        )
        .await
}

/// The names of the clients on an accountant's Clients page.
fn clients_listed(page: &str) -> Vec<String> {
    page.split("<li class=\"card client-card\">")
        .skip(1)
        .filter_map(|card| {
            let h2 = card.split("<h2>").nth(1)?;
            Some(h2.split(['<', ' ']).take(2).collect::<Vec<_>>().join(" "))
        })
        .collect()
}

#[tokio::test]
async fn each_accountant_works_in_exactly_their_clients_and_the_clients_rules_apply() {
    let app = TestApp::new().await;
    let firm = app.account("fiona").await;
    let karin = app.user(&firm, "karin", UserKind::Accountant).await;
    let kees = app.user(&firm, "kees", UserKind::Accountant).await;
    let (anna, bert, carla) = (
        app.account("anna").await,
        app.account("bert").await,
        app.account("carla").await,
    );
    let mut fiona = app.browser();
    fiona.login_ok(&firm, "fiona").await;
    let mut links = Vec::new();
    for (client, admin) in [(&anna, "anna"), (&bert, "bert"), (&carla, "carla")] {
        let mut browser = app.browser();
        browser.login_ok(client, admin).await;
        links.push(link(&mut fiona, &mut browser).await);
    }
    assign(&mut fiona, &links[0], &karin).await;
    assign(&mut fiona, &links[1], &karin).await;
    assign(&mut fiona, &links[1], &kees).await;
    assign(&mut fiona, &links[2], &kees).await;

    // Each sees exactly their clients.
    let mut k = app.browser();
    k.login_ok(&firm, "karin").await;
    let page = k.get("/portal").await;
    assert_eq!(clients_listed(&page.body), ["anna Holding", "bert Holding"]);
    let mut e = app.browser();
    e.login_ok(&firm, "kees").await;
    assert_eq!(
        clients_listed(&e.get("/portal").await.body),
        ["bert Holding", "carla Holding"]
    );
    // Not an administrator of the firm, not a firm's page; not an accountant, no Clients.
    assert_eq!(k.get("/portal/firm").await.status, StatusCode::NOT_FOUND);
    assert_eq!(fiona.get("/portal").await.status, StatusCode::NOT_FOUND);

    // Karin opens anna, then switches to bert without logging in again.
    assert_eq!(open(&mut k, &anna).await.location(), "/portal/client");
    let inside = k.get("/portal/client").await;
    assert!(
        inside.body.contains("<h1>anna Holding</h1>"),
        "{}",
        inside.body
    );
    assert!(k.get("/").await.body.contains("Working in anna Holding"));
    assert_eq!(open(&mut k, &bert).await.location(), "/portal/client");
    assert!(
        k.get("/portal/client")
            .await
            .body
            .contains("<h1>bert Holding</h1>")
    );
    // Carla is not hers: not found, and her session still works in bert.
    assert_eq!(open(&mut k, &carla).await.status, StatusCode::NOT_FOUND);
    assert!(
        k.get("/portal/client")
            .await
            .body
            .contains("<h1>bert Holding</h1>")
    );

    // Both logs: the client's names her with her firm; the firm's names the client.
    let client_log = app
        .state
        .store
        .audit_of_account(&bert.account_id, None, 50)
        .await
        .unwrap();
    assert!(
        client_log
            .iter()
            .any(|e| e.event == "portal.client_opened" && e.actor == "portal:karin:fiona Holding")
    );
    app.assert_audited(
        &karin,
        "portal.client_opened",
        "client=bert Holding",
        Some("user"),
    )
    .await;
    let words = {
        let mut bert_admin = app.browser();
        bert_admin.login_ok(&bert, "bert").await;
        bert_admin
            .get("/audit?event=portal.client_opened")
            .await
            .body
    };
    assert!(
        words.contains("Accountant karin of fiona Holding"),
        "{words}"
    );

    // Carla requires two-factor authentication (her administrator has it): kees has none and
    // is told how to fix it.
    let mut carla_admin = app.browser();
    carla_admin.login_ok(&carla, "carla").await;
    crate::two_factor::enroll(&app, &mut carla_admin, &carla.admin_id).await;
    app.state
        .store
        .set_two_factor_policy(&carla.account_id, true, false)
        .await
        .unwrap();
    let list = e.get("/portal").await;
    assert!(
        list.body
            .contains("Requires two-factor authentication: you have not set it up yet.")
    );
    let refused = open(&mut e, &carla).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .body
            .contains("This client requires two-factor authentication.")
    );
    let carla_log = app
        .state
        .store
        .audit_of_account(&carla.account_id, None, 50)
        .await
        .unwrap();
    assert!(carla_log.iter().any(|e| e.event == "portal.client_refused"
        && e.detail == "reason=second_factor"
        && e.actor == "portal:kees:fiona Holding"));
    crate::two_factor::enroll(&app, &mut e, &kees).await;
    assert_eq!(open(&mut e, &carla).await.location(), "/portal/client");
    assert!(
        e.get("/portal/client")
            .await
            .body
            .contains("<h1>carla Holding</h1>")
    );

    // The client's administrator sees the firm's accountants with access, and their factors.
    let employees = carla_admin.get("/employees").await.body;
    assert!(employees.contains("Accountants of your accountancy firm with access"));
    assert!(
        employees.contains("kees Tester") && employees.contains("Authenticator app"),
        "{employees}"
    );
    assert!(
        !employees.contains("karin"),
        "karin does not work for carla"
    );
    assert!(
        carla_admin
            .get("/security-center")
            .await
            .body
            .contains("kees Tester")
    );

    // The firm takes karin off bert while she works in it: gone at her next request.
    let page = format!("/portal/firm/clients/{}", links[1]);
    fiona
        .post_from(&page, &format!("{page}/accountants/{karin}"), &[])
        .await;
    assert_eq!(
        k.get("/portal/client").await.location(),
        "/portal?done=no-client"
    );
    assert!(!k.get("/").await.body.contains("Working in"));
    assert_eq!(
        clients_listed(&k.get("/portal").await.body),
        ["anna Holding"]
    );

    // Anna ends the link while karin works in it: gone at once.
    assert_eq!(open(&mut k, &anna).await.location(), "/portal/client");
    let mut anna_admin = app.browser();
    anna_admin.login_ok(&anna, "anna").await;
    let end = format!("/account/firms/{}/end", links[0]);
    let asked = anna_admin.post_from("/account/firms", &end, &[]).await;
    assert!(
        asked.body.contains("End the link with fiona Holding?"),
        "asks first"
    );
    assert_eq!(
        k.get("/portal/client").await.status,
        StatusCode::OK,
        "nothing ended yet"
    );
    let ended = anna_admin
        .post_from("/account/firms", &end, &[("confirmed", "yes")])
        .await;
    assert_eq!(ended.location(), "/account/firms?done=link-ended");
    assert_eq!(
        k.get("/portal/client").await.location(),
        "/portal?done=no-client"
    );
    assert!(clients_listed(&k.get("/portal").await.body).is_empty());
    assert_eq!(open(&mut k, &anna).await.status, StatusCode::NOT_FOUND);
    // Both sides keep the history.
    assert!(
        anna_admin
            .get("/account/firms")
            .await
            .body
            .contains("Ended")
    );
    assert!(
        fiona
            .get("/portal/firm")
            .await
            .body
            .contains("anna Holding: Ended")
    );
    let firm_log = app
        .state
        .store
        .audit_of_account(&firm.account_id, None, 200)
        .await
        .unwrap();
    assert!(firm_log.iter().any(|e| e.event == "portal.link_ended"
        && e.actor == "account:anna:anna Holding"
        && e.detail == "client=anna Holding"));

    // Carla's administrator removes kees: gone from his live session too.
    let remove = format!("/account/firms/{}/accountants/{kees}/remove", links[2]);
    let removed = carla_admin.post_from("/account/firms", &remove, &[]).await;
    assert_eq!(
        removed.location(),
        format!("/account/firms/{}?done=accountant-removed", links[2])
    );
    assert_eq!(
        e.get("/portal/client").await.location(),
        "/portal?done=no-client"
    );
}

#[tokio::test]
async fn links_are_asked_answered_limited_and_refused_clearly() {
    let app = TestApp::new().await;
    let firm = app.account("fiona").await;
    let karin = app.user(&firm, "karin", UserKind::Accountant).await;
    let client = app.account("anna").await;
    let mut books = Vec::new();
    for name in ["Bakery", "Shop"] {
        let id = portcullis_core::ids::new_id();
        app.state
            .store
            .create_administration(&id, &client.account_id, name, app.clock.now())
            .await
            .unwrap();
        books.push(id);
    }
    let mut fiona = app.browser();
    fiona.login_ok(&firm, "fiona").await;
    let mut anna = app.browser();
    anna.login_ok(&client, "anna").await;

    // Codes that do not work, each with its own clear message.
    let typed = |code: &'static str| [("code", code)];
    let unknown = anna
        .post_from(
            "/account/firms",
            "/account/firms",
            &typed("AAAA-BBBB-CCCC-DDDD"),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("No firm has this link code."));
    assert!(unknown.body.contains("aria-invalid=\"true\""));
    let garbage = anna
        .post_from(
            "/account/firms",
            "/account/firms",
            &typed("'; DROP TABLE --"),
        )
        .await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made = fiona
        .post_from("/portal/firm", "/portal/firm/code", &[])
        .await;
    let start =
        made.body.find("<code id=\"link-code\">").unwrap() + "<code id=\"link-code\">".len();
    let code = made.body[start..].split('<').next().unwrap().to_string();
    let own = fiona
        .post_from("/account/firms", "/account/firms", &[("code", &code)])
        .await;
    assert!(
        own.body.contains("This is your own account&#39;s code"),
        "{}",
        own.body
    );

    // Asked: the firm sees it; a second ask is refused; declining ends it, and both keep it.
    anna.post_from("/account/firms", "/account/firms", &[("code", &code)])
        .await;
    let again = anna
        .post_from("/account/firms", "/account/firms", &[("code", &code)])
        .await;
    assert!(
        again
            .body
            .contains("You are already linked to fiona Holding")
    );
    let page = fiona.get("/portal/firm").await.body;
    assert!(page.contains("Accept anna Holding"));
    let at = page.find("/portal/firm/links/").unwrap() + "/portal/firm/links/".len();
    let first = page[at..].split('/').next().unwrap().to_string();
    fiona
        .post_from(
            "/portal/firm",
            &format!("/portal/firm/links/{first}/decline"),
            &[],
        )
        .await;
    let twice = fiona
        .post_from(
            "/portal/firm",
            &format!("/portal/firm/links/{first}/accept"),
            &[],
        )
        .await;
    assert_eq!(twice.location(), "/portal/firm?done=link-changed-meanwhile");
    // The client cannot accept for the firm.
    let link_id = link(&mut fiona, &mut anna).await;
    let for_firm = anna
        .post_from(
            "/account/firms",
            &format!("/portal/firm/links/{link_id}/accept"),
            &[],
        )
        .await;
    assert_eq!(for_firm.status, StatusCode::NOT_FOUND);

    // The client limits the link to the bakery; karin assigned to the shop only reaches nothing.
    let limit = format!("/account/firms/{link_id}");
    anna.post_from(
        &limit,
        &format!("{limit}/limit"),
        &[("scope", "some"), ("administration", &books[0])],
    )
    .await;
    let page = format!("/portal/firm/clients/{link_id}");
    let firm_view = fiona.get(&page).await.body;
    assert!(
        firm_view.contains("Bakery") && !firm_view.contains("Shop"),
        "{firm_view}"
    );
    fiona
        .post_from(
            &page,
            &format!("{page}/accountants/{karin}"),
            &[
                ("assigned", "on"),
                ("scope", "some"),
                ("administration", &books[1]),
            ],
        )
        .await;
    let mut k = app.browser();
    k.login_ok(&firm, "karin").await;
    assert!(k.get("/portal").await.body.contains("No administrations."));
    fiona
        .post_from(
            &page,
            &format!("{page}/accountants/{karin}"),
            &[("assigned", "on"), ("scope", "all")],
        )
        .await;
    let listed = k.get("/portal").await.body;
    assert!(
        listed.contains("Bakery") && !listed.contains("Shop"),
        "{listed}"
    );
    open(&mut k, &client).await;
    let inside = k.get("/portal/client").await.body;
    assert!(inside.contains("Bakery") && !inside.contains("Shop"));
    let log = app
        .state
        .store
        .audit_of_account(&firm.account_id, None, 100)
        .await
        .unwrap();
    for event in [
        "portal.code_created",
        "portal.link_requested",
        "portal.link_declined",
        "portal.link_accepted",
        "portal.link_limited",
        "portal.accountant_assigned",
    ] {
        assert!(
            log.iter().any(|e| e.event == event),
            "{event} in the firm's log"
        );
    }
}

#[tokio::test]
async fn a_client_that_blocks_new_addresses_admits_only_from_a_confirmed_one() {
    let app = TestApp::new().await;
    let firm = app.account("fiona").await;
    let karin = app.user(&firm, "karin", UserKind::Accountant).await;
    let client = app.account("anna").await;
    let mut fiona = app.browser();
    fiona.login_ok(&firm, "fiona").await;
    let mut anna = app.browser();
    anna.login_ok(&client, "anna").await;
    let link_id = link(&mut fiona, &mut anna).await;
    assign(&mut fiona, &link_id, &karin).await;
    app.state
        .store
        .set_block_new_ips(&client.account_id, true)
        .await
        .unwrap();
    // Karin's option validated this address by itself at a login: the client does not count it.
    let away = "203.0.113.77";
    app.state
        .store
        .record_ip_seen(
            &firm.account_id,
            &karin,
            away,
            "Firefox",
            app.clock.now(),
            true,
        )
        .await
        .unwrap();
    let mut k = app.browser_from(&format!("{away}:1"));
    k.login_ok(&firm, "karin").await;
    assert!(
        k.get("/portal")
            .await
            .body
            .contains("this address is not confirmed for you")
    );
    let refused = open(&mut k, &client).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("This client blocks new IP addresses"));
    // Her firm's administrator validates it: now she may.
    app.state
        .store
        .set_ip_status(&firm.account_id, &karin, away, "validated", app.clock.now())
        .await
        .unwrap();
    assert_eq!(open(&mut k, &client).await.location(), "/portal/client");
    // From her usual, confirmed address the same holds.
    let mut usual = app.browser();
    usual.login_ok(&firm, "karin").await;
    assert_eq!(open(&mut usual, &client).await.location(), "/portal/client");
    assert!(
        usual
            .get("/")
            .await
            .body
            .contains("Working in anna Holding")
    );
    // Her firm makes her an employee: her assignment no longer lets her into the client.
    app.state
        .store
        .update_user(
            &firm.account_id,
            &karin,
            &portcullis_store::UserUpdate {
                name: "karin Tester".into(),
                email: "karin@example.com".into(),
                kind: UserKind::Employee,
                disabled: false,
                employment_ends_at: None,
            },
            |_, _| true,
        )
        .await
        .unwrap();
    assert!(!usual.get("/").await.body.contains("Working in"));
    assert_eq!(
        usual.get("/portal/client").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !anna
            .get("/account/firms")
            .await
            .body
            .contains("karin Tester"),
        "no longer listed with access"
    );
}

#[tokio::test]
async fn an_accountant_with_many_clients_pages_through_them_and_searches() {
    use portcullis_core::portal::{LinkState, Reach};
    let app = TestApp::new().await;
    let firm = app.account("fiona").await;
    let karin = app.user(&firm, "karin", UserKind::Accountant).await;
    let store = &app.state.store;
    let now = app.clock.now();
    // 55 clients (more than a page of 50), named so that their order is known.
    for n in 0..55 {
        let client = app.account(&format!("c{n:02}")).await;
        let link = portcullis_core::ids::new_id();
        let mut tx = store.begin().await.unwrap();
        tx.request_link(&link, &firm.account_id, &client.account_id, "cli", now)
            .await
            .unwrap();
        tx.move_link(&link, LinkState::Requested, LinkState::Active, "cli", now)
            .await
            .unwrap();
        tx.assign(&link, &karin, &client.account_id, &Reach::All, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut k = app.browser();
    k.login_ok(&firm, "karin").await;
    let first = k.get("/portal").await.body;
    let listed = clients_listed(&first);
    assert_eq!(listed.len(), 50);
    assert_eq!(listed[0], "c00 Holding");
    assert_eq!(listed[49], "c49 Holding");
    let marker = "href=\"/portal?q=&amp;after=";
    let at = first.find(marker).expect("a next page") + "href=\"/portal?".len();
    let next = first[at..].split('"').next().unwrap().replace("&amp;", "&");
    let second = k.get(&format!("/portal?{next}")).await.body;
    let rest = clients_listed(&second);
    assert_eq!(
        rest,
        (50..55)
            .map(|n| format!("c{n} Holding"))
            .collect::<Vec<_>>()
    );
    assert!(!second.contains(marker), "no page after the last");
    // A search finds by part of the name, any case.
    assert_eq!(clients_listed(&k.get("/portal?q=C3").await.body).len(), 10);
    let firm_page = {
        let mut fiona = app.browser();
        fiona.login_ok(&firm, "fiona").await;
        fiona.get("/portal/firm?q=c54").await.body
    };
    assert!(firm_page.contains("c54 Holding") && !firm_page.contains("c53 Holding"));
    // A cursor that is not one of ours is a clear 400, never a 500.
    let bad = k.get(&format!("/portal?after={}", "x".repeat(500))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

use portcullis_store::Store;

use crate::support::{TestApp, TestDb, on_postgres};

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys_on() {
    if on_postgres() {
        return;
    }
    let db = TestDb::new().await;
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(
        store.sqlite_journal_mode().await.unwrap().as_deref(),
        Some("wal")
    );
    assert_eq!(store.sqlite_foreign_keys().await.unwrap(), Some(true));
}

#[tokio::test]
async fn migrations_can_run_again_and_from_two_processes_at_once() {
    let db = TestDb::new().await;
    let (a, b) = tokio::join!(Store::connect(&db.url), Store::connect(&db.url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    a.migrate().await.unwrap();
}

#[tokio::test]
async fn the_security_code_is_stored_encrypted() {
    let app = TestApp::new().await;
    let account = app.account("nora").await;
    let row = app
        .state
        .store
        .sealed_account(&account.account_id)
        .await
        .unwrap()
        .unwrap();
    let plain = portcullis_core::security_code::normalize(&account.security_code);
    assert!(!row.security_code_enc.contains(&account.security_code));
    assert!(!row.security_code_enc.contains(&plain));
    assert!(row.security_code_enc.starts_with("v1."));
}

#[tokio::test]
async fn usernames_are_unique_within_an_account_without_regard_to_case() {
    let app = TestApp::new().await;
    let first = app.account("Olaf").await;
    let second = app.account("paula").await;
    let input = |username| portcullis_server::flows::people::accounts::UserInput {
        username,
        name: None,
        email: "olaf@example.org",
        kind: portcullis_core::user::UserKind::Employee,
        password: None,
    };
    // Another account may have an OLAF: the security code tells the two apart.
    app.accounts()
        .create_user(&second.account_id, input("OLAF"), app.clock.now())
        .await
        .unwrap();
    // The same account may not, in any case.
    let message = app
        .accounts()
        .create_user(&first.account_id, input("oLaF"), app.clock.now())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("already taken in this account"),
        "{message}"
    );
    assert!(
        app.state
            .store
            .user(&first.account_id, &first.admin_id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_user_of_another_account_is_not_found_by_id() {
    let app = TestApp::new().await;
    let mine = app.account("quirine").await;
    let theirs = app.account("ruud").await;
    assert!(
        app.state
            .store
            .user(&mine.account_id, &theirs.admin_id)
            .await
            .unwrap()
            .is_none()
    );
    let result = app
        .state
        .store
        .set_user_disabled(&mine.account_id, &theirs.admin_id, true)
        .await;
    assert!(matches!(
        result,
        Err(portcullis_store::StoreError::NotFound)
    ));
}

#[tokio::test]
async fn the_audit_log_lists_an_accounts_events_newest_first() {
    let app = TestApp::new().await;
    let account = app.account("stijn").await;
    app.clock.advance(std::time::Duration::from_secs(5));
    app.browser().login_ok(&account, "stijn").await;
    let events = app
        .state
        .store
        .audit_of_account(&account.account_id, None, 10)
        .await
        .unwrap();
    assert_eq!(events.first().unwrap().event, "login.succeeded");
    assert!(events.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(events.iter().any(|e| e.event == "account.created"));
}

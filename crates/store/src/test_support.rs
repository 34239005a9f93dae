//! What the store's own tests share.

use portcullis_core::Timestamp;
use portcullis_core::user::UserKind;

use crate::{NewAccount, NewSession, NewUser, SessionStart, Store};

/// A migrated SQLite file with one account, one user and one session whose token hash is
/// `"hash-1"`.
pub(crate) async fn store_with_a_session(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite:{}", dir.path().join("reads.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let account = NewAccount {
        id: "acc-1".into(),
        name: "Dupont & Fils".into(),
        security_code_enc: "enc".into(),
        security_code_index: "index-1".into(),
        created_at: Timestamp(1_000),
        language: portcullis_core::language::Language::Dutch,
        time_zone: "Europe/Amsterdam".into(),
    };
    let user = NewUser {
        id: "usr-1".into(),
        account_id: "acc-1".into(),
        username: "MDupont".into(),
        name: "Marie Dupont".into(),
        email: "marie@example.com".into(),
        kind: UserKind::Administrator,
        password_hash: None,
        created_at: Timestamp(1_000),
    };
    store
        .create_account_with_admin(&account, &user)
        .await
        .unwrap();
    store
        .start_session(&SessionStart {
            session: NewSession {
                token_hash: "hash-1",
                id: "ses-1",
                account_id: "acc-1",
                user_id: "usr-1",
                csrf_token: "csrf",
                now: Timestamp(2_000),
                ip: "192.0.2.7",
                user_agent: "Firefox",
                login_method: portcullis_core::session::LoginMethod::Passkey,
            },
            clear_failures_of: None,
            validate_ip: false,
            audit: &[],
            replaces: None,
        })
        .await
        .unwrap();
    store
}

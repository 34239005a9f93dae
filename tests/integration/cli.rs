//! The command line, run as a real process against the test database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::{PASSWORD, TestDb};

fn portcullis(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("PORTCULLIS_DATA_DIR", &db.dir)
        .env("DATABASE_URL", &db.url)
        .env_remove("PORTCULLIS_SECRET_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_of(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn account_and_user_create_print_json_with_the_documented_keys() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let account = json_of(&portcullis(
        &db,
        &[
            "account",
            "create",
            "--name",
            "Vermeer Bakery",
            "--admin-username",
            "tessa",
            "--admin-email",
            "tessa@vermeer.example",
            "--admin-password-stdin",
            "--json",
        ],
        Some(&format!("{PASSWORD}\n")),
    ));
    let account_id = account["account_id"].as_str().unwrap();
    let code = account["security_code"].as_str().unwrap();
    assert!(account["admin_user_id"].is_string());
    assert!(account.get("set_password_link").is_none());
    assert_eq!(code.len(), 14);

    let user = json_of(&portcullis(
        &db,
        &[
            "user",
            "create",
            "--account-id",
            account_id,
            "--username",
            "ulla",
            "--email",
            "ulla@vermeer.example",
            "--kind",
            "employee",
            "--password-stdin",
            "--json",
        ],
        Some(PASSWORD),
    ));
    assert!(user["user_id"].is_string());

    // The key file was created with private permissions beside the database.
    let key = db.dir.join("secret.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn account_create_without_a_password_prints_a_set_password_link() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let output = portcullis(
        &db,
        &[
            "account",
            "create",
            "--name",
            "Acme",
            "--admin-username",
            "victor",
            "--admin-email",
            "victor@acme.example",
            "--security-code",
            "acme-2024-xyz",
        ],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("ACME-2024-XYZ"), "{text}");
    assert!(
        text.contains("http://localhost:8080/set-password?token="),
        "{text}"
    );
}

#[test]
fn refusals_say_why_and_exit_non_zero() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let cases: [(&[&str], Option<&str>, &str); 6] = [
        (
            &[
                "account",
                "create",
                "--name",
                "Weak Co",
                "--admin-username",
                "wendy",
                "--admin-email",
                "wendy@weak.example",
                "--admin-password-stdin",
            ],
            Some("password1234"),
            "most common passwords",
        ),
        (
            &[
                "account",
                "create",
                "--name",
                "Weak Co",
                "--admin-username",
                "wendy",
                "--admin-email",
                "wendy@weak.example",
                "--admin-password-stdin",
            ],
            Some("wendy's long password"),
            "must not contain your username",
        ),
        (
            &[
                "account",
                "create",
                "--name",
                "Weak Co",
                "--admin-username",
                "wendy",
                "--admin-email",
                "not-an-email",
            ],
            None,
            "Enter an email address",
        ),
        (
            &[
                "user",
                "create",
                "--account-id",
                "nope",
                "--username",
                "xavi",
                "--email",
                "x@y.example",
                "--kind",
                "boss",
            ],
            None,
            "'boss' is not a kind of user",
        ),
        (
            &[
                "account",
                "create",
                "--name",
                "Babel Co",
                "--admin-username",
                "babel",
                "--admin-email",
                "babel@example.com",
                "--language",
                "fr",
            ],
            None,
            "use en (English) or nl (Dutch)",
        ),
        (
            &[
                "account",
                "create",
                "--name",
                "Atlantis Co",
                "--admin-username",
                "atlas",
                "--admin-email",
                "atlas@example.com",
                "--time-zone",
                "Europe/Atlantis",
            ],
            None,
            "'Europe/Atlantis' is not a time zone Portcullis knows",
        ),
    ];
    for (args, stdin, expected) in cases {
        let output = portcullis(&db, args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_dutch_account_starts_in_dutch_on_amsterdam_time() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let created = json_of(&portcullis(
        &db,
        &[
            "account",
            "create",
            "--name",
            "Bakkerij De Vries",
            "--admin-username",
            "joke",
            "--admin-email",
            "joke@devries.example",
            "--language",
            "nl",
            "--admin-password-stdin",
            "--json",
        ],
        Some(PASSWORD),
    ));
    let store = rt
        .block_on(portcullis_store::Store::connect(&db.url))
        .unwrap();
    let account = rt
        .block_on(store.account(created["account_id"].as_str().unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(account.language, portcullis_core::language::Language::Dutch);
    assert_eq!(account.time_zone, "Europe/Amsterdam");
    // An English account in a chosen zone.
    let created = json_of(&portcullis(
        &db,
        &[
            "account",
            "create",
            "--name",
            "Lisbon Ltd",
            "--admin-username",
            "ines",
            "--admin-email",
            "ines@lisbon.example",
            "--time-zone",
            "Europe/Lisbon",
            "--json",
        ],
        None,
    ));
    let account = rt
        .block_on(store.account(created["account_id"].as_str().unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(
        account.language,
        portcullis_core::language::Language::English
    );
    assert_eq!(account.time_zone, "Europe/Lisbon");
    rt.block_on(store.close());
}

#[test]
fn a_bad_setting_stops_serve_with_a_message_naming_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let output = portcullis(&db, &["serve", "--listen", "not-an-address"], None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--listen (PORTCULLIS_LISTEN)"), "{stderr}");
}

#[test]
fn user_unlock_lifts_a_lock() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let created = json_of(&portcullis(
        &db,
        &[
            "account",
            "create",
            "--name",
            "Yvonne BV",
            "--admin-username",
            "Yvonne",
            "--admin-email",
            "yvonne@example.com",
            "--admin-password-stdin",
            "--json",
        ],
        Some(PASSWORD),
    ));
    let account_id = created["account_id"].as_str().unwrap().to_string();
    let counter = portcullis_store::UsernameCounter::InAccount(&account_id, "yvonne");
    rt.block_on(async {
        let store = portcullis_store::Store::connect(&db.url).await.unwrap();
        let now = portcullis_core::Timestamp::now();
        for _ in 0..3 {
            store
                .claim_username_attempt(counter, now)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(store.lock_username(counter, now).await.unwrap());
        store.close().await;
    });
    let output = portcullis(&db, &["user", "unlock", "--username", "Yvonne"], None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("unlocked"));
    rt.block_on(async {
        let store = portcullis_store::Store::connect(&db.url).await.unwrap();
        let state = store.username_failures(counter).await.unwrap();
        assert_eq!(state.failures, 0);
        assert!(state.locked_at.is_none());
    });
}

#[test]
fn user_unlock_asks_which_account_when_two_have_the_username() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let mut ids = vec![];
    for company in ["Alpha BV", "Beta BV"] {
        let created = json_of(&portcullis(
            &db,
            &[
                "account",
                "create",
                "--name",
                company,
                "--admin-username",
                "alice",
                "--admin-email",
                "alice@example.com",
                "--admin-password-stdin",
                "--json",
            ],
            Some(PASSWORD),
        ));
        ids.push(created["account_id"].as_str().unwrap().to_string());
    }
    let ambiguous = portcullis(&db, &["user", "unlock", "--username", "alice"], None);
    assert!(!ambiguous.status.success());
    let stderr = String::from_utf8_lossy(&ambiguous.stderr);
    assert!(
        stderr.contains("several accounts") && stderr.contains("--account-id"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&ids[0]) && stderr.contains(&ids[1]),
        "{stderr}"
    );
    let chosen = portcullis(
        &db,
        &[
            "user",
            "unlock",
            "--username",
            "alice",
            "--account-id",
            &ids[1],
        ],
        None,
    );
    assert!(
        chosen.status.success(),
        "{}",
        String::from_utf8_lossy(&chosen.stderr)
    );
}

#[test]
fn dev_seed_loads_accounts_users_and_ip_records_and_refuses_to_seed_twice() {
    use sqlx::{AnyConnection, Connection};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let args = [
        "dev",
        "seed",
        "--users",
        "25",
        "--ip-records",
        "103",
        "--account-size",
        "10",
        "--validated-ip",
        "127.0.0.1",
        "--security-code",
        "SEED-SEED-SEED",
        "--password-stdin",
        "--json",
    ];
    let seeded = json_of(&portcullis(&db, &args, Some(PASSWORD)));
    assert_eq!(seeded["accounts"], 3);
    assert_eq!(seeded["users"], 25);
    assert!(
        seeded.get("password").is_none(),
        "it was given, so not printed"
    );

    sqlx::any::install_default_drivers();
    let (users, ips, admins, validated_loopback, per_account): (i64, i64, i64, i64, i64) =
        rt.block_on(async {
            let mut conn = AnyConnection::connect(&db.url).await.unwrap();
            let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
            let users = count("SELECT COUNT(*) FROM users").fetch_one(&mut conn).await.unwrap();
            let ips = count("SELECT COUNT(*) FROM ip_addresses").fetch_one(&mut conn).await.unwrap();
            let admins = count("SELECT COUNT(*) FROM users WHERE kind = 'administrator'")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            let validated = count(
                "SELECT COUNT(*) FROM ip_addresses WHERE ip = '127.0.0.1' AND status = 'validated'",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            let per_account = count(
                "SELECT COUNT(*) FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.name = 'Seed company 3'",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            conn.close().await.unwrap();
            (users, ips, admins, validated, per_account)
        });
    assert_eq!((users, ips), (25, 103));
    assert_eq!(admins, 3, "the first user of each account");
    assert_eq!(validated_loopback, 25);
    assert_eq!(per_account, 5, "25 users in accounts of 10: 10, 10, 5");

    // A seeded user logs in with the shared password and security code.
    let store = rt
        .block_on(portcullis_store::Store::connect(&db.url))
        .unwrap();
    let candidate = rt
        .block_on(async {
            let accounts = store.all_accounts().await.unwrap();
            store
                .login_candidate(&accounts[0].account.id, "seed7")
                .await
        })
        .unwrap()
        .unwrap();
    assert!(portcullis_core::password::verify_password(
        PASSWORD,
        candidate.user.password_hash.as_deref().unwrap()
    ));
    rt.block_on(store.close());

    let again = portcullis(&db, &args, Some(PASSWORD));
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("users named seed… exist already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let too_many = portcullis(
        &db,
        &[
            "dev",
            "seed",
            "--users",
            "1",
            "--ip-records",
            "251",
            "--prefix",
            "other",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("at most 250 IP records per user"));
}

#[test]
fn operators_are_made_and_disabled_and_lost_factors_reset_on_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let made = json_of(&portcullis(
        &db,
        &[
            "operator",
            "create",
            "--username",
            "Piet",
            "--email",
            "piet@helpdesk.example",
            "--json",
        ],
        None,
    ));
    assert!(made["operator_id"].is_string());
    assert!(
        made["password"].as_str().is_some_and(|p| p.len() >= 32),
        "a generated password, shown once"
    );
    let again = portcullis(
        &db,
        &[
            "operator",
            "create",
            "--username",
            "piet",
            "--email",
            "p@helpdesk.example",
        ],
        None,
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let disabled = portcullis(&db, &["operator", "disable", "--username", "PIET"], None);
    assert!(disabled.status.success());
    let unknown = portcullis(&db, &["operator", "disable", "--username", "nobody"], None);
    assert!(!unknown.status.success());

    // An operator who lost their app: it is gone, with their sessions; the next login sets one up.
    let operator_id = made["operator_id"].as_str().unwrap().to_string();
    let sessions = rt.block_on(async {
        let store = portcullis_store::Store::connect(&db.url).await.unwrap();
        store
            .set_operator_totp(&operator_id, "sealed secret")
            .await
            .unwrap();
        store
            .use_operator_step(&operator_id, 1, portcullis_core::clock::Timestamp(100))
            .await
            .unwrap();
        assert!(
            store
                .operator_by_username("piet")
                .await
                .unwrap()
                .unwrap()
                .totp_confirmed_at
                .is_some()
        );
        store
    });
    let reset = portcullis(
        &db,
        &["operator", "reset-factors", "--username", "piet"],
        None,
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let after = rt
        .block_on(sessions.operator_by_username("piet"))
        .unwrap()
        .unwrap();
    assert!(after.totp_confirmed_at.is_none());
    assert!(after.totp_secret_enc.is_none());
    rt.block_on(sessions.close());
    let unknown = portcullis(
        &db,
        &["operator", "reset-factors", "--username", "nobody"],
        None,
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no operator named"));

    // A user's lost factors, reset by whoever runs the server: audited and emailed.
    let account = json_of(&portcullis(
        &db,
        &[
            "account",
            "create",
            "--name",
            "Ruis BV",
            "--admin-username",
            "ria",
            "--admin-email",
            "ria@ruis.example",
            "--admin-password-stdin",
            "--json",
        ],
        Some(PASSWORD),
    ));
    let user_id = account["admin_user_id"].as_str().unwrap();
    let reset = json_of(&portcullis(
        &db,
        &[
            "helpdesk",
            "reset-factors",
            "--user-id",
            user_id,
            "--reason",
            "Came to the office with her passport",
            "--json",
        ],
        None,
    ));
    assert_eq!(reset["user_id"], user_id);
    let no_reason = portcullis(
        &db,
        &[
            "helpdesk",
            "reset-factors",
            "--user-id",
            user_id,
            "--reason",
            " ",
        ],
        None,
    );
    assert!(!no_reason.status.success());
    let store = rt
        .block_on(portcullis_store::Store::connect(&db.url))
        .unwrap();
    let events = rt.block_on(store.audit_of_user(user_id, 5)).unwrap();
    assert!(events.iter().any(|e| {
        e.event == "helpdesk.factors_reset"
            && e.actor == "cli"
            && e.detail
                .ends_with("reason=Came to the office with her passport")
    }));
    rt.block_on(store.close());
    let outbox: Vec<_> = std::fs::read_dir(db.dir.join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        outbox
            .iter()
            .any(|m| m.contains("Subject: Your second factors were reset")),
        "emailed"
    );
}

#[test]
fn apps_are_registered_listed_given_new_secrets_and_deleted_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let made = json_of(&portcullis(
        &db,
        &[
            "client",
            "create",
            "--name",
            "Payroll",
            "--redirect-uri",
            "https://payroll.example/callback",
            "--redirect-uri",
            "http://localhost:3000/callback",
            "--id-token-alg",
            "RS256",
            "--json",
        ],
        None,
    ));
    let client_id = made["client_id"].as_str().unwrap().to_string();
    let secret = made["client_secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 43, "a secret of 256 bits");
    let public = json_of(&portcullis(
        &db,
        &[
            "client",
            "create",
            "--name",
            "Mobile",
            "--redirect-uri",
            "com.example.app:/callback",
            "--redirect-uri",
            "http://127.0.0.1/callback",
            "--public",
            "--json",
        ],
        None,
    ));
    assert!(public.get("client_secret").is_none(), "{public}");

    let list = json_of(&portcullis(&db, &["client", "list", "--json"], None));
    let payroll = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == client_id.as_str())
        .unwrap();
    assert_eq!(payroll["id_token_alg"], "RS256");
    assert_eq!(payroll["public"], false);
    assert_eq!(payroll["redirect_uris"].as_array().unwrap().len(), 2);
    assert!(
        !list.to_string().contains(&secret),
        "the secret is stored hashed and never listed"
    );

    // Refusals name what is wrong, and exit non-zero.
    for (args, says) in [
        (
            vec![
                "client",
                "create",
                "--name",
                "X",
                "--redirect-uri",
                "https://a.example/cb#frag",
            ],
            "redirect",
        ),
        (
            vec![
                "client",
                "create",
                "--name",
                "X",
                "--redirect-uri",
                "https://a.example/cb",
                "--id-token-alg",
                "HS256",
            ],
            "ES256, EdDSA or RS256",
        ),
        (
            vec!["client", "rotate-secret", "--client-id", "nope"],
            "no confidential app",
        ),
        (
            vec!["client", "delete", "--client-id", "nope"],
            "no app has the client id",
        ),
    ] {
        let out = portcullis(&db, &args, None);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }

    let rotated = json_of(&portcullis(
        &db,
        &[
            "client",
            "rotate-secret",
            "--client-id",
            &client_id,
            "--json",
        ],
        None,
    ));
    let fresh = rotated["client_secret"].as_str().unwrap();
    assert_ne!(fresh, secret);

    let keys = portcullis(&db, &["oidc", "rotate-keys"], None);
    assert!(
        keys.status.success(),
        "{}",
        String::from_utf8_lossy(&keys.stderr)
    );
    assert!(String::from_utf8_lossy(&keys.stdout).contains("stay published"));

    let deleted = portcullis(&db, &["client", "delete", "--client-id", &client_id], None);
    assert!(deleted.status.success());
    let list = json_of(&portcullis(&db, &["client", "list", "--json"], None));
    assert!(!list.to_string().contains(&client_id));
}

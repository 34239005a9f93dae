//! Demo data: on an empty database in `--demo` mode, an account with an administrator, an
//! employee and two administrations; an accountancy firm with an administrator and an
//! accountant who works for two clients (the first account and a bakery); and the login details
//! printed for the person trying it.
//!
//! The passwords are random, so a demo server reachable by others is not an open door. They are
//! kept in `demo-login.txt` (mode 0600) in the data dir, and printed again on every demo start,
//! so restarting does not lock the person out.

use std::io::Write;

use portcullis_core::access::Actor;
use portcullis_core::ids::new_id;
use portcullis_core::language::Language;
use portcullis_core::user::UserKind;
use rand::Rng;
use secrecy::SecretString;

use crate::flows::people::accounts::CreateError;
use crate::flows::people::accounts::UserInput;
use crate::flows::people::accounts::{AccountLocale, Accounts};
use crate::state::AppState;

const WORDS: &[&str] = &[
    "amber", "breeze", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
    "kettle", "lantern", "meadow", "nutmeg", "orchid", "pebble", "quartz", "ribbon", "saffron",
    "timber", "umber", "velvet", "willow", "yonder",
];

fn demo_password() -> String {
    let mut rng = rand::rngs::OsRng;
    let words: Vec<&str> = (0..4)
        .map(|_| WORDS[rng.gen_range(0..WORDS.len())])
        .collect();
    format!("{}-{}", words.join("-"), rng.gen_range(10..100))
}

/// Creates demo data when the database is empty, and prints the login details.
pub async fn ensure_demo_data(state: &AppState) -> Result<(), CreateError> {
    let details_file = state.config.data_dir.join("demo-login.txt");
    ensure_example_client(state).await?;
    if state.store.count_accounts().await? > 0 {
        match std::fs::read_to_string(&details_file) {
            Ok(details) => print_banner(&details),
            Err(_) => {
                tracing::info!("demo mode: the database already has accounts, no demo data created")
            }
        }
        return Ok(());
    }
    let now = state.clock.now();
    let accounts = Accounts {
        store: &state.store,
        keys: &state.keys,
        public_origin: &state.config.public_origin(),
        actor: &Actor::System("demo"),
    };
    let admin_password = demo_password();
    let employee_password = demo_password();
    let created = accounts
        .create_account(
            "Demo Bookkeeping Ltd",
            UserInput {
                username: "demo-admin",
                name: Some("Anna de Vries"),
                email: "admin@demo.example",
                kind: UserKind::Administrator,
                password: Some(&SecretString::from(admin_password.clone())),
            },
            None,
            // A Dutch company: its times are Amsterdam's. Its default language stays English
            // (pages follow each browser's language; emails to people who chose none are English).
            AccountLocale {
                language: Language::English,
                time_zone: Some("Europe/Amsterdam"),
            },
            now,
        )
        .await?;
    let employee = accounts
        .create_user(
            &created.account_id,
            UserInput {
                username: "demo-employee",
                name: Some("Bram Jansen"),
                email: "employee@demo.example",
                kind: UserKind::Employee,
                password: Some(&SecretString::from(employee_password.clone())),
            },
            now,
        )
        .await?;
    // This machine is the demo users' usual office: its loopback addresses are validated, so
    // the first login goes straight in; a login from anywhere else shows IP confirmation.
    for user_id in [&created.admin_user_id, &employee.user_id] {
        for ip in ["127.0.0.1", "::1"] {
            state
                .store
                .set_ip_status(&created.account_id, user_id, ip, "validated", now)
                .await?;
        }
    }
    let firm = demo_firm(state, &accounts, &created.account_id, now).await?;
    let mut first = None;
    for name in ["Main office", "Second branch"] {
        let id = new_id();
        state
            .store
            .create_administration(&id, &created.account_id, name, now)
            .await?;
        first.get_or_insert(id);
    }
    if let Some(first) = first {
        state
            .store
            .grant_administration(&created.account_id, &employee.user_id, &first)
            .await?;
    }
    let details = format!(
        "Open {origin}/login and log in with\n\
         \n  Security code  {code}\
         \n  Administrator  demo-admin     password {admin_password}\
         \n  Employee       demo-employee  password {employee_password}\n\
         \nThe accountancy firm De Boer Accountants (its accountant works for Demo Bookkeeping Ltd\
         \nand Bakkerij Jansen under one login):\n\
         \n  Security code  {firm_code}\
         \n  Accountant     demo-accountant  password {accountant_password}\
         \n  Administrator  demo-firm-admin  password {firm_admin_password}\n\
         \nMail Portcullis sends is shown at {origin}/dev/mail\n\
         \nAn example app that logs in through Portcullis (OpenID Connect): {origin}/dev/example-app\n\
         \nLogins from this machine go straight in; from any other IP address they wait for\
         \nconfirmation by email (IP address security).\n",
        origin = state.config.public_origin(),
        code = created.security_code,
        firm_code = firm.security_code,
        accountant_password = firm.accountant_password,
        firm_admin_password = firm.admin_password,
    );
    write_private(&details_file, &details);
    print_banner(&details);
    Ok(())
}

/// The example app's client (`/dev/example-app`): registered on every demo start for the
/// address the server has now (a public client that asks for consent, as a third-party app).
async fn ensure_example_client(state: &AppState) -> Result<(), CreateError> {
    use crate::flows::oidc::EXAMPLE_APP;
    let callback = format!("{}/dev/example-app/callback", state.config.public_origin());
    for client in state.store.oidc_clients().await? {
        if client.name == EXAMPLE_APP {
            if client.redirect_uris == [callback.clone()] {
                return Ok(());
            }
            state.store.delete_oidc_client(&client.client_id).await?;
        }
    }
    crate::flows::oidc::create_client(
        state,
        &crate::flows::oidc::NewClient {
            name: EXAMPLE_APP,
            redirect_uris: &[callback],
            public: true,
            account_id: None,
            first_party: false,
            alg: crate::infra::jwt::Alg::Es256,
        },
    )
    .await
    .map_err(|e| CreateError::Invalid(e.to_string()))?;
    Ok(())
}

/// The demo's accountancy firm: its security code and its people's passwords.
struct DemoFirm {
    security_code: String,
    admin_password: String,
    accountant_password: String,
}

/// Makes the accountancy firm, a second client (a bakery with one administration), links both
/// clients to the firm and puts the firm's accountant on them.
async fn demo_firm(
    state: &AppState,
    accounts: &Accounts<'_>,
    first_client: &str,
    now: portcullis_core::Timestamp,
) -> Result<DemoFirm, CreateError> {
    use portcullis_core::portal::{LinkState, Reach};
    let dutch = AccountLocale {
        language: Language::Dutch,
        time_zone: Some("Europe/Amsterdam"),
    };
    let admin_password = demo_password();
    let accountant_password = demo_password();
    let firm = accounts
        .create_account(
            "De Boer Accountants",
            UserInput {
                username: "demo-firm-admin",
                name: Some("Sanne de Boer"),
                email: "firm-admin@demo.example",
                kind: UserKind::Administrator,
                password: Some(&SecretString::from(admin_password.clone())),
            },
            None,
            dutch,
            now,
        )
        .await?;
    let accountant = accounts
        .create_user(
            &firm.account_id,
            UserInput {
                username: "demo-accountant",
                name: Some("Karin Smit"),
                email: "accountant@demo.example",
                kind: UserKind::Accountant,
                password: Some(&SecretString::from(accountant_password.clone())),
            },
            now,
        )
        .await?;
    let bakery = accounts
        .create_account(
            "Bakkerij Jansen",
            UserInput {
                username: "bakker",
                name: Some("Piet Jansen"),
                email: "bakker@demo.example",
                kind: UserKind::Administrator,
                password: Some(&SecretString::from(demo_password())),
            },
            None,
            dutch,
            now,
        )
        .await?;
    state
        .store
        .create_administration(&new_id(), &bakery.account_id, "Bakkerij", now)
        .await?;
    for user_id in [&firm.admin_user_id, &accountant.user_id] {
        for ip in ["127.0.0.1", "::1"] {
            state
                .store
                .set_ip_status(&firm.account_id, user_id, ip, "validated", now)
                .await?;
        }
    }
    for client in [first_client, bakery.account_id.as_str()] {
        let link = new_id();
        let store = &state.store;
        let mut tx = store.begin().await?;
        tx.request_link(&link, &firm.account_id, client, "demo", now)
            .await?;
        tx.move_link(&link, LinkState::Requested, LinkState::Active, "demo", now)
            .await?;
        tx.assign(&link, &accountant.user_id, client, &Reach::All, now)
            .await?;
        tx.commit().await?;
    }
    Ok(DemoFirm {
        security_code: firm.security_code,
        admin_password,
        accountant_password,
    })
}

fn print_banner(details: &str) {
    let line = "─".repeat(72);
    println!("\n{line}\nPortcullis demo\n\n{details}{line}\n");
}

fn write_private(path: &std::path::Path, text: &str) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    if let Err(e) = options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
    {
        tracing::warn!(
            "could not keep the demo login details in {}: {e}",
            path.display()
        );
    }
}

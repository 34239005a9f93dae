//! The command-line operations behind `portcullis …`: each opens what it needs and returns what
//! to print. `main.rs` only parses arguments and calls these.

use portcullis_core::Timestamp;
use portcullis_core::access::Actor;
use portcullis_core::language::Language;
use portcullis_core::secret_box::{Keyring, SecretKey};
use portcullis_core::user::{User, UserKind};
use portcullis_core::username;
use portcullis_store::{AuditEvent, Store, StoreError, UsernameCounter};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::flows::people::accounts::INVITATION_VALIDITY;
use crate::flows::people::accounts::UserInput;
use crate::flows::people::accounts::security_code_context;
use crate::flows::people::accounts::security_code_index;
use crate::flows::people::accounts::{AccountLocale, Accounts};
use crate::infra::config::ConfigError;
use crate::infra::config::StorageSettings;
use crate::infra::keys::load_keyring;

/// A command failed; the message is for the person at the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CommandError(pub String);

impl CommandError {
    fn from_display(e: impl std::fmt::Display) -> Self {
        CommandError(e.to_string())
    }
}

impl From<ConfigError> for CommandError {
    fn from(e: ConfigError) -> Self {
        CommandError(e.to_string())
    }
}

async fn open_store(storage: &StorageSettings) -> Result<Store, CommandError> {
    std::fs::create_dir_all(&storage.data_dir).map_err(|e| {
        CommandError(format!(
            "the data directory {} cannot be created: {e}",
            storage.data_dir.display()
        ))
    })?;
    let store = Store::connect(&storage.database_url()?)
        .await
        .map_err(CommandError::from_display)?;
    store.migrate().await.map_err(CommandError::from_display)?;
    Ok(store)
}

fn origin_of(public_url: &str) -> Result<String, CommandError> {
    url::Url::parse(public_url)
        .map(|u| u.origin().ascii_serialization())
        .map_err(|e| {
            CommandError(format!(
                "invalid setting --public-url (PORTCULLIS_PUBLIC_URL): {e}"
            ))
        })
}

/// The key, the migrated store and the link origin that creating accounts and users needs.
async fn open_for_accounts(
    storage: &StorageSettings,
    public_url: &str,
) -> Result<(Store, Keyring, String), CommandError> {
    let origin = origin_of(public_url)?;
    let keys = load_keyring(storage).map_err(CommandError::from_display)?;
    let store = open_store(storage).await?;
    Ok((store, keys, origin))
}

/// How the terminal shows a set-password link.
fn link_paragraph(who: &str, link: &str) -> String {
    let hours = INVITATION_VALIDITY.as_secs() / 3600;
    format!(
        "\n{who} chooses a password with this single-use link (valid {hours} hours):\n  {link}\n"
    )
}

/// What `portcullis account create` was given.
pub struct AccountCreate<'a> {
    pub name: &'a str,
    pub admin_username: &'a str,
    pub admin_email: &'a str,
    pub admin_name: Option<&'a str>,
    pub security_code: Option<&'a str>,
    /// `en` or `nl`.
    pub language: &'a str,
    pub time_zone: Option<&'a str>,
    pub admin_password: Option<SecretString>,
    pub json: bool,
    pub public_url: &'a str,
}

/// `portcullis account create`.
pub async fn account_create(
    storage: &StorageSettings,
    args: AccountCreate<'_>,
) -> Result<String, CommandError> {
    let language = Language::parse(args.language).ok_or_else(|| {
        CommandError(format!(
            "'{}' is not a language Portcullis speaks: use en (English) or nl (Dutch).",
            args.language
        ))
    })?;
    let (store, keys, origin) = open_for_accounts(storage, args.public_url).await?;
    let accounts = Accounts {
        store: &store,
        keys: &keys,
        public_origin: &origin,
        actor: &Actor::System("cli"),
    };
    let created = accounts
        .create_account(
            args.name,
            UserInput {
                username: args.admin_username,
                name: args.admin_name,
                email: args.admin_email,
                kind: UserKind::Administrator,
                password: args.admin_password.as_ref(),
            },
            args.security_code,
            AccountLocale {
                language,
                time_zone: args.time_zone,
            },
            Timestamp::now(),
        )
        .await
        .map_err(CommandError::from_display)?;
    store.close().await;
    if args.json {
        let mut out = json!({
            "account_id": created.account_id,
            "security_code": created.security_code,
            "admin_user_id": created.admin_user_id,
        });
        if let Some(link) = &created.set_password_link {
            out["set_password_link"] = json!(link);
        }
        return Ok(out.to_string());
    }
    let mut out = format!(
        "Account created.\n  account id     {}\n  security code  {}\n  administrator  {} ({})\n",
        created.account_id, created.security_code, args.admin_username, created.admin_user_id
    );
    if let Some(link) = created.set_password_link {
        out.push_str(&link_paragraph("The administrator", &link));
    }
    Ok(out)
}

/// What `portcullis user create` was given.
pub struct UserCreate<'a> {
    pub account_id: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub kind: &'a str,
    pub password: Option<SecretString>,
    pub json: bool,
    pub public_url: &'a str,
}

/// `portcullis user create`.
pub async fn user_create(
    storage: &StorageSettings,
    args: UserCreate<'_>,
) -> Result<String, CommandError> {
    let kind = UserKind::parse(args.kind).ok_or_else(|| {
        CommandError(format!(
            "'{}' is not a kind of user; use administrator, accountant or employee",
            args.kind
        ))
    })?;
    let (store, keys, origin) = open_for_accounts(storage, args.public_url).await?;
    let accounts = Accounts {
        store: &store,
        keys: &keys,
        public_origin: &origin,
        actor: &Actor::System("cli"),
    };
    let created = accounts
        .create_user(
            args.account_id,
            UserInput {
                username: args.username,
                name: args.name,
                email: args.email,
                kind,
                password: args.password.as_ref(),
            },
            Timestamp::now(),
        )
        .await
        .map_err(CommandError::from_display)?;
    store.close().await;
    if args.json {
        let mut out = json!({ "user_id": created.user_id });
        if let Some(link) = &created.set_password_link {
            out["set_password_link"] = json!(link);
        }
        return Ok(out.to_string());
    }
    let mut out = format!("User created.\n  user id  {}\n", created.user_id);
    if let Some(link) = created.set_password_link {
        out.push_str(&link_paragraph("The user", &link));
    }
    Ok(out)
}

/// `portcullis user unlock`: lifts the brute-force lock on a user's username. Usernames are
/// unique within an account, so `account_id` is needed when several accounts have the name.
pub async fn user_unlock(
    storage: &StorageSettings,
    typed_username: &str,
    account_id: Option<&str>,
) -> Result<String, CommandError> {
    let store = open_store(storage).await?;
    let user = find_user(&store, typed_username, account_id).await;
    let user = match user {
        Ok(user) => user,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let key = username::key(&user.username);
    let unlocked = async {
        let mut tx = store.begin().await?;
        let cleared = tx
            .clear_username_failures(UsernameCounter::InAccount(&user.account_id, &key))
            .await?;
        tx.append_audit(&AuditEvent {
            account_id: Some(&user.account_id),
            user_id: Some(&user.id),
            actor: "cli",
            event: "login.unlocked",
            detail: "",
            ip: "",
            user_agent: "",
            at: Timestamp::now(),
        })
        .await?;
        tx.commit().await?;
        Ok::<bool, StoreError>(cleared)
    }
    .await;
    store.close().await;
    let cleared = unlocked.map_err(CommandError::from_display)?;
    Ok(if cleared {
        format!("'{key}' is unlocked; its failed-login count is reset.\n")
    } else {
        format!("'{key}' had no failed logins recorded; nothing to unlock.\n")
    })
}

/// `portcullis key generate`: a new random server key, for `PORTCULLIS_SECRET_KEY`.
pub fn key_generate() -> String {
    format!("{}\n", SecretKey::generate().to_hex())
}

/// `portcullis key rotate`: re-encrypts every stored secret with the current key. Run it after
/// every server has been restarted with the new key and the old one in
/// `PORTCULLIS_PREVIOUS_SECRET_KEYS`.
pub async fn key_rotate(storage: &StorageSettings) -> Result<String, CommandError> {
    let keys = load_keyring(storage).map_err(CommandError::from_display)?;
    let store = open_store(storage).await?;
    let mut rotated = 0;
    for account in store
        .all_accounts()
        .await
        .map_err(CommandError::from_display)?
    {
        if keys.is_current(&account.security_code_enc) {
            continue;
        }
        let context = security_code_context(&account.account.id);
        let plain = keys
            .decrypt(&context, &account.security_code_enc)
            .map_err(|e| CommandError(format!("account {}: {e}", account.account.id)))?;
        // The blind index is keyed too: it moves to the new key with the code.
        let index = security_code_index(&keys, &String::from_utf8_lossy(&plain));
        store
            .set_security_code(&account.account.id, &keys.encrypt(&context, &plain), &index)
            .await
            .map_err(CommandError::from_display)?;
        rotated += 1;
    }
    store.close().await;
    Ok(format!(
        "{rotated} stored secret(s) re-encrypted with key {}. The previous keys are no longer needed.\n",
        keys.current().id()
    ))
}

/// The user a command names: by username within `account_id`, or by a username that only one
/// account has.
async fn find_user(
    store: &Store,
    typed_username: &str,
    account_id: Option<&str>,
) -> Result<User, CommandError> {
    if let Some(account_id) = account_id {
        return store
            .user_by_username(account_id, typed_username)
            .await
            .map_err(CommandError::from_display)?
            .ok_or_else(|| {
                CommandError(format!(
                    "account {account_id} has no user named '{typed_username}'"
                ))
            });
    }
    let mut named = store
        .users_named(typed_username)
        .await
        .map_err(CommandError::from_display)?;
    match named.len() {
        0 => Err(CommandError(format!("no user is named '{typed_username}'"))),
        1 => Ok(named.remove(0)),
        _ => Err(CommandError(format!(
            "several accounts have a user named '{typed_username}' ({}): add --account-id",
            named
                .iter()
                .map(|u| u.account_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What `portcullis dev seed` was given.
pub struct DevSeed<'a> {
    pub users: u64,
    pub ip_records: u64,
    pub account_size: u64,
    pub prefix: &'a str,
    pub validated_ip: Option<&'a str>,
    pub security_code: Option<&'a str>,
    pub password: Option<SecretString>,
    pub json: bool,
}

/// `portcullis dev seed`: progress on standard error, the result on standard output.
pub async fn dev_seed(
    storage: &StorageSettings,
    args: DevSeed<'_>,
) -> Result<String, CommandError> {
    let validated_ip = args
        .validated_ip
        .map(|ip| {
            ip.parse::<std::net::IpAddr>()
                .map_err(|_| CommandError(format!("--validated-ip: {ip} is not an IP address")))
        })
        .transpose()?;
    let security_code = crate::cli::seed::security_code_for(args.security_code)
        .map_err(CommandError::from_display)?;
    let (password, password_generated) = match args.password {
        Some(p) => (p, false),
        None => (
            SecretString::from(portcullis_core::token::new_token()),
            true,
        ),
    };
    let plan = crate::cli::seed::SeedPlan {
        users: args.users,
        ip_records: args.ip_records,
        account_size: args.account_size,
        prefix: args.prefix.to_string(),
        validated_ip,
        password,
        security_code: security_code.clone(),
    };
    let keys = load_keyring(storage).map_err(CommandError::from_display)?;
    let store = open_store(storage).await?;
    let mut last_report = std::time::Instant::now();
    let report =
        crate::cli::seed::seed(&store, &keys, &plan, Timestamp::now(), &mut |done, all| {
            if done == all || last_report.elapsed().as_secs() >= 5 {
                eprintln!("seeded {done} of {all} users");
                last_report = std::time::Instant::now();
            }
        })
        .await
        .map_err(CommandError::from_display)?;
    store.close().await;
    let password_shown = if password_generated {
        Some(plan.password.expose_secret().to_string())
    } else {
        None
    };
    if args.json {
        let mut out = json!({
            "accounts": report.accounts,
            "users": plan.users,
            "ip_records": plan.ip_records,
            "account_size": plan.account_size,
            "first_account_id": report.first_account_id,
            "username_prefix": plan.prefix,
            "security_code": security_code,
            "seconds": report.seconds,
        });
        if let Some(p) = password_shown {
            out["password"] = json!(p);
        }
        return Ok(format!("{out}\n"));
    }
    let mut out = format!(
        "Seeded {} accounts, {} users and {} IP records in {:.1} s.\n  usernames      {p}1 … {p}{}\n  security code  {} (every seeded account)\n  administrators {p}1, {p}{} …\n",
        report.accounts,
        plan.users,
        plan.ip_records,
        report.seconds,
        plan.users,
        security_code,
        plan.account_size + 1,
        p = plan.prefix,
    );
    if let Some(p) = password_shown {
        out.push_str(&format!("  password       {p} (every seeded user)\n"));
    }
    Ok(out)
}

/// What `portcullis operator create` was given.
pub struct OperatorCreate<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: Option<SecretString>,
    pub json: bool,
}

/// `portcullis operator create`: a helpdesk operator. Without a password on standard input, a
/// strong one is generated and printed once. The operator sets up their second factor at their
/// first login.
pub async fn operator_create(
    storage: &StorageSettings,
    args: OperatorCreate<'_>,
) -> Result<String, CommandError> {
    let username = username::parse(args.username).map_err(CommandError::from_display)?;
    let email = portcullis_core::email::parse(args.email).map_err(CommandError::from_display)?;
    let (password, generated) = match args.password {
        Some(password) => (password, false),
        None => (
            SecretString::from(portcullis_core::token::new_token()),
            true,
        ),
    };
    portcullis_core::password::check_new_password(
        password.expose_secret(),
        portcullis_core::password::PasswordContext {
            username: &username,
            email: &email,
            account_name: "helpdesk",
        },
    )
    .map_err(CommandError::from_display)?;
    let hash = crate::flows::people::accounts::hash_blocking(password.clone())
        .await
        .map_err(CommandError::from_display)?;
    let store = open_store(storage).await?;
    let id = portcullis_core::ids::new_id();
    let created = store
        .create_operator(&portcullis_store::NewOperator {
            id: &id,
            username: &username,
            username_key: &username::key(&username),
            email: &email,
            password_hash: &hash,
            now: Timestamp::now(),
        })
        .await;
    store.close().await;
    match created {
        Ok(()) => {}
        Err(StoreError::UsernameTaken) => {
            return Err(CommandError(format!(
                "an operator named '{username}' exists already (usernames are compared without regard to case)"
            )));
        }
        Err(e) => return Err(CommandError::from_display(e)),
    }
    if args.json {
        let mut out = json!({ "operator_id": id });
        if generated {
            out["password"] = json!(password.expose_secret());
        }
        return Ok(format!("{out}\n"));
    }
    let mut text = format!("Operator '{username}' is created (id {id}).\n");
    if generated {
        text.push_str(&format!(
            "Their password, shown this once: {}\n",
            password.expose_secret()
        ));
    }
    text.push_str("At the first login at /helpdesk/login they set up their second factor.\n");
    Ok(text)
}

/// `portcullis operator disable` / `enable`: disabling ends the operator's sessions; enabling
/// also lifts the lock that wrong passwords and codes put on them.
pub async fn operator_set_disabled(
    storage: &StorageSettings,
    typed_username: &str,
    disabled: bool,
) -> Result<String, CommandError> {
    let store = open_store(storage).await?;
    let key = username::key(typed_username);
    let changed = store.set_operator_disabled(&key, disabled).await;
    store.close().await;
    match changed.map_err(CommandError::from_display)? {
        true if disabled => Ok(format!(
            "Operator '{key}' is disabled; their sessions are ended.\n"
        )),
        true => Ok(format!("Operator '{key}' can log in again.\n")),
        false => Err(CommandError(format!("there is no operator named '{key}'"))),
    }
}

/// `portcullis operator reset-factors`: an operator who lost their app or passkey gets neither
/// any more and no session; at their next login they set up a new second factor.
pub async fn operator_reset_factors(
    storage: &StorageSettings,
    typed_username: &str,
) -> Result<String, CommandError> {
    let store = open_store(storage).await?;
    let key = username::key(typed_username);
    let changed = store.reset_operator_factors(&key).await;
    store.close().await;
    match changed.map_err(CommandError::from_display)? {
        true => Ok(format!(
            "Operator '{key}' has no second factor now and no session; they set up a new one at their next login.\n"
        )),
        false => Err(CommandError(format!("there is no operator named '{key}'"))),
    }
}

/// The server's services for a command that works like the server (mail, keys, the clock).
async fn command_state(
    settings: &crate::infra::config::Settings,
) -> Result<crate::state::AppState, CommandError> {
    let config = crate::infra::config::Config::from_settings(settings)?;
    let keys = load_keyring(&settings.storage).map_err(CommandError::from_display)?;
    let store = open_store(&settings.storage).await?;
    Ok(crate::state::AppState::new(crate::state::Services {
        breaches: std::sync::Arc::new(
            crate::infra::breach::Hibp::new(config.breach.clone())
                .map_err(CommandError::from_display)?,
        ),
        mailer: crate::infra::mail::Mailer::new(&config.mail, &config.mail_from)
            .map_err(CommandError::from_display)?,
        webauthn: None,
        keys: std::sync::Arc::new(keys),
        config: std::sync::Arc::new(config),
        hashing: crate::infra::hashing::HashPool::for_this_machine(),
        clock: crate::infra::clock::Clock::System,
        background: Default::default(),
        oidc_keys: Default::default(),
        access_rules: Default::default(),
        store,
    }))
}

/// `portcullis helpdesk reset-factors`: resets a user's lost second factors without a grant,
/// for whoever runs the server (the reason is required and kept). Audited and emailed to the
/// user and the account's administrators as the console's reset is; the mail settings are the
/// server's (`settings`).
pub async fn helpdesk_reset_factors(
    settings: &crate::infra::config::Settings,
    user_id: &str,
    reason: &str,
    json: bool,
) -> Result<String, CommandError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > crate::flows::helpdesk::MAX_REASON_CHARS {
        return Err(CommandError(format!(
            "--reason must say how the person was verified (1 to {} characters)",
            crate::flows::helpdesk::MAX_REASON_CHARS
        )));
    }
    let state = command_state(settings).await?;
    let result = reset_from_cli(&state, user_id, reason).await;
    state.store.close().await;
    let (account_id, username) = result?;
    if json {
        return Ok(format!(
            "{}\n",
            json!({ "account_id": account_id, "user_id": user_id, "reset": "all" })
        ));
    }
    Ok(format!(
        "The second factors of '{username}' are reset and their sessions ended; they and their administrators are told by email.\n"
    ))
}

async fn reset_from_cli(
    state: &crate::state::AppState,
    user_id: &str,
    reason: &str,
) -> Result<(String, String), CommandError> {
    let user = state
        .store
        .user_by_id(user_id)
        .await
        .map_err(CommandError::from_display)?
        .ok_or_else(|| CommandError(format!("there is no user with the id '{user_id}'")))?;
    let account = state
        .store
        .account(&user.account_id)
        .await
        .map_err(CommandError::from_display)?
        .ok_or_else(|| CommandError("the user's account is gone".into()))?;
    let account_id = portcullis_core::ids::AccountId::from_stored(account.id.clone());
    let client = crate::flows::context::Client {
        ip: std::net::IpAddr::from([127, 0, 0, 1]),
        user_agent: "portcullis helpdesk reset-factors".into(),
        held_session: None,
    };
    let acting = crate::flows::context::Acting {
        state,
        actor: &Actor::System("cli"),
        account_id: &account_id,
        account_name: &account.name,
        client: &client,
        now: state.clock.now(),
    };
    crate::flows::helpdesk::reset_factors(
        &acting,
        &user,
        crate::flows::helpdesk::Factors::All,
        reason,
    )
    .await
    .map_err(CommandError::from_display)?;
    Ok((account.id, user.username))
}

/// What `portcullis client create` was given.
pub struct ClientCreate<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its redirect URIs.
    pub redirect_uris: &'a [String],
    /// No secret.
    pub public: bool,
    /// Only this account's users.
    pub account_id: Option<&'a str>,
    /// No consent page.
    pub first_party: bool,
    /// ID token algorithm.
    pub alg: &'a str,
    /// Print JSON.
    pub json: bool,
}

/// `portcullis client create`: registers an app that logs its users in through Portcullis.
pub async fn client_create(
    settings: &crate::infra::config::Settings,
    args: ClientCreate<'_>,
) -> Result<String, CommandError> {
    use crate::flows::oidc;
    let alg = crate::infra::jwt::Alg::parse(args.alg).ok_or_else(|| {
        CommandError(format!(
            "--id-token-alg must be ES256, EdDSA or RS256, not '{}'",
            args.alg
        ))
    })?;
    let state = command_state(settings).await?;
    let made = oidc::create_client(
        &state,
        &oidc::NewClient {
            name: args.name,
            redirect_uris: args.redirect_uris,
            public: args.public,
            account_id: args.account_id,
            first_party: args.first_party,
            alg,
        },
    )
    .await;
    state.store.close().await;
    let (client_id, secret) = made.map_err(CommandError::from_display)?;
    if args.json {
        let mut out = json!({ "client_id": client_id });
        if let Some(secret) = &secret {
            out["client_secret"] = json!(secret);
        }
        return Ok(format!("{out}\n"));
    }
    let issuer = oidc::issuer(&state);
    let mut text = format!(
        "App '{}' is registered.\n  Issuer         {issuer}\n  Client id      {client_id}\n",
        args.name.trim()
    );
    match secret {
        Some(secret) => text.push_str(&format!(
            "  Client secret  {secret}\n(shown only now: keep it in the app's secret store)\n"
        )),
        None => text.push_str("  Public client: no secret; it proves itself with PKCE.\n"),
    }
    Ok(text)
}

/// `portcullis client list`.
pub async fn client_list(
    storage: &StorageSettings,
    json_out: bool,
) -> Result<String, CommandError> {
    let store = open_store(storage).await?;
    let clients = store.oidc_clients().await;
    store.close().await;
    let clients = clients.map_err(CommandError::from_display)?;
    if json_out {
        let list: Vec<_> = clients
            .iter()
            .map(|c| {
                json!({
                    "client_id": c.client_id,
                    "name": c.name,
                    "public": c.secret_hash.is_none(),
                    "redirect_uris": c.redirect_uris,
                    "account_id": c.account_id,
                    "first_party": c.first_party,
                    "id_token_alg": c.id_token_alg,
                })
            })
            .collect();
        return Ok(format!("{}\n", json!(list)));
    }
    if clients.is_empty() {
        return Ok("No apps are registered. Add one with `portcullis client create`.\n".into());
    }
    let mut text = String::new();
    for c in clients {
        text.push_str(&format!(
            "{}  {}{}{}\n    {}\n",
            c.client_id,
            c.name,
            if c.secret_hash.is_none() {
                " (public)"
            } else {
                ""
            },
            c.account_id
                .map(|a| format!(" (account {a} only)"))
                .unwrap_or_default(),
            c.redirect_uris.join("\n    ")
        ));
    }
    Ok(text)
}

/// `portcullis client delete`.
pub async fn client_delete(
    storage: &StorageSettings,
    client_id: &str,
) -> Result<String, CommandError> {
    let store = open_store(storage).await?;
    let done = store.delete_oidc_client(client_id).await;
    store.close().await;
    match done.map_err(CommandError::from_display)? {
        true => Ok(format!(
            "App {client_id} is deleted; its codes, tokens and consents are gone.\n"
        )),
        false => Err(CommandError(format!(
            "no app has the client id '{client_id}'"
        ))),
    }
}

/// `portcullis client rotate-secret`.
pub async fn client_rotate_secret(
    settings: &crate::infra::config::Settings,
    client_id: &str,
    json_out: bool,
) -> Result<String, CommandError> {
    let state = command_state(settings).await?;
    let secret = crate::flows::oidc::rotate_secret(&state, client_id).await;
    state.store.close().await;
    match secret.map_err(CommandError::from_display)? {
        Some(secret) if json_out => Ok(format!(
            "{}\n",
            json!({ "client_id": client_id, "client_secret": secret })
        )),
        Some(secret) => Ok(format!(
            "New secret for {client_id}: {secret}\n(shown only now; the old one no longer works)\n"
        )),
        None => Err(CommandError(format!(
            "no confidential app has the client id '{client_id}' (public apps have no secret)"
        ))),
    }
}

/// `portcullis oidc rotate-keys`.
pub async fn oidc_rotate_keys(
    settings: &crate::infra::config::Settings,
) -> Result<String, CommandError> {
    let state = command_state(settings).await?;
    let made = crate::flows::oidc::rotate_keys(&state).await;
    state.store.close().await;
    let made = made.map_err(CommandError::from_display)?;
    Ok(format!(
        "New signing keys sign from now on: {}.\nThe previous keys stay published for {} minutes, until every token they signed has expired.\n",
        made.join(", "),
        portcullis_core::oidc::KEY_OVERLAP.as_secs() / 60
    ))
}

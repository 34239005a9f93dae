//! `portcullis`: the command line. Parses arguments and calls the library; nothing else.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use portcullis_server::cli::commands::{self, AccountCreate, CommandError, DevSeed, UserCreate};
use portcullis_server::infra::config::LogFormat;
use portcullis_server::{App, Clock, Config, Settings, StorageSettings};
use secrecy::SecretString;

/// Portcullis: login and account security for multi-tenant business software.
#[derive(Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(Settings),
    /// Bring the database schema up to date and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the helpdesk's operators.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// The helpdesk's work that needs no grant: for whoever runs the server.
    #[command(subcommand)]
    Helpdesk(HelpdeskCommand),
    /// Manage the apps that log their users in through Portcullis (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
    /// OpenID Connect maintenance.
    #[command(subcommand)]
    Oidc(OidcCommand),
    /// Manage the server key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Development and benchmark helpers. Never on a production database.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register an app; prints its client id and (unless public) its secret, once.
    Create {
        /// The app's name, shown to users on the consent page.
        #[arg(long)]
        name: String,
        /// Where the app may be sent back after login (exact match; repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A public client (browser or mobile app): no secret, PKCE only.
        #[arg(long)]
        public: bool,
        /// Admit only this account's users (an account's own integration).
        #[arg(long)]
        account_id: Option<String>,
        /// The platform's own app: users are not asked for consent.
        #[arg(long)]
        first_party: bool,
        /// How its ID tokens are signed: ES256 (default), RS256 or EdDSA.
        #[arg(long, default_value = "ES256")]
        id_token_alg: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// List the registered apps.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Delete an app with its codes, tokens and consents.
    Delete {
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Give a confidential app a new secret (the old one stops working at once).
    RotateSecret {
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum OidcCommand {
    /// New signing keys sign from now on; the previous ones stay published until every token
    /// they signed has expired.
    RotateKeys {
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum HelpdeskCommand {
    /// Reset a user's lost second factors (authenticator app, recovery codes, passkeys) and end
    /// their sessions; audited in their account and emailed with the server's mail settings.
    ResetFactors {
        /// The user's id.
        #[arg(long)]
        user_id: String,
        /// How the person was verified (kept in the audit log).
        #[arg(long)]
        reason: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create a helpdesk operator (they set up a second factor at their first login).
    Create {
        /// The operator's username.
        #[arg(long)]
        username: String,
        /// The operator's email address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input (else a strong one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Disable an operator and end their sessions.
    Disable {
        /// The operator's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Let a disabled or locked operator log in again.
    Enable {
        /// The operator's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Remove an operator's lost second factors (app and passkeys) and end their sessions; they
    /// set up a new one at their next login.
    ResetFactors {
        /// The operator's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        storage: StorageSettings,
    },
}

#[derive(Subcommand)]
enum DevCommand {
    /// Load many accounts, users and IP records at once (for benchmarks and for trying the pages
    /// at volume). Every seeded user shares one password, every seeded account one security code.
    Seed {
        /// Users in all, named <prefix>1 … <prefix>N.
        #[arg(long)]
        users: u64,
        /// IP records in all, spread evenly over the users (at most 250 per user).
        #[arg(long, default_value_t = 0)]
        ip_records: u64,
        /// Users per account; the first user of each account is its administrator.
        #[arg(long, default_value_t = 10_000)]
        account_size: u64,
        /// Username prefix.
        #[arg(long, default_value = "seed")]
        prefix: String,
        /// An address every seeded user has validated (uses one of each user's IP records).
        #[arg(long)]
        validated_ip: Option<String>,
        /// The security code of every seeded account (default: a generated one, printed).
        #[arg(long)]
        security_code: Option<String>,
        /// Read the users' password from standard input (default: a generated one, printed).
        #[arg(long)]
        password_stdin: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        storage: StorageSettings,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account with its first administrator.
    Create {
        /// The company's name.
        #[arg(long)]
        name: String,
        /// The administrator's username.
        #[arg(long)]
        admin_username: String,
        /// The administrator's email address.
        #[arg(long)]
        admin_email: String,
        /// The administrator's name, as shown on the Employees page.
        #[arg(long)]
        admin_name: Option<String>,
        /// A security code to use instead of a generated one.
        #[arg(long)]
        security_code: Option<String>,
        /// The account's default language: `en` or `nl`.
        #[arg(long, default_value = "en")]
        language: String,
        /// The account's time zone, an IANA name (default: Europe/Amsterdam for Dutch accounts,
        /// else UTC).
        #[arg(long)]
        time_zone: Option<String>,
        /// Read the administrator's password from standard input (else print a set-password link).
        #[arg(long)]
        admin_password_stdin: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The URL set-password links point at.
        #[arg(
            long,
            env = "PORTCULLIS_PUBLIC_URL",
            default_value = "http://localhost:8080"
        )]
        public_url: String,
        #[command(flatten)]
        storage: StorageSettings,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user in an account.
    Create {
        /// The account's id.
        #[arg(long)]
        account_id: String,
        /// The username (unique across all accounts).
        #[arg(long)]
        username: String,
        /// The email address.
        #[arg(long)]
        email: String,
        /// The person's name, as shown on the Employees page.
        #[arg(long)]
        name: Option<String>,
        /// administrator, accountant or employee.
        #[arg(long)]
        kind: String,
        /// Read the password from standard input (else print a set-password link).
        #[arg(long)]
        password_stdin: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The URL set-password links point at.
        #[arg(
            long,
            env = "PORTCULLIS_PUBLIC_URL",
            default_value = "http://localhost:8080"
        )]
        public_url: String,
        #[command(flatten)]
        storage: StorageSettings,
    },
    /// Lift the lock that 100 failed logins put on a username.
    Unlock {
        /// The username.
        #[arg(long)]
        username: String,
        /// The user's account; needed only when several accounts have a user of that name.
        #[arg(long)]
        account_id: Option<String>,
        #[command(flatten)]
        storage: StorageSettings,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Print a new random server key.
    Generate,
    /// Re-encrypt stored secrets with the current key (see README, "Key rotation").
    Rotate {
        #[command(flatten)]
        storage: StorageSettings,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

fn password_from_stdin(wanted: bool) -> Result<Option<SecretString>, CommandError> {
    if !wanted {
        return Ok(None);
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CommandError(format!("cannot read the password from standard input: {e}")))?;
    let password = text.strip_suffix('\n').unwrap_or(&text);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(Some(SecretString::from(password.to_string())))
}

async fn run(command: Command) -> Result<String, CommandError> {
    match command {
        Command::Serve(settings) => {
            let config = Config::from_settings(&settings)?;
            init_logging(config.log_format, "info,sqlx=warn");
            let keys = portcullis_server::infra::keys::load_keyring(&settings.storage)
                .map_err(|e| CommandError(e.to_string()))?;
            let app = App::build(config, keys, Clock::System)
                .await
                .map_err(|e| CommandError(e.to_string()))?;
            // One line on standard output with the bound address (`--listen …:0` picks a free
            // port): what scripts and tests that start a server read to reach it.
            println!(
                "Portcullis is listening on {} ({})",
                app.addr(),
                app.state().config.public_origin()
            );
            app.serve_until(shutdown_signal())
                .await
                .map_err(|e| CommandError(e.to_string()))?;
            Ok(String::new())
        }
        Command::Migrate { storage } => {
            init_logging(LogFormat::Human, "warn");
            let store = portcullis_store::Store::connect(&storage.database_url()?)
                .await
                .map_err(|e| CommandError(e.to_string()))?;
            store
                .migrate()
                .await
                .map_err(|e| CommandError(e.to_string()))?;
            Ok("The database schema is up to date.\n".into())
        }
        Command::Account(AccountCommand::Create {
            name,
            admin_username,
            admin_email,
            admin_name,
            security_code,
            language,
            time_zone,
            admin_password_stdin,
            json,
            public_url,
            storage,
        }) => {
            init_logging(LogFormat::Human, "warn");
            let admin_password = password_from_stdin(admin_password_stdin)?;
            commands::account_create(
                &storage,
                AccountCreate {
                    name: &name,
                    admin_username: &admin_username,
                    admin_email: &admin_email,
                    admin_name: admin_name.as_deref(),
                    security_code: security_code.as_deref(),
                    language: &language,
                    time_zone: time_zone.as_deref(),
                    admin_password,
                    json,
                    public_url: &public_url,
                },
            )
            .await
        }
        Command::User(UserCommand::Create {
            account_id,
            username,
            email,
            name,
            kind,
            password_stdin,
            json,
            public_url,
            storage,
        }) => {
            init_logging(LogFormat::Human, "warn");
            let password = password_from_stdin(password_stdin)?;
            commands::user_create(
                &storage,
                UserCreate {
                    account_id: &account_id,
                    username: &username,
                    email: &email,
                    name: name.as_deref(),
                    kind: &kind,
                    password,
                    json,
                    public_url: &public_url,
                },
            )
            .await
        }
        Command::User(UserCommand::Unlock {
            username,
            account_id,
            storage,
        }) => {
            init_logging(LogFormat::Human, "warn");
            commands::user_unlock(&storage, &username, account_id.as_deref()).await
        }
        Command::Dev(DevCommand::Seed {
            users,
            ip_records,
            account_size,
            prefix,
            validated_ip,
            security_code,
            password_stdin,
            json,
            storage,
        }) => {
            init_logging(LogFormat::Human, "warn");
            let password = password_from_stdin(password_stdin)?;
            commands::dev_seed(
                &storage,
                DevSeed {
                    users,
                    ip_records,
                    account_size,
                    prefix: &prefix,
                    validated_ip: validated_ip.as_deref(),
                    security_code: security_code.as_deref(),
                    password,
                    json,
                },
            )
            .await
        }
        Command::Operator(OperatorCommand::Create {
            username,
            email,
            password_stdin,
            json,
            storage,
        }) => {
            init_logging(LogFormat::Human, "warn");
            let password = password_from_stdin(password_stdin)?;
            commands::operator_create(
                &storage,
                commands::OperatorCreate {
                    username: &username,
                    email: &email,
                    password,
                    json,
                },
            )
            .await
        }
        Command::Operator(OperatorCommand::Disable { username, storage }) => {
            init_logging(LogFormat::Human, "warn");
            commands::operator_set_disabled(&storage, &username, true).await
        }
        Command::Operator(OperatorCommand::Enable { username, storage }) => {
            init_logging(LogFormat::Human, "warn");
            commands::operator_set_disabled(&storage, &username, false).await
        }
        Command::Operator(OperatorCommand::ResetFactors { username, storage }) => {
            init_logging(LogFormat::Human, "warn");
            commands::operator_reset_factors(&storage, &username).await
        }
        Command::Helpdesk(HelpdeskCommand::ResetFactors {
            user_id,
            reason,
            json,
            settings,
        }) => {
            init_logging(LogFormat::Human, "warn");
            commands::helpdesk_reset_factors(&settings, &user_id, &reason, json).await
        }
        Command::Client(ClientCommand::Create {
            name,
            redirect_uris,
            public,
            account_id,
            first_party,
            id_token_alg,
            json,
            settings,
        }) => {
            init_logging(LogFormat::Human, "warn");
            commands::client_create(
                &settings,
                commands::ClientCreate {
                    name: &name,
                    redirect_uris: &redirect_uris,
                    public,
                    account_id: account_id.as_deref(),
                    first_party,
                    alg: &id_token_alg,
                    json,
                },
            )
            .await
        }
        Command::Client(ClientCommand::List { json, storage }) => {
            init_logging(LogFormat::Human, "warn");
            commands::client_list(&storage, json).await
        }
        Command::Client(ClientCommand::Delete { client_id, storage }) => {
            init_logging(LogFormat::Human, "warn");
            commands::client_delete(&storage, &client_id).await
        }
        Command::Client(ClientCommand::RotateSecret {
            client_id,
            json,
            settings,
        }) => {
            init_logging(LogFormat::Human, "warn");
            commands::client_rotate_secret(&settings, &client_id, json).await
        }
        Command::Oidc(OidcCommand::RotateKeys { settings }) => {
            init_logging(LogFormat::Human, "warn");
            commands::oidc_rotate_keys(&settings).await
        }
        Command::Key(KeyCommand::Generate) => Ok(commands::key_generate()),
        Command::Key(KeyCommand::Rotate { storage }) => {
            init_logging(LogFormat::Human, "warn");
            commands::key_rotate(&storage).await
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

//! Creating accounts and users: shared by the command line, demo mode and (later) the pages.
//!
//! Every input is checked by the domain's rules before anything is written; a refusal says what
//! to fix. A user created without a password gets a single-use set-password link (72 hours).

use std::time::Duration;

use portcullis_core::Timestamp;
use portcullis_core::access::Actor;
use portcullis_core::ids::{UserId, new_id};
use portcullis_core::language::Language;
use portcullis_core::password::{self, PasswordContext};
use portcullis_core::secret_box::Keyring;
use portcullis_core::user::{self, UserKind};
use portcullis_core::{email, security_code, token, username};
use portcullis_store::{
    AuditEvent, NewAccount, NewUser, SealedAccount, Store, StoreError, TokenPurpose, Tx,
};
use secrecy::{ExposeSecret, SecretString};

use crate::i18n;

pub use crate::flows::error::CreateError;

/// How long a set-password link for a new user stays valid.
pub const INVITATION_VALIDITY: Duration = Duration::from_secs(72 * 3600);

/// The result of creating an account.
#[derive(Debug)]
pub struct CreatedAccount {
    /// The new account's id.
    pub account_id: String,
    /// Its security code, in display form (shown once here; administrators can see it later).
    pub security_code: String,
    /// The first administrator's id.
    pub admin_user_id: String,
    /// A single-use link to choose a password, when none was given.
    pub set_password_link: Option<String>,
}

/// The result of creating a user.
#[derive(Debug)]
pub struct CreatedUser {
    /// The new user's id.
    pub user_id: String,
    /// A single-use link to choose a password, when none was given.
    pub set_password_link: Option<String>,
}

/// What a new user is made of.
#[derive(Debug)]
pub struct UserInput<'a> {
    /// As typed.
    pub username: &'a str,
    /// The person's name as typed; `None` where it is not asked (the command line shows the
    /// username instead).
    pub name: Option<&'a str>,
    /// As typed.
    pub email: &'a str,
    /// What they may do.
    pub kind: UserKind,
    /// A password, or none for a set-password link.
    pub password: Option<&'a SecretString>,
}

/// The language and time zone a new account starts with.
#[derive(Debug, Clone, Copy)]
pub struct AccountLocale<'a> {
    /// Its default language.
    pub language: Language,
    /// Its time zone (an IANA name); `None`: Europe/Amsterdam for Dutch accounts, else UTC.
    pub time_zone: Option<&'a str>,
}

impl Default for AccountLocale<'_> {
    fn default() -> Self {
        AccountLocale {
            language: Language::English,
            time_zone: None,
        }
    }
}

/// Account-level operations over the store and the keyring.
#[derive(Debug, Clone)]
pub struct Accounts<'a> {
    /// The database.
    pub store: &'a Store,
    /// The server keys.
    pub keys: &'a Keyring,
    /// Origin for links, e.g. `http://localhost:8080`.
    pub public_origin: &'a str,
    /// Who acts, for the audit log: Portcullis's operator (`cli`, `demo`) or an administrator.
    pub actor: &'a Actor,
}

/// The associated data that binds an account's encrypted security code to its row.
pub fn security_code_context(account_id: &str) -> String {
    format!("account/{account_id}/security_code")
}

/// What the security code's blind index is computed over (never stored).
const SECURITY_CODE_INDEX: &str = "account security code";

/// The stored blind index of a security code (normalised, so every typed form finds it).
pub fn security_code_index(keys: &Keyring, code: &str) -> String {
    keys.blind_index(
        SECURITY_CODE_INDEX,
        security_code::normalize(code).as_bytes(),
    )
}

/// The blind indexes a typed security code is looked up by: one per server key, so an account
/// is found during a key rotation too.
pub fn security_code_lookups(keys: &Keyring, typed: &str) -> Vec<String> {
    keys.blind_indexes(
        SECURITY_CODE_INDEX,
        security_code::normalize(typed).as_bytes(),
    )
}

/// The account a typed security code names, if any: a blind-index lookup, then the decrypted
/// code is compared in constant time. The same work whether or not the code names an account.
pub async fn account_by_security_code(
    store: &Store,
    keys: &Keyring,
    typed: &str,
) -> Result<Option<SealedAccount>, StoreError> {
    Ok(store
        .account_by_security_code(&security_code_lookups(keys, typed))
        .await?
        .filter(|sealed| {
            let account_id = &sealed.account.id;
            match keys.decrypt(
                &security_code_context(account_id),
                &sealed.security_code_enc,
            ) {
                Ok(actual) => security_code::matches(typed, &String::from_utf8_lossy(&actual)),
                Err(e) => {
                    tracing::error!(%account_id, "cannot decrypt the security code: {e}");
                    false
                }
            }
        }))
}

/// Fills in the blind index of accounts made before it existed (at start-up, after the
/// migrations). Returns how many were filled in.
pub async fn index_security_codes(store: &Store, keys: &Keyring) -> Result<usize, StoreError> {
    let missing = store.accounts_without_code_index().await?;
    let mut filled = 0;
    for account in missing {
        let context = security_code_context(&account.account.id);
        match keys.decrypt(&context, &account.security_code_enc) {
            Ok(code) => {
                let code = String::from_utf8_lossy(&code);
                store
                    .set_security_code(
                        &account.account.id,
                        &account.security_code_enc,
                        &security_code_index(keys, &code),
                    )
                    .await?;
                filled += 1;
            }
            Err(e) => {
                tracing::error!(account_id = %account.account.id, "cannot index the security code: {e}");
            }
        }
    }
    Ok(filled)
}

impl Accounts<'_> {
    /// Creates an account and its first administrator.
    pub async fn create_account(
        &self,
        name: &str,
        admin: UserInput<'_>,
        chosen_code: Option<&str>,
        locale: AccountLocale<'_>,
        now: Timestamp,
    ) -> Result<CreatedAccount, CreateError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(CreateError::Invalid(
                "An account name needs 1 to 200 characters.".into(),
            ));
        }
        let time_zone = locale
            .time_zone
            .unwrap_or_else(|| i18n::default_time_zone(locale.language));
        if i18n::time_zone(time_zone).is_none() {
            return Err(CreateError::Invalid(format!(
                "'{time_zone}' is not a time zone Portcullis knows: use an IANA name such as Europe/Amsterdam."
            )));
        }
        let code = match chosen_code {
            Some(code) => security_code::parse_chosen(code)
                .map_err(|e| CreateError::Invalid(e.to_string()))?,
            None => security_code::generate(),
        };
        let account_id = new_id();
        let user = self.prepare_user(&admin, name, &account_id, now).await?;
        let account = NewAccount {
            security_code_enc: self
                .keys
                .encrypt(&security_code_context(&account_id), code.as_bytes()),
            security_code_index: security_code_index(self.keys, &code),
            id: account_id.clone(),
            name: name.to_string(),
            created_at: now,
            language: locale.language,
            time_zone: time_zone.to_string(),
        };
        let mut tx = self.store.begin().await?;
        tx.create_account_with_admin(&account, &user)
            .await
            .map_err(|e| taken(e, &user.username))?;
        self.audit(
            &mut tx,
            &account_id,
            None,
            "account.created",
            &format!("name={name}"),
            now,
        )
        .await?;
        let set_password_link = self.after_user_created(&mut tx, &user, now).await?;
        tx.commit().await?;
        Ok(CreatedAccount {
            account_id,
            security_code: code,
            admin_user_id: user.id,
            set_password_link,
        })
    }

    /// Creates a user in an existing account.
    pub async fn create_user(
        &self,
        account_id: &str,
        input: UserInput<'_>,
        now: Timestamp,
    ) -> Result<CreatedUser, CreateError> {
        self.create_user_with(account_id, input, &[], now).await
    }

    /// Creates a user in an existing account with these administrations granted, in one unit
    /// of work with its audit event and set-password link.
    pub async fn create_user_with(
        &self,
        account_id: &str,
        input: UserInput<'_>,
        administrations: &[String],
        now: Timestamp,
    ) -> Result<CreatedUser, CreateError> {
        let account = self
            .store
            .account(account_id)
            .await?
            .ok_or_else(|| CreateError::NoSuchAccount(account_id.to_string()))?;
        let user = self
            .prepare_user(&input, &account.name, account_id, now)
            .await?;
        let mut tx = self.store.begin().await?;
        tx.create_user(&user)
            .await
            .map_err(|e| taken(e, &user.username))?;
        if !administrations.is_empty() {
            tx.set_granted_administrations(account_id, &user.id, administrations)
                .await?;
        }
        let set_password_link = self.after_user_created(&mut tx, &user, now).await?;
        tx.commit().await?;
        Ok(CreatedUser {
            user_id: user.id,
            set_password_link,
        })
    }

    async fn prepare_user(
        &self,
        input: &UserInput<'_>,
        account_name: &str,
        account_id: &str,
        now: Timestamp,
    ) -> Result<NewUser, CreateError> {
        let username =
            username::parse(input.username).map_err(|e| CreateError::Invalid(e.to_string()))?;
        let email = email::parse(input.email).map_err(|e| CreateError::Invalid(e.to_string()))?;
        let name = match input.name {
            Some(typed) => {
                user::parse_name(typed).map_err(|e| CreateError::Invalid(e.to_string()))?
            }
            None => String::new(),
        };
        let password_hash = match input.password {
            Some(secret) => {
                let context = PasswordContext {
                    username: &username,
                    email: &email,
                    account_name,
                };
                password::check_new_password(secret.expose_secret(), context)
                    .map_err(|e| CreateError::Invalid(e.to_string()))?;
                Some(hash_blocking(secret.clone()).await?)
            }
            None => None,
        };
        Ok(NewUser {
            id: new_id(),
            account_id: account_id.to_string(),
            username,
            name,
            email,
            kind: input.kind,
            password_hash,
            created_at: now,
        })
    }

    /// What goes with a new user, in its unit of work: the audit event and, for a user without
    /// a password, the set-password link.
    async fn after_user_created(
        &self,
        tx: &mut Tx,
        user: &NewUser,
        now: Timestamp,
    ) -> Result<Option<String>, CreateError> {
        self.audit(
            tx,
            &user.account_id,
            Some(&user.id),
            "user.created",
            &format!("username={} kind={}", user.username, user.kind.as_str()),
            now,
        )
        .await?;
        if user.password_hash.is_some() {
            return Ok(None);
        }
        Ok(Some(
            self.set_password_link(tx, &user.account_id, &user.id, now)
                .await?,
        ))
    }

    /// A new single-use link for a user to choose a password (valid [`INVITATION_VALIDITY`]),
    /// written in `tx`; earlier links of the same kind stop working.
    pub async fn set_password_link(
        &self,
        tx: &mut Tx,
        account_id: &str,
        user_id: &str,
        now: Timestamp,
    ) -> Result<String, CreateError> {
        tx.void_tokens(account_id, user_id, TokenPurpose::SetPassword, now)
            .await?;
        let link_token = token::new_token();
        tx.insert_token(
            &token::hash_token(&link_token),
            TokenPurpose::SetPassword,
            account_id,
            user_id,
            now,
            now.plus(INVITATION_VALIDITY),
        )
        .await?;
        Ok(format!(
            "{}/set-password?token={link_token}",
            self.public_origin
        ))
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        account_id: &str,
        user_id: Option<&str>,
        event: &str,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), CreateError> {
        let actor = self
            .actor
            .audit_name(user_id.map(UserId::from_stored).as_ref());
        tx.append_audit(&AuditEvent {
            account_id: Some(account_id),
            user_id,
            actor: &actor,
            event,
            detail,
            ip: "",
            user_agent: "",
            at: now,
        })
        .await?;
        Ok(())
    }
}

/// Decrypts an account's security code; the error says why it could not be read.
pub fn read_security_code(keys: &Keyring, account: &SealedAccount) -> Result<String, String> {
    keys.decrypt(
        &security_code_context(&account.account.id),
        &account.security_code_enc,
    )
    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    .map_err(|e| {
        format!(
            "the security code of account {} cannot be read: {e}",
            account.account.id
        )
    })
}

fn taken(e: StoreError, username: &str) -> CreateError {
    match e {
        StoreError::UsernameTaken => CreateError::UsernameTaken(username.to_string()),
        StoreError::SecurityCodeTaken => CreateError::SecurityCodeUnavailable,
        other => CreateError::Store(other),
    }
}

/// Hashes a password on a blocking thread (for the command line and demo set-up, which do not go
/// through the login's bounded pool).
pub async fn hash_blocking(secret: SecretString) -> Result<String, CreateError> {
    tokio::task::spawn_blocking(move || password::hash_password(secret.expose_secret()))
        .await
        .map_err(|e| CreateError::Hashing(e.to_string()))?
        .map_err(|e| CreateError::Hashing(e.to_string()))
}

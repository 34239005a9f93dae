//! Accounts (tenants).

use portcullis_core::Timestamp;
use portcullis_core::language::Language;
use portcullis_core::login::AccountPolicy;
use portcullis_core::user::Account;

use crate::users::{NewUser, insert_user};
use crate::{Store, StoreError, changed, flag, unique_violation};

/// An account as stored: flags as 0/1, times as milliseconds. Read into [`Account`] before
/// it leaves the store.
#[derive(Debug, Clone, sqlx::FromRow)]
struct AccountRecord {
    id: String,
    name: String,
    security_code_enc: String,
    created_at: i64,
    enforce_two_factor: i64,
    limit_two_factor_validity: i64,
    block_new_ips: i64,
    language: String,
    time_zone: String,
}

/// An account with its security code, still encrypted with the server key.
#[derive(Debug, Clone)]
pub struct SealedAccount {
    /// The account.
    pub account: Account,
    /// The security code, encrypted (bound to the account id).
    pub security_code_enc: String,
}

impl From<AccountRecord> for SealedAccount {
    fn from(r: AccountRecord) -> SealedAccount {
        SealedAccount {
            account: Account {
                id: r.id,
                name: r.name,
                created_at: Timestamp(r.created_at),
                policy: AccountPolicy {
                    enforce_two_factor: flag(r.enforce_two_factor),
                    limit_two_factor_validity: flag(r.limit_two_factor_validity),
                    block_new_ips: flag(r.block_new_ips),
                },
                language: Language::parse(&r.language).unwrap_or(Language::English),
                time_zone: r.time_zone,
            },
            security_code_enc: r.security_code_enc,
        }
    }
}

const ACCOUNT_COLUMNS: &str = "id, name, security_code_enc, created_at, enforce_two_factor, \
    limit_two_factor_validity, block_new_ips, language, time_zone";

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Random id, made by the caller so it can bind the encrypted code to it.
    pub id: String,
    /// The company's name.
    pub name: String,
    /// The security code, already encrypted.
    pub security_code_enc: String,
    /// The security code's blind index (see [`Store::accounts_by_security_code`]).
    pub security_code_index: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its default language.
    pub language: Language,
    /// Its time zone (an IANA name the caller has checked).
    pub time_zone: String,
}

impl Store {
    /// Creates an account and its first administrator in one transaction: either both exist
    /// afterwards or neither does.
    pub async fn create_account_with_admin(
        &self,
        account: &NewAccount,
        admin: &NewUser,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.create_account_with_admin(account, admin).await?;
        tx.commit().await
    }

    /// One account by id.
    pub async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.sealed_account(id).await?.map(|sealed| sealed.account))
    }

    /// Every account, for maintenance such as key rotation.
    pub async fn all_accounts(&self) -> Result<Vec<SealedAccount>, StoreError> {
        let found: Vec<AccountRecord> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(SealedAccount::from).collect())
    }

    /// How many accounts exist (demo data is only created in an empty database).
    pub async fn count_accounts(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }

    /// The account whose security code has one of these blind indexes (one per server key
    /// during a rotation), if any: one indexed lookup, the code itself stays encrypted.
    pub async fn account_by_security_code(
        &self,
        indexes: &[String],
    ) -> Result<Option<SealedAccount>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE security_code_index = $1");
        for index in indexes {
            let found: Option<AccountRecord> = sqlx::query_as(&sql)
                .bind(index)
                .fetch_optional(self.pool())
                .await?;
            if let Some(found) = found {
                return Ok(Some(found.into()));
            }
        }
        Ok(None)
    }

    /// Accounts whose blind index is missing (made before it existed), for the server to fill in
    /// at start-up.
    pub async fn accounts_without_code_index(&self) -> Result<Vec<SealedAccount>, StoreError> {
        let found: Vec<AccountRecord> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE security_code_index IS NULL"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().map(SealedAccount::from).collect())
    }
}

crate::tx::both! {
    /// Replaces the stored (encrypted) security code and its blind index.
    pub async fn set_security_code(
        &self,
        account_id: &str,
        security_code_enc: &str,
        security_code_index: &str,
    ) -> Result<(), StoreError> [e] {
        let done = sqlx::query(
            "UPDATE accounts SET security_code_enc = $1, security_code_index = $2 WHERE id = $3",
        )
        .bind(security_code_enc)
        .bind(security_code_index)
        .bind(account_id)
        .execute(e)
        .await
        .map_err(|e| unique_violation(e, StoreError::SecurityCodeTaken))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Renames an account.
    pub async fn rename_account(&self, account_id: &str, name: &str) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(account_id)
                .execute(e)
                .await,
        )
    }
}

impl crate::Tx {
    /// Creates an account and its first administrator in one transaction: either both exist
    /// afterwards or neither does.
    pub async fn create_account_with_admin(
        &mut self,
        account: &NewAccount,
        admin: &NewUser,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO accounts (id, name, security_code_enc, security_code_index, created_at, language, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&account.id)
            .bind(&account.name)
            .bind(&account.security_code_enc)
            .bind(&account.security_code_index)
            .bind(account.created_at.millis())
            .bind(account.language.code())
            .bind(&account.time_zone)
            .execute(&mut *self.inner)
            .await
            .map_err(|e| unique_violation(e, StoreError::SecurityCodeTaken))?;
        insert_user(&mut *self.inner, admin).await?;
        Ok(())
    }
}

crate::tx::both! {
    /// One account by id, with its encrypted security code.
    pub async fn sealed_account(&self, id: &str) -> Result<Option<SealedAccount>, StoreError> [e] {
        let found: Option<AccountRecord> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(e)
        .await?;
        Ok(found.map(SealedAccount::from))
    }
}

impl crate::Tx {
    /// One account by id, read in this unit of work.
    pub async fn account(&mut self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.sealed_account(id).await?.map(|sealed| sealed.account))
    }
}

crate::tx::both! {
    /// Sets the account's default language and time zone (an IANA name the caller checked).
    pub async fn set_account_locale(
        &self,
        account_id: &str,
        language: Language,
        time_zone: &str,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("UPDATE accounts SET language = $1, time_zone = $2 WHERE id = $3")
                .bind(language.code())
                .bind(time_zone)
                .bind(account_id)
                .execute(e)
                .await,
        )
    }
}

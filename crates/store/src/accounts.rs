//! Accounts (tenants).

use portcullis_core::Timestamp;

use crate::users::{NewUser, insert_user};
use crate::{Store, StoreError, changed, unique_violation};

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    /// Random id.
    pub id: String,
    /// The company's name.
    pub name: String,
    /// The security code, encrypted with the server key.
    pub security_code_enc: String,
    /// Creation time, ms.
    pub created_at: i64,
    /// 0 or 1: every user must have an authenticator app or a passkey.
    pub enforce_two_factor: i64,
    /// 0 or 1: two-factor is asked at every login (no 30-day option).
    pub limit_two_factor_validity: i64,
    /// 0 or 1: every new IP address waits for email confirmation; users cannot auto-validate.
    pub block_new_ips: i64,
}

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
}

impl Store {
    /// Creates an account and its first administrator in one transaction: either both exist
    /// afterwards or neither does.
    pub async fn create_account_with_admin(
        &self,
        account: &NewAccount,
        admin: &NewUser,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("INSERT INTO accounts (id, name, security_code_enc, security_code_index, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&account.id)
            .bind(&account.name)
            .bind(&account.security_code_enc)
            .bind(&account.security_code_index)
            .bind(account.created_at.millis())
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_violation(e, StoreError::SecurityCodeTaken))?;
        insert_user(&mut *tx, admin).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One account by id.
    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, security_code_enc, created_at, enforce_two_factor, limit_two_factor_validity, block_new_ips FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Every account, for maintenance such as key rotation.
    pub async fn all_accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, security_code_enc, created_at, enforce_two_factor, limit_two_factor_validity, block_new_ips FROM accounts ORDER BY created_at",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// How many accounts exist (demo data is only created in an empty database).
    pub async fn count_accounts(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }

    /// Replaces the stored (encrypted) security code and its blind index.
    pub async fn set_security_code(
        &self,
        account_id: &str,
        security_code_enc: &str,
        security_code_index: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET security_code_enc = $1, security_code_index = $2 WHERE id = $3",
        )
        .bind(security_code_enc)
        .bind(security_code_index)
        .bind(account_id)
        .execute(self.pool())
        .await
        .map_err(|e| unique_violation(e, StoreError::SecurityCodeTaken))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The account whose security code has one of these blind indexes (one per server key
    /// during a rotation), if any: one indexed lookup, the code itself stays encrypted.
    pub async fn account_by_security_code(
        &self,
        indexes: &[String],
    ) -> Result<Option<AccountRow>, StoreError> {
        let mut found = None;
        for index in indexes {
            found = sqlx::query_as(
                "SELECT id, name, security_code_enc, created_at, enforce_two_factor, limit_two_factor_validity, block_new_ips \
                 FROM accounts WHERE security_code_index = $1",
            )
            .bind(index)
            .fetch_optional(self.pool())
            .await?;
            if found.is_some() {
                break;
            }
        }
        Ok(found)
    }

    /// Accounts whose blind index is missing (made before it existed), for the server to fill in
    /// at start-up.
    pub async fn accounts_without_code_index(&self) -> Result<Vec<AccountRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, security_code_enc, created_at, enforce_two_factor, limit_two_factor_validity, block_new_ips \
             FROM accounts WHERE security_code_index IS NULL",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Renames an account.
    pub async fn rename_account(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        changed(
            sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(account_id)
                .execute(self.pool())
                .await,
        )
    }
}

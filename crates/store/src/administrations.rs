//! Administrations: named sets of books that access rights point at.

use portcullis_core::Timestamp;
use portcullis_core::user::UserKind;

use crate::{Store, StoreError};

/// An administration as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdministrationRow {
    /// Random id.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// Its name.
    pub name: String,
}

impl Store {
    /// Creates an administration.
    pub async fn create_administration(
        &self,
        id: &str,
        account_id: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO administrations (id, account_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(account_id)
            .bind(name)
            .bind(now.millis())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Grants an employee the use of an administration of the same account.
    pub async fn grant_administration(
        &self,
        account_id: &str,
        user_id: &str,
        administration_id: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO user_administrations (account_id, user_id, administration_id) \
             SELECT $1, u.id, ad.id FROM users u JOIN administrations ad ON ad.account_id = u.account_id \
             WHERE u.account_id = $1 AND u.id = $2 AND ad.id = $3 \
             ON CONFLICT (user_id, administration_id) DO NOTHING",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(administration_id)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0
            && !self
                .is_granted(account_id, user_id, administration_id)
                .await?
        {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn is_granted(
        &self,
        account_id: &str,
        user_id: &str,
        administration_id: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM user_administrations WHERE account_id = $1 AND user_id = $2 AND administration_id = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(administration_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// The administrations a user may use: all of the account's for administrators and
    /// accountants, the granted ones for employees. Sorted by name.
    pub async fn administrations_for(
        &self,
        account_id: &str,
        user_id: &str,
        kind: UserKind,
    ) -> Result<Vec<AdministrationRow>, StoreError> {
        let query = if kind.sees_all_administrations() {
            sqlx::query_as("SELECT id, account_id, name FROM administrations WHERE account_id = $1 ORDER BY name")
                .bind(account_id)
        } else {
            sqlx::query_as(
                "SELECT ad.id, ad.account_id, ad.name FROM administrations ad \
                 JOIN user_administrations ua ON ua.administration_id = ad.id AND ua.account_id = ad.account_id \
                 WHERE ad.account_id = $1 AND ua.user_id = $2 ORDER BY ad.name",
            )
            .bind(account_id)
            .bind(user_id)
        };
        Ok(query.fetch_all(self.pool()).await?)
    }
}

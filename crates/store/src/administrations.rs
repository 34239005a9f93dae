//! Administrations: named sets of books that access rights point at.

use portcullis_core::Timestamp;
use portcullis_core::user::UserKind;

use crate::{Store, StoreError, changed};

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

    /// One administration, if the user may use it: any of the account's for administrators and
    /// accountants, a granted one for employees. Otherwise `None`, exactly as if it did not
    /// exist.
    pub async fn administration_for(
        &self,
        account_id: &str,
        user_id: &str,
        kind: UserKind,
        administration_id: &str,
    ) -> Result<Option<AdministrationRow>, StoreError> {
        let query = if kind.sees_all_administrations() {
            sqlx::query_as(
                "SELECT id, account_id, name FROM administrations WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id)
            .bind(administration_id)
        } else {
            sqlx::query_as(
                "SELECT ad.id, ad.account_id, ad.name FROM administrations ad \
                 JOIN user_administrations ua ON ua.administration_id = ad.id AND ua.account_id = ad.account_id \
                 WHERE ad.account_id = $1 AND ad.id = $2 AND ua.user_id = $3",
            )
            .bind(account_id)
            .bind(administration_id)
            .bind(user_id)
        };
        Ok(query.fetch_optional(self.pool()).await?)
    }

    /// Replaces the administrations granted to a user, in one transaction. Every id must be an
    /// administration of the same account, else nothing changes and the result is `NotFound`.
    pub async fn set_granted_administrations(
        &self,
        account_id: &str,
        user_id: &str,
        administration_ids: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.set_granted_administrations(account_id, user_id, administration_ids)
            .await?;
        tx.commit().await
    }

    /// The employees granted an administration, by username (administrators and accountants
    /// use every administration and are not listed).
    pub async fn employees_granted(
        &self,
        account_id: &str,
        administration_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.username, u.name FROM users u \
             JOIN user_administrations ua ON ua.user_id = u.id AND ua.account_id = u.account_id \
             WHERE u.account_id = $1 AND ua.administration_id = $2 AND u.kind = 'employee' \
             ORDER BY u.username_key",
        )
        .bind(account_id)
        .bind(administration_id)
        .fetch_all(self.pool())
        .await?)
    }
}

crate::tx::both! {
    /// Creates an administration.
    pub async fn create_administration(
        &self,
        id: &str,
        account_id: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query("INSERT INTO administrations (id, account_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(account_id)
            .bind(name)
            .bind(now.millis())
            .execute(e)
            .await?;
        Ok(())
    }
}

crate::tx::both! {
    /// Renames an administration of the account.
    pub async fn rename_administration(
        &self,
        account_id: &str,
        administration_id: &str,
        name: &str,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("UPDATE administrations SET name = $1 WHERE account_id = $2 AND id = $3")
                .bind(name)
                .bind(account_id)
                .bind(administration_id)
                .execute(e)
                .await,
        )
    }
}

impl crate::Tx {
    /// Replaces the administrations granted to a user, in one transaction. Every id must be an
    /// administration of the same account, else nothing changes and the result is `NotFound`.
    pub async fn set_granted_administrations(
        &mut self,
        account_id: &str,
        user_id: &str,
        administration_ids: &[String],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM user_administrations WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        for administration_id in administration_ids {
            let done = sqlx::query(
                "INSERT INTO user_administrations (account_id, user_id, administration_id) \
                 SELECT $1, u.id, ad.id FROM users u JOIN administrations ad ON ad.account_id = u.account_id \
                 WHERE u.account_id = $1 AND u.id = $2 AND ad.id = $3 \
                 ON CONFLICT (user_id, administration_id) DO NOTHING",
            )
            .bind(account_id)
            .bind(user_id)
            .bind(administration_id)
            .execute(&mut *self.inner)
            .await?;
            if done.rows_affected() == 0 {
                // Either foreign/unknown, or a duplicate in the list: tell them apart.
                let (exists,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM administrations WHERE account_id = $1 AND id = $2",
                )
                .bind(account_id)
                .bind(administration_id)
                .fetch_one(&mut *self.inner)
                .await?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
            }
        }
        Ok(())
    }
}

crate::tx::both! {
    /// The ids of the administrations granted to a user.
    pub async fn granted_administrations(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<String>, StoreError> [e] {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT administration_id FROM user_administrations WHERE account_id = $1 AND user_id = $2",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_all(e)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

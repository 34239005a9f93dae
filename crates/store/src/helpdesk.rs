//! Helpdesk grants.

use portcullis_core::Timestamp;

use crate::{Store, StoreError};

/// An account's grant to the helpdesk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpdeskGrant {
    /// Who granted it (their audit name).
    pub granted_by: String,
    /// When.
    pub granted_at: Timestamp,
    /// Until when it lasts.
    pub expires_at: Timestamp,
}

crate::tx::both! {
    /// Grants (or renews) the helpdesk's access to an account until `expires_at`.
    pub async fn grant_helpdesk(
        &self,
        account_id: &str,
        granted_by: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO helpdesk_grants (account_id, granted_by, granted_at, expires_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id) DO UPDATE SET granted_by = $2, granted_at = $3, expires_at = $4",
        )
        .bind(account_id)
        .bind(granted_by)
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(e)
        .await?;
        Ok(())
    }
}

crate::tx::both! {
    /// Ends the helpdesk's access to an account; whether there was a grant to end.
    pub async fn revoke_helpdesk(&self, account_id: &str) -> Result<bool, StoreError> [e] {
        let done = sqlx::query("DELETE FROM helpdesk_grants WHERE account_id = $1")
            .bind(account_id)
            .execute(e)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Store {
    /// The account's grant, if it has one (active or expired: the caller asks the rule).
    pub async fn helpdesk_grant(
        &self,
        account_id: &str,
    ) -> Result<Option<HelpdeskGrant>, StoreError> {
        let found: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT granted_by, granted_at, expires_at FROM helpdesk_grants WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(
            found.map(|(granted_by, granted_at, expires_at)| HelpdeskGrant {
                granted_by,
                granted_at: Timestamp(granted_at),
                expires_at: Timestamp(expires_at),
            }),
        )
    }
}

/// An account the helpdesk may see now, with when its grant ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedAccount {
    /// The account's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When the grant ends.
    pub expires_at: Timestamp,
}

impl Store {
    /// The accounts whose grant is active at `now` and whose name contains `search` (any case) or
    /// whose security code has the blind index `code_index`; every one for an empty search.
    pub async fn accounts_with_active_grant(
        &self,
        search: &str,
        code_index: &str,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<GrantedAccount>, StoreError> {
        let found: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.name, g.expires_at FROM accounts a \
             JOIN helpdesk_grants g ON g.account_id = a.id \
             WHERE g.expires_at > $1 \
               AND ($2 = '%%' OR lower(a.name) LIKE $2 ESCAPE '\\' OR a.security_code_index = $3) \
             ORDER BY lower(a.name), a.id LIMIT $4",
        )
        .bind(now.millis())
        .bind(crate::users::like_pattern(search.trim()))
        .bind(code_index)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|(id, name, expires_at)| GrantedAccount {
                id,
                name,
                expires_at: Timestamp(expires_at),
            })
            .collect())
    }
}

impl crate::Tx {
    /// Deletes every passkey of a user; how many there were.
    pub async fn delete_passkeys_of_user(
        &mut self,
        account_id: &str,
        user_id: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM passkeys WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected())
    }
}

//! Single-use links, stored as hashes, consumed atomically.

use portcullis_core::Timestamp;

use crate::{Store, StoreError};

/// What a single-use token is for. A token of one purpose is useless for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Choose a first password (new administrator or invited user).
    SetPassword,
    /// Choose a new password after "Forgot password".
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::SetPassword => "set_password",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

impl Store {
    /// The `(account_id, user_id)` of a token that is unused and unexpired, without using it
    /// (for showing the form the link leads to).
    pub async fn peek_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT account_id, user_id FROM single_use_tokens \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now.millis())
        .fetch_optional(self.pool())
        .await?)
    }

    /// Issues a new token of this purpose to a user unless one was issued less than `min_gap`
    /// ago and is still usable; older unused tokens of the purpose stop working. Returns whether
    /// a token was issued. The user's row is locked for the check, so concurrent requests (also
    /// on other processes) issue at most one.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_token_unless_recent(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        account_id: &str,
        user_id: &str,
        now: Timestamp,
        expires_at: Timestamp,
        min_gap: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = tx
            .issue_token_unless_recent(
                token_hash, purpose, account_id, user_id, now, expires_at, min_gap,
            )
            .await?;
        tx.commit().await?;
        Ok(done)
    }
}

crate::tx::both! {
    /// Makes every unused token of this purpose of a user unusable (a new link replaces the old
    /// ones; a password change voids pending resets).
    pub async fn void_tokens(
        &self,
        account_id: &str,
        user_id: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<u64, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE single_use_tokens SET used_at = $1 \
             WHERE account_id = $2 AND user_id = $3 AND purpose = $4 AND used_at IS NULL",
        )
        .bind(now.millis())
        .bind(account_id)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(e)
        .await?;
        Ok(done.rows_affected())
    }
}

crate::tx::both! {
    /// Stores a token's hash.
    pub async fn insert_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        account_id: &str,
        user_id: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO single_use_tokens (token_hash, purpose, account_id, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(account_id)
        .bind(user_id)
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(e)
        .await?;
        Ok(())
    }
}

crate::tx::both! {
    /// Uses a token: succeeds for exactly one caller, even across processes.
    pub async fn take_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<(String, String)>, StoreError> [e] {
        Ok(sqlx::query_as(
            "UPDATE single_use_tokens SET used_at = $3 \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
             RETURNING account_id, user_id",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now.millis())
        .fetch_optional(e)
        .await?)
    }
}

impl crate::Tx {
    /// Issues a new token of this purpose to a user unless one was issued less than `min_gap`
    /// ago and is still usable; older unused tokens of the purpose stop working. Returns whether
    /// a token was issued. The user's row is locked for the check, so concurrent requests (also
    /// on other processes) issue at most one.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_token_unless_recent(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        account_id: &str,
        user_id: &str,
        now: Timestamp,
        expires_at: Timestamp,
        min_gap: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let locked =
            sqlx::query("UPDATE users SET disabled = disabled WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *self.inner)
                .await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let (recent,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM single_use_tokens \
             WHERE account_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL \
               AND expires_at > $4 AND created_at > $5",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now.millis())
        .bind(now.minus(min_gap).millis())
        .fetch_one(&mut *self.inner)
        .await?;
        if recent > 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE single_use_tokens SET used_at = $1 \
             WHERE account_id = $2 AND user_id = $3 AND purpose = $4 AND used_at IS NULL",
        )
        .bind(now.millis())
        .bind(account_id)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *self.inner)
        .await?;
        sqlx::query(
            "INSERT INTO single_use_tokens (token_hash, purpose, account_id, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(account_id)
        .bind(user_id)
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(&mut *self.inner)
        .await?;
        Ok(true)
    }
}

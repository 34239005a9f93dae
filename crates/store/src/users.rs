//! Users.

use portcullis_core::Timestamp;
use portcullis_core::user::{User, UserKind};

use crate::{Store, StoreError, changed, flag, unique_violation};

/// A user as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Random id.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// As chosen.
    pub username: String,
    /// Where mail goes.
    pub email: String,
    /// `administrator`, `accountant` or `employee`.
    pub kind: String,
    /// 0 or 1.
    pub disabled: i64,
    /// ms, or none.
    pub employment_ends_at: Option<i64>,
    /// PHC string, or none until set.
    pub password_hash: Option<String>,
    /// ms.
    pub created_at: i64,
    /// ms, or none.
    pub last_login_at: Option<i64>,
}

impl UserRow {
    /// The domain's view of the row. An unknown kind (impossible under the CHECK constraint) is
    /// read as the least privileged kind.
    pub fn into_user(self) -> User {
        User {
            kind: UserKind::parse(&self.kind).unwrap_or(UserKind::Employee),
            id: self.id,
            account_id: self.account_id,
            username: self.username,
            email: self.email,
            disabled: flag(self.disabled),
            employment_ends_at: self.employment_ends_at.map(Timestamp),
            password_hash: self.password_hash,
            created_at: Timestamp(self.created_at),
            last_login_at: self.last_login_at.map(Timestamp),
        }
    }
}

/// A user found by username at login, with what the first factor needs from the account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginCandidate {
    /// The user.
    #[sqlx(flatten)]
    pub user: UserRow,
    /// The account's name (for messages).
    pub account_name: String,
    /// The account's encrypted security code.
    pub security_code_enc: String,
}

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Random id.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// Checked by the domain already.
    pub username: String,
    /// Checked by the domain already.
    pub email: String,
    /// What the user may do.
    pub kind: UserKind,
    /// The password's hash, or none to send a set-password link.
    pub password_hash: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
}

const USER_COLUMNS: &str = "u.id, u.account_id, u.username, u.email, u.kind, u.disabled, \
    u.employment_ends_at, u.password_hash, u.created_at, u.last_login_at";

pub(crate) async fn insert_user<'c, E>(executor: E, user: &NewUser) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO users (id, account_id, username, username_key, email, kind, disabled, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
    )
    .bind(&user.id)
    .bind(&user.account_id)
    .bind(&user.username)
    .bind(portcullis_core::username::key(&user.username))
    .bind(&user.email)
    .bind(user.kind.as_str())
    .bind(user.password_hash.clone())
    .bind(user.created_at.millis())
    .execute(executor)
    .await
    .map_err(|e| unique_violation(e, StoreError::UsernameTaken))?;
    Ok(())
}

impl Store {
    /// Creates a user in an existing account.
    pub async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
        if self.account(&user.account_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        insert_user(self.pool(), user).await
    }

    /// The user with this username (any case) and their account's login data, if any.
    pub async fn login_candidate(
        &self,
        typed_username: &str,
    ) -> Result<Option<LoginCandidate>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, a.name AS account_name, a.security_code_enc \
             FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.username_key = $1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(portcullis_core::username::key(typed_username))
            .fetch_optional(self.pool())
            .await?)
    }

    /// One user of one account; a user of another account is not found.
    pub async fn user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.id = $2");
        Ok(sqlx::query_as(&sql)
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// The user with this username (any case), in any account. For the command line.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_key = $1");
        Ok(sqlx::query_as(&sql)
            .bind(portcullis_core::username::key(username))
            .fetch_optional(self.pool())
            .await?)
    }

    /// Stores a new password hash.
    pub async fn set_password_hash(
        &self,
        account_id: &str,
        user_id: &str,
        hash: &str,
    ) -> Result<(), StoreError> {
        changed(
            sqlx::query("UPDATE users SET password_hash = $1 WHERE account_id = $2 AND id = $3")
                .bind(hash)
                .bind(account_id)
                .bind(user_id)
                .execute(self.pool())
                .await,
        )
    }

    /// Records a successful login.
    pub async fn record_login(
        &self,
        account_id: &str,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE account_id = $2 AND id = $3")
            .bind(now.millis())
            .bind(account_id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deactivates or reactivates a user.
    pub async fn set_user_disabled(
        &self,
        account_id: &str,
        user_id: &str,
        disabled: bool,
    ) -> Result<(), StoreError> {
        changed(
            sqlx::query("UPDATE users SET disabled = $1 WHERE account_id = $2 AND id = $3")
                .bind(i64::from(disabled))
                .bind(account_id)
                .bind(user_id)
                .execute(self.pool())
                .await,
        )
    }

    /// Sets or clears the end of employment.
    pub async fn set_employment_end(
        &self,
        account_id: &str,
        user_id: &str,
        ends_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        changed(
            sqlx::query(
                "UPDATE users SET employment_ends_at = $1 WHERE account_id = $2 AND id = $3",
            )
            .bind(ends_at.map(Timestamp::millis))
            .bind(account_id)
            .bind(user_id)
            .execute(self.pool())
            .await,
        )
    }
}

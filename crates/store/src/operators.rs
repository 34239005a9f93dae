//! The helpdesk's operators and their sessions.

use portcullis_core::Timestamp;

use crate::{Store, StoreError, unique_violation};

/// An operator as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Random id.
    pub id: String,
    /// As chosen.
    pub username: String,
    /// Where their mail goes.
    pub email: String,
    /// The argon2id hash.
    pub password_hash: String,
    /// Disabled operators cannot log in.
    pub disabled: bool,
    /// The authenticator app's secret, encrypted (set once setup began).
    pub totp_secret_enc: Option<String>,
    /// When the app was confirmed: from then on it is required at every login.
    pub totp_confirmed_at: Option<Timestamp>,
    /// Wrong passwords and codes in a row.
    pub failures: i64,
}

#[derive(sqlx::FromRow)]
struct OperatorRecord {
    id: String,
    username: String,
    email: String,
    password_hash: String,
    disabled: i64,
    totp_secret_enc: Option<String>,
    totp_confirmed_at: Option<i64>,
    failures: i64,
}

impl From<OperatorRecord> for Operator {
    fn from(r: OperatorRecord) -> Operator {
        Operator {
            id: r.id,
            username: r.username,
            email: r.email,
            password_hash: r.password_hash,
            disabled: r.disabled != 0,
            totp_secret_enc: r.totp_secret_enc,
            totp_confirmed_at: r.totp_confirmed_at.map(Timestamp),
            failures: r.failures,
        }
    }
}

const OPERATOR_COLUMNS: &str = "id, username, email, password_hash, disabled, totp_secret_enc, \
    totp_confirmed_at, failures";

/// A live operator session with its operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    /// Public id.
    pub id: String,
    /// The per-session CSRF token.
    pub csrf_token: String,
    /// The second factor passed (or, for an operator who had none, was set up).
    pub verified: bool,
    /// Login time.
    pub created_at: Timestamp,
    /// Last request.
    pub last_seen_at: Timestamp,
    /// The operator.
    pub operator: Operator,
}

/// What a new operator is.
#[derive(Debug, Clone)]
pub struct NewOperator<'a> {
    /// Random id.
    pub id: &'a str,
    /// As chosen (checked by the caller).
    pub username: &'a str,
    /// Lowercased, for uniqueness.
    pub username_key: &'a str,
    /// Their address.
    pub email: &'a str,
    /// The argon2id hash.
    pub password_hash: &'a str,
    /// Creation time.
    pub now: Timestamp,
}

impl Store {
    /// Creates an operator; `UsernameTaken` when the username exists (any case).
    pub async fn create_operator(&self, o: &NewOperator<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operators (id, username, username_key, email, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(o.id)
        .bind(o.username)
        .bind(o.username_key)
        .bind(o.email)
        .bind(o.password_hash)
        .bind(o.now.millis())
        .execute(self.pool())
        .await
        .map_err(|e| unique_violation(e, StoreError::UsernameTaken))?;
        Ok(())
    }

    /// The operator with this username (any case).
    pub async fn operator_by_username(
        &self,
        username_key: &str,
    ) -> Result<Option<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE username_key = $1");
        let found: Option<OperatorRecord> = sqlx::query_as(&sql)
            .bind(username_key)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(Operator::from))
    }

    /// Disables (or enables) an operator and, when disabling, ends their sessions; whether there
    /// was one to change. Enabling also clears their failures (the command line's unlock).
    pub async fn set_operator_disabled(
        &self,
        username_key: &str,
        disabled: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE operators SET disabled = $1, failures = CASE WHEN $1 = 0 THEN 0 ELSE failures END \
             WHERE username_key = $2",
        )
        .bind(i64::from(disabled))
        .bind(username_key)
        .execute(&mut *tx.inner)
        .await?;
        if disabled {
            sqlx::query(
                "DELETE FROM operator_sessions WHERE operator_id IN \
                 (SELECT id FROM operators WHERE username_key = $1)",
            )
            .bind(username_key)
            .execute(&mut *tx.inner)
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes an operator's app and passkeys and ends their sessions (the command line's
    /// reset of lost factors); whether there was such an operator.
    pub async fn reset_operator_factors(&self, username_key: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE operators SET totp_secret_enc = NULL, totp_confirmed_at = NULL, \
             totp_last_step = NULL WHERE username_key = $1",
        )
        .bind(username_key)
        .execute(&mut *tx.inner)
        .await?;
        for table in ["operator_passkeys", "operator_sessions"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE operator_id IN \
                 (SELECT id FROM operators WHERE username_key = $1)"
            ))
            .bind(username_key)
            .execute(&mut *tx.inner)
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Counts a wrong password or code; the count after it.
    pub async fn operator_failed(&self, operator_id: &str) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "UPDATE operators SET failures = failures + 1 WHERE id = $1 RETURNING failures",
        )
        .bind(operator_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Clears the failure count after a login that passed.
    pub async fn operator_succeeded(&self, operator_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE operators SET failures = 0 WHERE id = $1")
            .bind(operator_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a new, unconfirmed authenticator secret (setup began).
    pub async fn set_operator_totp(
        &self,
        operator_id: &str,
        secret_enc: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE operators SET totp_secret_enc = $1, totp_confirmed_at = NULL WHERE id = $2 \
             AND totp_confirmed_at IS NULL",
        )
        .bind(secret_enc)
        .bind(operator_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Uses time step `step` of the operator's app, once: false when it (or a later one) was
    /// used already. Confirms the app when it was not yet. One statement, so two requests with
    /// the same code cannot both pass.
    pub async fn use_operator_step(
        &self,
        operator_id: &str,
        step: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE operators SET totp_last_step = $1, \
               totp_confirmed_at = COALESCE(totp_confirmed_at, $3), failures = 0 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(operator_id)
        .bind(now.millis())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Starts an operator session (verified or waiting for the second factor).
    pub async fn start_operator_session(
        &self,
        token_hash: &str,
        id: &str,
        operator_id: &str,
        csrf_token: &str,
        verified: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operator_sessions (token_hash, id, operator_id, csrf_token, verified, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(token_hash)
        .bind(id)
        .bind(operator_id)
        .bind(csrf_token)
        .bind(i64::from(verified))
        .bind(now.millis())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The session behind a token hash, with its operator.
    pub async fn operator_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<OperatorSession>, StoreError> {
        let sql = format!(
            "SELECT s.id AS session_id, s.csrf_token, s.verified, s.created_at, s.last_seen_at, \
                    {cols} \
             FROM operator_sessions s JOIN operators o ON o.id = s.operator_id \
             WHERE s.token_hash = $1",
            cols = OPERATOR_COLUMNS
                .split(", ")
                .map(|c| format!("o.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            session_id: String,
            csrf_token: String,
            verified: i64,
            created_at: i64,
            last_seen_at: i64,
            #[sqlx(flatten)]
            operator: OperatorRecord,
        }
        let found: Option<Row> = sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(|r| OperatorSession {
            id: r.session_id,
            csrf_token: r.csrf_token,
            verified: r.verified != 0,
            created_at: Timestamp(r.created_at),
            last_seen_at: Timestamp(r.last_seen_at),
            operator: r.operator.into(),
        }))
    }

    /// Marks a session's second factor as passed, under a new token (the old one stops working).
    pub async fn verify_operator_session(
        &self,
        old_token_hash: &str,
        new_token_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE operator_sessions SET token_hash = $1, verified = 1, last_seen_at = $3 \
             WHERE token_hash = $2",
        )
        .bind(new_token_hash)
        .bind(old_token_hash)
        .bind(now.millis())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a request of an operator session.
    pub async fn touch_operator_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE operator_sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now.millis())
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends an operator session.
    pub async fn end_operator_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM operator_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl Store {
    /// A user by id alone, whatever their account: for the command line of whoever runs the
    /// server, never for a request.
    pub async fn user_by_id(
        &self,
        user_id: &str,
    ) -> Result<Option<portcullis_core::user::User>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users u WHERE u.id = $1",
            crate::users::USER_COLUMNS
        );
        let found: Option<crate::users::UserRecord> = sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(portcullis_core::user::User::from))
    }
}

/// An operator's passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorPasskey {
    /// Random id.
    pub id: String,
    /// webauthn-rs's passkey (public data).
    pub passkey_json: String,
    /// As named.
    pub name: String,
}

impl Store {
    /// Stores an operator's new passkey; `AlreadyRegistered` when the credential exists.
    pub async fn insert_operator_passkey(
        &self,
        id: &str,
        operator_id: &str,
        credential_id: &str,
        passkey_json: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operator_passkeys (id, operator_id, credential_id, passkey_json, name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(operator_id)
        .bind(credential_id)
        .bind(passkey_json)
        .bind(name)
        .bind(now.millis())
        .execute(self.pool())
        .await
        .map_err(|e| unique_violation(e, StoreError::AlreadyRegistered))?;
        Ok(())
    }

    /// An operator's passkeys.
    pub async fn operator_passkeys(
        &self,
        operator_id: &str,
    ) -> Result<Vec<OperatorPasskey>, StoreError> {
        let found: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, passkey_json, name FROM operator_passkeys WHERE operator_id = $1 ORDER BY created_at",
        )
        .bind(operator_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|(id, passkey_json, name)| OperatorPasskey {
                id,
                passkey_json,
                name,
            })
            .collect())
    }

    /// Records a use of an operator's passkey: its new state, only when its counter moved
    /// forward (or both are zero, as synced passkeys report); `false` otherwise.
    pub async fn record_operator_passkey_use(
        &self,
        id: &str,
        passkey_json: &str,
        counter: u32,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE operator_passkeys SET passkey_json = $1, sign_count = $2 \
             WHERE id = $3 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))",
        )
        .bind(passkey_json)
        .bind(i64::from(counter))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

//! Server-side sessions, looked up by the SHA-256 of the cookie's token.

use portcullis_core::Timestamp;

use crate::{Store, StoreError, changed, flag};

/// A live session with what every authenticated request needs about its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Public id of the session.
    pub id: String,
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// The per-session CSRF token.
    pub csrf_token: String,
    /// Login time, ms.
    pub created_at: i64,
    /// Last request, ms (refreshed at most once a minute).
    pub last_seen_at: i64,
    /// Last login or re-authentication, ms.
    pub reauth_at: i64,
    /// Where the login came from.
    pub ip: String,
    /// The browser at login.
    pub user_agent: String,
    /// The user's username.
    pub username: String,
    /// The user's kind.
    pub kind: String,
    /// 0 or 1: deactivated users' sessions are refused at once.
    pub disabled: i64,
    /// ms, or none.
    pub employment_ends_at: Option<i64>,
    /// The account's name.
    pub account_name: String,
    /// 0 or 1: the account enforces two-factor authentication.
    pub enforce_two_factor: i64,
    /// 1 when the user has a confirmed authenticator app.
    pub totp_confirmed: i64,
    /// How many passkeys the user has.
    pub passkeys: i64,
}

impl SessionRow {
    /// Whether the user was deactivated after this session began.
    pub fn user_disabled(&self) -> bool {
        flag(self.disabled)
    }
}

/// A session as listed on the user's security tab (no token, not even hashed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionListRow {
    /// Public id.
    pub id: String,
    /// Login time, ms.
    pub created_at: i64,
    /// Last request, ms.
    pub last_seen_at: i64,
    /// Where the login came from.
    pub ip: String,
    /// The browser at login.
    pub user_agent: String,
}

/// What a new session stores.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the token in the cookie.
    pub token_hash: &'a str,
    /// Public id.
    pub id: &'a str,
    /// The user's account.
    pub account_id: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// The per-session CSRF token.
    pub csrf_token: &'a str,
    /// Login time.
    pub now: Timestamp,
    /// Client IP address.
    pub ip: &'a str,
    /// Client user agent (truncated by the caller).
    pub user_agent: &'a str,
}

impl Store {
    /// Stores a new session.
    pub async fn insert_session(&self, s: &NewSession<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, id, account_id, user_id, csrf_token, created_at, last_seen_at, reauth_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, $8)",
        )
        .bind(s.token_hash)
        .bind(s.id)
        .bind(s.account_id)
        .bind(s.user_id)
        .bind(s.csrf_token)
        .bind(s.now.millis())
        .bind(s.ip)
        .bind(s.user_agent)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The session whose token hashes to `token_hash`, joined with its user and account: one
    /// indexed query per authenticated request.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.account_id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.reauth_at, s.ip, s.user_agent, \
                    u.username, u.kind, u.disabled, u.employment_ends_at, a.name AS account_name, a.enforce_two_factor, \
                    (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = s.user_id AND t.confirmed_at IS NOT NULL) AS totp_confirmed, \
                    (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = s.user_id) AS passkeys \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Records activity on a session.
    pub async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now.millis())
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends one session (logout, expiry).
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends every session of a user; returns how many there were.
    pub async fn delete_sessions_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Removes sessions that can no longer be valid (periodic housekeeping).
    pub async fn delete_sessions_older_than(
        &self,
        created_before: Timestamp,
        seen_before: Timestamp,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2")
            .bind(created_before.millis())
            .bind(seen_before.millis())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// A user's sessions, most recently active first.
    pub async fn sessions_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<SessionListRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions \
             WHERE account_id = $1 AND user_id = $2 ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Ends one of a user's sessions by its public id; `NotFound` when it is not theirs.
    pub async fn delete_session_by_id(
        &self,
        account_id: &str,
        user_id: &str,
        session_id: &str,
    ) -> Result<(), StoreError> {
        changed(
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND id = $3")
                .bind(account_id)
                .bind(user_id)
                .bind(session_id)
                .execute(self.pool())
                .await,
        )
    }

    /// Ends every session of a user except one; returns how many ended.
    pub async fn delete_other_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        keep_session_id: &str,
    ) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND id <> $3")
                .bind(account_id)
                .bind(user_id)
                .bind(keep_session_id)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected())
    }

    /// Records a re-authentication and gives the session a new token (so a token seen before
    /// the user proved themselves again is worth nothing afterwards).
    pub async fn reauthenticate_session(
        &self,
        old_token_hash: &str,
        new_token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        changed(
            sqlx::query(
                "UPDATE sessions SET token_hash = $1, reauth_at = $2, last_seen_at = $2 WHERE token_hash = $3",
            )
            .bind(new_token_hash)
            .bind(now.millis())
            .bind(old_token_hash)
            .execute(self.pool())
            .await,
        )
    }

    /// How many sessions a user has (for tests and the security page).
    pub async fn count_sessions_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND user_id = $2")
                .bind(account_id)
                .bind(user_id)
                .fetch_one(self.pool())
                .await?;
        Ok(n)
    }
}

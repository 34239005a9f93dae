//! Authenticator apps (TOTP), recovery codes, partial logins waiting for a code or an IP
//! confirmation, and the per-user IP address facts the login reads.

use portcullis_core::Timestamp;

use crate::{Store, StoreError, changed};

/// A user's authenticator app as stored.
#[derive(Debug, Clone)]
pub struct TotpRow {
    /// Encrypted secret.
    pub secret_enc: String,
    /// When a first valid code confirmed it; `None` while enrolling.
    pub confirmed_at: Option<Timestamp>,
    /// The last accepted time step.
    pub last_step: i64,
    /// The window of the latest wrong codes.
    pub window_step: i64,
    /// Wrong codes in that window.
    pub window_failures: i64,
}

/// A row of [`TotpRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct TotpRowRecord {
    secret_enc: String,
    confirmed_at: Option<i64>,
    last_step: i64,
    window_step: i64,
    window_failures: i64,
}

impl From<TotpRowRecord> for TotpRow {
    fn from(r: TotpRowRecord) -> TotpRow {
        TotpRow {
            secret_enc: r.secret_enc,
            confirmed_at: r.confirmed_at.map(Timestamp),
            last_step: r.last_step,
            window_step: r.window_step,
            window_failures: r.window_failures,
        }
    }
}

/// A partial login waiting for a second factor.
#[derive(Debug, Clone)]
pub struct PendingLoginRow {
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// When.
    pub expires_at: Timestamp,
    /// Wrong codes so far.
    pub failures: i64,
    /// What it waits for: [`PendingStage`] spelled out.
    pub stage: String,
    /// Where the login came from.
    pub ip: String,
    /// The browser.
    pub user_agent: String,
}

/// A row of [`PendingLoginRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PendingLoginRowRecord {
    account_id: String,
    user_id: String,
    expires_at: i64,
    failures: i64,
    stage: String,
    ip: String,
    user_agent: String,
}

impl From<PendingLoginRowRecord> for PendingLoginRow {
    fn from(r: PendingLoginRowRecord) -> PendingLoginRow {
        PendingLoginRow {
            account_id: r.account_id,
            user_id: r.user_id,
            expires_at: Timestamp(r.expires_at),
            failures: r.failures,
            stage: r.stage,
            ip: r.ip,
            user_agent: r.user_agent,
        }
    }
}

/// What a partial login waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingStage {
    /// The authenticator app's code (or a recovery code).
    Totp,
    /// Email confirmation of a new IP address.
    Ip,
}

impl PendingStage {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingStage::Totp => "totp",
            PendingStage::Ip => "ip",
        }
    }
}

/// What the login knows about an IP address for a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IpFactsRow {
    /// `pending`, `validated` or `blocked`.
    pub status: String,
    /// ms, or none.
    pub last_two_factor_at: Option<i64>,
}

impl Store {
    /// The user's authenticator app, confirmed or not.
    pub async fn totp(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Option<TotpRow>, StoreError> {
        Ok(sqlx::query_as::<_, TotpRowRecord>(
            "SELECT secret_enc, confirmed_at, last_step, window_step, window_failures \
             FROM totp_credentials WHERE account_id = $1 AND user_id = $2",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?
        .map(TotpRow::from))
    }

    /// Starts (or restarts) an enrollment with a new, unconfirmed secret. A confirmed app is
    /// never replaced this way.
    pub async fn begin_totp_enrollment(
        &self,
        account_id: &str,
        user_id: &str,
        secret_enc: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO totp_credentials (user_id, account_id, secret_enc, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET secret_enc = $3, created_at = $4, last_step = -1, \
               window_step = -1, window_failures = 0 \
             WHERE totp_credentials.confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(account_id)
        .bind(secret_enc)
        .bind(now.millis())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Claims a code attempt in the 30-second window of `step` before the code is checked: counts
    /// it when fewer than `max` were claimed in that window (a new window starts at 1) and
    /// returns the count, or `None` when the window is full (or the user has no confirmed app).
    /// One conditional statement; accepting a code ([`Store::use_totp_step`]) resets the count.
    pub async fn claim_totp_attempt(
        &self,
        account_id: &str,
        user_id: &str,
        step: u64,
        max: u32,
    ) -> Result<Option<u32>, StoreError> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let row: Option<(i64,)> = sqlx::query_as(
            "UPDATE totp_credentials SET \
               window_failures = CASE WHEN window_step = $1 THEN window_failures + 1 ELSE 1 END, \
               window_step = $1 \
             WHERE account_id = $2 AND user_id = $3 AND confirmed_at IS NOT NULL \
               AND (window_step <> $1 OR window_failures < $4) RETURNING window_failures",
        )
        .bind(step)
        .bind(account_id)
        .bind(user_id)
        .bind(i64::from(max))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(n,)| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    /// Replaces a user's recovery codes with new ones (hashes), in one transaction.
    pub async fn replace_recovery_codes(
        &self,
        account_id: &str,
        user_id: &str,
        code_hashes: &[String],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.replace_recovery_codes(account_id, user_id, code_hashes, now)
            .await?;
        tx.commit().await
    }

    /// Uses a recovery code: succeeds for exactly one caller.
    pub async fn use_recovery_code(
        &self,
        account_id: &str,
        user_id: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE account_id = $2 AND user_id = $3 AND code_hash = $4 AND used_at IS NULL",
        )
        .bind(now.millis())
        .bind(account_id)
        .bind(user_id)
        .bind(code_hash)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many unused recovery codes a user has.
    pub async fn unused_recovery_codes(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND user_id = $2 AND used_at IS NULL",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Stores a partial login.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_pending_login(
        &self,
        token_hash: &str,
        account_id: &str,
        user_id: &str,
        now: Timestamp,
        expires_at: Timestamp,
        ip: &str,
        user_agent: &str,
        stage: PendingStage,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pending_logins (token_hash, account_id, user_id, created_at, expires_at, ip, user_agent, stage) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(user_id)
        .bind(now.millis())
        .bind(expires_at.millis())
        .bind(ip)
        .bind(user_agent)
        .bind(stage.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// An unexpired partial login waiting for `stage`.
    pub async fn pending_login(
        &self,
        token_hash: &str,
        stage: PendingStage,
        now: Timestamp,
    ) -> Result<Option<PendingLoginRow>, StoreError> {
        Ok(sqlx::query_as::<_, PendingLoginRowRecord>(
            "SELECT account_id, user_id, expires_at, failures, stage, ip, user_agent FROM pending_logins \
             WHERE token_hash = $1 AND stage = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(stage.as_str())
        .bind(now.millis())
        .fetch_optional(self.pool())
        .await?.map(PendingLoginRow::from))
    }

    /// Claims a code attempt on a partial login before the code is checked: counts it when fewer
    /// than `max` were made and returns the new count, or `None` when the login has used its
    /// attempts (or is gone). One conditional statement.
    pub async fn claim_pending_attempt(
        &self,
        token_hash: &str,
        max: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "UPDATE pending_logins SET failures = failures + 1 WHERE token_hash = $1 AND failures < $2 RETURNING failures",
        )
        .bind(token_hash)
        .bind(max)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(n,)| n))
    }

    /// Ends a partial login (completed, abandoned or failed too often); `true` for the one
    /// caller that ended it.
    pub async fn take_pending_login(&self, token_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM pending_logins WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The user's record of an IP address, if any.
    pub async fn ip_facts(
        &self,
        account_id: &str,
        user_id: &str,
        ip: &str,
    ) -> Result<Option<IpFactsRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT status, last_two_factor_at FROM ip_addresses WHERE account_id = $1 AND user_id = $2 AND ip = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ip)
        .fetch_optional(self.pool())
        .await?)
    }
}

impl Store {
    /// Removes a user's authenticator app and recovery codes (turned off, or reset by an
    /// administrator).
    pub async fn delete_totp(&self, account_id: &str, user_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.delete_totp(account_id, user_id).await?;
        tx.commit().await
    }
}

impl crate::Tx {
    /// Removes a user's authenticator app and recovery codes, in this unit of work.
    pub async fn delete_totp(&mut self, account_id: &str, user_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM totp_credentials WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}

crate::tx::both! {
    /// Sets the account's two-factor switches.
    pub async fn set_two_factor_policy(
        &self,
        account_id: &str,
        enforce: bool,
        limit_validity: bool,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query(
                "UPDATE accounts SET enforce_two_factor = $1, limit_two_factor_validity = $2 WHERE id = $3",
            )
            .bind(i64::from(enforce))
            .bind(i64::from(limit_validity))
            .bind(account_id)
            .execute(e)
            .await,
        )
    }
}

crate::tx::both! {
    /// Sets the user's "remember on known IP addresses" option.
    pub async fn set_remember_two_factor(
        &self,
        account_id: &str,
        user_id: &str,
        remember: bool,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query(
                "UPDATE users SET remember_two_factor = $1 WHERE account_id = $2 AND id = $3",
            )
            .bind(i64::from(remember))
            .bind(account_id)
            .bind(user_id)
            .execute(e)
            .await,
        )
    }
}

crate::tx::both! {
    /// Accepts the code of `step`: succeeds only if it is later than every step accepted before
    /// for this user — one statement, so a code is used once even across server processes.
    /// With `confirm`, also marks an enrollment as confirmed.
    pub async fn use_totp_step(
        &self,
        account_id: &str,
        user_id: &str,
        step: u64,
        confirm: Option<Timestamp>,
    ) -> Result<bool, StoreError> [e] {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let done = sqlx::query(
            "UPDATE totp_credentials SET last_step = $1, confirmed_at = COALESCE(confirmed_at, $2), \
               window_failures = 0 \
             WHERE account_id = $3 AND user_id = $4 AND last_step < $1",
        )
        .bind(step)
        .bind(confirm.map(Timestamp::millis))
        .bind(account_id)
        .bind(user_id)
        .execute(e)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that two-factor authentication was passed from an IP address (creating the record
    /// as pending when the address is new to this user).
    pub async fn record_two_factor_from_ip(
        &self,
        account_id: &str,
        user_id: &str,
        ip: &str,
        user_agent: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO ip_addresses (account_id, user_id, ip, status, first_seen_at, last_seen_at, last_user_agent, last_two_factor_at) \
             VALUES ($1, $2, $3, 'pending', $4, $4, $5, $4) \
             ON CONFLICT (user_id, ip) DO UPDATE SET last_seen_at = $4, last_user_agent = $5, last_two_factor_at = $4",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ip)
        .bind(now.millis())
        .bind(user_agent)
        .execute(e)
        .await?;
        Ok(())
    }
}

impl crate::Tx {
    /// Replaces a user's recovery codes with new ones (hashes), in one transaction.
    pub async fn replace_recovery_codes(
        &mut self,
        account_id: &str,
        user_id: &str,
        code_hashes: &[String],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        for hash in code_hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, account_id, code_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(account_id)
            .bind(hash)
            .bind(now.millis())
            .execute(&mut *self.inner)
            .await?;
        }
        Ok(())
    }
}

//! Passkeys and WebAuthn ceremonies in progress.

use portcullis_core::Timestamp;

use crate::{Store, StoreError, changed, unique_violation};

/// A stored passkey.
#[derive(Debug, Clone)]
pub struct PasskeyRow {
    /// Our id.
    pub id: String,
    /// The owner's account.
    pub account_id: String,
    /// The owner.
    pub user_id: String,
    /// base64url credential id.
    pub credential_id: String,
    /// webauthn-rs's serialised `Passkey`.
    pub passkey_json: String,
    /// The user's name for it.
    pub name: String,
    /// The authenticator model's AAGUID.
    pub aaguid: String,
    /// may be synced (backed up).
    pub backup_eligible: bool,
    /// is synced now.
    pub backup_state: bool,
    /// The last signature counter seen.
    pub sign_count: i64,
    /// When.
    pub created_at: Timestamp,
    /// When, or never.
    pub last_used_at: Option<Timestamp>,
}

/// A row of [`PasskeyRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PasskeyRowRecord {
    id: String,
    account_id: String,
    user_id: String,
    credential_id: String,
    passkey_json: String,
    name: String,
    aaguid: String,
    backup_eligible: i64,
    backup_state: i64,
    sign_count: i64,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<PasskeyRowRecord> for PasskeyRow {
    fn from(r: PasskeyRowRecord) -> PasskeyRow {
        PasskeyRow {
            id: r.id,
            account_id: r.account_id,
            user_id: r.user_id,
            credential_id: r.credential_id,
            passkey_json: r.passkey_json,
            name: r.name,
            aaguid: r.aaguid,
            backup_eligible: crate::flag(r.backup_eligible),
            backup_state: crate::flag(r.backup_state),
            sign_count: r.sign_count,
            created_at: Timestamp(r.created_at),
            last_used_at: r.last_used_at.map(Timestamp),
        }
    }
}

/// What a new passkey is stored with.
#[derive(Debug, Clone)]
pub struct NewPasskey<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub user_id: &'a str,
    pub credential_id: &'a str,
    pub passkey_json: &'a str,
    pub name: &'a str,
    pub aaguid: &'a str,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub sign_count: u32,
    pub now: Timestamp,
}

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    /// Creating a passkey.
    Register,
    /// Logging in without a username.
    Login,
    /// Confirming a logged-in user (sudo mode).
    Reauth,
}

impl CeremonyPurpose {
    fn as_str(self) -> &'static str {
        match self {
            CeremonyPurpose::Register => "register",
            CeremonyPurpose::Login => "login",
            CeremonyPurpose::Reauth => "reauth",
        }
    }
}

const PASSKEY_COLUMNS: &str = "id, account_id, user_id, credential_id, passkey_json, name, aaguid, \
    backup_eligible, backup_state, sign_count, created_at, last_used_at";

impl Store {
    /// The user's WebAuthn user handle, made (random, once) when `new_handle` is given and there
    /// is none yet.
    pub async fn webauthn_handle(
        &self,
        account_id: &str,
        user_id: &str,
        new_handle: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        if let Some(handle) = new_handle {
            sqlx::query(
                "UPDATE users SET webauthn_id = $1 WHERE account_id = $2 AND id = $3 AND webauthn_id IS NULL",
            )
            .bind(handle)
            .bind(account_id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        }
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT webauthn_id FROM users WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|(h,)| h))
    }

    /// The user (account id, user id) with this WebAuthn user handle.
    pub async fn user_by_webauthn_handle(
        &self,
        handle: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT account_id, id FROM users WHERE webauthn_id = $1")
                .bind(handle)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// The user's passkeys, oldest first.
    pub async fn passkeys_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<PasskeyRow>, StoreError> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE account_id = $1 AND user_id = $2 ORDER BY created_at, id"
        );
        Ok(sqlx::query_as::<_, PasskeyRowRecord>(&sql)
            .bind(account_id)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(PasskeyRow::from)
            .collect())
    }

    /// The passkey with this credential id, whoever owns it.
    pub async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> Result<Option<PasskeyRow>, StoreError> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1");
        Ok(sqlx::query_as::<_, PasskeyRowRecord>(&sql)
            .bind(credential_id)
            .fetch_optional(self.pool())
            .await?
            .map(PasskeyRow::from))
    }

    /// Records a successful use: the new counter (only ever forward, so two processes racing
    /// cannot move it back), the flags, the time. `false` when the counter did not move forward
    /// although the authenticator counts (a cloned authenticator, or a replay that lost a race).
    pub async fn record_passkey_use(
        &self,
        passkey_id: &str,
        passkey_json: &str,
        sign_count: u32,
        backup_state: bool,
        backup_eligible: bool,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE passkeys SET passkey_json = $1, sign_count = $2, backup_state = $3, backup_eligible = $4, last_used_at = $5 \
             WHERE id = $6 AND (sign_count < $2 OR ($2 = 0 AND sign_count = 0))",
        )
        .bind(passkey_json)
        .bind(i64::from(sign_count))
        .bind(i64::from(backup_state))
        .bind(i64::from(backup_eligible))
        .bind(now.millis())
        .bind(passkey_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many passkeys each of the account's users has (for overviews).
    pub async fn passkey_counts(
        &self,
        account_id: &str,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT user_id, COUNT(*) FROM passkeys WHERE account_id = $1 GROUP BY user_id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Stores a ceremony's state until its answer comes (or it expires), unless `cap` ceremonies
    /// of this purpose are outstanding already: then nothing is stored and the answer is
    /// `false`. The count and the insert are one statement.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_ceremony(
        &self,
        id_hash: &str,
        purpose: CeremonyPurpose,
        user_id: &str,
        state_json: &str,
        now: Timestamp,
        expires_at: Timestamp,
        cap: u32,
    ) -> Result<bool, StoreError> {
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(self.pool())
            .await?;
        let done = sqlx::query(
            "INSERT INTO webauthn_ceremonies (id_hash, purpose, user_id, state_json, created_at, expires_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE \
               (SELECT COUNT(*) FROM webauthn_ceremonies WHERE purpose = $2 AND expires_at > $5) < $7",
        )
        .bind(id_hash)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(state_json)
        .bind(now.millis())
        .bind(expires_at.millis())
        .bind(i64::from(cap))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes a ceremony's state: once, before it expires, for the same purpose and user.
    pub async fn take_ceremony(
        &self,
        id_hash: &str,
        purpose: CeremonyPurpose,
        user_id: &str,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "DELETE FROM webauthn_ceremonies WHERE id_hash = $1 AND purpose = $2 AND user_id = $3 AND expires_at > $4 \
             RETURNING state_json",
        )
        .bind(id_hash)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(now.millis())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(s,)| s))
    }
}

crate::tx::both! {
    /// Renames one of the user's passkeys.
    pub async fn rename_passkey(
        &self,
        account_id: &str,
        user_id: &str,
        passkey_id: &str,
        name: &str,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query(
                "UPDATE passkeys SET name = $1 WHERE account_id = $2 AND user_id = $3 AND id = $4",
            )
            .bind(name)
            .bind(account_id)
            .bind(user_id)
            .bind(passkey_id)
            .execute(e)
            .await,
        )
    }
}

crate::tx::both! {
    /// Deletes one of the user's passkeys, unless `keep_one` and it is their last factor (no
    /// other passkey, no confirmed authenticator app) — checked in the same statement, so two
    /// deletions at once cannot both remove "not the last" one.
    pub async fn delete_passkey(
        &self,
        account_id: &str,
        user_id: &str,
        passkey_id: &str,
        keep_one: bool,
    ) -> Result<bool, StoreError> [e] {
        let done = sqlx::query(
            "DELETE FROM passkeys WHERE account_id = $1 AND user_id = $2 AND id = $3 \
             AND ($4 = 0 \
                  OR EXISTS (SELECT 1 FROM passkeys o WHERE o.user_id = $2 AND o.id <> $3) \
                  OR EXISTS (SELECT 1 FROM totp_credentials t WHERE t.user_id = $2 AND t.confirmed_at IS NOT NULL))",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(passkey_id)
        .bind(i64::from(keep_one))
        .execute(e)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

crate::tx::both! {
    /// Stores a new passkey.
    pub async fn insert_passkey(&self, p: &NewPasskey<'_>) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO passkeys (id, account_id, user_id, credential_id, passkey_json, name, aaguid, \
                                   backup_eligible, backup_state, sign_count, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(p.id)
        .bind(p.account_id)
        .bind(p.user_id)
        .bind(p.credential_id)
        .bind(p.passkey_json)
        .bind(p.name)
        .bind(p.aaguid)
        .bind(i64::from(p.backup_eligible))
        .bind(i64::from(p.backup_state))
        .bind(i64::from(p.sign_count))
        .bind(p.now.millis())
        .execute(e)
        .await
        .map_err(|e| unique_violation(e, StoreError::AlreadyRegistered))?;
        Ok(())
    }
}

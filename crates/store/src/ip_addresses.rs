//! IP address security: each user's IP address records, the emailed confirmations of new
//! addresses, the switches that govern them, and the IP addresses page.

use portcullis_core::Timestamp;
use portcullis_core::login::IpStatus;

use crate::{Store, StoreError, changed};

/// An emailed confirmation of a new IP address, looked up by its token.
#[derive(Debug, Clone)]
pub struct IpConfirmationRow {
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// The address waiting for confirmation.
    pub ip: String,
    /// The waiting login's token hash.
    pub pending_hash: String,
    /// The browser that logged in.
    pub user_agent: String,
    /// When.
    pub created_at: Timestamp,
}

/// A row of [`IpConfirmationRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct IpConfirmationRowRecord {
    account_id: String,
    user_id: String,
    ip: String,
    pending_hash: String,
    user_agent: String,
    created_at: i64,
}

impl From<IpConfirmationRowRecord> for IpConfirmationRow {
    fn from(r: IpConfirmationRowRecord) -> IpConfirmationRow {
        IpConfirmationRow {
            account_id: r.account_id,
            user_id: r.user_id,
            ip: r.ip,
            pending_hash: r.pending_hash,
            user_agent: r.user_agent,
            created_at: Timestamp(r.created_at),
        }
    }
}

/// A line of the IP addresses page.
#[derive(Debug, Clone)]
pub struct IpAddressRow {
    /// The user.
    pub user_id: String,
    /// Their username.
    pub username: String,
    /// Their name, if given.
    pub name: Option<String>,
    /// The address.
    pub ip: String,
    /// `pending`, `validated` or `blocked`.
    pub status: IpStatus,
    /// When.
    pub first_seen_at: Timestamp,
    /// When.
    pub last_seen_at: Timestamp,
    /// The last browser's User-Agent.
    pub last_user_agent: String,
    /// Or none.
    pub last_two_factor_at: Option<Timestamp>,
}

/// A row of [`IpAddressRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct IpAddressRowRecord {
    user_id: String,
    username: String,
    name: Option<String>,
    ip: String,
    status: String,
    first_seen_at: i64,
    last_seen_at: i64,
    last_user_agent: String,
    last_two_factor_at: Option<i64>,
}

impl From<IpAddressRowRecord> for IpAddressRow {
    fn from(r: IpAddressRowRecord) -> IpAddressRow {
        IpAddressRow {
            user_id: r.user_id,
            username: r.username,
            name: r.name,
            ip: r.ip,
            status: IpStatus::parse(&r.status),
            first_seen_at: Timestamp(r.first_seen_at),
            last_seen_at: Timestamp(r.last_seen_at),
            last_user_agent: r.last_user_agent,
            last_two_factor_at: r.last_two_factor_at.map(Timestamp),
        }
    }
}

/// Which IP address records a page shows.
#[derive(Debug, Clone, Default)]
pub struct IpQuery<'a> {
    /// Only this user's.
    pub user_id: Option<&'a str>,
    /// Only this status.
    pub status: Option<&'a str>,
    /// Continue after this line (last seen ms, user id, ip), newest first.
    pub after: Option<(i64, &'a str, &'a str)>,
    /// At most this many.
    pub limit: i64,
}

/// An address a session starts from.
pub(crate) struct IpSeen<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) ip: &'a str,
    pub(crate) user_agent: &'a str,
    pub(crate) now: Timestamp,
    /// Validate it when it is new or pending.
    pub(crate) validate: bool,
}

/// Records an address as seen on `executor` (the pool, or a transaction).
pub(crate) async fn record_ip_seen<'c, E>(executor: E, seen: &IpSeen<'_>) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let status = if seen.validate {
        "validated"
    } else {
        "pending"
    };
    sqlx::query(
        "INSERT INTO ip_addresses (account_id, user_id, ip, status, first_seen_at, last_seen_at, last_user_agent, validated_by) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, CASE WHEN $4 = 'validated' THEN 'automatic' END) \
         ON CONFLICT (user_id, ip) DO UPDATE SET last_seen_at = $5, last_user_agent = $6, \
           validated_by = CASE WHEN $4 = 'validated' AND ip_addresses.status = 'pending' THEN 'automatic' ELSE ip_addresses.validated_by END, \
           status = CASE WHEN $4 = 'validated' AND ip_addresses.status = 'pending' THEN 'validated' ELSE ip_addresses.status END",
    )
    .bind(seen.account_id)
    .bind(seen.user_id)
    .bind(seen.ip)
    .bind(status)
    .bind(seen.now.millis())
    .bind(seen.user_agent)
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    /// Validates or blocks a user's address from the IP addresses page or an emailed link,
    /// creating the record when needed. Returns the status it had before (`None`: new).
    pub async fn set_ip_status(
        &self,
        account_id: &str,
        user_id: &str,
        ip: &str,
        status: &str,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin().await?;
        let done = tx
            .set_ip_status(account_id, user_id, ip, status, now)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// One of the account's IP address records.
    pub async fn ip_address(
        &self,
        account_id: &str,
        user_id: &str,
        ip: &str,
    ) -> Result<Option<IpAddressRow>, StoreError> {
        Ok(sqlx::query_as::<_, IpAddressRowRecord>(
            "SELECT i.user_id, u.username, u.name, i.ip, i.status, i.first_seen_at, i.last_seen_at, \
                    i.last_user_agent, i.last_two_factor_at \
             FROM ip_addresses i JOIN users u ON u.id = i.user_id \
             WHERE i.account_id = $1 AND i.user_id = $2 AND i.ip = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ip)
        .fetch_optional(self.pool())
        .await?.map(IpAddressRow::from))
    }

    /// A page of the account's IP address records, most recently seen first (ties: user id,
    /// then address, also descending). Walks `(account_id, last_seen_at, user_id, ip)`,
    /// `(account_id, status, …)` or `(user_id, last_seen_at, ip)` backwards from `after`, so a
    /// page costs the same however deep it is. One statement per filter combination, so the
    /// planner never has to choose an index for a filter that may or may not be there.
    pub async fn list_ip_addresses(
        &self,
        account_id: &str,
        q: &IpQuery<'_>,
    ) -> Result<Vec<IpAddressRow>, StoreError> {
        let (seen, user, ip) = q.after.unwrap_or((i64::MAX, "", ""));
        let filter = match (q.user_id.is_some(), q.status.is_some()) {
            (false, false) => "",
            (true, false) => "AND i.user_id = $6 ",
            (false, true) => "AND i.status = $6 ",
            (true, true) => "AND i.user_id = $6 AND i.status = $7 ",
        };
        let sql = format!(
            "SELECT i.user_id, u.username, u.name, i.ip, i.status, i.first_seen_at, i.last_seen_at, \
                    i.last_user_agent, i.last_two_factor_at \
             FROM ip_addresses i JOIN users u ON u.id = i.user_id \
             WHERE i.account_id = $1 {filter}\
               AND (i.last_seen_at, i.user_id, i.ip) < ($2, $3, $4) \
             ORDER BY i.last_seen_at DESC, i.user_id DESC, i.ip DESC LIMIT $5"
        );
        let mut query = sqlx::query_as::<_, IpAddressRowRecord>(&sql)
            .bind(account_id)
            .bind(seen)
            .bind(user)
            .bind(ip)
            .bind(q.limit);
        if let Some(user_id) = q.user_id {
            query = query.bind(user_id);
        }
        if let Some(status) = q.status {
            query = query.bind(status);
        }
        Ok(query
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(IpAddressRow::from)
            .collect())
    }

    /// Stores an emailed confirmation link for a waiting login.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_ip_confirmation(
        &self,
        token_hash: &str,
        account_id: &str,
        user_id: &str,
        ip: &str,
        pending_hash: &str,
        user_agent: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ip_confirmations (token_hash, account_id, user_id, ip, pending_hash, user_agent, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(user_id)
        .bind(ip)
        .bind(pending_hash)
        .bind(user_agent)
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// An unused, unexpired confirmation link.
    pub async fn ip_confirmation(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<IpConfirmationRow>, StoreError> {
        Ok(sqlx::query_as::<_, IpConfirmationRowRecord>(
            "SELECT account_id, user_id, ip, pending_hash, user_agent, created_at FROM ip_confirmations \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now.millis())
        .fetch_optional(self.pool())
        .await?.map(IpConfirmationRow::from))
    }

    /// Uses a confirmation link, and every other link of the same waiting login with it; only
    /// the one caller that used it gets the row.
    pub async fn take_ip_confirmation(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<IpConfirmationRow>, StoreError> {
        let row: Option<IpConfirmationRow> = sqlx::query_as::<_, IpConfirmationRowRecord>(
            "UPDATE ip_confirmations SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING account_id, user_id, ip, pending_hash, user_agent, created_at",
        )
        .bind(token_hash)
        .bind(now.millis())
        .fetch_optional(self.pool())
        .await?
        .map(IpConfirmationRow::from);
        if let Some(row) = &row {
            sqlx::query(
                "UPDATE ip_confirmations SET used_at = $2 WHERE pending_hash = $1 AND used_at IS NULL",
            )
            .bind(&row.pending_hash)
            .bind(now.millis())
            .execute(self.pool())
            .await?;
        }
        Ok(row)
    }

    /// When the newest confirmation link of a waiting login was sent.
    pub async fn last_ip_confirmation_at(
        &self,
        pending_hash: &str,
    ) -> Result<Option<Timestamp>, StoreError> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT MAX(created_at) FROM ip_confirmations WHERE pending_hash = $1")
                .bind(pending_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|(at,)| at).map(Timestamp))
    }

    /// When a confirmation link for this user and address was last sent (any waiting login).
    pub async fn last_ip_confirmation_for(
        &self,
        user_id: &str,
        ip: &str,
    ) -> Result<Option<Timestamp>, StoreError> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT MAX(created_at) FROM ip_confirmations WHERE user_id = $1 AND ip = $2",
        )
        .bind(user_id)
        .bind(ip)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|(at,)| at).map(Timestamp))
    }
}

crate::tx::both! {
    /// Ends a user's sessions that came from an address (it was just blocked).
    pub async fn delete_sessions_from_ip(
        &self,
        account_id: &str,
        user_id: &str,
        ip: &str,
    ) -> Result<u64, StoreError> [e] {
        let done =
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND ip = $3")
                .bind(account_id)
                .bind(user_id)
                .bind(ip)
                .execute(e)
                .await?;
        Ok(done.rows_affected())
    }
}

crate::tx::both! {
    /// Sets the account's "block new IP addresses" switch.
    pub async fn set_block_new_ips(&self, account_id: &str, block: bool) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("UPDATE accounts SET block_new_ips = $1 WHERE id = $2")
                .bind(i64::from(block))
                .bind(account_id)
                .execute(e)
                .await,
        )
    }
}

crate::tx::both! {
    /// Sets the user's "automatically validate new IP addresses" option.
    pub async fn set_auto_validate_ips(
        &self,
        account_id: &str,
        user_id: &str,
        auto: bool,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query(
                "UPDATE users SET auto_validate_ips = $1 WHERE account_id = $2 AND id = $3",
            )
            .bind(i64::from(auto))
            .bind(account_id)
            .bind(user_id)
            .execute(e)
            .await,
        )
    }
}

crate::tx::both! {
    /// Voids the unused links of a waiting login (a new one replaces them).
    pub async fn void_ip_confirmations(
        &self,
        pending_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "UPDATE ip_confirmations SET used_at = $2 WHERE pending_hash = $1 AND used_at IS NULL",
        )
        .bind(pending_hash)
        .bind(now.millis())
        .execute(e)
        .await?;
        Ok(())
    }
}

crate::tx::both! {
    /// Records that a user came from an IP address: creates the record with `status_if_new`, or
    /// updates last seen and the browser. `validate` also sets an existing record to validated
    /// (never a blocked one: a block is lifted only on the IP addresses page).
    pub async fn record_ip_seen(
        &self,
        account_id: &str,
        user_id: &str,
        ip: &str,
        user_agent: &str,
        now: Timestamp,
        validate: bool,
    ) -> Result<(), StoreError> [e] {
        record_ip_seen(
            e,
            &IpSeen {
                account_id,
                user_id,
                ip,
                user_agent,
                now,
                validate,
            },
        )
        .await
    }
}

impl crate::Tx {
    /// Validates or blocks a user's address from the IP addresses page or an emailed link,
    /// creating the record when needed. Returns the status it had before (`None`: new).
    pub async fn set_ip_status(
        &mut self,
        account_id: &str,
        user_id: &str,
        ip: &str,
        status: &str,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let before: Option<(String,)> = sqlx::query_as(
            "SELECT status FROM ip_addresses WHERE account_id = $1 AND user_id = $2 AND ip = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ip)
        .fetch_optional(&mut *self.inner)
        .await?;
        sqlx::query(
            "INSERT INTO ip_addresses (account_id, user_id, ip, status, first_seen_at, last_seen_at, last_user_agent) \
             VALUES ($1, $2, $3, $4, $5, $5, '') \
             ON CONFLICT (user_id, ip) DO UPDATE SET status = $4, validated_by = NULL",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ip)
        .bind(status)
        .bind(now.millis())
        .execute(&mut *self.inner)
        .await?;
        Ok(before.map(|(s,)| s))
    }
}

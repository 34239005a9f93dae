//! The audit log: append-only. There is deliberately no delete here, and the one update only
//! counts the repeats of a burst's refusal into the row of its first ([`Store::append_burst`]),
//! so a flood of refused attempts is one truthful row per gate and minute, not a row each.

use portcullis_core::Timestamp;
use portcullis_core::ids::new_id;

use crate::{Store, StoreError};

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// The account concerned; none for attempts on usernames that do not exist.
    pub account_id: Option<&'a str>,
    /// The user concerned.
    pub user_id: Option<&'a str>,
    /// Who acted: `user`, `administrator:<id>`, `cli`, `system`.
    pub actor: &'a str,
    /// What happened, e.g. `login.succeeded`, `login.failed`, `login.locked`.
    pub event: &'a str,
    /// The specifics, e.g. the true reason of a failure. Never a secret.
    pub detail: &'a str,
    /// Client IP address, or empty.
    pub ip: &'a str,
    /// Client user agent, or empty.
    pub user_agent: &'a str,
    /// When.
    pub at: Timestamp,
}

/// A recorded event.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Random id.
    pub id: String,
    /// The account concerned.
    pub account_id: Option<String>,
    /// The user concerned.
    pub user_id: Option<String>,
    /// Username of that user, when it still exists.
    pub username: Option<String>,
    /// Who acted.
    pub actor: String,
    /// What happened.
    pub event: String,
    /// The specifics.
    pub detail: String,
    /// Client IP.
    pub ip: String,
    /// Client user agent.
    pub user_agent: String,
    /// When.
    pub at: Timestamp,
    /// How many more times the same refusal happened in the same minute after this one.
    pub repeats: i64,
}

/// Which events the audit log asks for. `None` in a filter means "any".
#[derive(Debug, Clone, Default)]
pub struct AuditQuery<'a> {
    /// Only events about this user.
    pub user_id: Option<&'a str>,
    /// Only events of this type (`two_factor.enabled`).
    pub event: Option<&'a str>,
    /// From this moment on.
    pub from: Option<Timestamp>,
    /// Before this moment.
    pub until: Option<Timestamp>,
    /// Continue after this event: its time and id (the last of the previous page).
    pub before: Option<(Timestamp, String)>,
    /// Page size.
    pub limit: i64,
}

/// A row of [`AuditRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AuditRowRecord {
    id: String,
    account_id: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
    actor: String,
    event: String,
    detail: String,
    ip: String,
    user_agent: String,
    at: i64,
    repeats: i64,
}

impl From<AuditRowRecord> for AuditRow {
    fn from(r: AuditRowRecord) -> AuditRow {
        AuditRow {
            id: r.id,
            account_id: r.account_id,
            user_id: r.user_id,
            username: r.username,
            actor: r.actor,
            event: r.event,
            detail: r.detail,
            ip: r.ip,
            user_agent: r.user_agent,
            at: Timestamp(r.at),
            repeats: r.repeats,
        }
    }
}

/// Appends an event on `executor` (the pool, or a transaction it belongs to).
pub(crate) async fn append_audit<'c, E>(executor: E, e: &AuditEvent<'_>) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_events (id, account_id, user_id, actor, event, detail, ip, user_agent, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(e.account_id)
    .bind(e.user_id)
    .bind(e.actor)
    .bind(e.event)
    .bind(e.detail)
    .bind(e.ip)
    .bind(e.user_agent)
    .bind(e.at.millis())
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    /// Records a refusal that may come in a burst (a throttled or locked attempt): the first
    /// with this `burst_key` (a gate and a minute) is appended as its own event; later ones only
    /// count into its `repeats`. One conditional statement, so parallel refusals count exactly.
    pub async fn append_burst(
        &self,
        burst_key: &str,
        e: &AuditEvent<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_events (id, account_id, user_id, actor, event, detail, ip, user_agent, at, burst_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (burst_key) DO UPDATE SET repeats = audit_events.repeats + 1",
        )
        .bind(new_id())
        .bind(e.account_id)
        .bind(e.user_id)
        .bind(e.actor)
        .bind(e.event)
        .bind(e.detail)
        .bind(e.ip)
        .bind(e.user_agent)
        .bind(e.at.millis())
        .bind(burst_key)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Appends an event.
    pub async fn append_audit(&self, e: &AuditEvent<'_>) -> Result<(), StoreError> {
        append_audit(self.pool(), e).await
    }

    /// The newest events of an account, newest first, `limit` at most, older than `before` when
    /// given (for paging).
    pub async fn audit_of_account(
        &self,
        account_id: &str,
        before: Option<Timestamp>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as::<_, AuditRowRecord>(
            "SELECT e.id, e.account_id, e.user_id, u.username, e.actor, e.event, e.detail, e.ip, e.user_agent, e.at, e.repeats \
             FROM audit_events e LEFT JOIN users u ON u.id = e.user_id \
             WHERE e.account_id = $1 AND e.at < $2 ORDER BY e.at DESC, e.id DESC LIMIT $3",
        )
        .bind(account_id)
        .bind(before.map_or(i64::MAX, Timestamp::millis))
        .bind(limit)
        .fetch_all(self.pool())
        .await?.into_iter().map(AuditRow::from).collect())
    }

    /// A page of an account's events as the audit log filters them, newest first: keyset paging
    /// on `(at, id)`, so every page costs what the first does, on the `(account_id, at)` index.
    pub async fn audit_search(
        &self,
        account_id: &str,
        q: &AuditQuery<'_>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as::<_, AuditRowRecord>(
            "SELECT e.id, e.account_id, e.user_id, u.username, e.actor, e.event, e.detail, e.ip, e.user_agent, e.at, e.repeats \
             FROM audit_events e LEFT JOIN users u ON u.id = e.user_id \
             WHERE e.account_id = $1 AND ($2 = '' OR e.user_id = $2) AND ($3 = '' OR e.event = $3) \
               AND e.at >= $4 AND e.at < $5 \
               AND ($6 = 0 OR e.at < $7 OR (e.at = $7 AND e.id < $8)) \
             ORDER BY e.at DESC, e.id DESC LIMIT $9",
        )
        .bind(account_id)
        .bind(q.user_id.unwrap_or(""))
        .bind(q.event.unwrap_or(""))
        .bind(q.from.map_or(i64::MIN, Timestamp::millis))
        .bind(q.until.map_or(i64::MAX, Timestamp::millis))
        .bind(i64::from(q.before.is_some()))
        .bind(q.before.as_ref().map_or(0, |(at, _)| at.millis()))
        .bind(q.before.as_ref().map_or("", |(_, id)| id.as_str()))
        .bind(q.limit)
        .fetch_all(self.pool())
        .await?.into_iter().map(AuditRow::from).collect())
    }

    /// Every event about one user or username, newest first (for tests and the command line).
    pub async fn audit_of_user(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as::<_, AuditRowRecord>(
            "SELECT e.id, e.account_id, e.user_id, u.username, e.actor, e.event, e.detail, e.ip, e.user_agent, e.at, e.repeats \
             FROM audit_events e LEFT JOIN users u ON u.id = e.user_id \
             WHERE e.user_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?.into_iter().map(AuditRow::from).collect())
    }
}

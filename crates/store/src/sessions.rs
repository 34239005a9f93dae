//! Server-side sessions, looked up by the SHA-256 of the cookie's token.

use portcullis_core::Timestamp;

use portcullis_core::language::Language;
use portcullis_core::session::LoginMethod;
use portcullis_core::user::{Factors, UserKind};

use crate::{Store, StoreError, changed, flag, sqlite_reads};

/// A live session with what every authenticated request needs about its user and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    /// Public id of the session.
    pub id: String,
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// The per-session CSRF token.
    pub csrf_token: String,
    /// Login time.
    pub created_at: Timestamp,
    /// Last request (refreshed at most once a minute).
    pub last_seen_at: Timestamp,
    /// Last login or re-authentication.
    pub reauth_at: Timestamp,
    /// The user's username.
    pub username: String,
    /// The user's name (empty when not known).
    pub name: String,
    /// The user's email address.
    pub email: String,
    /// The user's kind.
    pub kind: UserKind,
    /// Deactivated users' sessions are refused at once.
    pub disabled: bool,
    /// The user's end of employment.
    pub employment_ends_at: Option<Timestamp>,
    /// The account's name.
    pub account_name: String,
    /// The account enforces two-factor authentication.
    pub enforce_two_factor: bool,
    /// The user's second factors.
    pub factors: Factors,
    /// The language the user chose, if any.
    pub language: Option<Language>,
    /// The account's default language.
    pub account_language: Language,
    /// The account's time zone (an IANA name).
    pub time_zone: String,
    /// How the session's login proved who it was.
    pub login_method: LoginMethod,
    /// The client an accountant's session works in, while their firm's link and their
    /// assignment to it last (else `None`, also when the session still names a client).
    pub client: Option<SessionClient>,
}

/// The client a session works in (the accountancy portal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClient {
    /// The client's account.
    pub account_id: String,
    /// Its name.
    pub name: String,
    /// Its rules for people from outside.
    pub rules: portcullis_core::portal::ClientRules,
}

/// The session lookup's row as stored. Both ways of reading it — sqlx's pool and the SQLite
/// read connections (`sqlite_reads`) — fill this, in the column order of
/// [`SESSION_BY_TOKEN_HASH`], kept here beside it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SessionRecord {
    id: String,
    account_id: String,
    user_id: String,
    csrf_token: String,
    created_at: i64,
    last_seen_at: i64,
    reauth_at: i64,
    username: String,
    kind: String,
    disabled: i64,
    employment_ends_at: Option<i64>,
    account_name: String,
    enforce_two_factor: i64,
    totp_confirmed: i64,
    passkeys: i64,
    user_language: Option<String>,
    account_language: String,
    time_zone: String,
    user_name: String,
    client_account_id: Option<String>,
    client_name: Option<String>,
    client_enforce_two_factor: Option<i64>,
    client_block_new_ips: Option<i64>,
    login_method: String,
    email: String,
}

impl SessionRecord {
    /// Reads a row of [`SESSION_BY_TOKEN_HASH`] from a SQLite read connection. By position,
    /// in the order of the SELECT (by name costs a scan of the column names per value); the
    /// test `answers_like_the_pool_and_sees_every_commit_at_once` compares the two paths.
    pub(crate) fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
        Ok(SessionRecord {
            id: row.get(0)?,
            account_id: row.get(1)?,
            user_id: row.get(2)?,
            csrf_token: row.get(3)?,
            created_at: row.get(4)?,
            last_seen_at: row.get(5)?,
            reauth_at: row.get(6)?,
            username: row.get(7)?,
            kind: row.get(8)?,
            disabled: row.get(9)?,
            employment_ends_at: row.get(10)?,
            account_name: row.get(11)?,
            enforce_two_factor: row.get(12)?,
            totp_confirmed: row.get(13)?,
            passkeys: row.get(14)?,
            user_language: row.get(15)?,
            account_language: row.get(16)?,
            time_zone: row.get(17)?,
            user_name: row.get(18)?,
            client_account_id: row.get(19)?,
            client_name: row.get(20)?,
            client_enforce_two_factor: row.get(21)?,
            client_block_new_ips: row.get(22)?,
            login_method: row.get(23)?,
            email: row.get(24)?,
        })
    }
}

impl From<SessionRecord> for ActiveSession {
    fn from(r: SessionRecord) -> ActiveSession {
        ActiveSession {
            id: r.id,
            account_id: r.account_id,
            user_id: r.user_id,
            csrf_token: r.csrf_token,
            created_at: Timestamp(r.created_at),
            last_seen_at: Timestamp(r.last_seen_at),
            reauth_at: Timestamp(r.reauth_at),
            username: r.username,
            name: r.user_name,
            email: r.email,
            kind: UserKind::parse(&r.kind).unwrap_or(UserKind::Employee),
            disabled: flag(r.disabled),
            employment_ends_at: r.employment_ends_at.map(Timestamp),
            account_name: r.account_name,
            enforce_two_factor: flag(r.enforce_two_factor),
            factors: crate::users::factors(r.totp_confirmed, r.passkeys),
            language: r.user_language.as_deref().and_then(Language::parse),
            account_language: Language::parse(&r.account_language).unwrap_or(Language::English),
            time_zone: r.time_zone,
            login_method: LoginMethod::parse(&r.login_method),
            client: match (r.client_account_id, r.client_name) {
                (Some(account_id), Some(name)) => Some(SessionClient {
                    account_id,
                    name,
                    rules: portcullis_core::portal::ClientRules {
                        enforce_two_factor: r.client_enforce_two_factor.is_some_and(flag),
                        block_new_ips: r.client_block_new_ips.is_some_and(flag),
                    },
                }),
                _ => None,
            },
        }
    }
}

/// A session as listed on the user's security tab (no token, not even hashed).
#[derive(Debug, Clone)]
pub struct SessionListRow {
    /// Public id.
    pub id: String,
    /// Login time.
    pub created_at: Timestamp,
    /// Last request.
    pub last_seen_at: Timestamp,
    /// Where the login came from.
    pub ip: String,
    /// The browser at login.
    pub user_agent: String,
    /// How it logged in.
    pub login_method: LoginMethod,
}

/// A row of [`SessionListRow`] as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SessionListRowRecord {
    id: String,
    created_at: i64,
    last_seen_at: i64,
    ip: String,
    user_agent: String,
    login_method: String,
}

impl From<SessionListRowRecord> for SessionListRow {
    fn from(r: SessionListRowRecord) -> SessionListRow {
        SessionListRow {
            id: r.id,
            created_at: Timestamp(r.created_at),
            last_seen_at: Timestamp(r.last_seen_at),
            ip: r.ip,
            user_agent: r.user_agent,
            login_method: LoginMethod::parse(&r.login_method),
        }
    }
}

/// A login's writes, made together by [`Store::start_session`].
#[derive(Debug, Clone)]
pub struct SessionStart<'a> {
    /// The session.
    pub session: NewSession<'a>,
    /// The username key (as typed) whose failure count the login clears, for password logins.
    pub clear_failures_of: Option<crate::UsernameCounter<'a>>,
    /// Validate the address when it is new or pending (the user validates new addresses
    /// automatically); otherwise it is only recorded as seen.
    pub validate_ip: bool,
    /// Audit events written with the session.
    pub audit: &'a [crate::AuditEvent<'a>],
    /// The token hash of a session the browser held before this login, ended with it (every
    /// login gets a brand-new session).
    pub replaces: Option<&'a str>,
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
    /// How the login proved who it was.
    pub login_method: LoginMethod,
}

/// Every authenticated request's query: the session with its user and account.
pub(crate) const SESSION_BY_TOKEN_HASH: &str = "SELECT s.id, s.account_id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.reauth_at, \
        u.username, u.kind, u.disabled, u.employment_ends_at, a.name AS account_name, a.enforce_two_factor, \
        (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = s.user_id AND t.confirmed_at IS NOT NULL) AS totp_confirmed, \
        (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = s.user_id) AS passkeys, \
        u.language AS user_language, a.language AS account_language, a.time_zone, u.name AS user_name, \
        oc.id AS client_account_id, oc.name AS client_name, oc.enforce_two_factor AS client_enforce_two_factor, \
        oc.block_new_ips AS client_block_new_ips, s.login_method, u.email \
    FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = s.account_id \
    LEFT JOIN accounts oc ON oc.id = s.client_account_id AND EXISTS (SELECT 1 FROM client_assignments oa \
        JOIN client_links ol ON ol.id = oa.link_id \
        WHERE oa.user_id = s.user_id AND oa.client_account_id = s.client_account_id AND ol.state = 'active' \
          AND u.kind = 'accountant') \
    WHERE s.token_hash = $1";

/// How many columns [`SESSION_BY_TOKEN_HASH`] has (the forward-auth lookup adds one after them).
const SESSION_COLUMNS: usize = 25;

/// Separates administration names in the forward-auth lookup (a control character, which the
/// name rules refuse, so it cannot be part of a name).
const NAME_SEPARATOR: char = '\u{1f}';

/// [`SESSION_BY_TOKEN_HASH`] with the user's administration names as one more column.
fn session_with_administrations_sql(backend: crate::Backend) -> &'static str {
    static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let (cell, joined) = match backend {
        crate::Backend::Sqlite => (&SQLITE, "group_concat(ad.name, char(31))"),
        crate::Backend::Postgres => (&POSTGRES, "string_agg(ad.name, chr(31))"),
    };
    cell.get_or_init(|| {
        format!(
            "SELECT q.*, (SELECT {joined} FROM administrations ad WHERE ad.account_id = q.account_id \
             AND (q.kind <> 'employee' OR EXISTS (SELECT 1 FROM user_administrations ua \
             WHERE ua.administration_id = ad.id AND ua.account_id = ad.account_id AND ua.user_id = q.user_id))) \
             AS administration_names FROM ({SESSION_BY_TOKEN_HASH}) q"
        )
    })
}

fn split_names(joined: Option<String>) -> Vec<String> {
    let mut names: Vec<String> = joined
        .unwrap_or_default()
        .split(NAME_SEPARATOR)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[derive(sqlx::FromRow)]
struct SessionWithNames {
    #[sqlx(flatten)]
    session: SessionRecord,
    administration_names: Option<String>,
}

/// Stores a new session on `executor` (the pool, or a transaction).
async fn insert_session<'c, E>(executor: E, s: &NewSession<'_>) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO sessions (token_hash, id, account_id, user_id, csrf_token, created_at, last_seen_at, reauth_at, ip, user_agent, login_method) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, $8, $9)",
    )
    .bind(s.token_hash)
    .bind(s.id)
    .bind(s.account_id)
    .bind(s.user_id)
    .bind(s.csrf_token)
    .bind(s.now.millis())
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.login_method.as_str())
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    /// Starts the session of a login whose every factor passed, with everything that goes with
    /// it, in one transaction: the username's failures cleared, the session, the user's last
    /// login, the address recorded (and validated when asked), the audit events. One commit
    /// (one log flush on PostgreSQL) instead of one per statement, and never half a login.
    pub async fn start_session(&self, start: &SessionStart<'_>) -> Result<(), StoreError> {
        let s = &start.session;
        let mut tx = self.pool().begin().await?;
        if let Some(old) = start.replaces {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(key) = start.clear_failures_of {
            crate::failures::clear_username_failures(&mut *tx, key).await?;
        }
        insert_session(&mut *tx, s).await?;
        crate::users::record_login(&mut *tx, s.account_id, s.user_id, s.now).await?;
        crate::ip_addresses::record_ip_seen(
            &mut *tx,
            &crate::ip_addresses::IpSeen {
                account_id: s.account_id,
                user_id: s.user_id,
                ip: s.ip,
                user_agent: s.user_agent,
                now: s.now,
                validate: start.validate_ip,
            },
        )
        .await?;
        for event in start.audit {
            crate::audit::append_audit(&mut *tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The session whose token hashes to `token_hash`, joined with its user and account: one
    /// indexed query per authenticated request. On a SQLite file it is answered on the calling
    /// thread (see `sqlite_reads`), otherwise by the pool.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ActiveSession>, StoreError> {
        if let Some(reads) = &self.sqlite_reads
            && let Ok(answer) = reads.read(|conn| {
                sqlite_reads::query_one(
                    conn,
                    SESSION_BY_TOKEN_HASH,
                    token_hash,
                    SessionRecord::from_sqlite,
                )
            })
        {
            return Ok(answer?.map(ActiveSession::from));
        }
        self.session_by_token_hash_pooled(token_hash).await
    }

    /// The session lookup for forward-auth: the session and, in the same query, the names of
    /// the administrations its user may use (all of the account's for administrators and
    /// accountants, the granted ones for employees), sorted.
    pub async fn session_with_administrations(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ActiveSession, Vec<String>)>, StoreError> {
        let sql = session_with_administrations_sql(self.backend());
        if let Some(reads) = &self.sqlite_reads
            && let Ok(answer) = reads.read(|conn| {
                sqlite_reads::query_one(conn, sql, token_hash, |row| {
                    Ok((
                        SessionRecord::from_sqlite(row)?,
                        row.get::<_, Option<String>>(SESSION_COLUMNS)?,
                    ))
                })
            })
        {
            return Ok(answer?.map(|(record, names)| (record.into(), split_names(names))));
        }
        self.session_with_administrations_pooled(token_hash).await
    }

    /// The forward-auth lookup through the pool.
    pub(crate) async fn session_with_administrations_pooled(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ActiveSession, Vec<String>)>, StoreError> {
        let found: Option<SessionWithNames> =
            sqlx::query_as(session_with_administrations_sql(self.backend()))
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(|row| (row.session.into(), split_names(row.administration_names))))
    }

    /// The session lookup through the pool.
    pub(crate) async fn session_by_token_hash_pooled(
        &self,
        token_hash: &str,
    ) -> Result<Option<ActiveSession>, StoreError> {
        let found: Option<SessionRecord> = sqlx::query_as(SESSION_BY_TOKEN_HASH)
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(ActiveSession::from))
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
        Ok(sqlx::query_as::<_, SessionListRowRecord>(
            "SELECT id, created_at, last_seen_at, ip, user_agent, login_method FROM sessions \
             WHERE account_id = $1 AND user_id = $2 ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(SessionListRow::from)
        .collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store_with_a_session;

    #[tokio::test]
    async fn a_login_is_stored_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_a_session(&dir).await;
        let event = |account_id| crate::AuditEvent {
            account_id: Some(account_id),
            user_id: Some("usr-1"),
            actor: "user",
            event: "login.succeeded",
            detail: "factor=password",
            ip: "198.51.100.4",
            user_agent: "Safari",
            at: Timestamp(9_000),
        };
        let start = |token_hash, audit| SessionStart {
            session: NewSession {
                token_hash,
                id: token_hash,
                account_id: "acc-1",
                user_id: "usr-1",
                csrf_token: "csrf",
                now: Timestamp(9_000),
                ip: "198.51.100.4",
                user_agent: "Safari",
                login_method: LoginMethod::PasswordAndApp,
            },
            clear_failures_of: Some(crate::UsernameCounter::InAccount("acct", "mdupont")),
            validate_ip: true,
            audit,
            replaces: Some("hash-1"),
        };
        // The last write (an audit event naming an account that does not exist) fails: the
        // session, the last login and the address written before it in the login are gone too.
        let bad_event = [event("acc-missing")];
        assert!(
            store
                .start_session(&start("hash-9", &bad_event))
                .await
                .is_err()
        );
        assert!(
            store
                .session_by_token_hash("hash-9")
                .await
                .unwrap()
                .is_none()
        );
        let user = store.user("acc-1", "usr-1").await.unwrap().unwrap();
        assert_eq!(
            user.last_login_at,
            Some(Timestamp(2_000)),
            "the fixture's login, not the failed one"
        );
        assert!(
            store
                .session_by_token_hash("hash-1")
                .await
                .unwrap()
                .is_some(),
            "the session the failed login would have replaced is still there"
        );
        assert!(
            store
                .ip_facts("acc-1", "usr-1", "198.51.100.4")
                .await
                .unwrap()
                .is_none()
        );

        let good_event = [event("acc-1")];
        store
            .start_session(&start("hash-8", &good_event))
            .await
            .unwrap();
        assert!(
            store
                .session_by_token_hash("hash-8")
                .await
                .unwrap()
                .is_some()
        );
        let user = store.user("acc-1", "usr-1").await.unwrap().unwrap();
        assert_eq!(user.last_login_at, Some(Timestamp(9_000)));
        assert!(
            store
                .session_by_token_hash("hash-1")
                .await
                .unwrap()
                .is_none(),
            "the login replaced the session the browser held"
        );
        let ip = store
            .ip_facts("acc-1", "usr-1", "198.51.100.4")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ip.status, "validated");
    }
}

crate::tx::both! {
    /// Ends every session of a user; returns how many there were.
    pub async fn delete_sessions_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<u64, StoreError> [e] {
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(e)
            .await?;
        Ok(done.rows_affected())
    }
}

crate::tx::both! {
    /// Ends one of a user's sessions by its public id; `NotFound` when it is not theirs.
    pub async fn delete_session_by_id(
        &self,
        account_id: &str,
        user_id: &str,
        session_id: &str,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND id = $3")
                .bind(account_id)
                .bind(user_id)
                .bind(session_id)
                .execute(e)
                .await,
        )
    }
}

crate::tx::both! {
    /// Ends every session of a user except one; returns how many ended.
    pub async fn delete_other_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        keep_session_id: &str,
    ) -> Result<u64, StoreError> [e] {
        let done =
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND id <> $3")
                .bind(account_id)
                .bind(user_id)
                .bind(keep_session_id)
                .execute(e)
                .await?;
        Ok(done.rows_affected())
    }
}

crate::tx::both! {
    /// Records a re-authentication and gives the session a new token (so a token seen before
    /// the user proved themselves again is worth nothing afterwards).
    pub async fn reauthenticate_session(
        &self,
        old_token_hash: &str,
        new_token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query(
                "UPDATE sessions SET token_hash = $1, reauth_at = $2, last_seen_at = $2 WHERE token_hash = $3",
            )
            .bind(new_token_hash)
            .bind(now.millis())
            .bind(old_token_hash)
            .execute(e)
            .await,
        )
    }
}

crate::tx::both! {
    /// Raises what a session's login proved (a second factor or a passkey given later: step-up),
    /// never lowers it.
    pub async fn raise_login_method(
        &self,
        token_hash: &str,
        method: &str,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("UPDATE sessions SET login_method = $1 WHERE token_hash = $2")
                .bind(method)
                .bind(token_hash)
                .execute(e)
                .await,
        )
    }
}

crate::tx::both! {
    /// Ends one session (logout, expiry).
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> [e] {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(e)
            .await?;
        Ok(())
    }
}

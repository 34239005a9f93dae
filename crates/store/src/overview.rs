//! The Security center's overview: every user of an account with what protects them, filtered
//! by each column's state, sorted, in keyset pages; the account's figures; and the email breach
//! answers the background checker keeps.
//!
//! The per-user states are computed in one derived table (`OVERVIEW_ROWS`) that both the page
//! query and the figures read, so the list and its summary cannot disagree.

use portcullis_core::Timestamp;
use portcullis_core::user::{Factors, User, UserKind};

use crate::users::{USER_COLUMNS, UserRecord, factors};
use crate::{Store, StoreError};

/// The answer about a user's email address, as the overview shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailCheckState {
    /// Never checked, or checked before the address changed (or checks are off).
    NotChecked,
    /// In no known breach, at the last good answer.
    Clean,
    /// In at least one known breach.
    Breached,
    /// The newest check failed; the last good answer (if any) is kept beside it.
    Failed,
}

impl EmailCheckState {
    /// As the query computes it and a filter names it.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailCheckState::NotChecked => "not_checked",
            EmailCheckState::Clean => "clean",
            EmailCheckState::Breached => "breached",
            EmailCheckState::Failed => "failed",
        }
    }

    /// A filter's or the query's spelling.
    pub fn parse(text: &str) -> Option<EmailCheckState> {
        Some(match text {
            "not_checked" => EmailCheckState::NotChecked,
            "clean" => EmailCheckState::Clean,
            "breached" => EmailCheckState::Breached,
            "failed" => EmailCheckState::Failed,
            _ => return None,
        })
    }
}

/// The stored breach answer about a user's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailCheck {
    /// What the overview says.
    pub state: EmailCheckState,
    /// Breaches at the last good answer.
    pub breaches: i64,
    /// When the last good answer came.
    pub last_good_at: Option<Timestamp>,
    /// When the newest attempt failed, if it did.
    pub failed_at: Option<Timestamp>,
}

/// The order of the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverviewSort {
    /// By username, A to Z.
    #[default]
    Username,
    /// Most recent login first (never logged in last), then by username.
    LastLogin,
}

/// Where the previous page ended: its last row's sort value and username key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewCursor {
    /// The last login (milliseconds, -1 for never) of the last row, for [`OverviewSort::LastLogin`].
    pub last_login: i64,
    /// The last row's lowercased username.
    pub username_key: String,
}

/// Which users the overview asks for. `None` in a filter means "any".
#[derive(Debug, Clone, Default)]
pub struct OverviewQuery<'a> {
    /// Part of the username, name or email (any case); empty for everyone.
    pub search: &'a str,
    /// Only this role.
    pub kind: Option<UserKind>,
    /// With (or without) a second factor: a confirmed authenticator app or a passkey.
    pub two_factor: Option<bool>,
    /// With (or without) a passkey.
    pub passkeys: Option<bool>,
    /// Whose new IP addresses must (or need not) be confirmed by email.
    pub confirms_new_ips: Option<bool>,
    /// With this email check state.
    pub email: Option<EmailCheckState>,
    /// Logged in now (or not).
    pub logged_in: Option<bool>,
    /// The order.
    pub sort: OverviewSort,
    /// Continue after this row.
    pub after: Option<OverviewCursor>,
    /// Page size.
    pub limit: i64,
}

/// What "logged in now" and the IP rule depend on besides the users' own rows.
#[derive(Debug, Clone, Copy)]
pub struct OverviewContext {
    /// The account's "Block new IP addresses": every new address waits for confirmation.
    pub block_new_ips: bool,
    /// Sessions last seen after this are not idle.
    pub idle_cutoff: Timestamp,
    /// Sessions created after this are not past their absolute limit.
    pub absolute_cutoff: Timestamp,
}

/// One user in the overview.
#[derive(Debug, Clone)]
pub struct OverviewRow {
    /// The user.
    pub user: User,
    /// Their second factors.
    pub factors: Factors,
    /// New IP addresses wait for confirmation by email (the account blocks new addresses, or
    /// the user does not validate them automatically).
    pub confirms_new_ips: bool,
    /// Live sessions now.
    pub live_sessions: i64,
    /// The answer about their email address.
    pub email_check: EmailCheck,
}

impl OverviewRow {
    /// Where the next page starts after this row.
    pub fn cursor(&self) -> OverviewCursor {
        OverviewCursor {
            last_login: self.user.last_login_at.map_or(-1, Timestamp::millis),
            username_key: portcullis_core::username::key(&self.user.username),
        }
    }
}

/// The account's figures, over every user whatever the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OverviewFigures {
    /// Users in the account.
    pub users: i64,
    /// Users without a second factor.
    pub without_two_factor: i64,
    /// Users without a passkey.
    pub without_passkey: i64,
    /// Users whose address is in a known breach.
    pub breached: i64,
    /// Users logged in now.
    pub logged_in: i64,
}

/// The derived table of per-user states; `$1` is the account, `$2` the account's block switch
/// (0/1), `$3` the idle cutoff, `$4` the absolute cutoff. Columns computed here can be filtered
/// and counted by name.
fn overview_rows() -> String {
    format!(
        "SELECT {USER_COLUMNS}, u.username_key, \
            COALESCE(u.last_login_at, -1) AS login_order, \
            (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS totp_confirmed, \
            (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys, \
            CASE WHEN $2 = 1 OR u.auto_validate_ips = 0 THEN 1 ELSE 0 END AS confirms_new_ips, \
            CASE WHEN u.disabled = 1 THEN 0 ELSE (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id \
                 AND s.last_seen_at > $3 AND s.created_at > $4) END AS live_sessions, \
            CASE WHEN b.user_id IS NULL OR b.email <> u.email THEN 'not_checked' \
                 WHEN b.failed_at IS NOT NULL THEN 'failed' \
                 WHEN b.result IS NULL THEN 'not_checked' \
                 ELSE b.result END AS email_state, \
            CASE WHEN b.email = u.email THEN b.breaches ELSE 0 END AS breaches, \
            CASE WHEN b.email = u.email THEN b.last_good_at ELSE NULL END AS last_good_at, \
            CASE WHEN b.email = u.email THEN b.failed_at ELSE NULL END AS failed_at \
         FROM users u LEFT JOIN email_checks b ON b.user_id = u.id \
         WHERE u.account_id = $1"
    )
}

#[derive(sqlx::FromRow)]
struct OverviewRecord {
    #[sqlx(flatten)]
    user: UserRecord,
    totp_confirmed: i64,
    passkeys: i64,
    confirms_new_ips: i64,
    live_sessions: i64,
    email_state: String,
    breaches: i64,
    last_good_at: Option<i64>,
    failed_at: Option<i64>,
}

impl From<OverviewRecord> for OverviewRow {
    fn from(r: OverviewRecord) -> OverviewRow {
        OverviewRow {
            user: r.user.into(),
            factors: factors(r.totp_confirmed, r.passkeys),
            confirms_new_ips: r.confirms_new_ips != 0,
            live_sessions: r.live_sessions,
            email_check: EmailCheck {
                state: EmailCheckState::parse(&r.email_state)
                    .unwrap_or(EmailCheckState::NotChecked),
                breaches: r.breaches,
                last_good_at: r.last_good_at.map(Timestamp),
                failed_at: r.failed_at.map(Timestamp),
            },
        }
    }
}

/// A filter that is off reads as "" and matches everything.
fn yes_no(filter: Option<bool>) -> &'static str {
    match filter {
        None => "",
        Some(true) => "yes",
        Some(false) => "no",
    }
}

impl Store {
    /// A page of the account's users as the overview shows them. Keyset paging on the sort
    /// order, so any page costs what the first does; the filters run in the database.
    pub async fn security_overview(
        &self,
        account_id: &str,
        context: OverviewContext,
        q: &OverviewQuery<'_>,
    ) -> Result<Vec<OverviewRow>, StoreError> {
        let (order, keyset) = match q.sort {
            OverviewSort::Username => ("o.username_key", "o.username_key > $13"),
            OverviewSort::LastLogin => (
                "o.login_order DESC, o.username_key",
                "(o.login_order < $12 OR (o.login_order = $12 AND o.username_key > $13))",
            ),
        };
        let sql = format!(
            "SELECT o.* FROM ({rows}) o \
             WHERE ($5 = '%%' OR lower(o.username) LIKE $5 ESCAPE '\\' OR lower(o.name) LIKE $5 ESCAPE '\\' \
                    OR lower(o.email) LIKE $5 ESCAPE '\\') \
               AND ($6 = '' OR o.kind = $6) \
               AND ($7 = '' OR (CASE WHEN o.totp_confirmed > 0 OR o.passkeys > 0 THEN 'yes' ELSE 'no' END) = $7) \
               AND ($8 = '' OR (CASE WHEN o.passkeys > 0 THEN 'yes' ELSE 'no' END) = $8) \
               AND ($9 = '' OR (CASE WHEN o.confirms_new_ips = 1 THEN 'yes' ELSE 'no' END) = $9) \
               AND ($10 = '' OR o.email_state = $10) \
               AND ($11 = '' OR (CASE WHEN o.live_sessions > 0 THEN 'yes' ELSE 'no' END) = $11) \
               AND ($14 = 0 OR {keyset}) \
             ORDER BY {order} LIMIT $15",
            rows = overview_rows(),
        );
        let after = q.after.as_ref();
        let found: Vec<OverviewRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(i64::from(context.block_new_ips))
            .bind(context.idle_cutoff.millis())
            .bind(context.absolute_cutoff.millis())
            .bind(crate::users::like_pattern(q.search.trim()))
            .bind(q.kind.map_or("", UserKind::as_str))
            .bind(yes_no(q.two_factor))
            .bind(yes_no(q.passkeys))
            .bind(yes_no(q.confirms_new_ips))
            .bind(q.email.map_or("", EmailCheckState::as_str))
            .bind(yes_no(q.logged_in))
            .bind(after.map_or(i64::MAX, |a| a.last_login))
            .bind(after.map_or_else(String::new, |a| {
                crate::users::scoped_key(account_id, &a.username_key)
            }))
            .bind(i64::from(after.is_some()))
            .bind(q.limit)
            .fetch_all(self.pool())
            .await?;
        Ok(found.into_iter().map(OverviewRow::from).collect())
    }

    /// The account's figures over every user.
    pub async fn overview_figures(
        &self,
        account_id: &str,
        context: OverviewContext,
    ) -> Result<OverviewFigures, StoreError> {
        let sql = format!(
            "SELECT COUNT(*), \
                COALESCE(SUM(CASE WHEN o.totp_confirmed = 0 AND o.passkeys = 0 THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN o.passkeys = 0 THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN o.email_state = 'breached' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN o.live_sessions > 0 THEN 1 ELSE 0 END), 0) \
             FROM ({rows}) o",
            rows = overview_rows(),
        );
        let (users, without_two_factor, without_passkey, breached, logged_in): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(i64::from(context.block_new_ips))
            .bind(context.idle_cutoff.millis())
            .bind(context.absolute_cutoff.millis())
            .fetch_one(self.pool())
            .await?;
        Ok(OverviewFigures {
            users,
            without_two_factor,
            without_passkey,
            breached,
            logged_in,
        })
    }

    /// Users whose email address is due for a breach check at `now`: never checked, checked
    /// before the address changed, or last checked before `stale_before`. Oldest first, at most
    /// `limit`. Deactivated users are left out.
    pub async fn emails_due_for_check(
        &self,
        stale_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT u.account_id, u.id, u.email FROM users u \
             LEFT JOIN email_checks b ON b.user_id = u.id \
             WHERE u.disabled = 0 \
               AND (b.user_id IS NULL OR b.email <> u.email OR b.checked_at < $1) \
             ORDER BY COALESCE(b.checked_at, 0), u.id LIMIT $2",
        )
        .bind(stale_before.millis())
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records a good answer about `email`: `breaches` known breaches (0: clean).
    pub async fn record_email_check(
        &self,
        account_id: &str,
        user_id: &str,
        email: &str,
        breaches: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let result = if breaches > 0 { "breached" } else { "clean" };
        sqlx::query(
            "INSERT INTO email_checks (user_id, account_id, email, result, breaches, checked_at, last_good_at, failed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, NULL) \
             ON CONFLICT (user_id) DO UPDATE SET email = $3, result = $4, breaches = $5, \
               checked_at = $6, last_good_at = $6, failed_at = NULL",
        )
        .bind(user_id)
        .bind(account_id)
        .bind(email)
        .bind(result)
        .bind(breaches)
        .bind(now.millis())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that checking `email` failed at `now`; a good answer about the same address is
    /// kept beside the failure, an answer about another address is dropped.
    pub async fn record_email_check_failed(
        &self,
        account_id: &str,
        user_id: &str,
        email: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO email_checks (user_id, account_id, email, result, breaches, checked_at, last_good_at, failed_at) \
             VALUES ($1, $2, $3, NULL, 0, $4, NULL, $4) \
             ON CONFLICT (user_id) DO UPDATE SET \
               result = CASE WHEN email_checks.email = $3 THEN email_checks.result ELSE NULL END, \
               breaches = CASE WHEN email_checks.email = $3 THEN email_checks.breaches ELSE 0 END, \
               last_good_at = CASE WHEN email_checks.email = $3 THEN email_checks.last_good_at ELSE NULL END, \
               email = $3, checked_at = $4, failed_at = $4",
        )
        .bind(user_id)
        .bind(account_id)
        .bind(email)
        .bind(now.millis())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

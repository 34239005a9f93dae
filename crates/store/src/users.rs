//! Users.

use portcullis_core::Timestamp;
use portcullis_core::language::Language;
use portcullis_core::login::AccountPolicy;
use portcullis_core::user::{Factors, Standing, User, UserKind};

use crate::{Store, StoreError, changed, flag, lock_account, unique_violation};

/// A user as stored: kinds and flags as text and 0/1, times as milliseconds. Read into
/// [`User`] before it leaves the store.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRecord {
    id: String,
    account_id: String,
    username: String,
    name: String,
    email: String,
    kind: String,
    disabled: i64,
    employment_ends_at: Option<i64>,
    password_hash: Option<String>,
    created_at: i64,
    last_login_at: Option<i64>,
    remember_two_factor: i64,
    auto_validate_ips: i64,
    language: Option<String>,
    password_changed_at: Option<i64>,
}

impl From<UserRecord> for User {
    /// An unknown kind (impossible under the CHECK constraint) is read as the least privileged
    /// kind.
    fn from(r: UserRecord) -> User {
        User {
            kind: UserKind::parse(&r.kind).unwrap_or(UserKind::Employee),
            id: r.id,
            account_id: r.account_id,
            username: r.username,
            name: r.name,
            email: r.email,
            disabled: flag(r.disabled),
            employment_ends_at: r.employment_ends_at.map(Timestamp),
            password_hash: r.password_hash,
            created_at: Timestamp(r.created_at),
            last_login_at: r.last_login_at.map(Timestamp),
            remember_two_factor: flag(r.remember_two_factor),
            auto_validate_ips: flag(r.auto_validate_ips),
            language: r.language.as_deref().and_then(Language::parse),
            password_changed_at: r.password_changed_at.map(Timestamp),
        }
    }
}

/// A user found by username at login, with what the first factor needs from the account.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    /// The user.
    pub user: User,
    /// The account's name (for messages).
    pub account_name: String,
    /// The account's switches.
    pub policy: AccountPolicy,
    /// The user's second factors.
    pub factors: Factors,
}

#[derive(sqlx::FromRow)]
struct CandidateRecord {
    #[sqlx(flatten)]
    user: UserRecord,
    account_name: String,
    enforce_two_factor: i64,
    limit_two_factor_validity: i64,
    block_new_ips: i64,
    totp_confirmed: i64,
    passkeys: i64,
}

impl From<CandidateRecord> for LoginCandidate {
    fn from(r: CandidateRecord) -> LoginCandidate {
        LoginCandidate {
            user: r.user.into(),
            account_name: r.account_name,
            policy: AccountPolicy {
                enforce_two_factor: flag(r.enforce_two_factor),
                limit_two_factor_validity: flag(r.limit_two_factor_validity),
                block_new_ips: flag(r.block_new_ips),
            },
            factors: factors(r.totp_confirmed, r.passkeys),
        }
    }
}

/// A user's second factors from the counts a query selected.
pub(crate) fn factors(totp_confirmed: i64, passkeys: i64) -> Factors {
    Factors {
        totp: totp_confirmed > 0,
        passkeys: u32::try_from(passkeys).unwrap_or(u32::MAX),
    }
}

/// A line of the Employees page and the Security center: the user, their second factors, and
/// whether their username is locked.
#[derive(Debug, Clone)]
pub struct Employee {
    /// The user.
    pub user: User,
    /// The user's second factors.
    pub factors: Factors,
    /// When the username was locked after too many failed logins, if it is.
    pub locked_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct EmployeeRecord {
    #[sqlx(flatten)]
    user: UserRecord,
    totp_confirmed: i64,
    passkeys: i64,
    locked_at: Option<i64>,
}

impl From<EmployeeRecord> for Employee {
    fn from(r: EmployeeRecord) -> Employee {
        Employee {
            user: r.user.into(),
            factors: factors(r.totp_confirmed, r.passkeys),
            locked_at: r.locked_at.map(Timestamp),
        }
    }
}

/// Which users the Employees page asks for.
#[derive(Debug, Clone, Default)]
pub struct UserQuery<'a> {
    /// Part of the username, name or email (any case); empty for everyone.
    pub search: &'a str,
    /// Continue after this lowercased username (the last one of the previous page).
    pub after: Option<&'a str>,
    /// Page size.
    pub limit: i64,
}

/// An administrator's change to a user.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    /// The person's name, checked by the domain.
    pub name: String,
    /// The email address, checked by the domain.
    pub email: String,
    /// The kind.
    pub kind: UserKind,
    /// Deactivated.
    pub disabled: bool,
    /// End of employment.
    pub employment_ends_at: Option<Timestamp>,
}

impl UserUpdate {
    /// What the last-administrator rule looks at, after the change.
    pub fn standing(&self) -> Standing {
        Standing {
            kind: self.kind,
            disabled: self.disabled,
            employment_ends: self.employment_ends_at.is_some(),
        }
    }
}

/// How a guarded update ended.
#[derive(Debug, Clone)]
pub enum Guarded {
    /// Written; the user as it was before.
    Applied(Box<User>),
    /// The guard said no; nothing was written.
    Refused,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_pattern(search: &str) -> String {
    let mut pattern = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
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
    /// The person's name, checked by the domain already.
    pub name: String,
    /// Checked by the domain already.
    pub email: String,
    /// What the user may do.
    pub kind: UserKind,
    /// The password's hash, or none to send a set-password link.
    pub password_hash: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
}

/// The stored `username_key`: `<account id>/<lowercased username>`, unique in the table and so
/// unique within the account (usernames are unique per account, not across accounts).
pub(crate) fn scoped_key(account_id: &str, username_key: &str) -> String {
    format!("{account_id}/{username_key}")
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.account_id, u.username, u.name, u.email, u.kind, u.disabled, \
    u.employment_ends_at, u.password_hash, u.created_at, u.last_login_at, u.remember_two_factor, \
    u.auto_validate_ips, u.language, u.password_changed_at";

/// The login candidate's SELECT, up to its WHERE clause.
const CANDIDATE_SELECT: &str = "SELECT u.id, u.account_id, u.username, u.name, u.email, u.kind, \
    u.disabled, u.employment_ends_at, u.password_hash, u.created_at, u.last_login_at, \
    u.remember_two_factor, u.auto_validate_ips, u.language, u.password_changed_at, a.name AS account_name, a.enforce_two_factor, \
    a.limit_two_factor_validity, a.block_new_ips, \
    (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS totp_confirmed, \
    (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys \
    FROM users u JOIN accounts a ON a.id = u.account_id";

pub(crate) async fn insert_user<'c, E>(executor: E, user: &NewUser) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO users (id, account_id, username, username_key, name, email, kind, disabled, password_hash, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)",
    )
    .bind(&user.id)
    .bind(&user.account_id)
    .bind(&user.username)
    .bind(scoped_key(
        &user.account_id,
        &portcullis_core::username::key(&user.username),
    ))
    .bind(&user.name)
    .bind(&user.email)
    .bind(user.kind.as_str())
    .bind(user.password_hash.clone())
    .bind(user.created_at.millis())
    .bind(user.password_hash.as_ref().map(|_| user.created_at.millis()))
    .execute(executor)
    .await
    .map_err(|e| match &e {
        // The account does not exist.
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => unique_violation(e, StoreError::UsernameTaken),
    })?;
    Ok(())
}

/// Notes a login's time on `executor` (the pool, or a transaction).
pub(crate) async fn record_login<'c, E>(
    executor: E,
    account_id: &str,
    user_id: &str,
    now: Timestamp,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE account_id = $2 AND id = $3")
        .bind(now.millis())
        .bind(account_id)
        .bind(user_id)
        .execute(executor)
        .await?;
    Ok(())
}

impl Store {
    /// Creates a user in an existing account.
    pub async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.create_user(user).await?;
        tx.commit().await
    }

    /// The user with this username (any case) in this account, with their account's login
    /// data, if any. Costs the same query whether or not the account or user exists.
    pub async fn login_candidate(
        &self,
        account_id: &str,
        typed_username: &str,
    ) -> Result<Option<LoginCandidate>, StoreError> {
        let sql = format!("{CANDIDATE_SELECT} WHERE u.username_key = $1");
        let found: Option<CandidateRecord> = sqlx::query_as(&sql)
            .bind(scoped_key(
                account_id,
                &portcullis_core::username::key(typed_username),
            ))
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(LoginCandidate::from))
    }

    /// One user of one account by id, with what a login needs from the account and the user's
    /// second factors (the code step, a passkey login, a confirmed new address).
    pub async fn login_subject(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Option<LoginCandidate>, StoreError> {
        let sql = format!("{CANDIDATE_SELECT} WHERE u.account_id = $1 AND u.id = $2");
        let found: Option<CandidateRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(LoginCandidate::from))
    }

    /// The user with this username (any case) in one account.
    pub async fn user_by_username(
        &self,
        account_id: &str,
        username: &str,
    ) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.username_key = $2"
        );
        let found: Option<UserRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(scoped_key(
                account_id,
                &portcullis_core::username::key(username),
            ))
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(User::from))
    }

    /// Every user with this username (any case), in whichever account: usernames are unique
    /// only within an account. For the command line, which says when the name is ambiguous.
    pub async fn users_named(&self, username: &str) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username_key LIKE $1 ESCAPE '\\' ORDER BY u.created_at LIMIT 20"
        );
        let mut suffix = String::from("%/");
        for c in portcullis_core::username::key(username).chars() {
            if matches!(c, '%' | '_' | '\\') {
                suffix.push('\\');
            }
            suffix.push(c);
        }
        let found: Vec<UserRecord> = sqlx::query_as(&sql)
            .bind(suffix)
            .fetch_all(self.pool())
            .await?;
        Ok(found.into_iter().map(User::from).collect())
    }

    /// A page of the account's users, ordered by username, with their lock state. Walks the
    /// `(account_id, username_key)` index from `after`, so a page costs the same however deep
    /// it is; a search filters the account's rows on the way.
    pub async fn list_users(
        &self,
        account_id: &str,
        q: &UserQuery<'_>,
    ) -> Result<Vec<Employee>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, f.locked_at, \
                    (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS totp_confirmed, \
                    (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys \
             FROM users u \
             LEFT JOIN login_failures f ON f.throttle_key = 'user:' || u.username_key \
             WHERE u.account_id = $1 AND u.username_key > $2 \
               AND ($3 = '%%' OR lower(u.username) LIKE $3 ESCAPE '\\' OR lower(u.name) LIKE $3 ESCAPE '\\' \
                    OR lower(u.email) LIKE $3 ESCAPE '\\') \
             ORDER BY u.username_key LIMIT $4"
        );
        let found: Vec<EmployeeRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(scoped_key(account_id, q.after.unwrap_or("")))
            .bind(like_pattern(q.search.trim()))
            .bind(q.limit)
            .fetch_all(self.pool())
            .await?;
        Ok(found.into_iter().map(Employee::from).collect())
    }

    /// How many of the account's users match a search (for "N users").
    pub async fn count_users(&self, account_id: &str, search: &str) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM users u WHERE u.account_id = $1 \
               AND ($2 = '%%' OR lower(u.username) LIKE $2 ESCAPE '\\' OR lower(u.name) LIKE $2 ESCAPE '\\' \
                    OR lower(u.email) LIKE $2 ESCAPE '\\')",
        )
        .bind(account_id)
        .bind(like_pattern(search.trim()))
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Applies an administrator's change to a user, if `allowed(before, other_lasting_admins)`
    /// agrees. The account row is locked for the transaction, so two administrators demoting
    /// each other at the same moment cannot both succeed, on either database.
    pub async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        update: &UserUpdate,
        allowed: impl FnOnce(&User, u64) -> bool,
    ) -> Result<Guarded, StoreError> {
        let mut tx = self.begin().await?;
        let done = tx.update_user(account_id, user_id, update, allowed).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The account's users who can still log in at `now` and have no second factor (neither a
    /// confirmed authenticator app nor a passkey): who to tell when two-factor becomes required.
    pub async fn active_users_without_second_factor(
        &self,
        account_id: &str,
        now: Timestamp,
    ) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.disabled = 0 \
             AND (u.employment_ends_at IS NULL OR u.employment_ends_at > $2) \
             AND NOT EXISTS (SELECT 1 FROM totp_credentials t \
                             WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) \
             AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id) \
             ORDER BY u.username_key"
        );
        let found: Vec<UserRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(now.millis())
            .fetch_all(self.pool())
            .await?;
        Ok(found.into_iter().map(User::from).collect())
    }

    /// The account's users who can still log in at `now`: not deactivated, employment not
    /// ended. For mail that concerns everyone (a new security code).
    pub async fn active_users(
        &self,
        account_id: &str,
        now: Timestamp,
    ) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.disabled = 0 \
             AND (u.employment_ends_at IS NULL OR u.employment_ends_at > $2) ORDER BY u.username_key"
        );
        let found: Vec<UserRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(now.millis())
            .fetch_all(self.pool())
            .await?;
        Ok(found.into_iter().map(User::from).collect())
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

crate::tx::both! {
    /// Changes a user's username.
    pub async fn set_username(
        &self,
        account_id: &str,
        user_id: &str,
        username: &str,
    ) -> Result<(), StoreError> [e] {
        let done = sqlx::query(
            "UPDATE users SET username = $1, username_key = $2 WHERE account_id = $3 AND id = $4",
        )
        .bind(username)
        .bind(scoped_key(
            account_id,
            &portcullis_core::username::key(username),
        ))
        .bind(account_id)
        .bind(user_id)
        .execute(e)
        .await
        .map_err(|e| unique_violation(e, StoreError::UsernameTaken))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

crate::tx::both! {
    /// Stores a new password hash.
    pub async fn set_password_hash(
        &self,
        account_id: &str,
        user_id: &str,
        hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> [e] {
        changed(
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $4 WHERE account_id = $2 AND id = $3")
                .bind(hash)
                .bind(account_id)
                .bind(user_id)
                .bind(now.millis())
                .execute(e)
                .await,
        )
    }
}

impl crate::Tx {
    /// Applies an administrator's change to a user, if `allowed(before, other_lasting_admins)`
    /// agrees. The account row is locked for the transaction, so two administrators demoting
    /// each other at the same moment cannot both succeed, on either database.
    pub async fn update_user(
        &mut self,
        account_id: &str,
        user_id: &str,
        update: &UserUpdate,
        allowed: impl FnOnce(&User, u64) -> bool,
    ) -> Result<Guarded, StoreError> {
        lock_account(&mut self.inner, account_id).await?;
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.id = $2");
        let before: User = sqlx::query_as::<_, UserRecord>(&sql)
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(&mut *self.inner)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        let (others,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM users WHERE account_id = $1 AND id <> $2 \
             AND kind = 'administrator' AND disabled = 0 AND employment_ends_at IS NULL",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_one(&mut *self.inner)
        .await?;
        if !allowed(&before, u64::try_from(others).unwrap_or(0)) {
            return Ok(Guarded::Refused);
        }
        sqlx::query(
            "UPDATE users SET name = $1, email = $2, kind = $3, disabled = $4, employment_ends_at = $5, \
               email_verified_at = CASE WHEN email = $2 THEN email_verified_at END \
             WHERE account_id = $6 AND id = $7",
        )
        .bind(&update.name)
        .bind(&update.email)
        .bind(update.kind.as_str())
        .bind(i64::from(update.disabled))
        .bind(update.employment_ends_at.map(Timestamp::millis))
        .bind(account_id)
        .bind(user_id)
        .execute(&mut *self.inner)
        .await?;
        Ok(Guarded::Applied(Box::new(before)))
    }
}

crate::tx::both! {
    /// One user of one account; a user of another account is not found.
    pub async fn user(&self, account_id: &str, user_id: &str) -> Result<Option<User>, StoreError> [e] {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.id = $2");
        let found: Option<UserRecord> = sqlx::query_as(&sql)
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(e)
            .await?;
        Ok(found.map(User::from))
    }
}

impl crate::Tx {
    /// Creates a user in an existing account (`NotFound` when the account does not exist).
    pub async fn create_user(&mut self, user: &NewUser) -> Result<(), StoreError> {
        insert_user(&mut *self.inner, user).await
    }
}

crate::tx::both! {
    /// The second factors a user has set up.
    pub async fn factors(&self, account_id: &str, user_id: &str) -> Result<Factors, StoreError> [e] {
        let (totp_confirmed, passkeys): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM totp_credentials t \
                     WHERE t.account_id = $1 AND t.user_id = $2 AND t.confirmed_at IS NOT NULL), \
                    (SELECT COUNT(*) FROM passkeys p WHERE p.account_id = $1 AND p.user_id = $2)",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_one(e)
        .await?;
        Ok(factors(totp_confirmed, passkeys))
    }
}

crate::tx::both! {
    /// Sets the language the user chose (`None`: their browser's, else the account's).
    pub async fn set_user_language(
        &self,
        account_id: &str,
        user_id: &str,
        language: Option<Language>,
    ) -> Result<(), StoreError> [e] {
        crate::changed(
            sqlx::query("UPDATE users SET language = $1 WHERE account_id = $2 AND id = $3")
                .bind(language.map(Language::code))
                .bind(account_id)
                .bind(user_id)
                .execute(e)
                .await,
        )
    }
}

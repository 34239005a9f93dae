//! Bulk loading, for `portcullis dev seed` and the scale benchmark: many rows per statement,
//! one transaction per batch. Never used on a request path.

use portcullis_core::username;

use crate::accounts::NewAccount;
use crate::users::NewUser;
use crate::{Store, StoreError};

/// One row of `ip_addresses`, as a bulk load gives it.
#[derive(Debug, Clone)]
pub struct SeedIp {
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// The address, in canonical text form.
    pub ip: String,
    /// `pending`, `validated` or `blocked`.
    pub status: &'static str,
    /// ms.
    pub first_seen_at: i64,
    /// ms.
    pub last_seen_at: i64,
    /// The browser last seen from it.
    pub user_agent: &'static str,
}

/// Rows per INSERT statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const ROWS_PER_STATEMENT: usize = 500;

/// `INSERT INTO … VALUES ($1, …), (…), …` for `rows` rows of `columns` placeholders.
fn multi_row_insert(head: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * columns * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&(row * columns + column + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

impl Store {
    /// Inserts accounts, their users and the users' IP addresses in one transaction. A username
    /// that is taken fails the whole batch, so nothing half-made is left behind.
    pub async fn insert_seed_batch(
        &self,
        accounts: &[NewAccount],
        users: &[NewUser],
        ips: &[SeedIp],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        if self.backend() == crate::Backend::Sqlite {
            // Keys are random, so inserts land all over the B-trees: with SQLite's default 2 MB
            // page cache a large load spends its time re-reading pages. 512 MB for the loader.
            sqlx::query("PRAGMA cache_size = -524288")
                .execute(&mut *tx)
                .await?;
        }
        for chunk in accounts.chunks(ROWS_PER_STATEMENT) {
            let sql = multi_row_insert(
                "INSERT INTO accounts (id, name, security_code_enc, security_code_index, created_at)",
                5,
                chunk.len(),
            );
            let mut query = sqlx::query(&sql);
            for a in chunk {
                query = query
                    .bind(&a.id)
                    .bind(&a.name)
                    .bind(&a.security_code_enc)
                    .bind(&a.security_code_index)
                    .bind(a.created_at.millis());
            }
            query
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::unique_violation(e, StoreError::SecurityCodeTaken))?;
        }
        for chunk in users.chunks(ROWS_PER_STATEMENT) {
            let sql = multi_row_insert(
                "INSERT INTO users (id, account_id, username, username_key, name, email, kind, password_hash, created_at)",
                9,
                chunk.len(),
            );
            let mut query = sqlx::query(&sql);
            for u in chunk {
                query = query
                    .bind(&u.id)
                    .bind(&u.account_id)
                    .bind(&u.username)
                    .bind(crate::users::scoped_key(
                        &u.account_id,
                        &username::key(&u.username),
                    ))
                    .bind(&u.name)
                    .bind(&u.email)
                    .bind(u.kind.as_str())
                    .bind(u.password_hash.clone())
                    .bind(u.created_at.millis());
            }
            query
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::unique_violation(e, StoreError::UsernameTaken))?;
        }
        for chunk in ips.chunks(ROWS_PER_STATEMENT) {
            let sql = multi_row_insert(
                "INSERT INTO ip_addresses (account_id, user_id, ip, status, first_seen_at, last_seen_at, last_user_agent)",
                7,
                chunk.len(),
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(&r.account_id)
                    .bind(&r.user_id)
                    .bind(&r.ip)
                    .bind(r.status)
                    .bind(r.first_seen_at)
                    .bind(r.last_seen_at)
                    .bind(r.user_agent);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Brings the query planner's statistics up to date after a bulk load.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE").execute(self.pool()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_row_by_row() {
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b)", 2, 3),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4),($5,$6)"
        );
    }
}

//! OpenID Connect: relying parties, signing keys, authorization codes, refresh tokens, consents.

use portcullis_core::Timestamp;

use crate::{Store, StoreError, flag};

/// A relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    /// Its id (public).
    pub client_id: String,
    /// Its name, shown on the consent page.
    pub name: String,
    /// The SHA-256 of its secret; `None` for a public client.
    pub secret_hash: Option<String>,
    /// Where it may be sent back, exactly.
    pub redirect_uris: Vec<String>,
    /// The one account whose users it serves, if it is scoped.
    pub account_id: Option<String>,
    /// The SaaS's own app: no consent page.
    pub first_party: bool,
    /// How its ID tokens are signed.
    pub id_token_alg: String,
    /// When it was registered.
    pub created_at: Timestamp,
}

type ClientRecord = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
    String,
    i64,
);

fn client_from(r: ClientRecord) -> OidcClient {
    OidcClient {
        client_id: r.0,
        name: r.1,
        secret_hash: r.2,
        redirect_uris: r.3.lines().map(str::to_string).collect(),
        account_id: r.4,
        first_party: flag(r.5),
        id_token_alg: r.6,
        created_at: Timestamp(r.7),
    }
}

const CLIENT_COLUMNS: &str = "SELECT client_id, name, secret_hash, redirect_uris, account_id, first_party, id_token_alg, created_at FROM oidc_clients";

/// A stored signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcKeyRow {
    /// Its key id.
    pub kid: String,
    /// Its algorithm (JOSE name).
    pub alg: String,
    /// The private key, sealed.
    pub private_enc: String,
    /// The public JWK (JSON).
    pub public_jwk: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops being published (set when a newer key replaced it).
    pub retire_at: Option<Timestamp>,
}

/// What an authorization code was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    /// The client.
    pub client_id: String,
    /// The Portcullis session it came from (public id).
    pub session_id: String,
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// Where the code was sent.
    pub redirect_uri: String,
    /// The granted scope.
    pub scope: String,
    /// The request's nonce.
    pub nonce: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// When the user logged in.
    pub auth_time: Timestamp,
    /// How (stored login method).
    pub amr: String,
    /// When it expires.
    pub expires_at: Timestamp,
    /// When it was exchanged, if it was.
    pub used_at: Option<Timestamp>,
    /// The refresh family its exchange issued, if any.
    pub family: Option<String>,
}

type CodeRecord = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    /// Its family (every token rotated from the same exchange).
    pub family: String,
    /// The client.
    pub client_id: String,
    /// The Portcullis session it is bound to (public id).
    pub session_id: String,
    /// The user's account.
    pub account_id: String,
    /// The user.
    pub user_id: String,
    /// The granted scope.
    pub scope: String,
    /// When the user logged in.
    pub auth_time: Timestamp,
    /// How (stored login method).
    pub amr: String,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Used (rotated) already.
    pub used: bool,
    /// Revoked.
    pub revoked: bool,
    /// Its session still exists.
    pub session_alive: bool,
}

type RefreshRecord = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
);

/// A new refresh token's facts.
#[derive(Debug, Clone)]
pub struct NewRefresh<'a> {
    /// SHA-256 of the token.
    pub token_hash: &'a str,
    /// Its family.
    pub family: &'a str,
    /// The client.
    pub client_id: &'a str,
    /// The session it is bound to.
    pub session_id: &'a str,
    /// The user's account.
    pub account_id: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// The granted scope.
    pub scope: &'a str,
    /// When the user logged in.
    pub auth_time: Timestamp,
    /// How.
    pub amr: &'a str,
    /// Now.
    pub now: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
}

/// A new authorization code's facts.
#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    /// SHA-256 of the code.
    pub code_hash: &'a str,
    /// What it grants.
    pub client_id: &'a str,
    /// The session it came from.
    pub session_id: &'a str,
    /// The user's account.
    pub account_id: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// Where it goes.
    pub redirect_uri: &'a str,
    /// The granted scope.
    pub scope: &'a str,
    /// The request's nonce.
    pub nonce: Option<&'a str>,
    /// PKCE S256 challenge.
    pub code_challenge: &'a str,
    /// When the user logged in.
    pub auth_time: Timestamp,
    /// How.
    pub amr: &'a str,
    /// Now.
    pub now: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
}

/// An app a user allowed, for their Security and login details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAccess {
    /// The client.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// What it may ask.
    pub scope: String,
    /// When it was allowed.
    pub granted_at: Timestamp,
}

crate::tx::both! {
    /// Registers a relying party.
    pub async fn create_oidc_client(
        &self,
        client: &OidcClient,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris, account_id, first_party, id_token_alg, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(&client.secret_hash)
        .bind(client.redirect_uris.join("\n"))
        .bind(&client.account_id)
        .bind(i64::from(client.first_party))
        .bind(&client.id_token_alg)
        .bind(client.created_at.millis())
        .execute(e)
        .await?;
        Ok(())
    }

    /// Removes a relying party (its codes, tokens and consents go with it); whether it existed.
    pub async fn delete_oidc_client(&self, client_id: &str) -> Result<bool, StoreError> [e] {
        let done = sqlx::query("DELETE FROM oidc_clients WHERE client_id = $1")
            .bind(client_id)
            .execute(e)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces a confidential client's secret (its hash); whether it is one.
    pub async fn set_oidc_client_secret(
        &self,
        client_id: &str,
        secret_hash: &str,
    ) -> Result<bool, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE oidc_clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash IS NOT NULL",
        )
        .bind(secret_hash)
        .bind(client_id)
        .execute(e)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a signing key.
    pub async fn insert_oidc_key(&self, key: &OidcKeyRow) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO oidc_keys (kid, alg, private_enc, public_jwk, created_at, retire_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kid) DO NOTHING",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(&key.private_enc)
        .bind(&key.public_jwk)
        .bind(key.created_at.millis())
        .bind(key.retire_at.map(Timestamp::millis))
        .execute(e)
        .await?;
        Ok(())
    }

    /// Marks every key of `alg` but `keep` to stop being published at `retire_at` (unless
    /// already retiring sooner).
    pub async fn retire_oidc_keys(
        &self,
        alg: &str,
        keep: &str,
        retire_at: Timestamp,
    ) -> Result<u64, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE oidc_keys SET retire_at = $1 WHERE alg = $2 AND kid <> $3 \
               AND (retire_at IS NULL OR retire_at > $1)",
        )
        .bind(retire_at.millis())
        .bind(alg)
        .bind(keep)
        .execute(e)
        .await?;
        Ok(done.rows_affected())
    }

    /// Stores an authorization code.
    pub async fn insert_oidc_code(&self, c: &NewCode<'_>) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO oidc_codes (code_hash, client_id, session_id, account_id, user_id, redirect_uri, scope, nonce, \
               code_challenge, auth_time, amr, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(c.code_hash)
        .bind(c.client_id)
        .bind(c.session_id)
        .bind(c.account_id)
        .bind(c.user_id)
        .bind(c.redirect_uri)
        .bind(c.scope)
        .bind(c.nonce)
        .bind(c.code_challenge)
        .bind(c.auth_time.millis())
        .bind(c.amr)
        .bind(c.now.millis())
        .bind(c.expires_at.millis())
        .execute(e)
        .await?;
        Ok(())
    }

    /// Marks a code used (only if it was not): whether this call did, so two exchanges of one
    /// code cannot both pass.
    pub async fn use_oidc_code(
        &self,
        code_hash: &str,
        family: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE oidc_codes SET used_at = $1, family = $2 WHERE code_hash = $3 AND used_at IS NULL",
        )
        .bind(now.millis())
        .bind(family)
        .bind(code_hash)
        .execute(e)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a refresh token.
    pub async fn insert_refresh_token(&self, r: &NewRefresh<'_>) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO oidc_refresh_tokens (token_hash, family, client_id, session_id, account_id, user_id, scope, \
               auth_time, amr, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(r.token_hash)
        .bind(r.family)
        .bind(r.client_id)
        .bind(r.session_id)
        .bind(r.account_id)
        .bind(r.user_id)
        .bind(r.scope)
        .bind(r.auth_time.millis())
        .bind(r.amr)
        .bind(r.now.millis())
        .bind(r.expires_at.millis())
        .execute(e)
        .await?;
        Ok(())
    }

    /// Marks a refresh token used (only if it was not and is not revoked): whether this call
    /// did, so one token rotates once.
    pub async fn use_refresh_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE oidc_refresh_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now.millis())
        .bind(token_hash)
        .execute(e)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Revokes every refresh token of a family.
    pub async fn revoke_refresh_family(
        &self,
        family: &str,
        now: Timestamp,
    ) -> Result<u64, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
        )
        .bind(now.millis())
        .bind(family)
        .execute(e)
        .await?;
        Ok(done.rows_affected())
    }

    /// Notes that a user's address was proven by an emailed link (set-password or reset).
    pub async fn mark_email_verified(&self, user_id: &str, now: Timestamp) -> Result<(), StoreError> [e] {
        sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
            .bind(now.millis())
            .bind(user_id)
            .execute(e)
            .await?;
        Ok(())
    }

    /// Revokes every refresh token of a user (their password changed).
    pub async fn revoke_refresh_tokens_of_user(
        &self,
        user_id: &str,
        now: Timestamp,
    ) -> Result<u64, StoreError> [e] {
        let done = sqlx::query(
            "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now.millis())
        .bind(user_id)
        .execute(e)
        .await?;
        Ok(done.rows_affected())
    }

    /// Remembers what a user allowed a client.
    pub async fn grant_consent(
        &self,
        user_id: &str,
        client_id: &str,
        account_id: &str,
        scope: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> [e] {
        sqlx::query(
            "INSERT INTO oidc_consents (user_id, client_id, account_id, scope, granted_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, client_id) DO UPDATE SET scope = $4, granted_at = $5",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(account_id)
        .bind(scope)
        .bind(now.millis())
        .execute(e)
        .await?;
        Ok(())
    }
}

impl crate::Tx {
    /// Takes back what a user allowed a client, and revokes its refresh tokens for them;
    /// whether there was a consent or a token.
    pub async fn revoke_app(
        &mut self,
        user_id: &str,
        client_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let consent =
            sqlx::query("DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
                .bind(user_id)
                .bind(client_id)
                .execute(&mut *self.inner)
                .await?;
        let tokens = sqlx::query(
            "UPDATE oidc_refresh_tokens SET revoked_at = $1 \
             WHERE user_id = $2 AND client_id = $3 AND revoked_at IS NULL",
        )
        .bind(now.millis())
        .bind(user_id)
        .bind(client_id)
        .execute(&mut *self.inner)
        .await?;
        Ok(consent.rows_affected() + tokens.rows_affected() > 0)
    }
}

impl Store {
    /// A relying party by id.
    pub async fn oidc_client(&self, client_id: &str) -> Result<Option<OidcClient>, StoreError> {
        let found: Option<ClientRecord> =
            sqlx::query_as(&format!("{CLIENT_COLUMNS} WHERE client_id = $1"))
                .bind(client_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(client_from))
    }

    /// Every relying party, by name.
    pub async fn oidc_clients(&self) -> Result<Vec<OidcClient>, StoreError> {
        let found: Vec<ClientRecord> =
            sqlx::query_as(&format!("{CLIENT_COLUMNS} ORDER BY lower(name), client_id"))
                .fetch_all(self.pool())
                .await?;
        Ok(found.into_iter().map(client_from).collect())
    }

    /// The signing keys published at `now` (not retired yet), newest first.
    pub async fn oidc_keys(&self, now: Timestamp) -> Result<Vec<OidcKeyRow>, StoreError> {
        let found: Vec<(String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kid, alg, private_enc, public_jwk, created_at, retire_at FROM oidc_keys \
             WHERE retire_at IS NULL OR retire_at > $1 ORDER BY created_at DESC, kid",
        )
        .bind(now.millis())
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|r| OidcKeyRow {
                kid: r.0,
                alg: r.1,
                private_enc: r.2,
                public_jwk: r.3,
                created_at: Timestamp(r.4),
                retire_at: r.5.map(Timestamp),
            })
            .collect())
    }

    /// An authorization code by its hash.
    pub async fn oidc_code(&self, code_hash: &str) -> Result<Option<CodeGrant>, StoreError> {
        let found: Option<CodeRecord> = sqlx::query_as(
            "SELECT client_id, session_id, account_id, user_id, redirect_uri, scope, nonce, code_challenge, \
               auth_time, amr, expires_at, used_at, family FROM oidc_codes WHERE code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(|r| CodeGrant {
            client_id: r.0,
            session_id: r.1,
            account_id: r.2,
            user_id: r.3,
            redirect_uri: r.4,
            scope: r.5,
            nonce: r.6,
            code_challenge: r.7,
            auth_time: Timestamp(r.8),
            amr: r.9,
            expires_at: Timestamp(r.10),
            used_at: r.11.map(Timestamp),
            family: r.12,
        }))
    }

    /// A refresh token by its hash, with whether its session still exists.
    pub async fn refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshGrant>, StoreError> {
        let found: Option<RefreshRecord> = sqlx::query_as(
            "SELECT r.family, r.client_id, r.session_id, r.account_id, r.user_id, r.scope, r.auth_time, r.amr, \
               r.expires_at, r.used_at, r.revoked_at, \
               CASE WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.id = r.session_id) THEN 1 ELSE 0 END \
             FROM oidc_refresh_tokens r WHERE r.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(|r| RefreshGrant {
            family: r.0,
            client_id: r.1,
            session_id: r.2,
            account_id: r.3,
            user_id: r.4,
            scope: r.5,
            auth_time: Timestamp(r.6),
            amr: r.7,
            expires_at: Timestamp(r.8),
            used: r.9.is_some(),
            revoked: r.10.is_some(),
            session_alive: flag(r.11),
        }))
    }

    /// What a user allowed a client, if anything.
    pub async fn consent(
        &self,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT scope FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(|(scope,)| scope))
    }

    /// The apps a user allowed, by name.
    pub async fn apps_of_user(&self, user_id: &str) -> Result<Vec<AppAccess>, StoreError> {
        let found: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT c.client_id, c.name, k.scope, k.granted_at FROM oidc_consents k \
             JOIN oidc_clients c ON c.client_id = k.client_id WHERE k.user_id = $1 \
             ORDER BY lower(c.name), c.client_id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(found
            .into_iter()
            .map(|(client_id, name, scope, at)| AppAccess {
                client_id,
                name,
                scope,
                granted_at: Timestamp(at),
            })
            .collect())
    }

    /// The account and user of a session (by its public id), if it still exists.
    pub async fn session_owner(
        &self,
        session_id: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT account_id, user_id FROM sessions WHERE id = $1")
                .bind(session_id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Whether a user's email address was proven by an emailed link.
    pub async fn email_verified(&self, user_id: &str) -> Result<bool, StoreError> {
        let found: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT email_verified_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(matches!(found, Some((Some(_),))))
    }
}

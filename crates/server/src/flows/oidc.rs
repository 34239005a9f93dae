//! OpenID Connect provider: relying parties, signing keys, authorization codes, tokens, userinfo
//! and consents. The HTTP layer (`http::oidc`) reads requests and writes answers; the rules are
//! `portcullis_core::oidc`'s; everything shared between processes is in the database.
//!
//! What must always hold:
//! - a code is exchanged once, by the client it was issued to, with the redirect URI and PKCE
//!   verifier it was issued for; a second exchange fails and revokes what the first issued;
//! - a refresh token is used once; presenting a used one revokes its whole family; one whose
//!   Portcullis session ended (logout, password change, end of employment, ended by an
//!   administrator) no longer works;
//! - secrets and tokens are stored as SHA-256 only; signing keys sealed with the server key.

use std::sync::Arc;
use std::time::Duration;

use portcullis_core::oidc::{self as rules, RefreshUse, Scopes};
use portcullis_core::session::LoginMethod;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, ids, token, user};
use portcullis_store::{NewCode, NewRefresh, OidcClient, OidcKeyRow, StoreError};
use serde_json::{Value, json};

use crate::infra::jwt::{self, Alg, Loaded, SigningKey};
use crate::state::AppState;

/// How long a process trusts its copy of the signing keys before reading them again (a key
/// rotated by another process is used from then on; the old key stays published far longer).
const KEY_CACHE: Duration = Duration::from_secs(60);

/// Something went wrong that the caller answers with a 500 (the database, a key that does not
/// open).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A signing key could not be made, opened or used.
    #[error(transparent)]
    Key(#[from] jwt::KeyError),
}

fn key_context(kid: &str) -> String {
    format!("oidc/key/{kid}")
}

/// Makes a signing key of `alg` and stores it (sealed); it signs from now on.
async fn new_key(state: &AppState, alg: Alg, now: Timestamp) -> Result<String, OidcError> {
    let (pkcs8, key) = jwt::generate(alg)?;
    state
        .store
        .insert_oidc_key(&OidcKeyRow {
            kid: key.kid.clone(),
            alg: alg.as_str().to_string(),
            private_enc: state.keys.encrypt(&key_context(&key.kid), &pkcs8),
            public_jwk: key.public_jwk().to_string(),
            created_at: now,
            retire_at: None,
        })
        .await?;
    Ok(key.kid)
}

/// At start-up: a signing key of every algorithm, made on the first start.
pub async fn ensure_keys(state: &AppState) -> Result<(), OidcError> {
    let now = state.clock.now();
    let keys = state.store.oidc_keys(now).await?;
    for alg in Alg::ALL {
        if !keys
            .iter()
            .any(|k| k.alg == alg.as_str() && k.retire_at.is_none())
        {
            let kid = new_key(state, alg, now).await?;
            tracing::info!(alg = alg.as_str(), %kid, "made an OpenID Connect signing key");
        }
    }
    Ok(())
}

/// `portcullis oidc rotate-keys`: a new key of every algorithm signs from now on; the previous
/// ones stay published until every token they signed has expired. The new key ids.
pub async fn rotate_keys(state: &AppState) -> Result<Vec<String>, OidcError> {
    let now = state.clock.now();
    let mut made = Vec::new();
    for alg in Alg::ALL {
        let kid = new_key(state, alg, now).await?;
        state
            .store
            .retire_oidc_keys(alg.as_str(), &kid, now.plus(rules::KEY_OVERLAP))
            .await?;
        made.push(kid);
    }
    Ok(made)
}

/// The keys, from this process's copy when it is recent, else read again.
async fn loaded(state: &AppState, fresh: bool) -> Result<Arc<Loaded>, OidcError> {
    let now = state.clock.now();
    if !fresh
        && let Some(current) = state.oidc_keys.0.read().await.as_ref()
        && now.since(current.loaded_at) < KEY_CACHE
        && current.loaded_at <= now
    {
        return Ok(current.clone());
    }
    let rows = state.store.oidc_keys(now).await?;
    let mut signing = Vec::new();
    let mut published = Vec::new();
    for row in &rows {
        if let Ok(jwk) = serde_json::from_str::<Value>(&row.public_jwk) {
            published.push(jwk);
        }
        let Some(alg) = Alg::parse(&row.alg) else {
            continue;
        };
        // Newest first: the first unretired key of an algorithm signs.
        if row.retire_at.is_none() && !signing.iter().any(|k: &Arc<SigningKey>| k.alg == alg) {
            let pkcs8 = state
                .keys
                .decrypt(&key_context(&row.kid), &row.private_enc)
                .map_err(|e| jwt::KeyError(format!("key {} does not open: {e}", row.kid)))?;
            signing.push(Arc::new(jwt::load(alg, &pkcs8)?));
        }
    }
    let fresh = Arc::new(Loaded {
        signing,
        published,
        loaded_at: now,
    });
    *state.oidc_keys.0.write().await = Some(fresh.clone());
    Ok(fresh)
}

/// The published keys (the JWKS).
pub async fn jwks(state: &AppState) -> Result<Value, OidcError> {
    Ok(json!({ "keys": loaded(state, false).await?.published }))
}

async fn signer(state: &AppState, alg: Alg) -> Result<Arc<SigningKey>, OidcError> {
    let keys = loaded(state, false).await?;
    if let Some(key) = keys.signing.iter().find(|k| k.alg == alg) {
        return Ok(key.clone());
    }
    // Made since this copy (or retired under it): read again, else make one.
    let keys = loaded(state, true).await?;
    match keys.signing.iter().find(|k| k.alg == alg) {
        Some(key) => Ok(key.clone()),
        None => {
            new_key(state, alg, state.clock.now()).await?;
            loaded(state, true)
                .await?
                .signing
                .iter()
                .find(|k| k.alg == alg)
                .cloned()
                .ok_or_else(|| jwt::KeyError("no signing key".into()).into())
        }
    }
}

/// The issuer: the public URL without a trailing slash.
pub fn issuer(state: &AppState) -> String {
    state.config.public_origin()
}

// ---------------------------------------------------------------------------------------------
// Relying parties

/// The demo's example app (`/dev/example-app`): its client is found by this name.
pub const EXAMPLE_APP: &str = "Example app (demo)";

/// What `client create` was given.
pub struct NewClient<'a> {
    /// Its name.
    pub name: &'a str,
    /// Where it may be sent back.
    pub redirect_uris: &'a [String],
    /// No secret (a browser or mobile app).
    pub public: bool,
    /// Only this account's users.
    pub account_id: Option<&'a str>,
    /// No consent page.
    pub first_party: bool,
    /// How its ID tokens are signed.
    pub alg: Alg,
}

/// Why a client was not registered.
#[derive(Debug, thiserror::Error)]
pub enum ClientProblem {
    /// A redirect URI is not an absolute http(s) URI without a fragment.
    #[error(
        "'{0}' cannot be a redirect URI: give an absolute https:// URI (http:// only for localhost), without a fragment; a --public native app may also use a private-use scheme in reverse domain-name form (com.example.app:/callback)"
    )]
    BadRedirectUri(String),
    /// No redirect URI.
    #[error("give at least one --redirect-uri")]
    NoRedirectUri,
    /// The name is empty or too long.
    #[error("give a name of 1 to 100 characters")]
    BadName,
    /// No account has this id.
    #[error("no account has the id '{0}'")]
    NoSuchAccount(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `uri` may be registered for a client: absolute, https (http only for loopback and
/// `localhost`, for development and native apps), no fragment; for a public client (a native
/// app) also a private-use scheme in reverse domain-name form (RFC 8252 section 7.1).
pub fn acceptable_redirect_uri_for(uri: &str, public: bool) -> bool {
    acceptable_redirect_uri(uri) || (public && rules::private_use_redirect(uri))
}

/// Whether `uri` may be registered as a web redirect: absolute, https (http only for loopback and
/// `localhost`, for development and native apps), no fragment.
pub fn acceptable_redirect_uri(uri: &str) -> bool {
    let Ok(parsed) = url::Url::parse(uri) else {
        return false;
    };
    let local = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    parsed.fragment().is_none()
        && uri.len() <= 2000
        && (parsed.scheme() == "https" || (parsed.scheme() == "http" && local))
}

/// Registers a relying party: its id and, unless public, its secret (shown once).
pub async fn create_client(
    state: &AppState,
    new: &NewClient<'_>,
) -> Result<(String, Option<String>), ClientProblem> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ClientProblem::BadName);
    }
    if new.redirect_uris.is_empty() {
        return Err(ClientProblem::NoRedirectUri);
    }
    if let Some(bad) = new
        .redirect_uris
        .iter()
        .find(|u| !acceptable_redirect_uri_for(u, new.public))
    {
        return Err(ClientProblem::BadRedirectUri(bad.clone()));
    }
    if let Some(account) = new.account_id
        && state.store.account(account).await?.is_none()
    {
        return Err(ClientProblem::NoSuchAccount(account.to_string()));
    }
    let client_id = ids::new_id();
    let secret = (!new.public).then(token::new_token);
    state
        .store
        .create_oidc_client(&OidcClient {
            client_id: client_id.clone(),
            name: name.to_string(),
            secret_hash: secret.as_deref().map(token::hash_token),
            redirect_uris: new.redirect_uris.to_vec(),
            account_id: new.account_id.map(str::to_string),
            first_party: new.first_party,
            id_token_alg: new.alg.as_str().to_string(),
            created_at: state.clock.now(),
        })
        .await?;
    Ok((client_id, secret))
}

/// A new secret for a confidential client (shown once); `None` when there is no such client or
/// it is public.
pub async fn rotate_secret(
    state: &AppState,
    client_id: &str,
) -> Result<Option<String>, StoreError> {
    let secret = token::new_token();
    Ok(state
        .store
        .set_oidc_client_secret(client_id, &token::hash_token(&secret))
        .await?
        .then_some(secret))
}

/// How a client authenticated at the token endpoint.
pub enum ClientAuth<'a> {
    /// `client_secret_basic` or `client_secret_post`.
    Secret { client_id: &'a str, secret: &'a str },
    /// A public client: its id only.
    None { client_id: &'a str },
}

/// The client behind a token request, if its authentication holds: a confidential client must
/// present its secret (compared as hashes, in constant time); a public one must not have one.
pub async fn authenticate_client(
    state: &AppState,
    auth: &ClientAuth<'_>,
) -> Result<Option<OidcClient>, StoreError> {
    let (client_id, secret) = match auth {
        ClientAuth::Secret { client_id, secret } => (*client_id, Some(*secret)),
        ClientAuth::None { client_id } => (*client_id, None),
    };
    if client_id.len() > 100 {
        return Ok(None);
    }
    let client = state.store.oidc_client(client_id).await?;
    // The same hashing whether or not the client exists.
    let presented = token::hash_token(secret.unwrap_or_default());
    Ok(client.filter(|c| match (&c.secret_hash, secret) {
        (Some(stored), Some(_)) => token::constant_time_eq(stored.as_bytes(), presented.as_bytes()),
        (None, None) => true,
        _ => false,
    }))
}

// ---------------------------------------------------------------------------------------------
// Who the tokens are about

/// The user a token is about, as its claims say them.
pub struct Subject {
    /// The user.
    pub user: User,
    /// Their account's name.
    pub account_name: String,
    /// Their address was proven by an emailed link.
    pub email_verified: bool,
    /// The administrations they may use (id, name).
    pub administrations: Vec<(String, String)>,
}

/// The user behind a grant, if they may still log in at `now`.
pub async fn subject(
    state: &AppState,
    account_id: &str,
    user_id: &str,
) -> Result<Option<Subject>, StoreError> {
    let Some(found) = state.store.user(account_id, user_id).await? else {
        return Ok(None);
    };
    if user::barred(found.disabled, found.employment_ends_at, state.clock.now()).is_some() {
        return Ok(None);
    }
    let account_name = state
        .store
        .account(account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let administrations = state
        .store
        .administrations_for(account_id, user_id, found.kind)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    Ok(Some(Subject {
        email_verified: state.store.email_verified(user_id).await?,
        user: found,
        account_name,
        administrations,
    }))
}

/// The claims `scopes` release about `subject` (ID token, access token and userinfo).
pub fn scope_claims(subject: &Subject, scopes: Scopes) -> serde_json::Map<String, Value> {
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), json!(subject.user.id));
    if scopes.profile {
        let name = if subject.user.name.is_empty() {
            &subject.user.username
        } else {
            &subject.user.name
        };
        claims.insert("name".into(), json!(name));
        claims.insert("preferred_username".into(), json!(subject.user.username));
    }
    if scopes.email {
        claims.insert("email".into(), json!(subject.user.email));
        claims.insert("email_verified".into(), json!(subject.email_verified));
    }
    if scopes.account {
        claims.insert("account_id".into(), json!(subject.user.account_id));
        claims.insert("account_name".into(), json!(subject.account_name));
        claims.insert("user_kind".into(), json!(subject.user.kind.as_str()));
        claims.insert(
            "administrations".into(),
            Value::Array(
                subject
                    .administrations
                    .iter()
                    .map(|(id, name)| json!({ "id": id, "name": name }))
                    .collect(),
            ),
        );
    }
    claims
}

// ---------------------------------------------------------------------------------------------
// Codes and tokens

/// What a code is issued for.
pub struct Authorized<'a> {
    /// The client.
    pub client: &'a OidcClient,
    /// The Portcullis session (public id).
    pub session_id: &'a str,
    /// The user's account.
    pub account_id: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// The exact redirect URI of the request.
    pub redirect_uri: &'a str,
    /// What was granted.
    pub scopes: Scopes,
    /// The request's nonce.
    pub nonce: Option<&'a str>,
    /// The PKCE S256 challenge.
    pub code_challenge: &'a str,
    /// When the user logged in.
    pub auth_time: Timestamp,
    /// How.
    pub method: LoginMethod,
}

/// Issues an authorization code (returned once; stored as its hash).
pub async fn issue_code(state: &AppState, a: &Authorized<'_>) -> Result<String, StoreError> {
    let code = token::new_token();
    let now = state.clock.now();
    state
        .store
        .insert_oidc_code(&NewCode {
            code_hash: &token::hash_token(&code),
            client_id: &a.client.client_id,
            session_id: a.session_id,
            account_id: a.account_id,
            user_id: a.user_id,
            redirect_uri: a.redirect_uri,
            scope: &a.scopes.as_string(),
            nonce: a.nonce,
            code_challenge: a.code_challenge,
            auth_time: a.auth_time,
            amr: a.method.as_str(),
            now,
            expires_at: now.plus(rules::CODE_VALIDITY),
        })
        .await?;
    Ok(code)
}

/// A token endpoint refusal, as RFC 6749 5.2 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// The code or refresh token is unknown, expired, used, revoked, another client's, or does
    /// not match the redirect URI or PKCE verifier.
    InvalidGrant,
    /// The request lacks something or repeats it.
    InvalidRequest,
}

/// The answer of a successful token request.
pub struct Tokens {
    /// The signed ID token.
    pub id_token: String,
    /// The signed access token (RFC 9068).
    pub access_token: String,
    /// A new refresh token, when `offline_access` was granted.
    pub refresh_token: Option<String>,
    /// The granted scope.
    pub scope: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

/// What tokens are made from.
struct Grant<'a> {
    client: &'a OidcClient,
    session_id: &'a str,
    account_id: &'a str,
    user_id: &'a str,
    scope: &'a str,
    nonce: Option<&'a str>,
    auth_time: Timestamp,
    method: LoginMethod,
}

async fn make_tokens(
    state: &AppState,
    grant: &Grant<'_>,
    refresh_family: Option<&str>,
) -> Result<Result<Tokens, TokenRefusal>, OidcError> {
    let Some(subject) = subject(state, grant.account_id, grant.user_id).await? else {
        return Ok(Err(TokenRefusal::InvalidGrant));
    };
    let scopes = Scopes::parse(grant.scope).unwrap_or_default();
    let now = state.clock.now();
    let exp = now.plus(rules::TOKEN_VALIDITY);
    let iss = issuer(state);
    let amr = rules::amr(grant.method);
    let acr = rules::acr(grant.method);
    let secs = |t: Timestamp| t.millis() / 1000;

    let mut id = scope_claims(&subject, scopes);
    for (name, value) in [
        ("iss", json!(iss)),
        ("aud", json!(grant.client.client_id)),
        ("azp", json!(grant.client.client_id)),
        ("iat", json!(secs(now))),
        ("exp", json!(secs(exp))),
        ("auth_time", json!(secs(grant.auth_time))),
        ("sid", json!(grant.session_id)),
        ("amr", json!(amr)),
        ("acr", json!(acr)),
    ] {
        id.insert(name.into(), value);
    }
    if let Some(nonce) = grant.nonce {
        id.insert("nonce".into(), json!(nonce));
    }
    let alg = Alg::parse(&grant.client.id_token_alg).unwrap_or(Alg::Es256);
    let id_token = signer(state, alg).await?.sign("JWT", &Value::Object(id))?;

    let mut access = scope_claims(&subject, scopes);
    for (name, value) in [
        ("iss", json!(iss)),
        ("aud", json!(grant.client.client_id)),
        ("client_id", json!(grant.client.client_id)),
        ("iat", json!(secs(now))),
        ("exp", json!(secs(exp))),
        ("jti", json!(ids::new_id())),
        ("scope", json!(scopes.as_string())),
        ("auth_time", json!(secs(grant.auth_time))),
        ("sid", json!(grant.session_id)),
        ("amr", json!(amr)),
        ("acr", json!(acr)),
    ] {
        access.insert(name.into(), value);
    }
    let access_token = signer(state, Alg::Es256)
        .await?
        .sign("at+jwt", &Value::Object(access))?;

    let refresh_token = match (scopes.offline_access, refresh_family) {
        (true, Some(family)) => {
            let fresh = token::new_token();
            state
                .store
                .insert_refresh_token(&NewRefresh {
                    token_hash: &token::hash_token(&fresh),
                    family,
                    client_id: &grant.client.client_id,
                    session_id: grant.session_id,
                    account_id: grant.account_id,
                    user_id: grant.user_id,
                    scope: &scopes.as_string(),
                    auth_time: grant.auth_time,
                    amr: grant.method.as_str(),
                    now,
                    expires_at: now.plus(rules::REFRESH_VALIDITY),
                })
                .await?;
            Some(fresh)
        }
        _ => None,
    };
    Ok(Ok(Tokens {
        id_token,
        access_token,
        refresh_token,
        scope: scopes.as_string(),
        expires_in: rules::TOKEN_VALIDITY.as_secs(),
    }))
}

/// Whether a Portcullis session (public id) still exists.
async fn session_alive(state: &AppState, session_id: &str) -> Result<bool, StoreError> {
    Ok(state.store.session_owner(session_id).await?.is_some())
}

/// `grant_type=authorization_code`.
pub async fn exchange_code(
    state: &AppState,
    client: &OidcClient,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<Result<Tokens, TokenRefusal>, OidcError> {
    if code.is_empty() || code.len() > 200 {
        return Ok(Err(TokenRefusal::InvalidRequest));
    }
    let code_hash = token::hash_token(code);
    let now = state.clock.now();
    let Some(grant) = state.store.oidc_code(&code_hash).await? else {
        return Ok(Err(TokenRefusal::InvalidGrant));
    };
    if grant.used_at.is_some() {
        // A replay: what the first exchange issued is revoked (RFC 6749 4.1.2).
        if let Some(family) = &grant.family {
            state.store.revoke_refresh_family(family, now).await?;
        }
        tracing::warn!(client_id = %client.client_id, "an authorization code was presented twice");
        return Ok(Err(TokenRefusal::InvalidGrant));
    }
    if grant.client_id != client.client_id
        || grant.redirect_uri != redirect_uri
        || now >= grant.expires_at
        || !rules::pkce_matches(verifier, &grant.code_challenge)
        || !session_alive(state, &grant.session_id).await?
    {
        return Ok(Err(TokenRefusal::InvalidGrant));
    }
    let family = ids::new_id();
    if !state
        .store
        .use_oidc_code(&code_hash, Some(&family), now)
        .await?
    {
        return Ok(Err(TokenRefusal::InvalidGrant));
    }
    make_tokens(
        state,
        &Grant {
            client,
            session_id: &grant.session_id,
            account_id: &grant.account_id,
            user_id: &grant.user_id,
            scope: &grant.scope,
            nonce: grant.nonce.as_deref(),
            auth_time: grant.auth_time,
            method: LoginMethod::parse(&grant.amr),
        },
        Some(&family),
    )
    .await
}

/// `grant_type=refresh_token`: rotates the token (reuse revokes the family).
pub async fn refresh(
    state: &AppState,
    client: &OidcClient,
    presented: &str,
) -> Result<Result<Tokens, TokenRefusal>, OidcError> {
    if presented.is_empty() || presented.len() > 200 {
        return Ok(Err(TokenRefusal::InvalidRequest));
    }
    let hash = token::hash_token(presented);
    let now = state.clock.now();
    let Some(grant) = state.store.refresh_token(&hash).await? else {
        return Ok(Err(TokenRefusal::InvalidGrant));
    };
    if grant.client_id != client.client_id {
        return Ok(Err(TokenRefusal::InvalidGrant));
    }
    match rules::refresh_use(grant.used, grant.revoked, grant.expires_at, now) {
        RefreshUse::Dead => return Ok(Err(TokenRefusal::InvalidGrant)),
        RefreshUse::Reused => {
            state
                .store
                .revoke_refresh_family(&grant.family, now)
                .await?;
            tracing::warn!(client_id = %client.client_id, "a used refresh token was presented again: its family is revoked");
            return Ok(Err(TokenRefusal::InvalidGrant));
        }
        RefreshUse::Rotate => {}
    }
    if !grant.session_alive {
        state
            .store
            .revoke_refresh_family(&grant.family, now)
            .await?;
        return Ok(Err(TokenRefusal::InvalidGrant));
    }
    if !state.store.use_refresh_token(&hash, now).await? {
        // Another request rotated it first: the same as a reuse.
        state
            .store
            .revoke_refresh_family(&grant.family, now)
            .await?;
        return Ok(Err(TokenRefusal::InvalidGrant));
    }
    make_tokens(
        state,
        &Grant {
            client,
            session_id: &grant.session_id,
            account_id: &grant.account_id,
            user_id: &grant.user_id,
            scope: &grant.scope,
            nonce: None,
            auth_time: grant.auth_time,
            method: LoginMethod::parse(&grant.amr),
        },
        Some(&grant.family),
    )
    .await
}

/// Userinfo for an access token: its subject as the token's scope releases them, if the token
/// is ours and unexpired, its Portcullis session still exists and its user may still log in.
pub async fn userinfo(state: &AppState, access_token: &str) -> Result<Option<Value>, OidcError> {
    let mut claims = jwt::verify(access_token, &loaded(state, false).await?.published);
    if claims.is_none() {
        // Perhaps signed by a key made since this process read them.
        claims = jwt::verify(access_token, &loaded(state, true).await?.published);
    }
    let Some(claims) = claims else {
        return Ok(None);
    };
    let get = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if get("iss") != issuer(state) || exp <= state.clock.now().millis() / 1000 {
        return Ok(None);
    }
    let Some((account_id, user_id)) = state.store.session_owner(get("sid")).await? else {
        return Ok(None);
    };
    if user_id != get("sub") {
        return Ok(None);
    }
    let Some(subject) = subject(state, &account_id, &user_id).await? else {
        return Ok(None);
    };
    let scopes = Scopes::parse(get("scope")).unwrap_or_default();
    Ok(Some(Value::Object(scope_claims(&subject, scopes))))
}

// ---------------------------------------------------------------------------------------------
// Consent and the apps a user allowed

/// Remembers that the acting user allowed `client` what `scopes` ask; audited.
pub async fn grant_consent(
    acting: &super::context::Acting<'_>,
    user_id: &str,
    client: &OidcClient,
    scopes: Scopes,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.grant_consent(
        user_id,
        &client.client_id,
        acting.account_id,
        &scopes.as_string(),
        acting.now,
    )
    .await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "oidc.consent_granted",
            &format!(
                "scope={} app={}",
                scopes.as_string().replace(' ', ","),
                client.name
            ),
        )
        .await?;
    tx.commit().await
}

/// Takes back what the acting user allowed an app, and revokes its refresh tokens; audited.
/// Whether there was anything to take back.
pub async fn revoke_app(
    acting: &super::context::Acting<'_>,
    user_id: &str,
    client_id: &str,
) -> Result<bool, StoreError> {
    let name = acting
        .state
        .store
        .oidc_client(client_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let mut tx = acting.state.store.begin().await?;
    let revoked = tx.revoke_app(user_id, client_id, acting.now).await?;
    if revoked {
        acting
            .audit(
                &mut tx,
                Some(user_id),
                "oidc.app_revoked",
                &format!("app={name}"),
            )
            .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// Notes in the user's activity that they logged in to an app.
pub async fn record_authorization(
    acting: &super::context::Acting<'_>,
    user_id: &str,
    client: &OidcClient,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "oidc.authorized",
            &format!("app={}", client.name),
        )
        .await?;
    tx.commit().await
}

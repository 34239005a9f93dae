//! Sessions: the end of every login (a login whose every factor passed gets a brand-new
//! session), a session's renewal when its user proves themselves again, and the user ending
//! their own sessions.

use portcullis_core::ids::UserId;
use portcullis_core::login::IpOnStart;
use portcullis_core::session::{Liveness, LoginMethod};
use portcullis_core::user;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, ids, token};
use portcullis_store::{
    ActiveSession, AuditEvent, NewSession, SessionStart, StoreError, Tx, UsernameCounter,
};

use super::context::{Acting, Client};
use super::notices::{self, Recipient};
use crate::i18n::Msg;
use crate::state::AppState;

/// A new session, to be put in the cookie.
#[derive(Debug)]
pub struct NewSessionToken {
    /// The cookie value; only its hash is stored.
    pub token: String,
    /// The user.
    pub user_id: String,
}

/// A login whose every factor passed, about to get its session.
pub struct Login<'a> {
    /// Who logs in.
    pub user: &'a User,
    /// Their account's name (for the notice when the address is validated automatically).
    pub account_name: &'a str,
    /// What happens to the client's address (the login decision says).
    pub ip: IpOnStart,
    /// The `login.succeeded` audit detail: which factors passed.
    pub factors: &'a str,
    /// How the login proved who it was, as the user's list of sessions shows it.
    pub method: LoginMethod,
    /// The username counter whose failures a password login clears.
    pub clear_failures_of: Option<UsernameCounter<'a>>,
}

/// Starts the session of a login whose every factor passed. Everything the login writes (the
/// session, last login, the address seen or validated, failures cleared, audit events) is one
/// transaction; the notice of an automatically validated address goes out after it.
pub async fn start_session(
    state: &AppState,
    login: Login<'_>,
    client: &Client,
    now: Timestamp,
) -> Result<NewSessionToken, StoreError> {
    let user = login.user;
    let session_token = token::new_token();
    let csrf = token::new_token();
    let ip = client.ip.to_string();
    let validate_ip = login.ip == IpOnStart::ValidateAndNotify;
    let validated_detail = format!("ip={ip} by=automatic");
    let event = |event, detail| AuditEvent {
        account_id: Some(&user.account_id),
        user_id: Some(&user.id),
        actor: "user",
        event,
        detail,
        ip: &ip,
        user_agent: &client.user_agent,
        at: now,
    };
    let mut audit = Vec::with_capacity(2);
    if validate_ip {
        audit.push(event("ip.validated", &validated_detail));
    }
    audit.push(event("login.succeeded", login.factors));
    state
        .store
        .start_session(&SessionStart {
            session: NewSession {
                token_hash: &token::hash_token(&session_token),
                id: &ids::new_id(),
                account_id: &user.account_id,
                user_id: &user.id,
                csrf_token: &csrf,
                now,
                ip: &ip,
                user_agent: &client.user_agent,
                login_method: login.method,
            },
            clear_failures_of: login.clear_failures_of,
            validate_ip,
            audit: &audit,
            replaces: client.held_session.as_deref(),
        })
        .await?;
    if validate_ip {
        tell_validated_automatically(state, user, login.account_name, client, now).await;
    }
    Ok(NewSessionToken {
        token: session_token,
        user_id: user.id.clone(),
    })
}

/// Tells the user that a login validated a new address by itself (they chose automatic
/// validation); called once the session and the validation are stored.
async fn tell_validated_automatically(
    state: &AppState,
    user: &User,
    account_name: &str,
    client: &Client,
    now: Timestamp,
) {
    let mut notice = notices::security_change(
        Recipient::of(user, account_name),
        Msg::new("mail-auto-validated-subject"),
        Msg::new("mail-auto-validated").with("username", &user.username),
        now,
        client,
    );
    notice.advice = Some(Msg::new("mail-auto-validated-advice"));
    notices::send(state, &notice).await;
}

/// The session a request came with, for the flows that change it.
#[derive(Debug, Clone, Copy)]
pub struct OwnSession<'a> {
    /// SHA-256 of the cookie's token.
    pub token_hash: &'a str,
    /// Its public id.
    pub id: &'a str,
}

/// Marks the session as just re-authenticated and gives it a new token (so a token seen before
/// the user proved themselves again is worth nothing afterwards), with the audit event of how
/// they did; returns the new token for the cookie.
pub async fn renew(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    user_id: &UserId,
    factor: &str,
) -> Result<String, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    let fresh = renew_in(&mut tx, session, acting.now).await?;
    if factor == "passkey" {
        // A passkey proves more than any login but a passkey login: the session now has what
        // forward-auth's `passkey` rules ask.
        tx.raise_login_method(
            &token::hash_token(&fresh),
            portcullis_core::session::LoginMethod::Passkey.as_str(),
        )
        .await?;
    }
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "reauth.succeeded",
            &format!("factor={factor}"),
        )
        .await?;
    tx.commit().await?;
    Ok(fresh)
}

/// Renews `session` in `tx` (the user proved themselves again: a password change, a username
/// change, "Confirm it's you"): a new token and re-authentication time; returns the new token.
pub async fn renew_in(
    tx: &mut Tx,
    session: &OwnSession<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let fresh = token::new_token();
    tx.reauthenticate_session(session.token_hash, &token::hash_token(&fresh), now)
        .await?;
    Ok(fresh)
}

/// Ends one of the user's own sessions by its public id (`NotFound` when it is not theirs).
pub async fn end_one(
    acting: &Acting<'_>,
    user_id: &UserId,
    session_id: &str,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.delete_session_by_id(acting.account_id, user_id, session_id)
        .await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "sessions.ended",
            "count=1 reason=user",
        )
        .await?;
    tx.commit().await
}

/// Ends the user's sessions, all of them or all but `keep` (the one the request came with);
/// returns how many ended.
pub async fn end_sessions(
    acting: &Acting<'_>,
    user_id: &UserId,
    keep: Option<&OwnSession<'_>>,
) -> Result<u64, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    let (n, reason) = match keep {
        Some(keep) => (
            tx.delete_other_sessions(acting.account_id, user_id, keep.id)
                .await?,
            "user_ended_others",
        ),
        None => (
            tx.delete_sessions_of_user(acting.account_id, user_id)
                .await?,
            "user_everywhere",
        ),
    };
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "sessions.ended",
            &format!("count={n} reason={reason}"),
        )
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// Logs out: ends the session the request came with.
pub async fn logout(
    acting: &Acting<'_>,
    user_id: &UserId,
    session: &OwnSession<'_>,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.delete_session(session.token_hash).await?;
    acting.audit(&mut tx, Some(user_id), "logout", "").await?;
    tx.commit().await
}

/// The live session whose token hashes to `token_hash`, if there is one: a session past its
/// idle or absolute timeout is deleted, every session of a user who can no longer log in
/// (deactivated, employment ended) is ended, and a live one is marked active (at most once a
/// minute, see `portcullis_core::session`).
pub async fn resume(
    state: &AppState,
    token_hash: &str,
) -> Result<Option<ActiveSession>, StoreError> {
    let Some(session) = state.store.session_by_token_hash(token_hash).await? else {
        return Ok(None);
    };
    still_live(state, token_hash, session).await
}

/// The session check for forward-auth: as [`resume`], with the names of the administrations
/// the user may use, from the same query.
pub async fn resume_with_administrations(
    state: &AppState,
    token_hash: &str,
) -> Result<Option<(ActiveSession, Vec<String>)>, StoreError> {
    let Some((session, names)) = state.store.session_with_administrations(token_hash).await? else {
        return Ok(None);
    };
    Ok(still_live(state, token_hash, session)
        .await?
        .map(|session| (session, names)))
}

/// A found session, if its timeouts and its user still let it live (else it is ended).
async fn still_live(
    state: &AppState,
    token_hash: &str,
    session: ActiveSession,
) -> Result<Option<ActiveSession>, StoreError> {
    let now = state.clock.now();
    let liveness = state
        .config
        .session
        .liveness(session.created_at, session.last_seen_at, now);
    if liveness == Liveness::Expired {
        state.store.delete_session(token_hash).await?;
        return Ok(None);
    }
    if user::barred(session.disabled, session.employment_ends_at, now).is_some() {
        state
            .store
            .delete_sessions_of_user(&session.account_id, &session.user_id)
            .await?;
        return Ok(None);
    }
    if liveness == (Liveness::Live { touch: true }) {
        state.store.touch_session(token_hash, now).await?;
    }
    Ok(Some(session))
}

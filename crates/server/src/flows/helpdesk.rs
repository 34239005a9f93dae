//! The helpdesk: the platform's operators, their logins (a second factor is required), and what
//! they may do in a customer account while its grant lets them in.
//!
//! What must always hold:
//! - an operator sees an account only while its grant is active (checked at every request,
//!   with the clock passed in); without one the account is "not found", also by id;
//! - an operator session is not a customer session (its own table and cookie) and idles out
//!   after [`OPERATOR_IDLE`]; until its second factor passed, it opens nothing but that step;
//! - every view and every action lands in the customer's audit log as `helpdesk:<operator>`;
//! - an operator never sees or sets a password; resets of lost factors carry how the person was
//!   verified, end the user's sessions and are emailed to the user and the administrators.

use std::time::Duration;

use portcullis_core::access::{Actor, HelpdeskAgent};
use portcullis_core::ids::{AccountId, new_id};
use portcullis_core::password::{self, DUMMY_HASH};
use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::user::User;
use portcullis_core::{helpdesk, token, username};
use portcullis_store::{GrantedAccount, Operator, OperatorSession, StoreError};
use secrecy::{ExposeSecret, SecretString};

use portcullis_store::CeremonyPurpose;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential,
};

use super::context::{Acting, Client};
use super::credentials::passkeys::{self, Ceremony, PasskeyError};
use super::error::FlowError;
use super::notices;
use crate::i18n::Msg;
use crate::state::AppState;

/// An operator session ends after this long without a request.
pub const OPERATOR_IDLE: Duration = Duration::from_secs(15 * 60);

/// An operator session ends this long after login, however active.
pub const OPERATOR_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// Wrong passwords and codes in a row after which an operator is locked (until
/// `portcullis operator enable`).
pub const LOCK_AFTER: i64 = 10;

/// The encryption context of an operator's authenticator secret.
fn totp_context(operator_id: &str) -> String {
    format!("operator/{operator_id}/totp")
}

/// How an operator's password step ended.
#[derive(Debug)]
pub enum OperatorLogin {
    /// A session waiting for the second factor (or for it to be set up); its token.
    Waiting(String),
    /// Wrong username or password, disabled, or locked: one answer for all.
    Refused,
}

/// The password step: the same work whether the operator exists or not.
pub async fn log_in(
    state: &AppState,
    typed_username: &str,
    password: SecretString,
    client: &Client,
) -> Result<OperatorLogin, FlowError> {
    let operator = state
        .store
        .operator_by_username(&username::key(typed_username))
        .await?;
    let hash = operator
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_string(), |o| o.password_hash.clone());
    let matches = state
        .hashing
        .run(client.ip, move || {
            password::verify_password(password.expose_secret(), &hash)
        })
        .await
        .map_err(|_| FlowError::Busy)?;
    let Some(operator) = operator else {
        return Ok(OperatorLogin::Refused);
    };
    if operator.disabled || operator.failures >= LOCK_AFTER {
        return Ok(OperatorLogin::Refused);
    }
    if !matches {
        state.store.operator_failed(&operator.id).await?;
        return Ok(OperatorLogin::Refused);
    }
    let session_token = token::new_token();
    state
        .store
        .start_operator_session(
            &token::hash_token(&session_token),
            &new_id(),
            &operator.id,
            &token::new_token(),
            false,
            state.clock.now(),
        )
        .await?;
    Ok(OperatorLogin::Waiting(session_token))
}

/// The operator session behind a token, while it lives (idle and absolute limits, operator
/// enabled and not locked); a request refreshes it.
pub async fn resume(
    state: &AppState,
    token_hash: &str,
) -> Result<Option<OperatorSession>, StoreError> {
    let Some(session) = state.store.operator_session(token_hash).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    let live = now < session.last_seen_at.plus(OPERATOR_IDLE)
        && now < session.created_at.plus(OPERATOR_LIFETIME)
        && !session.operator.disabled
        && session.operator.failures < LOCK_AFTER;
    if !live {
        state.store.end_operator_session(token_hash).await?;
        return Ok(None);
    }
    state.store.touch_operator_session(token_hash, now).await?;
    Ok(Some(session))
}

/// The authenticator secret an operator is setting up: the one begun, or a new one.
pub async fn setup_secret(state: &AppState, operator: &Operator) -> Result<TotpSecret, FlowError> {
    if let Some(secret) = operator
        .totp_secret_enc
        .as_deref()
        .and_then(|enc| state.keys.decrypt(&totp_context(&operator.id), enc).ok())
    {
        return Ok(TotpSecret::from_bytes(secret));
    }
    let secret = TotpSecret::generate();
    let enc = state
        .keys
        .encrypt(&totp_context(&operator.id), secret.as_bytes());
    state.store.set_operator_totp(&operator.id, &enc).await?;
    Ok(secret)
}

/// How the code step ended.
#[derive(Debug)]
pub enum CodeStep {
    /// Passed: the session's new token (the old one no longer works).
    Verified(String),
    /// Wrong or used before.
    Wrong,
    /// Too many wrong passwords and codes: locked, the session ended.
    Locked,
}

/// Checks the authenticator's code of a waiting session; the first good code also confirms an
/// app being set up. Each code counts once.
pub async fn check_code(
    state: &AppState,
    session: &OperatorSession,
    token_hash: &str,
    typed: &str,
) -> Result<CodeStep, FlowError> {
    let operator = &session.operator;
    let now = state.clock.now();
    // A new app may be set up only by an operator without any second factor: one who has a
    // passkey proves themselves with it, not with an app they set up after a password.
    let may_use_app =
        operator.totp_confirmed_at.is_some() || has_no_factor(state, operator).await?;
    let secret = may_use_app
        .then_some(operator.totp_secret_enc.as_deref())
        .flatten()
        .and_then(|enc| state.keys.decrypt(&totp_context(&operator.id), enc).ok())
        .map(TotpSecret::from_bytes);
    let step = secret.and_then(|secret| totp::verify(&secret, typed, now));
    let used = match step {
        Some(step) => {
            state
                .store
                .use_operator_step(&operator.id, i64::try_from(step).unwrap_or(i64::MAX), now)
                .await?
        }
        None => false,
    };
    if !used {
        let failures = state.store.operator_failed(&operator.id).await?;
        if failures >= LOCK_AFTER {
            state.store.end_operator_session(token_hash).await?;
            return Ok(CodeStep::Locked);
        }
        return Ok(CodeStep::Wrong);
    }
    let fresh = token::new_token();
    state
        .store
        .verify_operator_session(token_hash, &token::hash_token(&fresh), now)
        .await?;
    Ok(CodeStep::Verified(fresh))
}

/// The accounts the helpdesk may see now, by name or security code.
pub async fn granted_accounts(
    state: &AppState,
    search: &str,
) -> Result<Vec<GrantedAccount>, StoreError> {
    let index = crate::flows::people::accounts::security_code_index(&state.keys, search);
    state
        .store
        .accounts_with_active_grant(search, &index, state.clock.now(), 50)
        .await
}

/// The helpdesk actor for `account_id`, when its grant is active now; `None` otherwise, and
/// the account must then be "not found".
pub async fn let_in(
    state: &AppState,
    operator: &Operator,
    account_id: &str,
) -> Result<Option<(Actor, AccountId, String)>, StoreError> {
    let Some(grant) = state.store.helpdesk_grant(account_id).await? else {
        return Ok(None);
    };
    if !helpdesk::grant_is_active(grant.expires_at, state.clock.now()) {
        return Ok(None);
    }
    let Some(account) = state.store.account(account_id).await? else {
        return Ok(None);
    };
    let account_id = AccountId::from_stored(account.id);
    let actor = Actor::Helpdesk(HelpdeskAgent {
        operator_id: operator.id.clone(),
        username: operator.username.clone(),
        account_id: account_id.clone(),
    });
    Ok(Some((actor, account_id, account.name)))
}

/// Writes that the helpdesk looked at something of the account (`what`: `users`, `user`).
pub async fn record_view(
    acting: &Acting<'_>,
    subject: Option<&str>,
    what: &str,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    acting
        .audit(&mut tx, subject, "helpdesk.viewed", &format!("what={what}"))
        .await?;
    tx.commit().await
}

/// Which lost factors a reset removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factors {
    /// The authenticator app and its recovery codes.
    App,
    /// Every passkey.
    Passkeys,
    /// Both.
    All,
}

impl Factors {
    /// As the form and the audit log name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Factors::App => "app",
            Factors::Passkeys => "passkeys",
            Factors::All => "all",
        }
    }

    /// A form's value.
    pub fn parse(text: &str) -> Option<Factors> {
        Some(match text {
            "app" => Factors::App,
            "passkeys" => Factors::Passkeys,
            "all" => Factors::All,
            _ => return None,
        })
    }
}

/// The longest verification note kept.
pub const MAX_REASON_CHARS: usize = 500;

/// Resets a user's lost factors (with how the person was verified, `reason`, which must not be
/// empty): the app and recovery codes and/or every passkey go, every session of the user ends,
/// and it is audited in the account and emailed to the user and its administrators.
pub async fn reset_factors(
    acting: &Acting<'_>,
    target: &User,
    which: Factors,
    reason: &str,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    if matches!(which, Factors::App | Factors::All) {
        tx.delete_totp(acting.account_id, &target.id).await?;
    }
    if matches!(which, Factors::Passkeys | Factors::All) {
        tx.delete_passkeys_of_user(acting.account_id, &target.id)
            .await?;
    }
    let ended = tx
        .delete_sessions_of_user(acting.account_id, &target.id)
        .await?;
    acting
        .audit(
            &mut tx,
            Some(&target.id),
            "helpdesk.factors_reset",
            &format!(
                "which={} sessions_ended={ended} reason={}",
                which.as_str(),
                reason.replace(['\r', '\n'], " ")
            ),
        )
        .await?;
    tx.commit().await?;
    notices::tell_user_and_administrators(
        acting.state,
        target,
        acting.account_name,
        acting.client,
        Msg::new("mail-factors-reset-subject"),
        Msg::new("mail-factors-reset")
            .with("by", acting.actor.name())
            .with("username", &target.username),
    )
    .await
}

/// The user handle an operator's passkeys carry: derived from the operator's id, so it is the
/// same for each of their passkeys and says nothing about customers.
fn operator_handle(operator_id: &str) -> uuid::Uuid {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("operator/{operator_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(bytes)
}

/// The ceremony table's owner of an operator's ceremonies (apart from users' ids).
fn ceremony_owner(operator_id: &str) -> String {
    format!("operator:{operator_id}")
}

/// Whether an operator has no second factor yet: then a session waiting for it may set one up
/// (an app or a passkey), and nothing else.
pub async fn has_no_factor(state: &AppState, operator: &Operator) -> Result<bool, StoreError> {
    Ok(operator.totp_confirmed_at.is_none()
        && state
            .store
            .operator_passkeys(&operator.id)
            .await?
            .is_empty())
}

/// An operator's passkeys, each with its stored row (rows that no longer read are left out).
async fn operator_keys(
    state: &AppState,
    operator: &Operator,
) -> Result<Vec<(portcullis_store::OperatorPasskey, Passkey)>, StoreError> {
    Ok(state
        .store
        .operator_passkeys(&operator.id)
        .await?
        .into_iter()
        .filter_map(|row| {
            let key = passkeys::from_json::<Passkey>(&row.passkey_json).ok()?;
            Some((row, key))
        })
        .collect())
}

/// Starts creating a passkey for an operator.
pub async fn begin_passkey_registration(
    state: &AppState,
    operator: &Operator,
) -> Result<Ceremony, PasskeyError> {
    let rp = passkeys::webauthn(state)?;
    let existing: Vec<_> = operator_keys(state, operator)
        .await?
        .iter()
        .map(|(_, key)| key.cred_id().clone())
        .collect();
    let (options, registration) = rp
        .start_passkey_registration(
            operator_handle(&operator.id),
            &operator.username,
            &operator.username,
            Some(existing).filter(|e| !e.is_empty()),
        )
        .map_err(|_| PasskeyError::Rejected)?;
    passkeys::store_ceremony(
        state,
        CeremonyPurpose::Register,
        &ceremony_owner(&operator.id),
        &options,
        &registration,
    )
    .await
}

/// Finishes creating an operator's passkey.
pub async fn finish_passkey_registration(
    state: &AppState,
    operator: &Operator,
    ceremony: &str,
    answer: &RegisterPublicKeyCredential,
    typed_name: &str,
) -> Result<(), PasskeyError> {
    let rp = passkeys::webauthn(state)?;
    let name = match typed_name.trim() {
        "" => "Passkey".to_string(),
        typed => portcullis_core::passkey::parse_name(typed)?,
    };
    let registration: PasskeyRegistration = passkeys::take_ceremony(
        state,
        CeremonyPurpose::Register,
        &ceremony_owner(&operator.id),
        ceremony,
    )
    .await?;
    let created = rp
        .finish_passkey_registration(answer, &registration)
        .map_err(|_| PasskeyError::Rejected)?;
    state
        .store
        .insert_operator_passkey(
            &new_id(),
            &operator.id,
            &passkeys::credential_id(created.cred_id()),
            &passkeys::to_json(&created)?,
            &name,
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            StoreError::AlreadyRegistered => PasskeyError::AlreadyRegistered,
            other => PasskeyError::Store(other),
        })
}

/// Starts the second factor with a passkey: one of the operator's own.
pub async fn begin_passkey_step(
    state: &AppState,
    operator: &Operator,
) -> Result<Ceremony, PasskeyError> {
    let rp = passkeys::webauthn(state)?;
    let keys: Vec<Passkey> = operator_keys(state, operator)
        .await?
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    if keys.is_empty() {
        return Err(PasskeyError::NoPasskeys);
    }
    let (options, authentication) = rp
        .start_passkey_authentication(&keys)
        .map_err(|_| PasskeyError::Rejected)?;
    passkeys::store_ceremony(
        state,
        CeremonyPurpose::Reauth,
        &ceremony_owner(&operator.id),
        &options,
        &authentication,
    )
    .await
}

/// Finishes the second factor with a passkey; the session's new token when it passed. A
/// counter that went backwards refuses (a copied authenticator) and counts as a failure.
pub async fn finish_passkey_step(
    state: &AppState,
    session: &OperatorSession,
    token_hash: &str,
    ceremony: &str,
    answer: &PublicKeyCredential,
) -> Result<String, PasskeyError> {
    let rp = passkeys::webauthn(state)?;
    let operator = &session.operator;
    let authentication: PasskeyAuthentication = passkeys::take_ceremony(
        state,
        CeremonyPurpose::Reauth,
        &ceremony_owner(&operator.id),
        ceremony,
    )
    .await?;
    let wanted = passkeys::credential_id(answer.get_credential_id());
    let found = operator_keys(state, operator)
        .await?
        .into_iter()
        .find(|(_, key)| passkeys::credential_id(key.cred_id()) == wanted);
    let Some((row, mut key)) = found else {
        state.store.operator_failed(&operator.id).await?;
        return Err(PasskeyError::Rejected);
    };
    let Ok(result) = rp.finish_passkey_authentication(answer, &authentication) else {
        state.store.operator_failed(&operator.id).await?;
        return Err(PasskeyError::Rejected);
    };
    key.update_credential(&result);
    if !state
        .store
        .record_operator_passkey_use(&row.id, &passkeys::to_json(&key)?, result.counter())
        .await?
    {
        state.store.operator_failed(&operator.id).await?;
        return Err(PasskeyError::CounterRegression);
    }
    state.store.operator_succeeded(&operator.id).await?;
    let fresh = token::new_token();
    state
        .store
        .verify_operator_session(token_hash, &token::hash_token(&fresh), state.clock.now())
        .await?;
    Ok(fresh)
}

/// Marks a waiting session verified under a new token (an operator who just set up their
/// first passkey: registering it proved the same as a first code does).
pub async fn verify_after_setup(state: &AppState, token_hash: &str) -> Result<String, StoreError> {
    let fresh = token::new_token();
    state
        .store
        .verify_operator_session(token_hash, &token::hash_token(&fresh), state.clock.now())
        .await?;
    Ok(fresh)
}

//! Passkeys as credentials: creating them (registration) and what the security tab shows of
//! them, and the ceremonies every passkey operation shares. The cryptography is `webauthn-rs`'s;
//! this module keeps the ceremonies in the database. Logging in and confirming a user with a
//! passkey is `flows::login::passkey`.
//!
//! What must always hold:
//! - every ceremony's state lives in the database under the SHA-256 of a random id the browser
//!   holds, is taken once (deleted atomically) and expires after [`CEREMONY_VALIDITY`], so any
//!   server process can finish it and none can finish it twice;
//! - origin, relying-party id, challenge, user presence and user verification are checked by
//!   the library; registration asks for a discoverable credential (resident key) with user
//!   verification.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis_core::ids::UserId;
use portcullis_core::lockout;
use portcullis_core::login;
use portcullis_core::passkey::{self, NameProblem};
use portcullis_core::user::{Factors, User};
use portcullis_core::{Timestamp, ids, token};
use portcullis_store::{CeremonyPurpose, NewPasskey, PasskeyRow, StoreError};
use webauthn_rs::prelude::{
    Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid, Webauthn,
};

use crate::flows::context::{Acting, Client};
use crate::flows::notices;
use crate::i18n::Msg;

use crate::state::AppState;

/// How long the browser has between a ceremony's options and its answer.
pub const CEREMONY_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// Why a passkey operation did not succeed. Each has a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The server's public URL is not a domain name.
    #[error(
        "Passkeys are not available on this server: its public URL must use a domain name (such as localhost), not an IP address."
    )]
    Unavailable,
    /// The ceremony expired, was used, or never existed.
    #[error("That took too long or was already used. Try again.")]
    Expired,
    /// The browser's answer did not verify.
    #[error("The passkey could not be verified. Try again, or use another passkey.")]
    Rejected,
    /// The authenticator's counter went backwards: possibly a cloned authenticator.
    #[error(
        "This passkey cannot be used: its authenticator may have been copied. Use another passkey or your password, and tell your administrator."
    )]
    CounterRegression,
    /// The passkey is registered already (to this or another user).
    #[error("This passkey is registered already.")]
    AlreadyRegistered,
    /// The name is not acceptable.
    #[error("{0}")]
    BadName(#[from] NameProblem),
    /// The user has no passkey to confirm with.
    #[error("You have no passkey yet. Confirm with your password.")]
    NoPasskeys,
    /// Too many passkey logins begun from this address, or outstanding on the server; try
    /// again after this many seconds.
    #[error("Too many passkey logins were started. Wait a moment, then try again.")]
    TooMany(u64),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the browser needs to run a ceremony: the id to send back, and the options for
/// `navigator.credentials.create()` or `.get()`.
#[derive(Debug, serde::Serialize)]
pub struct Ceremony {
    /// Random; only its hash is stored.
    pub ceremony: String,
    /// `{ "publicKey": … }`.
    pub options: serde_json::Value,
}

pub(crate) fn webauthn(state: &AppState) -> Result<&Webauthn, PasskeyError> {
    state.webauthn.as_deref().ok_or(PasskeyError::Unavailable)
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(value).map_err(|_| PasskeyError::Rejected)
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(text).map_err(|_| PasskeyError::Expired)
}

pub(crate) async fn store_ceremony<S: serde::Serialize, O: serde::Serialize>(
    state: &AppState,
    purpose: CeremonyPurpose,
    user_id: &str,
    options: &O,
    ceremony_state: &S,
) -> Result<Ceremony, PasskeyError> {
    let now = state.clock.now();
    let id = token::new_token();
    // A logged-in user's ceremonies are bounded by their sessions; only usernameless logins,
    // which anyone may begin, have a cap.
    let cap = match purpose {
        CeremonyPurpose::Login => lockout::OUTSTANDING_PASSKEY_LOGINS,
        CeremonyPurpose::Register | CeremonyPurpose::Reauth => u32::MAX,
    };
    let stored = state
        .store
        .insert_ceremony(
            &token::hash_token(&id),
            purpose,
            user_id,
            &to_json(ceremony_state)?,
            now,
            now.plus(CEREMONY_VALIDITY),
            cap,
        )
        .await?;
    if !stored {
        tracing::warn!("the cap on outstanding passkey logins was reached");
        return Err(PasskeyError::TooMany(60));
    }
    Ok(Ceremony {
        ceremony: id,
        options: serde_json::to_value(options).map_err(|_| PasskeyError::Rejected)?,
    })
}

pub(crate) async fn take_ceremony<S: serde::de::DeserializeOwned>(
    state: &AppState,
    purpose: CeremonyPurpose,
    user_id: &str,
    ceremony: &str,
) -> Result<S, PasskeyError> {
    if !token::looks_like_token(ceremony) {
        return Err(PasskeyError::Expired);
    }
    let json = state
        .store
        .take_ceremony(
            &token::hash_token(ceremony),
            purpose,
            user_id,
            state.clock.now(),
        )
        .await?
        .ok_or(PasskeyError::Expired)?;
    from_json(&json)
}

pub(crate) fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts creating a passkey for `user`: a discoverable credential with user verification; the
/// user's existing passkeys are excluded so one authenticator is not registered twice.
pub async fn begin_registration(state: &AppState, user: &User) -> Result<Ceremony, PasskeyError> {
    let rp = webauthn(state)?;
    let fresh = Uuid::new_v4().to_string();
    let handle = state
        .store
        .webauthn_handle(&user.account_id, &user.id, Some(&fresh))
        .await?
        .and_then(|h| Uuid::parse_str(&h).ok())
        .ok_or(PasskeyError::Rejected)?;
    let existing = state
        .store
        .passkeys_of_user(&user.account_id, &user.id)
        .await?
        .iter()
        .filter_map(|row| from_json::<Passkey>(&row.passkey_json).ok())
        .map(|p| p.cred_id().clone())
        .collect::<Vec<_>>();
    let (mut options, registration) = rp
        .start_passkey_registration(
            handle,
            &user.username,
            user.display_name(),
            Some(existing).filter(|e| !e.is_empty()),
        )
        .map_err(|_| PasskeyError::Rejected)?;
    // Usernameless login needs the credential to be discoverable (stored on the authenticator).
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    store_ceremony(
        state,
        CeremonyPurpose::Register,
        &user.id,
        &options,
        &registration,
    )
    .await
}

#[derive(serde::Deserialize)]
struct AttestationObject {
    #[serde(rename = "authData")]
    auth_data: serde_bytes::ByteBuf,
}

/// Finishes creating a passkey and stores it under `typed_name` (or the authenticator's name).
pub async fn finish_registration(
    state: &AppState,
    user: &User,
    ceremony: &str,
    answer: &RegisterPublicKeyCredential,
    typed_name: Option<&str>,
    account_name: &str,
    client: &Client,
) -> Result<PasskeyRow, PasskeyError> {
    let rp = webauthn(state)?;
    let name = typed_name
        .filter(|n| !n.trim().is_empty())
        .map(passkey::parse_name)
        .transpose()?;
    let registration: PasskeyRegistration =
        take_ceremony(state, CeremonyPurpose::Register, &user.id, ceremony).await?;
    let created = rp
        .finish_passkey_registration(answer, &registration)
        .map_err(|_| PasskeyError::Rejected)?;
    let facts = serde_cbor_2::from_slice::<AttestationObject>(&answer.response.attestation_object)
        .ok()
        .and_then(|o| passkey::authenticator_facts(&o.auth_data))
        .ok_or(PasskeyError::Rejected)?;
    let existing = state
        .store
        .passkeys_of_user(&user.account_id, &user.id)
        .await?;
    let name = name.unwrap_or_else(|| {
        passkey::default_name(&facts.aaguid, existing.iter().map(|p| p.name.as_str()))
    });
    let now = state.clock.now();
    let id = ids::new_id();
    let mut tx = state.store.begin().await?;
    tx.insert_passkey(&NewPasskey {
        id: &id,
        account_id: &user.account_id,
        user_id: &user.id,
        credential_id: &credential_id(created.cred_id()),
        passkey_json: &to_json(&created)?,
        name: &name,
        aaguid: &facts.aaguid,
        backup_eligible: facts.backup_eligible,
        backup_state: facts.backup_state,
        sign_count: 0,
        now,
    })
    .await
    .map_err(|e| match e {
        StoreError::AlreadyRegistered => PasskeyError::AlreadyRegistered,
        other => PasskeyError::Store(other),
    })?;
    client
        .audit_own(
            &mut tx,
            user,
            "passkey.added",
            &format!("passkey={id} aaguid={}", facts.aaguid),
            now,
        )
        .await?;
    tx.commit().await?;
    let created = state
        .store
        .passkeys_of_user(&user.account_id, &user.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(PasskeyError::Rejected)?;
    notices::tell_user_and_administrators(
        state,
        user,
        account_name,
        client,
        Msg::new("mail-passkey-added-subject"),
        match passkey::authenticator(&created.aaguid) {
            Some(authenticator) => {
                Msg::new("mail-passkey-added").with("authenticator", authenticator)
            }
            None => Msg::new("mail-passkey-added-unknown"),
        }
        .with("name", &created.name)
        .with("username", &user.username),
    )
    .await?;
    Ok(created)
}

/// Renames one of the user's own passkeys (`NotFound` when it is not theirs).
pub async fn rename(
    acting: &Acting<'_>,
    user_id: &UserId,
    passkey_id: &str,
    name: &str,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.rename_passkey(acting.account_id, user_id, passkey_id, name)
        .await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "passkey.renamed",
            &format!("passkey={passkey_id}"),
        )
        .await?;
    tx.commit().await
}

/// How deleting a passkey ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// Gone; the user and the administrators were told.
    Deleted,
    /// Refused: the account enforces two-factor authentication and it is the user's last
    /// second factor.
    LastFactor,
}

/// Deletes one of the user's own passkeys (`passkey`, read by the caller), unless the account
/// enforces two-factor and it is their last second factor: checked with the account's row
/// locked, in the transaction that deletes it, so turning the app off or deleting another
/// passkey at the same moment cannot leave the user with none.
pub async fn delete(
    acting: &Acting<'_>,
    me: &User,
    passkey: &PasskeyRow,
) -> Result<Deleted, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.lock_account(acting.account_id).await?;
    let account = tx
        .account(acting.account_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let factors = tx.factors(acting.account_id, &me.id).await?;
    let remaining = Factors {
        passkeys: factors.passkeys.saturating_sub(1),
        ..factors
    };
    if !login::may_remove_factor(account.policy, remaining) {
        return Ok(Deleted::LastFactor);
    }
    if !tx
        .delete_passkey(acting.account_id, &me.id, &passkey.id, false)
        .await?
    {
        return Err(StoreError::NotFound);
    }
    acting
        .audit(
            &mut tx,
            Some(&me.id),
            "passkey.deleted",
            &format!("passkey={}", passkey.id),
        )
        .await?;
    tx.commit().await?;
    notices::tell_user_and_administrators(
        acting.state,
        me,
        acting.account_name,
        acting.client,
        Msg::new("mail-passkey-removed-subject"),
        Msg::new("mail-passkey-removed")
            .with("name", &passkey.name)
            .with("username", &me.username),
    )
    .await?;
    Ok(Deleted::Deleted)
}

/// What the security tab shows of a passkey.
#[derive(Debug, Clone)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub authenticator: &'static str,
    pub created: Timestamp,
    pub last_used: Option<Timestamp>,
    pub synced: bool,
}

impl From<&PasskeyRow> for PasskeyView {
    fn from(row: &PasskeyRow) -> Self {
        PasskeyView {
            id: row.id.clone(),
            name: row.name.clone(),
            authenticator: passkey::authenticator(&row.aaguid).unwrap_or("Unknown authenticator"),
            created: row.created_at,
            last_used: row.last_used_at,
            synced: row.backup_state,
        }
    }
}

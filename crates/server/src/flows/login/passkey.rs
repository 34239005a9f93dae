//! Logging in with a passkey without a username (discoverable credentials, also through browser
//! autofill), and confirming a logged-in user with one (re-authentication).
//!
//! What must always hold:
//! - the signature counter only moves forward (one conditional update, so also across
//!   processes); a counter that goes backwards on an authenticator that counts refuses the login
//!   and is audited (a cloned authenticator);
//! - a passkey login goes through the same login decision as a password: a deactivated user, an
//!   ended employment or a blocked IP address is refused; it skips the second factor and new-IP
//!   confirmation (a passkey is multi-factor and phishing-resistant).

use portcullis_core::ids::UserId;
use portcullis_core::lockout;
use portcullis_core::login::{self, Refusal, UserFacts};
use portcullis_core::session::LoginMethod;
use portcullis_core::user::User;
use portcullis_store::{CeremonyPurpose, PasskeyRow, StoreError};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PublicKeyCredential, WebauthnError,
};

use crate::flows::context::Client;
use crate::flows::context::{Acting, Audit};
use crate::flows::session::NewSessionToken;
use crate::flows::session::{self, OwnSession};

use crate::flows::credentials::passkeys::{
    Ceremony, PasskeyError, credential_id, from_json, store_ceremony, take_ceremony, to_json,
    webauthn,
};
use crate::state::AppState;

/// Starts a usernameless login: the options ask for any discoverable credential of this site.
///
/// Anyone may ask, so each client address may begin at most [`lockout::PASSKEY_OPTIONS`] in a
/// window, and at most [`lockout::OUTSTANDING_PASSKEY_LOGINS`] may be outstanding at once.
pub async fn begin_login(state: &AppState, client: &Client) -> Result<Ceremony, PasskeyError> {
    let now = state.clock.now();
    let address = lockout::address_key(client.ip);
    if let Err(until) = state
        .store
        .claim_rate_window(
            &format!("passkey-options:{address}"),
            lockout::PASSKEY_OPTIONS,
            now,
        )
        .await?
    {
        return Err(PasskeyError::TooMany(until.since(now).as_secs().max(1)));
    }
    let (options, authentication) = webauthn(state)?
        .start_discoverable_authentication()
        .map_err(|_| PasskeyError::Rejected)?;
    store_ceremony(state, CeremonyPurpose::Login, "", &options, &authentication).await
}

/// How a passkey login ended.
#[derive(Debug)]
pub enum PasskeyLogin {
    /// Logged in.
    Session(NewSessionToken),
    /// The decision refused it (deactivated, employment ended, IP address blocked).
    Refused(Refusal),
}

/// Finishes a usernameless login.
#[tracing::instrument(skip_all, fields(ip = %client.ip))]
pub async fn finish_login(
    state: &AppState,
    ceremony: &str,
    answer: &PublicKeyCredential,
    client: &Client,
) -> Result<PasskeyLogin, PasskeyError> {
    let rp = webauthn(state)?;
    let now = state.clock.now();
    let audit = Audit { state, client, now };
    let authentication: DiscoverableAuthentication =
        take_ceremony(state, CeremonyPurpose::Login, "", ceremony).await?;
    let (handle, cred_id) = rp
        .identify_discoverable_authentication(answer)
        .map_err(|_| PasskeyError::Rejected)?;
    let row = state
        .store
        .passkey_by_credential(&credential_id(cred_id))
        .await?;
    let owner = match &row {
        Some(row) => {
            state
                .store
                .webauthn_handle(&row.account_id, &row.user_id, None)
                .await?
        }
        None => None,
    };
    // The credential must be known and belong to the user the authenticator names.
    let (Some(row), true) = (row, owner.as_deref() == Some(handle.to_string().as_str())) else {
        audit
            .record(
                None,
                None,
                "login.passkey_failed",
                "reason=unknown_credential",
            )
            .await?;
        return Err(PasskeyError::Rejected);
    };
    let mut stored: Passkey = from_json(&row.passkey_json)?;
    let result = match rp.finish_discoverable_authentication_v2(answer, authentication, &stored) {
        Ok(result) => result,
        Err(e) => return Err(refuse(&audit, &row, &e).await?),
    };
    record_use(state, &audit, &row, &mut stored, &result).await?;

    let Some(subject) = state
        .store
        .login_subject(&row.account_id, &row.user_id)
        .await?
    else {
        return Err(PasskeyError::Rejected);
    };
    let user = &subject.user;
    let ip = client.ip.to_string();
    let ip_facts = super::new_ip::ip_facts(state, &user.account_id, &user.id, &ip).await?;
    let facts = UserFacts::of(user, subject.factors);
    match login::passkey_verdict(&facts, subject.policy, ip_facts, now) {
        Ok(start) => {
            let session = crate::flows::session::start_session(
                state,
                crate::flows::session::Login {
                    user,
                    account_name: &subject.account_name,
                    ip: start.ip,
                    factors: &format!("factor=passkey passkey={}", row.id),
                    method: LoginMethod::Passkey,
                    clear_failures_of: None,
                },
                client,
                now,
            )
            .await?;
            Ok(PasskeyLogin::Session(session))
        }
        Err(refusal) => {
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "login.refused",
                    &format!("reason={} factor=passkey", refusal.as_str()),
                )
                .await?;
            Ok(PasskeyLogin::Refused(refusal))
        }
    }
}

/// Starts confirming a logged-in user with one of their passkeys.
pub async fn begin_reauth(state: &AppState, user: &User) -> Result<Ceremony, PasskeyError> {
    let rp = webauthn(state)?;
    let passkeys: Vec<Passkey> = state
        .store
        .passkeys_of_user(&user.account_id, &user.id)
        .await?
        .iter()
        .filter_map(|row| from_json(&row.passkey_json).ok())
        .collect();
    if passkeys.is_empty() {
        return Err(PasskeyError::NoPasskeys);
    }
    let (options, authentication) = rp
        .start_passkey_authentication(&passkeys)
        .map_err(|_| PasskeyError::Rejected)?;
    store_ceremony(
        state,
        CeremonyPurpose::Reauth,
        &user.id,
        &options,
        &authentication,
    )
    .await
}

/// Finishes confirming a logged-in user; `Ok` means confirmed.
pub async fn finish_reauth(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    user: &User,
    ceremony: &str,
    answer: &PublicKeyCredential,
) -> Result<String, PasskeyError> {
    let state = acting.state;
    let rp = webauthn(state)?;
    let audit = Audit {
        state,
        client: acting.client,
        now: acting.now,
    };
    let authentication: PasskeyAuthentication =
        take_ceremony(state, CeremonyPurpose::Reauth, &user.id, ceremony).await?;
    let row = state
        .store
        .passkey_by_credential(&credential_id(answer.get_credential_id()))
        .await?
        .filter(|row| row.user_id == user.id && row.account_id == user.account_id)
        .ok_or(PasskeyError::Rejected)?;
    let mut stored: Passkey = from_json(&row.passkey_json)?;
    let result = match rp.finish_passkey_authentication(answer, &authentication) {
        Ok(result) => result,
        Err(e) => return Err(refuse(&audit, &row, &e).await?),
    };
    record_use(state, &audit, &row, &mut stored, &result).await?;
    Ok(session::renew(
        acting,
        session,
        &UserId::from_stored(user.id.as_str()),
        "passkey",
    )
    .await?)
}

/// Stores what a successful assertion changed: counter (forward only), backup flags, time.
async fn record_use(
    state: &AppState,
    audit: &Audit<'_>,
    row: &PasskeyRow,
    stored: &mut Passkey,
    result: &AuthenticationResult,
) -> Result<(), PasskeyError> {
    stored.update_credential(result);
    let moved = state
        .store
        .record_passkey_use(
            &row.id,
            &to_json(stored)?,
            result.counter(),
            result.backup_state(),
            result.backup_eligible(),
            audit.now,
        )
        .await?;
    if !moved {
        // Another process saw a counter at least this high in the meantime.
        return Err(counter_regression(audit, row).await?);
    }
    Ok(())
}

/// Audits a failed assertion and says why it failed.
async fn refuse(
    audit: &Audit<'_>,
    row: &PasskeyRow,
    error: &WebauthnError,
) -> Result<PasskeyError, StoreError> {
    if matches!(error, WebauthnError::CredentialPossibleCompromise) {
        return counter_regression(audit, row).await;
    }
    audit
        .record(
            Some(&row.account_id),
            Some(&row.user_id),
            "login.passkey_failed",
            &format!("passkey={} reason=verification", row.id),
        )
        .await?;
    Ok(PasskeyError::Rejected)
}

async fn counter_regression(
    audit: &Audit<'_>,
    row: &PasskeyRow,
) -> Result<PasskeyError, StoreError> {
    tracing::warn!(
        passkey = %row.id,
        "a passkey's signature counter went backwards: the authenticator may have been cloned"
    );
    audit
        .record(
            Some(&row.account_id),
            Some(&row.user_id),
            "passkey.counter_regression",
            &format!("passkey={} stored_counter={}", row.id, row.sign_count),
        )
        .await?;
    Ok(PasskeyError::CounterRegression)
}

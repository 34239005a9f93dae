//! The authenticator app as a credential: its encrypted secret, and checking a code under the
//! login's limits (claimed in the 30-second window and on the user's failure counter before it is
//! checked; a right code is used up once per user, across server processes).

use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::user::User;
use portcullis_core::{Timestamp, username};
use portcullis_store::StoreError;

use crate::flows::context::Audit;
use crate::flows::context::Client;

use crate::flows::attempts::claim_for_user;
use crate::state::AppState;

/// Wrong codes tried per 30-second window before the user must wait for the next code.
pub const WRONG_CODES_PER_WINDOW: u32 = 3;

/// The associated data binding a user's encrypted TOTP secret to them.
pub fn totp_context(user_id: &str) -> String {
    format!("user/{user_id}/totp")
}

/// Decrypts a user's TOTP secret.
pub fn secret_of(state: &AppState, user_id: &str, secret_enc: &str) -> Option<TotpSecret> {
    match state.keys.decrypt(&totp_context(user_id), secret_enc) {
        Ok(bytes) => Some(TotpSecret::from_bytes(bytes)),
        Err(e) => {
            tracing::error!(user_id, "cannot decrypt a TOTP secret: {e}");
            None
        }
    }
}

/// How checking an authenticator app's code ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// Right, and not used before: accepted (and now used).
    Accepted,
    /// Wrong, or used before.
    Rejected,
    /// The user has no confirmed authenticator app.
    NoApp,
}

/// How a logged-in user's own code check ended (turning two-factor off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnCode {
    /// Right: accepted and used up.
    Accepted,
    /// Wrong or used before; counted toward the username's lockout.
    Wrong,
    /// Too many wrong codes in this 30-second window.
    WaitForNextCode,
    /// Too many failed attempts for the username: locked or throttled.
    Locked,
    /// The user has no confirmed authenticator app.
    NoApp,
}

/// Checks a logged-in user's authenticator code under the same limits as the login's code
/// step: claimed in the 30-second window and on the user's failure counter (and the client's
/// address) before it is checked; a wrong code counts toward the username's lockout.
pub async fn check_own_code(
    state: &AppState,
    user: &User,
    account_name: &str,
    typed: &str,
    client: &Client,
) -> Result<OwnCode, StoreError> {
    let now = state.clock.now();
    let audit = Audit { state, client, now };
    match claim_code_window(state, &user.account_id, &user.id, now).await? {
        None => return Ok(OwnCode::NoApp),
        Some(false) => return Ok(OwnCode::WaitForNextCode),
        Some(true) => {}
    }
    let key = username::key(&user.username);
    let Some(claimed) = claim_for_user(&audit, user, &key, "code_confirmation").await? else {
        return Ok(OwnCode::Locked);
    };
    match verify_claimed_code(state, &user.account_id, &user.id, typed, now).await? {
        TotpCheck::Accepted => {
            claimed.give_back(state, false).await?;
            Ok(OwnCode::Accepted)
        }
        TotpCheck::NoApp => {
            claimed.give_back(state, true).await?;
            Ok(OwnCode::NoApp)
        }
        TotpCheck::Rejected => {
            let failures = claimed
                .failed(state, &audit, Some((user, account_name)))
                .await?;
            audit
                .record(
                    Some(&user.account_id),
                    Some(&user.id),
                    "two_factor.code_failed",
                    &format!("failures={failures}"),
                )
                .await?;
            Ok(OwnCode::Wrong)
        }
    }
}

/// Claims a code attempt in the current 30-second window (at most
/// [`WRONG_CODES_PER_WINDOW`]), before anything is checked. `None` when the user has no
/// confirmed app; `Some(false)` when the window is full.
pub async fn claim_code_window(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    now: Timestamp,
) -> Result<Option<bool>, StoreError> {
    let has_app = state
        .store
        .totp(account_id, user_id)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some());
    if !has_app {
        return Ok(None);
    }
    Ok(Some(
        state
            .store
            .claim_totp_attempt(
                account_id,
                user_id,
                totp::step_of(now),
                WRONG_CODES_PER_WINDOW,
            )
            .await?
            .is_some(),
    ))
}

/// Checks a code whose attempt was claimed already; a right code is used up (once per user,
/// across server processes).
pub async fn verify_claimed_code(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    typed: &str,
    now: Timestamp,
) -> Result<TotpCheck, StoreError> {
    let Some(row) = state
        .store
        .totp(account_id, user_id)
        .await?
        .filter(|row| row.confirmed_at.is_some())
    else {
        return Ok(TotpCheck::NoApp);
    };
    let Some(step) = secret_of(state, user_id, &row.secret_enc)
        .and_then(|secret| totp::verify(&secret, typed, now))
    else {
        return Ok(TotpCheck::Rejected);
    };
    // A right code used before is a replay: rejected like a wrong one.
    Ok(
        if state
            .store
            .use_totp_step(account_id, user_id, step, None)
            .await?
        {
            TotpCheck::Accepted
        } else {
            TotpCheck::Rejected
        },
    )
}

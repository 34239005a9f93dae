//! The authenticator app as a credential: its encrypted secret, and checking a code under the
//! login's limits (claimed in the 30-second window and on the user's failure counter before it is
//! checked; a right code is used up once per user, across server processes).

use portcullis_core::ids::UserId;
use portcullis_core::login;
use portcullis_core::totp::{self, TotpSecret};
use portcullis_core::user::{Account, Factors, User};
use portcullis_core::{Timestamp, recovery, username};
use portcullis_store::StoreError;

use crate::flows::attempts::claim_for_user;
use crate::flows::context::{Acting, Audit, Client};
use crate::flows::notices::{self, Recipient};
use crate::i18n::Msg;
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

/// Ten new recovery codes, as shown to the user once, and their hashes, as stored.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes = recovery::generate_set();
    let hashes = codes
        .iter()
        .filter_map(|c| recovery::normalize(c))
        .map(|c| recovery::hash(&c))
        .collect();
    (codes, hashes)
}

/// Starts setting up an authenticator app: a new, unconfirmed secret. `false` when an app is on
/// already (turn it off first).
pub async fn start_enrollment(acting: &Acting<'_>, user_id: &UserId) -> Result<bool, StoreError> {
    let secret = TotpSecret::generate();
    let sealed = acting
        .state
        .keys
        .encrypt(&totp_context(user_id), secret.as_bytes());
    acting
        .state
        .store
        .begin_totp_enrollment(acting.account_id, user_id, &sealed, acting.now)
        .await
}

/// How confirming an authenticator app ended.
#[derive(Debug)]
pub enum Enrollment {
    /// On: the recovery codes to show once.
    On(Vec<String>),
    /// The code is not right (or was used before).
    WrongCode,
    /// Nothing to confirm: no app being set up.
    NotStarted,
}

/// Confirms the app being set up with its first code. In one transaction: the app is on, the
/// code used up, two-factor counts as passed from this address (the 30-day rule), ten recovery
/// codes replace any old ones, and it is audited; the user and the administrators are told.
pub async fn confirm_enrollment(
    acting: &Acting<'_>,
    me: &User,
    typed: &str,
) -> Result<Enrollment, StoreError> {
    let state = acting.state;
    let Some(row) = state
        .store
        .totp(acting.account_id, &me.id)
        .await?
        .filter(|row| row.confirmed_at.is_none())
    else {
        return Ok(Enrollment::NotStarted);
    };
    let Some(step) = secret_of(state, &me.id, &row.secret_enc)
        .and_then(|secret| totp::verify(&secret, typed, acting.now))
    else {
        return Ok(Enrollment::WrongCode);
    };
    let (codes, hashes) = new_recovery_codes();
    let mut tx = state.store.begin().await?;
    if !tx
        .use_totp_step(acting.account_id, &me.id, step, Some(acting.now))
        .await?
    {
        return Ok(Enrollment::WrongCode);
    }
    tx.record_two_factor_from_ip(
        acting.account_id,
        &me.id,
        &acting.client.ip.to_string(),
        &acting.client.user_agent,
        acting.now,
    )
    .await?;
    tx.replace_recovery_codes(acting.account_id, &me.id, &hashes, acting.now)
        .await?;
    acting
        .audit(&mut tx, Some(&me.id), "two_factor.enabled", "method=totp")
        .await?;
    tx.commit().await?;
    notices::tell_user_and_administrators(
        state,
        me,
        acting.account_name,
        acting.client,
        Msg::new("mail-two-factor-on-subject"),
        Msg::new("mail-two-factor-on").with("username", &me.username),
    )
    .await?;
    Ok(Enrollment::On(codes))
}

/// A new set of recovery codes (the old set stops working), or `None` when two-factor is off.
pub async fn replace_recovery_codes(
    acting: &Acting<'_>,
    user_id: &UserId,
) -> Result<Option<Vec<String>>, StoreError> {
    let (codes, hashes) = new_recovery_codes();
    let mut tx = acting.state.store.begin().await?;
    // Written first, so the transaction holds the write lock before it reads (see `Tx`).
    tx.replace_recovery_codes(acting.account_id, user_id, &hashes, acting.now)
        .await?;
    if !tx.factors(acting.account_id, user_id).await?.totp {
        return Ok(None);
    }
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "two_factor.recovery_codes_replaced",
            "",
        )
        .await?;
    tx.commit().await?;
    Ok(Some(codes))
}

/// Sets the user's "only ask for two-factor authentication once every 30 days on a known IP
/// address".
pub async fn set_remember(
    acting: &Acting<'_>,
    user_id: &UserId,
    remember: bool,
) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.set_remember_two_factor(acting.account_id, user_id, remember)
        .await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "two_factor.remember_changed",
            &format!("remember={remember}"),
        )
        .await?;
    tx.commit().await
}

/// How turning the authenticator app off ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnOff {
    /// Off; the recovery codes are gone too.
    Off,
    /// Refused: the account enforces two-factor authentication and the app is the user's last
    /// second factor.
    Enforced,
    /// The code did not pass (wrong, throttled, locked) or there is no app.
    Code(OwnCode),
}

/// Turns the user's own authenticator app off: it needs a current code, and the rule that the
/// last second factor stays while the account enforces two-factor is checked again inside the
/// transaction that removes it (with the account's row locked, so a passkey deleted at the same
/// moment, or enforcement switched on, cannot slip between the check and the removal).
pub async fn turn_off(acting: &Acting<'_>, me: &User, typed: &str) -> Result<TurnOff, StoreError> {
    let state = acting.state;
    let (account_id, store) = (acting.account_id, &state.store);
    // Said before the code is checked, so nobody spends a code for nothing.
    let (account, factors) = (
        store.account(account_id).await?,
        store.factors(account_id, &me.id).await?,
    );
    if !may_turn_off(account, factors)? {
        return Ok(TurnOff::Enforced);
    }
    match check_own_code(state, me, acting.account_name, typed, acting.client).await? {
        OwnCode::Accepted => {}
        other => return Ok(TurnOff::Code(other)),
    }
    let mut tx = state.store.begin().await?;
    tx.lock_account(account_id).await?;
    let (account, factors) = (
        tx.account(account_id).await?,
        tx.factors(account_id, &me.id).await?,
    );
    if !may_turn_off(account, factors)? {
        return Ok(TurnOff::Enforced);
    }
    tx.delete_totp(acting.account_id, &me.id).await?;
    acting
        .audit(&mut tx, Some(&me.id), "two_factor.disabled", "")
        .await?;
    tx.commit().await?;
    let notice = notices::security_change(
        Recipient::of(me, acting.account_name),
        Msg::new("mail-two-factor-off-subject"),
        Msg::new("mail-two-factor-off").with("username", &me.username),
        acting.now,
        acting.client,
    );
    notices::send(state, &notice).await;
    Ok(TurnOff::Off)
}

/// Whether a user with `factors` may turn their app off in `account`: what would remain is
/// their passkeys.
fn may_turn_off(account: Option<Account>, factors: Factors) -> Result<bool, StoreError> {
    let account = account.ok_or(StoreError::NotFound)?;
    let remaining = Factors {
        totp: false,
        ..factors
    };
    Ok(login::may_remove_factor(account.policy, remaining))
}

/// Resets a user's authenticator app and recovery codes (an administrator, for a user who lost
/// their phone); the user is told.
pub async fn reset(acting: &Acting<'_>, target: &User) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    tx.delete_totp(acting.account_id, &target.id).await?;
    acting
        .audit(&mut tx, Some(&target.id), "two_factor.reset", "")
        .await?;
    tx.commit().await?;
    let by = acting.actor.name();
    let notice = notices::security_change(
        Recipient::of(target, acting.account_name),
        Msg::new("mail-two-factor-reset-subject"),
        Msg::new("mail-two-factor-reset")
            .with("by", by)
            .with("username", &target.username),
        acting.now,
        acting.client,
    );
    notices::send(acting.state, &notice).await;
    Ok(())
}

//! "Confirm it's you": a logged-in user's password, checked under the same brute-force rules as
//! the login (re-authentication, username and password changes).

use portcullis_core::Timestamp;
use portcullis_core::password::{self, DUMMY_HASH};
use portcullis_core::username;
use portcullis_store::{StoreError, UsernameCounter};
use secrecy::{ExposeSecret, SecretString};

use crate::flows::attempts::{claim_attempt, record_refusal};
use crate::flows::context::{Acting, Audit, Client};
use crate::flows::session::{self, OwnSession};
use crate::state::AppState;
use portcullis_core::lockout::Gate;

/// Why a logged-in user's password confirmation (re-authentication, password or username
/// change) did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unconfirmed {
    /// The password is wrong; the failure was counted.
    Wrong,
    /// Too many recent failures; try again at this time.
    TryLater(Timestamp),
    /// The username is locked.
    Locked,
    /// Hashing capacity is exhausted.
    Busy,
}

/// Checks a logged-in user's password under the same brute-force rules as the login: a stolen
/// session must not become a way to guess the password without limits. The attempt is claimed
/// on the client's address and the user's own counter before the hash runs.
#[tracing::instrument(skip_all, fields(ip = %client.ip))]
pub async fn confirm_password(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    account_name: &str,
    password: SecretString,
    client: &Client,
) -> Result<Result<(), Unconfirmed>, StoreError> {
    let now = state.clock.now();
    let audit = Audit { state, client, now };
    let Some(user) = state.store.user(account_id, user_id).await? else {
        return Ok(Err(Unconfirmed::Wrong));
    };
    let Ok(hashing) = state.hashing.admit(client.ip) else {
        return Ok(Err(Unconfirmed::Busy));
    };
    let key = username::key(&user.username);
    let counter = UsernameCounter::InAccount(account_id, &key);
    let claimed = match claim_attempt(state, client, counter, now).await? {
        Ok(claimed) => claimed,
        Err(refused) => {
            record_refusal(
                &audit,
                &refused,
                Some(account_id),
                Some(user_id),
                "password_confirmation",
            )
            .await?;
            return Ok(match refused.gate {
                Gate::Locked => Err(Unconfirmed::Locked),
                Gate::WaitUntil(until) => Err(Unconfirmed::TryLater(until)),
                Gate::Open => Err(Unconfirmed::TryLater(now)),
            });
        }
    };
    let stored_hash = user
        .password_hash
        .clone()
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let has_password = user.password_hash.is_some();
    let matches = match hashing
        .run(move || password::verify_password(password.expose_secret(), &stored_hash))
        .await
    {
        Ok(matches) => matches && has_password,
        Err(_busy) => {
            claimed.give_back(state, true).await?;
            return Ok(Err(Unconfirmed::Busy));
        }
    };
    if matches {
        claimed.give_back(state, false).await?;
        return Ok(Ok(()));
    }
    let failures = claimed
        .failed(state, &audit, Some((&user, account_name)))
        .await?;
    audit
        .record(
            Some(account_id),
            Some(user_id),
            "password.confirm_failed",
            &format!("failures={failures}"),
        )
        .await?;
    Ok(Err(Unconfirmed::Wrong))
}

/// How "Confirm it's you" ended.
#[derive(Debug)]
pub enum Reauth {
    /// Confirmed: the session was renewed; its new token goes into the cookie.
    Renewed(String),
    /// The password was not confirmed.
    NotConfirmed(Unconfirmed),
}

/// "Confirm it's you" with the password: checked under the login's limits, then the session is
/// renewed (a new token, the re-authentication time) and audited.
pub async fn with_password(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    user_id: &str,
    password: SecretString,
) -> Result<Reauth, StoreError> {
    let confirmation = confirm_password(
        acting.state,
        acting.account_id,
        user_id,
        acting.account_name,
        password,
        acting.client,
    )
    .await?;
    if let Err(why) = confirmation {
        return Ok(Reauth::NotConfirmed(why));
    }
    let token = session::renew(acting, session, user_id, "password").await?;
    Ok(Reauth::Renewed(token))
}

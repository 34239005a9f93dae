//! "Confirm it's you": a logged-in user proves themselves again (with the password, or with a
//! passkey, see `login::passkey`) and the session is renewed.

use portcullis_core::ids::UserId;
use portcullis_store::StoreError;
use secrecy::SecretString;

use portcullis_core::session::LoginMethod;
use portcullis_core::token;
use portcullis_core::user::User;

use crate::flows::context::Acting;
use crate::flows::credentials::password;
use crate::flows::credentials::totp::{self, OwnCode};
use crate::flows::session::{self, OwnSession};

/// How "Confirm it's you" ended.
#[derive(Debug)]
pub enum Reauth {
    /// Confirmed: the session was renewed; its new token goes into the cookie.
    Renewed(String),
    /// The password was not confirmed.
    NotConfirmed(password::Unconfirmed),
}

/// "Confirm it's you" with the password: checked under the login's limits, then the session is
/// renewed (a new token, the re-authentication time) and audited.
pub async fn with_password(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    user_id: &UserId,
    password: SecretString,
) -> Result<Reauth, StoreError> {
    let Some(user) = acting.state.store.user(acting.account_id, user_id).await? else {
        return Ok(Reauth::NotConfirmed(password::Unconfirmed::Wrong));
    };
    let confirmation = password::confirm_password(acting, &user, password).await?;
    if let Err(why) = confirmation {
        return Ok(Reauth::NotConfirmed(why));
    }
    let token = session::renew(acting, session, user_id, "password").await?;
    Ok(Reauth::Renewed(token))
}

/// How a step-up with the authenticator app ended.
#[derive(Debug)]
pub enum StepUp {
    /// The session now counts as a two-factor login; its new token goes into the cookie.
    Raised(String),
    /// The code was not accepted (wrong, throttled, locked, or no app).
    Refused(OwnCode),
}

/// Step-up: a session whose login proved one factor gives its second, the authenticator app's
/// code (checked under the login's limits). The session is renewed and from now on counts as a
/// password-and-app login.
pub async fn step_up_with_app_code(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    user: &User,
    typed: &str,
) -> Result<StepUp, StoreError> {
    let state = acting.state;
    match totp::check_own_code(state, user, acting.account_name, typed, acting.client).await? {
        OwnCode::Accepted => {}
        other => return Ok(StepUp::Refused(other)),
    }
    let mut tx = state.store.begin().await?;
    let fresh = session::renew_in(&mut tx, session, acting.now).await?;
    tx.raise_login_method(
        &token::hash_token(&fresh),
        LoginMethod::PasswordAndApp.as_str(),
    )
    .await?;
    acting
        .audit(
            &mut tx,
            Some(user.id.as_str()),
            "session.stepped_up",
            "factor=app",
        )
        .await?;
    tx.commit().await?;
    Ok(StepUp::Raised(fresh))
}

//! "Confirm it's you": a logged-in user proves themselves again (with the password, or with a
//! passkey, see `login::passkey`) and the session is renewed.

use portcullis_core::ids::UserId;
use portcullis_store::StoreError;
use secrecy::SecretString;

use crate::flows::context::Acting;
use crate::flows::credentials::password;
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

//! An account's users as an administrator manages them: who may be acted on, new users and their
//! invitations, changes under the last-administrator rule, ending sessions, unlocking.
//!
//! What must always hold:
//! - a user the actor may not act on is not found (`portcullis_core::access`);
//! - the account keeps a lasting administrator (`portcullis_core::user::keeps_an_administrator`),
//!   checked inside the transaction that writes the change, with the account's row locked;
//! - a change, what follows from it (administrations granted, sessions of a user who can no
//!   longer log in) and its audit events commit together; mail goes out after the commit and
//!   never undoes it.

use portcullis_core::access::Actor;
use portcullis_core::clock::format_date;
use portcullis_core::ids::{AccountId, UserId};
use portcullis_core::language::Language;
use portcullis_core::user::{User, UserKind, keeps_an_administrator};
use portcullis_core::username;
use portcullis_core::username::UsernameProblem;
use portcullis_store::{Guarded, StoreError, UserUpdate, UsernameCounter};
use secrecy::SecretString;

use super::accounts::{Accounts, CreateError, INVITATION_VALIDITY, UserInput, read_security_code};
use crate::flows::context::Acting;
use crate::flows::credentials::password::{Unconfirmed, confirm_password};
use crate::flows::notices::{self, Notice, Recipient};
use crate::flows::session::{self, OwnSession};
use crate::i18n::{Arg, Msg};
use crate::state::AppState;

/// The user `id` names in `account_id`, if `actor` may act on them; anything else is not found.
pub async fn user_for(
    state: &AppState,
    actor: &Actor,
    account_id: &AccountId,
    id: &str,
) -> Result<Option<User>, StoreError> {
    let Some(id) = UserId::parse(id).filter(|id| actor.may_act_on(account_id, id)) else {
        return Ok(None);
    };
    state.store.user(account_id, &id).await
}

/// An administrator's change to a user.
#[derive(Debug, Clone)]
pub struct Change {
    /// The user's new details.
    pub update: UserUpdate,
    /// The administrations granted, for an employee; `None` leaves the grants alone. Other kinds
    /// use every administration, so their grants are cleared.
    pub administrations: Option<Vec<String>>,
}

/// How a change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Written (possibly nothing changed).
    Applied,
    /// Refused: the user is the account's last lasting administrator.
    LastAdministrator,
}

/// Changes a user under the last-administrator rule; ends their sessions when they can no
/// longer log in; tells both addresses about a new email address.
pub async fn change(
    acting: &Acting<'_>,
    target: &User,
    change: Change,
) -> Result<ChangeOutcome, StoreError> {
    let Change {
        update,
        administrations,
    } = change;
    let mut tx = acting.state.store.begin().await?;
    let outcome = tx
        .update_user(acting.account_id, &target.id, &update, |before, others| {
            keeps_an_administrator(before.standing(), update.standing(), others)
        })
        .await?;
    let Guarded::Applied(before) = outcome else {
        return Ok(ChangeOutcome::LastAdministrator);
    };
    let changed = differences(&before, &update);
    if !changed.is_empty() {
        acting
            .audit(
                &mut tx,
                Some(&target.id),
                "user.updated",
                &changed.join(" "),
            )
            .await?;
    }
    if let Some(granted) = administrations {
        let grants = if update.kind == UserKind::Employee {
            granted
        } else {
            Vec::new()
        };
        let before_grants = tx
            .granted_administrations(acting.account_id, &target.id)
            .await?;
        if !same_set(&before_grants, &grants) {
            tx.set_granted_administrations(acting.account_id, &target.id, &grants)
                .await?;
            acting
                .audit(
                    &mut tx,
                    Some(&target.id),
                    "user.administrations_changed",
                    &format!("count={}", grants.len()),
                )
                .await?;
        }
    }
    let access_ended =
        portcullis_core::user::barred(update.disabled, update.employment_ends_at, acting.now)
            .is_some();
    if !changed.is_empty() && access_ended {
        let n = tx
            .delete_sessions_of_user(acting.account_id, &target.id)
            .await?;
        if n > 0 {
            acting
                .audit(
                    &mut tx,
                    Some(&target.id),
                    "sessions.ended",
                    &format!("count={n} reason=access_ended"),
                )
                .await?;
        }
    }
    tx.commit().await?;
    if before.email != update.email {
        tell_about_new_email(acting, &before, &update).await;
    }
    Ok(ChangeOutcome::Applied)
}

/// What an update changes, for the audit log.
fn differences(before: &User, update: &UserUpdate) -> Vec<String> {
    let mut changed = Vec::new();
    if before.name != update.name {
        changed.push("name".to_string());
    }
    if before.kind != update.kind {
        changed.push(format!("kind={}", update.kind.as_str()));
    }
    if before.employment_ends_at != update.employment_ends_at {
        changed.push(format!(
            "employment_ends={}",
            update
                .employment_ends_at
                .map_or_else(|| "none".into(), format_date)
        ));
    }
    if before.disabled != update.disabled {
        changed.push(format!("disabled={}", update.disabled));
    }
    if before.email != update.email {
        changed.push("email".to_string());
    }
    changed
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

async fn tell_about_new_email(acting: &Acting<'_>, before: &User, update: &UserUpdate) {
    let by = acting.actor.name();
    let what = Msg::new("mail-email-changed")
        .with("username", &before.username)
        .with("from", &before.email)
        .with("to", &update.email)
        .with("by", by);
    for address in [before.email.as_str(), update.email.as_str()] {
        let notice = notices::security_change(
            Recipient::of(before, acting.account_name).at(address),
            Msg::new("mail-email-changed-subject"),
            what.clone(),
            acting.now,
            acting.client,
        );
        notices::send(acting.state, &notice).await;
    }
}

/// How a username change ended.
#[derive(Debug)]
pub enum UsernameChange {
    /// Changed; this session's new token goes into the cookie.
    Changed {
        /// The session's new token.
        session_token: String,
    },
    /// The new username breaks a rule.
    Invalid(UsernameProblem),
    /// Another user of the account has it.
    Taken(String),
    /// The current password was not confirmed.
    NotConfirmed(Unconfirmed),
}

/// Changes the acting user's own username, confirmed with their password (which counts as a
/// re-authentication: the session gets a new token); the user is told by email.
pub async fn change_own_username(
    acting: &Acting<'_>,
    session: &OwnSession<'_>,
    me: &User,
    typed: &str,
    password: SecretString,
) -> Result<UsernameChange, StoreError> {
    let new_username = match username::parse(typed) {
        Ok(name) => name,
        Err(e) => return Ok(UsernameChange::Invalid(e)),
    };
    let confirmation = confirm_password(acting, me, password).await?;
    if let Err(why) = confirmation {
        return Ok(UsernameChange::NotConfirmed(why));
    }
    let mut tx = acting.state.store.begin().await?;
    match tx
        .set_username(acting.account_id, &me.id, &new_username)
        .await
    {
        Ok(()) => {}
        Err(StoreError::UsernameTaken) => return Ok(UsernameChange::Taken(new_username)),
        Err(e) => return Err(e),
    }
    let fresh = session::renew_in(&mut tx, session, acting.now).await?;
    acting
        .audit(
            &mut tx,
            Some(&me.id),
            "username.changed",
            &format!("from={} to={new_username}", me.username),
        )
        .await?;
    tx.commit().await?;
    let notice = notices::security_change(
        Recipient::of(me, acting.account_name),
        Msg::new("mail-username-changed-subject"),
        Msg::new("mail-username-changed")
            .with("from", &me.username)
            .with("to", new_username),
        acting.now,
        acting.client,
    );
    notices::send(acting.state, &notice).await;
    Ok(UsernameChange::Changed {
        session_token: fresh,
    })
}

/// How switching "automatically validate new IP addresses" ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoValidate {
    /// Saved.
    Saved,
    /// Refused: the account blocks new IP addresses, so the option cannot be on.
    BlockedByAccount,
}

/// Sets the acting user's own language (`None`: their browser's, else the account's). Not a
/// security change, so not audited.
pub async fn set_own_language(
    acting: &Acting<'_>,
    user_id: &UserId,
    language: Option<Language>,
) -> Result<(), StoreError> {
    acting
        .state
        .store
        .set_user_language(acting.account_id, user_id, language)
        .await
}

/// Sets the acting user's own "automatically validate new IP addresses" (switching it on is
/// refused while the account blocks new IP addresses).
pub async fn set_own_auto_validate(
    acting: &Acting<'_>,
    user_id: &UserId,
    on: bool,
) -> Result<AutoValidate, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    // The account's switch is read under its row lock, so the administrator blocking new IP
    // addresses at this moment either comes first (and this is refused) or after.
    tx.lock_account(acting.account_id).await?;
    if on
        && tx
            .account(acting.account_id)
            .await?
            .is_some_and(|account| account.policy.block_new_ips)
    {
        return Ok(AutoValidate::BlockedByAccount);
    }
    tx.set_auto_validate_ips(acting.account_id, user_id, on)
        .await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "ip.auto_validate_changed",
            &format!("auto_validate={on}"),
        )
        .await?;
    tx.commit().await?;
    Ok(AutoValidate::Saved)
}

/// Logs a user out everywhere; returns how many sessions ended.
pub async fn end_sessions(acting: &Acting<'_>, target: &User) -> Result<u64, StoreError> {
    let mut tx = acting.state.store.begin().await?;
    let n = tx
        .delete_sessions_of_user(acting.account_id, &target.id)
        .await?;
    acting
        .audit(
            &mut tx,
            Some(&target.id),
            "sessions.ended",
            &format!("count={n} reason=administrator"),
        )
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// Lifts the lock that too many failed logins put on a user's username.
pub async fn unlock(acting: &Acting<'_>, target: &User) -> Result<(), StoreError> {
    let key = username::key(&target.username);
    let mut tx = acting.state.store.begin().await?;
    tx.clear_username_failures(UsernameCounter::InAccount(acting.account_id, &key))
        .await?;
    acting
        .audit(&mut tx, Some(&target.id), "user.unlocked", "")
        .await?;
    tx.commit().await
}

/// How creating a user ended.
#[derive(Debug)]
pub enum Created {
    /// Created; the invitation went out (or not: `invited` says).
    User {
        /// The new user.
        user_id: String,
        /// Whether the invitation email went out.
        invited: bool,
    },
    /// An input broke a rule: the message says which.
    Invalid(String),
    /// Another user of the account has this username.
    UsernameTaken(String),
}

/// Creates a user with the administrations granted (employees only), and emails them their
/// login details with a link to choose a password.
pub async fn create(
    acting: &Acting<'_>,
    input: UserInput<'_>,
    administrations: Vec<String>,
) -> Result<Created, CreateError> {
    let state = acting.state;
    let accounts = Accounts {
        store: &state.store,
        keys: &state.keys,
        public_origin: &state.config.public_origin(),
        actor: acting.actor,
    };
    let kind = input.kind;
    let grants = if kind == UserKind::Employee {
        administrations
    } else {
        Vec::new()
    };
    let created = match accounts
        .create_user_with(acting.account_id, input, &grants, acting.now)
        .await
    {
        Ok(created) => created,
        Err(CreateError::Invalid(message)) => return Ok(Created::Invalid(message)),
        Err(CreateError::UsernameTaken(name)) => return Ok(Created::UsernameTaken(name)),
        Err(e) => return Err(e),
    };
    let Some(link) = created.set_password_link else {
        return Err(CreateError::Invalid(
            "a new user without a password got no link".into(),
        ));
    };
    let invited = send_invitation(acting, &created.user_id, &link).await?;
    Ok(Created::User {
        user_id: created.user_id,
        invited,
    })
}

/// How re-sending an invitation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invited {
    /// A new link went out by email; earlier links stopped working.
    Sent,
    /// A new link was made, but the email could not be sent.
    NotSent,
    /// The user has chosen a password already: nothing to invite to.
    HasPassword,
}

/// A new set-password link by email, for a user who has not chosen a password yet.
pub async fn invite(acting: &Acting<'_>, target: &User) -> Result<Invited, CreateError> {
    if target.password_hash.is_some() {
        return Ok(Invited::HasPassword);
    }
    let state = acting.state;
    let accounts = Accounts {
        store: &state.store,
        keys: &state.keys,
        public_origin: &state.config.public_origin(),
        actor: acting.actor,
    };
    let mut tx = state.store.begin().await?;
    let link = accounts
        .set_password_link(&mut tx, acting.account_id, &target.id, acting.now)
        .await?;
    tx.commit().await?;
    Ok(if send_invitation(acting, &target.id, &link).await? {
        Invited::Sent
    } else {
        Invited::NotSent
    })
}

/// Emails a user their login details: the security code, their username and a link to choose a
/// password; audits whether it went out. Returns whether it did.
async fn send_invitation(
    acting: &Acting<'_>,
    user_id: &str,
    link: &str,
) -> Result<bool, CreateError> {
    let state = acting.state;
    let (Some(sealed), Some(invited)) = (
        state.store.sealed_account(acting.account_id).await?,
        state.store.user(acting.account_id, user_id).await?,
    ) else {
        return Err(CreateError::Store(StoreError::NotFound));
    };
    let code = read_security_code(&state.keys, &sealed).map_err(CreateError::Invalid)?;
    let account = &sealed.account;
    let by = acting.actor.name();
    let mut notice = Notice::new(
        Recipient::of(&invited, &account.name),
        Msg::new("mail-invitation-subject").with("account", &account.name),
    );
    notice.headline = Some(Msg::new("mail-invitation-headline").with("account", &account.name));
    notice.paragraphs = vec![
        Msg::new("mail-invitation")
            .with("by", by)
            .with("account", &account.name),
        Msg::new("mail-invitation-validity").with("hours", INVITATION_VALIDITY.as_secs() / 3600),
    ];
    notice.facts = vec![
        (Msg::new("field-security-code"), Arg::from(code)),
        (Msg::new("field-username"), Arg::from(&invited.username)),
        (
            Msg::new("mail-log-in-at"),
            Arg::from(format!("{}/login", state.config.public_origin())),
        ),
    ];
    notice.action = Some((Msg::new("mail-invitation-action"), link.to_string()));
    notice.advice = Some(Msg::new("mail-invitation-advice"));
    let sent = notices::send(state, &notice).await;
    // Written after the attempt, since it records how the attempt went; the link exists either
    // way and the administrator can send it again.
    let mut tx = state.store.begin().await?;
    acting
        .audit(
            &mut tx,
            Some(user_id),
            "user.invited",
            if sent { "mail=sent" } else { "mail=failed" },
        )
        .await?;
    tx.commit().await?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_lists_compare_as_sets() {
        let a = vec!["x".to_string(), "y".to_string()];
        let b = vec!["y".to_string(), "x".to_string()];
        assert!(same_set(&a, &b));
        assert!(!same_set(&a, &a[..1]));
    }
}

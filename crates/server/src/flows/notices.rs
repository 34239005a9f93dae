//! The mail Portcullis sends to people: invitations, reset links and security notifications.
//!
//! Every message has an HTML and a plain-text body from the same two templates
//! (`mail/notice.*`), so they always say the same thing. Security notifications carry the time,
//! IP address and browser of the change, so the reader can tell whether it was them.
//!
//! What must always hold: a message that cannot be sent never undoes or blocks the change it
//! reports (the change is already made and audited); the failure is logged without the message
//! body, which may hold a single-use link.

use askama::Template;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, clock, user_agent};
use portcullis_store::StoreError;

use crate::flows::context::Client;
use crate::infra::mail::Email;
use crate::state::AppState;

/// A message to one person.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Recipient address.
    pub to: String,
    /// How to greet them (name or username).
    pub greeting: String,
    /// Their account's name.
    pub account_name: String,
    /// Subject line.
    pub subject: String,
    /// First line of the body.
    pub headline: String,
    /// What happened, in sentences.
    pub paragraphs: Vec<String>,
    /// Labelled facts: time, IP address, browser, security code.
    pub facts: Vec<(String, String)>,
    /// A button: label and URL.
    pub action: Option<(String, String)>,
    /// What to do if this was not them.
    pub advice: Option<String>,
    /// A link for when this was not them ("This wasn't me"): label and URL.
    pub not_me: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    n: &'a Notice,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    n: &'a Notice,
}

impl Notice {
    /// Renders both bodies.
    pub fn to_email(&self) -> Result<Email, askama::Error> {
        let html = NoticeHtml { n: self }.render()?;
        let text = NoticeText { n: self }.render()?;
        Ok(Email {
            to: self.to.clone(),
            subject: self.subject.clone(),
            text,
            html,
        })
    }
}

/// Who a message is for.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// Their address.
    pub email: &'a str,
    /// Their name, or username when the name is empty.
    pub name: &'a str,
    /// Their account's name.
    pub account_name: &'a str,
}

impl<'a> Recipient<'a> {
    /// A user of the account named `account_name`.
    pub fn of(user: &'a User, account_name: &'a str) -> Recipient<'a> {
        Recipient {
            email: &user.email,
            name: user.display_name(),
            account_name,
        }
    }
}

/// Time, IP address and browser of a change, as facts for a message.
pub fn change_facts(now: Timestamp, client: &Client) -> Vec<(String, String)> {
    vec![
        (
            "Time".into(),
            format!("{} UTC", clock::format_date_time(now)),
        ),
        ("IP address".into(), client.ip.to_string()),
        ("Browser".into(), user_agent::describe(&client.user_agent)),
    ]
}

/// A notification about a security change to the reader's own user.
pub fn security_change(
    to: Recipient<'_>,
    subject: &str,
    what: &str,
    now: Timestamp,
    client: &Client,
) -> Notice {
    Notice {
        to: to.email.to_string(),
        greeting: to.name.to_string(),
        account_name: to.account_name.to_string(),
        subject: subject.to_string(),
        headline: subject.to_string(),
        paragraphs: vec![what.to_string()],
        facts: change_facts(now, client),
        action: None,
        advice: Some(
            "If this was not you, tell your administrator at once: someone else may have access to your user."
                .to_string(),
        ),
        not_me: None,
    }
}

/// Sends a notice; a failure is logged (without the body) and reported as `false`.
pub async fn send(state: &AppState, notice: &Notice) -> bool {
    let email = match notice.to_email() {
        Ok(email) => email,
        Err(e) => {
            tracing::error!("could not render the message '{}': {e}", notice.subject);
            return false;
        }
    };
    match state.mailer.send(&email).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("could not send the message '{}': {e}", notice.subject);
            false
        }
    }
}

/// Tells a user about a change to their second factors, and every other active administrator
/// of the account too (they watch over the account's security).
pub async fn tell_user_and_administrators(
    state: &AppState,
    user: &User,
    account_name: &str,
    client: &Client,
    subject: &str,
    what: &str,
) -> Result<(), StoreError> {
    let now = state.clock.now();
    for person in state.store.active_users(&user.account_id, now).await? {
        let is_user = person.id == user.id;
        if !is_user && !person.kind.is_administrator() {
            continue;
        }
        let mut notice = security_change(
            Recipient::of(&person, account_name),
            subject,
            what,
            now,
            client,
        );
        if !is_user {
            notice.advice = Some(format!(
                "You receive this as an administrator of {account_name}. Nothing to do unless it surprises {}.",
                user.username
            ));
        }
        send(state, &notice).await;
    }
    Ok(())
}

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
use portcullis_core::language::Language;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, user_agent};
use portcullis_store::StoreError;

use crate::flows::context::Client;
use crate::i18n::{Arg, Msg, Tr};
use crate::infra::mail::Email;
use crate::state::AppState;

/// A message to one person, in words still to be chosen: it is put into the recipient's
/// language (their own choice, else their account's) and their account's time zone when it
/// is sent, whoever caused it.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Recipient address.
    pub to: String,
    /// How to greet them (name or username).
    pub greeting: String,
    /// Their account's name.
    pub account_name: String,
    /// Their account (its language and time zone apply).
    pub account_id: String,
    /// The language the recipient chose, if any.
    pub language: Option<Language>,
    /// Subject line.
    pub subject: Msg,
    /// The first line of the body, when it is not the subject.
    pub headline: Option<Msg>,
    /// What happened, in sentences.
    pub paragraphs: Vec<Msg>,
    /// Labelled facts: time, IP address, browser, security code.
    pub facts: Vec<(Msg, Arg)>,
    /// A button: label and URL.
    pub action: Option<(Msg, String)>,
    /// What to do if this was not them.
    pub advice: Option<Msg>,
    /// A link for when this was not them ("This wasn't me"): label and URL.
    pub not_me: Option<(Msg, String)>,
}

/// A notice in the words of one reader, as both bodies render it.
struct Words<'a> {
    n: &'a Notice,
    t: &'a Tr,
    subject: String,
    headline: String,
    paragraphs: Vec<String>,
    facts: Vec<(String, String)>,
    action: Option<(String, String)>,
    advice: Option<String>,
    not_me: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    w: &'a Words<'a>,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    w: &'a Words<'a>,
}

impl Notice {
    /// A notice to `to` about `subject`, with nothing else said yet.
    pub fn new(to: Recipient<'_>, subject: Msg) -> Notice {
        Notice {
            to: to.email.to_string(),
            greeting: to.name.to_string(),
            account_name: to.account_name.to_string(),
            account_id: to.account_id.to_string(),
            language: to.language,
            subject,
            headline: None,
            paragraphs: Vec::new(),
            facts: Vec::new(),
            action: None,
            advice: None,
            not_me: None,
        }
    }

    fn words<'a>(&'a self, t: &'a Tr) -> Words<'a> {
        let subject = t.msg(&self.subject);
        Words {
            n: self,
            t,
            headline: self
                .headline
                .as_ref()
                .map_or_else(|| subject.clone(), |h| t.msg(h)),
            subject,
            paragraphs: self.paragraphs.iter().map(|p| t.msg(p)).collect(),
            facts: self
                .facts
                .iter()
                .map(|(label, value)| (t.msg(label), t.value(value)))
                .collect(),
            action: self.action.as_ref().map(|(l, url)| (t.msg(l), url.clone())),
            advice: self.advice.as_ref().map(|a| t.msg(a)),
            not_me: self.not_me.as_ref().map(|(l, url)| (t.msg(l), url.clone())),
        }
    }

    /// Renders both bodies in the words of `t`.
    pub fn to_email(&self, t: &Tr) -> Result<Email, askama::Error> {
        let w = self.words(t);
        let html = NoticeHtml { w: &w }.render()?;
        let text = NoticeText { w: &w }.render()?;
        Ok(Email {
            to: self.to.clone(),
            subject: w.subject,
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
    /// Their account.
    pub account_id: &'a str,
    /// The language they chose, if any.
    pub language: Option<Language>,
}

impl<'a> Recipient<'a> {
    /// A user of the account named `account_name`.
    pub fn of(user: &'a User, account_name: &'a str) -> Recipient<'a> {
        Recipient {
            email: &user.email,
            name: user.display_name(),
            account_name,
            account_id: &user.account_id,
            language: user.language,
        }
    }

    /// The same person at another address (an address change tells the old one too).
    pub fn at(self, email: &'a str) -> Recipient<'a> {
        Recipient { email, ..self }
    }
}

/// Time, IP address and browser of a change, as facts for a message.
pub fn change_facts(now: Timestamp, client: &Client) -> Vec<(Msg, Arg)> {
    vec![
        (Msg::new("fact-time"), Arg::Time(now)),
        (Msg::new("fact-ip"), Arg::from(client.ip.to_string())),
        (
            Msg::new("fact-browser"),
            Arg::from(user_agent::describe(&client.user_agent)),
        ),
    ]
}

/// A notification about a security change to the reader's own user.
pub fn security_change(
    to: Recipient<'_>,
    subject: Msg,
    what: Msg,
    now: Timestamp,
    client: &Client,
) -> Notice {
    let mut notice = Notice::new(to, subject);
    notice.paragraphs.push(what);
    notice.facts = change_facts(now, client);
    notice.advice = Some(Msg::new("mail-advice-not-you"));
    notice
}

/// The reader of a notice: its recipient's own language, else their account's, in their
/// account's time zone.
async fn reader_of(state: &AppState, notice: &Notice) -> Result<Tr, StoreError> {
    let account = state.store.account(&notice.account_id).await?;
    Ok(match account {
        Some(account) => {
            Tr::for_person(notice.language, None, account.language, &account.time_zone)
        }
        None => Tr::for_person(
            notice.language,
            None,
            Language::English,
            crate::i18n::DEFAULT_TIME_ZONE,
        ),
    })
}

/// Sends a notice; a failure is logged (without the body) and reported as `false`.
pub async fn send(state: &AppState, notice: &Notice) -> bool {
    let reader = match reader_of(state, notice).await {
        Ok(reader) => reader,
        Err(e) => {
            tracing::error!(
                "could not find the reader of the message '{:?}': {e}",
                notice.subject
            );
            return false;
        }
    };
    let email = match notice.to_email(&reader) {
        Ok(email) => email,
        Err(e) => {
            tracing::error!("could not render the message '{:?}': {e}", notice.subject);
            return false;
        }
    };
    match state.mailer.send(&email).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("could not send the message '{}': {e}", email.subject);
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
    subject: Msg,
    what: Msg,
) -> Result<(), StoreError> {
    let now = state.clock.now();
    for person in state.store.active_users(&user.account_id, now).await? {
        let is_user = person.id == user.id;
        if !is_user && !person.kind.is_administrator() {
            continue;
        }
        let mut notice = security_change(
            Recipient::of(&person, account_name),
            subject.clone(),
            what.clone(),
            now,
            client,
        );
        if !is_user {
            notice.advice = Some(
                Msg::new("mail-advice-as-administrator")
                    .with("account", account_name)
                    .with("username", &user.username),
            );
        }
        send(state, &notice).await;
    }
    Ok(())
}

//! IP address security after every factor of a password login has passed: validated addresses
//! go on, new ones are validated automatically (when the user chose it and the account allows
//! it) or wait for the user to confirm them by email.
//!
//! What must always hold:
//! - nothing here runs before all factors passed (the caller is the login decision's
//!   [`Step::ConfirmIp`](portcullis_core::login::Step) or `StartSession`), so a password alone
//!   cannot make Portcullis send mail;
//! - a confirmation link is single-use, expires after [`CONFIRMATION_VALIDITY`], is stored only as
//!   its hash, and opening it (GET) changes nothing: a mail scanner that follows links can
//!   neither confirm nor block an address;
//! - the waiting login completes only from the address that was confirmed, once, on any server
//!   process (the partial login is taken atomically);
//! - a new link is sent at most once per [`RESEND_INTERVAL`] per user and address, however often
//!   the password is typed again or "Send the email again" is pressed.

use std::time::Duration;

use portcullis_core::language::Language;
use portcullis_core::login::{IpFacts, IpOnStart, IpStatus};
use portcullis_core::session::LoginMethod;
use portcullis_core::user::User;
use portcullis_core::{Timestamp, email, token};
use portcullis_store::{IpConfirmationRow, PendingLoginRow, PendingStage, StoreError};

use crate::flows::context::Audit;
use crate::flows::context::Client;
use crate::flows::notices::Notice;
use crate::flows::notices::Recipient;
use crate::flows::session::NewSessionToken;
use crate::i18n::Msg;
use crate::state::AppState;

/// How long a login waits for its new IP address to be confirmed, and a link stays usable.
pub const CONFIRMATION_VALIDITY: Duration = Duration::from_secs(30 * 60);

/// At most one new confirmation email per waiting login in this time.
pub const RESEND_INTERVAL: Duration = Duration::from_secs(60);

/// What the login knows about `ip` for a user.
pub async fn ip_facts(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    ip: &str,
) -> Result<Option<IpFacts>, StoreError> {
    Ok(state
        .store
        .ip_facts(account_id, user_id, ip)
        .await?
        .map(|row| IpFacts {
            status: IpStatus::parse(&row.status),
            last_two_factor_at: row.last_two_factor_at.map(Timestamp),
        }))
}

/// Starts waiting for confirmation of a new address: a partial login (its token goes into the
/// pending-login cookie), the address recorded as pending, and the confirmation email.
pub async fn begin_waiting(
    state: &AppState,
    user: &User,
    account_name: &str,
    client: &Client,
    now: Timestamp,
) -> Result<String, StoreError> {
    let pending = token::new_token();
    let pending_hash = token::hash_token(&pending);
    let ip = client.ip.to_string();
    state
        .store
        .insert_pending_login(
            &pending_hash,
            &user.account_id,
            &user.id,
            now,
            now.plus(CONFIRMATION_VALIDITY),
            &ip,
            &client.user_agent,
            PendingStage::Ip,
        )
        .await?;
    state
        .store
        .record_ip_seen(
            &user.account_id,
            &user.id,
            &ip,
            &client.user_agent,
            now,
            false,
        )
        .await?;
    // Logging in again from the same address within a minute sends no second email: the link
    // already on its way validates the address, which every login waiting for it notices.
    let recently = state
        .store
        .last_ip_confirmation_for(&user.id, &ip)
        .await?
        .is_some_and(|at| now < at.plus(RESEND_INTERVAL));
    if !recently {
        send_confirmation(state, &pending_hash, user, account_name, client, now).await?;
    }
    Ok(pending)
}

/// Makes a confirmation link for a waiting login and emails it.
async fn send_confirmation(
    state: &AppState,
    pending_hash: &str,
    user: &User,
    account_name: &str,
    client: &Client,
    now: Timestamp,
) -> Result<(), StoreError> {
    let link = token::new_token();
    state
        .store
        .insert_ip_confirmation(
            &token::hash_token(&link),
            &user.account_id,
            &user.id,
            &client.ip.to_string(),
            pending_hash,
            &client.user_agent,
            now,
            now.plus(CONFIRMATION_VALIDITY),
        )
        .await?;
    Audit { state, client, now }
        .record(
            Some(&user.account_id),
            Some(&user.id),
            "ip.confirmation_sent",
            &format!("ip={}", client.ip),
        )
        .await?;
    let confirm_url = state.config.link(&format!("/new-ip?token={link}"));
    let mut notice = crate::flows::notices::security_change(
        Recipient::of(user, account_name),
        Msg::new("mail-new-ip-subject"),
        Msg::new("mail-new-ip")
            .with("username", &user.username)
            .with("minutes", CONFIRMATION_VALIDITY.as_secs() / 60),
        now,
        client,
    );
    notice.action = Some((Msg::new("new-ip-was-me"), confirm_url.clone()));
    notice.advice = Some(Msg::new("mail-new-ip-advice"));
    notice.not_me = Some((
        Msg::new("new-ip-wasnt-me"),
        format!("{confirm_url}&answer=wasnt-me"),
    ));
    crate::flows::notices::send(state, &notice).await;
    Ok(())
}

/// How asking for a new email ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// A new link is on its way; older ones no longer work.
    Sent,
    /// The last one went out less than a minute ago; ask again at this time.
    TooSoon(Timestamp),
    /// No such waiting login (expired, completed, refused).
    Expired,
}

/// Sends a new confirmation link for a waiting login, at most once per [`RESEND_INTERVAL`].
pub async fn resend(
    state: &AppState,
    pending_token: &str,
    client: &Client,
) -> Result<Resend, StoreError> {
    let now = state.clock.now();
    let Some(WaitingLogin {
        hash: pending_hash,
        user,
        account_name,
        ..
    }) = waiting_login(state, pending_token, now).await?
    else {
        return Ok(Resend::Expired);
    };
    if let Some(last) = state.store.last_ip_confirmation_at(&pending_hash).await? {
        let next = last.plus(RESEND_INTERVAL);
        if now < next {
            return Ok(Resend::TooSoon(next));
        }
    }
    state
        .store
        .void_ip_confirmations(&pending_hash, now)
        .await?;
    send_confirmation(state, &pending_hash, &user, &account_name, client, now).await?;
    Ok(Resend::Sent)
}

/// Where a waiting login stands.
#[derive(Debug)]
pub enum Waiting {
    /// Still waiting; the email went to this (partly hidden) address.
    Waiting {
        /// E.g. `j•••@example.com`.
        masked_email: String,
    },
    /// The address was confirmed: here is the session.
    Session(NewSessionToken),
    /// The address was blocked ("This wasn't me", or by an administrator).
    Refused,
    /// No such waiting login: log in again.
    Expired,
}

/// Looks at a waiting login from the browser that started it; completes it once its address
/// is validated.
pub async fn check_waiting(
    state: &AppState,
    pending_token: &str,
    client: &Client,
) -> Result<Waiting, StoreError> {
    let now = state.clock.now();
    let Some(WaitingLogin {
        hash: pending_hash,
        pending,
        user,
        account_name,
    }) = waiting_login(state, pending_token, now).await?
    else {
        return Ok(Waiting::Expired);
    };
    let ip = client.ip.to_string();
    if pending.ip != ip {
        // Only the address that was confirmed may continue.
        return Ok(Waiting::Expired);
    }
    let status = ip_facts(state, &user.account_id, &user.id, &ip)
        .await?
        .map(|f| f.status);
    match status {
        Some(IpStatus::Validated) => {
            if !state.store.take_pending_login(&pending_hash).await? {
                return Ok(Waiting::Expired);
            }
            let session = crate::flows::session::start_session(
                state,
                crate::flows::session::Login {
                    user: &user,
                    account_name: &account_name,
                    ip: IpOnStart::Seen,
                    factors: "factor=password ip=confirmed",
                    method: LoginMethod::Password,
                    clear_failures_of: None,
                },
                client,
                now,
            )
            .await?;
            Ok(Waiting::Session(session))
        }
        Some(IpStatus::Blocked) => {
            state.store.take_pending_login(&pending_hash).await?;
            Ok(Waiting::Refused)
        }
        Some(IpStatus::Pending) | None => Ok(Waiting::Waiting {
            masked_email: email::mask(&user.email),
        }),
    }
}

/// A login waiting for its address to be confirmed, with its user and their account's name.
struct WaitingLogin {
    hash: String,
    pending: PendingLoginRow,
    user: User,
    account_name: String,
}

/// The waiting login behind a pending-login token, if its user may still log in.
async fn waiting_login(
    state: &AppState,
    pending_token: &str,
    now: Timestamp,
) -> Result<Option<WaitingLogin>, StoreError> {
    if !token::looks_like_token(pending_token) {
        return Ok(None);
    }
    let pending_hash = token::hash_token(pending_token);
    let Some(pending) = state
        .store
        .pending_login(&pending_hash, PendingStage::Ip, now)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = state
        .store
        .user(&pending.account_id, &pending.user_id)
        .await?
    else {
        return Ok(None);
    };
    if !user.may_log_in(now) {
        state.store.take_pending_login(&pending_hash).await?;
        return Ok(None);
    }
    let account_name = state
        .store
        .account(&user.account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    Ok(Some(WaitingLogin {
        hash: pending_hash,
        pending,
        user,
        account_name,
    }))
}

/// A confirmation link as its page shows it, before anything is decided.
#[derive(Debug, Clone)]
pub struct LinkFacts {
    /// The address waiting.
    pub ip: String,
    /// The browser that logged in, described.
    pub browser: String,
    /// When the login happened.
    pub at: Timestamp,
    /// The user's username.
    pub username: String,
    /// The language the user chose, if any.
    pub language: Option<Language>,
    /// Their account's default language.
    pub account_language: Language,
    /// Their account's time zone.
    pub time_zone: String,
}

/// Reads a link without using it.
pub async fn peek_link(state: &AppState, link: &str) -> Result<Option<LinkFacts>, StoreError> {
    if !token::looks_like_token(link) {
        return Ok(None);
    }
    let now = state.clock.now();
    let Some(row) = state
        .store
        .ip_confirmation(&token::hash_token(link), now)
        .await?
    else {
        return Ok(None);
    };
    let (Some(user), Some(account)) = (
        state.store.user(&row.account_id, &row.user_id).await?,
        state.store.account(&row.account_id).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some(LinkFacts {
        ip: row.ip,
        browser: portcullis_core::user_agent::describe(&row.user_agent),
        at: row.created_at,
        username: user.username,
        language: user.language,
        account_language: account.language,
        time_zone: account.time_zone,
    }))
}

/// How answering a link ended.
#[derive(Debug)]
pub enum Answer {
    /// Validated. In the browser that was waiting, the login is complete: here is the session.
    Confirmed(Option<NewSessionToken>),
    /// The address is blocked for the user; the waiting login ended.
    Blocked,
    /// The address had been blocked meanwhile (an administrator did it): nothing validated.
    AlreadyBlocked,
    /// Used before, expired or never issued.
    Unusable,
}

/// "Yes, this was me": validates the address. When the browser answering is the one that was
/// waiting (its pending-login cookie matches) and it is at that address, the login completes.
pub async fn confirm(
    state: &AppState,
    link: &str,
    pending_cookie: Option<&str>,
    client: &Client,
) -> Result<Answer, StoreError> {
    let now = state.clock.now();
    let Some(row) = take_link(state, link, now).await? else {
        return Ok(Answer::Unusable);
    };
    let before = ip_facts(state, &row.account_id, &row.user_id, &row.ip).await?;
    if before.is_some_and(|f| f.status == IpStatus::Blocked) {
        return Ok(Answer::AlreadyBlocked);
    }
    state
        .store
        .set_ip_status(
            &row.account_id,
            &row.user_id,
            &row.ip,
            IpStatus::Validated.as_str(),
            now,
        )
        .await?;
    Audit { state, client, now }
        .record(
            Some(&row.account_id),
            Some(&row.user_id),
            "ip.validated",
            &format!("ip={} by=email", row.ip),
        )
        .await?;
    // In the browser that waits, the login completes at once: the one this email was sent
    // for, or a newer one of the same user from the same address (typing the password again
    // within a minute sends no second email, so this email stands for both). Nothing here goes
    // beyond what the waiting page itself does on its next refresh, now that the address is
    // validated.
    let Some(cookie) = pending_cookie else {
        return Ok(Answer::Confirmed(None));
    };
    let waits_here = waiting_login(state, cookie, now)
        .await?
        .is_some_and(|w| w.user.id == row.user_id && w.pending.ip == row.ip);
    if !waits_here {
        return Ok(Answer::Confirmed(None));
    }
    match check_waiting(state, cookie, client).await? {
        Waiting::Session(session) => Ok(Answer::Confirmed(Some(session))),
        _ => Ok(Answer::Confirmed(None)),
    }
}

/// "This wasn't me": blocks the address for the user, ends the waiting login and the user's
/// sessions from that address, tells the account's administrators.
pub async fn not_me(state: &AppState, link: &str, client: &Client) -> Result<Answer, StoreError> {
    let now = state.clock.now();
    let Some(row) = take_link(state, link, now).await? else {
        return Ok(Answer::Unusable);
    };
    state
        .store
        .set_ip_status(
            &row.account_id,
            &row.user_id,
            &row.ip,
            IpStatus::Blocked.as_str(),
            now,
        )
        .await?;
    state.store.take_pending_login(&row.pending_hash).await?;
    state
        .store
        .delete_sessions_from_ip(&row.account_id, &row.user_id, &row.ip)
        .await?;
    Audit { state, client, now }
        .record(
            Some(&row.account_id),
            Some(&row.user_id),
            "ip.blocked",
            &format!("ip={} by=not_me", row.ip),
        )
        .await?;
    let Some(user) = state.store.user(&row.account_id, &row.user_id).await? else {
        return Ok(Answer::Blocked);
    };
    let account_name = state
        .store
        .account(&row.account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let login_client = Client {
        ip: row.ip.parse().unwrap_or(client.ip),
        user_agent: row.user_agent.clone(),
        held_session: None,
    };
    for admin in state.store.active_users(&row.account_id, now).await? {
        if !admin.kind.is_administrator() {
            continue;
        }
        let notice = blocked_notice(&admin, &user, &account_name, &row, &login_client, now);
        crate::flows::notices::send(state, &notice).await;
    }
    Ok(Answer::Blocked)
}

fn blocked_notice(
    admin: &User,
    user: &User,
    account_name: &str,
    row: &IpConfirmationRow,
    login: &Client,
    now: Timestamp,
) -> Notice {
    let mut notice = crate::flows::notices::security_change(
        Recipient::of(admin, account_name),
        Msg::new("mail-ip-reported-subject"),
        Msg::new("mail-ip-reported")
            .with("username", &user.username)
            .with("ip", &row.ip)
            .with("name", user.display_name()),
        now,
        login,
    );
    notice.advice = Some(Msg::new("mail-ip-reported-advice").with("name", user.display_name()));
    notice
}

async fn take_link(
    state: &AppState,
    link: &str,
    now: Timestamp,
) -> Result<Option<IpConfirmationRow>, StoreError> {
    if !token::looks_like_token(link) {
        return Ok(None);
    }
    state
        .store
        .take_ip_confirmation(&token::hash_token(link), now)
        .await
}

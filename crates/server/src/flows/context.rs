//! What every flow is told about the request it serves: who acts in which account ([`Acting`]),
//! where the request came from ([`Client`]), and how its audit events are written ([`Audit`]).

use std::net::IpAddr;

use portcullis_core::Timestamp;
use portcullis_core::access::Actor;
use portcullis_core::ids::{AccountId, UserId};
use portcullis_store::{AuditEvent, StoreError, Tx};

use crate::state::AppState;

/// Where the request came from.
#[derive(Debug, Clone)]
pub struct Client {
    /// Client IP address (after trusted-proxy resolution).
    pub ip: IpAddr,
    /// The browser's User-Agent, truncated.
    pub user_agent: String,
    /// The SHA-256 of the session token the browser holds, if it sent one: a login ends that
    /// session as it starts the new one.
    pub held_session: Option<String>,
}

/// Someone acting in an account: the context of every flow that changes an account's data on
/// behalf of a logged-in user (and later a helpdesk operator or an accountant). Made once per
/// request by the web layer; the flows take it instead of loose ids and strings.
pub struct Acting<'a> {
    /// Shared state.
    pub state: &'a AppState,
    /// Who acts.
    pub actor: &'a Actor,
    /// The account acted in.
    pub account_id: &'a AccountId,
    /// Its name, for messages.
    pub account_name: &'a str,
    /// Where the request came from.
    pub client: &'a Client,
    /// When.
    pub now: Timestamp,
}

impl Acting<'_> {
    /// Appends an audit event about `subject` (a user of the account; none for the account
    /// itself, which files it under the acting user) to `tx`, so it commits with the change it
    /// reports. The actor is named as [`Actor::audit_name`] says.
    pub async fn audit(
        &self,
        tx: &mut Tx,
        subject: Option<&str>,
        event: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let subject = subject.or(match self.actor {
            Actor::Member(member) => Some(member.user_id.as_str()),
            Actor::System(_) | Actor::Helpdesk(_) | Actor::Accountant(_) => None,
        });
        let actor = self
            .actor
            .audit_name(subject.map(UserId::from_stored).as_ref());
        tx.append_audit(&AuditEvent {
            account_id: Some(self.account_id),
            user_id: subject,
            actor: &actor,
            event,
            detail,
            ip: &self.client.ip.to_string(),
            user_agent: &self.client.user_agent,
            at: self.now,
        })
        .await
    }
}

/// Writes audit events for one request.
pub struct Audit<'a> {
    /// Shared state.
    pub state: &'a AppState,
    /// Where the request came from.
    pub client: &'a Client,
    /// When.
    pub now: Timestamp,
}

impl Audit<'_> {
    /// Appends one event, acted by the user themselves.
    pub async fn record(
        &self,
        account_id: Option<&str>,
        user_id: Option<&str>,
        event: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.append("user", account_id, user_id, event, detail)
            .await
    }

    async fn append(
        &self,
        actor: &str,
        account_id: Option<&str>,
        user_id: Option<&str>,
        event: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.state
            .store
            .append_audit(&AuditEvent {
                account_id,
                user_id,
                actor,
                event,
                detail,
                ip: &self.client.ip.to_string(),
                user_agent: &self.client.user_agent,
                at: self.now,
            })
            .await
    }
}

impl Client {
    /// Appends an event about `user`'s own doing from this client to `tx`, so it commits with
    /// the change it reports (flows where the user acts without a session: a link from an email,
    /// "Forgot your password?", a passkey being added).
    pub async fn audit_own(
        &self,
        tx: &mut Tx,
        user: &portcullis_core::user::User,
        event: &str,
        detail: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        tx.append_audit(&AuditEvent {
            account_id: Some(&user.account_id),
            user_id: Some(&user.id),
            actor: "user",
            event,
            detail,
            ip: &self.ip.to_string(),
            user_agent: &self.user_agent,
            at,
        })
        .await
    }
}

//! What every flow is told about the request it serves: where it came from ([`Client`]) and how
//! its audit events are written ([`Audit`]).

use std::net::IpAddr;

use portcullis_core::Timestamp;
use portcullis_core::user::UserKind;
use portcullis_store::{AuditEvent, StoreError};

use crate::state::AppState;

/// Where the request came from.
#[derive(Debug, Clone)]
pub struct Client {
    /// Client IP address (after trusted-proxy resolution).
    pub ip: IpAddr,
    /// The browser's User-Agent, truncated.
    pub user_agent: String,
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
        self.record_by("user", account_id, user_id, event, detail)
            .await
    }

    /// Appends one event about `user_id`, acted by someone else (`administrator:<username>`).
    pub async fn record_by(
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

/// Whether a user kind may see the account's audit log.
pub fn may_read_audit(kind: UserKind) -> bool {
    kind.is_administrator()
}

//! A user's IP addresses as people manage them on the IP addresses page: validating one, or
//! blocking it (which ends the user's sessions from it).
//!
//! What must always hold: users may block their own addresses; lifting a block takes someone who
//! administers the account; the status, the sessions ended and the audit event commit together.

use portcullis_core::login::IpStatus;
use portcullis_store::StoreError;

use crate::flows::context::Acting;

/// How changing an address's status ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// Saved (or it already had that status).
    Saved,
    /// Refused: only those who administer the account lift a block.
    OnlyAnAdministratorUnblocks,
    /// Validating weakens the login for that address: it needs a recent re-authentication.
    ReauthRequired,
}

/// Sets the status of `ip` for user `owner` (whom the caller found the actor may act on) from
/// `before` to `after`; `recently_authenticated` says whether the actor proved themselves in
/// the last minutes.
pub async fn set_status(
    acting: &Acting<'_>,
    owner: &str,
    ip: &str,
    (before, after): (IpStatus, IpStatus),
    recently_authenticated: bool,
) -> Result<StatusChange, StoreError> {
    if before == after {
        return Ok(StatusChange::Saved);
    }
    if before == IpStatus::Blocked && !acting.actor.administers(acting.account_id) {
        return Ok(StatusChange::OnlyAnAdministratorUnblocks);
    }
    if after == IpStatus::Validated && !recently_authenticated {
        return Ok(StatusChange::ReauthRequired);
    }
    let mut tx = acting.state.store.begin().await?;
    // Written first (the account's row), so the transaction holds the write lock before it
    // reads the address's status (see `portcullis_store::Tx`).
    tx.lock_account(acting.account_id).await?;
    tx.set_ip_status(acting.account_id, owner, ip, after.as_str(), acting.now)
        .await?;
    if after == IpStatus::Blocked {
        tx.delete_sessions_from_ip(acting.account_id, owner, ip)
            .await?;
    }
    let event = match after {
        IpStatus::Blocked => "ip.blocked",
        IpStatus::Validated | IpStatus::Pending => "ip.validated",
    };
    let on_themselves = acting
        .actor
        .audit_name(Some(&portcullis_core::ids::UserId::from_stored(owner)))
        == "user";
    let detail = if on_themselves {
        format!("ip={ip} by=user")
    } else {
        format!("ip={ip}")
    };
    acting.audit(&mut tx, Some(owner), event, &detail).await?;
    tx.commit().await?;
    Ok(StatusChange::Saved)
}

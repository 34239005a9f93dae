//! Periodic housekeeping: sessions past their timeouts, and partial logins and links past their
//! validity, are deleted, so that the tables hold what is live whatever arrives. Each server
//! process sweeps on its own; the deletes are idempotent, so several processes sweeping the same
//! database at once is harmless.

use std::time::Duration;

use portcullis_store::{Purged, StoreError};

use crate::state::AppState;

/// How often each server process sweeps.
pub const INTERVAL: Duration = Duration::from_secs(600);

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Sessions past their idle or absolute timeout.
    pub sessions: u64,
    /// Partial logins and links past their validity.
    pub expired: Purged,
}

/// One sweep, at the state's clock.
pub async fn sweep(state: &AppState) -> Result<Swept, StoreError> {
    let now = state.clock.now();
    let limits = state.config.session;
    let sessions = state
        .store
        .delete_sessions_older_than(now.minus(limits.absolute), now.minus(limits.idle))
        .await?;
    let expired = state.store.purge_expired(now).await?;
    Ok(Swept { sessions, expired })
}

/// Sweeps every [`INTERVAL`] until the task is dropped.
pub async fn every_interval(state: AppState) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tick.tick().await;
        match sweep(&state).await {
            Ok(swept) if swept == Swept::default() => {}
            Ok(swept) => tracing::info!(
                sessions = swept.sessions,
                pending_logins = swept.expired.pending_logins,
                ip_confirmations = swept.expired.ip_confirmations,
                single_use_links = swept.expired.single_use_tokens,
                "housekeeping removed expired rows"
            ),
            Err(e) => tracing::warn!("housekeeping failed: {e}"),
        }
    }
}

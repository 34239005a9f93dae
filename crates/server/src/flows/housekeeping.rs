//! Periodic housekeeping: sessions past their timeouts, partial logins and links past their
//! validity, failure counters that no longer hold anything back (an address's window that is
//! over; a username quiet for `lockout::FORGET_AFTER`, unless locked) and rate windows that are
//! over are deleted, so that the tables hold what is live whatever arrives. Each server
//! process sweeps on its own; the deletes are idempotent, so several processes sweeping the same
//! database at once is harmless.

use std::time::Duration;

use portcullis_core::lockout::{self, IpFailures, UsernameFailures};
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
    /// Failure counters that hold nothing back any more.
    pub failure_counters: u64,
    /// Rate windows that are over.
    pub rate_windows: u64,
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
    let failure_counters = state
        .store
        .purge_failure_counters(
            IpFailures::window_cutoff(now),
            UsernameFailures::forgotten_before(now),
        )
        .await?;
    let rate_windows = state
        .store
        .purge_rate_windows(lockout::PASSKEY_OPTIONS.cutoff(now))
        .await?;
    Ok(Swept {
        sessions,
        expired,
        failure_counters,
        rate_windows,
    })
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
                failure_counters = swept.failure_counters,
                rate_windows = swept.rate_windows,
                "housekeeping removed expired rows"
            ),
            Err(e) => tracing::warn!("housekeeping failed: {e}"),
        }
    }
}

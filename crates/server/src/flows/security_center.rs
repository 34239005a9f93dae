//! The Security center's switches: enforce two-factor authentication, limit its validity, block
//! new IP addresses. Sessions read them at every request, so a change applies at once on every
//! server process.
//!
//! What must always hold: the switches and their audit event commit together, and only a change
//! is audited.

use portcullis_core::login::AccountPolicy;
use portcullis_store::StoreError;

use crate::flows::context::Acting;

/// Sets the account's switches to `policy`.
pub async fn set_policy(acting: &Acting<'_>, policy: AccountPolicy) -> Result<(), StoreError> {
    let mut tx = acting.state.store.begin().await?;
    // Locked first, so the switches read below are the ones this change replaces.
    tx.lock_account(acting.account_id).await?;
    let before = tx
        .account(acting.account_id)
        .await?
        .ok_or(StoreError::NotFound)?
        .policy;
    if before == policy {
        return Ok(());
    }
    tx.set_two_factor_policy(
        acting.account_id,
        policy.enforce_two_factor,
        policy.limit_two_factor_validity,
    )
    .await?;
    tx.set_block_new_ips(acting.account_id, policy.block_new_ips)
        .await?;
    acting
        .audit(
            &mut tx,
            None,
            "policy.changed",
            &format!(
                "enforce_two_factor={} limit_two_factor_validity={} block_new_ips={}",
                policy.enforce_two_factor, policy.limit_two_factor_validity, policy.block_new_ips
            ),
        )
        .await?;
    tx.commit().await
}

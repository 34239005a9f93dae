//! The helpdesk's access to a customer account: the account's administrators grant it for a
//! month at a time and may revoke it whenever they like; without an active grant the helpdesk
//! cannot see the account at all.

use std::time::Duration;

use crate::Timestamp;

/// How long a grant lasts.
pub const GRANT_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// A grant made at `granted_at` ends here.
pub fn grant_expires(granted_at: Timestamp) -> Timestamp {
    granted_at.plus(GRANT_DURATION)
}

/// Whether a grant that ends at `expires_at` lets the helpdesk in at `now`.
pub fn grant_is_active(expires_at: Timestamp, now: Timestamp) -> bool {
    now < expires_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_lasts_thirty_days_to_the_millisecond() {
        let granted = Timestamp(1_000_000);
        let expires = grant_expires(granted);
        assert!(grant_is_active(expires, granted));
        assert!(grant_is_active(expires, Timestamp(expires.millis() - 1)));
        assert!(!grant_is_active(expires, expires));
        assert!(!grant_is_active(
            expires,
            expires.plus(Duration::from_secs(1))
        ));
        assert_eq!(expires.since(granted), GRANT_DURATION);
    }
}

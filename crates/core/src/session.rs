//! Session lifetime rules.
//!
//! A session ends after [`SessionLimits::idle`] without requests or [`SessionLimits::absolute`]
//! after login, whichever comes first. Recording activity on every request would make every
//! page view a database write, so the last-seen time is only refreshed when it is older than
//! [`TOUCH_EVERY`]; the idle timeout is therefore exact to within that minute.

use std::time::Duration;

use crate::Timestamp;

/// How stale the stored last-seen time may get before a request refreshes it.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ends a session this long after its last request.
    pub idle: Duration,
    /// Ends a session this long after login, however active.
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(60 * 60),
            absolute: Duration::from_secs(12 * 60 * 60),
        }
    }
}

/// How long a re-authentication ("sudo mode") lets a user make sensitive changes: password,
/// username, email, factors, policies.
pub const REAUTH_VALIDITY: Duration = Duration::from_secs(10 * 60);

/// Whether a user who last proved who they are at `reauth_at` may make a sensitive change now.
/// A login counts as proof, so a fresh session starts in sudo mode.
pub fn reauth_is_recent(reauth_at: Timestamp, now: Timestamp) -> bool {
    now >= reauth_at && now < reauth_at.plus(REAUTH_VALIDITY)
}

/// What a request finds when it presents a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Valid; `touch` says whether to store the new last-seen time.
    Live {
        /// Whether the stored last-seen time is older than [`TOUCH_EVERY`].
        touch: bool,
    },
    /// Over; the session must be deleted and the user sent to the login page.
    Expired,
}

impl SessionLimits {
    /// Whether a session created at `created_at` and last seen at `last_seen_at` is still valid.
    pub fn liveness(
        &self,
        created_at: Timestamp,
        last_seen_at: Timestamp,
        now: Timestamp,
    ) -> Liveness {
        if now >= created_at.plus(self.absolute) || now >= last_seen_at.plus(self.idle) {
            return Liveness::Expired;
        }
        Liveness::Live {
            touch: now.since(last_seen_at) >= TOUCH_EVERY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_authentication_lasts_ten_minutes() {
        let at = Timestamp(1_000_000);
        assert!(reauth_is_recent(at, at));
        assert!(reauth_is_recent(at, at.plus(Duration::from_secs(599))));
        assert!(!reauth_is_recent(at, at.plus(Duration::from_secs(600))));
        assert!(
            !reauth_is_recent(Timestamp(0), at),
            "never re-authenticated"
        );
        assert!(!reauth_is_recent(at, Timestamp(999_999)), "clock went back");
    }

    const T0: Timestamp = Timestamp(1_700_000_000_000);
    fn mins(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let limits = SessionLimits::default();
        let cases = [
            (T0, T0, T0, Liveness::Live { touch: false }),
            (T0, T0, T0.plus(mins(1)), Liveness::Live { touch: true }),
            (T0, T0, T0.plus(mins(59)), Liveness::Live { touch: true }),
            (T0, T0, T0.plus(mins(60)), Liveness::Expired),
            (
                T0,
                T0.plus(mins(700)),
                T0.plus(mins(719)),
                Liveness::Live { touch: true },
            ),
            (
                T0,
                T0.plus(mins(719)),
                T0.plus(mins(720)),
                Liveness::Expired,
            ),
        ];
        for (created, seen, now, expected) in cases {
            assert_eq!(
                limits.liveness(created, seen, now),
                expected,
                "{created:?} {seen:?} {now:?}"
            );
        }
    }
}

/// How a session's login proved who it was, as its user's list of sessions shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    /// A password only (no second factor asked, or two-factor remembered on a known address).
    Password,
    /// A password and the authenticator app's code.
    PasswordAndApp,
    /// A password and a recovery code.
    PasswordAndRecoveryCode,
    /// A passkey.
    Passkey,
}

impl LoginMethod {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginMethod::Password => "password",
            LoginMethod::PasswordAndApp => "password+totp",
            LoginMethod::PasswordAndRecoveryCode => "password+recovery_code",
            LoginMethod::Passkey => "passkey",
        }
    }

    /// As stored; an unknown value reads as a password login, the weakest claim.
    pub fn parse(stored: &str) -> LoginMethod {
        match stored {
            "password+totp" => LoginMethod::PasswordAndApp,
            "password+recovery_code" => LoginMethod::PasswordAndRecoveryCode,
            "passkey" => LoginMethod::Passkey,
            _ => LoginMethod::Password,
        }
    }
}

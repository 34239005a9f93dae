//! Brute-force protection: the per-username lockout and the per-IP throttle.
//!
//! Failures count per username *as typed* (its [`crate::username::key`]), whether or not such a
//! user exists, so a delay or a lock never tells an attacker which usernames are real.
//!
//! Per username, a state machine over consecutive failures `n` (a success resets `n` to 0):
//!
//! ```text
//!  n < 5            open: the next attempt is checked at once
//!  5 <= n < 100     delayed: the next attempt waits 2^(n-5) s after the last failure, at most 15 min
//!  n >= 100         locked: refused until an administrator lifts the lock (NIST SP 800-63B 5.2.2)
//! ```
//!
//! Reaching the lock therefore takes about a day of patient guessing, while a user who mistypes a
//! few times never notices. Per IP address, at most [`IP_MAX_FAILURES`] failures across all
//! usernames are allowed in a window of [`IP_WINDOW`]; then the address waits for the window to
//! end. The state lives in the database so every server process enforces one limit; these
//! functions only decide, with `now` passed in.

use std::time::Duration;

use crate::Timestamp;

/// Consecutive failures that pass without any delay.
pub const FREE_FAILURES: u32 = 5;
/// Consecutive failures after which the username is locked.
pub const LOCK_AFTER: u32 = 100;
/// The longest delay between attempts before the lock.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failed logins allowed from one IP address per window, across all usernames.
pub const IP_MAX_FAILURES: u32 = 50;
/// The length of the per-IP window.
pub const IP_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The stored failure state of one username.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsernameFailures {
    /// Consecutive failed logins since the last success or unlock.
    pub failures: u32,
    /// When the last of them happened.
    pub last_failure_at: Option<Timestamp>,
    /// Set when the lock engaged; only an administrator clears it.
    pub locked_at: Option<Timestamp>,
}

/// The stored failure window of one IP address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpFailures {
    /// Failures in the current window.
    pub failures: u32,
    /// When the current window began.
    pub window_start: Option<Timestamp>,
}

/// Whether a login attempt may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check the credentials.
    Open,
    /// Refuse without checking; the attempt may be made again at this time.
    WaitUntil(Timestamp),
    /// Refuse without checking until an administrator unlocks the user.
    Locked,
}

/// The delay that follows the `failures`-th consecutive failure.
pub fn delay_after(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let exponent = (failures - FREE_FAILURES).min(20);
    Duration::from_secs(1u64 << exponent).min(MAX_DELAY)
}

/// Whether `failures` consecutive failures engage the lock.
pub fn locks(failures: u32) -> bool {
    failures >= LOCK_AFTER
}

impl UsernameFailures {
    /// The gate for the next attempt with this username.
    pub fn gate(&self, now: Timestamp) -> Gate {
        if self.locked_at.is_some() || locks(self.failures) {
            return Gate::Locked;
        }
        match self.last_failure_at {
            Some(last) => {
                let until = last.plus(delay_after(self.failures));
                if now < until {
                    Gate::WaitUntil(until)
                } else {
                    Gate::Open
                }
            }
            None => Gate::Open,
        }
    }
}

impl IpFailures {
    /// Where the window that `now` falls in starts: windows older than [`IP_WINDOW`] are over.
    pub fn window_cutoff(now: Timestamp) -> Timestamp {
        now.minus(IP_WINDOW)
    }

    /// The gate for the next attempt from this address.
    pub fn gate(&self, now: Timestamp) -> Gate {
        match self.window_start {
            Some(start) if start > Self::window_cutoff(now) && self.failures >= IP_MAX_FAILURES => {
                Gate::WaitUntil(start.plus(IP_WINDOW))
            }
            _ => Gate::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_700_000_000_000);

    fn after(secs: u64) -> Timestamp {
        T0.plus(Duration::from_secs(secs))
    }

    #[test]
    fn delays_grow_then_cap() {
        let table = [
            (0, 0),
            (4, 0),
            (5, 1),
            (6, 2),
            (10, 32),
            (14, 512),
            (15, 900),
            (99, 900),
        ];
        for (failures, secs) in table {
            assert_eq!(
                delay_after(failures),
                Duration::from_secs(secs),
                "after {failures}"
            );
        }
    }

    #[test]
    fn the_gate_follows_the_state_machine() {
        let at = |failures, locked| UsernameFailures {
            failures,
            last_failure_at: Some(T0),
            locked_at: locked,
        };
        let cases = [
            (UsernameFailures::default(), T0, Gate::Open),
            (at(4, None), T0, Gate::Open),
            (at(5, None), T0, Gate::WaitUntil(after(1))),
            (at(5, None), after(1), Gate::Open),
            (at(10, None), after(31), Gate::WaitUntil(after(32))),
            (at(10, None), after(32), Gate::Open),
            (at(99, None), after(899), Gate::WaitUntil(after(900))),
            (at(100, None), after(100_000), Gate::Locked),
            (at(0, Some(T0)), after(100_000), Gate::Locked),
        ];
        for (state, now, expected) in cases {
            assert_eq!(state.gate(now), expected, "{state:?} at {now:?}");
        }
    }

    #[test]
    fn the_lock_engages_at_exactly_one_hundred() {
        assert!(!locks(99));
        assert!(locks(100));
    }

    #[test]
    fn the_ip_throttle_closes_for_the_rest_of_the_window() {
        let full = IpFailures {
            failures: IP_MAX_FAILURES,
            window_start: Some(T0),
        };
        let almost = IpFailures {
            failures: IP_MAX_FAILURES - 1,
            window_start: Some(T0),
        };
        assert_eq!(almost.gate(after(10)), Gate::Open);
        assert_eq!(full.gate(after(10)), Gate::WaitUntil(T0.plus(IP_WINDOW)));
        assert_eq!(full.gate(T0.plus(IP_WINDOW)), Gate::Open);
        assert_eq!(IpFailures::default().gate(T0), Gate::Open);
    }
}

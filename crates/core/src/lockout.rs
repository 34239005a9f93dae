//! Brute-force protection: which counters an attempt is counted on, and when each lets the next
//! attempt be checked.
//!
//! # Claim before check
//! An attempt is *claimed* before its password or code is checked: the claim counts it as a
//! failure and answers, in the same atomic step, whether the gate was open. Only a claimed attempt
//! is checked; a success gives its claim back. So N requests arriving at once are checked no more
//! often than the gate allows, on every server process ([`UsernameFailures::claim`],
//! [`IpFailures::claim`]; the store applies them as conditional writes).
//!
//! # The counters
//! Three counters, chosen by [`counters_for`]:
//!
//! - **Per client address** (an IPv6 address counts by its /64, see [`address_key`]): at most
//!   [`IP_MAX_FAILURES`] failures across all usernames in a window of [`IP_WINDOW`]; then the
//!   address waits for the window to end. Every attempt counts here.
//! - **Per account and username** ([`Scope::InAccount`]), for attempts whose security code names an
//!   account: the user's own counter. A state machine over consecutive failures `n` (a success
//!   resets `n` to 0):
//!
//!   ```text
//!    n < 5            open: the next attempt is checked at once
//!    5 <= n < 100     delayed: the next attempt waits 2^(n-5) s after the last failure, at most 15 min
//!    n >= 100         locked: refused until an administrator lifts the lock
//!   ```
//!
//!   Reaching the lock takes about a day of patient guessing, while a user who mistypes a few
//!   times never notices.
//! - **Per username as typed** ([`Scope::AsTyped`]), for attempts whose security code names no
//!   account: the same delays, capped at [`MAX_DELAY`], but **never a lock**.
//!
//! # Why a stranger without the security code cannot lock anyone out
//! NIST SP 800-63B-4 §3.2.2 asks for a limit of at most 100 consecutive failures per account and
//! allows the verifier to choose throttling that limits the denial of service an attacker can
//! cause with that limit. The security code is a shared secret of the account, so an attempt
//! without it can never succeed; counting it toward the user's lock would only let anyone who knows
//! (or guesses) a username lock that user out. So:
//! - attempts without the code are slowed per address (hard) and per typed username (soft: the
//!   delays cap at 15 minutes and never become a lock), and those delays apply only to other
//!   attempts *without* the code: the user, who has the code, is never slowed by them;
//! - the lock at [`LOCK_AFTER`] counts only attempts that had the right code — the account's own
//!   people, or someone who has the code and is guessing passwords, which is what the lock is for;
//! - nothing tells whether a username exists: the account counter is keyed by the username as
//!   typed within the account, whether or not such a user exists, and the soft counter does not
//!   look at users at all. Both counters follow the same delays, so the answers to someone without
//!   the code differ from those to someone with it only once the lock engages (about a day of
//!   attempts for one code guess), never earlier.
//!
//! Everything here decides with `now` passed in; the state lives in the database so every server
//! process enforces one limit.

use std::net::IpAddr;
use std::time::Duration;

use crate::Timestamp;

/// Consecutive failures that pass without any delay.
pub const FREE_FAILURES: u32 = 5;
/// Consecutive failures with the account's security code after which the username is locked.
pub const LOCK_AFTER: u32 = 100;
/// The longest delay between attempts before the lock.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failed logins allowed from one address per window, across all usernames.
pub const IP_MAX_FAILURES: u32 = 50;
/// The length of the per-address window.
pub const IP_WINDOW: Duration = Duration::from_secs(10 * 60);
/// A username counter without a failure for this long and not locked is forgotten (housekeeping
/// deletes it). Longer than the ~22 hours that 100 failures take at the delays above, so an
/// attacker who keeps guessing still reaches the lock; a user's forgotten typos do not pile up.
pub const FORGET_AFTER: Duration = Duration::from_secs(48 * 3600);

/// Which username counter an attempt counts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The typed security code named an account: the account's username counter, which locks.
    InAccount,
    /// The typed security code named no account: the username as typed, which never locks.
    AsTyped,
}

/// The counters an attempt is claimed on: its address always, and the username counter that
/// its security code selects (the reasoning is in the module documentation).
pub fn counters_for(code_names_an_account: bool) -> Scope {
    if code_names_an_account {
        Scope::InAccount
    } else {
        Scope::AsTyped
    }
}

/// The address an attempt is counted under: an IPv4 address as it is (also when written as an
/// IPv4-mapped IPv6 address), an IPv6 address by its /64 network, because one subscriber
/// usually holds a whole /64.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// The stored failure state of one username counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsernameFailures {
    /// Consecutive failed attempts since the last success or unlock (claims included).
    pub failures: u32,
    /// When the last of them happened.
    pub last_failure_at: Option<Timestamp>,
    /// Set when the lock engaged; only an administrator clears it.
    pub locked_at: Option<Timestamp>,
}

/// The stored failure window of one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpFailures {
    /// Failures in the current window.
    pub failures: u32,
    /// When the current window began.
    pub window_start: Option<Timestamp>,
}

/// Whether an attempt may be checked now.
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

/// Whether `failures` consecutive failures engage the lock of an account's username.
pub fn locks(failures: u32) -> bool {
    failures >= LOCK_AFTER
}

impl UsernameFailures {
    /// The gate for the next attempt on this counter.
    pub fn gate(&self, scope: Scope, now: Timestamp) -> Gate {
        if scope == Scope::InAccount && (self.locked_at.is_some() || locks(self.failures)) {
            return Gate::Locked;
        }
        let delay = delay_after(self.failures);
        if delay.is_zero() {
            // Free failures need no clock: another process's clock may run a little ahead, so
            // its last failure can lie in this process's future.
            return Gate::Open;
        }
        match self.last_failure_at {
            Some(last) => {
                let until = last.plus(delay);
                if now < until {
                    Gate::WaitUntil(until)
                } else {
                    Gate::Open
                }
            }
            None => Gate::Open,
        }
    }

    /// Claims an attempt: when the gate is open, the state with this attempt counted as a
    /// failure (a success clears the counter); otherwise the closed gate.
    pub fn claim(&self, scope: Scope, now: Timestamp) -> Result<UsernameFailures, Gate> {
        match self.gate(scope, now) {
            Gate::Open => Ok(UsernameFailures {
                failures: self.failures.saturating_add(1),
                last_failure_at: Some(now),
                locked_at: self.locked_at,
            }),
            closed => Err(closed),
        }
    }

    /// Housekeeping forgets a username counter that is not locked and whose last failure is at
    /// or before this time (quiet for [`FORGET_AFTER`]).
    pub fn forgotten_before(now: Timestamp) -> Timestamp {
        now.minus(FORGET_AFTER)
    }
}

impl IpFailures {
    /// Where the window that `now` falls in starts: windows older than [`IP_WINDOW`] are over.
    pub fn window_cutoff(now: Timestamp) -> Timestamp {
        now.minus(IP_WINDOW)
    }

    fn window_running(&self, now: Timestamp) -> bool {
        self.window_start
            .is_some_and(|start| start > Self::window_cutoff(now))
    }

    /// The gate for the next attempt from this address.
    pub fn gate(&self, now: Timestamp) -> Gate {
        match self.window_start {
            Some(start) if self.window_running(now) && self.failures >= IP_MAX_FAILURES => {
                Gate::WaitUntil(start.plus(IP_WINDOW))
            }
            _ => Gate::Open,
        }
    }

    /// Claims an attempt from this address: when the gate is open, the window with this attempt
    /// counted (a window that is over starts anew); otherwise the closed gate. A success gives
    /// the claim back.
    pub fn claim(&self, now: Timestamp) -> Result<IpFailures, Gate> {
        match self.gate(now) {
            Gate::Open if self.window_running(now) => Ok(IpFailures {
                failures: self.failures.saturating_add(1),
                window_start: self.window_start,
            }),
            Gate::Open => Ok(IpFailures {
                failures: 1,
                window_start: Some(now),
            }),
            closed => Err(closed),
        }
    }
}

/// A fixed-window limit on requests that need no credentials, per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

impl RateLimit {
    /// Where the window that `now` falls in starts: a window that began at or before is over.
    pub fn cutoff(&self, now: Timestamp) -> Timestamp {
        now.minus(self.window)
    }

    /// When a window that began at `window_start` is over.
    pub fn ends(&self, window_start: Timestamp) -> Timestamp {
        window_start.plus(self.window)
    }
}

/// Passkey login options (`POST /login/passkey/options`) per client address: each answer stores
/// a ceremony for 5 minutes, and a browser needs one per login (plus one for autofill).
pub const PASSKEY_OPTIONS: RateLimit = RateLimit {
    max: 30,
    window: Duration::from_secs(60),
};

/// At most this many usernameless passkey logins may be outstanding (begun, not finished, not
/// expired) at once, whoever began them: the table of ceremonies stays bounded even when many
/// addresses each stay under [`PASSKEY_OPTIONS`].
pub const OUTSTANDING_PASSKEY_LOGINS: u32 = 10_000;

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

    fn at(failures: u32, locked: Option<Timestamp>) -> UsernameFailures {
        UsernameFailures {
            failures,
            last_failure_at: Some(T0),
            locked_at: locked,
        }
    }

    #[test]
    fn the_gate_follows_the_state_machine_in_both_scopes() {
        use Scope::*;
        let cases = [
            (UsernameFailures::default(), InAccount, T0, Gate::Open),
            (at(4, None), InAccount, T0, Gate::Open),
            (
                at(4, None),
                InAccount,
                T0.minus(Duration::from_millis(3)),
                Gate::Open,
            ),
            (at(5, None), InAccount, T0, Gate::WaitUntil(after(1))),
            (at(5, None), InAccount, after(1), Gate::Open),
            (
                at(10, None),
                InAccount,
                after(31),
                Gate::WaitUntil(after(32)),
            ),
            (at(10, None), InAccount, after(32), Gate::Open),
            (
                at(99, None),
                InAccount,
                after(899),
                Gate::WaitUntil(after(900)),
            ),
            (at(100, None), InAccount, after(100_000), Gate::Locked),
            (at(0, Some(T0)), InAccount, after(100_000), Gate::Locked),
            // Without the security code: the same delays, and never a lock.
            (at(4, None), AsTyped, T0, Gate::Open),
            (at(5, None), AsTyped, T0, Gate::WaitUntil(after(1))),
            (at(10, None), AsTyped, after(31), Gate::WaitUntil(after(32))),
            (
                at(100, None),
                AsTyped,
                after(899),
                Gate::WaitUntil(after(900)),
            ),
            (at(100, None), AsTyped, after(900), Gate::Open),
            (at(100_000, None), AsTyped, after(900), Gate::Open),
        ];
        for (state, scope, now, expected) in cases {
            assert_eq!(
                state.gate(scope, now),
                expected,
                "{state:?} {scope:?} at {now:?}"
            );
        }
    }

    #[test]
    fn the_security_code_selects_the_counter_that_can_lock() {
        assert_eq!(counters_for(true), Scope::InAccount);
        assert_eq!(counters_for(false), Scope::AsTyped);
    }

    #[test]
    fn a_claim_counts_the_attempt_and_closes_the_gate_for_the_burst_behind_it() {
        // Twenty attempts at the same instant: only the free ones are claimed.
        let mut state = UsernameFailures::default();
        let mut claimed = 0;
        for _ in 0..20 {
            if let Ok(next) = state.claim(Scope::InAccount, T0) {
                state = next;
                claimed += 1;
            }
        }
        assert_eq!(claimed, FREE_FAILURES);
        assert_eq!(
            state.claim(Scope::InAccount, T0),
            Err(Gate::WaitUntil(after(1)))
        );
        assert_eq!(
            state.claim(Scope::InAccount, after(1)).map(|s| s.failures),
            Ok(6)
        );
    }

    #[test]
    fn a_stranger_without_the_code_never_reaches_the_lock() {
        // Guessing as fast as the soft counter allows, for ten days.
        let mut state = UsernameFailures::default();
        let mut now = T0;
        for _ in 0..2_000 {
            match state.claim(Scope::AsTyped, now) {
                Ok(next) => state = next,
                Err(Gate::WaitUntil(until)) => now = until,
                Err(Gate::Locked) => panic!("the soft counter locked"),
                Err(Gate::Open) => unreachable!(),
            }
        }
        assert!(state.failures > LOCK_AFTER);
        assert!(
            now > T0.plus(Duration::from_secs(5 * 86_400)),
            "still slowed down"
        );
    }

    #[test]
    fn with_the_code_the_lock_comes_at_one_hundred() {
        let mut state = UsernameFailures::default();
        let mut now = T0;
        let mut checked = 0;
        loop {
            match state.claim(Scope::InAccount, now) {
                Ok(next) => {
                    state = next;
                    checked += 1;
                }
                Err(Gate::WaitUntil(until)) => now = until,
                Err(Gate::Locked) => break,
                Err(Gate::Open) => unreachable!(),
            }
        }
        assert_eq!(checked, LOCK_AFTER);
        let took = Duration::from_millis(u64::try_from(now.millis() - T0.millis()).unwrap());
        assert!(
            took > Duration::from_secs(20 * 3600) && took < FORGET_AFTER,
            "{took:?}"
        );
    }

    #[test]
    fn the_ip_window_is_claimed_up_to_its_limit_then_waits_for_the_next() {
        let mut state = IpFailures::default();
        let mut claimed = 0;
        for _ in 0..80 {
            if let Ok(next) = state.claim(after(10)) {
                state = next;
                claimed += 1;
            }
        }
        assert_eq!(claimed, IP_MAX_FAILURES);
        assert_eq!(
            state.gate(after(10)),
            Gate::WaitUntil(after(10).plus(IP_WINDOW))
        );
        let fresh = state.claim(after(10).plus(IP_WINDOW)).unwrap();
        assert_eq!(fresh.failures, 1);
        assert_eq!(fresh.window_start, Some(after(10).plus(IP_WINDOW)));
        assert_eq!(IpFailures::default().gate(T0), Gate::Open);
    }

    #[test]
    fn addresses_are_counted_by_ipv4_address_or_ipv6_slash_64() {
        let key = |s: &str| address_key(s.parse().unwrap()).to_string();
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }
}

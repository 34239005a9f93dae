//! The login decision: what happens after someone presents credentials.
//!
//! A pure function over plain data with the clock passed in (DESIGN.md, "The login decision").
//! The web layer gathers the facts — did the first factor pass, what is known about the user —
//! and acts on the [`Step`] this returns; it never decides policy itself.
//!
//! What must always hold:
//! - a failed first factor is one [`Refusal::BadCredentials`], whichever field was wrong; the true
//!   [`FailureReason`] is for the audit log only;
//! - a user who is deactivated or whose employment has ended gets no session, even with correct
//!   credentials;
//! - steps that later factors add (two-factor, new IP address, policy gate) come after the first
//!   factor has passed, so nothing is revealed or sent before it;
//! - a user with an authenticator app is asked for a code unless two-factor is *remembered*
//!   ([`two_factor_remembered`]): the user opted in, the account does not limit validity, the IP
//!   address is validated for the user, and two-factor was passed from it less than 30 days ago;
//! - when the account enforces two-factor and the user has neither an authenticator app nor a
//!   passkey, the session is restricted to setting one up.

use std::time::Duration;

use crate::Timestamp;

/// How long passing two-factor authentication from a validated IP address may be remembered.
pub const REMEMBER_TWO_FACTOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// Why a password login's first factor failed. Recorded in the audit log, never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// No user has the typed username.
    UnknownUser,
    /// The user exists but has not chosen a password yet.
    NoPasswordSet,
    /// The security code does not match the user's account.
    WrongSecurityCode,
    /// The password does not match.
    WrongPassword,
}

impl FailureReason {
    /// The audit log's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::UnknownUser => "unknown_user",
            FailureReason::NoPasswordSet => "no_password_set",
            FailureReason::WrongSecurityCode => "wrong_security_code",
            FailureReason::WrongPassword => "wrong_password",
        }
    }
}

/// The outcome of checking security code + username + password together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstFactor {
    /// All three matched.
    Passed,
    /// At least one did not; the reason names the first that failed, in the order a user fills
    /// them in (the username first, since without a user nothing else can match).
    Failed(FailureReason),
}

impl FirstFactor {
    /// Combines the three checks. All three are always performed by the caller, so the time taken
    /// does not depend on which one fails.
    pub fn from_checks(
        user_found: bool,
        password_set: bool,
        code_matches: bool,
        password_matches: bool,
    ) -> Self {
        if !user_found {
            FirstFactor::Failed(FailureReason::UnknownUser)
        } else if !password_set {
            FirstFactor::Failed(FailureReason::NoPasswordSet)
        } else if !code_matches {
            FirstFactor::Failed(FailureReason::WrongSecurityCode)
        } else if !password_matches {
            FirstFactor::Failed(FailureReason::WrongPassword)
        } else {
            FirstFactor::Passed
        }
    }
}

/// What is known about the user whose credentials passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserFacts {
    /// Deactivated by an administrator.
    pub disabled: bool,
    /// From this moment on login is refused.
    pub employment_ends_at: Option<Timestamp>,
    /// A confirmed authenticator app.
    pub has_totp: bool,
    /// At least one passkey.
    pub has_passkey: bool,
    /// The user's option "only ask for two-factor authentication once every 30 days on a known
    /// IP address".
    pub remember_two_factor: bool,
}

/// The account's security-center switches that the login reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountPolicy {
    /// Every user must have an authenticator app or a passkey.
    pub enforce_two_factor: bool,
    /// Two-factor is asked at every login: the 30-day option does not apply.
    pub limit_two_factor_validity: bool,
}

/// What is known about the login's IP address for this user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpFacts {
    /// Validated for this user (by email confirmation or automatically).
    pub validated: bool,
    /// When two-factor authentication was last passed from it.
    pub last_two_factor_at: Option<Timestamp>,
}

/// Whether a user with an authenticator app may skip the code this time: they opted in, the
/// account does not limit validity, the IP address is validated for them (`None`: never seen),
/// and two-factor was passed from it less than [`REMEMBER_TWO_FACTOR`] ago.
pub fn two_factor_remembered(
    user_opted_in: bool,
    policy: AccountPolicy,
    ip: Option<IpFacts>,
    now: Timestamp,
) -> bool {
    let Some(ip) = ip else { return false };
    user_opted_in
        && !policy.limit_two_factor_validity
        && ip.validated
        && ip
            .last_two_factor_at
            .is_some_and(|at| at <= now && now < at.plus(REMEMBER_TWO_FACTOR))
}

/// Whether a session must be restricted to setting up a second factor.
pub fn restricted(user: &UserFacts, policy: AccountPolicy) -> bool {
    policy.enforce_two_factor && !user.has_totp && !user.has_passkey
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The first factor failed; the page shows one generic message.
    BadCredentials(FailureReason),
    /// The user was deactivated.
    Disabled,
    /// The user's end of employment has passed.
    EmploymentEnded,
}

impl Refusal {
    /// The audit log's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadCredentials(reason) => reason.as_str(),
            Refusal::Disabled => "user_disabled",
            Refusal::EmploymentEnded => "employment_ended",
        }
    }
}

/// What the login does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No session; say why as far as the refusal allows.
    Refused(Refusal),
    /// The password passed; ask for the authenticator app's code before going on.
    AskTotp,
    /// Every check passed: start a fresh session, restricted to setting up a second factor when
    /// the account enforces one that the user lacks.
    StartSession {
        /// Every page leads to the user's security settings until a factor is set up.
        restricted: bool,
    },
}

/// Decides the next step of a password login.
pub fn decide(
    first_factor: FirstFactor,
    user: Option<UserFacts>,
    policy: AccountPolicy,
    ip: Option<IpFacts>,
    now: Timestamp,
) -> Step {
    let (FirstFactor::Passed, Some(user)) = (first_factor, user) else {
        let reason = match first_factor {
            FirstFactor::Failed(reason) => reason,
            FirstFactor::Passed => FailureReason::UnknownUser,
        };
        return Step::Refused(Refusal::BadCredentials(reason));
    };
    if user.disabled {
        return Step::Refused(Refusal::Disabled);
    }
    if user.employment_ends_at.is_some_and(|ends| now >= ends) {
        return Step::Refused(Refusal::EmploymentEnded);
    }
    if user.has_totp && !two_factor_remembered(user.remember_two_factor, policy, ip, now) {
        return Step::AskTotp;
    }
    after_all_factors(&user, policy)
}

/// The step once every factor the login needs has passed (after the code, or at once).
pub fn after_all_factors(user: &UserFacts, policy: AccountPolicy) -> Step {
    Step::StartSession {
        restricted: restricted(user, policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_700_000_000_000);
    const ACTIVE: UserFacts = UserFacts {
        disabled: false,
        employment_ends_at: None,
        has_totp: false,
        has_passkey: false,
        remember_two_factor: false,
    };
    const OPEN: Step = Step::StartSession { restricted: false };
    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn the_first_factor_names_the_first_wrong_field() {
        use FailureReason::*;
        let cases = [
            (
                (false, false, false, false),
                FirstFactor::Failed(UnknownUser),
            ),
            ((false, true, true, true), FirstFactor::Failed(UnknownUser)),
            (
                (true, false, true, true),
                FirstFactor::Failed(NoPasswordSet),
            ),
            (
                (true, true, false, true),
                FirstFactor::Failed(WrongSecurityCode),
            ),
            (
                (true, true, false, false),
                FirstFactor::Failed(WrongSecurityCode),
            ),
            (
                (true, true, true, false),
                FirstFactor::Failed(WrongPassword),
            ),
            ((true, true, true, true), FirstFactor::Passed),
        ];
        for ((found, set, code, password), expected) in cases {
            assert_eq!(
                FirstFactor::from_checks(found, set, code, password),
                expected
            );
        }
    }

    #[test]
    fn the_decision_table() {
        let ended = |ms| UserFacts {
            employment_ends_at: Some(Timestamp(ms)),
            ..ACTIVE
        };
        let disabled = UserFacts {
            disabled: true,
            ..ACTIVE
        };
        let wrong = FirstFactor::Failed(FailureReason::WrongPassword);
        let cases = [
            (
                wrong,
                Some(ACTIVE),
                Step::Refused(Refusal::BadCredentials(FailureReason::WrongPassword)),
            ),
            (
                wrong,
                Some(disabled),
                Step::Refused(Refusal::BadCredentials(FailureReason::WrongPassword)),
            ),
            (
                FirstFactor::Passed,
                None,
                Step::Refused(Refusal::BadCredentials(FailureReason::UnknownUser)),
            ),
            (
                FirstFactor::Passed,
                Some(disabled),
                Step::Refused(Refusal::Disabled),
            ),
            (
                FirstFactor::Passed,
                Some(ended(NOW.0)),
                Step::Refused(Refusal::EmploymentEnded),
            ),
            (
                FirstFactor::Passed,
                Some(ended(NOW.0 - 1)),
                Step::Refused(Refusal::EmploymentEnded),
            ),
            (FirstFactor::Passed, Some(ended(NOW.0 + 1)), OPEN),
            (FirstFactor::Passed, Some(ACTIVE), OPEN),
        ];
        for (first, user, expected) in cases {
            assert_eq!(
                decide(first, user, AccountPolicy::default(), None, NOW),
                expected,
                "{first:?} {user:?}"
            );
        }
    }

    #[test]
    fn a_user_with_an_authenticator_app_is_asked_for_a_code_and_enforcement_restricts_the_rest() {
        let totp = UserFacts {
            has_totp: true,
            ..ACTIVE
        };
        let passkey = UserFacts {
            has_passkey: true,
            ..ACTIVE
        };
        let enforced = AccountPolicy {
            enforce_two_factor: true,
            ..AccountPolicy::default()
        };
        let table = [
            // (user, policy, expected)
            (totp, AccountPolicy::default(), Step::AskTotp),
            (totp, enforced, Step::AskTotp),
            (ACTIVE, enforced, Step::StartSession { restricted: true }),
            (passkey, enforced, OPEN),
            (ACTIVE, AccountPolicy::default(), OPEN),
        ];
        for (user, policy, expected) in table {
            assert_eq!(
                decide(FirstFactor::Passed, Some(user), policy, None, NOW),
                expected,
                "{user:?} {policy:?}"
            );
        }
        // A refusal still wins over everything.
        let disabled = UserFacts {
            disabled: true,
            ..totp
        };
        assert_eq!(
            decide(FirstFactor::Passed, Some(disabled), enforced, None, NOW),
            Step::Refused(Refusal::Disabled)
        );
        assert_eq!(after_all_factors(&totp, enforced), OPEN);
    }

    #[test]
    fn two_factor_is_remembered_for_30_days_on_a_validated_ip_unless_the_account_limits_it() {
        let limited = AccountPolicy {
            limit_two_factor_validity: true,
            ..AccountPolicy::default()
        };
        let open = AccountPolicy::default();
        let ip = |validated: bool, days_ago: Option<u64>| {
            Some(IpFacts {
                validated,
                last_two_factor_at: days_ago.map(|d| NOW.minus(DAY * d as u32)),
            })
        };
        let table = [
            // (user option, account policy, ip facts, remembered)
            (true, open, ip(true, Some(0)), true),
            (true, open, ip(true, Some(29)), true),
            (true, open, ip(true, Some(30)), false),
            (true, open, ip(true, Some(400)), false),
            (true, open, ip(true, None), false),
            (true, open, ip(false, Some(1)), false),
            (true, open, None, false),
            (false, open, ip(true, Some(1)), false),
            (true, limited, ip(true, Some(1)), false),
            (false, limited, ip(true, Some(1)), false),
        ];
        for (opted_in, policy, facts, expected) in table {
            assert_eq!(
                two_factor_remembered(opted_in, policy, facts, NOW),
                expected,
                "{opted_in} {policy:?} {facts:?}"
            );
        }
        let remembering = UserFacts {
            has_totp: true,
            remember_two_factor: true,
            ..ACTIVE
        };
        assert_eq!(
            decide(
                FirstFactor::Passed,
                Some(remembering),
                open,
                ip(true, Some(3)),
                NOW
            ),
            OPEN
        );
        assert_eq!(
            decide(
                FirstFactor::Passed,
                Some(remembering),
                limited,
                ip(true, Some(3)),
                NOW
            ),
            Step::AskTotp
        );
    }
}

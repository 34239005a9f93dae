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
//!   factor has passed, so nothing is revealed or sent before it.

use crate::Timestamp;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFacts {
    /// Deactivated by an administrator.
    pub disabled: bool,
    /// From this moment on login is refused.
    pub employment_ends_at: Option<Timestamp>,
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
    /// Every check passed: start a fresh session.
    StartSession,
}

/// Decides the next step of a password login.
pub fn decide(first_factor: FirstFactor, user: Option<UserFacts>, now: Timestamp) -> Step {
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
    Step::StartSession
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_700_000_000_000);
    const ACTIVE: UserFacts = UserFacts {
        disabled: false,
        employment_ends_at: None,
    };

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
            disabled: false,
            employment_ends_at: Some(Timestamp(ms)),
        };
        let disabled = UserFacts {
            disabled: true,
            employment_ends_at: None,
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
            (
                FirstFactor::Passed,
                Some(ended(NOW.0 + 1)),
                Step::StartSession,
            ),
            (FirstFactor::Passed, Some(ACTIVE), Step::StartSession),
        ];
        for (first, user, expected) in cases {
            assert_eq!(decide(first, user, NOW), expected, "{first:?} {user:?}");
        }
    }
}

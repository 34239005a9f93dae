//! Accounts and users as the domain sees them, and the rules for changing them.
//!
//! What must always hold: an account keeps at least one administrator who can log in and has no
//! end of employment set ([`keeps_an_administrator`]), so nobody can lock an account out of its
//! own security settings by demoting, deactivating or ending the last one.

use crate::Timestamp;
use crate::language::Language;
use crate::login::AccountPolicy;

/// What a user may do in their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    /// All rights, including the security center and managing users.
    Administrator,
    /// All rights: the account's bookkeeper or advisor.
    Accountant,
    /// Rights limited to the administrations granted to them.
    Employee,
}

impl UserKind {
    /// The stored and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Administrator => "administrator",
            UserKind::Accountant => "accountant",
            UserKind::Employee => "employee",
        }
    }

    /// Reads the stored or command-line spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "administrator" => Some(UserKind::Administrator),
            "accountant" => Some(UserKind::Accountant),
            "employee" => Some(UserKind::Employee),
            _ => None,
        }
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            UserKind::Administrator => "Administrator",
            UserKind::Accountant => "Accountant",
            UserKind::Employee => "Employee",
        }
    }

    /// Whether this kind sees every administration of the account.
    pub fn sees_all_administrations(self) -> bool {
        !matches!(self, UserKind::Employee)
    }

    /// Whether this kind manages the account's security (security center, audit log).
    pub fn is_administrator(self) -> bool {
        matches!(self, UserKind::Administrator)
    }
}

/// A customer company, the tenant.
#[derive(Debug, Clone)]
pub struct Account {
    /// Random id.
    pub id: String,
    /// The company's name.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// The Security center's switches.
    pub policy: AccountPolicy,
    /// The language of its people who chose none and whose browser asks for none we speak,
    /// and of its emails to them.
    pub language: Language,
    /// Where its times are shown (an IANA time zone name such as `Europe/Amsterdam`).
    pub time_zone: String,
}

/// A person who logs in to one account.
#[derive(Debug, Clone)]
pub struct User {
    /// Random id.
    pub id: String,
    /// The account the user belongs to.
    pub account_id: String,
    /// As the user chose it; unique system-wide without regard to case.
    pub username: String,
    /// The person's name; empty when not known.
    pub name: String,
    /// Where security mail goes.
    pub email: String,
    /// What the user may do.
    pub kind: UserKind,
    /// A deactivated user cannot log in.
    pub disabled: bool,
    /// From this moment on login is refused.
    pub employment_ends_at: Option<Timestamp>,
    /// The argon2id hash; `None` until the user has chosen a password.
    pub password_hash: Option<String>,
    /// When the user was created.
    pub created_at: Timestamp,
    /// The last successful login.
    pub last_login_at: Option<Timestamp>,
    /// The user's option "only ask for two-factor authentication once every 30 days on a known
    /// IP address".
    pub remember_two_factor: bool,
    /// The user's option "automatically validate new IP addresses".
    pub auto_validate_ips: bool,
    /// The language the user chose; `None`: their browser's, else the account's.
    pub language: Option<Language>,
    /// When the password was last set (`None`: never, or before this was recorded).
    pub password_changed_at: Option<Timestamp>,
}

/// Why a user may not log in (nor keep a session), whatever their credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Barred {
    /// Deactivated by an administrator.
    Disabled,
    /// The end of employment has come.
    EmploymentEnded,
}

/// Why a user who is `disabled` or whose employment ends at `employment_ends_at` may not log in
/// at `now`, if they may not. The one rule for the login, the session check and every flow that
/// acts for a user.
pub fn barred(
    disabled: bool,
    employment_ends_at: Option<Timestamp>,
    now: Timestamp,
) -> Option<Barred> {
    if disabled {
        Some(Barred::Disabled)
    } else if employment_ends_at.is_some_and(|ends| now >= ends) {
        Some(Barred::EmploymentEnded)
    } else {
        None
    }
}

impl User {
    /// The name to show: the person's name, or the username when no name is known.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.username
        } else {
            &self.name
        }
    }

    /// What the last-administrator rule looks at.
    pub fn standing(&self) -> Standing {
        Standing {
            kind: self.kind,
            disabled: self.disabled,
            employment_ends: self.employment_ends_at.is_some(),
        }
    }

    /// Why this user may not log in at `now`, if they may not.
    pub fn barred(&self, now: Timestamp) -> Option<Barred> {
        barred(self.disabled, self.employment_ends_at, now)
    }

    /// Whether this user may log in (and keep their sessions) at `now`.
    pub fn may_log_in(&self, now: Timestamp) -> bool {
        self.barred(now).is_none()
    }
}

/// The second factors a user has set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Factors {
    /// A confirmed authenticator app.
    pub totp: bool,
    /// How many passkeys.
    pub passkeys: u32,
}

impl Factors {
    /// No second factor at all.
    pub const NONE: Factors = Factors {
        totp: false,
        passkeys: 0,
    };

    /// Whether the user has a second factor: an authenticator app or a passkey. The one
    /// definition the login's policy gate, the session check and the Security center use.
    pub fn has_second_factor(self) -> bool {
        self.totp || self.passkeys > 0
    }
}

/// A named set of books that access rights point at.
#[derive(Debug, Clone)]
pub struct Administration {
    /// Random id.
    pub id: String,
    /// The account it belongs to.
    pub account_id: String,
    /// Its name, as shown on the dashboard.
    pub name: String,
}

/// Why a person's name or an administration's name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    /// Empty after trimming.
    #[error("Enter a name.")]
    Empty,
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("A name can have at most 200 characters.")]
    TooLong,
    /// Contains line breaks or other control characters.
    #[error("A name cannot contain line breaks or control characters.")]
    ControlCharacters,
}

/// Longest person or administration name.
pub const MAX_NAME_CHARS: usize = 200;

/// Checks a person's or an administration's name and returns it trimmed.
pub fn parse_name(typed: &str) -> Result<String, NameProblem> {
    let name = typed.trim();
    if name.is_empty() {
        Err(NameProblem::Empty)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(NameProblem::TooLong)
    } else if name.chars().any(char::is_control) {
        Err(NameProblem::ControlCharacters)
    } else {
        Ok(name.to_string())
    }
}

/// What an administrator changes about a user, as far as the last-administrator rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The user's kind.
    pub kind: UserKind,
    /// Deactivated.
    pub disabled: bool,
    /// An end of employment is set (past or future).
    pub employment_ends: bool,
}

impl Standing {
    /// Whether this user, in this standing, keeps the account administrable for good: an
    /// administrator, active, with no end of employment.
    pub fn is_lasting_administrator(self) -> bool {
        self.kind.is_administrator() && !self.disabled && !self.employment_ends
    }
}

/// Whether a change from `before` to `after` is allowed, given how many *other* lasting
/// administrators the account has. Only a change that takes away a lasting administrator needs
/// another one to remain.
pub fn keeps_an_administrator(before: Standing, after: Standing, other_lasting: u64) -> bool {
    !before.is_lasting_administrator() || after.is_lasting_administrator() || other_lasting > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Standing = Standing {
        kind: UserKind::Administrator,
        disabled: false,
        employment_ends: false,
    };

    #[test]
    fn the_last_lasting_administrator_cannot_be_taken_away() {
        let demoted = Standing {
            kind: UserKind::Accountant,
            ..ADMIN
        };
        let disabled = Standing {
            disabled: true,
            ..ADMIN
        };
        let ending = Standing {
            employment_ends: true,
            ..ADMIN
        };
        let table = [
            // (before, after, other lasting administrators, allowed)
            (ADMIN, demoted, 0, false),
            (ADMIN, disabled, 0, false),
            (ADMIN, ending, 0, false),
            (ADMIN, demoted, 1, true),
            (ADMIN, ADMIN, 0, true),
            (demoted, ADMIN, 0, true),
            (disabled, ending, 0, true),
            (demoted, disabled, 0, true),
        ];
        for (before, after, others, allowed) in table {
            assert_eq!(
                keeps_an_administrator(before, after, others),
                allowed,
                "{before:?} -> {after:?} with {others} others"
            );
        }
    }

    #[test]
    fn a_user_is_barred_when_deactivated_or_once_employment_has_ended() {
        let now = Timestamp(1_700_000_000_000);
        let table = [
            // (disabled, employment ends, barred)
            (false, None, None),
            (true, None, Some(Barred::Disabled)),
            (false, Some(now.0 + 1), None),
            (false, Some(now.0), Some(Barred::EmploymentEnded)),
            (false, Some(now.0 - 1), Some(Barred::EmploymentEnded)),
            (true, Some(now.0 - 1), Some(Barred::Disabled)),
        ];
        for (disabled, ends, expected) in table {
            assert_eq!(
                barred(disabled, ends.map(Timestamp), now),
                expected,
                "{disabled} {ends:?}"
            );
        }
    }

    #[test]
    fn an_authenticator_app_or_any_passkey_is_a_second_factor() {
        let table = [
            (Factors::NONE, false),
            (
                Factors {
                    totp: true,
                    passkeys: 0,
                },
                true,
            ),
            (
                Factors {
                    totp: false,
                    passkeys: 1,
                },
                true,
            ),
            (
                Factors {
                    totp: true,
                    passkeys: 3,
                },
                true,
            ),
        ];
        for (factors, expected) in table {
            assert_eq!(factors.has_second_factor(), expected, "{factors:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(parse_name("  Ada Lovelace "), Ok("Ada Lovelace".into()));
        assert_eq!(parse_name("   "), Err(NameProblem::Empty));
        assert_eq!(parse_name("a\nb"), Err(NameProblem::ControlCharacters));
        assert_eq!(parse_name(&"x".repeat(201)), Err(NameProblem::TooLong));
        assert!(parse_name(&"é".repeat(200)).is_ok());
    }
}

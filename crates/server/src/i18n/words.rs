//! The domain's values and refusals in words, for the reader of the request. The core names
//! them in English for logs and the command line (`Display`); people read these.

use portcullis_core::clock::DateProblem;
use portcullis_core::email::EmailProblem;
use portcullis_core::login::IpStatus;
use portcullis_core::password::{MAX_CHARS, MIN_CHARS, PasswordProblem};
use portcullis_core::security_code::{self, SecurityCodeProblem};
use portcullis_core::session::LoginMethod;
use portcullis_core::user::{self, UserKind};
use portcullis_core::{passkey, username};

use super::{Arg, key, t, ta};

/// A value or a refusal, said to the reader of the request.
pub trait Words {
    /// In the reader's language.
    fn words(&self) -> String;
}

impl Words for UserKind {
    fn words(&self) -> String {
        t(match self {
            UserKind::Administrator => key("role-administrator"),
            UserKind::Accountant => key("role-accountant"),
            UserKind::Employee => key("role-employee"),
        })
    }
}

impl Words for LoginMethod {
    fn words(&self) -> String {
        t(match self {
            LoginMethod::Password => key("method-password"),
            LoginMethod::PasswordAndApp => key("method-password-app"),
            LoginMethod::PasswordAndRecoveryCode => key("method-password-recovery"),
            LoginMethod::Passkey => key("method-passkey"),
        })
    }
}

impl Words for IpStatus {
    fn words(&self) -> String {
        t(match self {
            IpStatus::Pending => key("ip-status-pending"),
            IpStatus::Validated => key("ip-status-validated"),
            IpStatus::Blocked => key("ip-status-blocked"),
        })
    }
}

impl Words for PasswordProblem {
    fn words(&self) -> String {
        match self {
            PasswordProblem::TooShort => ta(
                "problem-password-too-short",
                &[("min", Arg::from(MIN_CHARS))],
            ),
            PasswordProblem::TooLong => ta(
                "problem-password-too-long",
                &[("max", Arg::from(MAX_CHARS))],
            ),
            PasswordProblem::Common => t("problem-password-common"),
            PasswordProblem::ContainsUsername => t("problem-password-username"),
            PasswordProblem::ContainsEmail => t("problem-password-email"),
            PasswordProblem::ContainsAccountName => t("problem-password-account"),
            PasswordProblem::Breached => t("problem-password-breached"),
        }
    }
}

impl Words for username::UsernameProblem {
    fn words(&self) -> String {
        match self {
            username::UsernameProblem::TooShort => ta(
                "problem-username-too-short",
                &[("min", Arg::from(username::MIN_LEN))],
            ),
            username::UsernameProblem::TooLong => ta(
                "problem-username-too-long",
                &[("max", Arg::from(username::MAX_LEN))],
            ),
            username::UsernameProblem::BadCharacter => t("problem-username-character"),
        }
    }
}

impl Words for EmailProblem {
    fn words(&self) -> String {
        match self {
            EmailProblem::Invalid => t("problem-email"),
        }
    }
}

impl Words for user::NameProblem {
    fn words(&self) -> String {
        t(match self {
            user::NameProblem::Empty => key("problem-name-empty"),
            user::NameProblem::TooLong => key("problem-name-too-long"),
            user::NameProblem::ControlCharacters => key("problem-name-control"),
        })
    }
}

impl Words for passkey::NameProblem {
    fn words(&self) -> String {
        t(match self {
            passkey::NameProblem::Empty => key("problem-passkey-name-empty"),
            passkey::NameProblem::TooLong => key("problem-passkey-name-too-long"),
            passkey::NameProblem::ControlCharacters => key("problem-passkey-name-control"),
        })
    }
}

impl Words for SecurityCodeProblem {
    fn words(&self) -> String {
        match self {
            SecurityCodeProblem::TooShort => ta(
                "problem-code-too-short",
                &[("min", Arg::from(security_code::MIN_LEN))],
            ),
            SecurityCodeProblem::TooLong => ta(
                "problem-code-too-long",
                &[("max", Arg::from(security_code::MAX_LEN))],
            ),
            SecurityCodeProblem::BadCharacter => t("problem-code-character"),
        }
    }
}

impl Words for DateProblem {
    fn words(&self) -> String {
        match self {
            DateProblem::Invalid => t("problem-date"),
        }
    }
}

//! Accounts and users as the domain sees them.

use crate::Timestamp;

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

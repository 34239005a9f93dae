//! Usernames: unique within their account (the security code already names the account), compared
//! without regard to case.

/// Fewest characters in a username.
pub const MIN_LEN: usize = 3;
/// Most characters in a username.
pub const MAX_LEN: usize = 64;

/// Why a username was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameProblem {
    /// Fewer than [`MIN_LEN`] characters.
    #[error("A username needs at least {MIN_LEN} characters.")]
    TooShort,
    /// More than [`MAX_LEN`] characters.
    #[error("A username may have at most {MAX_LEN} characters.")]
    TooLong,
    /// A character outside letters, digits and `. _ - @`.
    #[error("A username may contain only letters, digits and the characters . _ - @")]
    BadCharacter,
}

/// Checks a username and returns it trimmed, as the user wrote it (for display).
pub fn parse(typed: &str) -> Result<String, UsernameProblem> {
    let name = typed.trim();
    let len = name.chars().count();
    if len < MIN_LEN {
        return Err(UsernameProblem::TooShort);
    }
    if len > MAX_LEN {
        return Err(UsernameProblem::TooLong);
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(UsernameProblem::BadCharacter);
    }
    Ok(name.to_string())
}

/// The key usernames are unique by and looked up with: trimmed and lowercased. Also used for
/// usernames typed at login that do not exist, so their failures count the same way.
pub fn key(typed: &str) -> String {
    typed.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked_and_keyed_case_insensitively() {
        assert_eq!(parse("  JdeVries ").unwrap(), "JdeVries");
        assert_eq!(key(" JdeVries "), key("jdevries"));
        assert_eq!(parse("ab"), Err(UsernameProblem::TooShort));
        assert_eq!(parse("a b c"), Err(UsernameProblem::BadCharacter));
        assert_eq!(parse(&"a".repeat(65)), Err(UsernameProblem::TooLong));
        assert!(parse("jan.de-vries@bakkerij").is_ok());
    }
}

//! Passwords: what a new password must satisfy, and how passwords are hashed and verified.
//!
//! Following NIST SP 800-63B: at least 12 and at most 256 characters, no composition rules,
//! refused when it is a common password (a bundled list of 30,000) or contains the user's
//! username, email address or account name. Hashing is argon2id with m = 19,456 KiB, t = 2,
//! p = 1 (the OWASP baseline). [`DUMMY_HASH`] has the same parameters, so verifying a login for
//! a user that does not exist costs the same as for one that does.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

/// Fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// Most characters a password may have; longer input is refused before hashing.
pub const MAX_CHARS: usize = 256;

/// An argon2id hash of a random password nobody knows, with the production parameters. Verified
/// against when no user matches, so that unknown usernames cost the same work.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$L2T3eKc9Vfs8uYWw0lSRtg$y7XhvQz8sPUZ7vWZ6SR4J1ozBhxp1xjnaQmMwVHo4mo";

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
});

/// Why a new password was refused. The message tells the user what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Shorter than [`MIN_CHARS`].
    #[error("The password must have at least {MIN_CHARS} characters.")]
    TooShort,
    /// Longer than [`MAX_CHARS`].
    #[error("The password may have at most {MAX_CHARS} characters.")]
    TooLong,
    /// Appears in the list of common passwords that attackers try first.
    #[error(
        "This password is one of the most common passwords. Choose one that is harder to guess."
    )]
    Common,
    /// Contains the username.
    #[error("The password must not contain your username.")]
    ContainsUsername,
    /// Contains the email address (or its part before the @).
    #[error("The password must not contain your email address.")]
    ContainsEmail,
    /// Contains the account (company) name.
    #[error("The password must not contain the account name.")]
    ContainsAccountName,
    /// Appears in a known data breach (the Pwned Passwords check, when it is on).
    #[error(
        "This password appears in known data breaches, so attackers try it. Choose another one."
    )]
    Breached,
}

/// What a password is checked against besides the common list.
#[derive(Debug, Clone, Copy)]
pub struct PasswordContext<'a> {
    /// The user's username.
    pub username: &'a str,
    /// The user's email address.
    pub email: &'a str,
    /// The name of the user's account.
    pub account_name: &'a str,
}

/// Checks a new password against the policy.
pub fn check_new_password(
    password: &str,
    context: PasswordContext<'_>,
) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(lower.as_str()) {
        return Err(PasswordProblem::Common);
    }
    let contains = |part: &str| {
        let part = part.trim().to_lowercase();
        part.chars().count() >= 3 && lower.contains(&part)
    };
    if contains(context.username) {
        return Err(PasswordProblem::ContainsUsername);
    }
    let local_part = context.email.split('@').next().unwrap_or_default();
    if contains(context.email) || contains(local_part) {
        return Err(PasswordProblem::ContainsEmail);
    }
    if contains(context.account_name) {
        return Err(PasswordProblem::ContainsAccountName);
    }
    Ok(())
}

/// Hashing failed; only possible with broken parameters, never because of the input.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password with a fresh salt; returns the PHC string to store. CPU-bound (tens of
/// milliseconds): callers on an async executor run it on a blocking thread.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

thread_local! {
    /// Each hashing thread's argon2 working memory (19 MiB with our parameters), kept between
    /// verifications: allocating and zero-filling it afresh for every login costs time, and
    /// freeing it lets glibc keep a copy per malloc arena, which made memory grow with load.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
/// Input longer than [`MAX_CHARS`] is hashed like any other, so its length reveals nothing.
/// The stored hash's own parameters are used, so hashes made with older parameters still work.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut actual = vec![0u8; expected.len()];
    let hashed = BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), Block::default());
        }
        Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut actual,
            &mut blocks[..params.block_count()],
        )
    });
    hashed.is_ok() && bool::from(actual.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: PasswordContext<'static> = PasswordContext {
        username: "jdevries",
        email: "jan.devries@example.nl",
        account_name: "Bakkerij Vermeer",
    };

    #[test]
    fn the_policy_refuses_with_a_reason() {
        let cases = [
            ("short pass", Err(PasswordProblem::TooShort)),
            (&"x".repeat(257), Err(PasswordProblem::TooLong)),
            ("1qaz2wsx3edc", Err(PasswordProblem::Common)),
            ("LeaveMeAlone", Err(PasswordProblem::Common)),
            (
                "my name is JDevries!",
                Err(PasswordProblem::ContainsUsername),
            ),
            (
                "hello jan.devries here",
                Err(PasswordProblem::ContainsEmail),
            ),
            (
                "bakkerij vermeer 2024",
                Err(PasswordProblem::ContainsAccountName),
            ),
            ("copper kettle on the stove", Ok(())),
            (&"x".repeat(256), Ok(())),
            ("ünïcödé çhàrs ok", Ok(())),
        ];
        for (password, expected) in cases {
            assert_eq!(
                check_new_password(password, CONTEXT),
                expected,
                "{password}"
            );
        }
    }

    #[test]
    fn the_bundled_list_is_large() {
        assert!(COMMON_PASSWORDS.len() >= 10_000);
        assert!(COMMON_PASSWORDS.contains("password"));
    }

    #[test]
    fn hashes_verify_and_use_the_required_parameters() {
        let hash = hash_password("copper kettle on the stove").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("copper kettle on the stove", &hash));
        assert!(!verify_password("copper kettle on the stovE", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_costs_the_same_as_a_real_one() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash_password("copper kettle on the stove").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params);
        assert!(!verify_password("", DUMMY_HASH));
    }

    #[test]
    fn hashes_with_other_parameters_verify_with_the_reused_memory() {
        // Made by the argon2 crate itself with smaller memory and an older version, verified
        // after (and before) a hash of the usual size on the same thread's memory.
        let usual = hash_password("copper kettle on the stove").unwrap();
        for (m, version) in [(4_096, Version::V0x13), (8, Version::V0x10)] {
            let argon = Argon2::new(
                Algorithm::Argon2id,
                version,
                Params::new(m, 3, 1, None).unwrap(),
            );
            let salt = SaltString::generate(&mut OsRng);
            let other = argon
                .hash_password(b"copper kettle on the stove", &salt)
                .unwrap()
                .to_string();
            assert!(verify_password("copper kettle on the stove", &usual));
            assert!(
                verify_password("copper kettle on the stove", &other),
                "{other}"
            );
            assert!(!verify_password("copper kettle on the stove!", &other));
        }
    }
}

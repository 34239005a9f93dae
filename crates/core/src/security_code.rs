//! The account-wide security code, the first of the three login fields.
//!
//! Generated codes are 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown
//! in groups of four (`K7QM-XW3D-P9TB`, about 59 bits). Users may type them in any case, with or
//! without the dashes or spaces: [`normalize`] makes the forms equal before the constant-time
//! comparison.

use rand::Rng;
use rand::rngs::OsRng;

use crate::token::constant_time_eq;

/// Characters a generated code is made of: no 0, O, 1, I or L.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const GENERATED_LEN: usize = 12;
/// Fewest characters a chosen code may have (dashes and spaces not counted).
pub const MIN_LEN: usize = 8;
/// Most characters a chosen code may have.
pub const MAX_LEN: usize = 64;

/// Why a chosen security code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityCodeProblem {
    /// Too short to resist guessing.
    #[error("A security code needs at least {MIN_LEN} letters or digits.")]
    TooShort,
    /// Longer than anyone should type.
    #[error("A security code may have at most {MAX_LEN} letters or digits.")]
    TooLong,
    /// Contains something other than letters, digits, dashes and spaces.
    #[error("A security code may contain only letters A–Z, digits, dashes and spaces.")]
    BadCharacter,
}

/// A fresh random code in display form (`XXXX-XXXX-XXXX`).
pub fn generate() -> String {
    let mut rng = OsRng;
    let raw: String = (0..GENERATED_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    display(&raw)
}

/// The canonical form of a typed code: ASCII uppercase, dashes and whitespace removed.
pub fn normalize(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Checks a code an administrator chose and returns its display form.
pub fn parse_chosen(typed: &str) -> Result<String, SecurityCodeProblem> {
    let code = normalize(typed);
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(SecurityCodeProblem::BadCharacter);
    }
    match code.len() {
        n if n < MIN_LEN => Err(SecurityCodeProblem::TooShort),
        n if n > MAX_LEN => Err(SecurityCodeProblem::TooLong),
        _ => Ok(display(&code)),
    }
}

/// Groups a normalized code in fours for display.
pub fn display(normalized: &str) -> String {
    normalized
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The security code of the `account_number`-th (1-based) account that `portcullis dev seed`
/// makes from one `base` code: the base itself for the first, the base with `-<number>` after it
/// for the others, since no two accounts may share a code.
pub fn seeded(base: &str, account_number: u64) -> String {
    if account_number <= 1 {
        base.to_string()
    } else {
        format!("{base}-{account_number}")
    }
}

/// Whether a typed code matches the account's code, in constant time over the normalized forms.
pub fn matches(typed: &str, actual: &str) -> bool {
    constant_time_eq(normalize(typed).as_bytes(), normalize(actual).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_use_the_unambiguous_alphabet() {
        let code = generate();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(code.matches('-').count(), 2);
        assert!(normalize(&code).bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(generate(), code);
    }

    #[test]
    fn typed_codes_match_in_any_case_and_grouping() {
        assert!(matches("k7qm xw3d p9tb", "K7QM-XW3D-P9TB"));
        assert!(matches("K7QMXW3DP9TB", "K7QM-XW3D-P9TB"));
        assert!(!matches("K7QM-XW3D-P9TC", "K7QM-XW3D-P9TB"));
        assert!(!matches("", "K7QM-XW3D-P9TB"));
    }

    #[test]
    fn chosen_codes_are_checked() {
        assert_eq!(parse_chosen("bakker2024").unwrap(), "BAKK-ER20-24");
        assert_eq!(parse_chosen("short"), Err(SecurityCodeProblem::TooShort));
        assert_eq!(
            parse_chosen("no_underscores!"),
            Err(SecurityCodeProblem::BadCharacter)
        );
        assert_eq!(
            parse_chosen(&"A".repeat(65)),
            Err(SecurityCodeProblem::TooLong)
        );
    }
}

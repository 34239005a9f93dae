//! Recovery codes: ten one-time codes a user keeps on paper for when their phone is gone.
//!
//! Each code is 80 random bits written as 16 base32 characters in groups of four; only its
//! SHA-256 is stored (80 bits leave nothing to guess, so a slow hash adds nothing). Typing is
//! forgiving: case, spaces and dashes do not matter.

use rand::RngCore;
use rand::rngs::OsRng;

/// How many codes a set has.
pub const CODES_PER_SET: usize = 10;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh set of codes in display form (`ABCD-EFGH-JKLM-NPQR`).
pub fn generate_set() -> Vec<String> {
    (0..CODES_PER_SET).map(|_| generate()).collect()
}

fn generate() -> String {
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let bits = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let chars: Vec<u8> = (0..16)
        .map(|i| ALPHABET[((bits >> (75 - i * 5)) & 0x1f) as usize])
        .collect();
    chars
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The canonical form of a typed code: uppercase, without spaces or dashes; `None` when it
/// cannot be a recovery code.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 16 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What is stored for a code: the SHA-256 of its canonical form.
pub fn hash(canonical: &str) -> String {
    crate::token::hash_token(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_has_ten_distinct_codes_that_normalise_forgivingly() {
        let set = generate_set();
        assert_eq!(set.len(), 10);
        let mut unique = set.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let code = &set[0];
        assert_eq!(code.len(), 19);
        let canonical = normalize(code).unwrap();
        assert_eq!(
            normalize(&code.to_lowercase().replace('-', " ")),
            Some(canonical.clone())
        );
        assert_eq!(hash(&canonical).len(), 64);
        assert_eq!(normalize("ABCD-EFGH"), None);
        assert_eq!(
            normalize("ABCD-EFGH-IJKL-MN01"),
            None,
            "0 and 1 are not in the alphabet"
        );
    }
}

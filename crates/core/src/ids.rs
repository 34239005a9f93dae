//! Identifiers that are safe to show in URLs.
//!
//! Every id is 128 random bits, so an id in a URL says nothing about how many rows exist and
//! cannot be guessed from a neighbour's. They are written as 26 lowercase base32 characters.

use rand::RngCore;
use rand::rngs::OsRng;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A fresh random identifier: 128 bits, 26 characters of lowercase base32.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let value = u128::from_be_bytes(bytes);
    (0..26)
        .map(|i| {
            let shift = 125usize.saturating_sub(i * 5);
            let index = ((value >> shift) & 0x1f) as usize;
            char::from(ALPHABET[index])
        })
        .collect()
}

/// Whether `s` has the shape of an id made by [`new_id`]. Ids from requests are checked with this
/// before they reach a query, so a malformed id is a clean "not found".
pub fn looks_like_id(s: &str) -> bool {
    s.len() == 26 && s.bytes().all(|b| ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert!(looks_like_id(&a), "{a}");
        assert!(!looks_like_id("../etc/passwd"));
        assert!(!looks_like_id(&a.to_uppercase()));
    }
}

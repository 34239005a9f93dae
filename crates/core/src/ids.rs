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

/// Declares a typed id: a newtype over the text id, so an account's id cannot be passed where a
/// user's is meant. Ids from requests become typed only through [`AccountId::parse`] and the
/// like, which check the shape first.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn generate() -> Self {
                $name(new_id())
            }

            /// The id in `text`, if it has the shape of one (else "not found" for the caller).
            pub fn parse(text: &str) -> Option<Self> {
                looks_like_id(text).then(|| $name(text.to_string()))
            }

            /// An id read back from storage, which only ever holds ids made here.
            pub fn from_stored(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            /// The text form, for queries, URLs and logs.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Reads as the text id wherever text is wanted (queries, formatting).
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

typed_id!(
    /// An account's (a tenant's) id.
    AccountId
);
typed_id!(
    /// A user's id, unique across accounts.
    UserId
);

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

    #[test]
    fn typed_ids_come_only_from_well_formed_text() {
        let id = UserId::generate();
        assert_eq!(UserId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(UserId::parse("../etc/passwd"), None);
        assert_eq!(AccountId::parse(""), None);
        assert_eq!(id.to_string(), id.as_str());
    }
}

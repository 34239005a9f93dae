//! Encryption of stored secrets (security codes, later TOTP secrets) with the server key.
//!
//! XChaCha20-Poly1305 with a random 192-bit nonce per value. Each value is bound to where it is
//! stored through the associated data (for example `account/<id>/security_code`), so a ciphertext
//! copied into another row does not decrypt. The stored form is
//! `v1.<key id>.<base64url(nonce || ciphertext)>`; the key id lets a [`Keyring`] hold the current
//! key and previous ones while stored values are re-encrypted (key rotation, see the README).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a key or a stored secret could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    /// A key must be exactly 32 bytes, written as 64 hex characters.
    #[error("a secret key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    /// The stored value is not in the `v1.<key id>.<data>` form.
    #[error("the stored secret is malformed")]
    Malformed,
    /// No key in the keyring has the id the value was encrypted with.
    #[error("the stored secret was encrypted with a key this server does not have (key id {0})")]
    UnknownKey(String),
    /// The value was altered, or belongs to another place, or the key is wrong.
    #[error("the stored secret does not decrypt with the server key")]
    Tampered,
}

/// A 256-bit server key. Its bytes are wiped when it is dropped and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id())
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        SecretKey(bytes)
    }

    /// Reads a key written by [`SecretKey::to_hex`] (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, SecretBoxError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| SecretBoxError::BadKey)?;
        Ok(SecretKey(bytes))
    }

    /// The key as 64 hex characters, for the key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A short public fingerprint of the key, stored beside each ciphertext.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"portcullis key id\0")
            .chain_update(self.0)
            .finalize();
        hex::encode(&digest[..4])
    }
}

/// The current key, used for every new encryption, and previous keys still accepted for
/// decryption while a rotation is under way.
#[derive(Debug, Clone)]
pub struct Keyring {
    current: SecretKey,
    previous: Vec<SecretKey>,
}

impl Keyring {
    /// A keyring with one key.
    pub fn new(current: SecretKey) -> Self {
        Keyring {
            current,
            previous: Vec::new(),
        }
    }

    /// A keyring that also decrypts values written with `previous` keys.
    pub fn with_previous(current: SecretKey, previous: Vec<SecretKey>) -> Self {
        Keyring { current, previous }
    }

    /// The key new values are encrypted with.
    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// Encrypts `plaintext` for the place named by `context`.
    pub fn encrypt(&self, context: &str, plaintext: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.current.0).into());
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        // Encryption with a valid key and nonce length cannot fail; an empty vector would only
        // make the later decryption fail loudly, never leak anything.
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut data = nonce.to_vec();
        data.extend_from_slice(&sealed);
        format!("v1.{}.{}", self.current.id(), URL_SAFE_NO_PAD.encode(data))
    }

    /// Decrypts a value written by [`Keyring::encrypt`] for the same `context`.
    pub fn decrypt(&self, context: &str, stored: &str) -> Result<Vec<u8>, SecretBoxError> {
        let mut parts = stored.splitn(3, '.');
        let (Some("v1"), Some(key_id), Some(data)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SecretBoxError::Malformed);
        };
        let key = std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|k| k.id() == key_id)
            .ok_or_else(|| SecretBoxError::UnknownKey(key_id.to_string()))?;
        let data = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|_| SecretBoxError::Malformed)?;
        if data.len() < 24 + 16 {
            return Err(SecretBoxError::Malformed);
        }
        let (nonce, sealed) = data.split_at(24);
        let cipher = XChaCha20Poly1305::new((&key.0).into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretBoxError::Tampered)
    }

    /// A keyed blind index of `value` for the place named by `context`: HMAC-SHA-256 under a key
    /// derived from the server key, so equal values find each other by an indexed lookup while
    /// the stored index tells nothing without the key. The first is under the current key, the
    /// rest under the previous keys (a lookup during a rotation tries them all).
    pub fn blind_indexes(&self, context: &str, value: &[u8]) -> Vec<String> {
        std::iter::once(&self.current)
            .chain(self.previous.iter())
            .map(|key| blind_index(key, context, value))
            .collect()
    }

    /// The blind index of `value` under the current key (what is stored).
    pub fn blind_index(&self, context: &str, value: &[u8]) -> String {
        blind_index(&self.current, context, value)
    }

    /// Whether a stored value was written with the current key (rotation skips those).
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .split('.')
            .nth(1)
            .is_some_and(|id| id == self.current.id())
    }
}

fn blind_index(key: &SecretKey, context: &str, value: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    // A key of its own for blind indexes, derived from the server key, so an index never
    // shares a key with the encryption.
    let derived = Sha256::new()
        .chain_update(b"portcullis blind index key\0")
        .chain_update(key.0)
        .finalize();
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&derived) else {
        return String::new();
    };
    mac.update(context.as_bytes());
    mac.update(b"\0");
    mac.update(value);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binds_to_context() {
        let ring = Keyring::new(SecretKey::generate());
        let sealed = ring.encrypt("account/a/security_code", b"ABCD-EFGH");
        assert!(!sealed.contains("ABCD"));
        assert_eq!(
            ring.decrypt("account/a/security_code", &sealed).unwrap(),
            b"ABCD-EFGH"
        );
        assert_eq!(
            ring.decrypt("account/b/security_code", &sealed),
            Err(SecretBoxError::Tampered)
        );
    }

    #[test]
    fn same_plaintext_encrypts_differently() {
        let ring = Keyring::new(SecretKey::generate());
        assert_ne!(ring.encrypt("c", b"x"), ring.encrypt("c", b"x"));
    }

    #[test]
    fn tampering_is_detected() {
        let ring = Keyring::new(SecretKey::generate());
        let sealed = ring.encrypt("c", b"secret");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(bytes).unwrap();
        assert_eq!(ring.decrypt("c", &altered), Err(SecretBoxError::Tampered));
        assert_eq!(ring.decrypt("c", "v1.x"), Err(SecretBoxError::Malformed));
    }

    #[test]
    fn previous_keys_decrypt_during_rotation() {
        let old = SecretKey::generate();
        let old_ring = Keyring::new(old.clone());
        let sealed = old_ring.encrypt("c", b"secret");
        let new_ring = Keyring::with_previous(SecretKey::generate(), vec![old]);
        assert!(!new_ring.is_current(&sealed));
        assert_eq!(new_ring.decrypt("c", &sealed).unwrap(), b"secret");
        let unrelated = Keyring::new(SecretKey::generate());
        assert!(matches!(
            unrelated.decrypt("c", &sealed),
            Err(SecretBoxError::UnknownKey(_))
        ));
    }

    #[test]
    fn keys_round_trip_through_hex_and_never_print() {
        let key = SecretKey::generate();
        let again = SecretKey::from_hex(&format!("{}\n", key.to_hex())).unwrap();
        assert_eq!(key.id(), again.id());
        assert!(!format!("{key:?}").contains(&key.to_hex()));
        assert_eq!(
            SecretKey::from_hex("abcd").unwrap_err(),
            SecretBoxError::BadKey
        );
    }

    #[test]
    fn blind_indexes_match_equal_values_under_each_key_and_nothing_else() {
        let old = SecretKey::generate();
        let new = SecretKey::generate();
        let before = Keyring::new(old.clone());
        let during = Keyring::with_previous(new, vec![old]);
        let stored = before.blind_index("code", b"ABCD");
        assert_eq!(stored, before.blind_index("code", b"ABCD"));
        assert_ne!(stored, before.blind_index("code", b"ABCE"));
        assert_ne!(stored, before.blind_index("other", b"ABCD"));
        let lookups = during.blind_indexes("code", b"ABCD");
        assert_eq!(lookups.len(), 2);
        assert_ne!(lookups[0], stored, "the new key gives another index");
        assert_eq!(lookups[1], stored, "the previous key still finds it");
    }
}

//! Time-based one-time passwords (RFC 6238) as Google Authenticator supports them: HMAC-SHA-1,
//! 6 digits, 30-second steps, a 160-bit secret shown as base32.
//!
//! What must always hold:
//! - a code is accepted for the previous, current or next step only (clock drift of up to 30 s
//!   either way), compared in constant time;
//! - each code is accepted once per user: [`verify`] returns the step that matched, and the
//!   caller accepts it only if it is later than the last step the user used (stored atomically,
//!   see the store), which also refuses a replay on another server process;
//! - the secret never appears in logs (its `Debug` is redacted) and is wiped from memory on drop.

use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha1::Sha1;
use zeroize::Zeroizing;

use crate::Timestamp;
use crate::token::constant_time_eq;

/// Length of a time step.
pub const STEP: Duration = Duration::from_secs(30);

/// Digits in a code.
pub const DIGITS: u32 = 6;

/// Secret length: 160 bits, the HMAC-SHA-1 block-size recommendation of RFC 4226.
pub const SECRET_BYTES: usize = 20;

/// A TOTP secret.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate() -> TotpSecret {
        let mut bytes = vec![0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        TotpSecret(Zeroizing::new(bytes))
    }

    /// A secret from its raw bytes (as decrypted from storage).
    pub fn from_bytes(bytes: Vec<u8>) -> TotpSecret {
        TotpSecret(Zeroizing::new(bytes))
    }

    /// The raw bytes, for encryption at rest.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Unpadded base32, as authenticator apps take it.
    pub fn base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The base32 key in groups of four, for typing into an app by hand.
    pub fn grouped(&self) -> String {
        self.base32()
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The step a time falls in.
pub fn step_of(t: Timestamp) -> u64 {
    u64::try_from(t.millis().max(0)).unwrap_or(0) / (STEP.as_millis() as u64)
}

/// The HOTP value (RFC 4226) of `secret` at `counter`, with `digits` digits, zero-padded.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    let value = binary % 10u32.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// The 6-digit code of `secret` for the step containing `t`.
pub fn code_at(secret: &TotpSecret, t: Timestamp) -> String {
    hotp(secret.as_bytes(), step_of(t), DIGITS)
}

/// A typed code with spaces removed, if it is six digits.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// The step whose code `typed` is, among the previous, current and next step at `now`; `None`
/// when it is none of them. Every candidate is compared, so the time taken does not depend on
/// which one matched.
pub fn verify(secret: &TotpSecret, typed: &str, now: Timestamp) -> Option<u64> {
    let typed = normalize_code(typed)?;
    let current = step_of(now);
    let mut matched = None;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = hotp(secret.as_bytes(), step, DIGITS);
        if constant_time_eq(expected.as_bytes(), typed.as_bytes()) && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account_label: &str, secret: &TotpSecret) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={}",
        encode(issuer),
        encode(account_label),
        secret.base32(),
        encode(issuer),
        STEP.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890" and
    /// the codes have 8 digits.
    #[test]
    fn rfc_6238_appendix_b_vectors_for_sha1() {
        let secret = b"12345678901234567890";
        let table: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (seconds, expected) in table {
            let step = step_of(Timestamp(seconds * 1000));
            assert_eq!(hotp(secret, step, 8), expected, "T = {seconds}");
        }
    }

    #[test]
    fn codes_of_the_previous_current_and_next_step_are_accepted() {
        let secret = TotpSecret::generate();
        let now = Timestamp(1_767_603_615_000);
        let step = step_of(now);
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let at = Timestamp(now.millis() + offset * 30_000);
            let code = code_at(&secret, at);
            let result = verify(&secret, &code, now);
            if accepted {
                assert_eq!(
                    result,
                    Some(step.wrapping_add_signed(offset)),
                    "offset {offset}"
                );
            } else {
                assert_eq!(result, None, "offset {offset}");
            }
        }
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
        let spaced = code_at(&secret, now);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(verify(&secret, &spaced, now), Some(step));
    }

    #[test]
    fn the_secret_is_160_bits_shown_as_base32_in_groups_of_four() {
        let secret = TotpSecret::generate();
        assert_eq!(secret.as_bytes().len(), 20);
        assert_eq!(secret.base32().len(), 32);
        assert_eq!(secret.grouped().split(' ').count(), 8);
        assert_eq!(format!("{secret:?}"), "TotpSecret(…)");
        assert_ne!(TotpSecret::generate().base32(), secret.base32());
    }

    #[test]
    fn the_uri_carries_issuer_label_and_parameters() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(
            otpauth_uri("Portcullis (Acme & Co)", "jan.de.vries", &secret),
            "otpauth://totp/Portcullis%20%28Acme%20%26%20Co%29:jan.de.vries?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Portcullis%20%28Acme%20%26%20Co%29&algorithm=SHA1&digits=6&period=30"
        );
    }
}

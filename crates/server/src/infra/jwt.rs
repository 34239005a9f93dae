//! Signing keys and signed tokens (JWS compact serialization) for OpenID Connect.
//!
//! The libraries, and why:
//! - ES256 (the default) and EdDSA: `ring`. It is already the TLS stack's crypto provider here
//!   (rustls, lettre, reqwest), and its P-256 and Ed25519 are constant-time and maintained.
//! - RS256 (RSA-2048, PKCS#1 v1.5 with SHA-256; OpenID Connect's baseline, which some relying
//!   parties still expect): `aws-lc-rs`. `ring` signs RSA but cannot make an RSA key, and the
//!   pure-Rust `rsa` crate's private-key operations leak timing (RUSTSEC-2023-0071, the Marvin
//!   attack, unfixed). AWS-LC generates and signs RSA in constant time and is FIPS-validated
//!   upstream. Neither library is OpenSSL.
//!
//! Keys live in the database (`oidc_keys`): the private key as PKCS#8 sealed with the server key
//! (bound to `oidc/key/<kid>`), the public key as a JWK. A key's `kid` is its RFC 7638 thumbprint.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use serde_json::{Value, json};
use sha2::Digest as _;

/// A signing algorithm Portcullis offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// ECDSA with P-256 and SHA-256 (the default).
    Es256,
    /// Ed25519.
    EdDsa,
    /// RSA-2048 with PKCS#1 v1.5 padding and SHA-256.
    Rs256,
}

impl Alg {
    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
            Alg::Rs256 => "RS256",
        }
    }

    /// Reads a JOSE name.
    pub fn parse(text: &str) -> Option<Alg> {
        match text {
            "ES256" => Some(Alg::Es256),
            "EdDSA" => Some(Alg::EdDsa),
            "RS256" => Some(Alg::Rs256),
            _ => None,
        }
    }

    /// Every algorithm, the default first.
    pub const ALL: [Alg; 3] = [Alg::Es256, Alg::EdDsa, Alg::Rs256];
}

use std::sync::Arc;

/// The signing keys as loaded: the newest of each algorithm signs; every published one verifies.
pub struct Loaded {
    /// The newest key of each algorithm.
    pub signing: Vec<Arc<SigningKey>>,
    /// Every published public key (JWK).
    pub published: Vec<Value>,
    /// When they were read.
    pub loaded_at: portcullis_core::Timestamp,
}

/// This process's copy of the signing keys.
#[derive(Default)]
pub struct KeyCache(pub tokio::sync::RwLock<Option<Arc<Loaded>>>);

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCache")
    }
}

/// Signing failed (a key that does not load, or the system's random source).
#[derive(Debug, thiserror::Error)]
#[error("signing key: {0}")]
pub struct KeyError(pub String);

enum Pair {
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
    Rs256(aws_lc_rs::signature::RsaKeyPair),
}

/// A private key that signs tokens.
pub struct SigningKey {
    /// Its key id (the JWK thumbprint).
    pub kid: String,
    /// Its algorithm.
    pub alg: Alg,
    pair: Pair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({} {})", self.alg.as_str(), self.kid)
    }
}

/// A new key: its private PKCS#8 document (to seal and store) and the key itself.
pub fn generate(alg: Alg) -> Result<(Vec<u8>, SigningKey), KeyError> {
    let rng = SystemRandom::new();
    let failed = |_| KeyError("the random source failed".into());
    let pkcs8 = match alg {
        Alg::Es256 => {
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(failed)?
                .as_ref()
                .to_vec()
        }
        Alg::EdDsa => Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        Alg::Rs256 => {
            use aws_lc_rs::encoding::AsDer as _;
            let pair = aws_lc_rs::signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| KeyError("RSA key generation failed".into()))?;
            let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = pair
                .as_der()
                .map_err(|_| KeyError("RSA key encoding failed".into()))?;
            der.as_ref().to_vec()
        }
    };
    let key = load(alg, &pkcs8)?;
    Ok((pkcs8, key))
}

/// Loads a stored private key.
pub fn load(alg: Alg, pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
    let pair = match alg {
        Alg::Es256 => Pair::Es256(
            EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                pkcs8,
                &SystemRandom::new(),
            )
            .map_err(|e| KeyError(format!("ES256 key: {e}")))?,
        ),
        Alg::EdDsa => Pair::EdDsa(
            Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|e| KeyError(format!("EdDSA key: {e}")))?,
        ),
        Alg::Rs256 => Pair::Rs256(
            aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pkcs8)
                .map_err(|e| KeyError(format!("RS256 key: {e}")))?,
        ),
    };
    let mut key = SigningKey {
        kid: String::new(),
        alg,
        pair,
    };
    key.kid = thumbprint(&key.public_members());
    Ok(key)
}

/// RFC 7638: the SHA-256 of the key's required members in lexicographic order, base64url.
fn thumbprint(members: &Value) -> String {
    // serde_json's map keeps keys sorted, and `to_string` writes no whitespace.
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(members.to_string().as_bytes()))
}

impl SigningKey {
    /// The public key's required JWK members (no `kid`, `alg` or `use`).
    fn public_members(&self) -> Value {
        match &self.pair {
            Pair::Es256(pair) => {
                // An uncompressed point: 0x04, x (32 bytes), y (32 bytes).
                let point = pair.public_key().as_ref();
                let x = point.get(1..33).unwrap_or_default();
                let y = point.get(33..65).unwrap_or_default();
                json!({
                    "crv": "P-256",
                    "kty": "EC",
                    "x": URL_SAFE_NO_PAD.encode(x),
                    "y": URL_SAFE_NO_PAD.encode(y),
                })
            }
            Pair::EdDsa(pair) => json!({
                "crv": "Ed25519",
                "kty": "OKP",
                "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
            }),
            Pair::Rs256(pair) => {
                use aws_lc_rs::signature::KeyPair as _;
                let public = pair.public_key();
                json!({
                    "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                    "kty": "RSA",
                    "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                })
            }
        }
    }

    /// The public JWK as published in the JWKS: key type and value, `kid`, `alg`, `use`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.public_members();
        if let Value::Object(map) = &mut jwk {
            map.insert("kid".into(), json!(self.kid));
            map.insert("alg".into(), json!(self.alg.as_str()));
            map.insert("use".into(), json!("sig"));
        }
        jwk
    }

    /// Signs `claims` as a JWS with header type `typ` (`JWT`, or `at+jwt` for RFC 9068 access
    /// tokens).
    pub fn sign(&self, typ: &str, claims: &Value) -> Result<String, KeyError> {
        let header = json!({ "alg": self.alg.as_str(), "kid": self.kid, "typ": typ });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match &self.pair {
            Pair::Es256(pair) => pair
                .sign(&SystemRandom::new(), input.as_bytes())
                .map_err(|_| KeyError("ES256 signing failed".into()))?
                .as_ref()
                .to_vec(),
            Pair::EdDsa(pair) => pair.sign(input.as_bytes()).as_ref().to_vec(),
            Pair::Rs256(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &aws_lc_rs::rand::SystemRandom::new(),
                    input.as_bytes(),
                    &mut signature,
                )
                .map_err(|_| KeyError("RS256 signing failed".into()))?;
                signature
            }
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// Checks a token this server signed with one of `keys` and returns its claims: the signature
/// against the key its header names, nothing about the claims' times (the caller checks those).
pub fn verify(token: &str, keys: &[Value]) -> Option<Value> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    let kid = header.get("kid")?.as_str()?;
    let jwk = keys
        .iter()
        .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))?;
    let alg = Alg::parse(header.get("alg")?.as_str()?)?;
    if jwk.get("alg").and_then(Value::as_str) != Some(alg.as_str()) {
        return None;
    }
    let signed = &token[..header_len(token)?];
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    let public = match alg {
        Alg::Rs256 => {
            let n = URL_SAFE_NO_PAD.decode(jwk.get("n")?.as_str()?).ok()?;
            let e = URL_SAFE_NO_PAD.decode(jwk.get("e")?.as_str()?).ok()?;
            aws_lc_rs::signature::RsaPublicKeyComponents { n, e }
                .verify(
                    &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                    signed.as_bytes(),
                    &sig,
                )
                .ok()?;
            return serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok();
        }
        Alg::Es256 => {
            let x = URL_SAFE_NO_PAD.decode(jwk.get("x")?.as_str()?).ok()?;
            let y = URL_SAFE_NO_PAD.decode(jwk.get("y")?.as_str()?).ok()?;
            let mut point = vec![4u8];
            point.extend(x);
            point.extend(y);
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
        }
        Alg::EdDsa => signature::UnparsedPublicKey::new(
            &signature::ED25519,
            URL_SAFE_NO_PAD.decode(jwk.get("x")?.as_str()?).ok()?,
        ),
    };
    public.verify(signed.as_bytes(), &sig).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The length of `header.payload` in a compact JWS.
fn header_len(token: &str) -> Option<usize> {
    token.rfind('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_algorithm_signs_what_its_public_key_verifies() {
        for alg in Alg::ALL {
            let (pkcs8, key) = generate(alg).unwrap();
            let again = load(alg, &pkcs8).unwrap();
            assert_eq!(again.kid, key.kid, "the kid is the key's thumbprint");
            let jwk = key.public_jwk();
            assert_eq!(jwk["alg"], alg.as_str());
            assert!(jwk.get("d").is_none(), "no private part");
            let token = key.sign("JWT", &json!({ "sub": "u1" })).unwrap();
            assert_eq!(
                verify(&token, std::slice::from_ref(&jwk)).unwrap()["sub"],
                "u1"
            );
            // A changed payload, another key, or a missing key: not verified.
            let mut parts: Vec<&str> = token.split('.').collect();
            let forged = URL_SAFE_NO_PAD.encode(json!({ "sub": "u2" }).to_string());
            parts[1] = &forged;
            assert!(verify(&parts.join("."), std::slice::from_ref(&jwk)).is_none());
            let (_, other) = generate(alg).unwrap();
            assert_ne!(other.kid, key.kid);
            assert!(verify(&token, &[other.public_jwk()]).is_none());
            assert!(verify(&token, &[]).is_none());
            assert!(verify("a.b", &[jwk]).is_none());
        }
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s_own_example() {
        // RFC 7638 section 3.1: the RSA key and its thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_\
                 BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_\
                 FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-\
                 bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(&json!({ "e": "AQAB", "kty": "RSA", "n": n })),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn an_rs256_key_is_2048_bits_with_the_usual_exponent() {
        let (_, key) = generate(Alg::Rs256).unwrap();
        let jwk = key.public_jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        assert_eq!(n.len(), 256);
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(jwk.get(private).is_none(), "no {private} in the public key");
        }
    }

    #[test]
    fn an_es256_thumbprint_follows_rfc_7638() {
        // RFC 7638's example is RSA; this checks the member order and encoding on a P-256 key.
        let (_, key) = generate(Alg::Es256).unwrap();
        let jwk = key.public_jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        assert_eq!(
            key.kid,
            URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
        );
    }
}

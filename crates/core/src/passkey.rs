//! Passkeys as people see them: which authenticator made one (from its AAGUID), the name it
//! gets by default, and the rules for names.

/// Common authenticators by AAGUID, for sensible default names. Sources: the FIDO Metadata
/// Service and the community-maintained list of passkey provider AAGUIDs. An unknown AAGUID
/// (or all zeros, which many authenticators send) is simply "Passkey".
const AUTHENTICATORS: &[(&str, &str)] = &[
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "Apple Passwords"),
    (
        "dd4ec289-e01d-41c9-bb89-70fa845d4bf2",
        "Apple Passwords (managed)",
    ),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
    (
        "771b48fd-d3d4-4f74-9232-fc157ab0507a",
        "Microsoft Password Manager",
    ),
    ("53414d53-554e-4700-0000-000000000000", "Samsung Pass"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
    ("b5397666-4885-aa6b-cebf-e52262a439a2", "NordPass"),
    ("50726f74-6f6e-5061-7373-50726f746f6e", "Proton Pass"),
    ("fdb141b2-5d84-443e-8a35-4698c205a502", "KeePassXC"),
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5"),
    ("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5"),
    ("fa2b99dc-9e39-4257-8f92-4a30d23c4118", "YubiKey 5 NFC"),
    ("a25342c0-3cdc-4414-8e46-f4807fca511c", "YubiKey 5 NFC"),
    ("c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "YubiKey 5Ci"),
    ("73bb0cd4-e502-49b8-9c6f-b59445bf720b", "YubiKey 5 FIPS"),
    ("d8522d9f-575b-4866-88a9-ba99fa02f35b", "YubiKey Bio"),
    (
        "149a2021-8ef6-4133-96b8-81f8d5b7f1f5",
        "Security Key by Yubico",
    ),
    (
        "6d44ba9b-f6ec-2e49-b930-0c8fe920cb73",
        "Security Key NFC by Yubico",
    ),
    (
        "42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3",
        "Google Titan Security Key",
    ),
];

/// The name used when the authenticator is not known.
pub const GENERIC_NAME: &str = "Passkey";

/// Longest passkey name, in characters.
pub const MAX_NAME_CHARS: usize = 60;

/// The authenticator model for an AAGUID (as `xxxxxxxx-xxxx-…`), if it is a common one.
pub fn authenticator(aaguid: &str) -> Option<&'static str> {
    let aaguid = aaguid.to_ascii_lowercase();
    AUTHENTICATORS
        .iter()
        .find(|(id, _)| *id == aaguid)
        .map(|(_, name)| *name)
}

/// The default name of a new passkey: the authenticator's, or "Passkey"; numbered when the
/// user already has one of that name ("YubiKey 5 NFC 2").
pub fn default_name<'a>(aaguid: &str, existing: impl IntoIterator<Item = &'a str>) -> String {
    let base = authenticator(aaguid).unwrap_or(GENERIC_NAME);
    let existing: Vec<String> = existing.into_iter().map(str::to_lowercase).collect();
    let taken = |name: &str| existing.iter().any(|e| *e == name.to_lowercase());
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base} {n}"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| base.to_string())
}

/// Why a passkey name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    /// Nothing but spaces.
    #[error("Give the passkey a name, such as the device it is on.")]
    Empty,
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("Use at most 60 characters for the name.")]
    TooLong,
    /// Control characters.
    #[error("The name cannot contain line breaks or other control characters.")]
    ControlCharacters,
}

/// Checks a typed name and returns it trimmed.
pub fn parse_name(typed: &str) -> Result<String, NameProblem> {
    let name = typed.trim();
    if name.is_empty() {
        Err(NameProblem::Empty)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(NameProblem::TooLong)
    } else if name.chars().any(char::is_control) {
        Err(NameProblem::ControlCharacters)
    } else {
        Ok(name.to_string())
    }
}

/// The AAGUID and backup flags read from WebAuthn authenticator data (after the library has
/// verified it): flags at byte 32, the AAGUID at bytes 37..53 of attested credential data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorFacts {
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    pub aaguid: String,
    /// BE: the credential may be synced to other devices.
    pub backup_eligible: bool,
    /// BS: it is synced now.
    pub backup_state: bool,
}

/// Reads [`AuthenticatorFacts`] from authenticator data with attested credential data.
pub fn authenticator_facts(auth_data: &[u8]) -> Option<AuthenticatorFacts> {
    let flags = *auth_data.get(32)?;
    let attested = flags & 0x40 != 0;
    let id = auth_data.get(37..53).filter(|_| attested)?;
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    Some(AuthenticatorFacts {
        aaguid: format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ),
        backup_eligible: flags & 0x08 != 0,
        backup_state: flags & 0x10 != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_authenticator_and_are_numbered() {
        let yubikey = "FA2B99DC-9E39-4257-8F92-4A30D23C4118";
        assert_eq!(authenticator(yubikey), Some("YubiKey 5 NFC"));
        assert_eq!(default_name(yubikey, []), "YubiKey 5 NFC");
        assert_eq!(
            default_name(yubikey, ["yubikey 5 nfc", "YubiKey 5 NFC 2"]),
            "YubiKey 5 NFC 3"
        );
        let zeros = "00000000-0000-0000-0000-000000000000";
        assert_eq!(authenticator(zeros), None);
        assert_eq!(default_name(zeros, ["Laptop"]), "Passkey");
        assert_eq!(default_name(zeros, ["Passkey"]), "Passkey 2");
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(parse_name("  Work laptop "), Ok("Work laptop".into()));
        assert_eq!(parse_name("   "), Err(NameProblem::Empty));
        assert_eq!(parse_name(&"x".repeat(61)), Err(NameProblem::TooLong));
        assert_eq!(parse_name(&"é".repeat(60)), Ok("é".repeat(60)));
        assert_eq!(parse_name("a\nb"), Err(NameProblem::ControlCharacters));
    }

    #[test]
    fn authenticator_data_gives_the_aaguid_and_backup_flags() {
        let mut data = vec![0u8; 37];
        data[32] = 0x40 | 0x08 | 0x10 | 0x05; // AT, BE, BS, UP, UV
        data.extend([
            0xfa, 0x2b, 0x99, 0xdc, 0x9e, 0x39, 0x42, 0x57, 0x8f, 0x92, 0x4a, 0x30, 0xd2, 0x3c,
            0x41, 0x18,
        ]);
        data.extend([0, 16]);
        let facts = authenticator_facts(&data).unwrap();
        assert_eq!(facts.aaguid, "fa2b99dc-9e39-4257-8f92-4a30d23c4118");
        assert!(facts.backup_eligible && facts.backup_state);
        data[32] = 0x45;
        let facts = authenticator_facts(&data).unwrap();
        assert!(!facts.backup_eligible && !facts.backup_state);
        // Without attested credential data, or too short: nothing.
        data[32] = 0x05;
        assert_eq!(authenticator_facts(&data), None);
        assert_eq!(authenticator_facts(&data[..20]), None);
    }
}

//! The accountancy portal's rules: how a client's link to an accountancy firm moves through its
//! states, which of the client's administrations an accountant reaches, and whether the client's
//! own security rules let a given accountant in right now.
//!
//! What must always hold:
//! - a firm reaches a client only through a link the client asked for and the firm accepted,
//!   and only while neither ended it;
//! - an accountant reaches only the clients the firm assigned to them, and within a client only
//!   the administrations both the link and the assignment allow;
//! - inside a client, the client's rules apply to the accountant as to its own users: an account
//!   that requires two-factor authentication admits only accountants with a second factor; one
//!   that blocks new IP addresses admits only from an address confirmed (by email or by an
//!   administrator), not one the accountant's own option validated by itself.

use std::time::Duration;

use crate::Timestamp;
use crate::lockout::RateLimit;
use crate::security_code::{ALPHABET, display, normalize};
use crate::user::Factors;

/// How long a firm's link code can be used.
pub const LINK_CODE_VALIDITY: Duration = Duration::from_secs(14 * 24 * 3600);

/// Characters in a link code (about 79 bits from the security code's alphabet).
const LINK_CODE_LEN: usize = 16;

/// How often one account may type a link code: 10 tries an hour (a code has ~79 bits, so this
/// is about typing mistakes and noise, not the only defence).
pub const LINK_CODE_TRIES: RateLimit = RateLimit {
    max: 10,
    window: Duration::from_secs(3600),
};

/// A fresh link code in display form (`XXXX-XXXX-XXXX-XXXX`).
pub fn new_link_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let raw: String = (0..LINK_CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    display(&raw)
}

/// The form of a typed link code that is hashed and looked up: any case, dashes and spaces
/// left out; `None` when it cannot be a code at all (so nothing is looked up).
pub fn link_code_key(typed: &str) -> Option<String> {
    let key = normalize(typed);
    (key.len() == LINK_CODE_LEN && key.bytes().all(|b| ALPHABET.contains(&b))).then_some(key)
}

/// Where a link between a firm and a client stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// The client typed the firm's code; the firm has not answered.
    Requested,
    /// The firm accepted: its assigned accountants may work in the client.
    Active,
    /// Declined by the firm or ended by either side: history only.
    Ended,
}

impl LinkState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Requested => "requested",
            LinkState::Active => "active",
            LinkState::Ended => "ended",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<LinkState> {
        match text {
            "requested" => Some(LinkState::Requested),
            "active" => Some(LinkState::Active),
            "ended" => Some(LinkState::Ended),
            _ => None,
        }
    }
}

/// Something a side does to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkChange {
    /// The firm accepts a request.
    Accept,
    /// The firm declines a request.
    Decline,
    /// Either side ends the link.
    End,
}

/// The state a link moves to, or `None` when the change does not apply to a link in `from`
/// (accepting an ended link, ending one twice).
pub fn change_link(from: LinkState, change: LinkChange) -> Option<LinkState> {
    match (from, change) {
        (LinkState::Requested, LinkChange::Accept) => Some(LinkState::Active),
        (LinkState::Requested, LinkChange::Decline) => Some(LinkState::Ended),
        (LinkState::Requested | LinkState::Active, LinkChange::End) => Some(LinkState::Ended),
        _ => None,
    }
}

/// Whether a link code made to expire at `expires_at` may still be used at `now`.
pub fn code_is_valid(expires_at: Timestamp, now: Timestamp) -> bool {
    now < expires_at
}

/// A limit on administrations: every one of the client's, or only those listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every administration of the client (also those made later).
    All,
    /// Only these (ids).
    Only(Vec<String>),
}

impl Reach {
    /// Whether the administration with `id` is within this limit.
    pub fn includes(&self, id: &str) -> bool {
        match self {
            Reach::All => true,
            Reach::Only(ids) => ids.iter().any(|i| i == id),
        }
    }
}

/// The administrations (ids, in the order of `all`) an accountant reaches in a client: those
/// of `all` that both the link's and the assignment's limits include.
pub fn reachable<'a>(all: &'a [String], link: &Reach, assignment: &Reach) -> Vec<&'a str> {
    all.iter()
        .map(String::as_str)
        .filter(|id| link.includes(id) && assignment.includes(id))
        .collect()
}

/// What the accountant's address is to them, as their IP address records say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressState {
    /// Validated by an emailed link or an administrator.
    Confirmed,
    /// Validated by the user's own "automatically validate new IP addresses" option.
    ValidatedAutomatically,
    /// Seen, waiting for confirmation, blocked, or never seen.
    NotValidated,
}

/// The client's rules that concern someone coming in from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientRules {
    /// The client requires two-factor authentication.
    pub enforce_two_factor: bool,
    /// The client blocks new IP addresses (they must be confirmed by email).
    pub block_new_ips: bool,
}

/// Why a client refuses an accountant right now; each says what fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientRefusal {
    /// The client requires two-factor authentication and the accountant has neither an app
    /// nor a passkey: set one up.
    NeedsSecondFactor,
    /// The client blocks new IP addresses and this address is not confirmed for the accountant.
    AddressNotConfirmed,
}

/// Whether the client's rules let the accountant in: their factors, and (only when the client
/// blocks new IP addresses) what their current address is to them.
pub fn admits(
    rules: ClientRules,
    factors: Factors,
    address: AddressState,
) -> Result<(), ClientRefusal> {
    if rules.enforce_two_factor && !factors.has_second_factor() {
        return Err(ClientRefusal::NeedsSecondFactor);
    }
    if rules.block_new_ips && address != AddressState::Confirmed {
        return Err(ClientRefusal::AddressNotConfirmed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_moves_only_forward() {
        use LinkChange::*;
        use LinkState::*;
        let table = [
            (Requested, Accept, Some(Active)),
            (Requested, Decline, Some(Ended)),
            (Requested, End, Some(Ended)),
            (Active, Accept, None),
            (Active, Decline, None),
            (Active, End, Some(Ended)),
            (Ended, Accept, None),
            (Ended, Decline, None),
            (Ended, End, None),
        ];
        for (from, change, to) in table {
            assert_eq!(change_link(from, change), to, "{from:?} {change:?}");
        }
        for state in [Requested, Active, Ended] {
            assert_eq!(LinkState::parse(state.as_str()), Some(state));
        }
        assert_eq!(LinkState::parse("Active"), None);
    }

    #[test]
    fn a_link_code_is_typed_in_any_case_with_or_without_dashes() {
        let code = new_link_code();
        assert_eq!(code.len(), 19, "{code}");
        let key = link_code_key(&code).unwrap();
        assert_eq!(link_code_key(&code.to_lowercase()), Some(key.clone()));
        assert_eq!(link_code_key(&format!(" {} ", key)), Some(key.clone()));
        assert_ne!(new_link_code(), code);
        for bad in [
            "",
            "ABCD-EFGH",
            "ABCD-EFGH-JKMN-PQR0",
            "ABCD-EFGH-JKMN-PQRST",
        ] {
            assert_eq!(link_code_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_code_works_for_fourteen_days() {
        let made = Timestamp(5_000);
        let expires = made.plus(LINK_CODE_VALIDITY);
        assert!(code_is_valid(expires, made));
        assert!(code_is_valid(expires, Timestamp(expires.millis() - 1)));
        assert!(!code_is_valid(expires, expires));
    }

    #[test]
    fn an_accountant_reaches_what_both_the_link_and_the_assignment_allow() {
        let all: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let only = |ids: &[&str]| Reach::Only(ids.iter().map(|s| s.to_string()).collect());
        let table = [
            (Reach::All, Reach::All, vec!["a", "b", "c"]),
            (only(&["a", "b"]), Reach::All, vec!["a", "b"]),
            (Reach::All, only(&["c"]), vec!["c"]),
            (only(&["a", "b"]), only(&["b", "c"]), vec!["b"]),
            (only(&["a"]), only(&["c"]), vec![]),
            // An id the client does not have (removed since) is never reached.
            (only(&["x"]), Reach::All, vec![]),
        ];
        for (link, assignment, expected) in table {
            assert_eq!(
                reachable(&all, &link, &assignment),
                expected,
                "{link:?} ∩ {assignment:?}"
            );
        }
    }

    #[test]
    fn the_clients_rules_apply_to_accountants() {
        use AddressState::*;
        let none = Factors::NONE;
        let app = Factors {
            totp: true,
            passkeys: 0,
        };
        let passkey = Factors {
            totp: false,
            passkeys: 1,
        };
        let open = ClientRules::default();
        let two_factor = ClientRules {
            enforce_two_factor: true,
            block_new_ips: false,
        };
        let blocks = ClientRules {
            enforce_two_factor: false,
            block_new_ips: true,
        };
        let both = ClientRules {
            enforce_two_factor: true,
            block_new_ips: true,
        };
        let table = [
            (open, none, NotValidated, Ok(())),
            (
                two_factor,
                none,
                Confirmed,
                Err(ClientRefusal::NeedsSecondFactor),
            ),
            (two_factor, app, NotValidated, Ok(())),
            (two_factor, passkey, NotValidated, Ok(())),
            (blocks, none, Confirmed, Ok(())),
            (
                blocks,
                app,
                ValidatedAutomatically,
                Err(ClientRefusal::AddressNotConfirmed),
            ),
            (
                blocks,
                app,
                NotValidated,
                Err(ClientRefusal::AddressNotConfirmed),
            ),
            // The missing factor is named first: it is the one to fix first.
            (
                both,
                none,
                NotValidated,
                Err(ClientRefusal::NeedsSecondFactor),
            ),
            (both, passkey, Confirmed, Ok(())),
        ];
        for (rules, factors, address, expected) in table {
            assert_eq!(
                admits(rules, factors, address),
                expected,
                "{rules:?} {factors:?} {address:?}"
            );
        }
    }
}

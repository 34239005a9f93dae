//! The login decision: what happens after someone presents credentials.
//!
//! A pure function over plain data with the clock passed in (DESIGN.md, "The login decision").
//! The server gathers the facts — did the first factor pass ([`check_first_factor`]), what is
//! known about the user — and acts on the [`Step`] this returns; it never decides policy itself.
//!
//! What must always hold:
//! - a failed first factor is one [`Refusal::BadCredentials`], whichever field was wrong; the true
//!   [`FailureReason`] is for the audit log only;
//! - a user who is deactivated or whose employment has ended gets no session, even with correct
//!   credentials; such a refusal (and a blocked address) is said only once every factor the user
//!   has passed, so that its message never confirms a password to someone without the second
//!   factor (a passkey proves the person, so a passkey login hears it at once);
//! - steps that later factors add (two-factor, new IP address, policy gate) come after the first
//!   factor has passed, so nothing is revealed or sent before it;
//! - a user with an authenticator app is asked for a code unless two-factor is *remembered*
//!   ([`two_factor_remembered`]): the user opted in, the account does not limit validity, the IP
//!   address is validated for the user, and two-factor was passed from it less than 30 days ago;
//! - an IP address blocked for the user is refused, whatever the first factor;
//! - a password login from an address not validated for the user waits for email confirmation,
//!   unless the user validates new addresses automatically and the account does not block new
//!   addresses; a passkey login is exempt (it is multi-factor and phishing-resistant);
//! - when the account enforces two-factor and the user has neither an authenticator app nor a
//!   passkey, the session is restricted to setting one up.

use std::time::Duration;

use crate::Timestamp;
use crate::user::{Barred, Factors, User, barred};

/// How long passing two-factor authentication from a validated IP address may be remembered.
pub const REMEMBER_TWO_FACTOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// Why a password login's first factor failed. Recorded in the audit log, never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// The account named by the security code has no user with the typed username.
    UnknownUser,
    /// The user exists but has not chosen a password yet.
    NoPasswordSet,
    /// The security code names no account.
    WrongSecurityCode,
    /// The password does not match.
    WrongPassword,
}

impl FailureReason {
    /// The audit log's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::UnknownUser => "unknown_user",
            FailureReason::NoPasswordSet => "no_password_set",
            FailureReason::WrongSecurityCode => "wrong_security_code",
            FailureReason::WrongPassword => "wrong_password",
        }
    }
}

/// How the first factor passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstFactor {
    /// Security code, username and password all matched.
    Password,
    /// A passkey (a discoverable credential, no username typed) identified the user; it is
    /// multi-factor by itself.
    Passkey,
}

/// Combines the three checks of a password login: the user whose security code, username and
/// password all matched, or the first field that failed, in the order a user fills them in (the
/// security code names the account, the username a user in it). All three are always performed
/// by the caller, so the time taken does not depend on which one fails.
pub fn check_first_factor<U>(
    code_names_an_account: bool,
    user: Option<U>,
    password_set: bool,
    password_matches: bool,
) -> Result<U, FailureReason> {
    match user {
        _ if !code_names_an_account => Err(FailureReason::WrongSecurityCode),
        None => Err(FailureReason::UnknownUser),
        Some(_) if !password_set => Err(FailureReason::NoPasswordSet),
        Some(_) if !password_matches => Err(FailureReason::WrongPassword),
        Some(user) => Ok(user),
    }
}

/// What is known about the user whose credentials passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserFacts {
    /// Deactivated by an administrator.
    pub disabled: bool,
    /// From this moment on login is refused.
    pub employment_ends_at: Option<Timestamp>,
    /// The second factors set up.
    pub factors: Factors,
    /// The user's option "only ask for two-factor authentication once every 30 days on a known
    /// IP address".
    pub remember_two_factor: bool,
    /// The user's option "automatically validate new IP addresses".
    pub auto_validate_ips: bool,
}

/// The account's security-center switches that the login reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountPolicy {
    /// Every user must have an authenticator app or a passkey.
    pub enforce_two_factor: bool,
    /// Two-factor is asked at every login: the 30-day option does not apply.
    pub limit_two_factor_validity: bool,
    /// Every new IP address waits for email confirmation: users cannot auto-validate.
    pub block_new_ips: bool,
}

/// Where an IP address stands for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpStatus {
    /// Seen, never confirmed: treated like a new address.
    #[default]
    Pending,
    /// Confirmed by email, validated automatically, or by the IP addresses page.
    Validated,
    /// Refused for this user, for every kind of login.
    Blocked,
}

impl UserFacts {
    /// What the decision needs to know about `user`, who has set up `factors`.
    pub fn of(user: &User, factors: Factors) -> UserFacts {
        UserFacts {
            disabled: user.disabled,
            employment_ends_at: user.employment_ends_at,
            factors,
            remember_two_factor: user.remember_two_factor,
            auto_validate_ips: user.auto_validate_ips,
        }
    }
}

impl IpStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IpStatus::Pending => "pending",
            IpStatus::Validated => "validated",
            IpStatus::Blocked => "blocked",
        }
    }

    /// Reads the stored spelling; anything unknown is pending (never more trusted).
    pub fn parse(stored: &str) -> Self {
        match stored {
            "validated" => IpStatus::Validated,
            "blocked" => IpStatus::Blocked,
            _ => IpStatus::Pending,
        }
    }
}

/// What is known about the login's IP address for this user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpFacts {
    /// Pending, validated or blocked.
    pub status: IpStatus,
    /// When two-factor authentication was last passed from it.
    pub last_two_factor_at: Option<Timestamp>,
}

impl IpFacts {
    fn validated(ip: Option<IpFacts>) -> bool {
        ip.is_some_and(|ip| ip.status == IpStatus::Validated)
    }

    fn blocked(ip: Option<IpFacts>) -> bool {
        ip.is_some_and(|ip| ip.status == IpStatus::Blocked)
    }
}

/// Whether a user with an authenticator app may skip the code this time: they opted in, the
/// account does not limit validity, the IP address is validated for them (`None`: never seen),
/// and two-factor was passed from it less than [`REMEMBER_TWO_FACTOR`] ago.
pub fn two_factor_remembered(
    user_opted_in: bool,
    policy: AccountPolicy,
    ip: Option<IpFacts>,
    now: Timestamp,
) -> bool {
    let Some(facts) = ip else { return false };
    user_opted_in
        && !policy.limit_two_factor_validity
        && IpFacts::validated(ip)
        && facts
            .last_two_factor_at
            .is_some_and(|at| at <= now && now < at.plus(REMEMBER_TWO_FACTOR))
}

/// Whether the user may validate new IP addresses automatically: they chose it and the account
/// does not block new IP addresses.
pub fn may_auto_validate(user_opted_in: bool, policy: AccountPolicy) -> bool {
    user_opted_in && !policy.block_new_ips
}

/// Whether a session must be restricted to setting up a second factor.
pub fn restricted(factors: Factors, policy: AccountPolicy) -> bool {
    policy.enforce_two_factor && !factors.has_second_factor()
}

/// Whether a user may give up a second factor when `remaining` is what they would have left:
/// not while the account enforces two-factor authentication and nothing would remain (turning
/// the authenticator app off, deleting the last passkey). An administrator's reset for a user
/// who lost their phone is not this rule: it restricts the user's sessions until they set up a
/// factor again.
pub fn may_remove_factor(policy: AccountPolicy, remaining: Factors) -> bool {
    !policy.enforce_two_factor || remaining.has_second_factor()
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The first factor failed; the page shows one generic message.
    BadCredentials(FailureReason),
    /// The user was deactivated.
    Disabled,
    /// The user's end of employment has passed.
    EmploymentEnded,
    /// The IP address is blocked for this user.
    IpBlocked,
}

impl Refusal {
    /// The audit log's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadCredentials(reason) => reason.as_str(),
            Refusal::Disabled => "user_disabled",
            Refusal::EmploymentEnded => "employment_ended",
            Refusal::IpBlocked => "ip_blocked",
        }
    }
}

/// What to do with the login's IP address when the session starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpOnStart {
    /// Record it as seen; its status does not change (validated already, or a passkey login,
    /// which is exempt from new-IP confirmation).
    Seen,
    /// Validate it now and tell the user by email ("new login from …").
    ValidateAndNotify,
}

/// How a session starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// Every page leads to the user's security settings until a second factor is set up.
    pub restricted: bool,
    /// What happens to the IP address record.
    pub ip: IpOnStart,
}

/// What the login does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No session; say why as far as the refusal allows.
    Refused(Refusal),
    /// The password passed; ask for the authenticator app's code before going on.
    AskTotp,
    /// Every factor passed from an address new to the user: email a confirmation link and wait.
    ConfirmIp,
    /// Every check passed: start a fresh session.
    StartSession(Start),
}

/// What follows once every factor a password login needs has passed: [`Step`] without the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No session: deactivated, employment ended, or the address blocked for the user.
    Refused(Refusal),
    /// The address is new to the user: email a confirmation link and wait.
    ConfirmIp,
    /// Start a fresh session.
    StartSession(Start),
}

impl From<Verdict> for Step {
    fn from(verdict: Verdict) -> Step {
        match verdict {
            Verdict::Refused(refusal) => Step::Refused(refusal),
            Verdict::ConfirmIp => Step::ConfirmIp,
            Verdict::StartSession(start) => Step::StartSession(start),
        }
    }
}

/// Decides the next step of a login whose first factor passed for the user described by
/// `user` (a failed first factor is [`check_first_factor`]'s error and goes no further).
pub fn decide(
    first_factor: FirstFactor,
    user: &UserFacts,
    policy: AccountPolicy,
    ip: Option<IpFacts>,
    now: Timestamp,
) -> Step {
    match first_factor {
        FirstFactor::Passkey => match passkey_verdict(user, policy, ip, now) {
            Ok(start) => Step::StartSession(start),
            Err(refusal) => Step::Refused(refusal),
        },
        // The code is asked before any refusal, so that a refusal's own message never confirms
        // a password to someone who does not also have the second factor.
        FirstFactor::Password
            if user.factors.totp
                && !two_factor_remembered(user.remember_two_factor, policy, ip, now) =>
        {
            Step::AskTotp
        }
        FirstFactor::Password => after_all_factors(user, policy, ip, now).into(),
    }
}

/// The step of a passkey login: a passkey proves the person, so a refusal may say why at once.
/// It is multi-factor by itself and exempt from new-IP confirmation.
pub fn passkey_verdict(
    user: &UserFacts,
    policy: AccountPolicy,
    ip: Option<IpFacts>,
    now: Timestamp,
) -> Result<Start, Refusal> {
    match refusal(user, ip, now) {
        Some(refusal) => Err(refusal),
        None => Ok(Start {
            restricted: restricted(user.factors, policy),
            ip: IpOnStart::Seen,
        }),
    }
}

/// Why a user whose factors passed still gets no session, if they do not: deactivated,
/// employment ended, or the address blocked for them.
fn refusal(user: &UserFacts, ip: Option<IpFacts>, now: Timestamp) -> Option<Refusal> {
    match barred(user.disabled, user.employment_ends_at, now) {
        Some(Barred::Disabled) => Some(Refusal::Disabled),
        Some(Barred::EmploymentEnded) => Some(Refusal::EmploymentEnded),
        None if IpFacts::blocked(ip) => Some(Refusal::IpBlocked),
        None => None,
    }
}

/// What follows once every factor a password login needs has passed (after the code, or at
/// once): the refusals (deactivated, employment ended, blocked address), the IP address
/// (validated or new), then the policy gate.
pub fn after_all_factors(
    user: &UserFacts,
    policy: AccountPolicy,
    ip: Option<IpFacts>,
    now: Timestamp,
) -> Verdict {
    let restricted = restricted(user.factors, policy);
    if let Some(refusal) = refusal(user, ip, now) {
        Verdict::Refused(refusal)
    } else if IpFacts::validated(ip) {
        Verdict::StartSession(Start {
            restricted,
            ip: IpOnStart::Seen,
        })
    } else if may_auto_validate(user.auto_validate_ips, policy) {
        Verdict::StartSession(Start {
            restricted,
            ip: IpOnStart::ValidateAndNotify,
        })
    } else {
        Verdict::ConfirmIp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_700_000_000_000);
    const ACTIVE: UserFacts = UserFacts {
        disabled: false,
        employment_ends_at: None,
        factors: Factors::NONE,
        remember_two_factor: false,
        auto_validate_ips: false,
    };
    const OPEN: Step = Step::StartSession(Start {
        restricted: false,
        ip: IpOnStart::Seen,
    });
    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn the_first_factor_names_the_first_wrong_field() {
        use FailureReason::*;
        let cases = [
            ((false, false, false, false), Err(WrongSecurityCode)),
            ((false, true, true, true), Err(WrongSecurityCode)),
            ((true, false, true, true), Err(UnknownUser)),
            ((true, false, false, false), Err(UnknownUser)),
            ((true, true, false, true), Err(NoPasswordSet)),
            ((true, true, false, false), Err(NoPasswordSet)),
            ((true, true, true, false), Err(WrongPassword)),
            ((true, true, true, true), Ok("ada")),
        ];
        for ((code, found, set, password), expected) in cases {
            let user = found.then_some("ada");
            assert_eq!(
                check_first_factor(code, user, set, password),
                expected,
                "{code} {found} {set} {password}"
            );
        }
    }

    /// The login's usual address: validated for the user.
    const KNOWN: Option<IpFacts> = Some(IpFacts {
        status: IpStatus::Validated,
        last_two_factor_at: None,
    });
    const BLOCKED: Option<IpFacts> = Some(IpFacts {
        status: IpStatus::Blocked,
        last_two_factor_at: None,
    });
    const SEEN: Option<IpFacts> = Some(IpFacts {
        status: IpStatus::Pending,
        last_two_factor_at: None,
    });

    #[test]
    fn the_decision_table() {
        let ended = |ms| UserFacts {
            employment_ends_at: Some(Timestamp(ms)),
            ..ACTIVE
        };
        let disabled = UserFacts {
            disabled: true,
            ..ACTIVE
        };
        let cases = [
            (
                FirstFactor::Password,
                disabled,
                Step::Refused(Refusal::Disabled),
            ),
            (
                FirstFactor::Passkey,
                disabled,
                Step::Refused(Refusal::Disabled),
            ),
            (
                FirstFactor::Password,
                ended(NOW.0),
                Step::Refused(Refusal::EmploymentEnded),
            ),
            (
                FirstFactor::Password,
                ended(NOW.0 - 1),
                Step::Refused(Refusal::EmploymentEnded),
            ),
            (
                FirstFactor::Passkey,
                ended(NOW.0 - 1),
                Step::Refused(Refusal::EmploymentEnded),
            ),
            (FirstFactor::Password, ended(NOW.0 + 1), OPEN),
            (FirstFactor::Password, ACTIVE, OPEN),
            (FirstFactor::Passkey, ACTIVE, OPEN),
        ];
        for (first, user, expected) in cases {
            assert_eq!(
                decide(first, &user, AccountPolicy::default(), KNOWN, NOW),
                expected,
                "{first:?} {user:?}"
            );
        }
    }

    #[test]
    fn a_user_with_an_authenticator_app_is_asked_for_a_code_and_enforcement_restricts_the_rest() {
        let totp = UserFacts {
            factors: Factors {
                totp: true,
                passkeys: 0,
            },
            ..ACTIVE
        };
        let passkey = UserFacts {
            factors: Factors {
                totp: false,
                passkeys: 1,
            },
            ..ACTIVE
        };
        let enforced = AccountPolicy {
            enforce_two_factor: true,
            ..AccountPolicy::default()
        };
        let restricted = Step::StartSession(Start {
            restricted: true,
            ip: IpOnStart::Seen,
        });
        let table = [
            // (first factor, user, policy, expected)
            (
                FirstFactor::Password,
                totp,
                AccountPolicy::default(),
                Step::AskTotp,
            ),
            (FirstFactor::Password, totp, enforced, Step::AskTotp),
            (FirstFactor::Password, ACTIVE, enforced, restricted),
            (FirstFactor::Password, passkey, enforced, OPEN),
            (
                FirstFactor::Password,
                ACTIVE,
                AccountPolicy::default(),
                OPEN,
            ),
            // A passkey is multi-factor by itself: no code, even with an app.
            (FirstFactor::Passkey, totp, AccountPolicy::default(), OPEN),
            (FirstFactor::Passkey, passkey, enforced, OPEN),
        ];
        for (first, user, policy, expected) in table {
            assert_eq!(
                decide(first, &user, policy, KNOWN, NOW),
                expected,
                "{first:?} {user:?} {policy:?}"
            );
        }
        // A refusal waits until the code has passed, so that it never confirms the password to
        // someone without the app; a passkey hears it at once.
        let disabled = UserFacts {
            disabled: true,
            ..totp
        };
        let ended = UserFacts {
            employment_ends_at: Some(NOW),
            ..totp
        };
        for (user, ip, refusal) in [
            (disabled, KNOWN, Refusal::Disabled),
            (ended, KNOWN, Refusal::EmploymentEnded),
            (totp, BLOCKED, Refusal::IpBlocked),
        ] {
            assert_eq!(
                decide(FirstFactor::Password, &user, enforced, ip, NOW),
                Step::AskTotp,
                "{user:?} {ip:?}"
            );
            assert_eq!(
                after_all_factors(&user, enforced, ip, NOW),
                Verdict::Refused(refusal),
                "{user:?} {ip:?}"
            );
            assert_eq!(
                decide(FirstFactor::Passkey, &user, enforced, ip, NOW),
                Step::Refused(refusal),
                "{user:?} {ip:?}"
            );
        }
        assert_eq!(
            Step::from(after_all_factors(&totp, enforced, KNOWN, NOW)),
            OPEN
        );
    }

    #[test]
    fn the_ip_address_table() {
        let auto = UserFacts {
            auto_validate_ips: true,
            ..ACTIVE
        };
        let open = AccountPolicy::default();
        let blocks_new = AccountPolicy {
            block_new_ips: true,
            ..AccountPolicy::default()
        };
        let validate = Step::StartSession(Start {
            restricted: false,
            ip: IpOnStart::ValidateAndNotify,
        });
        let blocked = Step::Refused(Refusal::IpBlocked);
        use FirstFactor::{Passkey, Password};
        let table = [
            // (IP state, user auto-validates, account blocks new IPs, first factor, expected)
            (KNOWN, false, open, Password, OPEN),
            (KNOWN, true, blocks_new, Password, OPEN),
            (None, false, open, Password, Step::ConfirmIp),
            (SEEN, false, open, Password, Step::ConfirmIp),
            (None, true, open, Password, validate),
            (SEEN, true, open, Password, validate),
            (None, true, blocks_new, Password, Step::ConfirmIp),
            (SEEN, true, blocks_new, Password, Step::ConfirmIp),
            (BLOCKED, false, open, Password, blocked),
            (BLOCKED, true, open, Password, blocked),
            (BLOCKED, true, blocks_new, Password, blocked),
            // Passkeys: exempt from confirmation and from "block new IP addresses", but a block
            // is a deliberate act and holds.
            (None, false, open, Passkey, OPEN),
            (None, false, blocks_new, Passkey, OPEN),
            (SEEN, true, blocks_new, Passkey, OPEN),
            (KNOWN, false, open, Passkey, OPEN),
            (BLOCKED, false, open, Passkey, blocked),
            (BLOCKED, true, blocks_new, Passkey, blocked),
        ];
        for (ip, auto_validates, policy, first, expected) in table {
            let user = if auto_validates { auto } else { ACTIVE };
            assert_eq!(
                decide(first, &user, policy, ip, NOW),
                expected,
                "{ip:?} auto={auto_validates} {policy:?} {first:?}"
            );
        }
        // A blocked address still gets the code step first: its refusal would confirm the
        // password to someone without the app. Once the code passed, it is refused.
        let totp = UserFacts {
            factors: Factors {
                totp: true,
                passkeys: 0,
            },
            ..ACTIVE
        };
        assert_eq!(decide(Password, &totp, open, BLOCKED, NOW), Step::AskTotp);
        assert_eq!(
            Step::from(after_all_factors(&totp, open, BLOCKED, NOW)),
            blocked
        );
        // After the code, a new address still waits for confirmation.
        assert_eq!(
            after_all_factors(&totp, open, None, NOW),
            Verdict::ConfirmIp
        );
        assert!(!may_auto_validate(true, blocks_new));
        assert_eq!(IpStatus::parse("nonsense"), IpStatus::Pending);
        for status in [IpStatus::Pending, IpStatus::Validated, IpStatus::Blocked] {
            assert_eq!(IpStatus::parse(status.as_str()), status);
        }
    }

    #[test]
    fn the_last_second_factor_stays_while_the_account_enforces_two_factor() {
        let enforced = AccountPolicy {
            enforce_two_factor: true,
            ..AccountPolicy::default()
        };
        let open = AccountPolicy::default();
        let app = Factors {
            totp: true,
            passkeys: 0,
        };
        let one_passkey = Factors {
            totp: false,
            passkeys: 1,
        };
        let table = [
            // (policy, what would remain, allowed)
            (enforced, Factors::NONE, false),
            (enforced, app, true),
            (enforced, one_passkey, true),
            (open, Factors::NONE, true),
            (open, app, true),
        ];
        for (policy, remaining, allowed) in table {
            assert_eq!(
                may_remove_factor(policy, remaining),
                allowed,
                "{policy:?} {remaining:?}"
            );
        }
    }

    #[test]
    fn two_factor_is_remembered_for_30_days_on_a_validated_ip_unless_the_account_limits_it() {
        let limited = AccountPolicy {
            limit_two_factor_validity: true,
            ..AccountPolicy::default()
        };
        let open = AccountPolicy::default();
        let ip = |validated: bool, days_ago: Option<u64>| {
            Some(IpFacts {
                status: if validated {
                    IpStatus::Validated
                } else {
                    IpStatus::Pending
                },
                last_two_factor_at: days_ago.map(|d| NOW.minus(DAY * d as u32)),
            })
        };
        let table = [
            // (user option, account policy, ip facts, remembered)
            (true, open, ip(true, Some(0)), true),
            (true, open, ip(true, Some(29)), true),
            (true, open, ip(true, Some(30)), false),
            (true, open, ip(true, Some(400)), false),
            (true, open, ip(true, None), false),
            (true, open, ip(false, Some(1)), false),
            (true, open, None, false),
            (false, open, ip(true, Some(1)), false),
            (true, limited, ip(true, Some(1)), false),
            (false, limited, ip(true, Some(1)), false),
        ];
        for (opted_in, policy, facts, expected) in table {
            assert_eq!(
                two_factor_remembered(opted_in, policy, facts, NOW),
                expected,
                "{opted_in} {policy:?} {facts:?}"
            );
        }
        let remembering = UserFacts {
            factors: Factors {
                totp: true,
                passkeys: 0,
            },
            remember_two_factor: true,
            ..ACTIVE
        };
        assert_eq!(
            decide(
                FirstFactor::Password,
                &remembering,
                open,
                ip(true, Some(3)),
                NOW
            ),
            OPEN
        );
        assert_eq!(
            decide(
                FirstFactor::Password,
                &remembering,
                limited,
                ip(true, Some(3)),
                NOW
            ),
            Step::AskTotp
        );
    }
}

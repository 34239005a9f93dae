//! Who acts, in which account, and over whom.
//!
//! Every request that changes or shows an account's data is made by an [`Actor`], resolved once
//! per request from its session. [`may_act_in`] says what that actor may do in an account; the
//! server asks it instead of comparing kinds and ids itself, and the audit log names the actor
//! through [`Actor::audit_name`].
//!
//! What must always hold:
//! - nobody acts in an account that is not theirs: a user's session reaches only the account the
//!   user belongs to (helpdesk operators and accountants, coming later, will reach others only
//!   through a grant that the account gave and that has not expired);
//! - within their account, an administrator acts on every user; anyone else only on themselves;
//! - what an actor may not reach is "not found" to them, never "forbidden", so ids of other
//!   accounts and users reveal nothing.

use crate::ids::{AccountId, UserId};
use crate::user::UserKind;

/// Someone acting through Portcullis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A user of an account, logged in to it.
    Member(Member),
    /// Portcullis's own operator: the command line (`cli`) or demo data (`demo`).
    System(&'static str),
    /// A helpdesk operator, let into one account by its grant (checked when the request began).
    Helpdesk(HelpdeskAgent),
    /// An accountant of a firm, working in a client through the accountancy portal (the link
    /// and their assignment checked when the request began).
    Accountant(ClientAgent),
}

/// An accountant of an accountancy firm, working in one of the firm's clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAgent {
    /// The accountant's own account: the firm.
    pub firm_account_id: AccountId,
    /// The firm's name, for the client's audit log.
    pub firm_name: String,
    /// The accountant (a user of the firm).
    pub user_id: UserId,
    /// Their username.
    pub username: String,
    /// The client they work in.
    pub client_account_id: AccountId,
}

/// A helpdesk operator acting in the one account whose grant let them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpdeskAgent {
    /// The operator.
    pub operator_id: String,
    /// Their username, for the audit log and emails.
    pub username: String,
    /// The account whose active grant this request was checked against.
    pub account_id: AccountId,
}

/// A user acting in their own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Their account.
    pub account_id: AccountId,
    /// Who they are.
    pub user_id: UserId,
    /// Their username, for the audit log.
    pub username: String,
    /// What they may do.
    pub kind: UserKind,
}

/// What an actor may do in one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the account is not theirs.
    None,
    /// Only their own user's pages and settings.
    Own,
    /// Every user of the account and its security settings (administrators, and Portcullis's
    /// own operator).
    Administer,
}

/// What `actor` may do in `account`.
pub fn may_act_in(actor: &Actor, account: &AccountId) -> Access {
    match actor {
        Actor::System(_) => Access::Administer,
        // The helpdesk's pages offer only its few actions; within them it may act on any user
        // of the account that let it in, and nowhere else.
        Actor::Helpdesk(agent) if agent.account_id == *account => Access::Administer,
        Actor::Helpdesk(_) => Access::None,
        // Inside a client an accountant works in its administrations (the portal's pages);
        // the client's users and settings stay its administrators' own.
        Actor::Accountant(_) => Access::None,
        Actor::Member(member) if member.account_id != *account => Access::None,
        Actor::Member(member) if member.kind.is_administrator() => Access::Administer,
        Actor::Member(_) => Access::Own,
    }
}

impl Actor {
    /// Whether this actor may act on `user` of `account`: show their pages, change their
    /// settings.
    pub fn may_act_on(&self, account: &AccountId, user: &UserId) -> bool {
        match may_act_in(self, account) {
            Access::Administer => true,
            Access::Own => matches!(self, Actor::Member(m) if m.user_id == *user),
            Access::None => false,
        }
    }

    /// How emails name this actor ("anna", "Portcullis", "the helpdesk (piet)").
    pub fn name(&self) -> String {
        match self {
            Actor::Member(member) => member.username.clone(),
            Actor::System(_) => "Portcullis".to_string(),
            Actor::Helpdesk(agent) => format!("helpdesk ({})", agent.username),
            Actor::Accountant(agent) => format!("{} ({})", agent.username, agent.firm_name),
        }
    }

    /// Whether this actor manages `account`: its security center, audit log, users.
    pub fn administers(&self, account: &AccountId) -> bool {
        may_act_in(self, account) == Access::Administer
    }

    /// The audit log's name for this actor in an event about `subject` (the user the event is
    /// about, if any): `user` when users act on themselves, `administrator:<username>` when an
    /// administrator acts on someone else, `cli` or `demo` for Portcullis's own operator.
    pub fn audit_name(&self, subject: Option<&UserId>) -> String {
        match self {
            Actor::System(name) => (*name).to_string(),
            Actor::Helpdesk(agent) => format!("helpdesk:{}", agent.username),
            Actor::Accountant(agent) => format!("portal:{}:{}", agent.username, agent.firm_name),
            Actor::Member(member) if subject.is_none_or(|s| *s == member.user_id) => {
                "user".to_string()
            }
            Actor::Member(member) if member.kind.is_administrator() => {
                format!("administrator:{}", member.username)
            }
            Actor::Member(member) => format!("{}:{}", member.kind.as_str(), member.username),
        }
    }
}

impl Member {
    /// The audit name of this member in *another* account's log (a firm's administrator
    /// answering a client's request, a client's administrator ending a firm's link):
    /// `account:<username>:<their account's name>`.
    pub fn audit_name_elsewhere(&self, own_account_name: &str) -> String {
        format!("account:{}:{}", self.username, own_account_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helpdesk_acts_only_in_the_account_that_let_it_in() {
        let theirs = AccountId::generate();
        let other = AccountId::generate();
        let agent = Actor::Helpdesk(HelpdeskAgent {
            operator_id: "op".into(),
            username: "piet".into(),
            account_id: theirs.clone(),
        });
        assert_eq!(may_act_in(&agent, &theirs), Access::Administer);
        assert_eq!(may_act_in(&agent, &other), Access::None);
        assert!(agent.may_act_on(&theirs, &UserId::generate()));
        assert!(!agent.may_act_on(&other, &UserId::generate()));
        assert_eq!(agent.audit_name(None), "helpdesk:piet");
        assert_eq!(agent.name(), "helpdesk (piet)");
    }

    #[test]
    fn an_accountant_in_a_client_is_named_with_their_firm_and_administers_nothing() {
        let (firm, client) = (AccountId::generate(), AccountId::generate());
        let agent = Actor::Accountant(ClientAgent {
            firm_account_id: firm.clone(),
            firm_name: "Cijfers & Co".into(),
            user_id: UserId::generate(),
            username: "karin".into(),
            client_account_id: client.clone(),
        });
        for account in [&firm, &client] {
            assert_eq!(may_act_in(&agent, account), Access::None);
            assert!(!agent.may_act_on(account, &UserId::generate()));
        }
        assert_eq!(agent.audit_name(None), "portal:karin:Cijfers & Co");
        assert_eq!(agent.name(), "karin (Cijfers & Co)");
        let Actor::Member(admin) = member(&firm, &UserId::generate(), UserKind::Administrator)
        else {
            unreachable!()
        };
        assert_eq!(
            admin.audit_name_elsewhere("Cijfers & Co"),
            "account:ines:Cijfers & Co"
        );
    }

    fn member(account: &AccountId, user: &UserId, kind: UserKind) -> Actor {
        Actor::Member(Member {
            account_id: account.clone(),
            user_id: user.clone(),
            username: "ines".into(),
            kind,
        })
    }

    #[test]
    fn who_may_act_in_an_account_and_on_whom() {
        let (mine, theirs) = (AccountId::generate(), AccountId::generate());
        let (me, colleague) = (UserId::generate(), UserId::generate());
        let admin = member(&mine, &me, UserKind::Administrator);
        let accountant = member(&mine, &me, UserKind::Accountant);
        let employee = member(&mine, &me, UserKind::Employee);
        let cli = Actor::System("cli");
        let table = [
            // (actor, account, access, on me, on a colleague)
            (&admin, &mine, Access::Administer, true, true),
            (&admin, &theirs, Access::None, false, false),
            (&accountant, &mine, Access::Own, true, false),
            (&accountant, &theirs, Access::None, false, false),
            (&employee, &mine, Access::Own, true, false),
            (&employee, &theirs, Access::None, false, false),
            (&cli, &mine, Access::Administer, true, true),
        ];
        for (actor, account, access, on_me, on_colleague) in table {
            assert_eq!(may_act_in(actor, account), access, "{actor:?} in {account}");
            assert_eq!(actor.may_act_on(account, &me), on_me, "{actor:?} on me");
            assert_eq!(
                actor.may_act_on(account, &colleague),
                on_colleague,
                "{actor:?} on a colleague"
            );
            assert_eq!(actor.administers(account), access == Access::Administer);
        }
    }

    #[test]
    fn the_audit_log_names_who_acted_on_whom() {
        let account = AccountId::generate();
        let (me, colleague) = (UserId::generate(), UserId::generate());
        let admin = member(&account, &me, UserKind::Administrator);
        let employee = member(&account, &me, UserKind::Employee);
        assert_eq!(admin.audit_name(Some(&me)), "user");
        assert_eq!(admin.audit_name(None), "user");
        assert_eq!(admin.audit_name(Some(&colleague)), "administrator:ines");
        assert_eq!(employee.audit_name(Some(&me)), "user");
        assert_eq!(employee.audit_name(Some(&colleague)), "employee:ines");
        assert_eq!(Actor::System("cli").audit_name(Some(&me)), "cli");
    }
}

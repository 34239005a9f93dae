//! The accountancy portal: a client account links itself to an accountancy firm (another
//! account) with a code the firm handed out, the firm accepts, assigns its accountants, and they
//! work in their clients under their own login.
//!
//! What must always hold:
//! - every step is written to both accounts' audit logs, in one transaction with the change;
//! - a link moves only as `portcullis_core::portal::change_link` allows, checked by the update
//!   itself (two administrators answering at once: one wins, the other is told it changed);
//! - an accountant reaches a client only while the link is active and they are assigned, and
//!   only while the client's own rules admit them (`portal::admits`), checked at every request
//!   inside the client: ending the link or the assignment takes effect at the next request;
//! - what a side may not reach (another account's link, a client not assigned) is not found.

use portcullis_core::access::{Actor, ClientAgent, Member};
use portcullis_core::ids::AccountId;
use portcullis_core::portal::{
    self, AddressState, ClientRefusal, ClientRules, LinkChange, LinkState, Reach,
};
use portcullis_core::user::{Factors, UserKind};
use portcullis_core::{Timestamp, ids, token};
use portcullis_store::{
    AssignedClient, Assignment, AuditEvent, ClientLink, SessionClient, StoreError, Tx,
};

use super::context::{Acting, Client};
use crate::state::AppState;

/// Clients (or links) per page.
pub const PAGE_SIZE: i64 = 50;

/// The member behind an acting context (the portal's steps are taken by people of an account).
fn member<'a>(acting: &'a Acting<'_>) -> Result<&'a Member, StoreError> {
    match acting.actor {
        Actor::Member(member) => Ok(member),
        _ => Err(StoreError::NotFound),
    }
}

/// Which side of a link the acting account must be for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The firm.
    Firm,
    /// The client.
    Client,
    /// Either.
    Either,
}

/// The link `link_id`, if the acting account is on `side` of it; else not found.
async fn own_link(
    acting: &Acting<'_>,
    link_id: &str,
    side: Side,
) -> Result<ClientLink, StoreError> {
    let account = acting.account_id.as_str();
    acting
        .state
        .store
        .link_of(account, link_id)
        .await?
        .filter(|l| match side {
            Side::Firm => l.firm_account_id == account,
            Side::Client => l.client_account_id == account,
            Side::Either => true,
        })
        .ok_or(StoreError::NotFound)
}

/// Appends the event to the *other* side's log: the actor named with their own account.
async fn audit_other_side(
    acting: &Acting<'_>,
    tx: &mut Tx,
    other_account: &str,
    event: &str,
    detail: &str,
) -> Result<(), StoreError> {
    let actor = member(acting)?.audit_name_elsewhere(acting.account_name);
    tx.append_audit(&AuditEvent {
        account_id: Some(other_account),
        user_id: None,
        actor: &actor,
        event,
        detail,
        ip: &acting.client.ip.to_string(),
        user_agent: &acting.client.user_agent,
        at: acting.now,
    })
    .await
}

/// Writes `event` to both sides' logs: each names the other account.
async fn audit_both(
    acting: &Acting<'_>,
    tx: &mut Tx,
    link: &ClientLink,
    event: &str,
    extra: &str,
) -> Result<(), StoreError> {
    let (own_detail, other, other_detail) = if link.firm_account_id == acting.account_id.as_str() {
        (
            format!("client={}{extra}", link.client_name),
            &link.client_account_id,
            format!("firm={}{extra}", link.firm_name),
        )
    } else {
        (
            format!("firm={}{extra}", link.firm_name),
            &link.firm_account_id,
            format!("client={}{extra}", link.client_name),
        )
    };
    acting.audit(tx, None, event, &own_detail).await?;
    audit_other_side(acting, tx, other, event, &other_detail).await
}

/// Makes the firm's new link code (replacing the one it had): the code, shown once, and until
/// when it can be used.
pub async fn new_link_code(acting: &Acting<'_>) -> Result<(String, Timestamp), StoreError> {
    let code = portal::new_link_code();
    let key = portal::link_code_key(&code).ok_or(StoreError::NotFound)?;
    let expires = acting.now.plus(portal::LINK_CODE_VALIDITY);
    let mut tx = acting.state.store.begin().await?;
    tx.set_link_code(
        acting.account_id,
        &token::hash_token(&key),
        acting.now,
        expires,
    )
    .await?;
    acting
        .audit(
            &mut tx,
            None,
            "portal.code_created",
            &format!("until={}", expires.millis()),
        )
        .await?;
    tx.commit().await?;
    Ok((code, expires))
}

/// How typing a firm's code ended.
#[derive(Debug)]
pub enum LinkRequest {
    /// Asked: the firm must accept.
    Requested(String),
    /// No firm has this code (or it expired, or it is not a code).
    UnknownCode,
    /// The code is this account's own.
    OwnCode,
    /// A link with this firm is waiting or active already.
    Exists(String),
    /// Too many codes typed: try again at this time.
    TooMany(Timestamp),
}

/// A client's administrator asks the firm whose code they typed for a link.
pub async fn request_link(acting: &Acting<'_>, typed: &str) -> Result<LinkRequest, StoreError> {
    let store = &acting.state.store;
    if let Err(until) = store
        .claim_rate_window(
            &format!("link-code:{}", acting.account_id),
            portal::LINK_CODE_TRIES,
            acting.now,
        )
        .await?
    {
        return Ok(LinkRequest::TooMany(until));
    }
    let Some(key) = portal::link_code_key(typed) else {
        return Ok(LinkRequest::UnknownCode);
    };
    let Some((firm_id, firm_name)) = store
        .firm_of_link_code(&token::hash_token(&key), acting.now)
        .await?
    else {
        return Ok(LinkRequest::UnknownCode);
    };
    if firm_id == acting.account_id.as_str() {
        return Ok(LinkRequest::OwnCode);
    }
    let id = ids::new_id();
    let by = member(acting)?.audit_name_elsewhere(acting.account_name);
    let mut tx = store.begin().await?;
    if !tx
        .request_link(&id, &firm_id, acting.account_id, &by, acting.now)
        .await?
    {
        return Ok(LinkRequest::Exists(firm_name));
    }
    let link = ClientLink {
        id: id.clone(),
        firm_account_id: firm_id,
        firm_name: firm_name.clone(),
        client_account_id: acting.account_id.to_string(),
        client_name: acting.account_name.to_string(),
        state: LinkState::Requested,
        all_administrations: true,
        requested_at: acting.now,
        requested_by: by,
        accepted_at: None,
        ended_at: None,
        ended_by: None,
    };
    audit_both(acting, &mut tx, &link, "portal.link_requested", "").await?;
    tx.commit().await?;
    Ok(LinkRequest::Requested(firm_name))
}

/// How a change to a link ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkChanged {
    /// Done.
    Done,
    /// The link is not in a state this change applies to (answered or ended meanwhile).
    NotNow,
}

/// A side answers or ends a link: the firm accepts or declines a request; either side ends it.
/// A link that is not the acting account's is not found.
pub async fn change_link(
    acting: &Acting<'_>,
    link_id: &str,
    change: LinkChange,
) -> Result<LinkChanged, StoreError> {
    let side = match change {
        LinkChange::Accept | LinkChange::Decline => Side::Firm,
        LinkChange::End => Side::Either,
    };
    let link = own_link(acting, link_id, side).await?;
    let Some(to) = portal::change_link(link.state, change) else {
        return Ok(LinkChanged::NotNow);
    };
    let by = member(acting)?.audit_name_elsewhere(acting.account_name);
    let mut tx = acting.state.store.begin().await?;
    if !tx
        .move_link(link_id, link.state, to, &by, acting.now)
        .await?
    {
        return Ok(LinkChanged::NotNow);
    }
    if to == LinkState::Ended {
        tx.unassign_all(link_id).await?;
    }
    let event = match change {
        LinkChange::Accept => "portal.link_accepted",
        LinkChange::Decline => "portal.link_declined",
        LinkChange::End => "portal.link_ended",
    };
    audit_both(acting, &mut tx, &link, event, "").await?;
    tx.commit().await?;
    Ok(LinkChanged::Done)
}

/// A link as its client's administrator limits it: the link and each administration of the
/// client with whether the link reaches it.
pub async fn link_with_reach(
    acting: &Acting<'_>,
    link_id: &str,
) -> Result<(ClientLink, Vec<(String, String, bool)>), StoreError> {
    let link = own_link(acting, link_id, Side::Client).await?;
    let administrations = acting
        .state
        .store
        .link_administrations(&link.id, &link.client_account_id)
        .await?
        .into_iter()
        .map(|(id, name, listed)| {
            let reached = link.all_administrations || listed;
            (id, name, reached)
        })
        .collect();
    Ok((link, administrations))
}

/// The client's administrator limits (or frees) which administrations the firm reaches.
pub async fn limit_link(
    acting: &Acting<'_>,
    link_id: &str,
    reach: &Reach,
) -> Result<LinkChanged, StoreError> {
    let link = own_link(acting, link_id, Side::Client).await?;
    let mut tx = acting.state.store.begin().await?;
    if !tx.set_link_reach(link_id, acting.account_id, reach).await? {
        return Ok(LinkChanged::NotNow);
    }
    let extra = match reach {
        Reach::All => " administrations=all".to_string(),
        Reach::Only(ids) => format!(" administrations={}", ids.len()),
    };
    audit_both(acting, &mut tx, &link, "portal.link_limited", &extra).await?;
    tx.commit().await?;
    Ok(LinkChanged::Done)
}

/// An accountant of the firm and what they may be given on one of its clients.
pub struct Assignable {
    /// The accountant.
    pub user_id: String,
    /// Their username.
    pub username: String,
    /// Their name.
    pub name: String,
    /// On the client now, with which reach.
    pub assigned: Option<Reach>,
}

/// The firm's page of one client: the link, the client's administrations the link reaches, and
/// every accountant of the firm with whether (and where) they work for this client.
pub async fn firm_view_of_client(
    acting: &Acting<'_>,
    link_id: &str,
) -> Result<(ClientLink, Vec<(String, String)>, Vec<Assignable>), StoreError> {
    let store = &acting.state.store;
    let link = own_link(acting, link_id, Side::Firm).await?;
    let reached: Vec<(String, String)> = store
        .link_administrations(&link.id, &link.client_account_id)
        .await?
        .into_iter()
        .filter(|(_, _, listed)| link.all_administrations || *listed)
        .map(|(id, name, _)| (id, name))
        .collect();
    let on_it = store.assignments_of_link(&link.id).await?;
    let mut people = Vec::new();
    for accountant in store.accountants_of(acting.account_id).await? {
        let assigned = match on_it.iter().find(|a| a.user_id == accountant.id) {
            None => None,
            Some(a) if a.all_administrations => Some(Reach::All),
            Some(_) => Some(Reach::Only(
                store
                    .client_administrations(&link.id, &accountant.id, &link.client_account_id)
                    .await?
                    .into_iter()
                    .filter(|x| x.in_assignment)
                    .map(|x| x.id)
                    .collect(),
            )),
        };
        people.push(Assignable {
            user_id: accountant.id,
            username: accountant.username,
            name: accountant.name,
            assigned,
        });
    }
    Ok((link, reached, people))
}

/// The firm's administrator puts an accountant on a client (or changes where they work), or
/// takes them off (`reach` `None`). Only the firm's accountants, only on its active links.
pub async fn assign(
    acting: &Acting<'_>,
    link_id: &str,
    user_id: &str,
    reach: Option<&Reach>,
) -> Result<LinkChanged, StoreError> {
    let store = &acting.state.store;
    let link = own_link(acting, link_id, Side::Firm).await?;
    let accountant = store
        .accountants_of(acting.account_id)
        .await?
        .into_iter()
        .find(|a| a.id == user_id)
        .ok_or(StoreError::NotFound)?;
    if link.state != LinkState::Active {
        return Ok(LinkChanged::NotNow);
    }
    let mut tx = store.begin().await?;
    let detail = format!(" username={}", accountant.username);
    match reach {
        Some(reach) => {
            tx.assign(link_id, user_id, &link.client_account_id, reach, acting.now)
                .await?;
            audit_both(
                acting,
                &mut tx,
                &link,
                "portal.accountant_assigned",
                &detail,
            )
            .await?;
        }
        None => {
            if !tx.unassign(link_id, user_id).await? {
                return Ok(LinkChanged::Done);
            }
            audit_both(
                acting,
                &mut tx,
                &link,
                "portal.accountant_unassigned",
                &detail,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(LinkChanged::Done)
}

/// The client's administrator takes a firm's accountant off their account.
pub async fn remove_accountant(
    acting: &Acting<'_>,
    link_id: &str,
    user_id: &str,
) -> Result<LinkChanged, StoreError> {
    let store = &acting.state.store;
    let link = own_link(acting, link_id, Side::Client).await?;
    let accountant = store
        .assignments_of_link(link_id)
        .await?
        .into_iter()
        .find(|a| a.user_id == user_id)
        .ok_or(StoreError::NotFound)?;
    let mut tx = store.begin().await?;
    if !tx.unassign(link_id, user_id).await? {
        return Ok(LinkChanged::NotNow);
    }
    let detail = format!(" username={}", accountant.username);
    audit_both(acting, &mut tx, &link, "portal.accountant_removed", &detail).await?;
    tx.commit().await?;
    Ok(LinkChanged::Done)
}

/// The accountants of firms who may work in a client now (its Employees page and Security
/// center list them).
pub async fn accountants_with_access(
    state: &AppState,
    client: &AccountId,
) -> Result<Vec<Assignment>, StoreError> {
    state.store.accountants_with_access(client).await
}

/// A client on an accountant's Clients page.
pub struct ClientCard {
    /// The client.
    pub client: AssignedClient,
    /// The administrations they reach in it (names).
    pub administrations: Vec<String>,
    /// Whether the client's rules let them in now, and if not why.
    pub admitted: Result<(), ClientRefusal>,
}

/// What the accountant's current address is to them (for clients that block new addresses).
async fn address_state(
    state: &AppState,
    user_id: &str,
    client: &Client,
) -> Result<AddressState, StoreError> {
    Ok(
        match state
            .store
            .address_validation(user_id, &client.ip.to_string())
            .await?
        {
            Some(false) => AddressState::Confirmed,
            Some(true) => AddressState::ValidatedAutomatically,
            None => AddressState::NotValidated,
        },
    )
}

/// The administrations (names) an accountant reaches in an assigned client.
async fn reached_names(
    state: &AppState,
    user_id: &str,
    client: &AssignedClient,
) -> Result<Vec<String>, StoreError> {
    let rows = state
        .store
        .client_administrations(&client.link_id, user_id, &client.client_account_id)
        .await?;
    let reach_of = |all: bool, listed: Vec<String>| {
        if all { Reach::All } else { Reach::Only(listed) }
    };
    let link = reach_of(
        client.link_all,
        rows.iter()
            .filter(|r| r.in_link)
            .map(|r| r.id.clone())
            .collect(),
    );
    let assignment = reach_of(
        client.assignment_all,
        rows.iter()
            .filter(|r| r.in_assignment)
            .map(|r| r.id.clone())
            .collect(),
    );
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let reached = portal::reachable(&ids, &link, &assignment);
    Ok(rows
        .iter()
        .filter(|r| reached.contains(&r.id.as_str()))
        .map(|r| r.name.clone())
        .collect())
}

/// A page of an accountant's clients, by name, with what each allows them.
pub async fn clients_page(
    state: &AppState,
    user_id: &str,
    factors: Factors,
    client: &Client,
    search: &str,
    after: Option<(&str, &str)>,
) -> Result<Vec<ClientCard>, StoreError> {
    let clients = state
        .store
        .clients_of_accountant(user_id, search, after, PAGE_SIZE)
        .await?;
    let mut address = None;
    let mut cards = Vec::with_capacity(clients.len());
    for assigned in clients {
        let rules = ClientRules {
            enforce_two_factor: assigned.enforce_two_factor,
            block_new_ips: assigned.block_new_ips,
        };
        let here = if rules.block_new_ips {
            match address {
                Some(known) => known,
                None => {
                    let known = address_state(state, user_id, client).await?;
                    address = Some(known);
                    known
                }
            }
        } else {
            AddressState::NotValidated
        };
        cards.push(ClientCard {
            administrations: reached_names(state, user_id, &assigned).await?,
            admitted: portal::admits(rules, factors, here),
            client: assigned,
        });
    }
    Ok(cards)
}

/// How opening a client ended.
#[derive(Debug)]
pub enum Opened {
    /// The session works in it now.
    Open,
    /// The client's rules refuse this accountant now; the reason says what fixes it.
    Refused(ClientRefusal),
}

/// The one who works in clients: an accountant of their firm.
pub struct Accountant<'a> {
    /// Their session (hash of its token).
    pub token_hash: &'a str,
    /// Who they are in their firm.
    pub member: &'a Member,
    /// Their firm's name.
    pub firm_name: &'a str,
    /// Their second factors.
    pub factors: Factors,
}

/// Opens a client for an accountant's session (switching from another, if one was open):
/// only one assigned to them through an active link, only if its rules admit them now. Both
/// logs record it; the client's names the accountant with their firm.
pub async fn open_client(
    state: &AppState,
    who: &Accountant<'_>,
    client_account_id: &str,
    client: &Client,
    now: Timestamp,
) -> Result<Opened, StoreError> {
    if who.member.kind != UserKind::Accountant {
        return Err(StoreError::NotFound);
    }
    let assigned = state
        .store
        .assigned_client(&who.member.user_id, client_account_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let rules = ClientRules {
        enforce_two_factor: assigned.enforce_two_factor,
        block_new_ips: assigned.block_new_ips,
    };
    let address = address_state(state, &who.member.user_id, client).await?;
    let verdict = portal::admits(rules, who.factors, address);
    let agent = Actor::Accountant(ClientAgent {
        firm_account_id: who.member.account_id.clone(),
        firm_name: who.firm_name.to_string(),
        user_id: who.member.user_id.clone(),
        username: who.member.username.clone(),
        client_account_id: AccountId::from_stored(client_account_id.to_string()),
    });
    let (event, detail) = match verdict {
        Ok(()) => ("portal.client_opened", String::new()),
        Err(ClientRefusal::NeedsSecondFactor) => {
            ("portal.client_refused", "reason=second_factor".to_string())
        }
        Err(ClientRefusal::AddressNotConfirmed) => (
            "portal.client_refused",
            format!("reason=address ip={}", client.ip),
        ),
    };
    let ip = client.ip.to_string();
    let mut tx = state.store.begin().await?;
    if verdict.is_ok() {
        tx.set_session_client(who.token_hash, Some(client_account_id))
            .await?;
    }
    tx.append_audit(&AuditEvent {
        account_id: Some(client_account_id),
        user_id: None,
        actor: &agent.audit_name(None),
        event,
        detail: &detail,
        ip: &ip,
        user_agent: &client.user_agent,
        at: now,
    })
    .await?;
    let firm_detail = format!("client={} {detail}", assigned.client_name);
    tx.append_audit(&AuditEvent {
        account_id: Some(&who.member.account_id),
        user_id: Some(&who.member.user_id),
        actor: "user",
        event,
        detail: firm_detail.trim_end(),
        ip: &ip,
        user_agent: &client.user_agent,
        at: now,
    })
    .await?;
    tx.commit().await?;
    Ok(match verdict {
        Ok(()) => Opened::Open,
        Err(why) => Opened::Refused(why),
    })
}

/// Back to the portal: the session works in no client.
pub async fn leave_client(state: &AppState, token_hash: &str) -> Result<(), StoreError> {
    state.store.set_session_client(token_hash, None).await
}

/// The client an accountant works in, checked again for this request: still assigned through
/// an active link (the session lookup joined that), and still admitted by the client's rules
/// from this address. What they reach in it, or why not.
pub async fn work_in(
    state: &AppState,
    who: &Accountant<'_>,
    open: &SessionClient,
    client: &Client,
) -> Result<Result<Vec<String>, ClientRefusal>, StoreError> {
    let address = if open.rules.block_new_ips {
        address_state(state, &who.member.user_id, client).await?
    } else {
        AddressState::NotValidated
    };
    if let Err(why) = portal::admits(open.rules, who.factors, address) {
        return Ok(Err(why));
    }
    let Some(assigned) = state
        .store
        .assigned_client(&who.member.user_id, &open.account_id)
        .await?
    else {
        return Err(StoreError::NotFound);
    };
    Ok(Ok(
        reached_names(state, &who.member.user_id, &assigned).await?
    ))
}

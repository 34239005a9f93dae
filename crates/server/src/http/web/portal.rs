//! The accountancy portal's pages.
//!
//! - For an accountant: **Clients** (`/portal`), opening one (`/portal/clients/{id}/open`), the
//!   client they work in (`/portal/client`) and back to the portal (`/portal/leave`).
//! - For a firm's administrator: **Accountancy portal** (`/portal/firm`): the link code, requests
//!   to answer, the clients, each with the accountants who work for it.
//! - For a client's administrator: **Accountancy firm** (`/account/firms`): typing a firm's code,
//!   each link with its limit, its accountants and its end.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_core::portal::{ClientRefusal, LinkChange, LinkState, Reach};
use portcullis_core::user::UserKind;
use portcullis_store::{Assignment, ClientLink, StoreError};
use serde::Deserialize;

use super::shared::{Confirm, ConfirmForm, confirm_first};
use crate::flows::context::Client;
use crate::flows::portal::{self, Accountant, LinkChanged, LinkRequest, Opened};
use crate::http::WebError;
use crate::http::extract::{CsrfForm, CurrentUser};
use crate::http::routes::Routes;
use crate::http::templates::{Nav, format_time, render};
use crate::i18n::{Arg, t, ta};
use crate::state::AppState;

/// A client on the Clients page, in words.
pub struct ClientLine {
    pub id: String,
    pub name: String,
    pub administrations: String,
    /// The client's rules for the accountant, each in a sentence.
    pub rules: Vec<String>,
    /// Why the client would refuse them now, with the fix.
    pub refusal: Option<String>,
    pub current: bool,
}

/// A link in words, as either side lists it.
pub struct LinkLine {
    pub id: String,
    /// The other side's name.
    pub other: String,
    pub state: String,
    pub requested: String,
    pub answered: String,
    pub all_administrations: bool,
}

/// An administration with whether it is chosen.
pub struct Choice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// An accountant in words (the firm's page of a client; the client's list).
pub struct AccountantLine {
    pub user_id: String,
    pub name: String,
    pub username: String,
    pub firm: String,
    pub link_id: String,
    pub second_factor: String,
    pub assigned: bool,
    pub all: bool,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    t: crate::i18n::Tr,
    nav: Nav,
    view: &'static str,
    clients: Vec<ClientLine>,
    search: String,
    next: Option<String>,
    /// The client being worked in, or refused.
    client_name: String,
    administrations: Vec<String>,
    refusal: Option<String>,
    /// A link code just made (shown once) and until when codes work.
    code: Option<String>,
    code_until: Option<String>,
    requests: Vec<LinkLine>,
    links: Vec<LinkLine>,
    history: Vec<LinkLine>,
    link: Option<LinkLine>,
    reached: Vec<Choice>,
    accountants: Vec<AccountantLine>,
    problem: Option<String>,
    typed: String,
}

impl PortalPage {
    fn new(nav: Nav, view: &'static str) -> PortalPage {
        PortalPage {
            t: crate::i18n::reader(),
            nav,
            view,
            clients: Vec::new(),
            search: String::new(),
            next: None,
            client_name: String::new(),
            administrations: Vec::new(),
            refusal: None,
            code: None,
            code_until: None,
            requests: Vec::new(),
            links: Vec::new(),
            history: Vec::new(),
            link: None,
            reached: Vec::new(),
            accountants: Vec::new(),
            problem: None,
            typed: String::new(),
        }
    }
}

/// The refusal in words: what the client requires and how to fix it.
fn refusal_words(why: ClientRefusal) -> String {
    match why {
        ClientRefusal::NeedsSecondFactor => t("portal-refused-second-factor"),
        ClientRefusal::AddressNotConfirmed => t("portal-refused-address"),
    }
}

fn state_words(state: LinkState) -> String {
    match state {
        LinkState::Requested => t("portal-link-requested"),
        LinkState::Active => t("portal-link-active"),
        LinkState::Ended => t("portal-link-ended"),
    }
}

fn link_line(link: &ClientLink, firm_side: bool) -> LinkLine {
    let answered = match (link.accepted_at, link.ended_at) {
        (_, Some(ended)) => ta(
            "portal-link-ended-at",
            &[("at", Arg::from(format_time(ended)))],
        ),
        (Some(accepted), None) => ta(
            "portal-link-accepted-at",
            &[("at", Arg::from(format_time(accepted)))],
        ),
        (None, None) => String::new(),
    };
    LinkLine {
        id: link.id.clone(),
        other: if firm_side {
            link.client_name.clone()
        } else {
            link.firm_name.clone()
        },
        state: state_words(link.state),
        requested: format_time(link.requested_at),
        answered,
        all_administrations: link.all_administrations,
    }
}

fn second_factor_words(a: &Assignment) -> String {
    match (a.factors.totp, a.factors.passkeys) {
        (false, 0) => t("portal-factor-none"),
        (true, 0) => t("portal-factor-app"),
        (totp, n) => {
            let keys = ta("portal-factor-passkeys", &[("count", Arg::from(n))]);
            if totp {
                format!("{}, {keys}", t("portal-factor-app"))
            } else {
                keys
            }
        }
    }
}

/// Only accountants have a Clients page; to anyone else it is not there.
fn require_accountant(user: &CurrentUser) -> Result<(), WebError> {
    if user.kind == UserKind::Accountant {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

fn accountant<'a>(user: &'a CurrentUser) -> Result<Accountant<'a>, WebError> {
    let portcullis_core::access::Actor::Member(member) = &user.actor else {
        return Err(WebError::NotFound);
    };
    Ok(Accountant {
        token_hash: &user.token_hash,
        member,
        firm_name: &user.account_name,
        factors: user.factors,
    })
}

/// A page's cursor: the last row's lowercased name and id, joined by a line feed.
fn cursor(text: &str) -> Option<(&str, &str)> {
    text.split_once('\n')
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    done: Option<String>,
}

impl ListQuery {
    fn checked(&self) -> Result<(), WebError> {
        if self.q.chars().count() > 100 || self.after.len() > 400 {
            return Err(WebError::BadRequest(t("problem-overview-filter")));
        }
        Ok(())
    }
}

/// `GET /portal`: the accountant's clients.
pub async fn clients(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    require_accountant(&user)?;
    query.checked()?;
    let cards = portal::clients_page(
        &state,
        &user.user_id,
        user.factors,
        &client,
        &query.q,
        cursor(&query.after),
    )
    .await?;
    let next = (cards.len() as i64 == portal::PAGE_SIZE)
        .then(|| cards.last())
        .flatten()
        .map(|c| {
            format!(
                "{}\n{}",
                c.client.client_name.to_lowercase(),
                c.client.link_id
            )
        });
    let open = user.client.as_ref().map(|c| c.account_id.as_str());
    let mut page = PortalPage::new(
        Nav::new(&state, &user, "portal").with_flash(query.done.as_deref()),
        "clients",
    );
    page.clients = cards
        .into_iter()
        .map(|card| {
            let mut rules = Vec::new();
            if card.client.enforce_two_factor {
                rules.push(if user.factors.has_second_factor() {
                    t("portal-rule-two-factor-ok")
                } else {
                    t("portal-rule-two-factor-missing")
                });
            }
            if card.client.block_new_ips {
                rules.push(
                    if card.admitted != Err(ClientRefusal::AddressNotConfirmed) {
                        t("portal-rule-address-ok")
                    } else {
                        t("portal-rule-address-missing")
                    },
                );
            }
            ClientLine {
                current: open == Some(card.client.client_account_id.as_str()),
                id: card.client.client_account_id,
                name: card.client.client_name,
                administrations: if card.administrations.is_empty() {
                    t("portal-no-administrations")
                } else {
                    card.administrations.join(", ")
                },
                rules,
                refusal: card.admitted.err().map(refusal_words),
            }
        })
        .collect();
    page.search = query.q;
    page.next = next;
    render(&page)
}

/// The page that says why a client refused the accountant, with the fix.
fn refused(
    state: &AppState,
    user: &CurrentUser,
    client_name: String,
    why: ClientRefusal,
) -> Result<Response, WebError> {
    let mut page = PortalPage::new(Nav::new(state, user, "portal"), "refused");
    page.client_name = client_name;
    page.refusal = Some(refusal_words(why));
    Ok((StatusCode::FORBIDDEN, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /portal/clients/{id}/open`: works in that client from now on (or says why not).
pub async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(client_id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    require_accountant(&user)?;
    let who = accountant(&user)?;
    let name = state
        .store
        .assigned_client(&user.user_id, &client_id)
        .await?
        .map(|c| c.client_name)
        .ok_or(WebError::NotFound)?;
    match portal::open_client(&state, &who, &client_id, &client, state.clock.now()).await? {
        Opened::Open => Ok(Redirect::to("/portal/client").into_response()),
        Opened::Refused(why) => refused(&state, &user, name, why),
    }
}

/// `GET /portal/client`: the client the accountant works in, checked again now.
pub async fn workspace(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
) -> Result<Response, WebError> {
    require_accountant(&user)?;
    let Some(open) = user.client.clone() else {
        return Ok(Redirect::to("/portal?done=no-client").into_response());
    };
    let who = accountant(&user)?;
    match portal::work_in(&state, &who, &open, &client).await {
        Ok(Ok(administrations)) => {
            let mut page = PortalPage::new(Nav::new(&state, &user, "portal"), "workspace");
            page.client_name = open.name;
            page.administrations = administrations;
            render(&page)
        }
        Ok(Err(why)) => refused(&state, &user, open.name, why),
        Err(StoreError::NotFound) => Ok(Redirect::to("/portal?done=no-client").into_response()),
        Err(other) => Err(other.into()),
    }
}

/// `POST /portal/leave`: back to the portal.
pub async fn leave(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    require_accountant(&user)?;
    portal::leave_client(&state, &user.token_hash).await?;
    Ok(Redirect::to("/portal?done=client-left").into_response())
}

/// Links of a firm per page on its portal page.
const LINKS_PAGE: i64 = 50;

/// `GET /portal/firm`: the firm's side, for its administrators.
pub async fn firm(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    query.checked()?;
    firm_page(&state, &user, &query, None).await
}

async fn firm_page(
    state: &AppState,
    user: &CurrentUser,
    query: &ListQuery,
    code: Option<String>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let requests = store
        .links_of_firm(&user.account_id, LinkState::Requested, "", None, 200)
        .await?;
    let links = store
        .links_of_firm(
            &user.account_id,
            LinkState::Active,
            &query.q,
            cursor(&query.after),
            LINKS_PAGE,
        )
        .await?;
    let history = store.ended_links_of_firm(&user.account_id, 20).await?;
    let mut page = PortalPage::new(
        Nav::new(state, user, "firm").with_flash(query.done.as_deref()),
        "firm",
    );
    page.next = (links.len() as i64 == LINKS_PAGE)
        .then(|| links.last())
        .flatten()
        .map(|l| format!("{}\n{}", l.client_name.to_lowercase(), l.id));
    page.requests = requests.iter().map(|l| link_line(l, true)).collect();
    page.links = links.iter().map(|l| link_line(l, true)).collect();
    page.history = history.iter().map(|l| link_line(l, true)).collect();
    page.code = code;
    page.code_until = store
        .link_code_expiry(&user.account_id)
        .await?
        .filter(|until| portcullis_core::portal::code_is_valid(*until, state.clock.now()))
        .map(format_time);
    page.search = query.q.clone();
    render(&page)
}

/// `POST /portal/firm/code`: a new link code, shown once on the page.
pub async fn new_code(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let (code, _) = portal::new_link_code(&user.acting(&state, &client)).await?;
    firm_page(&state, &user, &ListQuery::default(), Some(code)).await
}

fn changed(to: &str, outcome: LinkChanged, done: &str) -> Response {
    let done = match outcome {
        LinkChanged::Done => done,
        LinkChanged::NotNow => "link-changed-meanwhile",
    };
    Redirect::to(&format!("{to}?done={done}")).into_response()
}

/// `POST /portal/firm/links/{id}/{answer}`: accept or decline a request, or end a link.
pub async fn answer(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path((link_id, answer)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let (change, done) = match answer.as_str() {
        "accept" => (LinkChange::Accept, "link-accepted"),
        "decline" => (LinkChange::Decline, "link-declined"),
        "end" => (LinkChange::End, "link-ended"),
        _ => return Err(WebError::NotFound),
    };
    if change == LinkChange::End && !form.confirmed() {
        let link = state
            .store
            .link_of(&user.account_id, &link_id)
            .await?
            .ok_or(WebError::NotFound)?;
        return confirm_first(
            &state,
            &user,
            "firm",
            Confirm {
                title: ta(
                    "portal-end-title",
                    &[("name", Arg::from(link.client_name.as_str()))],
                ),
                what: t("portal-end-firm-what"),
                action: format!("/portal/firm/links/{link_id}/end"),
                button: t("portal-end-button"),
                back: "/portal/firm".into(),
            },
        );
    }
    let outcome = portal::change_link(&user.acting(&state, &client), &link_id, change).await?;
    Ok(changed("/portal/firm", outcome, done))
}

/// The administrations chosen in a form: every one, or those ticked.
fn reach_of(all: bool, ticked: Vec<String>) -> Result<Reach, WebError> {
    if ticked.len() > 1000 {
        return Err(WebError::BadRequest(t("problem-overview-filter")));
    }
    Ok(if all { Reach::All } else { Reach::Only(ticked) })
}

/// `GET /portal/firm/clients/{link}`: one client, with who of the firm works for it.
pub async fn firm_client(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(link_id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let (link, reached, people) =
        portal::firm_view_of_client(&user.acting(&state, &client), &link_id).await?;
    let mut page = PortalPage::new(
        Nav::new(&state, &user, "firm").with_flash(query.done.as_deref()),
        "firm-client",
    );
    page.accountants = people
        .into_iter()
        .map(|p| AccountantLine {
            choices: reached
                .iter()
                .map(|(id, name)| Choice {
                    id: id.clone(),
                    name: name.clone(),
                    checked: matches!(&p.assigned, Some(Reach::Only(ids)) if ids.contains(id)),
                })
                .collect(),
            all: !matches!(p.assigned, Some(Reach::Only(_))),
            assigned: p.assigned.is_some(),
            user_id: p.user_id,
            name: if p.name.is_empty() {
                p.username.clone()
            } else {
                p.name
            },
            username: p.username,
            firm: String::new(),
            link_id: link.id.clone(),
            second_factor: String::new(),
        })
        .collect();
    page.reached = reached
        .into_iter()
        .map(|(id, name)| Choice {
            id,
            name,
            checked: true,
        })
        .collect();
    page.link = Some(link_line(&link, true));
    render(&page)
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assigned: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    administration: Vec<String>,
}

/// `POST /portal/firm/clients/{link}/accountants/{user}`: who works for the client, where.
pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path((link_id, accountant_id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let reach = match form.assigned {
        Some(_) => Some(reach_of(form.scope != "some", form.administration)?),
        None => None,
    };
    let done = if reach.is_some() {
        "assigned"
    } else {
        "unassigned"
    };
    let outcome = portal::assign(
        &user.acting(&state, &client),
        &link_id,
        &accountant_id,
        reach.as_ref(),
    )
    .await?;
    Ok(changed(
        &format!("/portal/firm/clients/{link_id}"),
        outcome,
        done,
    ))
}

/// `GET /account/firms`: the client's side, for its administrators.
pub async fn firms(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    firms_page(&state, &user, query.done.as_deref(), None, String::new()).await
}

async fn firms_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    problem: Option<String>,
    typed: String,
) -> Result<Response, WebError> {
    let all = state.store.links_of_client(&user.account_id).await?;
    let mut page = PortalPage::new(Nav::new(state, user, "account").with_flash(done), "firms");
    let (live, ended): (Vec<_>, Vec<_>) = all.iter().partition(|l| l.state != LinkState::Ended);
    page.links = live.into_iter().map(|l| link_line(l, false)).collect();
    page.history = ended.into_iter().map(|l| link_line(l, false)).collect();
    page.accountants = accountant_lines(
        state
            .store
            .accountants_with_access(&user.account_id)
            .await?,
    );
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.problem = problem;
    page.typed = typed;
    Ok((status, render(&page)?).into_response())
}

/// A firm's accountants with access, in words (read-only; the client may remove one).
pub fn accountant_lines(found: Vec<Assignment>) -> Vec<AccountantLine> {
    found
        .into_iter()
        .map(|a| AccountantLine {
            second_factor: second_factor_words(&a),
            user_id: a.user_id,
            name: if a.name.is_empty() {
                a.username.clone()
            } else {
                a.name
            },
            username: a.username,
            firm: a.firm_name,
            link_id: a.link_id,
            assigned: true,
            all: a.all_administrations,
            choices: Vec::new(),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /account/firms`: asks the firm whose code was typed for a link.
pub async fn request(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    // Linking lets another company's people in once they accept: as giving the helpdesk access.
    user.require_recent_auth(state.clock.now(), "/account/firms")?;
    if form.code.len() > 100 {
        return Err(WebError::BadRequest(t("portal-code-unknown")));
    }
    let problem = match portal::request_link(&user.acting(&state, &client), &form.code).await? {
        LinkRequest::Requested(_) => {
            return Ok(Redirect::to("/account/firms?done=link-requested").into_response());
        }
        LinkRequest::UnknownCode => t("portal-code-unknown"),
        LinkRequest::OwnCode => t("portal-code-own"),
        LinkRequest::Exists(firm) => ta("portal-code-exists", &[("firm", Arg::from(firm))]),
        LinkRequest::TooMany(_) => {
            return Err(WebError::TooManyRequests(t("portal-code-too-many")));
        }
    };
    firms_page(&state, &user, None, Some(problem), form.code).await
}

/// `GET /account/firms/{link}`: one link, its limit and its accountants.
pub async fn firm_link(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(link_id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let (link, administrations) =
        portal::link_with_reach(&user.acting(&state, &client), &link_id).await?;
    let mut page = PortalPage::new(
        Nav::new(&state, &user, "account").with_flash(query.done.as_deref()),
        "firm-link",
    );
    page.reached = administrations
        .into_iter()
        .map(|(id, name, checked)| Choice {
            id,
            name,
            checked: checked && !link.all_administrations,
        })
        .collect();
    page.accountants = accountant_lines(state.store.assignments_of_link(&link.id).await?);
    page.link = Some(link_line(&link, false));
    render(&page)
}

#[derive(Deserialize)]
pub struct LimitForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    administration: Vec<String>,
}

/// `POST /account/firms/{link}/limit`: which administrations the firm reaches.
pub async fn limit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(link_id): Path<String>,
    CsrfForm(form): CsrfForm<LimitForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let reach = reach_of(form.scope != "some", form.administration)?;
    let outcome = portal::limit_link(&user.acting(&state, &client), &link_id, &reach).await?;
    Ok(changed(
        &format!("/account/firms/{link_id}"),
        outcome,
        "link-limited",
    ))
}

/// `POST /account/firms/{link}/end`: the client ends the link (after confirming).
pub async fn end(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(link_id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    if !form.confirmed() {
        let link = state
            .store
            .link_of(&user.account_id, &link_id)
            .await?
            .filter(|l| l.client_account_id == user.account_id.as_str())
            .ok_or(WebError::NotFound)?;
        return confirm_first(
            &state,
            &user,
            "account",
            Confirm {
                title: ta(
                    "portal-end-title",
                    &[("name", Arg::from(link.firm_name.as_str()))],
                ),
                what: t("portal-end-client-what"),
                action: format!("/account/firms/{link_id}/end"),
                button: t("portal-end-button"),
                back: format!("/account/firms/{link_id}"),
            },
        );
    }
    let outcome =
        portal::change_link(&user.acting(&state, &client), &link_id, LinkChange::End).await?;
    Ok(changed("/account/firms", outcome, "link-ended"))
}

/// `POST /account/firms/{link}/accountants/{user}/remove`: the client takes one of the firm's
/// accountants off its account.
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path((link_id, accountant_id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let outcome =
        portal::remove_accountant(&user.acting(&state, &client), &link_id, &accountant_id).await?;
    Ok(changed(
        &format!("/account/firms/{link_id}"),
        outcome,
        "accountant-removed",
    ))
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/portal", clients)
        .post("/portal/clients/{id}/open", open)
        .get("/portal/client", workspace)
        .post("/portal/leave", leave)
        .get("/portal/firm", firm)
        .post("/portal/firm/code", new_code)
        .post("/portal/firm/links/{id}/{answer}", answer)
        .get("/portal/firm/clients/{id}", firm_client)
        .post("/portal/firm/clients/{id}/accountants/{user}", assign)
        .get("/account/firms", firms)
        .post("/account/firms", request)
        .get("/account/firms/{id}", firm_link)
        .post("/account/firms/{id}/limit", limit)
        .post("/account/firms/{id}/end", end)
        .post("/account/firms/{id}/accountants/{user}/remove", remove)
}

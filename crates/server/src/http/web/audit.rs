//! The audit log page (administrators): every event in plain words, its details as labelled
//! values, the browser as a short name, and times in the account's time zone.
//!
//! The stored log keeps its machine spelling (`two_factor.enabled`, `ip=… by=email`), which the
//! tables below put into words; an event or value they do not know is shown as stored.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use portcullis_core::user::UserKind;
use portcullis_core::{Timestamp, user_agent};
use serde::Deserialize;

use portcullis_store::{AuditQuery, AuditRow};

use crate::http::WebError;
use crate::http::csv;
use crate::http::extract::CurrentUser;
use crate::http::routes::Routes;
use crate::http::templates::{Nav, format_time, render};
use crate::i18n::{self, Words};
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;

/// Events per database page of the download.
const EXPORT_PAGE: i64 = 1000;

/// An event in words.
pub(crate) struct EventLine {
    pub at: String,
    pub event: String,
    pub username: String,
    pub actor: String,
    pub details: Vec<(String, String)>,
    pub repeats: Option<String>,
    pub ip: String,
    pub browser: String,
}

/// Each audit event and the catalog key of its words.
pub(crate) const EVENTS: &[(&str, &str)] = &[
    ("account.created", "audit-account-created"),
    ("account.renamed", "audit-account-renamed"),
    (
        "account.security_code_changed",
        "audit-account-security-code-changed",
    ),
    ("account.locale_changed", "audit-account-locale-changed"),
    ("administration.created", "audit-administration-created"),
    ("administration.renamed", "audit-administration-renamed"),
    ("helpdesk.factors_reset", "audit-helpdesk-factors-reset"),
    ("helpdesk.granted", "audit-helpdesk-granted"),
    ("helpdesk.revoked", "audit-helpdesk-revoked"),
    ("helpdesk.viewed", "audit-helpdesk-viewed"),
    ("oidc.app_revoked", "audit-oidc-app-revoked"),
    ("oidc.authorized", "audit-oidc-authorized"),
    ("oidc.consent_granted", "audit-oidc-consent-granted"),
    (
        "portal.accountant_assigned",
        "audit-portal-accountant-assigned",
    ),
    (
        "portal.accountant_removed",
        "audit-portal-accountant-removed",
    ),
    (
        "portal.accountant_unassigned",
        "audit-portal-accountant-unassigned",
    ),
    ("portal.client_opened", "audit-portal-client-opened"),
    ("portal.client_refused", "audit-portal-client-refused"),
    ("portal.code_created", "audit-portal-code-created"),
    ("portal.link_accepted", "audit-portal-link-accepted"),
    ("portal.link_declined", "audit-portal-link-declined"),
    ("portal.link_ended", "audit-portal-link-ended"),
    ("portal.link_limited", "audit-portal-link-limited"),
    ("portal.link_requested", "audit-portal-link-requested"),
    ("ip.auto_validate_changed", "audit-ip-auto-validate-changed"),
    ("ip.blocked", "audit-ip-blocked"),
    ("ip.confirmation_sent", "audit-ip-confirmation-sent"),
    ("ip.validated", "audit-ip-validated"),
    ("login.failed", "audit-login-failed"),
    ("login.locked", "audit-login-locked"),
    ("login.passkey_failed", "audit-login-passkey-failed"),
    ("login.password_passed", "audit-login-password-passed"),
    (
        "login.recovery_code_failed",
        "audit-login-recovery-code-failed",
    ),
    ("login.refused", "audit-login-refused"),
    (
        "login.second_factor_passed",
        "audit-login-second-factor-passed",
    ),
    ("login.succeeded", "audit-login-succeeded"),
    ("login.throttled", "audit-login-throttled"),
    ("login.totp_failed", "audit-login-totp-failed"),
    ("login.unlocked", "audit-login-unlocked"),
    ("passkey.added", "audit-passkey-added"),
    (
        "passkey.counter_regression",
        "audit-passkey-counter-regression",
    ),
    ("passkey.deleted", "audit-passkey-deleted"),
    ("passkey.renamed", "audit-passkey-renamed"),
    ("password.changed", "audit-password-changed"),
    ("password.confirm_failed", "audit-password-confirm-failed"),
    ("password.set", "audit-password-set"),
    ("password_reset.requested", "audit-password-reset-requested"),
    ("policy.changed", "audit-policy-changed"),
    ("reauth.succeeded", "audit-reauth-succeeded"),
    ("session.stepped_up", "audit-session-stepped-up"),
    ("sessions.ended", "audit-sessions-ended"),
    ("two_factor.code_failed", "audit-two-factor-code-failed"),
    ("two_factor.disabled", "audit-two-factor-disabled"),
    ("two_factor.enabled", "audit-two-factor-enabled"),
    (
        "two_factor.recovery_codes_replaced",
        "audit-two-factor-recovery-codes-replaced",
    ),
    (
        "two_factor.remember_changed",
        "audit-two-factor-remember-changed",
    ),
    ("two_factor.reset", "audit-two-factor-reset"),
    (
        "user.administrations_changed",
        "audit-user-administrations-changed",
    ),
    ("user.created", "audit-user-created"),
    ("user.invited", "audit-user-invited"),
    ("user.unlocked", "audit-user-unlocked"),
    ("user.updated", "audit-user-updated"),
    ("username.changed", "audit-username-changed"),
];

/// Each label of a detail (`ip=…`) and the catalog key of its words.
pub(crate) const LABELS: &[(&str, &str)] = &[
    ("aaguid", "audit-label-aaguid"),
    ("administrations", "audit-label-administrations"),
    ("after", "audit-label-after"),
    ("app", "audit-label-app"),
    ("auto_validate", "audit-label-auto-validate"),
    ("block_new_ips", "audit-label-block-new-ips"),
    ("by", "audit-label-by"),
    ("client", "audit-label-client"),
    ("count", "audit-label-count"),
    ("counter", "audit-label-counter"),
    ("disabled", "audit-label-disabled"),
    ("email", "field-email"),
    ("employment_ends", "field-employment-ends"),
    ("enforce_two_factor", "audit-label-enforce-two-factor"),
    ("factor", "audit-label-factor"),
    ("failures", "audit-label-failures"),
    ("firm", "audit-label-firm"),
    ("from", "audit-label-from"),
    ("id", "audit-label-id"),
    ("ip", "fact-ip"),
    ("kind", "field-role"),
    ("language", "audit-label-language"),
    (
        "limit_two_factor_validity",
        "audit-label-limit-two-factor-validity",
    ),
    ("mail", "audit-label-mail"),
    ("method", "audit-label-method"),
    ("name", "field-name"),
    ("next", "audit-label-next"),
    ("other_sessions_ended", "audit-label-other-sessions-ended"),
    ("passkey", "audit-label-passkey"),
    ("reason", "audit-label-reason"),
    ("scope", "audit-label-scope"),
    ("remember", "audit-label-remember"),
    ("stored_counter", "audit-label-stored-counter"),
    ("time_zone", "account-time-zone"),
    ("to", "audit-label-to"),
    ("until", "audit-label-until"),
    ("sessions_ended", "audit-label-other-sessions-ended"),
    ("username", "field-username"),
    ("via", "audit-label-via"),
    ("what", "audit-label-what"),
    ("which", "audit-label-which"),
];

/// Each value with a fixed spelling (`by=email`, `reason=locked`) and its catalog key.
pub(crate) const VALUES: &[(&str, &str)] = &[
    ("true", "audit-value-on"),
    ("false", "audit-value-off"),
    ("administrator", "role-administrator"),
    ("accountant", "role-accountant"),
    ("employee", "role-employee"),
    ("automatic", "audit-value-automatic"),
    ("email", "audit-value-email"),
    ("not_me", "audit-value-not-me"),
    ("user", "audit-value-user"),
    ("access_ended", "audit-value-access-ended"),
    ("verification", "audit-value-verification"),
    ("locked", "audit-value-locked"),
    ("throttled", "audit-value-throttled"),
    ("unknown_credential", "audit-value-unknown-credential"),
    ("unknown_user", "audit-value-unknown-user"),
    ("no_password_set", "audit-value-no-password-set"),
    ("wrong_security_code", "audit-value-wrong-security-code"),
    ("wrong_password", "audit-value-wrong-password"),
    ("user_disabled", "audit-value-user-disabled"),
    ("employment_ended", "audit-value-employment-ended"),
    ("ip_blocked", "audit-value-ip-blocked"),
    ("password", "method-password"),
    ("password+totp", "method-password-app"),
    ("password+recovery_code", "method-password-recovery"),
    ("passkey", "method-passkey"),
    ("totp", "audit-value-totp"),
    ("confirm_ip", "audit-value-confirm-ip"),
    ("sent", "audit-value-sent"),
    ("failed", "audit-value-failed"),
    ("reset_link", "audit-value-reset-link"),
    ("set_password_link", "audit-value-set-password-link"),
    ("confirmed", "audit-value-confirmed"),
    ("none", "audit-value-none"),
    ("users", "audit-value-users"),
    ("app", "audit-value-totp"),
    ("passkeys", "passkeys-title"),
    ("all", "audit-value-all-factors"),
    ("second_factor", "audit-value-second-factor"),
    ("address", "audit-value-address"),
];

/// Labels whose values are moments in milliseconds.
const TIME_LABELS: &[&str] = &["until"];

/// Labels whose values are machine ids, kept in the log for whoever correlates it but left off
/// the page, where they mean nothing to a person.
const MACHINE_IDS: &[&str] = &["id", "passkey", "aaguid"];

fn key_of(table: &[(&str, &'static str)], stored: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(s, _)| *s == stored)
        .map(|(_, key)| *key)
}

/// An event in words; one this page does not know is shown as stored.
fn event_words(event: &str) -> String {
    key_of(EVENTS, event).map_or_else(|| event.to_string(), i18n::t)
}

/// A stored detail (`ip=192.0.2.1 by=email`) as labelled values in words. A value with spaces
/// (a passkey's name) runs on to the next `label=`; a bare known label (`name`, in a change of
/// a user) is a field that changed.
fn detail_words(detail: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    for word in detail.split(' ').filter(|w| !w.is_empty()) {
        match word.split_once('=') {
            Some((label, value)) if key_of(LABELS, label).is_some() || pairs.is_empty() => {
                pairs.push((label.to_string(), value.to_string()));
            }
            None if key_of(LABELS, word).is_some() => changed.push(word.to_string()),
            _ => match pairs.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(word);
                }
                None => pairs.push((String::new(), word.to_string())),
            },
        }
    }
    let mut words: Vec<(String, String)> = Vec::new();
    if !changed.is_empty() {
        let fields: Vec<String> = changed
            .iter()
            .filter_map(|label| key_of(LABELS, label).map(i18n::t))
            .collect();
        words.push((i18n::t("audit-label-changed"), fields.join(", ")));
    }
    words.extend(
        pairs
            .into_iter()
            .filter(|(label, _)| !MACHINE_IDS.contains(&label.as_str()))
            .map(|(label, value)| {
                let value = match value.parse::<i64>() {
                    // A moment, stored as milliseconds: in the reader's time.
                    Ok(ms) if TIME_LABELS.contains(&label.as_str()) => {
                        i18n::reader().time(Timestamp(ms))
                    }
                    _ => key_of(VALUES, &value).map_or(value, i18n::t),
                };
                let label = key_of(LABELS, &label).map_or(label, i18n::t);
                (label, value)
            }),
    );
    words
}

/// Who acted, in words: the user themself, an administrator by username, or Portcullis.
fn actor_words(actor: &str) -> String {
    match actor.split_once(':') {
        None if actor == "user" => i18n::t("audit-actor-user"),
        Some(("helpdesk", operator)) => i18n::ta(
            "audit-actor-helpdesk",
            &[("name", i18n::Arg::from(operator))],
        ),
        Some(("portal", rest)) => {
            let (name, firm) = rest.split_once(':').unwrap_or((rest, ""));
            i18n::ta(
                "audit-actor-portal",
                &[
                    ("name", i18n::Arg::from(name)),
                    ("firm", i18n::Arg::from(firm)),
                ],
            )
        }
        Some(("account", rest)) => {
            let (name, account) = rest.split_once(':').unwrap_or((rest, ""));
            i18n::ta(
                "audit-actor-other-account",
                &[
                    ("name", i18n::Arg::from(name)),
                    ("account", i18n::Arg::from(account)),
                ],
            )
        }
        Some((kind, username)) => {
            let role = UserKind::parse(kind).map_or_else(|| kind.to_string(), |k| k.words());
            format!("{role} {username}")
        }
        None => i18n::ta("audit-actor-system", &[("name", i18n::Arg::from(actor))]),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: crate::i18n::Tr,
    nav: Nav,
    events: Vec<EventLine>,
    filters: AuditFilters,
    /// The event types to choose from: stored spelling and words, sorted by the words.
    event_types: Vec<(&'static str, String)>,
    query: String,
    older: Option<String>,
    first_page: bool,
    filtered: bool,
    problem: Option<String>,
}

/// The audit log's filters, as its form and links carry them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilters {
    /// A username (any case).
    #[serde(default)]
    user: String,
    /// An event type, as stored.
    #[serde(default)]
    event: String,
    /// The first day, YYYY-MM-DD in the account's time zone.
    #[serde(default)]
    from: String,
    /// The last day, YYYY-MM-DD in the account's time zone.
    #[serde(default)]
    to: String,
    /// Where the previous page ended: `<at>~<id>`.
    #[serde(default)]
    before: String,
}

impl AuditFilters {
    /// The query string of these filters, without the page.
    fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("user", &self.user)
            .append_pair("event", &self.event)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .finish()
    }

    fn filtered(&self) -> bool {
        [&self.user, &self.event, &self.from, &self.to]
            .iter()
            .any(|v| !v.is_empty())
    }
}

/// The filters as the store takes them.
#[derive(Debug, Clone, Default)]
struct Checked {
    user_id: Option<String>,
    event: Option<&'static str>,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
    before: Option<(Timestamp, String)>,
}

impl Checked {
    fn query(&self, limit: i64) -> AuditQuery<'_> {
        AuditQuery {
            user_id: self.user_id.as_deref(),
            event: self.event,
            from: self.from,
            until: self.until,
            before: self.before.clone(),
            limit,
        }
    }
}

/// The filters checked: a value no form offers is a bad request; an unknown username is said on
/// the page (`Err` of the inner result).
async fn check(
    state: &AppState,
    user: &CurrentUser,
    f: &AuditFilters,
) -> Result<Result<Checked, String>, WebError> {
    let bad = || WebError::BadRequest(i18n::t("problem-audit-filter"));
    let event = match f.event.as_str() {
        "" => None,
        stored => Some(
            EVENTS
                .iter()
                .map(|(e, _)| *e)
                .find(|e| *e == stored)
                .ok_or_else(bad)?,
        ),
    };
    let reader = i18n::reader();
    let day = |text: &str| -> Result<Option<Timestamp>, WebError> {
        match text.trim() {
            "" => Ok(None),
            typed => reader.start_of_day(typed).map(Some).map_err(|_| bad()),
        }
    };
    let from = day(&f.from)?;
    // "To" includes its whole day: the period ends where the next day starts.
    let until = match f.to.trim() {
        "" => None,
        typed => {
            let date: jiff::civil::Date = typed.parse().map_err(|_| bad())?;
            let next = date.tomorrow().map_err(|_| bad())?;
            day(&next.to_string())?
        }
    };
    let before = match f.before.as_str() {
        "" => None,
        cursor => {
            let (at, id) = cursor.split_once('~').ok_or_else(bad)?;
            let at: i64 = at.parse().map_err(|_| bad())?;
            if !portcullis_core::ids::looks_like_id(id) {
                return Err(bad());
            }
            Some((Timestamp(at), id.to_string()))
        }
    };
    let user_id = match f.user.trim() {
        "" => None,
        username => match state
            .store
            .user_by_username(&user.account_id, username)
            .await?
        {
            Some(found) => Some(found.id),
            None => {
                return Ok(Err(i18n::ta(
                    "problem-no-such-username",
                    &[("username", i18n::Arg::from(username))],
                )));
            }
        },
    };
    Ok(Ok(Checked {
        user_id,
        event,
        from,
        until,
        before,
    }))
}

/// An event in words, as the page, the download and a user's recent activity show it.
pub(crate) fn line(r: AuditRow) -> EventLine {
    EventLine {
        at: format_time(r.at),
        event: event_words(&r.event),
        username: r.username.unwrap_or_default(),
        actor: actor_words(&r.actor),
        details: detail_words(&r.detail),
        repeats: (r.repeats > 0)
            .then(|| i18n::ta("audit-repeats", &[("count", i18n::Arg::from(r.repeats))])),
        ip: r.ip,
        browser: if r.user_agent.is_empty() {
            String::new()
        } else {
            user_agent::describe(&r.user_agent)
        },
    }
}

/// Every event type, with its words, sorted by them (for the filter).
fn event_types() -> Vec<(&'static str, String)> {
    let mut types: Vec<(&'static str, String)> = EVENTS
        .iter()
        .map(|(stored, key)| (*stored, i18n::t(key)))
        .collect();
    types.sort_by(|a, b| a.1.cmp(&b.1));
    types
}

/// `GET /audit`: the account's events, filtered, newest first, a page at a time.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filters): Query<AuditFilters>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    let (events, older, problem) = match check(&state, &user, &filters).await? {
        Ok(checked) => {
            let rows = state
                .store
                .audit_search(&user.account_id, &checked.query(PAGE_SIZE + 1))
                .await?;
            let older = (rows.len() as i64 > PAGE_SIZE)
                .then(|| rows.get(PAGE_SIZE as usize - 1))
                .flatten()
                .map(|r| format!("{}~{}", r.at.millis(), r.id));
            let events = rows
                .into_iter()
                .take(PAGE_SIZE as usize)
                .map(line)
                .collect();
            (events, older, None)
        }
        Err(problem) => (Vec::new(), None, Some(problem)),
    };
    render(&AuditPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "audit"),
        events,
        event_types: event_types(),
        query: filters.query(),
        first_page: filters.before.is_empty(),
        filtered: filters.filtered(),
        filters,
        older,
        problem,
    })
}

/// `GET /audit/export.csv`: the filtered log, every page of it, streamed.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(mut filters): Query<AuditFilters>,
) -> Result<Response, WebError> {
    user.require_administrator()?;
    filters.before.clear();
    let checked = match check(&state, &user, &filters).await? {
        Ok(checked) => checked,
        Err(problem) => return Err(WebError::BadRequest(problem)),
    };
    let header = csv::line(&[
        i18n::t("fact-time"),
        i18n::t("audit-what"),
        i18n::t("audit-user"),
        i18n::t("audit-by"),
        i18n::t("audit-details"),
        i18n::t("fact-ip"),
        i18n::t("fact-browser"),
        i18n::t("audit-event-type"),
    ]);
    let reader = i18n::reader();
    let account_id = user.account_id.to_string();
    let filename = format!("audit-log-{}.csv", reader.iso_date(state.clock.now()));
    let next = move |after: Option<(Timestamp, String)>| {
        let state = state.clone();
        let account_id = account_id.clone();
        let reader = reader.clone();
        let mut checked = checked.clone();
        async move {
            checked.before = after;
            let rows = state
                .store
                .audit_search(&account_id, &checked.query(EXPORT_PAGE + 1))
                .await?;
            let more = (rows.len() as i64 > EXPORT_PAGE)
                .then(|| rows.get(EXPORT_PAGE as usize - 1))
                .flatten()
                .map(|r| (r.at, r.id.clone()));
            let lines = i18n::with_reader(reader, || {
                rows.into_iter()
                    .take(EXPORT_PAGE as usize)
                    .map(|r| {
                        let stored = r.event.clone();
                        let e = line(r);
                        let mut details: Vec<String> = e
                            .details
                            .into_iter()
                            .map(|(label, value)| {
                                if label.is_empty() {
                                    value
                                } else {
                                    format!("{label}: {value}")
                                }
                            })
                            .collect();
                        details.extend(e.repeats);
                        csv::line(&[
                            e.at,
                            e.event,
                            e.username,
                            e.actor,
                            details.join("; "),
                            e.ip,
                            e.browser,
                            stored,
                        ])
                    })
                    .collect()
            });
            Ok((lines, more))
        }
    };
    Ok(csv::download(&filename, header, next))
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/audit", show).get("/audit/export.csv", export)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_as_labelled_values() {
        let words = detail_words("ip=192.0.2.1 by=email");
        assert_eq!(
            words,
            vec![
                ("IP address".to_string(), "192.0.2.1".to_string()),
                ("How".to_string(), "confirmed by email".to_string()),
            ]
        );
        let renamed = detail_words("id=abc from=Old phone to=New laptop");
        assert_eq!(
            renamed,
            vec![
                ("From".to_string(), "Old phone".to_string()),
                ("To".to_string(), "New laptop".to_string()),
            ],
            "machine ids are left off"
        );
        assert!(detail_words("").is_empty());
        let updated = detail_words("name kind=accountant");
        assert_eq!(updated[0], ("Changed".to_string(), "Name".to_string()));
        assert_eq!(updated[1], ("Role".to_string(), "Accountant".to_string()));
        assert_eq!(
            detail_words("oddity"),
            vec![(String::new(), "oddity".to_string())]
        );
    }

    #[test]
    fn events_and_actors_read_as_words() {
        assert_eq!(
            event_words("two_factor.enabled"),
            "Two-factor authentication turned on"
        );
        assert_eq!(event_words("something.new"), "something.new");
        assert_eq!(actor_words("user"), "The user themself");
        assert_eq!(actor_words("administrator:anna"), "Administrator anna");
        assert_eq!(actor_words("cli"), "Portcullis (cli)");
        assert_eq!(actor_words("helpdesk:piet"), "Helpdesk (piet)");
        assert_eq!(
            actor_words("portal:karin:Cijfers: & Co"),
            "Accountant karin of Cijfers: & Co"
        );
        assert_eq!(
            actor_words("account:ines:Bakkerij Jansen"),
            "ines of Bakkerij Jansen"
        );
    }
}

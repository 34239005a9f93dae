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

use crate::http::WebError;
use crate::http::extract::CurrentUser;
use crate::http::routes::Routes;
use crate::http::templates::{Nav, format_time, render};
use crate::i18n::{self, Words};
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;

struct EventLine {
    at: String,
    event: String,
    username: String,
    actor: String,
    details: Vec<(String, String)>,
    repeats: Option<String>,
    ip: String,
    browser: String,
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
    ("after", "audit-label-after"),
    ("auto_validate", "audit-label-auto-validate"),
    ("block_new_ips", "audit-label-block-new-ips"),
    ("by", "audit-label-by"),
    ("count", "audit-label-count"),
    ("counter", "audit-label-counter"),
    ("disabled", "audit-label-disabled"),
    ("email", "field-email"),
    ("employment_ends", "field-employment-ends"),
    ("enforce_two_factor", "audit-label-enforce-two-factor"),
    ("factor", "audit-label-factor"),
    ("failures", "audit-label-failures"),
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
    ("remember", "audit-label-remember"),
    ("stored_counter", "audit-label-stored-counter"),
    ("time_zone", "account-time-zone"),
    ("to", "audit-label-to"),
    ("username", "field-username"),
    ("via", "audit-label-via"),
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
];

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
                let label = key_of(LABELS, &label).map_or(label, i18n::t);
                let value = key_of(VALUES, &value).map_or(value, i18n::t);
                (label, value)
            }),
    );
    words
}

/// Who acted, in words: the user themself, an administrator by username, or Portcullis.
fn actor_words(actor: &str) -> String {
    match actor.split_once(':') {
        None if actor == "user" => i18n::t("audit-actor-user"),
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
    older: Option<i64>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<String>,
}

/// `GET /audit`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    if !user.actor.administers(&user.account_id) {
        return Err(WebError::NotFound);
    }
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(text) => {
            Some(Timestamp(text.parse::<i64>().map_err(|_| {
                WebError::BadRequest(i18n::t("problem-audit-before"))
            })?))
        }
    };
    let rows = state
        .store
        .audit_of_account(&user.account_id, before, PAGE_SIZE)
        .await?;
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.at.millis()))
        .flatten();
    let events = rows
        .into_iter()
        .map(|r| EventLine {
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
        })
        .collect();
    render(&AuditPage {
        t: crate::i18n::reader(),
        nav: Nav::new(&state, &user, "audit"),
        events,
        older,
    })
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/audit", show)
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
    }
}

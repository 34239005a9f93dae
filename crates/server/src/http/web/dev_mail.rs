//! The demo Mailbox (`/dev/mail`): the outbox as pages, so someone trying Portcullis can open
//! the links it sends without a mail server. Routed only in demo mode.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use mail_parser::MessageParser;

use crate::http::WebError;
use crate::http::routes::Routes;
use crate::http::templates::{format_time, render};
use crate::state::AppState;

/// Most messages listed.
const LIST_LIMIT: usize = 200;

struct MessageLine {
    id: String,
    received: String,
    to: String,
    subject: String,
}

#[derive(Template)]
#[template(path = "dev_mail.html")]
struct MailboxPage {
    t: crate::i18n::Tr,
    messages: Vec<MessageLine>,
}

/// A piece of a plain-text body: text, or a link to this server.
pub enum Segment {
    Text(String),
    Link(String),
}

#[derive(Template)]
#[template(path = "dev_mail_message.html")]
struct MessagePage {
    t: crate::i18n::Tr,
    subject: String,
    to: String,
    received: String,
    body: Vec<Segment>,
}

/// `<millis>-<id>.eml`, as the outbox names files.
fn valid_id(id: &str) -> bool {
    id.strip_suffix(".eml")
        .and_then(|stem| stem.split_once('-'))
        .is_some_and(|(ms, rest)| {
            !ms.is_empty()
                && ms.bytes().all(|b| b.is_ascii_digit())
                && portcullis_core::ids::looks_like_id(rest)
        })
}

fn received(id: &str) -> String {
    id.split('-')
        .next()
        .and_then(|ms| ms.parse::<i64>().ok())
        .map(|ms| format_time(portcullis_core::Timestamp(ms)))
        .unwrap_or_default()
}

fn outbox(state: &AppState) -> Result<std::path::PathBuf, WebError> {
    state
        .mailer
        .outbox()
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| WebError::BadRequest(crate::i18n::t("problem-no-outbox")))
}

/// `GET /dev/mail`.
pub async fn list(State(state): State<AppState>) -> Result<Response, WebError> {
    let dir = outbox(&state)?;
    let mut names = Vec::new();
    let mut entries = tokio::fs::read_dir(&dir)
        .await
        .map_err(|e| WebError::Internal(format!("outbox: {e}")))?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if valid_id(&name) {
            names.push(name);
        }
    }
    names.sort_unstable_by(|a, b| b.cmp(a));
    names.truncate(LIST_LIMIT);
    let mut messages = Vec::with_capacity(names.len());
    for name in names {
        let Ok(raw) = tokio::fs::read(dir.join(&name)).await else {
            continue;
        };
        let Some(parsed) = MessageParser::default().parse(&raw) else {
            continue;
        };
        messages.push(MessageLine {
            received: received(&name),
            to: recipients(&parsed),
            subject: parsed.subject().unwrap_or("(no subject)").to_string(),
            id: name,
        });
    }
    render(&MailboxPage {
        t: crate::i18n::reader(),
        messages,
    })
}

fn recipients(message: &mail_parser::Message<'_>) -> String {
    message
        .to()
        .map(|to| {
            to.iter()
                .filter_map(|a| a.address())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `GET /dev/mail/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if !valid_id(&id) {
        return Err(WebError::NotFound);
    }
    let dir = outbox(&state)?;
    let raw = tokio::fs::read(dir.join(&id))
        .await
        .map_err(|_| WebError::NotFound)?;
    let parsed = MessageParser::default()
        .parse(&raw)
        .ok_or_else(|| WebError::Internal("unreadable message in the outbox".into()))?;
    let text = parsed
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    render(&MessagePage {
        t: crate::i18n::reader(),
        subject: parsed.subject().unwrap_or("(no subject)").to_string(),
        to: recipients(&parsed),
        received: received(&id),
        body: linkify(&text, &state.config.public_origin()),
    })
}

/// Splits text into plain runs and links to `origin` (only links to this server become links).
fn linkify(text: &str, origin: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(origin) {
        let (before, from_link) = rest.split_at(start);
        let end = from_link
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(from_link.len());
        if !before.is_empty() {
            segments.push(Segment::Text(before.to_string()));
        }
        segments.push(Segment::Link(from_link[..end].to_string()));
        rest = &from_link[end..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest.to_string()));
    }
    segments
}

/// The routes of the demo mailbox (only in demo mode).
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/dev/mail", list).get("/dev/mail/{id}", show)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_outbox_names_are_accepted() {
        assert!(valid_id("1700000000000-abcdefghijklmnopqrstuvwxyz.eml"));
        assert!(!valid_id("../../secret.key"));
        assert!(!valid_id("1700000000000-abc.eml"));
    }

    #[test]
    fn links_to_this_server_become_links() {
        let parts = linkify(
            "Open http://localhost:8080/x?token=a_b now. http://evil.example/y",
            "http://localhost:8080",
        );
        let links: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                Segment::Link(l) => Some(l.as_str()),
                Segment::Text(_) => None,
            })
            .collect();
        assert_eq!(links, vec!["http://localhost:8080/x?token=a_b"]);
    }
}

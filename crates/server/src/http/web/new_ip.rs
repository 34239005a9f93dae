//! Confirming a new IP address: the page a waiting login shows, and the page the emailed link
//! opens ("Yes, this was me" / "This wasn't me"). Opening the link changes nothing; the answer is
//! a button, so a mail scanner that follows links decides nothing.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::shared::{into_session, wait_words};
use crate::flows::context::Client;
use crate::flows::login::new_ip::Answer;
use crate::flows::login::new_ip::Resend;
use crate::flows::login::new_ip::Waiting;
use crate::http::extract::CsrfForm;
use crate::http::routes::Routes;
use crate::http::templates::format_time;
use crate::http::templates::{MessagePage, render};
use crate::http::{WebError, cookies};
use crate::i18n::{self, Arg, Tr, key, t, ta};
use crate::state::AppState;

/// Seconds between the waiting page's automatic refreshes.
const REFRESH_SECS: u32 = 5;

#[derive(Template)]
#[template(path = "login_new_ip.html")]
struct WaitingPage {
    t: crate::i18n::Tr,
    csrf: String,
    masked_email: String,
    refresh_secs: u32,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct WaitingQuery {
    #[serde(default)]
    sent: Option<String>,
    #[serde(default)]
    wait: Option<u64>,
}

/// `GET /login/new-ip`: the login waits here; it goes on by itself once the address is
/// confirmed (the page refreshes every few seconds).
pub async fn waiting(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Query(query): Query<WaitingQuery>,
) -> Result<Response, WebError> {
    let pending = cookies::pending_token(&state.config, &jar).unwrap_or_default();
    match crate::flows::login::new_ip::check_waiting(&state, &pending, &client).await? {
        Waiting::Session(session) => into_session(&state, jar, session).await,
        Waiting::Refused => {
            let jar = cookies::clear_pending(&state.config, jar);
            Ok((jar, Redirect::to("/login?notice=ip-blocked")).into_response())
        }
        Waiting::Expired => {
            let jar = cookies::clear_pending(&state.config, jar);
            Ok((jar, Redirect::to("/login?notice=ip-expired")).into_response())
        }
        Waiting::Waiting { masked_email } => {
            let notice = match (query.sent.is_some(), query.wait) {
                (true, _) => Some(t("new-ip-notice-sent")),
                (_, Some(secs)) => Some(ta(
                    "new-ip-notice-wait",
                    &[("wait", Arg::from(wait_words(secs)))],
                )),
                _ => None,
            };
            let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
            let page = WaitingPage {
                t: crate::i18n::reader(),
                csrf,
                masked_email,
                refresh_secs: REFRESH_SECS,
                notice,
            };
            Ok((jar, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct ResendForm {}

/// `POST /login/new-ip/resend`: a new email, at most once a minute.
pub async fn resend(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(_form): CsrfForm<ResendForm>,
) -> Result<Response, WebError> {
    let pending = cookies::pending_token(&state.config, &jar).unwrap_or_default();
    let to = match crate::flows::login::new_ip::resend(&state, &pending, &client).await? {
        Resend::Sent => "/login/new-ip?sent=1".to_string(),
        Resend::TooSoon(at) => format!(
            "/login/new-ip?wait={}",
            at.since(state.clock.now()).as_secs().max(1)
        ),
        Resend::Expired => {
            let jar = cookies::clear_pending(&state.config, jar);
            return Ok((jar, Redirect::to("/login?notice=ip-expired")).into_response());
        }
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "new_ip_link.html")]
struct LinkPage {
    t: crate::i18n::Tr,
    csrf: String,
    token: String,
    wasnt_me: bool,
    username: String,
    ip: String,
    browser: String,
    at: String,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    answer: Option<String>,
}

fn link_unusable() -> Result<Response, WebError> {
    let page = MessagePage {
        t: crate::i18n::reader(),
        title: &t("link-unusable-title"),
        message: &t("link-unusable-new-ip"),
    };
    Ok((StatusCode::GONE, render(&page)?).into_response())
}

/// `GET /new-ip?token=…[&answer=wasnt-me]`: what the link is about, and the buttons.
pub async fn link_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    let Some(facts) = crate::flows::login::new_ip::peek_link(&state, &query.token).await? else {
        return link_unusable();
    };
    // The person the link is for reads it: their language (else their browser's, else their
    // account's), their account's time.
    i18n::set_reader(Tr::for_person(
        facts.language,
        i18n::browser_language().0,
        facts.account_language,
        &facts.time_zone,
    ));
    let (jar, csrf) = cookies::pre_login_csrf(&state.config, jar);
    let page = LinkPage {
        t: crate::i18n::reader(),
        csrf,
        token: query.token,
        wasnt_me: query.answer.as_deref() == Some("wasnt-me"),
        username: facts.username,
        ip: facts.ip,
        browser: facts.browser,
        at: format_time(facts.at),
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    answer: String,
}

/// `POST /new-ip`: "Yes, this was me" or "This wasn't me".
pub async fn answer(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, WebError> {
    let outcome = match form.answer.as_str() {
        "confirm" => {
            let pending = cookies::pending_token(&state.config, &jar);
            crate::flows::login::new_ip::confirm(&state, &form.token, pending.as_deref(), &client)
                .await?
        }
        "wasnt-me" => crate::flows::login::new_ip::not_me(&state, &form.token, &client).await?,
        _ => {
            return Err(WebError::BadRequest(t("problem-new-ip-answer")));
        }
    };
    let (title, message) = match outcome {
        Answer::Confirmed(Some(session)) => return into_session(&state, jar, session).await,
        Answer::Confirmed(None) => (key("new-ip-confirmed-title"), key("new-ip-confirmed")),
        Answer::Blocked => (key("new-ip-blocked-title"), key("new-ip-blocked")),
        Answer::AlreadyBlocked => (
            key("new-ip-already-blocked-title"),
            key("new-ip-already-blocked"),
        ),
        Answer::Unusable => return link_unusable(),
    };
    render(&MessagePage {
        t: crate::i18n::reader(),
        title: &t(title),
        message: &t(message),
    })
}

/// The routes of this area.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/login/new-ip", waiting)
        .post("/login/new-ip/resend", resend)
        .get("/new-ip", link_form)
        .post("/new-ip", answer)
}

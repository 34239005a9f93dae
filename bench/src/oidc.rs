//! The OpenID Connect endpoints under load: the token endpoint's code exchange and refresh, and
//! userinfo, each as answers per second beside the bare handler of the same run.
//!
//! Codes are real: fetched from `/oauth2/authorize` with a logged-in session before the phase
//! (they live 60 seconds, so the phase that uses them follows at once). Refresh tokens rotate on
//! every use, so each connection follows its own chain: every answer gives the next token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use serde_json::{Value, json};

use crate::load::{self, MakeRequest};
use crate::round;
use crate::server::{self, Place};

/// RFC 7636's example verifier and its S256 challenge: one pair serves every code.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT_URI: &str = "http://localhost/bench-callback";
const CONNECTIONS: usize = 32;

/// The app the benchmark logs in to: registered with the command line, as a user would.
struct App {
    client_id: String,
    client_secret: String,
}

impl App {
    fn register(place: &Place) -> anyhow::Result<App> {
        let output = place
            .command()
            .args([
                "client",
                "create",
                "--name",
                "Bench app",
                "--redirect-uri",
                REDIRECT_URI,
            ])
            .args(["--first-party", "--json"])
            .output()
            .context("cannot run portcullis client create")?;
        if !output.status.success() {
            bail!("client create: {}", String::from_utf8_lossy(&output.stderr));
        }
        let made: Value = serde_json::from_slice(&output.stdout)?;
        Ok(App {
            client_id: made["client_id"]
                .as_str()
                .context("no client_id")?
                .to_string(),
            client_secret: made["client_secret"]
                .as_str()
                .context("no secret")?
                .to_string(),
        })
    }

    fn authorize_path(&self) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", "openid profile email account offline_access")
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("/oauth2/authorize?{query}")
    }

    /// `POST /oauth2/token` with `client_secret_post` and these grant fields.
    fn token_request(&self, grant: &[(&str, &str)]) -> Request<Full<Bytes>> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &self.client_secret);
        for (name, value) in grant {
            form.append_pair(name, value);
        }
        Request::post("/oauth2/token")
            .header("host", "localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(form.finish())))
            .unwrap_or_default()
    }

    fn code_request(&self, code: &str) -> Request<Full<Bytes>> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
    }
}

/// Fetches codes on 8 connections until `count` are in hand or `limit` has passed.
async fn fetch_codes(
    addr: SocketAddr,
    app: &App,
    session: &str,
    count: usize,
    limit: Duration,
) -> anyhow::Result<Vec<String>> {
    let path = Arc::new(app.authorize_path());
    let until = Instant::now() + limit;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (path, session) = (path.clone(), session.to_string());
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            while codes.len() < count / 8 && Instant::now() < until {
                let (status, location) = server::redirect(addr, &path, &session).await?;
                let code = url::Url::parse(&location).ok().and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "code")
                        .map(|(_, v)| v.into_owned())
                });
                match (status, code) {
                    (302 | 303, Some(code)) => codes.push(code),
                    _ => bail!("authorize answered {status} to {location}"),
                }
            }
            Ok(codes)
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.extend(task.await??);
    }
    Ok(codes)
}

/// The token endpoint's answer to one request on a fresh connection, as JSON.
async fn token(addr: SocketAddr, request: Request<Full<Bytes>>) -> anyhow::Result<Value> {
    let (status, _, body) = server::request(addr, request).await?;
    if status != 200 {
        bail!("the token endpoint answered {status}: {body:.300}");
    }
    Ok(serde_json::from_str(&body)?)
}

/// Runs the three phases; `bare_rps` is the bare handler's rate from the same run.
pub async fn phases(
    place: &Place,
    addr: SocketAddr,
    session: &str,
    bare_rps: f64,
    warmup: Duration,
    seconds: Duration,
) -> anyhow::Result<Value> {
    let app = Arc::new(App::register(place)?);

    // Code exchange: codes for the whole phase, fetched just before it (they live 60 s).
    let wanted = 60_000;
    eprintln!("OpenID Connect: fetching up to {wanted} codes from /oauth2/authorize…");
    let fetch_started = Instant::now();
    let codes = fetch_codes(addr, &app, session, wanted, Duration::from_secs(20)).await?;
    let authorize_per_s = codes.len() as f64 / fetch_started.elapsed().as_secs_f64();
    let available = codes.len();
    let codes = Arc::new(codes);
    let next = Arc::new(AtomicUsize::new(0));
    let exchange: MakeRequest = {
        let (app, codes, next) = (app.clone(), codes.clone(), next.clone());
        // Past the last code, an unknown one: it answers 400 and shows in the statuses.
        Arc::new(move |_, _| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            app.code_request(codes.get(n).map_or("used-up", String::as_str))
        })
    };
    eprintln!("OpenID Connect: code exchange, {CONNECTIONS} connections, {seconds:?}…");
    let exchanged = load::closed_loop(addr, CONNECTIONS, warmup, seconds, exchange).await;
    let ran_out = next.load(Ordering::Relaxed) > available;

    // Refresh: one chain per connection, each started from a fresh code.
    let first = fetch_codes(addr, &app, session, CONNECTIONS, Duration::from_secs(10)).await?;
    let mut chains = Vec::new();
    let mut access_token = String::new();
    for code in &first {
        let tokens = token(addr, app.code_request(code)).await?;
        chains.push(
            tokens["refresh_token"]
                .as_str()
                .context("no refresh token")?
                .to_string(),
        );
        access_token = tokens["access_token"]
            .as_str()
            .context("no access token")?
            .to_string();
    }
    eprintln!("OpenID Connect: refresh (rotating), {CONNECTIONS} chains, {seconds:?}…");
    let refreshed = {
        let app = app.clone();
        load::closed_loop_chained(
            addr,
            chains,
            warmup,
            seconds,
            Arc::new(move |token: &str| {
                app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", token)])
            }),
            Arc::new(|body: &[u8]| {
                let answer: Value = serde_json::from_slice(body).ok()?;
                answer["refresh_token"].as_str().map(str::to_string)
            }),
        )
        .await
    };

    eprintln!("OpenID Connect: userinfo, {CONNECTIONS} connections, {seconds:?}…");
    let bearer = format!("Bearer {access_token}");
    let userinfo: MakeRequest = Arc::new(move |_, _| {
        Request::get("/oauth2/userinfo")
            .header("host", "localhost")
            .header("authorization", &bearer)
            .body(Full::new(Bytes::new()))
            .unwrap_or_default()
    });
    let info = load::closed_loop(addr, CONNECTIONS, warmup, seconds, userinfo).await;

    let per_s = |o: &load::Outcome| o.rate_of(200);
    let p99 = |o: &load::Outcome| round(o.quantile_ms(0.99, |s| s.status == 200), 2);
    Ok(json!({
        "oidc_authorize_per_s_while_fetching_codes": round(authorize_per_s, 0),
        "oidc_code_exchange_per_s": round(per_s(&exchanged), 0),
        "oidc_code_exchange_ratio_to_bare": round(per_s(&exchanged) / bare_rps.max(1.0), 3),
        "oidc_code_exchange_p99_ms": p99(&exchanged),
        "oidc_code_exchange_statuses": exchanged.statuses(),
        "oidc_code_exchange_ran_out_of_codes": ran_out,
        "oidc_refresh_per_s": round(per_s(&refreshed), 0),
        "oidc_refresh_ratio_to_bare": round(per_s(&refreshed) / bare_rps.max(1.0), 3),
        "oidc_refresh_p99_ms": p99(&refreshed),
        "oidc_refresh_statuses": refreshed.statuses(),
        "oidc_userinfo_rps": round(per_s(&info), 0),
        "oidc_userinfo_ratio_to_bare": round(per_s(&info) / bare_rps.max(1.0), 3),
        "oidc_userinfo_p99_ms": p99(&info),
        "oidc_userinfo_statuses": info.statuses(),
    }))
}

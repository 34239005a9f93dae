//! The demo's example app (`/dev/example-app`): a small relying party that logs its user in
//! through this very server with OpenID Connect, as any app would — over HTTP, with PKCE, the
//! ID token's signature checked against the JWKS — and shows what it received. Routed only in
//! demo mode; its client is registered with the demo data.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis_core::token;
use serde::Deserialize;
use serde_json::Value;
use sha2::Digest as _;

use crate::http::WebError;
use crate::http::routes::Routes;
use crate::http::templates::render;
use crate::i18n::t;
use crate::state::AppState;

use crate::flows::oidc::EXAMPLE_APP;

/// The example app's own cookie: state, nonce and PKCE verifier between its two steps.
const FLOW_COOKIE: &str = "example_app_flow";

#[derive(Template)]
#[template(path = "dev_example.html")]
struct ExamplePage {
    t: crate::i18n::Tr,
    error: Option<String>,
    id_token_header: String,
    id_token_claims: String,
    userinfo: String,
    access_token_claims: String,
    logged_in: bool,
}

impl ExamplePage {
    fn new() -> ExamplePage {
        ExamplePage {
            t: crate::i18n::reader(),
            error: None,
            id_token_header: String::new(),
            id_token_claims: String::new(),
            userinfo: String::new(),
            access_token_claims: String::new(),
            logged_in: false,
        }
    }
}

async fn example_client(state: &AppState) -> Result<String, WebError> {
    state
        .store
        .oidc_clients()
        .await?
        .into_iter()
        .find(|c| c.name == EXAMPLE_APP)
        .map(|c| c.client_id)
        .ok_or(WebError::NotFound)
}

fn callback(state: &AppState) -> String {
    format!("{}/dev/example-app/callback", state.config.public_origin())
}

/// `GET /dev/example-app`: the app's page, with its "Log in with Portcullis" button.
pub async fn home() -> Result<Response, WebError> {
    render(&ExamplePage::new())
}

/// `GET /dev/example-app/login`: what the app does on its button: a fresh state, nonce and PKCE
/// verifier (kept in its own cookie), then off to the authorization endpoint.
pub async fn login(State(state): State<AppState>, jar: CookieJar) -> Result<Response, WebError> {
    let client_id = example_client(&state).await?;
    let (flow_state, nonce, verifier) =
        (token::new_token(), token::new_token(), token::new_token());
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &callback(&state))
        .append_pair("scope", "openid profile email account")
        .append_pair("state", &flow_state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let cookie = Cookie::build((FLOW_COOKIE, format!("{flow_state}.{nonce}.{verifier}")))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/dev/example-app")
        .build();
    Ok((
        jar.add(cookie),
        Redirect::to(&format!("/oauth2/authorize?{query}")),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn decode_part(jwt: &str, index: usize) -> Value {
    jwt.split('.')
        .nth(index)
        .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// `GET /dev/example-app/callback`: the app checks `state`, exchanges the code at the token
/// endpoint over HTTP, checks the ID token's signature (JWKS), issuer, audience and nonce, and
/// calls userinfo with the access token.
pub async fn finish(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let mut page = ExamplePage::new();
    let flow = jar.get(FLOW_COOKIE).map(|c| c.value().to_string());
    let jar = jar.remove(
        Cookie::build((FLOW_COOKIE, ""))
            .path("/dev/example-app")
            .build(),
    );
    if let Some(error) = query.error {
        page.error = Some(format!(
            "{error}: {}",
            query.error_description.unwrap_or_default()
        ));
        return Ok((jar, render(&page)?).into_response());
    }
    let parts: Vec<String> = flow
        .unwrap_or_default()
        .split('.')
        .map(str::to_string)
        .collect();
    let (Some(expected_state), Some(nonce), Some(verifier), Some(code)) =
        (parts.first(), parts.get(1), parts.get(2), query.code)
    else {
        page.error = Some(t("example-app-no-flow"));
        return Ok((jar, render(&page)?).into_response());
    };
    if query.state.as_deref() != Some(expected_state.as_str()) {
        page.error = Some(t("example-app-bad-state"));
        return Ok((jar, render(&page)?).into_response());
    }
    match run(&state, &code, verifier, nonce).await {
        Ok((id_token, access_token, userinfo)) => {
            page.logged_in = true;
            page.id_token_header = pretty(&decode_part(&id_token, 0));
            page.id_token_claims = pretty(&decode_part(&id_token, 1));
            page.access_token_claims = pretty(&decode_part(&access_token, 1));
            page.userinfo = pretty(&userinfo);
        }
        Err(why) => page.error = Some(why),
    }
    Ok((jar, render(&page)?).into_response())
}

/// The back-channel part, as the app's server would do it: token, JWKS, userinfo over HTTP.
async fn run(
    state: &AppState,
    code: &str,
    verifier: &str,
    nonce: &str,
) -> Result<(String, String, Value), String> {
    let base = state.config.public_origin();
    let client_id = example_client(state).await.map_err(|e| format!("{e:?}"))?;
    let http = reqwest::Client::new();
    let tokens: Value = http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &callback(state)),
            ("code_verifier", verifier),
            ("client_id", &client_id),
        ])
        .send()
        .await
        .map_err(|e| format!("token endpoint: {e}"))?
        .json()
        .await
        .map_err(|e| format!("token endpoint: {e}"))?;
    let (Some(id_token), Some(access_token)) = (
        tokens.get("id_token").and_then(Value::as_str),
        tokens.get("access_token").and_then(Value::as_str),
    ) else {
        return Err(format!("token endpoint: {tokens}"));
    };
    let jwks: Value = http
        .get(format!("{base}/oauth2/jwks"))
        .send()
        .await
        .map_err(|e| format!("JWKS: {e}"))?
        .json()
        .await
        .map_err(|e| format!("JWKS: {e}"))?;
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let claims = crate::infra::jwt::verify(id_token, &keys)
        .ok_or("the ID token's signature does not check out against the JWKS")?;
    let valid = claims.get("iss").and_then(Value::as_str) == Some(base.as_str())
        && claims.get("aud").and_then(Value::as_str) == Some(client_id.as_str())
        && claims.get("nonce").and_then(Value::as_str) == Some(nonce);
    if !valid {
        return Err("the ID token's issuer, audience or nonce is not this app's".into());
    }
    let userinfo: Value = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| format!("userinfo: {e}"))?
        .json()
        .await
        .map_err(|e| format!("userinfo: {e}"))?;
    Ok((id_token.to_string(), access_token.to_string(), userinfo))
}

/// The routes of the example app (demo mode only).
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/dev/example-app", home)
        .get("/dev/example-app/login", login)
        .get("/dev/example-app/callback", finish)
}

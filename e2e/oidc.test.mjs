// OpenID Connect in a real browser: the demo's example app logs its user in through Portcullis
// (login, consent, back with the ID token and userinfo), and npm's `openid-client` — a certified
// relying party library — runs the code flow with PKCE against the same server, validating the
// ID token against the JWKS, reading userinfo and refreshing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { startDemoServer, launchBrowser } from './harness.mjs';
import { checkPage } from './a11y.mjs';

let demo;
let browser;

before(async () => {
  demo = await startDemoServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function logIn(page) {
  await page.getByLabel('Security code').fill(demo.securityCode);
  await page.getByLabel('Username', { exact: true }).fill(demo.admin.username);
  await page.getByLabel('Password').fill(demo.admin.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

test('the demo example app logs in through Portcullis and shows what it received', async () => {
  const problems = [];
  const context = await browser.newContext({ bypassCSP: true, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${demo.base}/dev/example-app`);
  await checkPage(page, 'example-app', problems);
  await page.getByRole('link', { name: 'Log in with Portcullis' }).click();
  await logIn(page);
  await page.getByRole('heading', { name: 'Allow Example app (demo)?' }).waitFor();
  assert.match(await page.locator('main').textContent(), /your company, your role and the administrations you may use/);
  await checkPage(page, 'oidc-consent', problems);
  await page.getByRole('button', { name: 'Allow Example app (demo)' }).click();
  await page.getByText('Logged in. This is what the app received.').waitFor();
  const claims = JSON.parse(await page.getByLabel('ID token claims').textContent());
  assert.equal(claims.account_name, 'Demo Bookkeeping Ltd');
  assert.equal(claims.preferred_username, 'demo-admin');
  assert.deepEqual(claims.amr, ['pwd']);
  const userinfo = JSON.parse(await page.getByLabel('Userinfo claims').textContent());
  assert.equal(userinfo.sub, claims.sub);
  await checkPage(page, 'example-app-logged-in', problems);

  // Allowed once: the next login through the app asks nothing.
  await page.getByRole('link', { name: 'Log in with Portcullis' }).click();
  await page.getByText('Logged in. This is what the app received.').waitFor();
  // The user sees and can take back the app's access.
  await page.goto(`${demo.base}/`);
  await page.getByRole('link', { name: 'Security and login details' }).first().click();
  await page.getByRole('link', { name: 'See and take back' }).click();
  await checkPage(page, 'apps-with-access', problems);
  await page.getByRole('button', { name: 'Take back Example app (demo)' }).click();
  await page.getByText('The app\'s access is taken back.').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('npm openid-client runs the code flow with PKCE, validates the ID token, reads userinfo and refreshes', async () => {
  // The app's callback: a real HTTP server on loopback that keeps the address it was sent to.
  let returned;
  const app = createServer((req, res) => {
    // (The browser asks for /favicon.ico too.)
    if (req.url.startsWith('/callback')) returned = new URL(req.url, callback).href;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('back in the app');
  });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  const callback = `http://localhost:${app.address().port}/callback`;
  const registered = JSON.parse(demo.cli(['client', 'create', '--name', 'Node App', '--redirect-uri', callback, '--first-party', '--json']));
  // Portcullis signs ID tokens with ES256 (openid-client expects RS256 unless told).
  const config = await oidc.discovery(new URL(demo.base), registered.client_id, {
    client_secret: registered.client_secret,
    id_token_signed_response_alg: 'ES256',
  }, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  assert.equal(config.serverMetadata().issuer, demo.base);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callback,
    scope: 'openid profile email account offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(url.href);
  await logIn(page);
  await page.getByText('back in the app').waitFor();
  await context.close();
  app.close();

  const tokens = await oidc.authorizationCodeGrant(config, new URL(returned), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, demo.base);
  assert.equal(claims.preferred_username, 'demo-admin');
  assert.equal(claims.account_name, 'Demo Bookkeeping Ltd');
  assert.ok(Array.isArray(claims.administrations));
  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.email, 'admin@demo.example');
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'rotated');
  assert.equal(refreshed.claims().sub, claims.sub);
  await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token), (e) => e.error === 'invalid_grant');
});

test('Python Authlib, a confidential client with client_secret_basic, logs in and validates the ID token', {
  skip: process.env.PORTCULLIS_AUTHLIB === 'missing' && 'Authlib is not installed (scripts/test says why)',
}, async () => {
  const python = process.env.PORTCULLIS_PYTHON ?? 'python3';
  const script = join(import.meta.dirname, 'python', 'authlib_rp.py');
  let returned;
  const app = createServer((req, res) => {
    if (req.url.startsWith('/callback')) returned = new URL(req.url, callback).href;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('back in the Python app');
  });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  const callback = `http://localhost:${app.address().port}/callback`;
  const registered = JSON.parse(demo.cli(['client', 'create', '--name', 'Python App', '--redirect-uri', callback, '--first-party', '--json']));
  const rp = (...args) => JSON.parse(execFileSync(python, [script, ...args], { encoding: 'utf8' }));
  const started = rp('start', demo.base, registered.client_id, registered.client_secret, callback);

  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(started.url);
  await logIn(page);
  await page.getByText('back in the Python app').waitFor();
  await context.close();
  app.close();

  const done = rp('finish', demo.base, registered.client_id, registered.client_secret, callback,
    returned, started.state, started.nonce, started.verifier);
  assert.equal(done.id_token.iss, demo.base);
  assert.equal(done.id_token.aud, registered.client_id);
  assert.equal(done.id_token.nonce, started.nonce);
  assert.equal(done.id_token.account_name, 'Demo Bookkeeping Ltd');
  assert.equal(done.userinfo.sub, done.id_token.sub);
  assert.equal(done.userinfo.preferred_username, 'demo-admin');
});

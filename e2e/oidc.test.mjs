// OpenID Connect in a real browser: the demo's example app logs its user in through Portcullis
// (login, consent, back with the ID token and userinfo), and npm's `openid-client` — a certified
// relying party library — runs the code flow with PKCE against the same server, validating the
// ID token against the JWKS, reading userinfo and refreshing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { startDemoServer, launchBrowser, freePort } from './harness.mjs';
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
  // An RS256 app: openid-client's default, so nothing about the algorithm is configured here.
  const registered = JSON.parse(demo.cli(['client', 'create', '--name', 'Node App', '--redirect-uri', callback,
    '--first-party', '--id-token-alg', 'RS256', '--json']));
  const config = await oidc.discovery(new URL(demo.base), registered.client_id, {
    client_secret: registered.client_secret,
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
  // The RS256 signature checks out with Node's own crypto against the published key.
  const [head, body, signature] = tokens.id_token.split('.');
  const header = JSON.parse(Buffer.from(head, 'base64url'));
  assert.equal(header.alg, 'RS256');
  const jwks = await (await fetch(`${demo.base}/oauth2/jwks`)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.equal(jwk.kty, 'RSA');
  assert.ok(cryptoVerify('RSA-SHA256', Buffer.from(`${head}.${body}`), createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(signature, 'base64url')));
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

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

test('Apache mod_auth_openidc, a certified relying party, protects a page with a Portcullis login', {
  skip: !(existsSync(APACHE) && existsSync(`${MODULES}/mod_auth_openidc.so`))
    && 'Apache with mod_auth_openidc is not installed (Debian: apache2 libapache2-mod-auth-openidc)',
}, async () => {
  const port = await freePort();
  const site = `http://localhost:${port}`;
  const registered = JSON.parse(demo.cli(['client', 'create', '--name', 'Apache Intranet',
    '--redirect-uri', `${site}/protected/redirect_uri`, '--first-party', '--json']));
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-apache-'));
  mkdirSync(join(dir, 'www', 'protected'), { recursive: true });
  writeFileSync(join(dir, 'www', 'protected', 'index.html'), '<!doctype html><title>Intranet</title><h1>Behind Portcullis</h1>');
  const root = process.getuid?.() === 0;
  // Run as root, Apache serves as nobody: the site must be readable by anyone.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'apache.conf'), `
ServerRoot "${dir}"
PidFile "${dir}/apache.pid"
Listen 127.0.0.1:${port}
ServerName localhost
ErrorLog "${dir}/error.log"
LogLevel warn
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule dir_module ${MODULES}/mod_dir.so
LoadModule mime_module ${MODULES}/mod_mime.so
LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so
${root ? 'User nobody\nGroup nogroup' : ''}
DocumentRoot "${dir}/www"
<Directory />
  AllowOverride None
</Directory>
DirectoryIndex index.html
TypesConfig /etc/mime.types
OIDCProviderMetadataURL ${demo.base}/.well-known/openid-configuration
OIDCClientID ${registered.client_id}
OIDCClientSecret ${registered.client_secret}
OIDCRedirectURI ${site}/protected/redirect_uri
OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}
OIDCScope "openid profile email account"
OIDCPKCEMethod S256
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCInfoHook id_token userinfo
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`);
  const apache = spawn(APACHE, ['-f', join(dir, 'apache.conf'), '-DFOREGROUND'], { stdio: 'inherit' });
  try {
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${site}/`).then(() => true, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${site}/protected/`);
    await logIn(page);
    await page.getByRole('heading', { name: 'Behind Portcullis' }).waitFor();
    // What the module keeps of the login: the ID token's claims (validated by the module) and
    // userinfo.
    await page.goto(`${site}/protected/redirect_uri?info=json`);
    const info = JSON.parse(await page.locator('body').textContent());
    assert.equal(info.id_token.iss, demo.base);
    assert.equal(info.id_token.aud, registered.client_id);
    assert.equal(info.id_token.account_name, 'Demo Bookkeeping Ltd');
    assert.equal(info.userinfo.sub, info.id_token.sub);
    await context.close();
  } catch (e) {
    throw new Error(`${e.message}\nApache's log:\n${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').slice(-3000) : ''}`);
  } finally {
    apache.kill('SIGTERM');
    await new Promise((r) => apache.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

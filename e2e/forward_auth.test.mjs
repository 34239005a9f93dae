// Forward-auth with real reverse proxies: Debian's nginx (auth_request) and Caddy (forward_auth)
// each protect a small app on loopback, driven by headless Chromium with *.portcullis.test mapped
// to loopback. The configurations are the README's, with the ports filled in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newestIpLink, freePort, PASSWORD } from './harness.mjs';

const NGINX = '/usr/sbin/nginx';
const CADDY = '/usr/bin/caddy';

let server;
let browser;
let upstream;
let dir;

async function waitUntilUp(url) {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url, { redirect: 'manual' }).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-proxies-'));
  writeFileSync(join(dir, 'rules.toml'), `
[[rule]]
hosts = ["app.portcullis.test"]
paths = ["/admin"]
policy = "deny"

[[rule]]
hosts = ["app.portcullis.test"]
policy = "one_factor"
`);
  server = await startServer({
    publicUrl: 'http://auth.portcullis.test:0',
    args: ['--cookie-domain', 'portcullis.test', '--access-rules', join(dir, 'rules.toml')],
  });
  // The app behind the proxy: it shows who the proxy says the user is.
  upstream = createServer((req, res) => {
    const who = req.headers['remote-user'] ?? 'nobody';
    const account = req.headers['remote-account'] ?? '';
    const groups = req.headers['remote-groups'] ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html lang="en"><title>Internal tool</title><main><h1>Hello ${who}</h1>`
      + `<p id="account">${account}</p><p id="groups">${groups}</p><p id="path">${req.url}</p></main></html>`);
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  browser = await launchBrowser(['--host-resolver-rules=MAP *.portcullis.test 127.0.0.1']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Portcullis's port (the proxies ask it on loopback). */
const portcullisPort = () => new URL(server.base).port;

/** The whole visit: login on the way in, the app sees the user, a denied path, logout. */
async function visitThrough(site) {
  // The real Content-Security-Policy (no bypass): the way back to the app must work under it.
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  // A visit without a session goes to Portcullis's login, which remembers the way back.
  await page.goto(`${site}/reports?month=11`);
  assert.equal(new URL(page.url()).host, new URL(server.base).host);
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.getByLabel('Security code').fill(server.account.security_code);
  await page.getByLabel('Username', { exact: true }).fill('browser-admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForLoadState();
  if (new URL(page.url()).pathname === '/login/new-ip') {
    await page.goto(await newestIpLink(server.outbox, 'admin@browser.example'));
    await page.getByRole('button', { name: 'Yes, this was me' }).click();
  }
  // Back in the app, at the page first asked for, as the user.
  await page.getByRole('heading', { name: 'Hello browser-admin' }).waitFor();
  assert.equal(page.url(), `${site}/reports?month=11`);
  assert.equal(await page.locator('#account').textContent(), 'Browser Test Ltd');
  assert.equal(await page.locator('#groups').textContent(), 'administrator');
  // A path the rules deny.
  const denied = await page.goto(`${site}/admin/settings`);
  assert.equal(denied.status(), 403);
  // Logging out of Portcullis ends access to the app at once.
  await page.goto(`${server.base}/`);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL((url) => url.pathname === '/login');
  await page.goto(`${site}/reports`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await context.close();
}

test('the rules are read again on SIGHUP', async () => {
  const rules = join(dir, 'rules.toml');
  const before = readFileSync(rules, 'utf8');
  // Asked the way nginx asks, from loopback (a trusted proxy).
  const ask = () => fetch(`http://127.0.0.1:${portcullisPort()}/api/authz/auth-request`, {
    headers: { 'x-original-url': 'http://app.portcullis.test/' },
  }).then((r) => r.status);
  assert.equal(await ask(), 401, 'one_factor: log in first');
  writeFileSync(rules, '[[rule]]\nhosts = ["app.portcullis.test"]\npolicy = "deny"\n');
  server.signal('SIGHUP');
  let status;
  for (let i = 0; i < 100 && status !== 403; i++) {
    await new Promise((r) => setTimeout(r, 20));
    status = await ask();
  }
  assert.equal(status, 403, 'denied once the new file is read');
  writeFileSync(rules, before);
  server.signal('SIGHUP');
  for (let i = 0; i < 100 && status !== 401; i++) {
    await new Promise((r) => setTimeout(r, 20));
    status = await ask();
  }
  assert.equal(status, 401);
});

test('nginx auth_request puts an app behind the Portcullis login', {
  skip: !existsSync(NGINX) && 'nginx is not installed (Debian: nginx)',
}, async () => {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  server {
    listen 127.0.0.1:${port};
    server_name app.portcullis.test;

    location = /internal/portcullis {
      internal;
      proxy_pass http://127.0.0.1:${portcullisPort()}/api/authz/auth-request;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-For $remote_addr;
    }

    location / {
      auth_request /internal/portcullis;
      auth_request_set $portcullis_user $upstream_http_remote_user;
      auth_request_set $remote_name $upstream_http_remote_name;
      auth_request_set $remote_email $upstream_http_remote_email;
      auth_request_set $remote_groups $upstream_http_remote_groups;
      auth_request_set $remote_account $upstream_http_remote_account;
      auth_request_set $remote_account_id $upstream_http_remote_account_id;
      auth_request_set $portcullis_login $upstream_http_location;
      error_page 401 =302 $portcullis_login;
      proxy_set_header Remote-User $portcullis_user;
      proxy_set_header Remote-Name $remote_name;
      proxy_set_header Remote-Email $remote_email;
      proxy_set_header Remote-Groups $remote_groups;
      proxy_set_header Remote-Account $remote_account;
      proxy_set_header Remote-Account-Id $remote_account_id;
      proxy_pass http://127.0.0.1:${upstream.address().port};
    }
  }
}
`);
  const nginx = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'nginx-error.log')], { stdio: 'inherit' });
  const exited = new Promise((r) => nginx.once('exit', r));
  try {
    await waitUntilUp(`http://127.0.0.1:${port}/`);
    await visitThrough(`http://app.portcullis.test:${port}`);
  } catch (e) {
    const log = join(dir, 'nginx-error.log');
    throw new Error(`${e.message}\nnginx's log:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : ''}`);
  } finally {
    nginx.kill('SIGTERM');
    await exited;
  }
});

test('Caddy forward_auth puts an app behind the Portcullis login', {
  skip: !existsSync(CADDY) && 'Caddy is not installed (Debian: caddy)',
}, async () => {
  const port = await freePort();
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(caddyfile, `
{
  admin off
  auto_https off
}

http://app.portcullis.test:${port} {
  bind 127.0.0.1
  forward_auth 127.0.0.1:${portcullisPort()} {
    uri /api/authz/forward-auth
    copy_headers Remote-User Remote-Name Remote-Email Remote-Groups Remote-Account Remote-Account-Id
  }
  reverse_proxy 127.0.0.1:${upstream.address().port}
}
`);
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'caddy-config'), XDG_DATA_HOME: join(dir, 'caddy-data') };
  const caddy = spawn(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => caddy.once('exit', r));
  let log = '';
  caddy.stderr.on('data', (chunk) => { log = (log + chunk).slice(-5000); });
  try {
    await waitUntilUp(`http://127.0.0.1:${port}/`);
    await visitThrough(`http://app.portcullis.test:${port}`);
  } catch (e) {
    throw new Error(`${e.message}\nCaddy's log:\n${log}`);
  } finally {
    caddy.kill('SIGTERM');
    await exited;
  }
});

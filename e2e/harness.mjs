// Starts a real Portcullis server for a browser test and drives Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const PASSWORD = 'copper kettle on the stove';

const BIN = process.env.PORTCULLIS_BIN ?? join(import.meta.dirname, '..', 'target', 'debug', 'portcullis');

/** Where screenshots go. */
export const shots = join(import.meta.dirname, 'test-results');

/**
 * The setup and teardown every browser test file shares: before its tests, a fresh server (see
 * `startServer`) and a browser, passed to `ready`; after them, both closed and the data removed.
 */
export function withServerAndBrowser(ready, options = {}) {
  let server;
  let browser;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    server = await startServer(options);
    browser = await launchBrowser();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

/** Fills in the login form on `page` and presses "Log in". */
export async function submitLogin(page, server, { username = 'browser-admin', password = PASSWORD, securityCode } = {}) {
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Security code').fill(securityCode ?? server.account.security_code);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/**
 * Resolves with the address a starting server reports ("Portcullis is listening on …"), and the
 * lines it printed before it (the demo's login details).
 */
function reportedAddress(child) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const before = [];
    const timer = setTimeout(() => reject(new Error('the server did not say where it listens')), 60_000);
    const onLine = (line) => {
      const match = line.match(/^Portcullis is listening on (\S+) \((\S+)\)$/);
      if (!match) {
        before.push(line);
        if (before.length > 100) reject(new Error(`the server never said where it listens: ${before.join('\n')}`));
        return;
      }
      clearTimeout(timer);
      lines.off('line', onLine);
      resolve({ addr: match[1], origin: match[2], before });
    };
    lines.on('line', onLine);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

/**
 * The README's demo (`serve --demo`) in a fresh data dir: the base URL, the login details it
 * printed, and its outbox.
 */
export async function startDemoServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-'));
  const env = { ...process.env, PORTCULLIS_DATA_DIR: dataDir, RUST_LOG: 'warn' };
  delete env.DATABASE_URL;
  const child = spawn(BIN, ['serve', '--demo', '--listen', '127.0.0.1:0', '--public-url', 'http://localhost:0'], {
    env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { origin: base, before } = await reportedAddress(child);
  child.stdout.resume();
  const printed = before.join('\n');
  const detail = (pattern) => {
    const match = printed.match(pattern);
    if (!match) throw new Error(`the demo did not print ${pattern}: ${printed}`);
    return match[1];
  };
  return {
    base,
    securityCode: detail(/Security code\s+(\S+)/),
    admin: { username: 'demo-admin', password: detail(/demo-admin\s+password\s+(\S+)/) },
    employee: { username: 'demo-employee', password: detail(/demo-employee\s+password\s+(\S+)/) },
    firm: {
      securityCode: detail(/De Boer Accountants[\s\S]*?Security code\s+(\S+)/),
      accountant: { username: 'demo-accountant', password: detail(/demo-accountant\s+password\s+(\S+)/) },
      admin: { username: 'demo-firm-admin', password: detail(/demo-firm-admin\s+password\s+(\S+)/) },
    },
    outbox: join(dataDir, 'outbox'),
    /** Runs a `portcullis` command against the demo's data, as whoever runs the server. */
    cli(args, input) {
      return execFileSync(BIN, args, { env, input }).toString();
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A server on SQLite in a fresh data dir, with one account (`language`: its default language,
 * `en` unless given).
 */
export async function startServer({ language = 'en', publicUrl = 'http://localhost:0', args = [] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const env = { ...process.env, PORTCULLIS_DATA_DIR: dataDir, RUST_LOG: 'warn' };
  delete env.DATABASE_URL;
  const account = JSON.parse(execFileSync(BIN, [
    'account', 'create', '--name', 'Browser Test Ltd', '--admin-username', 'browser-admin',
    '--admin-email', 'admin@browser.example', '--admin-password-stdin', '--json',
    '--language', language,
  ], { env, input: PASSWORD + '\n' }).toString());
  // Port 0: the server picks a free port and reports it (no race for a port found earlier).
  // The browser reaches the server through a "proxy" on loopback, so a test can give a context
  // its own client address with an X-Forwarded-For header (IP address security).
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--public-url', publicUrl,
    '--trusted-proxies', '127.0.0.1/32,::1/128', ...args], {
    env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { origin: base } = await reportedAddress(child);
  child.stdout.resume();
  return {
    base,
    account,
    outbox: join(dataDir, 'outbox'),
    /** Runs a `portcullis` command against this server's data, as whoever runs the server. */
    cli(args, input) {
      return execFileSync(BIN, args, { env, input }).toString();
    },
    /** Sends the server a signal (SIGHUP: read the access rules again). */
    signal(name) {
      child.kill(name);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Decodes a quoted-printable MIME body. */
function decodeQuotedPrintable(text) {
  const bytes = Buffer.from(
    text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

/** The plain-text bodies of the messages in an outbox sent to `address`, oldest first. */
export function mailsTo(outbox, address) {
  let files = [];
  try {
    files = readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort();
  } catch { /* no mail yet */ }
  return files
    .map((f) => readFileSync(join(outbox, f), 'utf8'))
    .filter((raw) => raw.split(/\r?\n\r?\n/, 1)[0].includes(address))
    .map((raw) => {
      const plain = raw.split(/Content-Type: text\/plain[^\n]*\n/i)[1] ?? '';
      const [headers, ...rest] = plain.split(/\r?\n\r?\n/);
      const body = rest.join('\n\n').split(/\r?\n--/)[0];
      return /quoted-printable/i.test(headers) ? decodeQuotedPrintable(body) : body;
    });
}

/** The "Yes, this was me" link of the newest IP confirmation email to `address`. */
export async function newestIpLink(outbox, address) {
  for (let i = 0; i < 100; i++) {
    const mails = mailsTo(outbox, address).filter((m) => m.includes('/new-ip?token='));
    const link = mails.at(-1)?.match(/http:\/\/\S+\/new-ip\?token=[A-Za-z0-9_-]+/)?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no IP confirmation email to ${address}`);
}

/**
 * After "Log in": when the login waits for a new IP address to be confirmed, confirms it the
 * way the user would — the link from the email, opened in the same browser.
 */
export async function confirmNewIpIfAsked(page, server, address, { button = 'Yes, this was me' } = {}) {
  await page.waitForLoadState();
  if (new URL(page.url()).pathname !== '/login/new-ip') return;
  await page.goto(await newestIpLink(server.outbox, address));
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

/** A port nothing listens on now (for a server that cannot report the one it bound). */
export async function freePort() {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

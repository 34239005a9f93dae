// Starts a real Portcullis server for a browser test and drives Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const PASSWORD = 'copper kettle on the stove';

const BIN = process.env.PORTCULLIS_BIN ?? join(import.meta.dirname, '..', 'target', 'debug', 'portcullis');

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A server on SQLite in a fresh data dir, with one account. */
export async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const env = { ...process.env, PORTCULLIS_DATA_DIR: dataDir, RUST_LOG: 'warn' };
  delete env.DATABASE_URL;
  const account = JSON.parse(execFileSync(BIN, [
    'account', 'create', '--name', 'Browser Test Ltd', '--admin-username', 'browser-admin',
    '--admin-email', 'admin@browser.example', '--admin-password-stdin', '--json',
  ], { env, input: PASSWORD + '\n' }).toString());
  const port = await freePort();
  const base = `http://localhost:${port}`;
  // The browser reaches the server through a "proxy" on loopback, so a test can give a context
  // its own client address with an X-Forwarded-For header (IP address security).
  const child = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--public-url', base,
    '--trusted-proxies', '127.0.0.1/32,::1/128'], {
    env, stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    account,
    outbox: join(dataDir, 'outbox'),
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
    const mails = mailsTo(outbox, address).filter((m) => m.includes('Confirm your login from a new IP address'));
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
export async function confirmNewIpIfAsked(page, server, address) {
  await page.waitForLoadState();
  if (new URL(page.url()).pathname !== '/login/new-ip') return;
  await page.goto(await newestIpLink(server.outbox, address));
  await page.getByRole('button', { name: 'Yes, this was me' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

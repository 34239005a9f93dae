// Logging in through the login page in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withServerAndBrowser, submitLogin, shots, confirmNewIpIfAsked } from './harness.mjs';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

test('a person logs in with security code, username and password, and logs out', async () => {
  const page = await browser.newPage();
  await submitLogin(page, server, { securityCode: server.account.security_code.toLowerCase() });
  await confirmNewIpIfAsked(page, server, 'admin@browser.example');
  await page.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'portcullis_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('You have logged out.').waitFor();
  await page.goto(`${server.base}/`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.close();
});

test('a wrong password shows the one generic message and keeps what was typed', async () => {
  const page = await browser.newPage();
  await submitLogin(page, server, { password: 'not the password at all' });
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByRole('alert').textContent(), 'The security code, username or password is not correct.');
  assert.equal(await page.getByLabel('Username').inputValue(), 'browser-admin');
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  await page.screenshot({ path: join(shots, 'login-failed.png') });
  await page.close();
});

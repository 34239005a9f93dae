// Two-factor authentication in the browser: turn it on by the QR code's key, log out, log in
// with a code from oathtool (a real TOTP client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withServerAndBrowser, submitLogin, shots, confirmNewIpIfAsked } from './harness.mjs';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const oathtool = (key) => execFileSync('oathtool', ['--totp', '-b', key]).toString().trim();

async function passwordStep(page) {
  await submitLogin(page, server);
  await confirmNewIpIfAsked(page, server, 'admin@browser.example');
}

test('a user turns on two-factor authentication, logs out, and logs in with a code', async () => {
  const page = await (await browser.newContext()).newPage();
  await passwordStep(page);
  await page.getByRole('link', { name: 'Security and login details' }).click();
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await page.getByRole('img', { name: 'QR code' }).waitFor();
  await page.screenshot({ path: join(shots, 'two-factor-setup.png'), fullPage: true });
  const key = (await page.getByLabel('Setup key').textContent()).replaceAll(' ', '');
  assert.match(key, /^[A-Z2-7]{32}$/);

  await page.getByLabel('Authentication code').fill(oathtool(key));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  const codes = (await page.getByLabel('Recovery codes').textContent()).trim().split('\n');
  assert.equal(codes.length, 10);
  await page.getByRole('link', { name: 'I have saved them' }).click();
  await page.getByText('10 recovery codes left.').waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('You have logged out.').waitFor();

  await passwordStep(page);
  await page.getByLabel('Authentication code').waitFor();
  assert.equal(new URL(page.url()).pathname, '/login/code');
  // The code used at enrollment may still be the current one: wait for a fresh step if so.
  let code = oathtool(key);
  const deadline = Date.now() + 31_000;
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  while (new URL(page.url()).pathname === '/login/code' && Date.now() < deadline) {
    await page.waitForTimeout(1000);
    const next = oathtool(key);
    if (next !== code) {
      code = next;
      await page.getByLabel('Authentication code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
    }
  }
  await page.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();
});

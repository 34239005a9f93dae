// IP address security in headless Chromium: a login from a new address (the context's
// X-Forwarded-For, believed because the server trusts its loopback "proxy") waits until the
// emailed link is confirmed on another device, then continues by itself; the address shows as
// validated on the IP addresses page; blocking it there refuses the next login from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withServerAndBrowser, submitLogin, shots, confirmNewIpIfAsked, newestIpLink } from './harness.mjs';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function logIn(page) {
  await submitLogin(page, server);
}

test('a login from a new IP address waits for the emailed link, then goes on by itself', async () => {
  const hotel = await (await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '203.0.113.50' } })).newPage();
  await logIn(hotel);
  await hotel.getByRole('heading', { name: 'Confirm your new IP address' }).waitFor();
  await hotel.getByText('a•••@browser.example').waitFor();
  await hotel.screenshot({ path: join(shots, 'ip-waiting.png'), fullPage: true });

  // The phone opens the email's link and confirms.
  const phone = await (await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.60' } })).newPage();
  await phone.goto(await newestIpLink(server.outbox, 'admin@browser.example'));
  await phone.getByText('203.0.113.50').waitFor();
  await phone.getByRole('button', { name: 'Yes, this was me' }).click();
  await phone.getByRole('heading', { name: 'IP address confirmed' }).waitFor();

  // The waiting page notices within a few seconds and continues to the dashboard.
  await hotel.waitForURL((url) => url.pathname === '/', { timeout: 15000 });
  await hotel.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();

  await hotel.getByRole('link', { name: 'IP addresses' }).click();
  const row = hotel.getByRole('row', { name: /203\.0\.113\.50/ });
  await row.getByText('Validated').waitFor();
  await hotel.screenshot({ path: join(shots, 'ip-addresses.png'), fullPage: true });

  // Blocking it there (from another address) refuses the next login from it.
  const office = await (await browser.newContext()).newPage();
  await logIn(office);
  await confirmNewIpIfAsked(office, server, 'admin@browser.example');
  await office.getByRole('link', { name: 'IP addresses' }).click();
  await office.getByRole('link', { name: '203.0.113.50' }).click();
  await office.getByLabel('Blocked').check();
  await office.getByRole('button', { name: 'Save' }).click();
  await office.getByText('Your changes are saved.').waitFor();

  await hotel.goto(`${server.base}/`);
  assert.equal(new URL(hotel.url()).pathname, '/login', 'the session from the blocked address ended');
  await logIn(hotel);
  await hotel.getByText('Logins from this IP address are blocked for your user.').waitFor();
  await Promise.all([hotel.close(), phone.close(), office.close()]);
});

// The accountancy portal as the README's demo shows it: the firm's accountant logs in once
// (the firm's security code, her username and password), sees her clients, opens one, switches
// to the other without logging in again, and goes back to the portal; her firm's administrator
// and the client's administrator each see their side. Every page passes the accessibility and
// phone-width checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

async function logIn(page, securityCode, { username, password }) {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel('Security code').fill(securityCode);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

test('an accountant logs in once, opens a client, switches to another and comes back', async () => {
  const problems = [];
  const context = await browser.newContext({ bypassCSP: true, locale: 'en-GB' });
  const page = await context.newPage();
  await logIn(page, demo.firm.securityCode, demo.firm.accountant);
  await page.getByRole('heading', { name: 'Welcome, Karin Smit' }).waitFor();

  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Clients' }).click();
  await page.getByRole('heading', { name: 'Clients', exact: true }).waitFor();
  const cards = page.locator('.client-card h2');
  assert.deepEqual(await cards.allTextContents(), ['Bakkerij Jansen', 'Demo Bookkeeping Ltd']);
  await checkPage(page, 'portal-clients', problems);

  await page.getByRole('button', { name: 'Open Demo Bookkeeping Ltd' }).click();
  await page.getByRole('heading', { name: 'Demo Bookkeeping Ltd', level: 1 }).waitFor();
  const bar = page.getByRole('region', { name: 'Client you are working in' });
  assert.match(await bar.textContent(), /Working in Demo Bookkeeping Ltd/);
  assert.match(await page.locator('main').textContent(), /Main office[\s\S]*Second branch/);
  await checkPage(page, 'portal-client', problems);

  // Every page names the client; switching needs no new login.
  await page.getByRole('link', { name: 'Security and login details' }).click();
  assert.match(await bar.textContent(), /Working in Demo Bookkeeping Ltd/);
  await bar.getByRole('link', { name: 'Switch client' }).click();
  await page.getByRole('button', { name: 'Open Bakkerij Jansen' }).click();
  await page.getByRole('heading', { name: 'Bakkerij Jansen', level: 1 }).waitFor();
  assert.match(await bar.textContent(), /Working in Bakkerij Jansen/);
  assert.equal(await page.getByLabel('Security code').count(), 0, 'no login in between');

  await bar.getByRole('button', { name: 'Back to the portal' }).click();
  await page.getByText('You are back in the portal.').waitFor();
  assert.equal(await page.getByRole('region', { name: 'Client you are working in' }).count(), 0);

  // The firm's administrator sees both clients and who works for them.
  const firm = await (await browser.newContext({ bypassCSP: true, locale: 'en-GB' })).newPage();
  await logIn(firm, demo.firm.securityCode, demo.firm.admin);
  await firm.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Accountancy portal' }).click();
  await firm.getByRole('link', { name: 'Bakkerij Jansen' }).waitFor();
  await firm.getByRole('button', { name: 'Make a new link code' }).click();
  assert.match(await firm.locator('#link-code').textContent(), /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
  await checkPage(firm, 'portal-firm', problems);
  await firm.getByRole('link', { name: 'Demo Bookkeeping Ltd' }).click();
  await firm.getByText('Works for Demo Bookkeeping Ltd').waitFor();
  assert.equal(await firm.getByLabel('Works for Demo Bookkeeping Ltd').isChecked(), true);
  await checkPage(firm, 'portal-firm-client', problems);

  // The client's administrator sees the firm's accountant with access, and her visit.
  const client = await (await browser.newContext({ bypassCSP: true, locale: 'en-GB' })).newPage();
  await logIn(client, demo.securityCode, demo.admin);
  await client.goto(`${demo.base}/account/firms`);
  await client.getByRole('link', { name: 'De Boer Accountants' }).waitFor();
  const access = client.getByRole('region', { name: 'Accountants with access' });
  assert.match(await access.textContent(), /Karin Smit[\s\S]*De Boer Accountants/);
  await checkPage(client, 'portal-firms', problems);
  await client.getByRole('link', { name: 'De Boer Accountants' }).click();
  await client.getByRole('heading', { name: 'Administrations the firm may reach' }).waitFor();
  await checkPage(client, 'portal-firm-link', problems);
  await client.goto(`${demo.base}/audit?event=portal.client_opened`);
  assert.match(await client.locator('table.audit tbody tr').first().textContent(), /Accountant demo-accountant of De Boer Accountants/);

  assert.deepEqual(problems, []);
});

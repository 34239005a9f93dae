// The administrator's Security center as they use it: the overview filtered to users without
// two-factor authentication, a user opened from it, their sessions ended; the event shows in the
// audit log and in that user's recent security activity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withServerAndBrowser, submitLogin, shots, confirmNewIpIfAsked, mailsTo, PASSWORD } from './harness.mjs';

const EMPLOYEE_PASSWORD = 'amber kite over the dunes';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

test('the administrator finds who lacks two-factor, opens them and ends their sessions', async () => {
  const admin = await (await browser.newContext()).newPage();
  await submitLogin(admin, server);
  await confirmNewIpIfAsked(admin, server, 'admin@browser.example');

  // An employee, invited and logged in on their own computer.
  await admin.goto(`${server.base}/employees/new`);
  await admin.getByLabel('Name', { exact: true }).fill('Eva Smit');
  await admin.getByLabel('Username', { exact: true }).fill('eva');
  await admin.getByLabel('Email', { exact: true }).fill('eva@browser.example');
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.getByRole('heading', { name: 'Eva Smit' }).waitFor();
  const link = mailsTo(server.outbox, 'eva@browser.example').at(-1)
    .match(/http:\/\/localhost:\d+\/set-password\?token=[A-Za-z0-9_-]+/)[0];
  const eva = await (await browser.newContext()).newPage();
  await eva.goto(link);
  await eva.getByLabel('New password', { exact: true }).fill(EMPLOYEE_PASSWORD);
  await eva.getByLabel('Repeat the new password').fill(EMPLOYEE_PASSWORD);
  await eva.getByRole('button', { name: 'Set password' }).click();
  await eva.getByLabel('Password').fill(EMPLOYEE_PASSWORD);
  await eva.getByRole('button', { name: 'Log in', exact: true }).click();
  await eva.getByRole('heading', { name: 'Welcome, Eva Smit' }).waitFor();

  // The overview, filtered to users without two-factor authentication.
  await admin.getByRole('link', { name: 'Security center' }).click();
  await admin.getByText('2 of 2 users without two-factor authentication').waitFor();
  await admin.getByLabel('Two-factor authentication', { exact: true }).selectOption('off');
  await admin.getByLabel('Logged in now').selectOption('yes');
  await admin.getByRole('button', { name: 'Filter' }).click();
  const rows = admin.locator('table.overview tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  const evaRow = rows.filter({ hasText: 'Eva Smit' });
  assert.match(await evaRow.textContent(), /Yes, 1 session/);
  await admin.screenshot({ path: join(shots, 'security-center-overview.png'), fullPage: true });

  // Opened from the overview: her page, where her sessions end.
  await evaRow.getByRole('link', { name: 'Eva Smit' }).click();
  await admin.getByRole('heading', { name: 'Eva Smit' }).waitFor();
  await admin.getByRole('button', { name: 'End all sessions' }).click();
  await admin.getByText('The sessions are ended.').waitFor();

  await eva.reload();
  assert.equal(new URL(eva.url()).pathname, '/login');

  // In the audit log …
  await admin.getByRole('link', { name: 'Audit log' }).click();
  await admin.getByLabel('User', { exact: true }).fill('eva');
  await admin.getByLabel('What happened').selectOption('sessions.ended');
  await admin.getByRole('button', { name: 'Filter' }).click();
  const ended = admin.locator('table.audit tbody tr');
  await ended.first().waitFor();
  assert.equal(await ended.count(), 1);
  assert.match(await ended.first().textContent(), /Sessions ended.*eva.*Administrator browser-admin/s);

  // … and in Eva's own recent security activity.
  await eva.getByLabel('Password').fill(EMPLOYEE_PASSWORD);
  await eva.getByLabel('Security code').fill(server.account.security_code);
  await eva.getByLabel('Username', { exact: true }).fill('eva');
  await eva.getByRole('button', { name: 'Log in', exact: true }).click();
  await eva.getByRole('heading', { name: 'Welcome, Eva Smit' }).waitFor();
  await eva.getByRole('link', { name: 'Security and login details' }).click();
  const activity = eva.getByRole('region', { name: 'Recent security activity, newest first' });
  await activity.getByText('Sessions ended').waitFor();
  assert.match(await activity.textContent(), /Sessions ended\s*Administrator browser-admin/);

  // The filtered overview downloads as CSV.
  await admin.goto(`${server.base}/security-center?two_factor=off`);
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    admin.getByRole('link', { name: 'Download as CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^security-overview-\d{4}-\d{2}-\d{2}\.csv$/);
});

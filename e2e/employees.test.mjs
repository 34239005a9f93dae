// An administrator invites an employee in the browser; the employee sets a password from the
// emailed link, logs in and sees only their administration; ending their employment logs them
// out and refuses the next login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withServerAndBrowser, submitLogin, shots, confirmNewIpIfAsked, mailsTo, PASSWORD } from './harness.mjs';

const EMPLOYEE_PASSWORD = 'violet lantern by the canal';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function logIn(page, username, password) {
  await submitLogin(page, server, { username, password });
  if (username === 'browser-admin') await confirmNewIpIfAsked(page, server, 'admin@browser.example');
}

async function waitForMail(address) {
  for (let i = 0; i < 100; i++) {
    const mails = mailsTo(server.outbox, address);
    if (mails.length > 0) return mails;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail to ${address}`);
}

test('an invited employee sets a password, sees only their administration, and is shut out when employment ends', async () => {
  const admin = await (await browser.newContext()).newPage();
  await logIn(admin, 'browser-admin', PASSWORD);
  await admin.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();

  // Two administrations.
  await admin.getByRole('link', { name: 'Administrations' }).click();
  for (const name of ['North Books', 'South Books']) {
    await admin.getByLabel('Name', { exact: true }).fill(name);
    await admin.getByRole('button', { name: 'Create administration' }).click();
    await admin.getByText('The administration is created.').waitFor();
  }

  // A new employee with access to one of them.
  await admin.getByRole('link', { name: 'Employees' }).click();
  await admin.getByRole('link', { name: 'New user' }).click();
  await admin.getByLabel('Name', { exact: true }).fill('Daan de Boer');
  await admin.getByLabel('Username', { exact: true }).fill('daan');
  await admin.getByLabel('Email', { exact: true }).fill('daan@browser.example');
  await admin.getByLabel('Role').selectOption('employee');
  await admin.getByLabel('North Books').check();
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.getByText('An email with their login details is on its way.').waitFor();
  await admin.getByRole('heading', { name: 'Daan de Boer' }).waitFor();
  await admin.screenshot({ path: join(shots, 'employee-created.png'), fullPage: true });

  // The invitation carries the security code, the username and a single-use link.
  const [invitation] = await waitForMail('daan@browser.example');
  assert.ok(invitation.includes(server.account.security_code), invitation);
  assert.ok(invitation.includes('Username: daan'), invitation);
  const link = invitation.match(/http:\/\/localhost:\d+\/set-password\?token=[A-Za-z0-9_-]+/)[0];

  const employeeContext = await browser.newContext();
  const employee = await employeeContext.newPage();
  await employee.goto(link);
  await employee.getByLabel('New password', { exact: true }).fill(EMPLOYEE_PASSWORD);
  await employee.getByLabel('Repeat the new password', { exact: true }).fill(EMPLOYEE_PASSWORD);
  await employee.getByRole('button', { name: 'Set password' }).click();
  await employee.getByText('Your password is set. You can log in now.').waitFor();
  // The login form is filled in from the invitation: only the password is left to type.
  assert.equal(await employee.getByLabel('Security code').inputValue(), server.account.security_code);
  assert.equal(await employee.getByLabel('Username', { exact: true }).inputValue(), 'daan');
  await employee.getByLabel('Password').fill(EMPLOYEE_PASSWORD);
  await employee.getByRole('button', { name: 'Log in', exact: true }).click();
  await employee.getByRole('heading', { name: 'Welcome, Daan de Boer' }).waitFor();
  await employee.getByRole('link', { name: 'North Books' }).waitFor();
  assert.equal(await employee.getByText('South Books').count(), 0);
  assert.equal(await employee.getByRole('link', { name: 'Employees' }).count(), 0);
  await employee.screenshot({ path: join(shots, 'employee-dashboard.png'), fullPage: true });

  // The administrator ends the employment today.
  await admin.getByRole('link', { name: 'Edit' }).click();
  const today = new Date().toISOString().slice(0, 10);
  await admin.getByLabel('End of employment').fill(today);
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Your changes are saved.').waitFor();
  await admin.getByText('Employment ended').first().waitFor();

  await employee.reload();
  assert.equal(new URL(employee.url()).pathname, '/login');
  await logIn(employee, 'daan', EMPLOYEE_PASSWORD);
  await employee.getByRole('alert').waitFor();
  assert.match(await employee.getByRole('alert').textContent(), /can no longer log in/);
  await employeeContext.close();
});

test('a user changes their own password on Security and login details', async () => {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, 'browser-admin', PASSWORD);
  await page.getByRole('link', { name: 'Security and login details' }).click();
  await page.getByRole('heading', { name: 'Active sessions' }).waitFor();
  await page.getByText(/^\d+ active sessions?\.$/).waitFor();
  await page.getByRole('link', { name: 'See sessions' }).click();
  await page.getByText('This browser').waitFor();
  await page.getByRole('link', { name: '← Security and login details' }).click();
  await page.getByRole('link', { name: 'Change password' }).click();
  await page.getByLabel('Current password', { exact: true }).fill('not my password');
  await page.getByLabel('New password', { exact: true }).fill('a completely fresh passphrase');
  await page.getByLabel('Repeat the new password', { exact: true }).fill('a completely fresh passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The password is not correct.').waitFor();
  // The problem sits beside its field, which says so to assistive technology.
  assert.equal(await page.getByLabel('Current password', { exact: true }).getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Current password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('a completely fresh passphrase');
  await page.getByLabel('Repeat the new password', { exact: true }).fill('a completely fresh passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password is changed.').waitFor();
  await page.screenshot({ path: join(shots, 'security-tab.png'), fullPage: true });
});

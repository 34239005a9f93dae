// Every page, as a new user meets it, at 1280 px and at 390 px: axe-core finds no violation,
// and on the phone no page is wider than the screen. The walk goes through the product the way
// people do (logins, an invitation, two-factor setup, a confirmation), so each page is seen in
// a real state, in English and in Dutch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { withServerAndBrowser, submitLogin, mailsTo, newestIpLink } from './harness.mjs';
import { checkPage } from './a11y.mjs';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Every problem found on the pages, reported together at the end. */
const problems = [];
/** The pages seen, by name. */
const seen = [];
/** The administrator's pages reached by an address, to see again in Dutch. */
const revisit = [];

/** Checks a page (see `checkPage`) and remembers it. */
async function check(page, name) {
  seen.push(name);
  if (page.isAdmin && !name.endsWith('-nl') && !page.url().includes('?')) revisit.push([name, page.url()]);
  await checkPage(page, name, problems);
}

/** A browser context whose pages axe can run in (the test injects its script). */
async function newPage({ forwardedFor, locale = 'en-US' } = {}) {
  const context = await browser.newContext({
    bypassCSP: true,
    locale,
    extraHTTPHeaders: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {},
  });
  return context.newPage();
}

const oathtool = (key) => execFileSync('oathtool', ['--totp', '-b', key]).toString().trim();

test('every page passes axe-core at 1280 and 390 px and fits a phone', async () => {
  // Before login.
  const visitor = await newPage();
  await visitor.goto(`${server.base}/login`);
  await check(visitor, 'login');
  await visitor.goto(`${server.base}/login?lang=nl`);
  await check(visitor, 'login-nl');
  await visitor.goto(`${server.base}/forgot-password`);
  await check(visitor, 'forgot-password-nl');
  await visitor.goto(`${server.base}/login?lang=en`);
  await submitLogin(visitor, server, { password: 'not the password at all' });
  await visitor.getByRole('alert').waitFor();
  await check(visitor, 'login-refused');
  await visitor.goto(`${server.base}/forgot-password`);
  await visitor.getByLabel('Security code').fill(server.account.security_code);
  await visitor.getByLabel('Username').fill('browser-admin');
  await visitor.getByRole('button', { name: 'Email me a link' }).click();
  await visitor.getByRole('status').waitFor();
  await check(visitor, 'forgot-password-sent');
  await visitor.goto(`${server.base}/new-ip?token=${'x'.repeat(43)}`);
  await check(visitor, 'link-unusable');

  // The administrator's first login, from a new address: the waiting page and the link's page.
  const admin = await newPage();
  admin.isAdmin = true;
  await submitLogin(admin, server);
  if (new URL(admin.url()).pathname === '/login/new-ip') {
    await check(admin, 'new-ip-waiting');
    const link = await newestIpLink(server.outbox, 'admin@browser.example');
    await admin.goto(link);
    await check(admin, 'new-ip-link');
    await admin.goto(`${link}&answer=wasnt-me`);
    await check(admin, 'new-ip-link-wasnt-me');
    await admin.goto(link);
    await admin.getByRole('button', { name: 'Yes, this was me' }).click();
    await admin.waitForURL((url) => url.pathname === '/');
  }
  await admin.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();
  await check(admin, 'dashboard');

  // Administrations, employees, a new user and their invitation.
  await admin.goto(`${server.base}/administrations`);
  await check(admin, 'administrations-empty');
  await admin.getByLabel('Name', { exact: true }).fill('');
  await admin.getByRole('button', { name: 'Create administration' }).click();
  await check(admin, 'administrations-problem');
  await admin.getByLabel('Name', { exact: true }).fill('North Books');
  await admin.getByRole('button', { name: 'Create administration' }).click();
  await admin.getByRole('link', { name: 'North Books' }).click();
  await check(admin, 'administration');
  await admin.goto(`${server.base}/employees/new`);
  await check(admin, 'employee-new');
  await admin.getByLabel('Name', { exact: true }).fill('Daan de Boer');
  await admin.getByLabel('Username', { exact: true }).fill('d');
  await admin.getByLabel('Email', { exact: true }).fill('not an address');
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.getByText('A username needs at least 3 characters.').waitFor();
  assert.equal(await admin.getByLabel('Username', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await admin.evaluate(() => document.activeElement?.id), 'username', 'the first field with a problem has the focus');
  await check(admin, 'employee-new-problems');
  await admin.getByLabel('Username', { exact: true }).fill('daan');
  await admin.getByLabel('Email', { exact: true }).fill('daan@browser.example');
  await admin.getByLabel('North Books').check();
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.getByRole('heading', { name: 'Daan de Boer' }).waitFor();
  await check(admin, 'employee');
  const daanPath = new URL(admin.url()).pathname;
  await admin.goto(`${server.base}${daanPath}/edit`);
  await check(admin, 'employee-edit');
  await admin.goto(`${server.base}${daanPath}/security`);
  await check(admin, 'employee-security-of-another');
  await admin.goto(`${server.base}${daanPath}/security/two-factor`);
  await check(admin, 'employee-two-factor-of-another');
  await admin.goto(`${server.base}/employees`);
  await check(admin, 'employees');

  const invitation = mailsTo(server.outbox, 'daan@browser.example').at(-1);
  const link = invitation.match(/http:\/\/localhost:\d+\/set-password\?token=[A-Za-z0-9_-]+/)[0];
  const daan = await newPage({ locale: 'nl-NL' });
  await daan.goto(link);
  await check(daan, 'set-password-nl');
  await daan.getByLabel('Nieuw wachtwoord', { exact: true }).fill('short');
  await daan.getByLabel('Herhaal het nieuwe wachtwoord').fill('short');
  await daan.getByRole('button', { name: 'Wachtwoord instellen' }).click();
  await daan.getByText('Het wachtwoord moet minstens 12 tekens hebben.').waitFor();
  await check(daan, 'set-password-problem-nl');

  // The Security center, its warning before an administrator without two-factor locks
  // themselves in, Company settings, the audit log and the IP addresses.
  await admin.goto(`${server.base}/security-center`);
  await check(admin, 'security-center');
  await admin.getByLabel('Require two-factor authentication for every user').check();
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('heading', { name: 'Require two-factor authentication?' }).waitFor();
  await check(admin, 'security-center-confirm');
  await admin.goto(`${server.base}/account`);
  await check(admin, 'company-settings');
  await admin.goto(`${server.base}/audit`);
  await check(admin, 'audit');
  // The accountancy portal's pages of an administrator: as a firm, and as a client.
  await admin.goto(`${server.base}/portal/firm`);
  await check(admin, 'portal-firm-empty');
  await admin.goto(`${server.base}/account/firms`);
  await check(admin, 'account-firms-empty');
  await admin.goto(`${server.base}/ip-addresses`);
  await check(admin, 'ip-addresses');
  await admin.locator('table a').first().click();
  await check(admin, 'ip-address');

  // Security and login details: the summary and every part.
  await admin.goto(`${server.base}/`);
  await admin.getByRole('link', { name: 'Security and login details' }).click();
  await check(admin, 'security');
  const securityPath = new URL(admin.url()).pathname;
  for (const part of ['passkeys', 'password', 'username', 'sessions', 'ip-addresses', 'language']) {
    await admin.goto(`${server.base}${securityPath}/${part}`);
    await check(admin, `security-${part}`);
  }
  await admin.goto(`${server.base}${securityPath}/password`);
  await admin.getByLabel('Current password').fill('wrong password here');
  await admin.getByLabel('New password', { exact: true }).fill('a completely fresh passphrase');
  await admin.getByLabel('Repeat the new password').fill('a completely fresh passphrase');
  await admin.getByRole('button', { name: 'Change password' }).click();
  await admin.getByText('The password is not correct.').waitFor();
  await check(admin, 'security-password-problem');
  await admin.goto(`${server.base}/security/passkeys/new`);
  await check(admin, 'passkey-new');

  // Two-factor: setup, recovery codes, the confirmation before new codes, the code step.
  await admin.goto(`${server.base}${securityPath}/two-factor`);
  await check(admin, 'security-two-factor-off');
  await admin.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await admin.getByRole('img', { name: 'QR code' }).waitFor();
  await check(admin, 'two-factor-setup');
  const key = (await admin.getByLabel('Setup key').textContent()).replaceAll(' ', '');
  await admin.getByLabel('Authentication code').fill(oathtool(key));
  await admin.getByRole('button', { name: 'Verify' }).click();
  await admin.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  await check(admin, 'recovery-codes');
  const codes = (await admin.getByLabel('Recovery codes').textContent()).trim().split('\n');
  await admin.goto(`${server.base}${securityPath}/two-factor`);
  await check(admin, 'security-two-factor-on');
  await admin.getByRole('button', { name: 'Make new recovery codes' }).click();
  await admin.getByRole('heading', { name: 'Are you sure?' }).waitFor();
  await check(admin, 'confirm');

  const second = await newPage();
  await submitLogin(second, server);
  await second.getByLabel('Authentication code').waitFor();
  await check(second, 'login-code');
  await second.getByRole('link', { name: 'Use a recovery code' }).click();
  await second.getByLabel('Recovery code').fill('WRONG-CODE');
  await second.getByRole('button', { name: 'Verify' }).click();
  await second.getByRole('alert').or(second.locator('.field-error')).first().waitFor();
  await check(second, 'login-recovery-code-problem');
  await second.getByLabel('Recovery code').fill(codes[0]);
  await second.getByRole('button', { name: 'Verify' }).click();
  await second.getByText('You have 9 recovery codes left.').waitFor();
  await check(second, 'dashboard-after-recovery-code');

  // The helpdesk's pages, once the account lets the helpdesk in.
  server.cli(['operator', 'create', '--username', 'piet', '--email', 'piet@helpdesk.example',
    '--password-stdin', '--json'], 'staff room kettle whistles');
  await admin.goto(`${server.base}/security-center`);
  await admin.getByRole('button', { name: 'Give helpdesk access for one month' }).click();
  await admin.getByText('The helpdesk has access for one month.').waitFor();
  const piet = await newPage();
  await piet.goto(`${server.base}/helpdesk/login`);
  await check(piet, 'helpdesk-login');
  await piet.getByLabel('Username').fill('piet');
  await piet.getByLabel('Password').fill('staff room kettle whistles');
  await piet.getByRole('button', { name: 'Log in' }).click();
  await piet.getByLabel('Setup key').waitFor();
  await check(piet, 'helpdesk-setup');
  const pietKey = (await piet.getByLabel('Setup key').textContent()).replaceAll(' ', '');
  await piet.getByLabel('Authentication code').fill(oathtool(pietKey));
  await piet.getByRole('button', { name: 'Verify' }).click();
  await piet.getByRole('heading', { name: 'Accounts you may help' }).waitFor();
  await check(piet, 'helpdesk-accounts');
  await piet.getByRole('link', { name: 'Browser Test Ltd' }).click();
  await check(piet, 'helpdesk-account');

  // Pages that say something went wrong.
  await admin.goto(`${server.base}/employees/not-an-id`);
  await check(admin, 'not-found');
  await admin.goto(`${server.base}/reauth?next=/account`);
  await check(admin, 'reauth');
  // Forward-auth's step-up: this session proved the password only, the app is set up since.
  await admin.goto(`${server.base}/login/step-up?need=two_factor`);
  await admin.getByLabel('Authentication code').waitFor();
  await check(admin, 'step-up');
  await admin.goto(`${server.base}/login/step-up?need=passkey`);
  await check(admin, 'step-up-passkey');

  // The administrator chooses Dutch: every page seen again, with Dutch's longer words.
  await admin.goto(`${server.base}${securityPath}/language`);
  await admin.getByLabel('Nederlands').check();
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Je taal is opgeslagen.').waitFor();
  assert.equal(await admin.locator('html').getAttribute('lang'), 'nl');
  for (const [name, url] of revisit) {
    // Pages that answered a form (a POST) are not there to GET again.
    const response = await admin.goto(url);
    if (response.status() !== 200) continue;
    await check(admin, `${name}-nl`);
  }

  assert.ok(seen.length >= 70, `only ${seen.length} pages were seen`);
  assert.deepEqual(problems, []);
});

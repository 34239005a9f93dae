// An employee who lost their phone gets back in through the helpdesk: the administrator grants
// access, the operator logs in (password and an authenticator code from oathtool), finds the
// account and resets the employee's factors; the employee logs in with the password and sets up
// two-factor authentication again; the account's audit log and the employee's own activity
// show what the helpdesk did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withServerAndBrowser, submitLogin, shots, confirmNewIpIfAsked } from './harness.mjs';

const LOTTE_PASSWORD = 'harbour lights at dusk';
const PIET_PASSWORD = 'staff room kettle whistles';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const oathtool = (key) => execFileSync('oathtool', ['--totp', '-b', key]).toString().trim();

async function turnOnTwoFactor(page) {
  await page.getByRole('navigation', { name: 'Main menu' })
    .getByRole('link', { name: 'Security and login details' }).click();
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  const key = (await page.getByLabel('Setup key').textContent()).replaceAll(' ', '');
  await page.getByLabel('Authentication code').fill(oathtool(key));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
}

test('an employee who lost their phone gets back in through the helpdesk', async () => {
  const account = server.account;
  server.cli(['user', 'create', '--account-id', account.account_id, '--username', 'lotte',
    '--name', 'Lotte Visser', '--email', 'lotte@browser.example', '--kind', 'employee',
    '--password-stdin', '--json'], LOTTE_PASSWORD);
  server.cli(['operator', 'create', '--username', 'piet', '--email', 'piet@helpdesk.example',
    '--password-stdin', '--json'], PIET_PASSWORD);

  // Lotte sets up two-factor authentication, then loses her phone.
  const lotte = await (await browser.newContext()).newPage();
  await submitLogin(lotte, server, { username: 'lotte', password: LOTTE_PASSWORD });
  await confirmNewIpIfAsked(lotte, server, 'lotte@browser.example');
  await turnOnTwoFactor(lotte);
  await lotte.getByRole('link', { name: 'I have saved them' }).click();
  await lotte.getByRole('button', { name: 'Log out' }).click();
  await submitLogin(lotte, server, { username: 'lotte', password: LOTTE_PASSWORD });
  await lotte.getByLabel('Authentication code').waitFor();

  // Her administrator lets the helpdesk in.
  const admin = await (await browser.newContext()).newPage();
  await submitLogin(admin, server);
  await confirmNewIpIfAsked(admin, server, 'admin@browser.example');
  await admin.getByRole('link', { name: 'Security center' }).click();
  await admin.getByRole('button', { name: 'Give helpdesk access for one month' }).click();
  await admin.getByText('The helpdesk has access for one month.').waitFor();

  // The operator: password, then the second factor the helpdesk requires, set up now.
  const piet = await (await browser.newContext()).newPage();
  await piet.goto(`${server.base}/helpdesk/login`);
  await piet.getByLabel('Username').fill('piet');
  await piet.getByLabel('Password').fill(PIET_PASSWORD);
  await piet.getByRole('button', { name: 'Log in' }).click();
  const key = (await piet.getByLabel('Setup key').textContent()).replaceAll(' ', '');
  await piet.getByLabel('Authentication code').fill(oathtool(key));
  await piet.getByRole('button', { name: 'Verify' }).click();
  await piet.getByRole('heading', { name: 'Accounts you may help' }).waitFor();
  await piet.getByLabel('Account name or security code').fill('Browser Test');
  await piet.getByRole('button', { name: 'Search' }).click();
  await piet.getByRole('link', { name: 'Browser Test Ltd' }).click();
  await piet.getByText('Help Lotte Visser').click();
  const row = piet.locator('table.helpdesk-users tbody tr', { hasText: 'Lotte Visser' });
  await row.getByLabel('How you verified who you are talking to').fill('Called back on her desk phone');
  await row.getByRole('button', { name: 'Reset the lost factors' }).click();
  await piet.getByText('The factors are reset').waitFor();
  await piet.screenshot({ path: join(shots, 'helpdesk-account.png'), fullPage: true });

  // Lotte logs in with her password alone and sets up two-factor again.
  await submitLogin(lotte, server, { username: 'lotte', password: LOTTE_PASSWORD });
  await lotte.getByRole('heading', { name: 'Welcome, Lotte Visser' }).waitFor();
  await lotte.getByRole('link', { name: 'Security and login details' }).click();
  const activity = lotte.getByRole('region', { name: 'Recent security activity, newest first' });
  await activity.getByText('Lost factors reset by the helpdesk').waitFor();
  assert.match(await activity.textContent(), /Lost factors reset by the helpdesk\s*Helpdesk \(piet\)/);
  await turnOnTwoFactor(lotte);

  // Her administrator sees it in the audit log, with the operator's note.
  await admin.goto(`${server.base}/audit?event=helpdesk.factors_reset`);
  const line = admin.locator('table.audit tbody tr').first();
  assert.match(await line.textContent(), /Lost factors reset by the helpdesk.*lotte.*Helpdesk \(piet\).*Called back on her desk phone/s);
  await admin.goto(`${server.base}/audit?event=helpdesk.viewed`);
  assert.match(await admin.locator('table.audit tbody tr').first().textContent(), /Viewed by the helpdesk/);
});

test('an operator sets up a passkey as their second factor and logs in with it', async () => {
  server.cli(['operator', 'create', '--username', 'anna', '--email', 'anna@helpdesk.example',
    '--password-stdin', '--json'], PIET_PASSWORD);
  const context = await browser.newContext();
  const anna = await context.newPage();
  const cdp = await context.newCDPSession(anna);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const passwordStep = async () => {
    await anna.goto(`${server.base}/helpdesk/login`);
    await anna.getByLabel('Username').fill('anna');
    await anna.getByLabel('Password').fill(PIET_PASSWORD);
    await anna.getByRole('button', { name: 'Log in' }).click();
  };

  // First login: the choice between an app and a passkey; she takes the passkey.
  await passwordStep();
  await anna.getByRole('heading', { name: 'Or with a passkey' }).waitFor();
  await anna.getByLabel('Name (optional)').fill('Desk laptop');
  await anna.getByRole('button', { name: 'Create passkey' }).click();
  await anna.getByText('Your passkey is set up.').waitFor();
  await anna.getByRole('heading', { name: 'Accounts you may help' }).waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  await anna.getByRole('button', { name: 'Log out' }).click();

  // The next login asks for that passkey, and offers no setup any more.
  await passwordStep();
  await anna.getByRole('button', { name: 'Use a passkey' }).click();
  await anna.getByRole('heading', { name: 'Accounts you may help' }).waitFor();
});

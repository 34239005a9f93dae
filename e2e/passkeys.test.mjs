// Passkeys in headless Chromium with CDP virtual authenticators (CTAP2, internal, resident
// keys, user verification): create one on Security and login details, log out, log in with
// "Log in with a passkey" without typing anything, add a second on another authenticator,
// rename one and delete one.
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

async function addAuthenticator(cdp) {
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
  return authenticatorId;
}

test('create two passkeys, log in with one and no typing, rename and delete', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const first = await addAuthenticator(cdp);

  await submitLogin(page, server);
  await confirmNewIpIfAsked(page, server, 'admin@browser.example');

  await page.getByRole('link', { name: 'Security and login details' }).click();
  await page.getByRole('link', { name: 'Manage passkeys' }).click();
  await page.getByRole('link', { name: 'Create a new passkey' }).click();
  await page.getByLabel('Name (optional)').fill('Work laptop');
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.getByText('The passkey is added.').waitFor();
  await page.locator('.passkey-list strong', { hasText: 'Work laptop' }).waitFor();
  await page.getByText('Create a second one on another device').waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: first });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].isResidentCredential, true, 'a discoverable credential');

  // Log out; the login page offers the passkey in autofill at once (conditional mediation).
  // The virtual authenticator answers every request by itself, so "the user" is away while the
  // page asks for autofill: that request waits (the page says so), and stays unanswered when
  // the user comes back. The click cancels it and makes the button's own request.
  await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: first, enabled: false });
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('You have logged out.').waitFor();
  await page.getByText('Your browser also offers your passkeys in the Username field.').waitFor();
  await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: first, enabled: true });
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();
  await page.screenshot({ path: join(shots, 'passkey-login.png'), fullPage: true });

  // Autofill alone logs in too: log out and open the login page; the browser offers the
  // passkey for the username field, the (simulated) user picks it, nothing is typed.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL((url) => url.pathname === '/', { timeout: 15000 });
  await page.getByRole('heading', { name: 'Welcome, browser-admin' }).waitFor();

  // A second passkey, on another authenticator (the first one already holds one).
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
  await addAuthenticator(cdp);
  await page.getByRole('link', { name: 'Security and login details' }).click();
  await page.getByRole('link', { name: 'Manage passkeys' }).click();
  await page.getByRole('link', { name: 'Create a new passkey' }).click();
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.getByText('The passkey is added.').waitFor();
  const items = page.locator('.passkey-list li');
  await items.nth(1).waitFor();
  assert.equal(await items.count(), 2);
  await page.screenshot({ path: join(shots, 'passkeys.png'), fullPage: true });

  // Rename the second, delete the first.
  const second = items.nth(1);
  await second.getByRole('textbox').fill('Phone');
  await second.getByRole('button', { name: 'Rename' }).click();
  await page.getByText('Your changes are saved.').waitFor();
  await page.locator('.passkey-list strong', { hasText: 'Phone' }).waitFor();
  await page.getByRole('button', { name: 'Delete Work laptop' }).click();
  // Asked first, on a page of its own; cancelling would change nothing.
  await page.getByRole('heading', { name: 'Delete the passkey "Work laptop"?' }).waitFor();
  await page.getByRole('button', { name: 'Delete passkey' }).click();
  await page.getByText('The passkey is deleted.').waitFor();
  assert.equal(await page.locator('.passkey-list li').count(), 1);
  assert.equal(await page.locator('.passkey-list strong', { hasText: 'Work laptop' }).count(), 0);
  await context.close();
});

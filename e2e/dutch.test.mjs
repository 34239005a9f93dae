// A whole login and two-factor setup in Dutch, on a phone-sized screen: a Dutch account
// (Amsterdam time), a browser that asks for English, and the login page's language switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withServerAndBrowser, shots, confirmNewIpIfAsked, mailsTo, PASSWORD } from './harness.mjs';

let server;
let browser;

withServerAndBrowser((s, b) => {
  server = s;
  browser = b;
}, { language: 'nl' });

const oathtool = (key) => execFileSync('oathtool', ['--totp', '-b', key]).toString().trim();

async function logIn(page) {
  await page.getByLabel('Beveiligingscode').fill(server.account.security_code);
  await page.getByLabel('Gebruikersnaam', { exact: true }).fill('browser-admin');
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
}

test('inloggen en tweestapsverificatie aanzetten, helemaal in het Nederlands', async () => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();

  // The browser asks for English; the switch on the login page chooses Dutch, and it sticks.
  await page.goto(`${server.base}/login`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.getByRole('link', { name: 'Nederlands' }).click();
  await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'nl');
  await page.screenshot({ path: join(shots, 'nl-login.png'), fullPage: true });

  await logIn(page);
  // A first login from this address: the confirmation email is Dutch (the account's language).
  if (new URL(page.url()).pathname === '/login/new-ip') {
    await page.getByRole('heading', { name: 'Bevestig je nieuwe IP-adres' }).waitFor();
    const mail = mailsTo(server.outbox, 'admin@browser.example').at(-1);
    assert.match(mail, /Bevestig je login vanaf een nieuw IP-adres/);
    assert.match(mail, /Tijdstip: .* (CET|CEST)/);
  }
  await confirmNewIpIfAsked(page, server, 'admin@browser.example', { button: 'Ja, dit was ik' });
  await page.getByRole('heading', { name: 'Welkom, browser-admin' }).waitFor();

  // On a phone the menu sits behind a button.
  const menuButton = page.getByRole('button', { name: 'Menu' });
  assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.getByRole('link', { name: 'Beveiliging en inloggegevens' }).isVisible(), false);
  await menuButton.click();
  await page.getByRole('link', { name: 'Beveiliging en inloggegevens' }).click();

  // The summary: two-factor is off, the button to turn it on is there.
  await page.getByRole('heading', { name: 'Tweestapsverificatie', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Tweestapsverificatie aanzetten' }).click();
  await page.getByRole('img', { name: 'QR-code' }).waitFor();
  const key = (await page.getByLabel('Instelsleutel').textContent()).replaceAll(' ', '');
  assert.match(key, /^[A-Z2-7]{32}$/);
  // A wrong code first: the problem is said beside the field, in Dutch.
  await page.getByLabel('Verificatiecode').fill('000000');
  await page.getByRole('button', { name: 'Controleren' }).click();
  await page.getByText('Die code klopt niet.').waitFor();
  assert.equal(await page.getByLabel('Verificatiecode').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Verificatiecode').fill(oathtool(key));
  await page.getByRole('button', { name: 'Controleren' }).click();
  await page.getByRole('heading', { name: 'Je herstelcodes' }).waitFor();
  const codes = (await page.getByLabel('Herstelcodes').textContent()).trim().split('\n');
  assert.equal(codes.length, 10);
  await page.screenshot({ path: join(shots, 'nl-recovery-codes.png'), fullPage: true });
  await page.getByRole('link', { name: 'Ik heb ze bewaard' }).click();
  await page.getByText('Nog 10 herstelcodes over.').waitFor();

  // Times are Amsterdam's, with the zone named.
  await page.getByRole('link', { name: 'Sessies bekijken' }).click();
  await page.getByText('Deze browser').waitFor();
  assert.match(await page.locator('table').textContent(), /\d{2}:\d{2} (CET|CEST)/);

  // Log out and back in with a recovery code (a fresh app code could be the one just used).
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Uitloggen', exact: true }).click();
  await page.getByText('Je bent uitgelogd.').waitFor();
  await logIn(page);
  await page.getByText('Je logt in als browser-admin bij Browser Test Ltd.').waitFor();
  await page.getByRole('link', { name: 'Een herstelcode gebruiken' }).click();
  await page.getByLabel('Herstelcode').fill(codes[0]);
  await page.getByRole('button', { name: 'Controleren' }).click();
  await page.getByRole('heading', { name: 'Welkom, browser-admin' }).waitFor();
  await page.getByText('Je hebt nog 9 herstelcodes.').waitFor();
  await page.screenshot({ path: join(shots, 'nl-dashboard.png'), fullPage: true });
  await context.close();
});

// The README's run command as a Dutch accountant on a phone meets it: the demo's printed login
// works, pages are Dutch (the browser asks for Dutch) with Amsterdam time, and the demo mailbox
// passes the same accessibility and phone-width checks as every other page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer, launchBrowser, mailsTo } from './harness.mjs';
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

test('de demo: inloggen met wat hij afdrukt, Amsterdamse tijd en een toegankelijk postvak', async () => {
  const problems = [];
  const context = await browser.newContext({ bypassCSP: true, locale: 'nl-NL', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${demo.base}/login`);
  await page.getByLabel('Beveiligingscode').fill(demo.securityCode);
  await page.getByLabel('Gebruikersnaam', { exact: true }).fill(demo.admin.username);
  await page.getByLabel('Wachtwoord').fill(demo.admin.password);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  // Greeted by name, not username.
  await page.getByRole('heading', { name: 'Welkom, Anna de Vries' }).waitFor();

  // The demo company is Dutch: its times are Amsterdam's, whatever the page's language.
  await page.goto(`${demo.base}/audit`);
  assert.match(await page.locator('table').textContent(), /\d{2}:\d{2} (CET|CEST)/);
  assert.match(await page.locator('.lead').textContent(), /Europe\/Amsterdam/);

  // A mail to look at: the employee forgot their password.
  const visitor = await (await browser.newContext({ locale: 'nl-NL' })).newPage();
  await visitor.goto(`${demo.base}/forgot-password`);
  await visitor.getByLabel('Beveiligingscode').fill(demo.securityCode);
  await visitor.getByLabel('Gebruikersnaam').fill(demo.employee.username);
  await visitor.getByRole('button', { name: 'Mail mij een link' }).click();
  await visitor.getByRole('status').waitFor();
  for (let i = 0; i < 100 && mailsTo(demo.outbox, 'employee@demo.example').length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }

  await page.goto(`${demo.base}/dev/mail`);
  await page.getByRole('heading', { name: 'Postvak' }).waitFor();
  await checkPage(page, 'demo-mailbox-nl', problems);
  await page.getByRole('link', { name: 'Choose a new password' }).click();
  await checkPage(page, 'demo-mail-nl', problems);
  assert.deepEqual(problems, []);
  await context.close();
});

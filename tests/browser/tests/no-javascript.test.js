// Without JavaScript: the portal works as plain HTML. Search, open a service and send the
// accessibility feedback form in a browser context whose scripts are switched off.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser } from '../lib/fixture.js';

const fixture = serverAndBrowser({ javaScriptEnabled: false });

test('scripts really are off in this context', async () => {
  const page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/`);
  // site.js turns the search field into a combobox; without JavaScript it stays a plain field.
  assert.equal(await page.locator('#site-search-q').getAttribute('role'), null, 'site.js ran although JavaScript is off');
  await page.close();
});

test('search and open a service', async () => {
  const page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/`);
  await page.locator('#site-search-q').fill('personalausweis');
  await Promise.all([page.waitForURL(/\/de\/search\?q=personalausweis/), page.getByRole('button', { name: 'Suchen' }).click()]);
  const status = await page.locator('main [role=status]').innerText();
  assert.match(status, /^[1-9]\d* Treffer$/, `the search should report its hits, it says "${status}"`);

  const result = page.locator('.search-results a', { hasText: 'Personalausweis beantragen' });
  await Promise.all([page.waitForURL(/\/de\/services\/personalausweis-beantragen$/), result.click()]);
  assert.equal(await page.locator('main h1').innerText(), 'Personalausweis beantragen');
  await page.getByRole('heading', { name: 'Kosten' }).waitFor();
  await page.close();
});

test('send the accessibility feedback form', async () => {
  const page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/pages/barrierefreiheit`);
  const form = page.locator('#feedback form');
  await form.getByLabel('Auf welcher Seite?').fill('/de/services/fundsache');
  await form.getByLabel('Was ist die Barriere?').fill('Die Tabelle der Öffnungszeiten liest mein Screenreader durcheinander vor.');
  await Promise.all([page.waitForURL(/sent=1/), form.locator('button[type=submit]').click()]);

  const thanks = page.locator('#feedback [role=status]');
  assert.equal(await thanks.isVisible(), true, 'after sending, a confirmation should be shown');
  assert.match(await thanks.innerText(), /Vielen Dank/);
  assert.equal(await page.locator('#feedback .kern-alert--danger').count(), 0, 'a sent form should show no errors');
  await page.close();
});

test('the sign-in page says that signing in with a passkey needs JavaScript', async () => {
  const page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/account/sign-in`);
  assert.ok(await page.getByText('Die Anmeldung mit Passkey braucht JavaScript').isVisible());
  assert.ok(await page.getByRole('button', { name: 'Mit Passkey anmelden' }).isHidden());
  // The password form works as always.
  assert.ok(await page.getByRole('button', { name: 'Anmelden', exact: true }).isVisible());
  await page.close();
});

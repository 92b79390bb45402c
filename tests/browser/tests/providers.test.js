// Signing in through an identity provider in a real browser. The provider is oidc-provider
// (tests/oidc), a real OpenID Connect implementation on a loopback port, standing in for a
// city's Keycloak in front of BundID; its login page has a button per test account. Max signs
// in with a password there (trust level low), finds the provider linked to his new account,
// and is asked to step up when he applies for a service that needs the online ID card; a
// confirmation that comes back too low leaves his sign-in as it was. His account has no
// password, so his recent sign-in confirms deleting it. axe checks every page of the portal on
// the way (the provider's own page is not the portal's).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../lib/accessibility.js';
import { serverAndBrowser } from '../lib/fixture.js';
import { startProvider } from '../lib/provider.js';
import { freePort } from '../lib/server.js';

let provider;
const fixture = serverAndBrowser({}, async () => {
  // The provider accepts only callbacks it knows, so the portal's port is chosen first.
  const port = await freePort();
  provider = await startProvider(`http://localhost:${port}`);
  return { port, env: { RATHAUS_CONFIG: provider.configFile } };
});
after(() => {
  provider?.stop();
});

/** Presses the portal's button that leads to the provider and waits until the browser is
 * back in the portal; signs in there as `account` if the provider asks who is there. */
async function throughProvider(page, button, account) {
  const portal = new URL(fixture.server.baseUrl).origin;
  const start = page.url();
  const elsewhere = (url) => url.href !== start && (url.origin === portal || url.pathname.startsWith('/interaction/'));
  await Promise.all([page.waitForURL(elsewhere), page.getByRole('button', { name: button }).click()]);
  if (new URL(page.url()).origin !== portal) {
    await Promise.all([
      page.waitForURL((url) => url.origin === portal),
      page.getByRole('button', { name: new RegExp(`^${account} `) }).click(),
    ]);
  }
}

describe('signing in through an identity provider', () => {
  let page;
  before(async () => {
    page = await fixture.browser.context.newPage();
  });
  after(async () => {
    await page?.close();
  });

  test('the sign-in page offers the provider, and signing in there makes an account', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/sign-in`);
    await assertAccessible(page, 'sign-in page with an identity provider');
    await throughProvider(page, 'Anmelden mit Stadt-Login', 'Max');

    assert.match(page.url(), /\/de\/account\?note=welcome$/);
    await assertAccessible(page, 'account overview after signing in through the provider');
    assert.match(await page.textContent('main'), /Max Mustermann/);
    assert.match(await page.textContent('main'), /niedrig/);
  });

  test('the security page lists the linked provider', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/security`);
    await assertAccessible(page, 'security page with a linked provider');
    assert.match(await page.textContent('main'), /Stadt-Login: verknüpft seit/);
  });

  test('a service that needs the online ID card asks for a step-up; too low a level changes nothing', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/apply/einbuergerung`);
    await page.waitForURL(/\/de\/account\/step-up\?level=high/);
    await assertAccessible(page, 'step-up page');
    assert.match(await page.textContent('main'), /Vertrauensniveau hoch/);

    await throughProvider(page, 'Bestätigen mit Stadt-Login', 'Max');
    await page.waitForSelector('text=Ihre Anmeldung bleibt, wie sie war');
    await assertAccessible(page, 'a step-up that came back too low');

    await page.goto(`${fixture.server.baseUrl}/de/account`);
    assert.match(await page.textContent('main'), /niedrig/, 'still signed in, at the level before');
  });

  test('the account, which has no password, is deleted on the strength of the recent sign-in', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/delete`);
    await assertAccessible(page, 'deletion page of an account without a password');
    assert.match(await page.textContent('main'), /Ihr Konto hat kein Passwort/);
    assert.equal(await page.locator('input[type=password]').count(), 0);

    await page.getByRole('button', { name: 'Mein Konto löschen' }).click();
    await page.waitForURL(/\/de\/account\/deleted$/);
    await assertAccessible(page, 'confirmation of the deletion');
  });
});

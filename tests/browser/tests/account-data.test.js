// A citizen's own data in a real browser: Maria signs up with the link from a real SMTP
// server, enters her bank account (a typing error is named at the IBAN first), reads her
// consents and data-use log, opens the copy of her data and deletes her account. axe checks
// every page on the way; a second browser with JavaScript off (where axe cannot run) changes
// a value too.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../lib/accessibility.js';
import { openBrowser } from '../lib/browser.js';
import { serverAndBrowser } from '../lib/fixture.js';
import { startMailbox } from '../lib/mailbox.js';

const maria = { email: 'maria.daten@example.org', name: 'Maria Daten', password: 'Mein Hund heißt Bello und bellt' };

let mailbox;
const fixture = serverAndBrowser({}, async () => {
  mailbox = await startMailbox();
  return {
    env: {
      RATHAUS_MAIL__SMTP_URL: mailbox.url,
      RATHAUS_MAIL__FROM: 'Serviceportal Musterstadt <portal@musterstadt.example>',
    },
  };
});
after(async () => {
  await mailbox?.stop();
});

/** The first link in a message's text. */
function linkIn(message) {
  const match = message.text.match(/https?:\/\/\S+/);
  assert.ok(match, `a link in: ${message.text}`);
  return match[0];
}

describe("a citizen's own data", () => {
  let page;
  before(async () => {
    page = await fixture.browser.context.newPage();
    await page.goto(`${fixture.server.baseUrl}/de/account/sign-up`);
    await page.fill('#account-name', maria.name);
    await page.fill('#account-email', maria.email);
    await page.fill('#account-password', maria.password);
    await page.fill('#account-password-again', maria.password);
    const sent = mailbox.messages.length;
    await page.click('main button[type=submit]');
    await page.waitForSelector('text=Bitte sehen Sie in Ihr Postfach');
    const message = await mailbox.waitFor(maria.email, { since: sent });
    await page.goto(linkIn(message));
    await page.click('text=Konto anlegen und anmelden');
    await page.waitForURL(/\/de\/account\?note=welcome/);
  });
  after(async () => {
    await page?.close();
  });

  test('the overview leads to every page of the account', async () => {
    await assertAccessible(page, 'account overview with its navigation');
    const nav = page.locator('nav.account-nav');
    for (const name of ['Ihre Daten', 'Einwilligungen', 'Protokoll der Datennutzung', 'Kopie Ihrer Daten', 'Konto löschen']) {
      assert.equal(await nav.getByRole('link', { name, exact: true }).count(), 1, name);
    }
  });

  test('a mistyped IBAN is named at its field, the corrected one is saved', async () => {
    await page.locator('nav.account-nav').getByRole('link', { name: 'Ihre Daten', exact: true }).click();
    await page.waitForURL(/\/de\/account\/profile$/);
    await assertAccessible(page, 'profile page');
    await page.locator('#attribute-payment-bank-account a').click();
    await assertAccessible(page, 'bank account form');

    await page.fill('#account-iban', 'DE89 3704 0044 0532 0130 01');
    await page.fill('#account-holder', maria.name);
    await page.click('main button[type=submit]');
    await page.waitForSelector('#error-summary');
    await assertAccessible(page, 'bank account form with an error');
    assert.match(await page.textContent('#account-iban-error'), /Prüfziffern/);
    assert.equal(await page.inputValue('#account-holder'), maria.name, 'the holder stays');
    await page.click('#error-summary a');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-iban');

    await page.fill('#account-iban', 'DE89 3704 0044 0532 0130 00');
    await page.click('main button[type=submit]');
    await page.waitForURL(/note=value-saved/);
    await assertAccessible(page, 'profile page with a value and a note');
    assert.match(await page.textContent('#attribute-payment-bank-account'), /DE89 3704 0044 0532 0130 00/);
    assert.match(await page.textContent('#attribute-payment-bank-account'), /Von Ihnen eingegeben/);
  });

  test('consents, data-use log and the copy of the data read well', async () => {
    for (const [path, name] of [
      ['/de/account/consents', 'consents page'],
      ['/de/account/data-use', 'data-use log'],
      ['/de/account/export', 'copy of the data'],
      ['/ls/account/profile', 'profile page in Leichte Sprache'],
      ['/en/account/delete', 'deletion page in English'],
    ]) {
      await page.goto(`${fixture.server.baseUrl}${path}`);
      await assertAccessible(page, name);
    }
    await page.goto(`${fixture.server.baseUrl}/de/account/export`);
    assert.match(await page.textContent('main'), /maria\.daten@example\.org/);
    assert.match(await page.textContent('main'), /DE89 3704 0044 0532 0130 00/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Als Datei herunterladen (JSON)' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^my-data-\d{4}-\d{2}-\d{2}\.json$/);
  });

  test('with JavaScript off, a value is changed all the same', async () => {
    const plain = await openBrowser({ javaScriptEnabled: false });
    try {
      await plain.context.addCookies(await fixture.browser.context.cookies());
      const other = await plain.context.newPage();
      await other.goto(`${fixture.server.baseUrl}/de/account/profile/person.family_name`);
      await other.fill('#account-value', 'Daten');
      await Promise.all([other.waitForURL(/note=value-saved/), other.click('main button[type=submit]')]);
      assert.match(await other.textContent('#attribute-person-family-name'), /Daten/);
    } finally {
      await plain.close();
    }
  });

  test('deleting the account needs the password and ends with a confirmation', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/delete`);
    await assertAccessible(page, 'deletion page');
    await page.fill('#account-delete-password', 'nicht mein Passwort');
    await page.click('main button[type=submit]');
    await page.waitForSelector('#error-summary');
    await assertAccessible(page, 'deletion page with an error');
    assert.match(await page.textContent('#account-delete-password-error'), /Passwort stimmt nicht/);

    await page.fill('#account-delete-password', maria.password);
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/de\/account\/deleted$/);
    await assertAccessible(page, 'confirmation of the deletion');
    assert.match(await page.textContent('h1'), /Ihr Konto ist gelöscht/);

    await page.goto(`${fixture.server.baseUrl}/de/account`);
    assert.match(page.url(), /\/de\/account\/sign-in\?next=/);
  });
});

// A citizen's account in a real browser: signing up with the link from a real SMTP server,
// setting up an authenticator app, signing in again with its code, and resetting a
// forgotten password. axe checks every account page on the way, in German and in
// Leichte Sprache.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../lib/accessibility.js';
import { serverAndBrowser } from '../lib/fixture.js';
import { startMailbox } from '../lib/mailbox.js';
import { totp, untilNextStep } from '../lib/totp.js';

const screenshots = fileURLToPath(new URL('../screenshots/', import.meta.url));
const maria = { email: 'maria.muster@example.org', name: 'Maria Muster', password: 'Mein Hund heißt Bello und bellt' };

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

/** Waits, if needed, so that a fresh authenticator step has begun: a code is used once. */
async function freshStep() {
  if (untilNextStep() < 28_000) {
    await new Promise((resolve) => setTimeout(resolve, untilNextStep() + 200));
  }
}

describe("a citizen's account", () => {
  let page;
  before(async () => {
    page = await fixture.browser.context.newPage();
  });
  after(async () => {
    await page?.close();
  });

  test('Maria signs up; a common password is refused first', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/`);
    await page.click('text=Mein Konto');
    assert.match(page.url(), /\/de\/account\/sign-in\?next=/);
    await assertAccessible(page, 'sign-in page');
    await page.click('text=Noch kein Konto? Jetzt registrieren');
    await assertAccessible(page, 'sign-up page');

    await page.fill('#account-name', maria.name);
    await page.fill('#account-email', maria.email);
    await page.fill('#account-password', 'Fussball2026!!');
    await page.fill('#account-password-again', 'Fussball2026!!');
    await page.click('main button[type=submit]');
    await page.waitForSelector('#error-summary');
    await assertAccessible(page, 'sign-up page with errors');
    assert.match(await page.textContent('#account-password-error'), /häufigsten/);
    assert.equal(await page.inputValue('#account-email'), maria.email, 'the address stays');

    const before = mailbox.messages.length;
    await page.fill('#account-password', maria.password);
    await page.fill('#account-password-again', maria.password);
    await page.click('main button[type=submit]');
    await page.waitForSelector('text=Bitte sehen Sie in Ihr Postfach');
    await assertAccessible(page, 'check your mail');

    const message = await mailbox.waitFor(maria.email, { since: before });
    assert.match(message.subject, /Konto/);
    await page.goto(linkIn(message));
    await assertAccessible(page, 'confirm the sign-up');
    await page.click('text=Konto anlegen und anmelden');
    await page.waitForURL(/\/de\/account\?note=welcome/);
    await assertAccessible(page, 'account overview');
    assert.match(await page.textContent('main'), /Willkommen/);
  });

  test('Maria sets up an authenticator app and signs in with it on the next visit', async () => {
    await page.click('text=Anmeldung und Sicherheit');
    await assertAccessible(page, 'security page');
    await page.screenshot({ path: `${screenshots}account-security-1280.png`, fullPage: true });
    await page.click('text=Anmelde-App einrichten');
    await assertAccessible(page, 'authenticator set-up');
    maria.secret = (await page.textContent('#secret')).replace(/\s/g, '');
    await freshStep();
    await page.fill('#account-code', totp(maria.secret));
    await page.click('main button[type=submit]');
    await page.waitForSelector('text=Ihre Wiederherstellungscodes');
    await assertAccessible(page, 'recovery codes');
    assert.equal(await page.locator('.account-codes li').count(), 10);
    await page.click('text=Ich habe die Codes gesichert');

    await page.goto(`${fixture.server.baseUrl}/de/account`);
    await page.click('main button:has-text("Abmelden")');
    await page.waitForURL(/note=signed-out/);
    await assertAccessible(page, 'signed out');

    await page.fill('#account-email', maria.email);
    await page.fill('#account-password', maria.password);
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/account\/sign-in\/code/);
    await assertAccessible(page, 'code page');
    await freshStep();
    await page.fill('#account-code', totp(maria.secret));
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/de\/account$/);
    assert.match(await page.textContent('main'), /maria\.muster@example\.org/);
  });

  test('a forgotten password is set anew through the emailed link', async () => {
    await page.click('main button:has-text("Abmelden")');
    await page.waitForURL(/note=signed-out/);
    await page.click('text=Passwort vergessen?');
    await assertAccessible(page, 'forgotten password');
    const before = mailbox.messages.length;
    await page.fill('#account-email', maria.email);
    await page.click('main button[type=submit]');
    await page.waitForSelector('text=Bitte sehen Sie in Ihr Postfach');

    const message = await mailbox.waitFor(maria.email, { since: before });
    await page.goto(linkIn(message));
    await assertAccessible(page, 'new password');
    maria.password = 'Ein neuer Satz als Passwort für Maria';
    await page.fill('#account-password', maria.password);
    await page.fill('#account-password-again', maria.password);
    await page.click('main button[type=submit]');
    await page.waitForURL(/note=reset/);
    assert.match(await page.textContent('main'), /neues Passwort gilt/);

    // The used link works no more.
    const again = await page.goto(linkIn(message));
    assert.equal(again.status(), 404);
    await assertAccessible(page, 'used link');
  });

  test('the account pages read in Leichte Sprache too', async () => {
    await page.goto(`${fixture.server.baseUrl}/ls/account/sign-up`);
    await assertAccessible(page, 'sign-up page in Leichte Sprache');
    assert.match(await page.textContent('h1'), /Konto machen/);
  });
});

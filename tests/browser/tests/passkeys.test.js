// Passkeys in a real browser: Chromium's virtual authenticator (the DevTools WebAuthn domain)
// stands in for a phone or a security key with a fingerprint reader. A citizen signs up, adds
// a passkey, signs in with it alone, removes the password and signs in again without one.
// axe checks every page on the way.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../lib/accessibility.js';
import { serverAndBrowser } from '../lib/fixture.js';
import { startMailbox } from '../lib/mailbox.js';

const clara = { email: 'clara.beispiel@example.org', name: 'Clara Beispiel', password: 'Clara geht gern im Park spazieren' };

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

/** Gives the page a virtual platform authenticator that verifies the person at once. */
async function addAuthenticator(page) {
  const session = await page.context().newCDPSession(page);
  await session.send('WebAuthn.enable');
  const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { session, authenticatorId };
}

async function signOut(page) {
  await page.goto(`${fixture.server.baseUrl}/de/account`);
  await page.click('main button:has-text("Abmelden")');
  await page.waitForURL(/note=signed-out/);
}

describe('passkeys', () => {
  let page;
  let authenticator;
  before(async () => {
    page = await fixture.browser.context.newPage();
    authenticator = await addAuthenticator(page);
  });
  after(async () => {
    await page?.close();
  });

  test('Clara signs up and adds a passkey on the security page', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/sign-up`);
    await page.fill('#account-name', clara.name);
    await page.fill('#account-email', clara.email);
    await page.fill('#account-password', clara.password);
    await page.fill('#account-password-again', clara.password);
    const before = mailbox.messages.length;
    await page.click('main button[type=submit]');
    await page.waitForSelector('text=Bitte sehen Sie in Ihr Postfach');
    await page.goto(linkIn(await mailbox.waitFor(clara.email, { since: before })));
    await page.click('text=Konto anlegen und anmelden');
    await page.waitForURL(/\/de\/account\?note=welcome/);

    await page.goto(`${fixture.server.baseUrl}/de/account/security`);
    assert.match(await page.textContent('#account-passkeys'), /noch keinen Passkey/);
    assert.ok(await page.isHidden('[data-passkey-fallback]'), 'with JavaScript, the note about it goes');
    await assertAccessible(page, 'security page without passkeys');

    await page.fill('#account-passkey-new', 'Mein Laptop');
    await page.click('button:has-text("Passkey hinzufügen")');
    await page.waitForURL(/note=passkey-added/);
    await assertAccessible(page, 'security page with a passkey');
    const list = await page.textContent('.passkey-list');
    assert.match(list, /Mein Laptop/);
    assert.match(list, /noch nicht/, 'not used to sign in yet');
    const { credentials } = await authenticator.session.send('WebAuthn.getCredentials', {
      authenticatorId: authenticator.authenticatorId,
    });
    assert.equal(credentials.length, 1);
    assert.ok(credentials[0].isResidentCredential, 'the passkey is discoverable');
  });

  test('Clara signs in with the passkey alone, without typing her address', async () => {
    await signOut(page);
    await page.goto(`${fixture.server.baseUrl}/de/account/sign-in`);
    await assertAccessible(page, 'sign-in page with the passkey button');
    await page.click('button:has-text("Mit Passkey anmelden")');
    await page.waitForURL(/\/de\/account$/);
    assert.match(await page.textContent('main'), /clara\.beispiel@example\.org/);
  });

  test('Clara removes her password and signs in again passwordless', async () => {
    await page.goto(`${fixture.server.baseUrl}/de/account/security`);
    await page.fill('#account-password-to-remove', clara.password);
    await page.click('button:has-text("Passwort entfernen")');
    await page.waitForURL(/note=password-removed/);
    await assertAccessible(page, 'security page without a password');
    assert.match(await page.textContent('main'), /Ihr Konto hat kein Passwort/);

    // The last way to sign in stays.
    await page.click('.passkey-list button:has-text("Entfernen")');
    await page.waitForSelector('#error-summary');
    assert.match(await page.textContent('#error-summary'), /letzter Weg/);
    await assertAccessible(page, 'security page refusing to remove the last passkey');

    await signOut(page);
    await page.fill('#account-email', clara.email);
    await page.fill('#account-password', clara.password);
    await page.click('main form button[type=submit]');
    await page.waitForSelector('#error-summary');

    await page.click('button:has-text("Mit Passkey anmelden")');
    await page.waitForURL(/\/de\/account$/);
    await page.goto(`${fixture.server.baseUrl}/de/account/security`);
    const rows = page.locator('.passkey-list tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /Mein Laptop/);
    assert.doesNotMatch(await rows.first().textContent(), /noch nicht/, 'the last use is shown');
  });

  test('a passkey the device does not have is reported in the page', async () => {
    await signOut(page);
    await authenticator.session.send('WebAuthn.clearCredentials', {
      authenticatorId: authenticator.authenticatorId,
    });
    await page.click('button:has-text("Mit Passkey anmelden")');
    const status = page.locator('[data-passkey="sign-in"] [data-passkey-status]');
    await status.filter({ hasText: /nicht benutzt/ }).waitFor();
    assert.match(page.url(), /sign-in/);
    await assertAccessible(page, 'sign-in page with a passkey error');
  });
});

// The editor's day in the staff portal, in a real browser: the first administrator signs in
// and sets up the authenticator, invites an editor and a publisher by email (read from a real
// SMTP server), the editor changes a fee and the Leichte Sprache summary with the readability
// advice, sends it to review; the publisher compares the revisions, schedules the change, and
// the portal shows it when the time comes. axe checks every staff page on the way.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../lib/accessibility.js';
import { serverAndBrowser } from '../lib/fixture.js';
import { startMailbox } from '../lib/mailbox.js';
import { totp, untilNextStep } from '../lib/totp.js';

// Pictures of the main staff pages for a person to look at; never committed.
const photo = fileURLToPath(new URL('../../../content/demo/media/rathaus-marktplatz.jpg', import.meta.url));
const screenshots = fileURLToPath(new URL('../screenshots/', import.meta.url));
const admin = { email: 'ada@musterstadt.example', name: 'Ada Admin', password: 'ein langes Passwort für Ada' };
const editor = { email: 'erika@musterstadt.example', name: 'Erika Editor', password: 'ein langes Passwort für Erika' };
const publisher = { email: 'paul@musterstadt.example', name: 'Paul Publisher', password: 'ein langes Passwort für Paul' };

// The mail server starts before Rathaus, which is told to send through it.
let mailbox;
const fixture = serverAndBrowser({}, async () => {
  mailbox = await startMailbox();
  return {
    admin,
    env: {
      RATHAUS_MAIL__SMTP_URL: mailbox.url,
      RATHAUS_MAIL__FROM: 'Redaktion Musterstadt <redaktion@musterstadt.example>',
    },
  };
});
after(async () => {
  await mailbox?.stop();
});

/** Waits, if needed, so that a fresh authenticator step has begun: a code is used once. */
async function freshStep() {
  if (untilNextStep() < 28_000) {
    await new Promise((resolve) => setTimeout(resolve, untilNextStep() + 200));
  }
}

/** Signs in with password and authenticator; sets the authenticator up on the first time. */
async function signIn(page, person) {
  await page.goto(`${fixture.server.baseUrl}/staff`);
  assert.match(page.url(), /\/staff\/sign-in\?next=/);
  await page.fill('#email', person.email);
  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
  if (page.url().includes('/staff/sign-in/enrol')) {
    await assertAccessible(page, 'authenticator set-up');
    person.secret = (await page.textContent('#secret')).replace(/\s/g, '');
    await freshStep();
    await page.fill('#code', totp(person.secret));
    await page.click('main button[type=submit]');
    await assertAccessible(page, 'recovery codes');
    const codes = await page.locator('#recovery-codes li').count();
    assert.equal(codes, 10);
    await page.click('text=Ich habe die Codes gesichert');
  } else {
    assert.match(page.url(), /\/staff\/sign-in\/code/);
    await assertAccessible(page, 'code page');
    await freshStep();
    await page.fill('#code', totp(person.secret));
    await page.click('main button[type=submit]');
  }
  await page.waitForURL(/\/staff$/);
}

async function signOut(page) {
  await page.click('text=Abmelden');
  await page.waitForURL(/\/staff\/sign-in/);
}

/** The next whole minute at least 20 seconds from now, in Musterstadt's time, as a
 * date-time field takes it. */
function nextMinuteInBerlin() {
  const at = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Berlin',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(at);
  return { at, field: text.replace(' ', 'T') };
}

describe("an editor's day", () => {
  let page;
  before(async () => {
    page = await fixture.browser.context.newPage();
  });
  after(async () => {
    await page?.close();
  });

  test('the sign-in page refuses a wrong password without saying whether the account exists', async () => {
    await page.goto(`${fixture.server.baseUrl}/staff/sign-in`);
    await assertAccessible(page, 'sign-in page');
    await page.fill('#email', 'nobody@musterstadt.example');
    await page.fill('#password', 'falsches Passwort');
    await page.click('button[type=submit]');
    await page.waitForSelector('#sign-in-error');
    assert.match(await page.textContent('#sign-in-error'), /E-Mail-Adresse oder Passwort stimmen nicht/);
    await assertAccessible(page, 'sign-in page with an error');
  });

  test('the administrator signs in with the authenticator and invites two colleagues by email', async () => {
    await signIn(page, admin);
    await assertAccessible(page, 'dashboard');
    await page.click('nav >> text=Mitarbeitende');
    await assertAccessible(page, 'staff list');

    await page.click('button:has-text("Einladung senden")');
    await page.waitForSelector('.kern-alert--danger');
    await assertAccessible(page, 'invitation form with errors');

    for (const [person, role] of [[editor, 'editor'], [publisher, 'publisher']]) {
      await page.fill('#invite-name', person.name);
      await page.fill('#invite-email', person.email);
      const roles = page.locator('#invite-roles input[type=checkbox]');
      for (let i = 0; i < (await roles.count()); i++) await roles.nth(i).uncheck();
      await page.check(`#invite-role-${role}`);
      await page.click('button:has-text("Einladung senden")');
      await page.waitForSelector(`text=Die Einladung an ${person.email} ist unterwegs`);
    }
    await page.click('nav >> text=Sicherheitsprotokoll');
    await assertAccessible(page, 'audit log');
    assert.match(await page.textContent('main'), /invitation/);
    await signOut(page);

    for (const person of [editor, publisher]) {
      const mail = await mailbox.waitFor(person.email);
      const link = mail.text.match(/https?:\/\/\S+\/staff\/invitation\/[0-9a-zA-Z_-]+/);
      assert.ok(link, `the invitation mail has a link:\n${mail.text}`);
      person.invitation = link[0];
    }
  });

  test('the editor accepts the invitation and sets up the authenticator', async () => {
    await page.goto(editor.invitation);
    await assertAccessible(page, 'invitation page');
    await page.fill('#password', 'zu kurz');
    await page.fill('#password_again', 'zu kurz');
    await page.click('main button[type=submit]');
    await page.waitForSelector('#password-error');
    await assertAccessible(page, 'invitation page with errors');
    await page.fill('#password', editor.password);
    await page.fill('#password_again', editor.password);
    await page.click('main button[type=submit]');
    await page.waitForURL(/welcome=1/);
    await signIn(page, editor);
  });

  test('the editor changes the dog tax and its Leichte Sprache summary with readability advice', async () => {
    await page.click('nav >> text=Inhalte');
    await assertAccessible(page, 'content list');
    await page.selectOption('#filter-sort', 'score');
    await page.click('button:has-text("Anzeigen")');
    await assertAccessible(page, 'content list sorted by readability');

    await page.goto(`${fixture.server.baseUrl}/staff/content/service/hundesteuer-anmelden`);
    await assertAccessible(page, 'item page');
    await page.click('text=Bearbeiten');
    await assertAccessible(page, 'editing form');

    // A required field left empty is named, and nothing typed is lost.
    await page.fill('#f-de-name', '');
    await page.fill('#f-fees-0--amount', '120.00');
    await page.click('button[value=save]');
    await page.waitForSelector('#error-summary');
    await assertAccessible(page, 'editing form with errors');
    assert.equal(await page.inputValue('#f-fees-0--amount'), '120.00');
    await page.fill('#f-de-name', 'Hund anmelden (Hundesteuer)');

    const summary = 'Sie haben einen Hund?\nDann müssen Sie den Hund anmelden.\nDie Steuer wird jedes Jahr bezahlt.';
    await page.fill('#f-ls-summary', summary);
    await page.click('button[value=check]');
    await page.waitForSelector('#readability-heading');
    const advice = await page.textContent('.staff-readability');
    assert.match(advice, /Flesch-Amstad/);
    assert.match(advice, /Leichte Sprache/);
    assert.match(advice, /wird jedes Jahr bezahlt/, 'the passive sentence is pointed out');
    await assertAccessible(page, 'editing form with readability advice');
    await page.screenshot({ path: `${screenshots}staff-edit-1280.png`, fullPage: true });

    // While typing, the live help shows the rendered text below a Markdown field.
    await page.fill('#f-de-description', 'Ein **wichtiger** Hinweis.');
    await page.waitForSelector('[data-assist-for="f-de-description"] strong');

    await page.fill('#f--note', 'Gebühr 2027 und Leichte Sprache');
    await page.click('button[value=submit]');
    await page.waitForSelector('text=Version 2 gespeichert');
    assert.match(await page.textContent('main'), /In Prüfung/);

    await page.click('text=Vorschau von Version 2');
    await page.waitForSelector('iframe');
    await assertAccessible(page, 'preview frames');
    await page.screenshot({ path: `${screenshots}staff-preview-1280.png` });
    const frame = page.frameLocator('iframe').first();
    await frame.locator('text=120,00').first().waitFor();

    await page.goto(`${fixture.server.baseUrl}/staff/content/service/hundesteuer-anmelden`);
    await page.click('button:has-text("Vorschau-Link erzeugen")');
    const link = await page.getAttribute('#preview-link', 'href');
    await page.goto(link);
    await page.waitForSelector('iframe');
    await assertAccessible(page, 'shared preview');

    await page.goto(`${fixture.server.baseUrl}/staff/content/news/new`);
    await assertAccessible(page, 'form for a new news item');

    await page.goto(`${fixture.server.baseUrl}/de/services/hundesteuer-anmelden`);
    assert.doesNotMatch(await page.textContent('main'), /120,00/, 'nothing is public before approval');
  });

  test('the editor uploads a photo with its alternative text and sets the focal point by clicking', async () => {
    await page.goto(`${fixture.server.baseUrl}/staff`);
    await page.click('nav >> text=Medien');
    await assertAccessible(page, 'media list');
    await page.click('text=Bild hochladen');
    await assertAccessible(page, 'upload form');

    // Without an alternative text the upload is refused at that field.
    await page.fill('#media-key', 'rathaus-am-abend');
    await page.setInputFiles('#media-file', photo);
    await page.click('button:has-text("Hochladen")');
    await page.waitForSelector('#media-alt-de-error');
    await assertAccessible(page, 'upload form with errors');
    assert.equal(await page.inputValue('#media-key'), 'rathaus-am-abend');

    await page.setInputFiles('#media-file', photo);
    await page.fill('#media-alt-de', 'Das Rathaus am Marktplatz im Abendlicht');
    await page.click('button:has-text("Hochladen")');
    await page.waitForURL(/\/staff\/media\/rathaus-am-abend/);
    await assertAccessible(page, 'image details');

    // A click in the lower right quarter of the image moves the focal point there.
    const image = page.locator('[data-focal-point] img');
    const box = await image.boundingBox();
    await image.click({ position: { x: box.width * 0.75, y: box.height * 0.8 } });
    assert.equal(await page.inputValue('#media-focal-x'), '75');
    assert.equal(await page.inputValue('#media-focal-y'), '80');
    await page.click('button:has-text("Angaben speichern")');
    await page.waitForLoadState();
    assert.equal(await page.inputValue('#media-focal-x'), '75', 'the focal point is stored');
    await page.screenshot({ path: `${screenshots}staff-media-1280.png`, fullPage: true });

    // The demo photo is shown by a published item, so it cannot be deleted.
    await page.goto(`${fixture.server.baseUrl}/staff/media/rathaus-marktplatz`);
    await page.click('button:has-text("löschen")');
    await page.waitForSelector('#error-summary');
    await assertAccessible(page, 'refused deletion');
    assert.match(await page.textContent('#error-summary'), /veröffentlicht|zeigt|verwendet/i);

    // A reader reports a barrier; the editor finds it and records the answer.
    await page.goto(`${fixture.server.baseUrl}/de/pages/barrierefreiheit`);
    await page.fill('#feedback-message', 'Das Foto des Rathauses hat keinen Alternativtext.');
    await page.locator('#feedback form button[type=submit]').click();
    await page.locator('#feedback [role=status]').waitFor();
    await page.goto(`${fixture.server.baseUrl}/staff`);
    await page.click('nav >> text=Barrierefreiheit');
    assert.match(await page.textContent('main'), /Offen \(1\)[\s\S]*keinen Alternativtext/);
    await assertAccessible(page, 'barrier reports');
    await page.fill('main textarea[name=note]', 'Alternativtext ergänzt.');
    await page.click('button:has-text("Als beantwortet festhalten")');
    await page.waitForURL(/\/staff\/feedback/);
    assert.match(await page.textContent('main'), /Beantwortet \(1\)[\s\S]*Alternativtext ergänzt/);

    await page.goto(`${fixture.server.baseUrl}/staff`);
    await signOut(page);
  });

  test('the publisher compares the revisions and schedules the change; the portal shows it in time', async () => {
    await page.goto(publisher.invitation);
    await page.fill('#password', publisher.password);
    await page.fill('#password_again', publisher.password);
    await page.click('main button[type=submit]');
    await page.waitForURL(/welcome=1/);
    await signIn(page, publisher);

    assert.match(await page.textContent('main'), /Zur Freigabe \(1\)/);
    await page.click('text=Hund anmelden (Hundesteuer)');
    await page.click('text=Änderungen gegenüber dem Portal');
    await assertAccessible(page, 'comparison');
    await page.screenshot({ path: `${screenshots}staff-compare-1280.png`, fullPage: true });
    const changes = await page.textContent('.staff-diff');
    assert.match(changes, /Betrag in Euro/);
    assert.equal(await page.locator('.staff-diff ins', { hasText: '120.00' }).count(), 1);
    assert.ok((await page.locator('.staff-diff del').count()) > 0);

    await page.goBack();
    const { at, field } = nextMinuteInBerlin();
    await page.fill('#publish_at', field);
    await page.click('button:has-text("Freigeben")');
    await page.waitForSelector('text=die Veröffentlichung ist geplant');
    assert.match(await page.textContent('main'), /Geplant/);

    // Public pages may be kept by browsers for a minute; ask the server itself each time.
    const servicePage = async (variant) => {
      const response = await page.context().request.get(`${fixture.server.baseUrl}/${variant}/services/hundesteuer-anmelden`);
      return response.text();
    };
    assert.doesNotMatch(await servicePage('de'), /120,00/, 'not before its time');

    // The node's scheduled work runs every few seconds; the change shows shortly after its time.
    const deadline = at.getTime() + 30_000;
    let shown = false;
    while (!shown && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      shown = /120,00/.test(await servicePage('de'));
    }
    assert.ok(shown, 'the portal shows the new fee after the scheduled time');
    assert.ok(Date.now() >= at.getTime(), 'and not before it');
    assert.match(await servicePage('ls'), /Dann müssen Sie den Hund anmelden/);
  });
});

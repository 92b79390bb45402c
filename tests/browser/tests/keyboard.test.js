// Keyboard only: the skip link, and the journey from the home page through the search to a
// service and on to the nearest office, with page.keyboard alone (no clicks, no fill).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser } from '../lib/fixture.js';
import { describeFocused, focused, tabTo } from '../lib/keyboard.js';

const fixture = serverAndBrowser();
let page;

test('the skip link comes first, shows on focus and moves the focus to the main content', async () => {
  page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/`);
  const skipLink = page.locator('a.skip-link');
  assert.equal(await skipLink.isVisible(), true, 'the skip link should be in the page');
  const hidden = await skipLink.boundingBox();
  assert.ok(hidden.y + hidden.height <= 0, `before focus the skip link should be off screen, its box is ${JSON.stringify(hidden)}`);

  await page.keyboard.press('Tab');
  const first = await focused(page);
  assert.equal(first.href, '#main', `the first Tab should focus the skip link, it focused ${describeFocused(first)}`);
  assert.equal(first.text, 'Zum Inhalt springen');
  const shown = await skipLink.boundingBox();
  assert.ok(shown.y >= 0 && shown.height > 0, `on focus the skip link should be on screen, its box is ${JSON.stringify(shown)}`);

  await page.keyboard.press('Enter');
  const target = await focused(page);
  assert.equal(target.id, 'main', `Enter on the skip link should focus <main>, focus is on ${describeFocused(target)}`);

  // The next Tab continues inside the main content, past header, search and navigation.
  await page.keyboard.press('Tab');
  const next = await focused(page);
  const insideMain = await page.evaluate(() => document.querySelector('main').contains(document.activeElement));
  assert.ok(insideMain, `after the skip link, Tab should stay in <main>, it went to ${describeFocused(next)}`);
  await page.close();
});

test('search, open a service and find the nearest office with the keyboard alone', async () => {
  page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/`);

  // 1. The search field in the header.
  await tabTo(page, (el) => el.id === 'site-search-q', 'The search field');
  await page.keyboard.type('ummelden');
  await Promise.all([page.waitForURL(/\/de\/search\?q=ummelden/), page.keyboard.press('Enter')]);
  assert.match(await page.locator('main h1').innerText(), /ummelden/);

  // 2. The first result: skip link, then the first link in the main content is the first hit.
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).href, '#main', 'the first Tab on the results page should reach the skip link');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const firstResult = await focused(page);
  const firstResultHref = await page.locator('.search-results a').first().getAttribute('href');
  assert.equal(firstResult.href, firstResultHref, `Tab after the skip link should reach the first result, it reached ${describeFocused(firstResult)}`);
  assert.match(firstResult.text, /^Wohnsitz anmelden/, 'the first result for "ummelden" should be the registration of residence');
  await Promise.all([page.waitForURL(/\/de\/services\/wohnsitz-anmelden$/), page.keyboard.press('Enter')]);
  assert.match(await page.locator('main h1').innerText(), /^Wohnsitz anmelden/);

  // 3. From the service page to the office finder.
  await tabTo(page, (el) => el.tag === 'a' && el.text === 'Nächstgelegenes Amt finden', 'The link "Nächstgelegenes Amt finden"', 150);
  await Promise.all([page.waitForURL(/\/de\/offices\?service=wohnsitz-anmelden/), page.keyboard.press('Enter')]);

  // 4. Postcode in, Enter submits the form.
  await tabTo(page, (el) => el.id === 'postcode', 'The postcode field');
  await page.keyboard.type('85104');
  await Promise.all([page.waitForURL(/postcode=85104/), page.keyboard.press('Enter')]);
  assert.match(page.url(), /service=wohnsitz-anmelden/, 'the office finder should keep the service');

  // 5. The offices, nearest first, each with an opening status.
  await page.getByRole('status').filter({ hasText: '85104' }).waitFor();
  const cards = page.locator('main .office-card');
  const count = await cards.count();
  assert.ok(count >= 2, `expected several offices for the service, found ${count}`);
  const distances = [];
  for (let i = 0; i < count; i += 1) {
    const card = cards.nth(i);
    const address = await card.locator('.kern-card__body p').first().innerText();
    distances.push(parseDistance(address));
    const status = await card.locator('.kern-badge').innerText();
    assert.match(status, /geöffnet|geschlossen/, `office ${i + 1} should show whether it is open, it shows "${status}"`);
  }
  const sorted = [...distances].sort((a, b) => a - b);
  assert.deepEqual(distances, sorted, `the offices should be sorted by distance, the distances in metres are ${distances}`);
  await page.close();
});

/** "Nordendstraße 45, 85104 Musterstadt · 2,7 km" → 2700 (metres). */
function parseDistance(text) {
  const match = text.match(/·\s*([\d.,]+)\s*(km|m)\s*$/);
  assert.ok(match, `the office line "${text}" should end with a distance`);
  const value = Number(match[1].replace(/\./g, '').replace(',', '.'));
  return match[2] === 'km' ? value * 1000 : value;
}

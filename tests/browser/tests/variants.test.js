// Language variants: the fallback to German where a variant is missing, and the language
// switcher, which keeps the reader on the same page.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { serverAndBrowser } from '../lib/fixture.js';
import { repoRoot } from '../lib/server.js';

const fixture = serverAndBrowser();

/**
 * Finds a demo service that has no section for a variant, so the test keeps working when the
 * content changes. Every demo service has English today, so this looks for Leichte Sprache
 * first and English only if one ever lacks it.
 */
function serviceWithout(variant) {
  const folder = join(repoRoot, 'content', 'demo', 'services');
  const file = readdirSync(folder)
    .filter((name) => name.endsWith('.toml'))
    .sort()
    .find((name) => !new RegExp(`^\\[${variant}\\]\\s*$`, 'm').test(readFileSync(join(folder, name), 'utf8')));
  return file?.replace(/\.toml$/, '');
}

const fallback = (() => {
  const en = serviceWithout('en');
  if (en) {
    return { variant: 'en', key: en, note: /not yet available in the language you chose/, pageLang: 'en' };
  }
  const ls = serviceWithout('ls');
  assert.ok(ls, 'every demo service has English and Leichte Sprache; the fallback cannot be tested');
  return { variant: 'ls', key: ls, note: /gibt es noch nicht in Leichter Sprache/, pageLang: 'de-x-ls' };
})();

test(`a service without the variant shows German content with a note (/${fallback.variant}/services/${fallback.key})`, async () => {
  const page = await fixture.browser.context.newPage();
  const response = await page.goto(`${fixture.server.baseUrl}/${fallback.variant}/services/${fallback.key}`);
  assert.equal(response.status(), 200);

  // The page frame stays in the chosen variant ...
  assert.equal(await page.locator('html').getAttribute('lang'), fallback.pageLang);
  // ... says so in a note ...
  const note = page.locator('main [role=note]');
  assert.equal(await note.isVisible(), true, 'the fallback note should be visible');
  assert.match(await note.innerText(), fallback.note);
  // ... and marks the German content as German, so that screen readers switch their voice.
  const wrapper = page.locator('main > div[lang="de"]');
  assert.equal(await wrapper.count(), 1, 'the content should sit in one lang="de" wrapper');
  const heading = await wrapper.locator('h1').innerText();
  const german = readFileSync(join(repoRoot, 'content', 'demo', 'services', `${fallback.key}.toml`), 'utf8');
  const germanName = german.match(/^\[de\][\s\S]*?^name\s*=\s*"([^"]+)"/m)?.[1];
  assert.equal(heading, germanName, 'the heading should be the German name of the service');
  await page.close();
});

test('a service that exists in the variant has no fallback note', async () => {
  const page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/en/services/wohnsitz-anmelden`);
  assert.equal(await page.locator('main [role=note]').count(), 0);
  assert.equal(await page.locator('main div[lang="de"]').count(), 0);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.close();
});

test('the language switcher keeps the page', async () => {
  const page = await fixture.browser.context.newPage();
  await page.goto(`${fixture.server.baseUrl}/de/services/hundesteuer-anmelden`);
  const switcher = page.getByRole('navigation', { name: 'Sprache' });
  const english = switcher.getByRole('link', { name: 'English' });
  assert.equal(await english.getAttribute('hreflang'), 'en');
  await Promise.all([page.waitForURL(`${fixture.server.baseUrl}/en/services/hundesteuer-anmelden`), english.click()]);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('main [role=note]').count(), 0, 'the English page has its own content');

  // And back, through the English page's switcher, to Leichte Sprache and to German.
  const easy = page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Leichte Sprache' });
  await Promise.all([page.waitForURL(`${fixture.server.baseUrl}/ls/services/hundesteuer-anmelden`), easy.click()]);
  const german = page.getByRole('navigation', { name: 'Sprache' }).getByRole('link', { name: 'Deutsch' });
  await Promise.all([page.waitForURL(`${fixture.server.baseUrl}/de/services/hundesteuer-anmelden`), german.click()]);
  await page.close();
});

// Accessibility: axe-core finds no WCAG 2.1 A/AA violations on any page type in any variant.
// A failure lists each violation with the CSS selectors of the offending elements.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { serverAndBrowser } from '../lib/fixture.js';
import { pagesOf, variants } from '../lib/pages.js';

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const fixture = serverAndBrowser();

/** Turns axe's result into a readable report, one line per offending element. */
function describeViolations(url, violations) {
  const lines = [`${violations.length} axe violation(s) on ${url}:`];
  for (const violation of violations) {
    lines.push(`- ${violation.id} (${violation.impact}): ${violation.help} – ${violation.helpUrl}`);
    for (const node of violation.nodes) {
      lines.push(`    at ${JSON.stringify(node.target)}`);
      lines.push(`       ${node.failureSummary.replace(/\n/g, '\n       ')}`);
    }
  }
  return lines.join('\n');
}

/** Runs axe on the page as it is now and fails with the full list of violations. */
async function assertNoViolations(page) {
  const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  assert.equal(results.violations.length, 0, describeViolations(page.url(), results.violations));
}

/** Opens a path and checks the HTTP status, so that axe never checks the wrong page. */
async function visit(page, path) {
  const response = await page.goto(fixture.server.baseUrl + path);
  const expected = path.includes('does-not-exist') ? 404 : 200;
  assert.equal(response.status(), expected, `GET ${path} answered ${response.status()}, expected ${expected}`);
}

for (const v of variants) {
  describe(`axe, variant ${v}`, () => {
    for (const [name, path] of pagesOf(v)) {
      test(`${name}: ${path}`, async () => {
        const page = await fixture.browser.context.newPage();
        try {
          await visit(page, path);
          await assertNoViolations(page);
        } finally {
          await page.close();
        }
      });
    }

    test('feedback form after a submission with errors', async () => {
      const page = await fixture.browser.context.newPage();
      try {
        await visit(page, `/${v}/pages/barrierefreiheit`);
        const form = page.locator('#feedback form');
        await form.locator('#feedback-message').fill('');
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/${v}/accessibility-feedback`)),
          form.locator('button[type=submit]').click(),
        ]);
        assert.equal(response.status(), 422, 'an empty message should be refused with 422 and the form shown again');
        // The server answers with the form again, an error summary on top and the field marked.
        await page.locator('#feedback .kern-alert--danger').waitFor({ state: 'visible' });
        assert.equal(await page.locator('#feedback-message').getAttribute('aria-invalid'), 'true');
        await assertNoViolations(page);
      } finally {
        await page.close();
      }
    });

    // The suggestion list that site.js opens under the search field (an ARIA combobox).
    test('search field with its suggestion list open', async () => {
      const page = await fixture.browser.context.newPage();
      try {
        await visit(page, `/${v}/`);
        await page.locator('#site-search-q').pressSequentially('aus');
        await page.locator('#site-search-suggestions [role=option]').first().waitFor({ state: 'visible' });
        await page.keyboard.press('ArrowDown');
        assert.equal(await page.locator('#site-search-q').getAttribute('aria-activedescendant'), 'suggestion-0');
        await assertNoViolations(page);
      } finally {
        await page.close();
      }
    });

    // Leichte Sprache lacks some services: they show the German text inside a lang="de" wrapper.
    if (v === 'ls') {
      test('service shown in German as a fallback', async () => {
        const page = await fixture.browser.context.newPage();
        try {
          await visit(page, `/${v}/services/bauantrag`);
          assert.equal(await page.locator('main div[lang="de"]').count(), 1, 'bauantrag should be a fallback page');
          await assertNoViolations(page);
        } finally {
          await page.close();
        }
      });
    }
  });
}

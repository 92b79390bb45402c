// Reflow (WCAG 1.4.10): at 320 CSS pixels wide, which is 1280 px zoomed to 400 %, pages
// scroll only vertically.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser } from '../lib/fixture.js';

const width = 320;
const paths = [
  '/de/services/wohnsitz-anmelden',
  '/en/services/wohnsitz-anmelden',
  '/ls/services/wohnsitz-anmelden',
  '/de/',
  '/de/search?q=ausweis',
  '/de/offices?postcode=85104&service=wohnsitz-anmelden',
  '/de/offices/buergerbuero-altstadt',
  '/de/pages/barrierefreiheit',
];

const fixture = serverAndBrowser({ viewport: { width, height: 640 } });

for (const path of paths) {
  test(`no horizontal scrolling at ${width} px: ${path}`, async () => {
    const page = await fixture.browser.context.newPage();
    try {
      await page.goto(fixture.server.baseUrl + path);
      await page.evaluate(() => document.fonts.ready); // text width depends on the web font
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      assert.ok(clientWidth <= width, `the viewport should be ${width} px wide, it is ${clientWidth} px`);
      if (scrollWidth > width) {
        // Name what sticks out, which is what one needs to fix it: elements, and text that runs
        // past its box (a long address in a paragraph).
        const wide = await page.evaluate((limit) => {
          const found = [];
          for (const el of document.querySelectorAll('body *')) {
            if (el.getBoundingClientRect().right > limit + 0.5) {
              found.push(`<${el.tagName.toLowerCase()} class="${el.className}"> ends at ${Math.round(el.getBoundingClientRect().right)} px`);
            }
          }
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(walker.currentNode);
            const right = range.getBoundingClientRect().right;
            if (right > limit + 0.5) {
              found.push(`text in <${walker.currentNode.parentElement.tagName.toLowerCase()}> ends at ${Math.round(right)} px: ${walker.currentNode.textContent.trim().slice(0, 60)}`);
            }
          }
          return found.slice(0, 10);
        }, width);
        assert.fail(`the page is ${scrollWidth} px wide at a ${width} px viewport. Too wide:\n  ${wide.join('\n  ')}`);
      }
    } finally {
      await page.close();
    }
  });
}

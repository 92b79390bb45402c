// Screenshots for a person to look at (they are not compared automatically): the home page and
// a service page, on a phone-sized and a desktop-sized screen. Written to screenshots/, which
// git ignores. The test checks what can be checked by machine: the styles and the web font
// loaded, and the header does not overlap the content.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { openBrowser } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

const outDir = fileURLToPath(new URL('../screenshots/', import.meta.url));
const widths = [375, 1280];
const shots = [
  ['home', '/de/'],
  ['service', '/de/services/wohnsitz-anmelden'],
];

let server;
const browsers = new Map();

before(async () => {
  mkdirSync(outDir, { recursive: true });
  server = await startServer();
  for (const width of widths) {
    browsers.set(width, await openBrowser({ viewport: { width, height: 900 } }));
  }
});

after(async () => {
  for (const browser of browsers.values()) {
    await browser.close();
  }
  await server?.stop();
});

for (const width of widths) {
  for (const [name, path] of shots) {
    test(`screenshot of ${path} at ${width} px`, async () => {
      const page = await browsers.get(width).context.newPage();
      try {
        await page.goto(server.baseUrl + path);
        await page.evaluate(() => document.fonts.ready);
        // Saved before the checks, so that a broken page can be looked at too.
        await page.screenshot({ path: join(outDir, `${name}-${width}.png`), fullPage: true });

        const checks = await page.evaluate(() => {
          const header = document.querySelector('.site-header').getBoundingClientRect();
          const h1 = document.querySelector('main h1').getBoundingClientRect();
          return {
            // KERN styles the primary button; without kern.css it is a grey browser button.
            buttonBackground: getComputedStyle(document.querySelector('.site-search .kern-btn--primary')).backgroundColor,
            font: document.fonts.check('16px "Rathaus Sans"') && [...document.fonts].some((f) => f.family.includes('Rathaus Sans') && f.status === 'loaded'),
            headerBottom: header.bottom,
            h1Top: h1.top,
          };
        });
        assert.notEqual(checks.buttonBackground, 'rgb(239, 239, 239)', 'the search button has the browser default look: is kern.css loaded and complete?');
        assert.notEqual(checks.buttonBackground, 'rgba(0, 0, 0, 0)', 'the search button has no background: is kern.css loaded and complete?');
        assert.ok(checks.font, 'the web font "Rathaus Sans" did not load');
        assert.ok(checks.h1Top >= checks.headerBottom, `the heading (top ${checks.h1Top}) overlaps the header (bottom ${checks.headerBottom})`);
      } finally {
        await page.close();
      }
    });
  }
}

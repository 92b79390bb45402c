// ad hoc: node /tmp/clip.mjs URL WIDTH HEIGHT OUT [scrollY]
import { openBrowser } from '/work/main/tests/browser/lib/browser.js';
const [url, w, h, out, y = '0'] = process.argv.slice(2);
const b = await openBrowser({ viewport: { width: +w, height: +h } });
const p = await b.context.newPage();
await p.goto(url); await p.evaluate(() => document.fonts.ready);
await p.screenshot({ path: out, fullPage: true, clip: { x: 0, y: +y, width: +w, height: +h } });
console.log(await p.evaluate(() => { const i = document.querySelector('#site-search-q'); const s = getComputedStyle(i); return [i.getBoundingClientRect().width, s.width, s.maxWidth, s.flex, getComputedStyle(document.querySelector('.site-search button')).height, s.height]; }));
await b.close();

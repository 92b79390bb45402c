import { openBrowser } from '/work/main/tests/browser/lib/browser.js';
import { startServer } from '/work/main/tests/browser/lib/server.js';
const s = await startServer();
const b = await openBrowser({ viewport: { width: 320, height: 900 } });
const p = await b.context.newPage();
await p.goto(s.baseUrl + '/de/pages/barrierefreiheit');
console.log(await p.evaluate(() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) { const r = document.createRange(); r.selectNodeContents(walker.currentNode); const b = r.getBoundingClientRect(); if (b.right > 320.5) out.push([walker.currentNode.parentElement.tagName, walker.currentNode.parentElement.className, Math.round(b.right), walker.currentNode.textContent.trim().slice(0,60)]); }
  return [document.documentElement.scrollWidth, out];
}));
await b.close(); await s.stop();

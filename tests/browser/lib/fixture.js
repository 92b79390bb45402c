// Starts the demo server and one browser for a test file, and stops both when the file's
// tests are done. Tests reach them as `fixture.server` and `fixture.browser`.

import { after, before } from 'node:test';
import { openBrowser } from './browser.js';
import { startServer } from './server.js';

export function serverAndBrowser(browserOptions = {}, serverOptions = {}) {
  const fixture = { server: undefined, browser: undefined };

  before(async () => {
    const options = typeof serverOptions === 'function' ? await serverOptions() : serverOptions;
    fixture.server = await startServer(options);
    fixture.browser = await openBrowser(browserOptions);
  });

  after(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
  });

  return fixture;
}

// Launches Debian's Chromium (/usr/bin/chromium) through playwright-core. Nothing here ever
// downloads a browser: playwright-core has no install step, and we always pass executablePath.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const executablePath = '/usr/bin/chromium';
const args = [
  '--headless=new',
  '--no-sandbox', // tests run as root in a container, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Opens a browser with a fresh user data directory. Each call gives one browser context, so a
 * test that needs different context options (no JavaScript, another viewport) opens its own.
 * @param {import('playwright-core').BrowserContextOptions} [contextOptions]
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, close: () => Promise<void> }>}
 */
export async function openBrowser(contextOptions = {}) {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing. Install Debian's Chromium: apt-get update && apt-get install -y chromium chromium-driver`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'rathaus-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args,
    headless: true,
    locale: 'de-DE',
    viewport: { width: 1280, height: 900 },
    ...contextOptions,
  });
  // Long enough for a debug build on a busy two-core machine to resize an uploaded photo,
  // short enough that a missing element fails the test within the minute.
  context.setDefaultTimeout(30_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

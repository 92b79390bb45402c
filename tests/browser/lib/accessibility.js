// The accessibility check the page tests share: axe-core with the WCAG 2.1 A and AA rules,
// failing with every violation and where it was found.

import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';

export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe on the page as it is now and fails with every violation listed. */
export async function assertAccessible(page, what) {
  const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  const lines = results.violations.flatMap((violation) => [
    `- ${violation.id}: ${violation.help}`,
    ...violation.nodes.map((node) => `    at ${JSON.stringify(node.target)}`),
  ]);
  assert.equal(results.violations.length, 0, `axe on ${what} (${page.url()}):\n${lines.join('\n')}`);
}

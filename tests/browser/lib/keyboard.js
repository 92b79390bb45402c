// Helpers for driving a page with the keyboard alone and checking where the focus is.

import assert from 'node:assert/strict';

/** A short, readable description of the focused element, for assertions and failure messages. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
      return { tag: 'body', id: '', text: '', href: '', name: '' };
    }
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 80),
      href: el.getAttribute('href') || '',
      name: el.getAttribute('name') || '',
    };
  });
}

/** One line for a failure message: the element's tag, id, link target and text. */
export function describeFocused(info) {
  return `<${info.tag}${info.id ? ` id="${info.id}"` : ''}${info.href ? ` href="${info.href}"` : ''}>${info.text}`;
}

/**
 * Presses Tab until the focused element matches, and fails with the route the focus took if it
 * does not within maxPresses. Returns the focused element.
 * @param {import('playwright-core').Page} page
 * @param {(info: Awaited<ReturnType<typeof focused>>) => boolean} matches
 * @param {string} what what we are looking for, for the failure message
 */
export async function tabTo(page, matches, what, maxPresses = 60) {
  const route = [];
  for (let i = 0; i < maxPresses; i += 1) {
    await page.keyboard.press('Tab');
    const info = await focused(page);
    if (matches(info)) {
      return info;
    }
    route.push(describeFocused(info));
  }
  assert.fail(`${what} was not reached with ${maxPresses} Tab presses. Focus went through:\n  ${route.join('\n  ')}`);
}

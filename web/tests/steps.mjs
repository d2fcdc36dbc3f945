// Small helpers every browser test file uses: steps that add the server's last output
// to a failure, where the page is, waiting for a navigation an action causes, visiting a
// page with an expected status, signing in, and the checks every page must pass.

import assert from 'node:assert/strict';

import { checkA11y, checkNoHorizontalOverflow, pageProblems } from './browser.mjs';

/** Re-throws `error` with the server's last output appended, which often says why. */
export function withServerLog(server, error) {
  const tail = server?.log().split('\n').slice(-20).join('\n');
  if (tail && error instanceof Error) {
    error.message += `\n--- last server output ---\n${tail}`;
  }
  return error;
}

/**
 * `step(body)` runs a test body and adds the server log to any failure; `getServer`
 * returns the file's server (started in `before`, so it is read late).
 */
export function stepFor(getServer) {
  return (body) => async (t) => {
    try {
      await body(t);
    } catch (error) {
      throw withServerLog(getServer(), error);
    }
  };
}

/** Path and query of the page now shown. */
export function where(page) {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

/** Runs `action` and waits until the page it leads to has loaded. */
export async function navigation(page, action) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
  });
  await action();
  await navigated;
  await page.waitForLoadState('load');
}

/** Goes to `target` and asserts the answer's status (200 unless told). */
export async function visit(page, target, { status = 200 } = {}) {
  const response = await page.goto(target, { waitUntil: 'load' });
  assert.ok(response, `GET ${target} gave no response`);
  assert.equal(response.status(), status, `GET ${target} answered ${response.status()}, expected ${status}`);
  return response;
}

/** Signs in through the login form and asserts it lands on the start page. */
export async function logIn(page, { email, password }) {
  await visit(page, '/login');
  const form = page.locator('form:has(input[name="password"])');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  await navigation(page, () => form.locator('[type="submit"]').first().click());
  assert.equal(new URL(page.url()).pathname, '/', `login as ${email} ended on ${where(page)}`);
}

/**
 * The checks every page must pass: `<html lang>` Swedish or English (or `lang` when
 * given), one `<main>` and one `<h1>`, no CSP violation or script error, WCAG 2.1 AA by
 * axe-core, and no horizontal scrolling at 320 px (reflow).
 */
export async function checkPage(page, { lang } = {}) {
  const shell = await page.evaluate(() => ({
    lang: document.documentElement.getAttribute('lang'),
    mains: document.querySelectorAll('main').length,
    h1s: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
  }));
  const name = `${where(page)} at ${page.viewportSize().width}px`;
  assert.ok(['sv', 'en'].includes(shell.lang), `${name}: <html lang> is ${JSON.stringify(shell.lang)}, expected "sv" or "en"`);
  if (lang) {
    assert.equal(shell.lang, lang, `${name}: <html lang> is "${shell.lang}", expected "${lang}"`);
  }
  assert.equal(shell.mains, 1, `${name}: expected exactly one <main>, found ${shell.mains}`);
  assert.equal(
    shell.h1s.length,
    1,
    `${name}: expected exactly one <h1>, found ${shell.h1s.length} ${JSON.stringify(shell.h1s)}`,
  );
  const problems = await pageProblems(page);
  assert.deepEqual(problems, [], `${name}: CSP violations or script errors:\n  ${problems.join('\n  ')}`);
  await checkA11y(page);
  if (page.viewportSize().width <= 320) {
    await checkNoHorizontalOverflow(page);
  }
}

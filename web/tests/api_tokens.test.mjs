// The API-token admin page in a real browser: WCAG 2.1 AA (axe-core) on the list, on the
// create form with a field error, and on the page that shows a new token once, at 1280
// and 320 px with the production CSP in force; the token is created by keyboard and then
// revoked.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/api_tokens.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, logIn, navigation, stepFor, visit, where } from './steps.mjs';

const WIDTHS = [1280, 320];
const STEP_TIMEOUT_MS = 120_000;

let server;
let browser;

const step = stepFor(() => server);

/** One <main>, one <h1>, no CSP violation or script error, axe, reflow at 320 px. */

before(async () => {
  server = await startTrygg();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const width of WIDTHS) {
  describe(`API tokens at ${width}px`, () => {
    let page;
    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width });
      await logIn(page, server.logins.admin);
    });
    after(async () => {
      await page?.close();
    });

    test('/admin/api-tokens passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/admin/api-tokens');
      assert.equal(await page.locator('h1').innerText(), 'API-nycklar');
      await checkPage(page);
    }));

    test('an empty form is refused with Swedish field errors', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/admin/api-tokens');
      const form = page.locator('form[action="/admin/api-tokens"]');
      await navigation(page, () => form.locator('[type="submit"]').click());
      assert.ok((await page.locator('[role="alert"] li').count()) > 0, `no error summary on ${where(page)}`);
      assert.ok((await page.locator('[aria-invalid="true"]').count()) > 0, 'no field is marked invalid');
      await checkPage(page);
    }));

    test('a token is created, shown once, and revoked', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/admin/api-tokens');
      const name = `Integration ${width}`;
      const organisation = page.locator('#token-organisation');
      const firstOrganisation = await organisation.locator('option:not([value=""])').first().getAttribute('value');
      await organisation.selectOption(firstOrganisation);
      await page.locator('#token-name').fill(name);
      await page.locator('#scope-1').check();
      const submit = page.locator('form[action="/admin/api-tokens"] [type="submit"]');
      await submit.focus();
      await navigation(page, () => page.keyboard.press('Enter'));
      const token = await page.locator('#token-value').inputValue();
      assert.match(token, /^trygg_[0-9a-f]{64}$/, `no token shown on ${where(page)}`);
      await checkPage(page);

      // Listed by its prefix only; the secret is not on the list page.
      await visit(page, '/admin/api-tokens');
      const row = page.locator('tbody tr', { hasText: name });
      assert.equal(await row.count(), 1, `${name} is not listed`);
      assert.ok(!(await page.content()).includes(token), 'the list page shows the whole token');
      await navigation(page, () => row.locator('button').click());
      assert.ok((await page.locator('tbody tr', { hasText: name }).locator('button').count()) === 0,
        'the revoked token still has a revoke button');
      await checkPage(page);
    }));
  });
}

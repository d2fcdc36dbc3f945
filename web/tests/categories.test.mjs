// The category admin pages in a real browser: WCAG 2.1 AA (axe-core) on the list, on one
// category's page and on the add form with a field error, at 1280 and 320 px, with the
// production CSP in force.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/categories.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, logIn, navigation, stepFor, visit } from './steps.mjs';

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
  describe(`category admin at ${width}px`, () => {
    let page;
    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width });
      await logIn(page, server.logins.samordnare);
    });
    after(async () => {
      await page?.close();
    });

    test('/admin/categories passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/admin/categories');
      assert.ok((await page.locator('table tbody tr').count()) > 0, 'no categories listed');
      await checkPage(page);
    }));

    test('a category page passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/admin/categories/klotter');
      assert.equal(await page.locator('form[action$="/change"]').count(), 1, 'no change form');
      await checkPage(page);
    }));

    test('the add form with a field error passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/admin/categories');
      const form = page.locator('form[action="/admin/categories"]');
      await form.locator('input[name="code"]').fill('klotter');
      await form.locator('input[name="name_sv"]').fill(`Prov ${width}`);
      await form.locator('input[name="name_en"]').fill(`Test ${width}`);
      await navigation(page, () => form.locator('[type="submit"]').click());
      assert.equal(await page.locator('#new-code[aria-invalid="true"]').count(), 1, 'code field not marked invalid');
      await checkPage(page);
    }));
  });
}

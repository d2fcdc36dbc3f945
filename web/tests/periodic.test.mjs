// The periodic analysis pages in a real browser on the demo data: the årshjul (tertial
// and year) and the near-repeat table, a near-repeat query with a field error, the
// near-repeat form filled in and sent without JavaScript's help; WCAG 2.1 AA (axe-core)
// and reflow at 1280 and 320 px, with the production CSP in force.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/periodic.test.mjs

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

const year = new Date().getUTCFullYear();

for (const width of WIDTHS) {
  describe(`periodic analysis at ${width}px`, () => {
    let page;
    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width });
      await logIn(page, server.logins.analytiker);
    });
    after(async () => {
      await page?.close();
    });

    test('the årshjul of the current tertial passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild/period');
      const rows = await page.locator('#periodic-table tbody tr').count();
      assert.ok(rows > 0, 'the demo has incidents in the current tertial');
      // Four month columns + category + period + year before + change.
      assert.equal(await page.locator('#periodic-table thead th').count(), 8);
      await checkPage(page);
    }));

    test('the year view passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, `/lagesbild/period?period=${year - 1}`);
      assert.equal(await page.locator('#periodic-table thead th').count(), 16, 'twelve months');
      const cells = await page.locator('#periodic-table tbody td.heat').allTextContents();
      assert.ok(cells.every((c) => /^\d+$/.test(c.trim())), 'every heatmap cell shows its value');
      await checkPage(page);
    }));

    test('the near-repeat form, sent, shows the Knox table', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild/near-repeat');
      await checkPage(page);
      const form = page.locator('form[action="/lagesbild/near-repeat"]');
      await form.locator('select[name="category"]').selectOption('inbrott');
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.equal(new URL(page.url()).pathname, '/lagesbild/near-repeat');
      await page.locator('#near-repeat-sentence').waitFor();
      const sentence = await page.locator('#near-repeat-sentence').textContent();
      assert.ok(sentence.trim().length > 20, `a plain-language sentence: ${sentence}`);
      assert.equal(await page.locator('#near-repeat-table tbody tr').count(), 6, 'six distance bands');
      await checkPage(page);
    }));

    test('a reversed date range is a field error that passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, `/lagesbild/near-repeat?category=inbrott&from=${year}-12-31&to=${year}-01-01`, { status: 422 });
      assert.equal(await page.locator('#periodic-to[aria-invalid="true"]').count(), 1);
      await checkPage(page);
    }));
  });
}

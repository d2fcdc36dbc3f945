// The weekly lägesbild page in a real browser on the demo data: the default picture
// (the municipality, last whole week), a district's picture chosen with the GET form,
// the previous-week link, and a field error; WCAG 2.1 AA (axe-core) and reflow at 1280
// and 320 px with the production CSP in force, the hot-spot map drawn from the same
// cells as its table.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/lagesbild.test.mjs

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
  describe(`weekly lägesbild at ${width}px`, () => {
    let page;
    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width });
      await logIn(page, server.logins.samordnare);
    });
    after(async () => {
      await page?.close();
    });

    test('the default picture passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild');
      assert.match(await page.locator('#lagesbild-heading').textContent(), /vecka \d+ \d{4}/);
      assert.ok(await page.locator('#lagesbild-table tbody tr').count() > 0, 'the demo has incidents last week');
      assert.equal(await page.locator('#lagesbild-heat-table tbody tr').count(), 7, 'seven days');
      const cells = await page.locator('#lagesbild-heat-table tbody td').allTextContents();
      assert.equal(cells.length, 7 * 24);
      assert.ok(cells.every((c) => /^\d+(,\d+)?$/.test(c.trim())), 'every heatmap cell shows its value');
      // The map draws exactly the cells the table lists.
      const listed = await page.locator('#lagesbild-hot-table tbody tr').count();
      await page.locator('#lagesbild-map.leaflet-container').waitFor();
      assert.equal(await page.locator('#lagesbild-map path.leaflet-interactive').count(), listed);
      await checkPage(page);
    }));

    test('a district chosen with the form, and the week before', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild');
      const form = page.locator('form[action="/lagesbild"]');
      const district = await form.locator('select[name="area"] option').filter({ hasText: 'Skäggetorp' }).first().getAttribute('value');
      await form.locator('select[name="area"]').selectOption(district);
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.match(await page.locator('#lagesbild-heading').textContent(), /Skäggetorp/);
      await checkPage(page);
      await navigation(page, () => page.locator('a[rel="prev"]').click());
      assert.match(await page.locator('#lagesbild-heading').textContent(), /Skäggetorp/);
      await checkPage(page);
    }));

    test('a bad week is a field error that passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild?week=vecka-47', { status: 422 });
      assert.equal(await page.locator('#lagesbild-week[aria-invalid="true"]').count(), 1);
      await checkPage(page);
    }));
  });
}

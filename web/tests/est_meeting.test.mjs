// The EST meeting and publishing in a real browser on the demo data: the area and week
// chooser, a participant and a priority place recorded with the keyboard alone, the
// publish form refused without its confirmation (a Swedish field error), publishing with
// the public version, the published picture with its hash and PDF link, the list of
// published pictures, and the public version without login; WCAG 2.1 AA (axe-core) and
// reflow at 1280 and 320 px with the production CSP in force.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/est_meeting.test.mjs

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

// One district per width, so each width records and publishes its own meeting.
const DISTRICTS = { 1280: 'Skäggetorp', 320: 'Ryd' };

for (const width of WIDTHS) {
  describe(`EST meeting at ${width}px`, () => {
    let page;
    let area;
    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width });
      await logIn(page, server.logins.samordnare);
    });
    after(async () => {
      await page?.close();
    });

    test('the chooser leads to the meeting', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild/mote');
      await checkPage(page);
      const form = page.locator('form[action="/lagesbild/mote"]');
      const option = form.locator('select[name="area"] option').filter({ hasText: DISTRICTS[width] }).first();
      area = await option.getAttribute('value');
      await form.locator('select[name="area"]').selectOption(area);
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.match(await page.locator('h1').textContent(), new RegExp(`EST-möte ${DISTRICTS[width]}`));
      await checkPage(page);
    }));

    test('a participant and a priority recorded with the keyboard', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await page.locator('#participant-organisation').focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Åsa Öberg');
      await navigation(page, () => page.keyboard.press('Enter'));
      assert.match(page.url(), /saved=participant/);
      assert.equal(await page.locator('#participants table tbody tr').count(), 1);
      assert.match(await page.locator('[role="status"]').textContent(), /Deltagaren är tillagd/);
      await checkPage(page);

      await page.locator('#priority-location').focus();
      await page.keyboard.type('Gångtunneln vid centrum');
      await page.keyboard.press('Tab');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Extra ronder fredag kväll');
      // Enter in a textarea is a new line: move to the button and press it.
      await page.keyboard.press('Tab');
      await navigation(page, () => page.keyboard.press('Enter'));
      assert.equal(await page.locator('#priorities table tbody tr').count(), 1);
      assert.match(await page.locator('#priorities table').textContent(), /Extra ronder fredag kväll/);
      await checkPage(page);
    }));

    test('publishing needs the confirmation, then freezes the picture', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const form = page.locator('form[action="/lagesbild/publicera"]');
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.equal(await page.locator('#publish-confirm[aria-invalid="true"]').count(), 1);
      assert.match(await page.locator('#publish-confirm-error').textContent(), /Kryssa i/);
      await checkPage(page);

      await page.locator('#publish-confirm').focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await navigation(page, () => page.keyboard.press('Enter'));
      assert.match(new URL(page.url()).pathname, /^\/lagesbild\/publicerade\/\d+$/);
      assert.match(await page.locator('#publication-hash').textContent(), /^[0-9a-f]{64}$/);
      assert.equal(await page.locator('#publication-verified').count(), 1);
      assert.equal(await page.locator('#publication-pdf').count(), 1);
      assert.equal(await page.locator('#lagesbild-headline').count(), 1, 'the picture is rendered');
      await checkPage(page);
    }));

    test('the list of published pictures', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/lagesbild/publicerade');
      assert.ok(await page.locator('table tbody tr').count() >= 1);
      await checkPage(page);
    }));

    test('the public version without login', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const anonymous = await newPage(browser, { baseURL: server.url, width });
      try {
        await visit(anonymous, `/public/lagesbild/${area}`);
        const body = await anonymous.locator('main').textContent();
        assert.ok(!body.includes('Åsa'), 'no names in the public version');
        assert.ok(!body.includes('Extra ronder'), 'no decisions text in the public version');
        await checkPage(anonymous);
      } finally {
        await anonymous.close();
      }
    }));
  });
}

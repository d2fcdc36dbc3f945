// Agreements and plans in a real browser on the demo data: the list with Linköping's
// agreement, a new agreement through the form (first refused in Swedish with the input
// kept, then created with Linköping's three priority areas), an activity added from a
// demo measure, an åtgärdsplan version made, its decision refused for a diary number
// without digits and then recorded, the PDF link, and the BF groups' page; WCAG 2.1 AA
// (axe-core) and reflow at 1280 and 320 px with the production CSP in force.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/plans.test.mjs

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

before(async () => {
  server = await startTrygg();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const width of WIDTHS) {
  describe(`plans at ${width}px`, () => {
    let page;
    let agreementPath;
    const title = `Överenskommelse för test ${width}`;
    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width });
      await logIn(page, server.logins.samordnare);
    });
    after(async () => {
      await page?.close();
    });

    test('the list shows the demo agreement', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/plans');
      assert.match(await page.locator('h1').textContent(), /Överenskommelser och planer/);
      assert.ok(await page.locator('table a', { hasText: 'Samverkansöverenskommelse mellan Linköpings kommun och Polisen' }).count() >= 1);
      await checkPage(page);
      await visit(page, '/plans/groups');
      assert.ok(await page.getByRole('heading', { name: 'Lokal BF-grupp Skäggetorp' }).count() === 1);
      await checkPage(page);
    }));

    test('a new agreement: refused in Swedish, then created', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/plans/new');
      await checkPage(page);
      const form = page.locator('form[action="/plans"]');
      await form.locator('#title').fill(title);
      await form.locator('#period_start').fill('2026-01-01');
      await form.locator('#period_end').fill('2027-12-31');
      await form.locator('#problems').fill('Klotter och skadegörelse i centrum');
      await form.locator('#causes').fill('Mörka gångstråk');
      await form.locator('#goals').fill('Klotter sanerat inom 48 timmar i 90 procent av fallen');
      await form.locator('#follow_up').fill('Tertialvis i styrgruppen');
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.match(await page.locator('[role="alert"]').textContent(), /Formuläret innehåller fel/);
      assert.match(await page.locator('#parties-error').textContent(), /Välj minst två parter/);
      assert.equal(await page.locator('#title').inputValue(), title, 'the input is kept');
      await checkPage(page);

      await page.getByLabel('Linköpings kommun', { exact: true }).check();
      await page.getByLabel('Polisen, lokalpolisområde Linköping', { exact: true }).check();
      await navigation(page, () => page.locator('form[action="/plans"] button[type="submit"]').click());
      assert.match(where(page), /^\/plans\/\d+\?saved=1/);
      agreementPath = new URL(page.url()).pathname;
      assert.equal(await page.locator('h1').textContent(), title);
      for (const area of ['Organiserad brottslighet', 'Otrygghet och brott i offentlig miljö', 'Ungdomsbrottslighet']) {
        assert.equal(await page.getByRole('heading', { level: 3, name: area }).count(), 1, area);
      }
      await checkPage(page);
    }));

    test('an activity from a measure', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const form = page.locator('form[action$="/activities"]');
      await form.locator('#priority_area').selectOption({ label: 'Otrygghet och brott i offentlig miljö' });
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.match(await page.locator('#measure-error').textContent(), /Välj en åtgärd i listan/);
      await checkPage(page);

      const again = page.locator('form[action$="/activities"]');
      const option = again.locator('#measure option').filter({ hasText: 'Ordningsvakter vid resecentrum' }).first();
      await again.locator('#measure').selectOption(await option.getAttribute('value'));
      await again.locator('#priority_area').selectOption({ label: 'Otrygghet och brott i offentlig miljö' });
      await again.locator('#note').fill('Del av målet om trygga stråk');
      await navigation(page, () => again.locator('button[type="submit"]').click());
      const table = page.locator('table', { has: page.locator('caption', { hasText: 'Otrygghet och brott i offentlig miljö' }) });
      assert.equal(await table.locator('tbody tr').count(), 1);
      assert.match(await table.locator('tbody tr').first().textContent(), /Ordningsvakter vid resecentrum/);
      assert.match(await table.locator('tbody tr').first().textContent(), /bekräftad/);
      await checkPage(page);
    }));

    test('an åtgärdsplan version and its decision', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await navigation(page, () => page.locator('form[action$="/versions"] button').click());
      assert.match(where(page), /^\/plans\/versions\/\d+\?saved=1/);
      assert.match(await page.locator('h1').textContent(), /Åtgärdsplan, version 1/);
      await checkPage(page);

      const today = new Date().toISOString().slice(0, 10);
      const form = page.locator('form[action$="/decision"]');
      await form.locator('#decided_on').fill(today);
      await form.locator('#body').fill('Kommunstyrelsen');
      await form.locator('#diary_number').fill('KS utan nummer');
      await navigation(page, () => form.locator('button[type="submit"]').click());
      assert.match(await page.locator('#diary_number-error').textContent(), /minst en siffra/);
      assert.equal(await page.locator('#body').inputValue(), 'Kommunstyrelsen');
      await checkPage(page);

      await page.locator('#diary_number').fill('KS 2026-0412');
      await navigation(page, () => page.locator('form[action$="/decision"] button[type="submit"]').click());
      assert.match(await page.locator('dl.details').textContent(), /Beslutad .* av Kommunstyrelsen, dnr KS 2026-0412/);
      assert.equal(await page.locator('form[action$="/decision"]').count(), 0, 'decided once');
      const pdf = await page.locator('a', { hasText: 'Ladda ner som PDF' }).getAttribute('href');
      const response = await page.request.get(pdf);
      assert.equal(response.status(), 200);
      assert.equal(response.headers()['content-type'], 'application/pdf');
      await checkPage(page);

      await visit(page, agreementPath);
      assert.match(await page.locator('#versions').textContent(), /Beslutad/);
      await checkPage(page);
    }));
  });
}

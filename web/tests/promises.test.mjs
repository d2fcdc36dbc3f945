// Medborgarlöften in a real browser: the coordinator finishes the demo promise's draft
// monthly report (computed values prefilled), publishes it, and it appears on the public
// page, which works without login and links its Atom feed. Before publishing the draft
// month is on no public page. Every page of the feature passes axe (WCAG 2.1 AA) at
// 1280 and 320 px with the production CSP, the forms also with a field error.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/promises.test.mjs

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, logIn, navigation, stepFor, visit, where } from './steps.mjs';

const STEP_TIMEOUT_MS = 180_000;

let server;
let browser;
let promisePath;
let publicPath;
let draftMonth;
const pagesToCheck = new Set(['/promises', '/promises/new', '/public/promises']);

const step = stepFor(() => server);

before(async () => {
  server = await startTrygg();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the draft report is internal until the coordinator publishes it', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  const page = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(page, server.logins.samordnare);
  await visit(page, '/promises');
  await navigation(page, () => page.getByRole('link', { name: 'Tryggare Skäggetorps centrum' }).click());
  promisePath = new URL(page.url()).pathname;
  assert.match(promisePath, /^\/promises\/\d+$/);
  publicPath = promisePath.replace('/promises/', '/public/promises/');
  pagesToCheck.add(promisePath);
  pagesToCheck.add(`${promisePath}/edit`);
  pagesToCheck.add(publicPath);

  // The demo's newest month is a draft: not on the public page, nor in the feed.
  const edit = page.locator('a[href*="/report?month="]').first();
  const href = await edit.getAttribute('href');
  draftMonth = new URL(href, server.url).searchParams.get('month');
  assert.match(draftMonth, /^\d{4}-\d{2}$/);
  pagesToCheck.add(href);
  const visitor = await newPage(browser, { baseURL: server.url, width: 1280 });
  await visit(visitor, publicPath);
  assert.equal(await visitor.locator(`#month-${draftMonth}`).count(), 0, 'the draft is not public');
  assert.ok((await visitor.locator('section[id^="month-"]').count()) >= 11, 'the published months are');
  const feed = await visitor.request.get('/public/promises.atom');
  assert.equal(feed.status(), 200);
  assert.match(feed.headers()['content-type'], /^application\/atom\+xml/);
  assert.ok(!(await feed.text()).includes(`#month-${draftMonth}`));

  // The report form is prefilled with the computed values; save, then publish.
  await navigation(page, () => edit.click());
  assert.ok(await page.getByText('Beräknat av Trygg').first().isVisible(), 'computed values are shown');
  await page.fill('#done_text', 'Fotpatrull i centrum och dialogmöte med butiksägarna (webbtestet).');
  await navigation(page, () => page.click('form[action$="/report"][method="post"] [type="submit"]'));
  assert.ok(await page.getByText('Sparat.').isVisible(), `not saved: ${where(page)}`);
  await navigation(page, () => page.getByRole('button', { name: /Publicera/ }).first().click());
  assert.ok(await page.getByText('Rapporten är publicerad').isVisible());
  await page.close();

  // Now public, without login.
  await visit(visitor, publicPath);
  assert.equal(await visitor.locator(`#month-${draftMonth}`).count(), 1, 'published month on the public page');
  assert.ok(await visitor.getByText('(webbtestet)').first().isVisible());
  await visit(visitor, '/public/promises');
  assert.equal(await visitor.locator('link[rel="alternate"][type="application/atom+xml"]').count(), 1);
  const after = await visitor.request.get('/public/promises.atom');
  assert.ok((await after.text()).includes(`#month-${draftMonth}`), 'in the feed');
  await visitor.close();
}));

for (const width of [1280, 320]) {
  test(`every promise page passes axe at ${width}px`, { timeout: STEP_TIMEOUT_MS }, step(async () => {
    const page = await newPage(browser, { baseURL: server.url, width });
    for (const p of [...pagesToCheck].filter((x) => x.startsWith('/public/'))) {
      await visit(page, p);
      await checkPage(page);
    }
    await logIn(page, server.logins.samordnare);
    for (const p of [...pagesToCheck].filter((x) => !x.startsWith('/public/'))) {
      await visit(page, p);
      await checkPage(page);
    }
    // The promise form and the report form with a field error, input kept.
    await visit(page, '/promises/new');
    await page.fill('#title', 'Fel i formuläret');
    await page.fill('#first_month', '2026-13');
    await page.fill('#activity_text_1', 'polisen går fotpatrull');
    await navigation(page, () => page.click('form[action="/promises"] [type="submit"]'));
    assert.equal(await page.locator('[aria-invalid="true"]').count(), 1);
    assert.equal(await page.inputValue('#activity_text_1'), 'polisen går fotpatrull');
    await checkPage(page);
    await visit(page, `${promisePath}/report`);
    await page.fill('#done_text', '');
    await navigation(page, () => page.click('form[action$="/report"][method="post"] [type="submit"]'));
    assert.ok((await page.locator('.notice-error').count()) === 1, `no error on ${where(page)}`);
    await checkPage(page);
    await page.close();
  }));
}

// Measures in a real browser on the demo data, as the coordinator (samordnare) and the
// handläggare of Miljö- och samhällsbyggnadsförvaltningen: the list, a new measure
// refused in Swedish for a missing title (input kept) and then created, its page, the
// edit form and "my work"; the measure is taken through its statuses by the forms
// (assign → refuse with a reason → reopen → accept → start → progress note → done →
// confirm) with the status text checked after each step. WCAG 2.1 AA (axe-core) and
// reflow at 1280 and 320 px with the production CSP in force, through checkPage.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/measures.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, logIn, navigation, stepFor, visit, where } from './steps.mjs';

const WIDTHS = [1280, 320];
const STEP_TIMEOUT_MS = 120_000;
const UNIT = 'Miljö- och samhällsbyggnadsförvaltningen';

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

/** Posts the transition form with this action value and waits for the page. */
async function transition(page, action, fill = async () => {}) {
  const form = page.locator(`form:has(input[name="action"][value="${action}"])`);
  assert.equal(await form.count(), 1, `the ${action} form is offered`);
  await fill(form);
  await navigation(page, () => form.locator('button[type="submit"]').click());
}

async function status(page) {
  return (await page.locator('#measure-status').textContent()).trim();
}

for (const width of WIDTHS) {
  describe(`measures at ${width}px`, () => {
    let coord;
    let hand;
    let path;
    const title = `Belys gångtunneln, test ${width}`;
    before(async () => {
      coord = await newPage(browser, { baseURL: server.url, width });
      await logIn(coord, server.logins.samordnare);
      hand = await newPage(browser, { baseURL: server.url, width });
      await logIn(hand, server.logins['handläggare']);
    });
    after(async () => {
      await coord?.close();
      await hand?.close();
    });

    test('the list shows the demo measures', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(coord, '/measures');
      assert.match(await coord.locator('h1').textContent(), /Åtgärder/);
      assert.ok(await coord.locator('a', { hasText: 'Ordningsvakter vid resecentrum' }).count() >= 1);
      await checkPage(coord);
    }));

    test('a new measure: refused in Swedish, then created', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(coord, '/measures/new');
      await checkPage(coord);
      await coord.locator('#description').fill('Mörkt i tunneln under järnvägen; flera anmälningar om otrygghet.');
      await coord.locator('#cost_sek').fill('12000');
      await navigation(coord, () => coord.getByRole('button', { name: 'Skapa åtgärden' }).click());
      assert.match(await coord.locator('[role="alert"]').textContent(), /Något behöver rättas/);
      assert.ok((await coord.locator('#title-error').textContent()).trim().length > 0, 'the title has a message');
      assert.equal(await coord.locator('#title').getAttribute('aria-invalid'), 'true');
      assert.equal(await coord.locator('#cost_sek').inputValue(), '12000', 'the input is kept');
      await checkPage(coord);

      await coord.locator('#title').fill(title);
      await navigation(coord, () => coord.getByRole('button', { name: 'Skapa åtgärden' }).click());
      assert.match(where(coord), /^\/measures\/\d+/);
      path = new URL(coord.url()).pathname;
      assert.equal((await coord.locator('h1').textContent()).trim(), title);
      assert.equal(await status(coord), 'Föreslagen');
      await checkPage(coord);
    }));

    test('assigned, refused with a reason, reopened', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await transition(coord, 'assign', async (form) => {
        const option = form.locator('#assign-unit option').filter({ hasText: UNIT }).first();
        await form.locator('#assign-unit').selectOption(await option.getAttribute('value'));
      });
      assert.equal(await status(coord), 'Tilldelad');
      await checkPage(coord);

      await visit(hand, '/my-work');
      assert.ok(await hand.locator('a', { hasText: title }).count() >= 1, 'in the unit\'s queue');
      await checkPage(hand);

      await visit(hand, path);
      await transition(hand, 'refuse', async (form) => {
        await form.locator('textarea[name="reason"]').fill('Tunneln ägs av Trafikverket, inte av oss.');
      });
      assert.equal(await status(hand), 'Avböjd');
      assert.match(await hand.locator('dl.details').textContent(), /Tunneln ägs av Trafikverket/);
      await checkPage(hand);

      await visit(coord, path);
      await transition(coord, 'reopen', async (form) => {
        await form.locator('textarea[name="reason"]').fill('Kommunen sköter belysningen enligt avtal.');
      });
      assert.equal(await status(coord), 'Tilldelad');
    }));

    test('accepted, in progress, done, confirmed', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(hand, path);
      await transition(hand, 'accept', async (form) => {
        await form.locator('#accept-date').fill('2027-01-15');
      });
      assert.equal(await status(hand), 'Accepterad');
      await transition(hand, 'start');
      assert.equal(await status(hand), 'Pågår');
      const progress = hand.locator('form[action$="/progress"]');
      await progress.locator('#progress-note').fill('Armaturer beställda, montering vecka 3.');
      await navigation(hand, () => progress.locator('button[type="submit"]').click());
      assert.equal(await status(hand), 'Pågår');
      assert.match(await hand.locator('main').textContent(), /Armaturer beställda/);
      await checkPage(hand);
      await transition(hand, 'complete', async (form) => {
        await form.locator('#complete-evidence').fill('Sex nya LED-armaturer monterade, foton finns.');
      });
      assert.equal(await status(hand), 'Utförd, väntar på bekräftelse');
      await checkPage(hand);

      await visit(coord, path);
      await transition(coord, 'confirm');
      assert.equal(await status(coord), 'Bekräftad utförd');
      await checkPage(coord);
    }));

    test('the edit form and my work', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(coord, `${path}/edit`);
      assert.equal(await coord.locator('#title').inputValue(), title);
      await checkPage(coord);
      await visit(coord, '/my-work');
      assert.match(await coord.locator('h1').textContent(), /Mitt arbete/);
      await checkPage(coord);
    }));
  });
}

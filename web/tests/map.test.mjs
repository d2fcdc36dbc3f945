// Geography in a real browser: the map page, an area page, the places list and the place
// form pass axe-core (WCAG 2.1 A/AA) at 1280 and 320 px with the production CSP in force;
// a place can be created with the keyboard alone (Tab, typing, Enter) and then shows up
// in the list; the form shows errors in Swedish tied to their fields; a reader (läsare)
// cannot reach the form; the API answers 401 without a session.
//
// Run: scripts/browser-test.sh   (or: node --test web/tests/ with a built binary)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, logIn, navigation, stepFor, where } from './steps.mjs';

const WIDTHS = [1280, 320];
const STEP_TIMEOUT_MS = 120_000;

let server;
let browser;

const step = stepFor(() => server);

async function visit(page, target, { status = 200, path } = {}) {
  const response = await page.goto(target, { waitUntil: 'load' });
  assert.ok(response, `GET ${target} gave no response`);
  const expectedPath = path ?? new URL(target, server.url).pathname;
  assert.equal(new URL(page.url()).pathname, expectedPath, `GET ${target} ended on ${where(page)}`);
  assert.equal(response.status(), status, `GET ${target} answered ${response.status()}, expected ${status}`);
  return response;
}

/** Waits until map.js has drawn the map's data (or reported that it could not). */
async function mapDrawn(page) {
  await page.waitForSelector('#map.leaflet-container');
  await page.waitForFunction(
    () =>
      document.querySelector('#map path.leaflet-interactive') !== null ||
      document.querySelector('.map-error') !== null,
    null,
    { timeout: 30_000 },
  );
  assert.equal(await page.locator('.map-error').count(), 0, `${where(page)}: the map could not load its data`);
}

/** One <main>, one <h1>, <html lang>, no CSP violation or script error, axe, reflow. */

/** The focused element, for moving by Tab and for messages. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
      return { id: null, text: '(body)' };
    }
    return { id: el.id || null, text: `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}>` };
  });
}

/** Presses Tab until the element with this id has focus (keyboard only). */
async function tabTo(page, id) {
  const path = [];
  for (let presses = 0; presses < 40; presses += 1) {
    const now = await focused(page);
    if (now.id === id) {
      return;
    }
    path.push(now.text);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached #${id}; focus went: ${path.join(' → ')}`);
}

/** The texts of the first cells (row headers) of a table. */
async function rowNames(page, tableSelector) {
  return page.locator(`${tableSelector} tbody th[scope="row"]`).allInnerTexts();
}

describe('geography in a browser', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    server = await startTrygg();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const width of WIDTHS) {
    describe(`pages at ${width}px`, () => {
      let page;

      before(async () => {
        page = await newPage(browser, { baseURL: server.url, width });
        await logIn(page, server.logins.samordnare);
      });

      after(async () => {
        await page?.context().close();
      });

      test('/map draws the areas and has the same areas and places in tables', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await visit(page, '/map');
        await mapDrawn(page);
        const map = page.locator('#map');
        assert.ok(await map.getAttribute('aria-label'), 'the map has no accessible name');
        assert.equal(await map.getAttribute('aria-describedby'), 'map-help');
        const regso = await rowNames(page, 'table:has(#areas-regso-caption)');
        assert.equal(regso.length, 32, `the RegSO table has ${regso.length} rows`);
        const districts = await rowNames(page, 'table:has(#areas-district-caption)');
        assert.deepEqual(
          [...districts].sort(),
          ['Berga', 'Ekholmen', 'Innerstaden', 'Johannelund', 'Lambohov', 'Ryd', 'Skäggetorp'].sort(),
        );
        const permits = await rowNames(page, 'table:has(#areas-permit-area-caption)');
        assert.equal(permits.length, 4);
        assert.ok(permits.every((n) => n.endsWith('(ungefärlig)')), `permit areas: ${permits}`);
        // Swedish order in the tables: Å after V.
        assert.ok(regso.indexOf('Vreta Kloster omland') < regso.indexOf('Åkerbo omland'), regso.join(', '));
        await checkPage(page);
      }));

      test('an area page: polygon, details, neighbours and places', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await visit(page, '/map');
        const link = page.locator('table:has(#areas-regso-caption) a', { hasText: 'Vasastaden-Hunneberg' });
        await navigation(page, () => link.click());
        assert.match(new URL(page.url()).pathname, /^\/areas\/\d+$/);
        await mapDrawn(page);
        const main = await page.locator('main').innerText();
        for (const text of ['Vasastaden-Hunneberg', '0580R026', 'RegSO-område', 'Gäller nu']) {
          assert.ok(main.includes(text), `the area page does not show "${text}"`);
        }
        const neighbours = await rowNames(page, 'table:has(#neighbours-caption)');
        assert.ok(neighbours.includes('Gottfridsberg'), `neighbours: ${neighbours}`);
        const places = await rowNames(page, 'table:has(#area-places-caption)');
        assert.ok(places.some((p) => p.includes('Resecentrum')), `places: ${places}`);
        await checkPage(page);
      }));

      test('/places lists and searches in Swedish order', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await visit(page, '/places');
        const all = await rowNames(page, 'table:has(#places-caption)');
        assert.ok(all.length >= 46, `only ${all.length} places`);
        assert.ok(all.indexOf('Vreta Kloster omland') < all.indexOf('Åkerbo omland'));
        assert.ok(all.indexOf('Åkerbo omland') < all.indexOf('Östergötlands län (Polisen API location.gps)'));
        await checkPage(page);

        await visit(page, '/places?q=Skaggetorp');
        const found = await rowNames(page, 'table:has(#places-caption)');
        assert.equal(found[0], 'Skäggetorp', `search results: ${found}`);
        assert.ok(found.includes('Skäggetorp-Tornby'));
        await checkPage(page);
      }));

      test('/places/new, also with errors, passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await visit(page, '/places/new');
        await mapDrawn(page);
        // With JavaScript, only the chosen coordinate pair is shown.
        assert.ok(await page.locator('#place-lat').isVisible());
        assert.ok(!(await page.locator('#place-n').isVisible()), 'the SWEREF fields show while WGS84 is chosen');
        await checkPage(page);

        // Submitting bad input: Swedish errors, tied to their fields.
        await page.locator('#place-lat').fill('15,62583');
        await page.locator('#place-lon').fill('58,41611');
        await navigation(page, () => page.locator('form[action="/places"] button[type="submit"]').click());
        assert.equal(new URL(page.url()).pathname, '/places');
        const name = page.locator('#place-name');
        assert.equal(await name.getAttribute('aria-invalid'), 'true');
        assert.ok((await name.getAttribute('aria-describedby')).includes('place-name-error'));
        assert.match(await page.locator('#place-name-error').innerText(), /Fel: Fältet måste fyllas i/);
        const lat = page.locator('#place-lat');
        assert.equal(await lat.getAttribute('aria-invalid'), 'true');
        assert.ok((await lat.getAttribute('aria-describedby')).includes('place-position-error'));
        assert.match(await page.locator('#place-position-error').innerText(), /bytt plats/);
        assert.match(await page.locator('.notice-error').innerText(), /Namn: /);
        await mapDrawn(page);
        await checkPage(page);
      }));
    });
  }

  describe('in English', () => {
    test('the map and the place form in English pass the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const page = await newPage(browser, { baseURL: server.url, width: 1280 });
      try {
        await logIn(page, server.logins.admin);
        for (const path of ['/map?lang=en', '/places/new?lang=en', '/places?q=berg&lang=en']) {
          await visit(page, path, { path: new URL(path, server.url).pathname });
          if (path !== '/places?q=berg&lang=en') {
            await mapDrawn(page);
          }
          await checkPage(page, { lang: 'en' });
        }
      } finally {
        await page.context().close();
      }
    }));
  });

  describe('creating places', () => {
    let page;

    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width: 1280 });
      await logIn(page, server.logins.samordnare);
    });

    after(async () => {
      await page?.context().close();
    });

    test('a place can be created with the keyboard alone and is then in the list', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const name = `Tunneln vid Stora torget ${Date.now()}`;
      await visit(page, '/places/new');
      await page.evaluate(() => document.activeElement?.blur());
      await tabTo(page, 'place-name');
      await page.keyboard.type(name);
      await tabTo(page, 'place-aliases');
      await page.keyboard.type('Torgtunneln');
      // WGS84 is chosen already; Tab passes the radio group to the latitude.
      await tabTo(page, 'place-lat');
      await page.keyboard.type('58,41086');
      await tabTo(page, 'place-lon');
      await page.keyboard.type('15,62157');
      await navigation(page, () => page.keyboard.press('Enter'));

      assert.match(new URL(page.url()).pathname, /^\/places\/\d+$/, `after Enter the browser is on ${where(page)}`);
      assert.equal((await page.locator('h1').innerText()).trim(), name);
      assert.match(await page.locator('[role="status"]').first().innerText(), /Platsen är sparad/);
      const areas = await rowNames(page, 'table:has(#place-areas-caption)');
      assert.ok(areas.includes('Domkyrkan-Slottet'), `the new place's areas: ${areas}`);
      assert.ok(areas.includes('Innerstaden'), `the new place's areas: ${areas}`);

      await visit(page, '/places');
      const all = await rowNames(page, 'table:has(#places-caption)');
      assert.ok(all.includes(name), `the new place is not in /places`);
      await visit(page, `/places?q=${encodeURIComponent('torgtunneln')}`);
      assert.deepEqual(await rowNames(page, 'table:has(#places-caption)'), [name], 'search by alias');
    }));

    test('a place can be given in SWEREF 99 TM and then edited', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await visit(page, '/places/new');
      await page.locator('#place-name').fill('Skäggetorps centrum, torget');
      await page.locator('#place-kind').selectOption('square');
      await page.locator('#place-crs-sweref').check();
      assert.ok(await page.locator('#place-n').isVisible(), 'the SWEREF fields do not show when chosen');
      // Skäggetorp (58.42611, 15.58) is N 6 476 298, E 533 875 in SWEREF 99 TM.
      await page.locator('#place-n').fill('6 476 298');
      await page.locator('#place-e').fill('533 875');
      await navigation(page, () => page.locator('form[action="/places"] button[type="submit"]').click());
      assert.match(new URL(page.url()).pathname, /^\/places\/\d+$/, `ended on ${where(page)}`);
      const areas = await rowNames(page, 'table:has(#place-areas-caption)');
      assert.ok(areas.includes('Skäggetorp-Tornby'), `areas: ${areas}`);

      await navigation(page, () => page.getByRole('link', { name: 'Ändra plats' }).click());
      await page.locator('#place-name').fill('Skäggetorps torg');
      await navigation(page, () => page.locator('main form[method="post"] button[type="submit"]').click());
      assert.equal((await page.locator('h1').innerText()).trim(), 'Skäggetorps torg');
    }));
  });

  describe('access', () => {
    test('a reader sees places but not the form', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const page = await newPage(browser, { baseURL: server.url, width: 1280 });
      try {
        await logIn(page, server.logins['läsare']);
        await visit(page, '/places');
        assert.equal(await page.getByRole('link', { name: 'Ny plats' }).count(), 0);
        await visit(page, '/places/new', { status: 403 });
        await visit(page, '/map');
        await mapDrawn(page);
        const status = await page.evaluate(async () => {
          const token = document.querySelector('input[name="csrf_token"]').value;
          const response = await fetch('/api/v1/places', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
            body: JSON.stringify({ name: 'X', kind: 'square', lat: 58.41, lon: 15.62 }),
          });
          return response.status;
        });
        assert.equal(status, 403, 'a reader creating a place through the API');
      } finally {
        await page.context().close();
      }
    }));

    test('the API answers 401 without a session', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      for (const path of ['/api/v1/areas', '/api/v1/areas.geojson', '/api/v1/places', '/api/v1/areas/1']) {
        const response = await fetch(`${server.url}${path}`);
        assert.equal(response.status, 401, `${path} without a session`);
        const body = await response.json();
        assert.equal(body.error.code, 'unauthenticated');
      }
    }));
  });
});

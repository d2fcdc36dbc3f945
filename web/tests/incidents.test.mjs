// EST reporting in a real browser: the report form (also with errors and with the
// personal-data warning), the receipt, "my reports", the review queue, the incident list
// with its map and the reporting rhythm pass axe-core (WCAG 2.1 A/AA) at 1280 and
// 320 px with the production CSP in force; a report can be filed with the keyboard
// alone, and with JavaScript turned off (adding a second incident and confirming the
// personal-data warning included).
//
// Run: scripts/browser-test.sh   (or: node --test web/tests/ with a built binary)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage, screenshot } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage as checkShell, logIn, navigation, stepFor, visit, where } from './steps.mjs';

const WIDTHS = [1280, 320];
const STEP_TIMEOUT_MS = 180_000;

let server;
let browser;

const step = stepFor(() => server);

/** Waits until incidents.js has drawn every map of the page (or reported it could not). */
async function mapsDrawn(page) {
  const maps = await page.locator('[data-report-map], [data-incident-map]').count();
  if (maps === 0) {
    return;
  }
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('.leaflet-container').length >= n &&
      ([...document.querySelectorAll('.leaflet-container')].every((m) => m.querySelector('path')) ||
        document.querySelector('.map-error') !== null),
    maps,
    { timeout: 30_000 },
  );
  assert.equal(await page.locator('.map-error').count(), 0, `${where(page)}: a map could not load its data`);
}

/** One <main>, one <h1>, <html lang>, no CSP violation or script error, axe, reflow. */
/** The shared page checks, once the maps have drawn. */
async function checkPage(page) {
  await mapsDrawn(page);
  await checkShell(page);
}

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
  for (let presses = 0; presses < 80; presses += 1) {
    const now = await focused(page);
    if (now.id === id) {
      return;
    }
    path.push(now.text);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached #${id}; focus went: ${path.join(' → ')}`);
}

/** The current time as <input type="datetime-local"> writes it, minus some minutes. */
function localTime(minutesAgo) {
  const t = new Date(Date.now() - minutesAgo * 60_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/** Fills incident block `i` of the report form (with or without JavaScript). */
async function fillBlock(page, i, { category, description, place, lat, lon, address }) {
  await page.locator(`#i${i}-category`).selectOption(category);
  await page.locator(`#i${i}-description`).fill(description);
  if (place) {
    await page.locator(`#i${i}-place`).selectOption({ label: place });
  }
  if (lat) {
    await page.locator(`#i${i}-lat`).fill(lat);
    await page.locator(`#i${i}-lon`).fill(lon);
  }
  if (address) {
    await page.locator(`#i${i}-address`).fill(address);
  }
}

/** The incident ids linked from the receipt. */
async function receiptIds(page) {
  const hrefs = await page.locator('main section a[href^="/incidenter/"]').evaluateAll((links) =>
    links.map((a) => a.getAttribute('href')),
  );
  return hrefs.map((h) => Number(h.split('/').pop()));
}

describe('EST reporting in a browser', { timeout: 20 * 60_000 }, () => {
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
      let reporter;
      let coordinator;

      before(async () => {
        reporter = await newPage(browser, { baseURL: server.url, width });
        await logIn(reporter, server.logins['rapportör']);
        coordinator = await newPage(browser, { baseURL: server.url, width });
        await logIn(coordinator, server.logins.samordnare);
      });

      after(async () => {
        await reporter?.context().close();
        await coordinator?.context().close();
      });

      test('the report form, its errors, the personal-data warning and the receipt', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await visit(reporter, '/rapportera');
        // With JavaScript, only the chosen coordinate pair shows, and a map per incident.
        assert.ok(await reporter.locator('#i0-lat').isVisible());
        assert.ok(!(await reporter.locator('#i0-n').isVisible()), 'the SWEREF fields show while WGS84 is chosen');
        await checkPage(reporter);

        // Sent empty: errors in Swedish, tied to their fields.
        await navigation(reporter, () => reporter.locator('button[value="submit"]').click());
        assert.equal(await reporter.locator('#i0-category').getAttribute('aria-invalid'), 'true');
        assert.match(await reporter.locator('#i0-category-error').innerText(), /Fel: Välj en kategori/);
        assert.match(await reporter.locator('.notice-error').innerText(), /Händelse 1/);
        await checkPage(reporter);

        // A click on the map fills the coordinates.
        await reporter.locator('#i0-map').click({ position: { x: 120, y: 100 } });
        assert.notEqual(await reporter.locator('#i0-lat').inputValue(), '', 'the map click filled no latitude');
        assert.match(await reporter.locator('#i0-map-status').innerText(), /Koordinaterna är ifyllda/);

        // Personal data: warned, then confirmed.
        await fillBlock(reporter, 0, {
          category: 'klotter',
          description: `Klotter på muren ${width}, vittnet 19121212-1212 ringde 070-123 45 67`,
          place: 'Linköpings centralstation (Resecentrum)',
        });
        await navigation(reporter, () => reporter.locator('button[value="submit"]').click());
        assert.match(await reporter.locator('#report-pii').innerText(), /personnummer \(1\)/);
        assert.match(await reporter.locator('#report-pii').innerText(), /telefonnummer \(1\)/);
        await checkPage(reporter);
        await reporter.locator('#confirm-pii').check();
        await navigation(reporter, () => reporter.locator('button[value="submit"]').click());
        assert.match(new URL(reporter.url()).pathname, /^\/rapporter\/\d+$/, `ended on ${where(reporter)}`);
        assert.equal((await reporter.locator('h1').innerText()).trim(), 'Tack! Rapporten är mottagen');
        const main = await reporter.locator('main').innerText();
        assert.ok(main.includes('[personnummer]'), 'the receipt shows the masked text');
        assert.ok(!main.includes('19121212'), 'the receipt shows the personnummer');
        assert.ok(main.includes('Maskerade: personnummer (1), telefonnummer (1)'), 'the receipt says what was masked');
        await checkPage(reporter);

        await visit(reporter, '/rapporter/mina');
        assert.match(await reporter.locator('table').innerText(), /Ny/);
        await checkPage(reporter);
      }));

      test('the review queue, the incident list with its map, an incident and the rhythm', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        // Something to review even when this test runs alone: a report through the API.
        await visit(coordinator, '/rapportera');
        const status = await coordinator.evaluate(async (width) => {
          const token = document.querySelector('input[name="csrf_token"]').value;
          const response = await fetch('/api/v1/incidents', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token, 'Idempotency-Key': `queue-${width}` },
            body: JSON.stringify({
              incidents: [{ category: 'klotter', description: `Klotter på bron ${width}`, occurred_at: new Date(Date.now() - 3_600_000).toISOString(), lat: 58.4108, lon: 15.6216 }],
            }),
          });
          return response.status;
        }, width);
        assert.equal(status, 201, 'filing through the API');
        await visit(coordinator, '/granskning');
        assert.ok((await coordinator.locator('.queue-item').count()) > 0, 'the queue is empty');
        await checkPage(coordinator);

        await visit(coordinator, '/incidenter');
        await mapsDrawn(coordinator);
        const rows = await coordinator.locator('tbody tr[data-incident]').count();
        assert.ok(rows > 0, 'the list is empty');
        const markers = await coordinator.locator('#incident-map path.leaflet-interactive').count();
        const mapped = Number((await coordinator.locator('#incidents-counts').innerText()).match(/(\d+) av dem har en position/)[1]);
        assert.equal(markers, mapped, 'the map shows the incidents of the table that have a position');
        await checkPage(coordinator);

        await visit(coordinator, '/incidenter?kategori=klotter&sortering=oldest');
        await checkPage(coordinator);

        const first = coordinator.locator('tbody tr[data-incident] th a').first();
        await navigation(coordinator, () => first.click());
        assert.match(new URL(coordinator.url()).pathname, /^\/incidenter\/\d+$/);
        await checkPage(coordinator);

        await visit(coordinator, '/rapportering');
        const silent = await coordinator.locator('#silent-list li').count();
        const everyone = await coordinator.getByText('Alla parter har rapporterat den här veckan.').count();
        assert.ok(silent > 0 || everyone === 1, 'the page says who has not reported');
        await checkPage(coordinator);
      }));
    });
  }

  describe('filing a report', () => {
    test('with the keyboard alone', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const page = await newPage(browser, { baseURL: server.url, width: 1280 });
      try {
        await logIn(page, server.logins['rapportör']);
        await visit(page, '/rapportera');
        await page.evaluate(() => document.activeElement?.blur());
        await tabTo(page, 'i0-category');
        // A focused <select> selects by typing, as users of screen readers and
        // keyboards do.
        await page.keyboard.type('Nedskr');
        assert.equal(await page.locator('#i0-category').inputValue(), 'nedskräpning');
        await tabTo(page, 'i0-description');
        await page.keyboard.type('Soppåsar utslängda vid återvinningsstationen');
        await tabTo(page, 'i0-place');
        // Down the list with the arrow key until the station is chosen.
        const chosen = () => page.locator('#i0-place option:checked').innerText();
        for (let presses = 0; presses < 200 && !/Resecentrum/.test(await chosen()); presses += 1) {
          await page.keyboard.press('ArrowDown');
        }
        assert.match(await chosen(), /Resecentrum/, 'no place chosen with the arrow keys');
        // The radio group: arrow keys choose "yes".
        await tabTo(page, 'i0-insecurity-nej');
        await page.keyboard.press('ArrowUp');
        assert.ok(await page.locator('#i0-insecurity-ja').isChecked());
        // Back to a text field; Enter sends the form with its first button, "send".
        await page.keyboard.press('Shift+Tab');
        await tabTo(page, 'i0-address');
        await page.keyboard.type('Vid Resecentrums västra entré');
        await navigation(page, () => page.keyboard.press('Enter'));
        assert.match(new URL(page.url()).pathname, /^\/rapporter\/\d+$/, `after Enter the browser is on ${where(page)}`);
        assert.equal((await page.locator('h1').innerText()).trim(), 'Tack! Rapporten är mottagen');
        const main = await page.locator('main').innerText();
        assert.ok(main.includes('Soppåsar utslängda'), 'the receipt lists the incident');
        assert.ok(main.includes('Resecentrum'));
      } catch (error) {
        await screenshot(page, 'keyboard report');
        throw error;
      } finally {
        await page.context().close();
      }
    }));

    test('without JavaScript', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: { width: 320, height: 900 },
        locale: 'sv-SE',
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      try {
        await logIn(page, server.logins['rapportör']);
        await visit(page, '/rapportera');
        assert.match(await page.locator('#i0-map').innerText(), /Kartan visas när JavaScript är påslaget/);
        assert.ok(await page.locator('#i0-n').isVisible(), 'without JavaScript both coordinate pairs show');
        assert.ok(!(await page.locator('[data-locate="0"]').isVisible()), '"use my position" needs JavaScript');
        await fillBlock(page, 0, {
          category: 'trasig-belysning',
          description: 'Belysningen i gångtunneln är släckt, ring 070-123 45 67 för nyckel',
          lat: '58,41086',
          lon: '15,62157',
        });
        await page.locator('#i0-occurred_at').fill(localTime(120));
        await page.locator('#i0-occurred_to').fill(localTime(60));
        // Another incident, without JavaScript: the form comes back with two blocks.
        await navigation(page, () => page.locator('button[value="add"]').click());
        assert.equal(await page.locator('fieldset.report-block').count(), 2);
        assert.equal(await page.locator('#i0-lat').inputValue(), '58,41086', 'the first incident is kept');
        await fillBlock(page, 1, {
          category: 'nedskräpning',
          description: 'Skräp vid tunnelns norra mynning',
          address: 'Tunneln under järnvägen, norra sidan',
        });
        await page.locator('#i1-sharing-own').check();
        await navigation(page, () => page.locator('button[value="submit"]').click());
        // The phone number is warned about; confirmed with the checkbox.
        assert.match(await page.locator('#report-pii').innerText(), /telefonnummer \(1\)/);
        await page.locator('#confirm-pii').check();
        await navigation(page, () => page.locator('button[value="submit"]').click());
        assert.match(new URL(page.url()).pathname, /^\/rapporter\/\d+$/, `ended on ${where(page)}`);
        const main = await page.locator('main').innerText();
        assert.ok(main.includes('Trasig belysning') && main.includes('Nedskräpning'), main);
        assert.ok(main.includes('[telefonnummer]') && !main.includes('070-123'), 'masked');
        assert.ok(main.includes('Bara den egna organisationen'), 'the second is shared with its own organisation only');
        assert.equal((await receiptIds(page)).length, 2);
      } catch (error) {
        await screenshot(page, 'no-javascript report');
        throw error;
      } finally {
        await context.close();
      }
    }));
  });
});

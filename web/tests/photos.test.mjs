// Photos of incidents in a real browser on a phone-sized screen: a report with a photo
// filed with the keyboard alone (the file chooser opened from the keyboard), the
// thumbnail on the incident page loading under the production CSP, its link to the
// full picture with private, no-store caching, and axe (WCAG 2.1 A/AA) on the form
// and the incident page.
//
// Run: cargo build -p trygg && TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/photos.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage, screenshot } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, logIn, navigation, stepFor, where } from './steps.mjs';

const PHONE = { width: 360, height: 780 };
const STEP_TIMEOUT_MS = 180_000;

let server;
let browser;

const step = stepFor(() => server);

async function visit(page, target) {
  const response = await page.goto(target, { waitUntil: 'load' });
  assert.ok(response, `GET ${target} gave no response`);
  assert.equal(response.status(), 200, `GET ${target} answered ${response.status()}`);
  return response;
}

/** Presses Tab until the element with this id has focus (keyboard only). */
async function tabTo(page, id) {
  const path = [];
  for (let presses = 0; presses < 120; presses += 1) {
    const now = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    if (now === id) {
      return;
    }
    path.push(now);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached #${id}; focus went: ${path.join(' → ')}`);
}

/** No CSP violation or script error, axe, and no sideways scrolling on the phone. */

/** A JPEG the browser itself draws: a photo-like picture, 800 × 600. */
async function drawnJpeg(page) {
  const base64 = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 800;
    canvas.height = 600;
    const g = canvas.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 600);
    sky.addColorStop(0, '#6aa0d8');
    sky.addColorStop(1, '#d8e4ee');
    g.fillStyle = sky;
    g.fillRect(0, 0, 800, 600);
    g.fillStyle = '#7a6a58';
    g.fillRect(0, 380, 800, 220);
    g.fillStyle = '#c0302a';
    g.font = 'bold 90px sans-serif';
    g.fillText('TAG', 260, 520);
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  return Buffer.from(base64, 'base64');
}

describe('incident photos in a browser', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    server = await startTrygg();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a report with a photo, filed with the keyboard on a phone', { timeout: STEP_TIMEOUT_MS }, step(async () => {
    const page = await newPage(browser, { baseURL: server.url, ...PHONE });
    try {
      await logIn(page, server.logins['rapportör']);
      await visit(page, '/rapportera');
      const input = page.locator('#i0-photos');
      assert.equal(await input.getAttribute('type'), 'file');
      assert.equal(await input.getAttribute('accept'), 'image/jpeg,image/png,image/webp');
      assert.equal(await page.locator('form.report-form').getAttribute('enctype'), 'multipart/form-data');
      await checkPage(page);
      const photo = await drawnJpeg(page);

      await page.evaluate(() => document.activeElement?.blur());
      await tabTo(page, 'i0-category');
      await page.keyboard.type('Klotter');
      assert.equal(await page.locator('#i0-category').inputValue(), 'klotter');
      await tabTo(page, 'i0-description');
      await page.keyboard.type('Klotter på gångtunnelns vägg, foto bifogat');
      // The file input opens the chooser from the keyboard (Space), as for everyone.
      await tabTo(page, 'i0-photos');
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
      assert.ok(chooser.isMultiple(), 'several photos may be chosen');
      await chooser.setFiles({ name: 'IMG_2041.jpg', mimeType: 'image/jpeg', buffer: photo });
      await tabTo(page, 'i0-address');
      await page.keyboard.type('Gångtunneln vid Resecentrum');
      await navigation(page, () => page.keyboard.press('Enter'));
      assert.match(new URL(page.url()).pathname, /^\/rapporter\/\d+$/, `after Enter the browser is on ${where(page)}`);
      assert.equal((await page.locator('h1').innerText()).trim(), 'Tack! Rapporten är mottagen');

      // The incident page: a thumbnail that loaded, with alt text, linking to the photo.
      const link = page.locator('main section a[href^="/incidenter/"]').first();
      await navigation(page, () => link.click());
      assert.match(new URL(page.url()).pathname, /^\/incidenter\/\d+$/);
      const thumb = page.locator('.photo-list img').first();
      await thumb.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => {
        const img = document.querySelector('.photo-list img');
        return img && img.complete && img.naturalWidth > 0;
      }, null, { timeout: 15_000 });
      assert.match(await thumb.getAttribute('alt'), /^Foto 1 av 1 till händelse \d+/);
      const size = await thumb.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
      assert.deepEqual(size, [320, 240], 'the thumbnail is small and keeps the aspect');
      await checkPage(page);

      // The full picture: re-encoded JPEG, never cached.
      const href = await page.locator('.photo-list a').first().getAttribute('href');
      const full = await page.goto(href);
      assert.equal(full.status(), 200);
      const headers = full.headers();
      assert.equal(headers['content-type'], 'image/jpeg');
      assert.equal(headers['cache-control'], 'private, no-store');
      assert.equal(headers['x-content-type-options'], 'nosniff');
      const body = await full.body();
      assert.equal(body[0], 0xff);
      assert.equal(body[1], 0xd8);
    } catch (error) {
      await screenshot(page, 'photo report');
      throw error;
    } finally {
      await page.context().close();
    }
  }));
});

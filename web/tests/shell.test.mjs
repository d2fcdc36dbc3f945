// The page shell in a real browser: WCAG 2.1 AA (axe-core) on the main pages at desktop
// and 320px widths, reflow without horizontal scrolling, keyboard-only login, login
// errors, logout, and the page skeleton (<html lang>, one <main>, one <h1>), with the
// production CSP in force (any CSP violation fails the page).
//
// Run: scripts/browser-test.sh   (or: node --test web/tests/ with a built binary)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, newPage, screenshot } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { checkPage, navigation, stepFor, where } from './steps.mjs';

const WIDTHS = [1280, 320];
const STEP_TIMEOUT_MS = 120_000;

let server;
let browser;

const step = stepFor(() => server);

/**
 * Navigates and checks status and final path: a protected page that redirects to /login
 * shows up as "ended on /login", not as a confusing axe or heading failure later.
 */
async function visit(page, target, { status = 200, path } = {}) {
  const response = await page.goto(target, { waitUntil: 'load' });
  assert.ok(response, `GET ${target} gave no response`);
  const expectedPath = path ?? new URL(target, server.url).pathname;
  const finalPath = new URL(page.url()).pathname;
  assert.equal(
    finalPath,
    expectedPath,
    `GET ${target} ended on ${where(page)} instead of ${expectedPath}` +
      (finalPath === '/login' ? ' (redirected to the login page: not logged in?)' : ''),
  );
  assert.equal(response.status(), status, `GET ${target} answered ${response.status()}, expected ${status}`);
  return response;
}

/**
 * The checks every page must pass: `<html lang>` of "sv" or "en", exactly one `<main>`
 * and one `<h1>`, no CSP violation or uncaught script error, no axe violation, and at
 * narrow widths no horizontal scrolling.
 */

/** The login form (the form with the password field). */
function loginForm(page) {
  return page.locator('form:has(input[name="password"])');
}

/** Logs in through the login form with the mouse-free Playwright API (not the keyboard test). */
async function logIn(page, { email, password }) {
  await visit(page, '/login');
  const form = loginForm(page);
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  await navigation(page, () => form.locator('[type="submit"]').first().click());
}

/** Follows the first link inside a table in <main>; returns the link's text. */
async function followFirstTableLink(page) {
  const link = page.locator('main table a[href]').first();
  assert.ok((await link.count()) > 0, `${where(page)} has no link inside a table in <main>`);
  const text = (await link.innerText()).trim();
  const href = new URL(await link.getAttribute('href'), page.url()).toString();
  await visit(page, href);
  return text;
}

/** What the focused element is, in words, for messages. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
      return { name: null, skipLink: false, text: '(nothing: <body>)' };
    }
    const id = el.id ? `#${el.id}` : '';
    const name = el.getAttribute('name');
    return {
      name,
      skipLink: el.classList.contains('skip-link'),
      text: `<${el.tagName.toLowerCase()}${id}${name ? ` name=${name}` : ''}> "${(el.textContent || '').trim().slice(0, 40)}"`,
    };
  });
}

describe('Trygg in a browser', { timeout: 15 * 60_000 }, () => {
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
      let loggedIn = false;

      before(async () => {
        page = await newPage(browser, { baseURL: server.url, width });
      });

      after(async () => {
        await page?.context().close();
      });

      /** A test that needs the admin session from the login test. */
      const loggedInTest = (name, body) =>
        test(name, { timeout: STEP_TIMEOUT_MS }, step(async (t) => {
          if (!loggedIn) {
            t.skip('not logged in (see the failing login test)');
            return;
          }
          await body();
        }));

      test('/login (anonymous) has the login form and passes the checks', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await visit(page, '/login');
        const form = loginForm(page);
        assert.equal(await form.count(), 1, '/login: expected one form with a password field');
        assert.equal(await form.locator('input[name="email"]').count(), 1, '/login: no input name="email"');
        assert.equal(await form.locator('input[name="password"]').count(), 1, '/login: no input name="password"');
        const csrf = form.locator('input[type="hidden"][name="csrf_token"]');
        assert.equal(await csrf.count(), 1, '/login: no hidden input name="csrf_token"');
        assert.ok(await csrf.getAttribute('value'), '/login: csrf_token is empty');
        assert.ok((await form.locator('[type="submit"]').count()) > 0, '/login: no submit button');
        await checkPage(page);
      }));

      test('logging in as admin lands on the start page', { timeout: STEP_TIMEOUT_MS }, step(async () => {
        await logIn(page, server.logins.admin);
        assert.equal(new URL(page.url()).pathname, '/', `after logging in as admin the browser is on ${where(page)}, expected /`);
        loggedIn = true;
      }));

      loggedInTest('/ (start page)', async () => {
        await visit(page, '/');
        await checkPage(page, { lang: 'sv' });
      });

      loggedInTest('/admin/organisations', async () => {
        await visit(page, '/admin/organisations');
        await checkPage(page);
      });

      loggedInTest('the first organisation’s page', async () => {
        await visit(page, '/admin/organisations');
        const name = await followFirstTableLink(page);
        const main = await page.locator('main').innerText();
        assert.ok(main.includes(name), `${where(page)} does not show the organisation's name "${name}"`);
        await checkPage(page);
      });

      loggedInTest('/admin/users', async () => {
        await visit(page, '/admin/users');
        await checkPage(page);
      });

      loggedInTest('/admin/users/new', async () => {
        await visit(page, '/admin/users/new');
        await checkPage(page);
      });

      loggedInTest('the first user’s page', async () => {
        await visit(page, '/admin/users');
        const name = await followFirstTableLink(page);
        const main = await page.locator('main').innerText();
        assert.ok(main.includes(name), `${where(page)} does not show the user's name "${name}"`);
        await checkPage(page);
      });

      loggedInTest('a 404 page (/finns-inte)', async () => {
        await visit(page, '/finns-inte', { status: 404 });
        await checkPage(page);
      });

      // Last: the language choice may stick to the session.
      loggedInTest('the start page in English (/?lang=en)', async () => {
        await visit(page, '/?lang=en', { path: '/' });
        await checkPage(page, { lang: 'en' });
      });
    });
  }

  describe('login and logout', () => {
    let page;

    before(async () => {
      page = await newPage(browser, { baseURL: server.url, width: 1280 });
    });

    after(async () => {
      await page?.context().close();
    });

    test('login works with the keyboard alone', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await page.context().clearCookies();
      const { email, password } = server.logins.admin;
      await visit(page, '/login');
      // Start from the top of the document, as after a fresh page load.
      await page.evaluate(() => document.activeElement?.blur());

      await page.keyboard.press('Tab');
      const first = await focused(page);
      assert.ok(first.skipLink, `the first Tab should land on the skip link (.skip-link), it landed on ${first.text}`);
      const box = await page.locator('.skip-link').boundingBox();
      assert.ok(
        box && box.y >= 0 && box.height > 0,
        `the focused skip link is not visible on screen (box ${JSON.stringify(box)})`,
      );

      const path = [first.text];
      for (let presses = 0; presses < 30; presses += 1) {
        const now = await focused(page);
        if (now.name === 'email') {
          break;
        }
        await page.keyboard.press('Tab');
        path.push((await focused(page)).text);
      }
      const onEmail = await focused(page);
      assert.equal(onEmail.name, 'email', `Tab never reached the e-mail field; focus went: ${path.join(' → ')}`);
      await page.keyboard.type(email);
      await page.keyboard.press('Tab');
      const onPassword = await focused(page);
      assert.equal(onPassword.name, 'password', `Tab from the e-mail field went to ${onPassword.text}, not the password field`);
      await page.keyboard.type(password);
      await navigation(page, () => page.keyboard.press('Enter'));

      assert.equal(new URL(page.url()).pathname, '/', `after Enter the browser is on ${where(page)}, expected /`);
      const shown = await page.locator('body').innerText();

      // The header shows who is logged in: the name (as listed on /admin/users), or at
      // least the e-mail address.
      await visit(page, '/admin/users');
      const row = page.locator('main table tbody tr', { hasText: email }).first();
      const nameCell = (await row.count()) > 0 ? (await row.locator('td, th').first().innerText()).trim() : null;
      const expected = [nameCell, email].filter(Boolean);
      assert.ok(
        expected.some((text) => shown.includes(text)),
        `after logging in, the start page shows neither ${expected.map((e) => `"${e}"`).join(' nor ')}`,
      );
    }));

    test('a wrong password shows an error and stays on /login', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await page.context().clearCookies();
      await visit(page, '/login');
      const form = loginForm(page);
      await form.locator('input[name="email"]').fill(server.logins.admin.email);
      await form.locator('input[name="password"]').fill('fel-lösenord-inte-rätt');
      await navigation(page, () => form.locator('[type="submit"]').first().click());

      assert.equal(new URL(page.url()).pathname, '/login', `a wrong password led to ${where(page)}, expected to stay on /login`);
      const error = page.locator('main :is(.notice-error, .error, [role="alert"])').first();
      assert.ok(
        (await error.count()) > 0 && (await error.isVisible()),
        'a wrong password shows no visible error message (.notice-error, .error or role="alert" in <main>)',
      );
      assert.ok((await error.innerText()).trim().length > 0, 'the error message after a wrong password is empty');
      assert.equal(
        await page.getByRole('button', { name: 'Logga ut' }).count(),
        0,
        'a wrong password still shows a "Logga ut" button: logged in anyway?',
      );
      await checkPage(page);
    }));

    test('"Logga ut" posts to /logout and ends the session', { timeout: STEP_TIMEOUT_MS }, step(async () => {
      await page.context().clearCookies();
      await logIn(page, server.logins.admin);
      assert.equal(new URL(page.url()).pathname, '/', `login failed: on ${where(page)}`);

      const button = page.getByRole('button', { name: 'Logga ut' });
      assert.equal(await button.count(), 1, 'expected one "Logga ut" button when logged in');
      const form = await button.evaluate((b) => ({
        method: (b.form?.getAttribute('method') || 'get').toLowerCase(),
        action: b.form ? new URL(b.form.action).pathname : null,
      }));
      assert.deepEqual(form, { method: 'post', action: '/logout' }, '"Logga ut" must submit a POST form to /logout');
      await navigation(page, () => button.click());

      const response = await page.goto('/admin/users', { waitUntil: 'load' });
      const denied = new URL(page.url()).pathname === '/login' || [401, 403].includes(response?.status());
      if (!denied) {
        const shot = await screenshot(page, 'after logout');
        assert.fail(`after "Logga ut", /admin/users still answered ${response?.status()} on ${where(page)} (screenshot: ${shot})`);
      }
    }));
  });
});

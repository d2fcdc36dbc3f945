// Safety walks in a real browser: a coordinator plans a walk, a resident signs up on the
// public page without an account, observations with a photo are recorded at phone size
// (390×844), one proposal is answered by the unit in Trygg and one by an external owner
// through the e-mailed link (read from the outbox), the protocol is published and the
// public page shows the answers and no participant's name or e-mail. The route is set
// partly by clicking on the map and shown on the map beside the stops table; the plan is
// edited before the walk. The follow-up: the unit's promise became a measure, marked
// done, the public protocol shows it done, and a re-walk of the open items is planned.
// Every page of the issue passes axe (WCAG 2.1 AA) at 1280 and 320 px with the
// production CSP.
//
// Run: TRYGG_BIN=$PWD/target/debug/trygg node --test web/tests/walks.test.mjs
// (reads the e-mail outbox of the test database with the sqlite3 command).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { checkA11y, checkNoHorizontalOverflow, launchBrowser, newPage, pageProblems } from './browser.mjs';
import { startTrygg } from './server.mjs';
import { logIn, navigation, stepFor, visit, where } from './steps.mjs';

const STEP_TIMEOUT_MS = 180_000;
const PARTICIPANT = 'Kim Hemligsson';
const PARTICIPANT_EMAIL = 'kim.hemligsson@example.se';
// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

let server;
let browser;
let walkPath;
let ownerLink;
const pagesToCheck = new Set(['/walks', '/walks/new', '/public/walks']);

const step = stepFor(() => server);

async function checkPage(page) {
  const name = `${where(page)} at ${page.viewportSize().width}px`;
  const shell = await page.evaluate(() => ({
    mains: document.querySelectorAll('main').length,
    h1s: document.querySelectorAll('h1').length,
  }));
  assert.equal(shell.mains, 1, `${name}: expected one <main>`);
  assert.equal(shell.h1s, 1, `${name}: expected one <h1>`);
  const problems = await pageProblems(page);
  assert.deepEqual(problems, [], `${name}: CSP violations or script errors:\n  ${problems.join('\n  ')}`);
  await checkA11y(page);
  if (page.viewportSize().width <= 320) {
    await checkNoHorizontalOverflow(page);
  }
}

/** The newest outbox e-mail to an address, read from the test database. */
function lastMailTo(address) {
  const file = server.databaseUrl.replace(/^sqlite:\/\//, '');
  const out = execFileSync('sqlite3', [
    file,
    `SELECT body FROM email_outbox WHERE recipients = '${address}' ORDER BY id DESC LIMIT 1;`,
  ]);
  return out.toString();
}

before(async () => {
  server = await startTrygg();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a coordinator plans a walk', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  const page = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(page, server.logins.samordnare);
  await visit(page, '/walks');
  assert.ok((await page.locator('table tbody tr').count()) >= 4, 'the demo walks are listed');
  await visit(page, '/walks/new');
  await page.fill('#title', 'Trygghetsvandring i webbtestet');
  await page.fill('#starts_at', '2030-02-10T18:30');
  await page.check('#after_dark');
  await page.fill('#meeting_point', 'Skäggetorps centrum');
  await page.fill('#capacity', '5');
  await page.fill('#stops', 'Skäggetorps centrum; 58.4262, 15.5898\nGångtunneln under leden');
  // A third stop by clicking on the map: it is added to the route box.
  await page.locator('#walk-map.leaflet-container').waitFor();
  await page.locator('#walk-map').click({ position: { x: 200, y: 150 } });
  const route = await page.inputValue('#stops');
  assert.match(route, /\nStopp 3; 5\d\.\d+, 1\d\.\d+$/, `no stop from the map in:\n${route}`);
  assert.match(await page.locator('#stops-map-status').textContent(), /Stopp 3/);
  await navigation(page, () => page.click('form[action="/walks"] [type="submit"]'));
  walkPath = new URL(page.url()).pathname;
  assert.match(walkPath, /^\/walks\/\d+$/);
  assert.ok(await page.getByRole('rowheader', { name: 'Gångtunneln under leden' }).isVisible());
  // The route on the map beside the table: the two stops with a point, and the line.
  await page.locator('#walk-map.leaflet-container').waitFor();
  assert.equal(await page.locator('#walk-map path.leaflet-interactive').count(), 3, 'two stops and the route line');
  pagesToCheck.add(walkPath);

  // The plan changes before the walk: later start, a smaller group, no third stop.
  await navigation(page, () => page.click(`a[href="${walkPath}/edit"]`));
  assert.equal(await page.inputValue('#title'), 'Trygghetsvandring i webbtestet');
  await page.fill('#starts_at', '2030-02-10T19:00');
  await page.fill('#capacity', '4');
  await page.fill('#stops', 'Skäggetorps centrum; 58.4262, 15.5898\nGångtunneln under leden');
  await navigation(page, () => page.click(`form[action="${walkPath}/edit"] [type="submit"]`));
  assert.equal(new URL(page.url()).pathname, walkPath);
  assert.ok(await page.getByText('0 / 4').isVisible(), 'the new cap is shown');
  assert.equal(await page.locator('#route-table tbody tr').count(), 2);
  pagesToCheck.add(`${walkPath}/edit`);
  await page.close();
}));

test('a resident signs up on the public page', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  const page = await newPage(browser, { baseURL: server.url, width: 390, height: 844 });
  const publicPath = walkPath.replace('/walks/', '/public/walks/');
  await visit(page, publicPath);
  await page.fill('#name', PARTICIPANT);
  await page.fill('#email', PARTICIPANT_EMAIL);
  await page.selectOption('#group', 'boende');
  await navigation(page, () => page.click('form[action$="/signup"] [type="submit"]'));
  assert.ok(await page.getByText('Du är anmäld').isVisible(), `no confirmation on ${where(page)}`);
  assert.match(lastMailTo(PARTICIPANT_EMAIL), /kalender\.ics/);
  pagesToCheck.add(publicPath);
  await page.close();
}));

test('observations with a photo at phone size', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  const page = await newPage(browser, { baseURL: server.url, width: 390, height: 844 });
  await logIn(page, server.logins.samordnare);
  const dir = await mkdtemp(path.join(tmpdir(), 'trygg-walk-'));
  const photo = path.join(dir, 'tunnel.png');
  await writeFile(photo, PNG);
  const observations = [
    { stop: 0, problem: 'lighting', text: 'Mörkt vid entrén till centrum.', proposal: 'Byt armaturerna vid entrén' },
    { stop: 1, problem: 'graffiti', text: 'Klotter på tunnelns väggar.', proposal: 'Sanera klottret i tunneln' },
  ];
  for (const o of observations) {
    await visit(page, `${walkPath}/observe`);
    const options = await page.locator('#stop option').all();
    await page.selectOption('#stop', await options[o.stop + 1].getAttribute('value'));
    await page.selectOption('#problem', o.problem);
    await page.fill('#description', o.text);
    await page.fill('#proposal', o.proposal);
    await page.setInputFiles('#photos', photo);
    await navigation(page, () => page.click('form.observe-form [type="submit"]'));
    assert.ok(await page.getByText('Iakttagelsen är sparad').isVisible(), `not saved: ${where(page)}`);
  }
  pagesToCheck.add(`${walkPath}/observe`);
  await visit(page, walkPath);
  assert.equal(await page.locator('.walk-photos img').count(), 2, 'both photos shown');
  await page.close();
}));

test('routing, and answers by the unit and through the e-mailed link', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  const page = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(page, server.logins.samordnare);
  await visit(page, walkPath);
  const proposals = page.locator('.walk-proposal');
  // The first to the handläggare's unit, the second to an external owner.
  const first = proposals.nth(0);
  await first.locator('summary', { hasText: 'Skicka förslaget till' }).click();
  await first.locator('select[name="unit"]').selectOption({ label: 'Linköpings kommun, Miljö- och samhällsbyggnadsförvaltningen' });
  await navigation(page, () => first.locator('form[action$="/route"] [type="submit"]').click());
  const second = page.locator('.walk-proposal').nth(1);
  await second.locator('summary', { hasText: 'Skicka förslaget till' }).click();
  await second.locator('input[value="external"]').check();
  await second.locator('input[name="owner_name"]').fill('Fastighets AB Exempel');
  await second.locator('input[name="owner_email"]').fill('agare@exempel.se');
  await navigation(page, () => second.locator('form[action$="/route"] [type="submit"]').click());
  await navigation(page, () => page.click('button:has-text("Markera som genomförd")'));
  await navigation(page, () => page.click('button:has-text("Skicka förslagen till ägarna")'));
  assert.ok(await page.getByText('Förslagen har skickats').isVisible());
  await page.close();

  // The unit answers in Trygg.
  const unit = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(unit, server.logins['handläggare']);
  await visit(unit, '/walks');
  assert.ok(await unit.getByText('Byt armaturerna vid entrén').first().isVisible(), 'in the unit list');
  await visit(unit, walkPath);
  const mine = unit.locator('.walk-proposal', { hasText: 'Byt armaturerna vid entrén' });
  await mine.locator('summary', { hasText: 'Svara' }).click();
  await mine.locator('input[value="will_do"]').check();
  await mine.locator('input[name="due"]').fill('2030-06-01');
  await navigation(unit, () => mine.locator('form[action$="/answer"] [type="submit"]').click());
  assert.ok(await unit.getByText('Vi gör det, senast 2030-06-01').isVisible());
  await unit.close();

  // The external owner answers through the link in the e-mail.
  const body = lastMailTo('agare@exempel.se');
  const match = body.match(/\/public\/walks\/svar\/[0-9a-f]{64}/);
  assert.ok(match, `no link in:\n${body}`);
  ownerLink = match[0];
  const owner = await newPage(browser, { baseURL: server.url, width: 390, height: 844 });
  await visit(owner, ownerLink);
  assert.ok(await owner.getByText('Sanera klottret i tunneln').first().isVisible());
  assert.equal(await owner.getByText('Byt armaturerna vid entrén').count(), 0, 'only their own proposals');
  await owner.locator('input[value="will_not_do"]').check();
  await owner.locator('textarea[name="reason"]').fill('Väggen tillhör kommunen.');
  await navigation(owner, () => owner.click('form [type="submit"]:has-text("Skicka svaret")'));
  assert.ok(await owner.getByText('svaret är sparat').isVisible());
  await owner.close();
}));

test('the protocol is published without participant data', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  const page = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(page, server.logins.samordnare);
  await visit(page, walkPath);
  await navigation(page, () => page.click('button:has-text("Publicera protokollet")'));
  await page.close();
  const visitor = await newPage(browser, { baseURL: server.url, width: 1280 });
  await visit(visitor, '/public/walks');
  const publicPath = walkPath.replace('/walks/', '/public/walks/');
  assert.equal(await visitor.locator(`a[href="${publicPath}"]`).count(), 1, 'listed');
  await visit(visitor, publicPath);
  const html = await visitor.content();
  assert.ok(html.includes('Väggen tillhör kommunen.'));
  assert.ok(html.includes('Vi gör det, senast 2030-06-01'));
  assert.ok(!html.includes(PARTICIPANT) && !html.includes(PARTICIPANT_EMAIL), 'participant data on the public page');
  await visitor.locator('#walk-map.leaflet-container').waitFor();
  await visitor.close();
}));

test('follow-up: a re-walk of the open item, the measure done, the public protocol shows it', { timeout: STEP_TIMEOUT_MS }, step(async () => {
  // The re-walk starts from the open item: the promise not yet done.
  const page = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(page, server.logins.samordnare);
  await visit(page, walkPath);
  await navigation(page, () => page.click('form.rewalk-form [type="submit"]'));
  const rewalk = new URL(page.url()).pathname;
  assert.notEqual(rewalk, walkPath);
  assert.match(rewalk, /^\/walks\/\d+$/);
  assert.ok(await page.getByText('Byt armaturerna vid entrén').first().isVisible(), 'the open item is on the re-walk');
  pagesToCheck.add(rewalk);
  await page.close();
  // The unit's promise became a measure; the unit marks it done in the protocol.
  const unit = await newPage(browser, { baseURL: server.url, width: 1280 });
  await logIn(unit, server.logins['handläggare']);
  await visit(unit, walkPath);
  const mine = unit.locator('.walk-proposal', { hasText: 'Byt armaturerna vid entrén' });
  assert.equal(await mine.locator('a[href^="/measures/"]').count(), 1, 'linked to its measure');
  await navigation(unit, () => mine.locator('button:has-text("Markera som klart")').click());
  await unit.close();
  const visitor = await newPage(browser, { baseURL: server.url, width: 390, height: 844 });
  const publicPath = walkPath.replace('/walks/', '/public/walks/');
  await visit(visitor, publicPath);
  const done = visitor.locator('tr', { hasText: 'Byt armaturerna vid entrén' });
  assert.equal(await done.locator('.status-done').count(), 1, 'the public protocol shows it done');
  const pdf = await visitor.request.get(`${publicPath}/protokoll.pdf`);
  assert.equal(pdf.status(), 200);
  await visitor.close();
}));

for (const width of [1280, 320]) {
  test(`every walk page passes axe at ${width}px`, { timeout: STEP_TIMEOUT_MS }, step(async () => {
    const page = await newPage(browser, { baseURL: server.url, width });
    const anonymous = [...pagesToCheck].filter((p) => p.startsWith('/public/'));
    for (const p of [...anonymous, ownerLink]) {
      await visit(page, p);
      await checkPage(page);
    }
    await logIn(page, server.logins.samordnare);
    for (const p of [...pagesToCheck].filter((x) => !x.startsWith('/public/'))) {
      await visit(page, p);
      await checkPage(page);
    }
    // The planning form with an error.
    await visit(page, '/walks/new');
    await page.fill('#title', 'Fel');
    await page.fill('#meeting_point', 'Torget');
    await navigation(page, () => page.click('form[action="/walks"] [type="submit"]'));
    assert.equal(await page.locator('[aria-invalid="true"]').count(), 1);
    await checkPage(page);
    await page.close();
  }));
}

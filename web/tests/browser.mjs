// Browser helpers for the tests: Debian's chromium driven by playwright-core (which never
// downloads a browser of its own), and axe-core accessibility checks.
//
//   const browser = await launchBrowser();
//   const page = await newPage(browser, { baseURL, width: 320 });
//   await page.goto('/login');
//   await checkA11y(page);        // throws a readable list of WCAG 2.1 A/AA violations

import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** The WCAG levels we must meet (Swedish public sector: WCAG 2.1 AA). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Screenshots of failing pages go here (git-ignored). */
export const RESULTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'test-results',
);

// Read once: axe.min.js is ~550 kB.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function launchBrowser() {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    throw new Error(
      `cannot launch ${CHROMIUM} (install it with \`apt-get install -y chromium\`): ${error.message}`,
    );
  }
}

/**
 * A page in a fresh context (own cookies) with the given viewport width. The page's CSP
 * stays in force, so the tests see exactly what users see. Every page records CSP
 * violations and uncaught errors; see `pageProblems`.
 */
export async function newPage(browser, { baseURL, width = 1280, height = 900, locale = 'sv-SE' }) {
  const context = await browser.newContext({ baseURL, viewport: { width, height }, locale });
  // Init scripts are injected by the browser itself and are not subject to the page's
  // CSP, so this listener works on pages that allow no inline script.
  await context.addInitScript(() => {
    window.__trygg = { cspViolations: [] };
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__trygg.cspViolations.push(
        `${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'}` +
          (event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : '') +
          (event.sample ? ` «${event.sample}»` : ''),
      );
    });
  });
  const page = await context.newPage();
  page.__errors = [];
  page.on('pageerror', (error) => page.__errors.push(`uncaught: ${error.message}`));
  // Errors belong to one document: forget those of the previous one on navigation.
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) {
      page.__errors = [];
    }
  });
  return page;
}

/** CSP violations and uncaught script errors seen on the current document. */
export async function pageProblems(page) {
  const csp = await page.evaluate(() => window.__trygg?.cspViolations ?? []);
  const problems = [...csp.map((v) => `CSP: ${v}`), ...page.__errors];
  page.__errors = [];
  return problems;
}

/** A short name for what is on screen, for messages and file names. */
function describePage(page) {
  const url = new URL(page.url());
  const width = page.viewportSize()?.width;
  return `${url.pathname}${url.search} at ${width}px`;
}

/** Saves a full-page screenshot and returns its path (or a note why it could not). */
export async function screenshot(page, label) {
  try {
    await mkdir(RESULTS_DIR, { recursive: true });
    // "/ at 320px" → "index_at_320px": a bare "/" would vanish from the file name.
    const safe = label.replace(/\/(?=[\s?]|$)/g, '/index').replace(/[^a-z0-9åäö-]+/gi, '_');
    const file = path.join(RESULTS_DIR, `${safe.replace(/^_+|_+$/g, '')}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  } catch (error) {
    return `(no screenshot: ${error.message})`;
  }
}

/**
 * Makes `axe` available in the page.
 *
 * Not with `page.addScriptTag({content})`: that inserts an inline <script>, which our
 * CSP (no 'unsafe-inline') refuses — addScriptTag then throws "Executing inline script
 * violates the following Content Security Policy directive" and leaves a CSP violation
 * behind. Evaluating the source through the DevTools protocol is not governed by the
 * page's CSP, so axe runs against the page exactly as users get it.
 */
async function injectAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE_SOURCE);
  }
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    throw new Error('could not inject axe-core into the page');
  }
}

/** Formats axe violations as a readable list: rule, impact, help, and each target. */
export function formatViolations(violations) {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map((node) => {
          const summary = (node.failureSummary || '').replace(/\s+/g, ' ').trim();
          return `      - ${node.target.join(' ')}${summary ? `\n        ${summary}` : ''}`;
        })
        .join('\n');
      return (
        `  • ${violation.id} [${violation.impact}] ${violation.help}\n` +
        `    ${violation.helpUrl}\n${nodes}`
      );
    })
    .join('\n');
}

/**
 * Runs axe-core with the WCAG 2.1 A and AA rules on the current page and throws on any
 * violation, listing rule id, impact, target selectors and help. A screenshot of the
 * failing page is saved under web/test-results/.
 */
export async function checkA11y(page, { label } = {}) {
  await injectAxe(page);
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  if (violations.length > 0) {
    const name = label || describePage(page);
    const shot = await screenshot(page, `axe ${name}`);
    throw new Error(
      `axe found ${violations.length} WCAG 2.1 A/AA violation(s) on ${name}:\n` +
        `${formatViolations(violations)}\n  screenshot: ${shot}`,
    );
  }
}

/**
 * Throws if the page scrolls sideways at its viewport width (WCAG 1.4.10 reflow), naming
 * the elements that stick out.
 */
export async function checkNoHorizontalOverflow(page) {
  const result = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    const offenders = [];
    // Content of a scrolling box (.table-wrap) may be wider; that box is not the culprit.
    const insideScroller = (element) => {
      for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') {
          return true;
        }
      }
      return false;
    };
    if (scrollWidth > width) {
      for (const element of document.body.querySelectorAll('*')) {
        const rect = element.getBoundingClientRect();
        if (rect.right > width + 0.5 && rect.width > 0 && !insideScroller(element)) {
          const id = element.id ? `#${element.id}` : '';
          const classes = [...element.classList].map((c) => `.${c}`).join('');
          offenders.push(`${element.tagName.toLowerCase()}${id}${classes} (right edge ${Math.round(rect.right)}px)`);
        }
        if (offenders.length >= 10) {
          break;
        }
      }
    }
    return { width, scrollWidth, offenders };
  });
  if (result.scrollWidth > result.width) {
    const shot = await screenshot(page, `overflow ${describePage(page)}`);
    throw new Error(
      `${describePage(page)} scrolls horizontally: scrollWidth ${result.scrollWidth}px > ` +
        `${result.width}px. Elements sticking out:\n  ${result.offenders.join('\n  ')}\n  screenshot: ${shot}`,
    );
  }
}

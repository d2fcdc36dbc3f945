// Small helpers every browser test file uses: steps that add the server's last output
// to a failure, where the page is, and waiting for a navigation an action causes.

/** Re-throws `error` with the server's last output appended, which often says why. */
export function withServerLog(server, error) {
  const tail = server?.log().split('\n').slice(-20).join('\n');
  if (tail && error instanceof Error) {
    error.message += `\n--- last server output ---\n${tail}`;
  }
  return error;
}

/**
 * `step(body)` runs a test body and adds the server log to any failure; `getServer`
 * returns the file's server (started in `before`, so it is read late).
 */
export function stepFor(getServer) {
  return (body) => async (t) => {
    try {
      await body(t);
    } catch (error) {
      throw withServerLog(getServer(), error);
    }
  };
}

/** Path and query of the page now shown. */
export function where(page) {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

/** Runs `action` and waits until the page it leads to has loaded. */
export async function navigation(page, action) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
  });
  await action();
  await navigated;
  await page.waitForLoadState('load');
}

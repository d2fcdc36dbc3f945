#!/usr/bin/env bash
# Runs the browser tests (web/tests/): WCAG 2.1 AA checks with axe-core, reflow at 320px,
# keyboard login, in Debian's chromium driven by playwright-core.
#
#   scripts/browser-test.sh                         # builds target/debug/trygg first
#   TRYGG_BIN=target/release/trygg scripts/browser-test.sh   # tests a given binary
#   scripts/browser-test.sh --test-name-pattern=login        # extra args go to node --test
#
# Needs: Node >= 20 with npm, /usr/bin/chromium (apt-get install -y chromium), cargo
# (unless TRYGG_BIN is set). Screenshots of failing pages land in web/test-results/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm ci when node_modules is missing or older than the lockfile (a pulled dependency
# change). npm writes node_modules/.package-lock.json on every install, so its age is
# the age of the install.
installed=web/node_modules/.package-lock.json
if [[ ! -f "$installed" || web/package-lock.json -nt "$installed" ]]; then
  echo "==> npm ci --prefix web"
  npm ci --prefix web --no-audit --no-fund
fi

chromium_bin="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [[ ! -x "$chromium_bin" ]]; then
  echo "error: $chromium_bin not found. Install Debian's chromium: apt-get install -y chromium" >&2
  exit 1
fi

if [[ -z "${TRYGG_BIN:-}" ]]; then
  echo "==> cargo build -p trygg"
  cargo build -p trygg
fi

echo "==> node --test web/tests/"
exec node --test "$@" web/tests/

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

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ensure_npm_packages

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

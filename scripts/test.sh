#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   formatting and lints, the Rust tests on SQLite AND PostgreSQL, and the browser tests
#   (axe-core accessibility checks, keyboard use) in Debian's chromium.
#
#   scripts/test.sh
#
# It sets up what it needs on a fresh machine: the npm packages from web/package-lock.json,
# Debian's chromium (when run as root), and it starts the local PostgreSQL server if it is
# down. PostgreSQL is taken from TEST_DATABASE_URL (default: the local server as user
# postgres); every test creates and drops its own database there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export CARGO_TERM_PROGRESS_WHEN=never

step "PostgreSQL ($TEST_DATABASE_URL)"
if ! pg_isready -d "$TEST_DATABASE_URL" -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
    echo "not answering; starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sed -n 1p)" main start || true
    for _ in $(seq 1 30); do pg_isready -d "$TEST_DATABASE_URL" -q && break; sleep 1; done
  fi
fi
if ! pg_isready -d "$TEST_DATABASE_URL" -q; then
  echo "error: PostgreSQL does not answer at $TEST_DATABASE_URL; the suite needs it (set TEST_DATABASE_URL)" >&2
  exit 1
fi
echo "ready"

step "npm packages (browser assets and test tools, from web/package-lock.json)"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ensure_npm_packages

step "chromium"
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
  else
    echo "error: /usr/bin/chromium is missing: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi
/usr/bin/chromium --version

# pdftotext and pdfinfo read the PDFs in the tests, as a real PDF reader; the walks
# browser test reads the e-mail outbox of its SQLite file with the sqlite3 shell.
step "poppler-utils and sqlite3"
if ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null || ! command -v sqlite3 >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y poppler-utils sqlite3 || { apt-get update && apt-get install -y poppler-utils sqlite3; }
  else
    echo "error: pdftotext or sqlite3 is missing: sudo apt-get install -y poppler-utils sqlite3" >&2
    exit 1
  fi
fi
# Not `| head -1`: under pipefail, head closing the pipe early kills pdftotext with
# SIGPIPE and the script with exit 141.
pdftotext -v 2>&1 | sed -n 1p
sqlite3 --version

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

step "browser tests"
cargo build -p trygg --locked
TRYGG_BIN="$PWD/target/debug/trygg" scripts/browser-test.sh

step "all tests passed"

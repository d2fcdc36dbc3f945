#!/usr/bin/env bash
# Starts Trygg with the Linköping demo on an embedded SQLite file:
#
#   scripts/demo.sh
#
# Builds the binary (first time: a few minutes), creates a fresh demo database in
# .trygg/demo.db (the previous demo's data is thrown away), prints the demo logins,
# and serves http://127.0.0.1:8080 (TRYGG_LISTEN=0.0.0.0:8080 to reach it from others).
# Plain http, so cookies are not marked Secure: for trying Trygg out, not for production.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ensure_npm_packages

echo "==> cargo build --release -p trygg"
cargo build --release --locked -p trygg

dir="${TRYGG_DEMO_DIR:-.trygg}"
mkdir -p "$dir"
rm -f "$dir/demo.db" "$dir/demo.db-wal" "$dir/demo.db-shm" "$dir/trygg-audit.key"
case "$dir" in
  /*) abs="$dir" ;;
  *) abs="$PWD/$dir" ;;
esac
export TRYGG_DATABASE_URL="sqlite://$abs/demo.db"
export TRYGG_COOKIE_SECURE=false
listen="${TRYGG_LISTEN:-127.0.0.1:8080}"

echo "==> trygg demo"
target/release/trygg demo
echo
echo "Öppna adressen nedan i webbläsaren och logga in med en av demo-inloggningarna ovan."
echo "Stoppa med Ctrl+C."
exec target/release/trygg serve --listen "$listen"

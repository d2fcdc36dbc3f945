#!/usr/bin/env bash
# Compares Trygg's Gi* z-scores with PySAL's esda.G_Local (see compare_gistar.py).
#
#   tools/reference/run.sh [--venv DIR] [--trygg COMMAND] [--cli BINARY] [--bench]
#                          [--no-compare]
#
# --venv   where the virtual environment lives (default: <target>/reference-venv, where
#          <target> is $CARGO_TARGET_DIR or ./target). It is created on first use and
#          reinstalled only when requirements.txt changes, so reruns are fast.
# --trygg  the command that prints Trygg's z-scores (the library); default: the example
#          gistar_json, built here in release mode.
# --cli    the trygg binary: its `trygg analyze gistar` CSV output is compared too
#          (the command contract). With --cli alone only the CLI is compared; with
#          neither option both are, the binary built here (debug).
# --bench  also install numba (requirements-bench.txt, esda's accelerator) and run the
#          trygg-analytics benchmarks with esda timed side by side (bench.sh).
# --no-compare  skip the comparison (with --bench: only the benchmarks).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
venv="$target/reference-venv"
trygg=""
cli=""
bench=0
compare=1
while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv="$2"; shift 2 ;;
        --trygg) trygg="$2"; shift 2 ;;
        --cli) cli="$2"; shift 2 ;;
        --bench) bench=1; shift ;;
        --no-compare) compare=0; shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

python="${PYTHON:-python3}"
mkdir -p "$(dirname "$venv")"

# One installer at a time: tests and people may run this concurrently.
install() {
    local requirements="$1" stamp="$2"
    local want
    want="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    if [ ! -x "$venv/bin/python" ]; then
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --only-binary=:all: -r "$requirements"
    echo "$want" > "$stamp"
}
(
    flock 9
    install "$here/requirements.txt" "$venv/.requirements.sha256"
    if [ "$bench" = 1 ]; then
        install "$here/requirements-bench.txt" "$venv/.requirements-bench.sha256"
    fi
) 9>"$venv.lock"

sides=()
if [ "$compare" = 0 ]; then
    :
elif [ -z "$trygg" ] && [ -z "$cli" ]; then
    (cd "$repo" && cargo build --quiet --release -p trygg-analytics --example gistar_json \
        && cargo build --quiet -p trygg)
    trygg="$target/release/examples/gistar_json"
    cli="$target/debug/trygg"
fi
if [ -n "$trygg" ]; then sides+=(--trygg "$trygg"); fi
if [ -n "$cli" ]; then sides+=(--cli "$cli"); fi

if [ "$compare" = 1 ]; then
    "$venv/bin/python" "$here/compare_gistar.py" "${sides[@]}"
fi

if [ "$bench" = 1 ]; then
    cd "$repo"
    TRYGG_ESDA_PYTHON="$venv/bin/python" cargo bench -p trygg-analytics --bench analytics
fi

#!/usr/bin/env bash
# The issue 5 benchmarks side by side in one run: Trygg's Gi* and Knox against PySAL's
# esda.G_Local (with numba) on the same grids, ending in a table of measurement, Trygg
# median, esda median, ratio, target and whether it is met.
#
#   tools/reference/bench.sh [--venv DIR]
#
# Installs esda, libpysal and numba into the reference venv (see run.sh) on first use,
# then runs `cargo bench -p trygg-analytics --bench analytics` with TRYGG_ESDA_PYTHON set.
# Without the venv, `cargo bench` alone prints the same table with the esda column empty.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/run.sh" --bench --no-compare "$@"

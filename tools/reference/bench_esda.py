"""Times esda.G_Local on a grid written by the trygg-analytics benchmark, for the
side-by-side figures (run.sh --bench sets TRYGG_ESDA_PYTHON for `cargo bench`).

    bench_esda.py VALUES.f64 ROWS COLS PERMUTATIONS [RUNS]

VALUES.f64 holds ROWS*COLS little-endian doubles, row-major. Weights are built with
libpysal's sparse lattice constructor and wrapped in a libpysal Graph (lat2W's Python
loops take minutes on a million cells); their construction is timed separately.
With PERMUTATIONS = 0 the analytic G_Local is timed, otherwise G_Local with that many
conditional permutations, after a small warm-up run so numba's compilation is not
counted; either way the median of RUNS runs (default 3). Prints one JSON object.
"""

import json
import os
import sys
import time
import warnings

import numpy as np
from esda.getisord import G_Local
from libpysal.graph import Graph
from libpysal.weights import lat2SW


def weights(rows, cols):
    return Graph.from_sparse(lat2SW(rows, cols, criterion="queen").tocsr())


def main():
    path, rows, cols, permutations = sys.argv[1], *map(int, sys.argv[2:5])
    runs_wanted = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    y = np.fromfile(path, dtype="<f8")
    assert y.size == rows * cols, (y.size, rows, cols)
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    w = weights(rows, cols)
    weights_s = time.perf_counter() - started
    if permutations > 0:
        G_Local(np.arange(100.0), weights(10, 10), transform="B", star=True,
                permutations=9, seed=1)
    runs = []
    for _ in range(runs_wanted):
        started = time.perf_counter()
        G_Local(y, w, transform="B", star=True, permutations=permutations, seed=1)
        runs.append(time.perf_counter() - started)
    seconds = sorted(runs)[len(runs) // 2]
    try:
        import numba  # noqa: F401
        numba_version = numba.__version__
    except ImportError:
        numba_version = None
    print(json.dumps({"weights_s": weights_s, "g_local_s": seconds, "runs": runs,
                      "numba": numba_version, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()

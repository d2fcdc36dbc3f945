"""Compare Trygg's Gi* z-scores with PySAL's esda.G_Local on the same grids.

Trygg's side is any command that reads {"values": [[...], ...]} on stdin and writes
{"z": [[...], ...]} on stdout (the trygg-analytics example `gistar_json`, --trygg), and/or
the `trygg` binary's command contract (--cli): each grid is written as a points CSV
`x,y,weight` (one point per cell centre in SWEREF 99 TM-like metres, the cell's value as
its weight, zeros included so the grid spans the whole rectangle), run through
`trygg analyze gistar --input … --cell-size 100 --out …`, and the output CSV's cells,
counts and z-scores are compared. PySAL's side is
esda.G_Local(y, w, transform="B", star=True) with w = libpysal.weights.lat2W(rows, cols,
rook=False): queen contiguity on the lattice, cells numbered row-major like Trygg's.

How esda treats the focal cell (esda 2.9, getisord._infer_star_and_structure_w): with
star=True and a weights matrix whose diagonal is zero, as lat2W's is, esda sets the
diagonal to 1 (libpysal.weights.fill_diagonal(w, 1)); with a non-zero diagonal it uses it
as given. Either way w_ii = 1, which is Trygg's definition (the cell itself among its
neighbours). The script checks both routes give the same z-scores, so the equivalence is
tested rather than assumed.

Exit status 0 when every |z_trygg - z_esda| <= tolerance (default 1e-9), 1 otherwise.
The last line of output is a JSON summary with the largest difference.
"""

import argparse
import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from esda.getisord import G_Local
from libpysal.weights import fill_diagonal, lat2W


def grids(seed):
    """Grids from 10x10 to 300x300: Poisson noise with clusters, sparse counts like one
    week of one category, large counts, and a non-square shape."""
    rng = np.random.default_rng(seed)

    def clustered(rows, cols, base, clusters, peak):
        lam = np.full((rows, cols), base, dtype=float)
        rr, cc = np.mgrid[0:rows, 0:cols]
        for _ in range(clusters):
            r0, c0 = rng.uniform(0, rows), rng.uniform(0, cols)
            s = rng.uniform(1.0, max(2.0, min(rows, cols) / 10))
            lam += peak * np.exp(-((rr - r0) ** 2 + (cc - c0) ** 2) / (2 * s * s))
        return rng.poisson(lam).astype(float)

    yield "10x10 clustered", clustered(10, 10, 0.5, 1, 6.0)
    yield "17x23 sparse", clustered(17, 23, 0.05, 2, 2.0)
    yield "50x50 clustered", clustered(50, 50, 1.0, 4, 8.0)
    yield "100x100 sparse", clustered(100, 100, 0.02, 6, 3.0)
    yield "100x100 large counts", clustered(100, 100, 500.0, 5, 300.0)
    yield "120x80 clustered", clustered(120, 80, 0.8, 8, 10.0)
    yield "300x300 clustered", clustered(300, 300, 0.3, 20, 6.0)


def esda_z(values, rows, cols):
    y = values.reshape(-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Route 1: lat2W (zero diagonal); esda fills the diagonal with 1 for star=True.
        z1 = G_Local(y, lat2W(rows, cols, rook=False), transform="B", star=True,
                     permutations=0).Zs
        # Route 2: the diagonal set to 1 beforehand; esda uses it as given.
        w_star = fill_diagonal(lat2W(rows, cols, rook=False), 1.0)
        z2 = G_Local(y, w_star, transform="B", star=True, permutations=0).Zs
    return np.asarray(z1), np.asarray(z2)


def check_lattice_numbering():
    """lat2W must number cells row-major with queen neighbours, as Trygg does."""
    w = lat2W(3, 4, rook=False)
    assert list(w.id_order) == list(range(12)), w.id_order
    assert sorted(w.neighbors[5]) == [0, 1, 2, 4, 6, 8, 9, 10], w.neighbors[5]
    assert sorted(w.neighbors[0]) == [1, 4, 5], w.neighbors[0]


def trygg_z(command, values):
    doc = json.dumps({"values": values.tolist()})
    out = subprocess.run(command, input=doc, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"Trygg command {command} failed: {out.stderr.strip()}")
    return np.asarray(json.loads(out.stdout)["z"], dtype=float).reshape(-1)


# Where the CLI's grid starts: round SWEREF 99 TM coordinates in Linköping.
CLI_ORIGIN = (530000.0, 6470000.0)
CLI_CELL = 100.0


def cli_z(binary, values, workdir):
    """z-scores from `trygg analyze gistar` on the grid written as weighted points, in
    lat2W's row-major order, after checking the CSV's shape, cells and counts."""
    rows, cols = values.shape
    points = os.path.join(workdir, "points.csv")
    out = os.path.join(workdir, "gistar.csv")
    x0, y0 = CLI_ORIGIN
    with open(points, "w", encoding="utf-8") as f:
        f.write("x,y,weight\n")
        for r in range(rows):
            for c in range(cols):
                f.write(f"{x0 + (c + 0.5) * CLI_CELL},{y0 + (r + 0.5) * CLI_CELL},"
                        f"{float(values[r, c])!r}\n")
    cmd = [binary, "analyze", "gistar", "--input", points,
           "--cell-size", str(CLI_CELL), "--out", out]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    with open(out, encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        table = list(reader)
    if header != ["col", "row", "x_min", "y_min", "count", "z", "p", "bin"]:
        sys.exit(f"unexpected header {header}")
    if len(table) != rows * cols:
        sys.exit(f"{len(table)} cells written, {rows * cols} expected")
    z = np.full(rows * cols, np.nan)
    for line in table:
        c, r = int(line[0]), int(line[1])
        i = r * cols + c
        if (float(line[2]), float(line[3])) != (x0 + c * CLI_CELL, y0 + r * CLI_CELL):
            sys.exit(f"cell ({c}, {r}) has corner {line[2]}, {line[3]}")
        if float(line[4]) != values[r, c]:
            sys.exit(f"cell ({c}, {r}) counts {line[4]}, expected {values[r, c]}")
        z[i] = float(line[5])
    return z


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trygg",
                        help="command printing Trygg's z-scores (shell words)")
    parser.add_argument("--cli", help="the trygg binary, for `trygg analyze gistar`")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    if not (args.trygg or args.cli):
        parser.error("give --trygg, --cli or both")
    command = shlex.split(args.trygg) if args.trygg else None
    workdir = tempfile.mkdtemp(prefix="trygg-reference-")

    check_lattice_numbering()
    worst = 0.0
    worst_cli = 0.0
    failed = []
    for name, values in grids(args.seed):
        rows, cols = values.shape
        started = time.perf_counter()
        z1, z2 = esda_z(values, rows, cols)
        esda_seconds = time.perf_counter() - started
        routes = float(np.max(np.abs(z1 - z2)))
        sides = []
        if command:
            sides.append(("library", trygg_z(command, values)))
        if args.cli:
            sides.append(("cli", cli_z(args.cli, values, workdir)))
        for side, zt in sides:
            label = f"{name} [{side}]"
            if not (np.all(np.isfinite(z1)) and np.all(np.isfinite(zt))):
                failed.append(label)
                print(f"{label}: non-finite z-scores", flush=True)
                continue
            diff = float(np.max(np.abs(zt - z1)))
            worst = max(worst, diff, routes)
            if side == "cli":
                worst_cli = max(worst_cli, diff)
            ok = diff <= args.tolerance and routes <= args.tolerance
            if not ok:
                failed.append(label)
            print(f"{label:32} n={rows * cols:6d} max|z|={np.max(np.abs(z1)):7.3f} "
                  f"max|dz|={diff:.3e} esda routes differ by {routes:.1e} "
                  f"(esda {esda_seconds:.2f} s) {'ok' if ok else 'FAIL'}", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    summary = {"max_abs_diff": worst, "tolerance": args.tolerance, "failed": failed,
               "sides": ["library"] * bool(command) + ["cli"] * bool(args.cli)}
    if args.cli:
        summary["max_abs_diff_cli"] = worst_cli
    print(json.dumps(summary))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

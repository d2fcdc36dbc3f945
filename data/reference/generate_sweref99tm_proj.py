"""Regenerate sweref99tm_proj.csv: reference pairs WGS84 <-> SWEREF 99 TM computed by PROJ.

Trygg converts between EPSG:4326 and EPSG:3006 with its own Gauss-Krüger code
(crates/trygg-domain/src/geo/crs.rs); its tests compare against this file to prove that
the two agree to well under 1 mm. Run with pyproj (which bundles PROJ):

    python3 -m venv /tmp/projenv && /tmp/projenv/bin/pip install pyproj
    /tmp/projenv/bin/python generate_sweref99tm_proj.py > sweref99tm_proj.csv
"""

import random

import pyproj

t = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
points = []
# A regular grid over the generous bounding box of Sweden ...
lat = 55.0
while lat <= 69.1 + 1e-9:
    lon = 10.5
    while lon <= 24.2 + 1e-9:
        points.append((round(lat, 6), round(lon, 6)))
        lon += 0.5
    lat += 0.5
# ... plus pseudo-random points with full double precision (fixed seed: reproducible).
rng = random.Random(3006)
for _ in range(300):
    points.append((rng.uniform(55.0, 69.1), rng.uniform(10.5, 24.2)))
# ... plus named places used in the tests (Linköping Resecentrum, Skäggetorp).
points += [(58.41611, 15.62583), (58.42611, 15.58)]

print(f"# WGS84 (EPSG:4326) -> SWEREF 99 TM (EPSG:3006) by PROJ {pyproj.proj_version_str} "
      f"(pyproj {pyproj.__version__}), pipeline: {t.definition}")
print("lat,lon,northing,easting")
for lat, lon in points:
    e, n = t.transform(lon, lat)
    print(f"{lat!r},{lon!r},{n:.6f},{e:.6f}")

//! Benchmark of point-in-area lookup against exactly the areas `trygg demo` loads: the
//! municipality, 32 RegSO areas, 7 districts and 4 ordningsvakt permit areas (the unions
//! dissolved as stored), through the same `AreaSet` the use cases and the API use.
//!
//! 1,000,000 pseudo-random points, uniform over the municipality's bounding box, on one
//! thread; prints the median of 5 runs. Target (issue 3): under 1 s in a release build.
//!
//! Run: `cargo bench -p trygg-core --bench locate_demo`

use std::time::Instant;

use trygg_core::geography::demo::demo_areas;
use trygg_domain::geo::{AreaIndex, Wgs84, bounding_box};

const POINTS: usize = 1_000_000;
const RUNS: usize = 5;

fn main() {
    let kinds = demo_areas().unwrap_or_else(|e| panic!("{e}"));
    let mut areas = Vec::new();
    let mut names = Vec::new();
    for (kind, features) in kinds {
        names.push(format!("{} {}", features.len(), kind.code()));
        for (feature, _) in features {
            areas.push((areas.len() as i64, feature.geometry));
        }
    }
    let bbox = areas
        .first()
        .and_then(|(_, kommun)| bounding_box(kommun))
        .unwrap_or_else(|| panic!("no municipality"));
    let area_count = areas.len();
    let index = AreaIndex::new(areas).unwrap_or_else(|e| panic!("{e}"));

    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        // splitmix64: deterministic, so every run and every machine sees the same points.
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let points: Vec<Wgs84> = (0..POINTS)
        .map(|_| {
            let lon = bbox.min().x + next() * bbox.width();
            let lat = bbox.min().y + next() * bbox.height();
            Wgs84::new(lat, lon).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();

    let mut times = Vec::with_capacity(RUNS);
    let mut hits = 0usize;
    let mut buffer = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        hits = 0;
        for &p in &points {
            index.locate_into(p, &mut buffer);
            hits += std::hint::black_box(&buffer).len();
        }
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "locate (demo areas): {POINTS} points x {area_count} areas ({}), one thread",
        names.join(", ")
    );
    println!(
        "  runs (s): {}",
        times
            .iter()
            .map(|t| format!("{:.3}", t.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  median of {RUNS}: {:.3} s ({:.0} ns/point); {:.2} areas per point",
        median.as_secs_f64(),
        median.as_secs_f64() * 1e9 / POINTS as f64,
        hits as f64 / POINTS as f64
    );
}

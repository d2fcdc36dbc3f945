//! Benchmark of `AreaIndex::locate` on the real Linköping areas.
//!
//! 1,000,000 pseudo-random points, uniform over the municipality's bounding box, against
//! the 32 RegSO areas, the municipality and 11 districts (each a MultiPolygon of the
//! RegSO polygons it is made of, not dissolved), on one thread. Prints the median of 5
//! runs. Target: under 1 s in a release build.
//!
//! Run: `cargo bench -p trygg-domain --bench locate`

use std::time::{Duration, Instant};

use geo::{BoundingRect, MultiPolygon};
use trygg_domain::geo::{AreaImportOptions, AreaIndex, Wgs84, parse_areas};

const POINTS: usize = 1_000_000;
const RUNS: usize = 5;

/// 11 districts made of whole RegSO areas, roughly as a municipality might group them.
const DISTRICTS: [&[&str]; 11] = [
    &["0580R002", "0580R012", "0580R022"], // Innerstaden
    &["0580R026", "0580R006", "0580R018"], // Nordväst
    &["0580R017", "0580R025", "0580R015"], // Väster
    &["0580R001", "0580R027", "0580R003"], // Söder
    &["0580R004", "0580R016", "0580R008", "0580R029"], // Innerstadens söder
    &["0580R010", "0580R021"],             // Öster
    &["0580R007", "0580R009", "0580R023", "0580R019"], // Sydost
    &["0580R011"],                         // Lambohov
    &["0580R005", "0580R014", "0580R030"], // Norr
    &["0580R013", "0580R020", "0580R032"], // Nordost
    &["0580R024", "0580R028", "0580R031"], // Landsbygd syd och väst
];

fn read(path: &str) -> String {
    let full = format!("{}/../../data/linkoping/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn main() {
    let regso = parse_areas(
        &read("linkoping_regso_2025_wgs84.geojson"),
        &AreaImportOptions::new("regsokod", "regsonamn"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let kommun = parse_areas(
        &read("linkoping_kommun_from_regso_wgs84.geojson"),
        &AreaImportOptions::new("kommunkod", "kommunnamn"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .remove(0);

    let mut areas: Vec<(i64, MultiPolygon<f64>)> = regso
        .iter()
        .zip(1..)
        .map(|(a, key)| (key, a.geometry.clone()))
        .collect();
    areas.push((100, kommun.geometry.clone()));
    for (district, key) in DISTRICTS.iter().zip(200..) {
        let parts = district
            .iter()
            .flat_map(|code| {
                let area = regso.iter().find(|a| a.code == *code);
                area.unwrap_or_else(|| panic!("{code}")).geometry.0.clone()
            })
            .collect();
        areas.push((key, MultiPolygon::new(parts)));
    }
    let area_count = areas.len();
    let started = Instant::now();
    let index = AreaIndex::new(areas).unwrap_or_else(|e| panic!("{e}"));
    let build = started.elapsed();

    let bbox = kommun
        .geometry
        .bounding_rect()
        .unwrap_or_else(|| panic!("empty"));
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
    for _ in 0..RUNS {
        let started = Instant::now();
        hits = 0;
        for &p in &points {
            hits += std::hint::black_box(index.locate(p)).len();
        }
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[RUNS / 2];

    let mut buffer = Vec::new();
    let started = Instant::now();
    for &p in &points {
        index.locate_into(p, &mut buffer);
        std::hint::black_box(&buffer);
    }
    let reuse = started.elapsed();

    let rate = |d: Duration| POINTS as f64 / d.as_secs_f64();
    println!(
        "locate: {POINTS} points x {area_count} areas (32 RegSO + kommun + 11 districts), one thread"
    );
    println!("  index built in {:.1} ms", build.as_secs_f64() * 1e3);
    println!(
        "  runs (s): {}",
        times
            .iter()
            .map(|t| format!("{:.3}", t.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  median of {RUNS}: {:.3} s = {:.2} M points/s ({:.0} ns/point); {:.2} areas per point",
        median.as_secs_f64(),
        rate(median) / 1e6,
        median.as_secs_f64() * 1e9 / POINTS as f64,
        hits as f64 / POINTS as f64
    );
    println!(
        "  locate_into (buffer reused): {:.3} s = {:.2} M points/s",
        reuse.as_secs_f64(),
        rate(reuse) / 1e6
    );
}

//! Benchmark of the incident CSV import's parsing (no database).
//!
//! 1,000,000 generated rows with every column (a tenth with a time window, a fifth in
//! SWEREF 99 TM, every description quoted and holding a comma, unique external ids),
//! parsed on one thread three ways: `parse_incidents` (all-or-nothing, every row kept in
//! memory), `check_incidents` (every row checked, none kept) and `read_incidents`
//! (streamed, each row dropped as a store would after writing it). Prints each run and
//! the median of 5 in rows/s, by the wall clock and, on Linux, by the thread's CPU time
//! (which other processes on a busy machine do not inflate). The whole import (with
//! database writes) must reach 50,000 incidents/s, so parsing should stay far above
//! 1,000,000 rows/s.
//!
//! Run: `cargo bench -p trygg-domain --bench incident_csv`

use std::fmt::Write as _;
use std::time::Instant;

use trygg_domain::incident::CategoryList;
use trygg_domain::incident::csv_import::{
    CsvImportOptions, check_incidents, parse_incidents, read_incidents,
};

const ROWS: usize = 1_000_000;
const RUNS: usize = 5;

fn main() {
    let text = generate();
    let categories = CategoryList::defaults();
    let now = trygg_domain::time::Instant::from_timestamp(
        "2026-11-24T12:00:00Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let options = CsvImportOptions::new(&categories, now);

    println!(
        "incident_csv: {ROWS} rows, {:.1} MB, all columns, one thread",
        text.len() as f64 / 1e6
    );
    measure("parse_incidents (rows kept)", || {
        let rows = parse_incidents(text.as_bytes(), &options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::hint::black_box(rows).len(), ROWS);
    });
    measure("check_incidents (none kept)", || {
        let check = check_incidents(text.as_bytes(), &options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((check.good, check.bad.len()), (ROWS, 0));
    });
    measure("read_incidents (streamed)", || {
        let mut good = 0;
        for item in read_incidents(text.as_bytes(), &options).unwrap_or_else(|e| panic!("{e}")) {
            if let Ok(Ok(row)) = item {
                std::hint::black_box(row);
                good += 1;
            }
        }
        assert_eq!(good, ROWS);
    });
}

/// Runs `run` [`RUNS`] times and prints the runs and the medians.
fn measure(what: &str, mut run: impl FnMut()) {
    let mut times = Vec::with_capacity(RUNS);
    let mut cpu_times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let cpu_started = thread_cpu_ns();
        let started = Instant::now();
        run();
        times.push(started.elapsed());
        if let (Some(a), Some(b)) = (cpu_started, thread_cpu_ns()) {
            cpu_times.push(b - a);
        }
    }
    times.sort();
    cpu_times.sort();
    let median = times[RUNS / 2];
    println!("{what}");
    println!(
        "  runs (s): {}",
        times
            .iter()
            .map(|t| format!("{:.3}", t.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  median of {RUNS}: {:.3} s = {:.2} M rows/s ({:.0} ns/row)",
        median.as_secs_f64(),
        ROWS as f64 / median.as_secs_f64() / 1e6,
        median.as_secs_f64() * 1e9 / ROWS as f64,
    );
    if cpu_times.len() == RUNS {
        let cpu = cpu_times[RUNS / 2] as f64 / 1e9;
        println!(
            "  median CPU time of {RUNS}: {cpu:.3} s = {:.2} M rows/s",
            ROWS as f64 / cpu / 1e6,
        );
    }
}

/// The CPU time this thread has used, in nanoseconds (Linux: the first field of
/// `/proc/thread-self/schedstat`); `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// A deterministic file: splitmix64 drives every choice.
fn generate() -> String {
    const CATEGORIES: [&str; 8] = [
        "klotter",
        "skadegörelse",
        "Nedskräpning",
        "otrygg-plats",
        "Störande grupp/folksamling",
        "brand",
        "våld-hot",
        "trasig-belysning",
    ];
    const PLACES: [&str; 4] = ["Resecentrum", "Skäggetorp centrum", "", "Gångtunnel Ryd"];
    let mut seed = 0x5eed_u64;
    let mut next = move || {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = String::with_capacity(ROWS * 150);
    out.push_str(
        "occurred_at,occurred_to,category,lat,lon,x,y,description,place,severity,\
         creates_insecurity,organisation,external_id\n",
    );
    for i in 0..ROWS {
        let r = next();
        let month = 1 + r % 10;
        let day = 1 + (r >> 8) % 28;
        let hour = (r >> 16) % 24;
        // Keep clear of the hour that is skipped or repeated at the DST changes.
        let hour = if hour == 2 { 3 } else { hour };
        let minute = (r >> 24) % 60;
        let _ = write!(out, "2026-{month:02}-{day:02} {hour:02}:{minute:02},");
        if r % 10 == 0 {
            let _ = write!(out, "2026-{month:02}-{:02} 07:00", day + 1);
        }
        out.push(',');
        out.push_str(CATEGORIES[(r >> 32) as usize % CATEGORIES.len()]);
        let jitter = ((r >> 40) % 10_000) as f64;
        if r % 5 == 0 {
            let _ = write!(
                out,
                ",,,{:.1},{:.1},",
                530_000.0 + jitter,
                6_470_000.0 + jitter
            );
        } else {
            let _ = write!(
                out,
                ",{:.6},{:.6},,,",
                58.38 + jitter * 6e-6,
                15.55 + jitter * 1.2e-5
            );
        }
        let _ = writeln!(
            out,
            "\"Rapport {i}: klotter, skräp och trasig lampa vid entrén\",{},{},{},AB Stångåstaden,EXT-{i}",
            PLACES[(r >> 48) as usize % PLACES.len()],
            1 + (r >> 52) % 3,
            if r >> 60 & 1 == 0 { "ja" } else { "nej" },
        );
    }
    out
}

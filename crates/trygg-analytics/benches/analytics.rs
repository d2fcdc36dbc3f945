//! Benchmarks of trygg-analytics on Linköping-sized data, one thread, medians printed.
//!
//! Run: `cargo bench -p trygg-analytics --bench analytics`. With `TRYGG_ESDA_PYTHON`
//! pointing at the reference venv's python (`tools/reference/run.sh --bench` does this),
//! PySAL's `esda.G_Local` is timed on the same grids and the ratios are printed beside.
//!
//! Data are synthetic but shaped like the real thing: incidents inside the Linköping
//! municipality boundary (data/linkoping), 60 % of them in Gaussian clusters around
//! twelve centres in and near the city, 40 % spread over the municipality; Knox events
//! with near-repeat pairs. Everything is generated from fixed seeds.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant as Clock};

use geo::{BoundingRect, Contains, Point};
use trygg_analytics::density::quartic_density;
use trygg_analytics::gistar::{GiStarOptions, Neighbours, Permutations, gistar, gistar_lattice};
use trygg_analytics::grid::{GridSpec, Lattice};
use trygg_analytics::h3o::Resolution;
use trygg_analytics::hexagon::HexLayer;
use trygg_analytics::knox::{KnoxEvent, KnoxOptions, Metric, Precision, knox};
use trygg_analytics::profile::{HourOfWeekProfile, Occurrence};
use trygg_analytics::trend::{TableOptions, WeeklyCounts};
use trygg_analytics::week::IsoWeek;
use trygg_domain::geo::{AreaImportOptions, Sweref99Tm, Wgs84, parse_areas};
use trygg_domain::time::Instant;

/// splitmix64: deterministic data on every machine.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        // Box–Muller.
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn poisson_small(&mut self, lambda: f64) -> f64 {
        // Knuth's method; fine for λ ≤ 30.
        let l = (-lambda).exp();
        let (mut k, mut p) = (0.0, 1.0);
        loop {
            p *= self.uniform();
            if p <= l {
                return k;
            }
            k += 1.0;
        }
    }
}

/// CPU time this thread has had, from `/proc/thread-self/schedstat` (Linux; nanoseconds).
/// On a shared machine wall time includes the time other processes had the core; the
/// thread's CPU time is the work done on one core.
///
/// The kernel brings a running thread's total up to date only at a scheduler tick (every
/// 4 ms at 250 Hz) or a context switch, so read cold the figure moves in whole ticks and a
/// 5 ms call shows as 4 or 8 ms. Yielding first is a pass through the scheduler, which
/// updates it: the figure is then exact to the nanosecond.
fn thread_cpu() -> Option<Duration> {
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Median wall time and median thread CPU time of `runs` calls (after a warm-up call).
fn median_cpu<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Option<Duration>) {
    black_box(f());
    let mut wall = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let c = thread_cpu();
        let t = Clock::now();
        black_box(f());
        wall.push(t.elapsed());
        if let (Some(before), Some(after)) = (c, thread_cpu()) {
            cpu.push(after.saturating_sub(before));
        }
    }
    wall.sort();
    cpu.sort();
    let cpu = (cpu.len() == runs).then(|| cpu[runs / 2]);
    (wall[runs / 2], cpu)
}

/// Median wall time of `runs` calls (after one warm-up call).
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Clock::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn row(name: &str, d: Duration, note: &str) {
    println!("{name:<58} {:>11.3} ms  {note}", d.as_secs_f64() * 1e3);
}

/// One line of the closing side-by-side table: a target of issue 5.
struct Target {
    measurement: &'static str,
    trygg: Duration,
    /// Trygg's median CPU time on its one thread, where the system reports it.
    trygg_cpu: Option<Duration>,
    /// esda's median, when the reference venv was given.
    esda: Option<Duration>,
    target: &'static str,
    /// Whether the target is met (`None`: nothing to meet, reported for information).
    met: Option<bool>,
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1e3)
    } else {
        format!("{ms:.2} ms")
    }
}

/// Prints the targets side by side: measurement, Trygg, esda, ratio, target, met.
fn table(targets: &[Target]) {
    println!("\nIssue 5 targets, side by side (medians; Trygg on one thread)\n");
    let header = [
        "measurement",
        "Trygg",
        "Trygg CPU",
        "esda",
        "esda/Trygg",
        "target",
        "met",
    ];
    let rows: Vec<[String; 7]> = targets
        .iter()
        .map(|t| {
            [
                t.measurement.to_owned(),
                ms(t.trygg),
                t.trygg_cpu.map_or("—".to_owned(), ms),
                t.esda.map_or("—".to_owned(), ms),
                t.esda.map_or("—".to_owned(), |e| {
                    format!("{:.0}×", e.as_secs_f64() / t.trygg.as_secs_f64())
                }),
                t.target.to_owned(),
                match t.met {
                    Some(true) => "met".to_owned(),
                    Some(false) => "NOT MET".to_owned(),
                    None => "—".to_owned(),
                },
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..7).map(width).collect();
    let line = |cells: &[&str]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w - c.chars().count();
                if (1..=4).contains(&i) {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        println!("| {} |", parts.join(" | "));
    };
    line(&header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule.iter().map(String::as_str).collect::<Vec<_>>());
    for r in &rows {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if targets
        .iter()
        .any(|t| t.esda.is_none() && t.target.contains('×'))
    {
        println!("\n(esda not timed: run tools/reference/bench.sh, which sets TRYGG_ESDA_PYTHON)");
    }
}

fn read(path: &str) -> String {
    let full = format!("{}/../../data/linkoping/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Incidents in the municipality: (SWEREF 99 TM, WGS84).
fn incidents(kommun: &geo::MultiPolygon<f64>, n: usize, g: &mut Gen) -> Vec<(Sweref99Tm, Wgs84)> {
    let bbox = kommun
        .bounding_rect()
        .unwrap_or_else(|| panic!("empty kommun"));
    let centre = Wgs84::new(58.4108, 15.6214)
        .and_then(|c| c.to_sweref99tm())
        .unwrap_or_else(|e| panic!("{e}"));
    let hot: Vec<(f64, f64, f64)> = (0..12)
        .map(|_| {
            (
                centre.e() + 4000.0 * g.normal(),
                centre.n() + 4000.0 * g.normal(),
                150.0 + 350.0 * g.uniform(),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let p = if g.uniform() < 0.6 {
            let (e, nn, s) = hot[(g.next() % 12) as usize];
            Sweref99Tm::new(nn + s * g.normal(), e + s * g.normal())
                .and_then(|p| p.to_wgs84().map(|w| (p, w)))
        } else {
            let lat = bbox.min().y + (bbox.max().y - bbox.min().y) * g.uniform();
            let lon = bbox.min().x + (bbox.max().x - bbox.min().x) * g.uniform();
            Wgs84::new(lat, lon).and_then(|w| w.to_sweref99tm().map(|p| (p, w)))
        };
        let Ok((p, w)) = p else { continue };
        if kommun.contains(&Point::new(w.lon(), w.lat())) {
            out.push((p, w));
        }
    }
    out
}

/// Times esda.G_Local on the grid, if a reference venv was given.
fn esda(values: &[f64], lattice: Lattice, permutations: u32) -> Option<(f64, f64, String)> {
    let python = std::env::var("TRYGG_ESDA_PYTHON").ok()?;
    let dir = std::env::temp_dir();
    let path = dir.join(format!("trygg-bench-esda-{}.f64", std::process::id()));
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&path, bytes).ok()?;
    let script = format!(
        "{}/../../tools/reference/bench_esda.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(python)
        .arg(script)
        .arg(&path)
        .arg(lattice.rows.to_string())
        .arg(lattice.cols.to_string())
        .arg(permutations.to_string())
        .output()
        .ok();
    let _ = std::fs::remove_file(&path);
    let out = out?;
    if !out.status.success() {
        eprintln!("esda failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let v: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    let numba = v["numba"]
        .as_str()
        .map_or("without numba".to_owned(), |n| format!("numba {n}"));
    Some((v["weights_s"].as_f64()?, v["g_local_s"].as_f64()?, numba))
}

fn main() {
    let kommun = parse_areas(
        &read("linkoping_kommun_from_regso_wgs84.geojson"),
        &AreaImportOptions::new("kommunkod", "kommunnamn"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .remove(0)
    .geometry;
    let mut g = Gen(0x0074_7279_6767);
    let pts = incidents(&kommun, 100_000, &mut g);
    let sweref: Vec<(f64, f64)> = pts.iter().map(|(p, _)| (p.e(), p.n())).collect();
    println!("trygg-analytics benchmarks (median wall time, one thread, release build)\n");
    let mut targets: Vec<Target> = Vec::new();
    // TRYGG_BENCH_ONLY=targets: only the measurements of the closing table (the data are
    // the same: the skipped sections draw nothing from the generator).
    let only_targets = std::env::var("TRYGG_BENCH_ONLY").is_ok_and(|v| v == "targets");
    let perm = GiStarOptions {
        fdr: true,
        permutations: Some(Permutations {
            count: 999,
            seed: 1,
        }),
    };
    // One week in one district: the first 1 000 incidents within a 6 × 6 km square
    // around the city centre.
    let centre = Wgs84::new(58.4108, 15.6214)
        .and_then(|c| c.to_sweref99tm())
        .unwrap_or_else(|e| panic!("{e}"));
    let week_pts: Vec<(f64, f64)> = sweref
        .iter()
        .filter(|(x, y)| (x - centre.e()).abs() < 3000.0 && (y - centre.n()).abs() < 3000.0)
        .take(1000)
        .copied()
        .collect();

    if !only_targets {
        // --- Gi* on the Linköping grid ------------------------------------------------------
        println!("Gi* on SWEREF 99 TM grids");
        let spec = GridSpec::covering(sweref.iter().copied(), 250.0, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let counted = median(11, || spec.count(sweref.iter().map(|&(x, y)| (x, y, 1.0))));
        let counts = spec
            .count(sweref.iter().map(|&(x, y)| (x, y, 1.0)))
            .unwrap_or_else(|e| panic!("{e}"))
            .values;
        let note = format!("{} × {} = {} cells", spec.cols, spec.rows, spec.len());
        row(
            "Linköping 250 m, 100 000 incidents: count into grid",
            counted,
            &note,
        );
        let analytic = median(21, || {
            gistar_lattice(spec.lattice(), &counts, &GiStarOptions::default())
        });
        row("Linköping 250 m: Gi* z, p, FDR bins", analytic, "");
        let permuted = median(5, || gistar_lattice(spec.lattice(), &counts, &perm));
        row("Linköping 250 m: Gi* with 999 permutations", permuted, "");

        // --- Gi* on H3 ------------------------------------------------------------------------
        println!("\nGi* on H3 resolution 9");
        let layer_time = median(3, || HexLayer::covering(&kommun, Resolution::Nine));
        let layer = HexLayer::covering(&kommun, Resolution::Nine).unwrap_or_else(|e| panic!("{e}"));
        row(
            "Linköping kommun: H3 layer (tiling + ring weights)",
            layer_time,
            &format!("{} cells", layer.len()),
        );
        let hex_count = median(5, || layer.count(pts.iter().map(|(_, w)| (*w, 1.0))));
        row("100 000 incidents: count into H3 cells", hex_count, "");
        let hex = layer
            .count(pts.iter().map(|(_, w)| (*w, 1.0)))
            .unwrap_or_else(|e| panic!("{e}"))
            .values;
        row(
            "H3 res 9: Gi* z, p, FDR bins",
            median(11, || layer.gistar(&hex, &GiStarOptions::default())),
            "",
        );
        row(
            "H3 res 9: Gi* with 999 permutations",
            median(5, || layer.gistar(&hex, &perm)),
            "",
        );
    }

    // --- Large grids (the targets) ------------------------------------------------
    println!("\nGi* on synthetic lattices (issue 5 targets)");
    let big = Lattice {
        cols: 1000,
        rows: 1000,
    };
    let big_values: Vec<f64> = (0..big.len()).map(|_| g.poisson_small(0.5)).collect();
    let (big_time, big_cpu) = median_cpu(11, || {
        gistar_lattice(big, &big_values, &GiStarOptions::default())
    });
    row(
        "1000 × 1000: Gi* analytic (lattice path, no weights)",
        big_time,
        "target ≤ 20 ms",
    );
    let (weights_time, weights_cpu) = median_cpu(3, || Neighbours::queen(big));
    row(
        "1000 × 1000: queen weights construction (generic path)",
        weights_time,
        "",
    );
    let nb = Neighbours::queen(big);
    row(
        "1000 × 1000: Gi* analytic with those weights",
        median(5, || gistar(&nb, &big_values, &GiStarOptions::default())),
        "",
    );
    let big_esda = esda(&big_values, big, 0);
    if let Some((w, s, numba)) = &big_esda {
        row(
            "1000 × 1000: esda weights (lat2SW + Graph)",
            Duration::from_secs_f64(*w),
            "",
        );
        row(
            "1000 × 1000: esda.G_Local permutations=0",
            Duration::from_secs_f64(*s),
            &format!(
                "Trygg is {:.0}× faster (target ≥ 100×; {numba})",
                s / big_time.as_secs_f64()
            ),
        );
    }
    let big_esda_time = big_esda
        .as_ref()
        .map(|(_, s, _)| Duration::from_secs_f64(*s));
    targets.push(Target {
        measurement: "Gi* analytic, 1000 × 1000 grid",
        trygg: big_time,
        trygg_cpu: big_cpu,
        esda: big_esda_time,
        target: "≤ 20 ms and ≥ 100×",
        met: Some(
            big_cpu.unwrap_or(big_time) <= Duration::from_millis(20)
                && big_esda_time.is_none_or(|e| e.as_secs_f64() >= 100.0 * big_time.as_secs_f64()),
        ),
    });
    targets.push(Target {
        measurement: "  weights construction, 1000 × 1000 (separately)",
        trygg: weights_time,
        trygg_cpu: weights_cpu,
        esda: big_esda
            .as_ref()
            .map(|(w, _, _)| Duration::from_secs_f64(*w)),
        target: "reported",
        met: None,
    });
    let mid = Lattice {
        cols: 316,
        rows: 317,
    };
    let mid_values: Vec<f64> = (0..mid.len()).map(|_| g.poisson_small(0.5)).collect();
    let (mid_time, mid_cpu) = median_cpu(5, || gistar_lattice(mid, &mid_values, &perm));
    row(
        "316 × 317 (100 172 cells): Gi* with 999 permutations",
        mid_time,
        "",
    );
    let continuous: Vec<f64> = (0..mid.len()).map(|_| g.uniform() * 10.0).collect();
    let cont_time = median(3, || gistar_lattice(mid, &continuous, &perm));
    row(
        "  the same with continuous values (one class per cell)",
        cont_time,
        "worst case of the shared reference distributions",
    );
    let mid_esda = esda(&mid_values, mid, 999);
    if let Some((_, s, numba)) = &mid_esda {
        row(
            "316 × 317: esda.G_Local permutations=999",
            Duration::from_secs_f64(*s),
            &format!(
                "Trygg is {:.0}× faster (target ≥ 10×; {numba})",
                s / mid_time.as_secs_f64()
            ),
        );
    }
    let mid_esda_time = mid_esda
        .as_ref()
        .map(|(_, s, _)| Duration::from_secs_f64(*s));
    targets.push(Target {
        measurement: "Gi* 999 permutations, 100 172 cells",
        trygg: mid_time,
        trygg_cpu: mid_cpu,
        esda: mid_esda_time,
        target: "≥ 10×",
        met: mid_esda_time.map(|e| e.as_secs_f64() >= 10.0 * mid_time.as_secs_f64()),
    });

    if !only_targets {
        // --- Kernel density -------------------------------------------------------------------
        println!("\nQuartic kernel density");
        let kde_grid = GridSpec::covering(sweref.iter().copied(), 100.0, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let kde = median(5, || {
            quartic_density(&kde_grid, sweref.iter().map(|&(x, y)| (x, y, 1.0)), 400.0)
        });
        row(
            "Linköping 100 m cells, 100 000 incidents, h = 400 m",
            kde,
            &format!("{} cells", kde_grid.len()),
        );
        let district = GridSpec::covering(week_pts.iter().copied(), 50.0, None)
            .unwrap_or_else(|e| panic!("{e}"));
        row(
            "a district's week (1 000 incidents), 50 m cells, h = 300 m",
            median(21, || {
                quartic_density(&district, week_pts.iter().map(|&(x, y)| (x, y, 1.0)), 300.0)
            }),
            &format!("{} cells", district.len()),
        );
    }

    // --- Knox -----------------------------------------------------------------------------
    println!("\nKnox near-repeat test");
    let knox_events = |n: usize, g: &mut Gen| -> Vec<KnoxEvent> {
        let mut ev = Vec::with_capacity(n);
        while ev.len() < n {
            let (p, _) = pts[(g.next() % pts.len() as u64) as usize];
            let day = (g.uniform() * 3.0 * 365.0) as i32;
            ev.push(KnoxEvent {
                x: p.e(),
                y: p.n(),
                day,
            });
            // A fifth of them get a near repeat within 200 m and two weeks.
            if g.uniform() < 0.2 && ev.len() < n {
                ev.push(KnoxEvent {
                    x: p.e() + 80.0 * g.normal(),
                    y: p.n() + 80.0 * g.normal(),
                    day: day + (g.uniform() * 14.0) as i32,
                });
            }
        }
        ev
    };
    let options = |metric, precision, permutations| KnoxOptions {
        distance_edges: vec![0.0, 1.0, 100.0, 200.0, 300.0, 400.0],
        time_edges: vec![0, 7, 14, 21, 28],
        metric,
        precision,
        permutations,
        seed: 99,
    };
    let small = knox_events(2_000, &mut g);
    for (label, metric, precision) in [
        ("Manhattan, f64", Metric::Manhattan, Precision::F64),
        ("Euclidean, f64", Metric::Euclidean, Precision::F64),
        ("Manhattan, f32", Metric::Manhattan, Precision::F32),
    ] {
        let o = options(metric, precision, 99);
        row(
            &format!("2 000 events, R = 99, {label}"),
            median(5, || knox(&small, &o)),
            "",
        );
    }
    let large = knox_events(10_000, &mut g);
    let o = options(Metric::Manhattan, Precision::F64, 999);
    let (knox_time, knox_cpu) = median_cpu(5, || knox(&large, &o));
    row(
        "10 000 events, R = 999, Manhattan, f64",
        knox_time,
        "target < 2 s",
    );
    targets.push(Target {
        measurement: "Knox, 10 000 events, 999 permutations",
        trygg: knox_time,
        trygg_cpu: knox_cpu,
        esda: None,
        target: "< 2 s",
        met: Some(knox_cpu.unwrap_or(knox_time) < Duration::from_secs(2)),
    });

    if !only_targets {
        // --- The weekly picture of one area ---------------------------------------------------
        println!("\nThe weekly picture of one area");
        let week = IsoWeek::new(2026, 47).unwrap_or_else(|e| panic!("{e}"));
        let start = week
            .plus_weeks(-104)
            .and_then(|w| w.start().ok())
            .unwrap_or_else(|| panic!("week"));
        let end = week.end().unwrap_or_else(|e| panic!("{e}"));
        let span = end.micros() - start.micros();
        let stream: Vec<(u8, Instant)> = (0..100_000)
            .map(|_| {
                let c = (g.next() % 20) as u8;
                (
                    c,
                    Instant::from_micros(start.micros() + (g.uniform() * span as f64) as i64),
                )
            })
            .collect();
        let opts = TableOptions::default();
        let table_time = median(11, || {
            let mut counts: WeeklyCounts<u8, u8> =
                WeeklyCounts::for_table(week, &opts).unwrap_or_else(|e| panic!("{e}"));
            for (c, at) in &stream {
                counts.add(0, *c, *at);
            }
            counts.table(&0, week, &opts)
        });
        row(
            "weekly table: 100 000 incidents over 2 years, 20 categories",
            table_time,
            "bucket + 63 exact tests + BH",
        );
        let mut from_rollup: WeeklyCounts<u8, u8> =
            WeeklyCounts::for_table(week, &opts).unwrap_or_else(|e| panic!("{e}"));
        for (c, at) in &stream {
            from_rollup.add(0, *c, *at);
        }
        row(
            "weekly table from counts already aggregated",
            median(101, || from_rollup.table(&0, week, &opts)),
            "",
        );
        let week_start = week.start().unwrap_or_else(|e| panic!("{e}"));
        let occurrences: Vec<Occurrence> = (0..1_000)
            .map(|i| {
                let at = Instant::from_micros(
                    week_start.micros() + (g.uniform() * 6.9 * 86_400e6) as i64,
                );
                if i % 3 == 0 {
                    Occurrence::Between {
                        from: at,
                        to: at.plus_seconds((g.uniform() * 60.0 * 3600.0) as i64),
                    }
                } else {
                    Occurrence::At(at)
                }
            })
            .collect();
        row(
            "hour-of-week profile, 1 000 incidents (a third windows ≤ 60 h)",
            median(21, || HourOfWeekProfile::from_occurrences(&occurrences)),
            "",
        );
        let week_grid = GridSpec::covering(week_pts.iter().copied(), 100.0, None)
            .unwrap_or_else(|e| panic!("{e}"));
        row(
            "a district's week: 1 000 incidents, 100 m grid, Gi* 999 perms",
            median(11, || {
                let c = week_grid
                    .count(week_pts.iter().map(|&(x, y)| (x, y, 1.0)))
                    .unwrap_or_else(|e| panic!("{e}"));
                gistar_lattice(week_grid.lattice(), &c.values, &perm)
            }),
            &format!("{} cells", week_grid.len()),
        );
    }

    table(&targets);
}

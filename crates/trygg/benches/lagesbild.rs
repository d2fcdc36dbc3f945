//! The weekly picture of one district with many incidents stored (issue 5's figure:
//! 10,000,000 incidents, target < 100 ms median on SQLite and on PostgreSQL):
//!
//!   cargo bench -p trygg --bench lagesbild                        # 200 000 incidents
//!   BENCH_ROWS=10000000 cargo bench -p trygg --bench lagesbild    # the target size
//!   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p trygg --bench lagesbild
//!   BENCH_SQLITE=0 TEST_DATABASE_URL=… cargo bench -p trygg --bench lagesbild   # PostgreSQL only
//!
//! Loads synthetic incidents (fixed seed) of one district, Skäggetorp, spread evenly
//! over `BENCH_YEARS` years (default 10) before 2026-11-01, through the store's bulk
//! import (the same path as `trygg import incidents`, which also keeps the lägesbild
//! rollup current in the same transaction), then computes the weekly picture of the
//! district for 2026-W43 21 times and prints the median beside the target (the store
//! keeps the weekly counts, the 200 m hot-spot cells and the hour-of-week weights as
//! rollups on write, so the picture reads rollup rows, not the week's incidents). SQLite
//! always; PostgreSQL too when TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::time::Instant as Clock;

use trygg_analytics::week::IsoWeek;
use trygg_core::{Caller, Settings, Trygg};
use trygg_domain::audit::AuditDraft;
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::incident::{IncidentStore, NewIncident};
use trygg_store::testing::TestDb;

/// SplitMix64: a small, fixed-seed generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const TARGET_MS: f64 = 100.0;
const BATCH: usize = 100_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn audit(at: Instant) -> AuditDraft {
    AuditDraft {
        at,
        actor_user_id: None,
        actor_org_id: None,
        action: "incidents_imported".into(),
        object_type: "import".into(),
        object_id: None,
        request_id: None,
        detail: "{}".into(),
    }
}

async fn run(name: &str, db: trygg_store::Db, rows: usize, years: f64) {
    let now = Instant::from_micros(1_795_000_000_000_000);
    let trygg = Trygg::new(db, trygg_core::Clock::manual(now), Settings::default());
    trygg.load_demo().await.unwrap();
    trygg.ensure_default_categories().await.unwrap();
    let home = trygg.db.home_organisation().await.unwrap().unwrap();
    let orgs = trygg.db.organisations().await.unwrap();
    let (_, categories) = trygg.category_list().await.unwrap();
    let areas = trygg.area_set().await.unwrap();
    let district = trygg
        .db
        .current_areas(Some(trygg_domain::area::AreaKind::District))
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name.contains("Skäggetorp"))
        .expect("district Skäggetorp");
    let b = district.bbox;
    // Points inside the district (rejection sampling in its bounding box), clustered
    // around a few spots so Gi* has something to find.
    let mut rng = Rng(20_261_125);
    let mut pool = Vec::new();
    while pool.len() < 2000 {
        let centre = pool.len() % 4 != 0;
        let (lat, lon) = if centre && !pool.is_empty() {
            let (la, lo): (f64, f64) = pool[(rng.next() as usize) % pool.len().min(8)];
            (
                la + (rng.unit() - 0.5) * 0.002,
                lo + (rng.unit() - 0.5) * 0.004,
            )
        } else {
            (
                b.min_lat + rng.unit() * (b.max_lat - b.min_lat),
                b.min_lon + rng.unit() * (b.max_lon - b.min_lon),
            )
        };
        let Ok(p) = trygg_domain::geo::Wgs84::new(lat, lon) else {
            continue;
        };
        let ids = areas.locate_ids(p);
        if ids.contains(&district.id) {
            pool.push((lat, lon));
        }
    }
    let located: Vec<Vec<trygg_domain::id::AreaId>> = pool
        .iter()
        .map(|(la, lo)| areas.locate_ids(trygg_domain::geo::Wgs84::new(*la, *lo).unwrap()))
        .collect();
    let end = 1_793_491_200i64 * 1_000_000; // 2026-11-01T00:00:00Z
    let span = (years * 365.25 * 86_400.0 * 1e6) as i64;
    let started = Clock::now();
    let mut done = 0usize;
    while done < rows {
        let n = BATCH.min(rows - done);
        let batch: Vec<NewIncident> = (0..n)
            .map(|_| {
                let k = (rng.next() as usize) % pool.len();
                let cat = &categories[(rng.next() as usize) % categories.len()];
                let org = &orgs[(rng.next() as usize) % orgs.len()];
                let from = end - (rng.unit() * span as f64) as i64;
                let window = rng.next().is_multiple_of(10);
                NewIncident {
                    category_id: cat.id,
                    organisation_id: org.id,
                    reporter_user_id: None,
                    description: "Syntetisk händelse".into(),
                    pii_found: "{}".into(),
                    occurred_from: Instant::from_micros(from),
                    occurred_to: window.then(|| Instant::from_micros(from + 6 * 3_600_000_000)),
                    position: Some(pool[k]),
                    place_id: None,
                    location_text: None,
                    severity: 1 + (rng.next() % 3) as i64 / 2,
                    creates_insecurity: rng.next().is_multiple_of(3),
                    sharing: if rng.next().is_multiple_of(5) {
                        "own"
                    } else {
                        "partners"
                    },
                    source: "import",
                    external_id: None,
                    status: if rng.next().is_multiple_of(20) {
                        "rejected"
                    } else {
                        "accepted"
                    },
                    area_ids: located[k].clone(),
                }
            })
            .collect();
        trygg
            .db
            .import_incidents(&batch, now, audit(now), &|_| {})
            .await
            .unwrap();
        done += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: loaded {rows} incidents of {} over {years} years in {secs:.1} s ({:.0}/s, rollup kept on write)",
        district.name,
        rows as f64 / secs
    );
    let _ = home;

    let week = IsoWeek::new(2026, 43).unwrap();
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..21 {
        let t = Clock::now();
        let p = trygg
            .weekly_picture(&Caller::System, district.id, week)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        count = p.headline.count;
    }
    let m = median(times);
    println!(
        "{name}: weekly picture of {} {week} ({count} incidents that week, {rows} stored): median {m:.1} ms over 21 runs (target < {TARGET_MS:.0} ms: {})",
        district.name,
        if m < TARGET_MS { "met" } else { "NOT met" }
    );

    // The årshjul of the district for 2026 (beside 2025): months from the monthly rollup.
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Clock::now();
        let v = trygg
            .period_view(
                &Caller::System,
                Some(district.id),
                trygg_core::periodic::Period::Year(2026),
            )
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        count = v.total.months.iter().sum::<u32>();
    }
    println!(
        "{name}: årshjul of {} 2026 from the monthly rollup ({count} incidents): median {:.1} ms over 5 runs",
        district.name,
        median(times)
    );
    // Before the monthly rollup the view paged through every incident of the two years
    // (5 000 at a time, as `counted_incidents` did); time that read once for comparison.
    if rows <= 2_000_000 {
        let all = trygg_store::incident::Visibility {
            all: true,
            ..Default::default()
        };
        let mut filter = trygg_store::incident::IncidentFilter {
            area: Some(district.id),
            from: Some(Instant::from_micros(1_735_686_000_000_000)), // 2025-01-01 CET
            to: Some(Instant::from_micros(1_798_758_000_000_000)),   // 2027-01-01 CET
            order: trygg_store::incident::IncidentOrder::IdAscending,
            limit: 5_000,
            ..Default::default()
        };
        let t = Clock::now();
        let mut read = 0usize;
        loop {
            let (page, _) = trygg.db.incidents(&filter, all).await.unwrap();
            let Some(last) = page.last() else { break };
            filter.after_id = Some(last.id);
            read += page.len();
            if page.len() < 5_000 {
                break;
            }
        }
        println!(
            "{name}: the old årshjul read (paging {read} incidents of 2025-2026): {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}

fn main() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let years: f64 = std::env::var("BENCH_YEARS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // BENCH_SQLITE=0 measures PostgreSQL alone (two 10-million loads take long).
        if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
            let sqlite = TestDb::sqlite();
            run("SQLite", sqlite.connect().await, rows, years).await;
        }
        match TestDb::postgres().await {
            Some(pg) => run("PostgreSQL", pg.connect().await, rows, years).await,
            None => println!("PostgreSQL: skipped (set TEST_DATABASE_URL to measure it)"),
        }
    });
}

//! Import and list speed with a million incidents (issue 4's figures):
//!
//!   cargo bench -p trygg --bench incidents
//!   BENCH_ROWS=200000 cargo bench -p trygg --bench incidents      # smaller
//!   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p trygg --bench incidents
//!
//! Builds a synthetic CSV (fixed seed) of incidents around Linköping, imports it through
//! the same use case as `trygg import incidents` (parsing, area assignment, personal-data
//! screening, one transaction) and reports incidents per second; then asks for the
//! incident list of one district and one month 21 times and reports the median.
//! SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::time::Instant as Clock;

use trygg_core::{Caller, RequestMeta, Settings, Trygg};
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::incident::IncidentFilter;
use trygg_store::testing::TestDb;

/// SplitMix64: a small, fixed-seed generator (no dependency needed for a benchmark).
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

const CATEGORIES: [&str; 6] = [
    "klotter",
    "skadegörelse",
    "nedskräpning",
    "otrygg-plats",
    "störande-grupp",
    "brand",
];
/// Hot spots (lat, lon): Resecentrum, Skäggetorp centrum, Ryd, Berga, Lambohov.
const SPOTS: [(f64, f64); 5] = [
    (58.41611, 15.62583),
    (58.42611, 15.58),
    (58.4006, 15.5667),
    (58.3876, 15.6443),
    (58.3781, 15.5655),
];

fn csv(rows: usize) -> Vec<u8> {
    let mut rng = Rng(20_261_124);
    let mut out = String::with_capacity(rows * 90);
    out.push_str("occurred_at,category,lat,lon,description\n");
    // 18 months back from 2026-11-01.
    let end = 1_793_491_200i64; // 2026-11-01T00:00:00Z
    let span = 548 * 86_400;
    for _ in 0..rows {
        let (lat, lon) = SPOTS[(rng.next() % 5) as usize];
        let lat = lat + (rng.unit() - 0.5) * 0.04;
        let lon = lon + (rng.unit() - 0.5) * 0.07;
        let t = end - (rng.unit() * span as f64) as i64;
        let ts = jiff::Timestamp::from_second(t)
            .unwrap()
            .strftime("%Y-%m-%dT%H:%M:%SZ");
        let cat = CATEGORIES[(rng.next() % 6) as usize];
        out.push_str(&format!(
            "{ts},{cat},{lat:.6},{lon:.6},Syntetisk händelse\n"
        ));
    }
    out.into_bytes()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run(name: &str, db: trygg_store::Db, data: &[u8], rows: usize) {
    let trygg = Trygg::new(
        db,
        trygg_core::Clock::manual(Instant::from_micros(1_795_000_000_000_000)),
        Settings::default(),
    );
    trygg.load_demo().await.unwrap();
    let home = trygg.db.home_organisation().await.unwrap().unwrap();
    let started = Clock::now();
    let summary = trygg
        .import_incidents_csv(
            &Caller::System,
            &RequestMeta::cli(),
            data,
            false,
            home.id,
            &|_, _| {},
        )
        .await
        .map_err(|_| "import refused")
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(summary.imported as usize, rows);
    println!(
        "{name}: imported {rows} incidents in {secs:.1} s = {:.0} incidents/s",
        rows as f64 / secs
    );

    let areas = trygg
        .db
        .current_areas(Some(trygg_domain::area::AreaKind::District))
        .await
        .unwrap();
    let skaggetorp = areas
        .iter()
        .find(|a| a.name.contains("Skäggetorp"))
        .expect("district Skäggetorp");
    let from: jiff::Timestamp = "2026-09-01T00:00:00+02:00".parse().unwrap();
    let to: jiff::Timestamp = "2026-10-01T00:00:00+02:00".parse().unwrap();
    let filter = IncidentFilter {
        area: Some(skaggetorp.id),
        from: Some(Instant::from_timestamp(from)),
        to: Some(Instant::from_timestamp(to)),
        limit: 50,
        ..Default::default()
    };
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..21 {
        let t = Clock::now();
        let (rows, n) = trygg.incidents(&Caller::System, &filter).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!rows.is_empty());
        total = n;
    }
    println!(
        "{name}: incident list for {} in September 2026 ({total} incidents, first page of 50): median {:.2} ms over 21 runs",
        skaggetorp.name,
        median(times)
    );
}

fn main() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = csv(rows);
    println!("CSV: {rows} rows, {:.0} MB", data.len() as f64 / 1e6);
    rt.block_on(async {
        let sqlite = TestDb::sqlite();
        run("SQLite", sqlite.connect().await, &data, rows).await;
        match TestDb::postgres().await {
            Some(pg) => run("PostgreSQL", pg.connect().await, &data, rows).await,
            None => println!("PostgreSQL: skipped (set TEST_DATABASE_URL to measure it)"),
        }
    });
}

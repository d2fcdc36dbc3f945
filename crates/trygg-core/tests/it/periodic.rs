//! Periodic analysis on both databases, against small hand-made datasets: the årshjul's
//! month × category counts (Stockholm month boundaries, a running period compared up to
//! today), the flagged rise and its test, the sharing rules, and the Knox near-repeat
//! table whose observed pairs are counted by hand.

use trygg_core::incidents::{IncidentInput, WhereInput};
use trygg_core::periodic::{Direction, NearRepeatQuery, Period};
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::geo::Wgs84;
use trygg_domain::time::Instant;
use trygg_store::{Store, on_both_backends};

/// Monday 21 September 2026, 14:13 UTC: 2026-T3 is running, 2026-T2 has ended.
const NOW_S: i64 = 1_790_000_000;

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(NOW_S * 1_000_000)),
        Settings::default(),
    );
    let logins = trygg.load_demo().await.unwrap();
    trygg.ensure_default_categories().await.unwrap();
    (trygg, logins)
}

async fn caller(trygg: &Trygg, logins: &[trygg_core::demo::DemoLogin], role: Role) -> Caller {
    let l = logins.iter().find(|l| l.role == role).unwrap();
    let s = trygg
        .login(&l.email, &l.password, &RequestMeta::cli())
        .await
        .unwrap();
    Caller::User(Box::new(trygg.authenticate(&s.token).await.unwrap()))
}

/// Resecentrum, in RegSO Vasastaden-Hunneberg.
const LAT: f64 = 58.41611;
const LON: f64 = 15.62583;

const HEADER: &str =
    "occurred_at,category,lat,lon,description,severity,creates_insecurity,external_id\n";

fn row(at: &str, category: &str, lat: f64, lon: f64, id: &str) -> String {
    format!("{at},{category},{lat},{lon},Hand-made {id},1,nej,{id}\n")
}

async fn import(trygg: &Trygg, logins: &[trygg_core::demo::DemoLogin], csv: &str, n: u64) {
    let coordinator = caller(trygg, logins, Role::Samordnare).await;
    let home = trygg.db.home_organisation().await.unwrap().unwrap();
    let summary = trygg
        .import_incidents_csv(
            &coordinator,
            &RequestMeta::cli(),
            csv.as_bytes(),
            false,
            home.id,
            &|_, _| {},
        )
        .await
        .map_err(|_| "import refused")
        .unwrap();
    assert_eq!(summary.imported, n);
}

/// Klotter in 2026-T2: May 3, June 5, July 8, August 14 (30); in 2025-T2: 1, 1, 1, 2 (5).
/// Skadegörelse in 2026-T2: May 2, June 1 (3); in 2025-T2: May 2, June 2 (4). One klotter
/// on 30 April and one on 1 September 2026 (outside T2). One June klotter is at 00:30 on
/// 1 June Stockholm time, still 31 May in UTC.
fn year_history() -> (String, u64) {
    let mut csv = String::from(HEADER);
    let mut n = 0;
    let mut add = |at: String, category: &str, id: String| {
        csv.push_str(&row(&at, category, LAT, LON, &id));
        n += 1;
    };
    for (month, count) in [(5, 3), (6, 5), (7, 8), (8, 14)] {
        for i in 0..count {
            let at = if month == 6 && i == 0 {
                "2026-06-01 00:30".to_owned()
            } else {
                format!("2026-{month:02}-{:02} 12:00", 2 + i)
            };
            add(at, "klotter", format!("k26-{month}-{i}"));
        }
    }
    for (month, count) in [(5, 1), (6, 1), (7, 1), (8, 2)] {
        for i in 0..count {
            add(
                format!("2025-{month:02}-{:02} 12:00", 10 + i),
                "klotter",
                format!("k25-{month}-{i}"),
            );
        }
    }
    for (year, month, count) in [(2026, 5, 2), (2026, 6, 1), (2025, 5, 2), (2025, 6, 2)] {
        for i in 0..count {
            add(
                format!("{year}-{month:02}-{:02} 09:00", 3 + i),
                "skadegörelse",
                format!("s{year}-{month}-{i}"),
            );
        }
    }
    add("2026-04-30 12:00".into(), "klotter", "k-april".into());
    add("2026-09-01 12:00".into(), "klotter", "k-september".into());
    (csv, n)
}

on_both_backends!(
    the_arshjul_counts_by_month_and_flags_the_rise,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let (csv, n) = year_history();
        import(&trygg, &logins, &csv, n).await;
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        // The reporter's organisation keeps one July klotter to itself.
        trygg
            .file_report(
                &reporter,
                &RequestMeta::cli(),
                vec![IncidentInput {
                    category: "klotter".into(),
                    description: "Eget klotter".into(),
                    occurred_at: "2026-07-20 10:00".into(),
                    place: WhereInput {
                        point: Some(Wgs84::new(LAT, LON).unwrap()),
                        ..Default::default()
                    },
                    sharing: Some("own".into()),
                    ..Default::default()
                }],
                None,
            )
            .await
            .map_err(|_| "refused")
            .unwrap();

        let t2 = Period::parse("2026-T2").unwrap();
        let v = trygg.period_view(&coordinator, None, t2).await.unwrap();
        assert!(v.complete);
        assert_eq!(v.months.len(), 4);
        assert_eq!((v.months[0].year, v.months[0].month), (2026, 5));
        let k = v.rows.iter().find(|r| r.code == "klotter").unwrap();
        assert_eq!(k.months, [3, 5, 9, 14], "the coordinator sees the own one");
        assert_eq!(k.last_year_months, [1, 1, 1, 2]);
        assert_eq!((k.count, k.last_year), (31, 5));
        assert_eq!(k.direction, Direction::Up);
        assert_eq!(k.comparison.test.code(), "poisson_conditional_binomial");
        assert!(k.q_value <= 0.05 && k.q_value >= k.comparison.p_value);
        let s = v.rows.iter().find(|r| r.code != "klotter").unwrap();
        assert_eq!(s.months, [2, 1, 0, 0]);
        assert_eq!((s.count, s.last_year), (3, 4));
        assert_eq!(s.direction, Direction::None, "3 against 4 is no change");
        assert_eq!(v.rows.len(), 2);
        assert_eq!(v.total.months, [5, 6, 9, 14]);
        assert_eq!((v.total.count, v.total.last_year), (34, 9));
        assert_eq!(v.max_cell, 14);

        // The analyst (police) sees partner-shared incidents, not the own one.
        let va = trygg.period_view(&analyst, None, t2).await.unwrap();
        let ka = va.rows.iter().find(|r| r.code == "klotter").unwrap();
        assert_eq!(ka.months, [3, 5, 8, 14]);

        // The year: T2 plus the April and September klotter; a running year is compared
        // up to today (21 September) with the same days of 2025.
        let y = trygg
            .period_view(&coordinator, None, Period::parse("2026").unwrap())
            .await
            .unwrap();
        assert!(!y.complete);
        assert_eq!(y.months.len(), 12);
        let ky = y.rows.iter().find(|r| r.code == "klotter").unwrap();
        assert_eq!(ky.months.iter().sum::<u32>(), 33);
        assert_eq!(ky.months[3], 1, "April");
        assert_eq!(ky.months[8], 1, "September");
        assert_eq!(ky.count, 33);
        assert_eq!(y.compared_until.to_string(), "2026-09-22");

        // An area without incidents has empty rows but a total.
        let other = trygg
            .db
            .current_areas(None)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name != "Vasastaden-Hunneberg" && a.name != "Linköping")
            .unwrap();
        let empty = trygg
            .period_view(&coordinator, Some(other.id), t2)
            .await
            .unwrap();
        assert!(empty.rows.is_empty());
        assert_eq!(empty.total.count, 0);

        // Only roles that read the draft lägesbild.
        for role in [Role::Rapportor, Role::Lasare] {
            let c = caller(&trygg, &logins, role).await;
            assert!(matches!(
                trygg.period_view(&c, None, t2).await,
                Err(Error::Forbidden)
            ));
        }
    }
);

#[test]
fn periods_parse() {
    assert_eq!(
        Period::parse("2026-T2").unwrap(),
        Period::Tertial {
            year: 2026,
            tertial: 2
        }
    );
    assert_eq!(Period::parse(" 2025 ").unwrap(), Period::Year(2025));
    for bad in ["2026-T4", "2026-T0", "26", "2026-Q2", "", "tertial"] {
        assert_eq!(
            Period::parse(bad).unwrap_err().code,
            "period_syntax",
            "{bad}"
        );
    }
    let months = Period::parse("2026-T3").unwrap().months();
    assert_eq!(
        months.iter().map(|m| m.month).collect::<Vec<_>>(),
        [9, 10, 11, 12]
    );
    let q = NearRepeatQuery::parse("inbrott", "2025-12-01", "2025-01-01", None).unwrap_err();
    assert_eq!(q[0].code, "periodic_range_reversed");
    let q = NearRepeatQuery::parse("", "2025-13-01", "", None).unwrap_err();
    let codes: Vec<_> = q.iter().map(|e| (e.field, e.code)).collect();
    assert_eq!(
        codes,
        [
            ("category", "required"),
            ("from", "periodic_date"),
            ("to", "required")
        ]
    );
}

/// Ten pairs of burglaries: each pair about 23 m and two days apart; the pairs are
/// 0.01° of latitude (≈ 1.1 km) and 30 days apart from each other.
fn burglaries() -> (String, u64) {
    let mut csv = String::from(HEADER);
    let start = jiff::civil::date(2025, 1, 5);
    for k in 0..10i32 {
        let day = start
            .checked_add(jiff::Span::new().days(30 * i64::from(k)))
            .unwrap();
        let lat = LAT + 0.01 * f64::from(k);
        csv += &row(
            &format!("{day} 03:00"),
            "inbrott",
            lat,
            LON,
            &format!("b{k}a"),
        );
        let later = day.checked_add(jiff::Span::new().days(2)).unwrap();
        csv += &row(
            &format!("{later} 03:00"),
            "inbrott",
            lat,
            LON + 0.0004,
            &format!("b{k}b"),
        );
    }
    (csv, 20)
}

on_both_backends!(
    the_near_repeat_table_counts_pairs_by_hand,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let (csv, n) = burglaries();
        import(&trygg, &logins, &csv, n).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let q = NearRepeatQuery::parse("inbrott", "2025-01-01", "2025-12-31", None).unwrap();
        let r = trygg.near_repeat(&analyst, &q).await.unwrap();
        assert_eq!(r.events, 20);
        assert_eq!(r.without_position, 0);
        let t = r.table.as_ref().unwrap();
        assert_eq!(t.pairs, 190);
        // By hand: the ten within-pair pairs are in [1, 100) m × [0, 7) days; every other
        // pair is more than 400 m and at least 28 days apart.
        for (d, db) in t.distance_bands.iter().enumerate() {
            for (k, _) in t.time_bands.iter().enumerate() {
                let want = match (d, k) {
                    (1, 0) => 10,
                    (5, 4) => 180,
                    _ => 0,
                };
                assert_eq!(t.cell(d, k).unwrap().observed, want, "cell {d},{k} {db:?}");
            }
        }
        // The near repeats are far beyond chance: the strongest cell, with the smallest
        // p a 999-permutation test can give.
        assert_eq!(r.strongest, Some((1, 0)));
        let c = t.cell(1, 0).unwrap();
        assert!(c.ratio.unwrap() > 5.0, "{c:?}");
        assert!((c.p.unwrap() - 0.001).abs() < 1e-12, "{c:?}");
        assert_eq!(t.options.permutations, 999);
        // Seeded: the same question gives the same table.
        let again = trygg.near_repeat(&analyst, &q).await.unwrap();
        assert_eq!(again.table, r.table);

        // A range without the second half of the year keeps the first six pairs.
        let q = NearRepeatQuery::parse("inbrott", "2025-01-01", "2025-06-30", None).unwrap();
        let r = trygg.near_repeat(&analyst, &q).await.unwrap();
        assert_eq!(r.events, 12);
        assert_eq!(r.table.unwrap().cell(1, 0).unwrap().observed, 6);

        // An unknown category is a field error, not an empty table.
        let q = NearRepeatQuery::parse("finns-inte", "2025-01-01", "2025-12-31", None).unwrap();
        assert!(matches!(
            trygg.near_repeat(&analyst, &q).await,
            Err(Error::Invalid(e)) if e.field == "category"
        ));
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let q = NearRepeatQuery::parse("inbrott", "2025-01-01", "2025-12-31", None).unwrap();
        assert!(matches!(
            trygg.near_repeat(&reporter, &q).await,
            Err(Error::Forbidden)
        ));
    }
);

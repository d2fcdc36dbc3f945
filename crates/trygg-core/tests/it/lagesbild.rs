//! The weekly lägesbild on both databases, against a small hand-made dataset: counts,
//! the three baselines, a flagged rise with its test, the aoristic heatmap, hot spots,
//! the sharing rules, rejected and merged incidents, and a rollup that stays equal to
//! one rebuilt from the incidents after filing, import and review.

use trygg_analytics::trend::Change;
use trygg_analytics::week::IsoWeek;
use trygg_core::incidents::{IncidentInput, ReviewInput, WhereInput};
use trygg_core::lagesbild::WeeklyPicture;
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::geo::Wgs84;
use trygg_domain::id::AreaId;
use trygg_domain::incident::IncidentId;
use trygg_domain::time::Instant;
use trygg_store::incident::{IncidentFilter, Visibility};
use trygg_store::lagesbild::LagesbildStore;
use trygg_store::{Store, on_both_backends};

/// Monday 21 September 2026, 14:13 UTC: the last whole week is 2026-W38 (14–20 Sept).
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

fn row(at: &str, category: &str, severity: u8, insecure: bool, id: &str) -> String {
    format!(
        "{at},{category},{LAT},{LON},Hand-made {id},{severity},{},{id}\n",
        if insecure { "ja" } else { "nej" }
    )
}

/// The hand-made history, all at Resecentrum, imported for the home organisation:
/// klotter 12 in W38 (one of severity 3, one known only by a window), 2 in W37, 1 in
/// W36, 2 in W35, 1 in W34, 3 in 2025-W38; skadegörelse 1 in W38 and 1 in W37.
fn history() -> String {
    let mut csv = String::from(
        "occurred_at,category,lat,lon,description,severity,creates_insecurity,external_id\n",
    );
    for d in 0..11 {
        let day = 14 + d % 7;
        csv += &row(
            &format!("2026-09-{day:02} {:02}:15", 8 + d),
            "klotter",
            1,
            d % 2 == 0,
            &format!("w38-{d}"),
        );
    }
    csv += &row("2026-09-19 23:00", "klotter", 3, true, "w38-severe");
    for (i, at) in ["2026-09-08 12:00", "2026-09-10 12:00"].iter().enumerate() {
        csv += &row(at, "klotter", 1, false, &format!("w37-{i}"));
    }
    csv += &row("2026-09-02 12:00", "klotter", 1, false, "w36-0");
    csv += &row("2026-08-25 12:00", "klotter", 1, false, "w35-0");
    csv += &row("2026-08-27 12:00", "klotter", 1, false, "w35-1");
    csv += &row("2026-08-18 12:00", "klotter", 1, false, "w34-0");
    for (i, at) in ["2025-09-15 12:00", "2025-09-16 12:00", "2025-09-17 12:00"]
        .iter()
        .enumerate()
    {
        csv += &row(at, "klotter", 1, false, &format!("y-{i}"));
    }
    csv += &row("2026-09-15 18:00", "skadegörelse", 2, false, "s38");
    csv += &row("2026-09-09 18:00", "skadegörelse", 2, false, "s37");
    csv
}

fn filed(description: &str, at: &str, to: Option<&str>, sharing: &str) -> IncidentInput {
    IncidentInput {
        category: "klotter".into(),
        description: description.into(),
        occurred_at: at.into(),
        occurred_to: to.map(Into::into),
        place: WhereInput {
            point: Some(Wgs84::new(LAT, LON).unwrap()),
            ..Default::default()
        },
        creates_insecurity: true,
        sharing: Some(sharing.into()),
        ..Default::default()
    }
}

async fn area_named(trygg: &Trygg, name: &str) -> AreaId {
    trygg
        .db
        .current_areas(None)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
        .id
}

async fn load(trygg: &Trygg, logins: &[trygg_core::demo::DemoLogin]) {
    let coordinator = caller(trygg, logins, Role::Samordnare).await;
    let home = trygg.db.home_organisation().await.unwrap().unwrap();
    let summary = trygg
        .import_incidents_csv(
            &coordinator,
            &RequestMeta::cli(),
            history().as_bytes(),
            false,
            home.id,
            &|_, _| {},
        )
        .await
        .map_err(|_| "import refused")
        .unwrap();
    assert_eq!(summary.imported, 23);
}

async fn incident_id(trygg: &Trygg, text: &str) -> IncidentId {
    let all = Visibility {
        all: true,
        ..Default::default()
    };
    let (rows, _) = trygg_store::IncidentStore::incidents(
        &trygg.db,
        &IncidentFilter {
            text: Some(text.into()),
            limit: 10,
            ..Default::default()
        },
        all,
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "{text}");
    rows[0].id
}

fn klotter(p: &WeeklyPicture) -> &trygg_core::lagesbild::TrendRow {
    p.trend.rows.iter().find(|r| r.code == "klotter").unwrap()
}

/// The rollup equals one rebuilt from scratch, for every visibility.
async fn assert_rollup_consistent(trygg: &Trygg, area: AreaId) {
    let all = Visibility {
        all: true,
        ..Default::default()
    };
    let before = trygg.db.week_counts(area, 0, 999_999, all).await.unwrap();
    assert!(!before.is_empty());
    let snapshot = || async {
        let mut cells = Vec::new();
        let mut hours = Vec::new();
        for w in before
            .iter()
            .map(|r| r.week)
            .collect::<std::collections::BTreeSet<_>>()
        {
            cells.push(trygg.db.week_cells(area, w, all).await.unwrap());
            hours.push(trygg.db.week_hours(area, w, all).await.unwrap());
        }
        let months = trygg
            .db
            .month_counts(Some(area), 0, 999_999, all)
            .await
            .unwrap();
        let everywhere = trygg.db.month_counts(None, 0, 999_999, all).await.unwrap();
        (cells, hours, months, everywhere)
    };
    let kept = snapshot().await;
    assert!(kept.0.iter().any(|c| !c.is_empty()), "cells kept");
    assert!(!kept.3.is_empty(), "months kept");
    trygg.rebuild_lagesbild_rollup().await.unwrap();
    let after = trygg.db.week_counts(area, 0, 999_999, all).await.unwrap();
    assert_eq!(before, after, "rollup kept on write = rollup rebuilt");
    assert_eq!(
        kept,
        snapshot().await,
        "cells, hours and months kept = rebuilt"
    );
    // `trygg lagesbild rebuild --from`: a partial rebuild changes nothing either.
    let progressed = std::sync::atomic::AtomicU64::new(0);
    let from = "2026-09-10".parse().unwrap();
    trygg
        .rebuild_lagesbild_rollups(Some(from), &|done, total| {
            assert!(done <= total);
            progressed.store(done, std::sync::atomic::Ordering::Relaxed);
        })
        .await
        .unwrap();
    assert!(progressed.into_inner() > 0, "progress reported");
    assert_eq!(
        before,
        trygg.db.week_counts(area, 0, 999_999, all).await.unwrap()
    );
    assert_eq!(kept, snapshot().await, "partial rebuild = kept");
}

on_both_backends!(
    the_weekly_picture_counts_compares_and_flags,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        load(&trygg, &logins).await;
        let area = area_named(&trygg, "Vasastaden-Hunneberg").await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;

        // Filed in the browser: one kept to the reporter's own organisation, and a
        // duplicate pair shared with the partners (one window of 4 hours).
        for (text, to, sharing) in [
            ("Eget klotter", None, "own"),
            ("Dubblett ett", Some("2026-09-17 14:00"), "partners"),
            ("Dubblett två", None, "partners"),
        ] {
            trygg
                .file_report(
                    &reporter,
                    &meta,
                    vec![filed(text, "2026-09-17 10:00", to, sharing)],
                    None,
                )
                .await
                .map_err(|_| "refused")
                .unwrap();
        }
        assert_rollup_consistent(&trygg, area).await;
        // Review: a merged duplicate counts once, a rejected incident never.
        let one = incident_id(&trygg, "Dubblett ett").await;
        let two = incident_id(&trygg, "Dubblett två").await;
        trygg
            .review(&coordinator, &meta, two, ReviewInput::Merge { into: one })
            .await
            .unwrap();
        let bad = incident_id(&trygg, "Hand-made w38-9").await;
        trygg
            .review(
                &coordinator,
                &meta,
                bad,
                ReviewInput::Reject {
                    reason: "Fel plats".into(),
                },
            )
            .await
            .unwrap();
        trygg
            .review(&coordinator, &meta, one, ReviewInput::Accept { note: None })
            .await
            .unwrap();
        assert_rollup_consistent(&trygg, area).await;

        let week = trygg.default_lagesbild_week().unwrap();
        assert_eq!(week, IsoWeek::new(2026, 38).unwrap());
        let p = trygg
            .weekly_picture(&coordinator, area, week)
            .await
            .unwrap();
        // Klotter W38: 12 imported − 1 rejected + 1 own + 1 merged pair = 13;
        // skadegörelse 1.
        assert_eq!(klotter(&p).figures.count, 13);
        assert_eq!(p.headline.count, 14);
        assert_eq!(
            p.headline.last_week,
            Some(3),
            "W37: 2 klotter + 1 skadegörelse"
        );
        assert_eq!(p.headline.same_week_last_year, Some(3));
        let k = klotter(&p);
        assert_eq!(k.figures.last_week.as_ref().unwrap().baseline_count, 2);
        assert_eq!(k.figures.four_weeks.as_ref().unwrap().baseline_mean, 1.5);
        assert_eq!(
            k.figures
                .same_week_last_year
                .as_ref()
                .unwrap()
                .baseline_count,
            3
        );
        // The rise against the four weeks before is flagged, by the named exact test,
        // after the Benjamini–Hochberg correction.
        let four = k.figures.four_weeks.as_ref().unwrap();
        assert_eq!(four.change, Change::Increase);
        assert!(four.q_value <= 0.05 && four.q_value >= four.p_value);
        assert!(k.flagged);
        assert_eq!(p.trend.test.code(), "poisson_conditional_binomial");
        assert!(p.trend.fdr);
        let s = p
            .trend
            .rows
            .iter()
            .find(|r| r.code == "skadegorelse" || r.name_sv == "Skadegörelse")
            .unwrap();
        assert!(!s.flagged, "one against one is no change");
        assert_eq!(k.figures.sparkline.len(), 12);
        assert_eq!(k.figures.sparkline.last(), Some(&Some(13)));
        assert!(k.sparkline.values_text.ends_with("13"));
        // Insecurity: 6 imported (even d; the rejected w38-9 was not) + the severe one +
        // the own one + the merged pair.
        assert_eq!(p.headline.creating_insecurity, 6 + 1 + 1 + 1);
        // Aoristic heatmap: every incident of the week in it once.
        assert!((p.heatmap.total - 14.0).abs() < 0.01, "{}", p.heatmap.total);
        let sum: f64 = p.heatmap.cells.iter().flatten().sum();
        assert!((sum - 14.0).abs() < 0.05);
        assert_eq!(p.heatmap.cells.len(), 7);
        assert!(p.heatmap.cells.iter().all(|r| r.len() == 24));
        // Thursday 10:00–14:00 is the merged pair's window, a quarter in each hour; 10 h
        // also holds "Eget klotter" (10:00) and 11 h the imported w38-3 (11:15).
        assert!(
            (p.heatmap.cells[3][10] - 1.25).abs() < 0.01,
            "{:?}",
            p.heatmap.cells[3]
        );
        assert!((p.heatmap.cells[3][11] - 1.25).abs() < 0.01);
        assert!((p.heatmap.cells[3][13] - 0.25).abs() < 0.01);
        // Hot spots: the cell holding Resecentrum is a hot spot; map and table are
        // the same list, every one significant, with its corners.
        let grid_p = Wgs84::new(LAT, LON).unwrap().to_sweref99tm().unwrap();
        let hot = p
            .hot_spots
            .cells
            .iter()
            .find(|c| {
                grid_p.e() >= c.e_min
                    && grid_p.e() < c.e_min + p.hot_spots.cell_size_m
                    && grid_p.n() >= c.n_min
                    && grid_p.n() < c.n_min + p.hot_spots.cell_size_m
            })
            .expect("the Resecentrum cell is listed");
        // (Its eight neighbours share its count, so after the FDR correction over the
        // area's cells it is at least a 95 % hot spot.)
        assert!(hot.bin >= 2 && hot.z > 2.0, "bin {} z {}", hot.bin, hot.z);
        assert_eq!(hot.count, 14);
        assert!(
            p.hot_spots
                .cells
                .iter()
                .all(|c| c.bin != 0 && c.corners.len() == 4)
        );
        assert_eq!(p.hot_spots.cell_size_m, 200.0);
        // Notable: the severe one first, then flagged klotter.
        assert_eq!(p.notable[0].severity, 3);
        assert_eq!(p.notable[0].reason, "severity");
        assert!(p.notable.iter().any(|n| n.reason == "flagged_category"));
        assert!(p.open_measures.is_empty());
        assert_eq!(p.scope.sharing, "all");

        // A measure on the area is listed among the open measures of the live picture.
        let open = trygg
            .create_measure(
                &coordinator,
                &meta,
                trygg_core::measures::MeasureInput {
                    title: "Bättre belysning i gångtunneln".into(),
                    description: "Tunneln är mörk på kvällarna.".into(),
                    kind: "lighting".into(),
                    due_date: "2026-12-31".into(),
                    areas: vec![area],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let listed = trygg
            .weekly_picture(&coordinator, area, week)
            .await
            .unwrap()
            .open_measures;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].id, open.0);
        assert_eq!(listed[0].title, "Bättre belysning i gångtunneln");
        assert_eq!(listed[0].status, "proposed");
        assert_eq!(listed[0].due.as_deref(), Some("2026-12-31"));

        // The analyst (police) sees partners-shared and own-organisation incidents: not
        // the reporter organisation's `own` one.
        let pa = trygg.weekly_picture(&analyst, area, week).await.unwrap();
        assert_eq!(klotter(&pa).figures.count, 12);
        assert_eq!(pa.headline.count, 13);
        assert_eq!(pa.scope.sharing, "own_and_shared");
        assert!((pa.heatmap.total - 13.0).abs() < 0.01);

        // Reporters and readers may not see a draft picture.
        assert!(matches!(
            trygg.weekly_picture(&reporter, area, week).await,
            Err(Error::Forbidden)
        ));
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        assert!(matches!(
            trygg.weekly_picture(&reader, area, week).await,
            Err(Error::Forbidden)
        ));

        // A snapshot survives JSON unchanged.
        let json = serde_json::to_string(&p).unwrap();
        let back: WeeklyPicture = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
);

on_both_backends!(
    the_rollup_is_rebuilt_after_migration_and_kept_on_reimport,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        load(&trygg, &logins).await;
        let area = area_named(&trygg, "Vasastaden-Hunneberg").await;
        let all = Visibility {
            all: true,
            ..Default::default()
        };
        let kept = trygg
            .db
            .week_counts(area, 202_638, 202_638, all)
            .await
            .unwrap();
        assert_eq!(kept.iter().map(|c| c.n).sum::<i64>(), 13);
        // Re-importing the same file skips every row and changes no count.
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let home = trygg.db.home_organisation().await.unwrap().unwrap();
        let again = trygg
            .import_incidents_csv(
                &coordinator,
                &RequestMeta::cli(),
                history().as_bytes(),
                false,
                home.id,
                &|_, _| {},
            )
            .await
            .map_err(|_| "refused")
            .unwrap();
        assert_eq!(again.imported, 0);
        assert_eq!(
            trygg
                .db
                .week_counts(area, 202_638, 202_638, all)
                .await
                .unwrap(),
            kept
        );
        // The municipality counts the same incidents as the district inside it.
        let kommun = trygg
            .default_lagesbild_area(&coordinator)
            .await
            .unwrap()
            .unwrap();
        let k = trygg
            .db
            .week_counts(kommun, 202_638, 202_638, all)
            .await
            .unwrap();
        assert_eq!(k.iter().map(|c| c.n).sum::<i64>(), 13);
        assert_rollup_consistent(&trygg, area).await;
        assert_rollup_consistent(&trygg, kommun).await;
    }
);

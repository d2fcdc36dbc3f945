//! The periodic analysis pages on both databases: the årshjul with a flagged rise said
//! in words and arrows, and the near-repeat table with its sentence, on small hand-made
//! datasets; Swedish field errors for bad queries. (The refusal of roles without the
//! draft lägesbild is checked for every route by `access.rs`.)

use axum::http::StatusCode;
use trygg_core::{Caller, RequestMeta};
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::harness::TestApp;

/// Resecentrum.
const LAT: f64 = 58.41611;
const LON: f64 = 15.62583;

/// The clock stands at 15 January 2027, so 2026-T3 (September–December) has ended.
/// Klotter: 4 in September and 6 in October 2026, 1 in September 2025. Burglaries: five
/// pairs, each about 23 m and two days apart, the pairs 1.1 km and 30 days apart.
fn data() -> (String, u64) {
    let mut csv = String::from(
        "occurred_at,category,lat,lon,description,severity,creates_insecurity,external_id\n",
    );
    let mut n = 0;
    let mut add = |at: String, category: &str, lat: f64, lon: f64| {
        csv.push_str(&format!(
            "{at},{category},{lat},{lon},Hand-made {n},1,nej,p{n}\n"
        ));
        n += 1;
    };
    for d in 0..4 {
        add(format!("2026-09-{:02} 12:00", 1 + d), "klotter", LAT, LON);
    }
    for d in 0..6 {
        add(format!("2026-10-{:02} 12:00", 1 + d), "klotter", LAT, LON);
    }
    add("2025-09-10 12:00".into(), "klotter", LAT, LON);
    let start = jiff::civil::date(2026, 2, 1);
    for k in 0..5i64 {
        let day = start.checked_add(jiff::Span::new().days(30 * k)).unwrap();
        let later = day.checked_add(jiff::Span::new().days(2)).unwrap();
        let lat = LAT + 0.01 * k as f64;
        add(format!("{day} 03:00"), "inbrott", lat, LON);
        add(format!("{later} 03:00"), "inbrott", lat, LON + 0.0004);
    }
    (csv, n)
}

async fn app(db: trygg_store::Db) -> TestApp {
    let app = TestApp::new(db).await;
    app.trygg.ensure_default_categories().await.unwrap();
    let home = app.trygg.db.home_organisation().await.unwrap().unwrap();
    let (csv, n) = data();
    let summary = app
        .trygg
        .import_incidents_csv(
            &Caller::System,
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
    app
}

/// The text of the page with tags removed and whitespace collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

on_both_backends!(
    the_arshjul_page_shows_months_and_flags_rises,
    |db, _t| async move {
        let app = app(db).await;
        let b = app.login(Role::Analytiker).await;
        let r = app
            .get("/lagesbild/period?area=&period=2026-T3", Some(&b))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let t = text(&r.body);
        assert!(t.contains("Tertial 3 2026 (september–december)"), "{t}");
        // Months as columns, the values in the cells: klotter 4, 6, 0, 0; 10 against 1.
        assert!(t.contains("september 2026 oktober 2026 november 2026 december 2026"));
        assert!(t.contains("Klotter 4 6 0 0 10 1 ↑ Ökning"), "{t}");
        assert!(
            r.body.contains("heat-4"),
            "the largest cell has the darkest shade"
        );
        // The rise is flagged in words under "going the wrong way", with the test named.
        assert!(t.contains("Utvecklingar åt fel håll ↑ Klotter: 10 händelser mot 1 året innan"));
        assert!(t.contains("exakt villkorligt test för två Poisson-antal"));
        assert!(t.contains("Benjamini–Hochberg"));
        // The year view of 2026 has twelve months and the burglaries too.
        let r = app.get("/lagesbild/period?period=2026", Some(&b)).await;
        assert_eq!(r.status, StatusCode::OK);
        let t = text(&r.body);
        assert!(t.contains("Helåret 2026"), "{t}");
        assert!(t.contains("januari 2026") && t.contains("december 2026"));
        assert!(t.contains("Inbrott 0 2 2 2 2 2 0 0 0 0 0 0 10 0"), "{t}");
        // Default: the current tertial (January 2027: T1).
        let r = app.get("/lagesbild/period", Some(&b)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(text(&r.body).contains("Tertial 1 2027"));
        // A bad period is a Swedish field error.
        let r = app.get("/lagesbild/period?period=2026-T9", Some(&b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("Ange perioden som år (2026) eller tertial (2026-T2).")
        );
        assert!(r.body.contains("aria-invalid=\"true\""));
        let r = app.get("/lagesbild/period?area=999999", Some(&b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Området finns inte."));
        // English.
        let r = app
            .get("/lagesbild/period?period=2026-T3&lang=en", Some(&b))
            .await;
        let t = text(&r.body);
        assert!(t.contains("4 6 0 0 10 1 ↑ Increase"), "{t}");
        assert!(t.contains("Developments going the wrong way"));
    }
);

on_both_backends!(
    the_near_repeat_page_says_the_strongest_cell,
    |db, _t| async move {
        let app = app(db).await;
        let b = app.login(Role::Samordnare).await;
        // Without a query: the form, defaulting to the last twelve months.
        let r = app.get("/lagesbild/near-repeat", Some(&b)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("value=\"2026-01-15\"") && r.body.contains("value=\"2027-01-15\""));
        assert!(!r.body.contains("near-repeat-table"));

        let r = app
            .get(
                "/lagesbild/near-repeat?category=inbrott&from=2026-01-01&to=2026-12-31&area=",
                Some(&b),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let t = text(&r.body);
        assert!(t.contains("10 händelser med position testades"), "{t}");
        // The five near pairs are in 1–100 m and 0–6 days; the sentence names them, the
        // ratio, the test and the permutations.
        assert!(
        t.contains("Efter en händelse i kategorin inbrott är risken för en ny 1–100 meter bort inom 0–6 dagar"),
        "{t}"
    );
        assert!(t.contains("Knox-test, 999 permutationer"));
        assert!(t.contains("frö 20261125"));
        assert!(r.body.contains("knox-strongest"));
        // The table: six distance bands down, five time bands across, the open-ended last.
        assert!(t.contains("Samma plats (under 1 m)"));
        assert!(t.contains("400 m eller mer") && t.contains("28 dagar eller mer"));
        assert!(t.contains("1–100 m"));
        assert_eq!(r.body.matches("<th scope=\"row\">").count(), 6);
        assert!(t.contains("observerat 5,"), "{t}");

        // A reversed range is a Swedish field error; nothing is computed.
        let r = app
            .get(
                "/lagesbild/near-repeat?category=inbrott&from=2026-12-31&to=2026-01-01",
                Some(&b),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Slutdatumet ligger före startdatumet."));
        assert!(!r.body.contains("near-repeat-table"));
        let r = app
            .get(
                "/lagesbild/near-repeat?category=&from=x&to=2026-01-01",
                Some(&b),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Ange datumet som ÅÅÅÅ-MM-DD."));
    }
);

/// The `<nav>` of the site header.
fn site_nav(html: &str) -> &str {
    let start = html.find("class=\"site-nav\"").unwrap();
    let end = start + html[start..].find("</nav>").unwrap();
    &html[start..end]
}

on_both_backends!(
    the_main_navigation_leads_to_the_periodic_analysis,
    |db, _t| async move {
        let app = app(db).await;
        let b = app.login(Role::Analytiker).await;
        let link = "<a href=\"/lagesbild/period\" aria-current=\"page\">Periodanalys</a>";
        // The entry is the current page on both periodic pages, and the only one.
        for path in ["/lagesbild/period", "/lagesbild/near-repeat"] {
            let r = app.get(path, Some(&b)).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            let nav = site_nav(&r.body);
            assert!(nav.contains(link), "{path}: {nav}");
            assert_eq!(nav.matches("aria-current").count(), 1, "{path}: {nav}");
        }
        // From the weekly picture it is a plain link; the weekly entry is current.
        let r = app.get("/lagesbild", Some(&b)).await;
        let nav = site_nav(&r.body);
        assert!(
            nav.contains("<a href=\"/lagesbild/period\">Periodanalys</a>"),
            "{nav}"
        );
        assert!(
            nav.contains("<a href=\"/lagesbild\" aria-current=\"page\">"),
            "{nav}"
        );
        assert_eq!(nav.matches("aria-current").count(), 1, "{nav}");
        let r = app.get("/lagesbild/period?lang=en", Some(&b)).await;
        assert!(site_nav(&r.body).contains(">Periodic analysis</a>"));
        // Roles without the draft lägesbild do not see it.
        let b = app.login(Role::Rapportor).await;
        let r = app.get("/", Some(&b)).await;
        assert!(!r.body.contains("/lagesbild/period"));
    }
);

//! The weekly lägesbild page and its API on both databases, on a small hand-made week:
//! Swedish headings, the table, heatmap and hot-spot table, the area and week pickers
//! with Swedish field errors, previous/next links, English, and the JSON. (The refusal of
//! rapportör and läsare is checked for every route by `access.rs`.)

use axum::http::StatusCode;
use trygg_core::{Caller, RequestMeta};
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::harness::TestApp;

/// Resecentrum.
const LAT: f64 = 58.41611;
const LON: f64 = 15.62583;

/// The harness clock stands at 15 January 2027: the default week is 2027-W01 (4–10
/// January). Klotter: 6 in W01 (one of severity 3), 1 in 2026-W53; skadegörelse 1 in W01.
fn data() -> String {
    let mut csv = String::from(
        "occurred_at,category,lat,lon,description,severity,creates_insecurity,external_id\n",
    );
    for d in 0..6 {
        let severity = if d == 0 { 3 } else { 1 };
        csv.push_str(&format!(
            "2027-01-{:02} {:02}:30,klotter,{LAT},{LON},Klotter nummer {d},{severity},ja,k{d}\n",
            4 + d,
            10 + d
        ));
    }
    csv.push_str(&format!(
        "2026-12-30 12:00,klotter,{LAT},{LON},Gammalt klotter,1,nej,k-old\n"
    ));
    csv.push_str(&format!(
        "2027-01-05 20:00,skadegörelse,{LAT},{LON},Trasig bänk,2,nej,s1\n"
    ));
    csv
}

async fn app(db: trygg_store::Db) -> TestApp {
    let app = TestApp::new(db).await;
    app.trygg.ensure_default_categories().await.unwrap();
    let home = app.trygg.db.home_organisation().await.unwrap().unwrap();
    let summary = app
        .trygg
        .import_incidents_csv(
            &Caller::System,
            &RequestMeta::cli(),
            data().as_bytes(),
            false,
            home.id,
            &|_, _| {},
        )
        .await
        .map_err(|_| "import refused")
        .unwrap();
    assert_eq!(summary.imported, 8);
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
    the_weekly_picture_page_shows_the_week,
    |db, _t| async move {
        let app = app(db).await;
        let b = app.login(Role::Samordnare).await;
        let r = app.get("/lagesbild", Some(&b)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let t = text(&r.body);
        assert!(t.contains("Veckans lägesbild"), "{t}");
        assert!(t.contains("Linköpings kommun, vecka 1 2027"), "{t}");
        assert!(t.contains("2027-01-04 – 2027-01-10 (168 timmar)"), "{t}");
        for heading in [
            "Veckan i siffror",
            "Per kategori",
            "Hot spots (Getis-Ord Gi*)",
            "Veckans timmar",
            "Veckans viktiga händelser",
            "Polisens händelser (sammanhang)",
            "Pågående åtgärder i området",
        ] {
            assert!(t.contains(heading), "{heading} missing: {t}");
        }
        // Headline: 7 incidents; the table row of klotter with last week 1.
        assert!(t.contains("Händelser 7"), "{t}");
        assert!(t.contains("Klotter 6 1"), "{t}");
        assert!(t.contains("exakt villkorligt test"));
        // Sparklines have a text alternative with every value.
        assert!(
            r.body
                .contains("role=\"img\" aria-label=\"Klotter, veckorna 2026-W43 – 2027-W01:")
        );
        // The heatmap is a table with values; the severe incident is notable; the nav links.
        assert!(r.body.contains("id=\"lagesbild-heat-table\""));
        assert!(
            t.contains("Klotter nummer 0"),
            "the severity-3 incident is listed"
        );
        assert!(r.body.contains("href=\"/lagesbild\""), "navigation link");
        assert!(r.body.contains("data-hot-map"));
        // Week picker and previous/next links keep the area.
        let kommun = app
            .trygg
            .db
            .current_areas(Some(trygg_domain::area::AreaKind::Kommun))
            .await
            .unwrap()[0]
            .id;
        let links = r.body.replace("&#38;", "&").replace("&amp;", "&");
        assert!(links.contains(&format!("/lagesbild?area={}&week=2026-W53", kommun.0)));
        assert!(links.contains(&format!("/lagesbild?area={}&week=2027-W02", kommun.0)));
        // Another area and week by the GET form.
        let regso = app
            .trygg
            .db
            .current_areas(None)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Vasastaden-Hunneberg")
            .unwrap()
            .id;
        let r = app
            .get(
                &format!("/lagesbild?area={}&week=2026-W53", regso.0),
                Some(&b),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let t = text(&r.body);
        assert!(t.contains("Vasastaden-Hunneberg, vecka 53 2026"), "{t}");
        assert!(t.contains("Händelser 1"), "{t}");
        // Bad input: Swedish field errors, 422.
        let r = app.get("/lagesbild?week=2027-52", Some(&b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("Skriv veckan som ÅÅÅÅ-Vnn, till exempel 2026-W47.")
        );
        assert!(r.body.contains("aria-invalid=\"true\""));
        let r = app.get("/lagesbild?area=999999", Some(&b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Välj ett område i listan."));
        // English.
        let r = app.get("/lagesbild?lang=en", Some(&b)).await;
        assert_eq!(r.status, StatusCode::OK);
        let t = text(&r.body);
        assert!(
            t.contains("Weekly situation picture") && t.contains("By category"),
            "{t}"
        );

        // The API gives the same picture as JSON.
        let r = app.get("/api/v1/lagesbild?week=2027-W01", Some(&b)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["headline"]["count"], 7);
        assert_eq!(v["week"]["year"], 2027);
        assert_eq!(v["trend"]["test"], "poisson_conditional_binomial");
        assert!(v["open_measures"].as_array().unwrap().is_empty());
        let r = app.get("/api/v1/lagesbild?week=nonsense", Some(&b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("lagesbild_invalid_week"));
    }
);

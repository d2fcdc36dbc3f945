//! Exports of the incident list's selection from the web and the API, on both
//! databases: they follow the filter, never contain another organisation's `own`
//! incident, mask personal data as stored, neutralise formula cells, stream the whole
//! selection across pages, name the file, and write one audit entry each.

use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::api_tokens::{incident, session_call};
use crate::harness::{Reply, TestApp};

async fn app(db: trygg_store::Db) -> TestApp {
    let app = TestApp::new(db).await;
    app.trygg.ensure_default_categories().await.unwrap();
    app
}

fn hv(r: &Reply, name: header::HeaderName) -> &str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn exports_audited(app: &TestApp) -> Vec<Value> {
    app.trygg
        .db
        .audit_entries(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.draft.action == "incidents_exported")
        .map(|e| serde_json::from_str(&e.draft.detail).unwrap())
        .collect()
}

on_both_backends!(
    exports_follow_the_filter_and_never_hold_another_organisations_own_incident,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await; // AB Stångåstaden
        let (status, filed) = session_call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reporter,
            Some(json!({ "incidents": [
                incident("klotter", "Hemligt klotter i trapphus 4", "own"),
                incident("klotter", "=1+2 klottrat, ring 19121212-1212", "partners"),
                incident("brand", "Eld i soprummet", "partners"),
            ]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{filed}");

        // The police's analyst, from the list page with the category filter.
        let analyst = app.login(Role::Analytiker).await;
        let list = app
            .get("/incidenter?kategori=klotter", Some(&analyst))
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.body
                .contains("href=\"/incidenter/export.csv?kategori=klotter\""),
            "the list links its selection's export"
        );
        assert!(
            list.body
                .contains("href=\"/incidenter/export.geojson?kategori=klotter\"")
        );
        let csv = app
            .get("/incidenter/export.csv?kategori=klotter", Some(&analyst))
            .await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        assert_eq!(hv(&csv, header::CONTENT_TYPE), "text/csv; charset=utf-8");
        let disposition = hv(&csv, header::CONTENT_DISPOSITION);
        assert!(
            disposition.starts_with("attachment; filename=\"incidenter-2027-01-15.csv\""),
            "{disposition}"
        );
        assert!(csv.body.starts_with('\u{feff}'), "UTF-8 with BOM for Excel");
        let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
        assert_eq!(
            lines.len(),
            2,
            "header and the one shared klotter: {lines:?}"
        );
        assert!(lines[0].contains("id;inträffade;"));
        assert!(
            lines[1].contains(";'=1+2 klottrat, ring "),
            "formula neutralised: {}",
            lines[1]
        );
        assert!(!csv.body.contains("19121212-1212"), "masked as stored");
        assert!(
            !csv.body.contains("Hemligt"),
            "another organisation's own incident"
        );
        assert!(!csv.body.contains("Eld i soprummet"), "outside the filter");

        // The API's GeoJSON of everything the analyst may see.
        let geo = app
            .get("/api/v1/incidents/export.geojson", Some(&analyst))
            .await;
        assert_eq!(geo.status, StatusCode::OK);
        assert_eq!(hv(&geo, header::CONTENT_TYPE), "application/geo+json");
        assert!(hv(&geo, header::CONTENT_DISPOSITION).contains("incidenter-2027-01-15.geojson"));
        let fc: Value = serde_json::from_str(&geo.body).unwrap();
        assert_eq!(fc["type"], "FeatureCollection");
        let descriptions: Vec<&str> = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["description"].as_str().unwrap())
            .collect();
        assert_eq!(descriptions.len(), 2, "{descriptions:?}");
        assert!(descriptions.iter().all(|d| !d.contains("Hemligt")));
        assert!(descriptions.iter().any(|d| d.contains("Eld i soprummet")));
        let point = &fc["features"][0]["geometry"]["coordinates"];
        assert!(
            (point[0].as_f64().unwrap() - 15.62583).abs() < 1e-6,
            "[lon, lat]"
        );

        // The coordinator sees the own incident too, so the check above is not vacuous.
        let coordinator = app.login(Role::Samordnare).await;
        let all = app
            .get(
                "/api/v1/incidents/export.csv?category=klotter",
                Some(&coordinator),
            )
            .await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.body.contains("Hemligt klotter i trapphus 4"));

        // One audit entry per export, with the filter and the count.
        let audited = exports_audited(&app).await;
        assert_eq!(audited.len(), 3, "{audited:?}");
        assert_eq!(audited[0]["format"], "csv");
        assert_eq!(audited[0]["incidents"], 1);
        assert_eq!(audited[0]["filter"]["category"], "klotter");
        assert_eq!(audited[1]["format"], "geojson");
        assert_eq!(audited[1]["incidents"], 2);
        assert_eq!(audited[2]["incidents"], 2);

        // A bad filter: back to the list, which says what is wrong; nothing exported.
        let bad = app
            .get("/incidenter/export.csv?fran=2027-13-45", Some(&analyst))
            .await;
        assert_eq!(bad.status, StatusCode::SEE_OTHER);
        assert_eq!(bad.location(), Some("/incidenter?fran=2027-13-45"));
        let (status, err) = session_call(
            &app,
            Method::GET,
            "/api/v1/incidents/export.csv?from=2027-13-45",
            &analyst,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(exports_audited(&app).await.len(), 3);

        // Roles without the export right: refused, and no link on their list.
        for role in [Role::Rapportor, Role::Handlaggare] {
            let b = app.login(role).await;
            let r = app.get("/incidenter/export.csv", Some(&b)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
            let list = app.get("/incidenter", Some(&b)).await;
            assert!(!list.body.contains("/incidenter/export.csv"), "{role:?}");
        }
        assert_eq!(exports_audited(&app).await.len(), 3);
    }
);

on_both_backends!(
    an_export_streams_the_whole_selection_across_pages,
    |db, _t| async move {
        let app = app(db).await;
        let stored = app.trygg.load_demo_reports().await.unwrap();
        assert!(stored > 1_000, "{stored}: more than two pages of 500");
        let coordinator = app.login(Role::Samordnare).await;
        let csv = app.get("/incidenter/export.csv", Some(&coordinator)).await;
        assert_eq!(csv.status, StatusCode::OK);
        let rows = csv.body.trim_end().split("\r\n").count() as u64 - 1;
        let ids: std::collections::BTreeSet<&str> = csv
            .body
            .trim_end()
            .split("\r\n")
            .skip(1)
            .map(|l| l.split(';').next().unwrap())
            .collect();
        let audited = exports_audited(&app).await;
        assert_eq!(
            audited[0]["incidents"].as_u64(),
            Some(rows),
            "the audited count"
        );
        assert_eq!(
            ids.len() as u64,
            rows,
            "every incident once, across page seams"
        );
        assert_eq!(rows, stored, "the whole selection");
        assert!(
            csv.body.matches('\u{feff}').count() == 1,
            "one BOM, not one per page"
        );
    }
);

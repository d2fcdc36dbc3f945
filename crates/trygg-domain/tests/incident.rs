//! Integration tests of `trygg_domain::incident` on real data: the police events feed
//! sample, the real Linköping boundaries (for the demo's places), and CSV files as
//! Swedish Excel writes them (`tests/fixtures/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use trygg_domain::geo::{AreaImportOptions, AreaIndex, Crs, parse_areas};
use trygg_domain::incident::csv_export::{CsvExport, excel_decimal, excel_time};
use trygg_domain::incident::csv_import::{
    CsvImportError, CsvImportOptions, parse_incidents, parse_incidents_skip_invalid,
};
use trygg_domain::incident::demo_data::{DEMO_PLACES, DemoSpec, generate};
use trygg_domain::incident::personal_data::{self, PiiPolicy};
use trygg_domain::incident::police_feed::{
    self, CentroidOf, districts_mentioned, linked_district, parse_feed,
};
use trygg_domain::incident::{CategoryList, OccurredAt, PoliceEventId, Severity};
use trygg_domain::organisation::OrganisationKind;
use trygg_domain::time::Instant;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn data(path: &str) -> String {
    let full = format!("{}/../../data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn now() -> Instant {
    Instant::from_timestamp("2026-11-24T12:00:00Z".parse().unwrap())
}

const FEED: &str = "api_events_response_2026-08-22T1754Z.json";

#[test]
fn the_feed_sample_reads_whole() {
    let json = String::from_utf8(fixture(FEED)).unwrap();
    let events = parse_feed(&json).unwrap();
    assert_eq!(events.len(), 500);
    // The copy in data/ (for the demo) is the same file.
    assert_eq!(
        json,
        data("polisen/api_events_response_2026-08-22T1754Z.json")
    );
    // About a third of the timestamps have an unpadded hour; all were read.
    let unpadded = serde_json::from_str::<Vec<serde_json::Value>>(&json)
        .unwrap()
        .iter()
        .filter(|e| {
            let t = e["datetime"].as_str().unwrap();
            t.split(' ')
                .nth(1)
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .len()
                == 1
        })
        .count();
    assert_eq!(unpadded, 216);
    // Every name starts with a day, month and time, and none lies after publication.
    for e in &events {
        let named = e.named_time.unwrap_or_else(|| panic!("{}", e.name));
        assert!(named <= e.published.plus_seconds(3600), "{}", e.name);
    }
}

/// The Linköping events counted a second way, on the raw JSON, without the module's
/// code: a `location.name` of exactly "Linköping", or a `name` whose last
/// comma-separated part is "Linköping".
fn independent_count(json: &str, municipality: &str) -> (usize, Vec<i64>) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut ids = Vec::new();
    for event in value.as_array().unwrap() {
        let location = event["location"]["name"].as_str().unwrap();
        let name = event["name"].as_str().unwrap();
        let suffix = name.split(',').next_back().unwrap();
        if location.trim() == municipality || suffix.trim() == municipality {
            ids.push(event["id"].as_i64().unwrap());
        }
    }
    (ids.len(), ids)
}

#[test]
fn linkoping_has_three_events_in_the_sample_counted_two_ways() {
    let json = String::from_utf8(fixture(FEED)).unwrap();
    let events = parse_feed(&json).unwrap();
    let ours: Vec<_> = police_feed::events_in(&events, "Linköping").collect();
    let (count, ids) = independent_count(&json, "Linköping");
    assert_eq!(ours.len(), count);
    assert_eq!(count, 3);
    assert_eq!(
        ours.iter().map(|e| e.id).collect::<Vec<_>>(),
        ids.into_iter().map(PoliceEventId).collect::<Vec<_>>()
    );
    // All three give only the county as location: the position is the county centroid.
    for e in &ours {
        assert_eq!(e.location_name, "Östergötlands län");
        assert_eq!(e.centroid_of, CentroidOf::County);
        assert!(e.url.starts_with("/aktuellt/handelser/"));
    }
    // Case and spaces do not matter; diacritics do.
    assert_eq!(police_feed::events_in(&events, " linköping ").count(), 3);
    assert_eq!(police_feed::events_in(&events, "Linkoping").count(), 0);
    // Other municipalities agree with the independent count too.
    for m in [
        "Norrköping",
        "Malmö",
        "Stockholm",
        "Göteborg",
        "Uppsala",
        "Kävlinge",
    ] {
        let (count, _) = independent_count(&json, m);
        assert_eq!(police_feed::events_in(&events, m).count(), count, "{m}");
    }
}

#[test]
fn summaries_link_to_a_district_only_when_they_name_exactly_one() {
    let aliases = data("linkoping/linkoping_area_aliases.csv");
    let districts: Vec<&str> = aliases
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert!(districts.contains(&"Skäggetorp"));
    let json = String::from_utf8(fixture(FEED)).unwrap();
    let events = parse_feed(&json).unwrap();
    for e in police_feed::events_in(&events, "Linköping") {
        // None of the three sample summaries names a district.
        assert_eq!(
            linked_district(&e.summary, &districts),
            None,
            "{}",
            e.summary
        );
    }
    assert_eq!(
        linked_district("Brand i källare, Skäggetorp.", &districts),
        Some("Skäggetorp")
    );
    assert_eq!(
        districts_mentioned("Bråk i Berga och Lambohov", &districts),
        ["Berga", "Lambohov"]
    );
}

#[test]
fn an_excel_file_imports_whole() {
    let list = CategoryList::defaults();
    let rows = parse_incidents(
        &fixture("incidents_excel.csv"),
        &CsvImportOptions::new(&list, now()),
    )
    .unwrap();
    let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [2, 3, 4, 5, 7, 8, 9],
        "the quoted line break spans 5–6"
    );
    let codes: Vec<&str> = rows.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(
        codes,
        [
            "klotter",
            "skadegörelse",
            "störande-grupp",
            "otrygg-plats",
            "brand",
            "nedskräpning",
            "våld-hot"
        ]
    );
    assert_eq!(rows[1].given_crs, Crs::Sweref99Tm);
    assert!(rows[1].occurred.is_window());
    assert_eq!(
        rows[2].description.as_str(),
        "Grupp om ca 20 personer, en sa \"vi kommer tillbaka\""
    );
    assert_eq!(
        rows[3].description.as_str(),
        "Mörkt och igenvuxet,\r\nbuskarna behöver röjas"
    );
    // A bare date is the whole day; a missing severity is the category's default.
    assert!(rows[3].occurred.is_window());
    assert_eq!(rows[3].severity, Severity::MEDIUM);
    assert_eq!(rows[3].external_id, None);
    assert_eq!(rows[4].occurred.local_display(), "2026-08-18 06:30");
}

#[test]
fn one_bad_row_refuses_the_file_with_its_line_and_reason() {
    let list = CategoryList::defaults();
    let options = CsvImportOptions::new(&list, now());
    let bytes = fixture("incidents_one_bad.csv");
    match parse_incidents(&bytes, &options) {
        Err(CsvImportError::Rows(bad)) => {
            assert_eq!(bad.len(), 1);
            assert_eq!(
                (bad[0].line, bad[0].field, bad[0].code),
                (4, "lat", "coordinates_swapped")
            );
            assert_eq!(bad[0].to_string(), "line 4: lat: coordinates_swapped");
        }
        other => panic!("{other:?}"),
    }
    let skipped = parse_incidents_skip_invalid(&bytes, &options).unwrap();
    assert_eq!(skipped.rows.len(), 3);
    assert_eq!(skipped.bad.len(), 1);
}

#[test]
fn personal_data_in_an_import_is_masked_before_it_is_stored_or_exported() {
    let list = CategoryList::defaults();
    let rows = parse_incidents(
        &fixture("incidents_excel.csv"),
        &CsvImportOptions::new(&list, now()),
    )
    .unwrap();
    let violence = rows
        .iter()
        .find(|r| r.category.as_str() == "våld-hot")
        .unwrap();
    let policy = list.get(violence.category.as_str()).unwrap().pii_policy;
    assert_eq!(policy, PiiPolicy::Mask);
    let screened = personal_data::screen(violence.description.as_str(), policy);
    assert_eq!(screened.text, "Man med pnr [personnummer] hotade vakten");
    assert_eq!(screened.counts.personnummer, 1);

    // The masked text is what an export carries.
    let mut csv = CsvExport::new(Vec::new());
    csv.row(&["occurred_at", "category", "lat", "lon", "description"])
        .unwrap();
    for r in &rows {
        let text = personal_data::screen(r.description.as_str(), PiiPolicy::Mask).text;
        csv.row(&[
            &excel_time(r.occurred.start()),
            r.category.as_str(),
            &excel_decimal(r.point.lat(), 6),
            &excel_decimal(r.point.lon(), 6),
            &text,
        ])
        .unwrap();
    }
    let exported = csv.finish().unwrap();
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(!text.contains("19121212"));
    assert!(!text.contains("174 06 05"));
    assert!(text.contains("[telefonnummer]"));

    // What Trygg exports for Excel, Trygg imports again (BOM, `;`, decimal commas,
    // local times, quoted line breaks).
    let again = parse_incidents(&exported, &CsvImportOptions::new(&list, now())).unwrap();
    assert_eq!(again.len(), rows.len());
    for (a, b) in rows.iter().zip(&again) {
        assert_eq!(a.category, b.category);
        assert!((a.point.lat() - b.point.lat()).abs() < 1e-6);
        assert!((a.point.lon() - b.point.lon()).abs() < 1e-6);
        // Exported to the minute, the start of a window as an instant.
        assert_eq!(
            b.occurred,
            OccurredAt::At(Instant::from_micros(
                a.occurred.start().micros() / 60_000_000 * 60_000_000
            ))
        );
    }
}

#[test]
fn demo_places_lie_in_their_regso_areas_and_every_incident_in_linkoping() {
    let regso = parse_areas(
        &data("linkoping/linkoping_regso_2025_wgs84.geojson"),
        &AreaImportOptions::new("regsokod", "regsonamn"),
    )
    .unwrap();
    let index = AreaIndex::new(
        regso
            .iter()
            .zip(0..)
            .map(|(a, key)| (key, a.geometry.clone()))
            .collect(),
    )
    .unwrap();
    let code_of = |lat: f64, lon: f64| {
        let p = trygg_domain::geo::Wgs84::new(lat, lon).unwrap();
        let keys = index.locate(p);
        assert_eq!(keys.len(), 1, "({lat}, {lon}) in {keys:?}");
        regso[keys[0] as usize].code.clone()
    };
    for place in DEMO_PLACES {
        assert_eq!(code_of(place.lat, place.lon), place.regso, "{}", place.name);
    }
    let partners = [
        OrganisationKind::Kommun,
        OrganisationKind::Polis,
        OrganisationKind::Fastighetsagare,
        OrganisationKind::Bevakningsforetag,
        OrganisationKind::Entreprenor,
        OrganisationKind::Raddningstjanst,
    ];
    let incidents = generate(&DemoSpec::linkoping(
        2026,
        jiff::civil::date(2026, 8, 31),
        &partners,
    ));
    for i in &incidents {
        assert_eq!(index.locate(i.point).len(), 1, "{:?}", i.point);
    }
}

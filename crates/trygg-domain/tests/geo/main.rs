//! Integration tests of `trygg_domain::geo` against the real Linköping data in
//! `data/linkoping/` and PROJ's reference conversions in `data/reference/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod area;
mod crs;
mod import;
mod locate;

use trygg_domain::geo::{
    AreaFeature, AreaImportOptions, Crs, PlaceFeature, PlaceImportOptions, parse_areas,
    parse_places,
};

/// Reads a file from the repository's `data/` folder.
pub fn data(path: &str) -> String {
    let full = format!("{}/../../data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The 32 RegSO areas of Linköping from the WGS84 file.
pub fn regso() -> Vec<AreaFeature> {
    let text = data("linkoping/linkoping_regso_2025_wgs84.geojson");
    parse_areas(&text, &AreaImportOptions::new("regsokod", "regsonamn")).unwrap()
}

/// The 32 RegSO areas of Linköping from the SWEREF 99 TM file (CRS from its member).
pub fn regso_sweref() -> Vec<AreaFeature> {
    let text = data("linkoping/linkoping_regso_2025_sweref99tm.geojson");
    parse_areas(&text, &AreaImportOptions::new("regsokod", "regsonamn")).unwrap()
}

/// The municipality polygon.
pub fn kommun() -> AreaFeature {
    let text = data("linkoping/linkoping_kommun_from_regso_wgs84.geojson");
    let mut areas = parse_areas(
        &text,
        &AreaImportOptions::new("kommunkod", "kommunnamn").with_crs(Crs::Wgs84),
    )
    .unwrap();
    assert_eq!(areas.len(), 1);
    areas.remove(0)
}

/// The named places, with the raw JSON properties alongside (for `regsokod` and
/// `in_regso`, which the importer does not keep).
pub fn places() -> Vec<(PlaceFeature, serde_json::Value)> {
    let text = data("linkoping/linkoping_named_places_wgs84.geojson");
    let places = parse_places(&text, &PlaceImportOptions::new("name", "kind")).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let properties = raw["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone());
    places.into_iter().zip(properties).collect()
}

/// Approximate distance in metres between two nearby WGS84 coordinates (x = lon,
/// y = lat); good to a fraction of a percent over a few kilometres.
pub fn metres(a: geo::Coord<f64>, b: geo::Coord<f64>) -> f64 {
    let lat = a.y.to_radians();
    let dy = (a.y - b.y) * 111_132.954;
    let dx = (a.x - b.x) * 111_319.49 * lat.cos();
    dx.hypot(dy)
}

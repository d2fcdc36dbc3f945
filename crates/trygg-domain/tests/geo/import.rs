//! Importing area and place files: the real Linköping files, and every refusal.

use serde_json::json;
use trygg_domain::geo::{
    AreaImportOptions, CoordinateHint, Crs, GeoError, PlaceImportOptions, parse_areas, parse_places,
};

use crate::{data, kommun, metres, places, regso, regso_sweref};

const OPTIONS: AreaImportOptions<'static> = AreaImportOptions {
    code_property: "code",
    name_property: "name",
    crs: None,
};

/// A closed square ring of `size` around (x, y).
fn ring(x: f64, y: f64, size: f64) -> serde_json::Value {
    json!([
        [x, y],
        [x + size, y],
        [x + size, y + size],
        [x, y + size],
        [x, y]
    ])
}

fn feature(code: serde_json::Value, name: &str, geometry: serde_json::Value) -> serde_json::Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry})
}

fn polygon(x: f64, y: f64, size: f64) -> serde_json::Value {
    json!({"type": "Polygon", "coordinates": [ring(x, y, size)]})
}

fn collection(features: Vec<serde_json::Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// A valid WGS84 feature at index 0 followed by `bad` at index 1.
fn second_is(bad: serde_json::Value) -> Result<(), GeoError> {
    let good = feature(json!("A"), "Good", polygon(15.6, 58.4, 0.01));
    parse_areas(&collection(vec![good, bad]), &OPTIONS).map(|_| ())
}

#[test]
fn sweref_and_wgs84_files_give_the_same_areas() {
    let from_wgs = regso();
    let from_sweref = regso_sweref();
    assert_eq!(from_wgs.len(), 32);
    assert_eq!(from_sweref.len(), 32);
    let mut worst = 0.0f64;
    for (a, b) in from_wgs.iter().zip(&from_sweref) {
        assert_eq!((&a.code, &a.name), (&b.code, &b.name));
        assert_eq!(a.geometry.0.len(), b.geometry.0.len());
        for (pa, pb) in a.geometry.iter().zip(&b.geometry) {
            assert_eq!(pa.interiors().len(), pb.interiors().len(), "{}", a.code);
            let rings_a = std::iter::once(pa.exterior()).chain(pa.interiors());
            let rings_b = std::iter::once(pb.exterior()).chain(pb.interiors());
            for (ra, rb) in rings_a.zip(rings_b) {
                assert_eq!(ra.0.len(), rb.0.len(), "{}", a.code);
                for (ca, cb) in ra.coords().zip(rb.coords()) {
                    worst = worst.max(metres(*ca, *cb));
                }
            }
        }
    }
    // The WGS84 file was made by PROJ and rounded to 6 decimals (≤ 0.06 m east-west,
    // ≤ 0.056 m north-south); our conversion of the SWEREF file lands within that.
    assert!(worst < 0.2, "worst vertex differs by {worst} m");
    let codes: Vec<&str> = from_wgs.iter().map(|a| a.code.as_str()).collect();
    assert!(codes.contains(&"0580R018") && codes.contains(&"0580R032"));
    let r018 = from_wgs.iter().find(|a| a.code == "0580R018").unwrap();
    assert_eq!(r018.name, "Skäggetorp-Tornby");
}

#[test]
fn the_municipality_and_the_places() {
    let k = kommun();
    assert_eq!((k.code.as_str(), k.name.as_str()), ("0580", "Linköping"));
    let places = places();
    assert_eq!(places.len(), 46);
    let station = places
        .iter()
        .find(|(p, _)| p.kind == "poi_station")
        .unwrap();
    assert_eq!(station.0.point.lat(), 58.41611);
    assert_eq!(station.0.point.lon(), 15.62583);
    assert!(
        places
            .iter()
            .all(|(p, _)| p.aliases.is_empty() && p.point.plausible_in_sweden())
    );
}

#[test]
fn sweref_override_reads_a_file_without_crs_member() {
    let mut raw: serde_json::Value =
        serde_json::from_str(&data("linkoping/linkoping_regso_2025_sweref99tm.geojson")).unwrap();
    raw.as_object_mut().unwrap().remove("crs");
    let text = raw.to_string();
    let options = AreaImportOptions::new("regsokod", "regsonamn");
    let areas = parse_areas(&text, &options.with_crs(Crs::Sweref99Tm)).unwrap();
    assert_eq!(areas, regso_sweref());

    // Without the override the numbers are read as WGS84 and refused, with advice.
    let err = parse_areas(&text, &options).unwrap_err();
    assert_eq!(err.code(), "outside_sweden");
    assert_eq!(err.feature_index(), Some(0));
    assert!(matches!(
        err,
        GeoError::OutsideSweden {
            crs: Crs::Wgs84,
            hint: Some(CoordinateHint::OtherCrs {
                crs: Crs::Sweref99Tm,
                ..
            }),
            ..
        }
    ));
    let message = err.to_string();
    assert!(
        message.contains("looks like SWEREF 99 TM (EPSG:3006); pass --crs EPSG:3006"),
        "{message}"
    );
    assert!(
        message.starts_with("feature 0: position [537185.86, 6472915.11]"),
        "{message}"
    );
}

#[test]
fn refuses_sweref_numbers_given_as_wgs84_with_the_suggestion() {
    let err = second_is(feature(
        json!("B"),
        "Bad",
        polygon(537_185.0, 6_472_915.0, 100.0),
    ))
    .unwrap_err();
    assert_eq!(
        (err.code(), err.feature_index()),
        ("outside_sweden", Some(1))
    );
    assert!(err.to_string().contains("pass --crs EPSG:3006"), "{err}");
}

#[test]
fn refuses_wgs84_numbers_given_as_sweref() {
    let text = collection(vec![feature(json!("A"), "A", polygon(15.6, 58.4, 0.01))]);
    let err = parse_areas(&text, &OPTIONS.with_crs(Crs::Sweref99Tm)).unwrap_err();
    assert_eq!(err.code(), "outside_sweden");
    assert!(
        err.to_string()
            .contains("looks like WGS84 (EPSG:4326); pass --crs EPSG:4326"),
        "{err}"
    );
}

#[test]
fn a_wrong_crs_member_gets_advice_about_the_member() {
    let text = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [feature(json!("A"), "A", polygon(537_185.0, 6_472_915.0, 100.0))],
    })
    .to_string();
    let err = parse_areas(&text, &OPTIONS).unwrap_err();
    assert!(
        err.to_string()
            .contains("\"crs\" member is wrong, change it to urn:ogc:def:crs:EPSG::3006"),
        "{err}"
    );
}

#[test]
fn refuses_swapped_axes_with_a_hint() {
    let err = second_is(feature(json!("B"), "Bad", polygon(58.4, 15.6, 0.01))).unwrap_err();
    assert_eq!(
        (err.code(), err.feature_index()),
        ("outside_sweden", Some(1))
    );
    assert!(err.to_string().contains("[longitude, latitude]"), "{err}");
}

#[test]
fn refuses_positions_far_from_sweden_without_a_hint() {
    let err = second_is(feature(json!("B"), "Bad", polygon(2.35, 48.85, 0.01))).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::OutsideSweden {
                hint: None,
                feature: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // Finite but absurd numbers are simply outside Sweden.
    let err = second_is(feature(json!("B"), "Bad", polygon(1e300, 1e300, 1.0))).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::OutsideSweden {
                hint: None,
                feature: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn refuses_an_unclosed_ring() {
    let open = json!({"type": "Polygon", "coordinates": [[[15.6, 58.4], [15.7, 58.4], [15.7, 58.5], [15.6, 58.5], [15.61, 58.4]]]});
    let err = second_is(feature(json!("B"), "Bad", open)).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::UnclosedRing {
                feature: 1,
                polygon: 0,
                ring: 0
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("not closed"));
    // Also in a hole of the second polygon of a MultiPolygon.
    let multi = json!({"type": "MultiPolygon", "coordinates": [
        [ring(15.6, 58.4, 0.1)],
        [ring(15.8, 58.4, 0.1), [[15.81, 58.41], [15.82, 58.41], [15.82, 58.42], [15.81, 58.42]]],
    ]});
    let err = second_is(feature(json!("B"), "Bad", multi)).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::UnclosedRing {
                feature: 1,
                polygon: 1,
                ring: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn refuses_a_ring_with_too_few_positions() {
    let short =
        json!({"type": "Polygon", "coordinates": [[[15.6, 58.4], [15.7, 58.4], [15.6, 58.4]]]});
    let err = second_is(feature(json!("B"), "Bad", short)).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::RingTooShort {
                feature: 1,
                positions: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "ring_too_short");
    let empty_ring = json!({"type": "Polygon", "coordinates": [[]]});
    assert_eq!(
        second_is(feature(json!("B"), "Bad", empty_ring))
            .unwrap_err()
            .code(),
        "ring_too_short"
    );
    let no_rings = json!({"type": "Polygon", "coordinates": []});
    assert_eq!(
        second_is(feature(json!("B"), "Bad", no_rings))
            .unwrap_err()
            .code(),
        "empty_geometry"
    );
}

#[test]
fn refuses_nan_and_huge_numbers() {
    // JSON has no NaN or Infinity, but Python's json.dump writes them.
    let good = feature(json!("A"), "Good", polygon(15.6, 58.4, 0.01)).to_string();
    let nan = format!(
        "{{\"type\": \"FeatureCollection\", \"features\": [{good},\n{{\"type\": \"Feature\", \"properties\": {{\"code\": \"B\", \"name\": \"B\"}}, \"geometry\": {{\"type\": \"Polygon\", \"coordinates\": [[[15.6, NaN], [15.7, 58.4], [15.7, 58.5], [15.6, NaN]]]}}}}]}}"
    );
    let err = parse_areas(&nan, &OPTIONS).unwrap_err();
    assert_eq!(err.code(), "invalid_json");
    assert!(
        matches!(err, GeoError::InvalidJson { line: 2, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("NaN and Infinity are not JSON numbers"),
        "{err}"
    );
    let infinity = nan.replace("NaN", "-Infinity");
    assert!(
        parse_areas(&infinity, &OPTIONS)
            .unwrap_err()
            .to_string()
            .contains("NaN and Infinity")
    );
    // Beyond f64: refused by the JSON reader.
    let huge = nan.replace("NaN", "1e400");
    let err = parse_areas(&huge, &OPTIONS).unwrap_err();
    assert_eq!(err.code(), "invalid_json");
    assert!(err.to_string().contains("number out of range"), "{err}");
}

#[test]
fn refuses_point_and_other_geometries_in_an_area_file() {
    for geometry in [
        json!({"type": "Point", "coordinates": [15.6, 58.4]}),
        json!({"type": "LineString", "coordinates": [[15.6, 58.4], [15.7, 58.4]]}),
        json!({"type": "GeometryCollection", "geometries": []}),
    ] {
        let kind = geometry["type"].as_str().unwrap().to_owned();
        let err = second_is(feature(json!("B"), "Bad", geometry)).unwrap_err();
        assert_eq!(
            (err.code(), err.feature_index()),
            ("unsupported_geometry", Some(1)),
            "{kind}"
        );
        assert!(err.to_string().contains(&kind), "{err}");
    }
    let err = second_is(
        json!({"type": "Feature", "properties": {"code": "B", "name": "B"}, "geometry": null}),
    )
    .unwrap_err();
    assert_eq!(err.code(), "missing_geometry");
}

#[test]
fn refuses_missing_or_empty_code_and_name() {
    let geometry = polygon(15.7, 58.4, 0.01);
    for code in [json!(null), json!(""), json!("   ")] {
        let err = second_is(feature(code.clone(), "Bad", geometry.clone())).unwrap_err();
        assert!(
            matches!(&err, GeoError::MissingProperty { feature: 1, property } if property == "code"),
            "{code}: {err:?}"
        );
    }
    let no_code = json!({"type": "Feature", "properties": {"name": "B"}, "geometry": geometry});
    assert_eq!(second_is(no_code).unwrap_err().code(), "missing_property");
    let no_properties = json!({"type": "Feature", "properties": null, "geometry": geometry});
    assert_eq!(
        second_is(no_properties).unwrap_err().code(),
        "missing_property"
    );
    let err = second_is(feature(json!("B"), "", geometry.clone())).unwrap_err();
    assert!(matches!(&err, GeoError::MissingProperty { property, .. } if property == "name"));
    let err = second_is(feature(json!(true), "B", geometry.clone())).unwrap_err();
    assert_eq!(err.code(), "invalid_property");
}

#[test]
fn accepts_a_byte_order_mark() {
    let text = format!(
        "\u{feff}{}",
        collection(vec![feature(json!("A"), "A", polygon(15.6, 58.4, 0.01))])
    );
    assert_eq!(parse_areas(&text, &OPTIONS).unwrap().len(), 1);
}

#[test]
fn accepts_numbers_as_codes_and_trims_text() {
    let text = collection(vec![
        feature(json!(580), " Linköping ", polygon(15.6, 58.4, 0.01)),
        feature(json!(" 0581 "), "Norrköping", polygon(16.1, 58.6, 0.01)),
    ]);
    let areas = parse_areas(&text, &OPTIONS).unwrap();
    assert_eq!(areas[0].code, "580");
    assert_eq!(areas[0].name, "Linköping");
    assert_eq!(areas[1].code, "0581");
}

#[test]
fn refuses_a_duplicate_code() {
    let text = collection(vec![
        feature(json!("A"), "A", polygon(15.6, 58.4, 0.01)),
        feature(json!("B"), "B", polygon(15.7, 58.4, 0.01)),
        feature(json!("A"), "C", polygon(15.8, 58.4, 0.01)),
    ]);
    let err = parse_areas(&text, &OPTIONS).unwrap_err();
    assert!(
        matches!(&err, GeoError::DuplicateCode { feature: 2, first_feature: 0, code } if code == "A"),
        "{err:?}"
    );
}

#[test]
fn refuses_a_crs_override_that_conflicts_with_the_file() {
    let text = data("linkoping/linkoping_regso_2025_sweref99tm.geojson");
    let options = AreaImportOptions::new("regsokod", "regsonamn");
    let err = parse_areas(&text, &options.with_crs(Crs::Wgs84)).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::ConflictingCrs {
                in_file: Crs::Sweref99Tm,
                requested: Crs::Wgs84
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "conflicting_crs");
    // Agreeing is fine.
    assert_eq!(
        parse_areas(&text, &options.with_crs(Crs::Sweref99Tm))
            .unwrap()
            .len(),
        32
    );
}

#[test]
fn refuses_unreadable_crs_members() {
    let with_crs = |crs: serde_json::Value| {
        json!({"type": "FeatureCollection", "crs": crs, "features": [feature(json!("A"), "A", polygon(15.6, 58.4, 0.01))]})
            .to_string()
    };
    let err = parse_areas(
        &with_crs(json!({"type": "name", "properties": {"name": "EPSG:3857"}})),
        &OPTIONS,
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_crs");
    let err = parse_areas(
        &with_crs(json!({"type": "link", "properties": {"href": "x"}})),
        &OPTIONS,
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_crs_member");
    let epsg = with_crs(json!({"type": "EPSG", "properties": {"code": 4326}}));
    assert_eq!(parse_areas(&epsg, &OPTIONS).unwrap().len(), 1);
    let epsg = with_crs(json!({"type": "EPSG", "properties": {"code": 3006}}));
    assert_eq!(
        parse_areas(&epsg, &OPTIONS).unwrap_err().code(),
        "outside_sweden"
    );
    // A null member means "not given".
    assert_eq!(
        parse_areas(&with_crs(json!(null)), &OPTIONS).unwrap().len(),
        1
    );
}

#[test]
fn accepts_a_single_feature_and_multipolygons() {
    let multi = json!({"type": "MultiPolygon", "coordinates": [[ring(15.6, 58.4, 0.1)], [ring(15.8, 58.4, 0.1), ring(15.81, 58.41, 0.01)]]});
    let text = feature(json!("M"), "Multi", multi).to_string();
    let areas = parse_areas(&text, &OPTIONS).unwrap();
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0].geometry.0.len(), 2);
    assert_eq!(areas[0].geometry.0[1].interiors().len(), 1);
}

#[test]
fn refuses_what_is_not_a_feature_collection() {
    let cases = [
        ("[]", "not_feature_collection"),
        (
            "{\"type\": \"Polygon\", \"coordinates\": []}",
            "not_feature_collection",
        ),
        (
            "{\"type\": \"FeatureCollection\"}",
            "not_feature_collection",
        ),
        (
            "{\"type\": \"FeatureCollection\", \"features\": []}",
            "no_features",
        ),
        (
            "{\"type\": \"FeatureCollection\", \"features\": [1]}",
            "malformed_feature",
        ),
        (
            "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Polygon\"}]}",
            "malformed_feature",
        ),
        (
            "{\"type\": \"FeatureCollection\", \"features\": [",
            "invalid_json",
        ),
        ("", "invalid_json"),
    ];
    for (text, code) in cases {
        assert_eq!(
            parse_areas(text, &OPTIONS).unwrap_err().code(),
            code,
            "{text}"
        );
    }
    let bad_position =
        json!({"type": "Polygon", "coordinates": [[[15.6], [15.7, 58.4], [15.7, 58.5], [15.6]]]});
    let err = second_is(feature(json!("B"), "B", bad_position)).unwrap_err();
    assert_eq!(
        (err.code(), err.feature_index()),
        ("malformed_coordinates", Some(1))
    );
    let bad_nesting = json!({"type": "MultiPolygon", "coordinates": [ring(15.6, 58.4, 0.1)]});
    assert_eq!(
        second_is(feature(json!("B"), "B", bad_nesting))
            .unwrap_err()
            .code(),
        "malformed_coordinates"
    );
}

#[test]
fn places_with_aliases_and_refusals() {
    let place = |name: serde_json::Value, geometry: serde_json::Value| json!({"type": "Feature", "properties": {"name": name, "kind": "square", "aka": ["Stora torget", "Torget"]}, "geometry": geometry});
    let point = json!({"type": "Point", "coordinates": [15.6245, 58.4106]});
    let options = PlaceImportOptions::new("name", "kind").with_aliases("aka");
    let text = collection(vec![place(json!("Stora Torget"), point.clone())]);
    let places = parse_places(&text, &options).unwrap();
    assert_eq!(places[0].aliases, ["Stora torget", "Torget"]);
    assert_eq!(places[0].point.lat(), 58.4106);

    let sweref_point = json!({"type": "Point", "coordinates": [536_561.88, 6_475_208.6]});
    let text = collection(vec![
        place(json!("A"), point.clone()),
        place(json!("B"), sweref_point.clone()),
    ]);
    let err = parse_places(&text, &options).unwrap_err();
    assert_eq!(
        (err.code(), err.feature_index()),
        ("outside_sweden", Some(1))
    );
    assert!(err.to_string().contains("pass --crs EPSG:3006"), "{err}");
    let text = collection(vec![place(json!("B"), sweref_point)]);
    let resecentrum = parse_places(&text, &options.with_crs(Crs::Sweref99Tm)).unwrap()[0].point;
    assert!(
        (resecentrum.lat() - 58.41611).abs() < 1e-7 && (resecentrum.lon() - 15.62583).abs() < 1e-7
    );

    let polygon_place = place(json!("C"), polygon(15.6, 58.4, 0.01));
    let err = parse_places(&collection(vec![polygon_place]), &options).unwrap_err();
    assert_eq!(err.code(), "unsupported_geometry");
    let err = parse_places(&collection(vec![place(json!(" "), point)]), &options).unwrap_err();
    assert_eq!(err.code(), "missing_property");
}

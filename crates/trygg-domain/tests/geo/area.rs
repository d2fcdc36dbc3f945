//! Area sizes, neighbours and unions on the real Linköping areas.

use geo::{Area, MultiPolygon};
use trygg_domain::geo::{AreaIndex, area_km2, bounding_box, neighbours, union};

use crate::{kommun, places, regso};

#[test]
fn linkoping_is_1575_6_square_kilometres() {
    let km2 = area_km2(&kommun().geometry).unwrap();
    assert!((km2 - 1575.6).abs() / 1575.6 < 0.005, "{km2}");
    let sum: f64 = regso().iter().map(|a| area_km2(&a.geometry).unwrap()).sum();
    assert!((sum - km2).abs() / km2 < 0.001, "{sum} vs {km2}");
}

#[test]
fn regso_areas_match_the_published_sizes() {
    let areas = regso();
    for (place, properties) in places() {
        let (Some(code), Some(published)) = (
            properties["regsokod"].as_str(),
            properties["area_km2"].as_f64(),
        ) else {
            continue;
        };
        let area = areas.iter().find(|a| a.code == code).unwrap();
        let km2 = area_km2(&area.geometry).unwrap();
        assert!(
            (km2 - published).abs() / published < 0.005,
            "{}: {km2} vs {published}",
            place.name
        );
    }
}

#[test]
fn the_municipality_bounding_box() {
    let bbox = bounding_box(&kommun().geometry).unwrap();
    assert_eq!((bbox.min().x, bbox.min().y), (15.255591, 58.062969));
    assert_eq!((bbox.max().x, bbox.max().y), (16.075272, 58.652191));
}

#[test]
fn neighbours_of_skaggetorp_tornby() {
    let areas = regso();
    let index = AreaIndex::new(
        areas
            .iter()
            .zip(1..)
            .map(|(a, k)| (k, a.geometry.clone()))
            .collect(),
    )
    .unwrap();
    let key = |code: &str| {
        areas
            .iter()
            .zip(1..)
            .find(|(a, _)| a.code == code)
            .map(|(_, k)| k)
            .unwrap()
    };
    let found = neighbours(&index, key("0580R018")).unwrap();
    let mut codes: Vec<&str> = found
        .iter()
        .map(|&k| areas[usize::try_from(k - 1).unwrap()].code.as_str())
        .collect();
    codes.sort_unstable();
    // Checked with shapely's `intersects` on the same file: Gottfridsberg, Lilla
    // Torget-Sankt Lars, Malmslätt, Ryd, Tannefors-Stångebro-Kallerstad,
    // Vasastaden-Hunneberg, Vreta Kloster omland, Åkerbo omland. Berga (1.9 km away)
    // and Valla-T1 (1.25 km) are not neighbours.
    assert_eq!(
        codes,
        [
            "0580R006", "0580R012", "0580R015", "0580R017", "0580R021", "0580R026", "0580R030",
            "0580R032"
        ]
    );
    assert!(!codes.contains(&"0580R001") && !codes.contains(&"0580R025"));
}

#[test]
fn union_of_all_regso_is_the_municipality() {
    let areas = regso();
    let merged = union(areas.iter().map(|a| &a.geometry));
    assert_eq!(merged.0.len(), 1, "one polygon");
    assert!(merged.0[0].interiors().is_empty(), "no holes left");
    let kommun = kommun().geometry;
    let (a, b) = (area_km2(&merged).unwrap(), area_km2(&kommun).unwrap());
    assert!((a - b).abs() / b < 1e-6, "{a} vs {b}");
}

#[test]
fn a_district_as_the_union_of_regso_areas() {
    // "Innerstaden" ≈ Domkyrkan-Slottet + Lilla Torget-Sankt Lars +
    // Trädgårdsföreningen-Folkungavallen (data/linkoping/linkoping_area_aliases.csv).
    let areas = regso();
    let parts: Vec<&MultiPolygon<f64>> = ["0580R002", "0580R012", "0580R022"]
        .iter()
        .map(|code| &areas.iter().find(|a| a.code == *code).unwrap().geometry)
        .collect();
    let district = union(parts.iter().copied());
    assert_eq!(district.0.len(), 1);
    let sum: f64 = parts.iter().map(|p| p.unsigned_area()).sum();
    assert!((district.unsigned_area() - sum).abs() / sum < 1e-9);
}

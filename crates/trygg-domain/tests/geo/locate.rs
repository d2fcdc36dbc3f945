//! Point-in-area lookup on the real Linköping areas.

use geo::{BoundingRect, Intersects, MultiPolygon, Point};
use trygg_domain::geo::{AreaFeature, AreaIndex, Wgs84};

use crate::{kommun, places, regso};

const KOMMUN: i64 = 1000;

/// RegSO areas keyed 1..=32 in file order, plus the municipality.
fn linkoping() -> (Vec<AreaFeature>, AreaIndex) {
    let areas = regso();
    let mut entries: Vec<(i64, MultiPolygon<f64>)> = areas
        .iter()
        .zip(1..)
        .map(|(a, key)| (key, a.geometry.clone()))
        .collect();
    entries.push((KOMMUN, kommun().geometry));
    (areas, AreaIndex::new(entries).unwrap())
}

fn key_of(areas: &[AreaFeature], code: &str) -> i64 {
    areas
        .iter()
        .zip(1..)
        .find(|(a, _)| a.code == code)
        .map(|(_, k)| k)
        .unwrap()
}

fn name_of(areas: &[AreaFeature], key: i64) -> &str {
    &areas[usize::try_from(key - 1).unwrap()].name
}

#[test]
fn resecentrum_and_skaggetorp() {
    let (areas, index) = linkoping();
    let resecentrum = index.locate(Wgs84::new(58.41611, 15.62583).unwrap());
    assert_eq!(resecentrum, vec![key_of(&areas, "0580R026"), KOMMUN]);
    assert_eq!(name_of(&areas, resecentrum[0]), "Vasastaden-Hunneberg");
    let skaggetorp = index.locate(Wgs84::new(58.42611, 15.58000).unwrap());
    assert_eq!(skaggetorp, vec![key_of(&areas, "0580R018"), KOMMUN]);
    assert_eq!(name_of(&areas, skaggetorp[0]), "Skäggetorp-Tornby");
    // Stockholm is in none of them.
    assert!(
        index
            .locate(Wgs84::new(59.3293, 18.0686).unwrap())
            .is_empty()
    );
}

#[test]
fn every_place_lies_in_its_regso() {
    let (areas, index) = linkoping();
    let mut checked = 0;
    for (place, properties) in places() {
        let expected = if let Some(code) = properties["regsokod"].as_str() {
            key_of(&areas, code)
        } else if let Some(name) = properties["in_regso"].as_str() {
            areas
                .iter()
                .zip(1..)
                .find(|(a, _)| a.name == name)
                .map(|(_, k)| k)
                .unwrap()
        } else {
            continue;
        };
        assert_eq!(
            index.locate(place.point),
            vec![expected, KOMMUN],
            "{}",
            place.name
        );
        checked += 1;
    }
    assert_eq!(checked, 46);
}

#[test]
fn a_point_in_a_hole_belongs_to_the_area_filling_it() {
    // Åkerbo omland (R032) has holes where Linghem (R013) and Tallboda (R020) are.
    let (areas, index) = linkoping();
    let linghem = Wgs84::new(58.432178, 15.789026).unwrap();
    assert_eq!(
        index.locate(linghem),
        vec![key_of(&areas, "0580R013"), KOMMUN]
    );
    assert_eq!(
        index.contains(key_of(&areas, "0580R032"), linghem),
        Some(false)
    );
    let akerbo = &areas[usize::try_from(key_of(&areas, "0580R032") - 1).unwrap()].geometry;
    assert_eq!(akerbo.0[0].interiors().len(), 2);
}

#[test]
fn every_vertex_belongs_to_all_areas_that_have_it() {
    // Closed semantics on real data: a vertex shared by neighbouring areas (on their
    // common boundary, or on a hole's edge) is in every one of them, never in none.
    let (areas, index) = linkoping();
    let mut shared = 0;
    for (area, key) in areas.iter().zip(1..) {
        for polygon in &area.geometry {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for c in ring.coords() {
                    let found = index.locate(Wgs84::new(c.y, c.x).unwrap());
                    assert!(
                        found.contains(&key),
                        "{} vertex {c:?}: {found:?}",
                        area.code
                    );
                    shared += usize::from(found.len() > 2);
                }
            }
        }
    }
    assert!(shared > 1000, "only {shared} vertices are shared");
}

#[test]
fn agrees_with_geo_intersects_on_random_points() {
    let (areas, index) = linkoping();
    let mut all: Vec<(i64, MultiPolygon<f64>)> = areas
        .iter()
        .zip(1..)
        .map(|(a, k)| (k, a.geometry.clone()))
        .collect();
    all.push((KOMMUN, kommun().geometry));
    let bbox = all.last().unwrap().1.bounding_rect().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        // xorshift64*: deterministic, good enough to scatter points.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..3000 {
        let x = bbox.min().x + next() * bbox.width();
        let y = bbox.min().y + next() * bbox.height();
        let point = Point::new(x, y);
        let expected: Vec<i64> = all
            .iter()
            .filter(|(_, g)| g.intersects(&point))
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(
            index.locate(Wgs84::new(y, x).unwrap()),
            expected,
            "{x}, {y}"
        );
    }
}

//! Writing and reading single GeoJSON geometries (RFC 7946), the form in which areas are
//! stored in the database and sent to the map and the API.
//!
//! Output follows RFC 7946: WGS84, `[longitude, latitude]`, exterior rings
//! counter-clockwise and holes clockwise (the right-hand rule). Reading accepts either
//! orientation and applies the importer's checks ([`parse_area_geometry`]).

use ::geo::orient::{Direction, Orient};
use ::geo::{LineString, MultiPolygon};
use serde_json::{Value, json};

use super::Wgs84;
pub use super::import::parse_area_geometry;

/// The area as a GeoJSON `MultiPolygon` geometry object, rings oriented by the
/// right-hand rule. The same geometry always gives the same JSON text, so stored text
/// can be compared to tell whether a re-imported boundary changed.
pub fn multipolygon_geometry(geometry: &MultiPolygon<f64>) -> Value {
    let oriented = geometry.orient(Direction::Default);
    let ring = |ring: &LineString<f64>| -> Value {
        Value::Array(ring.coords().map(|c| json!([c.x, c.y])).collect())
    };
    let polygons: Vec<Value> = oriented
        .iter()
        .map(|polygon| {
            Value::Array(
                std::iter::once(polygon.exterior())
                    .chain(polygon.interiors())
                    .map(ring)
                    .collect(),
            )
        })
        .collect();
    json!({ "type": "MultiPolygon", "coordinates": polygons })
}

/// A GeoJSON `Point` geometry object.
pub fn point_geometry(point: Wgs84) -> Value {
    json!({ "type": "Point", "coordinates": [point.lon(), point.lat()] })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use ::geo::polygon;

    #[test]
    fn round_trips_and_orients_by_the_right_hand_rule() {
        // Clockwise exterior, as some tools write it.
        let clockwise: MultiPolygon<f64> = polygon![
            (x: 15.6, y: 58.4), (x: 15.6, y: 58.41), (x: 15.62, y: 58.41), (x: 15.62, y: 58.4)
        ]
        .into();
        let json = multipolygon_geometry(&clockwise);
        assert_eq!(json["type"], "MultiPolygon");
        let ring = json["coordinates"][0][0].as_array().unwrap();
        assert_eq!(ring.len(), 5, "closed ring");
        // Counter-clockwise: the second vertex is east of the first along the bottom.
        let read = parse_area_geometry(&json).unwrap();
        assert_eq!(multipolygon_geometry(&read), json, "stable text");
        assert!(
            (crate::geo::area_km2(&read).unwrap() - crate::geo::area_km2(&clockwise).unwrap())
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn refuses_broken_geometry() {
        let open = json!({"type": "Polygon", "coordinates": [[[15.6, 58.4], [15.7, 58.4], [15.7, 58.5], [15.6, 58.41]]]});
        assert_eq!(
            parse_area_geometry(&open).unwrap_err().code(),
            "unclosed_ring"
        );
        let point = json!({"type": "Point", "coordinates": [15.6, 58.4]});
        assert_eq!(
            parse_area_geometry(&point).unwrap_err().code(),
            "unsupported_geometry"
        );
        assert_eq!(
            parse_area_geometry(&json!({})).unwrap_err().code(),
            "malformed_feature"
        );
    }

    #[test]
    fn points_are_lon_lat() {
        let p = Wgs84::new(58.41611, 15.62583).unwrap();
        assert_eq!(
            point_geometry(p),
            json!({"type": "Point", "coordinates": [15.62583, 58.41611]})
        );
    }
}

//! Measures and relations of area polygons: size, bounding box, neighbours, union.
//!
//! All inputs are WGS84 multipolygons with x = longitude, y = latitude.

use ::geo::orient::Direction;
use ::geo::{BoundingRect, Intersects, MultiPolygon, Orient, Rect, unary_union};

use super::{AreaIndex, AreaKey, GeoError, Wgs84};

/// The area in km², measured in the SWEREF 99 TM plane.
///
/// Every vertex is projected to SWEREF 99 TM and the planar area of the projected
/// polygons is taken (holes subtracted, orientation ignored), which is how Lantmäteriet
/// and SCB state areas. The projection's scale error makes this ≈0.08 % too small on
/// the central meridian (15° E) and up to ≈0.35 % too large in the far north-east
/// (Haparanda, 9° east of it); in Linköping it is −0.08 %. That does not matter for
/// rates per km².
///
/// Fails if a vertex is not a valid WGS84 position or cannot be projected.
pub fn area_km2(geometry: &MultiPolygon<f64>) -> Result<f64, GeoError> {
    let mut square_metres = 0.0;
    for polygon in geometry {
        square_metres += ring_area(polygon.exterior())?.abs();
        for hole in polygon.interiors() {
            square_metres -= ring_area(hole)?.abs();
        }
    }
    Ok(square_metres / 1e6)
}

/// Signed planar area of a ring in SWEREF 99 TM, in m² (shoelace formula).
fn ring_area(ring: &::geo::LineString<f64>) -> Result<f64, GeoError> {
    let projected = ring
        .coords()
        .map(|c| Wgs84::new(c.y, c.x)?.to_sweref99tm())
        .collect::<Result<Vec<_>, _>>()?;
    // Relative to the first vertex, to keep the products small and exact enough.
    let Some(origin) = projected.first().copied() else {
        return Ok(0.0);
    };
    let twice: f64 = projected
        .windows(2)
        .map(|w| {
            let (x0, y0) = (w[0].e() - origin.e(), w[0].n() - origin.n());
            let (x1, y1) = (w[1].e() - origin.e(), w[1].n() - origin.n());
            x0 * y1 - x1 * y0
        })
        .sum();
    Ok(twice / 2.0)
}

/// The smallest longitude/latitude box containing the geometry (x = longitude,
/// y = latitude), e.g. to fit a map to an area; `None` for an empty geometry.
pub fn bounding_box(geometry: &MultiPolygon<f64>) -> Option<Rect<f64>> {
    geometry.bounding_rect()
}

/// The areas of `index` that share at least one point with area `key`: they touch
/// along an edge or at a single vertex, or overlap. `key` itself is not included; the
/// result is in ascending order.
///
/// Build the index from areas of one kind (e.g. all RegSO areas of a municipality) to
/// get the neighbours of that kind. The test is exact: areas separated by a sliver, even
/// a millimetre wide, are not neighbours, so it suits tiling area sets (SCB's RegSO and
/// DeSO, which share their boundary vertices), not independently digitised ones.
pub fn neighbours(index: &AreaIndex, key: AreaKey) -> Result<Vec<AreaKey>, GeoError> {
    let geometry = index.geometry(key).ok_or(GeoError::UnknownArea { key })?;
    let Some(bbox) = bounding_box(geometry) else {
        return Ok(Vec::new());
    };
    let mut found: Vec<AreaKey> = index
        .candidates_in_box(bbox.min(), bbox.max())
        .into_iter()
        .filter(|&other| other != key)
        .filter(|&other| {
            index
                .geometry(other)
                .is_some_and(|candidate| candidate.intersects(geometry))
        })
        .collect();
    found.sort_unstable();
    Ok(found)
}

/// The union of the given areas as one multipolygon, e.g. a district made of RegSO
/// areas. Shared edges dissolve; areas that do not touch stay separate polygons.
///
/// The inputs are first oriented alike (exteriors counter-clockwise, holes clockwise),
/// because the underlying overlay takes its fill rule from the first ring it sees and
/// files mix both orientations. The overlay works in floating point, so vertices may
/// move by a few units in the last place.
pub fn union<'a>(areas: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    let oriented: Vec<MultiPolygon<f64>> = areas
        .into_iter()
        .map(|area| area.orient(Direction::Default))
        .collect();
    unary_union(&oriented)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use ::geo::{Area, LineString, Polygon, polygon};

    /// A square of about 1 km × 1 km near Linköping, counter-clockwise.
    fn square(x0: f64, y0: f64, size: f64) -> MultiPolygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size), (x: x0, y: y0 + size)].into()
    }

    #[test]
    fn area_ignores_orientation_and_subtracts_holes() {
        let outer = LineString::from(vec![
            (15.6, 58.4),
            (15.62, 58.4),
            (15.62, 58.41),
            (15.6, 58.41),
            (15.6, 58.4),
        ]);
        let hole = LineString::from(vec![
            (15.605, 58.402),
            (15.61, 58.402),
            (15.61, 58.405),
            (15.605, 58.402),
        ]);
        let with_hole = MultiPolygon::new(vec![Polygon::new(outer.clone(), vec![hole.clone()])]);
        let reversed = MultiPolygon::new(vec![Polygon::new(
            outer.clone().into_iter().rev().collect(),
            vec![hole.clone().into_iter().rev().collect()],
        )]);
        let a = area_km2(&with_hole).unwrap();
        assert!((a - area_km2(&reversed).unwrap()).abs() < 1e-12);
        let full = area_km2(&MultiPolygon::new(vec![Polygon::new(outer, vec![])])).unwrap();
        let hole_only = area_km2(&MultiPolygon::new(vec![Polygon::new(hole, vec![])])).unwrap();
        assert!((full - hole_only - a).abs() < 1e-12);
        // 0.02° × 0.01° at 58.4° N: ≈ 1.166 km × 1.113 km.
        assert!((full - 1.298).abs() < 0.01, "{full}");
        assert_eq!(area_km2(&MultiPolygon::new(vec![])).unwrap(), 0.0);
    }

    #[test]
    fn area_refuses_invalid_positions() {
        let bad = square(15.0, 95.0, 1.0);
        assert_eq!(area_km2(&bad).unwrap_err().code(), "latitude_out_of_range");
    }

    #[test]
    fn bounding_box_of_parts() {
        let mut both = square(15.0, 58.0, 0.1);
        both.0.extend(square(15.5, 58.5, 0.1));
        let bbox = bounding_box(&both).unwrap();
        assert_eq!((bbox.min().x, bbox.min().y), (15.0, 58.0));
        assert!((bbox.max().x - 15.6).abs() < 1e-12 && (bbox.max().y - 58.6).abs() < 1e-12);
        assert!(bounding_box(&MultiPolygon::new(vec![])).is_none());
    }

    #[test]
    fn neighbours_on_a_grid() {
        // 3 × 1 row of squares plus one touching the last at a corner and one far away.
        let index = AreaIndex::new(vec![
            (1, square(15.0, 58.0, 0.25)),
            (2, square(15.25, 58.0, 0.25)),
            (3, square(15.5, 58.0, 0.25)),
            (4, square(15.75, 58.25, 0.25)),
            (5, square(17.0, 59.0, 0.25)),
        ])
        .unwrap();
        assert_eq!(neighbours(&index, 1).unwrap(), vec![2]);
        assert_eq!(neighbours(&index, 2).unwrap(), vec![1, 3]);
        assert_eq!(
            neighbours(&index, 3).unwrap(),
            vec![2, 4],
            "corner touch counts"
        );
        assert_eq!(neighbours(&index, 5).unwrap(), Vec::<i64>::new());
        assert_eq!(neighbours(&index, 9).unwrap_err().code(), "unknown_area");
    }

    #[test]
    fn union_dissolves_shared_edges_whatever_the_orientation() {
        let a = square(15.0, 58.0, 0.25);
        let b = square(15.25, 58.0, 0.25).orient(Direction::Reversed);
        let far = square(16.0, 58.0, 0.25);
        let merged = union([&b, &a, &far]);
        assert_eq!(merged.0.len(), 2, "{merged:?}");
        let expected = a.unsigned_area() + b.unsigned_area() + far.unsigned_area();
        assert!((merged.unsigned_area() - expected).abs() < 1e-9);
        assert!(union(std::iter::empty()).0.is_empty());
    }
}

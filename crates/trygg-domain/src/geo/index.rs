//! Point-in-area lookup: which areas contain a position?
//!
//! Every incident is placed in its areas (RegSO, district, municipality, permit areas…)
//! when it is reported or imported, and imports bring hundreds of thousands at a time, so
//! this is built to be fast: an R-tree over the bounding box of every polygon finds the
//! candidates, and an exact test on rings prepared once decides.
//!
//! # Boundary semantics
//!
//! Areas are **closed** sets: a point exactly on an area's boundary belongs to it. A
//! point on the edge (or vertex) shared by two neighbouring areas therefore belongs to
//! both, and a point is never lost in the crack between two areas that tile a
//! municipality. Holes are open: a point strictly inside a hole is outside the area, a
//! point on a hole's edge is inside (it is on the area's boundary). This is the
//! `Intersects` relation of the `geo` crate (DE-9IM "the point and the closed polygon
//! share a point"), decided with exact (robust) orientation predicates, so "exactly on"
//! means exactly, with no tolerance.
//!
//! Polygons are taken as drawn in the longitude/latitude plane with straight edges (as
//! GeoJSON, Leaflet and `geo` do). Rings may run either way round. Self-intersecting
//! rings get the even–odd rule.
//!
//! # How it is fast
//!
//! Each ring is cut into horizontal bands; each band lists the edges whose y-range
//! overlaps it. A crossing-number test along a horizontal ray through the point then only
//! looks at the edges of the point's band, typically a handful instead of thousands.

use std::collections::HashMap;

use ::geo::algorithm::kernels::RobustKernel;
use ::geo::{Coord, Kernel, LineString, MultiPolygon, Orientation};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::{GeoError, Wgs84};

/// The identity of an area in an [`AreaIndex`]: the caller's id (typically the
/// database id of the area).
pub type AreaKey = i64;

/// Answers "which areas contain this point?" for a fixed set of areas.
///
/// Build it once per set of areas (e.g. at start-up and after an import) and share it;
/// it is immutable, `Send` and `Sync`.
#[derive(Debug)]
pub struct AreaIndex {
    /// One entry per polygon (part of a multipolygon), holding its index in `parts`.
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    parts: Vec<PreparedPolygon>,
    /// Key of each area, by slot (the area's position in the input).
    keys: Vec<AreaKey>,
    /// Slot of each key.
    slots: HashMap<AreaKey, usize>,
    geometries: Vec<MultiPolygon<f64>>,
}

impl AreaIndex {
    /// Builds the index. Refuses duplicate keys, areas without any polygon, and
    /// coordinates that are NaN or infinite.
    pub fn new(areas: Vec<(AreaKey, MultiPolygon<f64>)>) -> Result<Self, GeoError> {
        let mut slots = HashMap::with_capacity(areas.len());
        let mut parts = Vec::new();
        let mut keys = Vec::with_capacity(areas.len());
        let mut geometries = Vec::with_capacity(areas.len());
        for (slot, (key, geometry)) in areas.into_iter().enumerate() {
            if slots.insert(key, slot).is_some() {
                return Err(GeoError::DuplicateAreaKey { key });
            }
            let finite = geometry
                .iter()
                .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()))
                .flat_map(LineString::coords)
                .all(|c| c.x.is_finite() && c.y.is_finite());
            if !finite {
                return Err(GeoError::NonFiniteArea { key });
            }
            let before = parts.len();
            for polygon in &geometry {
                // An exterior with fewer than 3 positions has no area; Polygon::new has
                // already closed the ring, so a triangle has 4.
                if polygon.exterior().0.len() < 4 {
                    continue;
                }
                parts.push(PreparedPolygon {
                    area: slot,
                    exterior: PreparedRing::new(polygon.exterior()),
                    holes: polygon.interiors().iter().map(PreparedRing::new).collect(),
                });
            }
            if parts.len() == before {
                return Err(GeoError::EmptyArea { key });
            }
            keys.push(key);
            geometries.push(geometry);
        }
        let entries = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let ring = &part.exterior;
                let rect =
                    Rectangle::from_corners([ring.min_x, ring.min_y], [ring.max_x, ring.max_y]);
                GeomWithData::new(rect, i)
            })
            .collect();
        Ok(Self {
            tree: RTree::bulk_load(entries),
            parts,
            keys,
            slots,
            geometries,
        })
    }

    /// The keys of all areas containing `point` (closed semantics, see the module
    /// documentation), in ascending order.
    pub fn locate(&self, point: Wgs84) -> Vec<AreaKey> {
        let mut found = Vec::new();
        self.locate_into(point, &mut found);
        found
    }

    /// Like [`locate`](Self::locate), but writes into `found` (cleared first) so a loop
    /// over many points can reuse one allocation.
    pub fn locate_into(&self, point: Wgs84, found: &mut Vec<AreaKey>) {
        found.clear();
        let p = point.to_coord();
        for entry in self.tree.locate_all_at_point(&[p.x, p.y]) {
            let Some(part) = self.parts.get(entry.data) else {
                continue;
            };
            let Some(&key) = self.keys.get(part.area) else {
                continue;
            };
            // Another part of the same multipolygon may already have matched.
            if !found.contains(&key) && part.contains(p) {
                found.push(key);
            }
        }
        found.sort_unstable();
    }

    /// Whether the area `key` contains `point` (closed semantics); `None` if the key is
    /// unknown.
    pub fn contains(&self, key: AreaKey, point: Wgs84) -> Option<bool> {
        let slot = *self.slots.get(&key)?;
        let p = point.to_coord();
        Some(
            self.parts
                .iter()
                .filter(|part| part.area == slot)
                .any(|part| part.contains(p)),
        )
    }

    /// The number of areas.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no areas.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys of all areas, in the order given to [`new`](Self::new).
    pub fn keys(&self) -> impl Iterator<Item = AreaKey> + '_ {
        self.keys.iter().copied()
    }

    /// The geometry of area `key` as given to [`new`](Self::new).
    pub fn geometry(&self, key: AreaKey) -> Option<&MultiPolygon<f64>> {
        self.geometries.get(*self.slots.get(&key)?)
    }

    /// All areas with their geometries, in the order given to [`new`](Self::new).
    pub fn areas(&self) -> impl Iterator<Item = (AreaKey, &MultiPolygon<f64>)> + '_ {
        self.keys.iter().copied().zip(&self.geometries)
    }

    /// Keys of the areas whose bounding boxes intersect the given box (x = longitude,
    /// y = latitude), unordered and without duplicates: the candidates for any
    /// geometric relation with something inside that box.
    pub(crate) fn candidates_in_box(&self, min: Coord<f64>, max: Coord<f64>) -> Vec<AreaKey> {
        let envelope = rstar::AABB::from_corners([min.x, min.y], [max.x, max.y]);
        let mut keys: Vec<AreaKey> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .filter_map(|entry| {
                let part = self.parts.get(entry.data)?;
                self.keys.get(part.area).copied()
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// One polygon of an area, ready for point tests.
#[derive(Debug)]
struct PreparedPolygon {
    /// Slot of the area in `AreaIndex::keys`.
    area: usize,
    exterior: PreparedRing,
    holes: Vec<PreparedRing>,
}

impl PreparedPolygon {
    /// Closed-set membership: on the exterior or a hole's boundary counts as inside.
    fn contains(&self, p: Coord<f64>) -> bool {
        match self.exterior.locate(p) {
            RingPosition::Outside => false,
            RingPosition::OnBoundary => true,
            RingPosition::Inside => self
                .holes
                .iter()
                .all(|hole| hole.locate(p) != RingPosition::Inside),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RingPosition {
    Inside,
    OnBoundary,
    Outside,
}

/// An edge of a ring, from `a` to `b`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    a: Coord<f64>,
    b: Coord<f64>,
}

/// A closed ring cut into horizontal bands of edges.
#[derive(Debug)]
struct PreparedRing {
    min_x: f64,
    max_x: f64,
    min_y: f64,
    max_y: f64,
    /// Bands per unit of y; 0 when there is one band.
    band_scale: f64,
    /// Band `i` holds `edges[band_start[i]..band_start[i + 1]]`.
    band_start: Vec<usize>,
    edges: Vec<Edge>,
}

impl PreparedRing {
    fn new(ring: &LineString<f64>) -> Self {
        let coords = &ring.0;
        let mut edges: Vec<Edge> = coords
            .windows(2)
            .map(|w| Edge { a: w[0], b: w[1] })
            .collect();
        // geo closes rings in Polygon::new, but a LineString can be built unclosed.
        if let (Some(&first), Some(&last)) = (coords.first(), coords.last())
            && first != last
        {
            edges.push(Edge { a: last, b: first });
        }
        let (mut min_x, mut max_x, mut min_y, mut max_y) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for c in coords {
            min_x = min_x.min(c.x);
            max_x = max_x.max(c.x);
            min_y = min_y.min(c.y);
            max_y = max_y.max(c.y);
        }
        let height = max_y - min_y;
        // One band per edge keeps the scan short; but a ring whose edges each span much
        // of its height (a comb) would then store every edge in every band, so the band
        // count is capped to keep the stored edges under ~17 per edge of the ring.
        let total_span: f64 = edges.iter().map(|e| (e.a.y - e.b.y).abs()).sum();
        let n = edges.len().max(1) as f64;
        let bands = if height > 0.0 && total_span > 0.0 {
            n.min((16.0 * n * height / total_span).max(1.0)).floor()
        } else {
            1.0
        };
        // Bands are indexed by this one monotone function of y, for edges and queries
        // alike, so an edge whose y-range contains a point's y is always in its band.
        let band_scale = if bands > 1.0 { bands / height } else { 0.0 };
        let band_count = bands as usize;
        let band_of = |y: f64| band_index(y, min_y, band_scale, band_count);
        let mut counts = vec![0usize; band_count + 1];
        for e in &edges {
            let (lo, hi) = (band_of(e.a.y.min(e.b.y)), band_of(e.a.y.max(e.b.y)));
            for count in &mut counts[lo..=hi] {
                *count += 1;
            }
        }
        let mut band_start = Vec::with_capacity(band_count + 1);
        let mut total = 0usize;
        for count in &counts[..band_count] {
            band_start.push(total);
            total += count;
        }
        band_start.push(total);
        let mut next: Vec<usize> = band_start[..band_count].to_vec();
        let mut banded = vec![
            Edge {
                a: Coord::zero(),
                b: Coord::zero()
            };
            total
        ];
        for e in &edges {
            let (lo, hi) = (band_of(e.a.y.min(e.b.y)), band_of(e.a.y.max(e.b.y)));
            for slot in &mut next[lo..=hi] {
                banded[*slot] = *e;
                *slot += 1;
            }
        }
        Self {
            min_x,
            max_x,
            min_y,
            max_y,
            band_scale,
            band_start,
            edges: banded,
        }
    }

    /// Where `p` lies relative to the ring, exactly.
    fn locate(&self, p: Coord<f64>) -> RingPosition {
        if !(p.x >= self.min_x && p.x <= self.max_x && p.y >= self.min_y && p.y <= self.max_y) {
            return RingPosition::Outside;
        }
        let band = band_index(p.y, self.min_y, self.band_scale, self.band_start.len() - 1);
        let (start, end) = (self.band_start[band], self.band_start[band + 1]);
        let mut inside = false;
        for e in &self.edges[start..end] {
            let (y_lo, y_hi) = if e.a.y <= e.b.y {
                (e.a.y, e.b.y)
            } else {
                (e.b.y, e.a.y)
            };
            if p.y < y_lo || p.y > y_hi {
                continue;
            }
            let (x_lo, x_hi) = if e.a.x <= e.b.x {
                (e.a.x, e.b.x)
            } else {
                (e.b.x, e.a.x)
            };
            if p.x > x_hi {
                // Wholly to the left: neither touches p nor crosses the ray to the right.
                continue;
            }
            // Half-open rule: an edge crosses the ray if exactly one end is above p, so a
            // vertex on the ray is counted once.
            let straddles = (e.a.y > p.y) != (e.b.y > p.y);
            if p.x < x_lo {
                // Wholly to the right: crosses the ray if it straddles it.
                inside ^= straddles;
                continue;
            }
            match RobustKernel::orient2d(e.a, e.b, p) {
                Orientation::Collinear => return RingPosition::OnBoundary,
                // p left of an upward edge or right of a downward edge: the edge passes
                // to the right of p.
                orientation if straddles => {
                    let upward = e.b.y > e.a.y;
                    inside ^= (orientation == Orientation::CounterClockwise) == upward;
                }
                _ => {}
            }
        }
        if inside {
            RingPosition::Inside
        } else {
            RingPosition::Outside
        }
    }
}

fn band_index(y: f64, min_y: f64, scale: f64, bands: usize) -> usize {
    // `as` saturates, and rounds towards zero, i.e. floors the non-negative values that
    // occur here; both are monotone.
    (((y - min_y) * scale) as usize).min(bands - 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use ::geo::{Intersects, Point, Polygon, polygon};
    use proptest::prelude::*;

    fn p(x: f64, y: f64) -> Wgs84 {
        Wgs84::new(y, x).unwrap()
    }

    #[test]
    fn comb_rings_keep_storage_bounded() {
        // 200 teeth, each spanning the full height.
        let mut coords = Vec::new();
        for i in 0..200 {
            let x = f64::from(i);
            coords.push(Coord { x, y: 0.0 });
            coords.push(Coord {
                x: x + 0.5,
                y: 10.0,
            });
        }
        coords.push(Coord { x: 200.0, y: -1.0 });
        coords.push(Coord { x: 0.0, y: -1.0 });
        coords.push(coords[0]);
        let ring = PreparedRing::new(&LineString::new(coords));
        assert!(ring.edges.len() <= 17 * 403, "{}", ring.edges.len());
    }

    #[test]
    fn degenerate_and_unclosed_rings() {
        let flat = PreparedRing::new(&LineString::from(vec![(0.0, 1.0), (2.0, 1.0), (0.0, 1.0)]));
        assert_eq!(
            flat.locate(Coord { x: 1.0, y: 1.0 }),
            RingPosition::OnBoundary
        );
        assert_eq!(flat.locate(Coord { x: 3.0, y: 1.0 }), RingPosition::Outside);
        let open = PreparedRing::new(&LineString::from(vec![
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (0.0, 4.0),
        ]));
        assert_eq!(
            open.locate(Coord { x: 0.0, y: 2.0 }),
            RingPosition::OnBoundary
        );
        assert_eq!(open.locate(Coord { x: 1.0, y: 2.0 }), RingPosition::Inside);
    }

    #[test]
    fn refuses_bad_input() {
        let square: MultiPolygon<f64> =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        let err = AreaIndex::new(vec![(1, square.clone()), (1, square.clone())]).unwrap_err();
        assert_eq!(err.code(), "duplicate_area_key");
        let err = AreaIndex::new(vec![(2, MultiPolygon::new(vec![]))]).unwrap_err();
        assert_eq!(err.code(), "empty_area");
        let nan: MultiPolygon<f64> =
            polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)].into();
        assert_eq!(
            AreaIndex::new(vec![(3, nan)]).unwrap_err().code(),
            "non_finite_area"
        );
        assert!(AreaIndex::new(vec![]).unwrap().is_empty());
    }

    fn star() -> Polygon<f64> {
        // A concave, self-touching-free polygon with a hole and horizontal/vertical edges.
        Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 3.0),
                (6.0, 5.0),
                (10.0, 7.0),
                (10.0, 10.0),
                (5.0, 8.0),
                (0.0, 10.0),
                (2.0, 5.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (4.0, 2.0),
                (4.0, 4.0),
                (6.0, 3.0),
                (4.0, 2.0),
            ])],
        )
    }

    proptest! {
        /// The prepared test agrees with geo's exact `Intersects` (closed semantics),
        /// on random points and on points snapped to the vertex grid (where boundary
        /// cases live).
        #[test]
        fn agrees_with_geo_intersects(x in -1.0f64..11.0, y in -1.0f64..11.0, snap in any::<bool>()) {
            let (x, y) = if snap { ((x * 2.0).round() / 2.0, (y * 2.0).round() / 2.0) } else { (x, y) };
            let poly = star();
            let reversed = Polygon::new(
                poly.exterior().clone().into_iter().rev().collect(),
                poly.interiors().iter().map(|r| r.clone().into_iter().rev().collect()).collect(),
            );
            let index = AreaIndex::new(vec![(1, poly.clone().into()), (2, reversed.into())]).unwrap();
            let expected = poly.intersects(&Point::new(x, y));
            let found = index.locate(Wgs84::new(y, x).unwrap());
            prop_assert_eq!(found, if expected { vec![1, 2] } else { vec![] });
        }
    }

    #[test]
    fn boundary_cases_on_a_simple_tiling() {
        // Two unit squares side by side; the right one has a hole.
        let left = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)];
        let right = Polygon::new(
            LineString::from(vec![
                (2.0, 0.0),
                (4.0, 0.0),
                (4.0, 2.0),
                (2.0, 2.0),
                (2.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (2.5, 0.5),
                (3.5, 0.5),
                (3.5, 1.5),
                (2.5, 1.5),
                (2.5, 0.5),
            ])],
        );
        let index = AreaIndex::new(vec![(10, left.into()), (20, right.into())]).unwrap();
        assert_eq!(index.locate(p(1.0, 1.0)), vec![10]);
        assert_eq!(index.locate(p(2.0, 1.0)), vec![10, 20], "shared edge");
        assert_eq!(index.locate(p(2.0, 2.0)), vec![10, 20], "shared vertex");
        assert_eq!(
            index.locate(p(3.0, 1.0)),
            Vec::<i64>::new(),
            "inside the hole"
        );
        assert_eq!(index.locate(p(3.0, 0.5)), vec![20], "on the hole's edge");
        assert_eq!(index.locate(p(2.5, 1.5)), vec![20], "on the hole's vertex");
        assert_eq!(
            index.locate(p(4.0 + 1e-12, 1.0)),
            Vec::<i64>::new(),
            "just outside"
        );
        assert_eq!(
            index.locate(p(1.0, 2.0 + 1e-12)),
            Vec::<i64>::new(),
            "just above"
        );
        assert_eq!(index.contains(20, p(3.0, 1.0)), Some(false));
        assert_eq!(index.contains(30, p(3.0, 1.0)), None);
    }
}

//! H3 hexagon layers for Gi*: the study cells, their k = 1 rings, and counting points.
//!
//! A hot-spot map on H3 needs a fixed set of study cells, zeros included, just as a grid
//! needs its full rectangle: Gi* compares each neighbourhood with the whole study area,
//! and leaving out the empty cells would make every populated cell look ordinary. The
//! layer is built from an explicit cell list or by covering an area polygon
//! ([`HexLayer::covering`], h3o's tiler in "covers" mode, so every point of the area lies
//! in some cell). Each cell's weights are the k = 1 disk (the cell and its six neighbours,
//! five at a pentagon, none of which is in Sweden) restricted to the study cells.

use geo::MultiPolygon;
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};
use serde::{Deserialize, Serialize};
use trygg_domain::geo::Wgs84;

use crate::AnalyticsError;
use crate::gistar::{GiStarOptions, HotSpots, Neighbours, gistar};

/// A fixed set of H3 cells of one resolution with their ring-1 weights.
#[derive(Debug, Clone)]
pub struct HexLayer {
    resolution: Resolution,
    cells: Vec<CellIndex>,
    neighbours: Neighbours,
}

impl HexLayer {
    /// A layer of the given cells (duplicates dropped; sorted by index).
    pub fn new(cells: impl IntoIterator<Item = CellIndex>) -> Result<Self, AnalyticsError> {
        let mut cells: Vec<CellIndex> = cells.into_iter().collect();
        cells.sort_unstable();
        cells.dedup();
        let resolution = cells.first().map_or(Resolution::Nine, |c| c.resolution());
        if cells.iter().any(|c| c.resolution() != resolution) {
            return Err(AnalyticsError::MixedResolutions);
        }
        let lists: Vec<Vec<usize>> = cells
            .iter()
            .map(|c| {
                c.grid_disk::<Vec<CellIndex>>(1)
                    .into_iter()
                    .filter_map(|d| cells.binary_search(&d).ok())
                    .collect()
            })
            .collect();
        let neighbours = Neighbours::from_lists(&lists)?;
        Ok(Self {
            resolution,
            cells,
            neighbours,
        })
    }

    /// The cells covering an area given in WGS84 degrees (x = longitude, y = latitude,
    /// as every polygon in `trygg_domain::geo`): every cell that touches the area.
    pub fn covering(
        area: &MultiPolygon<f64>,
        resolution: Resolution,
    ) -> Result<Self, AnalyticsError> {
        let mut tiler = TilerBuilder::new(resolution)
            .containment_mode(ContainmentMode::Covers)
            .build();
        for polygon in area {
            tiler
                .add(polygon.clone())
                .map_err(|e| AnalyticsError::Tiling(e.to_string()))?;
        }
        Self::new(tiler.into_coverage())
    }

    /// The resolution of every cell.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// The study cells, sorted; values passed to [`HexLayer::gistar`] follow this order.
    pub fn cells(&self) -> &[CellIndex] {
        &self.cells
    }

    /// The ring-1 weights (self included) within the layer.
    pub fn neighbours(&self) -> &Neighbours {
        &self.neighbours
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True without cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Position of a cell in [`HexLayer::cells`].
    pub fn position(&self, cell: CellIndex) -> Option<usize> {
        self.cells.binary_search(&cell).ok()
    }

    /// The cell of the layer's resolution holding a position (whether or not it is a
    /// study cell).
    pub fn cell_of(&self, p: Wgs84) -> Result<CellIndex, AnalyticsError> {
        LatLng::new(p.lat(), p.lon())
            .map(|ll| ll.to_cell(self.resolution))
            .map_err(|_| AnalyticsError::NotFinite("coordinates"))
    }

    /// Sums `weight` of each point into its study cell; points in no study cell are
    /// counted in `outside`.
    pub fn count(
        &self,
        points: impl IntoIterator<Item = (Wgs84, f64)>,
    ) -> Result<HexCounts, AnalyticsError> {
        let mut values = vec![0.0; self.cells.len()];
        let mut outside = 0usize;
        for (p, w) in points {
            if !w.is_finite() {
                return Err(AnalyticsError::NotFinite("weights"));
            }
            match self.position(self.cell_of(p)?) {
                Some(i) => values[i] += w,
                None => outside += 1,
            }
        }
        Ok(HexCounts { values, outside })
    }

    /// Gi* over the layer; `values` in the order of [`HexLayer::cells`].
    pub fn gistar(
        &self,
        values: &[f64],
        options: &GiStarOptions,
    ) -> Result<HotSpots, AnalyticsError> {
        gistar(&self.neighbours, values, options)
    }
}

/// Point totals per study cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HexCounts {
    /// Totals in the order of [`HexLayer::cells`].
    pub values: Vec<f64>,
    /// Points outside every study cell.
    pub outside: usize,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::gistar::GiStarOptions;

    fn linkoping() -> Wgs84 {
        Wgs84::new(58.4108, 15.6214).unwrap()
    }

    #[test]
    fn ring_weights_within_the_layer() {
        let centre = LatLng::new(58.4108, 15.6214)
            .unwrap()
            .to_cell(Resolution::Nine);
        let disk: Vec<CellIndex> = centre.grid_disk(2);
        let layer = HexLayer::new(disk.clone()).unwrap();
        assert_eq!(layer.len(), 19);
        let i = layer.position(centre).unwrap();
        assert_eq!(layer.neighbours().of(i).len(), 7);
        // A cell on the outer ring has itself, 2 ring-2 and 2 ring-1 neighbours… in the
        // layer: 4 when it is a corner of the hexagon, 5 on an edge (plus itself).
        for (j, c) in layer.cells().iter().enumerate() {
            let expected = 1 + c
                .grid_disk::<Vec<CellIndex>>(1)
                .iter()
                .filter(|d| **d != *c && disk.contains(d))
                .count();
            assert_eq!(layer.neighbours().of(j).len(), expected);
        }
    }

    #[test]
    fn counting_and_a_hot_centre() {
        let centre = LatLng::new(58.4108, 15.6214)
            .unwrap()
            .to_cell(Resolution::Nine);
        let layer = HexLayer::new(centre.grid_disk::<Vec<_>>(6)).unwrap();
        let counts = layer
            .count([
                (linkoping(), 5.0),
                (linkoping(), 4.0),
                (Wgs84::new(59.33, 18.06).unwrap(), 1.0),
            ])
            .unwrap();
        assert_eq!(counts.outside, 1);
        assert_eq!(counts.values.iter().sum::<f64>(), 9.0);
        let h = layer
            .gistar(&counts.values, &GiStarOptions::default())
            .unwrap();
        let i = layer.position(layer.cell_of(linkoping()).unwrap()).unwrap();
        assert!(h.z[i] > 3.0);
        assert_eq!(h.bin[i], 3);
    }

    #[test]
    fn mixed_resolutions_are_refused() {
        let a = LatLng::new(58.4, 15.6).unwrap();
        let err =
            HexLayer::new([a.to_cell(Resolution::Nine), a.to_cell(Resolution::Eight)]).unwrap_err();
        assert_eq!(err.code(), "mixed_resolutions");
    }

    #[test]
    fn covering_a_square() {
        use geo::{LineString, Polygon};
        let square = Polygon::new(
            LineString::from(vec![
                (15.60, 58.40),
                (15.64, 58.40),
                (15.64, 58.42),
                (15.60, 58.42),
                (15.60, 58.40),
            ]),
            vec![],
        );
        let layer = HexLayer::covering(&MultiPolygon::new(vec![square]), Resolution::Nine).unwrap();
        // ≈ 2.3 km × 2.2 km ≈ 5.1 km²; a res-9 cell is ≈ 0.105 km².
        assert!((45..90).contains(&layer.len()), "{}", layer.len());
        assert!(
            layer
                .position(layer.cell_of(linkoping()).unwrap())
                .is_some()
        );
    }
}

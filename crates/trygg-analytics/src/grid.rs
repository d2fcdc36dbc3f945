//! Regular square grids in SWEREF 99 TM (EPSG:3006) metres.
//!
//! A grid is an origin `(x₀, y₀)`, a cell size `M` and a number of columns and rows.
//! Cell `(col, row)` is the half-open square `[x₀ + col·M, x₀ + (col+1)·M) ×
//! [y₀ + row·M, y₀ + (row+1)·M)`: a point on a shared edge belongs to the cell east or
//! north of it, so every point is in exactly one cell. `x` is easting (E), `y` northing
//! (N). Cells are stored row-major with row 0 in the south: index `row·cols + col`.
//!
//! The default grid for a set of points is the one of the `trygg analyze gistar` command
//! contract: origin `(⌊min x / M⌋·M, ⌊min y / M⌋·M)`, so cells line up with round
//! coordinates and the same cells appear week after week, and the full rectangle from the
//! origin to the cell holding the largest x and y, empty cells included (the zeros are
//! data: Gi* compares every cell with the whole study area).

use serde::{Deserialize, Serialize};
use trygg_domain::geo::Sweref99Tm;

use crate::AnalyticsError;

/// The most cells a grid may have (a 5 000 × 5 000 grid; Sweden at 250 m is ~1.2·10⁷).
pub const MAX_CELLS: u64 = 25_000_000;

/// The shape of a grid without coordinates: what Gi* needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lattice {
    /// Cells west–east.
    pub cols: usize,
    /// Cells south–north.
    pub rows: usize,
}

impl Lattice {
    /// Number of cells.
    pub fn len(self) -> usize {
        self.cols * self.rows
    }

    /// True for a lattice without cells.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// A square grid in SWEREF 99 TM.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    /// Easting of the south-west corner, metres.
    pub origin_x: f64,
    /// Northing of the south-west corner, metres.
    pub origin_y: f64,
    /// Side of a cell, metres.
    pub cell_size: f64,
    /// Cells west–east.
    pub cols: usize,
    /// Cells south–north.
    pub rows: usize,
}

impl GridSpec {
    /// A grid with explicit origin and size.
    pub fn new(
        origin: (f64, f64),
        cell_size: f64,
        cols: usize,
        rows: usize,
    ) -> Result<Self, AnalyticsError> {
        check_cell_size(cell_size)?;
        if !(origin.0.is_finite() && origin.1.is_finite()) {
            return Err(AnalyticsError::NotFinite("grid origins"));
        }
        check_size(cols as u64, rows as u64)?;
        Ok(Self {
            origin_x: origin.0,
            origin_y: origin.1,
            cell_size,
            cols,
            rows,
        })
    }

    /// The grid of the command contract for `points` (x, y): origin as given or
    /// `(⌊min x/M⌋·M, ⌊min y/M⌋·M)`, up to the cell holding the largest x and y.
    ///
    /// With an explicit origin, points west or south of it are simply outside the grid
    /// (see [`GridSpec::count`]); the grid still reaches the largest x and y.
    pub fn covering(
        points: impl IntoIterator<Item = (f64, f64)>,
        cell_size: f64,
        origin: Option<(f64, f64)>,
    ) -> Result<Self, AnalyticsError> {
        check_cell_size(cell_size)?;
        let mut min = (f64::INFINITY, f64::INFINITY);
        let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (x, y) in points {
            if !(x.is_finite() && y.is_finite()) {
                return Err(AnalyticsError::NotFinite("coordinates"));
            }
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
        }
        if min.0 > max.0 {
            return Err(AnalyticsError::NoPoints);
        }
        let (x0, y0) = origin.unwrap_or((
            (min.0 / cell_size).floor() * cell_size,
            (min.1 / cell_size).floor() * cell_size,
        ));
        let span = |hi: f64, lo: f64| -> u64 {
            let cells = ((hi - lo) / cell_size).floor();
            if cells < 0.0 { 1 } else { cells as u64 + 1 }
        };
        let (cols, rows) = (span(max.0, x0), span(max.1, y0));
        check_size(cols, rows)?;
        Self::new((x0, y0), cell_size, cols as usize, rows as usize)
    }

    /// The grid's shape.
    pub fn lattice(&self) -> Lattice {
        Lattice {
            cols: self.cols,
            rows: self.rows,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// True for a grid without cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The (col, row) of the cell holding (x, y), or `None` outside the grid.
    pub fn cell_of(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let c = ((x - self.origin_x) / self.cell_size).floor();
        let r = ((y - self.origin_y) / self.cell_size).floor();
        (c >= 0.0 && r >= 0.0 && c < self.cols as f64 && r < self.rows as f64)
            .then_some((c as usize, r as usize))
    }

    /// The cell of a SWEREF 99 TM position.
    pub fn cell_of_point(&self, p: Sweref99Tm) -> Option<(usize, usize)> {
        self.cell_of(p.e(), p.n())
    }

    /// Row-major index of (col, row).
    pub fn index(&self, col: usize, row: usize) -> usize {
        row * self.cols + col
    }

    /// (col, row) of a row-major index.
    pub fn col_row(&self, index: usize) -> (usize, usize) {
        (index % self.cols, index / self.cols)
    }

    /// South-west corner of a cell.
    pub fn cell_min(&self, col: usize, row: usize) -> (f64, f64) {
        (
            self.origin_x + col as f64 * self.cell_size,
            self.origin_y + row as f64 * self.cell_size,
        )
    }

    /// Centre of a cell.
    pub fn cell_centre(&self, col: usize, row: usize) -> (f64, f64) {
        let (x, y) = self.cell_min(col, row);
        (x + self.cell_size / 2.0, y + self.cell_size / 2.0)
    }

    /// Sums `weight` of each point (x, y, weight) into its cell. Returns the row-major
    /// cell totals and the number of points outside the grid (not counted).
    pub fn count(
        &self,
        points: impl IntoIterator<Item = (f64, f64, f64)>,
    ) -> Result<GridCounts, AnalyticsError> {
        let mut values = vec![0.0; self.len()];
        let mut outside = 0usize;
        for (x, y, w) in points {
            if !w.is_finite() {
                return Err(AnalyticsError::NotFinite("weights"));
            }
            match self.cell_of(x, y) {
                Some((c, r)) => values[r * self.cols + c] += w,
                None => outside += 1,
            }
        }
        Ok(GridCounts { values, outside })
    }
}

/// Point totals per cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridCounts {
    /// Row-major totals, row 0 in the south.
    pub values: Vec<f64>,
    /// Points that fell outside the grid and were not counted.
    pub outside: usize,
}

fn check_cell_size(cell_size: f64) -> Result<(), AnalyticsError> {
    if cell_size.is_finite() && cell_size > 0.0 {
        Ok(())
    } else {
        Err(AnalyticsError::CellSize)
    }
}

fn check_size(cols: u64, rows: u64) -> Result<(), AnalyticsError> {
    match cols.checked_mul(rows) {
        Some(n) if n <= MAX_CELLS => Ok(()),
        _ => Err(AnalyticsError::GridTooLarge {
            cols,
            rows,
            limit: MAX_CELLS,
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn default_grid_follows_the_command_contract() {
        let pts = [(532_130.0, 6_474_010.0), (533_999.9, 6_475_250.0)];
        let g = GridSpec::covering(pts, 250.0, None).unwrap();
        assert_eq!((g.origin_x, g.origin_y), (532_000.0, 6_474_000.0));
        // x: 532 000 … 533 999.9 → cells 0..=7; y: 6 474 000 … 6 475 250 → 0..=5
        // (6 475 250 is on an edge and belongs to the cell north of it).
        assert_eq!((g.cols, g.rows), (8, 6));
        assert_eq!(g.cell_of(533_999.9, 6_475_250.0), Some((7, 5)));
        assert_eq!(g.cell_of(532_250.0, 6_474_000.0), Some((1, 0)));
        assert_eq!(g.cell_of(531_999.0, 6_474_000.0), None);
        assert_eq!(g.cell_min(7, 5), (533_750.0, 6_475_250.0));
        assert_eq!(g.cell_centre(0, 0), (532_125.0, 6_474_125.0));
    }

    #[test]
    fn counting_with_weights_and_outsiders() {
        let g = GridSpec::new((0.0, 0.0), 10.0, 3, 2).unwrap();
        let c = g
            .count([
                (0.0, 0.0, 1.0),
                (9.99, 9.99, 2.0),
                (10.0, 0.0, 1.0),
                (25.0, 15.0, 1.0),
                (30.0, 0.0, 1.0),
            ])
            .unwrap();
        assert_eq!(c.values, vec![3.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(c.outside, 1);
        assert_eq!(g.col_row(5), (2, 1));
        assert_eq!(g.index(2, 1), 5);
    }

    #[test]
    fn explicit_origin_and_limits() {
        let g = GridSpec::covering([(105.0, 105.0)], 10.0, Some((0.0, 0.0))).unwrap();
        assert_eq!((g.cols, g.rows), (11, 11));
        let g = GridSpec::covering([(-5.0, -5.0)], 10.0, Some((0.0, 0.0))).unwrap();
        assert_eq!((g.cols, g.rows), (1, 1));
        assert_eq!(
            GridSpec::covering([], 10.0, None).unwrap_err().code(),
            "no_points"
        );
        assert_eq!(
            GridSpec::covering([(0.0, 0.0)], 0.0, None)
                .unwrap_err()
                .code(),
            "cell_size"
        );
        assert_eq!(
            GridSpec::covering([(0.0, 0.0), (1e9, 1e9)], 1.0, None)
                .unwrap_err()
                .code(),
            "grid_too_large"
        );
        assert_eq!(
            GridSpec::covering([(f64::NAN, 0.0)], 1.0, None)
                .unwrap_err()
                .code(),
            "not_finite"
        );
    }
}

//! Getis-Ord Gi* hot spots.
//!
//! # The statistic
//!
//! For cells `i = 1…n` with values `xᵢ` (incident counts) and binary weights `wᵢⱼ ∈ {0, 1}`
//! that include the cell itself (`wᵢᵢ = 1`: queen neighbours on a square grid, the k = 1
//! ring on H3), Getis & Ord ("The analysis of spatial association by use of distance
//! statistics", *Geographical Analysis* 24, 1992) define `Gᵢ* = Σⱼ wᵢⱼ xⱼ / Σⱼ xⱼ`. Its
//! standardised form (Ord & Getis, "Local spatial autocorrelation statistics:
//! distributional issues and an application", *Geographical Analysis* 27, 1995, eq. 14)
//! is the z-score
//!
//! ```text
//!            Lᵢ − x̄·Wᵢ                    Lᵢ = Σⱼ wᵢⱼ xⱼ      (the cell and its neighbours)
//! zᵢ = ─────────────────────────────      Wᵢ = Σⱼ wᵢⱼ         (their number, self included)
//!      S·√[(n·Wᵢ − Wᵢ²) / (n − 1)]        x̄ = Σⱼ xⱼ / n,  S² = Σⱼ xⱼ² / n − x̄²
//! ```
//!
//! (with binary weights `Σⱼ wᵢⱼ² = Wᵢ`). This is the form ArcGIS's Hot Spot Analysis
//! reports and the one PySAL's `esda.G_Local(y, w, transform="B", star=True)` computes as
//! `(Gᵢ − E[Gᵢ]) / √Var[Gᵢ]` with `E[Gᵢ] = Wᵢ/n` and
//! `Var[Gᵢ] = Wᵢ(n − Wᵢ)/(n − 1) · S²/(n x̄)²`; the two are algebraically identical, and
//! `tools/reference` checks that they agree to 10⁻⁹ on grids up to 300 × 300. `S` is the
//! population standard deviation (divisor n), as in both. For counts it is computed
//! exactly from integer sums, `(n·Σx² − (Σx)²)/n²`, rounded once; for other values in two
//! passes (`Σ(x − x̄)²/n`) rather than as `Σx²/n − x̄²` in floating point, which loses
//! digits when the mean is large against the spread.
//!
//! # Speed
//!
//! On a grid the analytic statistic needs no weights: the queen neighbourhood sums are
//! 3 × 3 box sums from rolling rows of horizontal sums, and Wᵢ follows from the position
//! (9 inside, 6 on an edge, 4 in a corner). For counts, zᵢ, pᵢ and the bin depend only on
//! the pair (Lᵢ, Wᵢ), of which a grid has a few hundred, so they are computed once per
//! pair and the outputs filled from that table; a 1000 × 1000 grid then takes a few
//! milliseconds, most of it writing the 17 MB of output.
//!
//! The p-value is two-sided under the normal approximation, `p = 2·(1 − Φ(|z|))`. Cells
//! where the statistic has no variance — all values equal, or a cell whose neighbourhood
//! is the whole study area — get `z = 0, p = 1`: no evidence either way.
//!
//! # Bins
//!
//! As ArcGIS's `Gi_Bin`: ±3, ±2, ±1 for a hot (+) or cold (−) spot at 99, 95 and 90 %
//! confidence, 0 otherwise. Without correction a cell is at confidence `1 − α` when
//! `p ≤ α`. With the false discovery rate correction (on by default, as it should be
//! when thousands of cells are tested at once) the cut-off for each level is the
//! Benjamini–Hochberg one over all cells' p-values (see [`crate::significance`]); this is
//! how ArcGIS applies its FDR option.
//!
//! # Permutation inference (optional)
//!
//! The normal approximation is poor for sparse counts. With `R` permutations the crate
//! follows PySAL's conditional randomisation (Anselin, "Local indicators of spatial
//! association — LISA", *Geographical Analysis* 27, 1995): cell `i` keeps its own value,
//! and its `Wᵢ − 1` neighbours are replaced by a random draw without replacement from the
//! other `n − 1` values, `R` times. The statistic is folded about the mean of the
//! simulated values, as `esda`'s `alternative="folded"`:
//!
//! ```text
//! p_simᵢ = (#{r : |Gᵢ⁽ʳ⁾ − Ḡᵢ| ≥ |Gᵢ − Ḡᵢ|} + 1) / (R + 1),   Ḡᵢ = mean of the Gᵢ⁽ʳ⁾
//! ```
//!
//! a two-sided pseudo p-value whose smallest value is `1/(R + 1)`. (`esda.G_Local`'s own
//! default, `alternative="directed"`, instead counts the one tail the observation lies
//! in, which halves the p-value; Trygg does not use it.) Ties count as extreme, which
//! keeps the test valid for counts. The sign of a permutation bin is the side of `Ḡᵢ`
//! the observation lies on.
//!
//! The reference distribution of a cell depends only on its number of neighbours and its
//! own value (the pool is "all values but one copy of mine"), so cells that share both
//! share one simulated distribution, drawn once from a stream seeded by (seed, neighbour
//! count, value). That is statistically the same test and makes 999 permutations of a
//! count grid cost a few hundred draws per distinct count instead of per cell; PySAL
//! likewise reuses one set of permuted indices for every cell. Results depend only on
//! the seed, never on the order of cells or on the machine.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::AnalyticsError;
use crate::grid::Lattice;
use crate::rng::{Rng, splitmix64};
use crate::significance::{
    benjamini_hochberg_cutoffs, benjamini_hochberg_cutoffs_grouped, normal_two_sided_p,
};

/// Binary spatial weights with the cell itself included, in compressed rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbours {
    offsets: Vec<usize>,
    indices: Vec<u32>,
}

impl Neighbours {
    /// Queen contiguity on a lattice, the cell included: up to 9 cells, 6 on an edge and
    /// 4 in a corner.
    pub fn queen(lattice: Lattice) -> Self {
        let Lattice { cols, rows } = lattice;
        let mut offsets = Vec::with_capacity(cols * rows + 1);
        let mut indices = Vec::with_capacity(cols * rows * 9);
        offsets.push(0);
        for r in 0..rows {
            for c in 0..cols {
                for rr in r.saturating_sub(1)..=(r + 1).min(rows - 1) {
                    for cc in c.saturating_sub(1)..=(c + 1).min(cols - 1) {
                        indices.push((rr * cols + cc) as u32);
                    }
                }
                offsets.push(indices.len());
            }
        }
        Self { offsets, indices }
    }

    /// Weights from a neighbour list per cell. The cell itself is added if missing and
    /// duplicates are dropped; an index out of range is an error. The lists need not be
    /// symmetric (Gi* does not require it), though contiguity lists are.
    pub fn from_lists(lists: &[Vec<usize>]) -> Result<Self, AnalyticsError> {
        let n = lists.len();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut indices = Vec::new();
        offsets.push(0);
        let mut row: Vec<u32> = Vec::new();
        for (i, list) in lists.iter().enumerate() {
            row.clear();
            row.push(i as u32);
            for &j in list {
                if j >= n {
                    return Err(AnalyticsError::NeighbourOutOfRange {
                        cell: i,
                        neighbour: j,
                    });
                }
                row.push(j as u32);
            }
            row.sort_unstable();
            row.dedup();
            indices.extend_from_slice(&row);
            offsets.push(indices.len());
        }
        Ok(Self { offsets, indices })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True without cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cells weighted 1 for cell `i`, itself included.
    pub fn of(&self, i: usize) -> &[u32] {
        &self.indices[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// How to test and bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiStarOptions {
    /// Benjamini–Hochberg false discovery rate correction of the bins (default on).
    pub fdr: bool,
    /// Conditional permutation inference; the bins then use `p_sim`.
    pub permutations: Option<Permutations>,
}

impl Default for GiStarOptions {
    fn default() -> Self {
        Self {
            fdr: true,
            permutations: None,
        }
    }
}

/// A seeded permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permutations {
    /// Number of permutations R (99, 999, 9999 give round pseudo p-values).
    pub count: u32,
    /// Seed; the same seed gives the same p-values.
    pub seed: u64,
}

/// Which p-values the bins were made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Inference {
    /// The normal approximation.
    Analytic,
    /// Conditional permutations.
    Permutation {
        /// R.
        permutations: u32,
        /// The seed.
        seed: u64,
    },
}

/// The p-value cut-offs used for the 90, 95 and 99 % bins. Without FDR they are 0.10,
/// 0.05 and 0.01; with FDR the Benjamini–Hochberg cut-offs, `None` when no cell reaches
/// that level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cutoffs {
    /// Cut-off for ±1 (90 %).
    pub p90: Option<f64>,
    /// Cut-off for ±2 (95 %).
    pub p95: Option<f64>,
    /// Cut-off for ±3 (99 %).
    pub p99: Option<f64>,
}

/// Gi* for every cell, in the order of the input values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotSpots {
    /// z-scores.
    pub z: Vec<f64>,
    /// Two-sided p-values of the z-scores (normal approximation).
    pub p: Vec<f64>,
    /// Folded conditional-permutation pseudo p-values, when permutations were asked for.
    pub p_sim: Option<Vec<f64>>,
    /// −3…3: cold/hot spot at 99/95/90 % confidence, 0 not significant.
    pub bin: Vec<i8>,
    /// The cut-offs the bins used.
    pub cutoffs: Cutoffs,
    /// Which p-values the bins used.
    pub inference: Inference,
    /// Whether the cut-offs were corrected for the false discovery rate.
    pub fdr: bool,
    /// Number of cells n.
    pub n: usize,
    /// Mean value x̄.
    pub mean: f64,
    /// Population standard deviation S.
    pub std_dev: f64,
}

impl HotSpots {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.z.len()
    }

    /// True without cells.
    pub fn is_empty(&self) -> bool {
        self.z.is_empty()
    }
}

/// Gi* on a square lattice with queen neighbours (the fast path for grids: box sums, no
/// weights matrix). `values` are row-major, `lattice.len()` of them.
pub fn gistar_lattice(
    lattice: Lattice,
    values: &[f64],
    options: &GiStarOptions,
) -> Result<HotSpots, AnalyticsError> {
    check_len(values, lattice.len())?;
    let m = Moments::of(values)?;
    if options.permutations.is_some_and(|p| p.count > 0) {
        let (lag, card) = lattice_lag(lattice, values);
        return Ok(finish(values, &m, &lag, &card, options));
    }
    Ok(analytic_lattice(lattice, values, &m, options))
}

/// Gi* with arbitrary binary weights (H3 rings, irregular areas).
pub fn gistar(
    neighbours: &Neighbours,
    values: &[f64],
    options: &GiStarOptions,
) -> Result<HotSpots, AnalyticsError> {
    check_len(values, neighbours.len())?;
    let m = Moments::of(values)?;
    let n = values.len();
    let mut lag = Vec::with_capacity(n);
    let mut card = Vec::with_capacity(n);
    for i in 0..n {
        let row = neighbours.of(i);
        lag.push(row.iter().map(|&j| values[j as usize]).sum());
        card.push(row.len() as u32);
    }
    Ok(finish(values, &m, &lag, &card, options))
}

fn check_len(values: &[f64], expected: usize) -> Result<(), AnalyticsError> {
    if values.len() != expected {
        return Err(AnalyticsError::LengthMismatch {
            what: "cell values",
            got: values.len(),
            expected,
        });
    }
    Ok(())
}

/// Independent partial sums per pass over the values. One running sum is a chain of
/// dependent additions, a few cycles each, which dominated a million-cell grid; four
/// chains of each kind keep the vector units busy without running out of registers. The
/// grouping is fixed, so results do not depend on the machine.
const LANES: usize = 4;

/// 2⁵²: for `v` in `[0, 2⁵²)`, `(v + 2⁵²) − 2⁵²` is `v` rounded to an integer, so it
/// equals `v` exactly when `v` is one (a count test without a call to `trunc`, which the
/// compiler can vectorise).
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

/// 2⁵³: integers below it are exact in an `f64`, and so are sums of them that stay below.
const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// What Gi* needs to know about the values as a whole.
struct Moments {
    n: usize,
    mean: f64,
    std_dev: f64,
    /// All values are non-negative integers (counts).
    counts: bool,
    max: f64,
}

impl Moments {
    /// The moments; an error if any value is not finite.
    ///
    /// One pass gathers the sum, the sum of squares, the extremes and whether every value
    /// is an integer. For counts whose partial sums stay below 2⁵³ those sums are exact,
    /// and `S² = (n·Σx² − (Σx)²)/n²` is computed in integers and rounded once. Otherwise
    /// a second pass takes `Σ(x − x̄)²/n`, which unlike `Σx²/n − x̄²` in floating point
    /// keeps its digits when the mean is large against the spread.
    fn of(values: &[f64]) -> Result<Self, AnalyticsError> {
        let n = values.len();
        let nf = n as f64;
        let mut sum = [0.0f64; LANES];
        let mut squares = [0.0f64; LANES];
        let mut min = [0.0f64; LANES];
        let mut max = [0.0f64; LANES];
        // Σ|v − round(v)| for v ≥ 0: 0 when all are integers, NaN when one is not finite.
        let mut fraction = [0.0f64; LANES];
        let mut step = |j: usize, v: f64| {
            sum[j] += v;
            squares[j] += v * v;
            if v < min[j] {
                min[j] = v;
            }
            if v > max[j] {
                max[j] = v;
            }
            fraction[j] += (((v + TWO_POW_52) - TWO_POW_52) - v).abs();
        };
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (j, &v) in chunk.iter().enumerate() {
                step(j, v);
            }
        }
        for (j, &v) in rest.iter().enumerate() {
            step(j, v);
        }
        if fraction.iter().any(|f| f.is_nan()) {
            return Err(AnalyticsError::NotFinite("cell values"));
        }
        let counts = min.iter().all(|m| *m >= 0.0) && fraction.iter().all(|f| *f == 0.0);
        let max = max.iter().copied().fold(0.0, f64::max);
        let total: f64 = sum.iter().sum();
        let mean = if n > 0 { total / nf } else { 0.0 };
        let exact = counts && sum.iter().chain(&squares).all(|s| *s < TWO_POW_53);
        let variance = if n == 0 {
            0.0
        } else if exact {
            // Integers below 2⁵³ convert exactly; n·Σx² ≥ (Σx)² (Cauchy–Schwarz).
            let s1: u128 = sum.iter().map(|s| *s as u128).sum();
            let s2: u128 = squares.iter().map(|s| *s as u128).sum();
            let nn = n as u128;
            (nn * s2 - s1 * s1) as f64 / (nn * nn) as f64
        } else {
            let mut deviations = [0.0f64; LANES];
            let chunks = values.chunks_exact(LANES);
            let rest = chunks.remainder();
            for chunk in chunks {
                for (j, &v) in chunk.iter().enumerate() {
                    deviations[j] += (v - mean) * (v - mean);
                }
            }
            for (j, &v) in rest.iter().enumerate() {
                deviations[j] += (v - mean) * (v - mean);
            }
            deviations.iter().sum::<f64>() / nf
        };
        Ok(Self {
            n,
            mean,
            std_dev: variance.sqrt(),
            counts,
            max,
        })
    }

    /// `S·√[(n·W − W²)/(n − 1)]` for W = 0..=max_w; 0 where Gi* has no variance.
    fn denominators(&self, max_w: usize) -> Vec<f64> {
        let nf = self.n as f64;
        (0..=max_w)
            .map(|w| {
                let wf = w as f64;
                if self.n < 2 {
                    0.0
                } else {
                    self.std_dev * ((nf * wf - wf * wf) / (nf - 1.0)).sqrt()
                }
            })
            .collect()
    }

    fn z(&self, lag: f64, w: u32, denominators: &[f64]) -> f64 {
        let den = denominators[w as usize];
        if den > 0.0 {
            (lag - self.mean * f64::from(w)) / den
        } else {
            0.0
        }
    }
}

/// Memoised z- and p-values for count data.
///
/// zᵢ and so pᵢ are functions of (Lᵢ, Wᵢ) alone, and a grid of counts has only a few
/// hundred distinct pairs among a million cells: each pair's values are computed once
/// (the same arithmetic and the same `erfc` result, without a million divisions and
/// calls), and the number of cells per pair gives the Benjamini–Hochberg cut-offs
/// without sorting a million p-values.
struct Memo {
    width: usize,
    z: Vec<f64>,
    p: Vec<f64>,
    hits: Vec<u64>,
}

impl Memo {
    const LIMIT: usize = 1 << 20;

    /// The width of the table (the number of possible Lᵢ) for count data whose table is
    /// small enough to pay: at most [`Self::LIMIT`] entries and not many more than cells.
    fn width(m: &Moments, max_w: usize) -> Option<usize> {
        let max_lag = m.max * max_w as f64;
        if !m.counts || max_lag >= Self::LIMIT as f64 {
            return None;
        }
        let width = max_lag as usize + 1;
        width
            .checked_mul(max_w + 1)
            .filter(|s| *s <= Self::LIMIT && *s <= 8 * m.n.max(1024))?;
        Some(width)
    }

    fn new(m: &Moments, max_w: usize) -> Option<Self> {
        let width = Self::width(m, max_w)?;
        let size = width * (max_w + 1);
        Some(Self {
            width,
            z: vec![f64::NAN; size],
            p: vec![f64::NAN; size],
            hits: vec![0; size],
        })
    }

    #[inline]
    fn get(&mut self, lag: f64, w: u32, m: &Moments, denominators: &[f64]) -> (f64, f64) {
        let k = w as usize * self.width + lag as usize;
        self.hits[k] += 1;
        if self.z[k].is_nan() {
            let z = m.z(lag, w, denominators);
            self.z[k] = z;
            self.p[k] = normal_two_sided_p(z);
        }
        (self.z[k], self.p[k])
    }

    fn cutoffs(&self, alphas: &[f64]) -> Vec<Option<f64>> {
        let mut groups: Vec<(f64, u64)> = self
            .p
            .iter()
            .zip(&self.hits)
            .filter(|(_, h)| **h > 0)
            .map(|(p, h)| (*p, *h))
            .collect();
        benjamini_hochberg_cutoffs_grouped(&mut groups, alphas)
    }
}

/// The ±1/2/3 levels and their p-value cut-offs.
const LEVELS: [f64; 3] = [0.10, 0.05, 0.01];

/// Calls `emit(Lᵢ, Wᵢ)` for every cell of a lattice in row-major order: box sums from
/// three rolling rows of horizontal sums, Wᵢ from the position, no per-cell storage.
#[inline]
fn sweep_lattice(lattice: Lattice, values: &[f64], mut emit: impl FnMut(f64, u32)) {
    let Lattice { cols, rows } = lattice;
    let horizontal = |r: usize, out: &mut [f64]| {
        let row = &values[r * cols..(r + 1) * cols];
        for (c, o) in out.iter_mut().enumerate() {
            let mut s = row[c];
            if c > 0 {
                s += row[c - 1];
            }
            if c + 1 < cols {
                s += row[c + 1];
            }
            *o = s;
        }
    };
    let span = |i: usize, len: usize| 1 + u32::from(i > 0) + u32::from(i + 1 < len);
    let mut above = vec![0.0; cols];
    let mut here = vec![0.0; cols];
    let mut below = vec![0.0; cols];
    if rows > 0 {
        horizontal(0, &mut here);
    }
    for r in 0..rows {
        let has_above = r > 0;
        let has_below = r + 1 < rows;
        if has_below {
            horizontal(r + 1, &mut below);
        }
        let wr = span(r, rows);
        for c in 0..cols {
            let mut lag = here[c];
            if has_above {
                lag += above[c];
            }
            if has_below {
                lag += below[c];
            }
            emit(lag, wr * span(c, cols));
        }
        std::mem::swap(&mut above, &mut here);
        std::mem::swap(&mut here, &mut below);
    }
}

/// Analytic Gi* on a lattice: through tables for counts, else z and p cell by cell in one
/// sweep.
fn analytic_lattice(
    lattice: Lattice,
    values: &[f64],
    m: &Moments,
    options: &GiStarOptions,
) -> HotSpots {
    let n = values.len();
    let denominators = m.denominators(9);
    if let Some(width) = Memo::width(m, 9) {
        return analytic_lattice_counts(lattice, values, m, &denominators, width, options);
    }
    let mut z = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    sweep_lattice(lattice, values, |lag, w| {
        let zi = m.z(lag, w, &denominators);
        z.push(zi);
        p.push(normal_two_sided_p(zi));
    });
    let cutoffs = level_cutoffs(&p, options.fdr);
    let bin = bins(&p, &cutoffs, |i| sign(z[i]));
    HotSpots {
        z,
        p,
        p_sim: None,
        bin,
        cutoffs,
        inference: Inference::Analytic,
        fdr: options.fdr,
        n,
        mean: m.mean,
        std_dev: m.std_dev,
    }
}

/// Analytic Gi* of counts on a lattice, the case a weekly grid is in.
///
/// zᵢ, pᵢ and the bin depend on (Lᵢ, Wᵢ) alone, and for counts Lᵢ is a small integer.
/// So an integer box-sum sweep gives each cell the key `Wᵢ·width + Lᵢ`; the few hundred
/// distinct keys among a million cells get z, p and bin computed once (the same
/// arithmetic as cell by cell), the number of cells per key gives the Benjamini–Hochberg
/// cut-offs without sorting a million p-values, and a second sweep fills the outputs
/// from the tables. Every pass is a straight loop over contiguous memory, and nothing
/// of the size of the grid is allocated besides the outputs (sweeping twice is cheaper
/// than storing the keys: fresh memory costs a page fault per 4 KiB).
fn analytic_lattice_counts(
    lattice: Lattice,
    values: &[f64],
    m: &Moments,
    denominators: &[f64],
    width: usize,
    options: &GiStarOptions,
) -> HotSpots {
    let n = values.len();
    let mut z = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    let mut bin = Vec::with_capacity(n);
    let size = width * (denominators.len());
    let width32 = width as u32;
    let mut hits = vec![0u32; size];
    sweep_keys(lattice, values, width32, |keys| {
        for &k in keys {
            hits[k as usize] += 1;
        }
    });
    let mut z_of = vec![0.0f64; size];
    let mut p_of = vec![1.0f64; size];
    let mut groups: Vec<(f64, u64)> = Vec::new();
    for (k, &h) in hits.iter().enumerate() {
        if h > 0 {
            let zk = m.z((k % width) as f64, (k / width) as u32, denominators);
            z_of[k] = zk;
            p_of[k] = normal_two_sided_p(zk);
            groups.push((p_of[k], u64::from(h)));
        }
    }
    let cutoffs = if options.fdr {
        cutoffs_from(&benjamini_hochberg_cutoffs_grouped(&mut groups, &LEVELS))
    } else {
        cutoffs_from(&LEVELS.map(Some))
    };
    let bin_of: Vec<i8> = p_of
        .iter()
        .zip(&z_of)
        .map(|(&pk, &zk)| level(pk, &cutoffs) * sign(zk))
        .collect();
    sweep_keys(lattice, values, width32, |keys| {
        z.extend(keys.iter().map(|&k| z_of[k as usize]));
        p.extend(keys.iter().map(|&k| p_of[k as usize]));
        bin.extend(keys.iter().map(|&k| bin_of[k as usize]));
    });
    HotSpots {
        z,
        p,
        p_sim: None,
        bin,
        cutoffs,
        inference: Inference::Analytic,
        fdr: options.fdr,
        n,
        mean: m.mean,
        std_dev: m.std_dev,
    }
}

/// Calls `emit` with `Wᵢ·width + Lᵢ` for the cells of each row of a lattice of counts in
/// turn, row-major: Lᵢ the 3 × 3 box
/// sum clipped at the edges, Wᵢ the number of cells in the box (9 inside, 6 on an edge,
/// 4 in a corner; fewer on a lattice one cell wide). In integers, from three rolling rows
/// of horizontal sums.
///
/// The caller guarantees that the values are non-negative integers and that every key
/// fits below `width · 10 ≤ Memo::LIMIT`, so nothing overflows.
fn sweep_keys(lattice: Lattice, values: &[f64], width: u32, mut emit: impl FnMut(&[u32])) {
    let Lattice { cols, rows } = lattice;
    if cols == 0 {
        return;
    }
    let mut ints = vec![0u32; cols];
    let mut horizontal = |row: &[f64], out: &mut [u32]| {
        for (i, &v) in ints.iter_mut().zip(row) {
            // For an integer v in [0, 2³²), v + 2⁵² holds v in its low mantissa bits:
            // the same as `v as u32`, without the saturating conversion (scalar only).
            *i = (v + TWO_POW_52).to_bits() as u32;
        }
        if cols == 1 {
            out[0] = ints[0];
            return;
        }
        out[0] = ints[0] + ints[1];
        out[cols - 1] = ints[cols - 2] + ints[cols - 1];
        for (((o, a), b), c) in out[1..cols - 1]
            .iter_mut()
            .zip(&ints[..cols - 2])
            .zip(&ints[1..cols - 1])
            .zip(&ints[2..])
        {
            *o = a + b + c;
        }
    };
    let span = |i: usize, len: usize| 1 + u32::from(i > 0) + u32::from(i + 1 < len);
    // A missing row above or below is a row of zeros.
    let mut above = vec![0u32; cols];
    let mut here = vec![0u32; cols];
    let mut below = vec![0u32; cols];
    if rows > 0 {
        horizontal(&values[..cols], &mut here);
    }
    let mut out = vec![0u32; cols];
    for r in 0..rows {
        if r + 1 < rows {
            horizontal(&values[(r + 1) * cols..(r + 2) * cols], &mut below);
        } else {
            below.fill(0);
        }
        let wr = span(r, rows);
        // Columns inside span 3 (on a lattice at least 3 wide), the end columns 2 (1 on
        // a lattice one cell wide).
        let inner = wr * cols.min(3) as u32 * width;
        for (((k, a), h), b) in out.iter_mut().zip(&above).zip(&here).zip(&below) {
            *k = a + h + b + inner;
        }
        let edge = wr * cols.min(2) as u32 * width;
        out[0] = out[0] - inner + edge;
        out[cols - 1] = out[cols - 1] - inner + edge;
        emit(&out);
        std::mem::swap(&mut above, &mut here);
        std::mem::swap(&mut here, &mut below);
    }
}

/// 3 × 3 box sums (clipped at the edges) and their cell counts, for the permutation path.
fn lattice_lag(lattice: Lattice, values: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let Lattice { cols, rows } = lattice;
    let mut horizontal = vec![0.0; values.len()];
    for r in 0..rows {
        let row = &values[r * cols..(r + 1) * cols];
        let out = &mut horizontal[r * cols..(r + 1) * cols];
        for (c, o) in out.iter_mut().enumerate() {
            let mut s = row[c];
            if c > 0 {
                s += row[c - 1];
            }
            if c + 1 < cols {
                s += row[c + 1];
            }
            *o = s;
        }
    }
    let span = |i: usize, len: usize| 1 + u32::from(i > 0) + u32::from(i + 1 < len);
    let mut lag = vec![0.0; values.len()];
    let mut card = vec![0u32; values.len()];
    for r in 0..rows {
        let wr = span(r, rows);
        for c in 0..cols {
            let mut s = horizontal[r * cols + c];
            if r > 0 {
                s += horizontal[(r - 1) * cols + c];
            }
            if r + 1 < rows {
                s += horizontal[(r + 1) * cols + c];
            }
            lag[r * cols + c] = s;
            card[r * cols + c] = wr * span(c, cols);
        }
    }
    (lag, card)
}

/// z, p, permutations and bins from the neighbourhood sums.
fn finish(
    values: &[f64],
    m: &Moments,
    lag: &[f64],
    card: &[u32],
    options: &GiStarOptions,
) -> HotSpots {
    let n = values.len();
    let max_w = card.iter().copied().max().unwrap_or(0) as usize;
    let denominators = m.denominators(max_w);
    let mut memo = Memo::new(m, max_w);
    let mut z = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    for (&l, &w) in lag.iter().zip(card) {
        let (zi, pi) = match memo.as_mut() {
            Some(memo) => memo.get(l, w, m, &denominators),
            None => {
                let zi = m.z(l, w, &denominators);
                (zi, normal_two_sided_p(zi))
            }
        };
        z.push(zi);
        p.push(pi);
    }

    match options.permutations {
        Some(perm) if perm.count > 0 => {
            let (p_sim, direction) = conditional_permutation(values, lag, card, perm);
            let cutoffs = level_cutoffs(&p_sim, options.fdr);
            let bin = bins(&p_sim, &cutoffs, |i| direction[i]);
            HotSpots {
                z,
                p,
                p_sim: Some(p_sim),
                bin,
                cutoffs,
                inference: Inference::Permutation {
                    permutations: perm.count,
                    seed: perm.seed,
                },
                fdr: options.fdr,
                n,
                mean: m.mean,
                std_dev: m.std_dev,
            }
        }
        _ => {
            let cutoffs = match (&memo, options.fdr) {
                (Some(memo), true) => cutoffs_from(&memo.cutoffs(&LEVELS)),
                _ => level_cutoffs(&p, options.fdr),
            };
            let bin = bins(&p, &cutoffs, |i| sign(z[i]));
            HotSpots {
                z,
                p,
                p_sim: None,
                bin,
                cutoffs,
                inference: Inference::Analytic,
                fdr: options.fdr,
                n,
                mean: m.mean,
                std_dev: m.std_dev,
            }
        }
    }
}

fn sign(z: f64) -> i8 {
    if z > 0.0 {
        1
    } else if z < 0.0 {
        -1
    } else {
        0
    }
}

fn cutoffs_from(c: &[Option<f64>]) -> Cutoffs {
    Cutoffs {
        p90: c.first().copied().flatten(),
        p95: c.get(1).copied().flatten(),
        p99: c.get(2).copied().flatten(),
    }
}

/// The cut-offs for the levels: α itself, or the Benjamini–Hochberg cut-off at α.
fn level_cutoffs(p: &[f64], fdr: bool) -> Cutoffs {
    if fdr {
        cutoffs_from(&benjamini_hochberg_cutoffs(p, &LEVELS))
    } else {
        cutoffs_from(&LEVELS.map(Some))
    }
}

/// −3…3 from the deciding p-values, the cut-offs and the direction of each cell.
fn bins(p: &[f64], cutoffs: &Cutoffs, direction: impl Fn(usize) -> i8) -> Vec<i8> {
    p.iter()
        .enumerate()
        .map(|(i, &pi)| match level(pi, cutoffs) {
            0 => 0,
            l => l * direction(i),
        })
        .collect()
}

/// 3, 2, 1 or 0: the highest confidence level whose cut-off `p` is at or below.
fn level(p: f64, cutoffs: &Cutoffs) -> i8 {
    let below = |c: Option<f64>| c.is_some_and(|c| p <= c);
    if below(cutoffs.p99) {
        3
    } else if below(cutoffs.p95) {
        2
    } else if below(cutoffs.p90) {
        1
    } else {
        0
    }
}

/// Folded conditional-permutation p-values and the side of the simulated mean each
/// observation lies on (see the module docs).
fn conditional_permutation(
    values: &[f64],
    lag: &[f64],
    card: &[u32],
    perm: Permutations,
) -> (Vec<f64>, Vec<i8>) {
    let n = values.len();
    let r = perm.count as usize;
    let mut p_sim = vec![1.0; n];
    let mut direction = vec![0i8; n];

    // Group cells by (neighbours other than self, own value). -0.0 and 0.0 are one value.
    let key_of = |i: usize| {
        let v = if values[i] == 0.0 { 0.0 } else { values[i] };
        (card[i].saturating_sub(1), v.to_bits())
    };
    let mut class_of: HashMap<(u32, u64), u32> = HashMap::new();
    let mut representative: Vec<usize> = Vec::new();
    let mut class = Vec::with_capacity(n);
    for i in 0..n {
        let next = class_of.len() as u32;
        let c = *class_of.entry(key_of(i)).or_insert_with(|| {
            representative.push(i);
            next
        });
        class.push(c);
    }
    // Members of each class, by counting sort.
    let classes = representative.len();
    let mut start = vec![0usize; classes + 1];
    for &c in &class {
        start[c as usize + 1] += 1;
    }
    for c in 0..classes {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut members = vec![0usize; n];
    for (i, &c) in class.iter().enumerate() {
        members[fill[c as usize]] = i;
        fill[c as usize] += 1;
    }

    let mut sims = vec![0.0f64; r];
    let mut picks = Vec::new();
    for c in 0..classes {
        let rep = representative[c];
        let (k, bits) = key_of(rep);
        let k = k as usize;
        let cells = &members[start[c]..start[c + 1]];
        if k == 0 || n < 2 {
            // An island: nothing to permute, no evidence.
            continue;
        }
        // The stream of the class (k, value): hashed, so distinct classes get distinct
        // streams except with probability ~2⁻⁶⁴ per pair.
        let mut state = bits;
        let mut state = splitmix64(&mut state).wrapping_add(k as u64);
        let mut rng = Rng::for_key(perm.seed, splitmix64(&mut state));
        for s in sims.iter_mut() {
            rng.sample_distinct(n as u64 - 1, k, &mut picks);
            // Index j of the pool "all cells but rep" is cell j, or j + 1 from rep on.
            *s = picks
                .iter()
                .map(|&j| {
                    let j = j as usize;
                    values[if j < rep { j } else { j + 1 }]
                })
                .sum();
        }
        let centre = sims.iter().sum::<f64>() / r as f64;
        for s in sims.iter_mut() {
            *s = (*s - centre).abs();
        }
        // Many cells share a class in count data: sort once and bisect. A class of a few
        // cells (continuous values) is cheaper to scan than to sort.
        let shared = cells.len() > 8;
        if shared {
            sims.sort_unstable_by(f64::total_cmp);
        }
        for &i in cells {
            let observed = lag[i] - values[i];
            let f = (observed - centre).abs();
            let at_least = if shared {
                r - sims.partition_point(|x| *x < f)
            } else {
                sims.iter().filter(|x| **x >= f).count()
            };
            p_sim[i] = (at_least + 1) as f64 / (r + 1) as f64;
            direction[i] = if observed > centre {
                1
            } else if observed < centre {
                -1
            } else {
                0
            };
        }
    }
    (p_sim, direction)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::needless_range_loop)]
    use super::*;

    /// Gi* straight from the definition, for checking the fast paths.
    fn brute(neighbours: &Neighbours, x: &[f64]) -> Vec<f64> {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let s = (x.iter().map(|v| v * v).sum::<f64>() / n - mean * mean).sqrt();
        (0..x.len())
            .map(|i| {
                let nb = neighbours.of(i);
                let w = nb.len() as f64;
                let l: f64 = nb.iter().map(|&j| x[j as usize]).sum();
                (l - mean * w) / (s * ((n * w - w * w) / (n - 1.0)).sqrt())
            })
            .collect()
    }

    #[test]
    fn queen_neighbours_include_self() {
        let nb = Neighbours::queen(Lattice { cols: 3, rows: 3 });
        assert_eq!(nb.of(0), &[0, 1, 3, 4]);
        assert_eq!(nb.of(4).len(), 9);
        assert_eq!(nb.of(1), &[0, 1, 2, 3, 4, 5]);
        let lists = vec![vec![1], vec![0, 0, 2], vec![]];
        let nb = Neighbours::from_lists(&lists).unwrap();
        assert_eq!(nb.of(1), &[0, 1, 2]);
        assert_eq!(nb.of(2), &[2]);
        assert!(Neighbours::from_lists(&[vec![5]]).is_err());
    }

    #[test]
    fn hand_computed_4x4() {
        // A 4 × 4 grid, zero everywhere except 8 in cell (col 1, row 1).
        // n = 16, x̄ = 0.5, S² = 64/16 − 0.25 = 3.75.
        let mut x = vec![0.0; 16];
        x[5] = 8.0;
        let h =
            gistar_lattice(Lattice { cols: 4, rows: 4 }, &x, &GiStarOptions::default()).unwrap();
        // Cell 5 is interior: W = 9, L = 8.
        // z = (8 − 4.5) / (√3.75 · √((144 − 81)/15)) = 3.5 / (√3.75 · √4.2)
        let z5 = 3.5 / (3.75f64.sqrt() * 4.2f64.sqrt());
        assert!((h.z[5] - z5).abs() < 1e-14);
        // Corner (0,0): W = 4, L = 8: z = (8 − 2)/(√3.75·√((64 − 16)/15)).
        let z0 = 6.0 / (3.75f64.sqrt() * 3.2f64.sqrt());
        assert!((h.z[0] - z0).abs() < 1e-14);
        // Cell (3,3): W = 4, L = 0: z = −2/(√3.75·√3.2).
        assert!((h.z[15] + 2.0 / (3.75f64.sqrt() * 3.2f64.sqrt())).abs() < 1e-14);
        assert_eq!((h.n, h.mean), (16, 0.5));
        assert!((h.std_dev - 3.75f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn lattice_equals_generic_and_brute_force() {
        let lattice = Lattice { cols: 7, rows: 5 };
        let x: Vec<f64> = (0..35).map(|i| ((i * 7919) % 13) as f64).collect();
        let nb = Neighbours::queen(lattice);
        let a = gistar_lattice(lattice, &x, &GiStarOptions::default()).unwrap();
        let b = gistar(&nb, &x, &GiStarOptions::default()).unwrap();
        let c = brute(&nb, &x);
        for i in 0..35 {
            assert!((a.z[i] - b.z[i]).abs() < 1e-12);
            assert!((a.z[i] - c[i]).abs() < 1e-12);
        }
        assert_eq!(a.bin, b.bin);
    }

    #[test]
    fn degenerate_inputs_carry_no_evidence() {
        let flat = gistar_lattice(
            Lattice { cols: 5, rows: 5 },
            &[2.0; 25],
            &GiStarOptions::default(),
        )
        .unwrap();
        assert!(flat.z.iter().all(|z| *z == 0.0));
        assert!(flat.p.iter().all(|p| *p == 1.0));
        assert!(flat.bin.iter().all(|b| *b == 0));
        // 2 × 2: every cell's neighbourhood is the whole grid.
        let all = gistar_lattice(
            Lattice { cols: 2, rows: 2 },
            &[1.0, 0.0, 0.0, 3.0],
            &GiStarOptions::default(),
        )
        .unwrap();
        assert!(all.z.iter().all(|z| *z == 0.0));
        let empty =
            gistar_lattice(Lattice { cols: 0, rows: 0 }, &[], &GiStarOptions::default()).unwrap();
        assert!(empty.is_empty());
        assert!(
            gistar_lattice(
                Lattice { cols: 2, rows: 2 },
                &[1.0; 3],
                &GiStarOptions::default()
            )
            .is_err()
        );
        assert!(
            gistar_lattice(
                Lattice { cols: 1, rows: 1 },
                &[f64::NAN],
                &GiStarOptions::default()
            )
            .is_err()
        );
    }

    #[test]
    fn moments_of_counts_and_of_other_values() {
        // Counts take the exact integer route, other values two passes; both agree with
        // the definition, and a value that is not finite is refused wherever it is.
        let counts: Vec<f64> = (0..1003).map(|i| ((i * 37) % 11) as f64).collect();
        let shifted: Vec<f64> = counts.iter().map(|v| v + 0.25).collect();
        for x in [&counts, &shifted] {
            let m = Moments::of(x).unwrap();
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            assert!((m.mean - mean).abs() < 1e-12);
            assert!((m.std_dev - var.sqrt()).abs() < 1e-12);
            assert_eq!(m.max, x.iter().copied().fold(0.0, f64::max));
        }
        assert!(Moments::of(&counts).unwrap().counts);
        assert!(!Moments::of(&shifted).unwrap().counts);
        assert!(!Moments::of(&[1.0, -1.0]).unwrap().counts);
        for at in [0, 5, 1002] {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut x = counts.clone();
                x[at] = bad;
                assert!(matches!(Moments::of(&x), Err(AnalyticsError::NotFinite(_))));
            }
        }
    }

    #[test]
    fn bins_follow_arcgis_levels() {
        // A 30 × 30 grid of Poisson-like noise with a strong cluster.
        let lattice = Lattice { cols: 30, rows: 30 };
        let mut rng = Rng::new(1);
        let mut x: Vec<f64> = (0..900).map(|_| rng.below(3) as f64).collect();
        for r in 10..13 {
            for c in 10..13 {
                x[r * 30 + c] = 12.0;
            }
        }
        let raw = gistar_lattice(
            lattice,
            &x,
            &GiStarOptions {
                fdr: false,
                permutations: None,
            },
        )
        .unwrap();
        for i in 0..900 {
            // The memoised p-values are exactly the directly computed ones.
            assert_eq!(raw.p[i], normal_two_sided_p(raw.z[i]));
            let expected = match raw.p[i] {
                p if p <= 0.01 => 3,
                p if p <= 0.05 => 2,
                p if p <= 0.10 => 1,
                _ => 0,
            } * raw.z[i].signum() as i8;
            assert_eq!(raw.bin[i], expected);
        }
        assert_eq!(raw.bin[11 * 30 + 11], 3);
        let fdr = gistar_lattice(lattice, &x, &GiStarOptions::default()).unwrap();
        // FDR can only remove or lower bins, never add.
        for i in 0..900 {
            assert!(fdr.bin[i].abs() <= raw.bin[i].abs());
        }
        assert_eq!(fdr.bin[11 * 30 + 11], 3);
        assert!(fdr.cutoffs.p99.unwrap() < 0.01);
    }

    #[test]
    fn permutations_are_seeded_and_sensible() {
        let lattice = Lattice { cols: 20, rows: 20 };
        let mut rng = Rng::new(5);
        let mut x: Vec<f64> = (0..400).map(|_| rng.below(2) as f64).collect();
        for r in 5..8 {
            for c in 5..8 {
                x[r * 20 + c] = 6.0;
            }
        }
        let opts = GiStarOptions {
            fdr: false,
            permutations: Some(Permutations {
                count: 999,
                seed: 42,
            }),
        };
        let a = gistar_lattice(lattice, &x, &opts).unwrap();
        let b = gistar_lattice(lattice, &x, &opts).unwrap();
        assert_eq!(a, b);
        let p_sim = a.p_sim.as_ref().unwrap();
        // The centre of the cluster: no draw of 8 from the rest comes close.
        assert_eq!(p_sim[6 * 20 + 6], 1.0 / 1000.0);
        assert_eq!(a.bin[6 * 20 + 6], 3);
        assert!(p_sim.iter().all(|p| *p >= 1.0 / 1000.0 && *p <= 1.0));
        // The generic path gives the same p-values for the same seed.
        let g = gistar(&Neighbours::queen(lattice), &x, &opts).unwrap();
        assert_eq!(g.p_sim, a.p_sim);
        let other = gistar_lattice(
            lattice,
            &x,
            &GiStarOptions {
                permutations: Some(Permutations {
                    count: 999,
                    seed: 43,
                }),
                ..opts
            },
        )
        .unwrap();
        assert_ne!(other.p_sim, a.p_sim);
        assert_eq!(
            a.inference,
            Inference::Permutation {
                permutations: 999,
                seed: 42
            }
        );
    }

    #[test]
    fn permutation_p_is_uniformish_under_the_null() {
        // Independent noise: about 10 % of p_sim ≤ 0.10.
        let lattice = Lattice { cols: 60, rows: 60 };
        let mut rng = Rng::new(11);
        let x: Vec<f64> = (0..3600)
            .map(|_| (rng.below(1000) as f64 / 100.0).floor())
            .collect();
        let opts = GiStarOptions {
            fdr: false,
            permutations: Some(Permutations {
                count: 199,
                seed: 1,
            }),
        };
        let h = gistar_lattice(lattice, &x, &opts).unwrap();
        let share = h.p_sim.unwrap().iter().filter(|p| **p <= 0.10).count() as f64 / 3600.0;
        assert!((0.07..0.13).contains(&share), "{share}");
    }
}

#[cfg(test)]
mod props {
    #![allow(clippy::unwrap_used, clippy::needless_range_loop)]
    use super::*;
    use crate::rng::Rng;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest};

    proptest! {
        /// The lattice fast path equals the generic weights path on any grid.
        #[test]
        fn lattice_matches_generic(cols in 1usize..12, rows in 1usize..12, seed in any::<u64>()) {
            let lattice = Lattice { cols, rows };
            let mut rng = Rng::new(seed);
            let x: Vec<f64> = (0..lattice.len()).map(|_| rng.below(6) as f64).collect();
            let a = gistar_lattice(lattice, &x, &GiStarOptions::default()).unwrap();
            let b = gistar(&Neighbours::queen(lattice), &x, &GiStarOptions::default()).unwrap();
            for i in 0..x.len() {
                prop_assert!((a.z[i] - b.z[i]).abs() < 1e-12);
            }
            prop_assert_eq!(a.bin, b.bin);
        }

        /// The bins from the grouped cut-offs of count data are those of the full
        /// Benjamini–Hochberg procedure on every cell's p-value.
        #[test]
        fn grouped_fdr_equals_full_fdr(seed in any::<u64>(), hot in 0.0f64..20.0) {
            let lattice = Lattice { cols: 25, rows: 20 };
            let mut rng = Rng::new(seed);
            let mut x: Vec<f64> = (0..500).map(|_| rng.below(4) as f64).collect();
            x[212] += hot.floor();
            x[213] += hot.floor();
            let h = gistar_lattice(lattice, &x, &GiStarOptions::default()).unwrap();
            let q = crate::significance::benjamini_hochberg(&h.p);
            for i in 0..500 {
                let level = if q[i] <= 0.01 { 3 } else if q[i] <= 0.05 { 2 } else if q[i] <= 0.10 { 1 } else { 0 };
                prop_assert_eq!(h.bin[i], level * sign(h.z[i]));
            }
        }

        /// Adding a constant or scaling the values leaves z unchanged (z is standardised).
        #[test]
        fn z_is_affine_invariant(seed in any::<u64>(), shift in -50.0f64..50.0, scale in 0.1f64..20.0) {
            let lattice = Lattice { cols: 9, rows: 7 };
            let mut rng = Rng::new(seed);
            let x: Vec<f64> = (0..63).map(|_| rng.below(10) as f64).collect();
            let y: Vec<f64> = x.iter().map(|v| v * scale + shift).collect();
            let a = gistar_lattice(lattice, &x, &GiStarOptions::default()).unwrap();
            let b = gistar_lattice(lattice, &y, &GiStarOptions::default()).unwrap();
            for i in 0..63 {
                prop_assert!((a.z[i] - b.z[i]).abs() < 1e-9, "{} vs {}", a.z[i], b.z[i]);
            }
        }
    }
}

//! The Knox test for near repeats: do incidents close in space tend to be close in time?
//!
//! # The test
//!
//! Knox ("The detection of space-time interactions", *Applied Statistics* 13, 1964)
//! classifies every pair of incidents by its distance in space and in time. This module
//! follows the multi-band form popularised by Ratcliffe's Near Repeat Calculator (NRC;
//! Ratcliffe 2009, with Johnson et al., "Space–time patterns of risk: a cross national
//! assessment of residential burglary victimization", *J Quant Criminol* 23, 2007):
//!
//! * distance bands from edges `e₀ < e₁ < … < e_K`: `[e₀, e₁), [e₁, e₂), …, [e_K, ∞)`,
//!   half-open, the last one "more than e_K"; with edges `0, 1, 100, 200` the first band
//!   `[0, 1)` is the Calculator's "same location". Pairs closer than `e₀` are in no band.
//! * time bands likewise from day edges, on whole days between the incidents' dates:
//!   edges `0, 7, 14` give `[0, 7), [7, 14), [14, ∞)` days.
//! * distance is Manhattan (`|Δx| + |Δy|`, the Calculator's default, a rough street
//!   distance) or Euclidean, in SWEREF 99 TM metres.
//!
//! The observed table counts the pairs in each (distance band, time band) cell. Under the
//! null hypothesis of no space–time interaction the dates are exchangeable between the
//! locations, so the expected table is the mean over `R` random permutations of the dates
//! (locations fixed), and for each cell
//!
//! ```text
//! ratio = observed / expected           ("Knox ratio": 1.8 = 80 % more pairs than chance)
//! p     = (#{r : simulatedᵣ ≥ observed} + 1) / (R + 1)
//! ```
//!
//! a one-sided Monte Carlo p-value for "more pairs than chance" (Hope 1968), as in the
//! Calculator, whose smallest value is `1/(R + 1)`; the Calculator's "significance level"
//! 0.05 corresponds to R = 19, 0.01 to R = 99 and 0.001 to R = 999.
//!
//! Toby Davies' analysis of the Calculator's output (github.com/tobydavies/NearRepeat,
//! "Inconsistency with Near Repeat Calculator") shows that what the Calculator *labels*
//! "1 to 100" and "0 to 2 days" it *computes* as `[1, 100)` metres and `[0, 2)` days, i.e.
//! exactly these half-open bands; edges passed here are the computed bounds, so a
//! Calculator run labelled "101 to 200" corresponds to the band `[100, 200)`.
//!
//! # Single precision
//!
//! [`Precision::F32`] mirrors the Calculator's single-precision arithmetic: coordinates
//! are rounded to `f32`, differences, sums, squares and the square root are taken in
//! `f32`, and the distance is compared with the edges as `f32`. With SWEREF 99 TM
//! northings near 6.5·10⁶ an `f32` has a resolution of 0.5 m, so pairs within a metre of
//! a band edge can land in a different band than in `f64`; this mode exists to reproduce
//! Calculator tables exactly, [`Precision::F64`] is the one to publish. (The Calculator's
//! source is not public: this mode models single-precision coordinates and distances as
//! described above; means and ratios are computed in double precision, as its output
//! files show.)
//!
//! # Computation
//!
//! Every pair falls in some distance band, and the number of pairs in each *time* band
//! over all distances is the same for every permutation of the dates. So only pairs
//! closer than `e_K` (found once with a sweep over x-sorted incidents) are tallied per
//! permutation, and the last distance band is the time-band total minus the rest. A
//! permutation then costs one pass over the near pairs rather than over all `n(n−1)/2`,
//! and four permutations share each pass (drawn in turn from the one seeded stream, so
//! the results are those of tallying them one by one).

use serde::{Deserialize, Serialize};

use crate::AnalyticsError;
use crate::rng::Rng;

/// The largest time edge accepted (days; about 270 years).
pub const MAX_TIME_EDGE: u32 = 100_000;

/// An incident for the Knox test: SWEREF 99 TM metres and a day number (any consecutive
/// numbering of local dates, e.g. days since 1970-01-01; only differences matter).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnoxEvent {
    /// Easting, metres.
    pub x: f64,
    /// Northing, metres.
    pub y: f64,
    /// Day number of the incident's local date.
    pub day: i32,
}

impl KnoxEvent {
    /// An incident at SWEREF 99 TM (x = easting, y = northing) on a local date; the day
    /// number is days since 1970-01-01.
    pub fn on_date(x: f64, y: f64, date: jiff::civil::Date) -> Self {
        Self {
            x,
            y,
            day: crate::week::day_number(date) as i32,
        }
    }
}

/// How distance is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `|Δx| + |Δy|`.
    Manhattan,
    /// `√(Δx² + Δy²)`.
    Euclidean,
}

/// Arithmetic of the distance computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Double precision: the result to publish.
    F64,
    /// Single precision, to reproduce the Near Repeat Calculator (see module docs).
    F32,
}

/// Parameters of a Knox test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnoxOptions {
    /// Distance band edges in metres, non-negative and strictly increasing.
    pub distance_edges: Vec<f64>,
    /// Time band edges in days, strictly increasing, at most [`MAX_TIME_EDGE`]; at most
    /// [`MAX_EDGES`] of them, like the distance edges.
    pub time_edges: Vec<u32>,
    /// Distance measure.
    pub metric: Metric,
    /// Arithmetic.
    pub precision: Precision,
    /// Number of date permutations R (0: observed table only).
    pub permutations: u32,
    /// Seed of the permutations.
    pub seed: u64,
}

/// A distance band `[from, to)`, or `[from, ∞)` when `to` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DistanceBand {
    /// Lower bound, metres (inclusive).
    pub from: f64,
    /// Upper bound, metres (exclusive); `None` for the last band.
    pub to: Option<f64>,
}

/// A time band `[from, to)` days, or `[from, ∞)` when `to` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeBand {
    /// Lower bound, days (inclusive).
    pub from: u32,
    /// Upper bound, days (exclusive); `None` for the last band.
    pub to: Option<u32>,
}

/// One cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnoxCell {
    /// Pairs observed in the cell.
    pub observed: u64,
    /// Mean number over the date permutations; `None` without permutations.
    pub expected: Option<f64>,
    /// `observed / expected`; `None` without permutations or when `expected` is 0.
    pub ratio: Option<f64>,
    /// `(#{simulated ≥ observed} + 1)/(R + 1)`; `None` without permutations.
    pub p: Option<f64>,
}

/// The Knox table: distance bands down, time bands across.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnoxTable {
    /// Row bands.
    pub distance_bands: Vec<DistanceBand>,
    /// Column bands.
    pub time_bands: Vec<TimeBand>,
    /// Cells row-major: `cells[d · time_bands.len() + t]`.
    pub cells: Vec<KnoxCell>,
    /// Incidents tested.
    pub events: usize,
    /// All pairs, `n(n − 1)/2` (pairs closer than the first edges are in no cell).
    pub pairs: u64,
    /// The options used.
    pub options: KnoxOptions,
}

impl KnoxTable {
    /// The cell of distance band `d` and time band `t`.
    pub fn cell(&self, d: usize, t: usize) -> Option<&KnoxCell> {
        if t >= self.time_bands.len() {
            return None;
        }
        self.cells.get(d * self.time_bands.len() + t)
    }
}

/// The most edges per dimension (band indices and tally offsets are stored compactly).
pub const MAX_EDGES: usize = 254;

/// Days further apart than any two calendar dates (about 5.9 million years): incidents
/// this far apart are rejected as outside the calendar. Below it, differences of day
/// offsets in wrapping `u32` arithmetic are exact for every time window accepted.
pub const MAX_DAY_SPAN: i64 = 1 << 31;

/// Runs the Knox test.
pub fn knox(events: &[KnoxEvent], options: &KnoxOptions) -> Result<KnoxTable, AnalyticsError> {
    check_edges(&options.distance_edges)?;
    let t_edges = &options.time_edges;
    if t_edges.is_empty()
        || t_edges.windows(2).any(|w| w[0] >= w[1])
        || t_edges.iter().any(|e| *e > MAX_TIME_EDGE)
        || t_edges.len() > MAX_EDGES
    {
        return Err(AnalyticsError::BandEdges("time"));
    }
    if events.iter().any(|e| !(e.x.is_finite() && e.y.is_finite())) {
        return Err(AnalyticsError::NotFinite("coordinates"));
    }
    let n = events.len();
    if n > MAX_EVENTS {
        return Err(AnalyticsError::TooManyEvents { limit: MAX_EVENTS });
    }
    let first = events.iter().map(|e| e.day).min().unwrap_or(0);
    let last = events.iter().map(|e| e.day).max().unwrap_or(0);
    if i64::from(last) - i64::from(first) >= MAX_DAY_SPAN {
        return Err(AnalyticsError::CalendarRange);
    }
    let d_rows = options.distance_edges.len(); // finite bands + the last one
    let t_cols = t_edges.len();

    // Incidents in x order, which the sweep needs; ties broken fully so the order (and
    // so the permutation stream) does not depend on the input order.
    let sorted = sorted_by_x(events);
    let near = near_pairs(&sorted, options);
    let time_lookup = time_band_lookup(t_edges);
    let days: Vec<i32> = sorted.iter().map(|e| e.day).collect();
    let time_totals = time_band_totals(&days, t_edges);

    let offsets = tally_days(&days);
    let one: Vec<[u32; 1]> = offsets.iter().map(|d| [*d]).collect();
    let [observed] = tally(&near, &one, &time_lookup, &time_totals, d_rows, t_cols);

    let r = options.permutations as usize;
    let mut sums = vec![0u64; observed.len()];
    let mut at_least = vec![0u64; observed.len()];
    let mut add = |sim: &[u64]| {
        for k in 0..sim.len() {
            sums[k] += sim[k];
            at_least[k] += u64::from(sim[k] >= observed[k]);
        }
    };
    if r > 0 {
        // Permutation after permutation from one stream, as if tallied one by one; whole
        // batches first, then the rest singly.
        let mut rng = Rng::new(options.seed);
        let mut shuffled = offsets.clone();
        let mut batch = vec![[0u32; BATCH]; n];
        for _ in 0..r / BATCH {
            for b in 0..BATCH {
                shuffled.copy_from_slice(&offsets);
                rng.shuffle(&mut shuffled);
                for (lanes, d) in batch.iter_mut().zip(&shuffled) {
                    lanes[b] = *d;
                }
            }
            for sim in tally(&near, &batch, &time_lookup, &time_totals, d_rows, t_cols) {
                add(&sim);
            }
        }
        let mut single = one;
        for _ in 0..r % BATCH {
            shuffled.copy_from_slice(&offsets);
            rng.shuffle(&mut shuffled);
            for (lane, d) in single.iter_mut().zip(&shuffled) {
                lane[0] = *d;
            }
            let [sim] = tally(&near, &single, &time_lookup, &time_totals, d_rows, t_cols);
            add(&sim);
        }
    }
    let cells = (0..observed.len())
        .map(|k| {
            let (expected, ratio, p) = if r > 0 {
                let e = sums[k] as f64 / r as f64;
                let ratio = (e > 0.0).then(|| observed[k] as f64 / e);
                (
                    Some(e),
                    ratio,
                    Some((at_least[k] + 1) as f64 / (r + 1) as f64),
                )
            } else {
                (None, None, None)
            };
            KnoxCell {
                observed: observed[k],
                expected,
                ratio,
                p,
            }
        })
        .collect();

    let d = &options.distance_edges;
    let distance_bands = (0..d.len())
        .map(|i| DistanceBand {
            from: d[i],
            to: d.get(i + 1).copied(),
        })
        .collect();
    let time_bands = (0..t_cols)
        .map(|i| TimeBand {
            from: t_edges[i],
            to: t_edges.get(i + 1).copied(),
        })
        .collect();
    let nn = n as u64;
    Ok(KnoxTable {
        distance_bands,
        time_bands,
        cells,
        events: n,
        pairs: nn * nn.saturating_sub(1) / 2,
        options: options.clone(),
    })
}

fn sorted_by_x(events: &[KnoxEvent]) -> Vec<KnoxEvent> {
    let mut sorted = events.to_vec();
    sorted.sort_by(|a, b| {
        a.x.total_cmp(&b.x)
            .then(a.y.total_cmp(&b.y))
            .then(a.day.cmp(&b.day))
    });
    sorted
}

fn check_edges(edges: &[f64]) -> Result<(), AnalyticsError> {
    if edges.is_empty()
        || edges.len() > MAX_EDGES
        || edges.iter().any(|e| !e.is_finite() || *e < 0.0)
        || edges.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(AnalyticsError::BandEdges("distance"));
    }
    Ok(())
}

/// Pairs closer than the last distance edge, grouped by their first incident (in sweep
/// order): the pairs of incident `i` are `partners[starts[i]..starts[i + 1]]` (the
/// second incidents) with their distance band rows in `rows[…]` at the same positions
/// (row 0 = closer than the first edge, row `b + 1` = finite band `b`).
///
/// Each permutation streams through every partner, so the bytes per pair set the speed;
/// the row is read only for the few pairs inside the time window.
struct NearPairs {
    starts: Vec<usize>,
    partners: Vec<u32>,
    rows: Vec<u8>,
    /// Pairs per row.
    per_row: Vec<u64>,
}

impl NearPairs {
    fn push(&mut self, j: usize, band: u8) {
        self.partners.push(j as u32);
        self.rows.push(band);
        self.per_row[usize::from(band)] += 1;
    }
}

/// The most incidents a test takes (second incidents are stored in 24 bits).
pub const MAX_EVENTS: usize = 1 << 24;

fn near_pairs(sorted: &[KnoxEvent], options: &KnoxOptions) -> NearPairs {
    let edges = &options.distance_edges;
    let last = edges[edges.len() - 1];
    let mut out = NearPairs {
        starts: Vec::with_capacity(sorted.len() + 1),
        partners: Vec::new(),
        rows: Vec::new(),
        per_row: vec![0; edges.len()],
    };
    // The sweep may stop once Δx alone reaches the last edge; the small margin keeps it
    // from stopping early when the rounded distance is a hair below the rounded Δx.
    let reach = last * (1.0 + 1e-5) + 1e-9;
    let band_of = |d_below: &dyn Fn(usize) -> bool| -> Option<u8> {
        // Number of edges ≤ d, by the predicate "d < edge k".
        let k = (0..edges.len())
            .find(|&k| d_below(k))
            .unwrap_or(edges.len());
        // k = 0: closer than the first edge; k = len: not near (last band).
        (k < edges.len()).then_some(k as u8)
    };
    match options.precision {
        Precision::F64 => {
            for i in 0..sorted.len() {
                out.starts.push(out.partners.len());
                let a = sorted[i];
                for (j, b) in sorted.iter().enumerate().skip(i + 1) {
                    let dx = b.x - a.x;
                    if dx > reach {
                        break;
                    }
                    let dy = b.y - a.y;
                    let d = match options.metric {
                        Metric::Manhattan => dx.abs() + dy.abs(),
                        Metric::Euclidean => (dx * dx + dy * dy).sqrt(),
                    };
                    if let Some(band) = band_of(&|k| d < edges[k]) {
                        out.push(j, band);
                    }
                }
            }
        }
        Precision::F32 => {
            let edges32: Vec<f32> = edges.iter().map(|e| *e as f32).collect();
            let xs: Vec<f32> = sorted.iter().map(|e| e.x as f32).collect();
            let ys: Vec<f32> = sorted.iter().map(|e| e.y as f32).collect();
            let reach32 = reach as f32;
            for i in 0..sorted.len() {
                out.starts.push(out.partners.len());
                for j in i + 1..sorted.len() {
                    let dx = xs[j] - xs[i];
                    if dx > reach32 {
                        break;
                    }
                    let dy = ys[j] - ys[i];
                    let d = match options.metric {
                        Metric::Manhattan => dx.abs() + dy.abs(),
                        Metric::Euclidean => (dx * dx + dy * dy).sqrt(),
                    };
                    if let Some(band) = band_of(&|k| d < edges32[k]) {
                        out.push(j, band);
                    }
                }
            }
        }
    }
    out.starts.push(out.partners.len());
    out
}

/// Column of the tally for each day difference below the last edge; differences below
/// the first edge go to the extra column `edges.len()`, which is ignored.
fn time_band_lookup(edges: &[u32]) -> Vec<u16> {
    let last = edges[edges.len() - 1] as usize;
    (0..last)
        .map(|dt| {
            let k = edges.partition_point(|e| (*e as usize) <= dt);
            if k == 0 {
                edges.len() as u16
            } else {
                (k - 1) as u16
            }
        })
        .collect()
}

/// Pairs in each time band over all distances: the column totals, the same for every
/// permutation of the dates. Counted from sorted dates with two pointers per edge.
fn time_band_totals(days: &[i32], edges: &[u32]) -> Vec<u64> {
    let mut sorted = days.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as u64;
    let all = n * n.saturating_sub(1) / 2;
    // Pairs with |Δday| < e.
    let closer_than = |e: u32| -> u64 {
        let mut count = 0u64;
        let mut j = 0usize;
        for i in 0..sorted.len() {
            if j < i + 1 {
                j = i + 1;
            }
            while j < sorted.len() && i64::from(sorted[j]) - i64::from(sorted[i]) < i64::from(e) {
                j += 1;
            }
            count += (j - i - 1) as u64;
        }
        count
    };
    let below: Vec<u64> = edges.iter().map(|e| closer_than(*e)).collect();
    (0..edges.len())
        .map(|k| below.get(k + 1).copied().unwrap_or(all) - below[k])
        .collect()
}

/// The days as offsets from the earliest, for [`tally`]. [`knox`] has checked that they
/// lie less than [`MAX_DAY_SPAN`] apart, which keeps the tally's wrapping `u32`
/// arithmetic exact.
fn tally_days(days: &[i32]) -> Vec<u32> {
    let min = days.iter().copied().min().unwrap_or(0);
    days.iter()
        .map(|d| (i64::from(*d) - i64::from(min)) as u32)
        .collect()
}

/// Date permutations tallied together: one pass over the near pairs serves them all.
const BATCH: usize = 4;

/// The tables for `B` assignments of days at once (lane `b` of `days[i]` is incident
/// `i`'s day in assignment `b`; days as non-negative offsets, see [`tally_days`]).
///
/// Most near pairs are further apart in time than the last time edge, so only the others
/// are tallied; each row's last column is its (permutation-invariant) number of near
/// pairs minus the rest, and the last distance band is each column's total minus the
/// near rows. Incrementing the same counter for almost every pair would serialise the
/// loop on one memory location; a rarely taken branch does not. Taking several
/// assignments per pass reads each pair once for all of them, and the test
/// "inside the time window" runs on all lanes at once.
fn tally<const B: usize>(
    near: &NearPairs,
    days: &[[u32; B]],
    time_lookup: &[u16],
    time_totals: &[u64],
    d_rows: usize,
    t_cols: usize,
) -> [Vec<u64>; B] {
    // Rows: closer than the first distance edge, then the finite bands; one extra column
    // for differences below the first time edge.
    let width = t_cols + 1;
    let mut counts: [Vec<u64>; B] = std::array::from_fn(|_| vec![0u64; d_rows * width]);
    // |dⱼ − dᵢ| < cap ⇔ dⱼ − (dᵢ − cap + 1) ∈ [0, 2·cap − 1): one subtraction and one
    // unsigned comparison per pair and lane (exact in wrapping u32 arithmetic for the
    // day offsets of `tally_days`).
    let cap = time_lookup.len() as u32;
    let window = (2 * cap).saturating_sub(1);
    let below = cap.saturating_sub(1);
    for (i, bounds) in near.starts.windows(2).enumerate() {
        let low = days[i].map(|d| d.wrapping_sub(below));
        let (from, to) = (bounds[0], bounds[1]);
        for (&j, &row) in near.partners[from..to].iter().zip(&near.rows[from..to]) {
            let dj = &days[j as usize];
            if any_inside(dj, &low, window) {
                let row = usize::from(row) * width;
                for ((c, d), l) in counts.iter_mut().zip(dj).zip(&low) {
                    let o = d.wrapping_sub(*l);
                    if o < window {
                        c[row + usize::from(time_lookup[o.abs_diff(below) as usize])] += 1;
                    }
                }
            }
        }
    }
    counts.map(|c| complete_table(c, near, time_totals, d_rows, t_cols))
}

/// Whether any lane's day lies in its time window: apart from the tally so that it
/// compiles to a few vector instructions for all lanes.
#[inline(always)]
fn any_inside<const B: usize>(days: &[u32; B], low: &[u32; B], window: u32) -> bool {
    let mut inside = [0u32; B];
    for ((i, d), l) in inside.iter_mut().zip(days).zip(low) {
        *i = u32::from(d.wrapping_sub(*l) < window);
    }
    inside.iter().fold(0, |a, i| a | i) != 0
}

/// The full table from the tallied near pairs (see [`tally`]).
fn complete_table(
    mut counts: Vec<u64>,
    near: &NearPairs,
    time_totals: &[u64],
    d_rows: usize,
    t_cols: usize,
) -> Vec<u64> {
    let width = t_cols + 1;
    let last_t = t_cols - 1;
    for row in 0..d_rows {
        let r = &mut counts[row * width..(row + 1) * width];
        let tallied: u64 = r.iter().sum();
        r[last_t] = near.per_row[row] - tallied;
    }
    let mut table = vec![0u64; d_rows * t_cols];
    for t in 0..t_cols {
        let mut near_total = 0u64;
        for row in 0..d_rows {
            near_total += counts[row * width + t];
        }
        for row in 1..d_rows {
            table[(row - 1) * t_cols + t] = counts[row * width + t];
        }
        table[(d_rows - 1) * t_cols + t] = time_totals[t] - near_total;
    }
    table
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ev(x: f64, y: f64, day: i32) -> KnoxEvent {
        KnoxEvent { x, y, day }
    }

    fn opts(d: &[f64], t: &[u32], metric: Metric) -> KnoxOptions {
        KnoxOptions {
            distance_edges: d.to_vec(),
            time_edges: t.to_vec(),
            metric,
            precision: Precision::F64,
            permutations: 0,
            seed: 0,
        }
    }

    fn observed(table: &KnoxTable) -> Vec<Vec<u64>> {
        table
            .cells
            .chunks(table.time_bands.len())
            .map(|row| row.iter().map(|c| c.observed).collect())
            .collect()
    }

    /// Four incidents, six pairs, worked out by hand:
    ///
    /// ```text
    /// A (0, 0) day 0     B (60, 80) day 3     C (0, 150) day 10     D (0, 0) day 30
    /// pair  Δx  Δy  Manhattan  Euclidean  Δdays
    /// AB    60  80    140        100        3
    /// AC     0 150    150        150       10
    /// AD     0   0      0          0       30
    /// BC    60  70    130      92.195       7
    /// BD    60  80    140        100       27
    /// CD     0 150    150        150       20
    /// ```
    fn four() -> Vec<KnoxEvent> {
        vec![
            ev(0.0, 0.0, 0),
            ev(60.0, 80.0, 3),
            ev(0.0, 150.0, 10),
            ev(0.0, 0.0, 30),
        ]
    }

    #[test]
    fn hand_computed_manhattan() {
        // Distance [0,1) [1,100) [100,150) [150,∞); time [0,7) [7,14) [14,∞).
        let t = knox(
            &four(),
            &opts(&[0.0, 1.0, 100.0, 150.0], &[0, 7, 14], Metric::Manhattan),
        )
        .unwrap();
        assert_eq!(
            observed(&t),
            vec![
                vec![0, 0, 1], // AD: same place, 30 days
                vec![0, 0, 0],
                vec![1, 1, 1], // AB 140/3, BC 130/7, BD 140/27
                vec![0, 1, 1], // AC 150/10, CD 150/20
            ]
        );
        assert_eq!(t.pairs, 6);
        assert_eq!(
            t.distance_bands[3],
            DistanceBand {
                from: 150.0,
                to: None
            }
        );
        assert_eq!(
            t.time_bands[1],
            TimeBand {
                from: 7,
                to: Some(14)
            }
        );
        assert!(
            t.cells
                .iter()
                .all(|c| c.expected.is_none() && c.p.is_none())
        );
    }

    #[test]
    fn hand_computed_euclidean() {
        let t = knox(
            &four(),
            &opts(&[0.0, 1.0, 100.0, 150.0], &[0, 7, 14], Metric::Euclidean),
        )
        .unwrap();
        assert_eq!(
            observed(&t),
            vec![
                vec![0, 0, 1], // AD
                vec![0, 1, 0], // BC 92.2/7
                vec![1, 0, 1], // AB exactly 100 → [100,150) (half-open), 3 days; BD 100/27
                vec![0, 1, 1], // AC, CD 150 → last band
            ]
        );
    }

    #[test]
    fn pairs_below_the_first_edges_are_in_no_band() {
        // Edges starting at 1 m and 1 day: AD (0 m) and no pair under 1 day.
        let t = knox(&four(), &opts(&[1.0, 100.0], &[1, 14], Metric::Euclidean)).unwrap();
        assert_eq!(observed(&t), vec![vec![1, 0], vec![2, 2]]);
        let total: u64 = t.cells.iter().map(|c| c.observed).sum();
        assert_eq!(total, 5);
    }

    #[test]
    fn davies_pathological_example() {
        // Two incidents 100 m and 3 days apart (Davies' NRC check): the Calculator puts
        // them in "101 to 200" and "4 to 6 days", i.e. the half-open [100, 200) × [3, 6).
        let events = [ev(0.0, 0.0, 0), ev(0.0, 100.0, 3)];
        let t = knox(
            &events,
            &opts(&[0.0, 1.0, 100.0, 200.0], &[0, 3, 6], Metric::Euclidean),
        )
        .unwrap();
        assert_eq!(t.cell(2, 1).unwrap().observed, 1);
        assert_eq!(t.cells.iter().map(|c| c.observed).sum::<u64>(), 1);
    }

    #[test]
    fn permutations_detect_a_near_repeat_pattern() {
        // Pairs of incidents at the same place one day apart, spread over a year and a
        // large area: the [0,1) m × [0,7) d cell is far above chance.
        let mut rng = Rng::new(2);
        let mut events = Vec::new();
        for _ in 0..150 {
            let x = rng.below(20_000) as f64;
            let y = rng.below(20_000) as f64;
            let day = rng.below(365) as i32;
            events.push(ev(x, y, day));
            events.push(ev(x, y, day + 1));
        }
        let mut o = opts(&[0.0, 1.0, 200.0], &[0, 7, 30], Metric::Manhattan);
        o.permutations = 99;
        o.seed = 7;
        let t = knox(&events, &o).unwrap();
        let hot = t.cell(0, 0).unwrap();
        assert_eq!(hot.observed, 150);
        assert_eq!(hot.p, Some(0.01));
        assert!(hot.ratio.unwrap() > 10.0);
        // Expected counts add up to the number of pairs in every permutation.
        let expected: f64 = t.cells.iter().map(|c| c.expected.unwrap()).sum();
        assert!((expected - t.pairs as f64).abs() < 1e-6);
        // Seeded: the same again.
        assert_eq!(knox(&events, &o).unwrap(), t);
        // Input order does not matter.
        let mut reversed = events.clone();
        reversed.reverse();
        assert_eq!(knox(&reversed, &o).unwrap().cells, t.cells);
    }

    #[test]
    fn f32_mode_sees_what_single_precision_sees() {
        // At northing 6 500 000 an f32 step is 0.5 m: 99.8 m apart becomes 100 m, which
        // moves the pair from [1,100) to [100,200).
        let events = [ev(500_000.0, 6_500_000.0, 0), ev(500_000.0, 6_500_099.8, 1)];
        let mut o = opts(&[0.0, 1.0, 100.0, 200.0], &[0, 7], Metric::Euclidean);
        let t64 = knox(&events, &o).unwrap();
        assert_eq!(t64.cell(1, 0).unwrap().observed, 1);
        o.precision = Precision::F32;
        let t32 = knox(&events, &o).unwrap();
        assert_eq!(t32.cell(2, 0).unwrap().observed, 1);
    }

    #[test]
    fn day_numbers_from_dates() {
        let d = |y, m, dd| jiff::civil::Date::new(y, m, dd).unwrap();
        assert_eq!(KnoxEvent::on_date(1.0, 2.0, d(1970, 1, 1)).day, 0);
        assert_eq!(KnoxEvent::on_date(1.0, 2.0, d(2026, 11, 24)).day, 20_781);
        let a = KnoxEvent::on_date(0.0, 0.0, d(2024, 2, 28));
        let b = KnoxEvent::on_date(0.0, 0.0, d(2024, 3, 1));
        assert_eq!(b.day - a.day, 2); // 2024 is a leap year
    }

    #[test]
    fn bad_edges_are_refused() {
        let e = four();
        assert!(knox(&e, &opts(&[], &[0], Metric::Manhattan)).is_err());
        assert!(knox(&e, &opts(&[0.0, 0.0], &[0], Metric::Manhattan)).is_err());
        assert!(knox(&e, &opts(&[-1.0], &[0], Metric::Manhattan)).is_err());
        assert!(knox(&e, &opts(&[f64::NAN], &[0], Metric::Manhattan)).is_err());
        assert!(knox(&e, &opts(&[0.0], &[7, 7], Metric::Manhattan)).is_err());
        assert!(knox(&e, &opts(&[0.0], &[], Metric::Manhattan)).is_err());
        assert!(knox(&e, &opts(&[0.0], &[MAX_TIME_EDGE + 1], Metric::Manhattan)).is_err());
        let t = knox(&[], &opts(&[0.0], &[0], Metric::Manhattan)).unwrap();
        assert_eq!((t.pairs, t.cells[0].observed), (0, 0));
    }

    #[test]
    fn batched_permutations_are_the_permutations_one_by_one() {
        // R = 10: two batches of four and two single permutations, from one stream;
        // the same sums and counts as tallying each shuffle in turn.
        let mut rng = Rng::new(4);
        let events: Vec<KnoxEvent> = (0..300)
            .map(|_| {
                ev(
                    rng.below(3_000) as f64,
                    rng.below(3_000) as f64,
                    rng.below(120) as i32,
                )
            })
            .collect();
        let mut o = opts(&[0.0, 1.0, 100.0, 200.0], &[0, 7, 14], Metric::Euclidean);
        o.permutations = 10;
        o.seed = 3;
        let t = knox(&events, &o).unwrap();

        let sorted = sorted_by_x(&events);
        let near = near_pairs(&sorted, &o);
        let lookup = time_band_lookup(&o.time_edges);
        let days: Vec<i32> = sorted.iter().map(|e| e.day).collect();
        let totals = time_band_totals(&days, &o.time_edges);
        let (d_rows, t_cols) = (o.distance_edges.len(), o.time_edges.len());
        let single = |d: &[i32]| {
            let lanes: Vec<[u32; 1]> = tally_days(d).into_iter().map(|x| [x]).collect();
            let [table] = tally(&near, &lanes, &lookup, &totals, d_rows, t_cols);
            table
        };
        let observed = single(&days);
        let mut sums = vec![0u64; observed.len()];
        let mut at_least = vec![0u64; observed.len()];
        let mut stream = Rng::new(o.seed);
        for _ in 0..o.permutations {
            let mut d = days.clone();
            stream.shuffle(&mut d);
            for (k, s) in single(&d).into_iter().enumerate() {
                sums[k] += s;
                at_least[k] += u64::from(s >= observed[k]);
            }
        }
        for (k, cell) in t.cells.iter().enumerate() {
            assert_eq!(cell.observed, observed[k]);
            assert_eq!(cell.expected, Some(sums[k] as f64 / 10.0));
            assert_eq!(cell.p, Some((at_least[k] + 1) as f64 / 11.0));
        }
    }

    #[test]
    fn days_at_the_ends_of_i32() {
        // Differences up to just below 2³¹ days are exact; beyond, no calendar reaches.
        let far = i32::MIN + 5;
        let events = [
            ev(0.0, 0.0, far),
            ev(0.0, 0.0, far + 3),
            ev(0.0, 0.0, far + i32::MAX),
        ];
        let mut o = opts(&[0.0, 1.0], &[0, 7], Metric::Manhattan);
        o.permutations = 9;
        let t = knox(&events, &o).unwrap();
        assert_eq!(t.cell(0, 0).unwrap().observed, 1);
        assert_eq!(t.cell(0, 1).unwrap().observed, 2);
        let wide = [ev(0.0, 0.0, i32::MIN), ev(0.0, 0.0, i32::MAX)];
        assert_eq!(knox(&wide, &o), Err(AnalyticsError::CalendarRange));
    }
}

#[cfg(test)]
mod props {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// The table by brute force over all pairs.
    fn brute(events: &[KnoxEvent], o: &KnoxOptions) -> Vec<u64> {
        let (d_edges, t_edges) = (&o.distance_edges, &o.time_edges);
        let mut table = vec![0u64; d_edges.len() * t_edges.len()];
        for i in 0..events.len() {
            for j in i + 1..events.len() {
                let (a, b) = (events[i], events[j]);
                let below = match o.precision {
                    Precision::F64 => {
                        let (dx, dy) = (a.x - b.x, a.y - b.y);
                        let d = match o.metric {
                            Metric::Manhattan => dx.abs() + dy.abs(),
                            Metric::Euclidean => (dx * dx + dy * dy).sqrt(),
                        };
                        d_edges.iter().filter(|e| **e <= d).count()
                    }
                    Precision::F32 => {
                        let (dx, dy) = (a.x as f32 - b.x as f32, a.y as f32 - b.y as f32);
                        let d = match o.metric {
                            Metric::Manhattan => dx.abs() + dy.abs(),
                            Metric::Euclidean => (dx * dx + dy * dy).sqrt(),
                        };
                        d_edges.iter().filter(|e| (**e as f32) <= d).count()
                    }
                };
                let dt = (i64::from(a.day) - i64::from(b.day)).unsigned_abs();
                let t_below = t_edges.iter().filter(|e| u64::from(**e) <= dt).count();
                if below > 0 && t_below > 0 {
                    table[(below - 1) * t_edges.len() + t_below - 1] += 1;
                }
            }
        }
        table
    }

    fn events_strategy() -> impl Strategy<Value = Vec<KnoxEvent>> {
        proptest::collection::vec(
            (0u32..40, 0u32..40, 0i32..60, 0u8..4).prop_map(|(x, y, day, frac)| KnoxEvent {
                // Coordinates on a 25 m lattice (plus a little) so that many pairs sit
                // exactly on band edges, at realistic SWEREF magnitudes.
                x: 530_000.0 + f64::from(x) * 25.0 + f64::from(frac) * 0.3,
                y: 6_470_000.0 + f64::from(y) * 25.0,
                day,
            }),
            0..80,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The sweep over near pairs plus column totals equals brute force, for both
        /// metrics and both precisions, including edges that do not start at 0.
        #[test]
        fn observed_equals_brute_force(
            events in events_strategy(),
            manhattan in any::<bool>(),
            single in any::<bool>(),
            first_edge in 0.0f64..30.0,
            first_day in 0u32..3,
        ) {
            let o = KnoxOptions {
                distance_edges: vec![first_edge, first_edge + 50.0, 100.0, 175.0],
                time_edges: vec![first_day, 7, 14, 30],
                metric: if manhattan { Metric::Manhattan } else { Metric::Euclidean },
                precision: if single { Precision::F32 } else { Precision::F64 },
                permutations: 0,
                seed: 0,
            };
            let t = knox(&events, &o).unwrap();
            let got: Vec<u64> = t.cells.iter().map(|c| c.observed).collect();
            prop_assert_eq!(got, brute(&events, &o));
        }

        /// The tally of a permutation (days shuffled over the fixed locations) equals
        /// brute force on the events with those days.
        #[test]
        fn permuted_tally_equals_brute_force(
            events in events_strategy(),
            manhattan in any::<bool>(),
            seed in any::<u64>(),
        ) {
            let o = KnoxOptions {
                distance_edges: vec![0.0, 1.0, 60.0, 120.0],
                time_edges: vec![1, 5, 10],
                metric: if manhattan { Metric::Manhattan } else { Metric::Euclidean },
                precision: Precision::F64,
                permutations: 0,
                seed: 0,
            };
            let sorted = sorted_by_x(&events);
            let (d_rows, t_cols) = (o.distance_edges.len(), o.time_edges.len());
            let near = near_pairs(&sorted, &o);
            let lookup = time_band_lookup(&o.time_edges);
            let days: Vec<i32> = sorted.iter().map(|e| e.day).collect();
            let totals = time_band_totals(&days, &o.time_edges);
            // A batch of permutations, each lane against brute force.
            let mut rng = crate::rng::Rng::new(seed);
            let shuffles: Vec<Vec<i32>> = (0..BATCH)
                .map(|_| {
                    let mut d = days.clone();
                    rng.shuffle(&mut d);
                    d
                })
                .collect();
            let min = days.iter().copied().min().unwrap_or(0);
            let lanes: Vec<[u32; BATCH]> = (0..days.len())
                .map(|i| std::array::from_fn(|b| (shuffles[b][i] - min) as u32))
                .collect();
            let got = tally(&near, &lanes, &lookup, &totals, d_rows, t_cols);
            for (table, d) in got.iter().zip(&shuffles) {
                let permuted: Vec<KnoxEvent> = sorted
                    .iter()
                    .zip(d)
                    .map(|(e, d)| KnoxEvent { day: *d, ..*e })
                    .collect();
                prop_assert_eq!(table, &brute(&permuted, &o));
            }
        }
    }
}

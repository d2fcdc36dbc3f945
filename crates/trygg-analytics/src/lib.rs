//! Trygg's analytics: the statistics behind the weekly lägesbild, computed from plain
//! values with no I/O, no clock and no database.
//!
//! | module | what | method |
//! |---|---|---|
//! | [`week`] | ISO weeks in Europe/Stockholm (167/168/169 hours) | ISO 8601, jiff's tz rules |
//! | [`trend`] | counts by area × category × week, changes against last week, the 4 weeks before and the same week last year | exact conditional Poisson test, Benjamini–Hochberg |
//! | [`profile`] | the 168-bin hour-of-week profile | aoristic apportioning (Ratcliffe 2000) |
//! | [`grid`], [`hexagon`] | SWEREF 99 TM square grids and H3 cell layers | |
//! | [`gistar`] | Getis-Ord Gi* hot spots, ArcGIS-style bins, FDR, permutations | Getis & Ord 1992, Ord & Getis 1995, PySAL's conditional randomisation |
//! | [`density`] | quartic kernel density surfaces | CrimeStat/ArcGIS quartic kernel |
//! | [`knox`] | the Knox near-repeat test | Knox 1964, Ratcliffe's Near Repeat Calculator |
//! | [`effect`] | a measure's effect: before/after in target, buffer and control; the weighted displacement quotient | Bowers & Johnson 2003 |
//! | [`significance`] | p-values shared by the above | |
//!
//! Every random result (permutation p-values, Knox expectations) is reproducible from its
//! seed on any machine and any later Trygg version: the generator is part of this crate
//! (`rng`), not a dependency whose stream might change.
//!
//! Gi* z-scores are checked against PySAL's `esda.G_Local` by `tools/reference` (run from
//! `tests/reference.rs`); benchmarks are in `benches/analytics.rs`
//! (`cargo bench -p trygg-analytics`).

pub mod density;
pub mod effect;
mod error;
pub mod gistar;
pub mod grid;
pub mod hexagon;
pub mod knox;
pub mod profile;
mod rng;
pub mod significance;
pub mod trend;
pub mod week;

pub use error::AnalyticsError;
pub use h3o;

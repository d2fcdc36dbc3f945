//! The one error type of the analytics crate.
//!
//! Every variant is a caller mistake that a page can explain (a week that does not exist,
//! band edges out of order) or the bundled time-zone database missing, which would be a
//! build defect. Codes are stable snake_case strings so the web layer can translate them.

use thiserror::Error;

/// What can go wrong in an analysis.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnalyticsError {
    /// The Europe/Stockholm rules could not be loaded (jiff is built with its bundled
    /// database, so this is a packaging defect, never bad input).
    #[error("the Europe/Stockholm time zone is not available: {0}")]
    TimeZone(String),
    /// The year has no such ISO week (weeks run 1..=52, or 1..=53 in long years).
    #[error("ISO year {year} has no week {week}")]
    NoSuchWeek {
        /// The ISO week-numbering year asked for.
        year: i32,
        /// The week asked for.
        week: i32,
    },
    /// A week written in an unknown form (expected `2026-W48`).
    #[error("{0:?} is not an ISO week such as 2026-W48")]
    WeekSyntax(String),
    /// A date or week outside the range the calendar supports.
    #[error("the date is outside the supported calendar range")]
    CalendarRange,
    /// A from–to window whose end lies before its start.
    #[error("the time window ends before it starts")]
    NegativeWindow,
    /// A grid cell size that is not a positive finite number of metres.
    #[error("the cell size must be a positive, finite number of metres")]
    CellSize,
    /// The grid would have more cells than an analysis should ever need.
    #[error("a grid of {cols} × {rows} cells is larger than the limit of {limit} cells")]
    GridTooLarge {
        /// Columns the grid would have.
        cols: u64,
        /// Rows the grid would have.
        rows: u64,
        /// The largest number of cells accepted.
        limit: u64,
    },
    /// No points to derive an extent from.
    #[error("there are no points to build a grid from")]
    NoPoints,
    /// A coordinate, weight or value that is NaN or infinite.
    #[error("{0} must be finite numbers")]
    NotFinite(&'static str),
    /// Two inputs that must have the same length do not.
    #[error("{what}: {got} values given, {expected} expected")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// How many values were given.
        got: usize,
        /// How many were expected.
        expected: usize,
    },
    /// A kernel bandwidth that is not a positive finite number of metres.
    #[error("the bandwidth must be a positive, finite number of metres")]
    Bandwidth,
    /// Band edges that are empty, negative, not finite or not strictly increasing.
    #[error("{0} band edges must be non-negative, finite and strictly increasing")]
    BandEdges(&'static str),
    /// A neighbour list that refers to a cell that does not exist.
    #[error("neighbour {neighbour} of cell {cell} is out of range")]
    NeighbourOutOfRange {
        /// The cell whose list is wrong.
        cell: usize,
        /// The index that does not exist.
        neighbour: usize,
    },
    /// H3 cells of different resolutions in one layer.
    #[error("all H3 cells of a layer must have the same resolution")]
    MixedResolutions,
    /// An area polygon h3o cannot tile (invalid ring, not WGS84 degrees).
    #[error("the area cannot be tiled with H3 cells: {0}")]
    Tiling(String),
    /// More incidents than one Knox test takes.
    #[error("a Knox test takes at most {limit} incidents")]
    TooManyEvents {
        /// The largest number accepted.
        limit: usize,
    },
    /// A probability or significance level outside (0, 1).
    #[error("the significance level must lie strictly between 0 and 1")]
    Alpha,
}

impl AnalyticsError {
    /// A stable snake_case code for logs, the API and translations.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TimeZone(_) => "time_zone_unavailable",
            Self::NoSuchWeek { .. } => "no_such_week",
            Self::WeekSyntax(_) => "week_syntax",
            Self::CalendarRange => "calendar_range",
            Self::NegativeWindow => "negative_window",
            Self::CellSize => "cell_size",
            Self::GridTooLarge { .. } => "grid_too_large",
            Self::NoPoints => "no_points",
            Self::NotFinite(_) => "not_finite",
            Self::LengthMismatch { .. } => "length_mismatch",
            Self::Bandwidth => "bandwidth",
            Self::BandEdges(_) => "band_edges",
            Self::NeighbourOutOfRange { .. } => "neighbour_out_of_range",
            Self::MixedResolutions => "mixed_resolutions",
            Self::Tiling(_) => "tiling",
            Self::Alpha => "alpha",
            Self::TooManyEvents { .. } => "too_many_events",
        }
    }
}

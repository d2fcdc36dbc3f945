//! The weekly lägesbild: one area, one ISO week (Europe/Stockholm), computed once into a
//! self-contained [`WeeklyPicture`].
//!
//! Everything the page shows is inside the picture, already computed (figures, tests,
//! sparkline paths, hot-spot cells with their map corners, the heatmap with its shading
//! levels, notable incidents with masked text, police events), so a published picture can
//! be frozen as JSON and rendered later by the same template with no further database
//! reads, and look exactly as it did in the meeting.
//!
//! # Which incidents count
//!
//! - **Sharing** as everywhere else ([`Trygg::incident_visibility`]): a coordinator sees
//!   every incident; an analyst or handläggare sees their own organisation's incidents and
//!   every partner's `partners`-shared ones. The picture records this in
//!   [`WeeklyPicture::scope`].
//! - **Review status**: `accepted` and `submitted` (not yet reviewed) incidents count:
//!   the weekly meeting is held days after the week, before every report has been
//!   reviewed, and leaving the unreviewed out would make every recent week look like a
//!   fall. `rejected` never counts. A `merged` duplicate never counts on its own: the
//!   incident it was merged into is counted, so the event counts once.
//! - **Time**: an incident belongs to the week of the start of its time window ("no
//!   earlier than"), in Stockholm time; the hour-of-week heatmap spreads windows
//!   aoristically over the hours they cover within the week.
//! - **Hot spots** use only incidents with a reported position. Police events are
//!   context only (their positions are municipality centroids) and never enter the
//!   counts or the hot spots.
//!
//! # Speed
//!
//! Weekly counts for the comparisons and sparklines come from the rollup table
//! `incident_week_counts` (area × category × week × organisation × sharing), which the
//! store keeps current in the same transaction as every write that changes a count (see
//! `trygg_store::lagesbild`). The week's hot-spot counts (by 200 m SWEREF 99 TM cell,
//! projected once when the incident is written) and its aoristic hour-of-week weights
//! come from two more rollups kept the same way (migration 0015), so the picture reads a
//! few hundred rollup rows rather than the ~20 000 incidents a busy district has in a
//! week; only the notable incidents (at most 25) are read as incidents. The cost does not
//! grow with the years stored, nor much with the incidents of the week.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use trygg_analytics::AnalyticsError;
use trygg_analytics::gistar::{Cutoffs, GiStarOptions, gistar_lattice};
use trygg_analytics::grid::GridSpec;
use trygg_analytics::significance::CountTest;
use trygg_analytics::trend::{Change, TableOptions, WeeklyCounts, WeeklyRow, weeks_needed};
use trygg_analytics::week::IsoWeek;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::{Sweref99Tm, Wgs84};
use trygg_domain::id::AreaId;
use trygg_domain::incident::{CategoryId, IncidentId};
use trygg_domain::policy::Action;
use trygg_domain::time::Instant;
use trygg_store::incident::{CategoryRow, IncidentStore};
use trygg_store::lagesbild::{
    CELL_M, CellCount, HOUR_UNIT, LagesbildStore, WeekIncident, week_key,
};
use trygg_store::{Place, Store};

use crate::{Caller, Error, Result, Trygg};

/// Side of a hot-spot grid cell, in metres (SWEREF 99 TM).
pub const HOT_SPOT_CELL_M: f64 = 200.0;

/// Weeks in each category's sparkline, ending with the picture's week.
pub const SPARKLINE_WEEKS: usize = 12;

/// The weekly picture of one area: everything the page shows, computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyPicture {
    /// The area described.
    pub area: PictureArea,
    /// The week described.
    pub week: IsoWeek,
    /// The week before and after (for links; `None` at the calendar's ends).
    pub previous_week: Option<IsoWeek>,
    pub next_week: Option<IsoWeek>,
    /// Whether the week has ended by the time of computing (a running week is partial).
    pub complete: bool,
    /// Monday 00:00 and the next Monday 00:00, Stockholm time, as instants.
    pub week_start: Instant,
    pub week_end: Instant,
    /// Local dates for headings, e.g. "16 november 2026" (Swedish) and ISO "2026-11-16".
    pub first_day: String,
    pub last_day: String,
    /// Hours in the week: 168, or 167/169 around the clock changes.
    pub hours: u32,
    /// When the picture was computed.
    pub computed_at: Instant,
    /// Which incidents were counted.
    pub scope: PictureScope,
    /// The figures at the top of the page.
    pub headline: Headline,
    /// The table by category, with its method.
    pub trend: TrendTable,
    /// Gi* hot spots on a SWEREF 99 TM grid over the area.
    pub hot_spots: HotSpotMap,
    /// The hour-of-week heatmap (7 × 24), aoristic.
    pub heatmap: Heatmap,
    /// Incidents of the week worth naming: severity 3, or in a category with a flagged
    /// change. Text is masked as stored, and empty where the caller may not read it.
    pub notable: Vec<NotableIncident>,
    /// The police's public events of the week in the area: context only.
    pub police_events: Vec<PoliceContext>,
    /// `district`: events the police linked to this district; `municipality`: all of the
    /// municipality's events (other kinds of area cannot be matched to the feed).
    pub police_scope: String,
    /// The open measures in the area. Filled once measures are stored (the measures
    /// module); until then always empty, and the page says there are none to show.
    pub open_measures: Vec<OpenMeasure>,
}

/// The area a picture describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PictureArea {
    pub id: AreaId,
    /// `kommun`, `district`, `regso`… (see `AreaKind::code`).
    pub kind: String,
    pub code: String,
    pub name: String,
}

/// Which incidents the figures include.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PictureScope {
    /// `all`: every organisation's incidents; `own_and_shared`: the caller's
    /// organisation's and the partners' shared ones.
    pub sharing: String,
    /// Review statuses counted (`accepted`, `submitted`).
    pub statuses: Vec<String>,
    /// The first week with data for the area; comparisons reaching before it are shown
    /// as unavailable rather than against an invented zero.
    pub data_since: Option<IsoWeek>,
}

/// The headline figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// Incidents this week.
    pub count: u32,
    /// Last week's count, when known.
    pub last_week: Option<u32>,
    /// Mean of the four weeks before, when known.
    pub four_week_mean: Option<f64>,
    /// The same ISO week last year, when known.
    pub same_week_last_year: Option<u32>,
    /// Incidents this week the reporter said create insecurity.
    pub creating_insecurity: u32,
    /// Their share in per cent (`None` in a week without incidents).
    pub insecurity_share_pct: Option<f64>,
    /// Categories with at least one flagged change.
    pub flagged_categories: u32,
}

/// The table by category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendTable {
    /// All categories together.
    pub total: TrendRow,
    /// One row per category with incidents in the sparkline weeks or the baselines.
    pub rows: Vec<TrendRow>,
    /// The weeks of the sparklines, oldest first.
    pub sparkline_weeks: Vec<IsoWeek>,
    /// The test behind every p-value (for the method note).
    pub test: CountTest,
    /// Significance level.
    pub alpha: f64,
    /// Whether p-values were adjusted by Benjamini–Hochberg across the table.
    pub fdr: bool,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendRow {
    /// Category code, or `total`.
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    /// The counts and comparisons.
    pub figures: WeeklyRow,
    /// The sparkline drawn from `figures.sparkline`.
    pub sparkline: Sparkline,
    /// At least one comparison flagged.
    pub flagged: bool,
}

/// A small line chart as SVG data, with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sparkline {
    /// `points` attribute of an SVG polyline in a `width × height` box.
    pub points: String,
    pub width: u32,
    pub height: u32,
    /// Largest value drawn.
    pub max: u32,
    /// The values as text, oldest first ("3, 5, –, 2"), for the text alternative.
    pub values_text: String,
}

/// Gi* hot spots on a square SWEREF 99 TM grid covering the area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotSpotMap {
    /// Cell side in metres.
    pub cell_size_m: f64,
    /// Grid origin (south-west corner), SWEREF 99 TM metres.
    pub origin_e: f64,
    pub origin_n: f64,
    pub cols: usize,
    pub rows: usize,
    /// Incidents with a position that entered the analysis.
    pub incidents: u32,
    /// Incidents of the week without a position (not in the map).
    pub without_position: u32,
    /// Whether the bins were FDR corrected, and the cut-offs used.
    pub fdr: bool,
    pub cutoffs: Option<Cutoffs>,
    /// The cells with bin ≠ 0: the map and the table show exactly these.
    pub cells: Vec<HotSpotCell>,
    /// The area's bounding box (WGS84) for the map's initial view.
    pub bounds: [f64; 4],
}

/// One significant cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotSpotCell {
    pub col: usize,
    pub row: usize,
    /// South-west corner, SWEREF 99 TM metres.
    pub e_min: f64,
    pub n_min: f64,
    /// The cell's corners in WGS84 (lat, lon), SW, SE, NE, NW, for the map.
    pub corners: Vec<[f64; 2]>,
    /// Incidents in the cell this week.
    pub count: u32,
    pub z: f64,
    pub p: f64,
    /// −3…3: cold/hot spot at 99/95/90 % confidence.
    pub bin: i8,
    /// A known place in the cell, if any.
    pub place: Option<String>,
}

/// The hour-of-week heatmap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heatmap {
    /// `cells[day][hour]`, day 0 = Monday, hour in local time; aoristic shares.
    pub cells: Vec<Vec<f64>>,
    /// Shading level 0–4 of each cell (for the background; the value is always shown).
    pub levels: Vec<Vec<u8>>,
    /// Sum of the cells (= incidents of the week apportioned inside it).
    pub total: f64,
    pub max: f64,
}

/// A notable incident of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotableIncident {
    pub id: i64,
    pub occurred: String,
    pub category_code: String,
    pub category_sv: String,
    pub category_en: String,
    pub severity: u8,
    pub creates_insecurity: bool,
    /// As stored (personal data masked); empty when the caller may not read it.
    pub description: String,
    pub place: Option<String>,
    /// `severity` or `flagged_category`.
    pub reason: String,
}

/// A police event shown as context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoliceContext {
    pub occurred: String,
    pub event_type: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub location_name: String,
}

/// An open measure in the area, as the picture shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenMeasure {
    pub id: i64,
    pub title: String,
    /// The organisation (or unit) responsible.
    pub owner: String,
    pub status: String,
    /// Due date, local, when set.
    pub due: Option<String>,
}

/// The most cells a hot-spot grid may have; larger areas get coarser cells.
const MAX_GRID_CELLS: usize = 250_000;

/// Notable incidents listed at most.
const MAX_NOTABLE: usize = 25;

fn analytics(e: AnalyticsError) -> Error {
    Error::Internal(format!("lägesbild: {e}"))
}

fn week_of_key(key: i64) -> Option<IsoWeek> {
    IsoWeek::new(
        i16::try_from(key / 100).ok()?,
        i8::try_from(key % 100).ok()?,
    )
    .ok()
}

fn key_of_week(week: IsoWeek) -> i64 {
    i64::from(week.year()) * 100 + i64::from(week.week())
}

/// The code a stored category version is counted under: a retired category's
/// replacement (followed a few steps), otherwise its own code.
fn effective_codes(
    rows: &[CategoryRow],
) -> (HashMap<CategoryId, String>, HashMap<String, CategoryRow>) {
    let mut latest: HashMap<String, CategoryRow> = HashMap::new();
    for r in rows {
        match latest.get(&r.code) {
            Some(l) if l.version >= r.version => {}
            _ => {
                latest.insert(r.code.clone(), r.clone());
            }
        }
    }
    let resolve = |code: &str| {
        let mut c = code.to_owned();
        for _ in 0..8 {
            match latest.get(&c) {
                Some(l) if l.retired => match &l.replaced_by {
                    Some(next) if latest.contains_key(next) => c = next.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        c
    };
    let ids = rows.iter().map(|r| (r.id, resolve(&r.code))).collect();
    (ids, latest)
}

/// A sparkline of up to `values.len()` points in a 96 × 24 box; weeks without data are
/// left out of the line.
fn sparkline(values: &[Option<u32>]) -> Sparkline {
    let (width, height) = (96u32, 24u32);
    let max = values.iter().flatten().copied().max().unwrap_or(0);
    let n = values.len().max(2) - 1;
    let points = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let v = (*v)?;
            let x = 2.0 + i as f64 * f64::from(width - 4) / n as f64;
            let y = if max == 0 {
                f64::from(height - 2)
            } else {
                f64::from(height - 2) - f64::from(v) / f64::from(max) * f64::from(height - 4)
            };
            Some(format!("{x:.1},{y:.1}"))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let values_text = values
        .iter()
        .map(|v| v.map_or("–".to_owned(), |v| v.to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    Sparkline {
        points,
        width,
        height,
        max,
        values_text,
    }
}

fn flagged(row: &WeeklyRow) -> bool {
    row.comparisons().any(|c| c.change != Change::NoChange)
}

/// Shading level 0–4 of a heatmap value against the week's largest.
fn level(v: f64, max: f64) -> u8 {
    if v <= 0.0 || max <= 0.0 {
        0
    } else {
        (1.0 + (v / max * 3.0).floor()).min(4.0) as u8
    }
}

/// The hot-spot grid over the area's bounding box, in SWEREF 99 TM.
fn area_grid(bbox: [f64; 4]) -> Result<GridSpec> {
    let [min_lon, min_lat, max_lon, max_lat] = bbox;
    let mut es = Vec::new();
    let mut ns = Vec::new();
    for (lat, lon) in [
        (min_lat, min_lon),
        (min_lat, max_lon),
        (max_lat, min_lon),
        (max_lat, max_lon),
    ] {
        let p = Wgs84::new(lat, lon)
            .and_then(Wgs84::to_sweref99tm)
            .map_err(|e| Error::Internal(format!("area bounds: {e}")))?;
        es.push(p.e());
        ns.push(p.n());
    }
    let fold = |v: &[f64], f: fn(f64, f64) -> f64, init: f64| v.iter().copied().fold(init, f);
    let (min_e, max_e) = (
        fold(&es, f64::min, f64::INFINITY),
        fold(&es, f64::max, f64::NEG_INFINITY),
    );
    let (min_n, max_n) = (
        fold(&ns, f64::min, f64::INFINITY),
        fold(&ns, f64::max, f64::NEG_INFINITY),
    );
    let mut size = HOT_SPOT_CELL_M;
    loop {
        let grid =
            GridSpec::covering([(min_e, min_n), (max_e, max_n)], size, None).map_err(analytics)?;
        if grid.len() <= MAX_GRID_CELLS {
            return Ok(grid);
        }
        size *= 2.0;
    }
}

fn corners(grid: &GridSpec, col: usize, row: usize) -> Vec<[f64; 2]> {
    let (e, n) = grid.cell_min(col, row);
    let m = grid.cell_size;
    [(e, n), (e + m, n), (e + m, n + m), (e, n + m)]
        .into_iter()
        .filter_map(|(e, n)| Sweref99Tm::new(n, e).and_then(Sweref99Tm::to_wgs84).ok())
        .map(|p| [(p.lat() * 1e6).round() / 1e6, (p.lon() * 1e6).round() / 1e6])
        .collect()
}

fn hot_spots(
    grid: GridSpec,
    cells: &[CellCount],
    without_position: u32,
    places: &[Place],
    bounds: [f64; 4],
) -> Result<HotSpotMap> {
    // The stored 200 m cells nest in the grid's (its origin is a multiple of its cell
    // size, itself 200 m · 2^k): each counts at its centre.
    let half = CELL_M / 2.0;
    let points = cells.iter().map(|c| {
        (
            c.cell_e as f64 * CELL_M + half,
            c.cell_n as f64 * CELL_M + half,
            c.n as f64,
        )
    });
    let counts = grid.count(points).map_err(analytics)?;
    let positioned: i64 = cells.iter().map(|c| c.n).sum();
    let outside: f64 = cells
        .iter()
        .filter(|c| {
            grid.cell_of(
                c.cell_e as f64 * CELL_M + half,
                c.cell_n as f64 * CELL_M + half,
            )
            .is_none()
        })
        .map(|c| c.n as f64)
        .sum();
    let mut map = HotSpotMap {
        cell_size_m: grid.cell_size,
        origin_e: grid.origin_x,
        origin_n: grid.origin_y,
        cols: grid.cols,
        rows: grid.rows,
        incidents: (positioned as f64 - outside) as u32,
        without_position,
        fdr: true,
        cutoffs: None,
        cells: Vec::new(),
        bounds,
    };
    if positioned == 0 {
        return Ok(map);
    }
    let spots = gistar_lattice(grid.lattice(), &counts.values, &GiStarOptions::default())
        .map_err(analytics)?;
    map.fdr = spots.fdr;
    map.cutoffs = Some(spots.cutoffs);
    let mut place_in: HashMap<usize, &str> = HashMap::new();
    for p in places {
        if let Some((c, r)) = Wgs84::new(p.lat, p.lon)
            .ok()
            .and_then(|w| w.to_sweref99tm().ok())
            .and_then(|s| grid.cell_of_point(s))
        {
            place_in.entry(grid.index(c, r)).or_insert(p.name.as_str());
        }
    }
    for (idx, &bin) in spots.bin.iter().enumerate() {
        if bin == 0 {
            continue;
        }
        let (col, row) = grid.col_row(idx);
        let (e_min, n_min) = grid.cell_min(col, row);
        map.cells.push(HotSpotCell {
            col,
            row,
            e_min,
            n_min,
            corners: corners(&grid, col, row),
            count: counts.values[idx] as u32,
            z: spots.z[idx],
            p: spots.p[idx],
            bin,
            place: place_in.get(&idx).map(|s| (*s).to_owned()),
        });
    }
    // Hottest first, then coldest last: the order a meeting reads them in.
    map.cells.sort_by(|a, b| {
        b.bin
            .cmp(&a.bin)
            .then(b.z.partial_cmp(&a.z).unwrap_or(std::cmp::Ordering::Equal))
            .then((a.row, a.col).cmp(&(b.row, b.col)))
    });
    Ok(map)
}

fn heatmap(hours: &[(i64, i64)]) -> Result<Heatmap> {
    let mut bins = [0.0f64; 168];
    for &(h, w) in hours {
        if let Some(b) = usize::try_from(h).ok().and_then(|h| bins.get_mut(h)) {
            *b += w as f64 / HOUR_UNIT as f64;
        }
    }
    let total: f64 = bins.iter().sum();
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let cells: Vec<Vec<f64>> = (0..7)
        .map(|d| (0..24).map(|h| bins[d * 24 + h]).collect())
        .collect();
    let max = cells.iter().flatten().copied().fold(0.0, f64::max);
    let levels = cells
        .iter()
        .map(|r| r.iter().map(|v| level(*v, max)).collect())
        .collect();
    Ok(Heatmap {
        cells: cells
            .iter()
            .map(|r| r.iter().map(|v| round(*v)).collect())
            .collect(),
        levels,
        total: round(total),
        max: round(max),
    })
}

impl Trygg {
    /// The weekly picture of `area` in `week`, as the caller may see it (see the module
    /// documentation for which incidents count).
    pub async fn weekly_picture(
        &self,
        caller: &Caller,
        area: AreaId,
        week: IsoWeek,
    ) -> Result<WeeklyPicture> {
        caller.require(Action::ReadDraftLagesbild)?;
        let visibility = self.incident_visibility(caller)?;
        let area_row = self.db.area(area).await?.ok_or(Error::NotFound)?;
        let info = &area_row.info;
        let now = self.clock.now();
        let start = week.start().map_err(analytics)?;
        let end = week.end().map_err(analytics)?;

        // Counts by week and category from the rollup.
        let data_since = self.db.first_week(area).await?.and_then(week_of_key);
        let options = TableOptions {
            data_since,
            ..TableOptions::default()
        };
        let (first, last) = weeks_needed(week, &options).ok_or_else(|| {
            Error::Invalid(trygg_domain::Invalid::new("week", "week_out_of_range"))
        })?;
        let rows = self
            .db
            .week_counts(area, key_of_week(first), key_of_week(last), visibility)
            .await?;
        let categories = self.db.categories().await?;
        let (code_of, latest) = effective_codes(&categories);
        let mut counts: WeeklyCounts<u8, String> =
            WeeklyCounts::new(first, last).map_err(analytics)?;
        for r in &rows {
            let (Some(w), Some(code)) = (week_of_key(r.week), code_of.get(&r.category_id)) else {
                continue;
            };
            counts.add_count(0, code.clone(), w, u32::try_from(r.n).unwrap_or(u32::MAX));
        }
        let table = counts.table(&0, week, &options).map_err(analytics)?;
        let name = |code: &str| {
            latest
                .get(code)
                .map(|c| (c.name_sv.clone(), c.name_en.clone()))
                .unwrap_or_else(|| (code.to_owned(), code.to_owned()))
        };
        let mut trend_rows: Vec<TrendRow> = table
            .categories
            .iter()
            .map(|(code, row)| {
                let (name_sv, name_en) = name(code);
                TrendRow {
                    code: code.clone(),
                    name_sv,
                    name_en,
                    sparkline: sparkline(&row.sparkline),
                    flagged: flagged(row),
                    figures: row.clone(),
                }
            })
            .collect();
        trend_rows.sort_by(|a, b| trygg_domain::geo::swedish_cmp(&a.name_sv, &b.name_sv));
        let total = TrendRow {
            code: "total".into(),
            name_sv: "Alla kategorier".into(),
            name_en: "All categories".into(),
            sparkline: sparkline(&table.total.sparkline),
            flagged: flagged(&table.total),
            figures: table.total.clone(),
        };
        let flagged_codes: BTreeSet<&str> = trend_rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| r.code.as_str())
            .collect();
        let sparkline_weeks = (0..SPARKLINE_WEEKS)
            .rev()
            .filter_map(|k| week.plus_weeks(-(k as i32)))
            .collect();

        // The week itself, from the rollups kept on write: counts and the share creating
        // insecurity, the hot-spot cells and the hour-of-week weights.
        let key = key_of_week(week);
        let (mut this_week, mut insecure) = (0i64, 0i64);
        for r in rows.iter().filter(|r| r.week == key) {
            this_week += r.n;
            insecure += r.n_insecure;
        }
        let insecure = u32::try_from(insecure).unwrap_or(u32::MAX);
        let this_week = u32::try_from(this_week).unwrap_or(u32::MAX);
        let headline = Headline {
            count: table.total.count,
            last_week: table.total.last_week.as_ref().map(|c| c.baseline_count),
            four_week_mean: table.total.four_weeks.as_ref().map(|c| c.baseline_mean),
            same_week_last_year: table
                .total
                .same_week_last_year
                .as_ref()
                .map(|c| c.baseline_count),
            creating_insecurity: insecure,
            insecurity_share_pct: (this_week > 0)
                .then(|| (f64::from(insecure) * 1000.0 / f64::from(this_week)).round() / 10.0),
            flagged_categories: flagged_codes.len() as u32,
        };
        let (cells, hours) = tokio::try_join!(
            self.db.week_cells(area, key, visibility),
            self.db.week_hours(area, key, visibility),
        )?;
        let bounds = [
            info.bbox.min_lon,
            info.bbox.min_lat,
            info.bbox.max_lon,
            info.bbox.max_lat,
        ];
        let places = self.db.places_in_area(area).await?;
        let grid = area_grid(bounds)?;
        let positioned: i64 = cells.iter().map(|c| c.n).sum();
        let without_position =
            u32::try_from((i64::from(this_week) - positioned).max(0)).unwrap_or(0);
        let hot = hot_spots(grid, &cells, without_position, &places, bounds)?;
        let heat = heatmap(&hours)?;

        // Notable: severity 3, or a category with a flagged change.
        let flagged_ids: Vec<CategoryId> = code_of
            .iter()
            .filter(|(_, code)| flagged_codes.contains(code.as_str()))
            .map(|(id, _)| *id)
            .collect();
        let notable_rows = self
            .db
            .notable_incidents(
                area,
                start,
                end,
                visibility,
                &flagged_ids,
                MAX_NOTABLE as i64,
            )
            .await?;
        let notable_ids: Vec<(&WeekIncident, &'static str)> = notable_rows
            .iter()
            .map(|i| {
                if i.severity >= 3 {
                    (i, "severity")
                } else {
                    (i, "flagged_category")
                }
            })
            .collect();
        let place_names: HashMap<_, _> = places.iter().map(|p| (p.id, p.name.clone())).collect();
        let mut notable = Vec::with_capacity(notable_ids.len());
        for (i, reason) in notable_ids {
            let row = self.incident(caller, IncidentId(i.id.0)).await?;
            let code = code_of
                .get(&i.category_id)
                .cloned()
                .unwrap_or_else(|| row.category_code.clone());
            let (category_sv, category_en) = name(&code);
            notable.push(NotableIncident {
                id: row.id.0,
                occurred: row.occurred_from.local_display(),
                category_code: code,
                category_sv,
                category_en,
                severity: u8::try_from(row.severity).unwrap_or(1),
                creates_insecurity: row.creates_insecurity,
                description: row.description,
                place: row
                    .place_id
                    .and_then(|p| place_names.get(&p).cloned())
                    .or(row.location_text),
                reason: reason.into(),
            });
        }

        let district = (info.kind == AreaKind::District).then_some(area);
        let police_scope = if district.is_some() {
            "district"
        } else {
            "municipality"
        };
        let police_events = self
            .db
            .police_context(district, start, end)
            .await?
            .into_iter()
            .map(|e| PoliceContext {
                occurred: e.occurred_at.local_display(),
                event_type: e.event_type,
                name: e.name,
                summary: e.summary,
                url: e.url,
                location_name: e.location_name,
            })
            .collect();

        let monday = week.monday();
        let sunday = monday
            .checked_add(jiff::Span::new().days(6))
            .unwrap_or(monday);
        // The measures still open in the area, as the caller may see them (every role that
        // may read the draft picture may read shared measures).
        let open_measures = self
            .open_measures_in_area(caller, area)
            .await?
            .into_iter()
            .map(|m| OpenMeasure {
                id: m.row.id.0,
                title: m.row.values.title.clone(),
                owner: m
                    .row
                    .owner_unit_name
                    .clone()
                    .or_else(|| m.row.owner_organisation_name.clone())
                    .unwrap_or_default(),
                status: m.status.code().to_owned(),
                due: m.row.values.due_date.clone(),
            })
            .collect();
        Ok(WeeklyPicture {
            area: PictureArea {
                id: area,
                kind: info.kind.code().into(),
                code: info.code.clone(),
                name: info.name.clone(),
            },
            week,
            previous_week: week.plus_weeks(-1),
            next_week: week.plus_weeks(1),
            complete: end <= now,
            week_start: start,
            week_end: end,
            first_day: monday.to_string(),
            last_day: sunday.to_string(),
            hours: table.hours,
            computed_at: now,
            scope: PictureScope {
                sharing: if visibility.all {
                    "all"
                } else {
                    "own_and_shared"
                }
                .into(),
                statuses: vec!["submitted".into(), "accepted".into()],
                data_since,
            },
            headline,
            trend: TrendTable {
                total,
                rows: trend_rows,
                sparkline_weeks,
                test: table.test,
                alpha: table.alpha,
                fdr: table.fdr,
            },
            hot_spots: hot,
            heatmap: heat,
            notable,
            police_events,
            police_scope: police_scope.into(),
            open_measures,
        })
    }

    /// Recomputes the lägesbild rollup from the incidents (`trygg lagesbild rebuild`);
    /// returns the rollup rows written.
    pub async fn rebuild_lagesbild_rollup(&self) -> Result<u64> {
        Ok(self.db.rebuild_week_counts().await?)
    }

    /// Recomputes every lägesbild rollup (weekly counts, hot-spot cells, hour-of-week
    /// weights, monthly counts) from the incidents in one transaction: all of them, or
    /// from the ISO week and the month holding the local date `from`. `progress` gets
    /// (incident ids read, ids to read). Returns the rollup rows written.
    pub async fn rebuild_lagesbild_rollups(
        &self,
        from: Option<jiff::civil::Date>,
        progress: &trygg_store::lagesbild::RebuildProgress<'_>,
    ) -> Result<u64> {
        let from = match from {
            Some(d) => {
                let tz = jiff::tz::TimeZone::get(trygg_domain::time::STOCKHOLM)
                    .map_err(|e| Error::Internal(format!("time zone: {e}")))?;
                let z = d
                    .to_zoned(tz)
                    .map_err(|e| Error::Internal(format!("local midnight: {e}")))?;
                Some(Instant::from_timestamp(z.timestamp()))
            }
            None => None,
        };
        Ok(self.db.rebuild_rollups(from, progress).await?)
    }

    /// The current areas a picture can be drawn for, grouped by kind in list order.
    pub async fn lagesbild_areas(
        &self,
        caller: &Caller,
    ) -> Result<Vec<(AreaKind, Vec<trygg_store::AreaInfo>)>> {
        caller.require(Action::ReadDraftLagesbild)?;
        let areas = self.db.current_areas(None).await?;
        Ok(AreaKind::ALL
            .into_iter()
            .map(|k| {
                (
                    k,
                    areas
                        .iter()
                        .filter(|a| a.kind == k)
                        .cloned()
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect())
    }

    /// The default area of the picture: the municipality (the first current `kommun`
    /// area), or else the first area of any kind.
    pub async fn default_lagesbild_area(&self, caller: &Caller) -> Result<Option<AreaId>> {
        let groups = self.lagesbild_areas(caller).await?;
        Ok(groups.first().and_then(|(_, v)| v.first()).map(|a| a.id))
    }

    /// The default week: the last whole ISO week by the clock.
    pub fn default_lagesbild_week(&self) -> Result<IsoWeek> {
        IsoWeek::last_whole_week(self.clock.now()).map_err(analytics)
    }
}

/// The week a rollup key names, for tests and tools.
pub fn rollup_week(at: Instant) -> Option<IsoWeek> {
    week_of_key(week_key(at))
}

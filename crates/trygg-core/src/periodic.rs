//! Periodic analysis: the tertial and year views (the årshjul) and the near-repeat table.
//!
//! * [`Trygg::period_view`]: counts by month × category for a tertial (T1 January–April,
//!   T2 May–August, T3 September–December, as Linköping plans its year) or a whole year,
//!   beside the same months a year earlier. A category's change against last year is
//!   flagged only when the exact conditional Poisson test says it is unlikely under
//!   chance, after the Benjamini–Hochberg correction over the categories (the same test
//!   as the weekly lägesbild, [`trygg_analytics::significance::compare_counts`]). A period
//!   that has not ended yet is compared up to today with the same days a year earlier.
//! * [`Trygg::near_repeat`]: the Knox test ([`trygg_analytics::knox`]) on one category's
//!   incidents in a date range: bands in metres and days, expected counts from a fixed
//!   number of seeded date permutations, so the same question always gets the same table.
//!
//! Both read draft figures, so both require [`Action::ReadDraftLagesbild`], and both see
//! only the incidents the caller may see under the sharing rules ([`Trygg::incident_visibility`],
//! applied in SQL by the store, as for every list and map). An incident counts as in the
//! weekly picture: submitted or accepted and not merged into another; its month and day
//! are those of its start (`occurred_from`) in Europe/Stockholm.

use jiff::civil::Date;
use std::collections::HashMap;
use trygg_analytics::knox::{KnoxEvent, KnoxOptions, KnoxTable, Metric, Precision, knox};
use trygg_analytics::significance::{
    CountComparison, CountTest, benjamini_hochberg, compare_counts,
};
use trygg_domain::Invalid;
use trygg_domain::geo::Wgs84;
use trygg_domain::id::AreaId;
use trygg_domain::policy::Action;
use trygg_domain::time::{Instant, STOCKHOLM};

use trygg_domain::incident::CategoryId;
use trygg_store::incident::IncidentStore;
use trygg_store::incident::{CategoryRow, IncidentFilter, IncidentOrder, IncidentRow};
use trygg_store::lagesbild::LagesbildStore;

use crate::{Caller, Error, Result, Trygg};

/// Significance level of the flagged changes (after the FDR correction).
pub const ALPHA: f64 = 0.05;

/// The near-repeat table's distance band edges, metres: same place, then 100 m steps.
pub const DISTANCE_EDGES: [f64; 6] = [0.0, 1.0, 100.0, 200.0, 300.0, 400.0];
/// The near-repeat table's time band edges, days: weeks.
pub const TIME_EDGES: [u32; 5] = [0, 7, 14, 21, 28];
/// Date permutations of the near-repeat test (smallest p = 1/1000).
pub const PERMUTATIONS: u32 = 999;
/// The seed of the permutations: fixed, so a table can be reproduced exactly.
pub const SEED: u64 = 20_261_125;
/// The longest date range of a near-repeat analysis (pairs grow with its square).
pub const MAX_NEAR_REPEAT_DAYS: i64 = 3 * 366;

/// A tertial or a calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Four months: 1 = January–April, 2 = May–August, 3 = September–December.
    Tertial { year: i16, tertial: u8 },
    /// January–December.
    Year(i16),
}

impl Period {
    /// `2026-T2` or `2026`.
    pub fn parse(s: &str) -> std::result::Result<Self, Invalid> {
        let bad = Invalid::new("period", "period_syntax");
        let s = s.trim();
        let (year, tertial) = match s.split_once(['-', '–']) {
            Some((y, t)) => {
                let t = t.trim().strip_prefix(['T', 't']).ok_or(bad.clone())?;
                (y.trim(), Some(t.parse::<u8>().map_err(|_| bad.clone())?))
            }
            None => (s, None),
        };
        if year.len() != 4 {
            return Err(bad);
        }
        let year: i16 = year.parse().map_err(|_| bad.clone())?;
        if !(1900..=2200).contains(&year) {
            return Err(Invalid::new("period", "period_range"));
        }
        match tertial {
            None => Ok(Self::Year(year)),
            Some(t @ 1..=3) => Ok(Self::Tertial { year, tertial: t }),
            Some(_) => Err(bad),
        }
    }

    /// The period holding a date.
    pub fn tertial_of(date: Date) -> Self {
        Self::Tertial {
            year: date.year(),
            tertial: ((date.month() - 1) / 4 + 1) as u8,
        }
    }

    /// The calendar year.
    pub fn year(self) -> i16 {
        match self {
            Self::Tertial { year, .. } | Self::Year(year) => year,
        }
    }

    /// `2026-T2` or `2026`, as parsed.
    pub fn code(self) -> String {
        match self {
            Self::Tertial { year, tertial } => format!("{year}-T{tertial}"),
            Self::Year(year) => year.to_string(),
        }
    }

    /// The months, in order.
    pub fn months(self) -> Vec<Month> {
        let (first, last) = match self {
            Self::Tertial { tertial, .. } => {
                let first = (i8::try_from(tertial).unwrap_or(1) - 1) * 4 + 1;
                (first, first + 3)
            }
            Self::Year(_) => (1, 12),
        };
        (first..=last)
            .map(|month| Month {
                year: self.year(),
                month,
            })
            .collect()
    }

    /// The same period a year earlier.
    pub fn previous_year(self) -> Self {
        match self {
            Self::Tertial { year, tertial } => Self::Tertial {
                year: year - 1,
                tertial,
            },
            Self::Year(year) => Self::Year(year - 1),
        }
    }

    fn first_day(self) -> Result<Date> {
        let m = self.months();
        let first = m
            .first()
            .ok_or(Error::Internal("a period without months".into()))?;
        first.first_day()
    }

    fn end_day(self) -> Result<Date> {
        let m = self.months();
        let last = m
            .last()
            .ok_or(Error::Internal("a period without months".into()))?;
        last.first_day()?
            .checked_add(jiff::ToSpan::months(1))
            .map_err(|e| Error::Internal(format!("period end: {e}")))
    }
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i16,
    /// 1–12.
    pub month: i8,
}

impl Month {
    fn first_day(self) -> Result<Date> {
        Date::new(self.year, self.month, 1).map_err(|e| Error::Internal(format!("month: {e}")))
    }
}

/// An upward, downward or no flagged change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Significantly more than last year: the wrong way.
    Up,
    /// Significantly fewer than last year.
    Down,
    /// No change beyond chance (or nothing to compare).
    None,
}

/// One row of the årshjul: a category (or the total) by month, against last year.
#[derive(Debug, Clone)]
pub struct PeriodRow {
    /// The category code; empty for the total row.
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    /// Counts per month of the period (zero for months not yet begun).
    pub months: Vec<u32>,
    /// Counts per month of the same months a year earlier.
    pub last_year_months: Vec<u32>,
    /// This period's count (up to the comparison's end).
    pub count: u32,
    /// The same span a year earlier.
    pub last_year: u32,
    /// The exact test of `count` against `last_year` over equal spans.
    pub comparison: CountComparison,
    /// Benjamini–Hochberg adjusted p-value over the category rows (the total row: its p).
    pub q_value: f64,
    pub direction: Direction,
}

/// The årshjul of an area and period.
#[derive(Debug, Clone)]
pub struct PeriodView {
    pub period: Period,
    pub area: Option<AreaId>,
    pub months: Vec<Month>,
    /// Categories with any incident in either year, most incidents first.
    pub rows: Vec<PeriodRow>,
    pub total: PeriodRow,
    /// Where the comparison stops (exclusive): the period's end, or today for a period
    /// still running. The local date.
    pub compared_until: Date,
    /// Whether the period has ended.
    pub complete: bool,
    /// The largest monthly count of a category, for the heatmap's scale.
    pub max_cell: u32,
    pub test: CountTest,
    pub alpha: f64,
}

/// The Knox table of one category, period and (optionally) area.
#[derive(Debug, Clone)]
pub struct NearRepeat {
    pub category_code: String,
    pub category_sv: String,
    pub category_en: String,
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    pub area: Option<AreaId>,
    /// Incidents with a position that were tested.
    pub events: usize,
    /// Incidents in the selection without a position (not tested).
    pub without_position: usize,
    /// `None` when fewer than two incidents have a position.
    pub table: Option<KnoxTable>,
    /// The significant bounded cell with the largest ratio: (distance band, time band).
    pub strongest: Option<(usize, usize)>,
}

/// What a near-repeat analysis is asked for, parsed.
#[derive(Debug, Clone)]
pub struct NearRepeatQuery {
    pub category: String,
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    pub area: Option<AreaId>,
}

impl NearRepeatQuery {
    /// Parses the form's fields; every field's error is reported at once.
    pub fn parse(
        category: &str,
        from: &str,
        to: &str,
        area: Option<AreaId>,
    ) -> std::result::Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let category = category.trim().to_owned();
        if category.is_empty() {
            errors.push(Invalid::new("category", "required"));
        }
        let date = |field: &'static str, s: &str, errors: &mut Vec<Invalid>| {
            let s = s.trim();
            if s.is_empty() {
                errors.push(Invalid::new(field, "required"));
                return None;
            }
            match s.parse::<Date>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(Invalid::new(field, "periodic_date"));
                    None
                }
            }
        };
        let from_d = date("from", from, &mut errors);
        let to_d = date("to", to, &mut errors);
        if let (Some(f), Some(t)) = (from_d, to_d) {
            if t < f {
                errors.push(Invalid::new("to", "periodic_range_reversed"));
            } else if (t - f).get_days() as i64 > MAX_NEAR_REPEAT_DAYS {
                errors.push(Invalid::new("to", "periodic_range_too_long"));
            }
        }
        match (from_d, to_d) {
            (Some(from), Some(to)) if errors.is_empty() => Ok(Self {
                category,
                from,
                to,
                area,
            }),
            _ => Err(errors),
        }
    }
}

/// Midnight at the start of a local date, as an instant.
fn start_of(date: Date) -> Result<Instant> {
    let tz = jiff::tz::TimeZone::get(STOCKHOLM)
        .map_err(|e| Error::Internal(format!("time zone: {e}")))?;
    let zoned = date
        .to_zoned(tz)
        .map_err(|e| Error::Internal(format!("local midnight: {e}")))?;
    Ok(Instant::from_timestamp(zoned.timestamp()))
}

fn local_date(at: Instant) -> Date {
    match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => at.timestamp().to_zoned(tz).date(),
        Err(_) => at.timestamp().to_zoned(jiff::tz::TimeZone::UTC).date(),
    }
}

/// The same day a year earlier (29 February becomes 28 February).
fn year_earlier(d: Date) -> Result<Date> {
    d.checked_sub(jiff::ToSpan::years(1))
        .map_err(|e| Error::Internal(format!("a year earlier: {e}")))
}

impl Trygg {
    /// Counted incidents the caller may see in a selection, read in id order page by page
    /// (the selection is one area's year or two at most).
    async fn counted_incidents(
        &self,
        caller: &Caller,
        mut filter: IncidentFilter,
    ) -> Result<Vec<IncidentRow>> {
        let visibility = self.incident_visibility(caller)?;
        filter.order = IncidentOrder::IdAscending;
        filter.limit = 5_000;
        filter.offset = 0;
        let mut out = Vec::new();
        loop {
            let (rows, _) = self.db.incidents(&filter, visibility).await?;
            let Some(last) = rows.last() else { break };
            filter.after_id = Some(last.id);
            let full = rows.len() as i64 == filter.limit;
            out.extend(rows.into_iter().filter(|r| {
                matches!(r.status.as_str(), "submitted" | "accepted") && r.merged_into.is_none()
            }));
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// The årshjul: month × category counts of a tertial or year, each category's
    /// change against the same span last year tested and flagged.
    pub async fn period_view(
        &self,
        caller: &Caller,
        area: Option<AreaId>,
        period: Period,
    ) -> Result<PeriodView> {
        caller.require(Action::ReadDraftLagesbild)?;
        let today = local_date(self.clock.now());
        let first = period.first_day()?;
        let end = period.end_day()?;
        let complete = today >= end;
        let compared_until = if complete {
            end
        } else {
            // Up to and including today; a period that has not begun compares nothing.
            today
                .tomorrow()
                .map_err(|e| Error::Internal(format!("tomorrow: {e}")))?
                .max(first)
        };
        let last_first = year_earlier(first)?;
        let last_until = year_earlier(compared_until)?;
        let months = period.months();
        let n = months.len();
        let (list, categories) = self.category_list().await?;
        let code_of: HashMap<CategoryId, &CategoryRow> =
            categories.iter().map(|c| (c.id, c)).collect();
        let mut table: Vec<PeriodRow> = Vec::new();
        let empty = PeriodRow {
            code: String::new(),
            name_sv: "Totalt".into(),
            name_en: "Total".into(),
            months: vec![0; n],
            last_year_months: vec![0; n],
            count: 0,
            last_year: 0,
            comparison: compare_counts(0, 1.0, 0, 1.0),
            q_value: 1.0,
            direction: Direction::None,
        };
        let mut total = empty.clone();
        // Whole months from the monthly rollup kept on write; the compared part of the
        // month the comparison stops in (today's, and the same days a year earlier)
        // counted by the database, since a month's count cannot be split by day.
        let visibility = self.incident_visibility(caller)?;
        let key = |d: Date| i64::from(d.year()) * 100 + i64::from(d.month());
        let add = |table: &mut Vec<PeriodRow>,
                   total: &mut PeriodRow,
                   category: CategoryId,
                   n: i64,
                   this_year: bool,
                   month: Option<usize>,
                   compared: bool| {
            let Some(c) = code_of.get(&category) else {
                return;
            };
            let n = u32::try_from(n).unwrap_or(0);
            let row = match table.iter().position(|t| t.code == c.code) {
                Some(k) => &mut table[k],
                None => {
                    table.push(PeriodRow {
                        code: c.code.clone(),
                        name_sv: c.name_sv.clone(),
                        name_en: c.name_en.clone(),
                        ..empty.clone()
                    });
                    let k = table.len() - 1;
                    &mut table[k]
                }
            };
            for target in [&mut *row, &mut *total] {
                match (this_year, month) {
                    (true, Some(i)) => target.months[i] += n,
                    (false, Some(i)) => target.last_year_months[i] += n,
                    _ => {}
                }
                if compared {
                    if this_year {
                        target.count += n;
                    } else {
                        target.last_year += n;
                    }
                }
            }
        };
        for (this_year, first_day, until) in [
            (true, first, compared_until),
            (false, last_first, last_until),
        ] {
            let year = first_day.year();
            let rows = self
                .db
                .month_counts(
                    area,
                    key(first_day),
                    i64::from(year) * 100 + i64::from(months.last().map_or(12, |m| m.month)),
                    visibility,
                )
                .await?;
            let until_key = key(until);
            let partial = until.day() > 1;
            for r in &rows {
                let i = months
                    .iter()
                    .position(|m| i64::from(m.month) == r.month % 100);
                // Whole months before the one the comparison stops in are compared.
                add(
                    &mut table,
                    &mut total,
                    r.category_id,
                    r.n,
                    this_year,
                    i,
                    r.month < until_key,
                );
            }
            if partial && until_key >= key(first_day) && until_key <= key(first_day) + 11 {
                let month_start = start_of(until.first_of_month())?;
                for (category, n) in self
                    .db
                    .counts_between(area, month_start, start_of(until)?, visibility)
                    .await?
                {
                    add(&mut table, &mut total, category, n, this_year, None, true);
                }
            }
        }
        // Current names from the category list (the rows carry the incident's version).
        for row in &mut table {
            if let Some(c) = list.current().find(|c| c.code.as_str() == row.code) {
                row.name_sv = c.name_sv.as_str().to_owned();
                row.name_en = c.name_en.as_str().to_owned();
            }
        }
        // Equal spans: the exposures are equal, so the test is on the counts alone.
        let span = (compared_until - first).get_days().max(0) as f64;
        let test = |r: &mut PeriodRow| {
            r.comparison = compare_counts(u64::from(r.count), span, u64::from(r.last_year), span);
        };
        table.iter_mut().for_each(test);
        test(&mut total);
        let q = benjamini_hochberg(
            &table
                .iter()
                .map(|r| r.comparison.p_value)
                .collect::<Vec<_>>(),
        );
        let direction = |r: &PeriodRow, q: f64| {
            if span <= 0.0 || q > ALPHA {
                Direction::None
            } else if r.count > r.last_year {
                Direction::Up
            } else if r.count < r.last_year {
                Direction::Down
            } else {
                Direction::None
            }
        };
        for (r, q) in table.iter_mut().zip(q) {
            r.q_value = q;
            r.direction = direction(r, q);
        }
        total.q_value = total.comparison.p_value;
        total.direction = direction(&total, total.q_value);
        table.sort_by(|a, b| {
            (b.months.iter().sum::<u32>(), b.last_year)
                .cmp(&(a.months.iter().sum::<u32>(), a.last_year))
                .then_with(|| a.name_sv.cmp(&b.name_sv))
        });
        let max_cell = table
            .iter()
            .flat_map(|r| r.months.iter().chain(&r.last_year_months))
            .copied()
            .max()
            .unwrap_or(0);
        Ok(PeriodView {
            period,
            area,
            months,
            rows: table,
            total,
            compared_until,
            complete,
            max_cell,
            test: CountTest::PoissonConditionalBinomial,
            alpha: ALPHA,
        })
    }

    /// The near-repeat (Knox) table of one category's incidents in a date range.
    pub async fn near_repeat(&self, caller: &Caller, q: &NearRepeatQuery) -> Result<NearRepeat> {
        caller.require(Action::ReadDraftLagesbild)?;
        let (list, rows) = self.category_list().await?;
        let category = list
            .current()
            .find(|c| c.code.as_str() == q.category)
            .map(|c| (c.name_sv.as_str().to_owned(), c.name_en.as_str().to_owned()))
            .or_else(|| {
                rows.iter()
                    .find(|r| r.code == q.category)
                    .map(|r| (r.name_sv.clone(), r.name_en.clone()))
            })
            .ok_or(Error::Invalid(Invalid::new("category", "unknown_category")))?;
        let end =
            q.to.tomorrow()
                .map_err(|e| Error::Internal(format!("tomorrow: {e}")))?;
        let filter = IncidentFilter {
            area: q.area,
            category_code: Some(q.category.clone()),
            from: Some(start_of(q.from)?),
            to: Some(start_of(end)?),
            ..IncidentFilter::default()
        };
        let incidents = self.counted_incidents(caller, filter).await?;
        let mut events = Vec::with_capacity(incidents.len());
        for r in &incidents {
            let Some((lat, lon)) = r.position else {
                continue;
            };
            let Ok(p) = Wgs84::new(lat, lon).and_then(|w| w.to_sweref99tm()) else {
                continue;
            };
            events.push(KnoxEvent::on_date(
                p.e(),
                p.n(),
                local_date(r.occurred_from),
            ));
        }
        let without_position = incidents.len() - events.len();
        let table = if events.len() >= 2 {
            let options = KnoxOptions {
                distance_edges: DISTANCE_EDGES.to_vec(),
                time_edges: TIME_EDGES.to_vec(),
                metric: Metric::Manhattan,
                precision: Precision::F64,
                permutations: PERMUTATIONS,
                seed: SEED,
            };
            // Up to a few hundred milliseconds for thousands of incidents: off the
            // async threads.
            let run = tokio::task::spawn_blocking(move || knox(&events, &options))
                .await
                .map_err(|e| Error::Internal(format!("knox task: {e}")))?;
            Some(run.map_err(|e| Error::Internal(format!("knox: {e}")))?)
        } else {
            None
        };
        let strongest = table.as_ref().and_then(strongest_cell);
        Ok(NearRepeat {
            category_code: q.category.clone(),
            category_sv: category.0,
            category_en: category.1,
            from: q.from,
            to: q.to,
            area: q.area,
            events: table
                .as_ref()
                .map_or(incidents.len() - without_position, |t| t.events),
            without_position,
            table,
            strongest,
        })
    }
}

/// The bounded cell (not a "more than" band) with p ≤ 0.05 and the largest ratio above 1.
pub fn strongest_cell(table: &KnoxTable) -> Option<(usize, usize)> {
    let mut best: Option<((usize, usize), f64)> = None;
    for (d, db) in table.distance_bands.iter().enumerate() {
        for (t, tb) in table.time_bands.iter().enumerate() {
            if db.to.is_none() || tb.to.is_none() {
                continue;
            }
            let Some(cell) = table.cell(d, t) else {
                continue;
            };
            let (Some(ratio), Some(p)) = (cell.ratio, cell.p) else {
                continue;
            };
            if p <= ALPHA && ratio > 1.0 && best.is_none_or(|(_, r)| ratio > r) {
                best = Some(((d, t), ratio));
            }
        }
    }
    best.map(|(cell, _)| cell)
}

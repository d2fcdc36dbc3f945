//! Counts by area × category × ISO week, and whether this week's count is out of line.
//!
//! Each count is compared with three baselines: last week, the four weeks before (weeks
//! w−4 … w−1, their mean), and the same ISO week one year earlier. A difference is only
//! *flagged* when the exact conditional Poisson test of [`crate::significance`] finds it
//! unlikely under chance, after the Benjamini–Hochberg correction across every comparison
//! in the table (categories, the total and the three baselines form one family): a table
//! of twenty categories makes sixty comparisons, and without the correction three of them
//! would be flagged at 5 % in an ordinary week.
//!
//! Counts are compared as rates per hour of the weeks involved, so the 167-hour and
//! 169-hour weeks of the clock changes are not mistaken for a fall or a rise
//! (see [`crate::week`]). The null hypothesis of every comparison is "the same hourly
//! rate in this week as in the baseline weeks"; seasonality is the reason for the
//! same-week-last-year comparison, not something the test removes.
//!
//! A baseline week that lies before the first week with complete data
//! ([`TableOptions::data_since`]) makes the comparison unavailable rather than a
//! comparison with an invented zero: a municipality that started recording last month
//! must not see every category "rise".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trygg_domain::time::Instant;

use crate::AnalyticsError;
use crate::significance::{CountTest, benjamini_hochberg, compare_counts};
use crate::week::{IsoWeek, WeekCalendar};

/// Weekly counts for many areas and categories over a run of consecutive weeks.
///
/// `A` identifies an area, `C` a category; an incident inside several (nested) areas is
/// added once for each. The week of an incident is the Stockholm-local ISO week of the
/// instant given; for an incident known only by a from–to window the caller decides
/// which instant counts (Trygg uses the start of the window, "no earlier than").
#[derive(Debug, Clone)]
pub struct WeeklyCounts<A, C> {
    calendar: WeekCalendar,
    series: BTreeMap<A, BTreeMap<C, Vec<u32>>>,
}

impl<A: Ord + Clone, C: Ord + Clone> WeeklyCounts<A, C> {
    /// Empty counts for the weeks `first..=last`.
    pub fn new(first: IsoWeek, last: IsoWeek) -> Result<Self, AnalyticsError> {
        Ok(Self {
            calendar: WeekCalendar::new(first, last)?,
            series: BTreeMap::new(),
        })
    }

    /// Empty counts covering exactly the weeks [`WeeklyCounts::table`] reads for `week`
    /// with `options` (see [`weeks_needed`]).
    pub fn for_table(week: IsoWeek, options: &TableOptions) -> Result<Self, AnalyticsError> {
        let (first, last) = weeks_needed(week, options).ok_or(AnalyticsError::CalendarRange)?;
        Self::new(first, last)
    }

    /// The weeks covered.
    pub fn calendar(&self) -> &WeekCalendar {
        &self.calendar
    }

    /// Counts one incident at `at`; false (and nothing counted) if `at` lies outside the
    /// calendar.
    pub fn add(&mut self, area: A, category: C, at: Instant) -> bool {
        match self.calendar.index_of(at) {
            Some(i) => {
                self.slot(area, category)[i] += 1;
                true
            }
            None => false,
        }
    }

    /// Adds a pre-aggregated count (from a rollup table); false if `week` lies outside
    /// the calendar. Adding 0 registers the category so the table shows a row for it.
    pub fn add_count(&mut self, area: A, category: C, week: IsoWeek, count: u32) -> bool {
        match self.calendar.index_of_week(week) {
            Some(i) => {
                let slot = &mut self.slot(area, category)[i];
                *slot = slot.saturating_add(count);
                true
            }
            None => false,
        }
    }

    fn slot(&mut self, area: A, category: C) -> &mut Vec<u32> {
        let len = self.calendar.len();
        self.series
            .entry(area)
            .or_default()
            .entry(category)
            .or_insert_with(|| vec![0; len])
    }

    /// The count for one area, category and week; `None` if the week is not covered.
    pub fn count(&self, area: &A, category: &C, week: IsoWeek) -> Option<u32> {
        let i = self.calendar.index_of_week(week)?;
        Some(
            self.series
                .get(area)
                .and_then(|m| m.get(category))
                .map_or(0, |s| s[i]),
        )
    }

    /// All categories of one area in one week; `None` if the week is not covered.
    pub fn area_total(&self, area: &A, week: IsoWeek) -> Option<u32> {
        let i = self.calendar.index_of_week(week)?;
        Some(
            self.series
                .get(area)
                .map_or(0, |m| m.values().map(|s| s[i]).sum()),
        )
    }

    /// The categories with a series in `area`, in order.
    pub fn categories<'a>(&'a self, area: &A) -> impl Iterator<Item = &'a C> + 'a {
        self.series.get(area).into_iter().flat_map(|m| m.keys())
    }

    /// The weekly table of one area: a row per category (every category with a series in
    /// the area, in order) and a total row, each compared with its three baselines.
    pub fn table(
        &self,
        area: &A,
        week: IsoWeek,
        options: &TableOptions,
    ) -> Result<WeeklyTable<C>, AnalyticsError> {
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(AnalyticsError::Alpha);
        }
        let hours = week.hours()?;
        let empty = BTreeMap::new();
        let by_category = self.series.get(area).unwrap_or(&empty);
        let len = self.calendar.len();
        let mut total = vec![0u32; len];
        for s in by_category.values() {
            for (t, v) in total.iter_mut().zip(s) {
                *t = t.saturating_add(*v);
            }
        }
        let mut rows: Vec<(Option<C>, WeeklyRow)> = Vec::with_capacity(by_category.len() + 1);
        rows.push((None, self.row(&total, week, hours, options)?));
        for (c, s) in by_category {
            rows.push((Some(c.clone()), self.row(s, week, hours, options)?));
        }

        // One Benjamini–Hochberg family for the whole table.
        let mut p = Vec::new();
        for (_, row) in &rows {
            p.extend(row.comparisons().map(|c| c.p_value));
        }
        let q = if options.fdr {
            benjamini_hochberg(&p)
        } else {
            p.clone()
        };
        let mut q = q.into_iter();
        for (_, row) in &mut rows {
            for c in row.comparisons_mut() {
                c.q_value = q.next().unwrap_or(1.0);
                c.change = if c.q_value <= options.alpha {
                    // Compare rates without dividing: x·h₀ against x₀·h₁.
                    let now = f64::from(c.count) * f64::from(c.baseline_hours);
                    let then = f64::from(c.baseline_count) * f64::from(c.hours);
                    if now > then {
                        Change::Increase
                    } else {
                        Change::Decrease
                    }
                } else {
                    Change::NoChange
                };
            }
        }

        let mut rows = rows.into_iter();
        let total = rows
            .next()
            .map(|(_, r)| r)
            .ok_or(AnalyticsError::CalendarRange)?;
        let categories = rows.filter_map(|(c, r)| c.map(|c| (c, r))).collect();
        Ok(WeeklyTable {
            week,
            hours,
            total,
            categories,
            test: CountTest::PoissonConditionalBinomial,
            alpha: options.alpha,
            fdr: options.fdr,
        })
    }

    fn row(
        &self,
        series: &[u32],
        week: IsoWeek,
        hours: u32,
        options: &TableOptions,
    ) -> Result<WeeklyRow, AnalyticsError> {
        let i = self
            .calendar
            .index_of_week(week)
            .ok_or(AnalyticsError::CalendarRange)?;
        let count = series[i];
        let compare = |baseline: Baseline, weeks: &[Option<IsoWeek>]| {
            self.compare(series, count, hours, baseline, weeks, options)
        };
        let last_week = compare(Baseline::LastWeek, &[week.plus_weeks(-1)]);
        let four: Vec<Option<IsoWeek>> = (1..=4).map(|k| week.plus_weeks(-k)).collect();
        let four_weeks = compare(Baseline::FourWeekMean, &four);
        let same_week_last_year =
            compare(Baseline::SameWeekLastYear, &[week.same_week_last_year()]);
        let sparkline = (0..options.sparkline_weeks)
            .rev()
            .map(|k| {
                let w = week.plus_weeks(-(k as i32))?;
                if options.data_since.is_some_and(|d| w < d) {
                    return None;
                }
                self.calendar.index_of_week(w).map(|j| series[j])
            })
            .collect();
        Ok(WeeklyRow {
            count,
            last_week,
            four_weeks,
            same_week_last_year,
            sparkline,
        })
    }

    fn compare(
        &self,
        series: &[u32],
        count: u32,
        hours: u32,
        baseline: Baseline,
        weeks: &[Option<IsoWeek>],
        options: &TableOptions,
    ) -> Option<Comparison> {
        let mut baseline_count = 0u32;
        let mut baseline_hours = 0u32;
        for w in weeks {
            let w = (*w)?;
            if options.data_since.is_some_and(|d| w < d) {
                return None;
            }
            let j = self.calendar.index_of_week(w)?;
            baseline_count = baseline_count.saturating_add(series[j]);
            baseline_hours += self.calendar.hours(j)?;
        }
        let test = compare_counts(
            count.into(),
            hours.into(),
            baseline_count.into(),
            baseline_hours.into(),
        );
        Some(Comparison {
            baseline,
            weeks: weeks.len() as u32,
            count,
            hours,
            baseline_count,
            baseline_hours,
            baseline_mean: f64::from(baseline_count) / weeks.len() as f64,
            expected: f64::from(baseline_count) * f64::from(hours) / f64::from(baseline_hours),
            rate_ratio: test.rate_ratio,
            test: test.test,
            p_value: test.p_value,
            q_value: test.p_value,
            change: Change::NoChange,
        })
    }
}

/// The first and last week [`WeeklyCounts::table`] reads for `week`: the same week last
/// year (or 52 weeks back when it does not exist), the sparkline and the four-week
/// baseline, through `week` itself.
pub fn weeks_needed(week: IsoWeek, options: &TableOptions) -> Option<(IsoWeek, IsoWeek)> {
    let last_year = week
        .same_week_last_year()
        .or_else(|| week.plus_weeks(-52))?;
    let sparkline = week.plus_weeks(-(options.sparkline_weeks.max(1) as i32 - 1))?;
    let four = week.plus_weeks(-4)?;
    Some((last_year.min(sparkline).min(four), week))
}

/// How the weekly table decides what to flag.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TableOptions {
    /// Significance level: a change is flagged when its (adjusted) p-value is ≤ `alpha`.
    pub alpha: f64,
    /// Adjust for multiple comparisons by Benjamini–Hochberg across the table.
    pub fdr: bool,
    /// The first week with complete data; baselines reaching before it are unavailable.
    pub data_since: Option<IsoWeek>,
    /// Weeks in each row's sparkline, ending with the table's week.
    pub sparkline_weeks: usize,
}

impl Default for TableOptions {
    /// 5 %, with the FDR correction, 12-week sparklines.
    fn default() -> Self {
        Self {
            alpha: 0.05,
            fdr: true,
            data_since: None,
            sparkline_weeks: 12,
        }
    }
}

/// The weekly table of one area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyTable<C> {
    /// The week described.
    pub week: IsoWeek,
    /// Its length in hours (167, 168 or 169).
    pub hours: u32,
    /// All categories together.
    pub total: WeeklyRow,
    /// One row per category, in category order.
    pub categories: Vec<(C, WeeklyRow)>,
    /// The test behind every p-value, for the page's method note.
    pub test: CountTest,
    /// The significance level used.
    pub alpha: f64,
    /// Whether p-values were adjusted by Benjamini–Hochberg across the table.
    pub fdr: bool,
}

/// This week's count of one category (or the total) and its comparisons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyRow {
    /// Incidents this week.
    pub count: u32,
    /// Against last week; `None` when that week is not covered by the data.
    pub last_week: Option<Comparison>,
    /// Against the four weeks before.
    pub four_weeks: Option<Comparison>,
    /// Against the same ISO week last year; `None` also for week 53 after a 52-week year.
    pub same_week_last_year: Option<Comparison>,
    /// Counts of the last weeks, oldest first, ending with this week; `None` for weeks
    /// without data.
    pub sparkline: Vec<Option<u32>>,
}

impl WeeklyRow {
    /// The available comparisons, in the order last week, four weeks, last year.
    pub fn comparisons(&self) -> impl Iterator<Item = &Comparison> {
        [&self.last_week, &self.four_weeks, &self.same_week_last_year]
            .into_iter()
            .flatten()
    }

    fn comparisons_mut(&mut self) -> impl Iterator<Item = &mut Comparison> {
        [
            &mut self.last_week,
            &mut self.four_weeks,
            &mut self.same_week_last_year,
        ]
        .into_iter()
        .flatten()
    }
}

/// What a count is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The week before.
    LastWeek,
    /// The four weeks before (w−4 … w−1), as a mean.
    FourWeekMean,
    /// The same ISO week number one year earlier.
    SameWeekLastYear,
}

/// The flagged direction of a change; `NoChange` unless the test says it is unlikely
/// under chance. A page shows it with an arrow *and* words, never colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Significantly higher rate than the baseline.
    Increase,
    /// Significantly lower rate than the baseline.
    Decrease,
    /// Not significant at the table's level.
    NoChange,
}

/// One count compared with one baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Which baseline.
    pub baseline: Baseline,
    /// Weeks in the baseline (1 or 4).
    pub weeks: u32,
    /// This week's count.
    pub count: u32,
    /// This week's hours.
    pub hours: u32,
    /// Incidents in the baseline weeks together.
    pub baseline_count: u32,
    /// Hours of the baseline weeks together.
    pub baseline_hours: u32,
    /// `baseline_count / weeks`, the figure a page shows ("4-week mean").
    pub baseline_mean: f64,
    /// The count this week would have at the baseline's hourly rate.
    pub expected: f64,
    /// This week's hourly rate over the baseline's; `None` when the baseline is 0.
    pub rate_ratio: Option<f64>,
    /// The test used.
    pub test: CountTest,
    /// Two-sided p-value of the exact test.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value across the table (= `p_value` without FDR).
    pub q_value: f64,
    /// The flag.
    pub change: Change,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn w(year: i16, week: i8) -> IsoWeek {
        IsoWeek::new(year, week).unwrap()
    }

    #[test]
    fn counts_land_in_local_weeks() {
        let mut c: WeeklyCounts<&str, &str> = WeeklyCounts::new(w(2026, 1), w(2026, 20)).unwrap();
        // Sunday 29 March 23:30 CEST is still W13; 00:30 Monday is W14.
        let sunday_late = Instant::from_timestamp("2026-03-29T21:30:00Z".parse().unwrap());
        let monday_early = Instant::from_timestamp("2026-03-29T22:30:00Z".parse().unwrap());
        assert!(c.add("A", "theft", sunday_late));
        assert!(c.add("A", "theft", monday_early));
        assert!(c.add("A", "vandalism", monday_early));
        assert!(!c.add("A", "theft", Instant::from_micros(0)));
        assert_eq!(c.count(&"A", &"theft", w(2026, 13)), Some(1));
        assert_eq!(c.count(&"A", &"theft", w(2026, 14)), Some(1));
        assert_eq!(c.area_total(&"A", w(2026, 14)), Some(2));
        assert_eq!(c.area_total(&"B", w(2026, 14)), Some(0));
        assert_eq!(c.count(&"A", &"theft", w(2025, 14)), None);
    }

    #[test]
    fn table_flags_only_significant_changes() {
        let week = w(2026, 20);
        let opts = TableOptions::default();
        let mut c: WeeklyCounts<u8, &str> = WeeklyCounts::for_table(week, &opts).unwrap();
        for k in 1..=60 {
            let wk = week.plus_weeks(-k).unwrap();
            c.add_count(1, "theft", wk, 5);
            c.add_count(1, "graffiti", wk, 5);
        }
        c.add_count(1, "theft", week, 30); // a real rise: p ≈ 10⁻¹⁰
        c.add_count(1, "graffiti", week, 8); // noise: p ≈ 0.4 against last week
        let t = c.table(&1, week, &opts).unwrap();
        assert_eq!(t.hours, 168);
        let theft = &t.categories.iter().find(|(k, _)| *k == "theft").unwrap().1;
        let graffiti = &t
            .categories
            .iter()
            .find(|(k, _)| *k == "graffiti")
            .unwrap()
            .1;
        assert_eq!(theft.count, 30);
        for cmp in theft.comparisons() {
            assert_eq!(cmp.change, Change::Increase, "{cmp:?}");
            assert!(cmp.q_value >= cmp.p_value);
        }
        for cmp in graffiti.comparisons() {
            assert_eq!(cmp.change, Change::NoChange, "{cmp:?}");
        }
        let four = theft.four_weeks.as_ref().unwrap();
        assert_eq!(
            (four.baseline_count, four.weeks, four.baseline_hours),
            (20, 4, 4 * 168)
        );
        assert_eq!(four.baseline_mean, 5.0);
        // By hand: 30 vs 20 with p₀ = 1/5; the exact test from SciPy binomtest(30, 50, 0.2).
        assert!(four.p_value < 1e-9);
        assert_eq!(t.total.count, 38);
        assert_eq!(theft.sparkline.len(), 12);
        assert_eq!(theft.sparkline[11], Some(30));
        assert_eq!(theft.sparkline[0], Some(5));
    }

    #[test]
    fn dst_week_is_compared_per_hour() {
        // W13 of 2026 has 167 hours, W12 has 168.
        let week = w(2026, 13);
        let mut c: WeeklyCounts<u8, u8> = WeeklyCounts::new(w(2025, 1), week).unwrap();
        c.add_count(0, 0, week, 10);
        c.add_count(0, 0, w(2026, 12), 14);
        let t = c
            .table(
                &0,
                week,
                &TableOptions {
                    fdr: false,
                    ..TableOptions::default()
                },
            )
            .unwrap();
        let lw = t.categories[0].1.last_week.as_ref().unwrap();
        assert_eq!((lw.hours, lw.baseline_hours), (167, 168));
        // SciPy binomtest(10, 24, 167/335).pvalue
        assert!((lw.p_value - 0.5412999370600247).abs() < 1e-12);
        assert!((lw.expected - 14.0 * 167.0 / 168.0).abs() < 1e-12);
        assert_eq!(
            t.categories[0]
                .1
                .four_weeks
                .as_ref()
                .unwrap()
                .baseline_hours,
            4 * 168
        );
        // W13 of 2025 also had 167 hours.
        assert_eq!(
            t.categories[0]
                .1
                .same_week_last_year
                .as_ref()
                .unwrap()
                .baseline_hours,
            167
        );
    }

    #[test]
    fn baselines_before_the_data_are_unavailable() {
        let week = w(2026, 20);
        let opts = TableOptions {
            data_since: Some(w(2026, 18)),
            ..TableOptions::default()
        };
        let mut c: WeeklyCounts<u8, u8> = WeeklyCounts::for_table(week, &opts).unwrap();
        c.add_count(0, 0, week, 9);
        let t = c.table(&0, week, &opts).unwrap();
        let row = &t.categories[0].1;
        assert!(row.last_week.is_some());
        assert!(row.four_weeks.is_none());
        assert!(row.same_week_last_year.is_none());
        assert_eq!(row.sparkline.iter().filter(|s| s.is_some()).count(), 3);
    }

    #[test]
    fn week_53_has_no_same_week_last_year() {
        let week = w(2026, 53);
        let opts = TableOptions::default();
        let mut c: WeeklyCounts<u8, u8> = WeeklyCounts::for_table(week, &opts).unwrap();
        c.add_count(0, 0, week, 1);
        let t = c.table(&0, week, &opts).unwrap();
        assert!(t.total.same_week_last_year.is_none());
        assert!(t.total.last_week.is_some());
    }

    #[test]
    fn bad_alpha_is_refused() {
        let week = w(2026, 20);
        let c: WeeklyCounts<u8, u8> =
            WeeklyCounts::for_table(week, &TableOptions::default()).unwrap();
        let bad = TableOptions {
            alpha: 1.0,
            ..TableOptions::default()
        };
        assert_eq!(c.table(&0, week, &bad).unwrap_err().code(), "alpha");
    }
}

//! Medborgarlöften (citizen promises): the public part of the police's and the
//! municipality's agreement. Each promise ("Vi lovar att …") has activities ("genom att
//! …") with their owners (the police, the municipality or both), a period and usually an
//! area; indicators follow it up; every month a report says what was done, gives the
//! indicator values and comments, and once published it is what citizens read.
//!
//! Here are the pure parts: the values a promise is made of (parsed once at the
//! boundary), the calendar month a report covers, where an indicator's value comes from,
//! and the rule that a published report never changes. Storage, access, the computing of
//! values and the pages live in the other crates.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::id::typed_id;
use crate::time::{Instant, STOCKHOLM};

typed_id!(
    /// One promise ("Vi lovar att …").
    PromiseId
);
typed_id!(
    /// An activity of a promise ("genom att …").
    PromiseActivityId
);
typed_id!(
    /// An indicator that follows a promise up.
    PromiseIndicatorId
);
typed_id!(
    /// A monthly report of a promise.
    PromiseReportId
);

/// The most activities and indicators one promise takes (the form shows this many rows).
pub const MAX_ROWS: usize = 8;

/// Whether `text` holds control characters other than line breaks and tabs.
fn has_controls(text: &str, allow_breaks: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(allow_breaks && matches!(c, '\n' | '\r' | '\t')))
}

/// Trimmed single-line text of 1..=`max` characters; codes `required`, `too_long`,
/// `control_characters`.
pub fn line(field: &'static str, text: &str, max: usize) -> Result<String, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Invalid::new(field, "required"));
    }
    if t.chars().count() > max {
        return Err(Invalid::new(field, "too_long"));
    }
    if has_controls(t, false) {
        return Err(Invalid::new(field, "control_characters"));
    }
    Ok(t.to_owned())
}

/// Text with line breaks allowed; empty is `None`. Codes `too_long`,
/// `control_characters`.
pub fn optional_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(Invalid::new(field, "too_long"));
    }
    if has_controls(t, true) {
        return Err(Invalid::new(field, "control_characters"));
    }
    Ok(Some(t.to_owned()))
}

/// Who carries out an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// Polisen.
    Police,
    /// Kommunen.
    Municipality,
    /// Both together.
    Both,
}

impl Owner {
    pub const ALL: [Owner; 3] = [Self::Police, Self::Municipality, Self::Both];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Police => "police",
            Self::Municipality => "municipality",
            Self::Both => "both",
        }
    }

    /// Field `activities`, code `unknown_promise_owner`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|o| o.code() == text.trim())
            .ok_or(Invalid::new("activities", "unknown_promise_owner"))
    }
}

/// A calendar month in Sweden, the period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i16,
    month: i8,
}

impl Month {
    /// Reads `2026-03` (field `month`, code `invalid_promise_month`); years 2000–2100.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, Invalid> {
        let t = text.trim();
        let bad = || Invalid::new(field, "invalid_promise_month");
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i16 = y.parse().map_err(|_| bad())?;
        let month: i8 = m.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    /// The month a Swedish calendar day lies in.
    pub fn of_date(d: Date) -> Self {
        Self {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The month an instant lies in, in Swedish time.
    pub fn of_instant(at: Instant) -> Self {
        let date = match jiff::tz::TimeZone::get(STOCKHOLM) {
            Ok(tz) => at.timestamp().to_zoned(tz).date(),
            Err(_) => at.timestamp().to_zoned(jiff::tz::TimeZone::UTC).date(),
        };
        Self::of_date(date)
    }

    pub const fn year(self) -> i16 {
        self.year
    }

    pub const fn month(self) -> i8 {
        self.month
    }

    pub const fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub const fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        // Parsing guarantees a valid year and month, and day 1 exists in every month.
        Date::new(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    /// The instant the month begins, midnight Swedish time.
    pub fn start(self) -> Instant {
        let dt = self.first_day().at(0, 0, 0, 0);
        match dt.in_tz(STOCKHOLM) {
            Ok(z) => Instant::from_timestamp(z.timestamp()),
            Err(_) => Instant::from_timestamp(
                dt.to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp())
                    .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            ),
        }
    }

    /// The instant the next month begins: a month is `start() <= t < end()`.
    pub fn end(self) -> Instant {
        self.next().start()
    }

    /// The months from `self` to `last`, both included (empty if `last` is earlier).
    pub fn through(self, last: Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Where an indicator's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum IndicatorSource {
    /// Counted incidents of these category codes in the promise's area in the month
    /// (retired codes count under the codes that replaced them).
    Incidents { categories: Vec<String> },
    /// Measures linked to the promise's area completed in the month.
    MeasuresDone,
    /// Typed in each month (a survey figure, a number of patrols…).
    Manual,
}

impl IndicatorSource {
    pub const CODES: [&'static str; 3] = ["incidents", "measures_done", "manual"];

    pub fn code(&self) -> &'static str {
        match self {
            Self::Incidents { .. } => "incidents",
            Self::MeasuresDone => "measures_done",
            Self::Manual => "manual",
        }
    }

    /// Whether Trygg computes the value itself (it may still be corrected by hand).
    pub fn computed(&self) -> bool {
        !matches!(self, Self::Manual)
    }

    /// The category codes, comma separated (as stored), for `Incidents`.
    pub fn categories_text(&self) -> String {
        match self {
            Self::Incidents { categories } => categories.join(","),
            _ => String::new(),
        }
    }

    /// Reads a source code and, for `incidents`, its category codes (comma or space
    /// separated, at least one). Field `indicators`; codes `unknown_indicator_source`,
    /// `indicator_categories_required`.
    pub fn parse(code: &str, categories: &str) -> Result<Self, Invalid> {
        match code.trim() {
            "incidents" => {
                let mut list: Vec<String> = categories
                    .split([',', ' ', ';'])
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect();
                list.sort();
                list.dedup();
                if list.is_empty() {
                    return Err(Invalid::new("indicators", "indicator_categories_required"));
                }
                if list
                    .iter()
                    .any(|c| c.chars().count() > 40 || has_controls(c, false))
                {
                    return Err(Invalid::new("indicators", "unknown_category"));
                }
                Ok(Self::Incidents { categories: list })
            }
            "measures_done" => Ok(Self::MeasuresDone),
            "manual" => Ok(Self::Manual),
            _ => Err(Invalid::new("indicators", "unknown_indicator_source")),
        }
    }
}

/// A value typed in a report: a whole number 0–1 000 000 000, or empty (not known).
/// Field `values`, code `invalid_indicator_value`.
pub fn indicator_value(text: &str) -> Result<Option<i64>, Invalid> {
    let t = text.trim().replace([' ', '\u{a0}'], "");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=1_000_000_000).contains(&n) => Ok(Some(n)),
        _ => Err(Invalid::new("values", "invalid_indicator_value")),
    }
}

/// Where a monthly report is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Being written: only those who manage promises see it.
    Draft,
    /// Public, and never changed again.
    Published,
}

impl ReportStatus {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            _ => None,
        }
    }

    /// A published report is what citizens were told: it is never changed or
    /// published again. Code `promise_report_published`.
    pub fn ensure_editable(self) -> Result<(), &'static str> {
        match self {
            Self::Draft => Ok(()),
            Self::Published => Err(PUBLISHED_IS_FINAL),
        }
    }
}

/// The refusal code for any change to a published report.
pub const PUBLISHED_IS_FINAL: &str = "promise_report_published";

/// Whether a report for `month` may be written for a promise running
/// `first..=last` (open-ended without `last`) on `today`: within the period and not in
/// the future. Field `month`; codes `month_outside_promise_period`, `promise_month_in_future`.
pub fn check_report_month(
    month: Month,
    first: Month,
    last: Option<Month>,
    today: Date,
) -> Result<(), Invalid> {
    if month < first || last.is_some_and(|l| month > l) {
        return Err(Invalid::new("month", "month_outside_promise_period"));
    }
    if month > Month::of_date(today) {
        return Err(Invalid::new("month", "promise_month_in_future"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn months_parse_and_step_across_the_year() {
        let m = Month::parse("month", "2026-12").unwrap();
        assert_eq!(m.to_string(), "2026-12");
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.next().previous(), m);
        for bad in [
            "2026-13", "2026-00", "26-01", "2026-1", "", "abcd-ef", "1999-05",
        ] {
            assert_eq!(
                Month::parse("month", bad),
                Err(Invalid::new("month", "invalid_promise_month")),
                "{bad}"
            );
        }
        let year = Month::parse("m", "2026-01")
            .unwrap()
            .through(Month::parse("m", "2026-12").unwrap());
        assert_eq!(year.len(), 12);
    }

    #[test]
    fn a_month_is_reckoned_in_swedish_time() {
        // March 2026 starts at 2026-02-28T23:00Z (CET) and ends at 2026-03-31T22:00Z
        // (CEST: the clocks went forward on 29 March).
        let m = Month::parse("month", "2026-03").unwrap();
        assert_eq!(m.start().rfc3339(), "2026-02-28T23:00:00Z");
        assert_eq!(m.end().rfc3339(), "2026-03-31T22:00:00Z");
        assert_eq!(Month::of_instant(m.start()), m);
        assert_eq!(Month::of_instant(m.end().minus_seconds(1)), m);
        assert_eq!(Month::of_instant(m.end()), m.next());
    }

    #[test]
    fn sources_parse() {
        assert_eq!(
            IndicatorSource::parse("incidents", "klotter, skadegörelse klotter").unwrap(),
            IndicatorSource::Incidents {
                categories: vec!["klotter".into(), "skadegörelse".into()]
            }
        );
        assert_eq!(
            IndicatorSource::parse("incidents", " "),
            Err(Invalid::new("indicators", "indicator_categories_required"))
        );
        assert_eq!(
            IndicatorSource::parse("manual", "ignored").unwrap(),
            IndicatorSource::Manual
        );
        assert!(IndicatorSource::parse("guess", "").is_err());
        assert!(!IndicatorSource::Manual.computed());
        assert!(IndicatorSource::MeasuresDone.computed());
    }

    #[test]
    fn values_and_owners_parse() {
        assert_eq!(indicator_value(" 1 204 ").unwrap(), Some(1204));
        assert_eq!(indicator_value("").unwrap(), None);
        assert!(indicator_value("-1").is_err());
        assert!(indicator_value("3,5").is_err());
        assert_eq!(Owner::parse("both").unwrap(), Owner::Both);
        assert!(Owner::parse("kommunen").is_err());
    }

    #[test]
    fn published_reports_are_final() {
        assert!(ReportStatus::Draft.ensure_editable().is_ok());
        assert_eq!(
            ReportStatus::Published.ensure_editable(),
            Err("promise_report_published")
        );
    }

    #[test]
    fn report_months_lie_in_the_period_and_not_ahead() {
        let m = |s| Month::parse("month", s).unwrap();
        let today = Date::new(2026, 11, 25).unwrap();
        assert!(check_report_month(m("2026-11"), m("2026-01"), None, today).is_ok());
        assert_eq!(
            check_report_month(m("2026-12"), m("2026-01"), None, today).unwrap_err(),
            Invalid::new("month", "promise_month_in_future")
        );
        assert_eq!(
            check_report_month(m("2025-12"), m("2026-01"), None, today).unwrap_err(),
            Invalid::new("month", "month_outside_promise_period")
        );
        assert!(check_report_month(m("2026-07"), m("2026-01"), Some(m("2026-06")), today).is_err());
    }
}

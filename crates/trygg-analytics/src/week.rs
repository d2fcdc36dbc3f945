//! ISO weeks as Swedish municipalities count them: Monday 00:00 to the next Monday 00:00
//! in Europe/Stockholm local time.
//!
//! Because the clocks change on the last Sunday of March and of October, the week that
//! contains the spring change has 167 hours and the autumn one 169; every rate in this
//! crate is per hour of the week actually lived, not per nominal 168 hours.
//!
//! ISO 8601 weeks belong to the year that holds their Thursday, so 2026-12-31 is in
//! 2026-W53 and 2027-01-01 too; a "long" ISO year has 53 weeks.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use trygg_domain::time::{Instant, STOCKHOLM};

use crate::AnalyticsError;

static STOCKHOLM_TZ: LazyLock<Result<TimeZone, String>> =
    LazyLock::new(|| TimeZone::get(STOCKHOLM).map_err(|e| e.to_string()));

/// The Europe/Stockholm rules from jiff's bundled database (loaded once).
pub fn stockholm() -> Result<&'static TimeZone, AnalyticsError> {
    STOCKHOLM_TZ
        .as_ref()
        .map_err(|e| AnalyticsError::TimeZone(e.clone()))
}

/// An ISO 8601 week: a week-numbering year and a week number 1..=53.
///
/// Ordering is chronological. Serialised as `{"year": 2026, "week": 48}` (and checked
/// when deserialised, so a stored week 54 is refused, not carried along); displayed and
/// parsed as `2026-W48`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawWeek")]
pub struct IsoWeek {
    year: i16,
    week: i8,
}

/// The unchecked serialised form of [`IsoWeek`].
#[derive(Deserialize)]
struct RawWeek {
    year: i16,
    week: i8,
}

impl TryFrom<RawWeek> for IsoWeek {
    type Error = AnalyticsError;

    fn try_from(raw: RawWeek) -> Result<Self, Self::Error> {
        Self::new(raw.year, raw.week)
    }
}

impl IsoWeek {
    /// The week `week` of ISO year `year`; refuses weeks the year does not have.
    pub fn new(year: i16, week: i8) -> Result<Self, AnalyticsError> {
        ISOWeekDate::new(year, week, Weekday::Monday)
            .map(|_| Self { year, week })
            .map_err(|_| AnalyticsError::NoSuchWeek {
                year: year.into(),
                week: week.into(),
            })
    }

    /// The ISO week-numbering year (may differ from the calendar year around New Year).
    pub fn year(self) -> i16 {
        self.year
    }

    /// The week number, 1..=53.
    pub fn week(self) -> i8 {
        self.week
    }

    /// The week a local date falls in.
    pub fn of_date(date: Date) -> Self {
        let iso = date.iso_week_date();
        Self {
            year: iso.year(),
            week: iso.week(),
        }
    }

    /// The week an instant falls in, in Stockholm local time.
    pub fn containing(at: Instant) -> Result<Self, AnalyticsError> {
        let tz = stockholm()?;
        Ok(Self::of_date(tz.to_datetime(at.timestamp()).date()))
    }

    /// The last complete week before `now`: the default week of the lägesbild.
    pub fn last_whole_week(now: Instant) -> Result<Self, AnalyticsError> {
        Self::containing(now)?
            .plus_weeks(-1)
            .ok_or(AnalyticsError::CalendarRange)
    }

    /// The Monday that starts the week.
    pub fn monday(self) -> Date {
        // Every IsoWeek was validated on construction, so this cannot fail; the fallback
        // only satisfies the type checker.
        ISOWeekDate::new(self.year, self.week, Weekday::Monday)
            .map(ISOWeekDate::date)
            .unwrap_or(Date::ZERO)
    }

    /// Monday 00:00 Stockholm time, as an instant. (Midnight always exists in Stockholm:
    /// the clocks change at 02:00/03:00.)
    pub fn start(self) -> Result<Instant, AnalyticsError> {
        let tz = stockholm()?;
        tz.to_timestamp(self.monday().to_datetime(jiff::civil::Time::midnight()))
            .map(Instant::from_timestamp)
            .map_err(|_| AnalyticsError::CalendarRange)
    }

    /// The start of the next week: the week is the half-open interval [start, end).
    pub fn end(self) -> Result<Instant, AnalyticsError> {
        self.plus_weeks(1)
            .ok_or(AnalyticsError::CalendarRange)?
            .start()
    }

    /// Hours the week lasts: 168, or 167/169 in the weeks of the clock changes.
    pub fn hours(self) -> Result<u32, AnalyticsError> {
        let seconds = self.end()?.seconds_since(self.start()?);
        u32::try_from(seconds / 3600).map_err(|_| AnalyticsError::CalendarRange)
    }

    /// The week `n` weeks later (earlier if negative); `None` outside jiff's calendar.
    pub fn plus_weeks(self, n: i32) -> Option<Self> {
        let days = i64::from(n).checked_mul(7)?;
        let span = jiff::Span::new().try_days(days).ok()?;
        self.monday().checked_add(span).ok().map(Self::of_date)
    }

    /// Whole weeks from `self` to `later` (negative if `later` is earlier).
    pub fn weeks_until(self, later: IsoWeek) -> i32 {
        let days = day_number(later.monday()) - day_number(self.monday());
        (days / 7) as i32
    }

    /// The same week number one ISO year earlier; `None` for week 53 when the previous
    /// year had only 52 weeks (there is then no comparable week, and a page should say so
    /// rather than compare with a neighbouring one).
    pub fn same_week_last_year(self) -> Option<Self> {
        Self::new(self.year.checked_sub(1)?, self.week).ok()
    }
}

/// Days since 1970-01-01 (proleptic Gregorian), for week arithmetic.
pub(crate) fn day_number(date: Date) -> i64 {
    // Days from civil, Howard Hinnant's algorithm: exact for every jiff date.
    let y = i64::from(date.year()) - i64::from(date.month() <= 2);
    let m = i64::from(date.month());
    let d = i64::from(date.day());
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = AnalyticsError;

    /// Accepts `2026-W48`, `2026W48` and `2026-w48`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || AnalyticsError::WeekSyntax(s.to_owned());
        let t = s.trim();
        let (y, w) = t.split_once(['W', 'w']).ok_or_else(bad)?;
        let y = y.strip_suffix('-').unwrap_or(y);
        if y.len() != 4 || w.len() != 2 {
            return Err(bad());
        }
        let year: i16 = y.parse().map_err(|_| bad())?;
        let week: i8 = w.parse().map_err(|_| bad())?;
        Self::new(year, week)
    }
}

/// A run of consecutive weeks with their start instants, for assigning many instants to
/// weeks by binary search instead of a time-zone conversion each.
#[derive(Debug, Clone)]
pub struct WeekCalendar {
    first: IsoWeek,
    /// Start of each week in microseconds, plus the end of the last: `len + 1` entries.
    bounds: Vec<i64>,
}

impl WeekCalendar {
    /// The weeks `first..=last` (an empty calendar if `last` is before `first`).
    pub fn new(first: IsoWeek, last: IsoWeek) -> Result<Self, AnalyticsError> {
        let len = first.weeks_until(last).max(-1) + 1;
        let mut bounds = Vec::with_capacity(len as usize + 1);
        for i in 0..=len {
            let week = first.plus_weeks(i).ok_or(AnalyticsError::CalendarRange)?;
            bounds.push(week.start()?.micros());
        }
        Ok(Self { first, bounds })
    }

    /// Number of weeks.
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// True for a calendar of no weeks.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first week.
    pub fn first(&self) -> IsoWeek {
        self.first
    }

    /// The `i`-th week (0 = first).
    pub fn week(&self, i: usize) -> Option<IsoWeek> {
        (i < self.len())
            .then(|| self.first.plus_weeks(i as i32))
            .flatten()
    }

    /// Position of `week` in the calendar.
    pub fn index_of_week(&self, week: IsoWeek) -> Option<usize> {
        let i = self.first.weeks_until(week);
        (i >= 0 && (i as usize) < self.len()).then_some(i as usize)
    }

    /// Position of the week containing `at`, if the calendar covers it.
    pub fn index_of(&self, at: Instant) -> Option<usize> {
        let t = at.micros();
        if self.is_empty() || t < self.bounds[0] || t >= self.bounds[self.len()] {
            return None;
        }
        Some(self.bounds.partition_point(|&b| b <= t) - 1)
    }

    /// Hours of the `i`-th week.
    pub fn hours(&self, i: usize) -> Option<u32> {
        let (a, b) = (self.bounds.get(i)?, self.bounds.get(i + 1)?);
        u32::try_from((b - a) / 3_600_000_000).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> Instant {
        Instant::from_timestamp(s.parse().unwrap())
    }

    #[test]
    fn dst_weeks_have_167_and_169_hours() {
        // 2026: summer time starts Sunday 29 March (in W13), ends Sunday 25 October (W43).
        assert_eq!(IsoWeek::new(2026, 13).unwrap().hours().unwrap(), 167);
        assert_eq!(IsoWeek::new(2026, 43).unwrap().hours().unwrap(), 169);
        assert_eq!(IsoWeek::new(2026, 12).unwrap().hours().unwrap(), 168);
        assert_eq!(IsoWeek::new(2026, 48).unwrap().hours().unwrap(), 168);
        // 2025: 30 March (W13) and 26 October (W43).
        assert_eq!(IsoWeek::new(2025, 13).unwrap().hours().unwrap(), 167);
        assert_eq!(IsoWeek::new(2025, 43).unwrap().hours().unwrap(), 169);
    }

    #[test]
    fn weeks_start_at_local_midnight() {
        let w = IsoWeek::new(2026, 13).unwrap();
        // Monday 23 March 00:00 CET = 22 March 23:00 UTC; next Monday is CEST (UTC+2).
        assert_eq!(w.start().unwrap(), at("2026-03-22T23:00:00Z"));
        assert_eq!(w.end().unwrap(), at("2026-03-29T22:00:00Z"));
        // Sunday 23:59 local belongs to the week, Monday 00:00 local to the next.
        assert_eq!(IsoWeek::containing(at("2026-03-29T21:59:59Z")).unwrap(), w);
        assert_eq!(
            IsoWeek::containing(at("2026-03-29T22:00:00Z")).unwrap(),
            IsoWeek::new(2026, 14).unwrap()
        );
    }

    #[test]
    fn year_boundaries_follow_iso() {
        let d = |y, m, d| Date::new(y, m, d).unwrap();
        assert_eq!(IsoWeek::of_date(d(2026, 12, 31)).to_string(), "2026-W53");
        assert_eq!(IsoWeek::of_date(d(2027, 1, 3)).to_string(), "2026-W53");
        assert_eq!(IsoWeek::of_date(d(2027, 1, 4)).to_string(), "2027-W01");
        assert_eq!(IsoWeek::of_date(d(2024, 12, 30)).to_string(), "2025-W01");
        assert!(IsoWeek::new(2025, 53).is_err());
        assert_eq!(IsoWeek::new(2026, 53).unwrap().same_week_last_year(), None);
        assert_eq!(
            IsoWeek::new(2027, 10).unwrap().same_week_last_year(),
            Some(IsoWeek::new(2026, 10).unwrap())
        );
        let w53 = IsoWeek::new(2026, 53).unwrap();
        assert_eq!(w53.plus_weeks(1), Some(IsoWeek::new(2027, 1).unwrap()));
        assert_eq!(IsoWeek::new(2027, 1).unwrap().plus_weeks(-1), Some(w53));
        assert_eq!(IsoWeek::new(2026, 1).unwrap().weeks_until(w53), 52);
    }

    #[test]
    fn parse_and_display() {
        let w: IsoWeek = "2026-W08".parse().unwrap();
        assert_eq!((w.year(), w.week()), (2026, 8));
        assert_eq!(w.to_string(), "2026-W08");
        assert_eq!("2026w08".parse::<IsoWeek>().unwrap(), w);
        assert!("2026-W8".parse::<IsoWeek>().is_err());
        assert!("2026-08".parse::<IsoWeek>().is_err());
        assert_eq!(
            "2025-W53".parse::<IsoWeek>().unwrap_err().code(),
            "no_such_week"
        );
    }

    #[test]
    fn serde_checks_the_week() {
        let w = IsoWeek::new(2026, 48).unwrap();
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"year":2026,"week":48}"#);
        assert_eq!(serde_json::from_str::<IsoWeek>(&json).unwrap(), w);
        assert!(serde_json::from_str::<IsoWeek>(r#"{"year":2025,"week":53}"#).is_err());
    }

    #[test]
    fn last_whole_week() {
        // Tuesday 24 November 2026 is in W48; the last whole week is W47.
        let now = at("2026-11-24T13:00:00Z");
        assert_eq!(
            IsoWeek::last_whole_week(now).unwrap(),
            IsoWeek::new(2026, 47).unwrap()
        );
    }

    #[test]
    fn calendar_assigns_instants_to_weeks() {
        let first = IsoWeek::new(2026, 12).unwrap();
        let cal = WeekCalendar::new(first, IsoWeek::new(2026, 44).unwrap()).unwrap();
        assert_eq!(cal.len(), 33);
        for s in [
            "2026-03-22T22:59:59Z",
            "2026-03-22T23:00:00Z",
            "2026-03-29T21:59:59Z",
            "2026-03-29T22:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:30:00Z",
        ] {
            let t = at(s);
            let by_tz = IsoWeek::containing(t).unwrap();
            assert_eq!(
                cal.index_of(t).and_then(|i| cal.week(i)),
                Some(by_tz),
                "{s}"
            );
        }
        assert_eq!(cal.index_of(at("2026-03-15T12:00:00Z")), None);
        assert_eq!(cal.hours(1), Some(167));
        assert_eq!(
            cal.hours(cal.index_of_week(IsoWeek::new(2026, 43).unwrap()).unwrap()),
            Some(169)
        );
    }
}

#[cfg(test)]
mod props {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every instant lies in [start, end) of the week that contains it, and weeks
        /// last 167, 168 or 169 hours.
        #[test]
        fn instant_in_its_week(secs in 0i64..2_000_000_000) {
            let t = Instant::from_micros(secs * 1_000_000);
            let w = IsoWeek::containing(t).unwrap();
            prop_assert!(w.start().unwrap() <= t && t < w.end().unwrap());
            prop_assert!((167..=169).contains(&w.hours().unwrap()));
        }

        /// Week arithmetic is consistent with itself.
        #[test]
        fn plus_and_until_agree(secs in 0i64..2_000_000_000, n in -600i32..600) {
            let w = IsoWeek::containing(Instant::from_micros(secs * 1_000_000)).unwrap();
            let v = w.plus_weeks(n).unwrap();
            prop_assert_eq!(w.weeks_until(v), n);
            prop_assert_eq!(v.to_string().parse::<IsoWeek>().unwrap(), v);
        }
    }
}

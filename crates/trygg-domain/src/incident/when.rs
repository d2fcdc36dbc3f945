//! When an incident happened: an instant, or a from–to window when the reporter does not
//! know the time (graffiti found on Monday morning happened "over the weekend").
//!
//! Times are read from ISO 8601 text as forms, spreadsheets and the police feed write
//! them ([`parse_time`]): `2026-08-19 07:58`, `2026-08-19T07:58:52+02:00`,
//! `2026-08-19T05:58Z`, `2026-08-19 7:58:52 +02:00` (the police feed's unpadded hour) or
//! a bare date `2026-08-19`. A time without an offset is Swedish local time
//! (Europe/Stockholm), which is what every reporter means.
//!
//! Local time has two awkward hours a year, both handled explicitly:
//! * on the last Sunday of March, 02:00–02:59 does not exist (clocks jump to 03:00);
//! * on the last Sunday of October, 02:00–02:59 happens twice (first in summer time,
//!   +02:00, then in winter time, +01:00).
//!
//! For an *instant* the caller chooses with [`LocalTimePolicy`]: refuse (the default for
//! imports: the file must say which, with an offset) or resolve as RFC 5545 and
//! Temporal do. For the ends of a *window* nothing needs choosing: the window is widened
//! to cover every instant the written time could mean, which never claims more precision
//! than the reporter gave. A bare date means the whole local day: as the start of a
//! window its midnight, as the end the following midnight, and alone a window over the
//! day.

use std::sync::LazyLock;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use crate::Invalid;
use crate::incident::codes;
use crate::time::{Instant, STOCKHOLM};

/// How far in the future a time may be, in seconds: phone clocks and PC clocks are off
/// by minutes, and a reporter typing "now" rounds up.
pub const FUTURE_TOLERANCE_SECONDS: i64 = 10 * 60;

/// The longest window, in seconds (31 days): a longer one says nothing useful about when
/// something happened.
pub const MAX_WINDOW_SECONDS: i64 = 31 * 24 * 3600;

/// The earliest time accepted, 1900-01-01T00:00Z: anything earlier is a typing error in
/// the year (`0226` for `2026`).
pub const EARLIEST: Instant = Instant::from_micros(-2_208_988_800_000_000);

/// Europe/Stockholm, loaded once. `None` only if the bundled time zone database lacks it,
/// which the workspace's `tzdb-bundle-always` rules out.
pub fn stockholm() -> Option<&'static TimeZone> {
    static TZ: LazyLock<Option<TimeZone>> = LazyLock::new(|| TimeZone::get(STOCKHOLM).ok());
    TZ.as_ref()
}

/// What to do with a local time (no offset) that names no instant or two instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LocalTimePolicy {
    /// Refuse with `nonexistent_local_time` or `ambiguous_local_time`, so a person
    /// decides. The default, and what imports use.
    #[default]
    Reject,
    /// As RFC 5545 and Temporal's "compatible": a skipped time moves forward by the
    /// length of the gap (02:30 → 03:30 summer time); a repeated time is the first
    /// (summer-time) one. For forms where the reporter cannot be asked again.
    Compatible,
}

/// When an incident happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccurredAt {
    /// At a known instant.
    At(Instant),
    /// At some unknown time in `[from, to)`; `from < to`, at most 31 days apart.
    Window { from: Instant, to: Instant },
}

impl OccurredAt {
    /// An instant, checked against `now` (not in the future beyond
    /// [`FUTURE_TOLERANCE_SECONDS`]) and [`EARLIEST`]. Field `occurred_at`.
    pub fn at(instant: Instant, now: Instant) -> Result<Self, Invalid> {
        check_bounds("occurred_at", instant, now)?;
        Ok(Self::At(instant))
    }

    /// A window `[from, to)`: `from < to`, at most [`MAX_WINDOW_SECONDS`] long, `from` not
    /// before [`EARLIEST`] and `to` not in the future. Fields `occurred_at` (the start)
    /// and `occurred_to` (the end).
    pub fn window(from: Instant, to: Instant, now: Instant) -> Result<Self, Invalid> {
        check_bounds("occurred_at", from, now)?;
        check_bounds("occurred_to", to, now)?;
        if to <= from {
            return Err(Invalid::new(
                "occurred_to",
                codes::WINDOW_END_NOT_AFTER_START,
            ));
        }
        if to.seconds_since(from) > MAX_WINDOW_SECONDS {
            return Err(Invalid::new("occurred_to", codes::WINDOW_TOO_LONG));
        }
        Ok(Self::Window { from, to })
    }

    /// Reads the form or import fields `occurred_at` and, if given and not blank,
    /// `occurred_to` (see the module documentation for the formats and the rules for
    /// local time). `occurred_at` alone as a bare date is a window over that day.
    pub fn parse(
        occurred_at: &str,
        occurred_to: Option<&str>,
        now: Instant,
        policy: LocalTimePolicy,
    ) -> Result<Self, Invalid> {
        let to = occurred_to.filter(|t| !t.trim().is_empty());
        let from = parse_time(occurred_at).map_err(|code| Invalid::new("occurred_at", code))?;
        match to {
            None => match from {
                Written::Date(day) => {
                    let (start, _) = day_start("occurred_at", day)?;
                    let (end, _) = day_start("occurred_at", next_day("occurred_at", day)?)?;
                    Self::window(start, end, now)
                }
                Written::DateTime { .. } => Self::at(instant_of("occurred_at", from, policy)?, now),
            },
            Some(to) => {
                let to = parse_time(to).map_err(|code| Invalid::new("occurred_to", code))?;
                let (start, _) = window_bounds("occurred_at", from, false)?;
                let (_, end) = window_bounds("occurred_to", to, true)?;
                Self::window(start, end, now)
            }
        }
    }

    /// Rebuilds a value read from the database, where it was checked when stored; only
    /// the order of a window is checked again. Field `occurred_to`.
    pub fn from_stored(from: Instant, to: Option<Instant>) -> Result<Self, Invalid> {
        match to {
            None => Ok(Self::At(from)),
            Some(to) if to > from => Ok(Self::Window { from, to }),
            Some(_) => Err(Invalid::new(
                "occurred_to",
                codes::WINDOW_END_NOT_AFTER_START,
            )),
        }
    }

    /// The instant, or the start of the window.
    pub fn start(self) -> Instant {
        match self {
            Self::At(t) => t,
            Self::Window { from, .. } => from,
        }
    }

    /// The end of the window; `None` for an instant (the store's nullable column).
    pub fn end(self) -> Option<Instant> {
        match self {
            Self::At(_) => None,
            Self::Window { to, .. } => Some(to),
        }
    }

    /// The latest instant it may have happened at (the instant itself, or the window's
    /// end).
    pub fn latest(self) -> Instant {
        self.end().unwrap_or(self.start())
    }

    /// The middle of a window, or the instant: one instant for charts that need one.
    pub fn midpoint(self) -> Instant {
        match self {
            Self::At(t) => t,
            Self::Window { from, to } => {
                Instant::from_micros(from.micros() + (to.micros() - from.micros()) / 2)
            }
        }
    }

    pub fn is_window(self) -> bool {
        matches!(self, Self::Window { .. })
    }

    /// "2026-08-19 07:58" or "2026-08-15 18:00 – 2026-08-17 07:00" in Stockholm time.
    pub fn local_display(self) -> String {
        match self {
            Self::At(t) => t.local_display(),
            Self::Window { from, to } => {
                format!("{} – {}", from.local_display(), to.local_display())
            }
        }
    }
}

fn check_bounds(field: &'static str, t: Instant, now: Instant) -> Result<(), Invalid> {
    if t < EARLIEST {
        return Err(Invalid::new(field, codes::TOO_OLD));
    }
    if t > now.plus_seconds(FUTURE_TOLERANCE_SECONDS) {
        return Err(Invalid::new(field, codes::IN_FUTURE));
    }
    Ok(())
}

/// A time as written, before a time zone gives it meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A date and time of day, with the offset if one was written.
    DateTime {
        datetime: DateTime,
        offset: Option<Offset>,
    },
    /// A bare date.
    Date(Date),
}

/// Reads ISO 8601 text into a [`Written`] time; the error is a code from
/// [`codes`]: `required`, `invalid_time` (not this shape) or
/// `invalid_date` (no such date or time of day).
///
/// Accepted, with surrounding spaces ignored:
/// `YYYY-MM-DD`, or `YYYY-MM-DD` + `T`/`t`/one space + `H:MM` or `HH:MM`, optionally
/// `:SS` and a fraction (`.` or `,`, up to 9 digits), optionally (after at most one
/// space) `Z`/`z` or an offset `±HH`, `±HHMM`, `±HH:MM`.
pub fn parse_time(text: &str) -> Result<Written, &'static str> {
    let s = text.trim().as_bytes();
    if s.is_empty() {
        return Err(codes::REQUIRED);
    }
    let mut p = Cursor { s, i: 0 };
    let year = p.digits(4, 4).ok_or(codes::INVALID_TIME)?;
    p.expect(b'-')?;
    let month = p.digits(2, 2).ok_or(codes::INVALID_TIME)?;
    p.expect(b'-')?;
    let day = p.digits(2, 2).ok_or(codes::INVALID_TIME)?;
    let date = Date::new(year as i16, month as i8, day as i8).map_err(|_| codes::INVALID_DATE)?;
    if p.done() {
        return Ok(Written::Date(date));
    }
    match p.next() {
        Some(b'T' | b't' | b' ') => {}
        _ => return Err(codes::INVALID_TIME),
    }
    let hour = p.digits(1, 2).ok_or(codes::INVALID_TIME)?;
    p.expect(b':')?;
    let minute = p.digits(2, 2).ok_or(codes::INVALID_TIME)?;
    let mut second = 0;
    let mut nanos = 0;
    if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2, 2).ok_or(codes::INVALID_TIME)?;
        if matches!(p.peek(), Some(b'.' | b',')) {
            p.i += 1;
            let start = p.i;
            let fraction = p.digits(1, 9).ok_or(codes::INVALID_TIME)?;
            let scale = 10u32.pow(9 - (p.i - start) as u32);
            nanos = fraction * scale;
        }
    }
    let time = jiff::civil::Time::new(hour as i8, minute as i8, second as i8, nanos as i32)
        .map_err(|_| codes::INVALID_DATE)?;
    let datetime = date.to_datetime(time);
    if p.peek() == Some(b' ') {
        p.i += 1;
    }
    let offset = match p.next() {
        None => None,
        Some(b'Z' | b'z') => Some(Offset::UTC),
        Some(sign @ (b'+' | b'-')) => {
            let hours = p.digits(2, 2).ok_or(codes::INVALID_TIME)? as i32;
            if p.peek() == Some(b':') {
                p.i += 1;
            }
            let minutes = if p.done() {
                0
            } else {
                p.digits(2, 2).ok_or(codes::INVALID_TIME)? as i32
            };
            if hours > 23 || minutes > 59 {
                return Err(codes::INVALID_TIME);
            }
            let seconds = (hours * 60 + minutes) * 60;
            let seconds = if sign == b'-' { -seconds } else { seconds };
            Some(Offset::from_seconds(seconds).map_err(|_| codes::INVALID_TIME)?)
        }
        Some(_) => return Err(codes::INVALID_TIME),
    };
    if !p.done() {
        return Err(codes::INVALID_TIME);
    }
    Ok(Written::DateTime { datetime, offset })
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn expect(&mut self, b: u8) -> Result<(), &'static str> {
        if self.next() == Some(b) {
            Ok(())
        } else {
            Err(codes::INVALID_TIME)
        }
    }

    /// Reads `min..=max` ASCII digits (as many as there are, up to `max`).
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut value = 0u32;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.i += 1;
                    n += 1;
                }
                _ => break,
            }
        }
        (n >= min).then_some(value)
    }
}

/// The instant a written date-time names; a bare date is refused (`invalid_time`) since
/// an instant needs a time of day.
pub fn instant_of(
    field: &'static str,
    written: Written,
    policy: LocalTimePolicy,
) -> Result<Instant, Invalid> {
    let Written::DateTime { datetime, offset } = written else {
        return Err(Invalid::new(field, codes::INVALID_TIME));
    };
    let with = |offset: Offset| {
        offset
            .to_timestamp(datetime)
            .map(Instant::from_timestamp)
            .map_err(|_| Invalid::new(field, codes::INVALID_DATE))
    };
    if let Some(offset) = offset {
        return with(offset);
    }
    match local_offsets(field, datetime)? {
        AmbiguousOffset::Unambiguous { offset } => with(offset),
        AmbiguousOffset::Gap { before, .. } => match policy {
            LocalTimePolicy::Reject => Err(Invalid::new(field, codes::NONEXISTENT_LOCAL_TIME)),
            // The time read with the offset before the gap lies after the gap: moved
            // forward by the gap's length.
            LocalTimePolicy::Compatible => with(before),
        },
        AmbiguousOffset::Fold { before, .. } => match policy {
            LocalTimePolicy::Reject => Err(Invalid::new(field, codes::AMBIGUOUS_LOCAL_TIME)),
            LocalTimePolicy::Compatible => with(before),
        },
    }
}

fn local_offsets(field: &'static str, datetime: DateTime) -> Result<AmbiguousOffset, Invalid> {
    let tz = stockholm().ok_or(Invalid::new(field, codes::TIME_ZONE_UNAVAILABLE))?;
    Ok(tz.to_ambiguous_timestamp(datetime).offset())
}

/// The earliest and latest instants a written time may mean, for the ends of a window.
/// A bare date is its whole day (`end_of_day` picks the following midnight as the
/// latest, so a window "to 2026-08-17" includes all of the 17th).
fn window_bounds(
    field: &'static str,
    written: Written,
    end_of_day: bool,
) -> Result<(Instant, Instant), Invalid> {
    match written {
        Written::Date(day) => {
            let (early, late) = day_start(field, day)?;
            if end_of_day {
                day_start(field, next_day(field, day)?)
            } else {
                Ok((early, late))
            }
        }
        Written::DateTime {
            offset: Some(_), ..
        } => {
            let t = instant_of(field, written, LocalTimePolicy::Reject)?;
            Ok((t, t))
        }
        Written::DateTime {
            datetime,
            offset: None,
        } => span_of_local(field, datetime),
    }
}

/// The local midnight starting `day`, as (earliest, latest) instant.
fn day_start(field: &'static str, day: Date) -> Result<(Instant, Instant), Invalid> {
    span_of_local(field, day.to_datetime(jiff::civil::Time::midnight()))
}

fn next_day(field: &'static str, day: Date) -> Result<Date, Invalid> {
    day.tomorrow()
        .map_err(|_| Invalid::new(field, codes::INVALID_DATE))
}

/// Every instant a local time may mean, as (earliest, latest): the same instant twice
/// when unambiguous; both readings of a repeated time; for a skipped time, the readings
/// with the offsets on either side of the gap, which lie on either side of it.
fn span_of_local(field: &'static str, datetime: DateTime) -> Result<(Instant, Instant), Invalid> {
    let read = |offset: Offset| {
        offset
            .to_timestamp(datetime)
            .map(Instant::from_timestamp)
            .map_err(|_| Invalid::new(field, codes::INVALID_DATE))
    };
    match local_offsets(field, datetime)? {
        AmbiguousOffset::Unambiguous { offset } => {
            let t = read(offset)?;
            Ok((t, t))
        }
        AmbiguousOffset::Gap { before, after } | AmbiguousOffset::Fold { before, after } => {
            let (a, b) = (read(before)?, read(after)?);
            Ok((a.min(b), a.max(b)))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn utc(text: &str) -> Instant {
        Instant::from_timestamp(text.parse().unwrap())
    }

    fn now() -> Instant {
        utc("2026-11-24T12:00:00Z")
    }

    fn at(text: &str) -> Result<Instant, &'static str> {
        match OccurredAt::parse(text, None, now(), LocalTimePolicy::Reject) {
            Ok(OccurredAt::At(t)) => Ok(t),
            Ok(w) => panic!("{text}: a window {w:?}"),
            Err(e) => Err(e.code),
        }
    }

    #[test]
    fn reads_iso_8601_with_and_without_offset() {
        let expected = utc("2026-08-19T05:58:52Z");
        for text in [
            "2026-08-19T07:58:52+02:00",
            "2026-08-19 07:58:52+02:00",
            "2026-08-19 7:58:52 +02:00",
            "2026-08-19t05:58:52z",
            "2026-08-19T05:58:52Z",
            "2026-08-19T07:58:52+0200",
            "2026-08-19T07:58:52+02",
            "2026-08-19T04:58:52-01:00",
            "2026-08-19T07:58:52",
            "2026-08-19 07:58:52",
            "  2026-08-19 7:58:52  ",
        ] {
            assert_eq!(at(text), Ok(expected), "{text}");
        }
        assert_eq!(at("2026-08-19 07:58"), Ok(utc("2026-08-19T05:58:00Z")));
        assert_eq!(
            at("2026-08-19 07:58:52.250"),
            Ok(utc("2026-08-19T05:58:52.25Z"))
        );
        assert_eq!(
            at("2026-08-19 07:58:52,5"),
            Ok(utc("2026-08-19T05:58:52.5Z"))
        );
        // Winter: Stockholm is +01:00.
        assert_eq!(at("2026-01-15 12:00"), Ok(utc("2026-01-15T11:00:00Z")));
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for (text, code) in [
            ("", "required"),
            ("   ", "required"),
            ("19/08/2026", "invalid_time"),
            ("2026-8-19", "invalid_time"),
            ("2026-08-19T", "invalid_time"),
            ("2026-08-19 07", "invalid_time"),
            ("2026-08-19 07:5", "invalid_time"),
            ("2026-08-19 07:58:52 CEST", "invalid_time"),
            ("2026-08-19 07:58:52+2:00", "invalid_time"),
            ("2026-08-19 07:58:52+24:00", "invalid_time"),
            ("2026-08-19 07:58:52.", "invalid_time"),
            ("2026-08-19  07:58", "invalid_time"),
            ("2026-08-19 07:58x", "invalid_time"),
            ("20260819", "invalid_time"),
            ("2026-02-30 10:00", "invalid_date"),
            ("2026-13-01 10:00", "invalid_date"),
            ("2026-08-19 24:00", "invalid_date"),
            ("2026-08-19 23:60", "invalid_date"),
            ("2026-08-19 23:59:60", "invalid_date"),
        ] {
            assert_eq!(at(text), Err(code), "{text:?}");
        }
    }

    #[test]
    fn spring_forward_gap_is_refused_or_moved_forward() {
        // 2026-03-29 is the last Sunday of March: 02:00 CET becomes 03:00 CEST.
        assert_eq!(at("2026-03-29 01:59"), Ok(utc("2026-03-29T00:59:00Z")));
        assert_eq!(at("2026-03-29 02:00"), Err("nonexistent_local_time"));
        assert_eq!(at("2026-03-29 02:30"), Err("nonexistent_local_time"));
        assert_eq!(at("2026-03-29 02:59:59"), Err("nonexistent_local_time"));
        assert_eq!(at("2026-03-29 03:00"), Ok(utc("2026-03-29T01:00:00Z")));
        // With an offset the time is what it says, gap or not.
        assert_eq!(
            at("2026-03-29 02:30+01:00"),
            Ok(utc("2026-03-29T01:30:00Z"))
        );
        let compatible =
            OccurredAt::parse("2026-03-29 02:30", None, now(), LocalTimePolicy::Compatible);
        // Moved forward by the hour: 03:30 CEST.
        assert_eq!(
            compatible.unwrap(),
            OccurredAt::At(utc("2026-03-29T01:30:00Z"))
        );
        // 2025's last Sunday of March is the 30th.
        assert_eq!(at("2025-03-30 02:15"), Err("nonexistent_local_time"));
        assert!(at("2025-03-29 02:15").is_ok());
    }

    #[test]
    fn fall_back_fold_is_refused_or_taken_as_summer_time() {
        // 2026-10-25 is the last Sunday of October: 03:00 CEST becomes 02:00 CET.
        assert_eq!(at("2026-10-25 01:59"), Ok(utc("2026-10-24T23:59:00Z")));
        assert_eq!(at("2026-10-25 02:00"), Err("ambiguous_local_time"));
        assert_eq!(at("2026-10-25 02:30"), Err("ambiguous_local_time"));
        assert_eq!(at("2026-10-25 03:00"), Ok(utc("2026-10-25T02:00:00Z")));
        assert_eq!(
            at("2026-10-25 02:30+02:00"),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            at("2026-10-25 02:30+01:00"),
            Ok(utc("2026-10-25T01:30:00Z"))
        );
        let compatible =
            OccurredAt::parse("2026-10-25 02:30", None, now(), LocalTimePolicy::Compatible);
        assert_eq!(
            compatible.unwrap(),
            OccurredAt::At(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(at("2025-10-26 02:30"), Err("ambiguous_local_time"));
    }

    #[test]
    fn windows_widen_over_ambiguous_and_skipped_local_times() {
        let w = |from: &str, to: &str| {
            OccurredAt::parse(from, Some(to), now(), LocalTimePolicy::Reject).unwrap()
        };
        // A repeated hour: the start is its first reading, the end its second.
        assert_eq!(
            w("2026-10-25 02:30", "2026-10-25 02:45"),
            OccurredAt::Window {
                from: utc("2026-10-25T00:30:00Z"),
                to: utc("2026-10-25T01:45:00Z"),
            }
        );
        // A skipped hour: start and end on either side of the jump.
        assert_eq!(
            w("2026-03-29 02:30", "2026-03-29 04:00"),
            OccurredAt::Window {
                from: utc("2026-03-29T00:30:00Z"),
                to: utc("2026-03-29T02:00:00Z"),
            }
        );
        assert_eq!(
            w("2026-03-29 00:00", "2026-03-29 02:30"),
            OccurredAt::Window {
                from: utc("2026-03-28T23:00:00Z"),
                to: utc("2026-03-29T01:30:00Z"),
            }
        );
    }

    #[test]
    fn bare_dates_are_whole_local_days() {
        let day = OccurredAt::parse("2026-08-15", None, now(), LocalTimePolicy::Reject);
        assert_eq!(
            day.unwrap(),
            OccurredAt::Window {
                from: utc("2026-08-14T22:00:00Z"),
                to: utc("2026-08-15T22:00:00Z"),
            }
        );
        let weekend = OccurredAt::parse(
            "2026-08-15",
            Some("2026-08-16"),
            now(),
            LocalTimePolicy::Reject,
        );
        assert_eq!(
            weekend.unwrap(),
            OccurredAt::Window {
                from: utc("2026-08-14T22:00:00Z"),
                to: utc("2026-08-16T22:00:00Z"),
            }
        );
        // The day summer time ends has 25 hours.
        let long = OccurredAt::parse("2026-10-25", None, now(), LocalTimePolicy::Reject);
        let OccurredAt::Window { from, to } = long.unwrap() else {
            panic!()
        };
        assert_eq!(to.seconds_since(from), 25 * 3600);
        // Blank `occurred_to` is no window.
        let blank = OccurredAt::parse(
            "2026-08-15 10:00",
            Some("  "),
            now(),
            LocalTimePolicy::Reject,
        );
        assert!(!blank.unwrap().is_window());
    }

    #[test]
    fn windows_are_checked() {
        let w = |from: &str, to: &str| {
            OccurredAt::parse(from, Some(to), now(), LocalTimePolicy::Reject)
                .map_err(|e| (e.field, e.code))
        };
        assert_eq!(
            w("2026-08-15 10:00", "2026-08-15 10:00"),
            Err(("occurred_to", "window_end_not_after_start"))
        );
        assert_eq!(
            w("2026-08-15 10:00", "2026-08-14 10:00"),
            Err(("occurred_to", "window_end_not_after_start"))
        );
        assert!(w("2026-08-01 00:00", "2026-09-01 00:00").is_ok());
        assert_eq!(
            w("2026-08-01 00:00", "2026-09-01 00:01"),
            Err(("occurred_to", "window_too_long"))
        );
        assert_eq!(
            w("2026-11-24 10:00", "2026-11-25 10:00"),
            Err(("occurred_to", "in_future"))
        );
        assert_eq!(
            w("2026-11-24 10:00", "x"),
            Err(("occurred_to", "invalid_time"))
        );
        assert_eq!(
            w("x", "2026-11-24 10:00"),
            Err(("occurred_at", "invalid_time"))
        );
    }

    #[test]
    fn the_future_and_the_distant_past_are_refused() {
        // now() is 12:00 UTC = 13:00 in Stockholm.
        assert!(at("2026-11-24 13:10").is_ok());
        assert_eq!(at("2026-11-24 13:11"), Err("in_future"));
        assert_eq!(at("2027-01-01 00:00"), Err("in_future"));
        assert_eq!(at("0226-08-19 10:00"), Err("too_old"));
        assert!(at("1900-01-01 02:00").is_ok());
    }

    #[test]
    fn accessors_and_stored_values() {
        let w = OccurredAt::Window {
            from: Instant::from_micros(0),
            to: Instant::from_micros(10),
        };
        assert_eq!(w.start(), Instant::from_micros(0));
        assert_eq!(w.end(), Some(Instant::from_micros(10)));
        assert_eq!(w.midpoint(), Instant::from_micros(5));
        assert_eq!(w.latest(), Instant::from_micros(10));
        let i = OccurredAt::At(Instant::from_micros(7));
        assert_eq!(
            (i.end(), i.latest(), i.midpoint()),
            (None, i.start(), i.start())
        );
        assert_eq!(OccurredAt::from_stored(w.start(), w.end()).unwrap(), w);
        assert!(
            OccurredAt::from_stored(Instant::from_micros(5), Some(Instant::from_micros(5)))
                .is_err()
        );
        let shown = OccurredAt::Window {
            from: utc("2026-08-14T16:00:00Z"),
            to: utc("2026-08-17T05:00:00Z"),
        };
        assert_eq!(shown.local_display(), "2026-08-14 18:00 – 2026-08-17 07:00");
    }
}

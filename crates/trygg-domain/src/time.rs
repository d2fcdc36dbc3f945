//! Instants as stored: UTC, microseconds since the Unix epoch.
//!
//! Both databases store instants as a 64-bit integer so the two backends behave the same;
//! presentation converts to Europe/Stockholm.

use serde::{Deserialize, Serialize};

/// A UTC instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub i64);

/// The time zone every Swedish week and date is reckoned in.
pub const STOCKHOLM: &str = "Europe/Stockholm";

impl Instant {
    pub const fn from_micros(us: i64) -> Self {
        Self(us)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    pub fn from_timestamp(ts: jiff::Timestamp) -> Self {
        Self(ts.as_microsecond())
    }

    /// The instant as a jiff timestamp; out-of-range values (never produced by Trygg)
    /// clamp to the Unix epoch rather than panic.
    pub fn timestamp(self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    pub const fn plus_seconds(self, s: i64) -> Self {
        Self(self.0.saturating_add(s.saturating_mul(1_000_000)))
    }

    pub const fn minus_seconds(self, s: i64) -> Self {
        Self(self.0.saturating_sub(s.saturating_mul(1_000_000)))
    }

    /// Whole seconds from `earlier` to `self` (negative if `earlier` is later).
    pub const fn seconds_since(self, earlier: Instant) -> i64 {
        (self.0 - earlier.0) / 1_000_000
    }

    /// "2026-11-24 14:05" in Stockholm local time, for pages.
    pub fn local_display(self) -> String {
        match jiff::tz::TimeZone::get(STOCKHOLM) {
            Ok(tz) => self
                .timestamp()
                .to_zoned(tz)
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            Err(_) => self.timestamp().strftime("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    /// RFC 3339 in UTC, for the API and the audit log.
    pub fn rfc3339(self) -> String {
        self.timestamp().to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn displays_in_stockholm_time_across_dst() {
        // 2026-07-01 10:00 UTC is 12:00 in summer time, 2026-12-01 10:00 UTC is 11:00.
        let summer: jiff::Timestamp = "2026-07-01T10:00:00Z".parse().unwrap();
        let winter: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        assert_eq!(
            Instant::from_timestamp(summer).local_display(),
            "2026-07-01 12:00"
        );
        assert_eq!(
            Instant::from_timestamp(winter).local_display(),
            "2026-12-01 11:00"
        );
    }

    #[test]
    fn arithmetic_in_seconds() {
        let t = Instant::from_micros(5_000_000);
        assert_eq!(t.plus_seconds(3).seconds_since(t), 3);
        assert_eq!(t.minus_seconds(5), Instant::from_micros(0));
    }
}

//! The hour-of-week profile: when in the week incidents happen, in Stockholm local time.
//!
//! 168 bins, bin `24·d + h` for weekday `d` (Monday = 0) and local hour `h`, so bin 0 is
//! Monday 00:00–01:00. An incident with a known instant adds 1 to its bin.
//!
//! # Aoristic apportioning
//!
//! Many incidents are known only by a window — "between Friday 18:00 and Monday 07:00"
//! for a burglary found after a weekend. Aoristic analysis (Ratcliffe & McCullagh 1998;
//! Ratcliffe, "Aoristic analysis: the spatial interpretation of unspecific temporal
//! events", *IJGIS* 14, 2000) spreads the incident over the bins its window overlaps, in
//! proportion to the time of overlap: with window `[a, b)` of length `T`, bin `k` gets
//! `|[a, b) ∩ hours of bin k| / T`. The weights of one incident sum to 1, so the profile
//! still sums to the number of incidents.
//!
//! The overlap is measured in *elapsed* time and assigned by *local* clock hour. On the
//! night the clocks go forward, local 02:00–03:00 does not exist and gets nothing; on the
//! night they go back, local 02:00–03:00 happens twice and gets both real hours. Windows
//! are split at every UTC-offset change (looked up in jiff's rules) and each piece is
//! spread with integer microsecond arithmetic, so a window of months costs no more than a
//! few steps per offset change and the result is exact up to the final division.

use serde::{Deserialize, Serialize};
use trygg_domain::time::Instant;

use crate::AnalyticsError;
use crate::week::stockholm;

/// Bins in a week.
pub const HOURS_PER_WEEK: usize = 168;

const HOUR_US: i64 = 3_600_000_000;
const WEEK_US: i64 = HOURS_PER_WEEK as i64 * HOUR_US;
/// 1970-01-01 was a Thursday: local hour 0 of the Unix epoch is bin 3·24.
const EPOCH_BIN: i64 = 72;

/// When an incident happened, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Occurrence {
    /// A known moment.
    At(Instant),
    /// Somewhere in `[from, to)`; `from == to` is the same as `At(from)`.
    Between {
        /// Earliest possible moment.
        from: Instant,
        /// Latest possible moment (exclusive).
        to: Instant,
    },
}

impl Occurrence {
    /// A window, refusing one that ends before it starts.
    pub fn between(from: Instant, to: Instant) -> Result<Self, AnalyticsError> {
        if to < from {
            return Err(AnalyticsError::NegativeWindow);
        }
        Ok(Self::Between { from, to })
    }
}

/// The bin of an instant: `24·weekday + hour` in Stockholm local time, Monday 00 = 0.
pub fn hour_of_week(at: Instant) -> Result<usize, AnalyticsError> {
    let tz = stockholm()?;
    let offset = i64::from(tz.to_offset(at.timestamp()).seconds()) * 1_000_000;
    Ok(local_bin(at.micros() + offset))
}

/// Bin of a local time given as microseconds since the local epoch.
fn local_bin(local_us: i64) -> usize {
    (local_us.div_euclid(HOUR_US) + EPOCH_BIN).rem_euclid(HOURS_PER_WEEK as i64) as usize
}

/// Incidents by hour of the week, aoristic weights included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourOfWeekProfile {
    /// Weight per bin; bin `24·d + h`, Monday 00 first. Sums to `incidents`.
    pub bins: Vec<f64>,
    /// Incidents added.
    pub incidents: u64,
    /// Of those, the ones spread over a window (the rest had a known instant).
    pub aoristic: u64,
}

impl Default for HourOfWeekProfile {
    fn default() -> Self {
        Self::new()
    }
}

impl HourOfWeekProfile {
    /// An empty profile.
    pub fn new() -> Self {
        Self {
            bins: vec![0.0; HOURS_PER_WEEK],
            incidents: 0,
            aoristic: 0,
        }
    }

    /// A profile of all `occurrences`.
    pub fn from_occurrences<'a>(
        occurrences: impl IntoIterator<Item = &'a Occurrence>,
    ) -> Result<Self, AnalyticsError> {
        let mut p = Self::new();
        for o in occurrences {
            p.add(o)?;
        }
        Ok(p)
    }

    /// Adds one incident with weight 1 in total.
    pub fn add(&mut self, occurrence: &Occurrence) -> Result<(), AnalyticsError> {
        match *occurrence {
            Occurrence::At(at) => {
                self.bins[hour_of_week(at)?] += 1.0;
            }
            Occurrence::Between { from, to } if from == to => {
                self.bins[hour_of_week(from)?] += 1.0;
            }
            Occurrence::Between { from, to } => {
                if to < from {
                    return Err(AnalyticsError::NegativeWindow);
                }
                spread(from, to, &mut self.bins)?;
                self.aoristic += 1;
            }
        }
        self.incidents += 1;
        Ok(())
    }

    /// The weight of weekday `day` (Monday = 0) at local hour `hour`.
    pub fn at(&self, day: usize, hour: usize) -> f64 {
        self.bins.get(day * 24 + hour).copied().unwrap_or(0.0)
    }

    /// Sum of all bins (the number of incidents, up to rounding).
    pub fn total(&self) -> f64 {
        self.bins.iter().sum()
    }
}

/// The aoristic weights of one window `[from, to)` (from < to), as (bin, weight) pairs
/// with positive weights, summing to 1.
pub fn aoristic_weights(from: Instant, to: Instant) -> Result<Vec<(usize, f64)>, AnalyticsError> {
    if to < from {
        return Err(AnalyticsError::NegativeWindow);
    }
    let mut bins = vec![0.0; HOURS_PER_WEEK];
    if from == to {
        bins[hour_of_week(from)?] = 1.0;
    } else {
        spread(from, to, &mut bins)?;
    }
    Ok(bins
        .into_iter()
        .enumerate()
        .filter(|(_, w)| *w > 0.0)
        .collect())
}

/// Adds the weights of `[from, to)` (from < to) to `bins`.
fn spread(from: Instant, to: Instant, bins: &mut [f64]) -> Result<(), AnalyticsError> {
    let tz = stockholm()?;
    let total = (to.micros() - from.micros()) as f64;
    let mut cur = from;
    while cur < to {
        let ts = cur.timestamp();
        let offset = i64::from(tz.to_offset(ts).seconds()) * 1_000_000;
        // The piece runs to the next offset change or the end of the window.
        let next = tz
            .following(ts)
            .map(|t| Instant::from_timestamp(t.timestamp()))
            .find(|t| *t > cur)
            .map_or(to, |t| t.min(to));
        spread_local(cur.micros() + offset, next.micros() + offset, total, bins);
        cur = next;
    }
    Ok(())
}

/// Spreads the local interval `[a, b)` (in microseconds) over the bins, each microsecond
/// weighing `1 / total`.
fn spread_local(mut a: i64, b: i64, total: f64, bins: &mut [f64]) {
    let whole_weeks = (b - a) / WEEK_US;
    if whole_weeks > 0 {
        let w = (whole_weeks * HOUR_US) as f64 / total;
        for bin in bins.iter_mut() {
            *bin += w;
        }
        a += whole_weeks * WEEK_US;
    }
    while a < b {
        let hour_end = (a.div_euclid(HOUR_US) + 1) * HOUR_US;
        let end = hour_end.min(b);
        bins[local_bin(a)] += (end - a) as f64 / total;
        a = end;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> Instant {
        Instant::from_timestamp(s.parse().unwrap())
    }

    fn weights(from: &str, to: &str) -> Vec<(usize, f64)> {
        aoristic_weights(at(from), at(to)).unwrap()
    }

    const SUNDAY: usize = 6 * 24;

    #[test]
    fn bins_are_local_monday_first() {
        // Monday 2026-11-23 00:30 CET = Sunday 23:30 UTC.
        assert_eq!(hour_of_week(at("2026-11-22T23:30:00Z")).unwrap(), 0);
        // Sunday 2026-07-05 23:59 CEST = 21:59 UTC → last bin.
        assert_eq!(hour_of_week(at("2026-07-05T21:59:00Z")).unwrap(), 167);
        // Wednesday 2026-11-25 14:10 CET → 2·24 + 14.
        assert_eq!(hour_of_week(at("2026-11-25T13:10:00Z")).unwrap(), 62);
    }

    #[test]
    fn simple_window_splits_by_overlap() {
        // Wednesday 13:30–15:00 CET: ½ hour in 13, 1 hour in 14 → ⅓ and ⅔.
        let w = weights("2026-11-25T12:30:00Z", "2026-11-25T14:00:00Z");
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].0, 61);
        assert!((w[0].1 - 1.0 / 3.0).abs() < 1e-15);
        assert!((w[1].1 - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn spring_forward_skips_the_missing_hour() {
        // Sunday 29 March 2026, local 01:30 CET (00:30 UTC) to 03:30 CEST (01:30 UTC):
        // one real hour, half in local hour 01 and half in local hour 03; 02 never exists.
        let w = weights("2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z");
        assert_eq!(w, vec![(SUNDAY + 1, 0.5), (SUNDAY + 3, 0.5)]);
    }

    #[test]
    fn fall_back_counts_the_repeated_hour_twice() {
        // Sunday 25 October 2026, local 01:30 CEST (23:30 UTC Saturday) to 02:30 CET
        // (01:30 UTC): two real hours; local 02 lasts 1½ of them (02:00–03:00 CEST, then
        // 02:00–02:30 CET), local 01 half an hour.
        let w = weights("2026-10-24T23:30:00Z", "2026-10-25T01:30:00Z");
        assert_eq!(w, vec![(SUNDAY + 1, 0.25), (SUNDAY + 2, 0.75)]);
    }

    #[test]
    fn long_windows_spread_evenly_and_sum_to_one() {
        // Exactly four weeks without an offset change: 4 hours in every bin.
        let w = weights("2026-11-02T23:00:00Z", "2026-11-30T23:00:00Z");
        assert_eq!(w.len(), 168);
        assert!(w.iter().all(|(_, x)| (x - 1.0 / 168.0).abs() < 1e-15));
        // A whole year across both changes still sums to 1.
        let w = weights("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
        let sum: f64 = w.iter().map(|(_, x)| x).sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }

    #[test]
    fn profile_mixes_instants_and_windows() {
        let occ = [
            Occurrence::At(at("2026-11-25T13:10:00Z")),
            Occurrence::between(at("2026-11-25T12:30:00Z"), at("2026-11-25T14:00:00Z")).unwrap(),
            Occurrence::between(at("2026-11-25T13:00:00Z"), at("2026-11-25T13:00:00Z")).unwrap(),
        ];
        let p = HourOfWeekProfile::from_occurrences(&occ).unwrap();
        assert_eq!((p.incidents, p.aoristic), (3, 1));
        assert!((p.total() - 3.0).abs() < 1e-12);
        assert!((p.at(2, 14) - (2.0 + 2.0 / 3.0)).abs() < 1e-12);
        assert!((p.at(2, 13) - 1.0 / 3.0).abs() < 1e-12);
        assert!(
            Occurrence::between(at("2026-11-25T13:00:00Z"), at("2026-11-25T12:00:00Z")).is_err()
        );
    }
}

#[cfg(test)]
mod props {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Weights are positive and sum to 1 for any window, DST changes included.
        #[test]
        fn weights_sum_to_one(start in 1_600_000_000i64..1_900_000_000, len in 1i64..40_000_000) {
            let from = Instant::from_micros(start * 1_000_000);
            let to = Instant::from_micros((start + len) * 1_000_000);
            let w = aoristic_weights(from, to).unwrap();
            let sum: f64 = w.iter().map(|(_, x)| x).sum();
            prop_assert!((sum - 1.0).abs() < 1e-12, "{sum}");
            prop_assert!(w.iter().all(|(b, x)| *b < 168 && *x > 0.0));
        }

        /// A window inside one local hour puts all its weight in that hour's bin.
        #[test]
        fn short_window_in_one_bin(start in 1_600_000_000i64..1_900_000_000, len in 1i64..60) {
            let hour_start = start - start.rem_euclid(3600);
            let from = Instant::from_micros(hour_start * 1_000_000);
            let to = Instant::from_micros((hour_start + len) * 1_000_000);
            let w = aoristic_weights(from, to).unwrap();
            prop_assert_eq!(w, vec![(hour_of_week(from).unwrap(), 1.0)]);
        }
    }
}

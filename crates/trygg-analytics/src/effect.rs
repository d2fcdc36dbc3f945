//! The effect of a measure: incidents before and after in the target area, in a buffer
//! ring around it and in a control area, and the weighted displacement quotient.
//!
//! Bowers & Johnson (2003), "Measuring the geographical displacement and diffusion of
//! benefit effects of crime prevention activity", J. Quantitative Criminology 19(3):
//! with A the target area, B the buffer, C the control area, and subscripts b/a for the
//! equal periods before and after,
//!
//! * success measure `SM = A_a/C_a − A_b/C_b` (below zero: the target improved relative
//!   to the control),
//! * buffer displacement measure `BDM = B_a/C_a − B_b/C_b` (above zero: displacement
//!   into the buffer; below zero: diffusion of benefit),
//! * `WDQ = BDM / SM`, read only when `SM < 0`: above 1 the buffer gained more than the
//!   target; 0–1 diffusion of benefit; 0 no change around; −1–0 some displacement but a
//!   net gain; below −1 the displacement outweighs the gain.
//!
//! Also here: the zones (target, buffer ring) of points in local metres, so the
//! classification is pure and tested.

use geo::{Contains, Coord, LineString, MultiPolygon, Point};

/// Incidents in one zone in the period before and the equal period after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub before: u64,
    pub after: u64,
}

impl Counts {
    pub const fn new(before: u64, after: u64) -> Self {
        Self { before, after }
    }

    /// The change in per cent of the before count (`None` when it was zero).
    pub fn change_pct(self) -> Option<f64> {
        (self.before > 0)
            .then(|| (self.after as f64 - self.before as f64) / self.before as f64 * 100.0)
    }
}

/// The three zones' counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EffectCounts {
    pub target: Counts,
    pub buffer: Counts,
    pub control: Counts,
}

/// What the figures say, in one word (pages explain it in plain language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The control area had no incidents in one period: no quotient can be formed.
    NoControl,
    /// The target did not improve relative to the control (`SM ≥ 0`).
    NoImprovement,
    /// WDQ > 1: the buffer improved more than the target.
    DiffusionGreaterThanEffect,
    /// 0 < WDQ ≤ 1: the benefit spread to the buffer.
    Diffusion,
    /// WDQ = 0: the target improved, the buffer did not change relative to the control.
    NoDisplacement,
    /// −1 ≤ WDQ < 0: some displacement into the buffer, less than the gain.
    DisplacementLessThanEffect,
    /// WDQ < −1: the displacement outweighs the gain.
    DisplacementGreaterThanEffect,
}

impl Verdict {
    pub const fn code(self) -> &'static str {
        match self {
            Self::NoControl => "no_control",
            Self::NoImprovement => "no_improvement",
            Self::DiffusionGreaterThanEffect => "diffusion_greater",
            Self::Diffusion => "diffusion",
            Self::NoDisplacement => "no_displacement",
            Self::DisplacementLessThanEffect => "displacement_less",
            Self::DisplacementGreaterThanEffect => "displacement_greater",
        }
    }
}

/// Fewer incidents than this in the target over both periods: chance alone can explain
/// the change, and the page says so.
pub const SMALL_NUMBERS: u64 = 20;

/// The computed measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub counts: EffectCounts,
    /// `A_a/C_a − A_b/C_b`; `None` without control incidents.
    pub success_measure: Option<f64>,
    /// `B_a/C_a − B_b/C_b`; `None` without control incidents.
    pub buffer_measure: Option<f64>,
    /// `BDM / SM`, only when `SM < 0`.
    pub wdq: Option<f64>,
    pub verdict: Verdict,
    /// Target counts below [`SMALL_NUMBERS`].
    pub small_numbers: bool,
}

/// The weighted displacement quotient and its parts.
pub fn weighted_displacement(counts: EffectCounts) -> Effect {
    let EffectCounts {
        target: a,
        buffer: b,
        control: c,
    } = counts;
    let small_numbers = a.before + a.after < SMALL_NUMBERS;
    if c.before == 0 || c.after == 0 {
        return Effect {
            counts,
            success_measure: None,
            buffer_measure: None,
            wdq: None,
            verdict: Verdict::NoControl,
            small_numbers,
        };
    }
    let (ca, cb) = (c.after as f64, c.before as f64);
    let sm = a.after as f64 / ca - a.before as f64 / cb;
    let bdm = b.after as f64 / ca - b.before as f64 / cb;
    let (wdq, verdict) = if sm < 0.0 {
        let q = bdm / sm;
        let v = if q > 1.0 {
            Verdict::DiffusionGreaterThanEffect
        } else if q > 0.0 {
            Verdict::Diffusion
        } else if q == 0.0 {
            Verdict::NoDisplacement
        } else if q >= -1.0 {
            Verdict::DisplacementLessThanEffect
        } else {
            Verdict::DisplacementGreaterThanEffect
        };
        (Some(q), v)
    } else {
        (None, Verdict::NoImprovement)
    };
    Effect {
        counts,
        success_measure: Some(sm),
        buffer_measure: Some(bdm),
        wdq,
        verdict,
        small_numbers,
    }
}

/// Where a point lies relative to the measure's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Target,
    Buffer,
    Outside,
}

/// A flat plane in metres around a latitude: good to well under 1 % over the few
/// kilometres a target and its buffer span, and free of projection libraries.
#[derive(Debug, Clone, Copy)]
pub struct LocalMetres {
    lat0: f64,
    lon0: f64,
    kx: f64,
}

/// Metres per degree of latitude (mean, WGS84).
const M_PER_DEG_LAT: f64 = 111_132.954;

impl LocalMetres {
    pub fn around(lat0: f64, lon0: f64) -> Self {
        Self {
            lat0,
            lon0,
            kx: M_PER_DEG_LAT * lat0.to_radians().cos(),
        }
    }

    /// (x east, y north) in metres.
    pub fn xy(&self, lat: f64, lon: f64) -> Coord<f64> {
        Coord {
            x: (lon - self.lon0) * self.kx,
            y: (lat - self.lat0) * M_PER_DEG_LAT,
        }
    }

    /// A WGS84 multipolygon (x = lon, y = lat) in local metres.
    pub fn polygon(&self, geometry: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        use geo::MapCoords;
        geometry.map_coords(|c| self.xy(c.y, c.x))
    }
}

/// The target of a measure, in local metres.
#[derive(Debug, Clone)]
pub enum Target {
    /// An area's polygon.
    Area(MultiPolygon<f64>),
    /// A place: a circle of `radius` metres around its point.
    Circle { centre: Coord<f64>, radius: f64 },
}

/// The zone of a point: in the target, in the ring of `buffer` metres around it, or
/// outside.
pub fn zone(target: &Target, buffer: f64, p: Coord<f64>) -> Zone {
    match target {
        Target::Circle { centre, radius } => {
            let d = ((p.x - centre.x).powi(2) + (p.y - centre.y).powi(2)).sqrt();
            if d <= *radius {
                Zone::Target
            } else if d <= radius + buffer {
                Zone::Buffer
            } else {
                Zone::Outside
            }
        }
        Target::Area(mp) => {
            if mp.contains(&Point::from(p)) {
                return Zone::Target;
            }
            let near = mp.0.iter().any(|poly| {
                std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .any(|ring| distance_to_ring(ring, p) <= buffer)
            });
            if near { Zone::Buffer } else { Zone::Outside }
        }
    }
}

fn distance_to_ring(ring: &LineString<f64>, p: Coord<f64>) -> f64 {
    ring.lines()
        .map(|l| {
            let (a, b) = (l.start, l.end);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len2 = dx * dx + dy * dy;
            let t = if len2 == 0.0 {
                0.0
            } else {
                (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
            };
            let (cx, cy) = (a.x + t * dx, a.y + t * dy);
            ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use geo::polygon;

    #[test]
    fn wdq_agrees_with_a_hand_calculation() {
        // Target 40 → 20, buffer 30 → 36, control 100 → 80.
        // SM  = 20/80 − 40/100 = 0.25 − 0.40 = −0.15
        // BDM = 36/80 − 30/100 = 0.45 − 0.30 = +0.15
        // WDQ = 0.15 / −0.15 = −1.0: displacement as large as the gain.
        let e = weighted_displacement(EffectCounts {
            target: Counts::new(40, 20),
            buffer: Counts::new(30, 36),
            control: Counts::new(100, 80),
        });
        assert!((e.success_measure.unwrap() + 0.15).abs() < 1e-12);
        assert!((e.buffer_measure.unwrap() - 0.15).abs() < 1e-12);
        assert!((e.wdq.unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(e.verdict, Verdict::DisplacementLessThanEffect);
        assert!(!e.small_numbers);

        // Diffusion: buffer 30 → 16. BDM = 16/80 − 0.30 = −0.10; WDQ = 0.10/0.15 = 2/3.
        let e = weighted_displacement(EffectCounts {
            target: Counts::new(40, 20),
            buffer: Counts::new(30, 16),
            control: Counts::new(100, 80),
        });
        assert!((e.wdq.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.verdict, Verdict::Diffusion);
    }

    #[test]
    fn no_quotient_without_control_or_improvement() {
        let e = weighted_displacement(EffectCounts {
            target: Counts::new(4, 2),
            buffer: Counts::new(3, 3),
            control: Counts::new(0, 5),
        });
        assert_eq!(e.verdict, Verdict::NoControl);
        assert_eq!(e.wdq, None);
        assert!(e.small_numbers);
        let e = weighted_displacement(EffectCounts {
            target: Counts::new(10, 20),
            buffer: Counts::new(3, 3),
            control: Counts::new(10, 10),
        });
        assert_eq!(e.verdict, Verdict::NoImprovement);
        assert_eq!(e.success_measure, Some(1.0));
        assert_eq!(e.wdq, None);
        assert_eq!(Counts::new(40, 30).change_pct(), Some(-25.0));
        assert_eq!(Counts::new(0, 3).change_pct(), None);
    }

    #[test]
    fn zones_of_circles_and_polygons() {
        let c = Target::Circle {
            centre: Coord { x: 0.0, y: 0.0 },
            radius: 100.0,
        };
        assert_eq!(zone(&c, 50.0, Coord { x: 60.0, y: 80.0 }), Zone::Target);
        assert_eq!(zone(&c, 50.0, Coord { x: 120.0, y: 0.0 }), Zone::Buffer);
        assert_eq!(zone(&c, 50.0, Coord { x: 151.0, y: 0.0 }), Zone::Outside);
        let square = Target::Area(MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0),
            (x: 100.0, y: 0.0),
            (x: 100.0, y: 100.0),
            (x: 0.0, y: 100.0),
        ]]));
        assert_eq!(
            zone(&square, 50.0, Coord { x: 50.0, y: 50.0 }),
            Zone::Target
        );
        assert_eq!(
            zone(&square, 50.0, Coord { x: 140.0, y: 50.0 }),
            Zone::Buffer
        );
        assert_eq!(
            zone(&square, 50.0, Coord { x: 130.0, y: 130.0 }),
            Zone::Buffer
        );
        assert_eq!(
            zone(&square, 50.0, Coord { x: 140.0, y: 140.0 }),
            Zone::Outside
        );
        let m = LocalMetres::around(58.41, 15.62);
        let p = m.xy(58.41 + 0.001, 15.62);
        assert!((p.y - 111.13).abs() < 0.1, "{p:?}");
        let q = m.xy(58.41, 15.62 + 0.001);
        assert!((q.x - 58.2).abs() < 0.5, "{q:?}");
    }
}

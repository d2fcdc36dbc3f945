//! Quartic kernel density surfaces.
//!
//! The quartic (biweight) kernel of CrimeStat (Levine, *CrimeStat* manual ch. 8) and
//! ArcGIS's Kernel Density tool (after Silverman, *Density Estimation for Statistics and
//! Data Analysis*, 1986, eq. 4.5):
//!
//! ```text
//! K(d) = 3 / (π h²) · (1 − d²/h²)²   for d < h,   0 otherwise
//! ```
//!
//! with bandwidth (search radius) `h` in metres. It integrates to 1 over the plane:
//! `∫₀ʰ 3/(π h²)·(1 − r²/h²)² · 2πr dr = 6/h² · h²/6 = 1`. The surface at a point is
//! `Σᵢ wᵢ K(dᵢ)`, incidents per square metre; multiply by 10⁶ for per km². Its integral
//! over a grid that contains every kernel whole is the total weight.
//!
//! The surface is evaluated at cell centres of a [`GridSpec`]. Each point only touches
//! the cells within `h` of it, so the cost is the number of points times `(2h/M)²`.

use crate::AnalyticsError;
use crate::grid::GridSpec;

/// The quartic kernel `3/(π h²)·(1 − d²/h²)²` for `d < h`, else 0. Per square metre
/// when `d` and `h` are metres.
pub fn quartic_kernel(distance: f64, bandwidth: f64) -> f64 {
    let u2 = (distance * distance) / (bandwidth * bandwidth);
    if u2 < 1.0 {
        let a = 1.0 - u2;
        3.0 / (std::f64::consts::PI * bandwidth * bandwidth) * a * a
    } else {
        0.0
    }
}

/// The quartic kernel density of weighted points (x, y, weight) in SWEREF 99 TM at the
/// centre of every cell of `grid`, row-major, in weight per square metre.
pub fn quartic_density(
    grid: &GridSpec,
    points: impl IntoIterator<Item = (f64, f64, f64)>,
    bandwidth: f64,
) -> Result<Vec<f64>, AnalyticsError> {
    if !(bandwidth.is_finite() && bandwidth > 0.0) {
        return Err(AnalyticsError::Bandwidth);
    }
    let mut surface = vec![0.0; grid.len()];
    if grid.is_empty() {
        return Ok(surface);
    }
    let m = grid.cell_size;
    let h2 = bandwidth * bandwidth;
    let scale = 3.0 / (std::f64::consts::PI * h2);
    // Cell-centre coordinates, relative to the origin, of column c: (c + ½)·M.
    let last_col = grid.cols as f64 - 1.0;
    let last_row = grid.rows as f64 - 1.0;
    for (x, y, w) in points {
        if !(x.is_finite() && y.is_finite() && w.is_finite()) {
            return Err(AnalyticsError::NotFinite("points"));
        }
        let px = x - grid.origin_x;
        let py = y - grid.origin_y;
        // Columns whose centre is within h horizontally: |(c + ½)M − px| < h.
        let c_lo = ((px - bandwidth) / m - 0.5).ceil().max(0.0);
        let c_hi = ((px + bandwidth) / m - 0.5).floor().min(last_col);
        let r_lo = ((py - bandwidth) / m - 0.5).ceil().max(0.0);
        let r_hi = ((py + bandwidth) / m - 0.5).floor().min(last_row);
        if c_lo > c_hi || r_lo > r_hi {
            continue;
        }
        let (c_lo, c_hi, r_lo, r_hi) = (c_lo as usize, c_hi as usize, r_lo as usize, r_hi as usize);
        let ws = w * scale;
        for r in r_lo..=r_hi {
            let dy = (r as f64 + 0.5) * m - py;
            let rest = h2 - dy * dy;
            if rest <= 0.0 {
                continue;
            }
            let row = &mut surface[r * grid.cols..(r + 1) * grid.cols];
            for (c, cell) in row.iter_mut().enumerate().take(c_hi + 1).skip(c_lo) {
                let dx = (c as f64 + 0.5) * m - px;
                let a = rest - dx * dx;
                if a > 0.0 {
                    // (1 − d²/h²)² = ((h² − d²)/h²)²
                    let t = a / h2;
                    *cell += ws * t * t;
                }
            }
        }
    }
    Ok(surface)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kernel_values_by_hand() {
        let h = 100.0;
        let peak = 3.0 / (std::f64::consts::PI * 10_000.0);
        assert_eq!(quartic_kernel(0.0, h), peak);
        // d = h/2: (1 − ¼)² = 9/16.
        assert!((quartic_kernel(50.0, h) - peak * 9.0 / 16.0).abs() < 1e-18);
        assert_eq!(quartic_kernel(100.0, h), 0.0);
        assert_eq!(quartic_kernel(150.0, h), 0.0);
    }

    #[test]
    fn kernel_integrates_to_one() {
        // Midpoint rule on a 1 m grid over a 500 m bandwidth: error O((M/h)²).
        let h = 500.0;
        let n = 1000;
        let mut sum = 0.0;
        for i in 0..n {
            for j in 0..n {
                let x = -500.0 + i as f64 + 0.5;
                let y = -500.0 + j as f64 + 0.5;
                sum += quartic_kernel((x * x + y * y).sqrt(), h);
            }
        }
        assert!((sum - 1.0).abs() < 1e-5, "{sum}");
        // And radially with Simpson's rule: ∫ K(r)·2πr dr.
        let steps = 10_000;
        let dr = h / steps as f64;
        let f = |r: f64| quartic_kernel(r, h) * 2.0 * std::f64::consts::PI * r;
        let mut s = f(0.0) + f(h);
        for k in 1..steps {
            s += f(k as f64 * dr) * if k % 2 == 1 { 4.0 } else { 2.0 };
        }
        assert!((s * dr / 3.0 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn surface_integrates_to_the_total_weight() {
        let grid = GridSpec::new((0.0, 0.0), 10.0, 200, 200).unwrap();
        let pts = [
            (700.0, 800.0, 1.0),
            (1000.3, 1000.7, 2.0),
            (1300.0, 1250.0, 0.5),
        ];
        let s = quartic_density(&grid, pts, 250.0).unwrap();
        let integral: f64 = s.iter().sum::<f64>() * 100.0;
        assert!((integral - 3.5).abs() < 2e-3, "{integral}");
        // The value at a cell centre is the sum of the kernels there.
        let (cx, cy) = grid.cell_centre(70, 80);
        let i = grid.index(70, 80);
        let direct: f64 = pts
            .iter()
            .map(|(x, y, w)| {
                w * quartic_kernel(((x - cx).powi(2) + (y - cy).powi(2)).sqrt(), 250.0)
            })
            .sum();
        assert!((s[i] - direct).abs() < 1e-15);
    }

    #[test]
    fn points_off_the_grid_still_reach_it() {
        let grid = GridSpec::new((0.0, 0.0), 10.0, 10, 10).unwrap();
        let s = quartic_density(&grid, [(-20.0, 50.0, 1.0)], 40.0).unwrap();
        assert!(s[grid.index(0, 5)] > 0.0);
        assert_eq!(s[grid.index(3, 5)], 0.0);
        assert!(quartic_density(&grid, [(0.0, 0.0, 1.0)], 0.0).is_err());
    }
}

#[cfg(test)]
mod props {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The windowed loop finds exactly the cells a brute-force sum over all cells does.
        #[test]
        fn windowed_equals_brute(px in -50.0f64..250.0, py in -50.0f64..250.0, h in 1.0f64..120.0) {
            let grid = GridSpec::new((0.0, 0.0), 10.0, 20, 20).unwrap();
            let s = quartic_density(&grid, [(px, py, 1.0)], h).unwrap();
            for r in 0..20 {
                for c in 0..20 {
                    let (cx, cy) = grid.cell_centre(c, r);
                    let k = quartic_kernel(((cx - px).powi(2) + (cy - py).powi(2)).sqrt(), h);
                    prop_assert!((s[grid.index(c, r)] - k).abs() <= 1e-12 * k.max(1e-300) + 1e-18);
                }
            }
        }
    }
}

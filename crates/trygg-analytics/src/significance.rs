//! p-values: the normal tail, the exact test for comparing two counts, and the
//! Benjamini–Hochberg false discovery rate.
//!
//! # Comparing two counts: the exact conditional (binomial) test
//!
//! A count of incidents over an exposure time `t` is modelled as Poisson with rate `λ·t`.
//! To ask whether this week's `x₁` over `t₁` hours is out of line with a baseline of `x₀`
//! over `t₀` hours, condition on the total `n = x₁ + x₀`: under the null hypothesis
//! `λ₁ = λ₀`, `x₁ | n ~ Binomial(n, t₁ / (t₁ + t₀))` whatever the common rate is
//! (Przyborowski & Wilenski, *Biometrika* 31, 1940). The test is exact (no normal
//! approximation, valid for the small counts a single category and week produce), and it
//! is what R's `poisson.test(c(x1, x0), c(t1, t0))` computes.
//!
//! The two-sided p-value is the "minimum likelihood" one used by R's `binom.test` and
//! SciPy's `binomtest`: the total probability of every outcome no more likely than the
//! one observed, `p = Σ_{k : P(k) ≤ P(x₁)·(1 + 10⁻⁷)} P(k)`, where the relative tolerance
//! makes exactly tied outcomes count despite rounding.
//!
//! # Multiple comparisons: Benjamini & Hochberg (1995)
//!
//! A weekly table makes dozens of comparisons and a hot-spot map thousands; at 5 % each,
//! chance alone would flag several. The step-up procedure of Benjamini & Hochberg
//! ("Controlling the false discovery rate", *JRSS B* 57, 1995) sorts the m p-values,
//! `p₍₁₎ ≤ … ≤ p₍ₘ₎`, finds the largest `k` with `p₍ₖ₎ ≤ k·α/m` and rejects the `k`
//! smallest. It controls the expected share of false discoveries at `α` for independent
//! and positively dependent tests (Benjamini & Yekutieli 2001), which covers overlapping
//! Gi* neighbourhoods and a total beside its categories. The adjusted value
//! `q₍ᵢ₎ = min_{j ≥ i} m·p₍ⱼ₎ / j` is the smallest `α` at which a test would be rejected.

use serde::{Deserialize, Serialize};

/// Which exact test produced a p-value, so a page can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountTest {
    /// The exact conditional test for two Poisson counts with exposures, as a binomial
    /// test on the first count given the total; two-sided by minimum likelihood.
    PoissonConditionalBinomial,
}

impl CountTest {
    /// A stable code for translations and stored snapshots.
    pub fn code(self) -> &'static str {
        match self {
            Self::PoissonConditionalBinomial => "poisson_conditional_binomial",
        }
    }

    /// The test's name in English, for the API and the page's method note.
    pub fn name(self) -> &'static str {
        match self {
            Self::PoissonConditionalBinomial => {
                "exact conditional test for two Poisson counts (binomial given the total, \
                 two-sided, as R's poisson.test)"
            }
        }
    }
}

/// The result of comparing two counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountComparison {
    /// The test used.
    pub test: CountTest,
    /// Two-sided p-value.
    pub p_value: f64,
    /// `(x₁/t₁) / (x₀/t₀)`, the rate ratio; `None` when the baseline count is 0.
    pub rate_ratio: Option<f64>,
}

/// Two-sided p-value of a standard normal z-score, `2·(1 − Φ(|z|)) = erfc(|z|/√2)`.
///
/// `erfc` rather than `1 − erf` keeps full relative precision far in the tail
/// (z = 10 gives 1.5·10⁻²³, not 0). NaN maps to 1: no evidence.
pub fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// Compares `x1` events over exposure `t1` with `x0` events over exposure `t0` (any time
/// unit, the same for both) by the exact conditional test described in the module docs.
///
/// Non-positive or non-finite exposures give p = 1 and no ratio: there is nothing to test.
pub fn compare_counts(x1: u64, t1: f64, x0: u64, t0: f64) -> CountComparison {
    let test = CountTest::PoissonConditionalBinomial;
    if !(t1.is_finite() && t0.is_finite() && t1 > 0.0 && t0 > 0.0) {
        return CountComparison {
            test,
            p_value: 1.0,
            rate_ratio: None,
        };
    }
    let rate_ratio = (x0 > 0).then(|| (x1 as f64 / t1) / (x0 as f64 / t0));
    let p = t1 / (t1 + t0);
    CountComparison {
        test,
        p_value: binomial_two_sided_p(x1, x1 + x0, p),
        rate_ratio,
    }
}

/// Relative tolerance for "no more likely than the observed outcome", as in R and SciPy.
const REL_ERR: f64 = 1.0 + 1e-7;

/// Exact two-sided binomial p-value for `x` successes in `n` trials with success
/// probability `p`, by minimum likelihood (see the module docs). Matches R's
/// `binom.test(x, n, p)$p.value` and SciPy's `binomtest(x, n, p).pvalue`.
///
/// Works in logarithms so that very unlikely outcomes (p-values far below 10⁻³⁰⁰) give
/// 0 instead of NaN, and sums each tail outward from its boundary with the pmf recurrence,
/// stopping once terms can no longer change the sum; cost is O(√n) pmf steps at worst.
pub fn binomial_two_sided_p(x: u64, n: u64, p: f64) -> f64 {
    if n == 0 || x > n || p.is_nan() {
        return 1.0;
    }
    if p <= 0.0 {
        return if x == 0 { 1.0 } else { 0.0 };
    }
    if p >= 1.0 {
        return if x == n { 1.0 } else { 0.0 };
    }
    let mean = n as f64 * p;
    if x as f64 == mean {
        return 1.0;
    }
    let ln_p = p.ln();
    let ln_q = (-p).ln_1p();
    let ln_n_fact = libm::lgamma(n as f64 + 1.0);
    let ln_pmf = |k: u64| -> f64 {
        ln_n_fact - libm::lgamma(k as f64 + 1.0) - libm::lgamma((n - k) as f64 + 1.0)
            + k as f64 * ln_p
            + (n - k) as f64 * ln_q
    };
    let ln_d = ln_pmf(x);
    let ln_bound = ln_d + REL_ERR.ln();
    // Ratios of successive pmf terms: P(k+1)/P(k) = (n−k)/(k+1)·p/q.
    let odds = p / (1.0 - p);

    // Tail on the observed side, from x outward; every term there is ≤ P(x) because the
    // pmf is unimodal with its mode between ⌊np⌋ and ⌈np⌉.
    let mut sum = 0.0;
    if (x as f64) < mean {
        sum += tail_down(x, 1.0, n, odds);
    } else {
        sum += tail_up(x, 1.0, n, odds);
    }

    // The other side: the first outcome no more likely than x, found by bisection on the
    // monotone stretch of the pmf beyond the mean, then summed outward.
    if (x as f64) < mean {
        let mut lo = mean.ceil() as u64; // P non-increasing on [⌈np⌉, n]
        let mut hi = n;
        if ln_pmf(hi) <= ln_bound {
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if ln_pmf(mid) <= ln_bound {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            sum += tail_up(lo, (ln_pmf(lo) - ln_d).exp(), n, odds);
        }
    } else {
        let mut lo = 0;
        let mut hi = mean.floor() as u64; // P non-decreasing on [0, ⌊np⌋]
        if ln_pmf(lo) <= ln_bound {
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if ln_pmf(mid) <= ln_bound {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            sum += tail_down(lo, (ln_pmf(lo) - ln_d).exp(), n, odds);
        }
    }
    (ln_d + sum.ln()).exp().min(1.0)
}

/// Σ_{k ≤ start} P(k)/P(x), given `first` = P(start)/P(x).
fn tail_down(start: u64, first: f64, n: u64, odds: f64) -> f64 {
    let mut term = first;
    let mut sum = term;
    let mut k = start;
    while k > 0 && term > sum * 1e-18 {
        // P(k−1)/P(k) = k/(n−k+1) · q/p
        term *= k as f64 / ((n - k + 1) as f64 * odds);
        k -= 1;
        sum += term;
    }
    sum
}

/// Σ_{k ≥ start} P(k)/P(x), given `first` = P(start)/P(x).
fn tail_up(start: u64, first: f64, n: u64, odds: f64) -> f64 {
    let mut term = first;
    let mut sum = term;
    let mut k = start;
    while k < n && term > sum * 1e-18 {
        term *= (n - k) as f64 * odds / (k + 1) as f64;
        k += 1;
        sum += term;
    }
    sum
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input order.
///
/// NaN p-values are treated as 1. Ties keep their order; the result is the same for any
/// tie order because adjusted values are monotone in the sorted p-values.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let clean = |p: f64| if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| clean(p_values[a]).total_cmp(&clean(p_values[b])));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank0, &i) in order.iter().enumerate().rev() {
        let adjusted = clean(p_values[i]) * m as f64 / (rank0 + 1) as f64;
        running = running.min(adjusted);
        q[i] = running;
    }
    q
}

/// The Benjamini–Hochberg cut-off at level `alpha`: the largest `p₍ₖ₎` with
/// `p₍ₖ₎ ≤ k·α/m`. Tests with `p ≤` the cut-off are rejected (equivalently `q ≤ α`);
/// `None` when nothing is.
///
/// Only p-values ≤ α can be rejected, so only those are sorted: on a million-cell grid
/// that is the few per cent that matter, not the whole million.
pub fn benjamini_hochberg_cutoff(p_values: &[f64], alpha: f64) -> Option<f64> {
    let m = p_values.len() as f64;
    let mut candidates: Vec<f64> = p_values
        .iter()
        .copied()
        .filter(|p| *p <= alpha) // NaN fails the comparison and is dropped
        .collect();
    candidates.sort_unstable_by(f64::total_cmp);
    candidates
        .iter()
        .enumerate()
        .rev()
        .find(|(k0, p)| **p <= (*k0 + 1) as f64 * alpha / m)
        .map(|(_, p)| *p)
}

/// [`benjamini_hochberg_cutoff`] for several levels at once, sorting the candidates a
/// single time (a hot-spot map needs the 90, 95 and 99 % cut-offs of a million p-values).
pub fn benjamini_hochberg_cutoffs(p_values: &[f64], alphas: &[f64]) -> Vec<Option<f64>> {
    let m = p_values.len() as f64;
    let widest = alphas.iter().copied().fold(0.0f64, f64::max);
    let mut candidates: Vec<f64> = p_values.iter().copied().filter(|p| *p <= widest).collect();
    candidates.sort_unstable_by(f64::total_cmp);
    alphas
        .iter()
        .map(|&alpha| {
            candidates
                .iter()
                .enumerate()
                .rev()
                .find(|(k0, p)| **p <= (*k0 + 1) as f64 * alpha / m)
                .map(|(_, p)| *p)
        })
        .collect()
}

/// [`benjamini_hochberg_cutoffs`] for p-values given as (value, number of tests with
/// that value) groups, which is how a grid of counts produces them. Equivalent to the
/// ungrouped procedure: within a group of ties the condition `p ≤ k·α/m` is easiest at
/// the group's last rank, so only that rank needs checking. Sorts `groups` in place.
pub fn benjamini_hochberg_cutoffs_grouped(
    groups: &mut [(f64, u64)],
    alphas: &[f64],
) -> Vec<Option<f64>> {
    groups.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let m = groups.iter().map(|g| g.1).sum::<u64>() as f64;
    let mut last_rank = Vec::with_capacity(groups.len());
    let mut k = 0u64;
    for g in groups.iter() {
        k += g.1;
        last_rank.push(k as f64);
    }
    alphas
        .iter()
        .map(|&alpha| {
            groups
                .iter()
                .zip(&last_rank)
                .rev()
                .find(|((p, _), k)| *p <= **k * alpha / m)
                .map(|((p, _), _)| *p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        if b == 0.0 {
            a.abs() < 1e-300
        } else {
            ((a - b) / b).abs() <= rel
        }
    }

    /// Reference p-values from SciPy 1.17.1 `scipy.stats.binomtest(x, n, p).pvalue`
    /// (the same algorithm as R's `binom.test`).
    const SCIPY_BINOMTEST: &[(u64, u64, f64, f64)] = &[
        (5, 5, 0.5, 0.0625),
        (0, 5, 0.5, 0.0625),
        (3, 10, 0.5, 0.34375),
        (12, 15, 0.5, 0.03515625),
        (7, 40, 0.2, 0.8440187678390211),
        (20, 40, 0.2, 2.1691893126332967e-05),
        (1, 30, 1.0 / 3.0, 0.00012777187375368152),
        (50, 120, 0.2, 6.277938892748444e-08),
        (31, 40, 0.5, 0.0006795482549932785),
        (169, 300, 169.0 / 337.0, 0.03271956996208093),
        (400, 1000, 0.5, 2.728464156065947e-10),
        (2, 1000, 0.01, 0.005967791781518967),
        (40, 1000, 0.01, 4.688553566249777e-13),
        (5000, 10000, 0.5, 1.0),
        (5200, 10000, 0.5, 6.593515598672343e-05),
        (10, 24, 167.0 / 335.0, 0.5412999370600247),
        (9, 29, 0.2, 0.16041383950264132),
        (21, 29, 0.2, 1.6585845249834776e-09),
        (60000, 100000, 0.6, 1.0),
        (61000, 100000, 0.6, 1.0356880673399443e-10),
    ];

    #[test]
    fn binomial_matches_scipy() {
        for &(x, n, p, expected) in SCIPY_BINOMTEST {
            let got = binomial_two_sided_p(x, n, p);
            assert!(
                close(got, expected, 1e-9),
                "x={x} n={n} p={p}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn binomial_by_hand() {
        // 5 of 5 at p = ½: P(5) = 1/32, and only X = 0 is as unlikely: p = 2/32.
        assert_eq!(binomial_two_sided_p(5, 5, 0.5), 0.0625);
        // 3 of 10 at p = ½: 2·P(X ≤ 3) = 2·(1 + 10 + 45 + 120)/1024.
        assert!(close(
            binomial_two_sided_p(3, 10, 0.5),
            352.0 / 1024.0,
            1e-14
        ));
        // Degenerate inputs carry no evidence.
        assert_eq!(binomial_two_sided_p(0, 0, 0.5), 1.0);
        assert_eq!(binomial_two_sided_p(0, 7, 0.0), 1.0);
        assert_eq!(binomial_two_sided_p(1, 7, 0.0), 0.0);
        // Underflow gives 0, not NaN.
        assert_eq!(binomial_two_sided_p(0, 100_000, 0.5), 0.0);
    }

    #[test]
    fn poisson_comparison_uses_exposure() {
        // 10 incidents in a 167-hour DST week against 14 in a 168-hour week.
        let c = compare_counts(10, 167.0, 14, 168.0);
        assert!(close(c.p_value, 0.5412999370600247, 1e-9));
        let ratio = c.rate_ratio.unwrap_or(f64::NAN);
        assert!(close(ratio, (10.0 / 167.0) / (14.0 / 168.0), 1e-15));
        assert_eq!(compare_counts(3, 168.0, 0, 168.0).rate_ratio, None);
        assert_eq!(compare_counts(0, 168.0, 0, 168.0).p_value, 1.0);
        assert_eq!(compare_counts(3, 0.0, 1, 168.0).p_value, 1.0);
    }

    #[test]
    fn normal_tail_matches_scipy() {
        // 2·scipy.stats.norm.sf(|z|)
        let cases = [
            (0.0, 1.0),
            (1.0, 0.31731050786291415),
            (1.959963984540054, 0.05),
            (3.0, 0.0026997960632601866),
            (5.0, 5.733031437583866e-07),
            (8.0, 1.244192114854348e-15),
            (10.0, 1.523970604832094e-23),
            (30.0, 9.813427854295816e-198),
            (-2.0, 0.04550026389635839),
        ];
        for (z, p) in cases {
            // The argument z/√2 carries a rounding error of ~1e-16 relative, which the
            // tail amplifies by ~z²: 1e-13 at z = 30, where p is ~1e-197 anyway.
            let tol = 1e-14 * (1.0 + z * z);
            let got = normal_two_sided_p(z);
            assert!(close(got, p, tol), "z={z}: {got} vs {p}");
        }
        assert_eq!(normal_two_sided_p(f64::NAN), 1.0);
    }

    /// The worked example of Benjamini & Hochberg (1995, section 4): 15 p-values from a
    /// study of myocardial infarction; at q* = 0.05 the procedure rejects the four
    /// smallest (Bonferroni only three).
    const BH_1995: [f64; 15] = [
        0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
        0.5719, 0.6528, 0.7590, 1.0000,
    ];

    #[test]
    fn bh_reproduces_the_1995_example() {
        let q = benjamini_hochberg(&BH_1995);
        let rejected: Vec<bool> = q.iter().map(|q| *q <= 0.05).collect();
        assert_eq!(rejected.iter().filter(|r| **r).count(), 4);
        assert!(rejected[..4].iter().all(|r| *r));
        assert_eq!(benjamini_hochberg_cutoff(&BH_1995, 0.05), Some(0.0095));
        // q₍₄₎ = 15·0.0095/4 and q₍₁₎ = min(15·0.0001, 15·0.0004/2) = 0.0015.
        assert!(close(q[3], 15.0 * 0.0095 / 4.0, 1e-12));
        assert!(close(q[0], 0.0015, 1e-12));
        assert_eq!(q[14], 1.0);
    }

    #[test]
    fn bh_cutoff_agrees_with_q_values_and_order_does_not_matter() {
        let mut shuffled = BH_1995.to_vec();
        shuffled.reverse();
        let q = benjamini_hochberg(&shuffled);
        for alpha in [0.01, 0.05, 0.1, 0.5] {
            let cut = benjamini_hochberg_cutoff(&shuffled, alpha);
            for (p, q) in shuffled.iter().zip(&q) {
                let by_cut = cut.is_some_and(|c| *p <= c);
                assert_eq!(by_cut, *q <= alpha, "alpha={alpha} p={p}");
            }
        }
        assert_eq!(benjamini_hochberg_cutoff(&[0.5, 0.9], 0.05), None);
        // Grouped ties give the same cut-offs as the tests one by one.
        let mut tied: Vec<f64> = BH_1995.iter().flat_map(|p| [*p, *p, *p]).collect();
        tied.extend([0.0095; 4]);
        let mut groups: Vec<(f64, u64)> = BH_1995.iter().map(|p| (*p, 3)).collect();
        groups.push((0.0095, 4));
        let alphas = [0.001, 0.01, 0.05, 0.1, 0.5];
        assert_eq!(
            benjamini_hochberg_cutoffs_grouped(&mut groups, &alphas),
            benjamini_hochberg_cutoffs(&tied, &alphas)
        );
        let several = benjamini_hochberg_cutoffs(&shuffled, &[0.01, 0.05, 0.1, 0.5]);
        for (alpha, cut) in [0.01, 0.05, 0.1, 0.5].into_iter().zip(several) {
            assert_eq!(cut, benjamini_hochberg_cutoff(&shuffled, alpha));
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// P(X = k) by the textbook formula, for small n only.
    fn pmf(k: u64, n: u64, p: f64) -> f64 {
        let mut c = 1.0f64;
        for i in 0..k {
            c *= (n - i) as f64 / (i + 1) as f64;
        }
        c * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
    }

    proptest! {
        /// The fast tail walk equals brute force over all outcomes for small n.
        #[test]
        fn binomial_equals_brute_force(n in 1u64..60, xf in 0.0f64..=1.0, p in 0.01f64..0.99) {
            let x = ((n as f64) * xf).round() as u64;
            let d = pmf(x, n, p);
            let brute: f64 = (0..=n).map(|k| pmf(k, n, p)).filter(|q| *q <= d * REL_ERR).sum();
            let fast = binomial_two_sided_p(x, n, p);
            let brute = brute.min(1.0);
            prop_assert!((fast - brute).abs() <= 1e-12 + 1e-9 * brute, "{fast} vs {brute}");
        }

        /// Adjusted values are ≥ the raw ones, ≤ 1, and keep the order of the p-values.
        #[test]
        fn bh_is_monotone(ps in proptest::collection::vec(0.0f64..=1.0, 1..50)) {
            let q = benjamini_hochberg(&ps);
            for i in 0..ps.len() {
                prop_assert!(q[i] >= ps[i] - 1e-15 && q[i] <= 1.0);
                for j in 0..ps.len() {
                    if ps[i] < ps[j] { prop_assert!(q[i] <= q[j]); }
                }
            }
        }
    }
}

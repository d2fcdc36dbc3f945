//! The seeded random numbers behind every permutation test.
//!
//! A published lägesbild must be reproducible from its stored seed for as long as the
//! record is kept, across Trygg versions and machines. That rules out depending on a
//! general-purpose RNG crate whose stream may change between releases, so the generator
//! is written out here: xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom
//! number generators", ACM TOMS 2021), seeded through SplitMix64 as its authors
//! recommend, with bounded integers by Lemire's multiply-shift method ("Fast random
//! integer generation in an interval", ACM TOMACS 2019), which is exactly unbiased.

/// One step of SplitMix64 (Steele, Lea & Flood 2014): a good 64-bit mixing function,
/// used to expand seeds and to derive independent streams from (seed, key) pairs.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// xoshiro256**: small, fast, and passes BigCrush; plenty for Monte Carlo p-values.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self { s }
    }

    /// An independent stream for `key` under `seed`, so that results do not depend on
    /// the order in which keys are processed.
    pub(crate) fn for_key(seed: u64, key: u64) -> Self {
        let mut sm = seed ^ 0x6a09_e667_f3bc_c908;
        let a = splitmix64(&mut sm);
        let mut km = key ^ a;
        Self::new(splitmix64(&mut km) ^ seed.rotate_left(17))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` (n > 0), without modulo bias.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        let mut low = m as u64;
        if low < n {
            // Rejection zone: 2^64 mod n values of the low half would over-represent
            // some results; redraw them.
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// Fisher–Yates (Durstenfeld) shuffle: every permutation equally likely.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// `k` distinct indices from `0..n` (k ≤ n) in `out`, by Floyd's algorithm
    /// (Bentley & Floyd, "A sample of brilliance", CACM 1987): exactly k draws, each
    /// k-subset equally likely. The membership test is a linear scan because k is a
    /// neighbour count (≤ 8 on a grid, 6 on H3).
    pub(crate) fn sample_distinct(&mut self, n: u64, k: usize, out: &mut Vec<u64>) {
        out.clear();
        debug_assert!(k as u64 <= n);
        for j in (n - k as u64)..n {
            let t = self.below(j + 1);
            if out.contains(&t) {
                out.push(j);
            } else {
                out.push(t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_stream() {
        // First outputs of the reference C implementation seeded with 1234567.
        let mut s = 1_234_567u64;
        assert_eq!(splitmix64(&mut s), 6_457_827_717_110_365_317);
        assert_eq!(splitmix64(&mut s), 3_203_168_211_198_807_973);
    }

    #[test]
    fn same_seed_same_stream_and_keys_differ() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut k1 = Rng::for_key(7, 1);
        let mut k2 = Rng::for_key(7, 2);
        assert_ne!(k1.next_u64(), k2.next_u64());
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = Rng::new(42);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        // Each expected 10,000 with sd ≈ 91; 5 sd is a generous bound.
        assert!(
            counts.iter().all(|&c| (9_550..=10_450).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn floyd_sample_is_distinct_and_in_range() {
        let mut rng = Rng::new(3);
        let mut out = Vec::new();
        for _ in 0..1000 {
            rng.sample_distinct(10, 8, &mut out);
            let mut sorted = out.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 8);
            assert!(out.iter().all(|&v| v < 10));
        }
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Rng::new(9);
        let mut v: Vec<u32> = (0..100).collect();
        rng.shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
        assert_ne!(v, s);
    }
}

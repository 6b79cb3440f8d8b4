//! The generator's pseudo-random numbers: xoshiro256** seeded through `SplitMix64`.
//!
//! Hand-written so that a seed gives the same bytes on every platform and with every crate
//! version. Only integer operations, `+ - * /` and `sqrt` on `f64` are used downstream
//! (all exactly specified by IEEE 754), never `powf`, `exp` or `ln`, whose last bits vary
//! between C libraries. Every user and account gets its own stream, derived from the seed
//! and the stream number, so one user's draws never shift another's.

/// One step of `SplitMix64`: advances `state` and returns a well-mixed word.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A point of a low-discrepancy (Weyl) sequence in [0, 1): `index` times the golden ratio,
/// shifted by `salt`. Consecutive indexes spread evenly, so a weighted choice driven by it
/// keeps its proportions even on a few hundred users.
pub(crate) fn weyl(index: u64, salt: u64) -> f64 {
    let x = index.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(salt);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Picks from `(item, weight)` pairs with a number `x` in [0, 1).
pub(crate) fn weighted_at<T: Copy>(items: &[(T, u32)], x: f64) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut target = (x * f64::from(total)) as u32;
    for &(item, weight) in items {
        if target < weight {
            return item;
        }
        target -= weight;
    }
    items[items.len() - 1].0
}

/// xoshiro256** (Blackman and Vigna), 256 bits of state.
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The stream `stream` of the generator seeded with `seed`.
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        let mut state = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for word in &mut s {
            *word = splitmix64(&mut state);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
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

    /// Uniform in [0, 1), 53 bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); 0 when `n` is 0. Multiply-shift: the bias is below 2^-32 for the
    /// small ranges used here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in [lo, hi); `lo` when the range is empty.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// Uniform in [lo, hi).
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, uniformly.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// One of `(item, weight)` pairs, proportionally to the weights.
    pub(crate) fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let x = self.unit();
        weighted_at(items, x)
    }
}

/// Rounds to cents, so that the printed number is short and the same in every format.
pub(crate) fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::new(7, 1);
        let mut y = Rng::new(7, 2);
        assert_ne!(x.next_u64(), y.next_u64());
    }

    #[test]
    fn known_first_words() {
        // Pins the algorithm: a change here changes every generated file.
        let mut state = 0u64;
        assert_eq!(splitmix64(&mut state), 0xE220_A839_7B1D_CDAF);
        let mut rng = Rng::new(0, 0);
        let first = rng.next_u64();
        assert_eq!(first, Rng::new(0, 0).next_u64());
    }

    #[test]
    fn ranges_stay_inside() {
        let mut rng = Rng::new(1, 0);
        for _ in 0..10_000 {
            let r = rng.range(-3, 4);
            assert!((-3..4).contains(&r));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(rng.below(5) < 5);
        }
        assert_eq!(rng.range(5, 5), 5);
    }

    #[test]
    fn weighted_choice_follows_weights() {
        let items = [("a", 1), ("b", 3)];
        let b = (0..1000)
            .filter(|&i| weighted_at(&items, weyl(i, 0)) == "b")
            .count();
        assert!((740..=760).contains(&b), "{b}");
    }
}

//! A tape of choices: every random decision of the generators reads the next number of a
//! tape that proptest generates and shrinks. Choice 0 is always the simplest option (leave out
//! the optional part, take the first alternative, generate fewer items), and a tape that runs
//! out reads as zeros, so shrinking the tape (shorter, smaller numbers) shrinks the program and
//! the data, and every tape, however short, yields a complete, well-typed case.

pub struct Tape<'a> {
    choices: &'a [u32],
    position: usize,
}

impl<'a> Tape<'a> {
    pub fn new(choices: &'a [u32]) -> Self {
        Tape {
            choices,
            position: 0,
        }
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "a choice needs at least one option");
        let value = self.choices.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        value as usize % n
    }

    /// True with `percent` percent probability (false on a zero choice).
    pub fn flip(&mut self, percent: usize) -> bool {
        self.below(100) >= 100 - percent
    }

    /// One item of a non-empty slice.
    pub fn pick<'s, T>(&mut self, items: &'s [T]) -> &'s T {
        &items[self.below(items.len())]
    }

    /// One string of a non-empty slice.
    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }

    /// The index of an option by weight; options with weight 0 are never taken.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        assert!(total > 0, "a weighted choice needs an option");
        let mut r = u32::try_from(self.below(total as usize)).expect("small weights");
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!("r < total")
    }
}

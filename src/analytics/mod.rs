//! Figures about segments once evaluated, for `seg stats` (docs/analytics.md): each
//! segment's size and share of its kind's entities, and how segments overlap.

pub mod chart;
pub mod compare;

use crate::interp::Memberships;
use crate::plan::{Plan, Target};
use crate::store::Store;

/// One segment's size.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Size {
    pub segment: String,
    pub kind: &'static str,
    pub members: usize,
    /// The users (or accounts) evaluated.
    pub total: usize,
    /// `members / total` (0 when there are none).
    pub share: f64,
}

/// How two segments of the same kind overlap.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Overlap {
    pub a: String,
    pub b: String,
    /// Members of both.
    pub both: usize,
    /// `both / members of either` (0 when neither has members).
    pub jaccard: f64,
}

/// The word for a segment's kind.
#[must_use]
pub fn kind(target: Target) -> &'static str {
    match target {
        Target::User => "user",
        Target::Account => "account",
    }
}

#[allow(clippy::cast_precision_loss)]
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The size of each of the `wanted` segments (plan indexes), in that order.
#[must_use]
pub fn sizes(plan: &Plan, store: &Store, memberships: &Memberships, wanted: &[usize]) -> Vec<Size> {
    wanted
        .iter()
        .map(|&s| {
            let segment = &plan.segments[s];
            let total = match segment.target {
                Target::User => store.users.len(),
                Target::Account => store.accounts.len(),
            };
            let members = memberships.members[s].iter().filter(|&&m| m).count();
            Size {
                segment: segment.name.clone(),
                kind: kind(segment.target),
                members,
                total,
                share: ratio(members, total),
            }
        })
        .collect()
}

/// A membership as 64-bit words, for counting intersections with popcounts.
fn bits(members: &[bool]) -> Vec<u64> {
    members
        .chunks(64)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .fold(0u64, |word, (i, &m)| word | (u64::from(m) << i))
        })
        .collect()
}

/// The overlap of every ordered pair of the `wanted` segments that are of the same kind (a
/// segment with itself included: the matrix's diagonal), in the order of `wanted`.
#[must_use]
pub fn overlaps(plan: &Plan, memberships: &Memberships, wanted: &[usize]) -> Vec<Overlap> {
    let sets: Vec<Vec<u64>> = wanted
        .iter()
        .map(|&s| bits(&memberships.members[s]))
        .collect();
    let counts: Vec<usize> = sets
        .iter()
        .map(|set| set.iter().map(|w| w.count_ones() as usize).sum())
        .collect();
    let mut out = Vec::new();
    for (i, &a) in wanted.iter().enumerate() {
        for (j, &b) in wanted.iter().enumerate() {
            let (sa, sb) = (&plan.segments[a], &plan.segments[b]);
            if sa.target != sb.target {
                continue;
            }
            let both: usize = sets[i]
                .iter()
                .zip(&sets[j])
                .map(|(x, y)| (x & y).count_ones() as usize)
                .sum();
            out.push(Overlap {
                a: sa.name.clone(),
                b: sb.name.clone(),
                both,
                jaccard: ratio(both, counts[i] + counts[j] - both),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_count_like_the_booleans_they_hold() {
        let members: Vec<bool> = (0..200).map(|i| i % 3 == 0 || i == 199).collect();
        let words = bits(&members);
        assert_eq!(words.len(), 4);
        let ones: u32 = words.iter().map(|w| w.count_ones()).sum();
        assert_eq!(ones as usize, members.iter().filter(|&&m| m).count());
        assert_eq!(words[3] >> (199 - 192) & 1, 1);
    }
}

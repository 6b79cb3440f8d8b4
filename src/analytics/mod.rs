//! Figures about segments once evaluated, for `seg stats` (docs/analytics.md): each
//! segment's size and share of its kind's entities, and how segments overlap.

pub mod campaigns;
pub mod chart;
pub mod compare;
pub mod export;

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

/// `part / whole`, 0 when `whole` is.
#[allow(clippy::cast_precision_loss)]
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The size of each of the `wanted` segments (plan indexes), in that order, out of `users`
/// users or `accounts` accounts.
#[must_use]
pub fn sizes(
    plan: &Plan,
    (users, accounts): (usize, usize),
    members: &[Vec<bool>],
    wanted: &[usize],
) -> Vec<Size> {
    wanted
        .iter()
        .map(|&s| {
            let segment = &plan.segments[s];
            let total = match segment.target {
                Target::User => users,
                Target::Account => accounts,
            };
            let members = members[s].iter().filter(|&&m| m).count();
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

/// The most steps one trend may take.
pub const MAX_STEPS: i64 = 10_000;

/// A step such as `1d`, in microseconds.
pub fn parse_step(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("`{text}`: a step is a whole number and a unit (s, m, h, d, w)"))?;
    let unit = match unit {
        "s" => crate::time::MICROS_PER_SECOND,
        "m" => crate::time::MICROS_PER_MINUTE,
        "h" => crate::time::MICROS_PER_HOUR,
        "d" => crate::time::MICROS_PER_DAY,
        "w" => crate::time::MICROS_PER_WEEK,
        _ => return Err(format!("`{text}`: the unit is one of s, m, h, d, w")),
    };
    match number.checked_mul(unit) {
        Some(step) if step > 0 => Ok(step),
        _ => Err(format!(
            "`{text}`: a step is above zero and below 292,000 years"
        )),
    }
}

/// The instants from `from` to `to` (included when on a step), at most [`MAX_STEPS`].
pub fn instants(from: i64, to: i64, step: i64) -> Result<Vec<i64>, String> {
    if to < from {
        return Err("--to is before --from".into());
    }
    let steps = (to - from) / step + 1;
    if steps > MAX_STEPS {
        return Err(format!(
            "{steps} steps: a trend takes at most {MAX_STEPS}; take a longer --step"
        ));
    }
    Ok((0..steps).map(|i| from + i * step).collect())
}

/// Each segment's members as of each instant, over a store loaded once: (instant, plan
/// index, members), by instant, then in the order of `wanted`.
pub fn trend(
    plan: &Plan,
    store: &Store,
    wanted: &[usize],
    instants: &[i64],
    step_done: &mut dyn FnMut(),
) -> Result<Vec<(i64, usize, usize)>, String> {
    let mut rows = Vec::with_capacity(instants.len() * wanted.len());
    for &now in instants {
        step_done();
        let prepared = crate::engine::prepare(plan, store, now, crate::engine::Engine::Jit)
            .map_err(|e| format!("the JIT could not compile the plan: {e}"))?;
        let counts = prepared.counts();
        for &s in wanted {
            rows.push((now, s, counts[s]));
        }
    }
    Ok(rows)
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
pub fn overlaps(plan: &Plan, members: &[Vec<bool>], wanted: &[usize]) -> Vec<Overlap> {
    let sets: Vec<Vec<u64>> = wanted.iter().map(|&s| bits(&members[s])).collect();
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
    fn steps_are_a_number_and_a_unit() {
        assert_eq!(parse_step("1d"), Ok(crate::time::MICROS_PER_DAY));
        assert_eq!(parse_step("12h"), Ok(12 * crate::time::MICROS_PER_HOUR));
        assert!(parse_step("0d").is_err());
        assert!(parse_step("1y").is_err());
        assert!(parse_step("d").is_err());
        assert!(parse_step("99999999999999w").is_err());
    }

    #[test]
    fn instants_include_the_end_on_a_step_and_are_bounded() {
        let day = crate::time::MICROS_PER_DAY;
        assert_eq!(instants(0, 2 * day, day), Ok(vec![0, day, 2 * day]));
        assert_eq!(instants(0, 2 * day - 1, day), Ok(vec![0, day]));
        assert!(instants(day, 0, day).is_err());
        assert_eq!(
            instants(0, (MAX_STEPS - 1) * day, day).map(|v| v.len()),
            Ok(10_000)
        );
        assert!(instants(0, MAX_STEPS * day, day).is_err());
    }

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

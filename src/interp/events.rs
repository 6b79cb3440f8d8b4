//! Event sets and the forms over them: windows as ranges of a user's rows (binary search on
//! `ts`, always below `now`), `where` filters per row, the aggregates, `then` chains (greedy:
//! each step's earliest event after the previous step; under a final `then not`, the last
//! positive step takes its latest event, which leaves the fewest events after it), `steps`,
//! and `changed` over attribute history.

use super::value::{order, V};
use super::{Ctx, Entity, Interpreter, Memo};
use crate::plan::{Aggregate, AggregateFn, CalendarUnit, Changed, EventSet, Window};
use crate::time::{civil_from_days, MICROS_PER_DAY, MICROS_PER_HOUR};

/// The rows of one event set for one user, in (ts, load order).
pub(crate) struct Matches {
    /// The event type's index.
    pub event: usize,
    /// The window searched, `[lo, hi)`, already cut at `now` and above the `after` bound;
    /// None when a bound is missing (nothing matches).
    pub window: Option<(i64, i64)>,
    pub rows: Vec<usize>,
}

/// One step of a `then` chain or a `steps` funnel, as it was matched: for explaining.
pub(crate) struct StepSeen<'m> {
    pub index: usize,
    /// The events searched (after the previous step's event).
    pub found: &'m Matches,
    /// The row the step took; None for a step that found nothing, and for a final
    /// `then not` step (whose search must come back empty).
    pub picked: Option<usize>,
}

impl<'a> Interpreter<'a> {
    /// `[lo, hi)` of a window, already cut at `now`; None when a bound is missing.
    pub(super) fn window_range(
        &self,
        window: &'a Window,
        entity: Entity,
        memo: Memo<'_>,
    ) -> Option<(i64, i64)> {
        let ctx = Ctx {
            entity,
            event: None,
        };
        let instant = |e| match self.eval(e, ctx, memo) {
            V::Ts(t) => Some(t),
            _ => None,
        };
        let (lo, hi) = match window {
            Window::All | Window::During(..) => (i64::MIN, self.now),
            Window::Within(d) => match self.eval(d, ctx, memo) {
                V::Dur(d) => (self.now.saturating_sub(d), self.now),
                _ => return None,
            },
            Window::Today => (self.day_start, self.now),
            Window::Yesterday => (self.day_start - MICROS_PER_DAY, self.day_start),
            Window::Between(a, b) => (instant(a)?, instant(b)?),
            Window::Before(a) => (i64::MIN, instant(a)?),
            Window::After(a) => (instant(a)?, self.now),
        };
        Some((lo, hi.min(self.now)))
    }

    /// The rows of `set` for `user` whose ts is above `after` (exclusive), if given.
    pub(super) fn matches(
        &self,
        set: &'a EventSet,
        user: u32,
        after: Option<i64>,
        memo: Memo<'_>,
    ) -> Matches {
        let (window, rows) = self.matching(set, user, after, memo);
        Matches {
            event: set.event.0 as usize,
            window,
            rows: rows.collect(),
        }
    }

    /// The window of `set` for `user` and its rows, one by one (see [`Self::matches`]): for
    /// the aggregates that only count them.
    fn matching<'m>(
        &'m self,
        set: &'a EventSet,
        user: u32,
        after: Option<i64>,
        memo: Memo<'m>,
    ) -> (Option<(i64, i64)>, impl Iterator<Item = usize> + 'm) {
        let event = set.event.0 as usize;
        let table = &self.store.events[event];
        let mut window = self.window_range(&set.window, Entity::User(user), memo);
        if let (Some((lo, _)), Some(after)) = (&mut window, after) {
            *lo = (*lo).max(after.saturating_add(1));
        }
        let range = match window {
            Some((lo, hi)) if lo < hi => table.rows_between(user, lo, hi),
            _ => 0..0,
        };
        let rows = range
            .filter(move |&row| Self::in_calendar(&set.window, table.ts[row]))
            .filter(move |&row| {
                set.filter.as_deref().is_none_or(|f| {
                    self.eval(
                        f,
                        Ctx {
                            entity: Entity::User(user),
                            event: Some((event, row)),
                        },
                        memo,
                    )
                    .truthy()
                })
            });
        (window, rows)
    }

    fn in_calendar(window: &Window, ts: i64) -> bool {
        let Window::During(unit, values) = window else {
            return true;
        };
        let days = ts.div_euclid(MICROS_PER_DAY);
        let value = match unit {
            CalendarUnit::Months => civil_from_days(days).1,
            // 1970-01-01 was a Thursday, ISO weekday 4.
            CalendarUnit::Weekdays => u32::try_from((days + 3).rem_euclid(7) + 1).unwrap_or(0),
            CalendarUnit::Hours => {
                u32::try_from(ts.rem_euclid(MICROS_PER_DAY) / MICROS_PER_HOUR).unwrap_or(0)
            }
        };
        values.contains(&value)
    }

    pub(super) fn aggregate(&self, aggregate: &'a Aggregate, user: u32, memo: Memo<'_>) -> V<'a> {
        // `did` and `count` need no list of the rows.
        match aggregate.function {
            AggregateFn::Did => {
                return V::Bool(
                    self.matching(&aggregate.set, user, None, memo)
                        .1
                        .next()
                        .is_some(),
                )
            }
            AggregateFn::Count => {
                #[allow(clippy::cast_precision_loss)]
                return V::Num(self.matching(&aggregate.set, user, None, memo).1.count() as f64);
            }
            _ => {}
        }
        let found = self.matches(&aggregate.set, user, None, memo);
        let table = &self.store.events[found.event];
        let rows = &found.rows;
        let values = || {
            let column =
                &table.columns[aggregate.property.expect("the checker requires a property")];
            rows.iter()
                .map(move |&r| self.column_value(column, r))
                .filter(V::is_set)
        };
        #[allow(clippy::cast_precision_loss)]
        let count = |n: usize| V::Num(n as f64);
        match (aggregate.function, aggregate.property) {
            (AggregateFn::Did, _) => V::Bool(!rows.is_empty()),
            (AggregateFn::Count, _) => count(rows.len()),
            (AggregateFn::Days, _) => {
                let mut days: Vec<i64> = rows
                    .iter()
                    .map(|&r| table.ts[r].div_euclid(MICROS_PER_DAY))
                    .collect();
                days.dedup();
                count(days.len())
            }
            (AggregateFn::First, None) => rows.first().map_or(V::Missing, |&r| V::Ts(table.ts[r])),
            (AggregateFn::Last, None) => rows.last().map_or(V::Missing, |&r| V::Ts(table.ts[r])),
            (AggregateFn::First, Some(_)) => values().next().unwrap_or(V::Missing),
            (AggregateFn::Last, Some(_)) => values().next_back().unwrap_or(V::Missing),
            (AggregateFn::Sum, _) => V::Num(values().map(|v| number(&v)).sum()),
            (AggregateFn::Avg, _) => {
                let numbers: Vec<f64> = values().map(|v| number(&v)).collect();
                #[allow(clippy::cast_precision_loss)]
                let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
                if numbers.is_empty() {
                    V::Missing
                } else {
                    V::Num(mean)
                }
            }
            (AggregateFn::Min, _) => values()
                .map(|v| number(&v))
                .reduce(f64::min)
                .map_or(V::Missing, V::Num),
            (AggregateFn::Max, _) => values()
                .map(|v| number(&v))
                .reduce(f64::max)
                .map_or(V::Missing, V::Num),
            (AggregateFn::Distinct, _) => count(runs(values()).len()),
            (AggregateFn::Top, _) => runs(values())
                .into_iter()
                .rev()
                .max_by_key(|(_, n)| *n)
                .map_or(V::Missing, |(v, _)| v),
        }
    }

    pub(super) fn then(
        &self,
        steps: &'a [EventSet],
        last_negated: bool,
        user: u32,
        memo: Memo<'_>,
    ) -> bool {
        self.then_seen(steps, last_negated, user, memo, &mut |_| {})
    }

    /// `then`, telling `seen` about each step it matches (it stops at the first that fails).
    pub(super) fn then_seen(
        &self,
        steps: &'a [EventSet],
        last_negated: bool,
        user: u32,
        memo: Memo<'_>,
        seen: &mut dyn FnMut(StepSeen<'_>),
    ) -> bool {
        let positive = if last_negated {
            &steps[..steps.len() - 1]
        } else {
            steps
        };
        let mut previous: Option<i64> = None;
        for (i, set) in positive.iter().enumerate() {
            let found = self.matches(set, user, previous, memo);
            let table = &self.store.events[found.event];
            let pick = if last_negated && i + 1 == positive.len() {
                found.rows.last().copied()
            } else {
                found.rows.first().copied()
            };
            seen(StepSeen {
                index: i,
                found: &found,
                picked: pick,
            });
            match pick {
                Some(row) => previous = Some(table.ts[row]),
                None => return false,
            }
        }
        if !last_negated {
            return true;
        }
        let last = steps.last().expect("then has steps");
        let found = self.matches(last, user, previous, memo);
        seen(StepSeen {
            index: steps.len() - 1,
            found: &found,
            picked: None,
        });
        found.rows.is_empty()
    }

    pub(super) fn steps(&self, steps: &'a [EventSet], user: u32, memo: Memo<'_>) -> u32 {
        self.steps_seen(steps, user, memo, &mut |_| {})
    }

    /// `steps`, telling `seen` about each step it matches (it stops at the first not done).
    pub(super) fn steps_seen(
        &self,
        steps: &'a [EventSet],
        user: u32,
        memo: Memo<'_>,
        seen: &mut dyn FnMut(StepSeen<'_>),
    ) -> u32 {
        let mut previous: Option<i64> = None;
        let mut done = 0;
        for (index, set) in steps.iter().enumerate() {
            let found = self.matches(set, user, previous, memo);
            let picked = found.rows.first().copied();
            seen(StepSeen {
                index,
                found: &found,
                picked,
            });
            let Some(row) = picked else {
                break;
            };
            previous = Some(self.store.events[found.event].ts[row]);
            done += 1;
        }
        done
    }

    pub(super) fn changed(&self, changed: &'a Changed, ctx: Ctx, memo: Memo<'_>) -> bool {
        let Some((table, owner)) = self.attribute_owner(changed.scope, ctx.entity) else {
            return false;
        };
        let plain = Ctx {
            entity: ctx.entity,
            event: None,
        };
        let from = changed.from.as_deref().map(|e| self.eval(e, plain, memo));
        let to = changed.to.as_deref().map(|e| self.eval(e, plain, memo));
        let range = self.window_range(&changed.window, ctx.entity, memo);
        let Some((lo, hi)) = range else { return false };
        let column = &table.columns[changed.attribute];
        let mut previous = V::Missing;
        for row in table.rows(owner) {
            let ts = table.ts[row];
            if ts >= self.now {
                break;
            }
            if column.is_missing(row) {
                continue;
            }
            let value = self.column_value(column, row);
            let is_change = ts != crate::store::BEGINNING
                && order(&previous, &value) != Some(std::cmp::Ordering::Equal);
            if is_change
                && lo <= ts
                && ts < hi
                && Self::in_calendar(&changed.window, ts)
                && from
                    .as_ref()
                    .is_none_or(|f| order(&previous, f) == Some(std::cmp::Ordering::Equal))
                && to
                    .as_ref()
                    .is_none_or(|t| order(&value, t) == Some(std::cmp::Ordering::Equal))
            {
                return true;
            }
            previous = value;
        }
        false
    }
}

fn number(v: &V<'_>) -> f64 {
    match v {
        V::Num(n) => *n,
        _ => 0.0,
    }
}

/// The distinct values in ascending order, each with how often it occurs. (`top` scans them
/// from the largest down, so that `max_by_key`, which keeps the last maximum, settles a tie on
/// the smallest value.)
fn runs<'a>(values: impl Iterator<Item = V<'a>>) -> Vec<(V<'a>, usize)> {
    let mut sorted: Vec<V<'a>> = values.collect();
    sorted.sort_by(|a, b| order(a, b).unwrap_or(std::cmp::Ordering::Equal));
    let mut runs: Vec<(V<'a>, usize)> = Vec::new();
    for v in sorted {
        match runs.last_mut() {
            Some((last, n)) if order(last, &v) == Some(std::cmp::Ordering::Equal) => *n += 1,
            _ => runs.push((v, 1)),
        }
    }
    runs
}

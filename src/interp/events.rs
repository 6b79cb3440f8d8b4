//! Event sets and the forms over them: windows as ranges of a user's rows (binary search on
//! `ts`, always below `now`), `where` filters per row, the aggregates, `then` chains (greedy:
//! each step's earliest event after the previous step; under a final `then not`, the last
//! positive step takes its latest event, which leaves the fewest events after it), `steps`,
//! and `changed` over attribute history.

use super::{Ctx, Entity, Interpreter, Memo};
use crate::plan::value::{order, V};
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

/// What a chain's step looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The step takes a row: its earliest match, or its latest (the last positive step before
    /// a final `then not`, which leaves the fewest events after it).
    Take { latest: bool },
    /// A final `then not` step, which must find nothing.
    Absent,
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
    ) -> (
        Option<(i64, i64)>,
        impl DoubleEndedIterator<Item = usize> + 'm,
    ) {
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
        // The rows one by one: no list of them is kept.
        let (_, mut rows) = self.matching(&aggregate.set, user, None, memo);
        let table = &self.store.events[aggregate.set.event.0 as usize];
        let values = |rows| {
            let column =
                &table.columns[aggregate.property.expect("the checker requires a property")];
            Iterator::map(rows, move |r| self.column_value(column, r)).filter(V::is_set)
        };
        #[allow(clippy::cast_precision_loss)]
        let count = |n: usize| V::Num(n as f64);
        match (aggregate.function, aggregate.property) {
            (AggregateFn::Did, _) => V::Bool(rows.next().is_some()),
            (AggregateFn::Count, _) => count(rows.count()),
            (AggregateFn::Days, _) => {
                // Rows come in ts order, so one day's rows are together.
                let mut days = rows.map(|r| table.ts[r].div_euclid(MICROS_PER_DAY));
                let first = days.next();
                count(first.map_or(0, |first| {
                    1 + days
                        .scan(first, |last, day| {
                            let new = day != *last;
                            *last = day;
                            Some(new)
                        })
                        .filter(|&new| new)
                        .count()
                }))
            }
            (AggregateFn::First, None) => rows.next().map_or(V::Missing, |r| V::Ts(table.ts[r])),
            (AggregateFn::Last, None) => {
                rows.next_back().map_or(V::Missing, |r| V::Ts(table.ts[r]))
            }
            (AggregateFn::First, Some(_)) => values(rows).next().unwrap_or(V::Missing),
            (AggregateFn::Last, Some(_)) => values(rows).next_back().unwrap_or(V::Missing),
            (AggregateFn::Sum, _) => V::Num(values(rows).map(|v| number(&v)).sum()),
            (AggregateFn::Avg, _) => {
                let mut n = 0usize;
                let sum: f64 = values(rows)
                    .map(|v| {
                        n += 1;
                        number(&v)
                    })
                    .sum();
                #[allow(clippy::cast_precision_loss)]
                if n == 0 {
                    V::Missing
                } else {
                    V::Num(sum / n as f64)
                }
            }
            (AggregateFn::Min, _) => values(rows)
                .map(|v| number(&v))
                .reduce(f64::min)
                .map_or(V::Missing, V::Num),
            (AggregateFn::Max, _) => values(rows)
                .map(|v| number(&v))
                .reduce(f64::max)
                .map_or(V::Missing, V::Num),
            (AggregateFn::Distinct, _) => count(runs(values(rows)).len()),
            (AggregateFn::Top, _) => runs(values(rows))
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
        self.then_told(steps, last_negated, user, memo, None)
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
        self.then_told(steps, last_negated, user, memo, Some(seen))
    }

    fn then_told(
        &self,
        steps: &'a [EventSet],
        last_negated: bool,
        user: u32,
        memo: Memo<'_>,
        mut seen: Option<&mut dyn FnMut(StepSeen<'_>)>,
    ) -> bool {
        let positive = if last_negated {
            &steps[..steps.len() - 1]
        } else {
            steps
        };
        let mut previous: Option<i64> = None;
        for (i, set) in positive.iter().enumerate() {
            let latest = last_negated && i + 1 == positive.len();
            let step = Step::Take { latest };
            match self.step(set, user, previous, memo, (i, step), seen.as_deref_mut()) {
                Some(row) => previous = Some(self.store.events[set.event.0 as usize].ts[row]),
                None => return false,
            }
        }
        if !last_negated {
            return true;
        }
        let last = steps.last().expect("then has steps");
        let at = (steps.len() - 1, Step::Absent);
        self.step(last, user, previous, memo, at, seen).is_none()
    }

    pub(super) fn steps(&self, steps: &'a [EventSet], user: u32, memo: Memo<'_>) -> u32 {
        self.steps_told(steps, user, memo, None)
    }

    /// `steps`, telling `seen` about each step it matches (it stops at the first not done).
    pub(super) fn steps_seen(
        &self,
        steps: &'a [EventSet],
        user: u32,
        memo: Memo<'_>,
        seen: &mut dyn FnMut(StepSeen<'_>),
    ) -> u32 {
        self.steps_told(steps, user, memo, Some(seen))
    }

    fn steps_told(
        &self,
        steps: &'a [EventSet],
        user: u32,
        memo: Memo<'_>,
        mut seen: Option<&mut dyn FnMut(StepSeen<'_>)>,
    ) -> u32 {
        let mut previous: Option<i64> = None;
        let mut done = 0;
        for (index, set) in steps.iter().enumerate() {
            let at = (index, Step::Take { latest: false });
            let Some(row) = self.step(set, user, previous, memo, at, seen.as_deref_mut()) else {
                break;
            };
            previous = Some(self.store.events[set.event.0 as usize].ts[row]);
            done += 1;
        }
        done
    }

    /// One step of a chain: the row it takes among the events of `set` after `after` (the
    /// earliest, or the latest), or for [`Step::Absent`] any row found (the step fails when
    /// there is one). With `seen`, the search is listed whole and shown to it; without, it
    /// stops at the row wanted.
    fn step(
        &self,
        set: &'a EventSet,
        user: u32,
        after: Option<i64>,
        memo: Memo<'_>,
        (index, step): (usize, Step),
        seen: Option<&mut (dyn FnMut(StepSeen<'_>) + '_)>,
    ) -> Option<usize> {
        let latest = matches!(step, Step::Take { latest: true });
        let Some(seen) = seen else {
            let mut rows = self.matching(set, user, after, memo).1;
            return if latest {
                rows.next_back()
            } else {
                rows.next()
            };
        };
        let found = self.matches(set, user, after, memo);
        let row = if latest {
            found.rows.last().copied()
        } else {
            found.rows.first().copied()
        };
        seen(StepSeen {
            index,
            found: &found,
            picked: row.filter(|_| step != Step::Absent),
        });
        row
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

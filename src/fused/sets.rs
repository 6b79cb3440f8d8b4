//! Event sets in the fused program: each set's block inside its event type's loop (window,
//! calendar and `where` tests), the accumulators segments ask of it, and the forms built on
//! them (aggregates, `then` chains, `steps`).

use std::collections::HashMap;

use super::ir::{Bin, Cc, Helper, Op, Ty, Un, Var};
use super::lower::{Builder, Scope, Unsupported, Val, Vt, MISSING_INT};
use crate::plan::{Aggregate, AggregateFn, CalendarUnit, EventSet, Expr, ExprKind, Window};
use crate::time::MICROS_PER_DAY;

/// What an accumulator keeps for one event set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Acc {
    Count,
    FirstTs,
    LastTs,
    Sum(u32),
    SetCount(u32),
    Min(u32),
    Max(u32),
    First(u32),
    Last(u32),
    Days,
    Values(u32),
    Times,
}

/// One event set's block inside its event type's loop.
#[derive(Debug)]
pub(super) struct SetBlock {
    pub(super) event: u32,
    /// The round of loops the set's loop runs in (`Builder::round`).
    pub(super) round: u32,
    /// The loop's ts variable (shared by every set of the event type).
    pub(super) ts: Var,
    /// Computes `ok`, the row's membership in the set.
    pub(super) test: Vec<Op>,
    /// None when every row of the event type is in the set.
    pub(super) ok: Option<Var>,
    pub(super) updates: Vec<Op>,
    pub(super) accs: HashMap<Acc, Var>,
    /// Properties loaded at the top of `updates`.
    pub(super) loads: HashMap<u32, Val>,
}

impl Builder<'_> {
    /// Opens the block of an event set; returns its index.
    pub(super) fn set(&mut self, set: &EventSet) -> Result<usize, Unsupported> {
        let event = set.event.0;
        let round = self.round(set);
        // The window's bounds, before the set's round.
        let mut conds_before = Vec::new();
        let (bounds, _) = self.window_level(&set.window);
        let bounds = Self::at_level(bounds);
        let (lo, hi) = self.window_bounds(&set.window, bounds, &mut conds_before)?;
        let shared = self.sets.iter().find(|s| s.event == event).map(|s| s.ts);
        let ts = match shared {
            Some(ts) => ts,
            None => self.var(Ty::I64),
        };
        self.sets.push(SetBlock {
            event,
            round,
            ts,
            test: Vec::new(),
            ok: None,
            updates: Vec::new(),
            accs: HashMap::new(),
            loads: HashMap::new(),
        });
        let index = self.sets.len() - 1;
        let row = Scope::Row {
            event,
            ts,
            set: index,
        };
        let mut conds = conds_before;
        if lo.is_some() || hi.is_some() {
            let inside = self.var(Ty::I64);
            self.emit(
                row,
                Op::Window {
                    dst: inside,
                    ts,
                    lo,
                    hi,
                },
            );
            conds.push(inside);
        }
        if let Window::During(unit, values) = &set.window {
            let op = match unit {
                CalendarUnit::Months => Un::Month,
                CalendarUnit::Weekdays => Un::Weekday,
                CalendarUnit::Hours => Un::Hour,
            };
            let part = self.un(row, op, ts);
            let mut any = self.int(0);
            for &v in values {
                let c = self.int(i64::from(v));
                let eq = self.bin(row, Bin::ICmp(Cc::Eq), part, c);
                any = self.bin(row, Bin::Or, any, eq);
            }
            conds.push(any);
        }
        if let Some(filter) = &set.filter {
            // A failure leaves the block behind; the segment's rollback removes it.
            let v = self.expr(filter, row)?;
            conds.push(self.truthy(v, row));
        }
        if !conds.is_empty() {
            let ok = self.all(row, &conds);
            self.sets[index].ok = Some(ok);
        }
        Ok(index)
    }

    /// The window's `[lo, hi)` as variables computed before the loops (None: unbounded), with
    /// a validity condition pushed when a bound can be missing.
    pub(super) fn window_bounds(
        &mut self,
        window: &Window,
        scope: Scope,
        conds: &mut Vec<Var>,
    ) -> Result<(Option<Var>, Option<Var>), Unsupported> {
        let day_start = self.now.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
        let bound = |b: &mut Self, e: &Expr, conds: &mut Vec<Var>| -> Result<Var, Unsupported> {
            let v = b.expr(e, scope)?;
            if !matches!(&e.kind, ExprKind::Const(_) | ExprKind::Now) {
                conds.push(b.is_set(v, scope));
            }
            Ok(v.var)
        };
        Ok(match window {
            Window::All | Window::During(..) => (None, None),
            Window::Within(d) => {
                let d = bound(self, d, conds)?;
                let now = self.int(self.now);
                let lo = self.bin(scope, Bin::ISubChecked, now, d);
                (Some(lo), None)
            }
            Window::Today => (Some(self.int(day_start)), None),
            Window::Yesterday => (
                Some(self.int(day_start - MICROS_PER_DAY)),
                Some(self.int(day_start)),
            ),
            Window::Between(a, b) => (Some(bound(self, a, conds)?), Some(bound(self, b, conds)?)),
            Window::Before(a) => (None, Some(bound(self, a, conds)?)),
            Window::After(a) => (Some(bound(self, a, conds)?), None),
        })
    }

    /// The accumulator `acc` of set `set`, created on first use.
    pub(super) fn acc(&mut self, set: usize, acc: Acc) -> Var {
        if let Some(&v) = self.sets[set].accs.get(&acc) {
            return v;
        }
        let event = self.sets[set].event;
        let ts = self.sets[set].ts;
        let prop = |b: &mut Self, p: u32| -> Val {
            if let Some(&v) = b.sets[set].loads.get(&p) {
                return v;
            }
            let (v, load) = b.load_op(event, p);
            b.sets[set].updates.insert(0, load);
            b.sets[set].loads.insert(p, v);
            v
        };
        // Buffers are emptied for each user by the runner; they need no variable.
        match acc {
            Acc::Values(p) => {
                let v = prop(self, p);
                let set_v = self.var(Ty::I64);
                let buffer = self.buffer(event);
                let mut updates = self.set_test(v, set_v);
                updates.push(Op::If(set_v, vec![Op::Push(buffer, v.var)]));
                self.sets[set].updates.extend(updates);
                self.sets[set].accs.insert(acc, buffer);
                return buffer;
            }
            Acc::Times => {
                let buffer = self.buffer(event);
                self.sets[set].updates.push(Op::Push(buffer, ts));
                self.sets[set].accs.insert(acc, buffer);
                return buffer;
            }
            _ => {}
        }
        let (ty, init) = match acc {
            Acc::Count | Acc::SetCount(_) | Acc::Days => (Ty::I64, 0),
            Acc::Values(_) | Acc::Times => unreachable!("buffers are handled above"),
            Acc::FirstTs | Acc::LastTs => (Ty::I64, MISSING_INT),
            Acc::Sum(_) => (Ty::F64, 0f64.to_bits()),
            Acc::Min(_) | Acc::Max(_) => (Ty::F64, f64::NAN.to_bits()),
            Acc::First(p) | Acc::Last(p) => {
                let vt = prop(self, p).vt;
                (vt.ty(), vt.missing())
            }
        };
        let var = self.var(ty);
        self.before.push(Op::Const(var, init));
        let mut updates = Vec::new();
        match acc {
            Acc::Count => updates.push(Op::Inc(var)),
            Acc::FirstTs => {
                let missing = self.int(i64::MIN);
                let first = self.var(Ty::I64);
                updates.push(Op::Bin(Bin::ICmp(Cc::Eq), first, var, missing));
                updates.push(Op::If(first, vec![Op::Copy(var, ts)]));
            }
            Acc::LastTs => updates.push(Op::Copy(var, ts)),
            Acc::Sum(p) | Acc::SetCount(p) | Acc::Min(p) | Acc::Max(p) | Acc::Last(p) => {
                let v = prop(self, p);
                let set_v = self.var(Ty::I64);
                let inner = match acc {
                    Acc::Sum(_) => vec![Op::Bin(Bin::FAdd, var, var, v.var)],
                    Acc::SetCount(_) => vec![Op::Inc(var)],
                    Acc::Min(_) | Acc::Max(_) => {
                        let cc = if matches!(acc, Acc::Min(_)) {
                            Cc::Lt
                        } else {
                            Cc::Gt
                        };
                        let (better, empty, take) =
                            (self.var(Ty::I64), self.var(Ty::I64), self.var(Ty::I64));
                        let nonempty = self.var(Ty::I64);
                        vec![
                            Op::Bin(Bin::FCmp(cc), better, v.var, var),
                            Op::Un(Un::FIsSet, nonempty, var),
                            Op::Un(Un::NotTruthy, empty, nonempty),
                            Op::Bin(Bin::Or, take, better, empty),
                            Op::Select(var, take, v.var, var),
                        ]
                    }
                    _ => vec![Op::Copy(var, v.var)],
                };
                updates.extend(self.set_test(v, set_v));
                updates.push(Op::If(set_v, inner));
            }
            Acc::First(p) => {
                let v = prop(self, p);
                let set_v = self.var(Ty::I64);
                updates.extend(self.set_test(v, set_v));
                let empty_acc = self.var(Ty::I64);
                let fresh = self.var(Ty::I64);
                let missing = Val { var, vt: v.vt };
                updates.extend(self.set_test(missing, empty_acc));
                updates.push(Op::Un(Un::NotTruthy, empty_acc, empty_acc));
                updates.push(Op::Bin(Bin::And, fresh, set_v, empty_acc));
                updates.push(Op::If(fresh, vec![Op::Copy(var, v.var)]));
            }
            Acc::Days => {
                let last = self.var(Ty::I64);
                self.before.push(Op::Const(last, MISSING_INT));
                let (day, new) = (self.var(Ty::I64), self.var(Ty::I64));
                updates.push(Op::Un(Un::Day, day, ts));
                updates.push(Op::Bin(Bin::ICmp(Cc::Ne), new, day, last));
                updates.push(Op::If(new, vec![Op::Inc(var), Op::Copy(last, day)]));
            }
            Acc::Values(_) | Acc::Times => {}
        }
        self.sets[set].updates.extend(updates);
        self.sets[set].accs.insert(acc, var);
        var
    }

    /// Ops setting `dst` to 1 when `v` is present (reading constants made before the loops).
    pub(super) fn set_test(&mut self, v: Val, dst: Var) -> Vec<Op> {
        if v.vt == Vt::Num {
            return vec![Op::Un(Un::FIsSet, dst, v.var)];
        }
        let missing = self.constant(v.vt.missing(), Ty::I64);
        vec![Op::Bin(Bin::ICmp(Cc::Ne), dst, v.var, missing)]
    }

    pub(super) fn buffer(&mut self, event: u32) -> u32 {
        self.buffers.push(event);
        u32::try_from(self.buffers.len() - 1).expect("few buffers")
    }

    pub(super) fn helper(&mut self, helper: Helper) -> u32 {
        self.helpers.push(helper);
        u32::try_from(self.helpers.len() - 1).expect("few helpers")
    }

    pub(super) fn aggregate(
        &mut self,
        aggregate: &Aggregate,
        scope: Scope,
    ) -> Result<Val, Unsupported> {
        let scope = self.settle(scope, std::slice::from_ref(&aggregate.set));
        let set = self.set(&aggregate.set)?;
        let property = aggregate
            .property
            .map(|p| u32::try_from(p).expect("few properties"));
        let prop_vt = |b: &Self| {
            property.map(|p| {
                Vt::of_column(&b.store.events[aggregate.set.event.0 as usize].columns[p as usize]).0
            })
        };
        let num = |var| Val { var, vt: Vt::Num };
        Ok(match (aggregate.function, property) {
            (AggregateFn::Did, _) => {
                let count = self.acc(set, Acc::Count);
                let zero = self.int(0);
                Val {
                    var: self.bin(scope, Bin::ICmp(Cc::Gt), count, zero),
                    vt: Vt::Bool,
                }
            }
            (AggregateFn::Count, _) => {
                let count = self.acc(set, Acc::Count);
                num(self.un(scope, Un::IToF, count))
            }
            (AggregateFn::Days, _) => {
                let days = self.acc(set, Acc::Days);
                num(self.un(scope, Un::IToF, days))
            }
            (AggregateFn::First, None) => Val {
                var: self.acc(set, Acc::FirstTs),
                vt: Vt::Ts,
            },
            (AggregateFn::Last, None) => Val {
                var: self.acc(set, Acc::LastTs),
                vt: Vt::Ts,
            },
            (function, Some(p)) => {
                let vt = prop_vt(self).expect("a property");
                match function {
                    AggregateFn::Sum => num(self.acc(set, Acc::Sum(p))),
                    AggregateFn::Avg => {
                        let sum = self.acc(set, Acc::Sum(p));
                        let n = self.acc(set, Acc::SetCount(p));
                        let n = self.un(scope, Un::IToF, n);
                        num(self.bin(scope, Bin::FDivRaw, sum, n))
                    }
                    AggregateFn::Min => num(self.acc(set, Acc::Min(p))),
                    AggregateFn::Max => num(self.acc(set, Acc::Max(p))),
                    AggregateFn::First => Val {
                        var: self.acc(set, Acc::First(p)),
                        vt,
                    },
                    AggregateFn::Last => Val {
                        var: self.acc(set, Acc::Last(p)),
                        vt,
                    },
                    AggregateFn::Top | AggregateFn::Distinct => {
                        let buffer = self.acc(set, Acc::Values(p));
                        let kind = vt.kind();
                        let (helper, vt) = if function == AggregateFn::Top {
                            (Helper::Top { buffer, kind }, vt)
                        } else {
                            (Helper::Distinct { buffer, kind }, Vt::Num)
                        };
                        let helper = self.helper(helper);
                        let dst = self.var(vt.ty());
                        self.emit(scope, Op::Call(dst, helper, Vec::new()));
                        Val { var: dst, vt }
                    }
                    // Matched above whatever their property (the checker gives them none).
                    AggregateFn::Did | AggregateFn::Count | AggregateFn::Days => {
                        return Err(format!("`{function:?}` with a property"));
                    }
                }
            }
            (function, None) => {
                return Err(format!("`{function:?}` without a property"));
            }
        })
    }

    pub(super) fn chain_buffers(&mut self, steps: &[EventSet]) -> Result<Vec<u32>, Unsupported> {
        steps
            .iter()
            .map(|step| {
                let set = self.set(step)?;
                Ok(self.acc(set, Acc::Times))
            })
            .collect()
    }

    pub(super) fn then(
        &mut self,
        steps: &[EventSet],
        last_negated: bool,
        scope: Scope,
    ) -> Result<Var, Unsupported> {
        let scope = self.settle(scope, steps);
        match (steps, last_negated) {
            ([only], false) => {
                let set = self.set(only)?;
                let count = self.acc(set, Acc::Count);
                let zero = self.int(0);
                Ok(self.bin(scope, Bin::ICmp(Cc::Gt), count, zero))
            }
            ([positive, negative], true) => {
                // The positive step takes its latest event; no negative event may follow.
                let p = self.set(positive)?;
                let n = self.set(negative)?;
                let t = self.acc(p, Acc::LastTs);
                let after = self.acc(n, Acc::LastTs);
                let missing = self.int(i64::MIN);
                let found = self.bin(scope, Bin::ICmp(Cc::Ne), t, missing);
                let follows = self.bin(scope, Bin::ICmp(Cc::Gt), after, t);
                let clear = self.un(scope, Un::NotTruthy, follows);
                Ok(self.bin(scope, Bin::And, found, clear))
            }
            _ => {
                let buffers = self.chain_buffers(steps)?;
                let helper = self.helper(Helper::Then {
                    buffers,
                    last_negated,
                });
                let dst = self.var(Ty::I64);
                self.emit(scope, Op::Call(dst, helper, Vec::new()));
                Ok(dst)
            }
        }
    }
}

/// Rounds: which loops must finish before a value can be computed.
impl Builder<'_> {
    /// How many rounds of loops must finish before `e` can be computed: 0 for values known
    /// before any loop, one more than a set's round for its aggregates, at least 1 for a
    /// segment's verdict (segment bodies come after the first round).
    pub(super) fn level(&self, e: &Expr) -> u32 {
        match &e.kind {
            // Account level: the filter runs in the user program.
            ExprKind::Users { .. } => 0,
            ExprKind::SegmentRef(id) => self.levels.get(id).copied().unwrap_or(0).max(1),
            ExprKind::Aggregate(aggregate) => self.round(&aggregate.set) + 1,
            ExprKind::Then { steps, .. } | ExprKind::Steps(steps) => {
                steps.iter().map(|s| self.round(s) + 1).max().unwrap_or(0)
            }
            ExprKind::Changed(changed) => [&changed.from, &changed.to]
                .into_iter()
                .flatten()
                .map(|v| self.level(v))
                .chain([self.window_level(&changed.window).0])
                .max()
                .unwrap_or(0),
            _ => operands(e).map(|o| self.level(o)).max().unwrap_or(0),
        }
    }

    /// Whether `e` reads the current row (a property or `ts` of the set whose `where` it is
    /// in; nested sets read their own rows).
    pub(super) fn reads_row(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Property(_) | ExprKind::EventTs => true,
            ExprKind::SegmentRef(_)
            | ExprKind::Users { .. }
            | ExprKind::Aggregate(_)
            | ExprKind::Then { .. }
            | ExprKind::Steps(_)
            | ExprKind::Changed(_) => false,
            _ => operands(e).any(Self::reads_row),
        }
    }

    /// The round a set's loop runs in: after everything its window and `where` read.
    pub(super) fn round(&self, set: &EventSet) -> u32 {
        let filter = set.filter.as_deref().map_or(0, |f| self.level(f));
        filter.max(self.window_level(&set.window).0)
    }

    /// The level of a window's bounds, and whether it has any.
    pub(super) fn window_level(&self, window: &Window) -> (u32, bool) {
        match window {
            Window::All | Window::During(..) | Window::Today | Window::Yesterday => (0, false),
            Window::Within(a) | Window::Before(a) | Window::After(a) => (self.level(a), true),
            Window::Between(a, b) => (self.level(a).max(self.level(b)), true),
        }
    }

    /// Where a value of this level is computed outside any loop.
    pub(super) fn at_level(level: u32) -> Scope {
        match level {
            0 => Scope::Before,
            n => Scope::After(n - 1),
        }
    }

    /// Where a segment body (or a `users where` filter) is computed, and its level: after
    /// the round its last set loops in (after the first round, for a body without sets).
    pub(super) fn body_scope(&self, body: &Expr) -> (Scope, u32) {
        let level = self.level(body).max(1);
        (Scope::After(level - 1), level)
    }

    /// The scope for the final value of a form over `sets` asked for in `scope`: a form
    /// inside another set's `where` (or a window bound) is computed once, after its sets'
    /// round, not on every row.
    pub(super) fn settle(&self, scope: Scope, sets: &[EventSet]) -> Scope {
        match scope {
            Scope::After(_) => scope,
            Scope::Before | Scope::Row { .. } => {
                Scope::After(sets.iter().map(|s| self.round(s)).max().unwrap_or(0))
            }
        }
    }
}

/// The operands of a plain form: what a value computed from its operands alone reads (none
/// for leaves; event forms, `changed`, `users` and segment references are not plain and
/// have none here).
fn operands(e: &Expr) -> impl Iterator<Item = &Expr> {
    let (items, pair): (&[Expr], [Option<&Expr>; 2]) = match &e.kind {
        ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => (items, [None; 2]),
        ExprKind::Not(a)
        | ExprKind::Neg(a)
        | ExprKind::Matches(a, _)
        | ExprKind::Lower(a)
        | ExprKind::Len(a)
        | ExprKind::Bucket(a)
        | ExprKind::IsSet { expr: a, .. } => (&[], [Some(a), None]),
        ExprKind::Compare(_, a, b) | ExprKind::Arith(_, a, b) => (&[], [Some(a), Some(b)]),
        _ => (&[], [None; 2]),
    };
    items.iter().chain(pair.into_iter().flatten())
}

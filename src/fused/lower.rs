//! From the typed plan to the fused programs, for one store and one `now`.
//!
//! User segments are lowered in plan order into the user program. Their event sets become
//! blocks inside the loop of their event type (a window test, a calendar test and the `where`
//! filter, then the accumulator updates the segments need), and their bodies become
//! straight-line code over the accumulators, attribute snapshots and earlier segments. A set
//! whose `where` or window reads an aggregate or a segment loops in a later round, after
//! the value it reads is final (`sets.rs`). String comparisons against literals become
//! compares of dictionary codes, or lookups in tables computed once over the dictionary
//! (`strings.rs`). Account segments are lowered into the account program; each of their
//! `users where` filters becomes a hidden column of the user program. A segment whose
//! lowering fails (no form of a checked plan does, today) is left to the reference
//! interpreter with the reason recorded, and so is every segment that refers to one.

use std::collections::HashMap;

use regex::Regex;

use super::ir::{Bin, Cc, ChangedSpec, ColumnRef, Helper, Kind, Op, Ty, Un, Var, Width};
use super::program::{Program, Programs, SnapshotKey};
use super::sets::SetBlock;
use crate::plan::{
    AttrScope, Changed, Expr, ExprKind, Plan, Quantifier, SegmentId, Target, Type, Value, Window,
};
use crate::store::{Column, Store, MISSING_STRING};

pub(super) const MISSING_INT: u64 = i64::MIN.cast_unsigned();
const MISSING_BOOL: u64 = 2;
const MISSING_CODE: u64 = MISSING_STRING as u64;

/// Why a form is left to the reference interpreter.
pub(super) type Unsupported = String;

/// The type of a lowered value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Vt {
    Num,
    Bool,
    Ts,
    Dur,
    Str,
}

impl Vt {
    pub(super) fn of(ty: &Type) -> Result<Vt, Unsupported> {
        Ok(match ty {
            Type::Bool => Vt::Bool,
            Type::Number => Vt::Num,
            Type::String => Vt::Str,
            Type::Timestamp => Vt::Ts,
            Type::Duration => Vt::Dur,
            other => return Err(format!("a value of type {}", other.name())),
        })
    }

    pub(super) fn of_column(column: &Column) -> (Vt, Width) {
        match column {
            Column::Number(_) => (Vt::Num, Width::W64),
            Column::Bool(_) => (Vt::Bool, Width::W8),
            Column::Timestamp(_) => (Vt::Ts, Width::W64),
            Column::String(_) => (Vt::Str, Width::W32),
        }
    }

    pub(super) fn ty(self) -> Ty {
        if self == Vt::Num {
            Ty::F64
        } else {
            Ty::I64
        }
    }

    pub(super) fn missing(self) -> u64 {
        match self {
            Vt::Num => f64::NAN.to_bits(),
            Vt::Bool => MISSING_BOOL,
            Vt::Ts | Vt::Dur => MISSING_INT,
            Vt::Str => MISSING_CODE,
        }
    }

    pub(super) fn kind(self) -> Kind {
        match self {
            Vt::Num => Kind::Number,
            Vt::Bool => Kind::Bool,
            Vt::Ts | Vt::Dur => Kind::Int,
            Vt::Str => Kind::String,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Val {
    pub(super) var: Var,
    pub(super) vt: Vt,
}

/// Where an expression is lowered.
///
/// The event loops run in rounds: an event set whose `where` or window reads an aggregate
/// (or a segment) loops in a later round than the sets that value needs, so the value is
/// final before the set's first row. Most programs have one round.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope {
    /// Before any loop (accumulators set up, window bounds that read no aggregate).
    Before,
    /// Inside the test of set `set`, for a row of its event type: the loop's `ts` variable.
    Row { event: u32, ts: Var, set: usize },
    /// After the loops of rounds `0..=k` (segment bodies, aggregates' final values).
    After(u32),
}

#[derive(Debug)]
pub(super) struct Builder<'s> {
    pub(super) store: &'s Store,
    pub(super) now: i64,
    pub(super) vars: Vec<Ty>,
    pub(super) before: Vec<Op>,
    pub(super) sets: Vec<SetBlock>,
    /// The ops after each round of loops.
    pub(super) after: Vec<Vec<Op>>,
    pub(super) columns: Vec<ColumnRef>,
    pub(super) snapshot_keys: Vec<SnapshotKey>,
    /// The lists `SnapshotKey::Listed` names (a rolled-back segment may leave one unused).
    pub(super) lists: Vec<std::sync::Arc<crate::plan::List>>,
    pub(super) tables: Vec<Vec<u8>>,
    pub(super) maps: Vec<Vec<u64>>,
    pub(super) buffers: Vec<u32>,
    pub(super) helpers: Vec<Helper>,
    /// Literals absent from the dictionary, with the fresh codes they were given.
    pub(super) fresh: HashMap<String, u32>,
    /// The membership variable of each segment lowered so far.
    pub(super) members: HashMap<SegmentId, Var>,
    /// The level (`Builder::level`) of each segment lowered so far.
    pub(super) levels: HashMap<SegmentId, u32>,
    pub(super) consts: HashMap<u64, Var>,
    /// Variables that hold the same constant for every user.
    pub(super) constants: Vec<(Var, u64)>,
    /// Variables that hold a definite 0 or 1 (comparisons, `and`, `or`, `not`).
    pub(super) definite: std::collections::HashSet<Var>,
    /// The value of each constant variable.
    pub(super) known: HashMap<Var, u64>,
    pub(super) regexes: HashMap<String, Regex>,
    /// In the account program: the `users where` filters met so far, each lowered into a
    /// hidden column of the user program.
    pub(super) filters: Vec<Expr>,
}

/// Lowers every segment of `plan` it can: user segments into the user program, account
/// segments into the account program (their `users where` filters into hidden columns of
/// the user program). The rest are listed in each program's `fallback`.
#[must_use]
pub fn lower(plan: &Plan, store: &Store, now: i64) -> Programs {
    let mut users = Builder::new(store, now);
    let mut slots = Vec::new();
    let mut fallback = Vec::new();
    let ids = (0..plan.segments.len())
        .map(|i| SegmentId(u32::try_from(i).expect("fewer than 2^32 segments")));
    for (id, segment) in ids.clone().zip(&plan.segments) {
        if segment.target == Target::Account {
            continue;
        }
        let mark = users.mark();
        let (scope, level) = users.body_scope(&segment.body);
        match users.expr(&segment.body, scope) {
            Ok(value) => {
                let member = users.truthy(value, scope);
                let slot = u32::try_from(slots.len()).expect("fewer than 2^32 segments");
                users.emit(scope, Op::Member(slot, member));
                users.members.insert(id, member);
                users.levels.insert(id, level);
                slots.push(id);
            }
            Err(reason) => {
                users.rollback(&mark);
                fallback.push((id, reason));
            }
        }
    }
    let first_filter = u32::try_from(slots.len()).expect("fewer than 2^32 segments");
    let mut accounts = Builder::new(store, now);
    let mut account_slots = Vec::new();
    let mut account_fallback = Vec::new();
    for (id, segment) in ids.zip(&plan.segments) {
        if segment.target != Target::Account {
            continue;
        }
        let (user_mark, account_mark) = (users.mark(), accounts.mark());
        let (scope, _) = accounts.body_scope(&segment.body);
        let lowered = accounts.expr(&segment.body, scope).and_then(|value| {
            // The filters this segment added, each a hidden column of the user program.
            for (k, filter) in accounts
                .filters
                .iter()
                .enumerate()
                .skip(account_mark.filters)
            {
                let (at, _) = users.body_scope(filter);
                let value = users.expr(filter, at)?;
                let pass = users.truthy(value, at);
                let column = first_filter + u32::try_from(k).expect("few filters");
                users.emit(at, Op::Member(column, pass));
            }
            Ok(value)
        });
        match lowered {
            Ok(value) => {
                let member = accounts.truthy(value, scope);
                let slot = u32::try_from(account_slots.len()).expect("fewer than 2^32 segments");
                accounts.emit(scope, Op::Member(slot, member));
                accounts.members.insert(id, member);
                account_slots.push(id);
            }
            Err(reason) => {
                users.rollback(&user_mark);
                accounts.rollback(&account_mark);
                account_fallback.push((id, reason));
            }
        }
    }
    let filters = accounts.filters.len();
    let mut users = users.finish(Target::User, slots, fallback);
    users.filters = filters;
    let mut accounts = accounts.finish(Target::Account, account_slots, account_fallback);
    for key in &mut accounts.snapshot_keys {
        if let SnapshotKey::Users(Some(column)) = key {
            *column += first_filter;
        }
    }
    Programs { users, accounts }
}

/// The lengths of everything a segment's lowering appends to, to undo a failed one.
struct Mark {
    vars: usize,
    before: usize,
    after: Vec<usize>,
    sets: usize,
    columns: usize,
    snapshot_keys: usize,
    tables: usize,
    maps: usize,
    buffers: usize,
    helpers: usize,
    constants: usize,
    filters: usize,
}

impl<'s> Builder<'s> {
    pub(super) fn new(store: &'s Store, now: i64) -> Self {
        Builder {
            store,
            now,
            vars: Vec::new(),
            before: Vec::new(),
            sets: Vec::new(),
            after: Vec::new(),
            columns: Vec::new(),
            snapshot_keys: Vec::new(),
            lists: Vec::new(),
            tables: Vec::new(),
            maps: Vec::new(),
            buffers: Vec::new(),
            helpers: Vec::new(),
            fresh: HashMap::new(),
            members: HashMap::new(),
            levels: HashMap::new(),
            consts: HashMap::new(),
            constants: Vec::new(),
            definite: std::collections::HashSet::new(),
            known: HashMap::new(),
            regexes: HashMap::new(),
            filters: Vec::new(),
        }
    }

    /// Where the program stands before a segment is lowered. A segment's lowering only
    /// appends (its event sets are its own), so cutting back to the mark undoes it.
    fn mark(&self) -> Mark {
        Mark {
            vars: self.vars.len(),
            before: self.before.len(),
            after: self.after.iter().map(Vec::len).collect(),
            sets: self.sets.len(),
            columns: self.columns.len(),
            snapshot_keys: self.snapshot_keys.len(),
            tables: self.tables.len(),
            maps: self.maps.len(),
            buffers: self.buffers.len(),
            helpers: self.helpers.len(),
            constants: self.constants.len(),
            filters: self.filters.len(),
        }
    }

    fn rollback(&mut self, mark: &Mark) {
        self.vars.truncate(mark.vars);
        self.before.truncate(mark.before);
        self.after.truncate(mark.after.len());
        for (ops, &len) in self.after.iter_mut().zip(&mark.after) {
            ops.truncate(len);
        }
        self.sets.truncate(mark.sets);
        self.columns.truncate(mark.columns);
        self.snapshot_keys.truncate(mark.snapshot_keys);
        self.tables.truncate(mark.tables);
        self.maps.truncate(mark.maps);
        self.buffers.truncate(mark.buffers);
        self.helpers.truncate(mark.helpers);
        self.filters.truncate(mark.filters);
        for (var, bits) in self.constants.drain(mark.constants..) {
            self.known.remove(&var);
            if self.consts.get(&bits) == Some(&var) {
                self.consts.remove(&bits);
            }
        }
        self.definite.retain(|&v| (v as usize) < mark.vars);
    }

    pub(super) fn finish(
        self,
        target: Target,
        slots: Vec<SegmentId>,
        fallback: Vec<(SegmentId, String)>,
    ) -> Program {
        let mut ops = group_inits(self.before);
        let mut events: Vec<u32> = self.sets.iter().map(|s| s.event).collect();
        events.sort_unstable();
        events.dedup();
        let rounds = self.sets.iter().map(|s| s.round + 1).max().unwrap_or(0);
        let mut sets = self.sets;
        let mut after = self.after;
        after.resize_with(after.len().max(rounds as usize), Vec::new);
        for (round, after) in (0..).zip(after) {
            for &event in &events {
                let mut body = Vec::new();
                let mut ts = None;
                for set in sets
                    .iter_mut()
                    .filter(|s| s.event == event && s.round == round)
                {
                    ts = Some(set.ts);
                    body.append(&mut set.test);
                    let updates = std::mem::take(&mut set.updates);
                    match set.ok {
                        _ if updates.is_empty() => {}
                        Some(ok) => body.push(Op::If(ok, updates)),
                        None => body.extend(updates),
                    }
                }
                if let Some(ts) = ts {
                    ops.push(Op::Rows { event, ts, body });
                }
            }
            ops.extend(after);
        }
        let needs_ranks = self.helpers.iter().any(|h| {
            matches!(
                h,
                Helper::Top {
                    kind: Kind::String,
                    ..
                }
            )
        });
        let mut fresh: Vec<(u32, String)> = self.fresh.into_iter().map(|(s, c)| (c, s)).collect();
        fresh.sort_unstable();
        Program {
            fresh_strings: fresh.into_iter().map(|(_, s)| s).collect(),
            target,
            filters: 0,
            needs_ranks,
            ops,
            constants: self.constants,
            vars: self.vars,
            columns: self.columns,
            snapshot_keys: self.snapshot_keys,
            lists: self.lists,
            tables: self.tables,
            maps: self.maps,
            buffers: self.buffers,
            helpers: self.helpers,
            slots,
            fallback,
            events,
        }
    }

    pub(super) fn var(&mut self, ty: Ty) -> Var {
        self.vars.push(ty);
        Var::try_from(self.vars.len() - 1).expect("fewer than 2^32 variables")
    }

    /// A variable holding a constant, set once before the loops.
    pub(super) fn constant(&mut self, bits: u64, ty: Ty) -> Var {
        if let Some(&v) = self.consts.get(&bits) {
            if self.vars[v as usize] == ty {
                return v;
            }
        }
        let v = self.var(ty);
        self.constants.push((v, bits));
        self.known.insert(v, bits);
        self.consts.insert(bits, v);
        v
    }

    pub(super) fn int(&mut self, n: i64) -> Var {
        self.constant(n.cast_unsigned(), Ty::I64)
    }

    pub(super) fn ops(&mut self, scope: Scope) -> &mut Vec<Op> {
        match scope {
            Scope::Before => &mut self.before,
            Scope::Row { set, .. } => &mut self.sets[set].test,
            Scope::After(round) => {
                let round = round as usize;
                if self.after.len() <= round {
                    self.after.resize_with(round + 1, Vec::new);
                }
                &mut self.after[round]
            }
        }
    }

    /// Where a per-user value `e` (reading no row) is computed when it is asked for inside a
    /// row's test: once, outside the loops, as soon as what it reads is final.
    fn hoist(&self, scope: Scope, e: &Expr) -> Scope {
        match scope {
            Scope::Row { .. } if !Self::reads_row(e) => Self::at_level(self.level(e)),
            other => other,
        }
    }

    pub(super) fn emit(&mut self, scope: Scope, op: Op) {
        self.ops(scope).push(op);
    }

    pub(super) fn un(&mut self, scope: Scope, op: Un, a: Var) -> Var {
        let ty = match op {
            Un::FNeg | Un::IToF | Un::FFinite | Un::DurToF => Ty::F64,
            _ => Ty::I64,
        };
        let dst = self.var(ty);
        self.emit(scope, Op::Un(op, dst, a));
        if matches!(op, Un::Truthy | Un::NotTruthy | Un::FIsSet) {
            self.definite.insert(dst);
        }
        dst
    }

    pub(super) fn bin(&mut self, scope: Scope, op: Bin, a: Var, b: Var) -> Var {
        let ty = match op {
            Bin::FAdd | Bin::FSub | Bin::FMul | Bin::FDiv | Bin::FDivRaw => Ty::F64,
            _ => Ty::I64,
        };
        let dst = self.var(ty);
        self.emit(scope, Op::Bin(op, dst, a, b));
        if matches!(op, Bin::ICmp(_) | Bin::FCmp(_) | Bin::And | Bin::Or) {
            self.definite.insert(dst);
        }
        dst
    }

    /// A variable that holds the same known value for every user.
    pub(super) fn known(&self, var: Var) -> Option<u64> {
        self.known.get(&var).copied()
    }

    pub(super) fn truthy(&mut self, value: Val, scope: Scope) -> Var {
        // A comparison's 0 or 1, or a known 0 or 1, is its own verdict.
        if self.definite.contains(&value.var) || matches!(self.known(value.var), Some(0 | 1)) {
            return value.var;
        }
        self.un(scope, Un::Truthy, value.var)
    }

    /// 1 when the value is present.
    pub(super) fn is_set(&mut self, value: Val, scope: Scope) -> Var {
        if value.vt == Vt::Num {
            return self.un(scope, Un::FIsSet, value.var);
        }
        let missing = self.constant(value.vt.missing(), Ty::I64);
        self.bin(scope, Bin::ICmp(Cc::Ne), value.var, missing)
    }

    pub(super) fn all(&mut self, scope: Scope, conds: &[Var]) -> Var {
        let mut acc = conds[0];
        for &c in &conds[1..] {
            acc = self.bin(scope, Bin::And, acc, c);
        }
        acc
    }

    pub(super) fn string_code(&mut self, s: &str) -> u64 {
        if let Some(code) = self.store.strings.code(s) {
            return u64::from(code);
        }
        let next = u32::try_from(self.store.strings.len() + self.fresh.len())
            .expect("fewer than 2^32 strings");
        u64::from(*self.fresh.entry(s.to_string()).or_insert(next))
    }

    pub(super) fn value(&mut self, value: &Value) -> Result<Val, Unsupported> {
        let (bits, vt) = match value {
            Value::Bool(b) => (u64::from(*b), Vt::Bool),
            Value::Number(n) => (n.to_bits(), Vt::Num),
            Value::String(s) => (self.string_code(s), Vt::Str),
            Value::Timestamp(t) => (t.cast_unsigned(), Vt::Ts),
            Value::Duration(d) => (d.cast_unsigned(), Vt::Dur),
            Value::List(_) => return Err("a list outside `in`".into()),
        };
        Ok(Val {
            var: self.constant(bits, vt.ty()),
            vt,
        })
    }

    pub(super) fn expr(&mut self, e: &Expr, scope: Scope) -> Result<Val, Unsupported> {
        let bool_of = |var| Val { var, vt: Vt::Bool };
        Ok(match &e.kind {
            ExprKind::Const(value) => self.value(value)?,
            ExprKind::Now => Val {
                var: self.int(self.now),
                vt: Vt::Ts,
            },
            ExprKind::List(_) => return Err("a list outside `in`".into()),
            ExprKind::Property(index) => {
                let Scope::Row { event, .. } = scope else {
                    unreachable!("the checker allows properties only inside `where`")
                };
                self.load(event, u32::try_from(*index).expect("few properties"), scope)
            }
            ExprKind::EventTs => {
                let Scope::Row { ts, .. } = scope else {
                    unreachable!("the checker allows `ts` only inside `where`")
                };
                Val {
                    var: ts,
                    vt: Vt::Ts,
                }
            }
            ExprKind::Attribute(attr_scope, index) => self.attribute(*attr_scope, *index, scope),
            // `level` puts the reference after the segment's own round.
            ExprKind::SegmentRef(id) => match self.members.get(id) {
                Some(&var) => bool_of(var),
                None => return Err("a reference to a segment left to the interpreter".into()),
            },
            ExprKind::Not(inner) => {
                let v = self.expr(inner, scope)?;
                bool_of(self.un(scope, Un::NotTruthy, v.var))
            }
            ExprKind::Neg(inner) => {
                let v = self.expr(inner, scope)?;
                let op = if v.vt == Vt::Num { Un::FNeg } else { Un::INeg };
                Val {
                    var: self.un(scope, op, v.var),
                    vt: v.vt,
                }
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                let op = if matches!(e.kind, ExprKind::And(_)) {
                    Bin::And
                } else {
                    Bin::Or
                };
                let mut acc = None;
                for item in items {
                    let v = self.expr(item, scope)?;
                    let t = self.truthy(v, scope);
                    acc = Some(match acc {
                        None => t,
                        Some(a) => self.bin(scope, op, a, t),
                    });
                }
                bool_of(acc.expect("and/or has operands"))
            }
            ExprKind::Compare(op, a, b) => bool_of(self.compare(*op, a, b, scope)?),
            ExprKind::Matches(inner, pattern) => {
                let regex = if let Some(r) = self.regexes.get(pattern) {
                    r.clone()
                } else {
                    let r = Regex::new(pattern).map_err(|e| e.to_string())?;
                    self.regexes.insert(pattern.clone(), r.clone());
                    r
                };
                let v = self.expr(inner, scope)?;
                bool_of(self.table(v, scope, |s| regex.is_match(s)))
            }
            ExprKind::Arith(op, a, b) => self.arith(*op, a, b, scope)?,
            ExprKind::IsSet { negated, expr } => {
                let v = self.expr(expr, scope)?;
                let set = self.is_set(v, scope);
                if *negated {
                    bool_of(self.un(scope, Un::NotTruthy, set))
                } else {
                    bool_of(set)
                }
            }
            ExprKind::Aggregate(aggregate) => self.aggregate(aggregate, scope)?,
            ExprKind::Then {
                steps,
                last_negated,
            } => bool_of(self.then(steps, *last_negated, scope)?),
            ExprKind::Steps(steps) => {
                let scope = self.settle(scope, steps);
                let buffers = self.chain_buffers(steps)?;
                let helper = self.helper(Helper::Steps { buffers });
                let dst = self.var(Ty::F64);
                self.emit(scope, Op::Call(dst, helper, Vec::new()));
                Val {
                    var: dst,
                    vt: Vt::Num,
                }
            }
            ExprKind::Changed(changed) => {
                let at = self.hoist(scope, e);
                let (spec, args) = self.changed(changed, at)?;
                let helper = self.helper(Helper::Changed(spec));
                let dst = self.var(Ty::I64);
                self.emit(at, Op::Call(dst, helper, args));
                bool_of(dst)
            }
            ExprKind::Users { quantifier, filter } => {
                self.users(*quantifier, filter.as_deref(), scope)
            }
            ExprKind::Lower(inner) | ExprKind::Len(inner) => {
                self.string_function(e, inner, scope)?
            }
            ExprKind::Listed(list) => {
                let at = self.hoist(scope, e);
                let known = self
                    .lists
                    .iter()
                    .position(|l| std::sync::Arc::ptr_eq(l, list));
                let i = known.unwrap_or_else(|| {
                    self.lists.push(list.clone());
                    self.lists.len() - 1
                });
                let key = SnapshotKey::Listed(u32::try_from(i).expect("fewer than 2^32 lists"));
                bool_of(self.snapshot(key, Ty::I64, at))
            }
            ExprKind::Bucket(salt) => {
                let at = self.hoist(scope, e);
                let salt = self.expr(salt, at)?;
                let helper = self.helper(Helper::Bucket);
                let dst = self.var(Ty::F64);
                self.emit(at, Op::Call(dst, helper, vec![salt.var]));
                Val {
                    var: dst,
                    vt: Vt::Num,
                }
            }
        })
    }

    /// A `changed`: its fixed part, and its arguments `[from, to, lo, hi, ok]` computed in
    /// `scope`.
    pub(super) fn changed(
        &mut self,
        changed: &Changed,
        scope: Scope,
    ) -> Result<(ChangedSpec, Vec<Var>), Unsupported> {
        let table = match changed.scope {
            AttrScope::Profile => &self.store.profiles,
            AttrScope::Account => &self.store.account_rows,
        };
        let vt = Vt::of_column(&table.columns[changed.attribute]).0;
        let value = |b: &mut Self, e: &Option<Box<Expr>>| -> Result<Var, Unsupported> {
            match e.as_deref() {
                None => Ok(b.constant(vt.missing(), vt.ty())),
                Some(e) => Ok(b.expr(e, scope)?.var),
            }
        };
        let from = value(self, &changed.from)?;
        let to = value(self, &changed.to)?;
        let mut conds = Vec::new();
        let (lo, hi) = self.window_bounds(&changed.window, scope, &mut conds)?;
        let lo = lo.unwrap_or_else(|| self.int(i64::MIN));
        let hi = hi.unwrap_or_else(|| self.int(self.now));
        let ok = if conds.is_empty() {
            self.int(1)
        } else {
            self.all(scope, &conds)
        };
        let calendar = match &changed.window {
            Window::During(unit, values) => Some((*unit, values.clone())),
            _ => None,
        };
        let spec = ChangedSpec {
            scope: changed.scope,
            attribute: changed.attribute,
            kind: vt.kind(),
            has_from: changed.from.is_some(),
            has_to: changed.to.is_some(),
            calendar,
        };
        Ok((spec, vec![from, to, lo, hi, ok]))
    }

    pub(super) fn load(&mut self, event: u32, property: u32, scope: Scope) -> Val {
        let (v, load) = self.load_op(event, property);
        self.emit(scope, load);
        v
    }

    /// A fresh variable and the op that loads a property of the current row into it.
    pub(super) fn load_op(&mut self, event: u32, property: u32) -> (Val, Op) {
        let column = &self.store.events[event as usize].columns[property as usize];
        let (vt, width) = Vt::of_column(column);
        let index = index_of(&mut self.columns, ColumnRef { event, property });
        let var = self.var(vt.ty());
        (Val { var, vt }, Op::Load(var, index, width))
    }

    pub(super) fn attribute(&mut self, scope: AttrScope, index: usize, at: Scope) -> Val {
        let table = match scope {
            AttrScope::Profile => &self.store.profiles,
            AttrScope::Account => &self.store.account_rows,
        };
        let (vt, _) = Vt::of_column(&table.columns[index]);
        let var = self.snapshot(SnapshotKey::Attr(scope, index), vt.ty(), at);
        Val { var, vt }
    }

    fn snapshot(&mut self, key: SnapshotKey, ty: Ty, at: Scope) -> Var {
        let i = index_of(&mut self.snapshot_keys, key);
        let var = self.var(ty);
        self.emit(at, Op::Snapshot(var, i));
        var
    }

    /// `count(users [where F])`, `any(users where F)`, `all(users where F)` in an account
    /// segment: the count of users passing F comes from a hidden column of the user program.
    fn users(&mut self, quantifier: Quantifier, filter: Option<&Expr>, scope: Scope) -> Val {
        let column = filter.map(|f| {
            self.filters.push(f.clone());
            u32::try_from(self.filters.len() - 1).expect("few filters")
        });
        // Columns are numbered from the first filter here; `lower` shifts them past the
        // user program's segment columns.
        let passing = self.snapshot(SnapshotKey::Users(column), Ty::F64, scope);
        let zero = self.constant(0f64.to_bits(), Ty::F64);
        match quantifier {
            Quantifier::Count => Val {
                var: passing,
                vt: Vt::Num,
            },
            Quantifier::Any => Val {
                var: self.bin(scope, Bin::FCmp(Cc::Gt), passing, zero),
                vt: Vt::Bool,
            },
            Quantifier::All => {
                let all = self.snapshot(SnapshotKey::Users(None), Ty::F64, scope);
                Val {
                    var: self.bin(scope, Bin::FCmp(Cc::Eq), passing, all),
                    vt: Vt::Bool,
                }
            }
        }
    }
}

/// The position of `item` in `list`, appended if absent.
fn index_of<T: PartialEq>(list: &mut Vec<T>, item: T) -> u32 {
    let index = list.iter().position(|x| *x == item).unwrap_or_else(|| {
        list.push(item);
        list.len() - 1
    });
    u32::try_from(index).expect("fewer than 2^32 entries")
}

/// Runs of `Const` ops (accumulators set up for each user) become one `Init`.
fn group_inits(ops: Vec<Op>) -> Vec<Op> {
    let mut grouped: Vec<Op> = Vec::new();
    for op in ops {
        match (op, grouped.last_mut()) {
            (Op::Const(v, bits), Some(Op::Init(values))) => values.push((v, bits)),
            (Op::Const(v, bits), _) => grouped.push(Op::Init(vec![(v, bits)])),
            (op, _) => grouped.push(op),
        }
    }
    grouped
}

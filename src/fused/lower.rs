//! From the typed plan to the fused program, for one store and one `now`.
//!
//! Each user segment is lowered in plan order. Its event sets become blocks inside the loop
//! of their event type (a window test, a calendar test and the `where` filter, then the
//! accumulator updates the segment needs), and its body becomes straight-line code over the
//! accumulators, attribute snapshots and earlier segments. String comparisons against
//! literals become compares of dictionary codes, or lookups in tables computed once over the
//! dictionary (`contains`, `matches`, ordering). A segment with a form the program does not
//! cover is left to the reference interpreter, with the reason recorded; so is every
//! segment that refers to one.

use std::collections::HashMap;

use regex::Regex;

use super::ir::{Bin, Cc, ChangedSpec, ColumnRef, Helper, Kind, Op, Ty, Un, Var, Width};
use super::sets::SetBlock;
use crate::plan::{
    ArithOp, AttrScope, Changed, CompareOp, Expr, ExprKind, Plan, Quantifier, SegmentId, Target,
    Type, Value, Window,
};
use crate::store::{Column, Store, Table, MISSING_STRING};
use crate::time::MICROS_PER_DAY;

pub(super) const MISSING_INT: u64 = i64::MIN.cast_unsigned();
const MISSING_BOOL: u64 = 2;
const MISSING_CODE: u64 = MISSING_STRING as u64;

/// The two fused programs of a plan: one run per user, then one run per account.
#[derive(Debug, Clone)]
pub struct Programs {
    /// User segments, and one hidden output column per `users where` filter of an account
    /// segment (after the segments' columns).
    pub users: Program,
    /// Account segments, reading how many of each account's users pass each filter.
    pub accounts: Program,
}

/// A per-entity value a program reads with `Op::Snapshot`, computed for each evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotKey {
    /// An attribute's value as of `now`: the user's profile or account in a user program,
    /// the account itself in an account program.
    Attr(AttrScope, usize),
    /// In an account program: how many of the account's users (as of `now`) have a 1 in
    /// this output column of the user program, or how many users it has at all (`None`),
    /// as an f64.
    Users(Option<u32>),
}

/// The fused program and the data it reads besides the store.
#[derive(Debug, Clone)]
pub struct Program {
    /// Whose program it is: run once per user or once per account.
    pub target: Target,
    /// The work for one entity.
    pub ops: Vec<Op>,
    /// Variables that hold the same value for every user, set before the first.
    pub constants: Vec<(Var, u64)>,
    pub vars: Vec<Ty>,
    /// The columns `Load` reads.
    pub columns: Vec<ColumnRef>,
    /// The per-entity values the program reads (`Data::snapshots`).
    pub snapshot_keys: Vec<SnapshotKey>,
    /// Predicates over dictionary codes.
    pub tables: Vec<Vec<u8>>,
    /// Functions of dictionary codes (`lower`, `len`), as raw values.
    pub maps: Vec<Vec<u64>>,
    /// Whether `top` over strings needs `Data::ranks`.
    pub needs_ranks: bool,
    /// The event type of each buffer (a buffer never holds more than a user's rows of it).
    pub buffers: Vec<u32>,
    pub helpers: Vec<Helper>,
    /// The segment of each output column.
    pub slots: Vec<SegmentId>,
    /// Hidden output columns after the segments' (the `users where` filters of account
    /// segments, in a user program).
    pub filters: usize,
    /// Segments the program leaves to the reference interpreter, with the reason.
    pub fallback: Vec<(SegmentId, String)>,
    /// The event types the program loops over.
    pub events: Vec<u32>,
}

/// What a program reads besides the store, computed for each evaluation (it depends on the
/// data and on `now`): attribute snapshots and string ranks.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// One value per entity, per `Program::snapshot_keys`.
    pub snapshots: Vec<Vec<u64>>,
    /// Each dictionary code's rank in byte order (empty unless `top` over strings needs it).
    pub ranks: Vec<u32>,
}

/// The output of a user program: `rows[user * width + column]`.
#[derive(Debug, Clone, Copy)]
pub struct UserRows<'a> {
    pub rows: &'a [u8],
    pub width: usize,
}

impl Program {
    /// Computes the data the program reads for this store and `now`; an account program
    /// also reads the user program's output.
    #[must_use]
    pub fn data(&self, store: &Store, now: i64, users: UserRows<'_>) -> Data {
        use rayon::prelude::*;
        let owners: Vec<Option<u32>> = if self
            .snapshot_keys
            .iter()
            .any(|k| matches!(k, SnapshotKey::Users(_)))
        {
            (0..u32::try_from(store.users.len()).expect("fewer than 2^32 users"))
                .into_par_iter()
                .map(|u| store.account_of(u, now))
                .collect()
        } else {
            Vec::new()
        };
        let snapshots = self
            .snapshot_keys
            .par_iter()
            .map(|&key| match key {
                SnapshotKey::Attr(scope, index) => snapshot(store, self.target, scope, index, now),
                SnapshotKey::Users(column) => user_counts(store, &owners, users, column),
            })
            .collect();
        let ranks = if self.needs_ranks {
            ranks(&store.strings)
        } else {
            Vec::new()
        };
        Data { snapshots, ranks }
    }

    /// How many entities the program runs for.
    #[must_use]
    pub fn entities(&self, store: &Store) -> usize {
        match self.target {
            Target::User => store.users.len(),
            Target::Account => store.accounts.len(),
        }
    }

    /// How many output columns each entity has (segments, then hidden filters).
    #[must_use]
    pub fn width(&self) -> usize {
        self.slots.len() + self.filters
    }

    /// The output column of a segment, when the program computes it.
    #[must_use]
    pub fn slot(&self, id: SegmentId) -> Option<usize> {
        self.slots.iter().position(|&s| s == id)
    }
}

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
        Program {
            target,
            filters: 0,
            needs_ranks,
            ops,
            constants: self.constants,
            vars: self.vars,
            columns: self.columns,
            snapshot_keys: self.snapshot_keys,
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

    /// Where a per-user value that reads no row and no aggregate is computed when it is
    /// asked for inside a row's test: before the loops.
    fn hoist(scope: Scope) -> Scope {
        match scope {
            Scope::Row { .. } => Scope::Before,
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
                self.emit(scope, Op::Call(dst, helper));
                Val {
                    var: dst,
                    vt: Vt::Num,
                }
            }
            ExprKind::Changed(changed) => {
                let spec = self.changed(changed)?;
                let helper = self.helper(Helper::Changed(spec));
                let dst = self.var(Ty::I64);
                // Once per user, not per row: its arguments are literals.
                self.emit(Self::hoist(scope), Op::Call(dst, helper));
                bool_of(dst)
            }
            ExprKind::Users { quantifier, filter } => {
                self.users(*quantifier, filter.as_deref(), scope)
            }
            ExprKind::Lower(inner) | ExprKind::Len(inner) => {
                self.string_function(e, inner, scope)?
            }
            ExprKind::Bucket(salt) => {
                let ExprKind::Const(Value::String(salt)) = &salt.kind else {
                    return Err("`bucket` with a salt that is not a literal".into());
                };
                let helper = self.helper(Helper::Bucket { salt: salt.clone() });
                let dst = self.var(Ty::F64);
                self.emit(Self::hoist(scope), Op::Call(dst, helper));
                Val {
                    var: dst,
                    vt: Vt::Num,
                }
            }
        })
    }

    /// A `changed` with constant values and window bounds.
    pub(super) fn changed(&mut self, changed: &Changed) -> Result<ChangedSpec, Unsupported> {
        let table = match changed.scope {
            AttrScope::Profile => &self.store.profiles,
            AttrScope::Account => &self.store.account_rows,
        };
        let vt = Vt::of_column(&table.columns[changed.attribute]).0;
        let mut constant = |e: &Option<Box<Expr>>| -> Result<Option<u64>, Unsupported> {
            match e.as_deref().map(|e| &e.kind) {
                None => Ok(None),
                Some(ExprKind::Const(value)) => Ok(Some(self.raw(value)?)),
                Some(_) => Err("`changed` with a value that is not a literal".into()),
            }
        };
        let from = constant(&changed.from)?;
        let to = constant(&changed.to)?;
        let instant = |e: &Expr| match &e.kind {
            ExprKind::Const(Value::Timestamp(t) | Value::Duration(t)) => Ok(*t),
            ExprKind::Now => Ok(self.now),
            _ => Err("`changed` with a window bound that is not a literal".to_string()),
        };
        let day_start = self.now.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
        let (lo, hi) = match &changed.window {
            Window::All | Window::During(..) => (i64::MIN, self.now),
            Window::Within(d) => (self.now.saturating_sub(instant(d)?), self.now),
            Window::Today => (day_start, self.now),
            Window::Yesterday => (day_start - MICROS_PER_DAY, day_start),
            Window::Between(a, b) => (instant(a)?, instant(b)?),
            Window::Before(a) => (i64::MIN, instant(a)?),
            Window::After(a) => (instant(a)?, self.now),
        };
        let calendar = match &changed.window {
            Window::During(unit, values) => Some((*unit, values.clone())),
            _ => None,
        };
        Ok(ChangedSpec {
            scope: changed.scope,
            attribute: changed.attribute,
            kind: vt.kind(),
            from,
            to,
            lo,
            hi: hi.min(self.now),
            calendar,
        })
    }

    /// A constant in the store's encoding.
    pub(super) fn raw(&mut self, value: &Value) -> Result<u64, Unsupported> {
        Ok(match value {
            Value::Bool(b) => u64::from(*b),
            Value::Number(n) => n.to_bits(),
            Value::String(s) => self.string_code(s),
            Value::Timestamp(t) | Value::Duration(t) => t.cast_unsigned(),
            Value::List(_) => return Err("a list outside `in`".into()),
        })
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

    pub(super) fn compare(
        &mut self,
        op: CompareOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Var, Unsupported> {
        if matches!(op, CompareOp::In | CompareOp::NotIn) {
            return self.membership(op, a, b, scope);
        }
        let (ta, tb) = (Vt::of(&a.ty), Vt::of(&b.ty));
        let (Ok(ta), Ok(tb)) = (ta, tb) else {
            return Err("a comparison of unusual types".into());
        };
        if ta != tb {
            // A timestamp against a duration (W0003): always false.
            return Ok(self.int(0));
        }
        let cc = Cc::of(op);
        if ta == Vt::Str && !(matches!(op, CompareOp::Eq | CompareOp::Ne)) {
            return self.string_predicate(op, a, b, scope);
        }
        let cc = cc.ok_or_else(|| format!("`{op:?}` on values of type {}", a.ty.name()))?;
        let va = self.expr(a, scope)?;
        let vb = self.expr(b, scope)?;
        Ok(self.compare_values(cc, va, vb, scope))
    }

    pub(super) fn compare_values(&mut self, cc: Cc, a: Val, b: Val, scope: Scope) -> Var {
        if a.vt == Vt::Num {
            return self.bin(scope, Bin::FCmp(cc), a.var, b.var);
        }
        // A literal is never missing; and equal to a literal, a value is present.
        let (ka, kb) = (self.known(a.var).is_some(), self.known(b.var).is_some());
        let c = self.bin(scope, Bin::ICmp(cc), a.var, b.var);
        if cc == Cc::Eq && (ka || kb) {
            return c;
        }
        let mut conds = Vec::new();
        if !ka {
            conds.push(self.is_set(a, scope));
        }
        if !kb {
            conds.push(self.is_set(b, scope));
        }
        conds.push(c);
        self.all(scope, &conds)
    }

    /// `a in [...]` and `a not in [...]`.
    pub(super) fn membership(
        &mut self,
        op: CompareOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Var, Unsupported> {
        let va = self.expr(a, scope)?;
        let items: Vec<Val> = match &b.kind {
            ExprKind::Const(Value::List(values)) => values
                .iter()
                .map(|v| self.value(v))
                .collect::<Result<_, _>>()?,
            ExprKind::List(items) => items
                .iter()
                .map(|i| self.expr(i, scope))
                .collect::<Result<_, _>>()?,
            _ => return Err("`in` over a non-list".into()),
        };
        let mut found = self.int(0);
        for item in items {
            if item.vt != va.vt {
                continue;
            }
            let eq = self.compare_values(Cc::Eq, va, item, scope);
            found = self.bin(scope, Bin::Or, found, eq);
        }
        Ok(if op == CompareOp::In {
            found
        } else {
            let set = self.is_set(va, scope);
            let absent = self.un(scope, Un::NotTruthy, found);
            self.bin(scope, Bin::And, set, absent)
        })
    }

    pub(super) fn arith(
        &mut self,
        op: ArithOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Val, Unsupported> {
        let va = self.expr(a, scope)?;
        let vb = self.expr(b, scope)?;
        let float = |op| match op {
            ArithOp::Add => Bin::FAdd,
            ArithOp::Sub => Bin::FSub,
            ArithOp::Mul => Bin::FMul,
            ArithOp::Div => Bin::FDiv,
        };
        let (bin, vt) = match (op, va.vt, vb.vt) {
            (_, Vt::Num, Vt::Num) => (float(op), Vt::Num),
            (ArithOp::Add, Vt::Ts, Vt::Dur) | (ArithOp::Add, Vt::Dur, Vt::Ts) => {
                (Bin::IAddChecked, Vt::Ts)
            }
            (ArithOp::Sub, Vt::Ts, Vt::Dur) => (Bin::ISubChecked, Vt::Ts),
            (ArithOp::Add, Vt::Dur, Vt::Dur) => (Bin::IAddChecked, Vt::Dur),
            (ArithOp::Sub, Vt::Dur | Vt::Ts, Vt::Dur | Vt::Ts) if va.vt == vb.vt => {
                (Bin::ISubChecked, Vt::Dur)
            }
            (ArithOp::Mul | ArithOp::Div, Vt::Dur, _) | (ArithOp::Mul, Vt::Num, Vt::Dur) => {
                return Ok(self.scaled_duration(op, va, vb, scope));
            }
            _ => return Err(format!("arithmetic {op:?} of {:?} and {:?}", va.vt, vb.vt)),
        };
        let mut var = self.bin(scope, bin, va.var, vb.var);
        if vt == Vt::Num && bin != Bin::FDiv {
            var = self.un(scope, Un::FFinite, var);
        }
        Ok(Val { var, vt })
    }
}

impl Builder<'_> {
    /// `duration * number`, `number * duration`, `duration / number` (a duration) and
    /// `duration / duration` (a number), through f64 microseconds as in the reference.
    fn scaled_duration(&mut self, op: ArithOp, va: Val, vb: Val, scope: Scope) -> Val {
        let as_float = |b: &mut Self, v: Val| {
            if v.vt == Vt::Dur {
                b.un(scope, Un::DurToF, v.var)
            } else {
                v.var
            }
        };
        let (x, y) = (as_float(self, va), as_float(self, vb));
        if op == ArithOp::Div && vb.vt == Vt::Dur {
            return Val {
                var: self.bin(scope, Bin::FDiv, x, y),
                vt: Vt::Num,
            };
        }
        let bin = if op == ArithOp::Mul {
            Bin::FMul
        } else {
            Bin::FDivRaw
        };
        let micros = self.bin(scope, bin, x, y);
        Val {
            var: self.un(scope, Un::FToDur, micros),
            vt: Vt::Dur,
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

/// Each code's position when the dictionary is sorted by bytes.
fn ranks(strings: &crate::store::Dictionary) -> Vec<u32> {
    let n = u32::try_from(strings.len()).expect("fewer than 2^32 strings");
    let mut codes: Vec<u32> = (0..n).collect();
    codes.sort_unstable_by(|&a, &b| strings.get(a).as_bytes().cmp(strings.get(b).as_bytes()));
    let mut ranks = vec![0; codes.len()];
    for (rank, &code) in codes.iter().enumerate() {
        ranks[code as usize] = u32::try_from(rank).expect("fewer than 2^32 strings");
    }
    ranks
}

/// An attribute's value as of `now` for every entity of a program (users or accounts), in
/// the store's encoding.
fn snapshot(store: &Store, target: Target, scope: AttrScope, index: usize, now: i64) -> Vec<u64> {
    let table: &Table = match scope {
        AttrScope::Profile => &store.profiles,
        AttrScope::Account => &store.account_rows,
    };
    let column = &table.columns[index];
    let missing = Vt::of_column(column).0.missing();
    let value = |owner: Option<u32>| {
        owner
            .and_then(|o| Store::attribute_row(table, o, index, now))
            .map_or(missing, |row| match column {
                Column::Number(v) => v[row].to_bits(),
                Column::Bool(v) => u64::from(v[row]),
                Column::Timestamp(v) => v[row].cast_unsigned(),
                Column::String(v) => u64::from(v[row]),
            })
    };
    match (target, scope) {
        (Target::User, AttrScope::Profile) => entities(store.users.len())
            .map(|u| value(Some(u)))
            .collect(),
        (Target::User, AttrScope::Account) => entities(store.users.len())
            .map(|u| value(store.account_of(u, now)))
            .collect(),
        (Target::Account, _) => entities(store.accounts.len())
            .map(|a| value(Some(a)))
            .collect(),
    }
}

fn entities(n: usize) -> std::ops::Range<u32> {
    0..u32::try_from(n).expect("fewer than 2^32 entities")
}

/// For each account, how many of its users (`owners[user]`) have a 1 in `column` of the
/// user program's output (every user when `column` is None), as f64 bits.
fn user_counts(
    store: &Store,
    owners: &[Option<u32>],
    users: UserRows<'_>,
    column: Option<u32>,
) -> Vec<u64> {
    let mut counts = vec![0u32; store.accounts.len()];
    for (user, owner) in owners.iter().enumerate() {
        let Some(account) = owner else { continue };
        let passes = column.is_none_or(|c| users.rows[user * users.width + c as usize] == 1);
        counts[*account as usize] += u32::from(passes);
    }
    counts.into_iter().map(|n| f64::from(n).to_bits()).collect()
}

//! The fused program: a small structured IR that both the fused interpreter and the JIT run.
//!
//! A program is the work for one user: accumulators set up, one loop per event type over the
//! user's rows (below `now`, in ts order) that updates every event set of that type, then the
//! derived values and segment bodies in plan order, each ending in a `Member` write. Every
//! variable holds 64 bits, read as an integer or a float by the op that uses it.
//!
//! Value encodings (the store's, so loads need no conversion): numbers are f64 with NaN for
//! missing; timestamps and durations are i64 with `i64::MIN` for missing; bools are 0, 1 and
//! 2 for missing (a condition holds only when it is 1); strings are dictionary codes with
//! `u32::MAX` for missing (literals absent from the data get fresh codes past the dictionary).

use crate::plan::CompareOp;

/// A variable of the program.
pub type Var = u32;

/// How a variable's 64 bits are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    I64,
    F64,
}

/// Where a loaded column lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// f64 or i64.
    W64,
    /// u32 dictionary codes.
    W32,
    /// u8 bools.
    W8,
}

/// Integer comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cc {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cc {
    /// The condition for an ordering comparison (None for `in`, `contains` and the like).
    #[must_use]
    pub fn of(op: CompareOp) -> Option<Cc> {
        Some(match op {
            CompareOp::Eq => Cc::Eq,
            CompareOp::Ne => Cc::Ne,
            CompareOp::Lt => Cc::Lt,
            CompareOp::Le => Cc::Le,
            CompareOp::Gt => Cc::Gt,
            CompareOp::Ge => Cc::Ge,
            _ => return None,
        })
    }
}

/// Two-operand operations. Integer ones wrap; comparisons give 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bin {
    IAdd,
    ISub,
    /// `a + b`, or `i64::MIN` when either is `i64::MIN` or the sum overflows.
    IAddChecked,
    /// `a - b`, likewise.
    ISubChecked,
    And,
    Or,
    FAdd,
    FSub,
    FMul,
    /// Division; NaN (missing) when the result is not finite.
    FDiv,
    /// Plain division (`avg`: an infinite sum stays infinite, as in the reference).
    FDivRaw,
    /// Signed integer comparison.
    ICmp(Cc),
    /// Ordered float comparison: false when either side is NaN.
    FCmp(Cc),
}

/// One-operand operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Un {
    /// 1 when the operand is 1, else 0.
    Truthy,
    /// 1 when the operand is not 1, else 0 (`not` of a condition).
    NotTruthy,
    FNeg,
    INeg,
    /// i64 to f64.
    IToF,
    /// A duration (i64, `i64::MIN` missing) to f64 microseconds (NaN missing).
    DurToF,
    /// f64 microseconds to a duration, toward zero; missing when not finite or beyond
    /// ±9e18.
    FToDur,
    /// NaN when not finite.
    FFinite,
    /// 1 when the f64 is not NaN.
    FIsSet,
    /// `div_euclid` by a day: the day number of a timestamp.
    Day,
    /// ISO weekday (1-7) of a timestamp, in UTC.
    Weekday,
    /// Hour of day (0-23) of a timestamp, in UTC.
    Hour,
    /// Month (1-12) of a timestamp, in UTC (a helper call in the JIT).
    Month,
}

/// A value computed once per user from the user's buffers by Rust code.
#[derive(Debug, Clone, PartialEq)]
pub enum Helper {
    /// The most frequent value of a buffer (ties to the smallest), or the missing sentinel.
    Top { buffer: u32, kind: Kind },
    /// How many distinct values a buffer holds, as f64.
    Distinct { buffer: u32, kind: Kind },
    /// A `then` chain over timestamp buffers (one per step): 1 when it holds, else 0.
    Then {
        buffers: Vec<u32>,
        last_negated: bool,
    },
    /// How many steps of a funnel are done, as f64.
    Steps { buffers: Vec<u32> },
    /// `bucket(salt)` for the entity, as f64; the salt's code is the argument (NaN when it
    /// is missing).
    Bucket,
    /// `changed(...)` over the history of a profile or account attribute: 1 or 0. The
    /// arguments are `[from, to, lo, hi, ok]`: the values (read when the spec has them), the
    /// window `[lo, hi)` and whether its bounds are present.
    Changed(ChangedSpec),
    /// `contains`, `starts with`, `ends with` or an ordering between two strings, both
    /// computed (the arguments are their codes): 1 or 0.
    StringPair(crate::plan::CompareOp),
}

/// The fixed part of a `changed`; its values and window come as arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedSpec {
    pub scope: crate::plan::AttrScope,
    pub attribute: usize,
    pub kind: Kind,
    pub has_from: bool,
    pub has_to: bool,
    pub calendar: Option<(crate::plan::CalendarUnit, Vec<u32>)>,
}

/// The type of a buffer's values, for ordering them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Number,
    Int,
    Bool,
    String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Const(Var, u64),
    /// Several constants at once (each user's accumulators).
    Init(Vec<(Var, u64)>),
    /// `dst += 1`.
    Inc(Var),
    /// `dst = lo <= ts < hi` (an absent bound is no bound).
    Window {
        dst: Var,
        ts: Var,
        lo: Option<Var>,
        hi: Option<Var>,
    },
    Copy(Var, Var),
    Un(Un, Var, Var),
    Bin(Bin, Var, Var, Var),
    /// `dst = if cond == 1 { a } else { b }`.
    Select(Var, Var, Var, Var),
    /// An attribute's value as of `now` for the current user: `snapshots[i][user]`.
    Snapshot(Var, u32),
    /// `tables[i][code]` (0 or 1), or 0 when the code is missing or past the table.
    Lookup(Var, u32, Var),
    /// `maps[i][code]`, or the map's last entry (the missing value) past its end.
    Map(Var, u32, Var),
    /// A column of the current row (inside `Rows`): `columns[i][row]`.
    Load(Var, u32, Width),
    If(Var, Vec<Op>),
    /// For each of the user's rows of `event` with ts below `now`, in order: `ts` set, then
    /// the body. Loads inside read that row.
    Rows {
        event: u32,
        ts: Var,
        body: Vec<Op>,
    },
    /// Appends a value to a buffer (buffers are emptied at the start of each user).
    Push(u32, Var),
    /// Calls a helper over the buffers, with the values of some variables as arguments.
    Call(Var, u32, Vec<Var>),
    /// The user's membership in the output column `slot`: 1 when `value` is 1.
    Member(u32, Var),
}

/// A column an event loop reads: (event type, property), or the event type's `ts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    pub event: u32,
    pub property: u32,
}

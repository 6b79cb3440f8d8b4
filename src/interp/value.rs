//! Interpreter values and the operators on them, with SPEC's missing-value rules: a
//! comparison with a missing value is false, arithmetic with one is missing, and a missing
//! condition counts as false.

use std::borrow::Cow;

use crate::plan::{ArithOp, CompareOp, Value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V<'a> {
    Missing,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Ts(i64),
    Dur(i64),
    /// A constant list from the plan.
    List(&'a [Value]),
    /// A list whose items were evaluated.
    Items(Vec<V<'a>>),
}

impl<'a> V<'a> {
    pub(super) fn from_const(value: &'a Value) -> V<'a> {
        match value {
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => V::Num(*n),
            Value::String(s) => V::Str(Cow::Borrowed(s)),
            Value::Timestamp(t) => V::Ts(*t),
            Value::Duration(d) => V::Dur(*d),
            Value::List(items) => V::List(items),
        }
    }

    /// A condition's verdict: only `true` is true (missing counts as false).
    pub(super) fn truthy(&self) -> bool {
        matches!(self, V::Bool(true))
    }

    pub(super) fn is_set(&self) -> bool {
        !matches!(self, V::Missing)
    }

    fn items(&self) -> Option<Vec<V<'a>>> {
        match self {
            V::List(items) => Some(items.iter().map(V::from_const).collect()),
            V::Items(items) => Some(items.clone()),
            _ => None,
        }
    }
}

/// The order of two present values of one type (None across types or with a missing one).
pub(super) fn order(a: &V<'_>, b: &V<'_>) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (V::Num(x), V::Num(y)) => x.partial_cmp(y),
        (V::Str(x), V::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (V::Ts(x), V::Ts(y)) | (V::Dur(x), V::Dur(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub(crate) fn compare(op: CompareOp, a: &V<'_>, b: &V<'_>) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    if !a.is_set() || !b.is_set() {
        return false;
    }
    match op {
        CompareOp::Eq => order(a, b) == Some(Equal),
        CompareOp::Ne => matches!(order(a, b), Some(Less | Greater)),
        CompareOp::Lt => order(a, b) == Some(Less),
        CompareOp::Le => matches!(order(a, b), Some(Less | Equal)),
        CompareOp::Gt => order(a, b) == Some(Greater),
        CompareOp::Ge => matches!(order(a, b), Some(Greater | Equal)),
        CompareOp::In | CompareOp::NotIn => {
            let Some(items) = b.items() else { return false };
            let found = items.iter().any(|item| order(a, item) == Some(Equal));
            found == (op == CompareOp::In)
        }
        CompareOp::Contains | CompareOp::StartsWith | CompareOp::EndsWith => {
            let (V::Str(x), V::Str(y)) = (a, b) else {
                return false;
            };
            match op {
                CompareOp::Contains => x.contains(y.as_ref()),
                CompareOp::StartsWith => x.starts_with(y.as_ref()),
                _ => x.ends_with(y.as_ref()),
            }
        }
        CompareOp::Matches => false,
    }
}

#[allow(clippy::cast_precision_loss)]
pub(super) fn arith<'a>(op: ArithOp, a: &V<'a>, b: &V<'a>) -> V<'a> {
    let checked = |r: Option<i64>, wrap: fn(i64) -> V<'a>| r.map_or(V::Missing, wrap);
    match (op, a, b) {
        (ArithOp::Add, V::Num(x), V::Num(y)) => finite(x + y),
        (ArithOp::Sub, V::Num(x), V::Num(y)) => finite(x - y),
        (ArithOp::Mul, V::Num(x), V::Num(y)) => finite(x * y),
        (ArithOp::Div, V::Num(x), V::Num(y)) => finite(x / y),
        (ArithOp::Add, V::Ts(x), V::Dur(y)) | (ArithOp::Add, V::Dur(y), V::Ts(x)) => {
            checked(x.checked_add(*y), V::Ts)
        }
        (ArithOp::Sub, V::Ts(x), V::Dur(y)) => checked(x.checked_sub(*y), V::Ts),
        (ArithOp::Add, V::Dur(x), V::Dur(y)) => checked(x.checked_add(*y), V::Dur),
        (ArithOp::Sub, V::Dur(x), V::Dur(y)) | (ArithOp::Sub, V::Ts(x), V::Ts(y)) => {
            checked(x.checked_sub(*y), V::Dur)
        }
        (ArithOp::Mul, V::Dur(d), V::Num(n)) | (ArithOp::Mul, V::Num(n), V::Dur(d)) => {
            duration(*d as f64 * n)
        }
        (ArithOp::Div, V::Dur(d), V::Num(n)) => duration(*d as f64 / n),
        (ArithOp::Div, V::Dur(x), V::Dur(y)) => finite(*x as f64 / *y as f64),
        _ => V::Missing,
    }
}

/// A number result; division by zero and overflow give a missing value.
fn finite<'a>(x: f64) -> V<'a> {
    if x.is_finite() {
        V::Num(x)
    } else {
        V::Missing
    }
}

/// A duration from a float of microseconds, rounded toward zero; missing when out of range.
#[allow(clippy::cast_possible_truncation)]
fn duration<'a>(micros: f64) -> V<'a> {
    if micros.is_finite() && micros.abs() < 9.0e18 {
        V::Dur(micros as i64)
    } else {
        V::Missing
    }
}

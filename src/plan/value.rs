//! The value rules every engine shares, below all of them: values as the interpreter holds
//! them and the operators on them, with SPEC's missing-value rules (a comparison with a
//! missing value is false, arithmetic with one is missing, a missing condition counts as
//! false), and the stable A/B bucket. The interpreter evaluates with them, the fused engines
//! and the JIT call them for string comparisons and `bucket()`, explain shows their values,
//! and the SQL engine writes the same rules in SQL (`crate::sql`).

use std::borrow::Cow;

use super::arith::{self, Scalar};
use super::{ArithOp, CompareOp, Value};

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
    pub(crate) fn from_const(value: &'a Value) -> V<'a> {
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
    pub(crate) fn truthy(&self) -> bool {
        matches!(self, V::Bool(true))
    }

    pub(crate) fn is_set(&self) -> bool {
        !matches!(self, V::Missing)
    }

    /// Whether a list holds an item equal to `a` (false for a value that is not a list).
    fn holds(&self, a: &V<'_>) -> bool {
        use std::cmp::Ordering::Equal;
        match self {
            V::List(items) => items
                .iter()
                .any(|item| order(a, &V::from_const(item)) == Some(Equal)),
            V::Items(items) => items.iter().any(|item| order(a, item) == Some(Equal)),
            _ => false,
        }
    }
}

/// The order of two present values of one type (None across types or with a missing one).
pub(crate) fn order(a: &V<'_>, b: &V<'_>) -> Option<std::cmp::Ordering> {
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
        CompareOp::In => b.holds(a),
        CompareOp::NotIn => matches!(b, V::List(_) | V::Items(_)) && !b.holds(a),
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

/// `a op b` by the rules every engine shares (`plan::arith`); missing in, missing out.
pub(crate) fn arith<'a>(op: ArithOp, a: &V<'a>, b: &V<'a>) -> V<'a> {
    match (scalar(a), scalar(b)) {
        (Some(a), Some(b)) => arith::apply(op, a, b).map_or(V::Missing, from_scalar),
        _ => V::Missing,
    }
}

/// `-a` by the shared rules.
pub(crate) fn negate<'a>(a: &V<'a>) -> V<'a> {
    scalar(a)
        .and_then(arith::negate)
        .map_or(V::Missing, from_scalar)
}

fn scalar(v: &V<'_>) -> Option<Scalar> {
    match v {
        V::Num(x) => Some(Scalar::Number(*x)),
        V::Ts(t) => Some(Scalar::Timestamp(*t)),
        V::Dur(d) => Some(Scalar::Duration(*d)),
        _ => None,
    }
}

fn from_scalar<'a>(s: Scalar) -> V<'a> {
    match s {
        Scalar::Number(x) => V::Num(x),
        Scalar::Timestamp(t) => V::Ts(t),
        Scalar::Duration(d) => V::Dur(d),
    }
}

/// What joins the salt and the id in the text `bucket()` hashes.
pub const BUCKET_SEPARATOR: &str = ":";

/// The stable A/B bucket: the first 8 hex digits of md5(salt + ":" + id), modulo 100.
#[must_use]
pub fn bucket(salt: &str, id: &str) -> u32 {
    use md5::{Digest, Md5};
    let digest = Md5::new()
        .chain_update(salt)
        .chain_update(BUCKET_SEPARATOR)
        .chain_update(id)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 100
}

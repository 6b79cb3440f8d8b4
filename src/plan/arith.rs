//! The arithmetic rules every engine shares, on plain scalars: a number result must be finite
//! (overflow and division by zero give a missing value), instants and durations are
//! microseconds in an `i64` with checked overflow, and a duration scaled by a number is
//! rounded toward zero and must stay under 9e18 microseconds. The checker folds constant
//! arithmetic with the same rules, so a constant that would be missing at run time is refused
//! before any data is read.

use super::ArithOp;

/// A present value that arithmetic works on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Number(f64),
    /// Microseconds since the epoch.
    Timestamp(i64),
    /// Microseconds.
    Duration(i64),
}

/// `a op b`, or `None` where the result is missing (overflow, division by zero, or operand
/// types with no such arithmetic).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn apply(op: ArithOp, a: Scalar, b: Scalar) -> Option<Scalar> {
    use Scalar::{Duration as Dur, Number as Num, Timestamp as Ts};
    match (op, a, b) {
        (ArithOp::Add, Num(x), Num(y)) => finite(x + y),
        (ArithOp::Sub, Num(x), Num(y)) => finite(x - y),
        (ArithOp::Mul, Num(x), Num(y)) => finite(x * y),
        (ArithOp::Div, Num(x), Num(y)) => finite(x / y),
        (ArithOp::Add, Ts(x), Dur(y)) | (ArithOp::Add, Dur(y), Ts(x)) => x.checked_add(y).map(Ts),
        (ArithOp::Sub, Ts(x), Dur(y)) => x.checked_sub(y).map(Ts),
        (ArithOp::Add, Dur(x), Dur(y)) => x.checked_add(y).map(Dur),
        (ArithOp::Sub, Dur(x), Dur(y)) | (ArithOp::Sub, Ts(x), Ts(y)) => x.checked_sub(y).map(Dur),
        (ArithOp::Mul, Dur(d), Num(n)) | (ArithOp::Mul, Num(n), Dur(d)) => duration(d as f64 * n),
        (ArithOp::Div, Dur(d), Num(n)) => duration(d as f64 / n),
        (ArithOp::Div, Dur(x), Dur(y)) => finite(x as f64 / y as f64),
        _ => None,
    }
}

/// `-a`, or `None` where the result is missing.
#[must_use]
pub fn negate(a: Scalar) -> Option<Scalar> {
    match a {
        Scalar::Number(x) => finite(-x),
        Scalar::Duration(d) => d.checked_neg().map(Scalar::Duration),
        Scalar::Timestamp(_) => None,
    }
}

fn finite(x: f64) -> Option<Scalar> {
    x.is_finite().then_some(Scalar::Number(x))
}

/// A duration from a float of microseconds, rounded toward zero.
#[allow(clippy::cast_possible_truncation)]
fn duration(micros: f64) -> Option<Scalar> {
    (micros.is_finite() && micros.abs() < 9.0e18).then_some(Scalar::Duration(micros as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_and_division_by_zero_are_missing() {
        use Scalar::{Duration as Dur, Number as Num, Timestamp as Ts};
        assert_eq!(apply(ArithOp::Div, Num(1.0), Num(0.0)), None);
        assert_eq!(apply(ArithOp::Mul, Num(1e308), Num(10.0)), None);
        assert_eq!(
            apply(ArithOp::Mul, Dur(8_640_000_000_000_000_000), Num(2.0)),
            None
        );
        assert_eq!(apply(ArithOp::Add, Ts(i64::MAX), Dur(1)), None);
        assert_eq!(apply(ArithOp::Div, Dur(10), Dur(0)), None);
        assert_eq!(negate(Dur(i64::MIN)), None);
        assert_eq!(apply(ArithOp::Mul, Dur(7), Num(2.5)), Some(Dur(17)));
        assert_eq!(apply(ArithOp::Sub, Ts(10), Ts(4)), Some(Dur(6)));
    }
}

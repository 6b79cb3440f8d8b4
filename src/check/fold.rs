//! Constant folding: arithmetic whose operands are known at check time is computed here, by
//! the same rules the engines use (`plan::arith`), so that a `let` chain over constants stays
//! one constant and a constant that would be missing at run time (an overflow, a division by
//! zero) is refused with its location instead of silently emptying a segment. `now` plus or
//! minus a constant duration is checked against every instant data and `--as-of` may hold.

use super::expr::error_expr;
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::plan::arith::{self, Scalar};
use crate::plan::{ArithOp, Expr, ExprKind, Type, Value};
use crate::source::Span;
use crate::time::{format_duration, MAX_INSTANT, MIN_INSTANT};

fn scalar(e: &Expr) -> Option<Scalar> {
    match e.kind {
        ExprKind::Const(Value::Number(x)) => Some(Scalar::Number(x)),
        ExprKind::Const(Value::Timestamp(t)) => Some(Scalar::Timestamp(t)),
        ExprKind::Const(Value::Duration(d)) => Some(Scalar::Duration(d)),
        _ => None,
    }
}

fn constant(s: Scalar, span: Span) -> Expr {
    let (value, ty) = match s {
        Scalar::Number(x) => (Value::Number(x), Type::Number),
        Scalar::Timestamp(t) => (Value::Timestamp(t), Type::Timestamp),
        Scalar::Duration(d) => (Value::Duration(d), Type::Duration),
    };
    Expr {
        kind: ExprKind::Const(value),
        ty,
        span,
    }
}

fn describe(s: Scalar) -> String {
    match s {
        Scalar::Number(x) => format!("{x}"),
        Scalar::Timestamp(t) => crate::time::format_timestamp(t),
        Scalar::Duration(d) => format_duration(d),
    }
}

impl Checker<'_> {
    /// `lhs op rhs` of type `ty`, folded when both sides are constants.
    pub(super) fn fold_arith(
        &mut self,
        op: ArithOp,
        lhs: Expr,
        rhs: Expr,
        ty: Type,
        span: Span,
    ) -> Expr {
        if let (Some(a), Some(b)) = (scalar(&lhs), scalar(&rhs)) {
            if let Some(folded) = arith::apply(op, a, b) {
                return constant(folded, span);
            }
            let zero =
                matches!(b, Scalar::Number(y) if y == 0.0) || matches!(b, Scalar::Duration(0));
            let why = if op == ArithOp::Div && zero {
                "divides by zero"
            } else {
                "is out of range"
            };
            let text = format!("`{} {} {}` {why}", describe(a), op.symbol(), describe(b));
            return self.out_of_range(span, text);
        }
        if let Some(message) = now_offset_out_of_range(op, &lhs, &rhs) {
            return self.out_of_range(span, message);
        }
        Expr {
            kind: ExprKind::Arith(op, Box::new(lhs), Box::new(rhs)),
            ty,
            span,
        }
    }

    /// `-operand` of a number or duration, folded when it is a constant.
    pub(super) fn fold_negate(&mut self, operand: Expr, span: Span) -> Expr {
        if let Some(a) = scalar(&operand) {
            return match arith::negate(a) {
                Some(folded) => constant(folded, span),
                None => self.out_of_range(span, format!("`-{}` is out of range", describe(a))),
            };
        }
        let ty = operand.ty.clone();
        Expr {
            kind: ExprKind::Neg(Box::new(operand)),
            ty,
            span,
        }
    }

    fn out_of_range(&mut self, span: Span, message: String) -> Expr {
        self.diagnostics.push(
            Diagnostic::new(
                Code::ConstantOutOfRange,
                span,
                message,
                "its value would be missing whenever it is evaluated",
            )
            .with_help("numbers are 64-bit floats; instants and durations are microseconds in 64 bits (about 292,000 years)"),
        );
        error_expr(span)
    }
}

/// `now ± d` with a constant `d` that overflows for some instant `--as-of` accepts.
fn now_offset_out_of_range(op: ArithOp, lhs: &Expr, rhs: &Expr) -> Option<String> {
    let d = match (op, &lhs.kind, &rhs.kind) {
        (ArithOp::Add, ExprKind::Now, ExprKind::Const(Value::Duration(d)))
        | (ArithOp::Add, ExprKind::Const(Value::Duration(d)), ExprKind::Now) => *d,
        (ArithOp::Sub, ExprKind::Now, ExprKind::Const(Value::Duration(d))) => d.checked_neg()?,
        _ => return None,
    };
    let fits = MIN_INSTANT.checked_add(d).is_some() && MAX_INSTANT.checked_add(d).is_some();
    (!fits).then(|| {
        format!(
            "`now {} {}` is out of range for some evaluation instants (years 0000 to 9999)",
            op.symbol(),
            format_duration(d.unsigned_abs().try_into().unwrap_or(i64::MAX))
        )
    })
}

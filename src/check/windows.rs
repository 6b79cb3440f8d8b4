//! Checking windows: bound types, calendar ranges, and the windows that can never hold an
//! event (warned about). A bound known at check time is an absolute instant or an offset
//! from `now`; two of the same kind compare.

use super::expr::{error_expr, Scope};
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, Type, Value, Window};
use crate::source::Span;
use crate::syntax::ast::{self, ArithOp};

/// A window bound known at check time: an absolute instant, or an offset from `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum KnownInstant {
    Absolute(i64),
    FromNow(i64),
}

fn known_instant(e: &Expr) -> Option<KnownInstant> {
    match &e.kind {
        ExprKind::Const(Value::Timestamp(t)) => Some(KnownInstant::Absolute(*t)),
        ExprKind::Now => Some(KnownInstant::FromNow(0)),
        ExprKind::Arith(op @ (ArithOp::Add | ArithOp::Sub), a, b) => {
            match (known_instant(a)?, &b.kind) {
                (KnownInstant::FromNow(base), ExprKind::Const(Value::Duration(d))) => {
                    let d = if *op == ArithOp::Add {
                        *d
                    } else {
                        d.checked_neg()?
                    };
                    Some(KnownInstant::FromNow(base.checked_add(d)?))
                }
                (KnownInstant::Absolute(base), ExprKind::Const(Value::Duration(d))) => {
                    let d = if *op == ArithOp::Add {
                        *d
                    } else {
                        d.checked_neg()?
                    };
                    Some(KnownInstant::Absolute(base.checked_add(d)?))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl Checker<'_> {
    pub(super) fn window(&mut self, window: Option<&ast::Window>, scope: Scope) -> Window {
        let Some(window) = window else {
            return Window::All;
        };
        let scope = scope.without_event();
        match &window.kind {
            ast::WindowKind::Today => Window::Today,
            ast::WindowKind::Yesterday => Window::Yesterday,
            ast::WindowKind::Within(d) => {
                let d = self.bound(d, &Type::Duration, "`within`", scope);
                if let ExprKind::Const(Value::Duration(micros)) = d.kind {
                    if micros <= 0 {
                        self.empty_window(
                            window.span,
                            "`within` a duration of zero or less holds no instant",
                        );
                    }
                }
                Window::Within(Box::new(d))
            }
            ast::WindowKind::Between(a, b) => {
                let a = self.bound(a, &Type::Timestamp, "`between`", scope);
                let b = self.bound(b, &Type::Timestamp, "`between`", scope);
                match (known_instant(&a), known_instant(&b)) {
                    (Some(KnownInstant::Absolute(x)), Some(KnownInstant::Absolute(y)))
                    | (Some(KnownInstant::FromNow(x)), Some(KnownInstant::FromNow(y)))
                        if x >= y =>
                    {
                        self.empty_window(window.span, "the window starts at or after its end");
                    }
                    _ => {}
                }
                Window::Between(Box::new(a), Box::new(b))
            }
            ast::WindowKind::Before(t) => {
                Window::Before(Box::new(self.bound(t, &Type::Timestamp, "`before`", scope)))
            }
            ast::WindowKind::After(t) => {
                let t = self.bound(t, &Type::Timestamp, "`after`", scope);
                if matches!(known_instant(&t), Some(KnownInstant::FromNow(offset)) if offset >= 0) {
                    self.empty_window(window.span, "events at or after `now` are never seen");
                }
                Window::After(Box::new(t))
            }
            ast::WindowKind::During(unit, values) => {
                let (low, high) = unit.range();
                for (value, span) in values {
                    if !(low..=high).contains(value) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::BadWindow,
                                *span,
                                format!("`{}` takes values from {low} to {high}", unit.name()),
                                "out of range",
                            )
                            .with_help(match unit {
                                ast::CalendarUnit::Months => {
                                    "months are 1 (January) to 12 (December)"
                                }
                                ast::CalendarUnit::Weekdays => {
                                    "weekdays are ISO: 1 is Monday, 7 is Sunday"
                                }
                                ast::CalendarUnit::Hours => "hours are 0 to 23, in UTC",
                            }),
                        );
                    }
                }
                Window::During(*unit, values.iter().map(|(v, _)| *v).collect())
            }
        }
    }

    pub(super) fn empty_window(&mut self, span: Span, why: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::EmptyWindow,
                span,
                "this window can never hold an event",
                why,
            )
            .with_help("check the order of the bounds: `between A and B` keeps A <= ts < B"),
        );
    }

    pub(super) fn bound(&mut self, e: &ast::Expr, want: &Type, word: &str, scope: Scope) -> Expr {
        let checked = self.check_expr(e, scope);
        if checked.ty.compatible(want) {
            return checked;
        }
        let help = if *want == Type::Duration {
            "`within` takes a duration such as `7d`"
        } else if checked.ty == Type::Duration {
            "an instant is a date, a timestamp, `now` or `7d ago`: add `ago`"
        } else {
            "an instant is a date (`2024-11-01`), a timestamp, `now` or `7d ago`"
        };
        self.diagnostics.push(
            Diagnostic::new(
                Code::BadWindow,
                checked.span,
                format!(
                    "{word} takes a {}, not a {}",
                    want.name(),
                    checked.ty.name()
                ),
                format!("a {}", checked.ty.name()),
            )
            .with_help(help),
        );
        error_expr(checked.span)
    }
}

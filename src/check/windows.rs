//! Checking windows: bound types, calendar ranges, and the windows that can never hold an
//! event (warned about). A bound known at check time is an absolute instant or an offset
//! from `now`; two of the same kind compare.

use super::expr::{error_expr, Scope};
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, Type, Value, Window};
use crate::source::Span;
use crate::syntax::ast::{self, ArithOp};

/// Why a window after `now` is empty.
const FUTURE_HELP: &str =
    "an evaluation sees only the events before `now`; for recent events write `within 7d` or `after 7d ago`";

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
                    self.empty_within(window.span, micros);
                }
                Window::Within(Box::new(d))
            }
            ast::WindowKind::Between(a, b) => {
                let a = self.bound(a, &Type::Timestamp, "`between`", scope);
                let b = self.bound(b, &Type::Timestamp, "`between`", scope);
                self.empty_between(window.span, known_instant(&a), known_instant(&b));
                Window::Between(Box::new(a), Box::new(b))
            }
            ast::WindowKind::Before(t) => {
                Window::Before(Box::new(self.bound(t, &Type::Timestamp, "`before`", scope)))
            }
            ast::WindowKind::After(t) => {
                let t = self.bound(t, &Type::Timestamp, "`after`", scope);
                if matches!(known_instant(&t), Some(KnownInstant::FromNow(offset)) if offset >= 0) {
                    self.empty_window(
                        window.span,
                        "this window starts at or after `now`: it keeps no events",
                        "starts at or after `now`",
                        FUTURE_HELP,
                    );
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

    /// `within 0d` and `within -1d`: a window of no length keeps nothing.
    fn empty_within(&mut self, span: Span, micros: i64) {
        if micros == 0 {
            self.empty_window(
                span,
                "an empty window: `within` a duration of zero keeps no events",
                "zero length",
                "`within 7d` keeps the events of the last 7 days (`now - 7d <= ts < now`); give it a positive duration",
            );
        } else if micros < 0 {
            self.empty_window(
                span,
                "`within` a negative duration keeps no events",
                "a negative duration",
                "`within 7d` keeps the events of the last 7 days; an evaluation never sees events after `now`, and a window in the past is `between 14d ago and 7d ago`",
            );
        }
    }

    /// `between A and B` with bounds of the same kind known at check time: equal or reversed.
    fn empty_between(&mut self, span: Span, a: Option<KnownInstant>, b: Option<KnownInstant>) {
        let same_kind = match (a, b) {
            (Some(KnownInstant::Absolute(x)), Some(KnownInstant::Absolute(y)))
            | (Some(KnownInstant::FromNow(x)), Some(KnownInstant::FromNow(y))) => Some((x, y)),
            _ => None,
        };
        match same_kind {
            Some((x, y)) if x == y => self.empty_window(
                span,
                "an empty window: `between` the same instant twice keeps no events",
                "both bounds are the same instant",
                "`between A and B` keeps A <= ts < B, so B must come after A: for one day write `between 2024-11-01 and 2024-11-02`",
            ),
            Some((x, y)) if x > y => self.empty_window(
                span,
                "this window can never hold an event: it starts after its end",
                "the bounds are in the wrong order",
                "`between A and B` keeps A <= ts < B: swap the bounds",
            ),
            _ => {}
        }
    }

    fn empty_window(&mut self, span: Span, message: &str, label: &str, help: &str) {
        self.diagnostics
            .push(Diagnostic::new(Code::EmptyWindow, span, message, label).with_help(help));
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

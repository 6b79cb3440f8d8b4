//! Checking expressions: resolving names in their scope and giving every sub-expression a
//! type (literals, lists, names, paths, operators). Calls are in forms.rs, windows in
//! windows.rs.
//!
//! A scope says where an expression stands: in a user or an account segment (or inside
//! `users where`), and inside which event type's `where`, if any. A broken sub-expression gets
//! the error type, which is compatible with everything, so one mistake gives one message.

use super::lets;
use super::suggest::closest;
use super::{Checker, Definition};
use crate::diag::{Code, Diagnostic};
use crate::plan::{AttrScope, Expr, ExprKind, Type, Value};
use crate::schema::{EventId, FieldType};
use crate::source::Span;
use crate::syntax::ast::{self, ArithOp, CompareOp, Target};

/// Where an expression is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    /// `User` in user segments and inside `users where`; `Account` at an account segment's top.
    pub target: Target,
    /// Inside `where` of an event set of this type.
    pub event: Option<EventId>,
}

impl Scope {
    pub fn top(target: Target) -> Scope {
        Scope {
            target,
            event: None,
        }
    }

    pub(super) fn without_event(self) -> Scope {
        Scope {
            event: None,
            ..self
        }
    }
}

/// A property named in an aggregate: its index, type and where it was written.
pub(super) type PropertyRef = (usize, FieldType, Span);

pub(super) fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Const(Value::Bool(false)),
        ty: Type::Error,
        span,
    }
}

fn constant(value: Value, ty: Type, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Const(value),
        ty,
        span,
    }
}

fn is_temporal_mismatch(a: &Type, b: &Type) -> bool {
    matches!(
        (a, b),
        (Type::Timestamp, Type::Duration) | (Type::Duration, Type::Timestamp)
    )
}

impl Checker<'_> {
    /// Checks an expression, counting how deep the checker is, `let`s included: the parser
    /// bounds each written expression, and this bounds what their expansion gives the engines
    /// (and the checker's own recursion).
    pub(super) fn check_expr(&mut self, e: &ast::Expr, scope: Scope) -> Expr {
        if self.depth >= lets::MAX_PLAN_DEPTH {
            return self.too_deep(e.span);
        }
        self.depth += 1;
        let checked = self.check_expr_kind(e, scope);
        self.depth -= 1;
        checked
    }

    fn check_expr_kind(&mut self, e: &ast::Expr, scope: Scope) -> Expr {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Number(n) => constant(Value::Number(*n), Type::Number, span),
            ast::ExprKind::String(s) => constant(Value::String(s.clone()), Type::String, span),
            ast::ExprKind::Bool(b) => constant(Value::Bool(*b), Type::Bool, span),
            ast::ExprKind::Duration(d) => constant(Value::Duration(*d), Type::Duration, span),
            ast::ExprKind::Date(t) | ast::ExprKind::Timestamp(t) => {
                constant(Value::Timestamp(*t), Type::Timestamp, span)
            }
            ast::ExprKind::Now => Expr {
                kind: ExprKind::Now,
                ty: Type::Timestamp,
                span,
            },
            ast::ExprKind::List(items) => self.list(items, span, scope),
            ast::ExprKind::Name(ident) => self.name(ident, scope),
            ast::ExprKind::Path(head, tail) => self.path(head, tail, span, scope),
            ast::ExprKind::Paren(inner) => {
                let mut checked = self.check_expr(inner, scope);
                checked.span = span;
                checked
            }
            ast::ExprKind::Not(inner) => {
                let operand = self.condition(inner, scope, "`not`");
                Expr {
                    kind: ExprKind::Not(Box::new(operand)),
                    ty: Type::Bool,
                    span,
                }
            }
            ast::ExprKind::Neg(inner) => self.negate(inner, span, scope),
            ast::ExprKind::Logic(op, items) => {
                let word = if *op == ast::LogicOp::And {
                    "`and`"
                } else {
                    "`or`"
                };
                let items: Vec<Expr> = items
                    .iter()
                    .map(|i| self.condition(i, scope, word))
                    .collect();
                let kind = if *op == ast::LogicOp::And {
                    ExprKind::And(items)
                } else {
                    ExprKind::Or(items)
                };
                Expr {
                    kind,
                    ty: Type::Bool,
                    span,
                }
            }
            ast::ExprKind::Compare(op, a, b) => self.compare(*op, a, b, span, scope),
            ast::ExprKind::Arith(op, a, b) => {
                let lhs = self.check_expr(a, scope);
                let rhs = self.check_expr(b, scope);
                self.arith(*op, lhs, rhs, span)
            }
            ast::ExprKind::IsSet { negated, expr } => {
                let operand = self.check_expr(expr, scope);
                Expr {
                    kind: ExprKind::IsSet {
                        negated: *negated,
                        expr: Box::new(operand),
                    },
                    ty: Type::Bool,
                    span,
                }
            }
            ast::ExprKind::Ago(inner) => {
                let duration = self.check_expr(inner, scope);
                if !duration.ty.compatible(&Type::Duration) {
                    self.mismatch(
                        duration.span,
                        format!("`ago` takes a duration, not a {}", duration.ty.name()),
                        "write a duration such as `7d ago`",
                    );
                    return error_expr(span);
                }
                let now = Expr {
                    kind: ExprKind::Now,
                    ty: Type::Timestamp,
                    span,
                };
                Expr {
                    kind: ExprKind::Arith(ArithOp::Sub, Box::new(now), Box::new(duration)),
                    ty: Type::Timestamp,
                    span,
                }
            }
            ast::ExprKind::Then(steps) => self.then(steps, span, scope),
            ast::ExprKind::Call(call) => self.call(call, span, scope),
            ast::ExprKind::Error => error_expr(span),
        }
    }

    pub(super) fn mismatch(&mut self, span: Span, message: String, help: &str) {
        self.diagnostics.push(
            Diagnostic::new(Code::TypeMismatch, span, message, "wrong type here").with_help(help),
        );
    }

    /// A sub-expression that must be a condition (operand of `and`, `or`, `not`).
    pub(super) fn condition(&mut self, e: &ast::Expr, scope: Scope, word: &str) -> Expr {
        let checked = self.check_expr(e, scope);
        self.expect_condition(
            checked,
            Code::TypeMismatch,
            &format!("each operand of {word}"),
            "compare the value to get a condition, e.g. `count(purchase) > 0`",
        )
    }

    /// `checked` if it is a bool; otherwise a diagnostic and the error expression.
    pub(super) fn expect_condition(
        &mut self,
        checked: Expr,
        code: Code,
        what: &str,
        help: &str,
    ) -> Expr {
        if checked.ty.compatible(&Type::Bool) {
            return checked;
        }
        let ty = checked.ty.name();
        self.diagnostics.push(
            Diagnostic::new(
                code,
                checked.span,
                format!("{what} must be a condition, but this is a {ty}"),
                format!("a {ty}, not a bool"),
            )
            .with_help(help),
        );
        error_expr(checked.span)
    }

    fn negate(&mut self, inner: &ast::Expr, span: Span, scope: Scope) -> Expr {
        let operand = self.check_expr(inner, scope);
        match (&operand.kind, &operand.ty) {
            (_, t) if t.is_wild() => error_expr(span),
            (_, Type::Number | Type::Duration) => self.fold_negate(operand, span),
            (_, t) => {
                let name = t.name();
                self.mismatch(
                    operand.span,
                    format!("`-` negates numbers and durations, not a {name}"),
                    "negate a number or a duration",
                );
                error_expr(span)
            }
        }
    }

    fn list(&mut self, items: &[ast::Expr], span: Span, scope: Scope) -> Expr {
        let items: Vec<Expr> = items.iter().map(|i| self.check_expr(i, scope)).collect();
        let mut element = Type::Unknown;
        let mut first_span = None;
        for item in &items {
            if item.ty.is_wild() {
                continue;
            }
            match first_span {
                None => {
                    element = item.ty.clone();
                    first_span = Some(item.span);
                }
                Some(first) if !item.ty.compatible(&element) => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::MixedList,
                            item.span,
                            format!("a list holds a {} and a {}", element.name(), item.ty.name()),
                            format!("this is a {}", item.ty.name()),
                        )
                        .with_secondary(first, format!("this is a {}", element.name()))
                        .with_help("every item of a list has the same type"),
                    );
                    return error_expr(span);
                }
                Some(_) => {}
            }
        }
        let ty = Type::List(Box::new(element));
        if items
            .iter()
            .all(|i| matches!(i.kind, ExprKind::Const(_)) && !i.ty.is_wild())
        {
            let values = items
                .into_iter()
                .map(|i| match i.kind {
                    ExprKind::Const(v) => v,
                    _ => unreachable!("checked above"),
                })
                .collect();
            return constant(Value::List(values), ty, span);
        }
        Expr {
            kind: ExprKind::List(items),
            ty,
            span,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Names

    fn name(&mut self, ident: &ast::Ident, scope: Scope) -> Expr {
        let span = ident.span;
        if let Some(event) = scope.event {
            if ident.name == "ts" {
                return Expr {
                    kind: ExprKind::EventTs,
                    ty: Type::Timestamp,
                    span,
                };
            }
            if let Some((index, field)) = self.schema.event(event).property(&ident.name) {
                return Expr {
                    kind: ExprKind::Property(index),
                    ty: field.ty.into(),
                    span,
                };
            }
        }
        match self.names.get(ident.name.as_str()).map(|(d, _)| d.clone()) {
            Some(Definition::Let { index }) => {
                let mut expanded = self.expand_let(index, scope, span);
                expanded.span = span;
                expanded
            }
            Some(Definition::Segment { id }) => self.segment_ref(id, ident, scope),
            Some(Definition::Broken) => error_expr(span),
            None => {
                self.unknown_name(ident, scope);
                error_expr(span)
            }
        }
    }

    fn segment_ref(
        &mut self,
        id: crate::plan::SegmentId,
        ident: &ast::Ident,
        scope: Scope,
    ) -> Expr {
        let target = self.segments[id.0 as usize].def.target;
        if target != scope.target {
            let (code, help) = match scope.target {
                Target::User => (Code::AccountOnlyForm, "an account segment's members are accounts; use it from another `segment NAME on account`"),
                Target::Account => (Code::UserOnlyForm, "in an account segment, ask about users with `any(users where NAME)` or `count(users where NAME)`"),
            };
            self.diagnostics.push(
                Diagnostic::new(
                    code,
                    ident.span,
                    format!(
                        "`{}` is {} segment, used where {} is tested",
                        ident.name,
                        with_article(target),
                        with_article(scope.target)
                    ),
                    format!("{} segment", with_article(target)),
                )
                .with_help(help),
            );
            return error_expr(ident.span);
        }
        self.refs.push((id, ident.span));
        Expr {
            kind: ExprKind::SegmentRef(id),
            ty: Type::Bool,
            span: ident.span,
        }
    }

    fn unknown_name(&mut self, ident: &ast::Ident, scope: Scope) {
        if self.imports_failed {
            return;
        }
        let name = ident.name.as_str();
        let mut candidates: Vec<&str> = self.names.keys().copied().collect();
        if let Some(event) = scope.event {
            candidates.extend(
                self.schema
                    .event(event)
                    .properties
                    .iter()
                    .map(|p| p.name.as_str()),
            );
            candidates.push("ts");
        }
        candidates.sort_unstable();
        let mut d = Diagnostic::new(
            Code::UnknownName,
            ident.span,
            format!("`{name}` is not defined"),
            if scope.event.is_some() {
                "not a property, segment or let"
            } else {
                "not a segment or let"
            },
        );
        if let Some(close) = closest(name, candidates.into_iter()) {
            d = d.with_help(format!("did you mean `{close}`?"));
        } else if self.schema.event_id(name).is_some() {
            d = d.with_help(format!(
                "`{name}` is an event type: test it with `did({name})`"
            ));
        } else if self.schema.profile_attribute(name).is_some() {
            d = d.with_help(format!(
                "`{name}` is a profile attribute: write `profile.{name}`"
            ));
        } else if self.schema.account_attribute(name).is_some() {
            d = d.with_help(format!(
                "`{name}` is an account attribute: write `account.{name}`"
            ));
        } else if name == "users" {
            d = d.with_help("`users` stands only inside `count(users ...)`, `any(users where ...)` and `all(users where ...)`");
        }
        self.diagnostics.push(d);
    }

    fn path(&mut self, head: &ast::Ident, tail: &ast::Ident, span: Span, scope: Scope) -> Expr {
        match head.name.as_str() {
            "profile" => {
                if scope.target == Target::Account {
                    self.user_only(
                        span,
                        "`profile.` reads a user's attribute",
                        "any(users where profile.x == ...)",
                    );
                    return error_expr(span);
                }
                match self.attribute(AttrScope::Profile, tail) {
                    Some((index, ty)) => Expr {
                        kind: ExprKind::Attribute(AttrScope::Profile, index),
                        ty: ty.into(),
                        span,
                    },
                    None => error_expr(span),
                }
            }
            "account" => match self.attribute(AttrScope::Account, tail) {
                Some((index, ty)) => Expr {
                    kind: ExprKind::Attribute(AttrScope::Account, index),
                    ty: ty.into(),
                    span,
                },
                None => error_expr(span),
            },
            event_name => {
                if let Some(event) = self.schema.event_id(event_name) {
                    if scope.event == Some(event) {
                        return self.own_property(event, tail);
                    }
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::ArgumentKind,
                            span,
                            format!(
                                "`{}.{}` is a property of many events, not one value",
                                head.name, tail.name
                            ),
                            "needs an aggregate",
                        )
                        .with_help(format!(
                            "aggregate it, e.g. `last({0}.{1})`, `sum({0}.{1})` or `top({0}.{1})`",
                            head.name, tail.name
                        )),
                    );
                    return error_expr(span);
                }
                let mut candidates = vec!["profile", "account"];
                candidates.extend(self.schema.events.iter().map(|e| e.name.as_str()));
                let mut d = Diagnostic::new(
                    Code::UnknownName,
                    head.span,
                    format!(
                        "`{}` is not `profile`, `account` or an event type",
                        head.name
                    ),
                    "unknown",
                );
                if let Some(close) = closest(&head.name, candidates.into_iter()) {
                    d = d.with_help(format!("did you mean `{close}`?"));
                }
                self.diagnostics.push(d);
                error_expr(span)
            }
        }
    }

    /// `EVENT.x` inside `EVENT where ...`: the event's own property.
    fn own_property(&mut self, event: EventId, name: &ast::Ident) -> Expr {
        if name.name == "ts" {
            return Expr {
                kind: ExprKind::EventTs,
                ty: Type::Timestamp,
                span: name.span,
            };
        }
        match self.property(event, name) {
            Some((index, ty)) => Expr {
                kind: ExprKind::Property(index),
                ty: ty.into(),
                span: name.span,
            },
            None => error_expr(name.span),
        }
    }

    /// A property of an event type, or an E0102 diagnostic.
    pub(super) fn property(
        &mut self,
        event: EventId,
        ident: &ast::Ident,
    ) -> Option<(usize, FieldType)> {
        let event_type = self.schema.event(event);
        if let Some((index, field)) = event_type.property(&ident.name) {
            return Some((index, field.ty));
        }
        let mut d = Diagnostic::new(
            Code::UnknownProperty,
            ident.span,
            format!(
                "the event `{}` has no property `{}`",
                event_type.name, ident.name
            ),
            "not in the schema",
        );
        d = match closest(
            &ident.name,
            event_type.properties.iter().map(|p| p.name.as_str()),
        ) {
            Some(close) => d.with_help(format!("did you mean `{}.{close}`?", event_type.name)),
            None => d.with_help(format!(
                "declare it in the schema's [events.{}]",
                event_type.name
            )),
        };
        self.diagnostics.push(d);
        None
    }

    pub(super) fn attribute(
        &mut self,
        scope: AttrScope,
        name: &ast::Ident,
    ) -> Option<(usize, FieldType)> {
        let (fields, code, prefix) = match scope {
            AttrScope::Profile => (
                &self.schema.profile,
                Code::UnknownProfileAttribute,
                "profile",
            ),
            AttrScope::Account => (
                &self.schema.account,
                Code::UnknownAccountAttribute,
                "account",
            ),
        };
        if let Some((index, field)) = fields.iter().enumerate().find(|(_, f)| f.name == name.name) {
            return Some((index, field.ty));
        }
        let mut d = Diagnostic::new(
            code,
            name.span,
            format!("the {prefix} has no attribute `{}`", name.name),
            format!("not in the schema's [{prefix}]"),
        );
        d = match closest(&name.name, fields.iter().map(|f| f.name.as_str())) {
            Some(close) => d.with_help(format!("did you mean `{prefix}.{close}`?")),
            None => d.with_help(format!("declare it in the schema's [{prefix}] table")),
        };
        self.diagnostics.push(d);
        None
    }

    pub(super) fn user_only(&mut self, span: Span, what: &str, instead: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::UserOnlyForm,
                span,
                format!("{what}, but an account segment tests accounts"),
                "a user-level form",
            )
            .with_help(format!(
                "ask about the account's users instead: `{instead}`"
            )),
        );
    }

    // -----------------------------------------------------------------------------------------
    // Operators

    fn compare(
        &mut self,
        op: CompareOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        scope: Scope,
    ) -> Expr {
        let lhs = self.check_expr(a, scope);
        let rhs = self.check_expr(b, scope);
        let bool_expr = |kind| Expr {
            kind,
            ty: Type::Bool,
            span,
        };
        if lhs.ty == Type::Error || rhs.ty == Type::Error {
            return error_expr(span);
        }
        let symbol = op.symbol();
        match op {
            CompareOp::Eq
            | CompareOp::Ne
            | CompareOp::Lt
            | CompareOp::Le
            | CompareOp::Gt
            | CompareOp::Ge => {
                if is_temporal_mismatch(&lhs.ty, &rhs.ty) {
                    let help = if rhs.ty == Type::Duration {
                        "to compare with an instant in the past, write `ago`: `30d ago`"
                    } else {
                        "subtract instants to get a duration: `now - last(login) > 7d`"
                    };
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::AlwaysFalse,
                            span,
                            format!(
                                "comparing a {} with a {} is always false",
                                lhs.ty.name(),
                                rhs.ty.name()
                            ),
                            "never true",
                        )
                        .with_secondary(rhs.span, format!("a {}", rhs.ty.name()))
                        .with_help(help),
                    );
                    return constant(Value::Bool(false), Type::Bool, span);
                }
                let ordered = !matches!(op, CompareOp::Eq | CompareOp::Ne);
                let bad = !lhs.ty.compatible(&rhs.ty)
                    || matches!(lhs.ty, Type::List(_))
                    || matches!(rhs.ty, Type::List(_))
                    || (ordered && lhs.ty == Type::Bool);
                if bad {
                    let help = if matches!(rhs.ty, Type::List(_)) {
                        "to test membership in a list, write `in`"
                    } else if ordered && lhs.ty == Type::Bool {
                        "bools are compared with `==` and `!=` only"
                    } else {
                        "both sides of a comparison have the same type"
                    };
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            span,
                            format!(
                                "cannot compare a {} with a {} using `{symbol}`",
                                lhs.ty.name(),
                                rhs.ty.name()
                            ),
                            format!("a {} {symbol} a {}", lhs.ty.name(), rhs.ty.name()),
                        )
                        .with_secondary(lhs.span, format!("a {}", lhs.ty.name()))
                        .with_secondary(rhs.span, format!("a {}", rhs.ty.name()))
                        .with_help(help),
                    );
                    return error_expr(span);
                }
                bool_expr(ExprKind::Compare(op, Box::new(lhs), Box::new(rhs)))
            }
            CompareOp::In | CompareOp::NotIn => {
                let fits = match &rhs.ty {
                    Type::List(element) => {
                        !matches!(lhs.ty, Type::List(_)) && element.compatible(&lhs.ty)
                    }
                    t => t.is_wild(),
                };
                if !fits {
                    let help = if rhs.ty == Type::String && lhs.ty == Type::String {
                        "to test for a substring, write `contains`: `x contains \"abc\"`"
                    } else {
                        "`x in [a, b]` needs a list of values of x's type"
                    };
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            span,
                            format!(
                                "`{symbol}` needs a list of {}s on its right, found a {}",
                                lhs.ty.name(),
                                rhs.ty.name()
                            ),
                            format!("a {}", rhs.ty.name()),
                        )
                        .with_help(help),
                    );
                    return error_expr(span);
                }
                bool_expr(ExprKind::Compare(op, Box::new(lhs), Box::new(rhs)))
            }
            CompareOp::Contains
            | CompareOp::StartsWith
            | CompareOp::EndsWith
            | CompareOp::Matches => {
                for side in [&lhs, &rhs] {
                    if !side.ty.compatible(&Type::String) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                side.span,
                                format!("`{symbol}` works on strings, not a {}", side.ty.name()),
                                format!("a {}", side.ty.name()),
                            )
                            .with_help("both sides are strings"),
                        );
                        return error_expr(span);
                    }
                }
                if op != CompareOp::Matches {
                    return bool_expr(ExprKind::Compare(op, Box::new(lhs), Box::new(rhs)));
                }
                let ExprKind::Const(Value::String(pattern)) = &rhs.kind else {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::ArgumentKind,
                            rhs.span,
                            "`matches` needs a pattern written as a string literal",
                            "not a literal",
                        )
                        .with_help(
                            "write the regular expression in place: `url matches \"^/blog/\"`",
                        ),
                    );
                    return error_expr(span);
                };
                if let Err(error) = regex::Regex::new(pattern) {
                    let reason = error.to_string();
                    let reason = reason
                        .lines()
                        .last()
                        .unwrap_or("invalid pattern")
                        .trim()
                        .trim_start_matches("error: ");
                    self.diagnostics.push(
                        Diagnostic::new(Code::BadRegex, rhs.span, format!("the pattern is not a valid regular expression: {reason}"), "invalid pattern")
                            .with_help("escape special characters with `\\\\` (in a seg string, a backslash is written `\\\\`)"),
                    );
                    return error_expr(span);
                }
                let pattern = pattern.clone();
                bool_expr(ExprKind::Matches(Box::new(lhs), pattern))
            }
        }
    }

    fn arith(&mut self, op: ArithOp, lhs: Expr, rhs: Expr, span: Span) -> Expr {
        use Type::{Duration as D, Number as N, Timestamp as T};
        if lhs.ty.is_wild() || rhs.ty.is_wild() {
            return error_expr(span);
        }
        let ty = match (op, &lhs.ty, &rhs.ty) {
            (_, N, N) | (ArithOp::Div, D, D) => Some(N),
            (ArithOp::Add | ArithOp::Sub, T, D) | (ArithOp::Add, D, T) => Some(T),
            (ArithOp::Sub, T, T)
            | (ArithOp::Add | ArithOp::Sub, D, D)
            | (ArithOp::Mul | ArithOp::Div, D, N)
            | (ArithOp::Mul, N, D) => Some(D),
            _ => None,
        };
        let Some(ty) = ty else {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    span,
                    format!("cannot apply `{}` to a {} and a {}", op.symbol(), lhs.ty.name(), rhs.ty.name()),
                    "no such arithmetic",
                )
                .with_secondary(lhs.span, format!("a {}", lhs.ty.name()))
                .with_secondary(rhs.span, format!("a {}", rhs.ty.name()))
                .with_help("arithmetic works on numbers; instants and durations add and subtract (`now - 7d`, `last(login) - first(login)`)"),
            );
            return error_expr(span);
        };
        self.fold_arith(op, lhs, rhs, ty, span)
    }
}

fn with_article(target: Target) -> &'static str {
    match target {
        Target::User => "a user",
        Target::Account => "an account",
    }
}

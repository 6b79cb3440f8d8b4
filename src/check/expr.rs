//! Checking expressions: resolving names in their scope, giving every sub-expression a type,
//! and checking each form's arguments (event sets, properties, windows, predicates).
//!
//! A scope says where an expression stands: in a user or an account segment (or inside
//! `users where`), and inside which event type's `where`, if any. A broken sub-expression gets
//! the error type, which is compatible with everything, so one mistake gives one message.

use super::builtins::{self, Form};
use super::suggest::closest;
use super::{Checker, Definition};
use crate::diag::{Code, Diagnostic};
use crate::plan::{
    AggregateFn, AttrScope, Changed, EventSet, Expr, ExprKind, Quantifier, Type, Value, Window,
};
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

    fn without_event(self) -> Scope {
        Scope {
            event: None,
            ..self
        }
    }
}

/// A property named in an aggregate: its index, type and where it was written.
type PropertyRef = (usize, FieldType, Span);

fn error_expr(span: Span) -> Expr {
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

fn is_temporal_mismatch(a: &Type, b: &Type) -> bool {
    matches!(
        (a, b),
        (Type::Timestamp, Type::Duration) | (Type::Duration, Type::Timestamp)
    )
}

impl Checker<'_> {
    pub(super) fn check_expr(&mut self, e: &ast::Expr, scope: Scope) -> Expr {
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

    fn mismatch(&mut self, span: Span, message: String, help: &str) {
        self.diagnostics.push(
            Diagnostic::new(Code::TypeMismatch, span, message, "wrong type here").with_help(help),
        );
    }

    /// A sub-expression that must be a condition (operand of `and`, `or`, `not`).
    fn condition(&mut self, e: &ast::Expr, scope: Scope, word: &str) -> Expr {
        let checked = self.check_expr(e, scope);
        if !checked.ty.compatible(&Type::Bool) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    checked.span,
                    format!(
                        "{word} needs conditions, but this is a {}",
                        checked.ty.name()
                    ),
                    format!("a {}, not a bool", checked.ty.name()),
                )
                .with_help("compare the value to get a condition, e.g. `count(purchase) > 0`"),
            );
            return error_expr(checked.span);
        }
        checked
    }

    fn negate(&mut self, inner: &ast::Expr, span: Span, scope: Scope) -> Expr {
        let operand = self.check_expr(inner, scope);
        match (&operand.kind, &operand.ty) {
            (_, t) if t.is_wild() => error_expr(span),
            (ExprKind::Const(Value::Number(n)), _) => {
                constant(Value::Number(-n), Type::Number, span)
            }
            (ExprKind::Const(Value::Duration(d)), _) if d.checked_neg().is_some() => {
                constant(Value::Duration(-d), Type::Duration, span)
            }
            (_, Type::Number | Type::Duration) => {
                let ty = operand.ty.clone();
                Expr {
                    kind: ExprKind::Neg(Box::new(operand)),
                    ty,
                    span,
                }
            }
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

    pub(super) fn expand_let(&mut self, index: usize, scope: Scope, use_span: Span) -> Expr {
        self.let_used[index] = true;
        if let Some(position) = self.let_stack.iter().position(|&i| i == index) {
            let names: Vec<&str> = self.let_stack[position..]
                .iter()
                .map(|&i| self.lets[i].name.name.as_str())
                .collect();
            let cycle = format!("{} -> {}", names.join(" -> "), names[0]);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ReferenceCycle,
                    use_span,
                    format!("lets refer to each other in a cycle: {cycle}"),
                    "this refers back into the cycle",
                )
                .with_secondary(self.lets[index].name.span, "defined here")
                .with_help("a `let` cannot depend on itself"),
            );
            return error_expr(use_span);
        }
        let key = (index, scope);
        if let Some(cached) = self.let_cache.get(&key) {
            let cached = cached.clone();
            self.collect_refs(&cached);
            return cached;
        }
        self.let_stack.push(index);
        let value = self.lets[index].value;
        let checked = self.check_expr(value, scope);
        self.let_stack.pop();
        self.let_cache.insert(key, checked.clone());
        checked
    }

    /// Records the segment references inside an expanded `let` for the current segment.
    fn collect_refs(&mut self, e: &Expr) {
        let mut copy = e.clone();
        let mut found = Vec::new();
        crate::plan::visit_mut(&mut copy, &mut |x| {
            if let ExprKind::SegmentRef(id) = x.kind {
                found.push((id, x.span));
            }
        });
        self.refs.extend(found);
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
    fn property(&mut self, event: EventId, ident: &ast::Ident) -> Option<(usize, FieldType)> {
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

    fn attribute(&mut self, scope: AttrScope, name: &ast::Ident) -> Option<(usize, FieldType)> {
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

    fn user_only(&mut self, span: Span, what: &str, instead: &str) {
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
        Expr {
            kind: ExprKind::Arith(op, Box::new(lhs), Box::new(rhs)),
            ty,
            span,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Calls

    fn call(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
        let name = call.func.name.as_str();
        if let Some(builtin) = builtins::find(name) {
            return match builtin.form {
                Form::Aggregate(function) => self.aggregate(function, call, span, scope),
                Form::Steps => self.steps(call, span, scope),
                Form::Changed => self.changed(call, span, scope),
                Form::AnyUsers => self.users(Quantifier::Any, call, span, scope),
                Form::AllUsers => self.users(Quantifier::All, call, span, scope),
                Form::Lower | Form::Len | Form::Bucket => {
                    self.string_function(builtin.form, call, span, scope)
                }
            };
        }
        if self.schema.verb(name).is_some() {
            return self.verb(call, span, scope);
        }
        let mut candidates: Vec<&str> = builtins::BUILTINS.iter().map(|b| b.name).collect();
        candidates.extend(self.schema.verbs.iter().map(|v| v.name.as_str()));
        let mut d = Diagnostic::new(
            Code::UnknownFunction,
            call.func.span,
            format!("`{name}` is not a function or a verb"),
            "unknown function",
        );
        if let Some(close) = closest(name, candidates.into_iter()) {
            d = d.with_help(format!("did you mean `{close}`?"));
        } else if self.schema.event_id(name).is_some() {
            d = d.with_help(format!(
                "`{name}` is an event type: test it with `did({name})`"
            ));
        } else {
            d = d.with_help("the functions are listed in docs/language.md; verbs are declared in the schema's [verbs]");
        }
        self.diagnostics.push(d);
        error_expr(span)
    }

    /// The single argument of a call, or a diagnostic.
    fn single_arg<'c>(&mut self, call: &'c ast::Call, span: Span) -> Option<&'c ast::Arg> {
        if call.args.len() == 1 {
            return Some(&call.args[0]);
        }
        let name = &call.func.name;
        let signature = builtins::find(name).map_or_else(
            || format!("{name}(KEY [where COND] [WINDOW])"),
            |b| b.signature.to_string(),
        );
        let at = call.args.get(1).map_or(span, |a| a.span);
        self.diagnostics.push(
            Diagnostic::new(
                Code::ArgumentCount,
                at,
                format!("`{name}` takes one argument, found {}", call.args.len()),
                if call.args.len() > 1 {
                    "an extra argument"
                } else {
                    "no argument"
                },
            )
            .with_help(format!("write {signature}")),
        );
        None
    }

    /// Reports the modifiers an argument carries that the call does not take.
    fn reject_modifiers(
        &mut self,
        arg: &ast::Arg,
        fname: &str,
        filter: bool,
        from_to: bool,
        window: bool,
    ) {
        let report = |what: &str, span: Span, diagnostics: &mut crate::diag::Diagnostics| {
            diagnostics.push(
                Diagnostic::new(
                    Code::MisplacedModifier,
                    span,
                    format!("`{fname}` takes no {what}"),
                    "not allowed here",
                )
                .with_help(builtins::find(fname).map_or_else(
                    || format!("write {fname}(KEY [where COND] [WINDOW])"),
                    |b| format!("write {}", b.signature),
                )),
            );
        };
        if !filter {
            if let Some(e) = &arg.filter {
                report("`where`", e.span, &mut self.diagnostics);
            }
        }
        if !from_to {
            for e in [&arg.from, &arg.to].into_iter().flatten() {
                report("`from` or `to`", e.span, &mut self.diagnostics);
            }
        }
        if !window {
            if let Some(w) = &arg.window {
                report("window", w.span, &mut self.diagnostics);
            }
        }
    }

    /// `EVENT [where ...] [WINDOW]` or `EVENT.PROPERTY ...`: the set and the property.
    fn event_set(
        &mut self,
        arg: &ast::Arg,
        fname: &str,
        scope: Scope,
    ) -> Option<(EventSet, Option<PropertyRef>)> {
        self.reject_modifiers(arg, fname, true, false, true);
        if scope.target == Target::Account {
            self.user_only(
                arg.span,
                &format!("`{fname}(...)` reads a user's events"),
                &format!("any(users where {fname}(...))"),
            );
            return None;
        }
        let (event_ident, property_ident) = match &arg.value.unparen().kind {
            ast::ExprKind::Name(event) => (event, None),
            ast::ExprKind::Path(event, property) => (event, Some(property)),
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentKind,
                        arg.value.span,
                        format!("`{fname}` takes an event type, such as `{fname}(purchase)`"),
                        "not an event type",
                    )
                    .with_help(
                        builtins::find(fname)
                            .map_or(String::new(), |b| format!("write {}", b.signature)),
                    ),
                );
                return None;
            }
        };
        let event = self.event(event_ident)?;
        let property = match property_ident {
            None => None,
            Some(ident) => {
                let (index, ty) = self.property(event, ident)?;
                Some((index, ty, ident.span))
            }
        };
        let filter = arg.filter.as_ref().map(|f| self.filter(f, event, scope));
        let window = self.window(arg.window.as_ref(), scope);
        Some((
            EventSet {
                event,
                filter: filter.map(Box::new),
                window,
                span: arg.span,
            },
            property,
        ))
    }

    fn event(&mut self, ident: &ast::Ident) -> Option<EventId> {
        if let Some(id) = self.schema.event_id(&ident.name) {
            return Some(id);
        }
        let mut d = Diagnostic::new(
            Code::UnknownEvent,
            ident.span,
            format!("there is no event type `{}`", ident.name),
            "not in the schema",
        );
        d = if let Some(close) = closest(
            &ident.name,
            self.schema.events.iter().map(|e| e.name.as_str()),
        ) {
            d.with_help(format!("did you mean `{close}`?"))
        } else if self.schema.verb(&ident.name).is_some() {
            d.with_help(format!("`{0}` is a verb: call it, `{0}(KEY)`", ident.name))
        } else {
            d.with_help("event types are declared in the schema's [events.NAME] tables")
        };
        self.diagnostics.push(d);
        None
    }

    /// A `where` clause over events of one type.
    fn filter(&mut self, e: &ast::Expr, event: EventId, scope: Scope) -> Expr {
        let checked = self.check_expr(
            e,
            Scope {
                event: Some(event),
                ..scope
            },
        );
        if !checked.ty.compatible(&Type::Bool) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::WhereNotBool,
                    checked.span,
                    format!(
                        "a `where` clause must be a condition, but this is a {}",
                        checked.ty.name()
                    ),
                    format!("a {}", checked.ty.name()),
                )
                .with_help("compare the value, e.g. `where value > 0`"),
            );
            return error_expr(checked.span);
        }
        checked
    }

    fn aggregate(
        &mut self,
        function: AggregateFn,
        call: &ast::Call,
        span: Span,
        scope: Scope,
    ) -> Expr {
        let Some(arg) = self.single_arg(call, span) else {
            return error_expr(span);
        };
        let fname = call.func.name.as_str();
        if function == AggregateFn::Count
            && matches!(&arg.value.unparen().kind, ast::ExprKind::Name(n) if n.name == "users")
        {
            return self.users(Quantifier::Count, call, span, scope);
        }
        let Some((set, property)) = self.event_set(arg, fname, scope) else {
            return error_expr(span);
        };
        let needs_property = matches!(
            function,
            AggregateFn::Sum
                | AggregateFn::Avg
                | AggregateFn::Min
                | AggregateFn::Max
                | AggregateFn::Top
                | AggregateFn::Distinct
        );
        let takes_property =
            needs_property || matches!(function, AggregateFn::First | AggregateFn::Last);
        let event_name = &self.schema.event(set.event).name;
        match property {
            None if needs_property => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentKind,
                        arg.value.span,
                        format!("`{fname}` aggregates a property: name one, such as `{fname}({event_name}.PROPERTY)`"),
                        "an event type, not a property",
                    )
                    .with_help(builtins::find(fname).map_or(String::new(), |b| format!("write {}", b.signature))),
                );
                return error_expr(span);
            }
            Some((_, _, prop_span)) if !takes_property => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentKind,
                        prop_span,
                        format!("`{fname}` counts events, not a property's values"),
                        "drop the property",
                    )
                    .with_help(format!(
                        "write `{fname}({event_name})`, or test the property in `where`"
                    )),
                );
                return error_expr(span);
            }
            _ => {}
        }
        if let Some((_, ty, prop_span)) = property {
            let numeric = matches!(
                function,
                AggregateFn::Sum | AggregateFn::Avg | AggregateFn::Min | AggregateFn::Max
            );
            if numeric && ty != FieldType::Number {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::AggregateType,
                        prop_span,
                        format!(
                            "`{fname}` needs a number property, but this one is a {}",
                            ty.name()
                        ),
                        format!("a {} property", ty.name()),
                    )
                    .with_help(
                        "`distinct`, `top`, `first` and `last` work on properties of any type",
                    ),
                );
                return error_expr(span);
            }
        }
        let ty = match (function, property) {
            (AggregateFn::Did, _) => Type::Bool,
            (AggregateFn::First | AggregateFn::Last, None) => Type::Timestamp,
            (AggregateFn::First | AggregateFn::Last | AggregateFn::Top, Some((_, ty, _))) => {
                ty.into()
            }
            _ => Type::Number,
        };
        let aggregate = crate::plan::Aggregate {
            function,
            set,
            property: property.map(|(i, _, _)| i),
        };
        Expr {
            kind: ExprKind::Aggregate(aggregate),
            ty,
            span,
        }
    }

    fn verb(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
        let Some(arg) = self.single_arg(call, span) else {
            return error_expr(span);
        };
        let verb = self
            .schema
            .verb(&call.func.name)
            .expect("caller checked")
            .clone();
        self.reject_modifiers(arg, &verb.name, true, false, true);
        if scope.target == Target::Account {
            self.user_only(
                span,
                &format!("`{}(...)` reads a user's events", verb.name),
                &format!("any(users where {}(...))", verb.name),
            );
            return error_expr(span);
        }
        let key_field = &self.schema.event(verb.event).properties[verb.key];
        let key_type: Type = key_field.ty.into();
        let key = self.check_expr(&arg.value, scope.without_event());
        let op = match &key.ty {
            t if t.is_wild() => return error_expr(span),
            Type::List(element) if element.compatible(&key_type) => CompareOp::In,
            t if *t == key_type => CompareOp::Eq,
            other => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        key.span,
                        format!(
                            "`{}` takes a {} (its key `{}`) or a list of them, not a {}",
                            verb.name,
                            key_type.name(),
                            key_field.name,
                            other.name()
                        ),
                        format!("a {}", other.name()),
                    )
                    .with_help(format!(
                        "the verb `{}` tests `{}` of `{}` events",
                        verb.name,
                        key_field.name,
                        self.schema.event(verb.event).name
                    )),
                );
                return error_expr(span);
            }
        };
        let property = Expr {
            kind: ExprKind::Property(verb.key),
            ty: key_type,
            span: arg.value.span,
        };
        let key_test = Expr {
            kind: ExprKind::Compare(op, Box::new(property), Box::new(key)),
            ty: Type::Bool,
            span: arg.value.span,
        };
        let filter = match &arg.filter {
            Some(f) => {
                let user_filter = self.filter(f, verb.event, scope);
                Expr {
                    kind: ExprKind::And(vec![key_test, user_filter]),
                    ty: Type::Bool,
                    span: arg.span,
                }
            }
            None => key_test,
        };
        let window = self.window(arg.window.as_ref(), scope);
        let set = EventSet {
            event: verb.event,
            filter: Some(Box::new(filter)),
            window,
            span: arg.span,
        };
        let aggregate = crate::plan::Aggregate {
            function: AggregateFn::Did,
            set,
            property: None,
        };
        Expr {
            kind: ExprKind::Aggregate(aggregate),
            ty: Type::Bool,
            span,
        }
    }

    /// `did(...)` or a verb call, as the event set a `then` or `steps` step matches.
    fn predicate(
        &mut self,
        e: &ast::Expr,
        scope: Scope,
        code: Code,
        context: &str,
    ) -> Option<EventSet> {
        let inner = e.unparen();
        if let ast::ExprKind::Call(call) = &inner.kind {
            if call.func.name == "did" || self.schema.verb(&call.func.name).is_some() {
                let checked = self.call(call, inner.span, scope);
                return match checked.kind {
                    ExprKind::Aggregate(aggregate) if checked.ty == Type::Bool => {
                        Some(aggregate.set)
                    }
                    _ => None,
                };
            }
        }
        if let ast::ExprKind::Error = inner.kind {
            return None;
        }
        self.diagnostics.push(
            Diagnostic::new(
                code,
                e.span,
                format!("{context} joins event predicates: `did(...)` or a verb call"),
                "not `did(...)` or a verb call",
            )
            .with_help("write each step as `did(EVENT ...)` or a verb such as `visited(\"/pricing\")`; combine other conditions with `and`"),
        );
        None
    }

    fn then(&mut self, steps: &[ast::ThenStep], span: Span, scope: Scope) -> Expr {
        if scope.target == Target::Account {
            self.user_only(
                span,
                "`then` reads a user's events",
                "any(users where did(a) then did(b))",
            );
            return error_expr(span);
        }
        let mut sets = Vec::with_capacity(steps.len());
        let mut ok = true;
        for (i, step) in steps.iter().enumerate() {
            if step.negated && i + 1 != steps.len() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ThenNotPosition,
                        step.op_span.unwrap_or(step.expr.span),
                        "`then not` can only be the last step",
                        "a later step follows",
                    )
                    .with_help("`A then not B` means some A with no B after it; put it last: `A then C then not B`"),
                );
                ok = false;
            }
            match self.predicate(&step.expr, scope, Code::ThenOperand, "`then`") {
                Some(set) => sets.push(set),
                None => ok = false,
            }
        }
        if !ok {
            return error_expr(span);
        }
        let last_negated = steps.last().is_some_and(|s| s.negated);
        Expr {
            kind: ExprKind::Then {
                steps: sets,
                last_negated,
            },
            ty: Type::Bool,
            span,
        }
    }

    fn steps(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
        if call.args.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ArgumentCount,
                    span,
                    "`steps` needs at least one step",
                    "no steps",
                )
                .with_help("write steps(P1, P2, ...) with did(...) or verb calls"),
            );
            return error_expr(span);
        }
        if scope.target == Target::Account {
            self.user_only(
                span,
                "`steps(...)` reads a user's events",
                "count(users where steps(...) >= 2)",
            );
            return error_expr(span);
        }
        let mut sets = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            self.reject_modifiers(arg, "steps", false, false, false);
            if let Some(set) = self.predicate(&arg.value, scope, Code::ArgumentKind, "`steps`") {
                sets.push(set);
            }
        }
        if sets.len() != call.args.len() {
            return error_expr(span);
        }
        Expr {
            kind: ExprKind::Steps(sets),
            ty: Type::Number,
            span,
        }
    }

    fn changed(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
        let Some(arg) = self.single_arg(call, span) else {
            return error_expr(span);
        };
        self.reject_modifiers(arg, "changed", false, true, true);
        let (attr_scope, ident) = match &arg.value.unparen().kind {
            ast::ExprKind::Path(head, tail) if head.name == "profile" => (AttrScope::Profile, tail),
            ast::ExprKind::Path(head, tail) if head.name == "account" => (AttrScope::Account, tail),
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentKind,
                        arg.value.span,
                        "`changed` takes an attribute: `profile.NAME` or `account.NAME`",
                        "not an attribute",
                    )
                    .with_help("write changed(profile.ATTR [from V] [to V] [WINDOW])"),
                );
                return error_expr(span);
            }
        };
        if attr_scope == AttrScope::Profile && scope.target == Target::Account {
            self.user_only(
                arg.value.span,
                "`profile.` reads a user's attribute",
                "any(users where changed(profile.x ...))",
            );
            return error_expr(span);
        }
        let Some((attribute, field_type)) = self.attribute(attr_scope, ident) else {
            return error_expr(span);
        };
        let want: Type = field_type.into();
        let value =
            |e: &Option<ast::Expr>, word: &str, this: &mut Self| -> Option<Option<Box<Expr>>> {
                let Some(e) = e else { return Some(None) };
                let checked = this.check_expr(e, scope.without_event());
                if !checked.ty.compatible(&want) {
                    this.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            checked.span,
                            format!(
                                "`{word}` takes a {} like the attribute, not a {}",
                                want.name(),
                                checked.ty.name()
                            ),
                            format!("a {}", checked.ty.name()),
                        )
                        .with_help(format!(
                            "`{}` is a {}",
                            ident.name,
                            want.name()
                        )),
                    );
                    return None;
                }
                Some(Some(Box::new(checked)))
            };
        let from = value(&arg.from, "from", self);
        let to = value(&arg.to, "to", self);
        let window = self.window(arg.window.as_ref(), scope);
        let (Some(from), Some(to)) = (from, to) else {
            return error_expr(span);
        };
        Expr {
            kind: ExprKind::Changed(Changed {
                scope: attr_scope,
                attribute,
                from,
                to,
                window,
            }),
            ty: Type::Bool,
            span,
        }
    }

    fn users(
        &mut self,
        quantifier: Quantifier,
        call: &ast::Call,
        span: Span,
        scope: Scope,
    ) -> Expr {
        let Some(arg) = self.single_arg(call, span) else {
            return error_expr(span);
        };
        let fname = call.func.name.as_str();
        self.reject_modifiers(arg, fname, true, false, false);
        if !matches!(&arg.value.unparen().kind, ast::ExprKind::Name(n) if n.name == "users") {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ArgumentKind,
                    arg.value.span,
                    format!("`{fname}` takes `users where COND`"),
                    "expected `users`",
                )
                .with_help(format!("write {fname}(users where COND)")),
            );
            return error_expr(span);
        }
        if scope.target == Target::User {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::AccountOnlyForm,
                    span,
                    format!("`{fname}(users ...)` looks at an account's users, but this is a user-level expression"),
                    "account-only",
                )
                .with_help("define the segment on accounts: `segment NAME on account = ...`"),
            );
            return error_expr(span);
        }
        let user_scope = Scope {
            target: Target::User,
            event: None,
        };
        let filter = arg.filter.as_ref().map(|f| {
            let checked = self.check_expr(f, user_scope);
            if checked.ty.compatible(&Type::Bool) {
                checked
            } else {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::WhereNotBool,
                        checked.span,
                        format!(
                            "a `where` clause must be a condition, but this is a {}",
                            checked.ty.name()
                        ),
                        format!("a {}", checked.ty.name()),
                    )
                    .with_help("compare the value, e.g. `users where count(login within 7d) > 0`"),
                );
                error_expr(checked.span)
            }
        });
        let ty = if quantifier == Quantifier::Count {
            Type::Number
        } else {
            Type::Bool
        };
        Expr {
            kind: ExprKind::Users {
                quantifier,
                filter: filter.map(Box::new),
            },
            ty,
            span,
        }
    }

    fn string_function(&mut self, form: Form, call: &ast::Call, span: Span, scope: Scope) -> Expr {
        let Some(arg) = self.single_arg(call, span) else {
            return error_expr(span);
        };
        let fname = call.func.name.as_str();
        self.reject_modifiers(arg, fname, false, false, false);
        let value = self.check_expr(&arg.value, scope);
        if !value.ty.compatible(&Type::String) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    value.span,
                    format!("`{fname}` takes a string, not a {}", value.ty.name()),
                    format!("a {}", value.ty.name()),
                )
                .with_help(
                    builtins::find(fname)
                        .map_or(String::new(), |b| format!("write {}", b.signature)),
                ),
            );
            return error_expr(span);
        }
        let (kind, ty) = match form {
            Form::Lower => (ExprKind::Lower(Box::new(value)), Type::String),
            Form::Len => (ExprKind::Len(Box::new(value)), Type::Number),
            _ => (ExprKind::Bucket(Box::new(value)), Type::Number),
        };
        Expr { kind, ty, span }
    }

    // -----------------------------------------------------------------------------------------
    // Windows

    fn window(&mut self, window: Option<&ast::Window>, scope: Scope) -> Window {
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

    fn empty_window(&mut self, span: Span, why: &str) {
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

    fn bound(&mut self, e: &ast::Expr, want: &Type, word: &str, scope: Scope) -> Expr {
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

fn with_article(target: Target) -> &'static str {
    match target {
        Target::User => "a user",
        Target::Account => "an account",
    }
}

//! Checking calls: aggregates over event sets, verbs, `then` and `steps` predicates,
//! `changed`, the `users` quantifiers of account segments, and the string functions. Each
//! form checks its arguments' kinds and modifiers (`where`, `from`/`to`, windows).

use super::expr::{error_expr, PropertyRef, Scope};
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::names::builtins::{self, Form, PropertyUse};
use crate::names::closest;
use crate::plan::{AggregateFn, AttrScope, Changed, EventSet, Expr, ExprKind, Quantifier, Type};
use crate::schema::{EventId, FieldType};
use crate::source::Span;
use crate::syntax::ast::{self, CompareOp, Target};

/// The builtins over one string.
#[derive(Clone, Copy)]
pub(super) enum StringFn {
    Lower,
    Len,
    Bucket,
}

impl Checker<'_> {
    pub(super) fn call(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
        let name = call.func.name.as_str();
        if let Some(builtin) = builtins::find(name) {
            return match builtin.form {
                Form::Aggregate(function) => self.aggregate(function, call, span, scope),
                Form::Steps => self.steps(call, span, scope),
                Form::Changed => self.changed(call, span, scope),
                Form::AnyUsers => self.users(Quantifier::Any, call, span, scope),
                Form::AllUsers => self.users(Quantifier::All, call, span, scope),
                Form::Lower => self.string_function(StringFn::Lower, call, span, scope),
                Form::Len => self.string_function(StringFn::Len, call, span, scope),
                Form::Bucket => self.string_function(StringFn::Bucket, call, span, scope),
                Form::Listed => self.listed(call, span),
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
    pub(super) fn single_arg<'c>(
        &mut self,
        call: &'c ast::Call,
        span: Span,
    ) -> Option<&'c ast::Arg> {
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
    pub(super) fn reject_modifiers(
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
    pub(super) fn event_set(
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

    pub(super) fn event(&mut self, ident: &ast::Ident) -> Option<EventId> {
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
    pub(super) fn filter(&mut self, e: &ast::Expr, event: EventId, scope: Scope) -> Expr {
        let checked = self.check_expr(
            e,
            Scope {
                event: Some(event),
                ..scope
            },
        );
        self.expect_condition(
            checked,
            Code::WhereNotBool,
            "a `where` clause",
            "compare the value, e.g. `where value > 0`",
        )
    }

    pub(super) fn aggregate(
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
        let uses = function.property();
        let needs_property = matches!(uses, PropertyUse::Number | PropertyUse::Any);
        let takes_property = uses != PropertyUse::None;
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
            let numeric = uses == PropertyUse::Number;
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
            // No wildcard: a new aggregate must say what it gives. (`top` without a property
            // was reported above.)
            (
                AggregateFn::Count
                | AggregateFn::Sum
                | AggregateFn::Avg
                | AggregateFn::Min
                | AggregateFn::Max
                | AggregateFn::Distinct
                | AggregateFn::Days,
                _,
            )
            | (AggregateFn::Top, None) => Type::Number,
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

    pub(super) fn verb(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
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
    pub(super) fn predicate(
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

    pub(super) fn then(&mut self, steps: &[ast::ThenStep], span: Span, scope: Scope) -> Expr {
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

    pub(super) fn steps(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
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

    pub(super) fn changed(&mut self, call: &ast::Call, span: Span, scope: Scope) -> Expr {
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

    pub(super) fn users(
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
            self.expect_condition(
                checked,
                Code::WhereNotBool,
                "a `where` clause",
                "compare the value, e.g. `users where count(login within 7d) > 0`",
            )
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

    pub(super) fn string_function(
        &mut self,
        form: StringFn,
        call: &ast::Call,
        span: Span,
        scope: Scope,
    ) -> Expr {
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
            StringFn::Lower => (ExprKind::Lower(Box::new(value)), Type::String),
            StringFn::Len => (ExprKind::Len(Box::new(value)), Type::Number),
            StringFn::Bucket => (ExprKind::Bucket(Box::new(value)), Type::Number),
        };
        Expr { kind, ty, span }
    }
}

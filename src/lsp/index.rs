//! The names of a project's files for the language server: where each segment, `let` and
//! campaign is defined, and every place a segment or `let` is named. A bare name inside a
//! `where` is the event's property when the event has one of that name (as the checker
//! reads it), so it is not a reference.

use crate::schema::Schema;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Expr, ExprKind, ItemKind, Module, Target, WindowKind};

/// What a definition defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Segment(Target),
    Let,
    Campaign,
}

/// A defined name.
#[derive(Debug, Clone)]
pub struct Definition {
    pub name: String,
    pub kind: Kind,
    /// The name where it is defined.
    pub span: Span,
    /// The whole item.
    pub item: Span,
    pub description: Option<String>,
}

/// Every definition and every use of a name of the project.
#[derive(Debug, Default)]
pub struct Index {
    pub definitions: Vec<Definition>,
    /// A name as it is used (a segment, a `let`, or an unknown name), at its span.
    pub uses: Vec<(String, Span)>,
}

impl Index {
    #[must_use]
    pub fn build(modules: &[Module], schema: Option<&Schema>) -> Index {
        let mut index = Index::default();
        for module in modules {
            for item in &module.items {
                index.item(item, schema);
            }
        }
        index
    }

    fn item(&mut self, item: &ast::Item, schema: Option<&Schema>) {
        let mut define = |name: &ast::Ident, kind, description: Option<&ast::StringLit>| {
            self.definitions.push(Definition {
                name: name.name.clone(),
                kind,
                span: name.span,
                item: item.span,
                description: description.map(|d| d.value.clone()),
            });
        };
        match &item.kind {
            ItemKind::Import(_) => {}
            ItemKind::Let { name, value } => {
                define(name, Kind::Let, None);
                self.expr(value, None, schema);
            }
            ItemKind::Segment(segment) => {
                define(
                    &segment.name,
                    Kind::Segment(segment.target),
                    segment.description.as_ref(),
                );
                self.expr(&segment.body, None, schema);
            }
            ItemKind::Campaign(campaign) => {
                define(
                    &campaign.name,
                    Kind::Campaign,
                    campaign.description.as_ref(),
                );
                for e in [
                    Some(&campaign.target),
                    campaign.goal.as_ref(),
                    campaign.exclude.as_ref(),
                ]
                .into_iter()
                .flatten()
                {
                    self.expr(e, None, schema);
                }
            }
        }
    }

    /// Walks an expression; `event` is the event type whose properties bare names may be
    /// (inside a `where`).
    fn expr(&mut self, e: &Expr, event: Option<&str>, schema: Option<&Schema>) {
        match &e.kind {
            ExprKind::Name(ident) => {
                let property = match (event, schema) {
                    (Some(ev), Some(s)) => s
                        .event_id(ev)
                        .is_some_and(|id| s.event(id).property(&ident.name).is_some()),
                    _ => false,
                };
                if !property {
                    self.uses.push((ident.name.clone(), ident.span));
                }
            }
            ExprKind::List(items) | ExprKind::Logic(_, items) => {
                for item in items {
                    self.expr(item, event, schema);
                }
            }
            ExprKind::Paren(inner)
            | ExprKind::Not(inner)
            | ExprKind::Neg(inner)
            | ExprKind::Ago(inner)
            | ExprKind::IsSet { expr: inner, .. } => self.expr(inner, event, schema),
            ExprKind::Compare(_, a, b) | ExprKind::Arith(_, a, b) => {
                self.expr(a, event, schema);
                self.expr(b, event, schema);
            }
            ExprKind::Then(steps) => {
                for step in steps {
                    self.expr(&step.expr, event, schema);
                }
            }
            ExprKind::Call(call) => {
                for arg in &call.args {
                    // The event of an event set is not a name of the program.
                    let of = match &arg.value.kind {
                        ExprKind::Name(ident)
                            if schema.is_some_and(|s| s.event_id(&ident.name).is_some()) =>
                        {
                            Some(ident.name.as_str())
                        }
                        _ => {
                            self.expr(&arg.value, event, schema);
                            None
                        }
                    };
                    if let Some(filter) = &arg.filter {
                        self.expr(filter, of.or(event), schema);
                    }
                    for e in [arg.from.as_ref(), arg.to.as_ref()].into_iter().flatten() {
                        self.expr(e, event, schema);
                    }
                    if let Some(window) = &arg.window {
                        match &window.kind {
                            WindowKind::Within(e)
                            | WindowKind::Before(e)
                            | WindowKind::After(e) => {
                                self.expr(e, event, schema);
                            }
                            WindowKind::Between(a, b) => {
                                self.expr(a, event, schema);
                                self.expr(b, event, schema);
                            }
                            WindowKind::Today | WindowKind::Yesterday | WindowKind::During(..) => {}
                        }
                    }
                }
            }
            ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Bool(_)
            | ExprKind::Duration(_)
            | ExprKind::Date(_)
            | ExprKind::Timestamp(_)
            | ExprKind::Now
            | ExprKind::Path(..)
            | ExprKind::Error => {}
        }
    }

    /// The definition of `name` (segments, `let`s and campaigns share one namespace).
    #[must_use]
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.name == name)
    }

    /// The name (defined or used) at byte `offset` of `file`.
    #[must_use]
    pub fn name_at(&self, file: FileId, offset: usize) -> Option<(&str, Span)> {
        let covers = |s: &Span| s.file == file && s.start <= offset && offset <= s.end;
        self.definitions
            .iter()
            .map(|d| (d.name.as_str(), d.span))
            .chain(self.uses.iter().map(|(n, s)| (n.as_str(), *s)))
            .find(|(_, s)| covers(s))
    }

    /// Every span where `name` is defined or used, the definition first.
    #[must_use]
    pub fn occurrences(&self, name: &str) -> Vec<Span> {
        self.definitions
            .iter()
            .filter(|d| d.name == name)
            .map(|d| d.span)
            .chain(self.uses.iter().filter(|(n, _)| n == name).map(|(_, s)| *s))
            .collect()
    }
}

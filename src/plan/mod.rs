//! The typed plan: what every engine consumes. Names are resolved to indexes (events,
//! properties, attributes, segments), verbs and `let`s are expanded, parentheses and sugar
//! (`7d ago`, dates) are gone, and every expression carries its type. Segments are listed in
//! dependency order: a segment comes after every segment it refers to.

pub mod arith;
pub mod value;

use crate::schema::{EventId, FieldType};
use crate::source::Span;
pub use crate::syntax::ast::{ArithOp, CalendarUnit, CompareOp, Target};

/// The type of a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    Timestamp,
    Duration,
    /// A list of values of one type (`Unknown` for the empty list).
    List(Box<Type>),
    /// The element type of an empty list: matches anything.
    Unknown,
    /// A sub-expression that had an error: matches anything, so no follow-on errors.
    Error,
}

impl Type {
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Duration => "duration".into(),
            Type::List(t) => format!("list of {}", t.name()),
            Type::Unknown => "unknown".into(),
            Type::Error => "error".into(),
        }
    }

    /// Matches anything (an error or the element type of an empty list).
    #[must_use]
    pub fn is_wild(&self) -> bool {
        matches!(self, Type::Error | Type::Unknown)
    }

    /// Equal, or one side wild (element-wise for lists).
    #[must_use]
    pub fn compatible(&self, other: &Type) -> bool {
        match (self, other) {
            (a, b) if a.is_wild() || b.is_wild() => true,
            (Type::List(a), Type::List(b)) => a.compatible(b),
            (a, b) => a == b,
        }
    }
}

impl From<FieldType> for Type {
    fn from(t: FieldType) -> Type {
        match t {
            FieldType::String => Type::String,
            FieldType::Number => Type::Number,
            FieldType::Bool => Type::Bool,
            FieldType::Timestamp => Type::Timestamp,
        }
    }
}

/// A constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Number(f64),
    String(String),
    /// Microseconds since the epoch.
    Timestamp(i64),
    /// Microseconds.
    Duration(i64),
    List(Vec<Value>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentId(pub u32);

/// The whole program: every segment of the loaded files.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// In dependency order.
    pub segments: Vec<Segment>,
    /// The campaigns of the loaded files, in file order (their expressions refer to
    /// `segments`).
    pub campaigns: Vec<Campaign>,
    /// The schema the plan was checked against (its indexes point into it).
    pub schema: crate::schema::Schema,
}

impl Plan {
    #[must_use]
    pub fn segment(&self, id: SegmentId) -> &Segment {
        &self.segments[id.0 as usize]
    }

    /// The segments `roots` need (themselves and those they refer to, transitively), renumbered
    /// in the same order; also the roots' new ids.
    #[must_use]
    pub fn prune(&self, roots: &[SegmentId]) -> (Plan, Vec<SegmentId>) {
        let n = self.segments.len();
        let mut keep = vec![false; n];
        let mut stack: Vec<SegmentId> = roots.to_vec();
        while let Some(id) = stack.pop() {
            let i = id.0 as usize;
            if !keep[i] {
                keep[i] = true;
                stack.extend(&self.segments[i].depends_on);
            }
        }
        let mut new_id = vec![None; n];
        let mut next = 0u32;
        for (i, kept) in keep.iter().enumerate() {
            if *kept {
                new_id[i] = Some(SegmentId(next));
                next += 1;
            }
        }
        let renumber =
            |id: SegmentId| new_id[id.0 as usize].expect("a kept segment's references are kept");
        let segments = self
            .segments
            .iter()
            .zip(&keep)
            .filter(|(_, kept)| **kept)
            .map(|(segment, _)| {
                let mut segment = segment.clone();
                visit_mut(&mut segment.body, &mut |e| {
                    if let ExprKind::SegmentRef(id) = &mut e.kind {
                        *id = renumber(*id);
                    }
                });
                segment.depends_on = segment.depends_on.iter().map(|&id| renumber(id)).collect();
                segment
            })
            .collect();
        // Campaigns read segments the roots may not need: a pruned plan has none.
        let pruned = Plan {
            segments,
            campaigns: Vec::new(),
            schema: self.schema.clone(),
        };
        (pruned, roots.iter().map(|&id| renumber(id)).collect())
    }

    /// Whether evaluating the plan reads accounts: an account segment, or an account
    /// attribute (or its history) in a user segment.
    #[must_use]
    pub fn uses_accounts(&self) -> bool {
        fn reads_accounts(e: &Expr) -> bool {
            let here = match &e.kind {
                ExprKind::Attribute(scope, _) => *scope == AttrScope::Account,
                ExprKind::Changed(changed) => changed.scope == AttrScope::Account,
                _ => false,
            };
            let mut below = false;
            for_each_child(e, &mut |child| below = below || reads_accounts(child));
            here || below
        }
        self.segments
            .iter()
            .any(|s| s.target == Target::Account || reads_accounts(&s.body))
    }

    #[must_use]
    pub fn find(&self, name: &str) -> Option<SegmentId> {
        self.segments
            .iter()
            .position(|s| s.name == name)
            .map(|i| SegmentId(u32::try_from(i).expect("fewer than 2^32 segments")))
    }
}

/// A campaign: whom it targets (users only), the goal it counts, whom it leaves out, the
/// percent of its target held out (by `bucket(name)`), its rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub name: String,
    pub description: Option<String>,
    pub target: Expr,
    pub goal: Option<Expr>,
    pub exclude: Option<Expr>,
    /// 0 to 99: users with `bucket(name) < holdout` are held out of the campaign.
    pub holdout: u32,
    /// Lower first; campaigns without one come after those with one.
    pub priority: Option<u32>,
    /// The campaign's name in its file.
    pub span: Span,
}

impl Campaign {
    /// Its expressions: target, then goal and exclude where given.
    pub fn exprs_mut(&mut self) -> impl Iterator<Item = &mut Expr> {
        std::iter::once(&mut self.target)
            .chain(self.goal.as_mut())
            .chain(self.exclude.as_mut())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: String,
    pub description: Option<String>,
    pub target: Target,
    pub body: Expr,
    /// The segment's name in its file.
    pub span: Span,
    /// Segments this one refers to directly.
    pub depends_on: Vec<SegmentId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

/// Where an attribute lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrScope {
    /// The user's profile.
    Profile,
    /// The user's account (in user segments) or the account itself (in account segments).
    Account,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Const(Value),
    /// The evaluation instant.
    Now,
    /// A list whose items are not all constants.
    List(Vec<Expr>),
    /// Inside an event set's `where`: a property of the event (index into its properties).
    Property(usize),
    /// Inside an event set's `where`: the event's timestamp.
    EventTs,
    /// An attribute's value as of `now` (index into the schema's profile or account fields).
    Attribute(AttrScope, usize),
    /// Membership in another segment.
    SegmentRef(SegmentId),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `matches` with its pattern (checked to compile).
    Matches(Box<Expr>, String),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    IsSet {
        negated: bool,
        expr: Box<Expr>,
    },
    Aggregate(Aggregate),
    /// `P1 then P2 ...`; `last_negated` for a final `then not`.
    Then {
        steps: Vec<EventSet>,
        last_negated: bool,
    },
    /// How many steps of the funnel are done in order.
    Steps(Vec<EventSet>),
    Changed(Changed),
    /// Over the account's users (account segments only).
    Users {
        quantifier: Quantifier,
        filter: Option<Box<Expr>>,
    },
    Lower(Box<Expr>),
    Len(Box<Expr>),
    Bucket(Box<Expr>),
    /// `listed("FILE")`: whether the entity's id is in a list someone provided, read when the
    /// program was checked.
    Listed(std::sync::Arc<List>),
}

/// The ids of a `listed()` file, read and checked by the checker.
#[derive(Debug, PartialEq, Eq)]
pub struct List {
    /// The file's name as the segment wrote it.
    pub name: String,
    pub ids: std::collections::HashSet<Box<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    Count,
    Any,
    All,
}

/// An aggregate over an event set.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub function: AggregateFn,
    pub set: EventSet,
    /// The property aggregated (for `sum`, `first(E.p)`, ...).
    pub property: Option<usize>,
}

/// The aggregates are declared with the builtin functions, in the language's vocabulary.
pub use crate::names::builtins::AggregateFn;

/// `EVENT [where EXPR] [WINDOW]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSet {
    pub event: EventId,
    pub filter: Option<Box<Expr>>,
    pub window: Window,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    All,
    /// `now - d <= ts < now`.
    Within(Box<Expr>),
    Today,
    Yesterday,
    /// `a <= ts < b`.
    Between(Box<Expr>, Box<Expr>),
    Before(Box<Expr>),
    After(Box<Expr>),
    /// Calendar values (months 1-12, ISO weekdays 1-7, hours 0-23), in UTC.
    During(CalendarUnit, Vec<u32>),
}

/// `changed(profile.x [from V] [to V] [WINDOW])`.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub scope: AttrScope,
    pub attribute: usize,
    pub from: Option<Box<Expr>>,
    pub to: Option<Box<Expr>>,
    pub window: Window,
}

/// The direct children of an expression: operands, event-set filters and window bounds,
/// `changed` values and window, a `users` filter. One body for the shared and the mutable walk.
macro_rules! each_child {
    ($expr:expr, $f:expr, $($m:tt)?) => {{
        let f = $f;
        let window = |window: &$($m)? Window, f: &mut dyn FnMut(&$($m)? Expr)| match window {
            Window::All | Window::Today | Window::Yesterday | Window::During(..) => {}
            Window::Within(e) | Window::Before(e) | Window::After(e) => f(e),
            Window::Between(a, b) => {
                f(a);
                f(b);
            }
        };
        let set = |set: &$($m)? EventSet, f: &mut dyn FnMut(&$($m)? Expr)| {
            if let Some(e) = & $($m)? set.filter {
                f(e);
            }
            window(& $($m)? set.window, f);
        };
        match & $($m)? $expr.kind {
            ExprKind::Const(_)
            | ExprKind::Now
            | ExprKind::Property(_)
            | ExprKind::EventTs
            | ExprKind::Attribute(..)
            | ExprKind::SegmentRef(_)
            | ExprKind::Listed(_) => {}
            ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items {
                    f(item);
                }
            }
            ExprKind::Not(e)
            | ExprKind::Neg(e)
            | ExprKind::Matches(e, _)
            | ExprKind::IsSet { expr: e, .. }
            | ExprKind::Lower(e)
            | ExprKind::Len(e)
            | ExprKind::Bucket(e) => f(e),
            ExprKind::Compare(_, a, b) | ExprKind::Arith(_, a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Aggregate(aggregate) => set(& $($m)? aggregate.set, f),
            ExprKind::Then { steps, .. } | ExprKind::Steps(steps) => {
                for s in steps {
                    set(s, f);
                }
            }
            ExprKind::Changed(changed) => {
                for e in [& $($m)? changed.from, & $($m)? changed.to].into_iter().flatten() {
                    f(e);
                }
                window(& $($m)? changed.window, f);
            }
            ExprKind::Users { filter, .. } => {
                if let Some(e) = filter {
                    f(e);
                }
            }
        }
    }};
}

/// Calls `f` on each direct child of `expr`.
pub fn for_each_child(expr: &Expr, f: &mut dyn FnMut(&Expr)) {
    each_child!(expr, f,);
}

/// Calls `f` on each direct child of `expr`, mutably.
pub fn for_each_child_mut(expr: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    each_child!(expr, f, mut);
}

/// Calls `f` on `expr` and every expression inside it (event-set filters, window bounds,
/// `changed` values, `users` filters), children first.
pub fn visit_mut(expr: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    for_each_child_mut(expr, &mut |child| visit_mut(child, f));
    f(expr);
}

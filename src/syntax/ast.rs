//! The abstract syntax tree of a `.seg` file: what the text says, before names and types
//! are resolved. Every node carries the byte span it was parsed from. Chains of `and`, `or`
//! and `then` are flat lists, so long conditions neither nest deeply nor lose their layout.

use crate::source::{FileId, Span};

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    Import(StringLit),
    Let { name: Ident, value: Expr },
    Segment(SegmentDef),
    Campaign(Box<CampaignDef>),
}

/// `campaign NAME ["DESCRIPTION"] = target E [goal E] [exclude E] [holdout N] [priority N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDef {
    pub name: Ident,
    pub description: Option<StringLit>,
    pub target: Expr,
    pub goal: Option<Expr>,
    pub exclude: Option<Expr>,
    /// The percent held out, and its span (None for a number past `u32`).
    pub holdout: Option<(Option<u32>, Span)>,
    pub priority: Option<(Option<u32>, Span)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDef {
    pub name: Ident,
    pub target: Target,
    pub description: Option<StringLit>,
    pub body: Expr,
}

/// What a segment's members are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    User,
    Account,
}

impl Target {
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Target::User => "user",
            Target::Account => "account",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    String(String),
    Bool(bool),
    /// Microseconds.
    Duration(i64),
    /// A `YYYY-MM-DD` literal: microseconds since the epoch at 00:00 UTC.
    Date(i64),
    /// Microseconds since the epoch.
    Timestamp(i64),
    Now,
    List(Vec<Expr>),
    /// A bare name: a segment, a `let`, or (inside `where`) a property.
    Name(Ident),
    /// `a.b`: `profile.x`, `account.x`, `event.property`.
    Path(Ident, Ident),
    Paren(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Logic(LogicOp, Vec<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `x is set` (`negated`: `x is not set`).
    IsSet {
        negated: bool,
        expr: Box<Expr>,
    },
    /// `7d ago`.
    Ago(Box<Expr>),
    /// `P1 then P2 [then not P3]`: two or more steps.
    Then(Vec<ThenStep>),
    Call(Call),
    /// Stands in for a sub-expression that did not parse (a diagnostic was reported).
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
}

impl CompareOp {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts_with",
            CompareOp::EndsWith => "ends_with",
            CompareOp::Matches => "matches",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThenStep {
    /// `then not` before this step.
    pub negated: bool,
    pub expr: Expr,
    /// The `then` / `then not` keyword(s) before this step (`None` for the first step).
    pub op_span: Option<Span>,
}

/// `name(arg, ...)`: builtins, aggregates and verbs alike; the checker tells them apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: Ident,
    pub args: Vec<Arg>,
}

/// A call argument with the modifiers event sets and `changed()` take.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub value: Expr,
    pub filter: Option<Expr>,
    pub from: Option<Expr>,
    pub to: Option<Expr>,
    pub window: Option<Window>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub kind: WindowKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WindowKind {
    Within(Expr),
    Today,
    Yesterday,
    Between(Expr, Expr),
    Before(Expr),
    After(Expr),
    During(CalendarUnit, Vec<(u32, Span)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarUnit {
    Months,
    Weekdays,
    Hours,
}

impl CalendarUnit {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            CalendarUnit::Months => "months",
            CalendarUnit::Weekdays => "weekdays",
            CalendarUnit::Hours => "hours",
        }
    }

    /// The values this unit takes (inclusive).
    #[must_use]
    pub fn range(self) -> (u32, u32) {
        match self {
            CalendarUnit::Months => (1, 12),
            CalendarUnit::Weekdays => (1, 7),
            CalendarUnit::Hours => (0, 23),
        }
    }
}

impl Expr {
    /// Looks through parentheses.
    #[must_use]
    pub fn unparen(&self) -> &Expr {
        match &self.kind {
            ExprKind::Paren(inner) => inner.unparen(),
            _ => self,
        }
    }
}

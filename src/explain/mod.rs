//! Member details: why one user (or account) is or is not in a segment.
//!
//! An explanation is the segment body's expression tree with the value of every
//! sub-expression for that entity, and, for each event set, the window searched (as instants
//! `[from, to)`) and the events found (the first few and how many), step by step for `then`
//! and `steps`, user by user for `users where`, and the attribute's history for `changed`.
//!
//! Nothing here re-implements the language: each node's value is the reference interpreter's
//! evaluation of that node (`Interpreter::value_for`), and event sets, `then` chains, funnels
//! and `users` filters are traced through the interpreter's own functions, which report what
//! they matched. The verdict is therefore the interpreter's. Evaluating a node and then its
//! children again costs time in the depth of the tree, which is small; every child of `and`
//! and `or` is shown, not only those up to the one that decided. Segment references are leaves
//! (explain the referenced segment to see inside it). [`text`] renders an explanation as an
//! indented tree; the types serialize to the JSON form (docs/cli.md).

pub mod text;
mod value;

use serde::Serialize;

pub use crate::interp::{Entity, Focus};
use crate::interp::{Interpreter, Matches, StepSeen};
use crate::plan::{
    AggregateFn, AttrScope, EventSet, Expr, ExprKind, Plan, Quantifier, SegmentId, Target,
};
use crate::source::{SourceMap, Span};
use crate::store::{Store, BEGINNING};
pub use value::Value;

/// How many events (users, history rows) an explanation lists; it counts them all.
pub const SHOWN: usize = 5;

/// The explanation of some segments for one id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The user or account id.
    pub id: String,
    /// The evaluation instant.
    #[serde(serialize_with = "value::instant")]
    pub as_of: i64,
    pub segments: Vec<SegmentExplanation>,
}

/// One segment for one user or account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentExplanation {
    pub segment: String,
    /// `user` or `account`.
    pub target: &'static str,
    pub id: String,
    pub member: bool,
    /// The segment's body.
    pub tree: Node,
}

/// A sub-expression and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// What the node is: `and`, `or`, `not`, `compare`, `arithmetic`, an aggregate's name
    /// (`did`, `count`, `sum`, ...), `then`, `steps`, `changed`, `attribute`, `segment`,
    /// `constant`, ... (docs/cli.md lists them).
    pub kind: &'static str,
    /// The sub-expression's text in its file (whitespace runs and comments folded).
    pub source: String,
    #[serde(skip)]
    pub span: Span,
    pub value: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
    /// What an event form, `users` quantifier or `changed` looked at.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// An aggregate's event set.
    Events(EventsFound),
    /// The steps of `then` or `steps(...)`.
    Steps(Vec<Step>),
    /// The account's users under `count`, `any` or `all(users ...)`.
    Users(UsersFound),
    /// The attribute history `changed(...)` searched.
    Changed(ChangedTrace),
}

/// The events of one event set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsFound {
    /// The event type.
    pub event: String,
    /// The window searched; None when a bound of the window is missing (nothing matches).
    pub window: Option<Window>,
    /// How many events matched.
    pub count: usize,
    /// Which end the listed events come from: `first` (earliest) or, for `last(...)`, `last`.
    pub listed: &'static str,
    /// At most [`SHOWN`] of the events, in time order.
    pub events: Vec<Event>,
}

/// A window as concrete instants: `[from, to)`, or `(from, to)` after a `then` step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    /// None: from the beginning of time.
    #[serde(serialize_with = "value::optional_instant")]
    pub from: Option<i64>,
    /// The bound is the previous step's event: only events strictly after it count.
    pub from_exclusive: bool,
    #[serde(serialize_with = "value::instant")]
    pub to: i64,
    /// A calendar filter on top (`months(11, 12)`, `weekdays(6, 7)`, `hours(9)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub during: Option<String>,
}

/// One event: its instant and its properties that are set, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub ts: i64,
    pub properties: Vec<(String, Value)>,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let properties: serde_json::Map<String, serde_json::Value> = self
            .properties
            .iter()
            .map(|(name, value)| (name.clone(), value.plain()))
            .collect();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("ts", &crate::time::format_timestamp(self.ts))?;
        map.serialize_entry("properties", &properties)?;
        map.end()
    }
}

/// One step of `then` or `steps(...)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The step's event set as written (prefixed with the event type for a verb).
    pub source: String,
    /// A final `then not` step: its search must find nothing.
    pub negated: bool,
    /// False when an earlier step found nothing, so this one was not searched.
    pub reached: bool,
    /// Which event the step takes: `earliest`, `latest` (the last positive step before a
    /// `then not`) or `none` (a `then not` step).
    pub takes: &'static str,
    /// The event taken.
    pub picked: Option<Event>,
    /// The search (None when not reached).
    pub found: Option<EventsFound>,
}

/// An account's users under a `users` quantifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsersFound {
    /// The account's users (as of the evaluation instant).
    pub total: usize,
    /// How many pass the filter.
    pub passing: usize,
    /// At most [`SHOWN`] ids of users that pass, and of users that do not.
    pub passed: Vec<String>,
    pub failed: Vec<String>,
}

/// What `changed(...)` searched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedTrace {
    /// `profile.x` or `account.x`.
    pub attribute: String,
    /// Changes count in this window; None when a bound is missing.
    pub window: Option<Window>,
    /// How many history rows state the attribute before the evaluation instant.
    pub rows: usize,
    /// The latest of them (at most twice [`SHOWN`]), in time order.
    pub history: Vec<HistoryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    /// None: from the beginning of time.
    #[serde(serialize_with = "value::optional_instant")]
    pub ts: Option<i64>,
    pub value: Value,
}

/// Why an explanation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("no user or account has the id `{id}` in the data")]
    UnknownId { id: String },
    #[error("`{segment}` is {kind_article} {kind} segment, and no {kind} has the id `{id}`")]
    WrongKind {
        id: String,
        segment: String,
        kind: &'static str,
        kind_article: &'static str,
    },
}

/// Explains segments for one user or account, as of `now`.
pub struct Explainer<'a> {
    plan: &'a Plan,
    store: &'a Store,
    sources: &'a SourceMap,
    interp: Interpreter<'a>,
}

impl<'a> Explainer<'a> {
    /// `sources` holds the files the plan was checked from (for the source text of nodes).
    #[must_use]
    pub fn new(plan: &'a Plan, store: &'a Store, sources: &'a SourceMap, now: i64) -> Self {
        Explainer {
            plan,
            store,
            sources,
            interp: Interpreter::new(plan, store, now),
        }
    }

    /// The user with this id, if the data has one.
    #[must_use]
    pub fn user(&self, id: &str) -> Option<Entity> {
        self.store.users.get(id).map(Entity::User)
    }

    /// The account with this id, if the data has one.
    #[must_use]
    pub fn account(&self, id: &str) -> Option<Entity> {
        self.store.accounts.get(id).map(Entity::Account)
    }

    /// The entity of a segment's kind with this id.
    #[must_use]
    pub fn entity(&self, target: Target, id: &str) -> Option<Entity> {
        match target {
            Target::User => self.user(id),
            Target::Account => self.account(id),
        }
    }

    /// Evaluates what an entity's segment references read (do it once, explain many).
    #[must_use]
    pub fn focus(&self, entity: Entity) -> Focus {
        self.interp.focus(entity)
    }

    /// Explains the segments (all of them when `segments` is None, sorted by name) for the
    /// user or account `id`. With `segments` None, only segments of the kinds `id` names are
    /// explained (a user's, an account's, or both when both have the id).
    pub fn report(&self, id: &str, segments: Option<&[SegmentId]>) -> Result<Report, ExplainError> {
        let (user, account) = (self.user(id), self.account(id));
        if user.is_none() && account.is_none() {
            return Err(ExplainError::UnknownId { id: id.to_string() });
        }
        let all: Vec<SegmentId> = (0..self.plan.segments.len())
            .map(|i| SegmentId(u32::try_from(i).expect("fewer than 2^32 segments")))
            .filter(|&s| self.entity(self.plan.segment(s).target, id).is_some())
            .collect();
        let mut wanted = segments.map_or(all, <[SegmentId]>::to_vec);
        if segments.is_none() {
            wanted.sort_by(|&a, &b| {
                let name = |s| self.plan.segment(s).name.as_bytes();
                name(a).cmp(name(b))
            });
        }
        let user = user.map(|e| self.focus(e));
        let account = account.map(|e| self.focus(e));
        let mut explained = Vec::with_capacity(wanted.len());
        for s in wanted {
            let segment = self.plan.segment(s);
            let focus = match segment.target {
                Target::User => user.as_ref(),
                Target::Account => account.as_ref(),
            };
            let Some(focus) = focus else {
                let (kind, kind_article) = kind_name(segment.target);
                return Err(ExplainError::WrongKind {
                    id: id.to_string(),
                    segment: segment.name.clone(),
                    kind,
                    kind_article,
                });
            };
            explained.push(self.segment(focus, s));
        }
        Ok(Report {
            id: id.to_string(),
            as_of: self.interp.now(),
            segments: explained,
        })
    }

    /// Explains one segment for a focused entity of the segment's kind.
    ///
    /// # Panics
    /// When the focused entity is not of the segment's kind (a user for an account segment).
    #[must_use]
    pub fn segment(&self, focus: &Focus, id: SegmentId) -> SegmentExplanation {
        let segment = self.plan.segment(id);
        let kind_matches = matches!(
            (focus.entity(), segment.target),
            (Entity::User(_), Target::User) | (Entity::Account(_), Target::Account)
        );
        assert!(
            kind_matches,
            "explain `{}` for an entity of its own kind",
            segment.name
        );
        let tree = self.expr(focus, &segment.body);
        SegmentExplanation {
            segment: segment.name.clone(),
            target: kind_name(segment.target).0,
            id: self.entity_id(focus.entity()).to_string(),
            member: matches!(tree.value, Value::Bool(true)),
            tree,
        }
    }

    /// Explains any expression checked against this plan's schema (the REPL's `:explain`),
    /// for a focused entity. Segment references read the entity's memberships in the plan.
    #[must_use]
    pub fn expr(&self, focus: &Focus, e: &'a Expr) -> Node {
        let value = Value::from_v(&self.interp.value_for(e, focus));
        let mut children = Vec::new();
        let mut detail = None;
        let kind = match &e.kind {
            ExprKind::Const(_) => "constant",
            ExprKind::Now => "now",
            ExprKind::Property(_) => "property",
            ExprKind::EventTs => "ts",
            ExprKind::Attribute(..) => "attribute",
            ExprKind::SegmentRef(_) => "segment",
            ExprKind::Listed(_) => "listed",
            ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => {
                children = items.iter().map(|i| self.expr(focus, i)).collect();
                match &e.kind {
                    ExprKind::And(_) => "and",
                    ExprKind::Or(_) => "or",
                    _ => "list",
                }
            }
            ExprKind::Not(inner)
            | ExprKind::Neg(inner)
            | ExprKind::Matches(inner, _)
            | ExprKind::IsSet { expr: inner, .. }
            | ExprKind::Lower(inner)
            | ExprKind::Len(inner)
            | ExprKind::Bucket(inner) => {
                children.push(self.expr(focus, inner));
                match &e.kind {
                    ExprKind::Not(_) => "not",
                    ExprKind::Neg(_) => "negate",
                    ExprKind::Matches(..) => "matches",
                    ExprKind::IsSet { .. } => "is_set",
                    ExprKind::Lower(_) => "lower",
                    ExprKind::Len(_) => "len",
                    _ => "bucket",
                }
            }
            ExprKind::Compare(_, a, b) | ExprKind::Arith(_, a, b) => {
                children.push(self.expr(focus, a));
                children.push(self.expr(focus, b));
                if matches!(e.kind, ExprKind::Compare(..)) {
                    "compare"
                } else {
                    "arithmetic"
                }
            }
            ExprKind::Aggregate(aggregate) => {
                let found = self.interp.matches_for(&aggregate.set, focus);
                let last = aggregate.function == AggregateFn::Last;
                detail = Some(Detail::Events(self.events_found(
                    &aggregate.set,
                    &found,
                    None,
                    last,
                )));
                aggregate.function.name()
            }
            ExprKind::Then {
                steps,
                last_negated,
            } => {
                detail = Some(Detail::Steps(self.then_steps(steps, *last_negated, focus)));
                "then"
            }
            ExprKind::Steps(steps) => {
                detail = Some(Detail::Steps(self.funnel_steps(steps, focus)));
                "steps"
            }
            ExprKind::Changed(changed) => {
                for bound in [&changed.from, &changed.to].into_iter().flatten() {
                    children.push(self.expr(focus, bound));
                }
                detail = Some(Detail::Changed(self.changed(changed, focus)));
                "changed"
            }
            ExprKind::Users { quantifier, filter } => {
                detail = Some(Detail::Users(self.users(filter.as_deref(), focus)));
                match quantifier {
                    Quantifier::Count => "count_users",
                    Quantifier::Any => "any_users",
                    Quantifier::All => "all_users",
                }
            }
        };
        Node {
            kind,
            source: source_text(self.sources, e.span),
            span: e.span,
            value,
            children,
            detail,
        }
    }

    fn entity_id(&self, entity: Entity) -> &'a str {
        match entity {
            Entity::User(u) => &self.store.users.ids[u as usize],
            Entity::Account(a) => &self.store.accounts.ids[a as usize],
        }
    }

    /// An event set's search: its window (exclusive from `after` when a `then` step raised
    /// it), its count, and the first (or last) few events.
    fn events_found(
        &self,
        set: &EventSet,
        found: &Matches,
        after: Option<i64>,
        last: bool,
    ) -> EventsFound {
        let rows = &found.rows;
        let listed = if last {
            &rows[rows.len().saturating_sub(SHOWN)..]
        } else {
            &rows[..rows.len().min(SHOWN)]
        };
        EventsFound {
            event: self.plan.schema.events[found.event].name.clone(),
            window: found.window.map(|range| window(range, after, &set.window)),
            count: rows.len(),
            listed: if last { "last" } else { "first" },
            events: listed.iter().map(|&r| self.event(found.event, r)).collect(),
        }
    }

    fn event(&self, event: usize, row: usize) -> Event {
        let table = &self.store.events[event];
        let properties = self.plan.schema.events[event]
            .properties
            .iter()
            .zip(&table.columns)
            .map(|(field, column)| {
                (
                    field.name.clone(),
                    Value::from_v(&self.interp.cell(column, row)),
                )
            })
            .filter(|(_, v)| *v != Value::Missing)
            .collect();
        Event {
            ts: table.ts[row],
            properties,
        }
    }

    fn then_steps(&self, sets: &'a [EventSet], last_negated: bool, focus: &Focus) -> Vec<Step> {
        let mut steps = Vec::with_capacity(sets.len());
        let mut after = None;
        self.interp
            .then_for(sets, last_negated, focus, &mut |seen| {
                let negated = last_negated && seen.index + 1 == sets.len();
                let takes = if negated {
                    "none"
                } else if last_negated && seen.index + 2 == sets.len() {
                    "latest"
                } else {
                    "earliest"
                };
                after = self.push_step(&mut steps, &sets[seen.index], &seen, after, negated, takes);
            });
        self.unreached(&mut steps, sets, last_negated);
        steps
    }

    fn funnel_steps(&self, sets: &'a [EventSet], focus: &Focus) -> Vec<Step> {
        let mut steps = Vec::with_capacity(sets.len());
        let mut after = None;
        self.interp.steps_for(sets, focus, &mut |seen| {
            after = self.push_step(
                &mut steps,
                &sets[seen.index],
                &seen,
                after,
                false,
                "earliest",
            );
        });
        self.unreached(&mut steps, sets, false);
        steps
    }

    /// Records a step the interpreter matched; returns the instant the next step must follow.
    fn push_step(
        &self,
        steps: &mut Vec<Step>,
        set: &EventSet,
        seen: &StepSeen<'_>,
        after: Option<i64>,
        negated: bool,
        takes: &'static str,
    ) -> Option<i64> {
        let picked = seen.picked.map(|row| self.event(seen.found.event, row));
        let next = picked.as_ref().map(|e| e.ts);
        steps.push(Step {
            source: self.step_source(set),
            negated,
            reached: true,
            takes,
            picked,
            found: Some(self.events_found(set, seen.found, after, takes == "latest")),
        });
        next
    }

    /// The steps after the first that found nothing.
    fn unreached(&self, steps: &mut Vec<Step>, sets: &[EventSet], last_negated: bool) {
        for (index, set) in sets.iter().enumerate().skip(steps.len()) {
            let negated = last_negated && index + 1 == sets.len();
            steps.push(Step {
                source: self.step_source(set),
                negated,
                reached: false,
                takes: if negated { "none" } else { "earliest" },
                picked: None,
                found: None,
            });
        }
    }

    /// A step's event set as written; a verb's set is only its key, so the event type leads.
    fn step_source(&self, set: &EventSet) -> String {
        let text = source_text(self.sources, set.span);
        let event = &self.plan.schema.event(set.event).name;
        let starts_with_event = text
            .strip_prefix(event.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '));
        if starts_with_event {
            text
        } else {
            format!("{event} {text}")
        }
    }

    fn users(&self, filter: Option<&'a Expr>, focus: &Focus) -> UsersFound {
        let users = self.interp.users_for(filter, focus);
        let ids = |pass: bool| -> Vec<String> {
            users
                .iter()
                .filter(|(_, p)| *p == pass)
                .take(SHOWN)
                .map(|&(u, _)| self.store.users.ids[u as usize].to_string())
                .collect()
        };
        UsersFound {
            total: users.len(),
            passing: users.iter().filter(|(_, p)| *p).count(),
            passed: ids(true),
            failed: ids(false),
        }
    }

    fn changed(&self, changed: &'a crate::plan::Changed, focus: &Focus) -> ChangedTrace {
        let fields = match changed.scope {
            AttrScope::Profile => &self.plan.schema.profile,
            AttrScope::Account => &self.plan.schema.account,
        };
        let scope = match changed.scope {
            AttrScope::Profile => "profile",
            AttrScope::Account => "account",
        };
        let mut history: Vec<HistoryRow> = Vec::new();
        if let Some((table, owner)) = self.interp.attribute_table(changed.scope, focus) {
            let column = &table.columns[changed.attribute];
            for row in table.rows(owner) {
                if table.ts[row] >= self.interp.now() {
                    break;
                }
                if !column.is_missing(row) {
                    history.push(HistoryRow {
                        ts: (table.ts[row] != BEGINNING).then_some(table.ts[row]),
                        value: Value::from_v(&self.interp.cell(column, row)),
                    });
                }
            }
        }
        let rows = history.len();
        history.drain(..rows.saturating_sub(2 * SHOWN));
        ChangedTrace {
            attribute: format!("{scope}.{}", fields[changed.attribute].name),
            window: self
                .interp
                .window_for(&changed.window, focus)
                .map(|range| window(range, None, &changed.window)),
            rows,
            history,
        }
    }
}

fn kind_name(target: Target) -> (&'static str, &'static str) {
    match target {
        Target::User => ("user", "a"),
        Target::Account => ("account", "an"),
    }
}

/// A searched range as a window: a lower bound one microsecond after `after` is the previous
/// step's event, exclusive; `i64::MIN` is the beginning of time.
fn window((lo, hi): (i64, i64), after: Option<i64>, written: &crate::plan::Window) -> Window {
    let exclusive = after.is_some_and(|t| t.checked_add(1) == Some(lo));
    let from = if exclusive {
        after
    } else {
        (lo != i64::MIN).then_some(lo)
    };
    let during = match written {
        crate::plan::Window::During(unit, values) => {
            let values: Vec<String> = values.iter().map(u32::to_string).collect();
            Some(format!("{}({})", unit.name(), values.join(", ")))
        }
        _ => None,
    };
    Window {
        from,
        from_exclusive: exclusive,
        to: hi,
        during,
    }
}

/// The text a span covers, on one line: comments dropped, each run of whitespace one space.
#[must_use]
pub fn source_text(sources: &SourceMap, span: Span) -> String {
    let text = sources.snippet(span);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
    }
    // Inner runs of spaces too, outside string literals.
    let mut folded = String::with_capacity(out.len());
    let (mut in_string, mut escaped, mut space) = (false, false, false);
    for c in out.chars() {
        if in_string {
            folded.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            let after_open = folded.ends_with(['(', '[']);
            if !after_open && c != ')' && c != ']' {
                folded.push(' ');
            }
            space = false;
        }
        if c == '"' {
            in_string = true;
        }
        folded.push(c);
    }
    folded
}

/// A line without its `#` comment (a `#` inside a string literal is kept).
fn strip_comment(line: &str) -> &str {
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in line.char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            (false, _, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_text_folds_lines_and_comments() {
        let mut sources = SourceMap::new();
        let text = "steps(\n  did(a),   # first\n    did(b) and \"x  # y\"\n)";
        let file = sources.add("t.seg", None, text.to_string());
        let span = Span::new(file, 0, text.len());
        assert_eq!(
            source_text(&sources, span),
            "steps(did(a), did(b) and \"x  # y\")"
        );
    }
}

//! One entity under the magnifying glass, for `crate::explain`: the memberships its segment
//! references read (its own row, and for an account its users' rows), computed for it alone,
//! and entry points that evaluate any expression, event set, `then`, `steps` or `users`
//! filter for it with the interpreter's own code, so an explanation can never disagree with
//! an evaluation.

use super::events::{Matches, StepSeen};
use super::{Ctx, Entity, Interpreter, Memo};
use crate::plan::value::V;
use crate::plan::{AttrScope, EventSet, Expr, Window};
use crate::store::Table;

/// An entity and the memberships its segment references read.
#[derive(Debug, Clone)]
pub struct Focus {
    entity: Entity,
    /// The entity's memberships, by segment (segments of the other kind are false).
    own: Vec<bool>,
    /// For an account: the rows of its users (other users' rows are empty); empty for a user.
    users: Vec<Vec<bool>>,
}

impl Focus {
    #[must_use]
    pub fn entity(&self) -> Entity {
        self.entity
    }

    /// The entity's membership in a segment of its own kind.
    #[must_use]
    pub fn is_member(&self, segment: crate::plan::SegmentId) -> bool {
        self.own[segment.0 as usize]
    }
}

impl<'a> Interpreter<'a> {
    /// Evaluates the segments `entity` needs (for an account, its users' segments too).
    #[must_use]
    pub fn focus(&self, entity: Entity) -> Focus {
        let none = vec![None; self.plan.segments.len()];
        match entity {
            Entity::User(_) => Focus {
                entity,
                own: self.entity_row(entity, &[], &none),
                users: Vec::new(),
            },
            Entity::Account(account) => {
                let mut users = vec![Vec::new(); self.store.users.len()];
                for &user in &self.account_users[account as usize] {
                    users[user as usize] = self.entity_row(Entity::User(user), &[], &none);
                }
                let own = self.entity_row(entity, &users, &none);
                Focus { entity, own, users }
            }
        }
    }

    fn memo(focus: &Focus) -> Memo<'_> {
        Memo {
            own: &focus.own,
            users: &focus.users,
        }
    }

    /// The value of an expression for the focused entity (outside any `where`).
    pub(crate) fn value_for(&self, e: &'a Expr, focus: &Focus) -> V<'a> {
        let ctx = Ctx {
            entity: focus.entity,
            event: None,
        };
        self.eval(e, ctx, Self::memo(focus))
    }

    /// The events of a set for the focused user.
    pub(crate) fn matches_for(&self, set: &'a EventSet, focus: &Focus) -> Matches {
        self.matches(set, Self::user(Self::ctx(focus)), None, Self::memo(focus))
    }

    /// A `then` chain for the focused user, step by step.
    pub(crate) fn then_for(
        &self,
        steps: &'a [EventSet],
        last_negated: bool,
        focus: &Focus,
        seen: &mut dyn FnMut(StepSeen<'_>),
    ) -> bool {
        let user = Self::user(Self::ctx(focus));
        self.then_seen(steps, last_negated, user, Self::memo(focus), seen)
    }

    /// A `steps` funnel for the focused user, step by step.
    pub(crate) fn steps_for(
        &self,
        steps: &'a [EventSet],
        focus: &Focus,
        seen: &mut dyn FnMut(StepSeen<'_>),
    ) -> u32 {
        let user = Self::user(Self::ctx(focus));
        self.steps_seen(steps, user, Self::memo(focus), seen)
    }

    /// The focused account's users (as of `now`), each with whether it passes `filter`.
    pub(crate) fn users_for(&self, filter: Option<&'a Expr>, focus: &Focus) -> Vec<(u32, bool)> {
        let Entity::Account(account) = focus.entity else {
            return Vec::new();
        };
        self.account_users[account as usize]
            .iter()
            .map(|&u| (u, self.user_passes(filter, u, Self::memo(focus))))
            .collect()
    }

    /// A window's `[lo, hi)` for the focused entity (cut at `now`).
    pub(crate) fn window_for(&self, window: &'a Window, focus: &Focus) -> Option<(i64, i64)> {
        self.window_range(window, focus.entity, Self::memo(focus))
    }

    /// The table holding an attribute for the focused entity, and the owner's index in it.
    pub(crate) fn attribute_table(
        &self,
        scope: AttrScope,
        focus: &Focus,
    ) -> Option<(&'a Table, u32)> {
        self.attribute_owner(scope, focus.entity)
    }

    /// A cell of the store as an interpreter value.
    pub(crate) fn cell(&self, column: &'a crate::store::Column, row: usize) -> V<'a> {
        self.column_value(column, row)
    }

    /// The evaluation instant.
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now
    }

    fn ctx(focus: &Focus) -> Ctx {
        Ctx {
            entity: focus.entity,
            event: None,
        }
    }
}

/// A value as figures show it: a number, or anything else as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Missing,
    Number(f64),
    Text(String),
}

impl<'a> Interpreter<'a> {
    /// The value of `e` for the focused entity, as figures show it (`seg compare`'s metrics).
    #[must_use]
    pub fn shown_value(&self, e: &'a Expr, focus: &Focus) -> Shown {
        shown(&self.value_for(e, focus))
    }
}

fn shown(value: &V<'_>) -> Shown {
    match value {
        V::Missing => Shown::Missing,
        V::Num(n) => Shown::Number(*n),
        V::Bool(b) => Shown::Text(b.to_string()),
        V::Str(s) => Shown::Text(s.to_string()),
        V::Ts(t) => Shown::Text(crate::time::format_timestamp(*t)),
        V::Dur(d) => Shown::Text(crate::time::format_duration(*d)),
        V::List(items) => Shown::Text(
            items
                .iter()
                .map(|v| match shown(&V::from_const(v)) {
                    Shown::Text(t) => t,
                    Shown::Number(n) => n.to_string(),
                    Shown::Missing => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        V::Items(items) => Shown::Text(
            items
                .iter()
                .map(|v| match shown(v) {
                    Shown::Text(t) => t,
                    Shown::Number(n) => n.to_string(),
                    Shown::Missing => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

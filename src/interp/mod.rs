//! The reference interpreter: evaluates the typed plan over the store, exactly as SPEC section 2
//! says. Every other engine is tested against it.
//!
//! User segments are evaluated user by user, in parallel (rayon): each user gets a row of
//! memberships filled in plan order, so a segment reference reads a slot already computed.
//! Account segments follow, account by account, reading their users' rows. An event set is a
//! binary search of the user's rows of that event type for the window (and `ts < now`), then
//! a filter per row. `focus.rs` evaluates one entity alone and lets `crate::explain` trace
//! event sets, `then` and `steps` through the same functions (they report each step they match).

mod events;
mod focus;

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use regex::Regex;

use crate::plan::value::{self, V};
use crate::plan::{AttrScope, Expr, ExprKind, Plan, SegmentId, Target};
use crate::store::{Column, Store, Table};
use crate::time::MICROS_PER_DAY;
pub(crate) use events::{Matches, StepSeen};
pub use focus::{Focus, Shown};

/// Who an expression is about: a user or an account, by its index in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    User(u32),
    Account(u32),
}

/// Where an expression is evaluated: an entity, and inside `where`, one event row.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    entity: Entity,
    /// (event type index, row in its table).
    event: Option<(usize, usize)>,
}

/// Memberships computed so far, for segment references.
#[derive(Clone, Copy)]
struct Memo<'m> {
    /// The row of the entity being evaluated (indexed by segment).
    own: &'m [bool],
    /// Every user's row, once the user phase is done (for `users where` in account segments).
    users: &'m [Vec<bool>],
}

/// Membership of every segment: `members[segment][entity]`, users or accounts by target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memberships {
    pub members: Vec<Vec<bool>>,
}

/// The interpreter's state for one evaluation.
pub struct Interpreter<'a> {
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    day_start: i64,
    regexes: Cow<'a, HashMap<String, Regex>>,
    /// The users of each account, as of `now`.
    account_users: Vec<Vec<u32>>,
}

impl<'a> Interpreter<'a> {
    /// Prepares an evaluation as of `now` (microseconds since the epoch).
    #[must_use]
    pub fn new(plan: &'a Plan, store: &'a Store, now: i64) -> Self {
        Self::prepared(plan, store, now, Cow::Owned(regexes(plan)))
    }

    /// [`Interpreter::new`] with the plan's patterns compiled once already ([`regexes`]), for
    /// callers that evaluate one plan over many small stores.
    #[must_use]
    pub fn with_regexes(
        plan: &'a Plan,
        store: &'a Store,
        now: i64,
        regexes: &'a HashMap<String, Regex>,
    ) -> Self {
        Self::prepared(plan, store, now, Cow::Borrowed(regexes))
    }

    fn prepared(
        plan: &'a Plan,
        store: &'a Store,
        now: i64,
        regexes: Cow<'a, HashMap<String, Regex>>,
    ) -> Self {
        let mut account_users = vec![Vec::new(); store.accounts.len()];
        for user in 0..u32::try_from(store.users.len()).expect("fewer than 2^32 users") {
            if let Some(account) = store.account_of(user, now) {
                account_users[account as usize].push(user);
            }
        }
        Interpreter {
            plan,
            store,
            now,
            day_start: now.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY,
            regexes,
            account_users,
        }
    }

    /// Evaluates every segment of the plan.
    #[must_use]
    pub fn run(&self) -> Memberships {
        self.run_given(&vec![None; self.plan.segments.len()])
    }

    /// Evaluates the segments of the plan whose members are not given (`given[segment]`,
    /// indexed by entity); segments evaluated here read the given ones they refer to.
    #[must_use]
    pub fn run_given(&self, given: &[Option<Vec<bool>>]) -> Memberships {
        let (user_rows, account_rows) = self.rows_given(given);
        let members = (0..self.plan.segments.len())
            .map(|s| match self.plan.segments[s].target {
                Target::User => user_rows.iter().map(|row| row[s]).collect(),
                Target::Account => account_rows.iter().map(|row| row[s]).collect(),
            })
            .collect();
        Memberships { members }
    }

    /// Every segment's verdict by entity (`users[u][s]`, `accounts[a][s]`): what [`Self::run`]
    /// gives by segment, without turning it around (for callers of a few entities).
    #[must_use]
    pub fn run_rows(&self) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
        self.rows_given(&vec![None; self.plan.segments.len()])
    }

    fn rows_given(&self, given: &[Option<Vec<bool>>]) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
        let users = u32::try_from(self.store.users.len()).expect("fewer than 2^32 users");
        let accounts = u32::try_from(self.store.accounts.len()).expect("fewer than 2^32 accounts");
        // A store of a few entities (the service's) is not worth waking the thread pool for.
        let few = users + accounts <= FEW_ENTITIES;
        let user_row = |user| self.entity_row(Entity::User(user), &[], given);
        let user_rows: Vec<Vec<bool>> = if few {
            (0..users).map(user_row).collect()
        } else {
            (0..users).into_par_iter().map(user_row).collect()
        };
        let account_row = |account| self.entity_row(Entity::Account(account), &user_rows, given);
        let account_rows: Vec<Vec<bool>> = if few {
            (0..accounts).map(account_row).collect()
        } else {
            (0..accounts).into_par_iter().map(account_row).collect()
        };
        (user_rows, account_rows)
    }

    /// One entity's memberships in the segments of its kind, in plan order.
    fn entity_row(
        &self,
        entity: Entity,
        users: &[Vec<bool>],
        given: &[Option<Vec<bool>>],
    ) -> Vec<bool> {
        let (target, index) = match entity {
            Entity::User(u) => (Target::User, u as usize),
            Entity::Account(a) => (Target::Account, a as usize),
        };
        let mut row = vec![false; self.plan.segments.len()];
        for (i, segment) in self.plan.segments.iter().enumerate() {
            if segment.target != target {
                continue;
            }
            if let Some(members) = &given[i] {
                row[i] = members[index];
                continue;
            }
            let ctx = Ctx {
                entity,
                event: None,
            };
            let member = self
                .eval(&segment.body, ctx, Memo { own: &row, users })
                .truthy();
            row[i] = member;
        }
        row
    }

    fn eval(&self, e: &'a Expr, ctx: Ctx, memo: Memo<'_>) -> V<'a> {
        match &e.kind {
            ExprKind::Const(value) => V::from_const(value),
            ExprKind::Now => V::Ts(self.now),
            ExprKind::List(items) => {
                V::Items(items.iter().map(|i| self.eval(i, ctx, memo)).collect())
            }
            ExprKind::Property(index) => {
                let (event, row) = ctx
                    .event
                    .expect("the checker allows properties only inside `where`");
                self.column_value(&self.store.events[event].columns[*index], row)
            }
            ExprKind::EventTs => {
                let (event, row) = ctx
                    .event
                    .expect("the checker allows `ts` only inside `where`");
                V::Ts(self.store.events[event].ts[row])
            }
            ExprKind::Attribute(scope, index) => self.attribute(*scope, *index, ctx.entity),
            ExprKind::SegmentRef(id) => V::Bool(self.reference(*id, ctx.entity, memo)),
            ExprKind::Not(inner) => V::Bool(!self.eval(inner, ctx, memo).truthy()),
            ExprKind::Neg(inner) => value::negate(&self.eval(inner, ctx, memo)),
            ExprKind::And(items) => V::Bool(items.iter().all(|i| self.eval(i, ctx, memo).truthy())),
            ExprKind::Or(items) => V::Bool(items.iter().any(|i| self.eval(i, ctx, memo).truthy())),
            ExprKind::Compare(op, a, b) => {
                let (a, b) = (self.eval(a, ctx, memo), self.eval(b, ctx, memo));
                V::Bool(value::compare(*op, &a, &b))
            }
            ExprKind::Matches(inner, pattern) => match self.eval(inner, ctx, memo) {
                V::Str(s) => V::Bool(match self.regexes.get(pattern) {
                    Some(regex) => regex.is_match(&s),
                    // An expression from outside the plan (the REPL's, explain's): compiled
                    // here, once per use.
                    None => Regex::new(pattern).is_ok_and(|r| r.is_match(&s)),
                }),
                _ => V::Bool(false),
            },
            ExprKind::Arith(op, a, b) => {
                value::arith(*op, &self.eval(a, ctx, memo), &self.eval(b, ctx, memo))
            }
            ExprKind::IsSet { negated, expr } => {
                V::Bool(self.eval(expr, ctx, memo).is_set() != *negated)
            }
            ExprKind::Aggregate(aggregate) => self.aggregate(aggregate, Self::user(ctx), memo),
            ExprKind::Then {
                steps,
                last_negated,
            } => V::Bool(self.then(steps, *last_negated, Self::user(ctx), memo)),
            ExprKind::Steps(steps) => V::Num(f64::from(self.steps(steps, Self::user(ctx), memo))),
            ExprKind::Changed(changed) => V::Bool(self.changed(changed, ctx, memo)),
            ExprKind::Users { quantifier, filter } => {
                self.users(*quantifier, filter.as_deref(), ctx.entity, memo)
            }
            ExprKind::Lower(inner) => match self.eval(inner, ctx, memo) {
                V::Str(s) => V::Str(s.to_lowercase().into()),
                _ => V::Missing,
            },
            ExprKind::Len(inner) => match self.eval(inner, ctx, memo) {
                #[allow(clippy::cast_precision_loss)]
                V::Str(s) => V::Num(s.chars().count() as f64),
                _ => V::Missing,
            },
            ExprKind::Listed(list) => V::Bool(list.ids.contains(self.entity_id(ctx.entity))),
            ExprKind::Bucket(salt) => match self.eval(salt, ctx, memo) {
                V::Str(salt) => V::Num(f64::from(value::bucket(&salt, self.entity_id(ctx.entity)))),
                _ => V::Missing,
            },
        }
    }

    /// The user of a user-level context.
    fn user(ctx: Ctx) -> u32 {
        match ctx.entity {
            Entity::User(u) => u,
            Entity::Account(_) => {
                unreachable!("the checker keeps event forms out of account level")
            }
        }
    }

    fn entity_id(&self, entity: Entity) -> &'a str {
        match entity {
            Entity::User(u) => &self.store.users.ids[u as usize],
            Entity::Account(a) => &self.store.accounts.ids[a as usize],
        }
    }

    fn reference(&self, id: SegmentId, entity: Entity, memo: Memo<'_>) -> bool {
        let s = id.0 as usize;
        match (entity, self.plan.segments[s].target) {
            (Entity::User(u), Target::User) if !memo.users.is_empty() => memo.users[u as usize][s],
            _ => memo.own[s],
        }
    }

    fn column_value(&self, column: &'a Column, row: usize) -> V<'a> {
        if column.is_missing(row) {
            return V::Missing;
        }
        match column {
            Column::Number(v) => V::Num(v[row]),
            Column::Bool(v) => V::Bool(v[row] == 1),
            Column::Timestamp(v) => V::Ts(v[row]),
            Column::String(v) => V::Str(self.store.strings.get(v[row]).into()),
        }
    }

    fn attribute(&self, scope: AttrScope, index: usize, entity: Entity) -> V<'a> {
        self.attribute_owner(scope, entity)
            .and_then(|(table, owner)| {
                let row = Store::attribute_row(table, owner, index, self.now)?;
                Some(self.column_value(&table.columns[index], row))
            })
            .unwrap_or(V::Missing)
    }

    /// The table an attribute of `scope` lives in for `entity`, and the owner's index in it
    /// (a user's account as of `now`); None when the user has no account.
    fn attribute_owner(&self, scope: AttrScope, entity: Entity) -> Option<(&'a Table, u32)> {
        match (scope, entity) {
            (AttrScope::Profile, Entity::User(u)) => Some((&self.store.profiles, u)),
            (AttrScope::Account, Entity::User(u)) => self
                .store
                .account_of(u, self.now)
                .map(|a| (&self.store.account_rows, a)),
            (AttrScope::Account, Entity::Account(a)) => Some((&self.store.account_rows, a)),
            // The checker keeps `profile.x` out of account level.
            (AttrScope::Profile, Entity::Account(_)) => None,
        }
    }

    fn users(
        &self,
        quantifier: crate::plan::Quantifier,
        filter: Option<&'a Expr>,
        entity: Entity,
        memo: Memo<'_>,
    ) -> V<'a> {
        use crate::plan::Quantifier;
        let Entity::Account(account) = entity else {
            unreachable!("the checker keeps users() in account segments")
        };
        let users = &self.account_users[account as usize];
        let mut passes = users.iter().map(|&u| self.user_passes(filter, u, memo));
        match quantifier {
            #[allow(clippy::cast_precision_loss)]
            Quantifier::Count => V::Num(passes.filter(|&p| p).count() as f64),
            Quantifier::Any => V::Bool(passes.any(|p| p)),
            Quantifier::All => V::Bool(passes.all(|p| p)),
        }
    }

    /// Whether a user passes a `users where` filter (no filter: every user does).
    fn user_passes(&self, filter: Option<&'a Expr>, user: u32, memo: Memo<'_>) -> bool {
        filter.is_none_or(|f| {
            let ctx = Ctx {
                entity: Entity::User(user),
                event: None,
            };
            self.eval(f, ctx, memo).truthy()
        })
    }
}

/// Up to how many entities a store is evaluated on the calling thread alone.
const FEW_ENTITIES: u32 = 64;

/// Every `matches` pattern of the plan, compiled.
#[must_use]
pub fn regexes(plan: &Plan) -> HashMap<String, Regex> {
    let mut regexes = HashMap::new();
    for segment in &plan.segments {
        let mut body = segment.body.clone();
        crate::plan::visit_mut(&mut body, &mut |e| {
            if let ExprKind::Matches(_, pattern) = &e.kind {
                // The checker compiled every pattern once already.
                if let Ok(regex) = Regex::new(pattern) {
                    regexes.insert(pattern.clone(), regex);
                }
            }
        });
    }
    regexes
}

/// Evaluates a plan over a store as of `now`.
#[must_use]
pub fn evaluate(plan: &Plan, store: &Store, now: i64) -> Memberships {
    Interpreter::new(plan, store, now).run()
}

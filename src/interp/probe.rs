//! One expression for one user or account: the reference interpreter's value of any
//! expression of the plan (outside `where`), for front ends that show values rather than
//! memberships (the REPL's `:explain`). The entity's own memberships are computed first (and,
//! for an account, its users'), so segment references read what an evaluation would.

use super::value::V;
use super::{Ctx, Entity, Interpreter, Memo};
use crate::plan::{Expr, Target, Value};

impl<'a> Interpreter<'a> {
    /// The value of `expr` (an expression of this plan, outside any `where`) for the user or
    /// account at `index`; `None` when the value is missing.
    #[must_use]
    pub fn probe(&self, expr: &'a Expr, target: Target, index: u32) -> Option<Value> {
        let none = vec![None; self.plan.segments.len()];
        let (entity, users) = match target {
            Target::User => (Entity::User(index), Vec::new()),
            Target::Account => {
                let mut users = vec![Vec::new(); self.store.users.len()];
                for &user in &self.account_users[index as usize] {
                    users[user as usize] = self.entity_row(Entity::User(user), &[], &none);
                }
                (Entity::Account(index), users)
            }
        };
        let own = self.entity_row(entity, &users, &none);
        let ctx = Ctx {
            entity,
            event: None,
        };
        to_value(&self.eval(
            expr,
            ctx,
            Memo {
                own: &own,
                users: &users,
            },
        ))
    }
}

fn to_value(v: &V<'_>) -> Option<Value> {
    Some(match v {
        V::Missing => return None,
        V::Bool(b) => Value::Bool(*b),
        V::Num(n) => Value::Number(*n),
        V::Str(s) => Value::String(s.to_string()),
        V::Ts(t) => Value::Timestamp(*t),
        V::Dur(d) => Value::Duration(*d),
        V::List(items) => Value::List(items.to_vec()),
        V::Items(items) => Value::List(items.iter().filter_map(to_value).collect()),
    })
}

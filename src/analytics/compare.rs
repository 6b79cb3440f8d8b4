//! Engagement compare (`seg compare`): the same figures for several groups of users side by
//! side: how many, their events per member by event type, their active days (both counting
//! the events before the evaluation instant), the share that reached a goal segment, and
//! per-user metrics written in the language.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::interp::{Entity, Interpreter};
use crate::plan::{Expr, Plan};
use crate::store::Store;

/// A metric's figures over a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Metric {
    /// A number per user: the mean and median over the users for whom it is set.
    Number {
        set: usize,
        mean: Option<f64>,
        median: Option<f64>,
    },
    /// Another value (text, a bool, an instant): the most common ones, with their counts.
    Values {
        set: usize,
        top: Vec<(String, usize)>,
    },
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub name: String,
    pub members: usize,
    /// Events of each type per member, in schema order.
    pub events_per_member: Vec<(String, f64)>,
    /// Days with any event, per member.
    pub active_days: f64,
    /// The share of members also in the goal segment.
    pub goal: Option<f64>,
    pub metrics: Vec<(String, Metric)>,
}

/// How many of the most common values a metric lists.
pub const TOP_VALUES: usize = 3;

/// What to compare.
pub struct Request<'a> {
    /// Each group's name and its members (by user index).
    pub groups: Vec<(String, Vec<bool>)>,
    pub goal: Option<&'a [bool]>,
    /// Each metric's text and its typed expression, evaluated with `plan` (which holds the
    /// segments the expression refers to).
    pub metrics: Vec<(String, &'a Expr)>,
    pub plan: &'a Plan,
    pub now: i64,
}

#[allow(clippy::cast_precision_loss)]
fn per(total: usize, members: usize) -> f64 {
    if members == 0 {
        0.0
    } else {
        total as f64 / members as f64
    }
}

/// Each group's figures.
#[must_use]
pub fn compare(store: &Store, request: &Request<'_>) -> Vec<Group> {
    let interpreter = Interpreter::new(request.plan, store, request.now);
    // Each metric's value for each user who is in some group, computed once.
    let wanted: BTreeSet<u32> = request
        .groups
        .iter()
        .flat_map(|(_, members)| {
            members
                .iter()
                .enumerate()
                .filter(|(_, m)| **m)
                .map(|(u, _)| u32::try_from(u).expect("fewer than 2^32 users"))
        })
        .collect();
    let mut values: HashMap<u32, Vec<crate::interp::Shown>> = HashMap::new();
    if !request.metrics.is_empty() {
        for &user in &wanted {
            let focus = interpreter.focus(Entity::User(user));
            let row = request
                .metrics
                .iter()
                .map(|(_, e)| interpreter.shown_value(e, &focus))
                .collect();
            values.insert(user, row);
        }
    }
    let day = crate::time::MICROS_PER_DAY;
    request
        .groups
        .iter()
        .map(|(name, members)| {
            let users: Vec<u32> = members
                .iter()
                .enumerate()
                .filter(|(_, m)| **m)
                .map(|(u, _)| u32::try_from(u).expect("fewer than 2^32 users"))
                .collect();
            let count = users.len();
            let events_per_member = store
                .events
                .iter()
                .zip(&request.plan.schema.events)
                .map(|(table, event)| {
                    let total: usize = users
                        .iter()
                        .map(|&u| table.rows_between(u, i64::MIN, request.now).len())
                        .sum();
                    (event.name.clone(), per(total, count))
                })
                .collect();
            let active: usize = users
                .iter()
                .map(|&u| {
                    let days: BTreeSet<i64> = store
                        .events
                        .iter()
                        .flat_map(|t| {
                            t.rows_between(u, i64::MIN, request.now)
                                .map(|r| t.ts[r].div_euclid(day))
                        })
                        .collect();
                    days.len()
                })
                .sum();
            let goal = request
                .goal
                .map(|goal| per(users.iter().filter(|&&u| goal[u as usize]).count(), count));
            let metrics = request
                .metrics
                .iter()
                .enumerate()
                .map(|(i, (text, _))| {
                    let shown: Vec<&crate::interp::Shown> =
                        users.iter().map(|u| &values[u][i]).collect();
                    (text.clone(), metric(&shown))
                })
                .collect();
            Group {
                name: name.clone(),
                members: count,
                events_per_member,
                active_days: per(active, count),
                goal,
                metrics,
            }
        })
        .collect()
}

fn metric(values: &[&crate::interp::Shown]) -> Metric {
    use crate::interp::Shown;
    let mut numbers: Vec<f64> = values
        .iter()
        .filter_map(|v| match v {
            Shown::Number(n) => Some(*n),
            _ => None,
        })
        .collect();
    let others: Vec<&str> = values
        .iter()
        .filter_map(|v| match v {
            Shown::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    if others.is_empty() {
        numbers.sort_by(f64::total_cmp);
        let set = numbers.len();
        #[allow(clippy::cast_precision_loss)]
        let mean = (set > 0).then(|| numbers.iter().sum::<f64>() / set as f64);
        let median = (set > 0).then(|| {
            if set % 2 == 1 {
                numbers[set / 2]
            } else {
                f64::midpoint(numbers[set / 2 - 1], numbers[set / 2])
            }
        });
        return Metric::Number { set, mean, median };
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for text in &others {
        *counts.entry(text).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect();
    // Most common first; ties by bytes.
    top.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
    top.truncate(TOP_VALUES);
    Metric::Values {
        set: others.len(),
        top,
    }
}

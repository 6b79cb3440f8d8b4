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
                    (event.name.clone(), super::ratio(total, count))
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
            let goal = request.goal.map(|goal| {
                super::ratio(users.iter().filter(|&&u| goal[u as usize]).count(), count)
            });
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
                active_days: super::ratio(active, count),
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

/// What a compare asks for, by name (the command's flags, the API's parameters).
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub segments: Vec<String>,
    pub all: bool,
    pub goal: Option<String>,
    pub filter: Option<String>,
    pub metrics: Vec<String>,
}

/// The file the metrics are checked in.
const METRICS_FILE: &str = "<metric>.seg";

/// The name of metric `i`'s segment.
fn metric_name(i: usize) -> String {
    format!("compare_metric_{i}")
}

/// Checks the segment files with the metrics, each as the operand of a segment of its own
/// (`(EXPR) == (EXPR)`), so a mistake in one is a located diagnostic.
pub fn check(
    schema: &std::path::Path,
    roots: &[std::path::PathBuf],
    metrics: &[String],
    sources: &mut crate::source::SourceMap,
) -> Result<crate::check::Checked, String> {
    use std::fmt::Write as _;
    let mut text = String::new();
    for (i, m) in metrics.iter().enumerate() {
        let _ = writeln!(text, "segment {} =\n    ({m}) == ({m})", metric_name(i));
    }
    let mut roots = roots.to_vec();
    roots.push(std::path::PathBuf::from(METRICS_FILE));
    crate::check::check_paths(
        &crate::check::WithFile::new(METRICS_FILE, &text),
        sources,
        schema,
        &roots,
    )
    .map_err(|e| e.to_string())
}

/// Evaluates a checked plan (from [`check`]) over `store` and compares what `ask` names;
/// the error says what was asked wrongly.
pub fn run(plan: &Plan, store: &Store, now: i64, ask: &Ask) -> Result<Vec<Group>, String> {
    if ask.segments.is_empty() && !ask.all {
        return Err("nothing to compare: name segments, or ask for all users".into());
    }
    let user_segment = |name: &str, what: &str| -> Result<usize, String> {
        let id = plan
            .find(name)
            .ok_or_else(|| format!("{what}: no segment is named `{name}`"))?;
        if plan.segment(id).target != crate::plan::Target::User {
            return Err(format!(
                "{what} `{name}` is an account segment: compare looks at users"
            ));
        }
        Ok(id.0 as usize)
    };
    let compared = ask
        .segments
        .iter()
        .map(|name| user_segment(name, "segment"))
        .collect::<Result<Vec<usize>, String>>()?;
    let goal = ask
        .goal
        .as_deref()
        .map(|g| user_segment(g, "goal"))
        .transpose()?;
    let filter = ask
        .filter
        .as_deref()
        .map(|f| user_segment(f, "filter"))
        .transpose()?;
    let memberships = crate::engine::prepare(plan, store, now, crate::engine::Engine::Jit)
        .map_err(|e| format!("the JIT could not compile the plan: {e}"))?
        .run();
    let kept = |members: &[bool]| -> Vec<bool> {
        match filter {
            Some(f) => members
                .iter()
                .zip(&memberships.members[f])
                .map(|(m, f)| *m && *f)
                .collect(),
            None => members.to_vec(),
        }
    };
    let mut groups: Vec<(String, Vec<bool>)> = compared
        .iter()
        .map(|&s| (plan.segments[s].name.clone(), kept(&memberships.members[s])))
        .collect();
    if ask.all {
        groups.push(("all users".into(), kept(&vec![true; store.users.len()])));
    }
    // The metrics, from a plan cut to their segments (and what those refer to).
    let roots: Vec<crate::plan::SegmentId> = (0..ask.metrics.len())
        .filter_map(|i| plan.find(&metric_name(i)))
        .collect();
    let (metric_plan, ids) = plan.prune(&roots);
    let metrics: Vec<(String, &Expr)> = ask
        .metrics
        .iter()
        .zip(&ids)
        .map(|(text, &id)| {
            let crate::plan::ExprKind::Compare(_, operand, _) = &metric_plan.segment(id).body.kind
            else {
                unreachable!("a metric is checked as `(EXPR) == (EXPR)`")
            };
            (text.clone(), operand.as_ref())
        })
        .collect();
    let request = Request {
        groups,
        goal: goal.map(|g| memberships.members[g].as_slice()),
        metrics,
        plan: &metric_plan,
        now,
    };
    Ok(compare(store, &request))
}

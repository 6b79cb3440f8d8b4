//! Campaign figures, for `seg campaigns` and `GET /v1/campaigns` (docs/analytics.md), and
//! the decision a web page asks for (`GET /v1/users/{id}/campaigns`).
//!
//! A user is *eligible* for a campaign as of an instant when the target holds and the
//! exclusion does not. The campaign's holdout is the users with `bucket(NAME) < holdout`
//! (stable, the A/B bucket of SPEC): they are never shown the campaign, and are its control
//! group. Over the instants from `--from` to `--to` (the trend's steps, on data loaded once),
//! a user is *targeted* (or *held out*) from the first instant at which it is eligible. It
//! *converts* when it is not in the goal at that first instant and is in it at a later one:
//! the goal reached after first being targeted. Conversion is converted / targeted, for the
//! targeted and for the holdout; lift is the targeted's conversion over the holdout's, less 1.
//! Filters restrict every figure to the members of a user segment as of the last instant.

use crate::plan::{Campaign, ExprKind, Plan, Segment, SegmentId, Target};
use crate::store::Store;

/// How far back campaign figures look by default: 30 days before `--to`.
pub const DEFAULT_SPAN: i64 = 30 * crate::time::MICROS_PER_DAY;

/// One campaign's figures, for everyone or within one filter segment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figures {
    pub campaign: String,
    /// The filter segment, or None for all users.
    pub filter: Option<String>,
    /// Users eligible at some instant and not held out.
    pub targeted: usize,
    /// Of those, how many reached the goal after first being targeted (None without a goal).
    pub converted: Option<usize>,
    pub conversion: Option<f64>,
    /// Users eligible at some instant and held out.
    pub holdout: usize,
    pub holdout_converted: Option<usize>,
    pub holdout_conversion: Option<f64>,
    /// `conversion / holdout_conversion - 1`, when both are known and the holdout's is above 0.
    pub lift: Option<f64>,
}

/// The plan's segments and one hidden segment per campaign clause (named `campaign NAME
/// target`, `... goal`, `... exclude`: no segment can have such a name), and where each
/// campaign's clauses are in it.
#[must_use]
pub fn with_campaigns(plan: &Plan) -> (Plan, Vec<Clauses>) {
    let mut extended = plan.clone();
    extended.campaigns = Vec::new();
    let mut clauses = Vec::with_capacity(plan.campaigns.len());
    for campaign in &plan.campaigns {
        let mut add = |clause: &str, body: &crate::plan::Expr| {
            let mut depends_on = Vec::new();
            collect_refs(body, &mut depends_on);
            extended.segments.push(Segment {
                name: format!("campaign {} {clause}", campaign.name),
                description: None,
                target: Target::User,
                body: body.clone(),
                span: campaign.span,
                depends_on,
            });
            extended.segments.len() - 1
        };
        clauses.push(Clauses {
            target: add("target", &campaign.target),
            goal: campaign.goal.as_ref().map(|g| add("goal", g)),
            exclude: campaign.exclude.as_ref().map(|x| add("exclude", x)),
        });
    }
    (extended, clauses)
}

/// [`with_campaigns`] cut to the campaigns' clauses and the segments they read (user
/// segments only): what deciding for one user needs.
#[must_use]
pub fn clauses_only(plan: &Plan) -> (Plan, Vec<Clauses>) {
    let (extended, clauses) = with_campaigns(plan);
    let id = |i: usize| SegmentId(u32::try_from(i).expect("fewer than 2^32 segments"));
    let roots: Vec<SegmentId> = clauses
        .iter()
        .flat_map(|c| [Some(c.target), c.goal, c.exclude])
        .flatten()
        .map(id)
        .collect();
    let (cut, ids) = extended.prune(&roots);
    let mut next = ids.into_iter().map(|id| id.0 as usize);
    let mut take = || next.next().expect("one id per root");
    let clauses = clauses
        .iter()
        .map(|c| Clauses {
            target: take(),
            goal: c.goal.map(|_| take()),
            exclude: c.exclude.map(|_| take()),
        })
        .collect();
    (cut, clauses)
}

/// Where a campaign's clauses are among the segments of [`with_campaigns`]'s plan.
#[derive(Debug, Clone, Copy)]
pub struct Clauses {
    pub target: usize,
    pub goal: Option<usize>,
    pub exclude: Option<usize>,
}

fn collect_refs(e: &crate::plan::Expr, out: &mut Vec<SegmentId>) {
    if let ExprKind::SegmentRef(id) = e.kind {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    crate::plan::for_each_child(e, &mut |child| collect_refs(child, out));
}

impl Clauses {
    /// Whether a user is eligible, from its row of memberships in the extended plan.
    #[must_use]
    pub fn eligible(&self, member: impl Fn(usize) -> bool) -> bool {
        member(self.target) && !self.exclude.is_some_and(&member)
    }
}

/// Whether a user is in a campaign's holdout.
#[must_use]
pub fn held_out(campaign: &Campaign, id: &str) -> bool {
    campaign.holdout > 0 && crate::plan::value::bucket(&campaign.name, id) < campaign.holdout
}

/// Each campaign's figures over `instants` (ascending), for all users and then within each
/// filter (user segments of `plan`, by index), campaigns in priority order. `step_done` is
/// called before each instant.
///
/// # Errors
/// When the JIT cannot compile the plan, or a filter is an account segment.
pub fn figures(
    plan: &Plan,
    store: &Store,
    instants: &[i64],
    filters: &[usize],
    step_done: &mut dyn FnMut(),
) -> Result<Vec<Figures>, String> {
    for &f in filters {
        if plan.segments[f].target != Target::User {
            return Err(format!(
                "--filter {}: campaigns target users; the filter is an account segment",
                plan.segments[f].name
            ));
        }
    }
    let (extended, clauses) = with_campaigns(plan);
    let users = store.users.len();
    let unseen = u32::MAX;
    // Per campaign, per user: the first instant eligible, and the goal then and since.
    let mut first = vec![vec![unseen; users]; clauses.len()];
    let mut goal_at_first = vec![vec![false; users]; clauses.len()];
    let mut converted = vec![vec![false; users]; clauses.len()];
    let mut last_members: Vec<Vec<bool>> = Vec::new();
    for (step, &now) in (0u32..).zip(instants) {
        step_done();
        let prepared = crate::engine::prepare(&extended, store, now, crate::engine::Engine::Jit)
            .map_err(|e| format!("the JIT could not compile the plan: {e}"))?;
        let members = prepared.run().members;
        for (c, clause) in clauses.iter().enumerate() {
            for u in 0..users {
                let goal = clause.goal.is_some_and(|g| members[g][u]);
                if first[c][u] == unseen {
                    if clause.eligible(|s| members[s][u]) {
                        first[c][u] = step;
                        goal_at_first[c][u] = goal;
                    }
                } else if goal && !goal_at_first[c][u] {
                    converted[c][u] = true;
                }
            }
        }
        last_members = members;
    }
    let mut rows = Vec::new();
    for c in crate::check::by_priority(&plan.campaigns) {
        let campaign = &plan.campaigns[c];
        let held: Vec<bool> = store
            .users
            .ids
            .iter()
            .map(|id| held_out(campaign, id))
            .collect();
        let within = std::iter::once(None).chain(filters.iter().map(|&f| Some(f)));
        for filter in within {
            let mut counts = [[0usize; 2]; 2];
            for u in 0..users {
                if first[c][u] == unseen || filter.is_some_and(|f| !last_members[f][u]) {
                    continue;
                }
                let group = usize::from(held[u]);
                counts[group][0] += 1;
                counts[group][1] += usize::from(converted[c][u]);
            }
            let has_goal = campaign.goal.is_some();
            let rate = |[n, k]: [usize; 2]| {
                #[allow(clippy::cast_precision_loss)]
                (has_goal && n > 0).then(|| k as f64 / n as f64)
            };
            let (conversion, holdout_conversion) = (rate(counts[0]), rate(counts[1]));
            let lift = match (conversion, holdout_conversion) {
                (Some(t), Some(h)) if h > 0.0 => Some(t / h - 1.0),
                _ => None,
            };
            rows.push(Figures {
                campaign: campaign.name.clone(),
                filter: filter.map(|f| plan.segments[f].name.clone()),
                targeted: counts[0][0],
                converted: has_goal.then_some(counts[0][1]),
                conversion,
                holdout: counts[1][0],
                holdout_converted: has_goal.then_some(counts[1][1]),
                holdout_conversion,
                lift,
            });
        }
    }
    Ok(rows)
}

/// The campaigns a user qualifies for, as of the instant of `row` (its memberships in the
/// extended plan of [`with_campaigns`]), in priority order: those to show, and those it is
/// held out of.
#[must_use]
pub fn decide<'p>(
    plan: &'p Plan,
    clauses: &[Clauses],
    id: &str,
    member: impl Fn(usize) -> bool,
) -> (Vec<&'p Campaign>, Vec<&'p Campaign>) {
    let (mut show, mut held) = (Vec::new(), Vec::new());
    for c in crate::check::by_priority(&plan.campaigns) {
        let campaign = &plan.campaigns[c];
        if !clauses[c].eligible(&member) {
            continue;
        }
        if held_out(campaign, id) {
            held.push(campaign);
        } else {
            show.push(campaign);
        }
    }
    (show, held)
}

//! What each segment reads: which event types, and whether profile or account attributes,
//! directly or through the segments it refers to. When rows arrive for a user, only the user
//! segments that read what arrived can change (until the clock moves, which sweeps catch),
//! and only the tables they read need to be in the small store that evaluates them.

use crate::plan::{for_each_child, AttrScope, Expr, ExprKind, Plan, SegmentId, Target};

/// A set of inputs: event types (by id), profile attributes, account attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reads {
    pub events: Vec<bool>,
    pub profile: bool,
    pub account: bool,
}

impl Reads {
    /// Nothing, for a schema of `events` event types.
    #[must_use]
    pub fn none(events: usize) -> Reads {
        Reads {
            events: vec![false; events],
            profile: false,
            account: false,
        }
    }

    /// Everything.
    #[must_use]
    pub fn all(events: usize) -> Reads {
        Reads {
            events: vec![true; events],
            profile: true,
            account: true,
        }
    }

    pub fn add(&mut self, other: &Reads) {
        for (mine, theirs) in self.events.iter_mut().zip(&other.events) {
            *mine |= *theirs;
        }
        self.profile |= other.profile;
        self.account |= other.account;
    }

    /// Whether the two sets share an input.
    #[must_use]
    pub fn meets(&self, other: &Reads) -> bool {
        self.events.iter().zip(&other.events).any(|(a, b)| *a && *b)
            || (self.profile && other.profile)
            || (self.account && other.account)
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            // A profile attribute; or an account's users, found through their profiles (what
            // the filter reads is walked below).
            ExprKind::Attribute(AttrScope::Profile, _) | ExprKind::Users { .. } => {
                self.profile = true;
            }
            // A user's account is found through its profile.
            ExprKind::Attribute(AttrScope::Account, _) => {
                self.profile = true;
                self.account = true;
            }
            ExprKind::Changed(changed) => {
                self.profile = true;
                self.account |= changed.scope == AttrScope::Account;
            }
            ExprKind::Aggregate(aggregate) => self.events[aggregate.set.event.0 as usize] = true,
            ExprKind::Then { steps, .. } | ExprKind::Steps(steps) => {
                for step in steps {
                    self.events[step.event.0 as usize] = true;
                }
            }
            _ => {}
        }
        for_each_child(e, &mut |child| self.expr(child));
    }
}

/// What each segment of a plan reads, itself and through the segments it refers to.
#[must_use]
pub fn reads(plan: &Plan) -> Vec<Reads> {
    let events = plan.schema.events.len();
    let mut out: Vec<Reads> = Vec::with_capacity(plan.segments.len());
    // Segments come in dependency order: what one refers to is done before it.
    for segment in &plan.segments {
        let mut reads = Reads::none(events);
        reads.expr(&segment.body);
        for &SegmentId(d) in &segment.depends_on {
            let theirs = out[d as usize].clone();
            reads.add(&theirs);
        }
        out.push(reads);
    }
    out
}

/// The plan cut to the user segments that read any of `dirty` (and what they refer to),
/// where each of its segments is in `plan`, and what the cut plan reads.
#[must_use]
pub fn user_cut(plan: &Plan, reads: &[Reads], dirty: &Reads) -> (Plan, Vec<usize>, Reads) {
    let roots: Vec<SegmentId> = (0u32..)
        .zip(&plan.segments)
        .filter(|(i, s)| s.target == Target::User && reads[*i as usize].meets(dirty))
        .map(|(i, _)| SegmentId(i))
        .collect();
    let (cut, _) = plan.prune(&roots);
    let mut needed = Reads::none(plan.schema.events.len());
    let index = cut
        .segments
        .iter()
        .map(|s| {
            let i = plan
                .segments
                .iter()
                .position(|t| t.name == s.name)
                .expect("a kept segment is in the plan");
            needed.add(&reads[i]);
            i
        })
        .collect();
    (cut, index, needed)
}

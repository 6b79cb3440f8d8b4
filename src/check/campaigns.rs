//! Campaigns: checked like segments. The target, goal and exclusion are conditions about a
//! user (anything a user segment's body may be), the holdout a percent below 100, and names
//! are unique among campaigns (they have their own namespace: a segment may share one).

use super::expr::Scope;
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::plan::{self, Campaign, Target};
use crate::syntax::ast;

impl<'a> Checker<'a> {
    pub(super) fn declare_campaign(&mut self, def: &'a ast::CampaignDef) {
        if let Some(first) = self.campaigns.iter().find(|c| c.name.name == def.name.name) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    def.name.span,
                    format!("campaign `{}` is defined twice", def.name.name),
                    "defined again here",
                )
                .with_secondary(first.name.span, "first defined here")
                .with_help("campaigns share one namespace across all loaded files; rename one"),
            );
            return;
        }
        self.campaigns.push(def);
    }

    /// Checks every campaign (after the segments, whose names they use).
    pub(super) fn check_campaigns(&mut self) -> Vec<Campaign> {
        let defs = std::mem::take(&mut self.campaigns);
        let mut campaigns = Vec::with_capacity(defs.len());
        for def in &defs {
            let name = &def.name.name;
            let target = self.campaign_clause(&def.target, name, "target");
            let goal = def
                .goal
                .as_ref()
                .map(|e| self.campaign_clause(e, name, "goal"));
            let exclude = def
                .exclude
                .as_ref()
                .map(|e| self.campaign_clause(e, name, "exclusion"));
            let holdout = def.holdout.map_or(0, |(value, span)| {
                self.number_below(value, span, 100, "a holdout is a percent from 0 to 99")
            });
            let priority = def.priority.map(|(value, span)| {
                self.number_below(value, span, u32::MAX, "a priority is a whole number")
            });
            campaigns.push(Campaign {
                name: name.clone(),
                description: def.description.as_ref().map(|d| d.value.clone()),
                target,
                goal,
                exclude,
                holdout,
                priority,
                span: def.name.span,
            });
        }
        self.campaigns = defs;
        campaigns
    }

    /// A campaign's clause: a condition about a user.
    fn campaign_clause(&mut self, e: &'a ast::Expr, campaign: &str, clause: &str) -> plan::Expr {
        self.refs.clear();
        self.expansion.start_segment();
        let checked = self.check_expr(e, Scope::top(Target::User));
        if !checked.ty.compatible(&plan::Type::Bool) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::BodyNotBool,
                    e.span,
                    format!(
                        "the {clause} of campaign `{campaign}` is a {}, not a condition",
                        checked.ty.name()
                    ),
                    format!("this is a {}", checked.ty.name()),
                )
                .with_help("name a segment, or write a condition such as `did(purchase)`"),
            );
        }
        checked
    }

    fn number_below(
        &mut self,
        value: Option<u32>,
        span: crate::source::Span,
        bound: u32,
        help: &str,
    ) -> u32 {
        match value {
            Some(n) if n < bound => n,
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::OutOfRange,
                        span,
                        format!("{} is out of range", &span_text(value)),
                        "out of range",
                    )
                    .with_help(help),
                );
                0
            }
        }
    }
}

fn span_text(value: Option<u32>) -> String {
    value.map_or_else(|| "the number".to_string(), |n| n.to_string())
}

/// Campaigns in the order a visitor is offered them: by priority (lower first, those without
/// one last), then in file order.
#[must_use]
pub fn by_priority(campaigns: &[Campaign]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..campaigns.len()).collect();
    order.sort_by_key(|&i| (campaigns[i].priority.is_none(), campaigns[i].priority, i));
    order
}

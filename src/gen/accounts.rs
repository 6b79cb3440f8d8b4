//! B2B accounts: who they are and how their stage and plan moved over time.
//!
//! Each account follows a scenario, taken in turn from a fixed cycle (shifted by the seed)
//! so that even a few dozen accounts cover every state the example segments look at:
//! healthy, recently converted, sales-led, declining, low seat use and urgent-ticket
//! customers; trials that are active, ending within three days or expired; prospects;
//! accounts churned within or beyond 90 days. The scenario fixes the timeline (trial
//! start, conversion, churn); the users of the account (`product.rs`) follow
//! it. The account's
//! row without `ts` is its state as a prospect; each later change is a full-state history
//! row. A few accounts also carry a change at or after `as_of`, which evaluators ignore.

use std::borrow::Cow;

use super::clock::{Clock, DAY, HOUR};
use super::record::{AccountAttr, Change, Value};
use super::rng::Rng;
use super::user::txt;
use super::vocab::{
    B2B_COUNTRIES, COMPANY_ADJECTIVES, COMPANY_NOUNS, COMPANY_SUFFIXES, COMPANY_TLDS, INDUSTRIES,
    PAID_PLANS, TRIAL_PLAN,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scenario {
    CustomerHealthy,
    CustomerRecent,
    CustomerSalesLed,
    CustomerDeclining,
    CustomerLowSeatUse,
    CustomerUrgent,
    TrialActive,
    TrialEndingSoon,
    TrialExpired,
    Prospect,
    ProspectDemo,
    ChurnedRecently,
    ChurnedLongAgo,
}

/// The cycle of scenarios: half customers, the rest trials, prospects and churned accounts.
const CYCLE: [Scenario; 14] = [
    Scenario::CustomerHealthy,
    Scenario::TrialEndingSoon,
    Scenario::CustomerRecent,
    Scenario::Prospect,
    Scenario::CustomerDeclining,
    Scenario::ChurnedRecently,
    Scenario::TrialActive,
    Scenario::CustomerLowSeatUse,
    Scenario::CustomerSalesLed,
    Scenario::TrialExpired,
    Scenario::CustomerUrgent,
    Scenario::ProspectDemo,
    Scenario::CustomerDeclining,
    Scenario::ChurnedLongAgo,
];

pub(crate) struct Account {
    pub id: String,
    pub scenario: Scenario,
    pub users: usize,
    pub name: String,
    pub domain: String,
    pub country: Option<&'static str>,
    pub industry: Option<&'static str>,
    pub created: i64,
    pub trial: Option<i64>,
    pub trial_ends: Option<i64>,
    pub converted: Option<i64>,
    pub churned: Option<i64>,
    /// Which user (by position in the account) files the urgent tickets, if any.
    pub urgent_user: Option<usize>,
    pub base: Vec<Option<Value>>,
    pub changes: Vec<Change>,
}

impl Account {
    /// When its users could start using the product.
    pub(crate) fn product_from(&self) -> Option<i64> {
        self.trial.or(self.converted)
    }

    /// The last instant its users are active, for churned accounts.
    pub(crate) fn active_until(&self, clock: &Clock) -> i64 {
        self.churned.unwrap_or(clock.now)
    }

    fn change(&mut self, ts: i64, attr: AccountAttr, value: Option<Value>) {
        self.changes.push(Change {
            ts,
            attr: attr as usize,
            value,
        });
    }
}

impl Scenario {
    /// An account in a trial that has not converted.
    pub(crate) fn is_trial(self) -> bool {
        matches!(
            self,
            Scenario::TrialActive | Scenario::TrialEndingSoon | Scenario::TrialExpired
        )
    }

    /// The fewest users an account of the scenario has (when there are that many left).
    pub(crate) fn min_users(self) -> usize {
        match self {
            Scenario::CustomerDeclining | Scenario::CustomerLowSeatUse => 4,
            _ => 2,
        }
    }
}

/// The scenario of the account with this index.
pub(crate) fn scenario(index: usize, seed: u64) -> Scenario {
    CYCLE[(index + (seed % CYCLE.len() as u64) as usize) % CYCLE.len()]
}

/// Builds account `index` with `users` users.
pub(crate) fn account(
    rng: &mut Rng,
    clock: &Clock,
    id: String,
    scenario: Scenario,
    users: usize,
) -> Account {
    let adjective = rng.pick(&COMPANY_ADJECTIVES);
    let noun = rng.pick(&COMPANY_NOUNS);
    let suffix = rng.pick(&COMPANY_SUFFIXES);
    let tld = rng.pick(&COMPANY_TLDS);
    let name = format!("{adjective} {noun}{suffix}");
    let domain = format!("{}{}{tld}", adjective.to_lowercase(), noun.to_lowercase());
    let industry = rng.chance(0.85).then(|| rng.pick(&INDUSTRIES));
    let country = rng.weighted(&B2B_COUNTRIES);
    let days = |rng: &mut Rng, lo: f64, hi: f64| clock.ago(rng.uniform(lo, hi));
    let (mut trial, mut converted, mut churned) = (None, None, None);
    let mut trial_days = 14;
    match scenario {
        Scenario::CustomerHealthy
        | Scenario::CustomerDeclining
        | Scenario::CustomerLowSeatUse
        | Scenario::CustomerUrgent => {
            let c = days(rng, 35.0, 380.0);
            converted = Some(c);
            trial = rng.chance(0.8).then(|| c - rng.range(3 * DAY, 25 * DAY));
        }
        Scenario::CustomerRecent => {
            let c = days(rng, 0.5, 29.0);
            converted = Some(c);
            trial = Some(c - rng.range(4 * DAY, 13 * DAY));
        }
        Scenario::CustomerSalesLed => converted = Some(days(rng, 10.0, 300.0)),
        Scenario::TrialActive => {
            if rng.chance(0.3) {
                trial_days = 30;
                trial = Some(days(rng, 1.0, 22.0));
            } else {
                trial = Some(days(rng, 0.3, 9.0));
            }
        }
        Scenario::TrialEndingSoon => trial = Some(days(rng, 11.1, 13.9)),
        Scenario::TrialExpired => trial = Some(days(rng, 16.0, 70.0)),
        Scenario::Prospect | Scenario::ProspectDemo => {}
        Scenario::ChurnedRecently | Scenario::ChurnedLongAgo => {
            let ch = if scenario == Scenario::ChurnedRecently {
                days(rng, 2.0, 85.0)
            } else {
                days(rng, 95.0, 250.0)
            };
            churned = Some(ch);
            let c = ch - rng.range(45 * DAY, 200 * DAY);
            converted = Some(c);
            trial = rng.chance(0.6).then(|| c - rng.range(4 * DAY, 20 * DAY));
        }
    }
    let first = trial.or(converted).unwrap_or(clock.now);
    let created = (first - rng.range(5 * DAY, 90 * DAY)).max(clock.ago(420.0));
    let trial_ends = trial.map(|t| t + trial_days * DAY);
    let urgent_user =
        (scenario == Scenario::CustomerUrgent).then(|| rng.below(users.min(2) as u64) as usize);
    let mut acc = Account {
        id,
        scenario,
        users,
        name,
        domain,
        country,
        industry,
        created,
        trial,
        trial_ends,
        converted,
        churned,
        urgent_user,
        base: vec![None; AccountAttr::ALL.len()],
        changes: Vec::new(),
    };
    history(rng, clock, &mut acc);
    acc
}

fn seats(v: u32) -> Value {
    Value::Num(f64::from(v.max(1)))
}

/// The base row and the stage, plan and seat changes of the account's timeline.
fn history(rng: &mut Rng, clock: &Clock, acc: &mut Account) {
    let users = u32::try_from(acc.users).unwrap_or(u32::MAX);
    acc.base[AccountAttr::Name as usize] = Some(Value::Text(Cow::Owned(acc.name.clone())));
    acc.base[AccountAttr::Stage as usize] = Some(txt("prospect"));
    acc.base[AccountAttr::Plan as usize] = Some(txt("free"));
    acc.base[AccountAttr::Industry as usize] = acc.industry.map(txt);
    acc.base[AccountAttr::Seats as usize] = Some(seats(1));
    if let (Some(t), Some(ends)) = (acc.trial, acc.trial_ends) {
        acc.change(t, AccountAttr::Stage, Some(txt("trial")));
        acc.change(t, AccountAttr::Plan, Some(txt(TRIAL_PLAN)));
        acc.change(t, AccountAttr::Seats, Some(seats(users)));
        acc.change(t, AccountAttr::TrialEndsAt, Some(Value::Time(ends)));
    }
    let plan = rng.weighted(&PAID_PLANS);
    if let Some(c) = acc.converted {
        let bought = match acc.scenario {
            Scenario::CustomerLowSeatUse => users * 4 + rng.range(8, 20) as u32,
            _ => users + rng.range(0, 3) as u32,
        };
        acc.change(c, AccountAttr::Stage, Some(txt("customer")));
        acc.change(c, AccountAttr::Plan, Some(txt(plan)));
        acc.change(c, AccountAttr::Seats, Some(seats(bought)));
        let until = acc.active_until(clock);
        if rng.chance(0.25) && until - c > 10 * DAY {
            let t = c + rng.range(5 * DAY, until - c - DAY);
            let other = if plan == "enterprise" {
                "business"
            } else {
                "enterprise"
            };
            acc.change(t, AccountAttr::Plan, Some(txt(other)));
            acc.change(t, AccountAttr::Seats, Some(seats(bought + 5)));
        }
    }
    if let Some(ch) = acc.churned {
        acc.change(ch, AccountAttr::Stage, Some(txt("churned")));
    }
    if rng.chance(0.08) {
        // Recorded for an instant at or after `as_of`: ignored by evaluators.
        let at = if rng.chance(0.15) {
            clock.now
        } else {
            clock.now + rng.range(HOUR, 5 * DAY)
        };
        let next = match acc.scenario {
            Scenario::Prospect | Scenario::ProspectDemo => "trial",
            Scenario::TrialActive
            | Scenario::TrialEndingSoon
            | Scenario::TrialExpired
            | Scenario::ChurnedRecently
            | Scenario::ChurnedLongAgo => "customer",
            _ => "churned",
        };
        acc.change(at, AccountAttr::Stage, Some(txt(next)));
    }
}

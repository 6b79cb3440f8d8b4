//! B2B product users: the people of an account (and self-serve trialists) in the app.
//!
//! An account's users follow its scenario (`accounts.rs`): the first user (the admin)
//! went through the lead funnel (`leads.rs`), started the trial and the subscription; the
//! others join later. In the product a user logs in, onboards (connect data, create a
//! dashboard, invite a teammate, each step less likely, only in the first sessions), uses
//! the features they adopted (the AI assistant only after its launch, except for a few
//! beta users), files tickets and answers NPS in a mood set by the scenario. Declining
//! accounts have users who stop in the last one or two weeks, churned accounts' users stop
//! before the churn, some users go idle for weeks, and some invited users never log in. A
//! user who stopped has a session on their last day, so the last activity is where the
//! scenario put it.

use super::accounts::{Account, Scenario};
use super::clock::{Clock, Hours, Lean, DAY, HOUR, MINUTE};
use super::leads::{b2b_profile, lead_journey, Lead};
use super::record::{Attr, Kind, Prop, Value};
use super::rng::Rng;
use super::user::{num, txt, UserBuild};
use super::vocab::{
    AI_FEATURE, AI_LAUNCH, FEATURES, LOGIN_METHODS, ONBOARDING, PAID_PLANS, SEVERITIES_ANGRY,
    SEVERITIES_CALM, TICKET_CHANNELS, TRIAL_PLAN,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mood {
    Happy,
    Unhappy,
}

/// How one user uses the product.
pub(crate) struct ProductUser {
    features: Vec<&'static str>,
    ai: bool,
    ai_beta: bool,
    mood: Mood,
    tickets: f64,
    invites: bool,
}

impl ProductUser {
    pub(crate) fn new(rng: &mut Rng, mood: Mood, admin: bool) -> ProductUser {
        let mut features: Vec<&'static str> = FEATURES
            .iter()
            .filter(|(_, p)| rng.chance(*p))
            .map(|(f, _)| *f)
            .collect();
        if features.is_empty() {
            features.push("segments");
        }
        ProductUser {
            features,
            ai: rng.chance(0.35),
            ai_beta: rng.chance(0.04),
            mood,
            tickets: if mood == Mood::Unhappy { 0.2 } else { 0.04 },
            invites: admin || rng.chance(0.3),
        }
    }
}

/// Product sessions between `from` and `end`: the first one a day or so after `from`
/// (onboarding), the others leaning toward `end`; a session on `end`'s day when the user
/// stopped before now.
pub(crate) fn product_use(
    b: &mut UserBuild,
    u: &ProductUser,
    from: i64,
    end: i64,
    sessions: usize,
    onboard: bool,
) {
    let clock = b.clock;
    if end <= from {
        return;
    }
    let first = if b.rng.chance(0.65) {
        from + b.rng.range(MINUTE, 20 * HOUR)
    } else {
        from + b.rng.range(DAY, 10 * DAY)
    };
    let mut times = vec![clock.clamp(&mut b.rng, first, from, end)];
    let lean = if end - from > 60 * DAY {
        Lean::VeryRecent
    } else {
        Lean::Recent
    };
    for _ in 1..sessions {
        times.push(clock.session(&mut b.rng, from, end, lean, Hours::Office));
    }
    let mut pinned = None;
    if end < clock.now - DAY {
        let last = Clock::day_of(end) + super::clock::time_of_day(&mut b.rng, Hours::Office);
        let last = clock.clamp(&mut b.rng, last, from, end);
        times.push(last);
        pinned = Some(last);
    }
    times.sort_unstable();
    let mut step = usize::from(!onboard) * ONBOARDING.len();
    for (i, &t0) in times.iter().enumerate() {
        let mut t = t0;
        app_session(b, u, &mut t, i == 0 || pinned == Some(t0));
        // Onboarding, one step after another, each less likely.
        while step < ONBOARDING.len()
            && i < 3
            && b.rng
                .chance([0.8, 0.7, if u.invites { 0.6 } else { 0.15 }][step])
        {
            b.step(&mut t);
            b.emit(
                t,
                Kind::FeatureUsed,
                &[(Prop::Feature, txt(ONBOARDING[step]))],
            );
            step += 1;
        }
    }
    if b.rng.chance(0.06) {
        let mut t = clock.now + b.rng.range(0, 30 * HOUR);
        if b.rng.chance(0.2) {
            t = clock.now;
        }
        app_session(b, u, &mut t, true);
    }
}

/// One visit to the app; `login` forces a login event (first and pinned sessions).
fn app_session(b: &mut UserBuild, u: &ProductUser, t: &mut i64, login: bool) {
    if b.rng.chance(0.4) {
        b.page(*t, "/login", None);
        b.step(t);
    }
    if login || b.rng.chance(0.9) {
        let method = b.rng.weighted(&LOGIN_METHODS);
        b.emit(*t, Kind::Login, &[(Prop::Method, txt(method))]);
    }
    if b.rng.chance(0.6) {
        b.step(t);
        let url = if b.rng.chance(0.6) {
            "/app"
        } else {
            "/app/dashboards"
        };
        b.page(*t, url, None);
    }
    for _ in 0..b.rng.range(i64::from(!login), 4) {
        b.step(t);
        let feature = if u.ai && (*t >= AI_LAUNCH || u.ai_beta) && b.rng.chance(0.3) {
            AI_FEATURE
        } else {
            b.rng.pick(&u.features)
        };
        b.emit(*t, Kind::FeatureUsed, &[(Prop::Feature, txt(feature))]);
    }
    if b.rng.chance(u.tickets) {
        b.step(t);
        ticket(b, *t, u.mood);
    }
    if b.rng.chance(0.05) {
        b.step(t);
        let score = match u.mood {
            Mood::Happy => b.rng.range(6, 11),
            Mood::Unhappy => b.rng.range(0, 7),
        };
        b.emit(*t, Kind::NpsResponse, &[(Prop::Score, num(score as f64))]);
    }
    if b.rng.chance(0.06) {
        b.step(t);
        b.page(*t, "/docs/getting-started", None);
    }
}

fn ticket(b: &mut UserBuild, t: i64, mood: Mood) {
    let channel = b.rng.weighted(&TICKET_CHANNELS);
    let severity = match mood {
        Mood::Happy => b.rng.weighted(&SEVERITIES_CALM),
        Mood::Unhappy => b.rng.weighted(&SEVERITIES_ANGRY),
    };
    b.emit(
        t,
        Kind::SupportTicket,
        &[
            (Prop::Channel, txt(channel)),
            (Prop::Severity, txt(severity)),
        ],
    );
}

/// User number `position` of an account.
pub(crate) fn account_user(b: &mut UserBuild, acc: &Account, position: usize, budget: usize) {
    let clock = b.clock;
    let admin = position == 0;
    b2b_profile(b, false);
    if b.rng.chance(0.85) {
        b.set_text(Attr::Country, acc.country);
    }
    b.set_owned(Attr::AccountId, acc.id.clone());
    let domain = if b.rng.chance(0.1) {
        acc.domain.to_uppercase()
    } else {
        acc.domain.clone()
    };
    b.set_owned(Attr::EmailDomain, domain);
    if acc.industry.is_some() && b.rng.chance(0.4) {
        b.set_text(Attr::Industry, acc.industry);
    }
    let Some(product_from) = acc.product_from() else {
        // A prospect: its people are leads.
        let kind = if admin && acc.scenario == Scenario::ProspectDemo {
            Lead::DemoRequester
        } else {
            b.rng.weighted(&[
                (Lead::Reader, 3),
                (Lead::Evaluator, 2),
                (Lead::TourWatcher, 1),
                (Lead::Dormant, 1),
            ])
        };
        lead_journey(b, kind, acc.created, clock.now, budget);
        return;
    };
    let until = acc.active_until(clock);
    let join = if admin {
        if acc.trial.is_some() {
            lead_journey(b, Lead::Admin, acc.created, product_from, budget / 3);
        } else {
            lead_journey(b, Lead::SalesLed, acc.created, product_from, budget / 4);
        }
        product_from
    } else if position == 1 && acc.scenario.is_trial() {
        // The trial's early tester, who looks around for a day or two and leaves.
        product_from + b.rng.range(HOUR, DAY)
    } else {
        let latest = until.min(clock.now - DAY).max(product_from + HOUR);
        product_from + b.rng.range(HOUR, latest - product_from + HOUR)
    };
    b.set(Attr::SignupAt, Some(Value::Time(join)));
    if let Some(ends) = acc.trial_ends {
        if join < ends {
            b.set(Attr::TrialEndsAt, Some(Value::Time(ends)));
        }
    }
    if admin {
        if let Some(t) = acc.trial {
            b.emit(t, Kind::TrialStart, &[(Prop::Plan, txt(TRIAL_PLAN))]);
            b.change(t, Attr::Lifecycle, Some(txt("sql")));
        }
        if let Some(c) = acc.converted {
            let plan = b.rng.weighted(&PAID_PLANS);
            let seats = acc.users as f64 + b.rng.range(0, 3) as f64;
            b.emit(
                c,
                Kind::SubscriptionStart,
                &[(Prop::Plan, txt(plan)), (Prop::Seats, num(seats))],
            );
        }
    }
    if let Some(c) = acc.converted {
        b.change(c.max(join), Attr::Lifecycle, Some(txt("customer")));
    }
    if let Some(ch) = acc.churned {
        b.change(ch, Attr::Lifecycle, Some(txt("churned")));
    }
    let (end, mood, never) = fate(&mut b.rng, clock, acc, position, join);
    let urgent = acc.urgent_user == Some(position);
    if never && !urgent {
        return;
    }
    let mut user = ProductUser::new(&mut b.rng, mood, admin);
    if urgent {
        user.tickets = 0.3;
        // Two high or urgent tickets in the last two weeks.
        for _ in 0..2 {
            let t = clock.session(
                &mut b.rng,
                clock.ago(13.0).max(join),
                clock.now,
                Lean::Flat,
                Hours::Office,
            );
            let severity = if b.rng.chance(0.6) { "urgent" } else { "high" };
            let channel = b.rng.weighted(&TICKET_CHANNELS);
            b.emit(
                t,
                Kind::SupportTicket,
                &[
                    (Prop::Channel, txt(channel)),
                    (Prop::Severity, txt(severity)),
                ],
            );
        }
    }
    let sessions = (budget as f64 / 4.0).round().max(1.0) as usize;
    product_use(b, &user, join, end, sessions, true);
}

/// When an account user stops, in what mood, and whether they never log in at all.
fn fate(
    rng: &mut Rng,
    clock: &Clock,
    acc: &Account,
    position: usize,
    join: i64,
) -> (i64, Mood, bool) {
    let never = rng.chance(match acc.scenario {
        Scenario::CustomerLowSeatUse => 0.3,
        s if s.is_trial() => 0.2,
        _ => 0.1,
    });
    if position == 1 && acc.scenario.is_trial() {
        return (join + rng.range(DAY, 3 * DAY), Mood::Happy, false);
    }
    let idle = |rng: &mut Rng, lo: f64, hi: f64| clock.ago(rng.uniform(lo, hi)).max(join + HOUR);
    let x = rng.unit();
    let (end, unhappy) = match acc.scenario {
        Scenario::CustomerDeclining => {
            if x < 0.7 {
                (idle(rng, 7.3, 13.8), 0.6)
            } else if x < 0.85 {
                (idle(rng, 15.0, 45.0), 0.6)
            } else {
                (clock.now, 0.3)
            }
        }
        Scenario::CustomerLowSeatUse if x < 0.5 => (idle(rng, 15.0, 60.0), 0.2),
        Scenario::CustomerUrgent => (clock.now, 0.5),
        Scenario::TrialActive | Scenario::TrialEndingSoon if x < 0.3 => (idle(rng, 7.5, 12.0), 0.2),
        Scenario::TrialExpired => (
            acc.trial_ends.unwrap_or(clock.now) + rng.range(-5 * DAY, 2 * DAY),
            0.3,
        ),
        Scenario::ChurnedRecently | Scenario::ChurnedLongAgo => {
            (acc.active_until(clock) - rng.range(0, 20 * DAY), 0.6)
        }
        _ if x < 0.1 => (idle(rng, 14.5, 40.0), 0.2),
        _ => (clock.now, 0.1),
    };
    let mood = if rng.chance(unhappy) {
        Mood::Unhappy
    } else {
        Mood::Happy
    };
    (end.min(clock.now), mood, never)
}

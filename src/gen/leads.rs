//! B2B leads: people on the software vendor's website before they use the product.
//!
//! A lead has an archetype (reader, evaluator, demo requester, demo abandoner, tour watcher,
//! competitor, self-serve trialist, dormant; an account's admin and a sales-led admin are
//! archetypes too). Its sessions are drawn over its span and sorted, and the funnel steps
//! are laid on them in order (pricing, then demo, then trial), so `then` and `steps`
//! funnels complete for some leads and break off for others (demo page left without the
//! thank-you page, demo before pricing, a sales-sourced demo, equal instants). Reading
//! sessions bring articles (some buying guides), content pages and videos, at office hours
//! for some readers. Lifecycle moves lead -> mql -> sql at sessions of the journey, so some
//! moves fall in the last 14 days. Self-serve trialists use the product alone
//! (`product.rs`) and some subscribe.

use super::clock::{Hours, Lean, DAY, HOUR, MINUTE};
use super::product::{product_use, Mood, ProductUser};
use super::record::{Attr, Kind, Prop, Value};
use super::rng::{weighted_at, Rng};
use super::user::{num, txt, UserBuild};
use super::vocab::{
    ARTICLES, B2B_COUNTRIES, B2B_LISTS, B2B_PERSONAS, B2B_TOPICS, B2B_VIDEOS, BLOG_PAGES,
    COMPETITOR_DOMAINS, DEMO_SOURCES, INDUSTRIES, JUNK_INDUSTRY, NEAR_COMPETITOR_DOMAINS,
    PAID_PLANS, PRODUCT_TOUR, REFERRERS, SAAS_BRAND, SAAS_PRODUCTS, SITE_PAGES, TRIAL_PLAN,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lead {
    Reader,
    Evaluator,
    DemoRequester,
    DemoAbandoner,
    TourWatcher,
    Competitor,
    SelfServe,
    Dormant,
    /// An account's admin before the trial: pricing, demo, then the account's trial.
    Admin,
    /// A sales-led account's admin: a demo booked by sales.
    SalesLed,
}

const LEADS: [(Lead, u32); 8] = [
    (Lead::Reader, 22),
    (Lead::Evaluator, 15),
    (Lead::DemoRequester, 14),
    (Lead::DemoAbandoner, 13),
    (Lead::TourWatcher, 10),
    (Lead::Competitor, 14),
    (Lead::SelfServe, 10),
    (Lead::Dormant, 8),
];

/// What happens in one web session of a lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Visit {
    Web,
    Content,
    Pricing,
    Demo { completes: bool },
    SalesDemo,
    Tour,
    Trial,
}

/// A lead's habits.
struct Habits {
    content: f64,
    hours: Hours,
    journeys_fan: bool,
    guide: bool,
}

pub(crate) fn b2b_profile(b: &mut UserBuild, competitor: bool) {
    let country = b.rng.weighted(&B2B_COUNTRIES);
    b.set_text(Attr::Country, country);
    b.set_flag(Attr::EmailOptIn, 0.35, 0.2);
    b.set_flag(Attr::PushOptIn, 0.05, 0.3);
    b.set_flag(Attr::SmsOptIn, 0.05, 0.15);
    let domain = if competitor {
        b.rng.pick(&COMPETITOR_DOMAINS)
    } else if b.rng.chance(0.06) {
        b.rng.pick(&NEAR_COMPETITOR_DOMAINS)
    } else if b.rng.chance(0.2) {
        "gmail.com"
    } else {
        ""
    };
    if domain.is_empty() {
        let a = b.rng.pick(&super::vocab::COMPANY_ADJECTIVES).to_lowercase();
        let n = b.rng.pick(&super::vocab::COMPANY_NOUNS).to_lowercase();
        b.set_owned(Attr::EmailDomain, format!("{a}{n}.com"));
    } else {
        b.set_text(Attr::EmailDomain, Some(domain));
    }
    let x = b.rng.unit();
    let industry = if x < 0.45 {
        Some(b.rng.pick(&INDUSTRIES))
    } else if x < 0.52 {
        Some(JUNK_INDUSTRY)
    } else {
        None
    };
    b.set_text(Attr::Industry, industry);
    let persona = b.rng.chance(0.7).then(|| b.rng.pick(&B2B_PERSONAS));
    b.set_text(Attr::Persona, persona);
    b.set_text(Attr::Lifecycle, Some("lead"));
}

/// A lead without an account. `pick` in [0, 1) chooses the archetype.
pub(crate) fn standalone_lead(b: &mut UserBuild, pick: f64, budget: usize) {
    let kind = weighted_at(&LEADS, pick);
    // Competitors' staff evaluate, and a few also read the blog.
    let competitor = kind == Lead::Competitor || (kind == Lead::Reader && b.rng.chance(0.05));
    b2b_profile(b, competitor);
    let clock = b.clock;
    let (from, to) = if kind == Lead::Dormant {
        let end = clock.ago(b.rng.uniform(60.0, 300.0));
        (end - b.rng.range(DAY, 30 * DAY), end)
    } else {
        (clock.ago(b.rng.uniform(10.0, 400.0)), clock.now)
    };
    let trial = lead_journey(b, kind, from, to, budget);
    if let Some(t) = trial {
        // A self-serve trial without an account: the trialist uses the product alone.
        let ends = t + 14 * DAY;
        let signup = t - b.rng.range(0, 10 * MINUTE);
        b.set(Attr::SignupAt, Some(Value::Time(signup)));
        b.set(Attr::TrialEndsAt, Some(Value::Time(ends)));
        let subscribes = ends < clock.now && b.rng.chance(0.4);
        let end = if b.rng.chance(0.7) {
            clock.now
        } else {
            (ends + b.rng.range(0, 3 * DAY)).min(clock.now)
        };
        let sessions = (budget / 8).max(2);
        let user = ProductUser::new(&mut b.rng, Mood::Happy, false);
        product_use(b, &user, t, end, sessions, true);
        if subscribes {
            let at = ends - b.rng.range(HOUR, 3 * DAY);
            let plan = b.rng.weighted(&PAID_PLANS);
            b.emit(
                at,
                Kind::SubscriptionStart,
                &[(Prop::Plan, txt(plan)), (Prop::Seats, num(1.0))],
            );
            b.change(at, Attr::Lifecycle, Some(txt("customer")));
        }
    } else if b.rng.chance(0.1) {
        // Made a free login once, never came back to log in.
        let at = b
            .clock
            .session(&mut b.rng, from, to, Lean::Flat, Hours::Office);
        b.set(Attr::SignupAt, Some(Value::Time(at)));
    }
    if b.rng.chance(0.05) {
        let mut t = clock.now + b.rng.range(0, 30 * HOUR);
        let habits = habits(&mut b.rng, kind);
        visit(b, &mut t, Visit::Pricing, &habits, None);
    }
}

fn habits(rng: &mut Rng, kind: Lead) -> Habits {
    let content = match kind {
        Lead::Reader => 0.85,
        Lead::Competitor => 0.5,
        Lead::Dormant => 0.2,
        _ => 0.35,
    };
    let hours = if kind == Lead::Reader && rng.chance(0.5) {
        Hours::Work
    } else if rng.chance(0.25) {
        Hours::Evening
    } else {
        Hours::Office
    };
    Habits {
        content,
        hours,
        journeys_fan: rng.chance(0.3),
        guide: rng.chance(if kind == Lead::Reader { 0.5 } else { 0.3 }),
    }
}

/// A lead's web sessions between `from` and `to`; returns the trial's start if the journey
/// ends in a trial.
pub(crate) fn lead_journey(
    b: &mut UserBuild,
    kind: Lead,
    from: i64,
    to: i64,
    budget: usize,
) -> Option<i64> {
    let habits = habits(&mut b.rng, kind);
    let mut sessions = (budget as f64 / 4.0).round().max(1.0) as usize;
    if kind == Lead::Dormant {
        sessions = sessions.min(3);
    }
    let mut plan: Vec<Visit> = (0..sessions)
        .map(|_| {
            if b.rng.chance(habits.content) {
                Visit::Content
            } else {
                Visit::Web
            }
        })
        .collect();
    // The funnel steps, in order, then laid over the sorted session times.
    let mut funnel = Vec::new();
    match kind {
        Lead::Evaluator | Lead::Competitor => {
            funnel.push(Visit::Pricing);
            if b.rng.chance(0.25) {
                funnel.push(Visit::Demo { completes: false });
            }
            if b.rng.chance(0.4) {
                funnel.push(Visit::Tour);
            }
        }
        Lead::DemoRequester | Lead::Admin => {
            let pricing_first = b.rng.chance(0.8);
            let demo = if b.rng.chance(0.85) {
                Visit::Demo { completes: true }
            } else {
                Visit::SalesDemo
            };
            if pricing_first {
                funnel.extend([Visit::Pricing, demo]);
            } else {
                funnel.extend([demo, Visit::Pricing]);
            }
        }
        Lead::DemoAbandoner => {
            if b.rng.chance(0.6) {
                funnel.push(Visit::Pricing);
            }
            funnel.push(Visit::Demo { completes: false });
            if b.rng.chance(0.2) {
                funnel.push(Visit::Demo { completes: true });
            }
        }
        Lead::TourWatcher => {
            funnel.push(Visit::Tour);
            if b.rng.chance(0.5) {
                funnel.push(Visit::Pricing);
            }
        }
        Lead::SelfServe => {
            funnel.push(Visit::Pricing);
            if b.rng.chance(0.3) {
                funnel.push(Visit::Demo { completes: true });
            }
            funnel.push(Visit::Trial);
        }
        Lead::SalesLed => funnel.push(Visit::SalesDemo),
        Lead::Reader | Lead::Dormant => {
            if b.rng.chance(0.2) {
                funnel.push(Visit::Pricing);
            }
        }
    }
    if plan.len() < funnel.len() + 1 {
        plan.resize(funnel.len() + 1, Visit::Web);
    }
    // Funnel steps go to distinct positions, in order, after the first session.
    let mut slots: Vec<usize> = Vec::with_capacity(funnel.len());
    while slots.len() < funnel.len() {
        let s = 1 + b.rng.below((plan.len() - 1) as u64) as usize;
        if !slots.contains(&s) {
            slots.push(s);
        }
    }
    slots.sort_unstable();
    for (&s, &step) in slots.iter().zip(&funnel) {
        plan[s] = step;
    }
    let lean = if kind == Lead::Admin {
        Lean::Recent
    } else {
        Lean::VeryRecent
    };
    let mut times: Vec<i64> = (0..plan.len())
        .map(|_| b.clock.session(&mut b.rng, from, to, lean, habits.hours))
        .collect();
    times.sort_unstable();
    let signup = b
        .rng
        .chance(if kind == Lead::Reader { 0.6 } else { 0.25 })
        .then(|| b.rng.below(plan.len() as u64) as usize);
    let unsubscribe = signup
        .filter(|_| b.rng.chance(0.3))
        .map(|s| s + b.rng.below((plan.len() - s) as u64) as usize);
    let p_mql = match kind {
        Lead::Reader | Lead::Competitor => 0.35,
        Lead::Dormant => 0.05,
        Lead::DemoRequester | Lead::Admin | Lead::SelfServe | Lead::SalesLed => 0.9,
        _ => 0.5,
    };
    let mql_at = b
        .rng
        .chance(p_mql)
        .then(|| b.rng.below(plan.len() as u64) as usize);
    let skip_mql = b.rng.chance(0.1);
    let mut trial = None;
    let mut lifecycle_sql = false;
    for (i, (&t0, &v)) in times.iter().zip(&plan).enumerate() {
        let mut t = t0;
        let first_referrer = (i == 0 || b.rng.chance(0.5)).then(|| b.rng.weighted(&REFERRERS));
        visit(b, &mut t, v, &habits, first_referrer);
        match v {
            Visit::Trial => {
                let plan_name = if b.rng.chance(0.9) {
                    TRIAL_PLAN
                } else {
                    "business"
                };
                b.step(&mut t);
                b.emit(t, Kind::TrialStart, &[(Prop::Plan, txt(plan_name))]);
                trial = Some(t);
            }
            Visit::Demo { completes: true } | Visit::SalesDemo
                if !lifecycle_sql && b.rng.chance(0.6) =>
            {
                lifecycle_sql = true;
                let at = t + b.rng.range(HOUR, 2 * DAY).min((to - t - 1).max(1));
                b.change(at, Attr::Lifecycle, Some(txt("sql")));
            }
            _ => {}
        }
        if mql_at == Some(i) && !skip_mql {
            let at = t + b.rng.range(MINUTE, 6 * HOUR);
            b.change(at, Attr::Lifecycle, Some(txt("mql")));
        }
        if signup == Some(i) {
            b.step(&mut t);
            b.emit(t, Kind::EmailSignup, &[(Prop::List, txt("newsletter"))]);
        }
        if unsubscribe == Some(i) {
            t += b.rng.range(MINUTE, 2 * HOUR);
            let list = if b.rng.chance(0.75) {
                "newsletter"
            } else {
                b.rng.pick(&B2B_LISTS)
            };
            b.emit(t, Kind::EmailUnsubscribe, &[(Prop::List, txt(list))]);
        }
    }
    fix_lifecycle_order(b);
    trial
}

/// Keeps `sql` after `mql` when both were drawn (an early sql makes the later mql a
/// step back, which real CRMs do show, but rarely).
fn fix_lifecycle_order(b: &mut UserBuild) {
    let at = |b: &UserBuild, v: &'static str| {
        b.changes
            .iter()
            .position(|c| c.attr == Attr::Lifecycle as usize && c.value == Some(txt(v)))
    };
    if let (Some(m), Some(s)) = (at(b, "mql"), at(b, "sql")) {
        if b.changes[s].ts < b.changes[m].ts && !b.rng.chance(0.05) {
            let ts = b.changes[m].ts;
            b.changes[s].ts = ts + b.rng.range(HOUR, DAY);
        }
    }
}

/// One web session of a lead starting at `*t`.
fn visit(b: &mut UserBuild, t: &mut i64, v: Visit, h: &Habits, referrer: Option<&'static str>) {
    if v == Visit::SalesDemo {
        b.emit(
            *t,
            Kind::DemoRequest,
            &[(Prop::Source, txt("sales_outbound"))],
        );
        return;
    }
    let landing = match v {
        Visit::Content => b.rng.pick(&BLOG_PAGES),
        Visit::Pricing if b.rng.chance(0.5) => "/pricing",
        _ => b.rng.pick(&SITE_PAGES),
    };
    b.page(*t, landing, referrer);
    for _ in 0..b.rng.range(0, 3) {
        b.step(t);
        let url = b.rng.pick(&SITE_PAGES);
        b.page(*t, url, None);
    }
    if b.rng.chance(0.35) {
        b.step(t);
        let product = if h.journeys_fan && b.rng.chance(0.7) {
            "Journeys"
        } else {
            b.rng.pick(&SAAS_PRODUCTS)
        };
        b.emit(
            *t,
            Kind::ProductView,
            &[
                (Prop::Product, txt(product)),
                (Prop::Category, txt("software")),
                (Prop::Brand, txt(SAAS_BRAND)),
            ],
        );
    }
    match v {
        Visit::Content => content(b, t, h),
        Visit::Pricing => {
            if landing != "/pricing" {
                b.step(t);
                b.page(*t, "/pricing", None);
            }
        }
        Visit::Demo { completes } => {
            b.step(t);
            b.page(*t, "/demo", None);
            if completes {
                b.step(t);
                let source = b.rng.weighted(&DEMO_SOURCES);
                b.emit(*t, Kind::DemoRequest, &[(Prop::Source, txt(source))]);
                if b.rng.chance(0.95) {
                    *t += b.rng.range(0, 40);
                    b.page(*t, "/demo/thank-you", None);
                }
            }
        }
        Visit::Tour => {
            b.step(t);
            let seconds = if b.rng.chance(0.75) {
                b.rng.range(30, 600)
            } else {
                b.rng.range(3, 30)
            };
            b.emit(
                *t,
                Kind::VideoView,
                &[
                    (Prop::Content, txt(PRODUCT_TOUR)),
                    (Prop::Seconds, num(seconds as f64)),
                ],
            );
        }
        Visit::Web | Visit::Trial | Visit::SalesDemo => {}
    }
}

/// Reading: articles (sometimes a buying guide), content pages and videos.
fn content(b: &mut UserBuild, t: &mut i64, h: &Habits) {
    for _ in 0..b.rng.range(1, 4) {
        b.step(t);
        let x = b.rng.unit();
        if x < 0.5 {
            let (article, topic) = if h.guide && b.rng.chance(0.4) {
                ARTICLES[b.rng.below(2) as usize]
            } else {
                ARTICLES[b.rng.below(8) as usize]
            };
            b.emit(
                *t,
                Kind::ArticleRead,
                &[(Prop::Article, txt(article)), (Prop::Topic, txt(topic))],
            );
        } else if x < 0.8 {
            let topic = b.rng.pick(&B2B_TOPICS);
            b.emit(*t, Kind::ContentView, &[(Prop::Topic, txt(topic))]);
        } else {
            let (video, seconds) = if b.rng.chance(0.2) {
                (PRODUCT_TOUR, b.rng.range(3, 120))
            } else {
                (b.rng.pick(&B2B_VIDEOS), b.rng.range(10, 900))
            };
            b.emit(
                *t,
                Kind::VideoView,
                &[
                    (Prop::Content, txt(video)),
                    (Prop::Seconds, num(seconds as f64)),
                ],
            );
        }
    }
}

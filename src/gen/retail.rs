//! Shoppers of the retail web shop.
//!
//! A shopper has an archetype (regular, family, bargain hunter, premium, budget, mid-price,
//! Northwind fan, wedding planner, weekend shopper, big spender, window shopper, lapsed)
//! drawn from a low-discrepancy sequence so that every archetype shows up even among a few
//! hundred users. The archetype sets a taste: favourite categories, price band, brand
//! loyalty, how often a session ends in a cart and a cart in a purchase, sale pages,
//! wedding interest, weekend habits. Sessions are drawn over the shopper's active span
//! (see `clock.rs`); each is a landing page, maybe a search or some content, product
//! views, maybe a cart and a purchase. Registered shoppers log in, some sign up for and
//! leave e-mail lists, a few stop push. Shoppers who were around last holiday season get a
//! holiday purchase with some probability (`previous_holiday_buyers`).

use super::clock::{Clock, Hours, Lean, DAY, HOUR, MINUTE};
use super::record::{Attr, Kind, Prop, Value};
use super::rng::{cents, weighted_at, Rng};
use super::user::{num, txt, UserBuild};
use super::vocab::{
    Item, CATEGORIES, CONSUMER_DOMAINS, FAMILY_CATEGORIES, ITEMS, QUERIES, REFERRERS, SALE_PAGES,
    SHOP_COUNTRIES, SHOP_LISTS, SHOP_LOGIN_METHODS, SHOP_PAGES, SHOP_PERSONAS, SHOP_TOPICS,
    SHOP_VIDEOS, WEDDING_PAGES, WEDDING_QUERIES,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Archetype {
    Regular,
    Family,
    Bargain,
    Premium,
    Budget,
    MidPrice,
    NorthwindFan,
    Wedding,
    Weekend,
    BigSpender,
    Window,
    Lapsed,
}

const ARCHETYPES: [(Archetype, u32); 12] = [
    (Archetype::Regular, 18),
    (Archetype::Family, 10),
    (Archetype::Bargain, 8),
    (Archetype::Premium, 7),
    (Archetype::Budget, 6),
    (Archetype::MidPrice, 8),
    (Archetype::NorthwindFan, 7),
    (Archetype::Wedding, 6),
    (Archetype::Weekend, 7),
    (Archetype::BigSpender, 7),
    (Archetype::Window, 8),
    (Archetype::Lapsed, 8),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Band {
    Budget,
    Mid,
    Premium,
    Mixed,
}

struct Taste {
    primary: &'static str,
    secondary: &'static str,
    band: Band,
    northwind: f64,
    cart: f64,
    buy: f64,
    sale: f64,
    content: f64,
    wedding: bool,
    weekend: bool,
    spend: f64,
    logs_in: f64,
}

fn category(rng: &mut Rng) -> &'static str {
    rng.weighted(&CATEGORIES)
}

fn taste(rng: &mut Rng, kind: Archetype) -> Taste {
    let mut t = Taste {
        primary: category(rng),
        secondary: category(rng),
        band: rng.weighted(&[(Band::Mixed, 3), (Band::Mid, 2), (Band::Budget, 1)]),
        northwind: 0.1,
        cart: rng.uniform(0.2, 0.5),
        buy: rng.uniform(0.3, 0.7),
        sale: 0.08,
        content: 0.15,
        wedding: rng.chance(0.02),
        weekend: false,
        spend: 1.0,
        logs_in: rng.uniform(0.2, 0.7),
    };
    match kind {
        Archetype::Regular | Archetype::Lapsed => {}
        Archetype::Family => {
            t.primary = rng.pick(&FAMILY_CATEGORIES);
            t.secondary = rng.pick(&FAMILY_CATEGORIES);
        }
        Archetype::Bargain => {
            t.sale = 0.75;
            t.band = Band::Budget;
        }
        Archetype::Premium => t.band = Band::Premium,
        Archetype::Budget => t.band = Band::Budget,
        Archetype::MidPrice => t.band = Band::Mid,
        Archetype::NorthwindFan => t.northwind = 0.6,
        Archetype::Wedding => {
            t.wedding = true;
            t.content = 0.5;
        }
        Archetype::Weekend => {
            t.weekend = true;
            t.buy = 0.7;
        }
        Archetype::BigSpender => {
            t.spend = 2.2;
            t.cart = 0.6;
            t.buy = 0.85;
            t.band = rng.weighted(&[(Band::Premium, 1), (Band::Mixed, 1)]);
        }
        Archetype::Window => {
            t.cart = 0.25;
            t.buy = 0.0;
        }
    }
    t
}

fn price(rng: &mut Rng, band: Band) -> f64 {
    let x = match band {
        Band::Budget => rng.uniform(5.0, 29.99),
        Band::Mid => rng.uniform(30.0, 149.99),
        Band::Premium => rng.uniform(150.0, 400.0),
        Band::Mixed => {
            let u = rng.unit();
            5.0 + 395.0 * u * u
        }
    };
    cents(x)
}

fn item(rng: &mut Rng, taste: &Taste) -> Item {
    let x = rng.unit();
    let cat = if taste.wedding && x < 0.25 {
        "Wedding"
    } else if x < 0.6 {
        taste.primary
    } else if x < 0.8 {
        taste.secondary
    } else {
        category(rng)
    };
    let northwind = rng.chance(taste.northwind);
    let matching = |i: &&Item| i.1 == cat && (!northwind || i.2 == "Northwind");
    let count = ITEMS.iter().filter(matching).count();
    if count == 0 {
        // No Northwind product in the category: any product of the category.
        let count = ITEMS.iter().filter(|i| i.1 == cat).count().max(1);
        let k = rng.below(count as u64) as usize;
        return ITEMS
            .iter()
            .filter(|i| i.1 == cat)
            .nth(k)
            .copied()
            .unwrap_or(ITEMS[0]);
    }
    let k = rng.below(count as u64) as usize;
    ITEMS
        .iter()
        .filter(matching)
        .nth(k)
        .copied()
        .unwrap_or(ITEMS[0])
}

/// Generates one shopper. `pick` in [0, 1) chooses the archetype; `budget` is about how
/// many events the shopper should have.
pub(crate) fn shopper(b: &mut UserBuild, pick: f64, budget: usize) {
    let kind = weighted_at(&ARCHETYPES, pick);
    let taste = taste(&mut b.rng, kind);
    profile(b, kind);
    let clock = b.clock;
    // First seen 7 to 400 days ago, more of them long ago (a shop has a customer base).
    let start = clock.ago(7.0 + 393.0 * b.rng.unit().sqrt());
    let end = if kind == Archetype::Lapsed {
        clock.ago(b.rng.uniform(40.0, 250.0))
    } else {
        clock.now
    };
    let start = start.min(end - 20 * DAY);
    let sessions = (budget as f64 / 5.0).round().max(1.0) as usize;
    let lean = if b.rng.chance(0.5) {
        Lean::VeryRecent
    } else {
        Lean::Recent
    };
    let mut times: Vec<(i64, bool)> = (0..sessions)
        .map(|_| {
            let t = clock.session(&mut b.rng, start, end, lean, Hours::Evening);
            let t = if taste.weekend && b.rng.chance(0.85) {
                Clock::to_weekend(&mut b.rng, t)
            } else {
                t
            };
            (t, false)
        })
        .collect();
    if let Some(t) = holiday(b, start, end, kind) {
        times.push((t, true));
    }
    times.sort_unstable();
    let registered = b.rng.chance(0.65);
    if registered {
        let first = times.first().map_or(start, |t| t.0);
        let at = first - b.rng.range(0, 20 * MINUTE);
        b.set(Attr::SignupAt, Some(Value::Time(at)));
    }
    let n = times.len();
    let signup = b.rng.chance(0.3).then(|| b.rng.below(n as u64) as usize);
    let unsubscribe = signup
        .filter(|_| b.rng.chance(0.35))
        .map(|s| s + b.rng.below((n - s) as u64) as usize);
    let push_stop = b.rng.chance(0.06).then(|| b.rng.below(n as u64) as usize);
    let list = b.rng.pick(&SHOP_LISTS);
    for (i, &(t0, holiday_buy)) in times.iter().enumerate() {
        let mut t = t0;
        if registered && b.rng.chance(taste.logs_in) {
            let method = b.rng.weighted(&SHOP_LOGIN_METHODS);
            b.emit(t, Kind::Login, &[(Prop::Method, txt(method))]);
            b.step(&mut t);
        }
        session(b, &mut t, &taste, holiday_buy);
        if signup == Some(i) {
            b.step(&mut t);
            b.emit(t, Kind::EmailSignup, &[(Prop::List, txt(list))]);
        }
        if unsubscribe == Some(i) {
            t += b.rng.range(MINUTE, HOUR);
            let other = if b.rng.chance(0.8) { list } else { "offers" };
            b.emit(t, Kind::EmailUnsubscribe, &[(Prop::List, txt(other))]);
        }
        if push_stop == Some(i) {
            b.step(&mut t);
            b.emit(t, Kind::PushUnsubscribe, &[]);
        }
    }
    if taste.sale > 0.5 && end == clock.now {
        deal_checks(b, &taste);
    }
    if b.rng.chance(0.07) {
        // A session at or just after `as_of`: must be ignored by every evaluator.
        let mut t = clock.now;
        if b.rng.chance(0.8) {
            t += b.rng.range(1, 36 * HOUR);
        }
        let buys = b.rng.chance(0.5);
        session(b, &mut t, &taste, buys);
    }
}

/// Bargain hunters look at the sale pages on a few days of the last month, buying nothing.
fn deal_checks(b: &mut UserBuild, taste: &Taste) {
    let clock = b.clock;
    for _ in 0..b.rng.range(1, 5) {
        let mut t = clock.session(
            &mut b.rng,
            clock.ago(30.0),
            clock.now,
            Lean::Flat,
            Hours::Evening,
        );
        let referrer = b.rng.chance(0.5).then_some("email");
        let url = b.rng.pick(&SALE_PAGES);
        b.page(t, url, referrer);
        if b.rng.chance(0.5) {
            b.step(&mut t);
            let it = item(&mut b.rng, taste);
            let p = price(&mut b.rng, taste.band);
            let props = [
                (Prop::Product, txt(it.0)),
                (Prop::Category, txt(it.1)),
                (Prop::Brand, txt(it.2)),
                (Prop::Price, num(p)),
            ];
            b.emit(t, Kind::ProductView, &props);
        }
    }
}

/// A purchase in last year's November or December, for shoppers active back then.
fn holiday(b: &mut UserBuild, start: i64, end: i64, kind: Archetype) -> Option<i64> {
    let (year, _, _) = crate::time::civil_from_days(b.clock.now.div_euclid(DAY));
    let from = crate::time::days_from_civil(year - 1, 11, 10)? * DAY;
    let to = crate::time::days_from_civil(year - 1, 12, 24)? * DAY;
    let p = match kind {
        Archetype::Window => 0.0,
        Archetype::BigSpender | Archetype::Regular => 0.5,
        _ => 0.3,
    };
    let from = from.max(Clock::day_of(start) + DAY);
    if from + 3 * DAY > to || end < to || !b.rng.chance(p) {
        return None;
    }
    let day = b.rng.range(0, (to - from) / DAY);
    Some(from + day * DAY + super::clock::time_of_day(&mut b.rng, Hours::Evening))
}

fn profile(b: &mut UserBuild, kind: Archetype) {
    let country = b.rng.weighted(&SHOP_COUNTRIES);
    b.set_text(Attr::Country, country);
    b.set_flag(Attr::EmailOptIn, 0.45, 0.25);
    let email_off = b.base[Attr::EmailOptIn as usize] == Some(Value::Bool(false));
    if email_off && b.rng.chance(0.6) {
        b.set_flag(Attr::PushOptIn, 0.05, 0.9);
    } else {
        b.set_flag(Attr::PushOptIn, 0.3, 0.5);
    }
    b.set_flag(Attr::SmsOptIn, 0.15, 0.55);
    let domain = b.rng.weighted(&CONSUMER_DOMAINS);
    b.set_text(Attr::EmailDomain, domain);
    let persona = if kind == Archetype::Family && b.rng.chance(0.5) {
        Some("family")
    } else if b.rng.chance(0.35) {
        Some(b.rng.pick(&SHOP_PERSONAS))
    } else {
        None
    };
    b.set_text(Attr::Persona, persona);
    if b.rng.chance(0.03) {
        b.set_text(Attr::Industry, Some("retail"));
    }
}

/// One shop visit starting at `*t`; leaves `*t` at its last event.
fn session(b: &mut UserBuild, t: &mut i64, taste: &Taste, must_buy: bool) {
    let referrer = b.rng.chance(0.7).then(|| b.rng.weighted(&REFERRERS));
    let sale = b.rng.chance(taste.sale);
    let landing = if sale {
        b.rng.pick(&SALE_PAGES)
    } else if taste.wedding && b.rng.chance(0.5) {
        b.rng.pick(&WEDDING_PAGES)
    } else {
        b.rng.pick(&SHOP_PAGES)
    };
    b.page(*t, landing, referrer);
    if sale && b.rng.chance(0.5) {
        b.step(t);
        let url = b.rng.pick(&SALE_PAGES);
        b.page(*t, url, None);
    }
    if b.rng.chance(0.3) {
        b.step(t);
        let query = if taste.wedding && b.rng.chance(0.6) {
            b.rng.pick(&WEDDING_QUERIES)
        } else {
            b.rng.pick(&QUERIES)
        };
        b.emit(*t, Kind::Search, &[(Prop::Query, txt(query))]);
    }
    if b.rng.chance(taste.content) {
        b.step(t);
        content(b, *t, taste);
    }
    let views = b.rng.range(1, if sale { 6 } else { 5 });
    let mut seen = Vec::with_capacity(views as usize);
    for _ in 0..views {
        b.step(t);
        let it = item(&mut b.rng, taste);
        let p = price(&mut b.rng, taste.band);
        let props = [
            (Prop::Product, txt(it.0)),
            (Prop::Category, txt(it.1)),
            (Prop::Brand, txt(it.2)),
            (Prop::Price, num(p)),
        ];
        b.emit(*t, Kind::ProductView, &props);
        seen.push((it, p));
    }
    let buy_now = !must_buy && b.rng.chance(0.03) && taste.buy > 0.0;
    if must_buy || b.rng.chance(taste.cart) {
        let n = if seen.len() > 1 && b.rng.chance(0.3) {
            2
        } else {
            1
        };
        let cart = &seen[seen.len() - n..];
        for &(it, p) in cart {
            b.step(t);
            let props = [
                (Prop::Product, txt(it.0)),
                (Prop::Category, txt(it.1)),
                (Prop::Price, num(p)),
            ];
            b.emit(*t, Kind::AddToCart, &props);
        }
        if must_buy || b.rng.chance(taste.buy) {
            let total: f64 = cart.iter().map(|(_, p)| p).sum();
            purchase(b, t, cart[0].0, total * taste.spend);
        }
    } else if buy_now {
        let (it, p) = seen[seen.len() - 1];
        purchase(b, t, it, p * taste.spend);
    }
}

fn purchase(b: &mut UserBuild, t: &mut i64, it: Item, amount: f64) {
    *t += b.rng.range(0, 6 * MINUTE);
    let shipping = if amount < 50.0 { 4.99 } else { 0.0 };
    let value = cents((amount + shipping).clamp(5.0, 600.0));
    let props = [
        (Prop::Value, num(value)),
        (Prop::Category, txt(it.1)),
        (Prop::Brand, txt(it.2)),
        (Prop::Product, txt(it.0)),
    ];
    b.emit(*t, Kind::Purchase, &props);
}

fn content(b: &mut UserBuild, t: i64, taste: &Taste) {
    let x = b.rng.unit();
    if x < 0.6 {
        let topic = if taste.wedding && b.rng.chance(0.7) {
            "wedding"
        } else {
            b.rng.pick(&SHOP_TOPICS)
        };
        b.emit(t, Kind::ContentView, &[(Prop::Topic, txt(topic))]);
    } else if x < 0.8 {
        let video = b.rng.pick(&SHOP_VIDEOS);
        let seconds = f64::from(b.rng.range(3, 240) as i32);
        b.emit(
            t,
            Kind::VideoView,
            &[(Prop::Content, txt(video)), (Prop::Seconds, num(seconds))],
        );
    } else {
        let (article, topic) = if taste.wedding {
            ("wedding-planning-checklist", "wedding")
        } else {
            ("holiday-gift-guide", "gifts")
        };
        b.emit(
            t,
            Kind::ArticleRead,
            &[(Prop::Article, txt(article)), (Prop::Topic, txt(topic))],
        );
    }
}

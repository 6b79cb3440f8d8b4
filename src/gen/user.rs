//! One user being generated: the RNG stream, the events so far and the profile with its
//! history. Personas (`retail.rs`, `leads.rs`, `product.rs`) fill it; `mod.rs` writes it out.
//!
//! [`UserBuild::emit`] drops each property of an event with a small probability, so that
//! every property is occasionally missing. [`UserBuild::finish`] sorts the events by time
//! (stable, so equal instants keep their generated order), sends a few users' events out
//! of order (a late-arriving event moved to the end), and turns unsubscribes into opt-in
//! history.

use std::borrow::Cow;

use super::clock::{Clock, MINUTE};
use super::record::{Attr, Change, Event, Kind, Prop, Value};
use super::rng::Rng;

/// Probability that an event lacks one given property.
const MISSING_PROPERTY: f64 = 0.03;
/// Probability that two consecutive events of a session share their instant.
const SAME_INSTANT: f64 = 0.04;
/// Share of users with one event delivered late (written after later ones).
const LATE_ARRIVAL: f64 = 0.03;

pub(crate) struct UserBuild<'a> {
    pub rng: Rng,
    pub clock: &'a Clock,
    pub events: Vec<Event>,
    /// The row without `ts`: attributes from the beginning of time.
    pub base: Vec<Option<Value>>,
    pub changes: Vec<Change>,
}

pub(crate) fn txt(s: &'static str) -> Value {
    Value::text(s)
}

pub(crate) fn num(x: f64) -> Value {
    Value::Num(x)
}

impl<'a> UserBuild<'a> {
    pub(crate) fn new(rng: Rng, clock: &'a Clock) -> UserBuild<'a> {
        UserBuild {
            rng,
            clock,
            events: Vec::new(),
            base: vec![None; Attr::ALL.len()],
            changes: Vec::new(),
        }
    }

    /// Sets an attribute's initial value.
    pub(crate) fn set(&mut self, attr: Attr, value: Option<Value>) {
        self.base[attr as usize] = value;
    }

    pub(crate) fn set_text(&mut self, attr: Attr, value: Option<&'static str>) {
        self.set(attr, value.map(txt));
    }

    pub(crate) fn set_owned(&mut self, attr: Attr, value: String) {
        self.set(attr, Some(Value::Text(Cow::Owned(value))));
    }

    /// A boolean that is true with `p_true`, false with `p_false`, else unset.
    pub(crate) fn set_flag(&mut self, attr: Attr, p_true: f64, p_false: f64) {
        let x = self.rng.unit();
        let value = if x < p_true {
            Some(Value::Bool(true))
        } else if x < p_true + p_false {
            Some(Value::Bool(false))
        } else {
            None
        };
        self.set(attr, value);
    }

    /// From `ts` on, `attr` has `value`.
    pub(crate) fn change(&mut self, ts: i64, attr: Attr, value: Option<Value>) {
        self.changes.push(Change {
            ts,
            attr: attr as usize,
            value,
        });
    }

    /// Records an event, each property dropped with a small probability.
    pub(crate) fn emit(&mut self, ts: i64, kind: Kind, props: &[(Prop, Value)]) {
        let mut kept = Vec::with_capacity(props.len());
        for (prop, value) in props {
            debug_assert!(kind.props().contains(prop), "{prop:?} on {kind:?}");
            if !self.rng.chance(MISSING_PROPERTY) {
                kept.push((*prop, value.clone()));
            }
        }
        self.events.push(Event {
            ts,
            kind,
            props: kept,
        });
    }

    /// Moves a session's clock on to its next event: usually seconds to minutes later,
    /// sometimes the same second.
    pub(crate) fn step(&mut self, t: &mut i64) {
        if !self.rng.chance(SAME_INSTANT) {
            *t += if self.rng.chance(0.8) {
                self.rng.range(5, 90)
            } else {
                self.rng.range(90, 8 * MINUTE)
            };
        }
    }

    /// A page view; `referrer` only on a session's first page.
    pub(crate) fn page(&mut self, t: i64, url: &'static str, referrer: Option<&'static str>) {
        match referrer {
            Some(r) => self.emit(
                t,
                Kind::PageView,
                &[(Prop::Url, txt(url)), (Prop::Referrer, txt(r))],
            ),
            None => self.emit(t, Kind::PageView, &[(Prop::Url, txt(url))]),
        }
    }

    /// The current value of a profile attribute at the end of the history so far.
    fn latest(&self, attr: Attr) -> Option<&Value> {
        self.changes
            .iter()
            .filter(|c| c.attr == attr as usize)
            .max_by_key(|c| c.ts)
            .map_or(self.base[attr as usize].as_ref(), |c| c.value.as_ref())
    }

    /// Orders the events and derives opt-in history from unsubscribes.
    pub(crate) fn finish(&mut self) {
        self.events.sort_by_key(|e| e.ts);
        let unsubscribes: Vec<(i64, Attr)> = self
            .events
            .iter()
            .filter_map(|e| match e.kind {
                Kind::EmailUnsubscribe => Some((e.ts, Attr::EmailOptIn)),
                Kind::PushUnsubscribe => Some((e.ts, Attr::PushOptIn)),
                _ => None,
            })
            .collect();
        for (ts, attr) in unsubscribes {
            if self.latest(attr) == Some(&Value::Bool(true)) && self.rng.chance(0.7) {
                let delay = self.rng.range(0, 10 * MINUTE);
                self.change(ts + delay, attr, Some(Value::Bool(false)));
            }
        }
        if self.events.len() > 2 && self.rng.chance(LATE_ARRIVAL) {
            let i = self.rng.below(self.events.len() as u64 - 1) as usize;
            let late = self.events.remove(i);
            self.events.push(late);
        }
    }
}

//! Windows and their bounds: literal instants near the data, `ago`, computed bounds.

use seg::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

use super::super::model::{day_start, instant_text, month_start, EVENTS};
use super::*;

impl Gen<'_> {
    pub(super) fn window(&mut self, s: Scope) -> String {
        match self.tape.weighted(&[4, 2, 2, 3, 2, 2, 3]) {
            0 => self.within(s),
            1 => {
                self.cover(s, "today");
                "today".into()
            }
            2 => {
                self.cover(s, "yesterday");
                "yesterday".into()
            }
            3 => {
                self.cover(s, "between");
                let (a, b) = self.between_bounds(s);
                format!("between {a} and {b}")
            }
            4 => {
                self.cover(s, "before");
                let bound = self.bound(s, true);
                format!("before {bound}")
            }
            5 => {
                self.cover(s, "after");
                let bound = self.bound(s, false);
                format!("after {bound}")
            }
            _ => {
                let (unit, values): (&str, Vec<u32>) = match self.tape.below(3) {
                    0 => {
                        self.cover(s, "during_months");
                        let (_, month, _) =
                            seg::time::civil_from_days(self.now.div_euclid(MICROS_PER_DAY));
                        let previous = if month == 1 { 12 } else { month - 1 };
                        ("months", vec![month, previous, 12, 1, 2])
                    }
                    1 => {
                        self.cover(s, "during_weekdays");
                        ("weekdays", vec![1, 7, 6, 3, 4])
                    }
                    _ => {
                        self.cover(s, "during_hours");
                        let hour =
                            u32::try_from(self.now.rem_euclid(MICROS_PER_DAY) / MICROS_PER_HOUR)
                                .expect("an hour");
                        ("hours", vec![hour, 9, 0, 23, 8])
                    }
                };
                let n = 1 + self.tape.below(3);
                let mut chosen: Vec<u32> = (0..n).map(|_| *self.tape.pick(&values)).collect();
                chosen.dedup();
                let chosen: Vec<String> = chosen.iter().map(u32::to_string).collect();
                format!("during {unit}({})", chosen.join(", "))
            }
        }
    }

    pub(super) fn within(&mut self, s: Scope) -> String {
        self.cover(s, "within");
        match self.tape.weighted(&[5, 1, 1, 1]) {
            0 => format!("within {}", self.tape.pick(DURATIONS)),
            1 => {
                self.cover(s, "within_let");
                let name = self.const_let(&LetKind::Dur);
                format!("within {name}")
            }
            2 => {
                self.cover(s, "within_expr");
                (*self
                    .tape
                    .pick(&["within 2 * 1d", "within 1d + 12h", "within 3w / 3"]))
                .to_string()
            }
            _ => {
                self.cover(s, "within_expr");
                self.cover(s, "dynamic_bound");
                self.cover(s, "ts_minus_ts");
                if s.account {
                    "within now - account.since".into()
                } else {
                    "within now - profile.signup".into()
                }
            }
        }
    }

    /// A window bound known at check time: an absolute instant or an offset from `now`.
    pub(super) fn known_bound(&mut self, s: Scope, past_only: bool) -> (String, i64, bool) {
        let day = day_start(self.now);
        match self.tape.weighted(&[3, 2, 1, 2]) {
            0 => {
                let t = *self.tape.pick(&self.anchors.clone());
                if past_only && t >= self.now {
                    return self.ago_bound(s);
                }
                self.cover_instant(s, t);
                (instant_text(t), t, true)
            }
            1 => self.ago_bound(s),
            2 => {
                self.cover(s, "now");
                ("now".into(), 0, false)
            }
            _ => {
                let t = *self.tape.pick(&[
                    day,
                    day - MICROS_PER_DAY,
                    month_start(self.now),
                    day - 7 * MICROS_PER_DAY,
                ]);
                self.cover(s, "date_literal");
                (seg::time::format_date(t), t, true)
            }
        }
    }

    pub(super) fn ago_bound(&mut self, s: Scope) -> (String, i64, bool) {
        self.cover(s, "ago");
        let (text, micros) = *self.tape.pick(&[
            ("1d ago", MICROS_PER_DAY),
            ("7d ago", 7 * MICROS_PER_DAY),
            ("14d ago", 14 * MICROS_PER_DAY),
            ("30d ago", 30 * MICROS_PER_DAY),
            ("now - 12h", 12 * MICROS_PER_HOUR),
            ("now - 1s", 1_000_000),
        ]);
        (text.into(), -micros, false)
    }

    pub(super) fn cover_instant(&mut self, s: Scope, t: i64) {
        if t.rem_euclid(MICROS_PER_DAY) == 0 {
            self.cover(s, "date_literal");
        } else {
            self.cover(s, "timestamp_literal");
        }
    }

    /// A bound for `before` (any) or `after` (never `now` or later, which warns).
    pub(super) fn bound(&mut self, s: Scope, any: bool) -> String {
        if self.tape.flip(25) {
            return self.dynamic_bound(s);
        }
        let (text, _, _) = self.known_bound(s, !any);
        if !any && text == "now" {
            return "1d ago".into();
        }
        text
    }

    pub(super) fn dynamic_bound(&mut self, s: Scope) -> String {
        self.cover(s, "dynamic_bound");
        let attr = if s.account {
            "account.since"
        } else {
            *self.tape.pick(&["profile.signup", "account.since"])
        };
        match self.tape.below(if s.account { 2 } else { 3 }) {
            0 => attr.to_string(),
            1 => {
                self.cover(s, "ts_plus_dur");
                format!("{attr} + {}", self.tape.pick(&["1d", "1w", "12h"]))
            }
            _ => {
                self.cover(s, "first_set");
                let event = self.tape.below(EVENTS.len());
                format!("first({})", EVENTS[event].name)
            }
        }
    }

    /// `between A and B`, never two constants with `A >= B` (which warns).
    pub(super) fn between_bounds(&mut self, s: Scope) -> (String, String) {
        if self.tape.flip(25) {
            let a = self.dynamic_bound(s);
            let b = if self.tape.flip(50) {
                self.dynamic_bound(s)
            } else {
                self.known_bound(s, false).0
            };
            return (a, b);
        }
        let (a, x, abs_a) = self.known_bound(s, false);
        let (b, y, abs_b) = self.known_bound(s, false);
        if abs_a == abs_b && x >= y {
            if x == y {
                // The same instant twice: widen to a day before it.
                return if abs_a {
                    (instant_text(x - MICROS_PER_DAY), b)
                } else {
                    (format!("{a} - 1d"), b)
                };
            }
            return (b, a);
        }
        (a, b)
    }

    // ------------------------------------------------------------------ values
}

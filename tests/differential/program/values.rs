//! Values of each type: numbers (aggregates, arithmetic, `len`, `bucket`), strings,
//! timestamps, durations and booleans.

use seg::time::{format_timestamp, MICROS_PER_DAY, MICROS_PER_HOUR};

use super::super::model::{
    day_start, month_start, number_text, numbers, quote, strings, Ty, EVENTS,
};
use super::*;

impl Gen<'_> {
    pub(super) fn value(&mut self, ty: Ty, s: Scope) -> (String, Hint) {
        match ty {
            Ty::Num => self.num(s),
            Ty::Str => self.string(s),
            Ty::Ts => (self.timestamp(s), Hint::None),
            Ty::Dur => (self.duration(s), Hint::None),
            Ty::Bool => (self.bool_value(s), Hint::None),
        }
    }

    /// A property of the `where`'s event of type `ty`, bare or qualified.
    pub(super) fn prop(&mut self, s: Scope, ty: Ty) -> (String, Hint) {
        let event = s.event.expect("inside where");
        let options: Vec<&str> = EVENTS[event]
            .props
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(p, _)| *p)
            .collect();
        let p = *self.tape.pick(&options);
        if ty == Ty::Bool {
            self.cover(s, "bool_prop");
        }
        let hint = attr_hint(p, ty);
        if self.tape.flip(25) {
            self.cover(s, "qualified_prop");
            (format!("{}.{p}", EVENTS[event].name), hint)
        } else {
            (p.to_string(), hint)
        }
    }

    pub(super) fn has_prop(s: Scope, ty: Ty) -> bool {
        s.event
            .is_some_and(|e| EVENTS[e].props.iter().any(|(_, t)| *t == ty))
    }

    pub(super) fn num(&mut self, s: Scope) -> (String, Hint) {
        #[derive(Clone, Copy)]
        enum N {
            Literal,
            Profile,
            Account,
            Prop,
            Count,
            Arith,
            Neg,
            Numeric,
            FirstLastTop,
            Distinct,
            Days,
            Steps,
            Len,
            Bucket,
            DurDiv,
            CountUsers,
            Let,
        }
        let user = s.user();
        let leaf = s.depth == 0;
        let inner = !leaf;
        let choice = self.choose(&[
            (self.literal_weight(2), true, N::Literal),
            (2, user, N::Profile),
            (1, true, N::Account),
            (4, Self::has_prop(s, Ty::Num), N::Prop),
            (3, user, N::Count),
            (3, inner, N::Arith),
            (1, inner, N::Neg),
            (5, inner && user, N::Numeric),
            (2, inner && user, N::FirstLastTop),
            (2, inner && user, N::Distinct),
            (2, inner && user, N::Days),
            (2, inner && user, N::Steps),
            (1, inner, N::Len),
            (1, inner, N::Bucket),
            (1, inner, N::DurDiv),
            (4, s.account, N::CountUsers),
            (1, inner, N::Let),
        ]);
        let d = s.down();
        match choice {
            N::Literal => {
                let n = *self.tape.pick(numbers(""));
                (number_text(n), Hint::None)
            }
            N::Profile => {
                self.cover(s, "profile_attr");
                ("profile.score".into(), Hint::Nums(numbers("score")))
            }
            N::Account => {
                self.cover_account_attr(s);
                ("account.seats".into(), Hint::Nums(numbers("seats")))
            }
            N::Prop => self.prop(s, Ty::Num),
            N::Count => {
                self.cover(s, "count");
                let event = self.tape.below(EVENTS.len());
                (
                    format!("count({})", self.event_set(d, event, None)),
                    Hint::Nums(SMALL_COUNTS),
                )
            }
            N::Arith => {
                self.cover(s, "arith_num");
                let (a, hint) = self.num(d);
                let b = if self.tape.flip(50) {
                    number_text(*self.tape.pick(&[1.0, 2.0, 0.5, 3.0, 0.0, 10.0]))
                } else {
                    self.num(d).0
                };
                let op = *self.tape.pick(&["+", "-", "*", "/"]);
                (format!("{} {op} {}", paren(&a), paren(&b)), hint)
            }
            N::Neg => {
                self.cover(s, "neg");
                let (a, _) = self.num(d);
                (format!("-{}", paren(&a)), Hint::None)
            }
            N::Numeric => {
                let (event, p, _) = self.event_with(Some(Ty::Num));
                let (function, hint) = match self.tape.below(4) {
                    0 => ("sum", Hint::Nums(SUMS)),
                    1 => ("avg", Hint::Nums(numbers(p))),
                    2 => ("min", Hint::Nums(numbers(p))),
                    _ => ("max", Hint::Nums(numbers(p))),
                };
                self.cover(s, function);
                (
                    format!("{function}({})", self.event_set(d, event, Some(p))),
                    hint,
                )
            }
            N::FirstLastTop => {
                let (event, p, _) = self.event_with(Some(Ty::Num));
                let function = self.first_last_top(s);
                (
                    format!("{function}({})", self.event_set(d, event, Some(p))),
                    Hint::Nums(numbers(p)),
                )
            }
            N::Distinct => {
                self.cover(s, "distinct");
                let (event, p, _) = self.event_with(None);
                (
                    format!("distinct({})", self.event_set(d, event, Some(p))),
                    Hint::Nums(SMALL_COUNTS),
                )
            }
            N::Days => {
                self.cover(s, "days");
                let event = self.tape.below(EVENTS.len());
                (
                    format!("days({})", self.event_set(d, event, None)),
                    Hint::Nums(SMALL_COUNTS),
                )
            }
            N::Steps => {
                self.cover(s, "steps");
                let n = 1 + self.tape.below(4);
                let steps: Vec<String> = (0..n).map(|_| self.predicate(s, d)).collect();
                (
                    format!("steps({})", steps.join(", ")),
                    Hint::Nums(SMALL_COUNTS),
                )
            }
            N::Len => {
                self.cover(s, "len");
                let (a, _) = self.string(d);
                (format!("len({a})"), Hint::Nums(LENS))
            }
            N::Bucket => {
                self.cover(s, "bucket");
                let salt = if self.tape.flip(70) {
                    quote(self.tape.pick_str(&["exp", "", "spring-test", "a"]))
                } else {
                    self.string(d).0
                };
                (format!("bucket({salt})"), Hint::Nums(BUCKETS))
            }
            N::DurDiv => {
                self.cover(s, "dur_div_dur");
                let a = self.duration(d);
                let b = self.duration(d);
                (format!("{} / {}", paren(&a), paren(&b)), Hint::None)
            }
            N::CountUsers => {
                if self.tape.flip(30) {
                    self.cover(s, "count_users");
                    ("count(users)".into(), Hint::Nums(SMALL_COUNTS))
                } else {
                    self.cover(s, "count_users_where");
                    let filter = self.bool_expr(Self::users_scope(d));
                    (
                        format!("count(users where {filter})"),
                        Hint::Nums(SMALL_COUNTS),
                    )
                }
            }
            N::Let => {
                if self.tape.flip(50) {
                    (self.const_let(&LetKind::Num), Hint::None)
                } else {
                    (self.expr_let(Ty::Num, s), Hint::None)
                }
            }
        }
    }

    pub(super) fn first_last_top(&mut self, s: Scope) -> &'static str {
        match self.tape.below(3) {
            0 => {
                self.cover(s, "first_prop");
                "first"
            }
            1 => {
                self.cover(s, "last_prop");
                "last"
            }
            _ => {
                self.cover(s, "top");
                "top"
            }
        }
    }

    pub(super) fn string(&mut self, s: Scope) -> (String, Hint) {
        #[derive(Clone, Copy)]
        enum S {
            Literal,
            Profile,
            Account,
            Prop,
            Lower,
            FirstLastTop,
            Let,
        }
        let inner = s.depth > 0;
        let choice = self.choose(&[
            (self.literal_weight(1), true, S::Literal),
            (3, s.user(), S::Profile),
            (2, true, S::Account),
            (4, Self::has_prop(s, Ty::Str), S::Prop),
            (2, inner, S::Lower),
            (3, inner && s.user(), S::FirstLastTop),
            (1, inner, S::Let),
        ]);
        let d = s.down();
        match choice {
            S::Literal => (quote(self.tape.pick_str(strings(""))), Hint::None),
            S::Profile => {
                self.cover(s, "profile_attr");
                let attr = *self.tape.pick(&["country", "stage", "account_id"]);
                (format!("profile.{attr}"), Hint::Strs(strings(attr)))
            }
            S::Account => {
                self.cover_account_attr(s);
                ("account.plan".into(), Hint::Strs(strings("plan")))
            }
            S::Prop => self.prop(s, Ty::Str),
            S::Lower => {
                self.cover(s, "lower");
                let (a, hint) = self.string(d);
                (format!("lower({a})"), hint)
            }
            S::FirstLastTop => {
                let (event, p, _) = self.event_with(Some(Ty::Str));
                let function = self.first_last_top(s);
                (
                    format!("{function}({})", self.event_set(d, event, Some(p))),
                    Hint::Strs(strings(p)),
                )
            }
            S::Let => (self.expr_let(Ty::Str, s), Hint::None),
        }
    }

    pub(super) fn timestamp(&mut self, s: Scope) -> String {
        #[derive(Clone, Copy)]
        enum T {
            Literal,
            Profile,
            Account,
            EventTs,
            Prop,
            PlusDur,
            DurPlus,
            FirstLast,
            FirstLastProp,
            Ago,
        }
        let inner = s.depth > 0;
        let choice = self.choose(&[
            (self.literal_weight(3), true, T::Literal),
            (2, s.user(), T::Profile),
            (1, true, T::Account),
            (4, s.event.is_some(), T::EventTs),
            (2, Self::has_prop(s, Ty::Ts), T::Prop),
            (2, inner, T::PlusDur),
            (1, inner, T::DurPlus),
            (3, inner && s.user(), T::FirstLast),
            (1, inner && s.user(), T::FirstLastProp),
            (1, inner, T::Ago),
        ]);
        let d = s.down();
        match choice {
            T::Literal => self.ts_literal(s),
            T::Profile => {
                self.cover(s, "profile_attr");
                "profile.signup".into()
            }
            T::Account => {
                self.cover_account_attr(s);
                "account.since".into()
            }
            T::EventTs => {
                self.cover(s, "event_ts");
                "ts".into()
            }
            T::Prop => self.prop(s, Ty::Ts).0,
            T::PlusDur => {
                self.cover(s, "ts_plus_dur");
                let a = self.timestamp(d);
                let b = self.duration(d);
                let op = *self.tape.pick(&["+", "-"]);
                format!("{} {op} {}", paren(&a), paren(&b))
            }
            T::DurPlus => {
                self.cover(s, "dur_plus_ts");
                let a = self.duration(d);
                let b = self.timestamp(d);
                format!("{} + {}", paren(&a), paren(&b))
            }
            T::FirstLast => {
                let first = self.tape.flip(50);
                self.cover(s, if first { "first_set" } else { "last_set" });
                let event = self.tape.below(EVENTS.len());
                format!(
                    "{}({})",
                    if first { "first" } else { "last" },
                    self.event_set(d, event, None)
                )
            }
            T::FirstLastProp => {
                let function = self.first_last_top(s);
                let set = self.event_set(d, 0, Some("ship_at"));
                format!("{function}({set})")
            }
            T::Ago => {
                self.cover(s, "ago");
                let a = self.duration(d);
                format!("{} ago", paren(&a))
            }
        }
    }

    pub(super) fn ts_literal(&mut self, s: Scope) -> String {
        match self.tape.weighted(&[2, 3, 3, 2, 1]) {
            0 => {
                self.cover(s, "now");
                "now".into()
            }
            1 => {
                let day = day_start(self.now);
                let t = *self.tape.pick(&[
                    day,
                    day - MICROS_PER_DAY,
                    day - 7 * MICROS_PER_DAY,
                    month_start(self.now),
                    day + MICROS_PER_DAY,
                ]);
                self.cover(s, "date_literal");
                seg::time::format_date(t)
            }
            2 => {
                let t = *self.tape.pick(&self.anchors.clone());
                self.cover(s, "timestamp_literal");
                format_timestamp(t)
            }
            3 => {
                self.cover(s, "ago");
                (*self.tape.pick(&["1d ago", "7d ago", "30d ago", "12h ago"])).to_string()
            }
            _ => {
                // The same instant written with a +02:00 offset.
                self.cover(s, "offset_literal");
                let t = *self.tape.pick(&self.anchors.clone());
                let local = format_timestamp(t + 2 * MICROS_PER_HOUR);
                format!("{}+02:00", local.trim_end_matches('Z'))
            }
        }
    }

    pub(super) fn duration(&mut self, s: Scope) -> String {
        #[derive(Clone, Copy)]
        enum D {
            Literal,
            TsMinusTs,
            Arith,
            Mul,
            Div,
            Neg,
            Let,
        }
        let inner = s.depth > 0;
        let choice = self.choose(&[
            (3, true, D::Literal),
            (3, inner, D::TsMinusTs),
            (1, inner, D::Arith),
            (1, inner, D::Mul),
            (1, inner, D::Div),
            (1, inner, D::Neg),
            (1, inner, D::Let),
        ]);
        let d = s.down();
        match choice {
            D::Literal => (*self
                .tape
                .pick(&["1d", "7d", "2w", "12h", "90m", "0s", "30s", "9999999w"]))
            .to_string(),
            D::TsMinusTs => {
                self.cover(s, "ts_minus_ts");
                let a = self.timestamp(d);
                let b = self.timestamp(d);
                format!("{} - {}", paren(&a), paren(&b))
            }
            D::Arith => {
                self.cover(s, "dur_arith");
                let a = self.duration(d);
                let b = self.duration(d);
                let op = *self.tape.pick(&["+", "-"]);
                format!("{} {op} {}", paren(&a), paren(&b))
            }
            D::Mul => {
                self.cover(s, "dur_mul");
                let a = self.duration(d);
                let (b, _) = self.num(d);
                if self.tape.flip(50) {
                    format!("{} * {}", paren(&a), paren(&b))
                } else {
                    format!("{} * {}", paren(&b), paren(&a))
                }
            }
            D::Div => {
                self.cover(s, "dur_div_num");
                let a = self.duration(d);
                let (b, _) = self.num(d);
                format!("{} / {}", paren(&a), paren(&b))
            }
            D::Neg => {
                self.cover(s, "neg");
                let a = self.duration(d);
                format!("-{}", paren(&a))
            }
            D::Let => self.const_let(&LetKind::Dur),
        }
    }

    pub(super) fn bool_value(&mut self, s: Scope) -> String {
        #[derive(Clone, Copy)]
        enum V {
            Literal,
            Profile,
            Account,
            Prop,
            FirstLastTop,
            Condition,
        }
        let inner = s.depth > 0;
        let choice = self.choose(&[
            (self.literal_weight(1), true, V::Literal),
            (2, s.user(), V::Profile),
            (1, true, V::Account),
            (3, Self::has_prop(s, Ty::Bool), V::Prop),
            (2, inner && s.user(), V::FirstLastTop),
            (2, inner, V::Condition),
        ]);
        match choice {
            V::Literal => (*self.tape.pick(&["true", "false"])).to_string(),
            V::Profile => {
                self.cover(s, "profile_attr");
                "profile.vip".into()
            }
            V::Account => {
                self.cover_account_attr(s);
                "account.active".into()
            }
            V::Prop => self.prop(s, Ty::Bool).0,
            V::FirstLastTop => {
                let (event, p, _) = self.event_with(Some(Ty::Bool));
                let function = self.first_last_top(s);
                format!("{function}({})", self.event_set(s.down(), event, Some(p)))
            }
            V::Condition => format!("({})", self.bool_expr(s.down())),
        }
    }
}

//! Boolean forms: and/or/not, comparisons, `in`, string predicates, segment references,
//! event predicates and verbs, `then`, `changed`, the `users` quantifiers.

use std::fmt::Write as _;

use super::super::model::{
    numbers, quote, strings, Ty, ACCOUNT, EVENTS, LIST_FILES, PROFILE, VERBS,
};
use super::*;

impl Gen<'_> {
    pub(super) fn bool_expr(&mut self, s: Scope) -> String {
        #[derive(Clone, Copy)]
        enum B {
            Leaf,
            Compare,
            In,
            StrOp,
            Matches,
            IsSet,
            AndOr,
            Not,
            Did,
            Verb,
            Then,
            Changed,
            SegRef,
            Let,
            Users,
        }
        if s.depth == 0 {
            return self.bool_leaf(s);
        }
        let d = s.down();
        let user = s.user();
        let choice = self.choose(&[
            (1, true, B::Leaf),
            (8, true, B::Compare),
            (2, true, B::In),
            (2, true, B::StrOp),
            (1, true, B::Matches),
            (2, true, B::IsSet),
            (4, true, B::AndOr),
            (2, true, B::Not),
            (5, user, B::Did),
            (2, user, B::Verb),
            (2, user, B::Then),
            (2, true, B::Changed),
            (1, true, B::SegRef),
            (1, true, B::Let),
            (4, s.account, B::Users),
        ]);
        match choice {
            B::Leaf => self.bool_leaf(s),
            B::Compare => self.compare(s, d),
            B::In => self.in_list(s, d),
            B::StrOp => self.string_op(s, d),
            B::Matches => self.matches(s, d),
            B::IsSet => {
                let ty = *self
                    .tape
                    .pick(&[Ty::Num, Ty::Str, Ty::Ts, Ty::Bool, Ty::Dur]);
                let (value, _) = self.subject(ty, d);
                if self.tape.flip(50) {
                    self.cover(s, "is_not_set");
                    format!("{} is not set", paren(&value))
                } else {
                    self.cover(s, "is_set");
                    format!("{} is set", paren(&value))
                }
            }
            B::AndOr => {
                let n = 2 + self.tape.below(2);
                let items: Vec<String> = (0..n).map(|_| paren(&self.bool_expr(d))).collect();
                if self.tape.flip(50) {
                    self.cover(s, "or");
                    items.join(" or ")
                } else {
                    self.cover(s, "and");
                    items.join(" and ")
                }
            }
            B::Not => {
                self.cover(s, "not");
                format!("not {}", paren(&self.bool_expr(d)))
            }
            B::Did => {
                self.cover(s, "did");
                let event = self.tape.below(EVENTS.len());
                format!("did({})", self.event_set(d, event, None))
            }
            B::Verb => self.verb(s, d),
            B::Then => self.then(s, d),
            B::Changed => self.changed(s, d),
            B::SegRef => self.segment_ref(s).unwrap_or_else(|| self.bool_leaf(s)),
            B::Let => self.expr_let(Ty::Bool, s),
            B::Users => {
                let all = self.tape.flip(50);
                self.cover(s, if all { "all_users" } else { "any_users" });
                let function = if all { "all" } else { "any" };
                if self.tape.flip(15) {
                    format!("{function}(users)")
                } else {
                    let filter = self.bool_expr(Self::users_scope(d));
                    format!("{function}(users where {filter})")
                }
            }
        }
    }

    /// The scope inside `users where`.
    pub(super) fn users_scope(d: Scope) -> Scope {
        Scope {
            account: false,
            in_users: true,
            event: None,
            depth: d.depth,
        }
    }

    pub(super) fn bool_leaf(&mut self, s: Scope) -> String {
        #[derive(Clone, Copy)]
        enum L {
            Literal,
            Profile,
            Account,
            Prop,
            Did,
            SegRef,
            Users,
            Listed,
        }
        let has_bool_prop = s
            .event
            .is_some_and(|e| EVENTS[e].props.iter().any(|(_, t)| *t == Ty::Bool));
        let choice = self.choose(&[
            (1, true, L::Literal),
            (2, s.user(), L::Profile),
            (2, true, L::Account),
            (3, has_bool_prop, L::Prop),
            (4, s.user(), L::Did),
            (2, true, L::SegRef),
            (2, s.account, L::Users),
            (1, true, L::Listed),
        ]);
        match choice {
            L::Literal => (*self.tape.pick(&["true", "false"])).to_string(),
            L::Profile => {
                self.cover(s, "profile_attr");
                "profile.vip".into()
            }
            L::Account => {
                self.cover_account_attr(s);
                "account.active".into()
            }
            L::Prop => self.prop(s, Ty::Bool).0,
            L::Did => {
                self.cover(s, "did");
                let event = self.tape.below(EVENTS.len());
                let window = if self.tape.flip(50) {
                    format!(" {}", self.window(s.plain()))
                } else {
                    String::new()
                };
                format!("did({}{window})", EVENTS[event].name)
            }
            L::SegRef => self
                .segment_ref(s)
                .unwrap_or_else(|| (*self.tape.pick(&["true", "false"])).to_string()),
            L::Users => {
                let all = self.tape.flip(50);
                self.cover(s, if all { "all_users" } else { "any_users" });
                format!("{}(users)", if all { "all" } else { "any" })
            }
            L::Listed => {
                self.cover(s, "listed");
                let file = self.tape.pick(&LIST_FILES);
                format!("listed(\"{}\")", file.0)
            }
        }
    }

    pub(super) fn cover_account_attr(&mut self, s: Scope) {
        if s.account {
            self.cover(s, "account_attr_account");
        } else {
            self.cover(s, "account_attr_user");
        }
    }

    pub(super) fn compare(&mut self, s: Scope, d: Scope) -> String {
        let ty =
            [Ty::Num, Ty::Str, Ty::Ts, Ty::Dur, Ty::Bool][self.tape.weighted(&[5, 3, 3, 1, 1])];
        let (lhs, hint) = self.subject(ty, d);
        let rhs = if self.tape.flip(30) {
            self.value(ty, d).0
        } else {
            self.literal(ty, hint)
        };
        let op = if ty == Ty::Bool {
            *self.tape.pick(&["==", "!="])
        } else {
            *self.tape.pick(&["==", "!=", "<", "<=", ">", ">="])
        };
        self.cover(
            s,
            match ty {
                Ty::Num => "cmp_num",
                Ty::Str => "cmp_str",
                Ty::Ts => "cmp_ts",
                Ty::Dur => "cmp_dur",
                Ty::Bool => "cmp_bool",
            },
        );
        if ty == Ty::Str && !matches!(op, "==" | "!=") {
            self.cover(s, "str_order");
        }
        self.cover(
            s,
            match op {
                "==" => "==",
                "!=" => "!=",
                "<" => "<",
                "<=" => "<=",
                ">" => ">",
                _ => ">=",
            },
        );
        let (a, b) = if self.tape.flip(20) {
            (rhs, lhs)
        } else {
            (lhs, rhs)
        };
        format!("{} {op} {}", paren(&a), paren(&b))
    }

    pub(super) fn in_list(&mut self, s: Scope, d: Scope) -> String {
        let ty = [Ty::Str, Ty::Num, Ty::Ts, Ty::Bool][self.tape.weighted(&[4, 3, 1, 1])];
        let (lhs, hint) = self.subject(ty, d);
        let list = match self.tape.weighted(&[4, 2, 2, 1]) {
            0 => {
                let n = 1 + self.tape.below(3);
                let items: Vec<String> = (0..n).map(|_| self.literal(ty, hint)).collect();
                format!("[{}]", items.join(", "))
            }
            1 if matches!(ty, Ty::Str | Ty::Num) => self.list_let(ty, hint),
            2 => {
                self.cover(s, "in_expr_list");
                let first = self.value(ty, d.plain()).0;
                let second = self.literal(ty, hint);
                format!("[{first}, {second}]")
            }
            _ => {
                self.cover(s, "in_empty");
                "[]".into()
            }
        };
        if self.tape.flip(35) {
            self.cover(s, "not_in");
            format!("{} not in {list}", paren(&lhs))
        } else {
            self.cover(s, "in");
            format!("{} in {list}", paren(&lhs))
        }
    }

    /// The subject of a string operator: sometimes a literal (a constant the engines may fold,
    /// and which the data's strings may not hold), else mostly not.
    pub(super) fn string_subject(&mut self, s: Scope, d: Scope) -> (String, Hint) {
        if self.tape.flip(15) {
            self.cover(s, "literal_subject");
            (quote(self.tape.pick_str(strings(""))), Hint::None)
        } else {
            self.subject(Ty::Str, d)
        }
    }

    pub(super) fn string_op(&mut self, s: Scope, d: Scope) -> String {
        let (lhs, hint) = self.string_subject(s, d);
        let rhs = if self.tape.flip(25) {
            self.value(Ty::Str, d).0
        } else {
            let whole = match hint {
                Hint::Strs(v) => *self.tape.pick(v),
                _ => *self.tape.pick(strings("")),
            };
            let chars: Vec<char> = whole.chars().collect();
            let start = self.tape.below(chars.len() + 1);
            let end = start + self.tape.below(chars.len() - start + 1);
            quote(&chars[start..end].iter().collect::<String>())
        };
        let op = match self.tape.below(3) {
            0 => "contains",
            1 => "starts_with",
            _ => "ends_with",
        };
        self.cover(s, op);
        format!("{} {op} {}", paren(&lhs), paren(&rhs))
    }

    pub(super) fn matches(&mut self, s: Scope, d: Scope) -> String {
        self.cover(s, "matches");
        let lhs = self.string_subject(s, d).0;
        let pattern = if self.tape.flip(30) {
            self.const_let(&LetKind::Pattern)
        } else {
            quote(self.tape.pick_str(PATTERNS))
        };
        format!("{} matches {pattern}", paren(&lhs))
    }

    pub(super) fn segment_ref(&mut self, s: Scope) -> Option<String> {
        let candidates: Vec<usize> = (0..self.segments.len())
            .filter(|&i| self.segments[i] == s.account)
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let i = *self.tape.pick(&candidates);
        self.cover(
            s,
            if s.account {
                "segment_ref_account"
            } else if s.in_users {
                "segment_ref_in_users"
            } else {
                "segment_ref_user"
            },
        );
        Some(format!("s{i}"))
    }

    // ------------------------------------------------------------------ event sets

    /// `EVENT[.PROP] [where ...] [WINDOW]`; `d` is the scope of the aggregate's argument.
    pub(super) fn event_set(&mut self, d: Scope, event: usize, prop: Option<&str>) -> String {
        if d.event.is_some() {
            self.cover(d, "nested_aggregate");
        }
        let mut text = EVENTS[event].name.to_string();
        if let Some(p) = prop {
            text.push('.');
            text.push_str(p);
        }
        if d.depth > 0 && self.tape.flip(55) {
            self.cover(d, "where");
            let filter = self.bool_expr(d.inside(event));
            text.push_str(" where ");
            text.push_str(&filter);
        }
        if self.tape.flip(60) {
            text.push(' ');
            let window = self.window(d.plain());
            text.push_str(&window);
        }
        text
    }

    /// An event type with a property of type `ty`, and the property.
    pub(super) fn event_with(&mut self, ty: Option<Ty>) -> (usize, &'static str, Ty) {
        let options: Vec<(usize, &'static str, Ty)> = EVENTS
            .iter()
            .enumerate()
            .flat_map(|(e, def)| def.props.iter().map(move |(p, t)| (e, *p, *t)))
            .filter(|(_, _, t)| ty.is_none_or(|ty| ty == *t))
            .collect();
        *self.tape.pick(&options)
    }

    /// `did(...)` or a verb call, as a step of `then` or `steps`.
    pub(super) fn predicate(&mut self, s: Scope, d: Scope) -> String {
        if self.tape.flip(30) {
            self.verb(s, d)
        } else {
            let event = self.tape.below(EVENTS.len());
            format!("did({})", self.event_set(d, event, None))
        }
    }

    pub(super) fn verb(&mut self, s: Scope, d: Scope) -> String {
        self.cover(s, "verb");
        let verb = self.tape.pick(VERBS);
        if verb.ty == Ty::Num {
            self.cover(s, "verb_number");
        }
        let hint = match verb.ty {
            Ty::Num => Hint::Nums(numbers(verb.key)),
            _ => Hint::Strs(strings(verb.key)),
        };
        let key = match self.tape.weighted(&[4, 2, 1, 1]) {
            0 => self.literal(verb.ty, hint),
            1 => {
                self.cover(s, "verb_list");
                let n = 1 + self.tape.below(3);
                let items: Vec<String> = (0..n).map(|_| self.literal(verb.ty, hint)).collect();
                format!("[{}]", items.join(", "))
            }
            2 => {
                self.cover(s, "verb_list");
                self.list_let(verb.ty, hint)
            }
            _ => {
                self.cover(s, "verb_expr_key");
                self.value(verb.ty, d.plain()).0
            }
        };
        let mut text = format!("{}({key}", verb.name);
        if d.depth > 0 && self.tape.flip(40) {
            self.cover(s, "verb_where");
            let filter = self.bool_expr(d.inside(verb.event));
            text.push_str(" where ");
            text.push_str(&filter);
        }
        if self.tape.flip(50) {
            text.push(' ');
            let window = self.window(d.plain());
            text.push_str(&window);
        }
        text.push(')');
        text
    }

    pub(super) fn then(&mut self, s: Scope, d: Scope) -> String {
        self.cover(s, "then");
        let n = 2 + self.tape.below(3);
        let negated = self.tape.flip(40);
        if n >= 3 {
            self.cover(s, "then3");
        }
        let mut text = String::new();
        for i in 0..n {
            let step = self.predicate(s, d);
            if i > 0 {
                if negated && i + 1 == n {
                    self.cover(s, "then_not");
                    text.push_str(" then not ");
                } else {
                    text.push_str(" then ");
                }
            }
            text.push_str(&step);
        }
        text
    }

    pub(super) fn changed(&mut self, s: Scope, d: Scope) -> String {
        let (scope_name, attr, ty) = if s.account || self.tape.flip(30) {
            self.cover(s, "changed_account");
            let (a, t) = *self.tape.pick(ACCOUNT);
            ("account", a, t)
        } else {
            self.cover(s, "changed_profile");
            let (a, t) = *self.tape.pick(PROFILE);
            ("profile", a, t)
        };
        let hint = attr_hint(attr, ty);
        let mut text = format!("changed({scope_name}.{attr}");
        for word in ["from", "to"] {
            if self.tape.flip(50) {
                self.cover(
                    s,
                    if word == "from" {
                        "changed_from"
                    } else {
                        "changed_to"
                    },
                );
                let value = if self.tape.flip(20) {
                    self.value(ty, d.plain()).0
                } else {
                    self.literal(ty, hint)
                };
                let _ = write!(text, " {word} {}", paren(&value));
            }
        }
        if self.tape.flip(50) {
            self.cover(s, "changed_window");
            let window = self.window(d.plain());
            text.push(' ');
            text.push_str(&window);
        }
        text.push(')');
        text
    }

    // ------------------------------------------------------------------ windows
}

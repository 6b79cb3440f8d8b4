//! A generator of well-typed random segment programs over the test schema of model.rs.
//!
//! The generator is type-directed: it asks for an expression of a type (bool, number, string,
//! timestamp, duration) in a scope (a user segment, an account segment's top level, inside
//! `users where`, inside the `where` of an event type) and picks among the forms that give that
//! type there, down to a depth. Constants are drawn from the values the data takes (model.rs)
//! and from the instants around window edges, so comparisons sit near the data. Segments refer
//! to earlier segments; `let`s are made where they are first used and reused only in the same
//! scope, so every `let` is used and checked where it stands. Every form the generator emits is
//! recorded by name (see [`FORMS`]) so that a test can assert that each one appeared.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use seg::time::{format_timestamp, MICROS_PER_DAY, MICROS_PER_HOUR};

use super::model::{
    anchors, day_start, instant_text, month_start, number_text, numbers, quote, strings, Ty,
    ACCOUNT, EVENTS, PROFILE, VERBS,
};
use super::tape::Tape;

/// Every form the generator can emit. `where:X` is form X inside an event set's `where`.
pub const FORMS: &[&str] = &[
    // aggregates
    "did",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "first_set",
    "last_set",
    "first_prop",
    "last_prop",
    "top",
    "distinct",
    "days",
    "where",
    "nested_aggregate",
    "qualified_prop",
    // windows
    "within",
    "within_let",
    "within_expr",
    "today",
    "yesterday",
    "between",
    "before",
    "after",
    "during_months",
    "during_weekdays",
    "during_hours",
    "ago",
    "date_literal",
    "timestamp_literal",
    "offset_literal",
    "now",
    "dynamic_bound",
    // predicates
    "then",
    "then3",
    "then_not",
    "steps",
    "verb",
    "verb_list",
    "verb_where",
    "verb_number",
    "verb_expr_key",
    "changed_profile",
    "changed_account",
    "changed_from",
    "changed_to",
    "changed_window",
    // attributes, segments, lets
    "profile_attr",
    "account_attr_user",
    "account_attr_account",
    "segment_ref_user",
    "segment_ref_account",
    "segment_ref_in_users",
    "account_segment",
    "count_users",
    "count_users_where",
    "any_users",
    "all_users",
    "let_const",
    "let_expr",
    "let_where",
    "let_list",
    "let_pattern",
    // logic and comparisons
    "and",
    "or",
    "not",
    "cmp_num",
    "cmp_str",
    "cmp_ts",
    "cmp_dur",
    "cmp_bool",
    "str_order",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not_in",
    "in_empty",
    "in_expr_list",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "literal_subject",
    "is_set",
    "is_not_set",
    // arithmetic and functions
    "arith_num",
    "neg",
    "ts_plus_dur",
    "dur_plus_ts",
    "ts_minus_ts",
    "dur_arith",
    "dur_mul",
    "dur_div_num",
    "dur_div_dur",
    "lower",
    "len",
    "bucket",
    // inside `where`
    "where:cmp_num",
    "where:str_order",
    "where:in",
    "where:matches",
    "where:is_set",
    "where:is_not_set",
    "where:arith_num",
    "where:lower",
    "where:len",
    "where:bool_prop",
    "where:event_ts",
    "where:cmp_ts",
];

/// A generated program: its items (`let`s, then segments; each ends with a line break) and
/// the forms it uses.
pub struct Program {
    pub items: Vec<String>,
    pub forms: BTreeSet<&'static str>,
}

/// Where an expression stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scope {
    /// At an account segment's top level (false in user segments and inside `users where`).
    account: bool,
    /// Inside `users where` of an account segment.
    in_users: bool,
    /// Inside the `where` of this event type.
    event: Option<usize>,
    /// How many more levels of nesting are allowed.
    depth: u32,
}

impl Scope {
    fn down(self) -> Scope {
        Scope {
            depth: self.depth.saturating_sub(1),
            ..self
        }
    }

    /// Without the event: window bounds, verb keys and `changed` values.
    fn plain(self) -> Scope {
        Scope {
            event: None,
            ..self
        }
    }

    /// Inside the `where` of `event` (one level down).
    fn inside(self, event: usize) -> Scope {
        Scope {
            account: false,
            event: Some(event),
            depth: self.depth.saturating_sub(1),
            ..self
        }
    }

    fn user(self) -> bool {
        !self.account
    }
}

/// The values an expression is likely to take, for constants near them.
#[derive(Debug, Clone, Copy)]
enum Hint {
    None,
    Strs(&'static [&'static str]),
    Nums(&'static [f64]),
}

const SMALL_COUNTS: &[f64] = &[0.0, 1.0, 2.0, 3.0];
const SUMS: &[f64] = &[0.0, 1.0, 2.5, 3.0, 0.3, 0.6, 5.0, 12.5];
const BUCKETS: &[f64] = &[0.0, 10.0, 50.0, 67.0, 99.0];
const LENS: &[f64] = &[0.0, 1.0, 2.0, 3.0, 5.0];
const PATTERNS: &[&str] = &[
    "^/blog/[0-9]+$",
    "demo",
    "^a",
    "(?i)ab",
    "^$",
    "o{2}",
    "[A-Z]",
    "ü|İ",
    "^/blog/\\d+",
    "z",
    ".",
    "^[a-z]*$",
];
/// Positive durations (for `within` too); `9999999w` is near the top of the i64 range.
const DURATIONS: &[&str] = &[
    "1d", "7d", "2w", "12h", "30m", "45s", "3d", "1s", "9999999w",
];

#[derive(Debug, Clone, PartialEq)]
enum LetKind {
    Num,
    Dur,
    StrList(&'static [&'static str]),
    NumList(&'static [f64]),
    Pattern,
    /// An expression of a type, made in a scope (account level, event of the `where`).
    Expr(Ty, bool, Option<usize>),
}

struct Let {
    name: String,
    kind: LetKind,
}

struct Gen<'t> {
    tape: Tape<'t>,
    now: i64,
    anchors: Vec<i64>,
    lets: Vec<Let>,
    let_items: Vec<String>,
    /// The targets of the segments made so far (true: account).
    segments: Vec<bool>,
    forms: BTreeSet<&'static str>,
    /// Leave literals out of values where another form fits (the left side of a comparison:
    /// a literal compared with a literal says nothing about the data).
    no_literal: bool,
}

/// Parenthesizes anything but a single word or call.
fn paren(text: &str) -> String {
    let simple =
        !text.starts_with('-') && !text.starts_with('(') && (!text.contains(' ') || is_call(text));
    if simple {
        text.to_string()
    } else {
        format!("({text})")
    }
}

/// `name(...)` with its parentheses balanced over the whole text.
fn is_call(text: &str) -> bool {
    let Some(open) = text.find('(') else {
        return false;
    };
    if !text[..open]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        || open == 0
        || !text.ends_with(')')
    {
        return false;
    }
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(open) {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 != text.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// Generates a program as of `now` from the tape.
pub fn program(choices: &[u32], now: i64) -> Program {
    let mut g = Gen {
        tape: Tape::new(choices),
        now,
        anchors: anchors(now),
        lets: Vec::new(),
        let_items: Vec::new(),
        segments: Vec::new(),
        forms: BTreeSet::new(),
        no_literal: false,
    };
    let n = 1 + g.tape.below(10);
    let mut segments = Vec::new();
    for i in 0..n {
        let account = g.tape.flip(25);
        let depth = 1 + u32::try_from(g.tape.below(6)).expect("small");
        let scope = Scope {
            account,
            in_users: false,
            event: None,
            depth,
        };
        let body = g.bool_expr(scope);
        let on = if account {
            g.cover(scope, "account_segment");
            " on account"
        } else {
            ""
        };
        let description = if g.tape.flip(10) {
            " \"generated\""
        } else {
            ""
        };
        segments.push(format!("segment s{i}{on}{description} =\n    {body}\n"));
        g.segments.push(account);
    }
    let mut items: Vec<String> = g.let_items.iter().map(|l| format!("{l}\n")).collect();
    items.extend(segments);
    Program {
        items,
        forms: g.forms,
    }
}

impl Gen<'_> {
    fn cover(&mut self, scope: Scope, form: &'static str) {
        let inside = format!("where:{form}");
        assert!(
            FORMS.contains(&form) || FORMS.contains(&inside.as_str()),
            "unknown form label {form}"
        );
        if FORMS.contains(&form) {
            self.forms.insert(form);
        }
        if scope.event.is_some() {
            if let Some(label) = FORMS.iter().find(|f| **f == inside) {
                self.forms.insert(label);
            }
        }
    }

    /// Picks among the available options by weight; the first available is the simplest.
    fn choose<T: Copy>(&mut self, options: &[(u32, bool, T)]) -> T {
        let available: Vec<(u32, T)> = options
            .iter()
            .filter(|(_, ok, _)| *ok)
            .map(|(w, _, t)| (*w, *t))
            .collect();
        let weights: Vec<u32> = available.iter().map(|(w, _)| *w).collect();
        available[self.tape.weighted(&weights)].1
    }

    /// The weight of a literal among the forms of a value.
    fn literal_weight(&self, weight: u32) -> u32 {
        if self.no_literal {
            0
        } else {
            weight
        }
    }

    /// A value for the left side of a comparison: mostly not a literal.
    fn subject(&mut self, ty: Ty, s: Scope) -> (String, Hint) {
        let saved = self.no_literal;
        self.no_literal = self.tape.below(5) > 0;
        let value = self.value(ty, s);
        self.no_literal = saved;
        value
    }

    // ------------------------------------------------------------------ conditions

    fn bool_expr(&mut self, s: Scope) -> String {
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
    fn users_scope(d: Scope) -> Scope {
        Scope {
            account: false,
            in_users: true,
            event: None,
            depth: d.depth,
        }
    }

    fn bool_leaf(&mut self, s: Scope) -> String {
        #[derive(Clone, Copy)]
        enum L {
            Literal,
            Profile,
            Account,
            Prop,
            Did,
            SegRef,
            Users,
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
        }
    }

    fn cover_account_attr(&mut self, s: Scope) {
        if s.account {
            self.cover(s, "account_attr_account");
        } else {
            self.cover(s, "account_attr_user");
        }
    }

    fn compare(&mut self, s: Scope, d: Scope) -> String {
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

    fn in_list(&mut self, s: Scope, d: Scope) -> String {
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
    fn string_subject(&mut self, s: Scope, d: Scope) -> (String, Hint) {
        if self.tape.flip(15) {
            self.cover(s, "literal_subject");
            (quote(self.tape.pick_str(strings(""))), Hint::None)
        } else {
            self.subject(Ty::Str, d)
        }
    }

    fn string_op(&mut self, s: Scope, d: Scope) -> String {
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

    fn matches(&mut self, s: Scope, d: Scope) -> String {
        self.cover(s, "matches");
        let lhs = self.string_subject(s, d).0;
        let pattern = if self.tape.flip(30) {
            self.const_let(&LetKind::Pattern)
        } else {
            quote(self.tape.pick_str(PATTERNS))
        };
        format!("{} matches {pattern}", paren(&lhs))
    }

    fn segment_ref(&mut self, s: Scope) -> Option<String> {
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
    fn event_set(&mut self, d: Scope, event: usize, prop: Option<&str>) -> String {
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
    fn event_with(&mut self, ty: Option<Ty>) -> (usize, &'static str, Ty) {
        let options: Vec<(usize, &'static str, Ty)> = EVENTS
            .iter()
            .enumerate()
            .flat_map(|(e, def)| def.props.iter().map(move |(p, t)| (e, *p, *t)))
            .filter(|(_, _, t)| ty.is_none_or(|ty| ty == *t))
            .collect();
        *self.tape.pick(&options)
    }

    /// `did(...)` or a verb call, as a step of `then` or `steps`.
    fn predicate(&mut self, s: Scope, d: Scope) -> String {
        if self.tape.flip(30) {
            self.verb(s, d)
        } else {
            let event = self.tape.below(EVENTS.len());
            format!("did({})", self.event_set(d, event, None))
        }
    }

    fn verb(&mut self, s: Scope, d: Scope) -> String {
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

    fn then(&mut self, s: Scope, d: Scope) -> String {
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

    fn changed(&mut self, s: Scope, d: Scope) -> String {
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

    fn window(&mut self, s: Scope) -> String {
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

    fn within(&mut self, s: Scope) -> String {
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
    fn known_bound(&mut self, s: Scope, past_only: bool) -> (String, i64, bool) {
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

    fn ago_bound(&mut self, s: Scope) -> (String, i64, bool) {
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

    fn cover_instant(&mut self, s: Scope, t: i64) {
        if t.rem_euclid(MICROS_PER_DAY) == 0 {
            self.cover(s, "date_literal");
        } else {
            self.cover(s, "timestamp_literal");
        }
    }

    /// A bound for `before` (any) or `after` (never `now` or later, which warns).
    fn bound(&mut self, s: Scope, any: bool) -> String {
        if self.tape.flip(25) {
            return self.dynamic_bound(s);
        }
        let (text, _, _) = self.known_bound(s, !any);
        if !any && text == "now" {
            return "1d ago".into();
        }
        text
    }

    fn dynamic_bound(&mut self, s: Scope) -> String {
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
    fn between_bounds(&mut self, s: Scope) -> (String, String) {
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

    fn value(&mut self, ty: Ty, s: Scope) -> (String, Hint) {
        match ty {
            Ty::Num => self.num(s),
            Ty::Str => self.string(s),
            Ty::Ts => (self.timestamp(s), Hint::None),
            Ty::Dur => (self.duration(s), Hint::None),
            Ty::Bool => (self.bool_value(s), Hint::None),
        }
    }

    /// A property of the `where`'s event of type `ty`, bare or qualified.
    fn prop(&mut self, s: Scope, ty: Ty) -> (String, Hint) {
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

    fn has_prop(s: Scope, ty: Ty) -> bool {
        s.event
            .is_some_and(|e| EVENTS[e].props.iter().any(|(_, t)| *t == ty))
    }

    fn num(&mut self, s: Scope) -> (String, Hint) {
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

    fn first_last_top(&mut self, s: Scope) -> &'static str {
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

    fn string(&mut self, s: Scope) -> (String, Hint) {
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

    fn timestamp(&mut self, s: Scope) -> String {
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

    fn ts_literal(&mut self, s: Scope) -> String {
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

    fn duration(&mut self, s: Scope) -> String {
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

    fn bool_value(&mut self, s: Scope) -> String {
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

    fn literal(&mut self, ty: Ty, hint: Hint) -> String {
        match ty {
            Ty::Num => {
                let n = match hint {
                    Hint::Nums(v) if self.tape.below(10) > 0 => *self.tape.pick(v),
                    _ => *self.tape.pick(numbers("")),
                };
                number_text(n)
            }
            Ty::Str => {
                let v = match hint {
                    Hint::Strs(v) if self.tape.below(10) > 0 => *self.tape.pick(v),
                    _ => *self.tape.pick(strings("")),
                };
                quote(v)
            }
            Ty::Ts => {
                let scope = Scope {
                    account: false,
                    in_users: false,
                    event: None,
                    depth: 0,
                };
                self.ts_literal(scope)
            }
            Ty::Dur => (*self.tape.pick(&["1d", "7d", "12h", "0s", "2w", "36h"])).to_string(),
            Ty::Bool => (*self.tape.pick(&["true", "false"])).to_string(),
        }
    }

    // ------------------------------------------------------------------ lets

    fn new_let(&mut self, kind: LetKind, body: &str) -> String {
        let name = format!("k{}", self.lets.len());
        self.let_items.push(format!("let {name} = {body}"));
        self.lets.push(Let {
            name: name.clone(),
            kind,
        });
        name
    }

    fn reuse(&mut self, kind: &LetKind) -> Option<String> {
        let existing: Vec<usize> = (0..self.lets.len())
            .filter(|&i| self.lets[i].kind == *kind)
            .collect();
        if existing.is_empty() || !self.tape.flip(50) {
            return None;
        }
        let i = *self.tape.pick(&existing);
        Some(self.lets[i].name.clone())
    }

    /// A `let` of a constant: a number, a positive duration or a pattern.
    fn const_let(&mut self, kind: &LetKind) -> String {
        let label = if *kind == LetKind::Pattern {
            "let_pattern"
        } else {
            "let_const"
        };
        self.forms.insert(label);
        if let Some(name) = self.reuse(kind) {
            return name;
        }
        let body = match kind {
            LetKind::Num => number_text(*self.tape.pick(numbers(""))),
            LetKind::Dur => (*self.tape.pick(DURATIONS)).to_string(),
            LetKind::Pattern => quote(self.tape.pick_str(PATTERNS)),
            _ => unreachable!("not a constant"),
        };
        self.new_let(kind.clone(), &body)
    }

    /// A `let` of a list of strings or numbers.
    fn list_let(&mut self, ty: Ty, hint: Hint) -> String {
        self.forms.insert("let_list");
        let kind = match (ty, hint) {
            (Ty::Str, Hint::Strs(v)) => LetKind::StrList(v),
            (Ty::Str, _) => LetKind::StrList(strings("")),
            (_, Hint::Nums(v)) => LetKind::NumList(v),
            _ => LetKind::NumList(numbers("")),
        };
        if let Some(name) = self.reuse(&kind) {
            return name;
        }
        let n = self.tape.below(4);
        let items: Vec<String> = (0..n).map(|_| self.literal(ty, hint)).collect();
        self.new_let(kind, &format!("[{}]", items.join(", ")))
    }

    /// A `let` of an expression, made in the scope of its first use and reused only there.
    fn expr_let(&mut self, ty: Ty, s: Scope) -> String {
        self.cover(s, "let_expr");
        if s.event.is_some() {
            self.cover(s, "let_where");
        }
        let kind = LetKind::Expr(ty, s.account, s.event);
        if let Some(name) = self.reuse(&kind) {
            return name;
        }
        let body = if ty == Ty::Bool {
            self.bool_expr(s.down())
        } else {
            self.value(ty, s.down()).0
        };
        self.new_let(kind, &body)
    }
}

/// The values an attribute or property takes.
fn attr_hint(name: &str, ty: Ty) -> Hint {
    match ty {
        Ty::Str => Hint::Strs(strings(name)),
        Ty::Num => Hint::Nums(numbers(name)),
        _ => Hint::None,
    }
}

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

use super::model::{anchors, number_text, numbers, quote, strings, Ty};
use super::tape::Tape;

#[path = "program/bools.rs"]
mod bools;
#[path = "program/values.rs"]
mod values;
#[path = "program/windows.rs"]
mod windows;

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
    "listed",
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

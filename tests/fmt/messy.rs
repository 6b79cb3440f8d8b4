//! A generator of random, syntactically valid `.seg` files laid out badly, for the
//! formatter's property test: every expression form of the grammar at every precedence level,
//! odd white space (tabs, CRLF, runs of blank lines, line breaks anywhere), comments between
//! any two tokens, redundant parentheses, trailing commas, literals in all their spellings,
//! long chains and the occasional long string. The programs need not type-check.
//!
//! Choices come from a [`Tape`]: choice 0 is always the simplest (stop recursing, leave out
//! the optional part), so a short or shrunk tape gives a small file.

use super::tape::Tape;

const NAMES: &[&str] = &[
    "login",
    "purchase",
    "value",
    "x",
    "_tmp",
    "profile",
    "account",
    "users",
    "country",
    "set",
    "on",
    "from",
    "to",
    "months",
    "a_rather_long_name1",
    "page_view",
];
const FUNCTIONS: &[&str] = &[
    "did", "count", "sum", "steps", "changed", "lower", "f", "any",
];
const NUMBERS: &[&str] = &[
    "0", "12", "1.50", "3.0", "1e3", "2.5E-2", "007", "100", "0.2",
];
const DURATIONS: &[&str] = &["30s", "15m", "12h", "7d", "2w", "0d", "365d"];
const INSTANTS: &[&str] = &[
    "2024-11-01",
    "2026-01-01",
    "2024-11-01T10:00:00Z",
    "2024-11-01t10:00:00.123+02:00",
    "2024-02-29T23:59:59.999999z",
];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"DE\"",
    "\"/pricing\"",
    "\"a\\\"b\"",
    "\"back\\\\slash\"",
    "\"tab\\tnew\\nline\\r\"",
    "\"# not a comment\"",
    "\"café 日本\"",
    "\"(google|bing)[.]\"",
];
const COMMENTS: &[&str] = &[
    "#",
    "# why",
    "#no space",
    "# segment let import: keywords in a comment",
    "# \"quotes\" and # hashes",
    "#\ttab",
    "# a longer comment that explains something at some length, as comments do",
];
const WINDOW_UNITS: &[(&str, u32)] = &[("months", 12), ("weekdays", 7), ("hours", 23)];

/// Generates one file.
pub fn file(choices: &[u32]) -> String {
    let mut g = Messy {
        tape: Tape::new(choices),
        out: String::new(),
    };
    if g.tape.flip(3) {
        g.out.push('\u{FEFF}');
    }
    g.space(true);
    let items = g.tape.below(7);
    for _ in 0..items {
        g.item();
        g.space(true);
    }
    g.out
}

struct Messy<'a> {
    tape: Tape<'a>,
    out: String,
}

/// Precedence levels, loosest first (SPEC section 2).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Not,
    Compare,
    Then,
    Sum,
    Product,
    Neg,
    Postfix,
}

impl Messy<'_> {
    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// White space between two tokens, maybe with comments; `needed` when the tokens would
    /// run together without it.
    fn space(&mut self, needed: bool) {
        let pick = self.tape.below(20);
        let space = match pick {
            0..=7 => " ",
            9 => "  ",
            10 => "\t",
            11 | 12 => "\n",
            13 => "\n\n",
            14 => "\n\n\n  ",
            15 => "\r\n",
            16 => "\n        ",
            // 8, and 17 and above (a comment follows)
            _ => "",
        };
        let space = if needed && space.is_empty() {
            " "
        } else {
            space
        };
        self.push(space);
        if pick >= 17 {
            let comment = *self.tape.pick(COMMENTS);
            self.push(comment);
            let end = if self.tape.flip(20) { "\r\n" } else { "\n" };
            self.push(end);
            if self.tape.flip(30) {
                let second = *self.tape.pick(COMMENTS);
                self.push(second);
                self.push("\n");
            }
            if self.tape.flip(50) {
                self.push("    ");
            }
        }
    }

    fn word(&mut self, word: &str) {
        self.push(word);
        self.space(true);
    }

    /// A token that nothing can run into (brackets, commas, operators of symbols).
    fn symbol(&mut self, symbol: &str) {
        self.push(symbol);
        self.space(false);
    }

    fn item(&mut self) {
        match self.tape.below(8) {
            0 | 1 => {
                self.word("let");
                let name = *self.tape.pick(NAMES);
                self.word(name);
                self.symbol("=");
                let depth = self.tape.below(4);
                self.expr(Level::Or, depth);
            }
            2 => {
                self.word("import");
                let path = self.string();
                self.word(&path);
            }
            _ => {
                self.word("segment");
                let name = *self.tape.pick(NAMES);
                self.word(name);
                if self.tape.flip(20) {
                    self.word("on");
                    self.word("account");
                }
                if self.tape.flip(60) {
                    let description = self.string();
                    self.word(&description);
                }
                self.symbol("=");
                let depth = 1 + self.tape.below(4);
                self.expr(Level::Or, depth);
            }
        }
    }

    fn string(&mut self) -> String {
        if self.tape.flip(4) {
            let n = 40 + self.tape.below(80);
            let body: String = "lorem ipsum dolor sit amet "
                .chars()
                .cycle()
                .take(n)
                .collect();
            return format!("\"{body}\"");
        }
        (*self.tape.pick(STRINGS)).to_string()
    }

    /// An expression at `level` or tighter, with brackets at most `depth` deep.
    fn expr(&mut self, level: Level, depth: usize) {
        match level {
            Level::Or => self.chain(Level::And, &["or"], depth),
            Level::And => self.chain(Level::Not, &["and"], depth),
            Level::Not => {
                if self.tape.flip(15) {
                    self.word("not");
                    if self.tape.flip(10) {
                        self.word("not");
                    }
                }
                self.expr(Level::Compare, depth);
            }
            Level::Compare => {
                self.expr(Level::Then, depth);
                match self.tape.below(10) {
                    0..=4 => {}
                    5 => {
                        self.word("is");
                        if self.tape.flip(50) {
                            self.word("not");
                        }
                        self.word("set");
                    }
                    _ => {
                        let op = *self.tape.pick(&[
                            "==",
                            "!=",
                            "<",
                            "<=",
                            ">",
                            ">=",
                            "in",
                            "not in",
                            "contains",
                            "starts_with",
                            "ends_with",
                            "matches",
                        ]);
                        self.word(op);
                        self.expr(Level::Then, depth);
                    }
                }
            }
            Level::Then => {
                self.expr(Level::Sum, depth);
                if self.tape.flip(15) {
                    for _ in 0..=self.tape.below(3) {
                        let op = *self.tape.pick(&["then", "then not", "then\nnot"]);
                        self.word(op);
                        self.expr(Level::Sum, depth);
                    }
                }
            }
            Level::Sum => self.arith(Level::Product, &["+", "-"], depth),
            Level::Product => self.arith(Level::Neg, &["*", "/"], depth),
            Level::Neg => {
                if self.tape.flip(8) {
                    self.symbol("-");
                }
                self.expr(Level::Postfix, depth);
            }
            Level::Postfix => {
                self.primary(depth);
                if self.tape.flip(8) {
                    self.word("ago");
                }
            }
        }
    }

    /// `and` / `or` chains: mostly one operand, sometimes two to eight.
    fn chain(&mut self, operand: Level, ops: &[&str], depth: usize) {
        let n = match self.tape.below(10) {
            0..=5 => 1,
            6..=8 => 2 + self.tape.below(3),
            _ => 5 + self.tape.below(4),
        };
        for i in 0..n {
            if i > 0 {
                let op = *self.tape.pick(ops);
                self.word(op);
            }
            self.expr(operand, depth);
        }
    }

    fn arith(&mut self, operand: Level, ops: &[&str], depth: usize) {
        let n = if self.tape.flip(15) {
            2 + self.tape.below(4)
        } else {
            1
        };
        for i in 0..n {
            if i > 0 {
                let op = *self.tape.pick(ops);
                self.symbol(op);
            }
            self.expr(operand, depth);
        }
    }

    fn primary(&mut self, depth: usize) {
        let kinds = if depth == 0 { 6 } else { 10 };
        match self.tape.below(kinds) {
            0 => {
                let name = *self.tape.pick(NAMES);
                self.word(name);
            }
            1 => {
                let number = *self.tape.pick(NUMBERS);
                self.word(number);
            }
            2 => {
                let string = self.string();
                self.word(&string);
            }
            3 => {
                let literal = *self.tape.pick(&[
                    DURATIONS[0],
                    DURATIONS[3],
                    INSTANTS[0],
                    INSTANTS[2],
                    "true",
                    "false",
                    "now",
                ]);
                self.word(literal);
            }
            4 => {
                let head = *self.tape.pick(NAMES);
                let tail = *self.tape.pick(NAMES);
                self.push(head);
                self.space(false);
                self.symbol(".");
                self.word(tail);
            }
            5 => {
                let pool = if self.tape.flip(50) {
                    DURATIONS
                } else {
                    INSTANTS
                };
                let literal = *self.tape.pick(pool);
                self.word(literal);
            }
            6 | 7 => self.call(depth),
            8 => {
                self.symbol("[");
                let n = self.tape.below(6);
                self.list(n, |g| g.expr(Level::Or, depth - 1));
                self.symbol("]");
            }
            _ => {
                let extra = usize::from(self.tape.flip(20));
                for _ in 0..=extra {
                    self.symbol("(");
                }
                self.expr(Level::Or, depth - 1);
                for _ in 0..=extra {
                    self.symbol(")");
                }
            }
        }
    }

    /// `n` items with commas, maybe a trailing one.
    fn list(&mut self, n: usize, mut item: impl FnMut(&mut Self)) {
        for i in 0..n {
            item(self);
            if i + 1 < n || self.tape.flip(20) {
                self.symbol(",");
            }
        }
    }

    fn call(&mut self, depth: usize) {
        let name = *self.tape.pick(FUNCTIONS);
        self.push(name);
        self.space(false);
        self.symbol("(");
        let n = self.tape.below(4);
        self.list(n, |g| g.arg(depth - 1));
        self.symbol(")");
    }

    fn arg(&mut self, depth: usize) {
        self.expr(Level::Or, depth);
        if self.tape.flip(30) {
            self.word("where");
            self.expr(Level::Or, depth.saturating_sub(1));
        }
        if self.tape.flip(8) {
            self.word("from");
            self.expr(Level::Or, depth.saturating_sub(1));
        }
        if self.tape.flip(8) {
            self.word("to");
            self.expr(Level::Or, depth.saturating_sub(1));
        }
        if self.tape.flip(40) {
            self.window(depth.saturating_sub(1));
        }
    }

    /// A window bound: arithmetic only (the grammar's `bound`).
    fn bound(&mut self, depth: usize) {
        self.expr(Level::Sum, depth.min(2));
    }

    fn window(&mut self, depth: usize) {
        match self.tape.below(7) {
            0 => {
                self.word("within");
                self.bound(depth);
            }
            1 => self.word("today"),
            2 => self.word("yesterday"),
            3 => {
                self.word("between");
                self.bound(depth);
                self.word("and");
                self.bound(depth);
            }
            4 => {
                self.word("before");
                self.bound(depth);
            }
            5 => {
                self.word("after");
                self.bound(depth);
            }
            _ => {
                self.word("during");
                let (unit, max) = *self.tape.pick(WINDOW_UNITS);
                self.push(unit);
                self.space(false);
                self.symbol("(");
                let most = if self.tape.flip(10) { 24 } else { 4 };
                let n = 1 + self.tape.below(most);
                self.list(n, |g| {
                    let value = g.tape.below(max as usize + 1);
                    g.push(&value.to_string());
                    g.space(false);
                });
                self.symbol(")");
            }
        }
    }
}

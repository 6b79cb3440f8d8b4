//! The test schema, shared by the program and data generators: event types with number,
//! string, bool and timestamp properties (and one with none), three verbs (string and number
//! keys), profile attributes of every type including `account_id`, account attributes; the
//! values the data takes (the programs compare against the same values); the evaluation
//! instants; and the instants around window edges that data and programs cluster on.

use seg::time::{
    civil_from_days, days_from_civil, format_timestamp, parse_timestamp, MICROS_PER_DAY,
    MICROS_PER_HOUR,
};

pub const SCHEMA: &str = r#"
[events.buy]
value = "number"
item = "string"
gift = "bool"
ship_at = "timestamp"

[events.view]
url = "string"
secs = "number"

[events.login]

[events.rate]
value = "number"
note = "string"
ok = "bool"

[verbs]
visited = { event = "view", key = "url" }
bought = { event = "buy", key = "item" }
rated = { event = "rate", key = "value" }

[profile]
country = "string"
vip = "bool"
score = "number"
signup = "timestamp"
stage = "string"
account_id = "string"

[account]
plan = "string"
seats = "number"
active = "bool"
since = "timestamp"
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    Bool,
    Num,
    Str,
    Ts,
    Dur,
}

pub struct EventDef {
    pub name: &'static str,
    pub props: &'static [(&'static str, Ty)],
}

pub const EVENTS: &[EventDef] = &[
    EventDef {
        name: "buy",
        props: &[
            ("value", Ty::Num),
            ("item", Ty::Str),
            ("gift", Ty::Bool),
            ("ship_at", Ty::Ts),
        ],
    },
    EventDef {
        name: "view",
        props: &[("url", Ty::Str), ("secs", Ty::Num)],
    },
    EventDef {
        name: "login",
        props: &[],
    },
    EventDef {
        name: "rate",
        props: &[("value", Ty::Num), ("note", Ty::Str), ("ok", Ty::Bool)],
    },
];

pub const PROFILE: &[(&str, Ty)] = &[
    ("country", Ty::Str),
    ("vip", Ty::Bool),
    ("score", Ty::Num),
    ("signup", Ty::Ts),
    ("stage", Ty::Str),
    ("account_id", Ty::Str),
];

pub const ACCOUNT: &[(&str, Ty)] = &[
    ("plan", Ty::Str),
    ("seats", Ty::Num),
    ("active", Ty::Bool),
    ("since", Ty::Ts),
];

pub struct VerbDef {
    pub name: &'static str,
    pub event: usize,
    pub key: &'static str,
    pub ty: Ty,
}

pub const VERBS: &[VerbDef] = &[
    VerbDef {
        name: "visited",
        event: 1,
        key: "url",
        ty: Ty::Str,
    },
    VerbDef {
        name: "bought",
        event: 0,
        key: "item",
        ty: Ty::Str,
    },
    VerbDef {
        name: "rated",
        event: 3,
        key: "value",
        ty: Ty::Num,
    },
];

/// Account ids: `a9` has no account rows (it exists because a profile names it).
pub const ACCOUNT_IDS: &[&str] = &["a0", "a1", "a2", "a3", "a9"];

/// The `listed()` files every generated program may name (path, text): one id per line, and a
/// CSV with quoting, each holding some users and accounts of the data and ids it lacks.
pub const LIST_FILES: [(&str, &str); 2] = [
    (
        "lists/odd.txt",
        "u1\nu3\nu5\nu7\nu9\nu11\nu13\nu21\nu29\na1\na3\nnobody\n",
    ),
    (
        "lists/some.csv",
        "note,user_id\nfirst,u0\n\"a, b\",u4\n,u8\n,u16\n,u30\n,a0\n,a9\n,u999\n",
    ),
];

/// The string values a property or attribute takes (cases, prefixes, non-ASCII, empty).
pub fn strings(field: &str) -> &'static [&'static str] {
    match field {
        "item" => &["a", "b", "Ab", "ab", "c", ""],
        "url" => &[
            "/",
            "/pricing",
            "/demo",
            "/demo/thanks",
            "/blog/12",
            "/Blog/7x",
            // A digit that is not ASCII (`\d` is Unicode in seg, ASCII in RE2 and Java), a
            // line end that Java's `.` and `$` read as one and seg's do not.
            "/blog/\u{663}",
            "/blog/12\u{85}",
            "\u{2028}",
        ],
        "note" => &["good", "Bad", "good!", "ünï", "", "İ"],
        "country" => &["DE", "FR", "de", "US", "İ", ""],
        "stage" => &["lead", "mql", "sql", "customer"],
        "account_id" => ACCOUNT_IDS,
        "plan" => &["free", "pro", "Pro", "trial"],
        _ => &["a", "DE", "pro", "/demo", "zz", "", "ü"],
    }
}

/// The number values a property or attribute takes.
pub fn numbers(field: &str) -> &'static [f64] {
    match field {
        // 1e308: two of them overflow a sum or a mean.
        "value" => &[
            0.0, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0, -1.0, 0.1, 0.2, 0.3, 100.0, 1e308,
        ],
        "secs" => &[0.0, 5.0, 30.0, 30.5, 60.0, 1e6],
        "score" => &[0.0, 1.0, 5.0, 9.5, 10.0, -3.0],
        "seats" => &[0.0, 1.0, 2.0, 3.0, 5.0, 10.0],
        _ => &[0.0, 1.0, 2.0, 3.0, 0.5, 10.0],
    }
}

/// Evaluation instants: midday, exactly midnight (`today` is empty), just after midnight, a
/// new year (month and year edges), a leap day's last microsecond.
pub const NOWS: &[&str] = &[
    "2026-11-15T12:00:00Z",
    "2026-11-16T00:00:00Z",
    "2026-11-16T00:00:00.000001Z",
    "2026-01-01T00:00:00Z",
    "2026-03-01T09:30:00Z",
    "2024-02-29T23:59:59.999999Z",
];

pub fn now_at(index: usize) -> i64 {
    parse_timestamp(NOWS[index]).expect("a valid instant")
}

pub fn day_start(t: i64) -> i64 {
    t.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY
}

pub fn month_start(t: i64) -> i64 {
    let (y, m, _) = civil_from_days(t.div_euclid(MICROS_PER_DAY));
    days_from_civil(y, m, 1).expect("a valid date") * MICROS_PER_DAY
}

/// Instants on window edges around `now`: `now` and a microsecond either side, a day later,
/// the start of today and yesterday (and a microsecond either side), `now - 7d` and its
/// neighbours, the start of the month, an hour boundary, and a few days back.
pub fn anchors(now: i64) -> Vec<i64> {
    let day = day_start(now);
    let month = month_start(now);
    vec![
        now,
        now - 1,
        now + 1,
        now + MICROS_PER_DAY,
        day,
        day - 1,
        day + 1,
        day - MICROS_PER_DAY,
        day - MICROS_PER_DAY - 1,
        now - 7 * MICROS_PER_DAY,
        now - 7 * MICROS_PER_DAY - 1,
        now - 7 * MICROS_PER_DAY + 1,
        now - MICROS_PER_DAY,
        now - 2 * MICROS_PER_DAY,
        now - 14 * MICROS_PER_DAY,
        now - 30 * MICROS_PER_DAY,
        month,
        month - 1,
        day - MICROS_PER_DAY + 9 * MICROS_PER_HOUR,
        day - MICROS_PER_DAY + 9 * MICROS_PER_HOUR - 1,
        now - 3 * MICROS_PER_HOUR,
        day - 40 * MICROS_PER_DAY,
    ]
}

/// A number as JSON or seg source (large ones with an exponent).
pub fn number_json(n: f64) -> String {
    if n.abs() >= 1e16 {
        format!("{n:e}")
    } else {
        format!("{n}")
    }
}

/// A number as seg source (negative numbers in parentheses: `-1` is unary minus).
pub fn number_text(n: f64) -> String {
    if n < 0.0 {
        format!("({})", number_json(n))
    } else {
        number_json(n)
    }
}

/// A string as a seg or JSON literal (the vocabularies need no escapes beyond these).
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An instant as a seg literal: a date when it is a day's start, else a timestamp.
pub fn instant_text(t: i64) -> String {
    if t.rem_euclid(MICROS_PER_DAY) == 0 {
        seg::time::format_date(t)
    } else {
        format_timestamp(t)
    }
}

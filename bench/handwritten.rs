//! The hand-written baseline of the side-by-side benchmark (bench/compare.sh): the ten reference
//! segments of bench/reference.seg written by hand as Rust loops over seg's own columnar store.
//!
//! It loads the data with the library's loaders (exactly as `seg eval` does), then evaluates the
//! ten segments user by user, users split across threads with rayon, and reports the best of a
//! few evaluation runs. This is roughly what a compiler of the segments could hope to reach.
//! It also measures the machine's memory bandwidth and the bytes of the store columns the ten
//! segments read, which gives a floor: the time to stream the needed columns once.
//!
//! Usage:
//!   handwritten --schema F --events F --profiles F --accounts F --as-of TS --out OUT.csv
//! Prints `key: value` lines (`load`, `eval`, `peak_rss`, `bandwidth`, `needed_bytes`,
//! `bandwidth_limit`) and writes the members as `segment,user_id` rows sorted by segment,
//! then user id.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use seg::schema::Schema;
use seg::store::load::{load_file, Kind, LoadReport, OnBadRow};
use seg::store::{Column, Dictionary, Store, StoreBuilder, Table, MISSING_BOOL, MISSING_STRING};
use seg::time::MICROS_PER_DAY;

/// The segments, in the order seg prints them (by name); bit `i` of a user's mask is `NAMES[i]`.
const NAMES: [&str; 10] = [
    "cart_abandon_yesterday",
    "churn_risk",
    "demo_page_no_thanks",
    "high_ltv",
    "international",
    "lead_not_subscribed",
    "recent_buyer",
    "repeat_visitor",
    "shoe_affine",
    "video_no_demo",
];

/// How many times the evaluation is run; the best time is reported.
const RUNS: usize = 5;

struct Args {
    schema: PathBuf,
    events: Vec<PathBuf>,
    profiles: Vec<PathBuf>,
    accounts: Vec<PathBuf>,
    as_of: String,
    out: PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        schema: PathBuf::from("examples/schema.toml"),
        events: Vec::new(),
        profiles: Vec::new(),
        accounts: Vec::new(),
        as_of: "2026-11-15T12:00:00Z".to_string(),
        out: PathBuf::from("handwritten.csv"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| fail(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--schema" => args.schema = value.into(),
            "--events" => args.events.push(value.into()),
            "--profiles" => args.profiles.push(value.into()),
            "--accounts" => args.accounts.push(value.into()),
            "--as-of" => args.as_of = value,
            "--out" => args.out = value.into(),
            _ => fail(&format!("unknown flag {flag}")),
        }
    }
    if args.events.is_empty() {
        fail("no --events file");
    }
    args
}

fn fail(message: &str) -> ! {
    eprintln!("handwritten: {message}");
    std::process::exit(2);
}

/// Loads the store exactly as `seg eval` does: one builder, every file through `load_file`.
fn load(schema: &Schema, args: &Args) -> Store {
    let mut builder = StoreBuilder::new(schema);
    let mut report = LoadReport::default();
    let inputs = [
        (Kind::Events, &args.events),
        (Kind::Profiles, &args.profiles),
        (Kind::Accounts, &args.accounts),
    ];
    for (kind, files) in inputs {
        for file in files {
            if let Err(e) = load_file(
                &mut builder,
                kind,
                Path::new(file),
                OnBadRow::Fail,
                &mut report,
            ) {
                fail(&e.to_string());
            }
        }
    }
    builder.finish()
}

/// Everything the ten segments read, looked up once: the event tables, the typed columns,
/// the dictionary codes of the string literals and the window bounds.
struct Prepared<'s> {
    strings: &'s Dictionary,
    now: i64,
    /// `yesterday`: `[day_start - 1d, day_start)`.
    yesterday: (i64, i64),
    days_30: i64,
    days_7: i64,

    add_to_cart: &'s Table,
    purchase: &'s Table,
    purchase_value: &'s [f64],
    product_view: &'s Table,
    product_category: &'s [u32],
    page_view: &'s Table,
    page_url: &'s [u32],
    email_signup: &'s Table,
    video_view: &'s Table,
    demo_request: &'s Table,
    login: &'s Table,

    profiles: &'s Table,
    country: &'s [u32],
    email_opt_in: &'s [u8],

    /// Dictionary codes of the literals; `None` when no value of the data equals the literal
    /// (then no event can match it).
    shoes: Option<u32>,
    us: Option<u32>,
    demo: Option<u32>,
    demo_thanks: Option<u32>,
}

impl<'s> Prepared<'s> {
    fn new(schema: &Schema, store: &'s Store, now: i64) -> Self {
        let table = |name: &str| {
            let id = schema.event_id(name).expect("event type in the schema");
            &store.events[id.0 as usize]
        };
        let column = |event: &str, property: &str| {
            let id = schema.event_id(event).expect("event type in the schema");
            let (index, _) = schema
                .event(id)
                .property(property)
                .expect("property in the schema");
            &store.events[id.0 as usize].columns[index]
        };
        let attribute = |name: &str| {
            let (index, _) = schema
                .profile_attribute(name)
                .expect("attribute in the schema");
            &store.profiles.columns[index]
        };
        let day_start = now.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
        // visited(KEY) is did(page_view where url == KEY): the verb in examples/schema.toml.
        let visited = schema.verb("visited").expect("the verb `visited`");
        let visited_event = schema.event(visited.event);
        assert!(
            visited_event.name == "page_view"
                && visited_event.properties[visited.key].name == "url",
            "bench/handwritten.rs assumes visited = {{ event = \"page_view\", key = \"url\" }}"
        );
        Prepared {
            strings: &store.strings,
            now,
            yesterday: (day_start - MICROS_PER_DAY, day_start),
            days_30: now - 30 * MICROS_PER_DAY,
            days_7: now - 7 * MICROS_PER_DAY,
            add_to_cart: table("add_to_cart"),
            purchase: table("purchase"),
            purchase_value: numbers(column("purchase", "value")),
            product_view: table("product_view"),
            product_category: codes(column("product_view", "category")),
            page_view: table("page_view"),
            page_url: codes(column("page_view", "url")),
            email_signup: table("email_signup"),
            video_view: table("video_view"),
            demo_request: table("demo_request"),
            login: table("login"),
            profiles: &store.profiles,
            country: codes(attribute("country")),
            email_opt_in: bools(attribute("email_opt_in")),
            shoes: store.strings.code("shoes"),
            us: store.strings.code("US"),
            demo: store.strings.code("/demo"),
            demo_thanks: store.strings.code("/demo/thank-you"),
        }
    }

    /// The user's memberships, bit `i` for `NAMES[i]`.
    fn user_mask(&self, u: u32) -> u16 {
        let bits = [
            self.cart_abandon_yesterday(u),
            self.churn_risk(u),
            self.demo_page_no_thanks(u),
            self.high_ltv(u),
            self.international(u),
            self.lead_not_subscribed(u),
            self.recent_buyer(u),
            self.repeat_visitor(u),
            self.shoe_affine(u),
            self.video_no_demo(u),
        ];
        bits.iter()
            .enumerate()
            .fold(0u16, |mask, (i, &b)| mask | (u16::from(b) << i))
    }

    /// All of the user's events of a table before `now`.
    fn past(&self, table: &Table, u: u32) -> std::ops::Range<usize> {
        table.rows_between(u, i64::MIN, self.now)
    }

    // did(add_to_cart yesterday) and not did(purchase yesterday)
    fn cart_abandon_yesterday(&self, u: u32) -> bool {
        let (lo, hi) = self.yesterday;
        !self.add_to_cart.rows_between(u, lo, hi).is_empty()
            && self.purchase.rows_between(u, lo, hi).is_empty()
    }

    // sum(purchase.value) > 500; summed in the store's (ts, load) order like the interpreter,
    // so that float rounding is the same; missing values (NaN) are skipped.
    fn high_ltv(&self, u: u32) -> bool {
        self.purchase_sum(self.past(self.purchase, u)) > 500.0
    }

    fn purchase_sum(&self, rows: std::ops::Range<usize>) -> f64 {
        let mut sum = 0.0;
        for &v in &self.purchase_value[rows] {
            if !v.is_nan() {
                sum += v;
            }
        }
        sum
    }

    // count(purchase within 30d) >= 2 and sum(purchase.value within 30d) >= 100
    fn recent_buyer(&self, u: u32) -> bool {
        let rows = self.purchase.rows_between(u, self.days_30, self.now);
        rows.len() >= 2 && self.purchase_sum(rows) >= 100.0
    }

    // top(product_view.category) == "shoes": the most frequent category (missing ones
    // skipped), ties to the smallest string in byte order.
    fn shoe_affine(&self, u: u32) -> bool {
        // Count per code in a small fixed table; a user with very many distinct categories
        // falls back to sorting.
        const SLOTS: usize = 32;
        let Some(shoes) = self.shoes else {
            return false;
        };
        let codes = &self.product_category[self.past(self.product_view, u)];
        let mut counts = [(0u32, 0u32); SLOTS];
        let mut distinct = 0;
        for &code in codes {
            if code == MISSING_STRING {
                continue;
            }
            match counts[..distinct].iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None if distinct < SLOTS => {
                    counts[distinct] = (code, 1);
                    distinct += 1;
                }
                None => return self.top_by_sorting(codes) == Some(shoes),
            }
        }
        self.top_of(&counts[..distinct]) == Some(shoes)
    }

    /// The winner among (code, count) pairs: the highest count, ties to the smallest string.
    fn top_of(&self, counts: &[(u32, u32)]) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        for &(code, n) in counts {
            best = match best {
                Some((b, bn))
                    if bn > n
                        || (bn == n
                            && self.strings.get(b).as_bytes()
                                < self.strings.get(code).as_bytes()) =>
                {
                    Some((b, bn))
                }
                _ => Some((code, n)),
            };
        }
        best.map(|(code, _)| code)
    }

    fn top_by_sorting(&self, codes: &[u32]) -> Option<u32> {
        let mut sorted: Vec<u32> = codes
            .iter()
            .copied()
            .filter(|&c| c != MISSING_STRING)
            .collect();
        sorted.sort_unstable();
        let counts: Vec<(u32, u32)> = sorted
            .chunk_by(|a, b| a == b)
            .map(|run| (run[0], u32::try_from(run.len()).unwrap_or(u32::MAX)))
            .collect();
        self.top_of(&counts)
    }

    /// The profile row in force at `now` for an attribute: the latest row before `now` that
    /// states it (rows without ts sort first, at the beginning of time).
    fn attribute_row(&self, u: u32, is_missing: impl Fn(usize) -> bool) -> Option<usize> {
        self.profiles
            .rows_between(u, i64::MIN, self.now)
            .rev()
            .find(|&r| !is_missing(r))
    }

    // count(page_view) >= 3 and not did(email_signup) and profile.email_opt_in == false
    fn lead_not_subscribed(&self, u: u32) -> bool {
        self.past(self.page_view, u).len() >= 3
            && self.past(self.email_signup, u).is_empty()
            && self
                .attribute_row(u, |r| self.email_opt_in[r] == MISSING_BOOL)
                .is_some_and(|r| self.email_opt_in[r] == 0)
    }

    // profile.country != "US" (false when the country is missing)
    fn international(&self, u: u32) -> bool {
        self.attribute_row(u, |r| self.country[r] == MISSING_STRING)
            .is_some_and(|r| Some(self.country[r]) != self.us)
    }

    // did(video_view) and not did(demo_request)
    fn video_no_demo(&self, u: u32) -> bool {
        !self.past(self.video_view, u).is_empty() && self.past(self.demo_request, u).is_empty()
    }

    // visited("/demo") then not visited("/demo/thank-you"): the latest /demo view, and no
    // /demo/thank-you view strictly later (and before now).
    fn demo_page_no_thanks(&self, u: u32) -> bool {
        let Some(demo) = self.demo else {
            return false;
        };
        let rows = self.past(self.page_view, u);
        let Some(last_demo) = rows.clone().rev().find(|&r| self.page_url[r] == demo) else {
            return false;
        };
        let Some(thanks) = self.demo_thanks else {
            return true;
        };
        let t = self.page_view.ts[last_demo];
        !(last_demo + 1..rows.end).any(|r| self.page_view.ts[r] > t && self.page_url[r] == thanks)
    }

    // did(login) and not did(login within 7d): the last login before now is older than 7 days.
    fn churn_risk(&self, u: u32) -> bool {
        let rows = self.past(self.login, u);
        !rows.is_empty() && self.login.ts[rows.end - 1] < self.days_7
    }

    // days(page_view within 30d) >= 3: distinct UTC days; rows are sorted by ts.
    fn repeat_visitor(&self, u: u32) -> bool {
        let rows = self.page_view.rows_between(u, self.days_30, self.now);
        let mut days = 0;
        let mut previous = None;
        for &ts in &self.page_view.ts[rows] {
            let day = ts.div_euclid(MICROS_PER_DAY);
            if previous != Some(day) {
                days += 1;
                previous = Some(day);
                if days >= 3 {
                    return true;
                }
            }
        }
        false
    }

    /// Bytes of the store columns the ten segments read (each column once): per event table
    /// its offsets and timestamps, plus `purchase.value`, `product_view.category` and
    /// `page_view.url`; the profile table's offsets, timestamps, `country` and `email_opt_in`.
    fn needed_bytes(&self) -> usize {
        let table = |t: &Table| t.offsets.len() * 4 + t.ts.len() * 8;
        let tables = [
            self.add_to_cart,
            self.purchase,
            self.product_view,
            self.page_view,
            self.email_signup,
            self.video_view,
            self.demo_request,
            self.login,
            self.profiles,
        ];
        tables.into_iter().map(table).sum::<usize>()
            + self.purchase_value.len() * 8
            + self.product_category.len() * 4
            + self.page_url.len() * 4
            + self.country.len() * 4
            + self.email_opt_in.len()
    }
}

fn numbers(column: &Column) -> &[f64] {
    match column {
        Column::Number(v) => v,
        _ => panic!("expected a number column"),
    }
}

fn codes(column: &Column) -> &[u32] {
    match column {
        Column::String(v) => v,
        _ => panic!("expected a string column"),
    }
}

fn bools(column: &Column) -> &[u8] {
    match column {
        Column::Bool(v) => v,
        _ => panic!("expected a bool column"),
    }
}

/// Memory bandwidth in bytes per second: summing a 512 MiB array with all of rayon's threads
/// (one per core), best of several runs. The array is filled first so its pages are resident.
#[allow(clippy::cast_precision_loss)]
fn bandwidth() -> f64 {
    let n: u64 = 64 << 20; // 64 Mi u64 = 512 MiB, far beyond any cache
    let data: Vec<u64> = (0..n).into_par_iter().map(|i| i & 0xff).collect();
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let started = Instant::now();
        let sum = data
            .par_chunks(1 << 16)
            .map(|chunk| chunk.iter().fold(0u64, |a, &x| a.wrapping_add(x)))
            .reduce(|| 0, u64::wrapping_add);
        std::hint::black_box(sum);
        best = best.min(started.elapsed().as_secs_f64());
    }
    (data.len() * 8) as f64 / best
}

fn write_members(path: &Path, store: &Store, masks: &[u16]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "segment,user_id")?;
    for (bit, name) in NAMES.iter().enumerate() {
        let mut members: Vec<&str> = masks
            .iter()
            .enumerate()
            .filter(|(_, &m)| m & (1 << bit) != 0)
            .map(|(u, _)| store.users.ids[u].as_ref())
            .collect();
        members.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for id in members {
            writeln!(out, "{name},{id}")?;
        }
    }
    out.flush()
}

fn main() {
    let args = parse_args();
    let text = std::fs::read_to_string(&args.schema)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", args.schema.display())));
    let schema = Schema::from_toml(seg::source::FileId(0), &text)
        .unwrap_or_else(|d| fail(&format!("bad schema: {d:?}")));
    let now =
        seg::time::parse_timestamp(&args.as_of).unwrap_or_else(|e| fail(&format!("--as-of: {e}")));

    let started = Instant::now();
    let store = load(&schema, &args);
    println!("load: {:.3} s", started.elapsed().as_secs_f64());

    let prepared = Prepared::new(&schema, &store, now);
    let users = u32::try_from(store.users.len()).expect("fewer than 2^32 users");
    let mut best = f64::INFINITY;
    let mut masks = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        masks = (0..users)
            .into_par_iter()
            .map(|u| prepared.user_mask(u))
            .collect::<Vec<u16>>();
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!("eval: {best:.6} s");
    println!(
        "runs: {RUNS} (best reported), threads: {}",
        rayon::current_num_threads()
    );
    // Read before the bandwidth test, whose array would count otherwise.
    println!("peak_rss: {} MiB", seg::cli::peak_rss_mib());

    let bytes = prepared.needed_bytes();
    let bandwidth = bandwidth();
    println!("bandwidth: {:.3} GB/s", bandwidth / 1e9);
    println!("needed_bytes: {bytes}");
    #[allow(clippy::cast_precision_loss)]
    let limit = bytes as f64 / bandwidth;
    println!("bandwidth_limit: {limit:.6} s");

    if let Err(e) = write_members(&args.out, &store, &masks) {
        fail(&format!("cannot write {}: {e}", args.out.display()));
    }
}

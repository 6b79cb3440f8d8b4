//! Rows of the generated data and how they are written as NDJSON and CSV.
//!
//! The event types, properties and attributes mirror `examples/schema.toml` (a test checks
//! them against it). A row is a key, an optional event name, an optional `ts` and one cell
//! per remaining column; [`Table::write`] renders every cell to text once and writes that
//! same text to each format: as a JSON string or bare number/bool in NDJSON (absent cells
//! are left out), and as a CSV field (quoted only when it must be; an absent cell is empty).
//! So the two forms hold the same values, printed identically.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::time::{format_timestamp, MICROS_PER_SECOND};

/// A property or attribute value. Instants are whole seconds since the epoch.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Text(Cow<'static, str>),
    Num(f64),
    Bool(bool),
    Time(i64),
}

impl Value {
    pub(crate) fn text(s: &'static str) -> Value {
        Value::Text(Cow::Borrowed(s))
    }
}

macro_rules! names {
    ($(#[$meta:meta])* $ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum $ty { $($variant),* }
        impl $ty {
            #[allow(dead_code)] // some lists are only walked by tests
            pub(crate) const ALL: &[$ty] = &[$($ty::$variant),*];
            pub(crate) fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }
        }
    };
}

names! {
    /// Event properties, in the order of their first appearance in the schema: the order
    /// of the CSV columns after `user_id,event,ts`.
    Prop {
        Url = "url", Referrer = "referrer", Query = "query", Product = "product",
        Category = "category", Brand = "brand", Price = "price", Value = "value",
        Article = "article", Topic = "topic", Content = "content", Seconds = "seconds",
        List = "list", Source = "source", Plan = "plan", Seats = "seats", Method = "method",
        Feature = "feature", Channel = "channel", Severity = "severity", Score = "score",
    }
}

names! {
    /// Event types of the example schema.
    Kind {
        PageView = "page_view", Search = "search", ProductView = "product_view",
        AddToCart = "add_to_cart", Purchase = "purchase", ContentView = "content_view",
        ArticleRead = "article_read", VideoView = "video_view", EmailSignup = "email_signup",
        EmailUnsubscribe = "email_unsubscribe", PushUnsubscribe = "push_unsubscribe",
        DemoRequest = "demo_request", TrialStart = "trial_start",
        SubscriptionStart = "subscription_start", Login = "login", FeatureUsed = "feature_used",
        SupportTicket = "support_ticket", NpsResponse = "nps_response",
    }
}

names! {
    /// Profile attributes, in schema order.
    Attr {
        Country = "country", EmailOptIn = "email_opt_in", PushOptIn = "push_opt_in",
        SmsOptIn = "sms_opt_in", AccountId = "account_id", EmailDomain = "email_domain",
        Industry = "industry", Persona = "persona", SignupAt = "signup_at",
        TrialEndsAt = "trial_ends_at", Lifecycle = "lifecycle",
    }
}

names! {
    /// Account attributes, in schema order.
    AccountAttr {
        Name = "name", Stage = "stage", Plan = "plan", Industry = "industry", Seats = "seats",
        TrialEndsAt = "trial_ends_at",
    }
}

impl Prop {
    /// Whether the schema declares the property a number (all others are strings).
    #[cfg(test)]
    pub(crate) fn is_number(self) -> bool {
        matches!(
            self,
            Prop::Price | Prop::Value | Prop::Seconds | Prop::Seats | Prop::Score
        )
    }
}

impl Kind {
    /// The properties of the event type, in schema order.
    pub(crate) fn props(self) -> &'static [Prop] {
        use Prop as P;
        match self {
            Kind::PageView => &[P::Url, P::Referrer],
            Kind::Search => &[P::Query],
            Kind::ProductView => &[P::Product, P::Category, P::Brand, P::Price],
            Kind::AddToCart => &[P::Product, P::Category, P::Price],
            Kind::Purchase => &[P::Value, P::Category, P::Brand, P::Product],
            Kind::ContentView => &[P::Topic],
            Kind::ArticleRead => &[P::Article, P::Topic],
            Kind::VideoView => &[P::Content, P::Seconds],
            Kind::EmailSignup | Kind::EmailUnsubscribe => &[P::List],
            Kind::PushUnsubscribe => &[],
            Kind::DemoRequest => &[P::Source],
            Kind::TrialStart => &[P::Plan],
            Kind::SubscriptionStart => &[P::Plan, P::Seats],
            Kind::Login => &[P::Method],
            Kind::FeatureUsed => &[P::Feature],
            Kind::SupportTicket => &[P::Channel, P::Severity],
            Kind::NpsResponse => &[P::Score],
        }
    }
}

impl Prop {
    /// The property's column among the events' property columns.
    pub(crate) fn column(self) -> usize {
        self as usize
    }
}

/// One event: a type, an instant (whole seconds) and a cell per property of the type.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub ts: i64,
    pub kind: Kind,
    pub props: Vec<(Prop, Value)>,
}

/// A history change: from `ts` on, attribute number `attr` has `value` (`None`: unset).
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub ts: i64,
    pub attr: usize,
    pub value: Option<Value>,
}

/// A table's NDJSON and CSV files, written in step.
pub(crate) struct Table {
    fixed: &'static [&'static str],
    columns: Vec<&'static str>,
    ndjson: Option<BufWriter<File>>,
    csv: Option<BufWriter<File>>,
    pub rows: usize,
    /// The current row's cell texts, one after another, and where each one is.
    text: String,
    spans: Vec<Span>,
    line: String,
}

/// A rendered cell of the current row.
struct Span {
    column: usize,
    start: usize,
    end: usize,
    /// A number or boolean: bare in JSON.
    bare: bool,
}

const BUFFER: usize = 1 << 20;

fn create(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(BUFFER, File::create(path)?))
}

impl Table {
    /// Opens `{stem}.ndjson` and/or `{stem}.csv` in `dir` and writes the CSV header.
    /// `fixed` are the key columns (`user_id`, maybe `event`, then `ts`).
    pub(crate) fn create(
        dir: &Path,
        stem: &str,
        fixed: &'static [&'static str],
        columns: Vec<&'static str>,
        ndjson: bool,
        csv: bool,
        files: &mut Vec<PathBuf>,
    ) -> io::Result<Table> {
        let mut open = |ext: &str, wanted: bool| -> io::Result<Option<BufWriter<File>>> {
            if !wanted {
                return Ok(None);
            }
            let path = dir.join(format!("{stem}.{ext}"));
            let file = create(&path)?;
            files.push(path);
            Ok(Some(file))
        };
        let ndjson = open("ndjson", ndjson)?;
        let mut csv = open("csv", csv)?;
        if let Some(out) = csv.as_mut() {
            let header: Vec<&str> = fixed.iter().chain(columns.iter()).copied().collect();
            writeln!(out, "{}", header.join(","))?;
        }
        Ok(Table {
            fixed,
            columns,
            ndjson,
            csv,
            rows: 0,
            text: String::new(),
            spans: Vec::new(),
            line: String::new(),
        })
    }

    /// Writes one row. `head` holds the fixed columns' values except `ts` (the key, and the
    /// event name for events); `cells` pairs column indexes (into `columns`) with values,
    /// in increasing column order.
    pub(crate) fn write(
        &mut self,
        head: &[&str],
        ts: Option<i64>,
        cells: &[(usize, &Value)],
    ) -> io::Result<()> {
        debug_assert_eq!(head.len() + 1, self.fixed.len());
        let ts_text = ts.map(|s| format_timestamp(s * MICROS_PER_SECOND));
        // Each cell's text, rendered once for both formats.
        self.text.clear();
        self.spans.clear();
        for &(column, value) in cells {
            debug_assert!(
                self.spans.last().is_none_or(|s| s.column < column),
                "cells out of column order"
            );
            let start = self.text.len();
            render(value, &mut self.text);
            let bare = matches!(value, Value::Num(_) | Value::Bool(_));
            self.spans.push(Span {
                column,
                start,
                end: self.text.len(),
                bare,
            });
        }
        if let Some(out) = self.ndjson.as_mut() {
            let line = &mut self.line;
            line.clear();
            line.push('{');
            let mut first = true;
            let heads = head.iter().map(|h| Some(*h)).chain([ts_text.as_deref()]);
            for (name, value) in self.fixed.iter().zip(heads) {
                if let Some(value) = value {
                    json_key(line, name, &mut first);
                    json_string(line, value);
                }
            }
            for span in &self.spans {
                json_key(line, self.columns[span.column], &mut first);
                let text = &self.text[span.start..span.end];
                if span.bare {
                    line.push_str(text);
                } else {
                    json_string(line, text);
                }
            }
            line.push_str("}\n");
            out.write_all(line.as_bytes())?;
        }
        if let Some(out) = self.csv.as_mut() {
            let line = &mut self.line;
            line.clear();
            for (i, h) in head.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                csv_field(line, h);
            }
            line.push(',');
            csv_field(line, ts_text.as_deref().unwrap_or(""));
            let mut next = 0;
            for span in &self.spans {
                for _ in next..=span.column {
                    line.push(',');
                }
                csv_field(line, &self.text[span.start..span.end]);
                next = span.column + 1;
            }
            for _ in next..self.columns.len() {
                line.push(',');
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        self.rows += 1;
        Ok(())
    }

    pub(crate) fn finish(self) -> io::Result<()> {
        for mut out in [self.ndjson, self.csv].into_iter().flatten() {
            out.flush()?;
        }
        Ok(())
    }
}

/// The text of a value, the same for both formats: numbers with Rust's shortest
/// round-trip `{}`, booleans as `true`/`false`, instants as RFC 3339 with `Z`.
fn render(value: &Value, out: &mut String) {
    match value {
        Value::Text(s) => out.push_str(s),
        Value::Num(x) => {
            let _ = write!(out, "{x}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Time(s) => out.push_str(&format_timestamp(s * MICROS_PER_SECOND)),
    }
}

fn json_key(line: &mut String, name: &str, first: &mut bool) {
    if !*first {
        line.push(',');
    }
    *first = false;
    json_string(line, name);
    line.push(':');
}

fn json_string(line: &mut String, s: &str) {
    line.push('"');
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        line.push_str(s);
        line.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(line, "\\u{:04x}", u32::from(c));
            }
            c => line.push(c),
        }
    }
    line.push('"');
}

/// RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled.
fn csv_field(line: &mut String, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        line.push('"');
        line.push_str(&s.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\n\u{1}");
        assert_eq!(s, r#""a\"b\\c\n\u0001""#);
        let mut c = String::new();
        csv_field(&mut c, "wedding shoes, \"ivory\"");
        assert_eq!(c, r#""wedding shoes, ""ivory""""#);
    }

    #[test]
    fn numbers_print_short() {
        let mut s = String::new();
        render(&Value::Num(cents_for_test(42.5)), &mut s);
        render(&Value::Num(40.0), &mut s);
        assert_eq!(s, "42.540");
    }

    fn cents_for_test(x: f64) -> f64 {
        crate::gen::rng::cents(x)
    }
}

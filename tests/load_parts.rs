//! NDJSON and CSV files read in parts on several threads (issue 12) load exactly like files
//! read whole: the same store (rows, order, user indexes, string codes), the same counts, and
//! the same first error, with its line, wherever the cuts fall.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use seg::schema::Schema;
use seg::store::load::{load_file_in_parts, Kind, OnBadRow};
use seg::store::StoreBuilder;

const SCHEMA: &str = "[events.buy]\nvalue = \"number\"\nnote = \"string\"\n[events.login]\n\
                      [profile]\ncountry = \"string\"\n";

/// Larger than every file here: one part, the whole file.
const WHOLE: usize = 1 << 30;

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seg-parts-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Everything a load leaves: the store (or the error), and the counts.
fn load(path: &Path, kind: Kind, on_bad_row: OnBadRow, part_bytes: usize) -> String {
    let schema = Schema::from_toml(seg::source::FileId(0), SCHEMA).unwrap();
    load_described(&schema, path, kind, on_bad_row, part_bytes)
}

/// A load of `path` in parts of `part_bytes`, as text to compare: the store (its hash tables
/// left out, whose layout depends on the order of growth) or the error, then the counts.
pub(crate) fn load_described(
    schema: &Schema,
    path: &Path,
    kind: Kind,
    on_bad_row: OnBadRow,
    part_bytes: usize,
) -> String {
    let mut builder = StoreBuilder::new(schema);
    let mut report = seg::store::load::LoadReport::default();
    let result = load_file_in_parts(
        &mut builder,
        kind,
        path,
        on_bad_row,
        &mut report,
        part_bytes,
    );
    let outcome = match result {
        Ok(()) => without_hash_tables(&format!("{:?}", builder.finish())),
        Err(e) => format!("error: {e}"),
    };
    format!(
        "{outcome}\nrows {} skipped {} unknown {:?}",
        report.rows, report.skipped, report.unknown
    )
}

/// Loads `path` in parts of many sizes, both ways of treating bad rows, and checks each
/// against the whole read; returns the whole read's outcomes (fail, skip).
fn same_in_parts(path: &Path, kind: Kind) -> (String, String) {
    let whole = (
        load(path, kind, OnBadRow::Fail, WHOLE),
        load(path, kind, OnBadRow::Skip, WHOLE),
    );
    for part_bytes in [1, 2, 3, 5, 8, 13, 40, 100, 333, 1000] {
        for (on_bad_row, expected) in [(OnBadRow::Fail, &whole.0), (OnBadRow::Skip, &whole.1)] {
            let parts = load(path, kind, on_bad_row, part_bytes);
            assert_eq!(
                &parts,
                expected,
                "{} in parts of {part_bytes} bytes ({on_bad_row:?})",
                path.display()
            );
        }
    }
    whole
}

/// Events of many users, of every kind a loader meets: properties in any order, unknown
/// event types and properties, missing values; `bad` rows (line, text) replace the lines.
fn events(lines: usize, bad: &[(usize, &str)]) -> String {
    let mut text = String::from("\u{feff}");
    for line in 1..=lines {
        if let Some((_, row)) = bad.iter().find(|(at, _)| *at == line) {
            text.push_str(row);
        } else {
            let user = format!("u{}", line / 3);
            let ts = format!("2026-0{}-1{}T10:00:00Z", 1 + line % 9, line % 10);
            let row = match line % 7 {
                0 => format!(r#"{{"user_id":"{user}","event":"login","ts":"{ts}"}}"#),
                1 => format!(r#"{{"event":"buy","value":{line},"user_id":"{user}","ts":"{ts}","note":"n{}"}}"#, line % 5),
                2 => format!(r#"{{"user_id":"{user}","event":"refund","ts":"{ts}","value":3}}"#),
                3 => format!(r#"{{"user_id":"{user}","event":"buy","ts":"{ts}","extra":"x","note":null}}"#),
                4 => String::new(),
                5 => format!("{{\"user_id\":\"{user}\",\"event\":\"buy\",\"ts\":\"{ts}\",\"note\":\"caf\u{e9} {line}\"}}\r"),
                _ => format!(r#"{{"user_id":"u{}","event":"buy","ts":"{ts}","value":0.5}}"#, line % 11),
            };
            text.push_str(&row);
        }
        text.push('\n');
    }
    text
}

#[test]
fn ndjson_read_in_parts_loads_like_the_whole_file() {
    let path = write("events.ndjson", events(300, &[]).as_bytes());
    let (fail, skip) = same_in_parts(&path, Kind::Events);
    assert!(fail.contains("rows 257 skipped 0"), "{fail}");
    assert_eq!(fail, skip);
}

#[test]
fn the_first_bad_row_of_a_file_read_in_parts_is_reported_with_its_line() {
    let bad = [
        (
            250,
            r#"{"user_id":"u1","event":"buy","ts":"2026-01-01T00:00:00Z","value":"abc"}"#,
        ),
        (251, "{not json"),
        (290, r#"{"user_id":"u1","event":"buy"}"#),
    ];
    let path = write("events.ndjson", events(300, &bad).as_bytes());
    let (fail, skip) = same_in_parts(&path, Kind::Events);
    assert!(
        fail.starts_with(&format!(
            "error: {}:250: `value` must be a number",
            path.display()
        )),
        "{fail}"
    );
    assert!(skip.contains("skipped 3"), "{skip}");
}

/// The same events as CSV, with quoted fields that hold commas, quotes and line breaks (CRLF
/// too), so that many cuts would fall inside a quoted field.
fn csv_events(rows: usize, bad: &[(usize, &str)]) -> String {
    let mut text = String::from("user_id,event,ts,value,note,extra\n");
    for row in 1..=rows {
        if let Some((_, line)) = bad.iter().find(|(at, _)| *at == row) {
            text.push_str(line);
            text.push('\n');
            continue;
        }
        let user = format!("u{}", row / 3);
        let ts = format!("2026-0{}-1{}T10:00:00Z", 1 + row % 9, row % 10);
        let note = match row % 6 {
            0 => "\"two\nlines\"".to_string(),
            1 => format!("\"a,b \"\"{row}\"\"\""),
            2 => "\"\r\n\"".to_string(),
            3 => String::new(),
            4 => "\"\"\"\nx\"".to_string(),
            _ => format!("plain{row}"),
        };
        let event = if row % 10 == 0 { "refund" } else { "buy" };
        let extra = if row % 4 == 0 { "e" } else { "" };
        let _ = writeln!(text, "{user},{event},{ts},{row},{note},{extra}");
    }
    text
}

#[test]
fn csv_with_quoted_line_breaks_read_in_parts_loads_like_the_whole_file() {
    let path = write("events.csv", csv_events(200, &[]).as_bytes());
    let (fail, skip) = same_in_parts(&path, Kind::Events);
    assert!(fail.contains("rows 200 skipped 0"), "{fail}");
    assert!(fail.contains("two\\nlines"), "{fail}");
    assert_eq!(fail, skip);
}

#[test]
fn csv_bad_rows_read_in_parts_are_reported_and_counted_as_whole() {
    let bad = [
        (120, "u1,buy,2026-01-01T00:00:00Z,abc,,"),
        // A quoted field over two lines: a good row.
        (150, "u1,buy,2026-01-01T00:00:00Z,1,\"runs\nover,x\",y"),
        (170, "u1,buy"),
    ];
    let path = write("events.csv", csv_events(200, &bad).as_bytes());
    let (fail, skip) = same_in_parts(&path, Kind::Events);
    // The header is line 1, and the rows before 120 hold 59 line breaks in quoted fields.
    assert!(
        fail.starts_with(&format!(
            "error: {}:180: `value` must be a number, found `abc`",
            path.display()
        )),
        "{fail}"
    );
    assert!(skip.contains("skipped 2"), "{skip}");
}

#[test]
fn csv_with_crlf_and_blank_lines_read_in_parts_reports_the_lines_as_whole() {
    let bad = [(30, "u1,buy,2026-01-01T00:00:00Z,abc,,"), (31, "u1,buy")];
    let text = csv_events(60, &bad)
        .replace('\n', "\r\n")
        .replace("u1,", "\r\n\nu1,");
    let path = write("events.csv", text.as_bytes());
    let (fail, skip) = same_in_parts(&path, Kind::Events);
    assert!(fail.starts_with("error: "), "{fail}");
    assert!(skip.contains("skipped 2"), "{skip}");
}

#[test]
fn an_unclosed_quote_read_in_parts_is_reported_as_whole() {
    let bad = [(60, "u1,buy,2026-01-01T00:00:00Z,1,\"never closed,")];
    let path = write("events.csv", csv_events(80, &bad).as_bytes());
    let (fail, _) = same_in_parts(&path, Kind::Events);
    assert!(
        fail.starts_with(&format!(
            "error: {}:90: the quoted field opened at line 90, column 31",
            path.display()
        )),
        "{fail}"
    );
}

#[test]
fn profiles_read_in_parts_load_like_the_whole_file() {
    let mut text = String::from("user_id,ts,country\n");
    for row in 0..150 {
        let ts = if row % 3 == 0 { "" } else { "2026-02-01" };
        let _ = writeln!(
            text,
            "u{},{ts},{}",
            row % 40,
            ["FR", "", "\"U\nS\""][row % 3]
        );
    }
    let path = write("profiles.csv", text.as_bytes());
    same_in_parts(&path, Kind::Profiles);
}

/// A store's `Debug` text without the hash tables of its indexes, whose layout depends on how
/// they grew (the ids, in index order, and every column are kept).
fn without_hash_tables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("index: {") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').map_or(rest.len(), |e| at + e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

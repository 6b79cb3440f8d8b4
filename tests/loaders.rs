//! Loading bad and unusual input through the real binary: every bad row is reported with its
//! file and line and exit code 1 (or skipped and counted with `--on-bad-row skip`); unusual but
//! valid input (BOM, CRLF, empty files, quoted CSV fields, a 10 MB line) loads.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use seg::schema::FieldType;

const SCHEMA: &str = "[events.buy]\nvalue = \"number\"\nnote = \"string\"\n[events.login]\n[profile]\ncountry = \"string\"\n";
const SEGMENTS: &str = "segment buyers = did(buy)\nsegment big = sum(buy.value) > 10\nsegment noted = did(buy where note contains \"a,b\")\n";

fn dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seg-load-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schema.toml"), SCHEMA).unwrap();
    std::fs::write(dir.join("s.seg"), SEGMENTS).unwrap();
    dir
}

fn eval(dir: &Path, events: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args([
            "eval",
            "--schema",
            "schema.toml",
            "--as-of",
            "2026-11-15T12:00:00Z",
            "--events",
            events,
        ])
        .args(extra)
        .arg("s.seg")
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `name` with `bytes` and evaluates it.
fn eval_file(name: &str, bytes: &[u8], extra: &[&str]) -> Output {
    let dir = dir();
    std::fs::write(dir.join(name), bytes).unwrap();
    eval(&dir, name, extra)
}

fn assert_bad_row(output: &Output, location: &str, reason: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    let err = stderr(output);
    assert!(
        err.contains(location) && err.contains(reason),
        "expected `{location}` and `{reason}` in: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

const GOOD: &str =
    "{\"user_id\":\"u1\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":20}\n";

#[test]
fn truncated_line() {
    let text = format!("{GOOD}{{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-");
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "ends early",
    );
}

#[test]
fn wrong_type() {
    let text = format!("{GOOD}{{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":\"abc\"}}\n");
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "`value` must be a number",
    );
    let csv = "user_id,event,ts,value\nu1,buy,2026-11-01,abc\n";
    assert_bad_row(
        &eval_file("e.csv", csv.as_bytes(), &[]),
        "e.csv:2:",
        "`value` must be a number",
    );
}

#[test]
fn bad_timestamp() {
    let text = "{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-13-01T10:00:00Z\"}\n";
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:1:",
        "ts",
    );
    let csv = "user_id,event,ts\nu1,buy,yesterday\n";
    assert_bad_row(&eval_file("e.csv", csv.as_bytes(), &[]), "e.csv:2:", "ts");
}

#[test]
fn missing_keys() {
    for (line, key) in [
        (
            "{\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}",
            "user_id",
        ),
        (
            "{\"user_id\":\"u1\",\"ts\":\"2026-11-01T10:00:00Z\"}",
            "event",
        ),
        ("{\"user_id\":\"u1\",\"event\":\"buy\"}", "ts"),
        (
            "{\"user_id\":\"\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}",
            "user_id",
        ),
    ] {
        let text = format!("{GOOD}{line}\n");
        assert_bad_row(
            &eval_file("e.ndjson", text.as_bytes(), &[]),
            "e.ndjson:2:",
            key,
        );
    }
}

#[test]
fn not_flat_or_not_an_object() {
    let text = format!("{GOOD}{{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":{{\"a\":1}}}}\n[1,2]\n");
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "not a flat JSON object",
    );
}

#[test]
fn skipped_rows_are_counted() {
    let text = format!("{GOOD}not json\n{{\"user_id\":\"u3\",\"event\":\"buy\"}}\n");
    let output = eval_file("e.ndjson", text.as_bytes(), &["--on-bad-row", "skip"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("skipped 2 bad rows"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("buyers,u1"));
}

#[test]
fn unknown_properties_and_events_are_counted_in_a_warning() {
    let text = format!("{GOOD}{{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"coupon\":\"X\"}}\n{{\"user_id\":\"u2\",\"event\":\"refund\",\"ts\":\"2026-11-01T10:00:00Z\"}}\n");
    let output = eval_file("e.ndjson", text.as_bytes(), &[]);
    assert_eq!(output.status.code(), Some(0));
    let err = stderr(&output);
    assert!(
        err.contains("buy.coupon (1)") && err.contains("event type refund (1)"),
        "{err}"
    );
}

#[test]
fn byte_order_mark_and_crlf_load() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(GOOD.replace('\n', "\r\n").as_bytes());
    bytes.extend(
        b"{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":1}\r\n",
    );
    let output = eval_file("e.ndjson", &bytes, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "segment,user_id\nbig,u1\nbuyers,u1\nbuyers,u2\n"
    );
    let mut csv = b"\xEF\xBB\xBFuser_id,event,ts,value\r\n".to_vec();
    csv.extend(b"u1,buy,2026-11-01T10:00:00Z,20\r\n");
    let output = eval_file("e.csv", &csv, &[]);
    assert_eq!(
        stdout(&output),
        "segment,user_id\nbig,u1\nbuyers,u1\n",
        "{}",
        stderr(&output)
    );
}

#[test]
fn empty_files_load() {
    let output = eval_file("e.ndjson", b"", &[]);
    assert_eq!(
        (output.status.code(), stdout(&output).as_str()),
        (Some(0), "segment,user_id\n")
    );
    let output = eval_file("e.csv", b"", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn quoted_csv_fields_with_commas_and_newlines() {
    let csv = "user_id,event,ts,note,value\nu1,buy,2026-11-01,\"x a,b\nsecond line \"\"quoted\"\"\",3\nu2,buy,2026-11-01,plain,4\n";
    let output = eval_file("e.csv", csv.as_bytes(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("noted,u1") && !stdout(&output).contains("noted,u2"),
        "{}",
        stdout(&output)
    );
    let bad = "user_id,event,ts,value\nu1,buy,2026-11-01,1\nu2,buy\n";
    assert_bad_row(
        &eval_file("e.csv", bad.as_bytes(), &[]),
        "e.csv:3:",
        "fields",
    );
}

#[test]
fn a_ten_megabyte_line_loads() {
    let note = "a,b".repeat(10 * 1024 * 1024 / 3);
    let text = format!("{{\"user_id\":\"u9\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"note\":\"{note}\"}}\n");
    assert!(text.len() > 10_000_000);
    let output = eval_file("e.ndjson", text.as_bytes(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("noted,u9"));
}

#[test]
fn invalid_utf8_is_a_bad_row() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend(b"{\"user_id\":\"u\xff\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}\n");
    assert_bad_row(&eval_file("e.ndjson", &bytes, &[]), "e.ndjson:2:", "UTF-8");
}

#[test]
fn a_missing_data_file_is_an_io_error() {
    let dir = dir();
    let output = eval(&dir, "nope.ndjson", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope.ndjson"));
}

#[test]
fn parquet_holds_the_same_data_as_ndjson() {
    let dir = dir();
    let text = concat!(
        "{\"user_id\":\"u1\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00.5Z\",\"value\":20,\"note\":\"x a,b\"}\n",
        "{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-02T10:00:00Z\",\"value\":3}\n",
        "{\"user_id\":\"u3\",\"event\":\"login\",\"ts\":\"2026-11-02T10:00:00Z\"}\n",
    );
    std::fs::write(dir.join("e.ndjson"), text).unwrap();
    let schema = seg::schema::Schema::from_toml(seg::source::FileId(0), SCHEMA).unwrap();
    seg::store::parquet::ndjson_to_parquet(
        &schema,
        seg::store::load::Kind::Events,
        &dir.join("e.ndjson"),
        &dir.join("e.parquet"),
    )
    .unwrap();
    let from_ndjson = eval(&dir, "e.ndjson", &[]);
    let from_parquet = eval(&dir, "e.parquet", &[]);
    assert_eq!(
        from_parquet.status.code(),
        Some(0),
        "{}",
        stderr(&from_parquet)
    );
    assert_eq!(stdout(&from_ndjson), stdout(&from_parquet));
    assert_eq!(
        stdout(&from_parquet),
        "segment,user_id\nbig,u1\nbuyers,u1\nbuyers,u2\nnoted,u1\n"
    );
}

#[test]
fn a_file_that_is_not_parquet_is_an_error() {
    let output = eval_file("e.parquet", b"PAR1 not really", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("e.parquet: not a readable Parquet file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn infer_schema_drafts_types_from_every_format() {
    let dir = dir();
    std::fs::write(
        dir.join("e.ndjson"),
        "{\"user_id\":\"u1\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":20,\"paid_at\":\"2026-11-01T10:00:00Z\",\"gift\":true}\n{\"user_id\":\"u1\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":\"n/a\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p.csv"),
        "user_id,country,age,vip\nu1,DE,31,true\nu2,,40,false\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["infer-schema", "e.ndjson", "p.csv"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let schema = seg::schema::Schema::from_toml(seg::source::FileId(0), &text)
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    let buy = schema.event(schema.event_id("buy").unwrap());
    let ty = |name: &str| buy.property(name).unwrap().1.ty;
    assert_eq!(
        (ty("value"), ty("paid_at"), ty("gift")),
        (FieldType::String, FieldType::Timestamp, FieldType::Bool)
    );
    let profile = |name: &str| schema.profile_attribute(name).unwrap().1.ty;
    assert_eq!(
        (profile("country"), profile("age"), profile("vip")),
        (FieldType::String, FieldType::Number, FieldType::Bool)
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["infer-schema", "missing.ndjson"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn bad_parquet_rows_are_reported_with_their_row_number() {
    use seg::store::load::Cell;
    use seg::store::parquet::ParquetWriter;
    let dir = dir();
    let text = |s: &str| Some(Cell::Text(s.to_string()));
    let columns = |names: &[(&str, FieldType)]| {
        names
            .iter()
            .map(|(n, t)| ((*n).to_string(), *t))
            .collect::<Vec<_>>()
    };
    // `value` written as strings: the second row's is not a number.
    let mut writer = ParquetWriter::create(
        &dir.join("typed.parquet"),
        columns(&[
            ("user_id", FieldType::String),
            ("event", FieldType::String),
            ("ts", FieldType::Timestamp),
            ("value", FieldType::String),
            ("coupon", FieldType::String),
        ]),
    )
    .unwrap();
    writer
        .push(vec![
            text("u1"),
            text("buy"),
            Some(Cell::Instant(1)),
            None,
            text("X"),
        ])
        .unwrap();
    writer
        .push(vec![
            text("u2"),
            text("buy"),
            Some(Cell::Instant(1)),
            text("abc"),
            None,
        ])
        .unwrap();
    writer.finish().unwrap();
    let output = eval(&dir, "typed.parquet", &[]);
    assert_bad_row(
        &output,
        "typed.parquet:2:",
        "`value` must be a number, found a string",
    );
    let skipped = eval(&dir, "typed.parquet", &["--on-bad-row", "skip"]);
    assert_eq!(skipped.status.code(), Some(0), "{}", stderr(&skipped));
    assert!(
        stderr(&skipped).contains("skipped 1 bad rows")
            && stderr(&skipped).contains("buy.coupon (1)"),
        "{}",
        stderr(&skipped)
    );
    // No `ts` column at all.
    let mut writer = ParquetWriter::create(
        &dir.join("nots.parquet"),
        columns(&[("user_id", FieldType::String), ("event", FieldType::String)]),
    )
    .unwrap();
    writer.push(vec![text("u1"), text("buy")]).unwrap();
    writer.finish().unwrap();
    assert_bad_row(
        &eval(&dir, "nots.parquet", &[]),
        "nots.parquet:1:",
        "no `ts`",
    );
}

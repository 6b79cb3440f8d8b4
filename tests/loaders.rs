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
        "`value` holds a JSON object: values must be a string, number, bool or null",
    );
    let text = format!("{GOOD}[1,2]\n");
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
        "nots.parquet: in the schema:",
        "there is no `ts` column",
    );
}

/// Runs `seg ARGS` in `dir`.
fn seg(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Evaluates `s.seg` over `events` and the profile and account files named in `extra`.
fn eval_in(dir: &Path, events: &str, extra: &[&str]) -> Output {
    eval(dir, events, extra)
}

#[test]
fn a_duplicated_json_key_is_a_bad_row_naming_the_key() {
    for (line, key) in [
        ("{\"user_id\":\"a\",\"user_id\":\"b\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}", "user_id"),
        ("{\"user_id\":\"a\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":1,\"value\":30}", "value"),
        ("{\"user_id\":\"a\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"coupon\":1,\"coupon\":2}", "coupon"),
    ] {
        let text = format!("{GOOD}{line}\n");
        let output = eval_file("e.ndjson", text.as_bytes(), &[]);
        assert_bad_row(&output, "e.ndjson:2:", &format!("the key `{key}` appears twice"));
    }
    // Profiles and accounts too.
    let dir = dir();
    std::fs::write(dir.join("e.ndjson"), GOOD).unwrap();
    std::fs::write(
        dir.join("p.ndjson"),
        "{\"user_id\":\"u1\",\"country\":\"DE\",\"country\":\"FR\"}\n",
    )
    .unwrap();
    let output = eval_in(&dir, "e.ndjson", &["--profiles", "p.ndjson"]);
    assert_bad_row(&output, "p.ndjson:1:", "the key `country` appears twice");
    std::fs::write(
        dir.join("a.ndjson"),
        "{\"account_id\":\"a1\",\"account_id\":\"a2\"}\n",
    )
    .unwrap();
    let output = eval_in(&dir, "e.ndjson", &["--accounts", "a.ndjson"]);
    assert_bad_row(&output, "a.ndjson:1:", "the key `account_id` appears twice");
}

#[test]
fn a_duplicated_csv_column_is_a_bad_header_whatever_on_bad_row_says() {
    let csv = "user_id,event,ts,value,value\nu1,buy,2026-11-01,1,30\n";
    for extra in [&[][..], &["--on-bad-row", "skip"][..]] {
        let output = eval_file("e.csv", csv.as_bytes(), extra);
        assert_bad_row(
            &output,
            "e.csv:1:",
            "the column `value` appears twice (columns 4 and 5)",
        );
    }
    let dir = dir();
    std::fs::write(dir.join("e.ndjson"), GOOD).unwrap();
    std::fs::write(dir.join("p.csv"), "user_id,country,user_id\nu1,DE,u2\n").unwrap();
    let output = eval_in(&dir, "e.ndjson", &["--profiles", "p.csv"]);
    assert_bad_row(&output, "p.csv:1:", "the column `user_id` appears twice");
}

#[test]
fn a_header_without_the_required_columns_fails_once_with_a_hint() {
    let cases = [
        (
            "user_id;event;ts\nu1;buy;2026-11-01\n",
            "the header has one column `user_id;event;ts`: is the separator `;`?",
        ),
        (
            " user_id,event,ts\nu1,buy,2026-11-01\n",
            "there is no `user_id` column: ` user_id` has a leading space",
        ),
        ("user_id,event,TS\nu1,buy,2026-11-01\n", "is it `TS`?"),
    ];
    for (csv, reason) in cases {
        for extra in [&[][..], &["--on-bad-row", "skip"][..]] {
            let output = eval_file("e.csv", csv.as_bytes(), extra);
            assert_bad_row(&output, "e.csv:1:", reason);
            assert!(!stderr(&output).contains("e.csv:2"), "{}", stderr(&output));
        }
    }
    let dir = dir();
    std::fs::write(dir.join("e.ndjson"), GOOD).unwrap();
    std::fs::write(dir.join("p.csv"), "id,country\nu1,DE\n").unwrap();
    let output = eval_in(
        &dir,
        "e.ndjson",
        &["--profiles", "p.csv", "--on-bad-row", "skip"],
    );
    assert_bad_row(
        &output,
        "p.csv:1:",
        "there is no `user_id` column (the columns are `id`, `country`)",
    );
    std::fs::write(dir.join("a.csv"), "account_id\tplan\na1\tpro\n").unwrap();
    let output = eval_in(&dir, "e.ndjson", &["--accounts", "a.csv"]);
    assert_bad_row(&output, "a.csv:1:", "is the separator a tab?");
}

#[test]
fn a_user_whose_events_are_all_of_undeclared_types_is_still_a_user() {
    let dir = dir();
    std::fs::write(dir.join("q.seg"), "segment quiet = not did(buy)\n").unwrap();
    let ndjson = format!(
        "{GOOD}{{\"user_id\":\"u2\",\"event\":\"refund\",\"ts\":\"2026-11-01T10:00:00Z\"}}\n"
    );
    std::fs::write(dir.join("e.ndjson"), &ndjson).unwrap();
    std::fs::write(
        dir.join("e.csv"),
        "user_id,event,ts,value\nu1,buy,2026-11-01T10:00:00Z,20\nu2,refund,2026-11-01T10:00:00Z,\n",
    )
    .unwrap();
    let schema = seg::schema::Schema::from_toml(seg::source::FileId(0), SCHEMA).unwrap();
    seg::store::parquet::ndjson_to_parquet(
        &schema,
        seg::store::load::Kind::Events,
        &dir.join("e.ndjson"),
        &dir.join("e.parquet"),
    )
    .unwrap();
    for file in ["e.ndjson", "e.csv", "e.parquet"] {
        let output = seg(
            &dir,
            &[
                "eval",
                "--schema",
                "schema.toml",
                "--as-of",
                "2026-11-15T12:00:00Z",
                "--events",
                file,
                "q.seg",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
        assert_eq!(stdout(&output), "segment,user_id\nquiet,u2\n", "{file}");
        assert!(
            stderr(&output).contains("event type refund (1)"),
            "{file}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_timestamp_without_a_zone_is_utc_everywhere() {
    let dir = dir();
    std::fs::write(
        dir.join("t.seg"),
        "segment early = did(buy before 2026-11-01T10:00:01Z)\nsegment late = did(buy after 2026-11-01T10:00:00Z)\n",
    )
    .unwrap();
    let ndjson = "{\"user_id\":\"u1\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00\"}\n";
    std::fs::write(dir.join("e.ndjson"), ndjson).unwrap();
    std::fs::write(
        dir.join("e.csv"),
        "user_id,event,ts\nu1,buy,2026-11-01T10:00:00\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("s.csv"),
        "user_id,event,ts\nu1,buy,2026-11-01 10:00:00\n",
    )
    .unwrap();
    let schema = seg::schema::Schema::from_toml(seg::source::FileId(0), SCHEMA).unwrap();
    // Parquet with `ts` as strings.
    seg::store::parquet::ndjson_to_parquet(
        &schema,
        seg::store::load::Kind::Events,
        &dir.join("e.ndjson"),
        &dir.join("e.parquet"),
    )
    .ok();
    {
        use seg::store::load::Cell;
        let mut writer = seg::store::parquet::ParquetWriter::create(
            &dir.join("e.parquet"),
            vec![
                ("user_id".to_string(), FieldType::String),
                ("event".to_string(), FieldType::String),
                ("ts".to_string(), FieldType::String),
            ],
        )
        .unwrap();
        writer
            .push(vec![
                Some(Cell::Text("u1".into())),
                Some(Cell::Text("buy".into())),
                Some(Cell::Text("2026-11-01T10:00:00".into())),
            ])
            .unwrap();
        writer.finish().unwrap();
    }
    for file in ["e.ndjson", "e.csv", "s.csv", "e.parquet"] {
        // `--as-of` without a zone is UTC too: the event at 10:00 is before 10:00:01.
        let output = seg(
            &dir,
            &[
                "eval",
                "--schema",
                "schema.toml",
                "--as-of",
                "2026-11-01T10:00:01",
                "--events",
                file,
                "t.seg",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "segment,user_id\nearly,u1\nlate,u1\n",
            "{file}"
        );
        let before = seg(
            &dir,
            &[
                "eval",
                "--schema",
                "schema.toml",
                "--as-of",
                "2026-11-01T10:00:00",
                "--events",
                file,
                "t.seg",
            ],
        );
        assert_eq!(
            stdout(&before),
            "segment,user_id\n",
            "{file}: {}",
            stderr(&before)
        );
    }
    // A `.segtest` file: TOML local date-times and strings without a zone.
    std::fs::write(
        dir.join("t.segtest"),
        "schema = \"schema.toml\"\nsegments = [\"t.seg\"]\nas_of = \"2026-11-01T10:00:01\"\nevents = [\n  { user_id = \"u1\", event = \"buy\", ts = 2026-11-01T10:00:00 },\n  { user_id = \"u2\", event = \"buy\", ts = \"2026-11-01T10:00:01\" },\n]\n[expect.early]\nmembers = [\"u1\"]\nnon_members = [\"u2\"]\n",
    )
    .unwrap();
    let output = seg(&dir, &["test", "t.segtest"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    // A literal in a segment file without a zone is UTC too (tests/check.rs compares it with
    // the same literal with `Z`).
    std::fs::write(
        dir.join("z.seg"),
        "segment z = did(buy before 2026-11-01T10:00:00)\n",
    )
    .unwrap();
    let output = seg(&dir, &["check", "--schema", "schema.toml", "z.seg"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn nan_and_infinity_are_refused_in_segtest_rows_as_in_data() {
    let dir = dir();
    std::fs::write(dir.join("t.seg"), "segment big = sum(buy.value) > 10\n").unwrap();
    std::fs::write(
        dir.join("t.segtest"),
        "schema = \"schema.toml\"\nsegments = [\"t.seg\"]\nas_of = 2026-11-15T12:00:00Z\nevents = [\n  { user_id = \"u1\", event = \"buy\", ts = 2026-11-01T10:00:00Z, value = nan },\n]\n[expect.big]\nnon_members = [\"u1\"]\n",
    )
    .unwrap();
    let output = seg(&dir, &["test", "t.segtest"]);
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("t.segtest:5:") && text.contains("`value` must be a number, found `NaN`"),
        "{text}"
    );
}

#[test]
fn an_unclosed_csv_quote_says_where_it_opened() {
    let csv = "user_id,event,ts,note\nu1,buy,2026-11-01,\"abc\nu2,buy,2026-11-02,x\nu3,buy,2026-11-02,y\n";
    for extra in [&[][..], &["--on-bad-row", "skip"][..]] {
        let output = eval_file("e.csv", csv.as_bytes(), extra);
        if extra.is_empty() {
            assert_bad_row(
                &output,
                "e.csv:2:",
                "the quote opened at line 2, column 19 is never closed",
            );
        } else {
            assert!(
                stderr(&output).contains("skipped 1 bad rows"),
                "{}",
                stderr(&output)
            );
        }
    }
    // A stray quote that closes later shifts the fields: the message points at it.
    let csv = "user_id,event,ts,note\nu1,buy,2026-11-01,\"abc\nu2,buy,2026-11-02,\"x\"\n";
    assert_bad_row(
        &eval_file("e.csv", csv.as_bytes(), &[]),
        "e.csv:2:",
        "the quoted field opened at line 2, column 19 runs over several lines and text follows its closing quote",
    );
}

#[test]
fn a_file_without_an_extension_is_named_as_such() {
    // A regular file: `/dev/null` itself is refused earlier, as a device (tests/cli.rs).
    let dir = dir();
    std::fs::write(dir.join("events"), "").unwrap();
    let output = eval_in(&dir, "events", &[]);
    let err = stderr(&output);
    assert_ne!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("events: the file name has no extension to tell its format: name it with .ndjson, .jsonl or .json (NDJSON), .csv or .parquet"),
        "{err}"
    );
}

#[test]
fn a_number_out_of_range_and_ids_of_other_types_name_their_cause() {
    let text = format!("{GOOD}{{\"user_id\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"value\":1e999}}\n");
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "the number at column",
    );
    let text =
        format!("{GOOD}{{\"user_id\":42,\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}}\n");
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "`user_id` must be a string, found a number",
    );
    let csv = "user_id,event,ts,value\nu1,buy,2026-11-01,NaN\n";
    assert_bad_row(
        &eval_file("e.csv", csv.as_bytes(), &[]),
        "e.csv:2:",
        "`value` must be a number, found `NaN`",
    );
}

#[test]
fn a_line_longer_than_the_limit_is_a_bad_row_and_one_at_the_limit_loads() {
    let dir = dir();
    let head = "{\"user_id\":\"u9\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\",\"note\":\"";
    let tail = "\"}";
    let fill = seg::store::MAX_ROW_BYTES - head.len() - tail.len();
    let at = format!("{head}{}{tail}", "a".repeat(fill));
    assert_eq!(at.len(), seg::store::MAX_ROW_BYTES);
    std::fs::write(dir.join("at.ndjson"), format!("{at}\r\n")).unwrap();
    let output = eval_in(&dir, "at.ndjson", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("buyers,u9"));
    let over = format!("{head}{}{tail}", "a".repeat(fill + 1));
    std::fs::write(dir.join("over.ndjson"), format!("{GOOD}{over}\n{GOOD}")).unwrap();
    assert_bad_row(
        &eval_in(&dir, "over.ndjson", &[]),
        "over.ndjson:2:",
        "the line is longer than 16 MiB, the limit for one row",
    );
    let skipped = eval_in(&dir, "over.ndjson", &["--on-bad-row", "skip"]);
    assert_eq!(skipped.status.code(), Some(0), "{}", stderr(&skipped));
    assert!(
        stderr(&skipped).contains("skipped 1 bad rows"),
        "{}",
        stderr(&skipped)
    );
}

#[test]
fn a_json_row_without_a_key_names_a_near_one() {
    let text =
        format!("{GOOD}{{\"User_ID\":\"u2\",\"event\":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}}\n");
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "the row has no `user_id`: is it `User_ID`?",
    );
    let text = format!(
        "{GOOD}{{\"user_id\":\"u2\",\"event \":\"buy\",\"ts\":\"2026-11-01T10:00:00Z\"}}\n"
    );
    assert_bad_row(
        &eval_file("e.ndjson", text.as_bytes(), &[]),
        "e.ndjson:2:",
        "the row has no `event`: `event ` has a trailing space",
    );
}

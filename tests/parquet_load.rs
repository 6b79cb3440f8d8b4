//! Parquet loading, column by column: every encoding and row-group layout of the same rows
//! gives the same store as NDJSON (string codes aside), and bad rows, unknown names and
//! profile and account files keep the per-row loaders' rules, messages and row numbers.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int64Array, LargeStringArray, RecordBatch,
    StringArray, TimestampMillisecondArray, TimestampSecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use seg::schema::Schema;
use seg::store::load::{load_file, DataError, Kind, LoadReport, OnBadRow};
use seg::store::{Column, Store, StoreBuilder, Table};

const SCHEMA: &str = "[events.buy]\nvalue = \"number\"\nnote = \"string\"\nat = \"timestamp\"\n[events.login]\nmethod = \"string\"\n[profile]\ncountry = \"string\"\nvip = \"bool\"\n[account]\nplan = \"string\"\n";

fn schema() -> Schema {
    Schema::from_toml(seg::source::FileId(0), SCHEMA).unwrap()
}

fn dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seg-parquet-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn numbers(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

/// Writes `columns` as one Parquet file with `properties`.
fn write(path: &Path, columns: Vec<(&str, ArrayRef)>, properties: WriterProperties) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn load(schema: &Schema, files: &[(Kind, &Path)], on_bad_row: OnBadRow) -> (Store, LoadReport) {
    let mut builder = StoreBuilder::new(schema);
    let mut report = LoadReport::default();
    for (kind, path) in files {
        load_file(&mut builder, *kind, path, on_bad_row, &mut report).unwrap();
    }
    (builder.finish(), report)
}

fn load_error(path: &Path, kind: Kind) -> DataError {
    let schema = schema();
    let mut builder = StoreBuilder::new(&schema);
    let mut report = LoadReport::default();
    load_file(&mut builder, kind, path, OnBadRow::Fail, &mut report).unwrap_err()
}

/// A table as text: each entity's rows with their values, strings decoded.
fn dump_table(store: &Store, table: &Table, ids: &[Box<str>]) -> String {
    let mut out = String::new();
    for (entity, id) in ids.iter().enumerate() {
        for row in table.rows(u32::try_from(entity).unwrap()) {
            write!(out, "{id} {}", table.ts[row]).unwrap();
            for column in &table.columns {
                let value = if column.is_missing(row) {
                    "-".to_string()
                } else {
                    match column {
                        Column::Number(v) => v[row].to_string(),
                        Column::Bool(v) => v[row].to_string(),
                        Column::Timestamp(v) => v[row].to_string(),
                        Column::String(v) => format!("{:?}", store.strings.get(v[row])),
                    }
                };
                out.push(' ');
                out.push_str(&value);
            }
            out.push('\n');
        }
    }
    out
}

fn dump(store: &Store) -> String {
    let mut out = format!(
        "users {:?}\naccounts {:?}\n",
        store.users.ids, store.accounts.ids
    );
    for (i, table) in store.events.iter().enumerate() {
        write!(
            out,
            "events {i}\n{}",
            dump_table(store, table, &store.users.ids)
        )
        .unwrap();
    }
    write!(
        out,
        "profiles\n{}",
        dump_table(store, &store.profiles, &store.users.ids)
    )
    .unwrap();
    write!(
        out,
        "accounts\n{}",
        dump_table(store, &store.account_rows, &store.accounts.ids)
    )
    .unwrap();
    out
}

/// Event rows: user, event, ts (ms), value, note, method, an undeclared `coupon`. Users come
/// in blocks, one block out of time order, one user in two blocks; one event type is unknown.
type Event = (
    &'static str,
    &'static str,
    i64,
    Option<f64>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const EVENTS: &[Event] = &[
    ("u1", "buy", 5_000, Some(20.0), Some("x a,b"), None, None),
    ("u1", "login", 6_000, None, None, Some("apple"), None),
    ("u1", "buy", 7_000, Some(1.5), None, None, Some("C1")),
    ("u2", "buy", 9_000, Some(3.0), Some("plain"), None, None),
    ("u2", "buy", 8_000, None, Some("x a,b"), None, None),
    ("u2", "buy", 8_000, Some(4.0), Some(""), None, None),
    ("u3", "refund", 1_000, Some(9.0), None, None, None),
    ("u3", "login", 2_000, None, None, Some("google"), None),
    ("u1", "buy", 1_000, Some(7.0), Some("plain"), None, None),
    ("u4", "login", 3_000, None, None, Some("apple"), Some("C2")),
];

fn events_ndjson(path: &Path) {
    let mut text = String::new();
    for (user, event, ts, value, note, method, coupon) in EVENTS {
        let at = time(*ts);
        write!(
            text,
            "{{\"user_id\":\"{user}\",\"event\":\"{event}\",\"ts\":\"{at}\",\"at\":\"{at}\""
        )
        .unwrap();
        if let Some(v) = value {
            write!(text, ",\"value\":{v}").unwrap();
        }
        for (key, s) in [("note", note), ("method", method), ("coupon", coupon)] {
            if let Some(s) = s {
                write!(text, ",\"{key}\":\"{s}\"").unwrap();
            }
        }
        text.push_str("}\n");
    }
    std::fs::write(path, text).unwrap();
}

fn time(ms: i64) -> String {
    format!("2026-11-01T10:00:{:02}.{:03}Z", ms / 1000, ms % 1000)
}

fn events_parquet(path: &Path, properties: WriterProperties, large: bool) {
    let column = |f: fn(&Event) -> Option<&'static str>| -> ArrayRef {
        let values: Vec<Option<&str>> = EVENTS.iter().map(f).collect();
        if large {
            Arc::new(LargeStringArray::from(values))
        } else {
            strings(&values)
        }
    };
    let base = 1_793_527_200_000; // 2026-11-01T10:00:00Z in ms
    let ts: ArrayRef = Arc::new(
        TimestampMillisecondArray::from(EVENTS.iter().map(|e| base + e.2).collect::<Vec<_>>())
            .with_timezone("UTC"),
    );
    write(
        path,
        vec![
            ("user_id", column(|e| Some(e.0))),
            ("event", column(|e| Some(e.1))),
            ("ts", ts.clone()),
            (
                "value",
                numbers(&EVENTS.iter().map(|e| e.3).collect::<Vec<_>>()),
            ),
            ("note", column(|e| e.4)),
            ("method", column(|e| e.5)),
            ("coupon", column(|e| e.6)),
            ("at", ts),
        ],
        properties,
    );
}

#[test]
fn every_encoding_and_row_group_layout_gives_the_ndjson_store() {
    let dir = dir();
    let schema = schema();
    events_ndjson(&dir.join("e.ndjson"));
    let (store, report) = load(
        &schema,
        &[(Kind::Events, &dir.join("e.ndjson"))],
        OnBadRow::Fail,
    );
    let expected = dump(&store);
    assert!(
        expected.contains(concat!(
            "u2 1793527208000000 1793527208000000 \"x a,b\" -\n",
            "u2 1793527208000000 1793527208000000 \"\" 4\n",
            "u2 1793527209000000 1793527209000000 \"plain\" 3\n",
        )),
        "{expected}"
    );
    let layouts = [
        ("dictionary", WriterProperties::builder().build(), false),
        (
            "plain",
            WriterProperties::builder()
                .set_dictionary_enabled(false)
                .build(),
            false,
        ),
        (
            "dictionary, row groups of 3",
            WriterProperties::builder()
                .set_max_row_group_row_count(Some(3))
                .build(),
            false,
        ),
        (
            "plain, row groups of 4",
            WriterProperties::builder()
                .set_dictionary_enabled(false)
                .set_max_row_group_row_count(Some(4))
                .build(),
            false,
        ),
        ("large strings", WriterProperties::builder().build(), true),
    ];
    for (name, properties, large) in layouts {
        let path = dir.join("e.parquet");
        events_parquet(&path, properties, large);
        let (parquet_store, parquet_report) =
            load(&schema, &[(Kind::Events, &path)], OnBadRow::Fail);
        assert_eq!(dump(&parquet_store), expected, "{name}");
        assert_eq!(parquet_report.unknown, report.unknown, "{name}");
        // The rows read, the one of an unknown type too, in both formats.
        assert_eq!((parquet_report.rows, report.rows), (10, 10), "{name}");
    }
    assert_eq!(
        report.unknown_warning().unwrap(),
        "6 values not in the schema were ignored: buy.coupon (1), event type refund (1), login.at (3), login.coupon (1)"
    );
}

#[test]
fn only_loaded_strings_are_interned() {
    let dir = dir();
    let schema = schema();
    let path = dir.join("e.parquet");
    events_parquet(&path, WriterProperties::builder().build(), false);
    let (store, _) = load(&schema, &[(Kind::Events, &path)], OnBadRow::Fail);
    // Not `coupon`'s values (no property), nor those of the unknown event type.
    let mut seen: Vec<&str> = (0..store.strings.len())
        .map(|code| store.strings.get(u32::try_from(code).unwrap()))
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, ["", "apple", "google", "plain", "x a,b"]);
}

/// `buy` rows whose `value` column holds strings, in row groups of two rows; `ts` as
/// timestamps, or as plain integers.
fn bad_value_file(path: &Path, values: &[Option<&str>], timestamps: bool) {
    let n = values.len();
    let users: Vec<String> = (1..=n).map(|i| format!("u{i}")).collect();
    let users: Vec<Option<&str>> = users.iter().map(|u| Some(u.as_str())).collect();
    write(
        path,
        vec![
            ("user_id", strings(&users)),
            ("event", strings(&vec![Some("buy"); n])),
            (
                "ts",
                if timestamps {
                    Arc::new(TimestampMillisecondArray::from(vec![1_000_000; n]))
                } else {
                    Arc::new(Int64Array::from(vec![1_000_000; n]))
                },
            ),
            ("value", strings(values)),
        ],
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(2))
            .build(),
    );
}

#[test]
fn a_bad_row_in_a_later_row_group_reports_its_row_number() {
    let dir = dir();
    let path = dir.join("e.parquet");
    bad_value_file(
        &path,
        &[None, None, None, None, Some("abc"), None, Some("x")],
        true,
    );
    let error = load_error(&path, Kind::Events).to_string();
    assert!(
        error.ends_with("e.parquet:5: `value` must be a number, found a string"),
        "{error}"
    );
    let schema = schema();
    let (store, report) = load(&schema, &[(Kind::Events, &path)], OnBadRow::Skip);
    assert_eq!((report.rows, report.skipped), (5, 2));
    assert_eq!(store.users.ids.len(), 5, "bad rows add no users");
}

#[test]
fn integer_ts_and_a_missing_ts_column_fail_once_at_the_schema() {
    // `ts` as plain integers is not a timestamp: the file is refused before any row.
    let dir = dir();
    let path = dir.join("e.parquet");
    bad_value_file(&path, &[None, None, None], false);
    let error = load_error(&path, Kind::Events).to_string();
    assert!(
        error.ends_with(
            "e.parquet: in the schema: the column `ts` holds Int64: it must hold timestamps, dates or strings"
        ),
        "{error}"
    );
    write(
        &path,
        vec![
            ("user_id", strings(&[Some("u1")])),
            ("event", strings(&[Some("buy")])),
        ],
        WriterProperties::builder().build(),
    );
    let error = load_error(&path, Kind::Events).to_string();
    assert!(
        error.ends_with("e.parquet: in the schema: there is no `ts` column (the columns are `user_id`, `event`)"),
        "{error}"
    );
}

#[test]
fn profiles_and_accounts_load_column_by_column() {
    let dir = dir();
    let schema = schema();
    let profiles = dir.join("p.parquet");
    let users = [Some("u1"), Some("u2"), Some("u2"), Some("u3")];
    let ts: ArrayRef = Arc::new(
        TimestampMillisecondArray::from(vec![None, None, Some(1_793_527_200_000), None])
            .with_timezone("UTC"),
    );
    write(
        &profiles,
        vec![
            ("user_id", strings(&users)),
            ("ts", ts),
            ("age", numbers(&[Some(30.0), None, Some(40.0), Some(50.0)])),
            (
                "country",
                strings(&[Some("DE"), Some("US"), Some("FR"), None]),
            ),
            (
                "vip",
                Arc::new(BooleanArray::from(vec![
                    Some(true),
                    None,
                    Some(false),
                    Some(true),
                ])) as ArrayRef,
            ),
        ],
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .build(),
    );
    let accounts = dir.join("a.parquet");
    write(
        &accounts,
        vec![
            ("account_id", strings(&[Some("a1"), Some("a2")])),
            ("plan", strings(&[Some("pro"), None])),
        ],
        WriterProperties::builder().build(),
    );
    let (store, report) = load(
        &schema,
        &[(Kind::Profiles, &profiles), (Kind::Accounts, &accounts)],
        OnBadRow::Fail,
    );
    let text = dump(&store);
    assert!(
        text.contains(&format!(
            "profiles\nu1 {b} \"DE\" 1\nu2 {b} \"US\" -\nu2 1793527200000000 \"FR\" 0\nu3 {b} - 1\naccounts\na1 {b} \"pro\"\na2 {b} -\n",
            b = i64::MIN
        )),
        "{text}"
    );
    assert_eq!(report.rows, 6);
    assert_eq!(
        report.unknown_warning().unwrap(),
        "3 values not in the schema were ignored: profile.age (3)"
    );
}

#[test]
fn bad_profile_rows_keep_the_per_row_order_of_columns() {
    // `country` as numbers: rows with one are bad. The per-row loader reads columns in file
    // order, so `age` (before `country`) is counted for a bad row, `score` (after) is not.
    let dir = dir();
    let schema = schema();
    let path = dir.join("p.parquet");
    write(
        &path,
        vec![
            ("user_id", strings(&[Some("u1"), Some("u2"), Some("u3")])),
            ("age", numbers(&[Some(1.0), Some(2.0), Some(3.0)])),
            ("country", numbers(&[None, Some(7.0), None])),
            ("score", numbers(&[Some(1.0), Some(2.0), Some(3.0)])),
        ],
        WriterProperties::builder().build(),
    );
    let error = load_error(&path, Kind::Profiles).to_string();
    assert!(
        error.ends_with("p.parquet:2: `country` must be a string, found a number"),
        "{error}"
    );
    let (store, report) = load(&schema, &[(Kind::Profiles, &path)], OnBadRow::Skip);
    assert_eq!((report.rows, report.skipped), (2, 1));
    assert_eq!(store.users.ids.len(), 2);
    assert_eq!(
        report.unknown_warning().unwrap(),
        "5 values not in the schema were ignored: profile.age (3), profile.score (2)"
    );
    // A row without an id.
    write(
        &path,
        vec![("user_id", strings(&[Some("u1"), None]))],
        WriterProperties::builder().build(),
    );
    let error = load_error(&path, Kind::Profiles).to_string();
    assert!(
        error.ends_with("p.parquet:2: `user_id` is empty"),
        "{error}"
    );
}

#[test]
fn a_missing_or_duplicated_column_fails_at_the_schema_whatever_on_bad_row_says() {
    let dir = dir();
    let schema = schema();
    let path = dir.join("e.parquet");
    write(
        &path,
        vec![
            ("user_id", strings(&[Some("u1")])),
            ("event", strings(&[Some("buy")])),
            ("ts", strings(&[Some("2026-11-01")])),
            ("value", numbers(&[Some(1.0)])),
            ("value", numbers(&[Some(2.0)])),
        ],
        WriterProperties::builder().build(),
    );
    for on_bad_row in [OnBadRow::Fail, OnBadRow::Skip] {
        let mut builder = StoreBuilder::new(&schema);
        let mut report = LoadReport::default();
        let error = load_file(&mut builder, Kind::Events, &path, on_bad_row, &mut report)
            .unwrap_err()
            .to_string();
        assert!(
            error.ends_with("e.parquet: in the schema: the column `value` appears twice (columns 4 and 5); one of its values would be lost"),
            "{error}"
        );
    }
    let profiles = dir.join("p.parquet");
    write(
        &profiles,
        vec![
            ("id", strings(&[Some("u1")])),
            ("country", strings(&[Some("DE")])),
        ],
        WriterProperties::builder().build(),
    );
    let error = load_error(&profiles, Kind::Profiles).to_string();
    assert!(error.ends_with("p.parquet: in the schema: there is no `user_id` column (the columns are `id`, `country`)"), "{error}");
    let accounts = dir.join("a.parquet");
    write(
        &accounts,
        vec![("account_id", numbers(&[Some(1.0)]))],
        WriterProperties::builder().build(),
    );
    let error = load_error(&accounts, Kind::Accounts).to_string();
    assert!(
        error.ends_with(
            "a.parquet: in the schema: the column `account_id` holds Float64: it must hold strings"
        ),
        "{error}"
    );
}

#[test]
fn nan_and_infinities_are_bad_rows_in_every_number_column() {
    let dir = dir();
    let path = dir.join("e.parquet");
    let float32: ArrayRef = Arc::new(Float32Array::from(vec![
        Some(1.0),
        None,
        Some(f32::INFINITY),
    ]));
    for (values, row, found) in [
        (numbers(&[Some(1.0), Some(f64::NAN), None]), 2, "NaN"),
        (
            numbers(&[Some(1.0), None, Some(f64::NEG_INFINITY)]),
            3,
            "-inf",
        ),
        (float32, 3, "inf"),
    ] {
        write(
            &path,
            vec![
                ("user_id", strings(&[Some("u1"), Some("u2"), Some("u3")])),
                ("event", strings(&[Some("buy"); 3])),
                ("ts", strings(&[Some("2026-11-01"); 3])),
                ("value", values),
            ],
            WriterProperties::builder().build(),
        );
        let error = load_error(&path, Kind::Events).to_string();
        assert!(
            error.ends_with(&format!(
                "e.parquet:{row}: `value` must be a number, found `{found}`"
            )),
            "{error}"
        );
    }
    // A profile attribute and an account attribute.
    let schema = Schema::from_toml(
        seg::source::FileId(0),
        "[events.buy]\n[profile]\nage = \"number\"\n[account]\nseats = \"number\"\n",
    )
    .unwrap();
    for (kind, id) in [(Kind::Profiles, "user_id"), (Kind::Accounts, "account_id")] {
        let attribute = if kind == Kind::Profiles {
            "age"
        } else {
            "seats"
        };
        write(
            &path,
            vec![
                (id, strings(&[Some("x1"), Some("x2")])),
                (attribute, numbers(&[Some(3.0), Some(f64::NAN)])),
            ],
            WriterProperties::builder().build(),
        );
        let mut builder = StoreBuilder::new(&schema);
        let mut report = LoadReport::default();
        let error = load_file(&mut builder, kind, &path, OnBadRow::Fail, &mut report)
            .unwrap_err()
            .to_string();
        assert!(
            error.ends_with(&format!(
                "e.parquet:2: `{attribute}` must be a number, found `NaN`"
            )),
            "{error}"
        );
    }
}

#[test]
fn a_timestamp_out_of_range_says_so_with_its_value() {
    let dir = dir();
    let path = dir.join("e.parquet");
    let seconds: ArrayRef = Arc::new(TimestampSecondArray::from(vec![
        1_700_000_000,
        i64::MAX / 1000,
    ]));
    write(
        &path,
        vec![
            ("user_id", strings(&[Some("u1"), Some("u2")])),
            ("event", strings(&[Some("buy"); 2])),
            ("ts", seconds.clone()),
        ],
        WriterProperties::builder().build(),
    );
    let error = load_error(&path, Kind::Events).to_string();
    assert!(
        error.contains("e.parquet:2: `ts` 9223372036854775 (Timestamp(")
            && error.ends_with("is out of the supported range (years 0000 to 9999)"),
        "{error}"
    );
    // A timestamp property, and a profile's `ts` (which used to read as "since always").
    write(
        &path,
        vec![
            ("user_id", strings(&[Some("u1"), Some("u2")])),
            ("event", strings(&[Some("buy"); 2])),
            ("ts", strings(&[Some("2026-11-01"); 2])),
            ("at", seconds.clone()),
        ],
        WriterProperties::builder().build(),
    );
    let error = load_error(&path, Kind::Events).to_string();
    assert!(
        error.contains("e.parquet:2: `at` 9223372036854775 ("),
        "{error}"
    );
    write(
        &path,
        vec![
            ("user_id", strings(&[Some("u1"), Some("u2")])),
            ("ts", seconds),
        ],
        WriterProperties::builder().build(),
    );
    let error = load_error(&path, Kind::Profiles).to_string();
    assert!(
        error.contains("e.parquet:2: `ts` 9223372036854775 ("),
        "{error}"
    );
}

#[test]
fn a_user_with_only_undeclared_events_is_kept_and_counted_alike() {
    let dir = dir();
    let schema = schema();
    let ndjson = dir.join("e.ndjson");
    std::fs::write(
        &ndjson,
        "{\"user_id\":\"u1\",\"event\":\"buy\",\"ts\":\"2026-11-01\"}\n{\"user_id\":\"u2\",\"event\":\"refund\",\"ts\":\"2026-11-01\"}\n",
    )
    .unwrap();
    let parquet = dir.join("e.parquet");
    for dictionary in [true, false] {
        write(
            &parquet,
            vec![
                ("user_id", strings(&[Some("u1"), Some("u2")])),
                ("event", strings(&[Some("buy"), Some("refund")])),
                ("ts", strings(&[Some("2026-11-01"); 2])),
            ],
            WriterProperties::builder()
                .set_dictionary_enabled(dictionary)
                .build(),
        );
        for path in [&ndjson, &parquet] {
            let (store, report) = load(&schema, &[(Kind::Events, path)], OnBadRow::Fail);
            assert_eq!(store.users.ids.len(), 2, "{}", path.display());
            assert_eq!(report.rows, 2, "{}", path.display());
        }
    }
}

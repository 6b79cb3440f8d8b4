//! Tests of the generator: same seed, same bytes; NDJSON and CSV hold the same rows and
//! values; every row has the columns and types of `examples/schema.toml`; ids and times
//! have the promised shapes.
//!
//! `SEG_GEN_DIR=DIR cargo test --lib gen::tests::write_example_data -- --ignored` writes
//! the example data set (the defaults of [`GenOptions`]) to DIR; `SEG_GEN_USERS`,
//! `SEG_GEN_EVENTS` and `SEG_GEN_SEED` override the defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::record::{AccountAttr, Attr, Kind, Prop};
use super::{generate, Format, GenOptions, EXAMPLE_AS_OF};
use crate::schema::{FieldType, Schema};
use crate::source::FileId;
use crate::time::parse_timestamp;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn small(seed: u64) -> GenOptions {
    GenOptions {
        users: 150,
        events_per_user: 20,
        seed,
        ..GenOptions::default()
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

const FILES: [&str; 6] = [
    "events.ndjson",
    "profiles.ndjson",
    "accounts.ndjson",
    "events.csv",
    "profiles.csv",
    "accounts.csv",
];

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (temp_dir("det-a"), temp_dir("det-b"), temp_dir("det-c"));
    let sa = generate(&small(7), &a).unwrap();
    let sb = generate(&small(7), &b).unwrap();
    generate(&small(8), &c).unwrap();
    assert_eq!(
        (sa.users, sa.accounts, sa.events),
        (sb.users, sb.accounts, sb.events)
    );
    assert_eq!(sa.files.len(), 6);
    for f in FILES {
        assert_eq!(read(&a, f), read(&b, f), "{f} differs between two runs");
    }
    assert_ne!(read(&a, "events.ndjson"), read(&c, "events.ndjson"));
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// A CSV line split into fields (RFC 4180 quoting; the data has no line breaks in fields).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

fn ndjson(dir: &Path, name: &str) -> Vec<Map<String, Json>> {
    read(dir, name)
        .lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(Json::Object(o)) => o,
            other => panic!("{name}: not a JSON object: {l} ({other:?})"),
        })
        .collect()
}

#[test]
fn ndjson_and_csv_hold_the_same_rows_and_values() {
    let dir = temp_dir("same");
    let summary = generate(&small(3), &dir).unwrap();
    for stem in ["events", "profiles", "accounts"] {
        let rows = ndjson(&dir, &format!("{stem}.ndjson"));
        let csv = read(&dir, &format!("{stem}.csv"));
        let mut lines = csv.lines();
        let header = csv_fields(lines.next().unwrap());
        let records: Vec<Vec<String>> = lines.map(csv_fields).collect();
        assert_eq!(rows.len(), records.len(), "{stem}: row counts differ");
        if stem == "events" {
            assert_eq!(rows.len(), summary.events);
        }
        for (n, (row, record)) in rows.iter().zip(&records).enumerate() {
            assert_eq!(record.len(), header.len(), "{stem}.csv row {n}: {record:?}");
            let mut present = 0;
            for (column, cell) in header.iter().zip(record) {
                match row.get(column) {
                    None => assert!(cell.is_empty(), "{stem} row {n}: {column} only in CSV"),
                    Some(value) => {
                        present += 1;
                        let text = match value {
                            Json::String(s) => s.clone(),
                            Json::Number(x) => x.to_string(),
                            Json::Bool(b) => b.to_string(),
                            other => panic!("{stem} row {n}: {column} is {other}"),
                        };
                        assert_eq!(&text, cell, "{stem} row {n}: {column}");
                    }
                }
            }
            assert_eq!(
                present,
                row.len(),
                "{stem} row {n}: keys outside the header"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_event_line_has_user_event_and_ts() {
    let dir = temp_dir("events");
    let options = GenOptions {
        formats: vec![Format::Ndjson],
        ..small(5)
    };
    let summary = generate(&options, &dir).unwrap();
    assert_eq!(summary.files.len(), 3);
    assert!(!dir.join("events.csv").exists());
    let text = read(&dir, "events.ndjson");
    let now = EXAMPLE_AS_OF / 1_000_000;
    let (mut lines, mut future) = (0, 0);
    for line in text.lines() {
        let row: Json = serde_json::from_str(line).unwrap();
        let user = row["user_id"].as_str().unwrap();
        assert!(user.len() == 7 && user.starts_with('u'), "{user}");
        assert!(Kind::ALL
            .iter()
            .any(|k| k.name() == row["event"].as_str().unwrap()));
        let ts = row["ts"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
        let secs = parse_timestamp(ts).unwrap() / 1_000_000;
        assert!(secs > now - 430 * 86_400, "{ts} too early");
        future += usize::from(secs >= now);
        lines += 1;
    }
    assert_eq!(lines, summary.events);
    // Some events at or after `as_of` (to be ignored), but few.
    assert!(
        future > 0 && future * 100 < lines * 3,
        "{future} of {lines}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn rows_follow_the_example_schema() {
    let text = include_str!("../../examples/schema.toml");
    let schema = Schema::from_toml(FileId(0), text).unwrap_or_else(|e| panic!("{e:?}"));
    // Every event type and property of the schema is generated, and nothing else.
    assert_eq!(schema.events.len(), Kind::ALL.len());
    for kind in Kind::ALL {
        let id = schema.event_id(kind.name()).unwrap();
        let ty = schema.event(id);
        assert_eq!(ty.properties.len(), kind.props().len(), "{}", kind.name());
        for prop in kind.props() {
            let (_, field) = ty.property(prop.name()).unwrap();
            let number = field.ty == FieldType::Number;
            assert_eq!(number, prop.is_number(), "{}.{}", kind.name(), prop.name());
        }
    }
    let profile: Vec<&str> = schema.profile.iter().map(|f| f.name.as_str()).collect();
    let mut ours: Vec<&str> = Attr::ALL.iter().map(|a| a.name()).collect();
    let (mut theirs, mut account) = (profile.clone(), Vec::new());
    theirs.sort_unstable();
    ours.sort_unstable();
    assert_eq!(theirs, ours);
    account.extend(schema.account.iter().map(|f| f.name.as_str()));
    account.sort_unstable();
    let mut ours: Vec<&str> = AccountAttr::ALL.iter().map(|a| a.name()).collect();
    ours.sort_unstable();
    assert_eq!(account, ours);

    // Every value has its declared type.
    let dir = temp_dir("types");
    generate(&small(11), &dir).unwrap();
    let check = |row: &Map<String, Json>, fields: &[crate::schema::Field], file: &str| {
        for (key, value) in row {
            let Some(field) = fields.iter().find(|f| &f.name == key) else {
                assert!(
                    ["user_id", "account_id", "event", "ts"].contains(&key.as_str()),
                    "{file}: {key}"
                );
                continue;
            };
            let ok = match field.ty {
                FieldType::String => value.as_str().is_some_and(|s| !s.is_empty()),
                FieldType::Number => value.is_number(),
                FieldType::Bool => value.is_boolean(),
                FieldType::Timestamp => value.as_str().is_some_and(|s| parse_timestamp(s).is_ok()),
            };
            assert!(ok, "{file}: {key} = {value}");
        }
    };
    for row in ndjson(&dir, "events.ndjson") {
        let ty = schema.event(schema.event_id(row["event"].as_str().unwrap()).unwrap());
        check(&row, &ty.properties, "events");
    }
    for row in ndjson(&dir, "profiles.ndjson") {
        check(&row, &schema.profile, "profiles");
    }
    for row in ndjson(&dir, "accounts.ndjson") {
        check(&row, &schema.account, "accounts");
        assert!(row["seats"].as_f64().unwrap() >= 1.0);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ids_sort_numerically_and_every_user_has_a_base_profile_row() {
    let dir = temp_dir("ids");
    let summary = generate(&small(2), &dir).unwrap();
    let profiles = ndjson(&dir, "profiles.ndjson");
    let mut base: BTreeMap<String, usize> = BTreeMap::new();
    let mut last = String::new();
    for row in &profiles {
        let id = row["user_id"].as_str().unwrap().to_string();
        assert!(id >= last, "profiles out of user order: {id} after {last}");
        if !row.contains_key("ts") {
            *base.entry(id.clone()).or_default() += 1;
        }
        last = id;
    }
    assert_eq!(base.len(), summary.users);
    assert!(base.values().all(|&n| n == 1));
    assert_eq!(base.keys().next().map(String::as_str), Some("u000001"));
    let accounts = ndjson(&dir, "accounts.ndjson");
    let ids: Vec<&str> = accounts
        .iter()
        .filter(|r| !r.contains_key("ts"))
        .map(|r| r["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), summary.accounts);
    assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids[0] == "a00001");
    // Users point at existing accounts.
    for row in &profiles {
        if let Some(a) = row.get("account_id") {
            assert!(ids.contains(&a.as_str().unwrap()));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn no_format_is_an_error() {
    let options = GenOptions {
        formats: Vec::new(),
        ..small(1)
    };
    assert!(generate(&options, &temp_dir("none")).is_err());
}

#[test]
fn property_columns_are_unique() {
    let mut names: Vec<&str> = Prop::ALL.iter().map(|p| p.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Prop::ALL.len());
}

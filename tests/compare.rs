//! `seg compare` on the example data: golden outputs, and every figure of one column
//! recomputed from the raw data files and `seg eval`'s rows.

use std::collections::{BTreeMap, BTreeSet};

use crate::cli::in_examples as seg;
use crate::cli::root;

const AS_OF: &str = "2026-11-15T12:00:00Z";

const REQUEST: &[&str] = &[
    "compare",
    "--as-of",
    AS_OF,
    "--segment",
    "ltv_gold",
    "--segment",
    "email_subscriber",
    "--all",
    "--goal",
    "buyer",
    "--metric",
    "sum(purchase.value)",
    "--metric",
    "top(product_view.category)",
];

#[test]
fn compare_of_the_examples_in_every_format() {
    let (code, table, err) = seg(REQUEST);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("table", table);
    let mut json = REQUEST.to_vec();
    json.extend(["--format", "json", "--filter", "email_subscriber"]);
    let (code, out, err) = seg(&json);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("json_filtered", out);
}

#[test]
fn one_column_agrees_with_the_raw_data() {
    let mut args = REQUEST.to_vec();
    args.extend(["--format", "csv"]);
    let (code, csv, err) = seg(&args);
    assert_eq!(code, 0, "{err}");
    let figure = |group: &str, name: &str| -> String {
        csv.lines()
            .find_map(|line| {
                let rest = line.strip_prefix(&format!("{group},"))?;
                let value = rest
                    .strip_prefix(&format!("{name},"))
                    .or_else(|| rest.strip_prefix(&format!("\"{name}\",")))?;
                Some(value.trim_matches('"').to_string())
            })
            .unwrap_or_else(|| panic!("{group} {name} in {csv}"))
    };
    // The members of ltv_gold and of buyer, from seg eval.
    let (_, rows, _) = seg(&[
        "eval",
        "--as-of",
        AS_OF,
        "--segment",
        "ltv_gold",
        "--segment",
        "buyer",
    ]);
    let mut members: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for line in rows.lines().skip(1) {
        let (segment, id) = line.split_once(',').expect("segment,user_id");
        members.entry(segment).or_default().insert(id);
    }
    let gold = &members["ltv_gold"];
    let buyers = &members["buyer"];
    assert_eq!(figure("ltv_gold", "members"), gold.len().to_string());
    #[allow(clippy::cast_precision_loss)]
    let n = gold.len() as f64;
    let reached = gold.iter().filter(|u| buyers.contains(*u)).count();
    #[allow(clippy::cast_precision_loss)]
    let share = format!("{:.1}%", reached as f64 * 100.0 / n);
    assert_eq!(figure("ltv_gold", "goal reached"), share);
    // Events per member, active days, and the sum of purchase values before the instant.
    let as_of = seg::time::parse_timestamp(AS_OF).expect("a time");
    let mut purchases = 0usize;
    let mut days: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut values: BTreeMap<String, f64> = BTreeMap::new();
    let events =
        std::fs::read_to_string(root().join("examples/data/events.ndjson")).expect("events");
    for line in events.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let user = row["user_id"].as_str().expect("a user");
        if !gold.contains(user) {
            continue;
        }
        let ts = seg::time::parse_timestamp(row["ts"].as_str().expect("ts")).expect("a time");
        if ts >= as_of {
            continue;
        }
        days.entry(user.to_string())
            .or_default()
            .insert(ts.div_euclid(seg::time::MICROS_PER_DAY));
        if row["event"] == "purchase" {
            purchases += 1;
            *values.entry(user.to_string()).or_default() += row["value"].as_f64().unwrap_or(0.0);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let per_member = purchases as f64 / n;
    assert_eq!(
        figure("ltv_gold", "purchase per member"),
        format!("{per_member:.2}")
    );
    #[allow(clippy::cast_precision_loss)]
    let active = days.values().map(BTreeSet::len).sum::<usize>() as f64 / n;
    assert_eq!(
        figure("ltv_gold", "active days per member"),
        format!("{active:.2}")
    );
    let mean = values.values().sum::<f64>() / n;
    assert_eq!(
        figure("ltv_gold", "sum(purchase.value): mean"),
        format!("{mean:.2}")
    );
}

#[test]
fn a_bad_metric_is_a_located_error_and_account_segments_are_refused() {
    let (code, _, err) = seg(&[
        "compare",
        "--as-of",
        AS_OF,
        "--all",
        "--metric",
        "sum(purchace.value)",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("purchace"), "{err}");
    let (code, _, err) = seg(&["compare", "--as-of", AS_OF, "--segment", "customer_account"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("account segment"), "{err}");
    let (code, _, err) = seg(&["compare", "--as-of", AS_OF]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing to compare"), "{err}");
}

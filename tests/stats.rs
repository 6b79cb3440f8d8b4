//! `seg stats` on the example data: golden outputs (insta), and every figure checked against
//! an independent count over `seg eval`'s member rows.

use std::collections::{BTreeMap, BTreeSet};

const AS_OF: &str = "2026-11-15T12:00:00Z";

fn seg(args: &[&str]) -> String {
    let (code, out, err) = crate::cli::in_examples(args);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn stats_of_the_examples_in_every_format() {
    insta::assert_snapshot!("csv", seg(&["stats", "--as-of", AS_OF, "--format", "csv"]));
    let some = [
        "--segment",
        "buyer",
        "--segment",
        "ltv_gold",
        "--segment",
        "ltv_silver",
        "--segment",
        "customer_account",
    ];
    let mut args = vec!["stats", "--as-of", AS_OF, "--overlap"];
    args.extend(some);
    insta::assert_snapshot!("table_overlap", seg(&args));
    args.extend(["--format", "json"]);
    insta::assert_snapshot!("json_overlap", seg(&args));
}

#[test]
fn every_figure_agrees_with_the_member_rows_of_seg_eval() {
    let rows = seg(&["eval", "--as-of", AS_OF, "--format", "csv"]);
    let mut members: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for line in rows.lines().skip(1) {
        let (segment, id) = line.split_once(',').expect("segment,user_id");
        members.entry(segment).or_default().insert(id);
    }
    let sizes = seg(&["stats", "--as-of", AS_OF, "--format", "csv"]);
    let mut kinds = BTreeMap::new();
    for line in sizes.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let [segment, kind, count, total, share] = cells[..] else {
            panic!("five cells: {line}")
        };
        let expected = members.get(segment).map_or(0, BTreeSet::len);
        assert_eq!(
            count.parse::<usize>().expect("a count"),
            expected,
            "{segment}"
        );
        let total: usize = total.parse().expect("a total");
        assert_eq!(total, if kind == "user" { 300 } else { 25 }, "{segment}");
        #[allow(clippy::cast_precision_loss)]
        let ratio = expected as f64 / total as f64;
        assert!(
            (share.parse::<f64>().expect("a share") - ratio).abs() < 1e-6,
            "{segment}"
        );
        kinds.insert(segment.to_string(), kind.to_string());
    }
    assert_eq!(kinds.len(), 64, "every example segment");
    let overlap = seg(&["stats", "--as-of", AS_OF, "--overlap", "--format", "csv"]);
    let empty = BTreeSet::new();
    let mut pairs = 0;
    for line in overlap.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let [a, b, both, jaccard] = cells[..] else {
            panic!("four cells: {line}")
        };
        assert_eq!(kinds[a], kinds[b], "only segments of one kind are paired");
        let (ma, mb) = (
            members.get(a).unwrap_or(&empty),
            members.get(b).unwrap_or(&empty),
        );
        let expected = ma.intersection(mb).count();
        assert_eq!(
            both.parse::<usize>().expect("a count"),
            expected,
            "{a} and {b}"
        );
        let union = ma.union(mb).count();
        #[allow(clippy::cast_precision_loss)]
        let ratio = if union == 0 {
            0.0
        } else {
            expected as f64 / union as f64
        };
        assert!(
            (jaccard.parse::<f64>().expect("a ratio") - ratio).abs() < 1e-6,
            "{a} and {b}"
        );
        pairs += 1;
    }
    let users = kinds.values().filter(|k| *k == "user").count();
    let accounts = kinds.len() - users;
    assert_eq!(
        pairs,
        users * users + accounts * accounts,
        "the whole matrix"
    );
}

//! `seg campaigns` on the example data (examples/segments/campaigns.seg): golden outputs
//! (insta); one campaign's every figure recomputed here from `seg eval` at each instant, the
//! events file and SPEC's bucket; and campaigns checked like segments.

use std::collections::{BTreeMap, BTreeSet};

use crate::cli::{root, seg as seg_in, stderr, tempdir};
use crate::serve::spec_bucket;

const AS_OF: &str = "2026-11-15T12:00:00Z";
const FROM: &str = "2026-11-01T12:00:00Z";

fn seg(args: &[&str]) -> String {
    let (code, out, err) = crate::cli::in_examples(args);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn campaigns_of_the_examples_in_every_format() {
    let args = [
        "campaigns",
        "--from",
        FROM,
        "--as-of",
        AS_OF,
        "--filter",
        "b2b_customer",
    ];
    insta::assert_snapshot!("table", seg(&args));
    let csv = [&args[..], &["--format", "csv"]].concat();
    insta::assert_snapshot!("csv", seg(&csv));
    let json = [&args[..], &["--format", "json"]].concat();
    insta::assert_snapshot!("json", seg(&json));
}

/// `seg eval --as-of T` over the examples: segment -> members.
fn members_at(instant: &str) -> BTreeMap<String, BTreeSet<String>> {
    let rows = seg(&["eval", "--as-of", instant, "--format", "csv"]);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in rows.lines().skip(1) {
        let (segment, id) = line.split_once(',').expect("segment,user_id");
        out.entry(segment.into()).or_default().insert(id.into());
    }
    out
}

#[test]
fn tour_to_demo_figures_agree_with_an_independent_count() {
    // tour_to_demo: target tour_no_demo, goal did(demo_request), exclude competitor, holdout 10.
    let mut demo_requests: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let events = std::fs::read_to_string(root().join("examples/data/events.ndjson")).unwrap();
    for line in events.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        if row["event"] == "demo_request" {
            let ts = crate::serve::instant(row["ts"].as_str().unwrap());
            let user = row["user_id"].as_str().unwrap().to_string();
            demo_requests.entry(user).or_default().push(ts);
        }
    }
    let goal = |user: &str, at: i64| {
        demo_requests
            .get(user)
            .is_some_and(|t| t.iter().any(|&t| t < at))
    };
    let (from, to) = (crate::serve::instant(FROM), crate::serve::instant(AS_OF));
    let day = 86_400_000_000;
    let mut first: BTreeMap<String, (i64, bool)> = BTreeMap::new();
    let mut converted = BTreeSet::new();
    let mut at = from;
    while at <= to {
        let members = members_at(&crate::serve::format(at));
        let empty = BTreeSet::new();
        let get = |name: &str| members.get(name).unwrap_or(&empty);
        for user in get("tour_no_demo").difference(get("competitor")) {
            first.entry(user.clone()).or_insert((at, goal(user, at)));
        }
        for (user, &(since, reached)) in &first {
            if at > since && !reached && goal(user, at) {
                converted.insert(user.clone());
            }
        }
        at += day;
    }
    let held = |user: &str| spec_bucket("tour_to_demo", user) < 10;
    let targeted: Vec<&String> = first.keys().filter(|u| !held(u)).collect();
    let holdout: Vec<&String> = first.keys().filter(|u| held(u)).collect();
    let won = |group: &[&String]| group.iter().filter(|u| converted.contains(**u)).count();
    let csv = seg(&[
        "campaigns",
        "--from",
        FROM,
        "--as-of",
        AS_OF,
        "--format",
        "csv",
    ]);
    let row = csv
        .lines()
        .find(|l| l.starts_with("tour_to_demo,,"))
        .expect("a row for tour_to_demo");
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[2], targeted.len().to_string(), "{row}");
    assert_eq!(cells[3], won(&targeted).to_string(), "{row}");
    assert_eq!(cells[5], holdout.len().to_string(), "{row}");
    assert_eq!(cells[6], won(&holdout).to_string(), "{row}");
    #[allow(clippy::cast_precision_loss)]
    let rate = won(&targeted) as f64 / targeted.len() as f64;
    assert_eq!(cells[4], format!("{rate:.6}"), "{row}");
    assert!(!targeted.is_empty() && !holdout.is_empty(), "{row}");
}

/// `seg check` of one campaign over the example segments: exit code and stderr.
fn check_campaign(text: &str) -> (Option<i32>, String) {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("segments")).unwrap();
    for name in ["common.seg", "demand_gen.seg"] {
        std::fs::copy(
            root().join("examples/segments").join(name),
            dir.join("segments").join(name),
        )
        .unwrap();
    }
    std::fs::write(dir.join("segments/campaign.seg"), text).unwrap();
    let schema = root().join("examples/schema.toml");
    let output = seg_in(
        &[
            "check",
            "--schema",
            &schema.display().to_string(),
            "segments",
        ],
        &dir,
    );
    (output.status.code(), stderr(&output))
}

#[test]
fn campaigns_are_checked_like_segments() {
    let ok = "campaign c \"d\" = target buyer goal did(purchase within 7d) exclude competitor holdout 5 priority 3\n";
    let (code, err) = check_campaign(ok);
    assert_eq!(code, Some(0), "{err}");
    for (text, wanted) in [
        ("campaign c = target buyr\n", "[E0106]"),
        ("campaign c = target count(purchase)\n", "[E0204]"),
        (
            "campaign c = target buyer goal sum(purchase.value)\n",
            "[E0204]",
        ),
        ("campaign c = target buyer holdout 100\n", "[E0004]"),
        (
            "campaign c = target buyer\ncampaign c = target competitor\n",
            "[E0107]",
        ),
        (
            "campaign c = target account.stage == \"x\" and users\n",
            "[E0",
        ),
        ("campaign c = goal buyer\n", "[E0001]"),
    ] {
        let (code, err) = check_campaign(text);
        assert_eq!(code, Some(1), "{text}: {err}");
        assert!(err.contains(wanted), "{text}: {err}");
        assert!(err.contains("campaign.seg:"), "{text}: {err}");
    }
}

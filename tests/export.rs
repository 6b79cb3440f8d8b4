//! `seg export`: the delta sync round trip (a property test over random changes to the data),
//! formats, and the errors a user can make.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::cli::in_examples as seg;
use crate::cli::root;

const AS_OF: &str = "2026-11-15T12:00:00Z";

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("a file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The example data, changed: some events dropped, some purchases added, some countries
/// changed from a later instant on, some profiles dropped.
fn changed(dir: &Path, choices: &[u32]) -> [PathBuf; 3] {
    let data = root().join("examples/data");
    let mut pick = choices.iter().copied().cycle();
    let mut next = move |n: u32| pick.next().expect("choices") % n.max(1);
    let mut events: Vec<String> = lines(&data.join("events.ndjson"))
        .into_iter()
        .filter(|_| next(10) != 0)
        .collect();
    for i in 0..next(40) {
        let user = 1 + next(300);
        events.push(format!(
            r#"{{"user_id":"u{user:06}","event":"purchase","ts":"2026-11-1{}T10:00:00Z","value":{},"category":"shoes"}}"#,
            next(5),
            100 * (i + 1)
        ));
    }
    let mut profiles: Vec<String> = lines(&data.join("profiles.ndjson"))
        .into_iter()
        .filter(|_| next(20) != 0)
        .collect();
    for _ in 0..next(30) {
        let user = 1 + next(300);
        let country = ["DE", "FR", "US", "JP"][next(4) as usize];
        profiles.push(format!(
            r#"{{"user_id":"u{user:06}","ts":"2026-11-10T00:00:00Z","country":"{country}"}}"#
        ));
    }
    let paths = [
        dir.join("events.ndjson"),
        dir.join("profiles.ndjson"),
        dir.join("accounts.ndjson"),
    ];
    std::fs::write(&paths[0], events.join("\n") + "\n").expect("write");
    std::fs::write(&paths[1], profiles.join("\n") + "\n").expect("write");
    std::fs::copy(data.join("accounts.ndjson"), &paths[2]).expect("copy");
    paths
}

fn export(files: &[PathBuf; 3], extra: &[&str]) -> String {
    let mut args: Vec<String> = [
        "export",
        "--as-of",
        AS_OF,
        "--attributes",
        "country,plan,email_opt_in",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    for (flag, path) in ["--events", "--profiles", "--accounts"].iter().zip(files) {
        args.push((*flag).to_string());
        args.push(path.display().to_string());
    }
    args.extend(extra.iter().map(ToString::to_string));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = seg(&args);
    assert_eq!(code, 0, "{err}");
    out
}

/// An export's CSV rows by (segment, `user_id`).
fn by_key(csv: &str) -> BTreeMap<(String, String), String> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let mut cells = line.splitn(3, ',');
            let segment = cells.next().expect("segment").to_string();
            let id = cells.next().expect("user_id").to_string();
            ((segment, id), line.to_string())
        })
        .collect()
}

#[test]
fn a_diff_applied_to_the_earlier_export_gives_the_later_one() {
    let dir = std::env::temp_dir().join(format!("seg-export-{}", std::process::id()));
    let mut runner = TestRunner::new(Config {
        cases: 6,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::collection::vec(any::<u32>(), 64..256),
        proptest::collection::vec(any::<u32>(), 64..256),
        0..3usize,
    );
    let result = runner.run(&strategy, |(before, after, format)| {
        let (one, two) = (dir.join("one"), dir.join("two"));
        std::fs::create_dir_all(&one).expect("a folder");
        std::fs::create_dir_all(&two).expect("a folder");
        let first = changed(&one, &before);
        let second = changed(&two, &after);
        // The earlier export as a file in one of the formats, and as CSV to apply the diff to.
        let (extension, name) =
            [("csv", "csv"), ("ndjson", "ndjson"), ("parquet", "parquet")][format];
        let previous = dir.join(format!("previous.{extension}"));
        let previous_arg = previous.display().to_string();
        export(&first, &["--format", name, "--out", &previous_arg]);
        let earlier = export(&first, &[]);
        let later = export(&second, &[]);
        let delta = export(&second, &["--diff", &previous_arg]);
        let mut applied = by_key(&earlier);
        let mut header = delta.lines();
        prop_assert_eq!(
            header.next(),
            Some("change,segment,user_id,country,plan,email_opt_in")
        );
        for line in header {
            let (change, row) = line.split_once(',').expect("change,...");
            let key = by_key(&format!("\n{row}"))
                .into_keys()
                .next()
                .expect("a key");
            match change {
                "removed" => {
                    prop_assert!(
                        applied.remove(&key).is_some(),
                        "removed {:?} was in the earlier export",
                        key
                    );
                }
                "added" => {
                    prop_assert!(
                        applied.insert(key.clone(), row.to_string()).is_none(),
                        "added {:?} anew",
                        key
                    );
                }
                other => prop_assert!(false, "change `{}`", other),
            }
        }
        prop_assert_eq!(&applied, &by_key(&later));
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn the_same_data_diffs_to_nothing_and_a_diff_is_not_an_export() {
    let dir = std::env::temp_dir().join(format!("seg-export-same-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let previous = dir.join("previous.ndjson").display().to_string();
    let files = changed(&dir, &[1]);
    export(&files, &["--format", "ndjson", "--out", &previous]);
    let delta = export(&files, &["--diff", &previous]);
    assert_eq!(delta, "change,segment,user_id,country,plan,email_opt_in\n");
    // A diff given as the earlier export, and an unknown attribute, are errors.
    let diff_file = dir.join("diff.csv");
    std::fs::write(&diff_file, format!("{delta}added,buyer,u000001,,,\n")).expect("write");
    let (code, _, err) = seg(&[
        "export",
        "--as-of",
        AS_OF,
        "--attributes",
        "country,plan,email_opt_in",
        "--diff",
        &diff_file.display().to_string(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("this is a diff"), "{err}");
    let (code, _, err) = seg(&["export", "--as-of", AS_OF, "--attributes", "contry"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`contry` is neither a profile nor an account attribute"),
        "{err}"
    );
    let (code, _, err) = seg(&["export", "--as-of", AS_OF, "--format", "parquet"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_export_of_the_examples_in_every_text_format() {
    let base = [
        "export",
        "--as-of",
        AS_OF,
        "--segment",
        "ltv_gold",
        "--segment",
        "customer_account",
    ];
    let mut csv = base.to_vec();
    csv.extend(["--attributes", "country,plan,email_opt_in"]);
    let (code, out, err) = seg(&csv);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("csv", out);
    let mut ndjson = csv.clone();
    ndjson.extend(["--format", "ndjson"]);
    let (code, out, err) = seg(&ndjson);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("ndjson", out);
}

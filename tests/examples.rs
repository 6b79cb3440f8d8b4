//! The shipped example data: `seg gen` reproduces it byte for byte, every example segment has
//! members and non-members on it, and its NDJSON, CSV and Parquet forms give the same output.

use std::path::{Path, PathBuf};
use std::process::Command;

const AS_OF: &str = "2026-11-15T12:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seg(args: &[&str], dir: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn eval_form(extension: &str, format: &str) -> String {
    let data = |kind: &str| format!("data/{kind}.{extension}");
    let (code, out, err) = seg(
        &[
            "eval",
            "--as-of",
            AS_OF,
            "--format",
            format,
            "--events",
            &data("events"),
            "--profiles",
            &data("profiles"),
            "--accounts",
            &data("accounts"),
        ],
        &root().join("examples"),
    );
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn seg_gen_reproduces_the_shipped_data() {
    let out: PathBuf = std::env::temp_dir().join(format!("seg-gen-{}", std::process::id()));
    let (code, _, err) = seg(&["gen", "--out", out.to_str().unwrap()], root());
    assert_eq!(code, 0, "{err}");
    for kind in ["events", "profiles", "accounts"] {
        for extension in ["ndjson", "csv"] {
            let name = format!("{kind}.{extension}");
            let generated = std::fs::read(out.join(&name)).unwrap();
            let shipped = std::fs::read(root().join("examples/data").join(&name)).unwrap();
            assert!(
                generated == shipped,
                "examples/data/{name} differs from `seg gen --out DIR` output"
            );
        }
    }
}

#[test]
fn every_example_segment_has_members_and_non_members() {
    let counts = eval_form("ndjson", "count");
    let users = std::fs::read_to_string(root().join("examples/data/profiles.csv")).unwrap();
    let users: std::collections::BTreeSet<&str> = users
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    let accounts = std::fs::read_to_string(root().join("examples/data/accounts.csv")).unwrap();
    let accounts: std::collections::BTreeSet<&str> = accounts
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    let plan_text = seg(
        &["eval", "--as-of", AS_OF, "--format", "csv"],
        &root().join("examples"),
    )
    .1;
    assert!(plan_text.starts_with("segment,user_id\n"));
    let mut checked = 0;
    for line in counts.lines().skip(1) {
        let (name, members) = line.split_once(',').unwrap();
        let members: usize = members.parse().unwrap();
        let is_account = plan_text
            .lines()
            .any(|l| l.starts_with(&format!("{name},a")));
        let total = if is_account {
            accounts.len()
        } else {
            users.len()
        };
        assert!(
            members > 0,
            "segment `{name}` has no members on examples/data"
        );
        assert!(
            members < total,
            "segment `{name}` has every {} as a member",
            if is_account { "account" } else { "user" }
        );
        checked += 1;
    }
    assert!(checked >= 45, "{checked} segments");
}

#[test]
fn the_three_forms_of_the_example_data_give_identical_bytes() {
    let ndjson = eval_form("ndjson", "csv");
    assert!(ndjson.lines().count() > 100);
    assert_eq!(ndjson, eval_form("csv", "csv"));
    assert_eq!(ndjson, eval_form("parquet", "csv"));
    assert_eq!(
        eval_form("ndjson", "ndjson"),
        eval_form("parquet", "ndjson")
    );
}

/// `seg eval --engine ENGINE` over the example project (its seg.toml: every segment file and
/// the NDJSON data), as CSV.
fn eval_engine(engine: &str) -> String {
    let (code, out, err) = seg(
        &[
            "eval", "--as-of", AS_OF, "--format", "csv", "--engine", engine,
        ],
        &root().join("examples"),
    );
    assert_eq!(code, 0, "--engine {engine}: {err}");
    out
}

#[test]
fn every_engine_gives_the_reference_output_on_the_examples() {
    let reference = eval_engine("reference");
    assert!(reference.lines().count() > 100);
    for engine in ["interp", "jit"] {
        let out = eval_engine(engine);
        if out != reference {
            let want: std::collections::BTreeSet<&str> = reference.lines().collect();
            let got: std::collections::BTreeSet<&str> = out.lines().collect();
            let missing: Vec<&&str> = want.difference(&got).take(20).collect();
            let extra: Vec<&&str> = got.difference(&want).take(20).collect();
            panic!(
                "--engine {engine} differs from --engine reference on examples/\n\
                 rows only in the reference: {missing:?}\nrows only in {engine}: {extra:?}"
            );
        }
    }
}

//! `seg sql` on a real DuckDB (the PyPI package, in the Python that `.ci/setup` prepares):
//! for every example segment, as of an instant written into the SQL and as a bound
//! parameter, and for generated programs over generated data (the differential generator's:
//! ties, window edges, missing values), the members DuckDB returns equal the reference
//! interpreter's. A missing DuckDB fails the test, saying how to install it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::cli::{root, seg, stderr, tempdir};
use crate::differential::{data, load, program, TextCase};

/// The Python with DuckDB: `SEG_SQL_PYTHON`, or the one `.ci/setup` makes.
fn python() -> PathBuf {
    let path = std::env::var_os("SEG_SQL_PYTHON")
        .map_or_else(|| root().join("target/sql-venv/bin/python"), PathBuf::from);
    let ok = Command::new(&path)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "no Python with DuckDB at {}: run `bash .ci/setup` (or set SEG_SQL_PYTHON)",
        path.display()
    );
    path
}

/// Runs each `(folder, now)`'s `query.sql` on DuckDB over the folder's layout files (and
/// binds `now` when given), writing `result.csv` (`segment,user_id` rows) beside it.
fn run_duckdb(folders: &[(PathBuf, Option<String>)]) {
    let script = r#"
import duckdb, sys
for line in sys.stdin.read().splitlines():
    folder, _, now = line.partition('\t')
    c = duckdb.connect()
    for t in ['events', 'profiles', 'accounts']:
        c.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{folder}/{t}.parquet')")
    sql = open(f'{folder}/query.sql').read()
    rows = c.execute(sql, {'now': now} if now else None).fetchall()
    with open(f'{folder}/result.csv', 'w') as out:
        for segment, user in rows:
            out.write(f'{segment},{user}\n')
"#;
    let mut input = String::new();
    for (folder, now) in folders {
        let _ = writeln!(
            input,
            "{}\t{}",
            folder.display(),
            now.as_deref().unwrap_or("")
        );
    }
    let mut child = Command::new(python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("the folders");
    let status = child.wait().expect("python ends");
    assert!(status.success(), "DuckDB failed on a query");
}

fn rows(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

const AS_OF: &str = "2026-11-15T12:00:00Z";

#[test]
fn every_example_segment_has_the_same_members_on_duckdb() {
    let dir = tempdir();
    let examples = root().join("examples");
    let run = |args: &[&str]| {
        let output = seg(args, &examples);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let out = dir.display().to_string();
    run(&["export-layout", "--as-of", AS_OF, "--out", &out]);
    let written = dir.join("written");
    let bound = dir.join("bound");
    for folder in [&written, &bound] {
        std::fs::create_dir_all(folder).unwrap();
        for t in ["events", "profiles", "accounts"] {
            std::fs::copy(
                dir.join(format!("{t}.parquet")),
                folder.join(format!("{t}.parquet")),
            )
            .unwrap();
        }
    }
    std::fs::write(
        written.join("query.sql"),
        run(&["sql", "--dialect", "duckdb", "--as-of", AS_OF]),
    )
    .unwrap();
    std::fs::write(
        bound.join("query.sql"),
        run(&["sql", "--dialect", "duckdb"]),
    )
    .unwrap();
    run_duckdb(&[
        (written.clone(), None),
        (bound.clone(), Some("2026-11-15 12:00:00".into())),
    ]);
    let want: BTreeSet<String> = run(&["eval", "--as-of", AS_OF])
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    let segments: BTreeSet<&str> = want.iter().map(|r| r.split(',').next().unwrap()).collect();
    assert!(
        want.len() > 1000 && segments.len() > 50,
        "{} rows",
        want.len()
    );
    assert_eq!(rows(&written.join("result.csv")), want);
    assert_eq!(rows(&bound.join("result.csv")), want);
}

/// How many generated cases the DuckDB run checks (`SEG_SQL_CASES`).
fn cases() -> usize {
    std::env::var("SEG_SQL_CASES").map_or(300, |n| n.parse().expect("a whole number"))
}

#[test]
fn generated_programs_have_the_same_members_on_duckdb() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    let strategy = (vec(any::<u32>(), 0..2000), vec(any::<u32>(), 500..8000));
    let dir = tempdir();
    let mut folders = Vec::new();
    let mut wants = Vec::new();
    let mut segments = 0;
    for i in 0..cases() {
        let (program_tape, data_tape) = strategy.new_tree(&mut runner).expect("tapes").current();
        let data = data::data(&data_tape);
        let program = program::program(&program_tape, data.now);
        let case = TextCase::new(&program, &data);
        let (_, checked) = seg::check::example::check_example(&case.example());
        // The checker refuses constant arithmetic whose value would be missing (E0215).
        let Some(plan) = checked.plan else { continue };
        let folder = dir.join(format!("case{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        let store = load(&plan, &case, &folder);
        let reference = seg::interp::evaluate(&plan, &store, data.now);
        seg::sql::layout::write(&store, &plan.schema, &folder).expect("the layout");
        let all: Vec<usize> = (0..plan.segments.len()).collect();
        let options = seg::sql::Options {
            dialect: seg::sql::Dialect::Duckdb,
            as_of: Some(data.now),
            tables: seg::sql::Tables::default(),
        };
        let sql = seg::sql::compile(&plan, &all, &options)
            .unwrap_or_else(|r| panic!("DuckDB refused case {i}: {r:?}\n{}", case.example()));
        std::fs::write(folder.join("query.sql"), sql).unwrap();
        let mut want = BTreeSet::new();
        for (s, segment) in plan.segments.iter().enumerate() {
            let ids = match segment.target {
                seg::plan::Target::User => &store.users.ids,
                seg::plan::Target::Account => &store.accounts.ids,
            };
            for (e, &member) in reference.members[s].iter().enumerate() {
                if member {
                    want.insert(format!("{},{}", segment.name, ids[e]));
                }
            }
        }
        segments += plan.segments.len();
        std::fs::write(folder.join("case.txt"), case.example()).unwrap();
        folders.push((folder, None));
        wants.push(want);
    }
    run_duckdb(&folders);
    let mut mismatches = Vec::new();
    for ((folder, _), want) in folders.iter().zip(&wants) {
        let got = rows(&folder.join("result.csv"));
        if &got != want {
            let missing: Vec<_> = want.difference(&got).take(5).collect();
            let extra: Vec<_> = got.difference(want).take(5).collect();
            mismatches.push(format!(
                "{}: DuckDB lacks {missing:?}, has extra {extra:?}",
                folder.join("case.txt").display()
            ));
        }
    }
    eprintln!(
        "seg sql on DuckDB: {} cases, {segments} segments, {} mismatches",
        folders.len(),
        mismatches.len()
    );
    assert!(folders.len() * 10 > cases() * 8, "too few cases checked");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

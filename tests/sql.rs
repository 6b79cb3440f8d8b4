//! `seg sql` on the real engines: DuckDB, ClickHouse (chdb, in process) and Spark SQL
//! (pyspark in local mode, on the JRE), from PyPI in the Python that `.ci/setup` prepares,
//! and PostgreSQL from Debian's package, a throwaway cluster on loopback. For every example
//! segment (as of an instant written into the SQL and as a bound parameter), for every
//! `.segtest` case, and for generated programs over generated data (the differential
//! generator's: ties, window edges, missing values), the members each engine returns equal
//! the reference interpreter's. A missing engine fails the test, saying how to install it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::cli::{root, seg, stderr, tempdir};
use crate::differential::{data, load, program, TextCase};

/// The Python with DuckDB, chdb and pyspark.
fn python() -> PathBuf {
    venv_python("duckdb, chdb, pyspark")
}

/// The tests' Python (`SEG_SQL_PYTHON`, or the one `.ci/setup` makes), once it imports
/// `modules` (a Python import list); a missing one fails the test, naming what to run.
pub(crate) fn venv_python(modules: &str) -> PathBuf {
    let path = std::env::var_os("SEG_SQL_PYTHON")
        .map_or_else(|| root().join("target/sql-venv/bin/python"), PathBuf::from);
    let ok = Command::new(&path)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "no Python that imports {modules} at {}: run `bash .ci/setup` (or set SEG_SQL_PYTHON)",
        path.display()
    );
    path
}

/// A folder of layout files and the SQL of some dialects (`DIALECT.sql`), with the instant to
/// bind (None: written into the SQL). Each engine writes its rows to `DIALECT.csv` beside
/// them, or its error to `DIALECT.err`.
type Folder = (PathBuf, Option<String>);

/// Runs each folder's `clickhouse.sql` on ClickHouse (chdb, in process), over views of the
/// folder's layout files.
fn run_clickhouse(folders: &[Folder]) {
    let script = r#"
import chdb, sys
from chdb import session
s = session.Session()
for line in sys.stdin.read().splitlines():
    folder, _, now = line.partition('\t')
    for t in ['events', 'profiles', 'accounts']:
        s.query(f"CREATE OR REPLACE VIEW {t} AS SELECT * FROM file('{folder}/{t}.parquet', Parquet)")
    sql = open(f'{folder}/clickhouse.sql').read().rstrip().rstrip(';')
    try:
        rows = str(s.query(sql, 'TabSeparatedRaw', params={'now': now} if now else None))
    except Exception as e:
        open(f'{folder}/clickhouse.err', 'w').write(str(e))
        continue
    open(f'{folder}/clickhouse.csv', 'w').write(rows.replace('\t', ','))
"#;
    python_over(script, &[], folders, "ClickHouse (chdb) failed");
}

/// Runs each folder's `spark.sql` on Spark SQL in local mode, over temporary views of the
/// folder's layout files. The session's time zone is not UTC: the SQL must not depend on it.
/// Memory pages are small (1 MiB): Spark sizes them from the driver's memory, and a query of
/// dozens of aggregates and broadcast joins over a few rows otherwise runs out of it, a page
/// each. A session runs at most 20 folders: the driver keeps what each query leaves behind
/// (plans, broadcasts), and a long run exhausts its heap.
fn run_spark(folders: &[Folder]) {
    let script = r"
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master('local[2]').appName('seg-sql-test')
    .config('spark.sql.session.timeZone', 'Asia/Kolkata')
    .config('spark.ui.enabled', 'false').config('spark.ui.showConsoleProgress', 'false')
    .config('spark.sql.shuffle.partitions', '2').config('spark.driver.memory', '2g')
    .config('spark.buffer.pageSize', '1m').config('spark.sql.ui.retainedExecutions', '1')
    .config('spark.sql.adaptive.enabled', 'false').getOrCreate())
spark.sparkContext.setLogLevel('ERROR')
for line in sys.stdin.read().splitlines():
    folder, _, now = line.partition('\t')
    for t in ['events', 'profiles', 'accounts']:
        spark.read.parquet(f'{folder}/{t}.parquet').createOrReplaceTempView(t)
    sql = open(f'{folder}/spark.sql').read().rstrip().rstrip(';')
    try:
        rows = spark.sql(sql, args={'now': now} if now else None).collect()
    except Exception as e:
        open(f'{folder}/spark.err', 'w').write(str(e))
        continue
    open(f'{folder}/spark.csv', 'w').write(''.join(f'{a},{b}\n' for a, b in rows))
spark.stop()
";
    for session in folders.chunks(20) {
        python_over(script, &[], session, "Spark failed");
    }
}

/// Runs each `(folder, now)`'s `duckdb.sql` on DuckDB over the folder's layout files (and
/// binds `now` when given), writing `duckdb.csv` (`segment,user_id` rows) beside it.
fn run_duckdb(folders: &[Folder]) {
    let script = r#"
import duckdb, sys
for line in sys.stdin.read().splitlines():
    folder, _, now = line.partition('\t')
    c = duckdb.connect()
    for t in ['events', 'profiles', 'accounts']:
        c.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{folder}/{t}.parquet')")
    sql = open(f'{folder}/duckdb.sql').read()
    try:
        rows = c.execute(sql, {'now': now} if now else None).fetchall()
    except Exception as e:
        open(f'{folder}/duckdb.err', 'w').write(str(e))
        continue
    with open(f'{folder}/duckdb.csv', 'w') as out:
        for segment, user in rows:
            out.write(f'{segment},{user}\n')
"#;
    python_over(script, &[], folders, "DuckDB failed on a query");
}

fn rows(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

const AS_OF: &str = "2026-11-15T12:00:00Z";

const DIALECTS: [&str; 4] = ["duckdb", "postgres", "clickhouse", "spark"];

/// A folder to run, and the dialects whose SQL it holds.
struct Run {
    folder: PathBuf,
    now: Option<String>,
    dialects: Vec<&'static str>,
}

/// Runs every engine over the folders that hold its SQL; returns psql's error output.
fn run_engines(runs: &[Run]) -> String {
    let of = |dialect: &str| -> Vec<Folder> {
        runs.iter()
            .filter(|r| r.dialects.contains(&dialect))
            .map(|r| (r.folder.clone(), r.now.clone()))
            .collect()
    };
    run_duckdb(&of("duckdb"));
    run_clickhouse(&of("clickhouse"));
    run_spark(&of("spark"));
    let on_postgres = of("postgres");
    if on_postgres.is_empty() {
        return String::new();
    }
    let pg = Postgres::start();
    run_postgres(&pg, &on_postgres)
}

/// The rows an engine returned in a folder, or its error.
fn outcome(folder: &Path, dialect: &str) -> Result<BTreeSet<String>, String> {
    let error = folder.join(format!("{dialect}.err"));
    match std::fs::read_to_string(&error) {
        Ok(message) => Err(message),
        Err(_) => Ok(rows(&folder.join(format!("{dialect}.csv")))),
    }
}

/// The `segment,id` rows of the reference interpreter's members.
fn members(plan: &seg::plan::Plan, store: &seg::store::Store, now: i64) -> BTreeSet<String> {
    let reference = seg::interp::evaluate(plan, store, now);
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
    want
}

/// `seg sql`'s SQL of every segment of `plan` in each dialect, written into `folder`; the
/// dialects written, and each refusal's message.
fn write_sql(
    plan: &seg::plan::Plan,
    now: i64,
    folder: &Path,
    dialects: &[&'static str],
) -> (Vec<&'static str>, Vec<String>) {
    let all: Vec<usize> = (0..plan.segments.len()).collect();
    let (mut written, mut refused) = (Vec::new(), Vec::new());
    for &name in dialects {
        let dialect =
            <seg::sql::Dialect as clap::ValueEnum>::from_str(name, false).expect("a dialect");
        let options = seg::sql::Options {
            dialect,
            as_of: Some(now),
            tables: seg::sql::Tables::default(),
        };
        match seg::sql::compile(plan, &all, &options) {
            Ok(sql) => {
                std::fs::write(folder.join(format!("{name}.sql")), sql).unwrap();
                written.push(name);
            }
            Err(refusals) => refused.extend(refusals.into_iter().map(|r| r.message)),
        }
    }
    (written, refused)
}

#[test]
fn every_example_segment_has_the_same_members_on_every_sql_engine() {
    let dir = tempdir();
    let examples = root().join("examples");
    let run = |args: &[&str]| {
        let output = seg(args, &examples);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
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
    // Spark takes a minute over all the segments: with `now` bound, it runs every eighth.
    let some: Vec<&str> = segments.iter().copied().step_by(8).collect();
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
        for dialect in DIALECTS {
            let mut args = vec!["sql", "--dialect", dialect];
            if folder == &written {
                args.extend(["--as-of", AS_OF]);
            } else if dialect == "spark" {
                for name in &some {
                    args.extend(["--segment", name]);
                }
            }
            std::fs::write(folder.join(format!("{dialect}.sql")), run(&args)).unwrap();
        }
    }
    let runs = [
        Run {
            folder: written.clone(),
            now: None,
            dialects: DIALECTS.to_vec(),
        },
        Run {
            folder: bound.clone(),
            now: Some("2026-11-15 12:00:00".into()),
            dialects: DIALECTS.to_vec(),
        },
    ];
    let errors = run_engines(&runs);
    assert!(!errors.contains("ERROR"), "{errors}");
    for dialect in DIALECTS {
        for run in &runs {
            let got = outcome(&run.folder, dialect)
                .unwrap_or_else(|e| panic!("{dialect} in {}: {e}", run.folder.display()));
            let expected: BTreeSet<String> = if run.now.is_some() && dialect == "spark" {
                let of_some = |r: &&String| some.contains(&r.split(',').next().unwrap());
                want.iter().filter(of_some).cloned().collect()
            } else {
                want.clone()
            };
            assert!(!expected.is_empty());
            assert_eq!(got, expected, "{dialect} in {}", run.folder.display());
        }
    }
    eprintln!(
        "seg sql on the examples: {} segments, {} member rows, the same on {} (an instant \
         written and one bound)",
        segments.len(),
        want.len(),
        DIALECTS.join(", ")
    );
}

#[test]
fn every_segtest_case_has_the_same_members_on_every_sql_engine() {
    let dir = tempdir();
    let files = seg::segtest::discover(&root().join("examples/tests")).expect("the test files");
    assert!(files.len() >= 4, "{files:?}");
    let mut runs = Vec::new();
    let mut wants = Vec::new();
    let mut expectations = 0;
    for (i, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let test = seg::segtest::parse(path, &text).expect("a test file");
        let (plan, store, _) = seg::segtest::prepare(&test).expect("a test that runs");
        expectations += test
            .expect
            .iter()
            .map(|e| e.members.len() + e.non_members.len())
            .sum::<usize>();
        let folder = dir.join(format!("test{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        seg::sql::layout::write(&store, &plan.schema, &folder).expect("the layout");
        let (written, refused) = write_sql(&plan, test.as_of, &folder, &DIALECTS);
        assert!(refused.is_empty(), "{}: {refused:?}", path.display());
        wants.push((path.clone(), members(&plan, &store, test.as_of)));
        runs.push(Run {
            folder,
            now: None,
            dialects: written,
        });
    }
    let errors = run_engines(&runs);
    assert!(!errors.contains("ERROR"), "{errors}");
    for dialect in DIALECTS {
        for (run, (path, want)) in runs.iter().zip(&wants) {
            let got = outcome(&run.folder, dialect)
                .unwrap_or_else(|e| panic!("{dialect} on {}: {e}", path.display()));
            assert_eq!(&got, want, "{dialect} on {}", path.display());
        }
    }
    eprintln!(
        "seg sql on the .segtest files: {} files ({expectations} expectations), {} member rows, \
         the same on {}",
        files.len(),
        wants.iter().map(|(_, w)| w.len()).sum::<usize>(),
        DIALECTS.join(", ")
    );
}

/// How many generated cases the equivalence run checks (`SEG_SQL_CASES`), and how many of
/// them Spark runs (`SEG_SQL_SPARK_CASES`: a query takes Spark seconds where the others take
/// milliseconds).
fn cases() -> (usize, usize) {
    let count = |name: &str, default: usize| {
        std::env::var(name).map_or(default, |n| n.parse().expect("a whole number"))
    };
    (
        count("SEG_SQL_CASES", 300),
        count("SEG_SQL_SPARK_CASES", 30),
    )
}

#[test]
fn generated_programs_have_the_same_members_on_every_sql_engine() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    let strategy = (vec(any::<u32>(), 0..2000), vec(any::<u32>(), 500..8000));
    let dir = tempdir();
    let (total, on_spark) = cases();
    let mut runs = Vec::new();
    let mut wants = Vec::new();
    let mut segments = 0;
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..total {
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
        seg::sql::layout::write(&store, &plan.schema, &folder).expect("the layout");
        let dialects: Vec<&'static str> = DIALECTS
            .into_iter()
            .filter(|&d| d != "spark" || runs.len() < on_spark)
            .collect();
        let (written, refusals) = write_sql(&plan, data.now, &folder, &dialects);
        for message in refusals {
            *refused.entry(message).or_default() += 1;
        }
        assert!(written.contains(&"duckdb"), "DuckDB refused case {i}");
        segments += plan.segments.len();
        std::fs::write(folder.join("case.txt"), case.example()).unwrap();
        wants.push(members(&plan, &store, data.now));
        runs.push(Run {
            folder,
            now: None,
            dialects: written,
        });
    }
    let errors = run_engines(&runs);
    // PostgreSQL raises an error where a sum or a mean passes the largest double (seg's
    // engines give infinity): an error, never a wrong answer; counted apart. Any other error
    // fails the test.
    let overflowed: BTreeSet<String> = errors
        .lines()
        .filter(|l| l.ends_with("ERROR:  value out of range: overflow"))
        .filter_map(|l| l.strip_prefix("psql:")?.split("/postgres.sql").next())
        .map(str::to_string)
        .collect();
    let other_errors: Vec<&str> = errors
        .lines()
        .filter(|l| l.contains("ERROR") && !l.ends_with("value out of range: overflow"))
        .collect();
    let mut summary = String::new();
    let mut mismatches = Vec::new();
    for dialect in DIALECTS {
        let (mut checked, mut checked_segments, mut failed) = (0, 0, 0);
        for (run, want) in runs.iter().zip(&wants) {
            let overflow = overflowed.contains(&run.folder.display().to_string());
            if !run.dialects.contains(&dialect) || (dialect == "postgres" && overflow) {
                continue;
            }
            checked += 1;
            checked_segments += want
                .iter()
                .map(|r| r.split(',').next())
                .collect::<BTreeSet<_>>()
                .len();
            let case = run.folder.join("case.txt");
            match outcome(&run.folder, dialect) {
                Ok(got) if &got == want => {}
                Ok(got) => {
                    failed += 1;
                    let missing: Vec<_> = want.difference(&got).take(5).collect();
                    let extra: Vec<_> = got.difference(want).take(5).collect();
                    mismatches.push(format!(
                        "{dialect}: {}: lacks {missing:?}, has extra {extra:?}",
                        case.display()
                    ));
                }
                Err(e) => {
                    failed += 1;
                    let e: String = e.chars().take(600).collect();
                    mismatches.push(format!("{dialect}: {}: error {e}", case.display()));
                }
            }
        }
        let _ = writeln!(
            summary,
            "seg sql on {dialect}: {checked} cases, {failed} mismatches \
             ({checked_segments} segments with members)"
        );
    }
    eprintln!(
        "{summary}{segments} segments in {} cases; PostgreSQL overflow errors in {} cases; \
         refused: {refused:?}",
        runs.len(),
        overflowed.len()
    );
    let on = |dialect| {
        runs.iter()
            .filter(|r| r.dialects.contains(&dialect))
            .count()
    };
    assert!(runs.len() * 10 > total * 8, "too few cases checked");
    for dialect in ["postgres", "clickhouse"] {
        assert!(
            on(dialect) * 10 > runs.len() * 8,
            "{dialect} refused too many: {refused:?}"
        );
    }
    assert!(
        on("spark") * 10 >= on_spark.min(runs.len()) * 8,
        "Spark refused too many: {refused:?}"
    );
    assert!(mismatches.is_empty(), "{}\n{errors}", mismatches.join("\n"));
    assert!(other_errors.is_empty(), "{}", other_errors.join("\n"));
    assert!(
        overflowed.len() * 50 < on("postgres"),
        "too many overflows: {overflowed:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs a Python script (with DuckDB) with `args`, giving it the folders on standard input,
/// a line each: the folder, a tab, and the instant to bind (or nothing).
fn python_over(script: &str, args: &[&Path], folders: &[Folder], what: &str) {
    if folders.is_empty() {
        return;
    }
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
        .args(args)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("the folders");
    assert!(child.wait().expect("python ends").success(), "{what}");
}

/// A throwaway PostgreSQL cluster on a loopback port, from Debian's package (`.ci/setup`
/// installs it); stopped when dropped. As root, the server runs as the `postgres` user.
struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Postgres {
    fn start() -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                versions
                    .filter_map(Result::ok)
                    .map(|v| v.path().join("bin"))
                    .filter(|b| b.join("initdb").exists())
                    .max()
            })
            .expect("no PostgreSQL under /usr/lib/postgresql: run `bash .ci/setup`");
        let dir = tempdir().join("pg");
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let pg = Postgres { bin, dir, port };
        if Self::as_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&pg.dir)
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let data = pg.dir.join("data").display().to_string();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth=trust",
            ],
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            pg.port,
            pg.dir.display()
        );
        let log = pg.dir.join("log").display().to_string();
        pg.run(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
        pg
    }

    fn as_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
    }

    /// Runs a PostgreSQL program (as `postgres` when root); panics on failure.
    fn run(&self, program: &str, args: &[&str]) -> String {
        let path = self.bin.join(program);
        let output = if Self::as_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(args)
                .output()
        } else {
            Command::new(&path).args(args).output()
        }
        .unwrap_or_else(|e| panic!("{program}: {e}"));
        let err = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{program} failed: {err}");
        err
    }

    /// Runs a psql script; returns its error output.
    fn psql(&self, script: &Path) -> String {
        let port = self.port.to_string();
        let script = script.display().to_string();
        self.run(
            "psql",
            &[
                "-X",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-f",
                &script,
            ],
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let path = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if Self::as_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(args)
                .output()
        } else {
            Command::new(&path).args(args).output()
        };
    }
}

/// Runs each folder's `postgres.sql` on PostgreSQL over its layout files (each case in a
/// schema of its own), writing `postgres.csv` beside it: the layout is turned into CSV by DuckDB, and
/// loaded with `\copy`. Returns psql's error output.
fn run_postgres(pg: &Postgres, folders: &[Folder]) -> String {
    let script = r#"
import duckdb, sys
types = {'VARCHAR': 'text', 'DOUBLE': 'double precision', 'BOOLEAN': 'boolean',
         'TIMESTAMP WITH TIME ZONE': 'timestamptz'}
out = []
for i, line in enumerate(sys.stdin.read().splitlines()):
    folder, _, now = line.partition('\t')
    c = duckdb.connect()
    out.append(f'CREATE SCHEMA c{i};\nSET search_path TO c{i};\n')
    for t in ['events', 'profiles', 'accounts']:
        source = f"read_parquet('{folder}/{t}.parquet')"
        columns = c.execute(f'DESCRIBE SELECT * FROM {source}').fetchall()
        ddl = ', '.join(f'"{n}" {types[ty]}' for n, ty, *_ in columns)
        c.execute(f"COPY (SELECT * FROM {source}) TO '{folder}/{t}.csv' (HEADER, FORMAT csv)")
        out.append(f"CREATE TABLE {t} ({ddl});\n\\copy {t} FROM '{folder}/{t}.csv' CSV HEADER\n")
        out.append(f'CREATE INDEX ON {t} ("{columns[0][0]}");\nANALYZE {t};\n')
    if now:
        out.append(f"\\set now '{now}'\n")
    out.append(f"\\o {folder}/postgres.csv\n\\i {folder}/postgres.sql\n\\o\n")
open(sys.argv[1], 'w').write(''.join(out))
"#;
    let load = folders[0]
        .0
        .parent()
        .expect("a parent")
        .join("load-postgres.sql");
    let mut input =
        String::from("\\pset format unaligned\n\\pset tuples_only on\n\\pset fieldsep ,\nSET statement_timeout = '60s';\n");
    python_over(script, &[&load], folders, "the layout to CSV");
    input.push_str(&std::fs::read_to_string(&load).expect("the script"));
    std::fs::write(&load, input).expect("the script");
    if Postgres::as_root() {
        let status = Command::new("chmod")
            .args(["-R", "a+rwX"])
            .arg(folders[0].0.parent().expect("a parent"))
            .status()
            .expect("chmod");
        assert!(status.success());
    }
    pg.psql(&load)
}

/// `seg sql` over one segment file and a schema: exit code and stderr.
fn sql_of(dialect: &str, segments: &str, schema: &str) -> (Option<i32>, String) {
    let dir = tempdir();
    std::fs::write(dir.join("main.seg"), segments).unwrap();
    std::fs::write(dir.join("schema.toml"), schema).unwrap();
    sql_in(&dir, dialect)
}

/// `seg sql` over `main.seg` and `schema.toml` in `dir`: exit code and stderr.
fn sql_in(dir: &Path, dialect: &str) -> (Option<i32>, String) {
    let args = [
        "sql",
        "--dialect",
        dialect,
        "--schema",
        "schema.toml",
        "main.seg",
    ];
    let output = seg(&args, dir);
    (output.status.code(), stderr(&output))
}

const SCHEMA: &str =
    "[events.page_view]\nurl = \"string\"\n\n[events.purchase]\nvalue = \"number\"\n";

#[test]
fn postgres_refuses_a_pattern_its_regular_expressions_read_otherwise() {
    let segments = "segment digits = did(page_view where url matches \"^/p/\\\\d+$\")\n";
    let (code, err) = sql_of("postgres", segments, SCHEMA);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("main.seg:1:38: PostgreSQL cannot express this `matches` pattern"),
        "{err}"
    );
    let (code, err) = sql_of("duckdb", segments, SCHEMA);
    assert_eq!(code, Some(0), "{err}");
    // Written where both read it alike.
    let plain = "segment shop = did(page_view where url matches \"^/(shop|store)(/|$)\")\n";
    let (code, err) = sql_of("postgres", plain, SCHEMA);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn every_dialect_refuses_a_list_too_long_for_the_sql_text() {
    let dir = tempdir();
    let mut ids = String::new();
    for i in 0..=seg::sql::MAX_SQL_LIST_IDS {
        let _ = writeln!(ids, "u{i}");
    }
    std::fs::write(dir.join("many.txt"), ids).unwrap();
    std::fs::write(dir.join("few.txt"), "u1\nu2\n").unwrap();
    std::fs::write(dir.join("schema.toml"), SCHEMA).unwrap();
    for dialect in DIALECTS {
        for (list, code) in [("many.txt", 1), ("few.txt", 0)] {
            std::fs::write(
                dir.join("main.seg"),
                format!("segment listed_ones = listed(\"{list}\")\n"),
            )
            .unwrap();
            let (got, err) = sql_in(&dir, dialect);
            assert_eq!(got, Some(code), "{dialect} {list}: {err}");
            if code == 1 {
                assert!(err.contains("main.seg:1:23:"), "{err}");
                assert!(err.contains("a list of 100001 ids"), "{err}");
            }
        }
    }
}

#[test]
fn every_dialect_refuses_a_string_holding_nul_and_a_property_of_two_types() {
    let nul = "segment odd = did(page_view where url == \"a\u{0}b\")\n";
    let two_types =
        "[events.page_view]\nvalue = \"string\"\n\n[events.purchase]\nvalue = \"number\"\n";
    for dialect in DIALECTS {
        let (code, err) = sql_of(dialect, nul, SCHEMA);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("main.seg:1:42:") && err.contains("NUL"),
            "{err}"
        );
        let (code, err) = sql_of(dialect, "segment b = did(purchase)\n", two_types);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("the property `value`"), "{err}");
    }
}

#[test]
fn re2_dialects_refuse_a_unicode_class_and_translate_a_digit() {
    // `\w` is Unicode in seg, ASCII in RE2 (DuckDB's and ClickHouse's regular expressions).
    let word = "segment worded = did(page_view where url matches \"^/\\\\w+$\")\n";
    for dialect in ["duckdb", "clickhouse"] {
        let (code, err) = sql_of(dialect, word, SCHEMA);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("main.seg:1:38:"), "{err}");
        assert!(
            err.contains("cannot express this `matches` pattern exactly: `\\w`, a Unicode class"),
            "{err}"
        );
    }
    // `\d` has an exact equivalent, `\p{Nd}`, and a count past RE2's 1,000 has none.
    let digits = "segment digits = did(page_view where url matches \"^/p/\\\\d+$\")\n";
    let many = "segment many = did(page_view where url matches \"^a{1001}$\")\n";
    for dialect in ["duckdb", "clickhouse"] {
        let (code, err) = sql_of(dialect, digits, SCHEMA);
        assert_eq!(code, Some(0), "{err}");
        let (code, err) = sql_of(dialect, many, SCHEMA);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("RE2 repeats at most 1000 times"), "{err}");
    }
}

#[test]
fn spark_refuses_flags_and_nested_classes_its_java_expressions_read_otherwise() {
    for (pattern, why) in [
        ("(?i)demo", "the group or flags `(?i`"),
        ("[[:alpha:]]", "a class within a class"),
        ("\\\\s", "`\\s`, a Unicode class"),
    ] {
        let segments = format!("segment odd = did(page_view where url matches \"{pattern}\")\n");
        let (code, err) = sql_of("spark", &segments, SCHEMA);
        assert_eq!(code, Some(1), "{pattern}: {err}");
        assert!(
            err.contains("main.seg:1:35: Spark SQL cannot express"),
            "{err}"
        );
        assert!(err.contains(why), "{pattern}: {err}");
    }
    // `.` and `$` have exact equivalents in Java, `[^\n]` and `\z`.
    let plain = "segment shop = did(page_view where url matches \"^/sho.$\")\n";
    let (code, err) = sql_of("spark", plain, SCHEMA);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        sql_of(
            "clickhouse",
            "segment ci = did(page_view where url matches \"(?i)demo\")\n",
            SCHEMA
        )
        .0,
        Some(0)
    );
}

//! `.segtest` files: unit tests for segments, in TOML (docs/cli.md, `seg test`).
//!
//! A test file names segment files and a schema (paths relative to it), an `as_of` instant,
//! events, profiles and accounts written inline, and for some segments the ids expected to be
//! members and non-members. Running one: check the segment files, type the inline rows with
//! the data loaders' own code (`store::load::load_rows`, so a test's rows obey the same rules
//! as a data file's), evaluate with every engine (the reference interpreter, the fused
//! interpreter and the JIT), and compare each engine's verdict on each listed id with the
//! expectation. A failure carries the explanation (`crate::explain`) of that id and segment.

mod parse;

use std::path::{Path, PathBuf};

use crate::check::{check_paths, DiskFs};
use crate::engine::Engine;
use crate::explain::{Explainer, SegmentExplanation};
use crate::plan::{Plan, SegmentId, Target};
use crate::source::SourceMap;
use crate::store::load::{load_rows, Kind};
use crate::store::{Store, StoreBuilder};
pub use parse::{parse, Expectation, Row, TestFile};

/// The engines every test runs on.
pub const ENGINES: [Engine; 3] = [Engine::Reference, Engine::Interp, Engine::Jit];

/// Why a test file could not be run.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// A file cannot be read (exit 2).
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The test file is malformed: bad TOML, a bad row, an unknown segment or id (exit 1).
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The segment files have errors (rendered diagnostics; exit 1).
    #[error("{path}: the segment files do not check:\n{rendered}")]
    Check { path: String, rendered: String },
    /// An engine could not run (exit 2).
    #[error("{path}: the {engine} engine failed: {message}")]
    Engine {
        path: String,
        engine: &'static str,
        message: String,
    },
}

impl TestError {
    /// Usage and I/O problems, as opposed to a broken test.
    #[must_use]
    pub fn is_io(&self) -> bool {
        matches!(self, TestError::Io { .. } | TestError::Engine { .. })
    }
}

/// The outcome of one expected segment of a test file.
#[derive(Debug)]
pub struct SegmentOutcome {
    pub segment: String,
    /// How many ids were checked.
    pub checked: usize,
    pub failures: Vec<Failure>,
}

impl SegmentOutcome {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// An id whose verdict differs from the expectation in at least one engine.
#[derive(Debug)]
pub struct Failure {
    pub id: String,
    /// Expected a member (true) or a non-member.
    pub expected: bool,
    /// Each engine's verdict.
    pub verdicts: Vec<(&'static str, bool)>,
    /// Why the reference interpreter decides as it does.
    pub explanation: SegmentExplanation,
}

/// The name of an engine as `--engine` spells it.
#[must_use]
pub fn engine_name(engine: Engine) -> &'static str {
    engine.name()
}

/// Reads, parses and runs one test file.
pub fn run_file(path: &Path) -> Result<Vec<SegmentOutcome>, TestError> {
    let io_error = |source| TestError::Io {
        path: path.display().to_string(),
        source,
    };
    let text = crate::check::load::read_text(path).map_err(io_error)?;
    let test = parse(path, &text)?;
    run(&test)
}

/// Runs a parsed test file.
pub fn run(test: &TestFile) -> Result<Vec<SegmentOutcome>, TestError> {
    let name = test.path.display().to_string();
    let (plan, store, sources) = prepare(test)?;
    let expected = resolve(test, &plan, &store)?;
    let mut verdicts: Vec<(&'static str, crate::interp::Memberships)> = Vec::new();
    for engine in ENGINES {
        let prepared =
            crate::engine::prepare(&plan, &store, test.as_of, engine).map_err(|message| {
                TestError::Engine {
                    path: name.clone(),
                    engine: engine_name(engine),
                    message,
                }
            })?;
        verdicts.push((engine_name(engine), prepared.run()));
    }
    let explainer = Explainer::new(&plan, &store, &sources, test.as_of);
    Ok(expected
        .iter()
        .map(|(segment, ids)| {
            let mut failures = Vec::new();
            for &(index, member, id) in ids {
                let got: Vec<(&'static str, bool)> = verdicts
                    .iter()
                    .map(|(engine, m)| (*engine, m.members[segment.0 as usize][index]))
                    .collect();
                if got.iter().any(|(_, verdict)| *verdict != member) {
                    let entity = explainer
                        .entity(plan.segment(*segment).target, id)
                        .expect("resolved ids exist");
                    let focus = explainer.focus(entity);
                    failures.push(Failure {
                        id: id.to_string(),
                        expected: member,
                        verdicts: got,
                        explanation: explainer.segment(&focus, *segment),
                    });
                }
            }
            SegmentOutcome {
                segment: plan.segment(*segment).name.clone(),
                checked: ids.len(),
                failures,
            }
        })
        .collect())
}

/// The plan of a test file's segments and the store of its rows: what its engines run on
/// (and `seg sql`'s equivalence tests, on the SQL engines).
///
/// # Errors
/// Segment files that cannot be read or do not check, and bad rows.
pub fn prepare(test: &TestFile) -> Result<(Plan, Store, SourceMap), TestError> {
    let name = test.path.display().to_string();
    let mut sources = SourceMap::new();
    let checked =
        check_paths(&DiskFs, &mut sources, &test.schema, &test.segments).map_err(|e| {
            TestError::Io {
                path: e.path,
                source: e.source,
            }
        })?;
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    let plan = match checked.plan {
        Some(plan) if errors.is_empty() => plan,
        _ => {
            return Err(TestError::Check {
                path: name,
                rendered: crate::diag::render::to_plain_string(&sources, &errors),
            })
        }
    };
    let store = load_store(test, &plan)?;
    Ok((plan, store, sources))
}

fn load_store(test: &TestFile, plan: &Plan) -> Result<Store, TestError> {
    let name = test.path.display().to_string();
    let mut builder = StoreBuilder::new(&plan.schema);
    for (kind, rows) in [
        (Kind::Events, &test.events),
        (Kind::Profiles, &test.profiles),
        (Kind::Accounts, &test.accounts),
    ] {
        let rows = rows.iter().map(|r| (r.line as u64, r.fields.as_slice()));
        load_rows(&mut builder, kind, &name, rows).map_err(|e| match e {
            crate::store::load::DataError::BadRow { line, reason, .. } => TestError::Invalid {
                path: name.clone(),
                line: usize::try_from(line).unwrap_or(usize::MAX),
                column: 1,
                message: format!("bad row: {reason}"),
            },
            other => TestError::Invalid {
                path: name.clone(),
                line: 1,
                column: 1,
                message: other.to_string(),
            },
        })?;
    }
    Ok(builder.finish())
}

/// An expectation's ids: (entity index, expected a member, id).
type ExpectedIds<'t> = Vec<(usize, bool, &'t str)>;

/// Each expectation's segment and ids, resolved against the plan and the store.
fn resolve<'t>(
    test: &'t TestFile,
    plan: &Plan,
    store: &Store,
) -> Result<Vec<(SegmentId, ExpectedIds<'t>)>, TestError> {
    let invalid = |line: usize, message: String| TestError::Invalid {
        path: test.path.display().to_string(),
        line,
        column: 1,
        message,
    };
    let mut resolved = Vec::new();
    for expectation in &test.expect {
        let Some(segment) = plan.find(&expectation.segment) else {
            let names = plan.segments.iter().map(|s| s.name.as_str());
            let hint = crate::names::suggest::closest(&expectation.segment, names)
                .map(|close| format!("; did you mean `{close}`?"))
                .unwrap_or_default();
            return Err(invalid(
                expectation.line,
                format!(
                    "no segment is named `{}` in {}{hint}",
                    expectation.segment,
                    segment_list(&test.segments)
                ),
            ));
        };
        let target = plan.segment(segment).target;
        let (ids, kind) = match target {
            Target::User => (&store.users, "user"),
            Target::Account => (&store.accounts, "account"),
        };
        let mut listed = Vec::new();
        for (member, list) in [
            (true, &expectation.members),
            (false, &expectation.non_members),
        ] {
            for id in list {
                let Some(index) = ids.get(id) else {
                    return Err(invalid(
                        expectation.line,
                        format!(
                            "`{}` expects {kind} `{id}`, which has no rows in this test",
                            expectation.segment
                        ),
                    ));
                };
                if listed.iter().any(|&(_, _, other)| other == id) {
                    return Err(invalid(
                        expectation.line,
                        format!("`{id}` is listed twice under `{}`", expectation.segment),
                    ));
                }
                listed.push((index as usize, member, id.as_str()));
            }
        }
        resolved.push((segment, listed));
    }
    Ok(resolved)
}

fn segment_list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// Every `*.segtest` file below a folder (hidden folders and `target` skipped), sorted; a
/// file is itself.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !root.is_dir() {
        std::fs::metadata(root)?;
        return Ok(vec![root.to_path_buf()]);
    }
    let enter = |dir: &Path| {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !name.starts_with('.') && name != "target"
    };
    crate::check::load::files_below(root, &enter, &|p| {
        p.extension().is_some_and(|e| e == "segtest")
    })
}

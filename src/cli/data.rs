//! What the commands that evaluate share: the flags for the schema, the data files, the
//! evaluation instant, bad rows and the segment files (each falling back on seg.toml), and the
//! two steps behind them: check the segment files (printing diagnostics), then load the data.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::check::{check_project, Project};
use super::datafiles;
use super::{usage_error, EXIT_FOUND, EXIT_USAGE};
use crate::diag::render;
use crate::plan::Plan;
use crate::schema::Schema;
use crate::source::SourceMap;
use crate::store::load::{load_file, Kind, LoadReport, OnBadRow};
use crate::store::{Store, StoreBuilder};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BadRows {
    Fail,
    Skip,
}

#[derive(Args)]
pub struct DataArgs {
    /// The schema (TOML); default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    pub schema: Option<PathBuf>,
    /// Event files (.ndjson, .jsonl, .csv, .parquet); default: `[data] events` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    pub events: Vec<PathBuf>,
    /// Profile files; default: `[data] profiles` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    pub profiles: Vec<PathBuf>,
    /// Account files; default: `[data] accounts` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    pub accounts: Vec<PathBuf>,
    /// The evaluation instant (RFC 3339, `YYYY-MM-DD HH:MM:SS` or a date); default: now.
    #[arg(long, value_name = "TS")]
    pub as_of: Option<String>,
    /// Fail on the first bad data row (default), or skip bad rows and report how many.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_bad_row: BadRows,
    /// Segment files or folders; default: `segments` in seg.toml.
    pub files: Vec<PathBuf>,
}

/// Checked segment files, before any data is read.
pub(crate) struct CheckedProject {
    pub project: Project,
    pub sources: SourceMap,
    pub plan: Plan,
    /// The evaluation instant (microseconds since the epoch).
    pub now: i64,
}

/// Parses `--as-of`, checks the segment files and prints their diagnostics; an error in them
/// exits 1, a usage or I/O problem 2.
pub(crate) fn check(args: &mut DataArgs) -> Result<CheckedProject, u8> {
    split_segment_files(args)?;
    let now = as_of(args)?;
    let (project, sources, checked) = check_project(args.schema.as_deref(), &args.files)?;
    let stderr = io::stderr();
    let _ = render::write_all(
        &mut stderr.lock(),
        &sources,
        &checked.diagnostics,
        false,
        render::stderr_color(),
    );
    let Some(plan) = checked.plan else {
        return Err(EXIT_FOUND);
    };
    if plan.segments.is_empty() {
        let roots: Vec<String> = project
            .roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        return Err(usage_error(format!(
            "no segments to evaluate: {} define{} none (only lets or imports); segments come \
             from the FILES named, or else from `segments` in seg.toml",
            roots.join(", "),
            if roots.len() == 1 { "s" } else { "" }
        )));
    }
    Ok(CheckedProject {
        project,
        sources,
        plan,
        now,
    })
}

/// `--as-of`, or the current instant.
pub(crate) fn as_of(args: &DataArgs) -> Result<i64, u8> {
    match &args.as_of {
        Some(text) => crate::time::parse_timestamp(text)
            .map_err(|e| usage_error(format!("--as-of `{text}`: {e}"))),
        None => Ok(crate::time::current()),
    }
}

/// Loads the data files the flags name, or else those of seg.toml.
pub(crate) fn load(args: &DataArgs, checked: &CheckedProject) -> Result<Store, u8> {
    load_timed(args, checked, &mut Vec::new())
}

/// [`load`], telling how long each file took in `loads`.
pub(crate) fn load_timed(
    args: &DataArgs,
    checked: &CheckedProject,
    loads: &mut Vec<FileLoad>,
) -> Result<Store, u8> {
    let inputs = inputs(args, &checked.project)?;
    // A progress line on a terminal, for loads that take more than a moment.
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let total = inputs.iter().flat_map(|(_, files)| files).map(size).sum();
    let progress = crate::repl::progress::Progress::start(total, true);
    load_files_timed(
        &checked.plan.schema,
        &inputs,
        on_bad_row(args),
        Some(progress),
        loads,
    )
}

/// How one data file loaded: its rows (those read that were not bad) and the time.
pub(crate) struct FileLoad {
    pub path: PathBuf,
    pub rows: usize,
    pub seconds: f64,
}

impl std::fmt::Display for FileLoad {
    /// `events.parquet: 22072701 rows in 0.901 s (24.5 M rows/s)`
    #[allow(clippy::cast_precision_loss)]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} rows in {:.3} s ({:.1} M rows/s)",
            self.path.display(),
            self.rows,
            self.seconds,
            self.rows as f64 / self.seconds.max(1e-9) / 1e6
        )
    }
}

/// The data files of each kind: the flags', or else seg.toml's (events are required), with
/// folders expanded to the data files below them; a file named twice is refused.
pub(crate) fn inputs(args: &DataArgs, project: &Project) -> Result<[(Kind, Vec<PathBuf>); 3], u8> {
    type Configured = fn(&crate::config::Config) -> &Vec<PathBuf>;
    let data = |flag: &[PathBuf], name: &str, configured: Configured| -> Result<Vec<PathBuf>, u8> {
        let (label, paths) = if flag.is_empty() {
            let paths = project
                .config
                .as_ref()
                .map(configured)
                .cloned()
                .unwrap_or_default();
            (format!("`[data] {name}` of seg.toml:"), paths)
        } else {
            (format!("--{name}"), flag.to_vec())
        };
        let expanded = datafiles::expand(&label, &paths).map_err(usage_error)?;
        for warning in &expanded.warnings {
            let _ = writeln!(io::stderr(), "seg: warning: {warning}");
        }
        Ok(expanded.files)
    };
    let events = data(&args.events, "events", |c| &c.events)?;
    if events.is_empty() {
        return Err(usage_error(
            "no event files: pass --events F..., or write `[data] events = [...]` in seg.toml",
        ));
    }
    let inputs = [
        (Kind::Events, events),
        (
            Kind::Profiles,
            data(&args.profiles, "profiles", |c| &c.profiles)?,
        ),
        (
            Kind::Accounts,
            data(&args.accounts, "accounts", |c| &c.accounts)?,
        ),
    ];
    datafiles::refuse_duplicates(inputs.iter().flat_map(|(_, files)| files))
        .map_err(usage_error)?;
    Ok(inputs)
}

pub(crate) fn on_bad_row(args: &DataArgs) -> OnBadRow {
    if args.on_bad_row == BadRows::Skip {
        OnBadRow::Skip
    } else {
        OnBadRow::Fail
    }
}

/// Segment files given among the data flags' values (`--events a.ndjson x.seg`) belong to
/// the positional files: the data flags take several values each. A folder stays a data
/// folder and is expanded now ([`datafiles::expand`]), so that a segment folder swallowed by a
/// data flag is reported as such before anything else.
pub(crate) fn split_segment_files(args: &mut DataArgs) -> Result<(), u8> {
    let is_segments = |p: &PathBuf| p.extension().is_some_and(|e| e == "seg");
    for (flag, list) in [
        ("--events", &mut args.events),
        ("--profiles", &mut args.profiles),
        ("--accounts", &mut args.accounts),
    ] {
        let (segments, data): (Vec<PathBuf>, Vec<PathBuf>) = list.drain(..).partition(is_segments);
        let expanded = datafiles::expand(flag, &data).map_err(usage_error)?;
        for warning in &expanded.warnings {
            let _ = writeln!(io::stderr(), "seg: warning: {warning}");
        }
        *list = expanded.files;
        args.files.extend(segments);
    }
    Ok(())
}

/// Indexes of the named segments (all when none are named), sorted by name; an unknown name
/// is an error message with a "did you mean".
pub(crate) fn selected(plan: &Plan, names: &[String]) -> Result<Vec<usize>, String> {
    let mut wanted: Vec<usize> = if names.is_empty() {
        (0..plan.segments.len()).collect()
    } else {
        names
            .iter()
            .map(|n| {
                plan.find(n)
                    .map(|id| id.0 as usize)
                    .ok_or_else(|| unknown_segment(plan, n))
            })
            .collect::<Result<_, _>>()?
    };
    wanted.sort_by(|&a, &b| {
        plan.segments[a]
            .name
            .as_bytes()
            .cmp(plan.segments[b].name.as_bytes())
    });
    wanted.dedup();
    Ok(wanted)
}

fn unknown_segment(plan: &Plan, name: &str) -> String {
    let names = plan.segments.iter().map(|s| s.name.as_str());
    if let Some(close) = crate::names::suggest::closest(name, names) {
        return format!("no segment is named `{name}`; did you mean `{close}`?");
    }
    // Nothing close: show what there is, so the user need not open the files.
    let mut known: Vec<&str> = plan.segments.iter().map(|s| s.name.as_str()).collect();
    known.sort_unstable();
    let shown = known.len().min(8);
    let more = if known.len() > shown { ", ..." } else { "" };
    format!(
        "no segment is named `{name}`; the {} segments are {}{more}",
        known.len(),
        known[..shown].join(", ")
    )
}

/// Loads the files into a store, reporting each file to `progress` (the REPL's progress line)
/// when there is one; a bad file is reported on stderr (exit 1, or 2 when it cannot be read).
pub(crate) fn load_files(
    schema: &Schema,
    inputs: &[(Kind, Vec<PathBuf>)],
    on_bad_row: OnBadRow,
    progress: Option<crate::repl::progress::Progress>,
) -> Result<Store, u8> {
    load_files_timed(schema, inputs, on_bad_row, progress, &mut Vec::new())
}

/// [`load_files`], telling how long each file took in `loads`.
fn load_files_timed(
    schema: &Schema,
    inputs: &[(Kind, Vec<PathBuf>)],
    on_bad_row: OnBadRow,
    progress: Option<crate::repl::progress::Progress>,
    loads: &mut Vec<FileLoad>,
) -> Result<Store, u8> {
    let mut builder = StoreBuilder::new(schema);
    feed(&mut builder, inputs, on_bad_row, progress, false, loads)?;
    Ok(builder.finish())
}

/// Loads the files into `builder` (see [`load_files`]), and flushes it when it spills.
/// `quiet`: no warnings (for a pass that reads files read again later).
pub(crate) fn feed(
    builder: &mut StoreBuilder<'_>,
    inputs: &[(Kind, Vec<PathBuf>)],
    on_bad_row: OnBadRow,
    mut progress: Option<crate::repl::progress::Progress>,
    quiet: bool,
    loads: &mut Vec<FileLoad>,
) -> Result<(), u8> {
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut report = LoadReport::default();
    for (kind, files) in inputs {
        for file in files {
            if let Some(progress) = &progress {
                progress.file(&file.display().to_string());
            }
            let (started, rows) = (std::time::Instant::now(), report.rows);
            let loaded = load_file(builder, *kind, Path::new(file), on_bad_row, &mut report);
            loads.push(FileLoad {
                path: file.clone(),
                rows: report.rows - rows,
                seconds: started.elapsed().as_secs_f64(),
            });
            if let Some(progress) = &progress {
                progress.done(size(file));
            }
            if let Err(e) = loaded {
                if let Some(progress) = progress.take() {
                    progress.finish();
                }
                return Err(fail(&e));
            }
        }
    }
    if let Some(progress) = progress {
        progress.finish();
    }
    builder.flush().map_err(|e| fail(&e))?;
    if quiet {
        return Ok(());
    }
    if let Some(warning) = report.unknown_warning() {
        let _ = writeln!(io::stderr(), "seg: warning: {warning}");
    }
    if report.skipped > 0 {
        let _ = writeln!(io::stderr(), "seg: skipped {} bad rows", report.skipped);
    }
    Ok(())
}

/// Reports a data error on stderr; the exit code: 2 when a file cannot be read, else 1.
pub(crate) fn fail(e: &crate::store::load::DataError) -> u8 {
    let _ = writeln!(io::stderr(), "seg: error: {e}");
    if matches!(e, crate::store::load::DataError::Io { .. }) {
        EXIT_USAGE
    } else {
        EXIT_FOUND
    }
}

/// [`check`], then the segments `names` asks for (all when empty) as plan indexes, sorted by
/// name; when some are named, the plan is cut to them and what they use.
pub(crate) fn check_selected(
    args: &mut DataArgs,
    names: &[String],
) -> Result<(CheckedProject, Vec<usize>), u8> {
    let mut checked = check(args)?;
    let mut wanted = selected(&checked.plan, names).map_err(usage_error)?;
    if !names.is_empty() {
        let roots: Vec<crate::plan::SegmentId> = wanted
            .iter()
            .map(|&s| crate::plan::SegmentId(u32::try_from(s).expect("fewer than 2^32 segments")))
            .collect();
        let (pruned, ids) = checked.plan.prune(&roots);
        checked.plan = pruned;
        wanted = ids.iter().map(|id| id.0 as usize).collect();
    }
    Ok((checked, wanted))
}

/// Every segment's members over `store` with the JIT, as of the checked instant.
pub(crate) fn evaluate(
    checked: &CheckedProject,
    store: &Store,
) -> Result<crate::interp::Memberships, u8> {
    crate::engine::prepare(
        &checked.plan,
        store,
        checked.now,
        crate::engine::Engine::Jit,
    )
    .map(|prepared| prepared.run())
    .map_err(|e| usage_error(format!("the JIT could not compile the plan: {e}")))
}

/// Writes a command's output to stdout (a closed pipe is not an error).
pub(crate) fn print(text: &str) -> u8 {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => usage_error(e),
    }
}

//! `seg eval`: checks the segment files, loads the data, evaluates every segment (or the
//! named ones) as of an instant, and prints memberships sorted by segment name, then id.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::check::check_project;
use super::{usage_error, EXIT_FOUND};
use crate::diag::render;
use crate::plan::Plan;
use crate::schema::Schema;
use crate::store::load::{load_file, Kind, LoadReport, OnBadRow};
use crate::store::{Store, StoreBuilder};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Ndjson,
    Count,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// The fused plan, interpreted.
    Interp,
    /// The fused plan, compiled with Cranelift.
    Jit,
    /// The reference interpreter (a tree walk per user and segment), for checking the others.
    #[value(hide = true)]
    Reference,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BadRows {
    Fail,
    Skip,
}

#[derive(Args)]
pub struct EvalArgs {
    /// The schema (TOML); default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    schema: Option<PathBuf>,
    /// Event files (.ndjson, .jsonl, .csv); default: `[data] events` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    events: Vec<PathBuf>,
    /// Profile files; default: `[data] profiles` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    profiles: Vec<PathBuf>,
    /// Account files; default: `[data] accounts` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    accounts: Vec<PathBuf>,
    /// The evaluation instant (RFC 3339, `YYYY-MM-DD HH:MM:SS` or a date); default: now.
    #[arg(long, value_name = "TS")]
    as_of: Option<String>,
    /// The engine.
    #[arg(long, value_enum, default_value = "jit")]
    engine: Engine,
    /// Evaluate only these segments (and what they use); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Output: csv (`segment,user_id`), ndjson, or count (`segment,members`).
    #[arg(long, value_enum, default_value = "csv")]
    format: OutputFormat,
    /// Fail on the first bad data row (default), or skip bad rows and report how many.
    #[arg(long, value_enum, default_value = "fail")]
    on_bad_row: BadRows,
    /// Print `load`, `compile` and `eval` times and the peak memory to stderr.
    #[arg(long)]
    timings: bool,
    /// Print the engine of each segment and the fused plan instead of evaluating.
    #[arg(long)]
    explain_plan: bool,
    /// Evaluate N times and report the best time (for benchmarks).
    #[arg(long, value_name = "N", default_value_t = 1, hide = true)]
    repeat: u32,
    /// Segment files or folders; default: `segments` in seg.toml.
    files: Vec<PathBuf>,
}

/// Segment files given among the data flags' values (`--events a.ndjson x.seg`) belong to
/// the positional files: the data flags take several values each.
fn split_segment_files(args: &mut EvalArgs) {
    let is_segments = |p: &PathBuf| p.extension().is_some_and(|e| e == "seg") || p.is_dir();
    for list in [&mut args.events, &mut args.profiles, &mut args.accounts] {
        let (segments, data): (Vec<PathBuf>, Vec<PathBuf>) = list.drain(..).partition(is_segments);
        *list = data;
        args.files.extend(segments);
    }
}

pub fn run(mut args: EvalArgs) -> u8 {
    split_segment_files(&mut args);
    let now = match &args.as_of {
        Some(text) => match crate::time::parse_timestamp(text) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("--as-of `{text}`: {e}")),
        },
        None => current_instant(),
    };
    let (project, sources, checked) = match check_project(args.schema.as_deref(), &args.files) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let stderr = io::stderr();
    let _ = render::write_all(
        &mut stderr.lock(),
        &sources,
        &checked.diagnostics,
        false,
        render::stderr_color(),
    );
    let Some(plan) = checked.plan else {
        return EXIT_FOUND;
    };
    let wanted = match selected(&plan, &args.segments) {
        Ok(w) => w,
        Err(name) => return usage_error(format!("no segment is named `{name}`")),
    };
    let schema = &plan.schema;
    let data = |flag: &[PathBuf], configured: fn(&crate::config::Config) -> &Vec<PathBuf>| {
        if flag.is_empty() {
            project
                .config
                .as_ref()
                .map(configured)
                .cloned()
                .unwrap_or_default()
        } else {
            flag.to_vec()
        }
    };
    let events = data(&args.events, |c| &c.events);
    if events.is_empty() {
        return usage_error(
            "no event files: pass --events F..., or write `[data] events = [...]` in seg.toml",
        );
    }
    let on_bad_row = if args.on_bad_row == BadRows::Skip {
        OnBadRow::Skip
    } else {
        OnBadRow::Fail
    };
    let inputs = [
        (Kind::Events, events),
        (Kind::Profiles, data(&args.profiles, |c| &c.profiles)),
        (Kind::Accounts, data(&args.accounts, |c| &c.accounts)),
    ];
    let started = std::time::Instant::now();
    let store = match load(schema, &inputs, on_bad_row) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let loaded = started.elapsed();
    let started = std::time::Instant::now();
    let engine = match args.engine {
        Engine::Interp => crate::engine::Engine::Interp,
        Engine::Jit => crate::engine::Engine::Jit,
        Engine::Reference => crate::engine::Engine::Reference,
    };
    let prepared = match crate::engine::prepare(&plan, &store, now, engine) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(
                io::stderr(),
                "error: the JIT could not compile the plan: {e}"
            );
            return super::EXIT_USAGE;
        }
    };
    let compiled = started.elapsed();
    if args.explain_plan {
        let _ = io::stdout().write_all(prepared.explain().as_bytes());
        return 0;
    }
    let started = std::time::Instant::now();
    let mut memberships = prepared.run();
    let mut evaluated = started.elapsed();
    for _ in 1..args.repeat {
        let started = std::time::Instant::now();
        memberships = prepared.run();
        evaluated = evaluated.min(started.elapsed());
    }
    if args.timings {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "load: {:.3} s", loaded.as_secs_f64());
        let _ = writeln!(err, "compile: {:.3} s", compiled.as_secs_f64());
        let _ = writeln!(err, "eval: {:.3} s", evaluated.as_secs_f64());
        let _ = writeln!(err, "peak_rss: {} MiB", peak_rss_mib());
        let _ = writeln!(
            err,
            "events: {} ({:.1} bytes per event)",
            store.event_count(),
            bytes_per_event(&store)
        );
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = write_members(&mut out, &plan, &store, &memberships, &wanted, args.format)
        .and_then(|()| out.flush());
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => usage_error(e),
    }
}

/// The process's peak resident memory (Linux `VmHWM`), 0 where unknown.
#[must_use]
pub fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib / 1024)
}

#[allow(clippy::cast_precision_loss)]
fn bytes_per_event(store: &Store) -> f64 {
    store.event_bytes() as f64 / store.event_count().max(1) as f64
}

fn current_instant() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// Indexes of the segments to print, sorted by name.
fn selected(plan: &Plan, names: &[String]) -> Result<Vec<usize>, String> {
    let mut wanted: Vec<usize> = if names.is_empty() {
        (0..plan.segments.len()).collect()
    } else {
        names
            .iter()
            .map(|n| {
                plan.find(n)
                    .map(|id| id.0 as usize)
                    .ok_or_else(|| n.clone())
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

fn load(
    schema: &Schema,
    inputs: &[(Kind, Vec<PathBuf>)],
    on_bad_row: OnBadRow,
) -> Result<Store, u8> {
    let mut builder = StoreBuilder::new(schema);
    let mut report = LoadReport::default();
    for (kind, files) in inputs {
        for file in files {
            if let Err(e) = load_file(
                &mut builder,
                *kind,
                Path::new(file),
                on_bad_row,
                &mut report,
            ) {
                let io = matches!(e, crate::store::load::DataError::Io { .. });
                let _ = writeln!(io::stderr(), "seg: error: {e}");
                return Err(if io { super::EXIT_USAGE } else { EXIT_FOUND });
            }
        }
    }
    if let Some(warning) = report.unknown_warning() {
        let _ = writeln!(io::stderr(), "seg: warning: {warning}");
    }
    if report.skipped > 0 {
        let _ = writeln!(io::stderr(), "seg: skipped {} bad rows", report.skipped);
    }
    Ok(builder.finish())
}

fn write_members(
    out: &mut dyn Write,
    plan: &Plan,
    store: &Store,
    memberships: &crate::interp::Memberships,
    wanted: &[usize],
    format: OutputFormat,
) -> io::Result<()> {
    if format == OutputFormat::Csv {
        writeln!(out, "segment,user_id")?;
    } else if format == OutputFormat::Count {
        writeln!(out, "segment,members")?;
    }
    for &s in wanted {
        let segment = &plan.segments[s];
        let ids = match segment.target {
            crate::plan::Target::User => &store.users.ids,
            crate::plan::Target::Account => &store.accounts.ids,
        };
        let mut members: Vec<&str> = memberships.members[s]
            .iter()
            .enumerate()
            .filter(|(_, &m)| m)
            .map(|(i, _)| ids[i].as_ref())
            .collect();
        members.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        match format {
            OutputFormat::Count => writeln!(out, "{},{}", segment.name, members.len())?,
            OutputFormat::Csv => {
                for id in members {
                    writeln!(out, "{},{}", segment.name, csv_field(id))?;
                }
            }
            OutputFormat::Ndjson => {
                for id in members {
                    let row = serde_json::json!({ "segment": segment.name, "user_id": id });
                    writeln!(out, "{row}")?;
                }
            }
        }
    }
    Ok(())
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

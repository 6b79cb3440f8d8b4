//! `seg eval`: checks the segment files, loads the data, evaluates every segment (or the
//! named ones) as of an instant, and prints memberships sorted by segment name, then id.

use std::io::{self, Write};

use clap::{Args, ValueEnum};

use super::data::{self, DataArgs};
use super::usage_error;
use crate::plan::{Plan, SegmentId};
use crate::store::Store;

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

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The engine.
    #[arg(long, value_enum, default_value = "jit")]
    engine: Engine,
    /// Evaluate only these segments (and what they use); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Output: csv (`segment,user_id`), ndjson, or count (`segment,members`).
    #[arg(long, value_enum, default_value = "csv")]
    format: OutputFormat,
    /// Print `load`, `compile` and `eval` times and the peak memory to stderr.
    #[arg(long)]
    timings: bool,
    /// Seconds the JIT may spend compiling before the plan is interpreted instead.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::engine::COMPILE_BUDGET.as_secs_f64())]
    compile_budget: f64,
    /// Evaluate in partitions that fit this much memory (`1GiB`, `512MB`): the data is split
    /// by user (and account) into spill files, and each partition loaded, evaluated and freed
    /// in turn; default: `[eval] memory_limit` in seg.toml, else everything in memory.
    #[arg(long, value_name = "SIZE", conflicts_with_all = ["explain_plan", "repeat"])]
    memory_limit: Option<String>,
    /// With --memory-limit: the most bytes of spill files a partition loads (default: 45% of
    /// the limit); for tests, to make many partitions of small data.
    #[arg(long, value_name = "BYTES", requires = "memory_limit", hide = true)]
    partition_bytes: Option<u64>,
    /// With --memory-limit: the most bytes of rows the split buffers before writing them to
    /// the spill files (default: a quarter of the limit); for tests, to write often.
    #[arg(long, value_name = "BYTES", requires = "memory_limit", hide = true)]
    spill_buffer: Option<u64>,
    /// Print the engine of each segment and the fused plan instead of evaluating.
    #[arg(long, conflicts_with_all = ["format", "timings", "repeat"])]
    explain_plan: bool,
    /// Evaluate N times and report the best time (for benchmarks).
    #[arg(long, value_name = "N", default_value_t = 1, hide = true)]
    repeat: u32,
}

pub fn run(mut args: EvalArgs) -> u8 {
    let mut checked = match data::check(&mut args.data) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let mut wanted = match data::selected(&checked.plan, &args.segments) {
        Ok(w) => w,
        Err(message) => return usage_error(message),
    };
    if !args.segments.is_empty() {
        // Only the named segments and those they use are evaluated.
        let roots: Vec<SegmentId> = wanted
            .iter()
            .map(|&s| SegmentId(u32::try_from(s).expect("fewer than 2^32 segments")))
            .collect();
        let (pruned, ids) = checked.plan.prune(&roots);
        checked.plan = pruned;
        wanted = ids.iter().map(|id| id.0 as usize).collect();
    }
    let engine = match args.engine {
        Engine::Interp => crate::engine::Engine::Interp,
        Engine::Jit => crate::engine::Engine::Jit,
        Engine::Reference => crate::engine::Engine::Reference,
    };
    let Ok(budget) = std::time::Duration::try_from_secs_f64(args.compile_budget) else {
        return usage_error(format!(
            "--compile-budget must be a number of seconds, not {}",
            args.compile_budget
        ));
    };
    let configured = checked
        .project
        .config
        .as_ref()
        .and_then(|c| c.memory_limit.clone().map(|l| (l, c.path.clone())));
    let limit = match (&args.memory_limit, configured) {
        (Some(text), _) => match super::partitioned::parse_size(text) {
            Ok(limit) => Some(limit),
            Err(e) => return usage_error(format!("--memory-limit {e}")),
        },
        (None, Some((text, path))) => match super::partitioned::parse_size(&text) {
            Ok(limit) => Some(limit),
            Err(e) => return usage_error(format!("{}: [eval] memory_limit {e}", path.display())),
        },
        (None, None) => None,
    };
    if let Some(limit) = limit.filter(|_| !args.explain_plan) {
        let inputs = match data::inputs(&args.data, &checked.project) {
            Ok(inputs) => inputs,
            Err(code) => return code,
        };
        return super::partitioned::run(
            &checked,
            &super::partitioned::Request {
                inputs: &inputs,
                on_bad_row: data::on_bad_row(&args.data),
                limit,
                partition_bytes: args.partition_bytes,
                spill_buffer: args.spill_buffer,
                engine,
                budget,
                wanted: &wanted,
                format: args.format,
                timings: args.timings,
            },
        );
    }
    let started = std::time::Instant::now();
    let mut file_loads = Vec::new();
    let store = match data::load_timed(&args.data, &checked, &mut file_loads) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (plan, now) = (&checked.plan, checked.now);
    let loaded = started.elapsed();
    let started = std::time::Instant::now();
    let prepared = match crate::engine::prepare_with_budget(plan, &store, now, engine, Some(budget))
    {
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
        for file in &file_loads {
            let _ = writeln!(err, "  {file}");
        }
        let _ = writeln!(err, "compile: {:.3} s", compiled.as_secs_f64());
        for note in prepared.compile_notes() {
            let _ = writeln!(err, "  {note}");
        }
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
    let written = write_members(&mut out, plan, &store, &memberships, &wanted, args.format)
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

/// The header line of an output format.
pub(crate) fn write_header(out: &mut dyn Write, format: OutputFormat) -> io::Result<()> {
    match format {
        OutputFormat::Csv => writeln!(out, "segment,user_id"),
        OutputFormat::Count => writeln!(out, "segment,members"),
        OutputFormat::Ndjson => Ok(()),
    }
}

/// One segment's members, sorted by id, in an output format (`count`: how many).
pub(crate) fn write_segment<S: AsRef<str>>(
    out: &mut dyn Write,
    segment: &str,
    members: &mut dyn Iterator<Item = io::Result<S>>,
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Count => {
            let mut n = 0u64;
            for id in members {
                id?;
                n += 1;
            }
            writeln!(out, "{segment},{n}")
        }
        OutputFormat::Csv => {
            for id in members {
                writeln!(out, "{segment},{}", csv_field(id?.as_ref()))?;
            }
            Ok(())
        }
        OutputFormat::Ndjson => {
            for id in members {
                let row = serde_json::json!({ "segment": segment, "user_id": id?.as_ref() });
                writeln!(out, "{row}")?;
            }
            Ok(())
        }
    }
}

fn write_members(
    out: &mut dyn Write,
    plan: &Plan,
    store: &Store,
    memberships: &crate::interp::Memberships,
    wanted: &[usize],
    format: OutputFormat,
) -> io::Result<()> {
    write_header(out, format)?;
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
        write_segment(out, &segment.name, &mut members.into_iter().map(Ok), format)?;
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

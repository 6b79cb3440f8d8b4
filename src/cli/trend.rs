//! `seg trend --from T --to T --step D [--segment NAME]... [data flags] [FILES]`: each
//! segment's members as of each step from `--from` to `--to`, on data loaded once (the steps
//! neither reload nor re-sort: each is one evaluation of the compiled plan as of its
//! instant). CSV `instant,segment,members`; `--plot` draws the lines (PNG or SVG).

use std::fmt::Write as _;
use std::io::{self, Write};

use clap::Args;

use super::data::{self, DataArgs};
use super::usage_error;
use crate::analytics::{instants, parse_step};
use crate::time::{format_timestamp, parse_timestamp};

#[derive(Args)]
pub struct TrendArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The first instant (RFC 3339, `YYYY-MM-DD HH:MM:SS` or a date).
    #[arg(long, value_name = "T")]
    from: String,
    /// The last instant (included when a whole number of steps away).
    #[arg(long, value_name = "T")]
    to: String,
    /// The step: a whole number of seconds, minutes, hours, days or weeks (`1d`, `12h`, `1w`).
    #[arg(long, value_name = "D")]
    step: String,
    /// Only these segments (and what they use); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Also draw the trend as a line chart: PNG, or SVG for a path ending in `.svg`.
    #[arg(long, value_name = "F.png")]
    plot: Option<std::path::PathBuf>,
    /// Print the load time and the time of the steps to stderr.
    #[arg(long)]
    timings: bool,
}

pub fn run(mut args: TrendArgs) -> u8 {
    if args.data.as_of.is_some() {
        return usage_error("a trend has no --as-of: its instants are --from, --to and --step");
    }
    let parse = |flag: &str, text: &str| {
        parse_timestamp(text).map_err(|e| usage_error(format!("{flag} `{text}`: {e}")))
    };
    let (from, to) = match (parse("--from", &args.from), parse("--to", &args.to)) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let instants = match parse_step(&args.step).and_then(|step| instants(from, to, step)) {
        Ok(instants) => instants,
        Err(message) => return usage_error(message),
    };
    let (checked, wanted) = match data::check_selected(&mut args.data, &args.segments) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let started = std::time::Instant::now();
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let loaded = started.elapsed();
    let started = std::time::Instant::now();
    let progress = crate::repl::progress::Progress::steps(instants.len() as u64, "step");
    let rows = crate::analytics::trend(&checked.plan, &store, &wanted, &instants, &mut || {
        progress.done(1);
    });
    progress.finish();
    let rows = match rows {
        Ok(rows) => rows,
        Err(message) => return usage_error(message),
    };
    let stepped = started.elapsed();
    if args.timings {
        let _ = writeln!(
            io::stderr(),
            "load: {:.3} s\n{} steps: {:.3} s ({:.1} ms a step)",
            loaded.as_secs_f64(),
            instants.len(),
            stepped.as_secs_f64(),
            stepped.as_secs_f64() * 1000.0
                / f64::from(u32::try_from(instants.len()).unwrap_or(u32::MAX))
        );
    }
    if let Some(path) = &args.plot {
        let series: Vec<(String, Vec<usize>)> = wanted
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                let counts = rows
                    .iter()
                    .skip(k)
                    .step_by(wanted.len())
                    .map(|r| r.2)
                    .collect();
                (checked.plan.segments[s].name.clone(), counts)
            })
            .collect();
        let title = format!(
            "Members from {} to {}",
            crate::time::format_date(from),
            crate::time::format_date(to)
        );
        if let Err(e) = crate::analytics::chart::trend(path, &title, &instants, &series) {
            return usage_error(format!("{}: {e}", path.display()));
        }
    }
    let mut out = String::from("instant,segment,members\n");
    for (now, s, members) in rows {
        let _ = writeln!(
            out,
            "{},{},{members}",
            format_timestamp(now),
            checked.plan.segments[s].name
        );
    }
    data::print(&out)
}

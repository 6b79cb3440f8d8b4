//! `seg trend --from T --to T --step D [--segment NAME]... [data flags] [FILES]`: each
//! segment's members as of each step from `--from` to `--to`, on data loaded once (the steps
//! neither reload nor re-sort: each is one evaluation of the compiled plan as of its
//! instant). CSV `instant,segment,members`; `--plot` draws the lines (PNG or SVG).

use std::fmt::Write as _;
use std::io::{self, Write};

use clap::Args;

use super::data::{self, DataArgs};
use super::usage_error;
use crate::plan::SegmentId;
use crate::time::{format_timestamp, parse_timestamp};

/// The most steps one trend may take.
pub const MAX_STEPS: i64 = 10_000;

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

/// A step such as `1d`, in microseconds.
fn parse_step(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("`{text}`: a step is a whole number and a unit (s, m, h, d, w)"))?;
    let unit = match unit {
        "s" => crate::time::MICROS_PER_SECOND,
        "m" => crate::time::MICROS_PER_MINUTE,
        "h" => crate::time::MICROS_PER_HOUR,
        "d" => crate::time::MICROS_PER_DAY,
        "w" => crate::time::MICROS_PER_WEEK,
        _ => return Err(format!("`{text}`: the unit is one of s, m, h, d, w")),
    };
    match number.checked_mul(unit) {
        Some(step) if step > 0 => Ok(step),
        _ => Err(format!(
            "`{text}`: a step is above zero and below 292,000 years"
        )),
    }
}

/// The instants from `from` to `to` (included when on a step), at most [`MAX_STEPS`].
fn instants(from: i64, to: i64, step: i64) -> Result<Vec<i64>, String> {
    if to < from {
        return Err("--to is before --from".into());
    }
    let steps = (to - from) / step + 1;
    if steps > MAX_STEPS {
        return Err(format!(
            "{steps} steps: a trend takes at most {MAX_STEPS}; take a longer --step"
        ));
    }
    Ok((0..steps).map(|i| from + i * step).collect())
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
    let mut checked = match data::check(&mut args.data) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let mut wanted = match data::selected(&checked.plan, &args.segments) {
        Ok(w) => w,
        Err(message) => return usage_error(message),
    };
    if !args.segments.is_empty() {
        let roots: Vec<SegmentId> = wanted
            .iter()
            .map(|&s| SegmentId(u32::try_from(s).expect("fewer than 2^32 segments")))
            .collect();
        let (pruned, ids) = checked.plan.prune(&roots);
        checked.plan = pruned;
        wanted = ids.iter().map(|id| id.0 as usize).collect();
    }
    let started = std::time::Instant::now();
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let loaded = started.elapsed();
    let started = std::time::Instant::now();
    let mut rows: Vec<(i64, usize, usize)> = Vec::with_capacity(instants.len() * wanted.len());
    for &now in &instants {
        let prepared =
            match crate::engine::prepare(&checked.plan, &store, now, crate::engine::Engine::Jit) {
                Ok(p) => p,
                Err(e) => return usage_error(format!("the JIT could not compile the plan: {e}")),
            };
        let memberships = prepared.run();
        for &s in &wanted {
            let members = memberships.members[s].iter().filter(|&&m| m).count();
            rows.push((now, s, members));
        }
    }
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
    match io::stdout().lock().write_all(out.as_bytes()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => usage_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_a_number_and_a_unit() {
        assert_eq!(parse_step("1d"), Ok(crate::time::MICROS_PER_DAY));
        assert_eq!(parse_step("12h"), Ok(12 * crate::time::MICROS_PER_HOUR));
        assert!(parse_step("0d").is_err());
        assert!(parse_step("1y").is_err());
        assert!(parse_step("d").is_err());
        assert!(parse_step("99999999999999w").is_err());
    }

    #[test]
    fn instants_include_the_end_on_a_step_and_are_bounded() {
        let day = crate::time::MICROS_PER_DAY;
        assert_eq!(instants(0, 2 * day, day), Ok(vec![0, day, 2 * day]));
        assert_eq!(instants(0, 2 * day - 1, day), Ok(vec![0, day]));
        assert!(instants(day, 0, day).is_err());
        assert_eq!(
            instants(0, (MAX_STEPS - 1) * day, day).map(|v| v.len()),
            Ok(10_000)
        );
        assert!(instants(0, MAX_STEPS * day, day).is_err());
    }
}

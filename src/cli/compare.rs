//! `seg compare --segment A --segment B ... [--all] [--goal SEG] [--filter SEG]
//! [--metric EXPR]... [--format table|csv|json] [data flags] [FILES]`: engagement compare,
//! the same figures for each segment side by side (docs/analytics.md).

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::check::project;
use super::data::{self, CheckedProject, DataArgs};
use super::{usage_error, EXIT_FOUND};
use crate::analytics::compare::{self as analytics, Group, Metric};
use crate::diag::render;
use crate::plan::Target;
use crate::source::SourceMap;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Table,
    Csv,
    Json,
}

#[derive(Args)]
pub struct CompareArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A user segment to compare; repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Also a column for all users.
    #[arg(long)]
    all: bool,
    /// A goal segment: the share of each group's members also in it.
    #[arg(long, value_name = "SEG")]
    goal: Option<String>,
    /// Count only the members of this segment, in every figure.
    #[arg(long, value_name = "SEG")]
    filter: Option<String>,
    /// A per-user value written in the language (`sum(purchase.value)`,
    /// `top(product_view.category)`); repeatable.
    #[arg(long = "metric", value_name = "EXPR")]
    metrics: Vec<String>,
    /// Output.
    #[arg(long, value_enum, default_value = "table")]
    format: CompareFormat,
    /// Also draw the events per member of each group as grouped bars: PNG, or SVG for a
    /// path ending in `.svg`.
    #[arg(long, value_name = "F.png")]
    plot: Option<PathBuf>,
}

pub fn run(mut args: CompareArgs) -> u8 {
    if let Err(code) = data::split_segment_files(&mut args.data) {
        return code;
    }
    if args.segments.is_empty() && !args.all {
        return usage_error("nothing to compare: name segments with --segment, or --all");
    }
    let now = match data::as_of(&args.data) {
        Ok(now) => now,
        Err(code) => return code,
    };
    let project = match project(args.data.schema.as_deref(), &args.data.files) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut sources = SourceMap::new();
    let checked =
        match analytics::check(&project.schema, &project.roots, &args.metrics, &mut sources) {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        };
    let _ = render::write_all(
        &mut io::stderr(),
        &sources,
        &checked.diagnostics,
        false,
        render::stderr_color(),
    );
    let errors = checked
        .diagnostics
        .iter()
        .any(crate::diag::Diagnostic::is_error);
    let Some(plan) = checked.plan.filter(|_| !errors) else {
        return EXIT_FOUND;
    };
    let checked = CheckedProject {
        project,
        sources,
        plan,
        now,
    };
    let ask = analytics::Ask {
        segments: args.segments.clone(),
        all: args.all,
        goal: args.goal.clone(),
        filter: args.filter.clone(),
        metrics: args.metrics.clone(),
    };
    // What is asked wrongly is said before anything loads.
    if let Some(message) = asked_wrongly(&checked.plan, &ask) {
        return usage_error(message);
    }
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let figures = match analytics::run(&checked.plan, &store, now, &ask) {
        Ok(figures) => figures,
        Err(message) => return usage_error(message),
    };
    if let Some(path) = &args.plot {
        if let Err(e) = plot(path, &figures) {
            return usage_error(format!("{}: {e}", path.display()));
        }
    }
    let text = match args.format {
        CompareFormat::Table => table(&figures),
        CompareFormat::Csv => csv(&figures),
        CompareFormat::Json => {
            let mut text = serde_json::to_string_pretty(&figures).expect("figures serialize");
            text.push('\n');
            text
        }
    };
    data::print(&text)
}

/// A segment asked for that is not one, or not a user segment.
fn asked_wrongly(plan: &crate::plan::Plan, ask: &analytics::Ask) -> Option<String> {
    let named = ask
        .segments
        .iter()
        .map(|s| ("--segment", s))
        .chain(ask.goal.iter().map(|g| ("--goal", g)))
        .chain(ask.filter.iter().map(|f| ("--filter", f)));
    for (flag, name) in named {
        match plan.find(name) {
            None => {
                return Some(match data::selected(plan, std::slice::from_ref(name)) {
                    Err(message) => message,
                    Ok(_) => format!("{flag}: no segment is named `{name}`"),
                })
            }
            Some(id) if plan.segment(id).target != Target::User => {
                return Some(format!(
                    "{flag} `{name}` is an account segment: compare looks at users"
                ))
            }
            Some(_) => {}
        }
    }
    None
}

/// The events per member of each group, by event type (the types some group has).
fn plot(path: &std::path::Path, groups: &[Group]) -> Result<(), String> {
    let types = groups.first().map_or(0, |g| g.events_per_member.len());
    let shown: Vec<usize> = (0..types)
        .filter(|&e| groups.iter().any(|g| g.events_per_member[e].1 > 0.0))
        .collect();
    let labels: Vec<String> = shown
        .iter()
        .map(|&e| groups[0].events_per_member[e].0.clone())
        .collect();
    let bars: Vec<(String, Vec<f64>)> = groups
        .iter()
        .map(|g| {
            let values = shown.iter().map(|&e| g.events_per_member[e].1).collect();
            (g.name.clone(), values)
        })
        .collect();
    crate::analytics::chart::bars(path, "Events per member", &labels, &bars)
}

/// Every figure of every group, as (figure, group index, text): the rows of both outputs.
fn figures(groups: &[Group]) -> Vec<(String, Vec<String>)> {
    // A sum of nothing is -0: shown as 0.
    let number = |x: f64| format!("{:.2}", if x == 0.0 { 0.0 } else { x });
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |name: String, cell: &dyn Fn(&Group) -> String| {
        rows.push((name, groups.iter().map(cell).collect()));
    };
    row("members".into(), &|g| g.members.to_string());
    row("active days per member".into(), &|g| number(g.active_days));
    if groups.iter().any(|g| g.goal.is_some()) {
        row("goal reached".into(), &|g| {
            g.goal
                .map_or_else(String::new, |s| format!("{:.1}%", s * 100.0))
        });
    }
    let events = groups.first().map_or(0, |g| g.events_per_member.len());
    for e in 0..events {
        // Event types no group has are left out.
        if groups.iter().all(|g| g.events_per_member[e].1 == 0.0) {
            continue;
        }
        let name = format!("{} per member", groups[0].events_per_member[e].0);
        row(name, &|g| number(g.events_per_member[e].1));
    }
    let metrics = groups.first().map_or(0, |g| g.metrics.len());
    for m in 0..metrics {
        let text = &groups[0].metrics[m].0;
        match &groups[0].metrics[m].1 {
            Metric::Number { .. } => {
                let pick = |g: &Group, mean: bool| match &g.metrics[m].1 {
                    Metric::Number {
                        mean: a, median: b, ..
                    } => (if mean { *a } else { *b }).map_or_else(String::new, number),
                    Metric::Values { .. } => String::new(),
                };
                row(format!("{text}: mean"), &|g| pick(g, true));
                row(format!("{text}: median"), &|g| pick(g, false));
            }
            Metric::Values { .. } => {
                row(format!("{text}: most common"), &|g| match &g.metrics[m].1 {
                    Metric::Values { top, .. } => top
                        .iter()
                        .map(|(v, n)| format!("{v} ({n})"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Metric::Number { .. } => String::new(),
                });
            }
        }
    }
    rows
}

fn table(groups: &[Group]) -> String {
    let rows = figures(groups);
    let mut widths: Vec<usize> = std::iter::once("figure".len())
        .chain(groups.iter().map(|g| g.name.chars().count()))
        .collect();
    for (name, cells) in &rows {
        widths[0] = widths[0].max(name.chars().count());
        for (w, c) in widths[1..].iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |first: &str, cells: &[String]| {
        let mut parts = vec![format!("{first:<width$}", width = widths[0])];
        for (w, c) in widths[1..].iter().zip(cells) {
            parts.push(format!("{c:>w$}"));
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    line("figure", &names);
    for (name, cells) in &rows {
        line(name, cells);
    }
    out
}

fn csv(groups: &[Group]) -> String {
    let field = |text: &str| {
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let mut out = String::from("group,figure,value\n");
    for (name, cells) in figures(groups) {
        for (group, cell) in groups.iter().zip(cells) {
            let _ = writeln!(
                out,
                "{},{},{}",
                field(&group.name),
                field(&name),
                field(&cell)
            );
        }
    }
    out
}

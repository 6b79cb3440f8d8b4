//! `seg campaigns [--from T] [--to T] [--step D] [--filter SEG]... [--format table|csv|json]
//! [data flags] [FILES]`: per campaign, its reach (targeted users), goal conversions among
//! them and among its holdout, and the lift; then the same within each filter segment. The
//! instants are those of a trend (data loaded once); `--to` is `--as-of` (default now),
//! `--from` 30 days before it, `--step` 1d. See `crate::analytics::campaigns` for the rules.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};

use super::data::{self, DataArgs};
use super::stats::{aligned, percent};
use super::usage_error;
use crate::analytics::campaigns::{figures, Figures, DEFAULT_SPAN};
use crate::analytics::{instants, parse_step};
use crate::time::parse_timestamp;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CampaignsFormat {
    /// Aligned columns, for people.
    Table,
    Csv,
    Json,
}

#[derive(Args)]
pub struct CampaignsArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The first instant; default: 30 days before --to.
    #[arg(long, value_name = "T")]
    from: Option<String>,
    /// The last instant; default: --as-of, or now.
    #[arg(long, value_name = "T")]
    to: Option<String>,
    /// The step between instants (`1d`, `12h`, `1w`); default 1d.
    #[arg(long, value_name = "D", default_value = "1d")]
    step: String,
    /// Also the figures within this user segment (as of --to); repeatable.
    #[arg(long = "filter", value_name = "SEG")]
    filters: Vec<String>,
    /// Output.
    #[arg(long, value_enum, default_value = "table")]
    format: CampaignsFormat,
}

pub fn run(mut args: CampaignsArgs) -> u8 {
    if args.to.is_some() && args.data.as_of.is_some() {
        return usage_error("give --to or --as-of, not both: they name the same instant");
    }
    if let Some(to) = args.to.take() {
        args.data.as_of = Some(to);
    }
    let checked = match data::check(&mut args.data) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if checked.plan.campaigns.is_empty() {
        return usage_error(
            "no campaigns: declare one in a .seg file, e.g. `campaign intro \"...\" = target \
             first_visit goal advisor_form` (docs/analytics.md)",
        );
    }
    let to = checked.now;
    let from = match &args.from {
        Some(text) => match parse_timestamp(text) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("--from `{text}`: {e}")),
        },
        None => to - DEFAULT_SPAN,
    };
    let instants = match parse_step(&args.step).and_then(|step| instants(from, to, step)) {
        Ok(instants) => instants,
        Err(message) => return usage_error(message),
    };
    let filters = match data::selected(&checked.plan, &args.filters) {
        Ok(found) if !args.filters.is_empty() => found,
        Ok(_) => Vec::new(),
        Err(message) => return usage_error(message),
    };
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let progress = crate::repl::progress::Progress::steps(instants.len() as u64, "step");
    let rows = figures(&checked.plan, &store, &instants, &filters, &mut || {
        progress.done(1);
    });
    progress.finish();
    let rows = match rows {
        Ok(rows) => rows,
        Err(message) => return usage_error(message),
    };
    let text = match args.format {
        CampaignsFormat::Table => table(&rows),
        CampaignsFormat::Csv => csv(&rows),
        CampaignsFormat::Json => {
            let value = serde_json::json!({
                "from": crate::time::format_timestamp(from),
                "to": crate::time::format_timestamp(*instants.last().unwrap_or(&to)),
                "campaigns": rows,
            });
            format!("{value:#}\n")
        }
    };
    data::print(&text)
}

/// A count that exists only with a goal.
fn maybe<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

fn maybe_percent(value: Option<f64>) -> String {
    value.map_or_else(String::new, percent)
}

fn table(rows: &[Figures]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.campaign.clone(),
                r.filter.clone().unwrap_or_else(|| "(all)".to_string()),
                r.targeted.to_string(),
                maybe(r.converted),
                maybe_percent(r.conversion),
                r.holdout.to_string(),
                maybe(r.holdout_converted),
                maybe_percent(r.holdout_conversion),
                r.lift
                    .map_or_else(String::new, |l| format!("{:+.1}%", l * 100.0)),
            ]
        })
        .collect();
    aligned(
        &[
            "campaign",
            "filter",
            "targeted",
            "converted",
            "conversion",
            "holdout",
            "converted",
            "conversion",
            "lift",
        ],
        &cells,
        &[false, false, true, true, true, true, true, true, true],
    )
}

/// Rates with six decimals; an empty cell where there is no goal (or no holdout).
fn csv(rows: &[Figures]) -> String {
    let mut out = String::from(
        "campaign,filter,targeted,converted,conversion,holdout,holdout_converted,holdout_conversion,lift\n",
    );
    let rate = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.6}"));
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            r.campaign,
            r.filter.as_deref().unwrap_or(""),
            r.targeted,
            maybe(r.converted),
            rate(r.conversion),
            r.holdout,
            maybe(r.holdout_converted),
            rate(r.holdout_conversion),
            rate(r.lift)
        );
    }
    out
}

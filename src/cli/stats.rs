//! `seg stats [data flags] [--segment NAME]... [--overlap] [--format table|csv|json] [FILES]`:
//! each segment's members and share of all users (or accounts), and with `--overlap` how
//! every two segments of the same kind overlap (counts and Jaccard). With `--format csv` and
//! `--overlap` the output is the overlap matrix alone, one row a pair.

use clap::{Args, ValueEnum};

use super::data::{self, DataArgs};
use crate::analytics::{self, Overlap, Size};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// Aligned columns, for people.
    Table,
    Csv,
    Json,
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Only these segments (and what they use); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Also how every two segments of the same kind overlap.
    #[arg(long)]
    overlap: bool,
    /// Output.
    #[arg(long, value_enum, default_value = "table")]
    format: StatsFormat,
}

pub fn run(mut args: StatsArgs) -> u8 {
    let (checked, wanted) = match data::check_selected(&mut args.data, &args.segments) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let memberships = match data::evaluate(&checked, &store) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let totals = (store.users.len(), store.accounts.len());
    let sizes = analytics::sizes(&checked.plan, totals, &memberships.members, &wanted);
    let overlaps = if args.overlap {
        analytics::overlaps(&checked.plan, &memberships.members, &wanted)
    } else {
        Vec::new()
    };
    let text = match args.format {
        StatsFormat::Table => table(&sizes, args.overlap.then_some(overlaps.as_slice())),
        StatsFormat::Csv => csv(&sizes, args.overlap.then_some(overlaps.as_slice())),
        StatsFormat::Json => {
            let mut value = serde_json::json!({ "segments": sizes });
            if args.overlap {
                value["overlap"] = serde_json::json!(overlaps);
            }
            let mut text = serde_json::to_string_pretty(&value).expect("figures serialize");
            text.push('\n');
            text
        }
    };
    data::print(&text)
}

/// A share as a percentage with one decimal.
pub(super) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Rows of cells as aligned columns (numbers to the right), under a header.
pub(super) fn aligned(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut parts = Vec::new();
        for (i, cell) in cells.enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            parts.push(if numeric[i] {
                format!("{}{cell}", " ".repeat(pad))
            } else {
                format!("{cell}{}", " ".repeat(pad))
            });
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied(), &mut out);
    for row in rows {
        line(&mut row.iter().map(String::as_str), &mut out);
    }
    out
}

fn table(sizes: &[Size], overlaps: Option<&[Overlap]>) -> String {
    let rows: Vec<Vec<String>> = sizes
        .iter()
        .map(|s| {
            vec![
                s.segment.clone(),
                s.kind.to_string(),
                s.members.to_string(),
                s.total.to_string(),
                percent(s.share),
            ]
        })
        .collect();
    let mut out = aligned(
        &["segment", "kind", "members", "of", "share"],
        &rows,
        &[false, false, true, true, true],
    );
    if let Some(overlaps) = overlaps {
        // Each pair once, and not a segment with itself.
        let rows: Vec<Vec<String>> = overlaps
            .iter()
            .filter(|o| o.a.as_bytes() < o.b.as_bytes())
            .map(|o| {
                vec![
                    o.a.clone(),
                    o.b.clone(),
                    o.both.to_string(),
                    format!("{:.3}", o.jaccard),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&aligned(
            &["segment", "and", "both", "jaccard"],
            &rows,
            &[false, false, true, true],
        ));
    }
    out
}

/// The sizes as CSV; with `--overlap`, the overlap matrix instead, one row a pair (a CSV is
/// one table).
fn csv(sizes: &[Size], overlaps: Option<&[Overlap]>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    match overlaps {
        None => {
            out.push_str("segment,kind,members,total,share\n");
            for s in sizes {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{:.6}",
                    s.segment, s.kind, s.members, s.total, s.share
                );
            }
        }
        Some(overlaps) => {
            out.push_str("segment_a,segment_b,both,jaccard\n");
            for o in overlaps {
                let _ = writeln!(out, "{},{},{},{:.6}", o.a, o.b, o.both, o.jaccard);
            }
        }
    }
    out
}

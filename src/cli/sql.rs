//! `seg sql --dialect duckdb|postgres|clickhouse|spark [--schema F] [--as-of TS]
//! [--segment NAME]... [--events-table T] [--profiles-table T] [--accounts-table T] [FILES]`:
//! the checked segments as SQL on stdout (docs/warehouse.md); and `seg export-layout --out DIR
//! [data flags] [FILES]`, data files written as the tables that SQL reads.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use super::check::check_project;
use super::data::{self, DataArgs};
use super::{usage_error, EXIT_FOUND};
use crate::diag::render;
use crate::sql::{compile, Dialect, Options, Tables};

#[derive(Args)]
pub struct SqlArgs {
    /// The SQL engine to write for.
    #[arg(long, value_enum)]
    dialect: Dialect,
    /// The schema (TOML); default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    schema: Option<PathBuf>,
    /// The evaluation instant written into the SQL; without it, the SQL reads a parameter
    /// named `now` that you bind (docs/warehouse.md).
    #[arg(long, value_name = "TS")]
    as_of: Option<String>,
    /// Only these segments (and those they use, as CTEs); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// The events table.
    #[arg(long, value_name = "T", default_value = "events")]
    events_table: String,
    /// The profiles table.
    #[arg(long, value_name = "T", default_value = "profiles")]
    profiles_table: String,
    /// The accounts table.
    #[arg(long, value_name = "T", default_value = "accounts")]
    accounts_table: String,
    /// Segment files or folders; default: `segments` in seg.toml.
    files: Vec<PathBuf>,
}

pub fn run(args: &SqlArgs) -> u8 {
    let as_of = match &args.as_of {
        None => None,
        Some(text) => match crate::time::parse_timestamp(text) {
            Ok(t) => Some(t),
            Err(e) => return usage_error(format!("--as-of `{text}`: {e}")),
        },
    };
    let (_, sources, checked) = match check_project(args.schema.as_deref(), &args.files) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let _ = render::write_all(
        &mut io::stderr().lock(),
        &sources,
        &checked.diagnostics,
        false,
        render::stderr_color(),
    );
    let Some(plan) = checked.plan else {
        return EXIT_FOUND;
    };
    let wanted = if args.segments.is_empty() {
        (0..plan.segments.len()).collect()
    } else {
        match data::selected(&plan, &args.segments) {
            Ok(found) => found,
            Err(message) => return usage_error(message),
        }
    };
    let options = Options {
        dialect: args.dialect,
        as_of,
        tables: Tables {
            events: args.events_table.clone(),
            profiles: args.profiles_table.clone(),
            accounts: args.accounts_table.clone(),
        },
    };
    match compile(&plan, &wanted, &options) {
        Ok(sql) => data::print(&sql),
        Err(refusals) => {
            let mut err = io::stderr().lock();
            for r in &refusals {
                let file = sources.get(r.span.file);
                let (line, column) = file.line_col(r.span.start);
                let _ = writeln!(
                    err,
                    "seg: error: {}:{line}:{column}: {}",
                    file.name, r.message
                );
            }
            EXIT_FOUND
        }
    }
}

#[derive(Args)]
pub struct LayoutArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The folder to write events.parquet, profiles.parquet and accounts.parquet into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn export_layout(mut args: LayoutArgs) -> u8 {
    let checked = match data::check(&mut args.data) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match crate::sql::layout::write(&store, &checked.plan.schema, &args.out) {
        Ok(()) => 0,
        Err(message) => usage_error(message),
    }
}

//! `seg gen`: deterministic synthetic data for the example schema (a retail shop and a B2B
//! software business), in
//! NDJSON, CSV and Parquet. The Parquet files are converted from the NDJSON ones, so every
//! form holds the same rows.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::usage_error;
use crate::gen::{generate, Format, GenOptions};
use crate::store::load::Kind;

/// The most users `seg gen` writes: a run of this size already takes hours and hundreds of GiB,
/// so a larger number is a typo, not a wish.
const MAX_USERS: u64 = 100_000_000;
/// The most events per user, on average.
const MAX_EVENTS_PER_USER: u64 = 100_000;
/// The most events in all (users times events per user): the store counts events in 32 bits.
const MAX_EVENTS: u64 = 4_000_000_000;

/// The earliest and latest `--as-of` of `seg gen`.
const EARLIEST_AS_OF: &str = "0003-01-01T00:00:00Z";
const LATEST_AS_OF: &str = "9998-12-31T23:59:59Z";

/// The schema the generator writes data for.
pub const EXAMPLE_SCHEMA: &str = include_str!("../../examples/schema.toml");

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Ndjson,
    Csv,
    Parquet,
}

#[derive(Args)]
pub struct GenArgs {
    /// How many users (1 to 100,000,000).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=MAX_USERS))]
    users: u64,
    /// About how many events each user has (1 to 100,000).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=MAX_EVENTS_PER_USER))]
    events_per_user: u64,
    /// The seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The instant the data is generated for.
    #[arg(long, value_name = "TS", default_value = "2026-11-15T12:00:00Z")]
    as_of: String,
    /// The formats to write (repeatable); default: all three.
    #[arg(long = "format", value_enum)]
    formats: Vec<DataFormat>,
    /// The folder to write events.*, profiles.* and accounts.* into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: &GenArgs) -> u8 {
    if args.users.saturating_mul(args.events_per_user) > MAX_EVENTS {
        return usage_error(format!(
            "--users {} --events-per-user {} asks for {} events; the most is {MAX_EVENTS}",
            args.users,
            args.events_per_user,
            args.users.saturating_mul(args.events_per_user)
        ));
    }
    let as_of = match crate::time::parse_timestamp(&args.as_of) {
        Ok(t) => t,
        Err(e) => return usage_error(format!("--as-of `{}`: {e}", args.as_of)),
    };
    // The history reaches two years back and a few days forward: keep every timestamp within
    // the years 0000-9999 that timestamps are written (and read back) in.
    let earliest = crate::time::parse_timestamp(EARLIEST_AS_OF).unwrap_or(i64::MIN);
    let latest = crate::time::parse_timestamp(LATEST_AS_OF).unwrap_or(i64::MAX);
    if !(earliest..=latest).contains(&as_of) {
        return usage_error(format!(
            "--as-of `{}`: seg gen needs an instant from {EARLIEST_AS_OF} to {LATEST_AS_OF}, \
             so that the generated history stays within the years 0000-9999",
            args.as_of
        ));
    }
    let wanted = if args.formats.is_empty() {
        vec![DataFormat::Ndjson, DataFormat::Csv, DataFormat::Parquet]
    } else {
        args.formats.clone()
    };
    let mut formats = Vec::new();
    if wanted.contains(&DataFormat::Ndjson) || wanted.contains(&DataFormat::Parquet) {
        formats.push(Format::Ndjson);
    }
    if wanted.contains(&DataFormat::Csv) {
        formats.push(Format::Csv);
    }
    let options = GenOptions {
        // Both are bounded above by clap, far below `usize::MAX` on 64-bit machines.
        users: usize::try_from(args.users).unwrap_or(usize::MAX),
        events_per_user: usize::try_from(args.events_per_user).unwrap_or(usize::MAX),
        seed: args.seed,
        as_of,
        formats,
    };
    let summary = match generate(&options, &args.out) {
        Ok(s) => s,
        Err(e) => return usage_error(format!("cannot write {}: {e}", args.out.display())),
    };
    if wanted.contains(&DataFormat::Parquet) {
        let schema = crate::schema::Schema::from_toml(crate::source::FileId(0), EXAMPLE_SCHEMA)
            .expect("the example schema is valid");
        for (kind, name) in [
            (Kind::Events, "events"),
            (Kind::Profiles, "profiles"),
            (Kind::Accounts, "accounts"),
        ] {
            let source = args.out.join(format!("{name}.ndjson"));
            let target = args.out.join(format!("{name}.parquet"));
            if let Err(e) =
                crate::store::parquet::ndjson_to_parquet(&schema, kind, &source, &target)
            {
                return usage_error(format!("cannot write {}: {e}", target.display()));
            }
            if !wanted.contains(&DataFormat::Ndjson) {
                let _ = std::fs::remove_file(&source);
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "wrote {} users, {} accounts, {} events to {}",
        summary.users,
        summary.accounts,
        summary.events,
        args.out.display()
    );
    0
}

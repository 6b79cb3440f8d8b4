//! The `seg` command line (clap). Each subcommand parses its flags, calls the library and
//! maps the outcome to SPEC's exit codes: 0 success, 1 errors found, 2 usage or I/O error.

mod campaigns;
mod check;
mod compare;
mod completions;
mod data;
mod datafiles;
mod eval;
mod explain;
mod export;
mod fmt;
pub use eval::peak_rss_mib;
mod gen;
mod infer;
mod lsp;
mod partitioned;
mod repl;
mod serve;
mod sql;
mod stats;
mod test;
mod trend;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: errors found (diagnostics, bad data, a failed check).
pub const EXIT_FOUND: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "seg",
    version,
    about = "A segment language for customer data",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check segment files against the schema.
    Check(check::CheckArgs),
    /// Evaluate segments over event, profile and account data.
    Eval(eval::EvalArgs),
    /// Show why a user (or account) is or is not in each segment: every sub-expression's
    /// value and the events each event set found.
    Explain(explain::ExplainArgs),
    /// Rewrite segment files in the canonical layout (`--check`: only list those that differ).
    Fmt(fmt::FmtArgs),
    /// Write deterministic synthetic data for the example schema.
    Gen(gen::GenArgs),
    /// Print a draft schema (TOML) inferred from data files.
    InferSchema(infer::InferArgs),
    /// Run segment unit tests (.segtest files): expected members and non-members.
    Test(test::TestArgs),
    /// Explore segments interactively over the data, loaded once (reads a script from
    /// standard input when it is not a terminal).
    Repl(repl::ReplArgs),
    /// Each segment's members and share of all users (or accounts); with --overlap, how
    /// segments overlap (counts and Jaccard).
    Stats(stats::StatsArgs),
    /// Engagement compare: members, events per member, active days, goal reached and
    /// per-user metrics, for several segments side by side.
    Compare(compare::CompareArgs),
    /// Each segment's members as of each step from --from to --to, on data loaded once (CSV
    /// `instant,segment,members`).
    Trend(trend::TrendArgs),
    /// Per campaign: reach, goal conversions of the targeted and of the holdout, lift; and
    /// the same within filter segments.
    Campaigns(campaigns::CampaignsArgs),
    /// The segments as SQL for DuckDB, PostgreSQL, ClickHouse or Spark SQL (the same members
    /// as `seg eval`).
    Sql(sql::SqlArgs),
    /// Write data files as the tables `seg sql` reads (Parquet).
    ExportLayout(sql::LayoutArgs),
    /// Write member lists with chosen attributes (CSV, NDJSON, Parquet); with --diff, only
    /// who was added and who was removed since an earlier export.
    Export(export::ExportArgs),
    /// Serve segments over HTTP: ingest rows durably, keep memberships up to date in real
    /// time, page members and changes, explain users, push changes to webhooks; the web
    /// console at `/`.
    Serve(serve::ServeArgs),
    /// Load data files into the data folder of `seg serve` (checked like `seg eval`'s).
    Import(serve::ImportArgs),
    /// Print the completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// The language server for editors (Language Server Protocol over standard input and
    /// output): diagnostics as you type, completion, hover, definitions, references, rename,
    /// symbols, formatting, from the project's seg.toml.
    Lsp(lsp::LspArgs),
}

/// Loads data files into a store as `seg eval` does (a bad file is reported on stderr), for
/// the language server's member counts.
pub(crate) fn load_data(
    schema: &crate::schema::Schema,
    inputs: &[(crate::store::load::Kind, Vec<std::path::PathBuf>)],
    on_bad_row: crate::store::load::OnBadRow,
) -> Result<crate::store::Store, u8> {
    data::load_files(schema, inputs, on_bad_row, None)
}

/// Runs the command line and returns the process's exit code.
#[must_use]
pub fn run() -> ExitCode {
    // Deeply nested input is bounded by the parser, but the phases recurse over the tree:
    // give them room.
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(|| {
            let cli = match Cli::try_parse() {
                Ok(cli) => cli,
                Err(e) => {
                    let _ = e.print();
                    return if e.use_stderr() { EXIT_USAGE } else { 0 };
                }
            };
            match cli.command {
                Command::Check(args) => check::run(&args),
                Command::Eval(args) => eval::run(args),
                Command::Explain(args) => explain::run(args),
                Command::Fmt(args) => fmt::run(&args),
                Command::InferSchema(args) => infer::run(&args),
                Command::Gen(args) => gen::run(&args),
                Command::Test(args) => test::run(&args),
                Command::Repl(args) => repl::run(args),
                Command::Stats(args) => stats::run(args),
                Command::Export(args) => export::run(args),
                Command::Trend(args) => trend::run(args),
                Command::Campaigns(args) => campaigns::run(args),
                Command::Sql(args) => sql::run(&args),
                Command::ExportLayout(args) => sql::export_layout(args),
                Command::Compare(args) => compare::run(args),
                Command::Serve(args) => serve::run(&args),
                Command::Import(args) => serve::import(&args),
                Command::Completions(args) => completions::run(&args),
                Command::Lsp(args) => lsp::run(&args),
            }
        });
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(EXIT_USAGE),
    }
}

/// The usage error for a command that needs segment files and was given none: where they
/// come from.
pub(crate) const NO_SEGMENT_FILES: &str = "no segment files: name .seg files or folders (FILES), \
     or write `segments = \"FOLDER\"` (a folder, a file or a list) in seg.toml";

/// Prints `seg: error: MESSAGE` to stderr and returns the usage exit code.
pub(crate) fn usage_error(message: impl std::fmt::Display) -> u8 {
    let _ = writeln!(std::io::stderr(), "seg: error: {message}");
    EXIT_USAGE
}

//! `seg infer-schema DATA...`: prints a draft schema (TOML) inferred from data files.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{usage_error, EXIT_FOUND};
use crate::store::infer::{infer, to_toml};
use crate::store::load::DataError;

#[derive(Args)]
pub struct InferArgs {
    /// Event, profile and account files (.ndjson, .jsonl, .csv, .parquet), or folders of them.
    #[arg(required = true)]
    data: Vec<PathBuf>,
}

pub fn run(args: &InferArgs) -> u8 {
    let files = match super::datafiles::expand("DATA", &args.data) {
        Ok(expanded) => {
            for warning in &expanded.warnings {
                let _ = writeln!(std::io::stderr(), "seg: warning: {warning}");
            }
            expanded.files
        }
        Err(message) => return usage_error(message),
    };
    if let Err(message) = super::datafiles::refuse_duplicates(files.iter()) {
        return usage_error(message);
    }
    match infer(&files) {
        Ok(inferred) => {
            let _ = std::io::stdout().write_all(to_toml(&inferred).as_bytes());
            0
        }
        Err(e @ DataError::BadRow { .. }) => {
            let _ = writeln!(std::io::stderr(), "seg: error: {e}");
            EXIT_FOUND
        }
        Err(e) => usage_error(e),
    }
}

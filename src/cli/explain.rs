//! `seg explain --user ID [--segment NAME]... [--format text|json] [data flags] [FILES]`:
//! member details. Checks and loads like `seg eval`, then prints, for the user (or account)
//! and each segment, the verdict and the expression tree with every sub-expression's value
//! and the events each event set found (`crate::explain`).

use std::fmt::Write as _;
use std::io::{self, Write};

use clap::{Args, ValueEnum};

use super::data::{self, DataArgs};
use super::{usage_error, EXIT_FOUND};
use crate::explain::{text, ExplainError, Explainer};
use crate::plan::SegmentId;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// An indented tree.
    Text,
    /// One JSON document: `{"id", "as_of", "segments": [...]}`.
    Json,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The user id; an account id explains the account segments for that account.
    #[arg(long = "user", value_name = "ID")]
    user: String,
    /// Explain only these segments (default: every segment of the id's kind); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Output: text (an indented tree) or json (one document).
    #[arg(long, value_enum, default_value = "text")]
    format: ExplainFormat,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(mut args: ExplainArgs) -> u8 {
    let checked = match data::check(&mut args.data) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let named: Option<Vec<SegmentId>> = if args.segments.is_empty() {
        None
    } else {
        match data::selected(&checked.plan, &args.segments) {
            Ok(indexes) => Some(
                indexes
                    .into_iter()
                    .map(|i| SegmentId(u32::try_from(i).expect("fewer than 2^32 segments")))
                    .collect(),
            ),
            Err(message) => return usage_error(message),
        }
    };
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let explainer = Explainer::new(&checked.plan, &store, &checked.sources, checked.now);
    let report = match explainer.report(&args.user, named.as_deref()) {
        Ok(report) => report,
        Err(e) => {
            let mut message = e.to_string();
            if let ExplainError::UnknownId { id } = &e {
                let ids = store.users.ids.iter().chain(&store.accounts.ids);
                if let Some(close) = crate::names::suggest::closest(id, ids.map(AsRef::as_ref)) {
                    let _ = write!(message, "; did you mean `{close}`?");
                }
            }
            let _ = writeln!(io::stderr(), "seg: error: {message}");
            return EXIT_FOUND;
        }
    };
    let output = match args.format {
        ExplainFormat::Text => text::report(&report),
        ExplainFormat::Json => {
            let mut json = serde_json::to_string_pretty(&report).expect("explanations serialize");
            json.push('\n');
            json
        }
    };
    match io::stdout().lock().write_all(output.as_bytes()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => usage_error(e),
    }
}

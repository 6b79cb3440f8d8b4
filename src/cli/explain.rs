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
                let users = store.users.ids.iter().map(AsRef::as_ref);
                let accounts = store.accounts.ids.iter().map(AsRef::as_ref);
                if let Some(close) = closest_id(id, users, accounts) {
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

/// The id most likely meant by an unknown `--user` id: first one that differs only in the
/// zero padding of its numbers (`u00001` for `u000001`), else the closest by edit distance
/// (within a third of the id's length), users before accounts (the flag is `--user`), then
/// the one sharing the longest start, then the shortest, then byte order.
fn closest_id<'a>(
    id: &str,
    users: impl Iterator<Item = &'a str>,
    accounts: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let unpadded = strip_zero_padding(id);
    let limit = (id.chars().count() / 3).max(1);
    let common_start = |c: &str| {
        id.chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    users
        .map(|c| (0u8, c))
        .chain(accounts.map(|c| (1u8, c)))
        .filter(|(_, c)| *c != id)
        .filter_map(|(kind, c)| {
            let distance = if strip_zero_padding(c) == unpadded {
                0
            } else {
                strsim::osa_distance(id, c)
            };
            (distance <= limit).then(|| {
                let rank = (distance, kind, std::cmp::Reverse(common_start(c)), c.len());
                (rank, c)
            })
        })
        .min()
        .map(|(_, c)| c)
}

/// The id with the leading zeros of each run of digits dropped: `u000012` and `u0012` agree.
fn strip_zero_padding(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut chars = id.chars().peekable();
    while let Some(c) = chars.next() {
        let starts_number = out.chars().last().is_none_or(|p| !p.is_ascii_digit());
        if c == '0' && starts_number && chars.peek().is_some_and(char::is_ascii_digit) {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{closest_id, strip_zero_padding};

    #[test]
    fn zero_padding_is_dropped_per_number() {
        assert_eq!(strip_zero_padding("u000012"), "u12");
        assert_eq!(strip_zero_padding("u0012x007"), "u12x7");
        assert_eq!(strip_zero_padding("u0"), "u0");
        assert_eq!(strip_zero_padding("100"), "100");
    }

    #[test]
    fn unknown_ids_suggest_the_same_number_then_the_same_kind() {
        let users = ["u000001", "u000010", "u000011"];
        let accounts = ["a00001"];
        let suggest = |id| closest_id(id, users.into_iter(), accounts.into_iter());
        assert_eq!(suggest("u00001"), Some("u000001"));
        assert_eq!(suggest("u0000011"), Some("u000011"));
        assert_eq!(suggest("a0001"), Some("a00001"));
        assert_eq!(suggest("zzzzzzz"), None);
    }
}

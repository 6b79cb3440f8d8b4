//! `seg test [FILES-or-FOLDERS]...`: runs `.segtest` files (`crate::segtest`) and prints one
//! line per tested segment (`ok` or `FAIL`), each failure with the ids, their expected and
//! actual verdicts and the explanation, then a summary. Exit 0 when everything passed, 1 on a
//! failure or a malformed test, 2 when a file cannot be read.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use super::{usage_error, EXIT_FOUND, EXIT_USAGE};
use crate::check::{DiskFs, FileSystem};
use crate::explain::text;
use crate::segtest::{self, SegmentOutcome};

#[derive(Args)]
pub struct TestArgs {
    /// Test files, or folders searched for *.segtest; default: the current folder.
    files: Vec<PathBuf>,
}

pub fn run(args: &TestArgs) -> u8 {
    let roots = if args.files.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.files.clone()
    };
    let mut files = Vec::new();
    // A test file runs once however it is named (twice, through a folder and by name, through
    // a symlink), so the counts stay true.
    let mut seen = std::collections::HashSet::new();
    for root in &roots {
        match segtest::discover(root) {
            Ok(found) if found.is_empty() => {
                return usage_error(format!(
                    "no .segtest files in {} (searched with its subfolders)",
                    root.display()
                ));
            }
            Ok(found) => files.extend(
                found
                    .into_iter()
                    .filter(|f| seen.insert(DiskFs.canonical(f))),
            ),
            Err(e) => return usage_error(format!("cannot read {}: {e}", root.display())),
        }
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    let mut code = 0;
    for file in &files {
        match segtest::run_file(file) {
            Ok(outcomes) => {
                for outcome in &outcomes {
                    let _ = out
                        .write_all(outcome_text(&file.display().to_string(), outcome).as_bytes());
                    if outcome.passed() {
                        passed += 1;
                    } else {
                        failed += 1;
                        code = code.max(EXIT_FOUND);
                    }
                }
            }
            Err(e) => {
                broken += 1;
                let _ = writeln!(out, "ERROR {}", file.display());
                let _ = writeln!(io::stderr(), "seg: error: {e}");
                code = code.max(if e.is_io() { EXIT_USAGE } else { EXIT_FOUND });
            }
        }
    }
    let verdict = if code == 0 { "ok" } else { "FAILED" };
    let mut summary = format!(
        "\ntest result: {verdict}. {passed} passed, {failed} failed in {} file{}",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    if broken > 0 {
        let _ = write!(summary, ", {broken} could not run");
    }
    let _ = writeln!(out, "{summary}");
    code
}

/// `ok   FILE: SEGMENT (N ids)`, or `FAIL` with each failing id below it.
fn outcome_text(file: &str, outcome: &SegmentOutcome) -> String {
    let ids = if outcome.checked == 1 { "id" } else { "ids" };
    if outcome.passed() {
        return format!(
            "ok   {file}: {} ({} {ids})\n",
            outcome.segment, outcome.checked
        );
    }
    let mut text = format!(
        "FAIL {file}: {} ({} of {} {ids} wrong)\n",
        outcome.segment,
        outcome.failures.len(),
        outcome.checked
    );
    let verdict = |member: bool| if member { "a member" } else { "not a member" };
    for failure in &outcome.failures {
        let agreeing: Vec<&str> = failure
            .verdicts
            .iter()
            .filter(|(_, v)| *v != failure.expected)
            .map(|(engine, _)| *engine)
            .collect();
        let all = agreeing.len() == failure.verdicts.len();
        let engines = if all {
            "every engine".to_string()
        } else {
            format!("the {} engine", agreeing.join(" and "))
        };
        let _ = writeln!(
            text,
            "    {}: expected {}, but {engines} says {}",
            failure.id,
            verdict(failure.expected),
            verdict(!failure.expected)
        );
        for line in text::segment(&failure.explanation).lines() {
            text.push_str("      ");
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

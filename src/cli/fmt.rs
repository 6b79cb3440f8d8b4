//! `seg fmt [--check] FILES-or-FOLDERS...`: rewrites segment files in the canonical layout
//! (`crate::fmt`), or with `--check` lists the files that are not in it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{usage_error, EXIT_FOUND, EXIT_USAGE};
use crate::check::load::{add_source, read_to_limit, MAX_TEXT_FILE_BYTES};
use crate::check::{DiskFs, FileSystem};
use crate::config;
use crate::diag::{render, Diagnostic};
use crate::fmt::{format_file, FormatError};
use crate::source::SourceMap;

/// The path that stands for standard input.
const STDIN: &str = "-";

#[derive(Args)]
pub struct FmtArgs {
    /// Change no file: print the files that are not formatted (one per line), exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Segment files, or folders searched for *.seg; `-` formats standard input to standard
    /// output; default: `segments` in seg.toml.
    files: Vec<PathBuf>,
}

/// What happened to the files, for the exit code.
#[derive(Default)]
struct Outcome {
    /// Files with syntax errors (left as they were).
    broken: usize,
    /// Files that `--check` found unformatted.
    unformatted: usize,
    /// A file or folder could not be read or written.
    io_error: bool,
}

pub fn run(args: &FmtArgs) -> u8 {
    let roots = match roots(&args.files) {
        Ok(roots) => roots,
        Err(code) => return code,
    };
    let mut outcome = Outcome::default();
    // A file is formatted once however it is named (twice, through a folder and by name, or
    // through a symlink): its canonical path tells.
    let mut seen = std::collections::HashSet::new();
    let mut once = |file: &Path| seen.insert(DiskFs.canonical(file));
    for root in &roots {
        if root.as_os_str() == STDIN {
            format_stdin(args.check, &mut outcome);
        } else if root.is_dir() {
            match DiskFs.seg_files(root) {
                Ok(files) if files.is_empty() => {
                    usage_error(format!(
                        "{}: the folder holds no .seg files (searched with its subfolders)",
                        root.display()
                    ));
                    outcome.io_error = true;
                }
                Ok(files) => {
                    for file in files.iter().filter(|f| once(f)) {
                        format_path(file, args.check, &mut outcome);
                    }
                }
                Err(e) => {
                    usage_error(format!("cannot read {}: {e}", root.display()));
                    outcome.io_error = true;
                }
            }
        } else if once(root) {
            format_path(root, args.check, &mut outcome);
        }
    }
    if outcome.unformatted > 0 {
        let plural = if outcome.unformatted == 1 { "" } else { "s" };
        let _ = writeln!(
            io::stderr(),
            "{} file{plural} not formatted; `seg fmt` rewrites them",
            outcome.unformatted
        );
    }
    if outcome.io_error {
        EXIT_USAGE
    } else if outcome.broken > 0 || outcome.unformatted > 0 {
        EXIT_FOUND
    } else {
        0
    }
}

/// The files and folders named, else the `segments` of seg.toml.
fn roots(files: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    if !files.is_empty() {
        return Ok(files.to_vec());
    }
    let segments = match config::find_file(Path::new(".")).map(|p| config::load(&p)) {
        Some(Ok(config)) => config.segments,
        Some(Err(e)) => return Err(usage_error(e)),
        None => Vec::new(),
    };
    if segments.is_empty() {
        return Err(usage_error(super::NO_SEGMENT_FILES));
    }
    Ok(segments)
}

fn format_path(path: &Path, check: bool, outcome: &mut Outcome) {
    let bytes = match DiskFs.read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            usage_error(format!("cannot read {}: {e}", path.display()));
            outcome.io_error = true;
            return;
        }
    };
    let name = path.display().to_string();
    let Some((text, formatted)) = format_bytes(&name, Some(path), &bytes, outcome) else {
        return;
    };
    if formatted == text {
        return;
    }
    if check {
        outcome.unformatted += 1;
        let _ = writeln!(io::stdout(), "{name}");
    } else if let Err(e) = std::fs::write(path, formatted) {
        usage_error(format!("cannot write {name}: {e}"));
        outcome.io_error = true;
    }
}

fn format_stdin(check: bool, outcome: &mut Outcome) {
    let bytes = match read_to_limit(io::stdin().lock(), MAX_TEXT_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            usage_error(format!("cannot read standard input: {e}"));
            outcome.io_error = true;
            return;
        }
    };
    let name = "<stdin>";
    let Some((text, formatted)) = format_bytes(name, None, &bytes, outcome) else {
        return;
    };
    if check {
        if formatted != text {
            outcome.unformatted += 1;
            let _ = writeln!(io::stdout(), "{name}");
        }
    } else if let Err(e) = io::stdout().write_all(formatted.as_bytes()) {
        usage_error(format!("cannot write standard output: {e}"));
        outcome.io_error = true;
    }
}

/// The text and its formatted form; `None` (with the diagnostics printed) when the text is
/// not UTF-8 or does not parse.
fn format_bytes(
    name: &str,
    path: Option<&Path>,
    bytes: &[u8],
    outcome: &mut Outcome,
) -> Option<(String, String)> {
    let mut sources = SourceMap::new();
    let (id, utf8_error) = add_source(
        &mut sources,
        name.to_string(),
        path.map(Path::to_path_buf),
        bytes,
    );
    let error = if let Some(d) = utf8_error {
        vec![d]
    } else {
        let text = &sources.get(id).text;
        match format_file(id, text) {
            Ok(formatted) => return Some((text.clone(), formatted)),
            Err(FormatError::Syntax(diagnostics)) => diagnostics,
            Err(e @ FormatError::Internal(_)) => {
                let _ = writeln!(io::stderr(), "seg: error: {name}: {e}");
                outcome.broken += 1;
                return None;
            }
        }
    };
    report(&sources, &error);
    outcome.broken += 1;
    None
}

fn report(sources: &SourceMap, diagnostics: &[Diagnostic]) {
    let stderr = io::stderr();
    let mut out = stderr.lock();
    let _ = render::write_all(
        &mut out,
        sources,
        diagnostics,
        false,
        render::stderr_color(),
    );
}

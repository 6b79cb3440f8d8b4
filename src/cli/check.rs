//! `seg check [--schema F] [--format human|json] [--deny-warnings] FILES-or-FOLDERS...`

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{usage_error, EXIT_FOUND};
use crate::check::{check_paths, DiskFs};
use crate::config;
use crate::diag::render;
use crate::source::SourceMap;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    Human,
    Json,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The schema (TOML); default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    schema: Option<PathBuf>,
    /// How diagnostics are printed (to stderr).
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
    /// Exit 1 when there are warnings, too.
    #[arg(long)]
    deny_warnings: bool,
    /// Segment files, or folders searched for *.seg; default: `segments` in seg.toml.
    files: Vec<PathBuf>,
}

/// The schema and the roots to check, from flags first, then seg.toml.
pub(crate) struct Project {
    pub schema: PathBuf,
    pub roots: Vec<PathBuf>,
    pub config: Option<config::Config>,
}

/// Finds seg.toml (from the current folder, else from the first file named) and merges it
/// with the flags.
pub(crate) fn project(schema: Option<&Path>, files: &[PathBuf]) -> Result<Project, u8> {
    let project = project_or_schema_only(schema, files)?;
    if project.roots.is_empty() {
        return Err(usage_error(super::NO_SEGMENT_FILES));
    }
    Ok(project)
}

/// Like [`project`], but a project without segment files is one (`seg repl` starts empty).
pub(crate) fn project_or_schema_only(
    schema: Option<&Path>,
    files: &[PathBuf],
) -> Result<Project, u8> {
    // A data file where segment files go would only be reported as a heap of syntax errors.
    if let Some(data) = files.iter().find(|f| super::datafiles::is_data_file(f)) {
        return Err(usage_error(format!(
            "{} is a data file, named where segment files go: pass it with --events, --profiles \
             or --accounts",
            data.display()
        )));
    }
    let config_path = config::find_file(Path::new("."))
        .or_else(|| files.first().and_then(|f| config::find_file(f)));
    let config = match config_path.map(|p| config::load(&p)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return Err(usage_error(e)),
        None => None,
    };
    let schema = match (schema, config.as_ref().and_then(|c| c.schema.clone())) {
        (Some(s), _) => s.to_path_buf(),
        (None, Some(s)) => s,
        (None, None) => {
            return Err(usage_error(
                "no schema: pass --schema FILE, or write `schema = \"FILE\"` in seg.toml",
            ));
        }
    };
    let roots = if files.is_empty() {
        config
            .as_ref()
            .map(|c| c.segments.clone())
            .unwrap_or_default()
    } else {
        files.to_vec()
    };
    Ok(Project {
        schema,
        roots,
        config,
    })
}

/// Finds the project (flags, then seg.toml) and checks its segment files.
pub(crate) fn check_project(
    schema: Option<&Path>,
    files: &[PathBuf],
) -> Result<(Project, SourceMap, crate::check::Checked), u8> {
    let project = project(schema, files)?;
    let mut sources = SourceMap::new();
    let checked =
        check_paths(&DiskFs, &mut sources, &project.schema, &project.roots).map_err(usage_error)?;
    Ok((project, sources, checked))
}

pub fn run(args: &CheckArgs) -> u8 {
    let (_, sources, checked) = match check_project(args.schema.as_deref(), &args.files) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let json = args.format == DiagnosticFormat::Json;
    let stderr = io::stderr();
    let mut out = stderr.lock();
    let _ = render::write_all(
        &mut out,
        &sources,
        &checked.diagnostics,
        json,
        render::stderr_color(),
    );
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = checked.diagnostics.len() - errors;
    if !json {
        let files = sources.iter().count().saturating_sub(1);
        let segments = checked.plan.as_ref().map_or(0, |p| p.segments.len());
        let _ = writeln!(out, "{}", summary(files, segments, errors, warnings));
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_FOUND
    } else {
        0
    }
}

fn summary(files: usize, segments: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors == 0 {
        format!(
            "checked {}: {}, {}",
            plural(files, "file"),
            plural(segments, "segment"),
            plural(warnings, "warning")
        )
    } else {
        format!(
            "checked {}: {}, {}",
            plural(files, "file"),
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

//! Checking a self-contained example held in memory: the registry's wrong and corrected
//! examples (docs/diagnostics.md, the snapshot tests) and any test that wants a program
//! without files on disk.
//!
//! An example is one `.seg` file's text, checked against [`DOC_SCHEMA`]; or several files,
//! each after a line `--- NAME`, the first being the one checked, and a `schema.toml` among
//! them replacing the schema.

use std::path::{Path, PathBuf};

use super::{check_paths, Checked, MemoryFs};
use crate::diag::codes::DOC_SCHEMA;
use crate::source::SourceMap;

/// The files of an example, in order, with the schema's text.
#[must_use]
pub fn files(example: &str) -> (Vec<(PathBuf, String)>, String) {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if example.starts_with("--- ") {
        for line in example.split_inclusive('\n') {
            if let Some(name) = line.strip_prefix("--- ") {
                files.push((PathBuf::from(name.trim()), String::new()));
            } else if let Some((_, text)) = files.last_mut() {
                text.push_str(line);
            }
        }
    } else {
        files.push((PathBuf::from("example.seg"), example.to_string()));
    }
    let schema = match files
        .iter()
        .position(|(p, _)| p == Path::new("schema.toml"))
    {
        Some(i) => files.remove(i).1,
        None => DOC_SCHEMA.to_string(),
    };
    (files, schema)
}

/// Checks an example; the first file is the root.
#[must_use]
pub fn check_example(example: &str) -> (SourceMap, Checked) {
    let (files, schema) = files(example);
    let root = files
        .first()
        .map_or_else(|| PathBuf::from("example.seg"), |(p, _)| p.clone());
    let mut fs = MemoryFs::default();
    fs.files.insert(PathBuf::from("schema.toml"), schema);
    fs.files.extend(files);
    let mut sources = SourceMap::new();
    let checked =
        check_paths(&fs, &mut sources, Path::new("schema.toml"), &[root]).unwrap_or_else(|e| {
            Checked {
                plan: None,
                diagnostics: vec![io_diagnostic(&e)],
            }
        });
    (sources, checked)
}

fn io_diagnostic(error: &super::LoadError) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::new(
        crate::diag::Code::UnresolvedImport,
        crate::source::Span::default(),
        error.to_string(),
        "",
    )
}

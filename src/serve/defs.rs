//! The definitions a service runs: the schema and the checked segment files, read at start
//! and again on `POST /v1/reload`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::check::{check_paths, DiskFs};
use crate::plan::{Plan, Target};
use crate::source::SourceMap;

/// A checked set of segment files.
pub struct Definitions {
    pub schema_path: PathBuf,
    pub roots: Vec<PathBuf>,
    pub plan: Plan,
    pub sources: SourceMap,
    /// The schema file's text, to tell whether a reload changed it.
    pub schema_text: String,
    pub regexes: HashMap<String, Regex>,
    by_name: HashMap<String, usize>,
}

/// Why definitions were refused: diagnostics (each one JSON object, as `seg check --format
/// json` prints them), or a file that could not be read.
#[derive(Debug)]
pub enum Refused {
    Diagnostics(Vec<serde_json::Value>),
    Unreadable(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unreadable(message) => f.write_str(message),
            Refused::Diagnostics(list) => {
                for d in list {
                    writeln!(f, "{d}")?;
                }
                Ok(())
            }
        }
    }
}

impl Definitions {
    /// Reads and checks the schema and the segment files; any error refuses the set.
    pub fn load(schema_path: &Path, roots: &[PathBuf]) -> Result<Definitions, Refused> {
        let mut sources = SourceMap::new();
        let checked = check_paths(&DiskFs, &mut sources, schema_path, roots)
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
        let Some(plan) = checked.plan.filter(|_| {
            !checked
                .diagnostics
                .iter()
                .any(crate::diag::Diagnostic::is_error)
        }) else {
            let list = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    serde_json::from_str(&crate::diag::render::to_json(&sources, d))
                        .expect("a diagnostic is JSON")
                })
                .collect();
            return Err(Refused::Diagnostics(list));
        };
        let schema_text = std::fs::read_to_string(schema_path)
            .map_err(|e| Refused::Unreadable(format!("{}: {e}", schema_path.display())))?;
        let by_name = plan
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        Ok(Definitions {
            schema_path: schema_path.to_path_buf(),
            roots: roots.to_vec(),
            regexes: crate::interp::regexes(&plan),
            plan,
            sources,
            schema_text,
            by_name,
        })
    }

    /// The index of a segment by name.
    #[must_use]
    pub fn segment(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Whether segment `i` is a user segment.
    #[must_use]
    pub fn is_user(&self, i: usize) -> bool {
        self.plan.segments[i].target == Target::User
    }

    /// A segment's file (as named) and its definition's text, from its first line to the end
    /// of its body.
    #[must_use]
    pub fn source(&self, i: usize) -> (String, String) {
        let segment = &self.plan.segments[i];
        let file = self.sources.get(segment.span.file);
        let start = file.text[..segment.span.start]
            .rfind('\n')
            .map_or(0, |n| n + 1);
        let end = segment
            .body
            .span
            .end
            .max(segment.span.end)
            .min(file.text.len());
        (file.name.clone(), file.text[start..end].to_string())
    }
}

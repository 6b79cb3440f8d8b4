//! `listed("FILE")`: a segment whose members are a list someone provides (a CRM export, an
//! ad platform's audience). The checker reads the file once per program, relative to the
//! folder of the `.seg` file that names it, and checks every row; the plan carries the ids, so
//! every engine, `explain` and `seg test` read the same list. A list that cannot be read
//! (E0112) or has a bad row (E0113) is an error at the `listed()` call, naming the file's line.
//!
//! The file is either one id per line, or a CSV whose header names an id column (`user_id`,
//! `account_id` or `id`): its first line is a header when it holds a comma or is one of those
//! names. Blank lines are errors (a list with holes is probably not the one meant), except
//! the end of the last line; duplicate ids are allowed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::expr::error_expr;
use super::load::FileSystem;
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, List, Type};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast;

/// The largest list file seg reads: 256 MiB, some ten million ids.
pub const MAX_LIST_BYTES: u64 = 256 * 1024 * 1024;

/// The longest id a list may hold, in bytes.
pub const MAX_LIST_ID_BYTES: usize = 1024;

/// The header names of the id column of a CSV list, in the order they are looked for.
pub const ID_COLUMNS: [&str; 3] = ["user_id", "account_id", "id"];

/// Where the checker reads lists from: a file system, and the folder of each source file
/// (the current folder for text that is not from a file, such as the REPL's).
#[derive(Default)]
pub struct ListFiles<'a> {
    fs: Option<&'a dyn FileSystem>,
    folders: HashMap<FileId, PathBuf>,
    /// Lists read so far, by the path read: a list named twice is read once.
    read: HashMap<PathBuf, Result<Arc<List>, ListError>>,
}

/// Why a list could not be used.
#[derive(Debug, Clone)]
enum ListError {
    Unreadable(String),
    Malformed(String),
}

impl<'a> ListFiles<'a> {
    /// Lists read through `fs`, relative to the folders of the files of `sources`.
    #[must_use]
    pub fn new(fs: &'a dyn FileSystem, sources: &SourceMap) -> Self {
        let folders = sources
            .ids()
            .filter_map(|id| {
                let path = sources.get(id).path.as_ref()?;
                Some((id, path.parent().map(Path::to_path_buf).unwrap_or_default()))
            })
            .collect();
        ListFiles {
            fs: Some(fs),
            folders,
            read: HashMap::new(),
        }
    }

    fn get(&mut self, file: FileId, name: &str) -> Result<Arc<List>, ListError> {
        let Some(fs) = self.fs else {
            return Err(ListError::Unreadable(
                "lists are read only from files checked on disk".to_string(),
            ));
        };
        let path = self
            .folders
            .get(&file)
            .map_or_else(|| PathBuf::from(name), |folder| folder.join(name));
        let read = self.read.entry(path.clone()).or_insert_with(|| {
            let bytes = fs
                .read_data(&path, MAX_LIST_BYTES)
                .map_err(|e| ListError::Unreadable(format!("`{}`: {e}", path.display())))?;
            let ids = parse(&bytes)
                .map_err(|e| ListError::Malformed(format!("`{}`, {e}", path.display())))?;
            Ok(Arc::new(List {
                name: name.to_string(),
                ids,
            }))
        });
        read.clone()
    }
}

impl Checker<'_> {
    /// `listed("FILE")`: true for the entity whose id the file lists.
    pub(super) fn listed(&mut self, call: &ast::Call, span: Span) -> Expr {
        let Some(arg) = self.single_arg(call, span) else {
            return error_expr(span);
        };
        self.reject_modifiers(arg, "listed", false, false, false);
        let ast::ExprKind::String(name) = &arg.value.kind else {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ArgumentKind,
                    arg.value.span,
                    "`listed` takes a file name in quotes",
                    "not a quoted file name",
                )
                .with_help("write listed(\"lists/crm_leads.csv\"), the path relative to this file"),
            );
            return error_expr(span);
        };
        match self.lists.get(arg.value.span.file, name) {
            Ok(list) => Expr {
                kind: ExprKind::Listed(list),
                ty: Type::Bool,
                span,
            },
            Err(error) => {
                let (code, message, label) = match error {
                    ListError::Unreadable(m) => (
                        Code::ListUnreadable,
                        format!("the list cannot be read: {m}"),
                        "this file",
                    ),
                    ListError::Malformed(m) => (
                        Code::ListMalformed,
                        format!("the list has a bad row: {m}"),
                        "this list",
                    ),
                };
                self.diagnostics.push(
                    Diagnostic::new(code, arg.value.span, message, label).with_help(
                        "a list is one id per line, or a CSV with a `user_id` (or `account_id`, \
                         `id`) column; its path is relative to the .seg file",
                    ),
                );
                error_expr(span)
            }
        }
    }
}

/// The ids of a list file's bytes, or what is wrong with it ("line N ...").
fn parse(bytes: &[u8]) -> Result<HashSet<Box<str>>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("it is not UTF-8 (at byte {})", e.valid_up_to()))?;
    let first = text.lines().next().unwrap_or("");
    if first.contains(',') || ID_COLUMNS.contains(&first.trim_end_matches('\r')) {
        return parse_csv(bytes);
    }
    let mut ids = HashSet::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let id = line.strip_suffix('\r').unwrap_or(line);
        if id.is_empty() && lines.peek().is_none() {
            break;
        }
        ids.insert(
            checked_id(id)
                .map_err(|e| format!("line {}: {e}", i + 1))?
                .into(),
        );
    }
    Ok(ids)
}

fn parse_csv(bytes: &[u8]) -> Result<HashSet<Box<str>>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .clone();
    let column = ID_COLUMNS
        .iter()
        .find_map(|name| headers.iter().position(|h| h == *name))
        .ok_or_else(|| {
            let names: Vec<&str> = headers.iter().collect();
            format!(
                "line 1: the CSV has no `user_id`, `account_id` or `id` column (its columns: {})",
                names.join(", ")
            )
        })?;
    let mut ids = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", p.line()),
            None => e.to_string(),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let id = record.get(column).unwrap_or("");
        ids.insert(
            checked_id(id)
                .map_err(|e| format!("line {line}: {e}"))?
                .into(),
        );
    }
    Ok(ids)
}

fn checked_id(id: &str) -> Result<&str, String> {
    if id.is_empty() {
        return Err("an empty id".to_string());
    }
    if id.len() > MAX_LIST_ID_BYTES {
        return Err(format!(
            "an id of {} bytes (at most {MAX_LIST_ID_BYTES})",
            id.len()
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        let mut ids: Vec<String> = parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .into_iter()
            .map(String::from)
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn one_id_per_line_with_or_without_a_header_or_a_final_newline() {
        assert_eq!(ids("u1\nu2\n"), ["u1", "u2"]);
        assert_eq!(ids("u1\r\nu2"), ["u1", "u2"]);
        assert_eq!(ids("user_id\nu1\nu1\n"), ["u1"]);
        assert_eq!(ids(""), Vec::<String>::new());
    }

    #[test]
    fn a_csv_reads_its_id_column() {
        assert_eq!(ids("email,user_id\na@x,u1\n\"b,c\",u2\n"), ["u1", "u2"]);
        assert_eq!(ids("account_id,name\na1,Acme\n"), ["a1"]);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let error = |text: &str| parse(text.as_bytes()).expect_err(text);
        assert_eq!(error("u1\n\nu2\n"), "line 2: an empty id");
        assert!(error("email,name\na,b\n").starts_with("line 1: the CSV has no `user_id`"));
        assert_eq!(error("user_id,x\nu1,1\n,2\n"), "line 3: an empty id");
        assert!(error("user_id,x\nu1,1\nu2\n").starts_with("line 3: "));
        assert_eq!(
            parse(b"u1\n\xff\n").expect_err("not UTF-8"),
            "it is not UTF-8 (at byte 3)"
        );
    }

    #[test]
    fn an_id_at_the_bound_is_kept_and_one_past_it_refused() {
        let at = "u".repeat(MAX_LIST_ID_BYTES);
        assert_eq!(ids(&format!("{at}\n")), std::slice::from_ref(&at));
        let past = format!("{at}u\n");
        assert_eq!(
            parse(past.as_bytes()).expect_err("too long"),
            format!(
                "line 1: an id of {} bytes (at most {MAX_LIST_ID_BYTES})",
                MAX_LIST_ID_BYTES + 1
            )
        );
    }
}

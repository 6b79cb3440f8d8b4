//! Reading a `.segtest` file: TOML with spans (so every mistake is reported at its line),
//! paths resolved against the test file's folder (or taken from the nearest seg.toml), and
//! inline rows turned into the loaders' untyped fields. Typing them is the loaders' job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::TestError;
use crate::check::load::normalize;
use crate::store::load::{Cell, InlineField};

/// A parsed test file, paths resolved.
#[derive(Debug, Clone)]
pub struct TestFile {
    pub path: PathBuf,
    pub schema: PathBuf,
    pub segments: Vec<PathBuf>,
    /// The evaluation instant (microseconds since the epoch).
    pub as_of: i64,
    pub events: Vec<Row>,
    pub profiles: Vec<Row>,
    pub accounts: Vec<Row>,
    /// In segment-name order.
    pub expect: Vec<Expectation>,
}

/// An inline row and the line it starts on.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub fields: Vec<InlineField>,
}

/// `[expect.SEGMENT]`: ids expected in the segment, and ids expected out of it.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub segment: String,
    pub line: usize,
    pub members: Vec<String>,
    pub non_members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    schema: Option<String>,
    segments: Option<OneOrMany>,
    as_of: Spanned<toml::Value>,
    #[serde(default)]
    events: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    profiles: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    accounts: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    expect: BTreeMap<String, Spanned<RawExpect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    non_members: Vec<String>,
}

/// The 1-based line and column of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Parses a test file's text; `path` is where it lives (paths in it are relative to it).
pub fn parse(path: &Path, text: &str) -> Result<TestFile, TestError> {
    let name = path.display().to_string();
    let invalid = |offset: usize, message: String| {
        let (line, column) = position(text, offset);
        TestError::Invalid {
            path: name.clone(),
            line,
            column,
            message,
        }
    };
    let raw: RawTest = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        invalid(offset, e.message().trim_end().to_string())
    })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let config = || -> Result<Option<crate::config::Config>, TestError> {
        let Some(found) = crate::config::find_file(path) else {
            return Ok(None);
        };
        crate::config::load(&found)
            .map(Some)
            .map_err(|e| invalid(0, format!("reading the seg.toml it defaults to: {e}")))
    };
    let schema = match raw.schema {
        Some(schema) => normalize(&dir.join(schema)),
        None => config()?.and_then(|c| c.schema).ok_or_else(|| {
            invalid(
                0,
                "no `schema = \"FILE\"`, and no seg.toml above it names one".into(),
            )
        })?,
    };
    let segments: Vec<PathBuf> = match raw.segments {
        Some(OneOrMany::One(one)) => vec![normalize(&dir.join(one))],
        Some(OneOrMany::Many(many)) => many.iter().map(|p| normalize(&dir.join(p))).collect(),
        None => config()?.map(|c| c.segments).unwrap_or_default(),
    };
    if segments.is_empty() {
        return Err(invalid(
            0,
            "no `segments = [\"FILE\", ...]`, and no seg.toml above it names any".into(),
        ));
    }
    let as_of_span = raw.as_of.span();
    let as_of = match timestamp_text(raw.as_of.get_ref()) {
        Some(text) => crate::time::parse_timestamp(&text)
            .map_err(|e| invalid(as_of_span.start, format!("`as_of` `{text}`: {e}")))?,
        None => {
            return Err(invalid(
                as_of_span.start,
                "`as_of` must be an instant, such as \"2026-11-15T12:00:00Z\"".into(),
            ))
        }
    };
    let rows = |tables: Vec<Spanned<toml::Table>>| -> Result<Vec<Row>, TestError> {
        tables
            .into_iter()
            .map(|table| {
                let start = table.span().start;
                let fields = table
                    .into_inner()
                    .into_iter()
                    .map(|(key, value)| {
                        let cell = cell(&value).ok_or_else(|| {
                            invalid(
                                start,
                                format!(
                                    "bad row: `{key}` must be a string, number, bool or instant, not {}",
                                    value.type_str()
                                ),
                            )
                        })?;
                        Ok((key, Some(cell)))
                    })
                    .collect::<Result<_, TestError>>()?;
                Ok(Row {
                    line: position(text, start).0,
                    fields,
                })
            })
            .collect()
    };
    let expect: Vec<Expectation> = raw
        .expect
        .into_iter()
        .map(|(segment, table)| {
            let line = position(text, table.span().start).0;
            let table = table.into_inner();
            Expectation {
                segment,
                line,
                members: table.members,
                non_members: table.non_members,
            }
        })
        .collect();
    if expect.is_empty() {
        return Err(invalid(
            text.len(),
            "the file expects nothing: add `[expect.SEGMENT]` with `members` and `non_members`"
                .into(),
        ));
    }
    Ok(TestFile {
        path: path.to_path_buf(),
        schema,
        segments,
        as_of,
        events: rows(raw.events)?,
        profiles: rows(raw.profiles)?,
        accounts: rows(raw.accounts)?,
        expect,
    })
}

/// An instant written as a string or as a TOML date-time. A date-time without an offset is
/// UTC, like `YYYY-MM-DD HH:MM:SS` in data files.
fn timestamp_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Datetime(dt) => Some(match (dt.date, dt.time, dt.offset) {
            (Some(date), Some(time), None) => format!("{date} {time}"),
            _ => dt.to_string(),
        }),
        _ => None,
    }
}

/// A TOML value as a loader cell (left untyped: strings stay text for the schema to type).
fn cell(value: &toml::Value) -> Option<Cell> {
    #[allow(clippy::cast_precision_loss)]
    match value {
        toml::Value::String(s) => Some(Cell::Text(s.clone())),
        toml::Value::Integer(i) => Some(Cell::Number(*i as f64)),
        toml::Value::Float(f) => Some(Cell::Number(*f)),
        toml::Value::Boolean(b) => Some(Cell::Bool(*b)),
        toml::Value::Datetime(_) => timestamp_text(value).map(Cell::Text),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

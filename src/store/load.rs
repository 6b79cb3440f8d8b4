//! Loaders: events, profiles and accounts from NDJSON and CSV files into a [`StoreBuilder`]
//! (Parquet files go through the column-by-column loader of `columnar`, which keeps the same
//! rules and messages).
//!
//! Each row becomes (key, raw value) pairs; one routine types them against the schema, so the
//! formats agree. A bad row (malformed line, wrong type, bad timestamp, missing id, event or
//! ts) is an error naming the file and line, unless the caller skips bad rows, which are then
//! counted. Properties and event types the schema lacks are ignored and counted for a warning
//! (the user of an event of an undeclared type is still a user). The formats are read in
//! `ndjson` and `csv_rows`; a CSV header and a Parquet schema are checked once, before any row
//! (`header`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

use super::build::{FieldValue, StoreBuilder};
use super::chunks::{Part, Records};
use super::columnar::BatchLoader;
use super::csv_rows::Start;
use crate::schema::{Field, FieldType};
use crate::time::parse_timestamp;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Events,
    Profiles,
    Accounts,
}

/// What to do with a bad row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBadRow {
    #[default]
    Fail,
    Skip,
}

impl OnBadRow {
    /// A bad row of `path` at `line`: the error that stops loading, or counted as skipped.
    pub(super) fn bad_row(
        self,
        path: &str,
        line: u64,
        reason: String,
        report: &mut LoadReport,
    ) -> Result<(), DataError> {
        match self {
            OnBadRow::Fail => Err(DataError::BadRow {
                path: path.to_string(),
                line,
                reason,
            }),
            OnBadRow::Skip => {
                report.skipped += 1;
                Ok(())
            }
        }
    }
}

/// Counts over all loaded files.
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    /// The rows read that were not bad, in every format: those loaded and those of event types
    /// the schema does not declare (whose events are ignored, but whose users are kept).
    pub rows: usize,
    pub skipped: usize,
    /// `event.property`, `profile.attribute`, `account.attribute` or `event type NAME`:
    /// how many values were ignored because the schema does not declare them.
    pub unknown: BTreeMap<String, usize>,
}

impl LoadReport {
    /// Adds the counts of `other` (a part of a file read apart).
    pub fn absorb(&mut self, other: LoadReport) {
        self.rows += other.rows;
        self.skipped += other.skipped;
        for (name, n) in other.unknown {
            *self.unknown.entry(name).or_default() += n;
        }
    }

    /// The warning about ignored names, if any were seen.
    #[must_use]
    pub fn unknown_warning(&self) -> Option<String> {
        if self.unknown.is_empty() {
            return None;
        }
        let total: usize = self.unknown.values().sum();
        let names: Vec<String> = self
            .unknown
            .iter()
            .map(|(name, n)| format!("{name} ({n})"))
            .collect();
        Some(format!(
            "{total} values not in the schema were ignored: {}",
            names.join(", ")
        ))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}:{line}: {reason}")]
    BadRow {
        path: String,
        line: u64,
        reason: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A CSV header that cannot be read as the kind of file it should be (a column twice, a
    /// required column missing): it fails the load whatever `--on-bad-row` says.
    #[error("{path}:{line}: {reason}")]
    BadHeader {
        path: String,
        line: u64,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Format { path: String, reason: String },
}

/// A value as the file holds it, before typing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw<'a> {
    Null,
    Bool(bool),
    Number(f64),
    /// A JSON string.
    Text(Cow<'a, str>),
    /// A CSV cell (untyped text; empty is missing).
    Cell(&'a str),
    /// A Parquet timestamp or date, in microseconds.
    Instant(i64),
    /// A JSON object or array (what it is): never a value, always a bad row.
    Nested(&'static str),
}

impl Raw<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Bool(_) => "a bool",
            Raw::Number(_) => "a number",
            Raw::Text(_) | Raw::Cell(_) => "a string",
            Raw::Instant(_) => "a timestamp",
            Raw::Nested(what) => what,
        }
    }
}

/// Event type names to ids, for typing rows.
fn event_ids(
    schema: &crate::schema::Schema,
) -> rustc_hash::FxHashMap<&str, crate::schema::EventId> {
    (0u32..)
        .zip(&schema.events)
        .map(|(i, e)| (e.name.as_str(), crate::schema::EventId(i)))
        .collect()
}

/// Loads one file, choosing the format by its extension.
pub fn load_file(
    builder: &mut StoreBuilder<'_>,
    kind: Kind,
    path: &Path,
    on_bad_row: OnBadRow,
    report: &mut LoadReport,
) -> Result<(), DataError> {
    load_file_in_parts(
        builder,
        kind,
        path,
        on_bad_row,
        report,
        super::chunks::PART_BYTES,
    )
}

/// [`load_file`], reading an NDJSON or CSV file in parts of about `part_bytes` on several
/// threads (tests use small parts to check that a file read in parts loads exactly like one
/// read whole: the same store, counts and first error).
#[doc(hidden)]
pub fn load_file_in_parts(
    builder: &mut StoreBuilder<'_>,
    kind: Kind,
    path: &Path,
    on_bad_row: OnBadRow,
    report: &mut LoadReport,
    part_bytes: usize,
) -> Result<(), DataError> {
    let name = path.display().to_string();
    let event_ids = event_ids(builder.schema());
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let open = || {
        std::fs::File::open(path).map_err(|source| DataError::Io {
            path: name.clone(),
            source,
        })
    };
    let mut loader = RowLoader {
        builder,
        kind,
        path: &name,
        on_bad_row,
        report,
        event_ids: &event_ids,
    };
    let limit = super::ndjson::MAX_ROW_BYTES;
    match extension.as_deref() {
        Some("parquet") => {
            let file = open()?;
            let mut loader =
                BatchLoader::new(loader.builder, kind, &name, on_bad_row, loader.report);
            super::parquet::read_batches(file, &name, Some(kind), |first, batch| {
                loader.batch(first, batch)
            })
        }
        Some("ndjson" | "jsonl" | "json") => {
            let read: &ReadRows<'_> = &|reader, start, _, on_row| {
                super::ndjson::read_ndjson(reader, &name, limit, start.line, on_row).map(|()| false)
            };
            let start = Start { byte: 0, line: 1 };
            loader.read_in_parts(open()?, Records::Lines, start, part_bytes, read)
        }
        Some("csv") => {
            let mut file = open()?;
            let Some((headers, body)) =
                super::csv_rows::read_header(path, &mut file, Some(kind), limit)?
            else {
                return Ok(());
            };
            file.seek(SeekFrom::Start(body.byte))
                .map_err(|source| DataError::Io {
                    path: name.clone(),
                    source,
                })?;
            let columns = super::csv_rows::Columns::new(headers, true);
            let read: &ReadRows<'_> = &|reader, start, last, on_row| {
                super::csv_rows::read_records(reader, path, &columns, start, last, limit, on_row)
            };
            loader.read_in_parts(file, Records::Csv, body, part_bytes, read)
        }
        _ => read_rows(path, Some(kind), &mut |line, fields| match fields {
            Ok(fields) => loader.row(line, fields),
            Err(reason) => loader.bad(line, reason),
        }),
    }
}

/// Reads the rows of a text file from `reader`, which starts at a record's start (the first
/// argument); the second tells whether the reader runs to the end of the file. Returns whether
/// reading stopped before the end.
type ReadRows<'a> = dyn Fn(
        &mut dyn BufRead,
        Start,
        bool,
        &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
    ) -> Result<bool, DataError>
    + Sync
    + 'a;

/// A part of a file loaded apart: its rows, counts, and how reading it ended.
type LoadedPart<'s> = (StoreBuilder<'s>, LoadReport, Result<bool, DataError>);

/// What a row reader hands over: a row's fields, or why the row could not be read.
pub(super) type RowResult<'r, 'a> = Result<&'r [RawField<'a>], String>;

/// A column name and its raw value.
pub(super) type RawField<'a> = (Cow<'a, str>, Raw<'a>);

/// The extensions of the data formats, for messages.
const EXTENSIONS: &str = ".ndjson, .jsonl or .json (NDJSON), .csv or .parquet";

/// Reads every row of a data file, choosing the format by the extension: each row's
/// (1-based) line or row number and its fields, or the reason it is malformed. The header or
/// schema is checked first, for a file of `kind` (None: any kind, for `infer-schema`).
pub(super) fn read_rows(
    path: &Path,
    kind: Option<Kind>,
    on_row: &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    let Some(extension) = path.extension() else {
        return Err(DataError::Format {
            path: name,
            reason: format!(
                "the file name has no extension to tell its format: name it with {EXTENSIONS}"
            ),
        });
    };
    match extension.to_string_lossy().to_ascii_lowercase().as_str() {
        "ndjson" | "jsonl" | "json" => super::ndjson::read_ndjson(
            BufReader::with_capacity(1 << 20, file),
            &name,
            super::ndjson::MAX_ROW_BYTES,
            1,
            on_row,
        ),
        "csv" => super::csv_rows::read_csv(path, file, kind, super::ndjson::MAX_ROW_BYTES, on_row),
        "parquet" => {
            super::parquet::read(file, &name, kind, |line, fields| on_row(line, Ok(fields)))
        }
        _ => Err(DataError::Format {
            path: name,
            reason: format!(
                "unknown data format `.{}`: use {EXTENSIONS}",
                extension.to_string_lossy()
            ),
        }),
    }
}

struct RowLoader<'b, 's, 'r> {
    builder: &'b mut StoreBuilder<'s>,
    kind: Kind,
    path: &'r str,
    on_bad_row: OnBadRow,
    report: &'r mut LoadReport,
    /// Event type names to ids, looked up once per row.
    event_ids: &'r rustc_hash::FxHashMap<&'s str, crate::schema::EventId>,
}

impl<'s> RowLoader<'_, 's, '_> {
    /// Reads a text file from `start` in parts (`chunks`), each loaded on a thread of its own
    /// into a builder of its own, absorbed in file order; a rest that cannot be cut into parts
    /// is loaded here, in one piece.
    fn read_in_parts(
        &mut self,
        file: std::fs::File,
        records: Records,
        start: Start,
        part_bytes: usize,
        read: &ReadRows<'_>,
    ) -> Result<(), DataError> {
        let schema = self.builder.schema();
        let (kind, path, on_bad_row, event_ids) =
            (self.kind, self.path, self.on_bad_row, self.event_ids);
        let parse = |part: Part| -> LoadedPart<'s> {
            let mut builder = StoreBuilder::new(schema);
            let mut report = LoadReport::default();
            let mut loader = RowLoader {
                builder: &mut builder,
                kind,
                path,
                on_bad_row,
                report: &mut report,
                event_ids,
            };
            let result = read(
                &mut part.bytes.as_slice(),
                part.start,
                part.last,
                &mut |line, fields| loader.read(line, fields),
            );
            (builder, report, result)
        };
        let io = |source| DataError::Io {
            path: path.to_string(),
            source,
        };
        let rest = super::chunks::read_parts(
            file,
            records,
            start,
            part_bytes,
            &parse,
            &mut |(builder, report, result): LoadedPart<'_>| {
                self.builder.absorb(builder);
                self.report.absorb(report);
                // A builder in spill mode may hand its rows over between parts.
                self.builder.checkpoint()?;
                result.map(|stopped| !stopped)
            },
            &io,
        )?;
        if let Some((mut reader, start)) = rest {
            read(&mut reader, start, true, &mut |line, fields| {
                self.read(line, fields)
            })?;
        }
        Ok(())
    }

    /// A row as a reader hands it over.
    fn read(&mut self, line: u64, fields: RowResult<'_, '_>) -> Result<(), DataError> {
        match fields {
            Ok(fields) => self.row(line, fields),
            Err(reason) => self.bad(line, reason),
        }
    }

    fn bad(&mut self, line: u64, reason: String) -> Result<(), DataError> {
        self.on_bad_row
            .bad_row(self.path, line, reason, self.report)
    }

    /// Types one row and hands it to the builder.
    fn row(&mut self, line: u64, fields: &[RawField<'_>]) -> Result<(), DataError> {
        match self.typed_row(fields) {
            Ok(()) => {
                self.builder.checkpoint()?;
                self.report.rows += 1;
                Ok(())
            }
            Err(reason) => self.bad(line, reason),
        }
    }

    fn typed_row(&mut self, fields: &[RawField<'_>]) -> Result<(), String> {
        let schema = self.builder.schema();
        let kind = self.kind;
        let id_key = if kind == Kind::Accounts {
            "account_id"
        } else {
            "user_id"
        };
        let structural =
            |key: &str| key == id_key || key == "ts" || (kind == Kind::Events && key == "event");
        let mut id = None;
        let mut event = None;
        let mut ts = None;
        for (key, raw) in fields {
            match key.as_ref() {
                k if k == id_key => id = Some(required_text(raw, id_key)?),
                "event" if kind == Kind::Events => event = Some(required_text(raw, "event")?),
                "ts" => ts = optional_timestamp(raw)?,
                _ => {}
            }
        }
        let id = id.ok_or_else(|| no_key(id_key, fields))?;
        let (declared, prefix, event_id): (&[Field], &str, _) = match kind {
            Kind::Events => {
                let name = event.ok_or_else(|| no_key("event", fields))?;
                if ts.is_none() {
                    return Err(no_key("ts", fields));
                }
                let Some(&event_id) = self.event_ids.get(name.as_ref()) else {
                    // Every `user_id` seen is a user, even if all its events are ignored.
                    self.builder.user(&id);
                    *self
                        .report
                        .unknown
                        .entry(format!("event type {name}"))
                        .or_default() += 1;
                    return Ok(());
                };
                let event_type = schema.event(event_id);
                (
                    &event_type.properties,
                    event_type.name.as_str(),
                    Some(event_id),
                )
            }
            Kind::Profiles => (&schema.profile, "profile", None),
            Kind::Accounts => (&schema.account, "account", None),
        };
        let mut values: Vec<FieldValue<'_>> = vec![FieldValue::Missing; declared.len()];
        for (key, raw) in fields {
            // An empty value changes nothing: it is missing where declared, and not counted
            // where not (a key appears once in a row: `ndjson` and `header` see to it).
            if matches!(raw, Raw::Null | Raw::Cell("")) || structural(key) {
                continue;
            }
            let Some(index) = declared.iter().position(|f| f.name == *key) else {
                *self
                    .report
                    .unknown
                    .entry(format!("{prefix}.{key}"))
                    .or_default() += 1;
                continue;
            };
            let ty = declared[index].ty;
            values[index] = convert(raw, ty)
                .map_err(|found| format!("`{key}` must be a {}, found {found}", ty.name()))?;
        }
        match event_id {
            Some(event_id) => {
                self.builder
                    .add_event(&id, event_id, ts.unwrap_or_default(), &values);
            }
            None if kind == Kind::Profiles => self.builder.add_profile(&id, ts, &values),
            None => self.builder.add_account(&id, ts, &values),
        }
        Ok(())
    }
}

/// Why a row lacks `key`, with a hint when a key differs from it only by spaces or case.
fn no_key(key: &str, fields: &[RawField<'_>]) -> String {
    let hint = super::header::near(key, fields.iter().map(|(k, _)| k.as_ref()));
    match hint {
        Some(hint) => format!("the row has no `{key}`: {hint}"),
        None => format!("the row has no `{key}`"),
    }
}

/// One field of a row held in memory: its name and its value (None for null or absent).
pub type InlineField = (String, Option<Cell>);

/// Loads rows held in memory (a `.segtest` file's), typed exactly like a data file's rows.
/// `rows` gives each row's line in `name` for errors (`NAME:LINE: reason`). A bad row is an
/// error; so is a name the schema lacks (an event type, property or attribute), since rows
/// written by hand should not lose a value to a typo.
pub fn load_rows<'r>(
    builder: &mut StoreBuilder<'_>,
    kind: Kind,
    name: &str,
    rows: impl IntoIterator<Item = (u64, &'r [InlineField])>,
) -> Result<(), DataError> {
    let event_ids = event_ids(builder.schema());
    let mut report = LoadReport::default();
    let mut loader = RowLoader {
        builder,
        kind,
        path: name,
        on_bad_row: OnBadRow::Fail,
        report: &mut report,
        event_ids: &event_ids,
    };
    for (line, fields) in rows {
        let raw: Vec<RawField<'_>> = fields
            .iter()
            .map(|(key, cell)| {
                let value = match cell {
                    None => Raw::Null,
                    Some(Cell::Text(s)) => Raw::Text(Cow::Borrowed(s)),
                    Some(Cell::Number(n)) => Raw::Number(*n),
                    Some(Cell::Bool(b)) => Raw::Bool(*b),
                    Some(Cell::Instant(t)) => Raw::Instant(*t),
                };
                (Cow::Borrowed(key.as_str()), value)
            })
            .collect();
        loader.row(line, &raw)?;
        if let Some(unknown) = loader.report.unknown.keys().next().cloned() {
            let reason = match unknown.strip_prefix("event type ") {
                Some(event) => format!("there is no event type `{event}` in the schema"),
                None => format!("`{unknown}` is not in the schema"),
            };
            return Err(DataError::BadRow {
                path: name.to_string(),
                line,
                reason,
            });
        }
    }
    Ok(())
}

/// An owned, typed cell (for writing other formats).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    Instant(i64),
}

/// Parses one NDJSON line into typed cells for `columns` (None where absent or null).
pub fn parse_ndjson_cells(
    line: &str,
    columns: &[(String, FieldType)],
) -> Result<Vec<Option<Cell>>, String> {
    let fields = super::ndjson::parse_object(line)?;
    let mut cells = vec![None; columns.len()];
    for (key, raw) in &fields {
        let Some(index) = columns.iter().position(|(name, _)| name == key.as_ref()) else {
            continue;
        };
        let ty = columns[index].1;
        cells[index] = match convert(raw, ty)
            .map_err(|found| format!("`{key}` must be a {}, found {found}", ty.name()))?
        {
            FieldValue::Str(s) => Some(Cell::Text(s.to_string())),
            FieldValue::Number(n) => Some(Cell::Number(n)),
            FieldValue::Bool(b) => Some(Cell::Bool(b)),
            FieldValue::Timestamp(t) => Some(Cell::Instant(t)),
            FieldValue::Missing => None,
        };
    }
    Ok(cells)
}

/// Types a raw value; the error names what was found.
pub(super) fn convert<'r>(raw: &'r Raw<'_>, ty: FieldType) -> Result<FieldValue<'r>, String> {
    let value = match (raw, ty) {
        (Raw::Null | Raw::Cell(""), _) => FieldValue::Missing,
        // NaN is the store's missing number, and no format writes infinities as text.
        (Raw::Number(n), FieldType::Number) if n.is_finite() => FieldValue::Number(*n),
        (Raw::Number(n), FieldType::Number) => return Err(format!("`{n}`")),
        (Raw::Bool(b), FieldType::Bool) => FieldValue::Bool(*b),
        (Raw::Instant(t), FieldType::Timestamp) => FieldValue::Timestamp(*t),
        (Raw::Text(s), FieldType::String) => FieldValue::Str(s),
        (Raw::Cell(s), FieldType::String) => FieldValue::Str(s),
        (Raw::Text(s), FieldType::Timestamp) => {
            FieldValue::Timestamp(parse_timestamp(s).map_err(|e| format!("`{s}`: {e}"))?)
        }
        (Raw::Cell(s), FieldType::Timestamp) => {
            FieldValue::Timestamp(parse_timestamp(s).map_err(|e| format!("`{s}`: {e}"))?)
        }
        (Raw::Cell(s), FieldType::Number) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => FieldValue::Number(n),
            _ => return Err(format!("`{s}`")),
        },
        (Raw::Cell(s), FieldType::Bool) => match s.trim() {
            "true" | "TRUE" | "True" | "1" => FieldValue::Bool(true),
            "false" | "FALSE" | "False" | "0" => FieldValue::Bool(false),
            _ => return Err(format!("`{s}`")),
        },
        (other, _) => return Err(other.describe().to_string()),
    };
    Ok(value)
}

pub(super) fn required_text<'a>(raw: &Raw<'a>, key: &str) -> Result<Cow<'a, str>, String> {
    match raw {
        Raw::Text(s) if !s.is_empty() => Ok(s.clone()),
        Raw::Cell(s) if !s.is_empty() => Ok(Cow::Borrowed(s)),
        Raw::Null | Raw::Cell("") | Raw::Text(_) => Err(format!("`{key}` is empty")),
        other => Err(format!(
            "`{key}` must be a string, found {}",
            other.describe()
        )),
    }
}

pub(super) fn optional_timestamp(raw: &Raw<'_>) -> Result<Option<i64>, String> {
    let text = match raw {
        Raw::Null | Raw::Cell("") => return Ok(None),
        Raw::Instant(t) => return Ok(Some(*t)),
        Raw::Text(s) => s.as_ref(),
        Raw::Cell(s) => s,
        other => {
            return Err(format!(
                "`ts` must be a timestamp string, found {}",
                other.describe()
            ))
        }
    };
    parse_timestamp(text)
        .map(Some)
        .map_err(|e| format!("`ts` `{text}`: {e}"))
}

/// Bounds on the text of rows a service receives (files have only [`MAX_ROW_BYTES`]).
///
/// [`MAX_ROW_BYTES`]: super::ndjson::MAX_ROW_BYTES
#[derive(Debug, Clone, Copy)]
pub struct TextLimits {
    /// The longest `user_id` or `account_id`, in bytes.
    pub id_bytes: usize,
    /// The longest other string value (an event name or a property), in bytes.
    pub string_bytes: usize,
}

/// Loads rows held in memory, one JSON object each (a request's body), into `builder`, typed
/// exactly like the rows of an NDJSON file, and bounded by `limits`. Returns the counts and
/// every bad row as (index in `rows`, reason); the builder holds the good rows.
pub fn load_json_rows(
    builder: &mut StoreBuilder<'_>,
    kind: Kind,
    rows: &[&str],
    limits: TextLimits,
) -> (LoadReport, Vec<(usize, String)>) {
    let event_ids = event_ids(builder.schema());
    let mut report = LoadReport::default();
    let mut bad = Vec::new();
    let mut loader = RowLoader {
        builder,
        kind,
        path: "",
        on_bad_row: OnBadRow::Fail,
        report: &mut report,
        event_ids: &event_ids,
    };
    let id_key = if kind == Kind::Accounts {
        "account_id"
    } else {
        "user_id"
    };
    for (index, text) in rows.iter().enumerate() {
        let fields = match super::ndjson::parse_object(text) {
            Ok(fields) => fields,
            Err(reason) => {
                bad.push((index, reason));
                continue;
            }
        };
        let too_long = fields.iter().find_map(|(key, raw)| {
            let Raw::Text(s) = raw else { return None };
            let limit = if key == id_key {
                limits.id_bytes
            } else {
                limits.string_bytes
            };
            (s.len() > limit).then(|| {
                format!(
                    "`{key}` is {} bytes long, over the limit of {limit}",
                    s.len()
                )
            })
        });
        if let Some(reason) = too_long {
            bad.push((index, reason));
            continue;
        }
        match loader.typed_row(&fields) {
            Ok(()) => loader.report.rows += 1,
            Err(reason) => bad.push((index, reason)),
        }
    }
    (report, bad)
}

/// A number as the exports write it as text (Rust's shortest form that reads back the same).
#[must_use]
pub fn number_text(n: f64) -> String {
    format!("{n}")
}

/// A row as text: each column's name and value (None for null or empty).
pub type TextRow = Vec<(String, Option<String>)>;

/// Every row of a data file of any format (by its extension), each as (column, value as text),
/// with None for a null or empty value: for reading back files seg wrote, such as an earlier
/// `seg export`.
pub fn read_text_rows(
    path: &Path,
    each: &mut dyn FnMut(u64, TextRow) -> Result<(), String>,
) -> Result<(), DataError> {
    let name = path.display().to_string();
    read_rows(path, None, &mut |line, fields| {
        let bad = |reason: String| DataError::BadRow {
            path: name.clone(),
            line,
            reason,
        };
        let fields = fields.map_err(bad)?;
        let mut row = Vec::with_capacity(fields.len());
        for (key, raw) in fields {
            let text = match raw {
                Raw::Null | Raw::Cell("") => None,
                Raw::Bool(b) => Some(b.to_string()),
                Raw::Number(n) => Some(number_text(*n)),
                Raw::Text(s) => Some(s.to_string()),
                Raw::Cell(s) => Some((*s).to_string()),
                Raw::Instant(t) => Some(crate::time::format_timestamp(*t)),
                Raw::Nested(what) => return Err(bad(format!("`{key}` is {what}"))),
            };
            row.push((key.to_string(), text));
        }
        each(line, row).map_err(bad)
    })
}

//! Reading CSV (the csv crate): a header row, checked once before any row (`header`), then one
//! record per row. A record may hold at most [`MAX_ROW_BYTES`]: the file is read through a
//! counter that refuses to read further into a longer record, so an unclosed quote in a large
//! file cannot make the loader hold the rest of the file. The csv crate reads leniently: an
//! unclosed quote takes the rest of the file into one field, and text after a closing quote
//! joins the field. So a record with a line break in a field is read again from the file, up to
//! its end, to find where such a quote opened; an unclosed one, or one that runs over lines and
//! is followed by more text (rows swallowed into a field), makes the row bad.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use super::load::{DataError, Kind, Raw, RawField, RowResult};
use super::ndjson::{describe_bytes, MAX_ROW_BYTES};

/// The io error the counting reader returns when a record grows past the limit.
#[derive(Debug, thiserror::Error)]
#[error("the record is too long")]
struct TooLong;

/// Counts the bytes read, and refuses to read more than `limit` bytes past the start of the
/// record being read (set by the caller after each record).
struct Counted<R> {
    inner: R,
    read: u64,
    record_start: Rc<Cell<u64>>,
    limit: u64,
}

impl<R> Counted<R> {
    /// A counting reader over `inner`, and the cell its caller sets to each record's start.
    fn new(inner: R, limit: usize) -> (Self, Rc<Cell<u64>>) {
        let record_start = Rc::new(Cell::new(0u64));
        let counted = Counted {
            inner,
            read: 0,
            record_start: record_start.clone(),
            limit: limit as u64,
        };
        (counted, record_start)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        // The reader asks for more only when it has used every byte read so far, all of them
        // before the end of the record being read.
        if self.read.saturating_sub(self.record_start.get()) > self.limit {
            return Err(std::io::Error::other(TooLong));
        }
        let n = self.inner.read(buffer)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Where a record, or a part of a file, starts: its byte offset and (1-based) line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Start {
    pub byte: u64,
    pub line: u64,
}

/// Reads the CSV file at `path`: its header (checked for a file of `kind`), then each record.
pub(super) fn read_csv(
    path: &Path,
    file: std::fs::File,
    kind: Option<Kind>,
    limit: usize,
    on_row: &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut file = file;
    let Some((headers, body)) = read_header(path, &mut file, kind, limit)? else {
        return Ok(());
    };
    file.seek(SeekFrom::Start(body.byte))
        .map_err(|source| DataError::Io {
            path: path.display().to_string(),
            source,
        })?;
    let columns = Columns::new(headers, false);
    read_records(
        BufReader::new(file),
        path,
        &columns,
        body,
        true,
        limit,
        on_row,
    )?;
    Ok(())
}

/// Reads the header row of the CSV file at `path` and checks it for a file of `kind`: the
/// column names and where the first record starts; None for a file without a header (empty).
pub(super) fn read_header(
    path: &Path,
    file: &mut std::fs::File,
    kind: Option<Kind>,
    limit: usize,
) -> Result<Option<(Vec<String>, Start)>, DataError> {
    let name = path.display().to_string();
    let (counted, _) = Counted::new(file, limit);
    let mut reader = csv_reader(counted, limit);
    let headers = match reader.headers() {
        Ok(headers) => headers,
        Err(e) if is_too_long(&e) => return Err(too_long(path, limit, Start { byte: 0, line: 1 })),
        Err(e) => {
            return Err(DataError::Format {
                path: name.clone(),
                reason: format!("cannot read the header row: {e}"),
            })
        }
    };
    let headers: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            }
            .to_string()
        })
        .collect();
    if headers.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    super::header::check(kind, &names).map_err(|reason| DataError::BadHeader {
        path: name.clone(),
        line: 1,
        reason,
    })?;
    let body = reader.position();
    Ok(Some((
        headers,
        Start {
            byte: body.byte(),
            line: body.line(),
        },
    )))
}

/// The columns of a CSV file, as its records are handed over.
pub(super) struct Columns {
    names: Vec<String>,
    /// Per column: whether an empty cell of it is handed over (else it is left out of the row).
    keep_empty: Vec<bool>,
}

impl Columns {
    /// With `skip_empty`, a row leaves out its empty cells, but those of the columns named like
    /// a key (`user_id`, `account_id`, `event`, `ts`, give or take case and spaces), which
    /// the loader reads, or names in a hint when a key is missing. The loader reads an empty
    /// cell as a missing value, so leaving it out changes nothing but the work.
    pub fn new(names: Vec<String>, skip_empty: bool) -> Self {
        let keep_empty = names
            .iter()
            .map(|name| {
                !skip_empty
                    || ["user_id", "account_id", "event", "ts"]
                        .iter()
                        .any(|key| name.trim().eq_ignore_ascii_case(key))
            })
            .collect();
        Columns { names, keep_empty }
    }
}

/// The csv crate's reader as the loaders use it: records of any length (the loader compares
/// them with the header), through a buffer no larger than the row limit.
fn csv_reader<R: Read>(reader: R, limit: usize) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(limit.clamp(1, 1 << 20))
        .from_reader(reader)
}

/// The error of a record longer than the limit, starting at `start`.
fn too_long(path: &Path, limit: usize, start: Start) -> DataError {
    DataError::BadRow {
        path: path.display().to_string(),
        line: start.line,
        reason: format!(
            "the record is longer than {}, the limit for one row{}",
            describe_bytes(limit),
            open_quote(path, start.byte, None, start.line).map_or(String::new(), |q| q.hint())
        ),
    }
}

/// Reads the records of the CSV file at `path` from `reader`, which starts at `start` in the
/// file, at the start of a record after the header; `last`: the reader runs to the end of the
/// file. Hands each record's line and fields (named by `headers`), or why it is bad, to
/// `on_row`. Returns whether reading stopped before the end (a record the csv crate cannot
/// read past): the rest of the file is then not read.
pub(super) fn read_records(
    reader: impl Read,
    path: &Path,
    columns: &Columns,
    start: Start,
    last: bool,
    limit: usize,
    on_row: &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
) -> Result<bool, DataError> {
    let origin = start;
    // Positions in the file of the reader's positions.
    let at = |p: &csv::Position| Start {
        byte: origin.byte + p.byte(),
        line: origin.line + p.line() - 1,
    };
    let (counted, record_start) = Counted::new(reader, limit);
    let mut reader = csv_reader(counted, limit);
    let expected_len = columns.names.len() as u64;
    let mut bytes = csv::ByteRecord::new();
    loop {
        let start = reader.position().clone();
        record_start.set(start.byte());
        let start = at(&start);
        let read = match reader.read_byte_record(&mut bytes) {
            Ok(read) => read,
            Err(e) if is_too_long(&e) => return Err(too_long(path, limit, start)),
            Err(e) => {
                let line = e.position().map_or(start.line, |p| at(p).line);
                on_row(line, Err(e.to_string()))?;
                return Ok(true);
            }
        };
        if !read {
            return Ok(false);
        }
        let line = bytes.position().map_or(start.line, |p| at(p).line);
        let len = bytes.len() as u64;
        if len != expected_len {
            let end = at(reader.position());
            let quote = if end.line > line + 1 || (last && reader.is_done()) {
                open_quote(path, start.byte, Some(end.byte), line)
            } else {
                None
            };
            let reason = match quote {
                Some(quote) if quote.state != QuoteState::Closed => quote.reason(),
                Some(quote) => format!(
                    "the row has {len} fields, the header has {expected_len}{}",
                    quote.hint()
                ),
                None => format!("the row has {len} fields, the header has {expected_len}"),
            };
            on_row(line, Err(reason))?;
            continue;
        }
        match csv::StringRecord::from_byte_record(std::mem::take(&mut bytes)) {
            Ok(record) => {
                let end = at(reader.position()).byte;
                row(path, columns, &record, (start.byte, end), line, on_row)?;
                bytes = record.into_byte_record();
            }
            Err(e) => {
                bytes = e.into_byte_record();
                on_row(line, Err("the row is not valid UTF-8".to_string()))?;
            }
        }
    }
}

/// Hands a record with as many fields as the header to `on_row`, unless a quoted field in it
/// runs over lines and is not closed where it should be (rows swallowed into a field).
/// `bytes`: where the record starts and ends in the file.
fn row(
    path: &Path,
    columns: &Columns,
    record: &csv::StringRecord,
    bytes: (u64, u64),
    line: u64,
    on_row: &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    if memchr::memchr2(b'\n', b'\r', record.as_slice().as_bytes()).is_some() {
        if let Some(quote) = open_quote(path, bytes.0, Some(bytes.1), line) {
            if quote.state != QuoteState::Closed {
                return on_row(line, Err(quote.reason()));
            }
        }
    }
    let fields: Vec<RawField<'_>> = columns
        .names
        .iter()
        .zip(&columns.keep_empty)
        .zip(record.iter())
        .filter(|((_, &keep), cell)| keep || !cell.is_empty())
        .map(|((name, _), cell)| (std::borrow::Cow::Borrowed(name.as_str()), Raw::Cell(cell)))
        .collect();
    on_row(line, Ok(&fields))
}

fn is_too_long(error: &csv::Error) -> bool {
    match error.kind() {
        csv::ErrorKind::Io(e) => e
            .get_ref()
            .is_some_and(<dyn std::error::Error + Send + Sync>::is::<TooLong>),
        _ => false,
    }
}

/// What became of a quoted field that runs over a line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    /// Closed, and followed by a separator or the end of the record: a field with line breaks.
    Closed,
    /// Closed, but followed by more text: most likely rows taken into the field.
    Stray,
    /// Never closed: the field runs to the end of the file (or of the limit).
    Unclosed,
}

/// A quoted field that runs over a line end (or never closes): where its quote opened.
#[derive(Debug, PartialEq, Eq)]
struct OpenQuote {
    line: u64,
    column: u64,
    state: QuoteState,
}

impl OpenQuote {
    /// Why the row is bad (for a quote that is not [`QuoteState::Closed`]).
    fn reason(&self) -> String {
        let (line, column) = (self.line, self.column);
        match self.state {
            QuoteState::Unclosed => format!(
                "the quote opened at line {line}, column {column} is never closed: the rest of \
                 the file would be read as one field"
            ),
            QuoteState::Stray | QuoteState::Closed => format!(
                "the quoted field opened at line {line}, column {column} runs over several lines \
                 and text follows its closing quote: is a quote missing?"
            ),
        }
    }

    fn hint(&self) -> String {
        format!(
            " (a quoted field opened at line {}, column {} runs over several lines: is a quote \
             missing or extra?)",
            self.line, self.column
        )
    }
}

/// Reads the record that starts at byte `start` (line `line`) of the file again, up to byte
/// `end` (or twice the row limit), and finds its first quoted field that runs over a line end
/// or never closes.
fn open_quote(path: &Path, start: u64, end: Option<u64>, line: u64) -> Option<OpenQuote> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(start)).ok()?;
    let length = end.map_or(MAX_ROW_BYTES as u64 * 2, |end| end.saturating_sub(start));
    find_open_quote(BufReader::new(file).take(length), line)
}

/// The quote scan of [`open_quote`] over the bytes of a record starting at line `line`: a quote
/// at the start of a field opens it, `""` inside is a quote, another `"` closes it.
fn find_open_quote(reader: impl BufRead, line: u64) -> Option<OpenQuote> {
    let (mut line, mut column) = (line, 0u64);
    let mut field_start = true;
    // The open quote, and whether its field has run over a line end.
    let mut quoted: Option<(u64, u64)> = None;
    let mut spans = false;
    let mut after_quote = false;
    let mut found = None;
    for byte in reader.bytes() {
        let byte = byte.ok()?;
        // Columns count characters: UTF-8 continuation bytes do not start one.
        if byte & 0xC0 != 0x80 {
            column += 1;
        }
        if let Some((at_line, at_column)) = quoted {
            if after_quote {
                after_quote = false;
                if byte == b'"' {
                    continue;
                }
                quoted = None;
                if spans {
                    let state = if matches!(byte, b',' | b'\r' | b'\n') {
                        QuoteState::Closed
                    } else {
                        QuoteState::Stray
                    };
                    let quote = OpenQuote {
                        line: at_line,
                        column: at_column,
                        state,
                    };
                    if state == QuoteState::Stray {
                        return Some(quote);
                    }
                    found.get_or_insert(quote);
                }
            } else {
                if byte == b'"' {
                    after_quote = true;
                } else if byte == b'\n' {
                    spans = true;
                    line += 1;
                    column = 0;
                }
                continue;
            }
        }
        match byte {
            b'"' if field_start => {
                quoted = Some((line, column));
                spans = false;
                field_start = false;
            }
            b',' => field_start = true,
            b'\n' => {
                line += 1;
                column = 0;
                field_start = true;
            }
            _ => field_start = false,
        }
    }
    match quoted {
        Some((line, column)) if !after_quote => Some(OpenQuote {
            line,
            column,
            state: QuoteState::Unclosed,
        }),
        Some((line, column)) if spans => found.or(Some(OpenQuote {
            line,
            column,
            state: QuoteState::Closed,
        })),
        _ => found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quote_that_runs_over_a_line_is_found() {
        let scan = |text: &str| find_open_quote(text.as_bytes(), 5);
        let quote = |line, column, state| {
            Some(OpenQuote {
                line,
                column,
                state,
            })
        };
        assert_eq!(scan("a,b,c\n"), None);
        assert_eq!(scan("a,b,\"c"), quote(5, 5, QuoteState::Unclosed));
        assert_eq!(scan("a,\"b\nc\",d\n"), quote(5, 3, QuoteState::Closed));
        assert_eq!(scan("a,\"b\nc\""), quote(5, 3, QuoteState::Closed));
        assert_eq!(
            scan("a,\"b \"\"x\"\",c\nd,e\nf"),
            quote(5, 3, QuoteState::Unclosed)
        );
        assert_eq!(scan("a,\"b\nc,\"x\"\n"), quote(5, 3, QuoteState::Stray));
        assert_eq!(scan("é,\"b\nc\""), quote(5, 3, QuoteState::Closed));
    }

    #[test]
    fn a_record_longer_than_the_limit_stops_the_load_where_it_starts() {
        let path = std::env::temp_dir().join(format!("seg-csv-limit-{}.csv", std::process::id()));
        std::fs::write(&path, "a,b\n1,22\n1,\"333\n4,5\n").unwrap();
        let mut lines = Vec::new();
        let file = std::fs::File::open(&path).unwrap();
        let error = read_csv(&path, file, None, 5, &mut |line, row| {
            lines.push((line, row.is_ok()));
            Ok(())
        })
        .unwrap_err()
        .to_string();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(lines, [(2, true)]);
        assert!(
            error.contains(":3: the record is longer than 5 bytes, the limit for one row (a quoted field opened at line 3, column 3"),
            "{error}"
        );
    }
}

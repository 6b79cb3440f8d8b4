//! Reading CSV (the csv crate): a header row, checked once before any row (`header`), then one
//! record per row. A record may hold at most [`MAX_ROW_BYTES`]: the file is read through a
//! counter that refuses to read further into a longer record, so an unclosed quote in a large
//! file cannot make the loader hold the rest of the file. When a record goes wrong across lines
//! (an unclosed quote swallows the rest of the file; a stray quote shifts the fields), the
//! record's bytes are read again from the file to say where the quote opened.

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

/// Reads the CSV file at `path`: its header (checked for a file of `kind`), then each record.
pub(super) fn read_csv(
    path: &Path,
    file: std::fs::File,
    kind: Option<Kind>,
    limit: usize,
    on_row: &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let name = path.display().to_string();
    let record_start = Rc::new(Cell::new(0u64));
    let counted = Counted {
        inner: file,
        read: 0,
        record_start: record_start.clone(),
        limit: limit as u64,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(limit.clamp(1, 1 << 20))
        .from_reader(counted);
    let too_long = |line: u64| DataError::BadRow {
        path: name.clone(),
        line,
        reason: format!(
            "the record is longer than {}, the limit for one row{}",
            describe_bytes(limit),
            open_quote(path, record_start.get(), line).map_or(String::new(), |q| q.hint())
        ),
    };
    let headers = match reader.headers() {
        Ok(headers) => headers,
        Err(e) if is_too_long(&e) => return Err(too_long(1)),
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
        return Ok(());
    }
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    super::header::check(kind, &names).map_err(|reason| DataError::BadHeader {
        path: name.clone(),
        line: 1,
        reason,
    })?;
    let mut record = csv::StringRecord::new();
    loop {
        let start = reader.position().clone();
        record_start.set(start.byte());
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(start.line(), csv::Position::line);
                // The last record of the file holds the rest of the file when a quote never
                // closes: the csv crate reads that as a field.
                if reader.is_done() {
                    if let Some(quote) = open_quote(path, start.byte(), line) {
                        if !quote.closed {
                            on_row(line, Err(quote.unclosed()))?;
                            return Ok(());
                        }
                    }
                }
                let fields: Vec<RawField<'_>> = headers
                    .iter()
                    .map(|h| std::borrow::Cow::Borrowed(h.as_str()))
                    .zip(record.iter().map(Raw::Cell))
                    .collect();
                on_row(line, Ok(&fields))?;
            }
            Err(e) if is_too_long(&e) => return Err(too_long(start.line())),
            Err(e) => {
                let line = e.position().map_or(start.line(), csv::Position::line);
                let recoverable = matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                );
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        let spans = reader.position().line() > line + 1 || reader.is_done();
                        let quote = if spans {
                            open_quote(path, start.byte(), line)
                        } else {
                            None
                        };
                        match quote {
                            Some(quote) if !quote.closed => quote.unclosed(),
                            Some(quote) => format!(
                                "the row has {len} fields, the header has {expected_len}{}",
                                quote.hint()
                            ),
                            None => {
                                format!("the row has {len} fields, the header has {expected_len}")
                            }
                        }
                    }
                    csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
                    _ => e.to_string(),
                };
                on_row(line, Err(reason))?;
                if !recoverable {
                    return Ok(());
                }
            }
        }
    }
}

fn is_too_long(error: &csv::Error) -> bool {
    match error.kind() {
        csv::ErrorKind::Io(e) => e.get_ref().is_some_and(|inner| inner.is::<TooLong>()),
        _ => false,
    }
}

/// A quoted field that runs over a line end: where its quote opened, and whether it closed.
#[derive(Debug, PartialEq, Eq)]
struct OpenQuote {
    line: u64,
    column: u64,
    closed: bool,
}

impl OpenQuote {
    fn unclosed(&self) -> String {
        format!(
            "the quote opened at line {}, column {} is never closed: the rest of the file \
             would be read as one field",
            self.line, self.column
        )
    }

    fn hint(&self) -> String {
        format!(
            " (a quoted field opened at line {}, column {} runs over several lines: is a quote \
             missing or extra?)",
            self.line, self.column
        )
    }
}

/// Reads the record that starts at byte `start` (line `line`) of the file again, up to the
/// limit, and finds the first quoted field that runs over a line end.
fn open_quote(path: &Path, start: u64, line: u64) -> Option<OpenQuote> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(start)).ok()?;
    let reader = BufReader::new(file).take(MAX_ROW_BYTES as u64 * 2);
    find_open_quote(reader, line)
}

/// The quote scan of [`open_quote`] over the bytes of a record starting at line `line`: a quote
/// at the start of a field opens it, `""` inside is a quote, a lone `"` closes it; a line end
/// outside quotes ends the record.
fn find_open_quote(reader: impl BufRead, line: u64) -> Option<OpenQuote> {
    let (mut line, mut column) = (line, 0u64);
    let mut field_start = true;
    let mut quoted: Option<(u64, u64)> = None;
    let mut spanning: Option<(u64, u64)> = None;
    let mut after_quote = false;
    for byte in reader.bytes() {
        let byte = byte.ok()?;
        // Columns count characters: UTF-8 continuation bytes do not start one.
        if byte & 0xC0 != 0x80 {
            column += 1;
        }
        if let Some(opened) = quoted {
            if after_quote {
                after_quote = false;
                if byte != b'"' {
                    quoted = None;
                }
            } else if byte == b'"' {
                after_quote = true;
                continue;
            }
            if quoted.is_some() {
                if byte == b'\n' {
                    spanning.get_or_insert(opened);
                    line += 1;
                    column = 0;
                }
                continue;
            }
        }
        match byte {
            b'"' if field_start => {
                quoted = Some((line, column));
                field_start = false;
            }
            b',' => field_start = true,
            b'\n' => break,
            _ => field_start = false,
        }
    }
    if let (Some((line, column)), false) = (quoted, after_quote) {
        return Some(OpenQuote {
            line,
            column,
            closed: false,
        });
    }
    let (line, column) = spanning?;
    Some(OpenQuote {
        line,
        column,
        closed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quote_that_runs_over_a_line_is_found() {
        let scan = |text: &str| find_open_quote(text.as_bytes(), 5);
        assert_eq!(scan("a,b,c\n"), None);
        assert_eq!(
            scan("a,b,\"c"),
            Some(OpenQuote {
                line: 5,
                column: 5,
                closed: false
            })
        );
        assert_eq!(
            scan("a,\"b\nc\",d\n"),
            Some(OpenQuote {
                line: 5,
                column: 3,
                closed: true
            })
        );
        assert_eq!(
            scan("a,\"b \"\"x\"\",c\nd,e\nf"),
            Some(OpenQuote {
                line: 5,
                column: 3,
                closed: false
            })
        );
        assert_eq!(
            scan("é,\"b\nc\""),
            Some(OpenQuote {
                line: 5,
                column: 3,
                closed: true
            })
        );
    }
}

//! Reading a text file (NDJSON, CSV) in parallel parts. The file is read in blocks and cut
//! after a line end that closes a record: any line end in NDJSON; in CSV, one outside a quoted
//! field, found by following the quotes from the start of the part, as the csv crate reads
//! them (a quote at the start of a field opens it, `""` inside is a quote, another quote closes
//! it). Each part is parsed on a rayon thread while the next are read, and the parts are handed
//! back in file order. A part holds no record longer than half the row limit, so the row limit
//! applies to it as to a whole file; where no cut is found that soon (a long line or record, an
//! unclosed quote), the rest of the file is read in one piece, by the caller's sequential
//! reader, so that every error is the one a sequential read gives.

use std::collections::VecDeque;
use std::io::{BufReader, Cursor, Read};

use super::csv_rows::Start;
use super::load::DataError;

/// The size of a part, when none is asked for.
pub(crate) const PART_BYTES: usize = 4 << 20;

/// How records end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Records {
    /// At every line end.
    Lines,
    /// At line ends outside quoted fields.
    Csv,
}

/// A part of the file: its bytes (whole records), where it starts, and whether the file ends
/// with it.
pub(super) struct Part {
    pub bytes: Vec<u8>,
    pub start: Start,
    pub last: bool,
}

/// What the file is cut into next.
enum Piece {
    Part(Part),
    /// The rest of the file (after `carry`, its first bytes, already read), to read in one
    /// piece from `start`.
    Rest {
        carry: Vec<u8>,
        start: Start,
    },
}

/// Cuts a file into parts.
struct Cutter<R> {
    file: R,
    records: Records,
    /// Bytes read past the last cut.
    carry: Vec<u8>,
    next: Start,
    block: usize,
    /// The largest part.
    most: usize,
    done: bool,
}

impl<R: Read> Cutter<R> {
    fn next(&mut self) -> std::io::Result<Option<Piece>> {
        loop {
            let mut buffer = std::mem::take(&mut self.carry);
            if !self.done {
                let read = (&mut self.file)
                    .take(self.block as u64)
                    .read_to_end(&mut buffer)?;
                self.done = read < self.block;
            }
            let cut = if self.done {
                Some(buffer.len())
            } else {
                cut(self.records, &buffer)
            };
            let cut = match cut.filter(|&cut| cut > 0) {
                Some(cut) if cut <= self.most => cut,
                _ if buffer.len() > self.most => {
                    return Ok(Some(Piece::Rest {
                        carry: buffer,
                        start: self.next,
                    }))
                }
                _ if self.done => return Ok(None),
                _ => {
                    self.carry = buffer;
                    continue;
                }
            };
            self.carry = buffer[cut..].to_vec();
            buffer.truncate(cut);
            let start = self.next;
            self.next = Start {
                byte: start.byte + buffer.len() as u64,
                line: start.line + count_lines(&buffer),
            };
            return Ok(Some(Piece::Part(Part {
                bytes: buffer,
                start,
                last: self.done && self.carry.is_empty(),
            })));
        }
    }
}

/// The line ends in `bytes`.
fn count_lines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(1 << 12)
        .map(|c| c.iter().map(|&b| u32::from(b == b'\n')).sum::<u32>())
        .map(u64::from)
        .sum()
}

/// Where `bytes`, which start at the start of a record, can be cut: after their last line end
/// that closes a record; None if there is none, or it cannot be told yet. In CSV, the cut
/// falls right after a record's terminator, before any line end that follows it (the `\n` of
/// `\r\n`, blank lines): the csv crate places a record where the one before it ended, which
/// is then the same in a part as in the whole file.
fn cut(records: Records, bytes: &[u8]) -> Option<usize> {
    if records == Records::Lines {
        return memchr::memrchr(b'\n', bytes).map(|i| i + 1);
    }
    let terminator = |b: u8| b == b'\n' || b == b'\r';
    let after_line_end = |from: usize, to: usize| {
        memchr::memrchr2_iter(b'\n', b'\r', &bytes[from..to])
            .map(|i| from + i)
            .find(|&i| i > 0 && !terminator(bytes[i - 1]))
            .map(|i| i + 1)
    };
    let mut found = None;
    // The start of the stretch outside quotes being read, and whether a quote is open.
    let mut outside = 0;
    let mut quoted = false;
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'"', &bytes[at..]).map(|i| at + i) {
        if quoted {
            match bytes.get(i + 1) {
                Some(b'"') => at = i + 2,
                Some(_) => {
                    quoted = false;
                    outside = i + 1;
                    at = i + 1;
                }
                // Closing or doubled: the next byte tells.
                None => return found,
            }
        } else {
            if i == 0 || matches!(bytes[i - 1], b',' | b'\n' | b'\r') {
                found = after_line_end(outside, i).or(found);
                quoted = true;
            }
            at = i + 1;
        }
    }
    if quoted {
        found
    } else {
        after_line_end(outside, bytes.len()).or(found)
    }
}

/// The rest of a file that could not be cut into parts, from where the parts end.
pub(super) type Rest<R> = (BufReader<std::io::Chain<Cursor<Vec<u8>>, R>>, Start);

/// Reads `file` from `start` (the start of a record) in parts of about `part_bytes` (no part
/// larger than half the row limit): `parse` runs on rayon threads, and `absorb` gets each part's
/// result in file order, returning whether to go on. Where no part can be cut, what is left of
/// the file is returned, to be read in one piece.
pub(super) fn read_parts<T: Send, R: Read>(
    file: R,
    records: Records,
    start: Start,
    part_bytes: usize,
    parse: &(dyn Fn(Part) -> T + Sync),
    absorb: &mut dyn FnMut(T) -> Result<bool, DataError>,
    io: &dyn Fn(std::io::Error) -> DataError,
) -> Result<Option<Rest<R>>, DataError> {
    let most = super::ndjson::MAX_ROW_BYTES / 2;
    let mut cutter = Cutter {
        file,
        records,
        carry: Vec::new(),
        next: start,
        block: part_bytes.clamp(1, (most / 2).max(1)),
        most,
        done: false,
    };
    // Enough parts in flight to keep every thread busy while the oldest is absorbed.
    let in_flight = rayon::current_num_threads() + 2;
    let mut tail = None;
    rayon::in_place_scope(|scope| {
        let mut pending = VecDeque::new();
        loop {
            while tail.is_none() && pending.len() < in_flight {
                match cutter.next().map_err(io)? {
                    None => break,
                    Some(Piece::Part(part)) => {
                        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
                        scope.spawn(move |_| {
                            let _ = sender.send(parse(part));
                        });
                        pending.push_back(receiver);
                    }
                    Some(Piece::Rest { carry, start }) => tail = Some((carry, start)),
                }
            }
            let Some(receiver) = pending.pop_front() else {
                return Ok(());
            };
            // A parser that panicked sends nothing; the scope passes its panic on.
            let Ok(parsed) = receiver.recv() else {
                tail = None;
                return Ok(());
            };
            if !absorb(parsed)? {
                tail = None;
                return Ok(());
            }
        }
    })?;
    Ok(tail.map(|(carry, start)| {
        let reader = BufReader::with_capacity(1 << 20, Cursor::new(carry).chain(cutter.file));
        (reader, start)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_parts_are_cut_outside_quoted_fields() {
        let csv = |s: &str| cut(Records::Csv, s.as_bytes());
        assert_eq!(csv("a,b\nc,d\ne"), Some(8));
        assert_eq!(csv("a,\"b\nc\",d\ne"), Some(10));
        assert_eq!(csv("a,\"b\nc,d\ne"), None);
        assert_eq!(csv("a,b\nc,\"d\ne"), Some(4));
        // A doubled quote stays inside; a quote inside an unquoted field opens nothing.
        assert_eq!(csv("a,\"b\"\"\nc\",d\n"), Some(12));
        assert_eq!(csv("a,b\"\nc,d\n"), Some(9));
        assert_eq!(csv("x\n\"a\"b\"\nc\n"), Some(10));
        // A quote at the very end: closing or doubled, not known yet.
        assert_eq!(csv("a\nb,\"c\nd\""), Some(2));
        assert_eq!(cut(Records::Lines, b"a\nb\"\nc"), Some(5));
        // After a record's terminator, before the line ends that follow it.
        assert_eq!(csv("a\r\nb\r\nc"), Some(5));
        assert_eq!(csv("a\nb\n\n\nc"), Some(4));
        assert_eq!(csv("\n\nc"), None);
    }

    #[test]
    fn lines_are_counted() {
        let text: Vec<u8> = (0..10_000u32)
            .flat_map(|i| {
                if i % 3 == 0 {
                    b"\n".to_vec()
                } else {
                    b"ab".to_vec()
                }
            })
            .collect();
        assert_eq!(count_lines(&text), 3334);
    }
}

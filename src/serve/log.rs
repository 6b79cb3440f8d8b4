//! The service's durable store: an append-only, checksummed record log with group commit.
//!
//! Every ingest request is one record, an opaque byte payload, made durable before the request
//! is acknowledged. The file is an 8-byte header (the magic `SEGLOG` and the format version as
//! a little-endian `u16`) followed by records, each laid out as
//!
//! ```text
//! length: u32 LE | crc: u32 LE (CRC-32 of the four length bytes, then the payload) | payload
//! ```
//!
//! with `length` at most [`MAX_RECORD`]. A record's sequence number (seq) is its position:
//! 0, 1, 2, ...
//!
//! Opening reads every record in order. A crash can leave a torn tail (part of the last write);
//! that tail is cut off. A bad record followed by a valid one (found by trying every later byte
//! offset as the start of a record) is damage in the middle, which opening reports and never
//! repairs. The file is locked while open, so two processes never write one log.
//!
//! Appending is group commit: callers queue their records and wait; one writer thread takes
//! every record waiting, writes them with one write and one `fdatasync`, then wakes their
//! callers. A write or sync error stops the writer for good: the records of that write and
//! every record after it fail, so nothing that follows a partial write is ever written, and no
//! record is acknowledged before it is synced.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// The largest payload a record may hold, in bytes. A longer length read from a file is
/// corruption; a longer payload given to append is refused.
pub const MAX_RECORD: usize = 256 << 20;

/// The first bytes of every log file.
const MAGIC: [u8; 6] = *b"SEGLOG";
/// The format version written after the magic.
const VERSION: u16 = 1;
/// Magic plus version.
const FILE_HEADER_LEN: u64 = 8;
/// Length plus checksum, before each payload.
const RECORD_HEADER_LEN: u64 = 8;
/// The writer keeps its write buffer between batches up to this size, and frees a larger one.
const KEEP_BUFFER: usize = 4 << 20;
/// How much of the file the search for a valid record reads at a time.
const SCAN_WINDOW: usize = 1 << 20;

/// Where a log's valid records end and what was cut after them on opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// The byte offset the file was truncated to: the end of the last valid record.
    pub offset: u64,
    /// How many bytes were cut off.
    pub bytes: u64,
    /// What was wrong with the first bytes cut (an incomplete header or payload, a checksum
    /// mismatch, a bad length).
    pub reason: String,
}

/// Why a log could not be opened, read or appended to.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Reading, writing or syncing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A bad record is followed by valid records: damage in the middle of the log, not a torn
    /// tail. Nothing was changed.
    #[error("{}: damaged record at byte {offset}: {reason}", path.display())]
    Damaged {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    /// The file does not start with a log's header; it was left as it is.
    #[error("{} is not a seg log (its header is not the log's)", path.display())]
    NotALog { path: PathBuf },
    /// The file is a log of a format version this build does not read.
    #[error(
        "{}: log format version {found} is not supported (this build reads version {supported})",
        path.display(),
        supported = VERSION
    )]
    Version { path: PathBuf, found: u16 },
    /// Another process (or another `Log` in this one) has the log open.
    #[error("{} is already open elsewhere", path.display())]
    Locked { path: PathBuf },
    /// The caller's `each` refused a record while the log was being opened.
    #[error("{}: record {seq} could not be replayed: {message}", path.display())]
    Replay {
        path: PathBuf,
        seq: u64,
        message: String,
    },
    /// A payload is longer than [`MAX_RECORD`].
    #[error("a record of {bytes} bytes is larger than the maximum of {max} bytes")]
    TooLarge { bytes: usize, max: usize },
    /// The writer thread has stopped after an I/O error; the log takes no more records.
    #[error("the log is closed: its writer stopped after a write error")]
    Closed,
}

/// An append-only log of records, shared by many threads (it is `Send + Sync`).
pub struct Log {
    path: PathBuf,
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

/// What callers and the writer thread share.
struct Shared {
    state: Mutex<State>,
    /// The writer waits here for records (or for the order to stop).
    work: Condvar,
    /// Callers wait here for their records to be durable.
    done: Condvar,
    /// How many times the writer has synced the file.
    syncs: AtomicU64,
    /// Makes the writer's next write fail halfway, to test what follows a write error.
    #[cfg(test)]
    fail_writes: std::sync::atomic::AtomicBool,
}

/// The log's position and the records waiting for the writer.
struct State {
    /// Payloads waiting, in seq order; the first has seq `durable`.
    queue: Vec<Vec<u8>>,
    /// The seq the next record appended gets.
    assigned: u64,
    /// How many records are durable.
    durable: u64,
    /// The byte offset of each durable record, by seq.
    offsets: Vec<u64>,
    /// The end of the last durable record: the file's size.
    bytes: u64,
    /// The write that failed, if one did.
    failure: Option<Failure>,
    /// The log is being dropped: the writer should finish.
    stopping: bool,
    /// The writer thread has finished (normally or not).
    writer_stopped: bool,
}

/// A failed write: the error, and the seqs of the records it held.
struct Failure {
    kind: io::ErrorKind,
    message: String,
    seqs: Range<u64>,
}

/// Why the record at some offset is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bad {
    /// Fewer bytes remain than a record header.
    ShortHeader,
    /// The length is above [`MAX_RECORD`].
    TooLong(u64),
    /// The payload runs past the end of the file.
    ShortPayload { length: u64, remaining: u64 },
    /// The checksum does not match the length and payload.
    Checksum,
}

impl Bad {
    fn reason(self) -> String {
        match self {
            Bad::ShortHeader => "incomplete record header".to_string(),
            Bad::TooLong(length) => {
                format!("bad length: {length} bytes is above the maximum of {MAX_RECORD}")
            }
            Bad::ShortPayload { length, remaining } => {
                format!("incomplete payload: the record holds {length} bytes, {remaining} remain")
            }
            Bad::Checksum => "checksum mismatch".to_string(),
        }
    }
}

/// The records found while opening: where each starts, and where the valid ones end.
struct Scan {
    offsets: Vec<u64>,
    end: u64,
    tail: Option<Bad>,
}

impl Log {
    /// Opens (creating if absent) the log at `path`, calls `each(seq, payload)` for every valid
    /// record in order, and cuts a torn or corrupt tail (an incomplete header or payload, a
    /// checksum mismatch, a bad length) off the file, syncing the cut, and returns what was cut.
    ///
    /// A bad record followed by a valid one is damage in the middle: the result is
    /// [`LogError::Damaged`] and the file is left as it is. A file whose header is not the
    /// log's is [`LogError::NotALog`] and is never changed. `each` runs as records are read, so
    /// on any error, whatever the caller built from them should be thrown away. An error from
    /// `each` stops the opening with [`LogError::Replay`].
    pub fn open(
        path: &Path,
        mut each: impl FnMut(u64, &[u8]) -> Result<(), String>,
    ) -> Result<(Log, Option<Cut>), LogError> {
        let io_err = io_error(path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(&io_err)?;
        lock(&file, path)?;
        let len = file.metadata().map_err(&io_err)?.len();
        let mut cut = if len < FILE_HEADER_LEN {
            start_file(&mut file, path, len)?
        } else {
            check_header(&mut file, path)?;
            None
        };
        let len = len.max(FILE_HEADER_LEN);
        let scan = scan_records(&mut file, path, len, &mut each)?;
        if let Some(bad) = scan.tail {
            let found = find_valid_record(&mut file, scan.end + 1, len).map_err(&io_err)?;
            if let Some(valid) = found {
                return Err(LogError::Damaged {
                    path: path.to_path_buf(),
                    offset: scan.end,
                    reason: format!("{}; a valid record follows at byte {valid}", bad.reason()),
                });
            }
            file.set_len(scan.end).map_err(&io_err)?;
            file.sync_all().map_err(&io_err)?;
            cut = Some(Cut {
                offset: scan.end,
                bytes: len - scan.end,
                reason: bad.reason(),
            });
        }
        file.seek(SeekFrom::Start(scan.end)).map_err(&io_err)?;
        let durable = scan.offsets.len() as u64;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: Vec::new(),
                assigned: durable,
                durable,
                offsets: scan.offsets,
                bytes: scan.end,
                failure: None,
                stopping: false,
                writer_stopped: false,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            syncs: AtomicU64::new(0),
            #[cfg(test)]
            fail_writes: std::sync::atomic::AtomicBool::new(false),
        });
        let for_writer = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("seg-log-writer".to_string())
            .spawn(move || run_writer(&for_writer, file))
            .map_err(&io_err)?;
        let log = Log {
            path: path.to_path_buf(),
            shared,
            writer: Some(writer),
        };
        Ok((log, cut))
    }

    /// Appends one record and returns its seq once it is durable (written and synced).
    ///
    /// Blocks while the writer thread writes it, grouped with every other record waiting;
    /// async callers should call it from a blocking task. After an error the record may or may
    /// not be in the file when it is next opened; it was never acknowledged.
    pub fn append(&self, payload: Vec<u8>) -> Result<u64, LogError> {
        self.append_many(vec![payload])
    }

    /// Appends several records with consecutive seqs, in one write, and returns the first seq
    /// once all are durable. A crash during the write may keep only some of them, always the
    /// first ones. With no records, writes nothing and returns the seq the next record gets.
    pub fn append_many(&self, payloads: Vec<Vec<u8>>) -> Result<u64, LogError> {
        if let Some(large) = payloads.iter().find(|p| p.len() > MAX_RECORD) {
            return Err(LogError::TooLarge {
                bytes: large.len(),
                max: MAX_RECORD,
            });
        }
        let count = payloads.len() as u64;
        let mut state = self.shared.lock();
        if state.failure.is_some() || state.writer_stopped || state.stopping {
            return Err(LogError::Closed);
        }
        let first = state.assigned;
        if count == 0 {
            return Ok(first);
        }
        state.assigned += count;
        state.queue.extend(payloads);
        self.shared.work.notify_one();
        loop {
            if state.durable >= first + count {
                return Ok(first);
            }
            if let Some(failure) = &state.failure {
                if failure.seqs.contains(&first) {
                    return Err(LogError::Io {
                        path: self.path.clone(),
                        source: io::Error::new(failure.kind, failure.message.clone()),
                    });
                }
                return Err(LogError::Closed);
            }
            if state.writer_stopped {
                return Err(LogError::Closed);
            }
            state = self
                .shared
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The number of durable records: the seq the next record gets when no append is under way.
    #[must_use]
    pub fn next_seq(&self) -> u64 {
        self.shared.lock().durable
    }

    /// The size of the file in bytes, up to the end of the last durable record.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.shared.lock().bytes
    }

    /// How many times the writer has synced the file: fewer than the records appended when
    /// group commit groups them.
    #[must_use]
    pub fn syncs(&self) -> u64 {
        self.shared.syncs.load(Ordering::Relaxed)
    }

    /// The log's file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the durable records from seq `from` on, in order, calling `each(seq, payload)`
    /// until it returns false. Records appended while reading are not read. Checksums are
    /// checked again: a record changed on disk since opening is [`LogError::Damaged`].
    pub fn read_from(
        &self,
        from: u64,
        mut each: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), LogError> {
        let (start, end, count) = {
            let state = self.shared.lock();
            let Some(&start) = usize::try_from(from)
                .ok()
                .and_then(|index| state.offsets.get(index))
            else {
                return Ok(());
            };
            (start, state.bytes, state.durable)
        };
        let io_err = io_error(&self.path);
        let mut file = File::open(&self.path).map_err(&io_err)?;
        file.seek(SeekFrom::Start(start)).map_err(&io_err)?;
        let mut reader = BufReader::new(file);
        let mut offset = start;
        let mut payload = Vec::new();
        for seq in from..count {
            if let Err(bad) =
                read_record(&mut reader, offset, end, &mut payload).map_err(&io_err)?
            {
                return Err(LogError::Damaged {
                    path: self.path.clone(),
                    offset,
                    reason: bad.reason(),
                });
            }
            if !each(seq, &payload) {
                break;
            }
            offset += RECORD_HEADER_LEN + payload.len() as u64;
        }
        Ok(())
    }
}

impl Drop for Log {
    /// Stops the writer thread once it has finished what it was writing. No append can be
    /// waiting: they borrow the log.
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.work.notify_all();
        if let Some(writer) = self.writer.take() {
            // A writer that panicked has already marked itself stopped; nothing is left to do.
            let _ = writer.join();
        }
    }
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Log")
            .field("path", &self.path)
            .field("records", &state.durable)
            .field("bytes", &state.bytes)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// The state, even after a panic elsewhere: it is only changed in steps that cannot panic
    /// halfway, so it stays consistent.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks the writer stopped and wakes every caller when the writer thread ends, even by a
/// panic, so that no caller waits forever.
struct WriterExit<'a>(&'a Shared);

impl Drop for WriterExit<'_> {
    fn drop(&mut self) {
        self.0.lock().writer_stopped = true;
        self.0.done.notify_all();
    }
}

/// The writer thread: takes every record waiting, writes them with one write and one sync,
/// and wakes their callers, until the log is dropped or a write fails.
fn run_writer(shared: &Shared, mut file: File) {
    let _exit = WriterExit(shared);
    let mut buffer = Vec::new();
    loop {
        let (batch, first, start) = {
            let mut state = shared.lock();
            while state.queue.is_empty() && !state.stopping {
                state = shared
                    .work
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.queue.is_empty() {
                return;
            }
            (std::mem::take(&mut state.queue), state.durable, state.bytes)
        };
        if buffer.capacity() > KEEP_BUFFER {
            buffer = Vec::new();
        }
        buffer.clear();
        let mut offsets = Vec::with_capacity(batch.len());
        for payload in &batch {
            offsets.push(start + buffer.len() as u64);
            encode(payload, &mut buffer);
        }
        let count = batch.len() as u64;
        drop(batch);
        let result = write_batch(shared, &mut file, &buffer);
        let mut state = shared.lock();
        match result {
            Ok(()) => {
                state.durable += count;
                state.bytes += buffer.len() as u64;
                state.offsets.extend(offsets);
            }
            Err(error) => {
                // Best effort: take the partial write back off, so that the records no caller
                // was told about do not come back when the log is reopened. The writer stops
                // either way, so nothing is ever written after the partial write.
                let _ = file.set_len(start);
                state.failure = Some(Failure {
                    kind: error.kind(),
                    message: error.to_string(),
                    seqs: first..first + count,
                });
                return;
            }
        }
        drop(state);
        shared.done.notify_all();
    }
}

/// Writes one batch and syncs it.
fn write_batch(shared: &Shared, file: &mut File, buffer: &[u8]) -> io::Result<()> {
    #[cfg(test)]
    if shared.fail_writes.load(Ordering::Relaxed) {
        file.write_all(&buffer[..buffer.len() / 2])?;
        return Err(io::Error::other("injected write failure"));
    }
    file.write_all(buffer)?;
    file.sync_data()?;
    shared.syncs.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Appends one record (header and payload) to `out`. The payload is at most [`MAX_RECORD`]
/// bytes, checked by the caller, so its length fits a `u32`.
fn encode(payload: &[u8], out: &mut Vec<u8>) {
    let length = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    out.extend_from_slice(&length);
    out.extend_from_slice(&checksum(length, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// The CRC-32 of a record's length bytes and payload.
fn checksum(length: [u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&length);
    hasher.update(payload);
    hasher.finalize()
}

/// Makes an I/O error about `path`.
fn io_error(path: &Path) -> impl Fn(io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Takes the file's exclusive lock, so that no other process writes the same log. A file
/// system without locks is used unlocked.
fn lock(file: &File, path: &Path) -> Result<(), LogError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(LogError::Locked {
            path: path.to_path_buf(),
        }),
        Err(TryLockError::Error(error)) if error.kind() == io::ErrorKind::Unsupported => Ok(()),
        Err(TryLockError::Error(source)) => Err(LogError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The log's file header: magic and version.
fn file_header() -> [u8; 8] {
    let mut header = [0; 8];
    header[..6].copy_from_slice(&MAGIC);
    header[6..].copy_from_slice(&VERSION.to_le_bytes());
    header
}

/// Writes the header of a file shorter than one: a new, empty file, or one whose creation was
/// cut short (its bytes are the start of the header), which is reported as a cut. Anything
/// else is not a log.
fn start_file(file: &mut File, path: &Path, len: u64) -> Result<Option<Cut>, LogError> {
    let io_err = io_error(path);
    let header = file_header();
    let mut existing = Vec::new();
    file.read_to_end(&mut existing).map_err(&io_err)?;
    if !header.starts_with(&existing) {
        return Err(LogError::NotALog {
            path: path.to_path_buf(),
        });
    }
    file.set_len(0).map_err(&io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(&io_err)?;
    file.write_all(&header).map_err(&io_err)?;
    file.sync_all().map_err(&io_err)?;
    sync_parent(path).map_err(&io_err)?;
    Ok((len > 0).then(|| Cut {
        offset: 0,
        bytes: len,
        reason: "incomplete file header".to_string(),
    }))
}

/// Syncs the directory holding a new file, so that the file itself survives a crash.
#[cfg(unix)]
fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => File::open(parent)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

/// Directories cannot be opened and synced here; the file's own sync has to do.
#[cfg(not(unix))]
fn sync_parent(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// Checks that a file of at least a header's length starts with the log's header.
fn check_header(file: &mut File, path: &Path) -> Result<(), LogError> {
    let mut found = [0; 8];
    file.read_exact(&mut found).map_err(io_error(path))?;
    if found[..6] != MAGIC {
        return Err(LogError::NotALog {
            path: path.to_path_buf(),
        });
    }
    let version = u16::from_le_bytes([found[6], found[7]]);
    if version != VERSION {
        return Err(LogError::Version {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(())
}

/// Reads the records after the file header, calling `each` for each valid one, up to the end
/// of the file (`len`) or the first bad record.
fn scan_records(
    file: &mut File,
    path: &Path,
    len: u64,
    each: &mut impl FnMut(u64, &[u8]) -> Result<(), String>,
) -> Result<Scan, LogError> {
    let io_err = io_error(path);
    file.seek(SeekFrom::Start(FILE_HEADER_LEN))
        .map_err(&io_err)?;
    let mut reader = BufReader::with_capacity(1 << 16, &mut *file);
    let mut offsets = Vec::new();
    let mut payload = Vec::new();
    let mut offset = FILE_HEADER_LEN;
    while offset < len {
        if let Err(bad) = read_record(&mut reader, offset, len, &mut payload).map_err(&io_err)? {
            return Ok(Scan {
                offsets,
                end: offset,
                tail: Some(bad),
            });
        }
        let seq = offsets.len() as u64;
        each(seq, &payload).map_err(|message| LogError::Replay {
            path: path.to_path_buf(),
            seq,
            message,
        })?;
        offsets.push(offset);
        offset += RECORD_HEADER_LEN + payload.len() as u64;
    }
    Ok(Scan {
        offsets,
        end: offset,
        tail: None,
    })
}

/// Reads the record at `offset` (where `reader` stands) into `payload`, given that the file's
/// records end at `end`. The outer error is an I/O error, the inner one a bad record.
fn read_record(
    reader: &mut impl Read,
    offset: u64,
    end: u64,
    payload: &mut Vec<u8>,
) -> io::Result<Result<(), Bad>> {
    let remaining = end.saturating_sub(offset);
    if remaining < RECORD_HEADER_LEN {
        return Ok(Err(Bad::ShortHeader));
    }
    let mut header = [0; 8];
    reader.read_exact(&mut header)?;
    let (length, stored) = parse_header(header);
    if length > MAX_RECORD as u64 {
        return Ok(Err(Bad::TooLong(length)));
    }
    if length > remaining - RECORD_HEADER_LEN {
        return Ok(Err(Bad::ShortPayload {
            length,
            remaining: remaining - RECORD_HEADER_LEN,
        }));
    }
    // At most MAX_RECORD, so it fits a usize.
    payload.resize(usize::try_from(length).unwrap_or(MAX_RECORD), 0);
    reader.read_exact(payload)?;
    if checksum(header_length(header), payload) != stored {
        return Ok(Err(Bad::Checksum));
    }
    Ok(Ok(()))
}

/// A record header's length and stored checksum.
fn parse_header(header: [u8; 8]) -> (u64, u32) {
    let length = u32::from_le_bytes(header_length(header));
    let stored = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    (u64::from(length), stored)
}

/// A record header's length bytes.
fn header_length(header: [u8; 8]) -> [u8; 4] {
    [header[0], header[1], header[2], header[3]]
}

/// The first byte offset at or after `from` where a whole valid record lies before `end`, if
/// any. Every offset is tried; one whose length is too large for the rest of the file is
/// passed over at once, and the file is read a window at a time.
fn find_valid_record(file: &mut File, from: u64, end: u64) -> io::Result<Option<u64>> {
    let mut window = Vec::new();
    let mut window_start = from;
    let mut offset = from;
    while end.saturating_sub(offset) >= RECORD_HEADER_LEN {
        let mut at = usize::try_from(offset - window_start).unwrap_or(usize::MAX);
        if window.len().saturating_sub(at) < 8 {
            let size = usize::try_from(end - offset).map_or(SCAN_WINDOW, |n| n.min(SCAN_WINDOW));
            window.resize(size, 0);
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut window)?;
            window_start = offset;
            at = 0;
        }
        let mut header = [0; 8];
        header.copy_from_slice(&window[at..at + 8]);
        let (length, stored) = parse_header(header);
        let fits = length <= MAX_RECORD as u64 && length <= end - offset - RECORD_HEADER_LEN;
        if fits && payload_checksum(file, &window, at, offset, header)? == stored {
            return Ok(Some(offset));
        }
        offset += 1;
    }
    Ok(None)
}

/// The checksum of the record whose header is at `at` in `window` (at `offset` in the file),
/// from the window when the payload lies in it, else read from the file in pieces.
fn payload_checksum(
    file: &mut File,
    window: &[u8],
    at: usize,
    offset: u64,
    header: [u8; 8],
) -> io::Result<u32> {
    let (length, _) = parse_header(header);
    let length_bytes = header_length(header);
    let body = at + 8;
    if let Some(payload) = usize::try_from(length)
        .ok()
        .and_then(|n| window.get(body..body.checked_add(n)?))
    {
        return Ok(checksum(length_bytes, payload));
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&length_bytes);
    file.seek(SeekFrom::Start(offset + RECORD_HEADER_LEN))?;
    let mut piece = vec![0; 1 << 16];
    let mut left = length;
    while left > 0 {
        let n = usize::try_from(left).map_or(piece.len(), |left| left.min(piece.len()));
        file.read_exact(&mut piece[..n])?;
        hasher.update(&piece[..n]);
        left -= n as u64;
    }
    Ok(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// A folder of its own under the system's temporary folder, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("seg-log-test-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create the test folder");
            TempDir(dir)
        }

        fn file(&self) -> PathBuf {
            self.0.join("records.log")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A log opened, what was cut, and its records.
    type Opened = (Log, Option<Cut>, Vec<Vec<u8>>);

    /// Opens the log and collects its records, checking their seqs run 0, 1, 2, ...
    fn open_all(path: &Path) -> Result<Opened, LogError> {
        let mut records = Vec::new();
        let (log, cut) = Log::open(path, |seq, payload| {
            assert_eq!(seq, records.len() as u64, "seqs run in order");
            records.push(payload.to_vec());
            Ok(())
        })?;
        Ok((log, cut, records))
    }

    /// Writes `payloads` to a new log at `path` and returns each record's byte offset.
    fn write_log(path: &Path, payloads: &[&[u8]]) -> Vec<u64> {
        let (log, cut, records) = open_all(path).expect("open a new log");
        assert!(cut.is_none() && records.is_empty());
        let mut offsets = Vec::new();
        for (seq, payload) in payloads.iter().enumerate() {
            offsets.push(log.bytes());
            assert_eq!(log.append(payload.to_vec()).expect("append"), seq as u64);
        }
        offsets
    }

    fn payloads(texts: &[&'static str]) -> Vec<&'static [u8]> {
        texts.iter().map(|t| t.as_bytes()).collect()
    }

    #[test]
    fn log_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<Log>();
    }

    #[test]
    fn records_read_back_in_order_after_reopening() {
        let dir = TempDir::new("reopen");
        let path = dir.file();
        let written: Vec<Vec<u8>> = vec![
            b"first".to_vec(),
            Vec::new(),
            vec![7; 100_000],
            b"{\"user\":\"u1\"}".to_vec(),
        ];
        {
            let (log, cut, records) = open_all(&path).expect("open a new log");
            assert!(cut.is_none());
            assert!(records.is_empty());
            assert_eq!(log.bytes(), FILE_HEADER_LEN);
            for (seq, payload) in written.iter().enumerate() {
                assert_eq!(log.append(payload.clone()).expect("append"), seq as u64);
            }
            assert_eq!(log.next_seq(), 4);
        }
        let (log, cut, records) = open_all(&path).expect("reopen");
        assert!(cut.is_none());
        assert_eq!(records, written);
        assert_eq!(log.next_seq(), 4);
        let size = std::fs::metadata(&path).expect("file size").len();
        assert_eq!(log.bytes(), size);
        let expected = FILE_HEADER_LEN
            + written
                .iter()
                .map(|p| RECORD_HEADER_LEN + p.len() as u64)
                .sum::<u64>();
        assert_eq!(size, expected);
        assert_eq!(log.append(b"fifth".to_vec()).expect("append"), 4);
    }

    #[test]
    fn a_torn_tail_is_cut_at_every_point() {
        let dir = TempDir::new("torn");
        let path = dir.file();
        let texts = payloads(&["one", "two", "the third, torn record"]);
        let offsets = write_log(&path, &texts);
        let whole = std::fs::read(&path).expect("read the log");
        let last = offsets[2];
        let last_len = whole.len() as u64 - last;
        for cut_bytes in 1..last_len {
            let kept = whole.len() - usize::try_from(cut_bytes).expect("small");
            std::fs::write(&path, &whole[..kept]).expect("write the torn log");
            let (log, cut, records) = open_all(&path).expect("open a torn log");
            let cut = cut.expect("the torn tail is reported");
            assert_eq!(cut.offset, last, "cut {cut_bytes}");
            assert_eq!(cut.bytes, last_len - cut_bytes, "cut {cut_bytes}");
            let expected_reason = if cut.bytes < RECORD_HEADER_LEN {
                "incomplete record header"
            } else {
                "incomplete payload"
            };
            assert!(cut.reason.contains(expected_reason), "{}", cut.reason);
            assert_eq!(records, vec![b"one".to_vec(), b"two".to_vec()]);
            assert_eq!(std::fs::metadata(&path).expect("size").len(), last);
            assert_eq!(log.bytes(), last);
            assert_eq!(log.append(b"after".to_vec()).expect("append"), 2);
            drop(log);
            let (_log, cut, records) = open_all(&path).expect("reopen");
            assert!(cut.is_none());
            assert_eq!(
                records,
                vec![b"one".to_vec(), b"two".to_vec(), b"after".to_vec()]
            );
        }
    }

    #[test]
    fn a_flipped_byte_in_the_last_payload_is_cut_as_a_checksum_mismatch() {
        let dir = TempDir::new("flip-last");
        let path = dir.file();
        let offsets = write_log(&path, &payloads(&["one", "two", "three"]));
        let mut bytes = std::fs::read(&path).expect("read the log");
        let at = usize::try_from(offsets[2] + RECORD_HEADER_LEN + 1).expect("small");
        bytes[at] ^= 0x20;
        let len = bytes.len() as u64;
        std::fs::write(&path, &bytes).expect("write the damaged log");
        let (log, cut, records) = open_all(&path).expect("open");
        let cut = cut.expect("the bad record is cut");
        assert_eq!(
            cut,
            Cut {
                offset: offsets[2],
                bytes: len - offsets[2],
                reason: "checksum mismatch".to_string(),
            }
        );
        assert_eq!(records, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(log.next_seq(), 2);
        assert_eq!(std::fs::metadata(&path).expect("size").len(), offsets[2]);
    }

    #[test]
    fn a_length_above_the_maximum_at_the_end_is_cut() {
        let dir = TempDir::new("long-length");
        let path = dir.file();
        let offsets = write_log(&path, &payloads(&["one", "two"]));
        let mut bytes = std::fs::read(&path).expect("read the log");
        let end = bytes.len() as u64;
        let length = u32::try_from(MAX_RECORD + 1).expect("fits").to_le_bytes();
        bytes.extend_from_slice(&length);
        bytes.extend_from_slice(&checksum(length, &[]).to_le_bytes());
        bytes.extend_from_slice(b"some bytes");
        std::fs::write(&path, &bytes).expect("write the damaged log");
        let (_log, cut, records) = open_all(&path).expect("open");
        let cut = cut.expect("the bad length is cut");
        assert_eq!(cut.offset, end);
        assert!(cut.reason.contains("bad length"), "{}", cut.reason);
        assert_eq!(records.len(), offsets.len());
    }

    #[test]
    fn a_flipped_byte_in_a_middle_record_is_damage_and_changes_nothing() {
        let dir = TempDir::new("flip-middle");
        let path = dir.file();
        let offsets = write_log(&path, &payloads(&["one", "two", "middle", "four", "five"]));
        let whole = std::fs::read(&path).expect("read the log");
        let start = usize::try_from(offsets[2]).expect("small");
        let end = usize::try_from(offsets[3]).expect("small");
        for at in start..end {
            let mut bytes = whole.clone();
            bytes[at] ^= 0x01;
            std::fs::write(&path, &bytes).expect("write the damaged log");
            match open_all(&path) {
                Err(LogError::Damaged { offset, reason, .. }) => {
                    assert_eq!(offset, offsets[2], "byte {at}: {reason}");
                }
                other => panic!("byte {at}: expected damage, got {:?}", other.map(|o| o.1)),
            }
            assert_eq!(std::fs::read(&path).expect("read"), bytes, "byte {at}");
        }
    }

    #[test]
    fn a_file_that_is_not_a_log_is_refused_and_unchanged() {
        let dir = TempDir::new("not-a-log");
        let path = dir.file();
        let other_version = {
            let mut header = file_header();
            header[6..].copy_from_slice(&(VERSION + 1).to_le_bytes());
            let mut bytes = header.to_vec();
            bytes.extend_from_slice(b"\x03\0\0\0junkjunk");
            bytes
        };
        let contents: [&[u8]; 4] = [
            b"{\"user\":\"u1\",\"ts\":1}\n{\"user\":\"u2\",\"ts\":2}\n",
            b"hi",
            b"SEGLOX\x01\0",
            &other_version,
        ];
        for bytes in contents {
            std::fs::write(&path, bytes).expect("write the file");
            let result = open_all(&path);
            if bytes == other_version.as_slice() {
                assert!(
                    matches!(result, Err(LogError::Version { found, .. }) if found == VERSION + 1)
                );
            } else {
                assert!(matches!(result, Err(LogError::NotALog { .. })));
            }
            assert_eq!(std::fs::read(&path).expect("read"), bytes);
        }
    }

    #[test]
    fn a_cut_short_file_header_is_completed() {
        let dir = TempDir::new("short-header");
        let path = dir.file();
        std::fs::write(&path, &file_header()[..3]).expect("write the file");
        let (log, cut, records) = open_all(&path).expect("open");
        assert_eq!(cut.map(|c| (c.offset, c.bytes)), Some((0, 3)));
        assert!(records.is_empty());
        assert_eq!(log.append(b"one".to_vec()).expect("append"), 0);
        drop(log);
        let (_log, cut, records) = open_all(&path).expect("reopen");
        assert!(cut.is_none());
        assert_eq!(records, vec![b"one".to_vec()]);
    }

    #[test]
    fn a_second_open_is_refused_while_the_log_is_open() {
        let dir = TempDir::new("locked");
        let path = dir.file();
        let (log, _, _) = open_all(&path).expect("open");
        assert!(matches!(open_all(&path), Err(LogError::Locked { .. })));
        drop(log);
        assert!(open_all(&path).is_ok(), "dropping the log releases it");
    }

    #[test]
    fn concurrent_appends_get_distinct_seqs_and_are_grouped() {
        const THREADS: usize = 8;
        const EACH: usize = 200;
        let dir = TempDir::new("concurrent");
        let path = dir.file();
        let (log, _, _) = open_all(&path).expect("open");
        let log = Arc::new(log);
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let payload = format!("thread {thread} record {i}").into_bytes();
                            let seq = log.append(payload.clone()).expect("append");
                            (seq, payload)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut appended = Vec::new();
        for worker in workers {
            let mine = worker.join().expect("the thread finishes");
            assert!(
                mine.windows(2).all(|w| w[0].0 < w[1].0),
                "a thread's seqs grow"
            );
            appended.extend(mine);
        }
        appended.sort();
        let total = THREADS * EACH;
        let seqs: Vec<u64> = appended.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs, (0..total as u64).collect::<Vec<_>>());
        let mut read = Vec::new();
        log.read_from(0, |seq, payload| {
            read.push((seq, payload.to_vec()));
            true
        })
        .expect("read");
        assert_eq!(read, appended);
        let syncs = log.syncs();
        assert!(syncs > 0);
        assert!(syncs < total as u64, "{syncs} syncs for {total} records");
        drop(log);
        let (_log, cut, records) = open_all(&path).expect("reopen");
        assert!(cut.is_none());
        let payloads: Vec<Vec<u8>> = appended.into_iter().map(|(_, p)| p).collect();
        assert_eq!(records, payloads);
    }

    #[test]
    fn append_many_gives_consecutive_seqs() {
        let dir = TempDir::new("many");
        let path = dir.file();
        let (log, _, _) = open_all(&path).expect("open");
        assert_eq!(log.append(b"alone".to_vec()).expect("append"), 0);
        let log = Arc::new(log);
        let workers: Vec<_> = (0..4)
            .map(|thread| {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    (0..50)
                        .map(|i| {
                            let batch: Vec<Vec<u8>> = (0..5)
                                .map(|j| format!("{thread}.{i}.{j}").into_bytes())
                                .collect();
                            let first = log.append_many(batch.clone()).expect("append");
                            (first, batch)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let batches: Vec<_> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("the thread finishes"))
            .collect();
        assert_eq!(log.next_seq(), 1 + 4 * 50 * 5);
        let mut read = vec![b"alone".to_vec()];
        log.read_from(1, |_, payload| {
            read.push(payload.to_vec());
            true
        })
        .expect("read");
        for (first, batch) in batches {
            let first = usize::try_from(first).expect("small");
            assert_eq!(read[first..first + batch.len()], batch[..]);
        }
        assert_eq!(log.append_many(Vec::new()).expect("append none"), 1001);
        assert_eq!(log.next_seq(), 1001);
    }

    #[test]
    fn read_from_starts_at_the_given_seq() {
        let dir = TempDir::new("read-from");
        let path = dir.file();
        let texts: Vec<String> = (0..10).map(|i| format!("record {i}")).collect();
        let (log, _, _) = open_all(&path).expect("open");
        for text in &texts {
            log.append(text.clone().into_bytes()).expect("append");
        }
        let mut read = Vec::new();
        log.read_from(4, |seq, payload| {
            read.push((seq, payload.to_vec()));
            true
        })
        .expect("read");
        let expected: Vec<(u64, Vec<u8>)> = (4..10)
            .map(|i| {
                (
                    i,
                    texts[usize::try_from(i).expect("small")]
                        .clone()
                        .into_bytes(),
                )
            })
            .collect();
        assert_eq!(read, expected);
        let mut stopped = Vec::new();
        log.read_from(7, |seq, _| {
            stopped.push(seq);
            stopped.len() < 2
        })
        .expect("read");
        assert_eq!(stopped, vec![7, 8]);
        for from in [10, 11, u64::MAX] {
            log.read_from(from, |seq, _| panic!("read {seq} from {from}"))
                .expect("read past the end");
        }
    }

    #[test]
    fn an_oversized_record_is_refused() {
        let dir = TempDir::new("oversized");
        let path = dir.file();
        let (log, _, _) = open_all(&path).expect("open");
        let large = vec![0; MAX_RECORD + 1];
        assert!(matches!(
            log.append(large),
            Err(LogError::TooLarge { bytes, max }) if bytes == MAX_RECORD + 1 && max == MAX_RECORD
        ));
        let batch = vec![b"fine".to_vec(), vec![0; MAX_RECORD + 1]];
        assert!(matches!(
            log.append_many(batch),
            Err(LogError::TooLarge { .. })
        ));
        assert_eq!(log.next_seq(), 0, "nothing of a refused batch is written");
        assert_eq!(log.bytes(), FILE_HEADER_LEN);
        assert_eq!(log.append(b"next".to_vec()).expect("append"), 0);
    }

    #[test]
    fn a_write_error_fails_the_append_and_closes_the_log() {
        let dir = TempDir::new("write-error");
        let path = dir.file();
        let (log, _, _) = open_all(&path).expect("open");
        assert_eq!(log.append(b"kept".to_vec()).expect("append"), 0);
        log.shared.fail_writes.store(true, Ordering::Relaxed);
        assert!(matches!(
            log.append(b"lost".to_vec()),
            Err(LogError::Io { .. })
        ));
        log.shared.fail_writes.store(false, Ordering::Relaxed);
        assert!(matches!(
            log.append(b"later".to_vec()),
            Err(LogError::Closed)
        ));
        assert_eq!(log.next_seq(), 1);
        drop(log);
        let (_log, _, records) = open_all(&path).expect("reopen");
        assert_eq!(records, vec![b"kept".to_vec()]);
    }

    #[test]
    fn waiting_appends_fail_when_a_write_fails() {
        let dir = TempDir::new("write-error-waiting");
        let path = dir.file();
        let (log, _, _) = open_all(&path).expect("open");
        let log = Arc::new(log);
        log.shared.fail_writes.store(true, Ordering::Relaxed);
        let acknowledged = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let log = Arc::clone(&log);
                let acknowledged = Arc::clone(&acknowledged);
                std::thread::spawn(move || {
                    for j in 0..20 {
                        match log.append(format!("{i}.{j}").into_bytes()) {
                            Ok(_) => acknowledged.store(true, Ordering::Relaxed),
                            Err(LogError::Io { .. } | LogError::Closed) => {}
                            Err(other) => panic!("unexpected error {other}"),
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("the thread finishes");
        }
        assert!(
            !acknowledged.load(Ordering::Relaxed),
            "nothing unsynced is acknowledged"
        );
        assert_eq!(log.next_seq(), 0);
    }
}

//! Data larger than memory: the data files split by entity into bucket files on disk, so that
//! groups of buckets can be loaded (and evaluated) one at a time.
//!
//! The split is one pass of the ordinary loaders into a builder in spill mode
//! ([`StoreBuilder::spilling`]): whenever it has buffered enough rows it hands them to a
//! [`Splitter`], which writes each row to the bucket of its entity and forgets them. A user's
//! bucket is a hash of its id, or, when the plan reads accounts, a hash of the account it
//! belongs to as of `now` (found by a first pass over the profiles, [`AccountScan`]), so that
//! an account and all its users share a bucket. Accounts go by a hash of their id. Every user
//! and account the builder saw is written too, so that users whose only rows were ignored
//! still exist, and every account a profile row names goes to its own bucket (as in the
//! whole store, it exists even without rows). A user's old profile rows may name an account
//! of another bucket, which then appears in the user's bucket too, built from part of the
//! data: only the copy in the account's own bucket counts ([`bucket_of`]).
//!
//! A bucket file is a sequence of records, each `u32` length then body: a tag byte, then
//! - `USER` / `ACCOUNT`: the id;
//! - `EVENT`: event type (`u32`), user id, ts (`i64`), values;
//! - `PROFILE` / `ACCOUNT_ROW`: id, ts, values,
//!
//! little-endian; ids and strings are a `u32` length and UTF-8 bytes (`u32::MAX`: missing),
//! numbers their f64 bits, timestamps `i64`, bools a byte, as in the store. Reading a bucket
//! replays its records into a builder in the order they were written, which keeps each
//! entity's rows in load order: the loaded store equals the part of the whole store that the
//! bucket's entities make up.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::build::{Buffered, FieldValue, Rows, Spill, StoreBuilder};
use super::load::DataError;
use super::{Column, Dictionary, IdIndex, Store, MISSING_STRING};
use crate::schema::{EventId, FieldType, Schema};

const USER: u8 = 0;
const ACCOUNT: u8 = 1;
const EVENT: u8 = 2;
const PROFILE: u8 = 3;
const ACCOUNT_ROW: u8 = 4;

/// The largest record a bucket file may hold (a row's ids and strings are bounded by the
/// loaders' row limit, 16 MiB).
const MAX_RECORD: u32 = 64 << 20;

/// A well-mixed 64-bit hash of an id (`SipHash` with fixed keys: the same in every run).
fn id_hash(id: &str) -> u64 {
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    h.write(id.as_bytes());
    h.finish()
}

/// The bucket of an account (and of a user that has none) among `buckets`.
#[must_use]
pub fn bucket_of(id: &str, buckets: usize) -> u32 {
    u32::try_from(id_hash(id) % buckets as u64).expect("few buckets")
}

fn io_error(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Each user's account as of `now` (the `account_id` of its latest profile row before `now`
/// that states one; a later row in load order wins a tie), by user id: a [`Spill`] for the
/// first pass over the profiles.
#[derive(Default)]
pub struct AccountScan {
    now: i64,
    attribute: Option<usize>,
    /// User id to (ts of the row, the account's bucket).
    accounts: FxHashMap<Box<str>, (i64, u32)>,
    buckets: usize,
}

impl AccountScan {
    #[must_use]
    pub fn new(schema: &Schema, now: i64, buckets: usize) -> Self {
        AccountScan {
            now,
            attribute: schema.profile_attribute("account_id").map(|(i, _)| i),
            accounts: FxHashMap::default(),
            buckets,
        }
    }
}

impl Spill for AccountScan {
    fn spill(&mut self, rows: &Buffered<'_>) -> Result<(), DataError> {
        let Some(attribute) = self.attribute else {
            return Ok(());
        };
        let Column::String(codes) = &rows.profiles.columns[attribute] else {
            return Ok(());
        };
        for (row, (&user, &ts)) in rows
            .profiles
            .entity
            .iter()
            .zip(rows.profiles.ts)
            .enumerate()
        {
            let code = codes[row];
            if ts >= self.now || code == MISSING_STRING {
                continue;
            }
            let bucket = bucket_of(rows.strings.get(code), self.buckets);
            let id = &rows.users.ids[user as usize];
            match self.accounts.get_mut(&**id) {
                Some(best) if best.0 <= ts => *best = (ts, bucket),
                Some(_) => {}
                None => {
                    self.accounts.insert(id.clone(), (ts, bucket));
                }
            }
        }
        Ok(())
    }
}

/// How big each bucket came out.
#[derive(Debug, Clone, Default)]
pub struct BucketSizes {
    /// Bytes written to each bucket file.
    pub bytes: Vec<u64>,
    /// Rows (events, profile and account rows) in each.
    pub rows: Vec<u64>,
}

/// Writes rows to bucket files by entity: a [`Spill`] for the splitting pass.
pub struct Splitter {
    dir: PathBuf,
    files: Vec<BufWriter<File>>,
    sizes: BucketSizes,
    /// Users' buckets by account, when the plan reads accounts.
    accounts: Option<FxHashMap<Box<str>, (i64, u32)>>,
    /// The profile attribute `account_id`, if the schema has it: an account a profile row
    /// names exists (as in the whole store), and its bucket must know it.
    account_attribute: Option<usize>,
    record: Vec<u8>,
    /// Per flush: the bucket of each user and account index.
    user_buckets: Vec<u32>,
    account_buckets: Vec<u32>,
}

/// The path of bucket `b` in `dir`.
#[must_use]
pub fn bucket_path(dir: &Path, b: usize) -> PathBuf {
    dir.join(format!("bucket-{b:04}.rows"))
}

impl Splitter {
    /// Creates `buckets` empty bucket files in `dir`; users go by account when `accounts`
    /// (an [`AccountScan`]'s result) is given.
    ///
    /// # Errors
    /// When a file cannot be created.
    pub fn create(
        schema: &Schema,
        dir: &Path,
        buckets: usize,
        accounts: Option<AccountScan>,
    ) -> Result<Self, DataError> {
        let files = (0..buckets)
            .map(|b| {
                let path = bucket_path(dir, b);
                File::create(&path)
                    .map(|f| BufWriter::with_capacity(256 << 10, f))
                    .map_err(|e| io_error(&path, e))
            })
            .collect::<Result<_, _>>()?;
        Ok(Splitter {
            dir: dir.to_path_buf(),
            files,
            sizes: BucketSizes {
                bytes: vec![0; buckets],
                rows: vec![0; buckets],
            },
            accounts: accounts.map(|a| a.accounts),
            account_attribute: schema.profile_attribute("account_id").map(|(i, _)| i),
            record: Vec::new(),
            user_buckets: Vec::new(),
            account_buckets: Vec::new(),
        })
    }

    /// Flushes the files and gives the sizes of the buckets.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn finish(mut self) -> Result<BucketSizes, DataError> {
        for (b, file) in self.files.iter_mut().enumerate() {
            file.flush()
                .map_err(|e| io_error(&bucket_path(&self.dir, b), e))?;
        }
        Ok(self.sizes)
    }

    fn user_bucket(&self, id: &str) -> u32 {
        let buckets = self.files.len();
        self.accounts
            .as_ref()
            .and_then(|a| a.get(id))
            .map_or_else(|| bucket_of(id, buckets), |&(_, b)| b)
    }

    /// Writes the record in `self.record` (tag and body) to bucket `b`.
    fn emit(&mut self, b: u32, is_row: bool) -> Result<(), DataError> {
        let b = b as usize;
        let len = u32::try_from(self.record.len()).expect("a record under 4 GiB");
        let file = &mut self.files[b];
        file.write_all(&len.to_le_bytes())
            .and_then(|()| file.write_all(&self.record))
            .map_err(|e| io_error(&bucket_path(&self.dir, b), e))?;
        self.sizes.bytes[b] += 4 + u64::from(len);
        if is_row {
            self.sizes.rows[b] += 1;
        }
        Ok(())
    }

    fn rows(
        &mut self,
        tag: u8,
        event: Option<u32>,
        rows: &Rows<'_>,
        ids: &IdIndex,
        strings: &Dictionary,
    ) -> Result<(), DataError> {
        for (row, (&entity, &ts)) in rows.entity.iter().zip(rows.ts).enumerate() {
            let bucket = if tag == ACCOUNT_ROW {
                self.account_buckets[entity as usize]
            } else {
                self.user_buckets[entity as usize]
            };
            self.record.clear();
            self.record.push(tag);
            if let Some(event) = event {
                self.record.extend_from_slice(&event.to_le_bytes());
            }
            put_text(&mut self.record, Some(&ids.ids[entity as usize]));
            self.record.extend_from_slice(&ts.to_le_bytes());
            for column in rows.columns {
                match column {
                    Column::Number(v) => self.record.extend_from_slice(&v[row].to_le_bytes()),
                    Column::Timestamp(v) => self.record.extend_from_slice(&v[row].to_le_bytes()),
                    Column::Bool(v) => self.record.push(v[row]),
                    Column::String(v) => {
                        let code = v[row];
                        let text = (code != MISSING_STRING).then(|| strings.get(code));
                        put_text(&mut self.record, text);
                    }
                }
            }
            self.emit(bucket, true)?;
        }
        Ok(())
    }
}

fn put_text(record: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => {
            let len = u32::try_from(text.len()).expect("a string under 4 GiB");
            record.extend_from_slice(&len.to_le_bytes());
            record.extend_from_slice(text.as_bytes());
        }
        None => record.extend_from_slice(&u32::MAX.to_le_bytes()),
    }
}

impl Spill for Splitter {
    fn spill(&mut self, rows: &Buffered<'_>) -> Result<(), DataError> {
        let buckets = self.files.len();
        self.user_buckets = rows
            .users
            .ids
            .iter()
            .map(|id| self.user_bucket(id))
            .collect();
        self.account_buckets = rows
            .accounts
            .ids
            .iter()
            .map(|id| bucket_of(id, buckets))
            .collect();
        for (tag, ids) in [(USER, rows.users), (ACCOUNT, rows.accounts)] {
            for (i, id) in ids.ids.iter().enumerate() {
                let bucket = if tag == USER {
                    self.user_buckets[i]
                } else {
                    self.account_buckets[i]
                };
                self.record.clear();
                self.record.push(tag);
                put_text(&mut self.record, Some(id));
                self.emit(bucket, false)?;
            }
        }
        // Accounts the profiles name, in their own buckets.
        if let Some(Column::String(codes)) =
            self.account_attribute.map(|a| &rows.profiles.columns[a])
        {
            let mut named = rustc_hash::FxHashSet::default();
            for &code in codes {
                if code != MISSING_STRING && named.insert(code) {
                    let id = rows.strings.get(code);
                    self.record.clear();
                    self.record.push(ACCOUNT);
                    put_text(&mut self.record, Some(id));
                    self.emit(bucket_of(id, buckets), false)?;
                }
            }
        }
        for (e, table) in rows.events.iter().enumerate() {
            let event = u32::try_from(e).expect("few event types");
            self.rows(EVENT, Some(event), table, rows.users, rows.strings)?;
        }
        self.rows(PROFILE, None, &rows.profiles, rows.users, rows.strings)?;
        self.rows(
            ACCOUNT_ROW,
            None,
            &rows.account_rows,
            rows.accounts,
            rows.strings,
        )?;
        Ok(())
    }
}

/// Reads records from a bucket file's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// A string: `Some(None)` when it is missing, None when the bytes end or are not UTF-8.
    #[allow(clippy::option_option)]
    fn text(&mut self) -> Option<Option<&'a str>> {
        let len = self.u32()?;
        if len == u32::MAX {
            return Some(None);
        }
        let bytes = self.take(len as usize)?;
        std::str::from_utf8(bytes).ok().map(Some)
    }
}

/// Loads buckets `which` of `dir` into one store.
///
/// # Errors
/// When a bucket file cannot be read or is not one this module wrote.
pub fn load_buckets(schema: &Schema, dir: &Path, which: &[usize]) -> Result<Store, DataError> {
    let mut builder = StoreBuilder::new(schema);
    let mut record = Vec::new();
    let mut values: Vec<FieldValue<'static>> = Vec::new();
    for &b in which {
        let path = bucket_path(dir, b);
        let corrupt = |what: &str| DataError::Format {
            path: path.display().to_string(),
            reason: format!("not a bucket file seg wrote ({what})"),
        };
        let file = File::open(&path).map_err(|e| io_error(&path, e))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        loop {
            let mut len = [0u8; 4];
            match reader.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(io_error(&path, e)),
            }
            let len = u32::from_le_bytes(len);
            if len > MAX_RECORD {
                return Err(corrupt("a record too long"));
            }
            record.resize(len as usize, 0);
            reader
                .read_exact(&mut record)
                .map_err(|e| io_error(&path, e))?;
            replay(&mut builder, schema, &record, &mut values)
                .ok_or_else(|| corrupt("a bad record"))?;
        }
    }
    Ok(builder.finish())
}

/// Replays one record into the builder; None when it is malformed.
fn replay(
    builder: &mut StoreBuilder<'_>,
    schema: &Schema,
    record: &[u8],
    values: &mut Vec<FieldValue<'static>>,
) -> Option<()> {
    let mut cursor = Cursor { bytes: record };
    let tag = cursor.u8()?;
    let event = if tag == EVENT {
        Some(cursor.u32()?)
    } else {
        None
    };
    let id = cursor.text()??;
    if tag == USER {
        builder.user(id);
        return cursor.bytes.is_empty().then_some(());
    }
    if tag == ACCOUNT {
        builder.account(id);
        return cursor.bytes.is_empty().then_some(());
    }
    let ts = cursor.u64()?.cast_signed();
    let fields = match tag {
        EVENT => &schema.events.get(event? as usize)?.properties,
        PROFILE => &schema.profile,
        ACCOUNT_ROW => &schema.account,
        _ => return None,
    };
    // The values borrow from the record: reuse the allocation under this lifetime.
    let mut row: Vec<FieldValue<'_>> = std::mem::take(values)
        .into_iter()
        .map(|_| FieldValue::Missing)
        .collect();
    for field in fields {
        row.push(match field.ty {
            FieldType::Number => FieldValue::Number(f64::from_bits(cursor.u64()?)),
            FieldType::Timestamp => FieldValue::Timestamp(cursor.u64()?.cast_signed()),
            FieldType::Bool => match cursor.u8()? {
                0 => FieldValue::Bool(false),
                1 => FieldValue::Bool(true),
                _ => FieldValue::Missing,
            },
            FieldType::String => cursor.text()?.map_or(FieldValue::Missing, FieldValue::Str),
        });
    }
    if !cursor.bytes.is_empty() {
        return None;
    }
    match tag {
        EVENT => builder.add_event(id, EventId(event?), ts, &row),
        PROFILE => builder.add_profile(id, Some(ts), &row),
        _ => builder.add_account(id, Some(ts), &row),
    }
    row.clear();
    *values = row.into_iter().map(|_| FieldValue::Missing).collect();
    Some(())
}

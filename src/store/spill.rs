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
//! A bucket file is a sequence of records, each a tag byte then its fields, little-endian:
//! - `USER` / `ACCOUNT` / `STRING`: a text (a `u32` length and UTF-8 bytes), which takes the
//!   next index of its kind in the file;
//! - `EVENT`: event type (`u32`), user index (`u32`), ts (`i64`), values;
//! - `PROFILE` / `ACCOUNT_ROW`: user or account index, ts, values;
//!
//! values as in the store: numbers their f64 bits, timestamps `i64`, bools a byte, strings a
//! string index (`u32::MAX`: missing). A writer names each user, account and string once per
//! flush of the builder. Reading a bucket replays its records into a builder in the order they
//! were written (rows in batches of coded columns), which keeps each entity's rows in load
//! order: the loaded store equals the part of the whole store that the bucket's entities make
//! up.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::build::{Buffered, Rows, Spill, StoreBuilder, Target};
use super::load::DataError;
use super::{Column, Dictionary, Store, MISSING_STRING};
use crate::schema::{EventId, Field, Schema};

const USER: u8 = 0;
const ACCOUNT: u8 = 1;
const EVENT: u8 = 2;
const PROFILE: u8 = 3;
const ACCOUNT_ROW: u8 = 4;
const STRING: u8 = 5;

/// Rows replayed into the builder at a time, per table.
const BATCH: usize = 4096;

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
    /// Users and accounts named in each (at most the entities a bucket's store will have:
    /// an entity seen in several flushes of the builder counts once per flush).
    pub entities: Vec<u64>,
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
    /// Per flush: the bucket of each user and account index, and its index in the bucket.
    user_buckets: Vec<u32>,
    account_buckets: Vec<u32>,
    user_local: Vec<u32>,
    account_local: Vec<u32>,
    /// Per bucket: the next user, account and string index, and (per flush) the string
    /// index of each dictionary code written to it.
    next: Vec<[u32; 3]>,
    strings: Vec<FxHashMap<u32, u32>>,
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
                entities: vec![0; buckets],
            },
            accounts: accounts.map(|a| a.accounts),
            account_attribute: schema.profile_attribute("account_id").map(|(i, _)| i),
            record: Vec::new(),
            user_buckets: Vec::new(),
            account_buckets: Vec::new(),
            user_local: Vec::new(),
            account_local: Vec::new(),
            next: vec![[0; 3]; buckets],
            strings: vec![FxHashMap::default(); buckets],
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
            self.sizes.entities[b] = u64::from(self.next[b][0]) + u64::from(self.next[b][1]);
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

    /// Writes the record in `self.record` (tag and fields) to bucket `b`.
    fn emit(&mut self, b: u32) -> Result<(), DataError> {
        let b = b as usize;
        self.files[b]
            .write_all(&self.record)
            .map_err(|e| io_error(&bucket_path(&self.dir, b), e))?;
        self.sizes.bytes[b] += self.record.len() as u64;
        Ok(())
    }

    /// Names a text (`USER`, `ACCOUNT` or `STRING`) in bucket `b`; its index there.
    fn name(&mut self, b: u32, tag: u8, text: &str) -> Result<u32, DataError> {
        self.record.clear();
        self.record.push(tag);
        put_text(&mut self.record, Some(text));
        self.emit(b)?;
        let kind = usize::from(tag == ACCOUNT) + 2 * usize::from(tag == STRING);
        let next = &mut self.next[b as usize][kind];
        let index = *next;
        *next += 1;
        Ok(index)
    }

    /// The index in bucket `b` of a dictionary code, naming it there first if need be.
    fn string_index(&mut self, b: u32, code: u32, strings: &Dictionary) -> Result<u32, DataError> {
        if let Some(&index) = self.strings[b as usize].get(&code) {
            return Ok(index);
        }
        let index = self.name(b, STRING, strings.get(code))?;
        self.strings[b as usize].insert(code, index);
        Ok(index)
    }

    fn rows(
        &mut self,
        tag: u8,
        event: Option<u32>,
        rows: &Rows<'_>,
        strings: &Dictionary,
    ) -> Result<(), DataError> {
        let mut values = Vec::new();
        for (row, (&entity, &ts)) in rows.entity.iter().zip(rows.ts).enumerate() {
            let (bucket, local) = if tag == ACCOUNT_ROW {
                (
                    self.account_buckets[entity as usize],
                    self.account_local[entity as usize],
                )
            } else {
                (
                    self.user_buckets[entity as usize],
                    self.user_local[entity as usize],
                )
            };
            // Strings first: naming one writes a record.
            values.clear();
            for column in rows.columns {
                if let Column::String(v) = column {
                    let code = v[row];
                    values.push(if code == MISSING_STRING {
                        u32::MAX
                    } else {
                        self.string_index(bucket, code, strings)?
                    });
                }
            }
            self.record.clear();
            self.record.push(tag);
            if let Some(event) = event {
                self.record.extend_from_slice(&event.to_le_bytes());
            }
            self.record.extend_from_slice(&local.to_le_bytes());
            self.record.extend_from_slice(&ts.to_le_bytes());
            let mut next_string = values.iter();
            for column in rows.columns {
                match column {
                    Column::Number(v) => self.record.extend_from_slice(&v[row].to_le_bytes()),
                    Column::Timestamp(v) => self.record.extend_from_slice(&v[row].to_le_bytes()),
                    Column::Bool(v) => self.record.push(v[row]),
                    Column::String(_) => {
                        let index = next_string.next().expect("an index per string column");
                        self.record.extend_from_slice(&index.to_le_bytes());
                    }
                }
            }
            self.emit(bucket)?;
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
        for map in &mut self.strings {
            map.clear();
        }
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
        // Every user and account the builder saw, named in its bucket.
        self.user_local = Vec::with_capacity(rows.users.len());
        for (i, id) in rows.users.ids.iter().enumerate() {
            let local = self.name(self.user_buckets[i], USER, id)?;
            self.user_local.push(local);
        }
        self.account_local = Vec::with_capacity(rows.accounts.len());
        for (i, id) in rows.accounts.ids.iter().enumerate() {
            let local = self.name(self.account_buckets[i], ACCOUNT, id)?;
            self.account_local.push(local);
        }
        // Accounts the profiles name, in their own buckets.
        if let Some(Column::String(codes)) =
            self.account_attribute.map(|a| &rows.profiles.columns[a])
        {
            let mut named = rustc_hash::FxHashSet::default();
            for &code in codes {
                if code != MISSING_STRING && named.insert(code) {
                    let id = rows.strings.get(code);
                    self.name(bucket_of(id, buckets), ACCOUNT, id)?;
                }
            }
        }
        for (e, table) in rows.events.iter().enumerate() {
            let event = u32::try_from(e).expect("few event types");
            self.rows(EVENT, Some(event), table, rows.strings)?;
        }
        self.rows(PROFILE, None, &rows.profiles, rows.strings)?;
        self.rows(ACCOUNT_ROW, None, &rows.account_rows, rows.strings)?;
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

/// A table's rows on their way into the builder, coded.
struct Batch {
    target: Target,
    entities: Vec<u32>,
    ts: Vec<i64>,
    columns: Vec<Column>,
}

impl Batch {
    fn new(target: Target, fields: &[Field]) -> Self {
        Batch {
            target,
            entities: Vec::new(),
            ts: Vec::new(),
            columns: fields.iter().map(|f| Column::empty(f.ty)).collect(),
        }
    }

    fn flush(&mut self, builder: &mut StoreBuilder<'_>) {
        if self.entities.is_empty() {
            return;
        }
        builder.append(self.target, &self.entities, &self.ts, &self.columns);
        self.entities.clear();
        self.ts.clear();
        self.columns.iter_mut().for_each(Column::clear);
    }
}

/// Loads buckets `which` of `dir` into one store.
///
/// # Errors
/// When a bucket file cannot be read or is not one this module wrote.
pub fn load_buckets(schema: &Schema, dir: &Path, which: &[usize]) -> Result<Store, DataError> {
    let mut builder = StoreBuilder::new(schema);
    let mut batches: Vec<Batch> = schema
        .events
        .iter()
        .enumerate()
        .map(|(e, t)| {
            let id = EventId(u32::try_from(e).expect("few event types"));
            Batch::new(Target::Event(id), &t.properties)
        })
        .collect();
    batches.push(Batch::new(Target::Profile, &schema.profile));
    batches.push(Batch::new(Target::Account, &schema.account));
    for &b in which {
        let path = bucket_path(dir, b);
        let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
        replay(&mut builder, schema, &bytes, &mut batches).ok_or_else(|| DataError::Format {
            path: path.display().to_string(),
            reason: "not a bucket file seg wrote".into(),
        })?;
    }
    for batch in &mut batches {
        batch.flush(&mut builder);
    }
    Ok(builder.finish())
}

/// Replays a bucket file's records into the builder; None when they are malformed.
fn replay(
    builder: &mut StoreBuilder<'_>,
    schema: &Schema,
    bytes: &[u8],
    batches: &mut [Batch],
) -> Option<()> {
    let (profiles, accounts) = (schema.events.len(), schema.events.len() + 1);
    // The builder's index of each of the file's users, accounts and strings.
    let mut users: Vec<u32> = Vec::new();
    let mut account_ids: Vec<u32> = Vec::new();
    let mut strings: Vec<u32> = Vec::new();
    let mut cursor = Cursor { bytes };
    while let Some(tag) = cursor.u8() {
        match tag {
            USER => users.push(builder.user(cursor.text()??)),
            ACCOUNT => account_ids.push(builder.account(cursor.text()??)),
            STRING => strings.push(builder.string(cursor.text()??)),
            EVENT | PROFILE | ACCOUNT_ROW => {
                let (table, index) = match tag {
                    EVENT => (cursor.u32()? as usize, &users),
                    PROFILE => (profiles, &users),
                    _ => (accounts, &account_ids),
                };
                if tag == EVENT && table >= profiles {
                    return None;
                }
                let entity = *index.get(cursor.u32()? as usize)?;
                let ts = cursor.u64()?.cast_signed();
                let batch = &mut batches[table];
                batch.entities.push(entity);
                batch.ts.push(ts);
                for column in &mut batch.columns {
                    match column {
                        Column::Number(v) => v.push(f64::from_bits(cursor.u64()?)),
                        Column::Timestamp(v) => v.push(cursor.u64()?.cast_signed()),
                        Column::Bool(v) => v.push(Some(cursor.u8()?).filter(|&b| b <= 2)?),
                        Column::String(v) => {
                            let i = cursor.u32()?;
                            v.push(if i == u32::MAX {
                                MISSING_STRING
                            } else {
                                *strings.get(i as usize)?
                            });
                        }
                    }
                }
                if batch.entities.len() >= BATCH {
                    batch.flush(builder);
                }
            }
            _ => return None,
        }
    }
    Some(())
}

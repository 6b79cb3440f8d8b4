//! The columnar event store: what the engines read.
//!
//! Users and accounts are mapped to dense indexes. Each event type has its own table: one
//! run of rows per user, sorted by (ts, load order), found through an offsets array, so an
//! event set reads only its own type and a window is a binary search on `ts`. Properties are
//! typed columns (f64, bool, i64 microseconds, dictionary codes for strings) with a sentinel
//! for missing values. Profiles and accounts are tables of the same shape whose rows carry
//! history: a row states the attributes it has from its `ts` on (rows without `ts` hold from
//! the beginning of time).

mod build;
mod chunks;
mod columnar;
mod csv_rows;
mod header;
pub mod infer;
pub mod load;
mod ndjson;
pub mod parquet;
pub mod spill;

pub use build::{Buffered, FieldValue, Rows, Spill, StoreBuilder, Target};
pub use ndjson::MAX_ROW_BYTES;

/// Missing number (a JSON number is never NaN).
pub const MISSING_NUMBER: f64 = f64::NAN;
/// Missing bool.
pub const MISSING_BOOL: u8 = 2;
/// Missing timestamp.
pub const MISSING_TIMESTAMP: i64 = i64::MIN;
/// Missing string code.
pub const MISSING_STRING: u32 = u32::MAX;
/// The `ts` of an attribute row that holds from the beginning of time.
pub const BEGINNING: i64 = i64::MIN;

/// Interned strings: every string value of the store is a code into one dictionary.
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    strings: IdIndex,
}

impl Dictionary {
    /// Forgets every string, keeping the room.
    pub fn clear(&mut self) {
        self.strings.clear();
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        self.strings.intern(s)
    }

    #[must_use]
    pub fn code(&self, s: &str) -> Option<u32> {
        self.strings.get(s)
    }

    #[must_use]
    pub fn get(&self, code: u32) -> &str {
        &self.strings.ids[code as usize]
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// One typed column; missing values hold the type's sentinel.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Number(Vec<f64>),
    Bool(Vec<u8>),
    Timestamp(Vec<i64>),
    String(Vec<u32>),
}

impl Column {
    /// An empty column of a field's type.
    #[must_use]
    pub fn empty(ty: crate::schema::FieldType) -> Column {
        use crate::schema::FieldType;
        match ty {
            FieldType::Number => Column::Number(Vec::new()),
            FieldType::Bool => Column::Bool(Vec::new()),
            FieldType::Timestamp => Column::Timestamp(Vec::new()),
            FieldType::String => Column::String(Vec::new()),
        }
    }

    /// Empties the column, keeping its type and its room.
    pub fn clear(&mut self) {
        match self {
            Column::Number(v) => v.clear(),
            Column::Bool(v) => v.clear(),
            Column::Timestamp(v) => v.clear(),
            Column::String(v) => v.clear(),
        }
    }

    #[must_use]
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Column::Number(v) => v[row].is_nan(),
            Column::Bool(v) => v[row] == MISSING_BOOL,
            Column::Timestamp(v) => v[row] == MISSING_TIMESTAMP,
            Column::String(v) => v[row] == MISSING_STRING,
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Column::Number(v) => v.len() * 8,
            Column::Bool(v) => v.len(),
            Column::Timestamp(v) => v.len() * 8,
            Column::String(v) => v.len() * 4,
        }
    }
}

/// Dense ids: index to id and back. Each id is held once: the hash table holds indexes into
/// `ids` with 32 bits of their hash, so growing the table reads no ids.
#[derive(Debug, Default, Clone)]
pub struct IdIndex {
    pub ids: Vec<Box<str>>,
    index: hashbrown::HashTable<(u32, u32)>,
}

/// 32 bits of an id's hash, and the 64-bit table hash made from them.
fn hash_id(id: &str) -> (u32, u64) {
    use std::hash::BuildHasher;
    let short = (rustc_hash::FxBuildHasher.hash_one(id) >> 32) as u32;
    (short, spread(short))
}

fn spread(short: u32) -> u64 {
    u64::from(short).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl IdIndex {
    /// Forgets every id, keeping the room.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.index.clear();
    }

    pub fn intern(&mut self, id: &str) -> u32 {
        let (short, hash) = hash_id(id);
        let ids = &self.ids;
        let entry = self.index.entry(
            hash,
            |&(i, h)| h == short && *ids[i as usize] == *id,
            |&(_, h)| spread(h),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => e.get().0,
            hashbrown::hash_table::Entry::Vacant(e) => {
                let i = u32::try_from(self.ids.len()).expect("fewer than 2^32 ids");
                e.insert((i, short));
                self.ids.push(id.into());
                i
            }
        }
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<u32> {
        let (short, hash) = hash_id(id);
        self.index
            .find(hash, |&(i, h)| h == short && *self.ids[i as usize] == *id)
            .map(|&(i, _)| i)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Rows grouped by entity (user or account), each group sorted by (ts, load order).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Entity `e`'s rows are `offsets[e]..offsets[e + 1]`.
    pub offsets: Vec<u32>,
    pub ts: Vec<i64>,
    /// One column per property or attribute, in schema order.
    pub columns: Vec<Column>,
}

impl Table {
    #[must_use]
    pub fn rows(&self, entity: u32) -> std::ops::Range<usize> {
        let e = entity as usize;
        match (self.offsets.get(e), self.offsets.get(e + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The rows of `entity` with `lo <= ts < hi`.
    #[must_use]
    pub fn rows_between(&self, entity: u32, lo: i64, hi: i64) -> std::ops::Range<usize> {
        let rows = self.rows(entity);
        let ts = &self.ts[rows.clone()];
        let start = ts.partition_point(|&t| t < lo);
        let end = ts.partition_point(|&t| t < hi).max(start);
        rows.start + start..rows.start + end
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    fn bytes(&self) -> usize {
        self.offsets.len() * 4
            + self.ts.len() * 8
            + self.columns.iter().map(Column::bytes).sum::<usize>()
    }
}

/// Everything loaded for one evaluation.
#[derive(Debug, Default)]
pub struct Store {
    pub users: IdIndex,
    pub accounts: IdIndex,
    pub strings: Dictionary,
    /// One table per event type, in schema order; entities are users.
    pub events: Vec<Table>,
    /// Profile rows; entities are users.
    pub profiles: Table,
    /// Account rows; entities are accounts.
    pub account_rows: Table,
    /// Index of `account_id` among the profile attributes, if the schema declares it.
    pub account_id_attribute: Option<usize>,
}

impl Store {
    /// How many events, over all types.
    #[must_use]
    pub fn event_count(&self) -> usize {
        self.events.iter().map(Table::len).sum()
    }

    /// Bytes held by the event tables (timestamps, columns, offsets).
    #[must_use]
    pub fn event_bytes(&self) -> usize {
        self.events.iter().map(Table::bytes).sum()
    }

    /// The row of an entity's attribute that is in force at `now` (the latest row before
    /// `now` that states it), if any.
    #[must_use]
    pub fn attribute_row(table: &Table, entity: u32, attribute: usize, now: i64) -> Option<usize> {
        let rows = table.rows(entity);
        let column = &table.columns[attribute];
        rows.rev()
            .find(|&r| table.ts[r] < now && !column.is_missing(r))
    }

    /// The account a user belongs to at `now` (through the profile's `account_id`).
    #[must_use]
    pub fn account_of(&self, user: u32, now: i64) -> Option<u32> {
        let attribute = self.account_id_attribute?;
        let row = Store::attribute_row(&self.profiles, user, attribute, now)?;
        let Column::String(codes) = &self.profiles.columns[attribute] else {
            return None;
        };
        self.accounts.get(self.strings.get(codes[row]))
    }
}

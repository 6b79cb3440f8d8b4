//! Building the store: rows arrive in load order, typed by the loaders, one at a time (NDJSON,
//! CSV) or as already-coded columns (Parquet); a loader working in parallel fills one builder
//! per part of a file and `absorb`s them in file order, which codes their ids and strings in
//! the order a single builder would have met them; `finish` sorts each table's rows by
//! (entity, ts) with a stable sort (so equal timestamps keep load order) and lays them out as
//! columns with per-entity offsets. Files usually hold each user's rows together and in time
//! order; such a table is already sorted and its columns are kept as they are.

use rayon::prelude::*;

use super::{
    Column, Dictionary, IdIndex, Store, Table, BEGINNING, MISSING_BOOL, MISSING_NUMBER,
    MISSING_STRING, MISSING_TIMESTAMP,
};
use crate::schema::{EventId, Field, Schema};

/// A typed value on its way into a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Missing,
    Number(f64),
    Bool(bool),
    Timestamp(i64),
    Str(&'a str),
}

/// A table being filled in load order.
#[derive(Debug, Default)]
struct Pending {
    entity: Vec<u32>,
    ts: Vec<i64>,
    columns: Vec<Column>,
    /// Room for the offsets `finish` lays out (from a recycled table).
    offsets: Vec<u32>,
}

impl Pending {
    fn new(fields: &[Field]) -> Self {
        let columns = fields.iter().map(|f| Column::empty(f.ty)).collect();
        Pending {
            entity: Vec::new(),
            ts: Vec::new(),
            columns,
            offsets: Vec::new(),
        }
    }

    /// An empty table that reuses the memory of `table` (of the same fields).
    fn recycle(mut table: Table) -> Self {
        table.ts.clear();
        table.columns.iter_mut().for_each(Column::clear);
        Pending {
            entity: Vec::new(),
            ts: table.ts,
            columns: table.columns,
            offsets: table.offsets,
        }
    }

    fn push(&mut self, entity: u32, ts: i64, values: &[FieldValue<'_>], strings: &mut Dictionary) {
        self.entity.push(entity);
        self.ts.push(ts);
        for (column, value) in self
            .columns
            .iter_mut()
            .zip(values.iter().chain(std::iter::repeat(&FieldValue::Missing)))
        {
            push_value(column, *value, strings);
        }
    }

    /// Rows of already-coded columns: `columns` holds one column per field, of its type, as
    /// long as `entities` and `ts`.
    fn append(&mut self, entities: &[u32], ts: &[i64], columns: &[Column]) {
        self.entity.extend_from_slice(entities);
        self.ts.extend_from_slice(ts);
        for (column, values) in self.columns.iter_mut().zip(columns) {
            match (column, values) {
                (Column::Number(v), Column::Number(w)) => v.extend_from_slice(w),
                (Column::Bool(v), Column::Bool(w)) => v.extend_from_slice(w),
                (Column::Timestamp(v), Column::Timestamp(w)) => v.extend_from_slice(w),
                (Column::String(v), Column::String(w)) => v.extend_from_slice(w),
                _ => panic!("a coded column of another type than its field"),
            }
        }
    }

    /// Appends the rows of `part`, whose entity indexes and string codes are `part`'s own:
    /// `entities` and `strings` map them to this table's.
    fn absorb(&mut self, part: Pending, entities: &[u32], strings: &[u32]) {
        self.entity
            .extend(part.entity.iter().map(|&e| entities[e as usize]));
        self.ts.extend_from_slice(&part.ts);
        for (column, values) in self.columns.iter_mut().zip(part.columns) {
            match (column, values) {
                (Column::Number(v), Column::Number(w)) => v.extend_from_slice(&w),
                (Column::Bool(v), Column::Bool(w)) => v.extend_from_slice(&w),
                (Column::Timestamp(v), Column::Timestamp(w)) => v.extend_from_slice(&w),
                (Column::String(v), Column::String(w)) => v.extend(w.iter().map(|&code| {
                    if code == MISSING_STRING {
                        MISSING_STRING
                    } else {
                        strings[code as usize]
                    }
                })),
                _ => panic!("a part's column of another type than its field"),
            }
        }
    }

    /// Sorts by (entity, ts), stable, and lays out offsets for `entities` entities: a counting
    /// sort by entity (stable, linear), then a stable sort by ts within each entity's run,
    /// which is short and usually nearly sorted already. When the rows already come grouped
    /// by entity in index order, the columns stay where they are and only the runs out of
    /// time order are sorted, in place.
    fn finish(mut self, entities: usize) -> Table {
        let mut offsets = std::mem::take(&mut self.offsets);
        offsets.clear();
        offsets.resize(entities + 1, 0);
        for &e in &self.entity {
            offsets[e as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        if self.entity.windows(2).all(|w| w[0] <= w[1]) {
            let mut order = Vec::new();
            for run in offsets.windows(2) {
                let run = run[0] as usize..run[1] as usize;
                if self.ts[run.clone()].windows(2).any(|w| w[0] > w[1]) {
                    self.sort_run(run, &mut order);
                }
            }
            return Table {
                offsets,
                ts: self.ts,
                columns: self.columns,
            };
        }
        let mut next: Vec<u32> = offsets[..entities].to_vec();
        let mut order = vec![0u32; self.entity.len()];
        for (row, &e) in self.entity.iter().enumerate() {
            let slot = &mut next[e as usize];
            order[*slot as usize] = u32::try_from(row).expect("fewer than 2^32 rows");
            *slot += 1;
        }
        for e in 0..entities {
            let run = &mut order[offsets[e] as usize..offsets[e + 1] as usize];
            if run
                .windows(2)
                .any(|w| self.ts[w[0] as usize] > self.ts[w[1] as usize])
            {
                run.sort_by_key(|&i| self.ts[i as usize]);
            }
        }
        let ts = order.iter().map(|&i| self.ts[i as usize]).collect();
        let columns = self
            .columns
            .into_iter()
            .map(|column| match column {
                Column::Number(v) => Column::Number(permute(&v, &order)),
                Column::Bool(v) => Column::Bool(permute(&v, &order)),
                Column::Timestamp(v) => Column::Timestamp(permute(&v, &order)),
                Column::String(v) => Column::String(permute(&v, &order)),
            })
            .collect();
        Table {
            offsets,
            ts,
            columns,
        }
    }
}

/// Appends a value to a column of its type (anything else is missing there).
fn push_value(column: &mut Column, value: FieldValue<'_>, strings: &mut Dictionary) {
    match (column, value) {
        (Column::Number(v), FieldValue::Number(n)) => v.push(n),
        (Column::Number(v), _) => v.push(MISSING_NUMBER),
        (Column::Bool(v), FieldValue::Bool(b)) => v.push(u8::from(b)),
        (Column::Bool(v), _) => v.push(MISSING_BOOL),
        (Column::Timestamp(v), FieldValue::Timestamp(t)) => v.push(t),
        (Column::Timestamp(v), _) => v.push(MISSING_TIMESTAMP),
        (Column::String(v), FieldValue::Str(s)) => v.push(strings.intern(s)),
        (Column::String(v), _) => v.push(MISSING_STRING),
    }
}

impl Pending {
    /// Empties the table, keeping its columns' types.
    fn clear(&mut self) {
        self.entity.clear();
        self.ts.clear();
        self.columns.iter_mut().for_each(Column::clear);
    }

    /// Sorts the rows of `run` by ts (stable), in place; `order` is scratch space.
    fn sort_run(&mut self, run: std::ops::Range<usize>, order: &mut Vec<u32>) {
        order.clear();
        order.extend(0..u32::try_from(run.len()).expect("fewer than 2^32 rows"));
        let ts = &self.ts[run.clone()];
        order.sort_by_key(|&i| ts[i as usize]);
        permute_in(&mut self.ts[run.clone()], order);
        for column in &mut self.columns {
            match column {
                Column::Number(v) => permute_in(&mut v[run.clone()], order),
                Column::Bool(v) => permute_in(&mut v[run.clone()], order),
                Column::Timestamp(v) => permute_in(&mut v[run.clone()], order),
                Column::String(v) => permute_in(&mut v[run.clone()], order),
            }
        }
    }
}

/// Reorders a short slice: `values[i]` becomes the old `values[order[i]]`.
fn permute_in<T: Copy>(values: &mut [T], order: &[u32]) {
    let old = values.to_vec();
    for (value, &i) in values.iter_mut().zip(order) {
        *value = old[i as usize];
    }
}

fn permute<T: Copy>(values: &[T], order: &[u32]) -> Vec<T> {
    order.iter().map(|&i| values[i as usize]).collect()
}

/// The table a row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Event(EventId),
    Profile,
    Account,
}

/// A table's buffered rows, in load order, as a [`Spill`] sees them.
pub struct Rows<'a> {
    pub entity: &'a [u32],
    pub ts: &'a [i64],
    /// One column per field, in schema order.
    pub columns: &'a [Column],
}

/// Everything a builder in spill mode has buffered: rows whose entities and strings are
/// indexes into `users`, `accounts` and `strings`.
pub struct Buffered<'a> {
    pub users: &'a IdIndex,
    pub accounts: &'a IdIndex,
    pub strings: &'a Dictionary,
    /// One per event type, in schema order.
    pub events: Vec<Rows<'a>>,
    pub profiles: Rows<'a>,
    pub account_rows: Rows<'a>,
}

/// Where a builder in spill mode sends its rows (see [`StoreBuilder::spilling`]).
pub trait Spill {
    /// Takes the rows buffered since the last call.
    ///
    /// # Errors
    /// When the rows cannot be written.
    fn spill(&mut self, rows: &Buffered<'_>) -> Result<(), super::load::DataError>;
}

impl<S: Spill + ?Sized> Spill for &mut S {
    fn spill(&mut self, rows: &Buffered<'_>) -> Result<(), super::load::DataError> {
        (**self).spill(rows)
    }
}

/// Below how many event rows [`StoreBuilder::finish`] works on the calling thread alone.
const SMALL_STORE_ROWS: usize = 4096;

/// Collects typed rows and builds a [`Store`].
pub struct StoreBuilder<'s> {
    schema: &'s Schema,
    users: IdIndex,
    accounts: IdIndex,
    strings: Dictionary,
    events: Vec<Pending>,
    profiles: Pending,
    account_rows: Pending,
    /// The last user id seen and its index: rows usually come grouped by user, and this
    /// saves a hash lookup per row.
    last_user: Option<(Box<str>, u32)>,
    /// The index after the last user [`StoreBuilder::user`] found.
    next_user: u32,
    /// In spill mode: where the rows go, and how many bytes of rows to buffer first.
    spill: Option<(Box<dyn Spill + Send + 's>, usize)>,
    /// Rows added since the buffer was last measured, and how many between measures.
    unmeasured: usize,
    measure_every: usize,
}

impl<'s> StoreBuilder<'s> {
    fn user_index(&mut self, user: &str) -> u32 {
        if let Some((id, index)) = &self.last_user {
            if **id == *user {
                return *index;
            }
        }
        let index = self.users.intern(user);
        self.last_user = Some((user.into(), index));
        index
    }

    #[must_use]
    pub fn new(schema: &'s Schema) -> Self {
        let events = schema
            .events
            .iter()
            .map(|e| Pending::new(&e.properties))
            .collect();
        let profiles = Pending::new(&schema.profile);
        let account_rows = Pending::new(&schema.account);
        let entities = (
            IdIndex::default(),
            IdIndex::default(),
            Dictionary::default(),
        );
        Self::of_parts(schema, entities, events, profiles, account_rows)
    }

    fn of_parts(
        schema: &'s Schema,
        (users, accounts, strings): (IdIndex, IdIndex, Dictionary),
        events: Vec<Pending>,
        profiles: Pending,
        account_rows: Pending,
    ) -> Self {
        StoreBuilder {
            schema,
            users,
            accounts,
            strings,
            events,
            profiles,
            account_rows,
            last_user: None,
            next_user: 0,
            spill: None,
            unmeasured: 0,
            measure_every: 4096,
        }
    }

    /// A builder that reuses the memory of `store`, a store built before for the same schema
    /// (for callers that build many small stores one after another, such as the service).
    #[must_use]
    pub fn recycle(schema: &'s Schema, store: Store) -> Self {
        if store.events.len() != schema.events.len() {
            return StoreBuilder::new(schema);
        }
        let (mut users, mut accounts, mut strings) = (store.users, store.accounts, store.strings);
        users.clear();
        accounts.clear();
        strings.clear();
        Self::of_parts(
            schema,
            (users, accounts, strings),
            store.events.into_iter().map(Pending::recycle).collect(),
            Pending::recycle(store.profiles),
            Pending::recycle(store.account_rows),
        )
    }

    /// A builder that never holds more than about `buffer` bytes of rows: at each
    /// [`StoreBuilder::checkpoint`] past that, it hands its rows to `spill` and starts afresh
    /// (users, accounts and strings included). For splitting data larger than memory.
    #[must_use]
    pub fn spilling(schema: &'s Schema, spill: Box<dyn Spill + Send + 's>, buffer: usize) -> Self {
        let mut builder = StoreBuilder::new(schema);
        builder.spill = Some((spill, buffer));
        // A small buffer (in tests) is measured more often than every few thousand rows.
        builder.measure_every = (buffer / 64).clamp(1, 4096);
        builder
    }

    /// Called by the loaders between rows (or batches), where no code of the builder is held:
    /// in spill mode, hands the rows over when the buffer is full. True when it did (codes
    /// given out before are then void).
    ///
    /// # Errors
    /// When the spill cannot write.
    pub fn checkpoint(&mut self) -> Result<bool, super::load::DataError> {
        let Some((_, buffer)) = &self.spill else {
            return Ok(false);
        };
        // Measuring walks every table: do it every few thousand rows.
        if self.unmeasured < self.measure_every {
            return Ok(false);
        }
        self.unmeasured = 0;
        if self.buffered_bytes() < *buffer {
            return Ok(false);
        }
        self.flush()?;
        Ok(true)
    }

    /// In spill mode, hands every buffered row to the spill and starts afresh.
    ///
    /// # Errors
    /// When the spill cannot write.
    pub fn flush(&mut self) -> Result<(), super::load::DataError> {
        fn rows(p: &Pending) -> Rows<'_> {
            Rows {
                entity: &p.entity,
                ts: &p.ts,
                columns: &p.columns,
            }
        }
        let Some((spill, _)) = &mut self.spill else {
            return Ok(());
        };
        spill.spill(&Buffered {
            users: &self.users,
            accounts: &self.accounts,
            strings: &self.strings,
            events: self.events.iter().map(rows).collect(),
            profiles: rows(&self.profiles),
            account_rows: rows(&self.account_rows),
        })?;
        self.users = IdIndex::default();
        self.accounts = IdIndex::default();
        self.strings = Dictionary::default();
        for pending in self
            .events
            .iter_mut()
            .chain([&mut self.profiles, &mut self.account_rows])
        {
            pending.clear();
        }
        self.last_user = None;
        self.next_user = 0;
        Ok(())
    }

    /// About how many bytes the buffered rows and ids hold.
    fn buffered_bytes(&self) -> usize {
        let rows: usize = self
            .events
            .iter()
            .chain([&self.profiles, &self.account_rows])
            .map(|p| p.entity.len() * 12 + p.columns.iter().map(Column::bytes).sum::<usize>())
            .sum();
        let ids = (self.users.len() + self.accounts.len() + self.strings.len()) * 48;
        rows + ids
    }

    #[must_use]
    pub fn schema(&self) -> &'s Schema {
        self.schema
    }

    /// An event; `values` in the order of the event type's properties.
    pub fn add_event(&mut self, user: &str, event: EventId, ts: i64, values: &[FieldValue<'_>]) {
        let user = self.user_index(user);
        self.events[event.0 as usize].push(user, ts, values, &mut self.strings);
        self.unmeasured += 1;
    }

    /// The index of a user, added if new. Files of different kinds usually list users in
    /// the same order, so the user after the last one found is tried before the hash table.
    pub fn user(&mut self, id: &str) -> u32 {
        let next = self.next_user;
        if self
            .users
            .ids
            .get(next as usize)
            .is_some_and(|n| **n == *id)
        {
            self.next_user += 1;
            return next;
        }
        let user = self.users.intern(id);
        self.next_user = user + 1;
        user
    }

    /// The index of an account, added if new.
    pub fn account(&mut self, id: &str) -> u32 {
        self.accounts.intern(id)
    }

    /// The code of a string value.
    pub fn string(&mut self, s: &str) -> u32 {
        self.strings.intern(s)
    }

    /// Appends a value to a column being coded for [`StoreBuilder::append`] (strings are
    /// interned; a value of another type than the column's is missing there).
    pub fn push_value(&mut self, column: &mut Column, value: FieldValue<'_>) {
        push_value(column, value, &mut self.strings);
    }

    /// Rows in bulk, already coded: entity indexes (from [`StoreBuilder::user`] or [`StoreBuilder::account`]), `ts`
    /// ([`BEGINNING`] for attribute rows that hold from the beginning of time), and one column
    /// per property or attribute of the target, in schema order, of its type.
    pub fn append(&mut self, target: Target, entities: &[u32], ts: &[i64], columns: &[Column]) {
        let table = match target {
            Target::Event(event) => &mut self.events[event.0 as usize],
            Target::Profile => &mut self.profiles,
            Target::Account => &mut self.account_rows,
        };
        table.append(entities, ts, columns);
        self.unmeasured += entities.len();
    }

    /// A profile row (`ts` None: from the beginning of time).
    pub fn add_profile(&mut self, user: &str, ts: Option<i64>, values: &[FieldValue<'_>]) {
        let user = self.user_index(user);
        self.profiles
            .push(user, ts.unwrap_or(BEGINNING), values, &mut self.strings);
        self.unmeasured += 1;
    }

    /// An account row.
    pub fn add_account(&mut self, account: &str, ts: Option<i64>, values: &[FieldValue<'_>]) {
        let account = self.accounts.intern(account);
        self.account_rows
            .push(account, ts.unwrap_or(BEGINNING), values, &mut self.strings);
        self.unmeasured += 1;
    }

    /// Appends the rows of `part`, a builder for the same schema that was filled with the
    /// rows that follow this builder's (a later part of a file): its users, accounts and
    /// strings are coded here in the order `part` met them, so the result is what one builder
    /// fed every row in order would hold.
    pub fn absorb(&mut self, part: StoreBuilder<'_>) {
        self.unmeasured += part
            .events
            .iter()
            .chain([&part.profiles, &part.account_rows])
            .map(|p| p.entity.len())
            .sum::<usize>();
        let users: Vec<u32> = part.users.ids.iter().map(|id| self.user(id)).collect();
        let accounts: Vec<u32> = part
            .accounts
            .ids
            .iter()
            .map(|id| self.accounts.intern(id))
            .collect();
        let strings: Vec<u32> = (0..part.strings.len())
            .map(|code| {
                let code = u32::try_from(code).expect("fewer than 2^32 strings");
                self.strings.intern(part.strings.get(code))
            })
            .collect();
        for (table, rows) in self.events.iter_mut().zip(part.events) {
            table.absorb(rows, &users, &strings);
        }
        self.profiles.absorb(part.profiles, &users, &strings);
        self.account_rows
            .absorb(part.account_rows, &accounts, &strings);
    }

    #[must_use]
    pub fn finish(mut self) -> Store {
        let account_id_attribute = self.schema.profile_attribute("account_id").map(|(i, _)| i);
        // Accounts named by profiles exist even without rows of their own.
        if let Some(Column::String(codes)) = account_id_attribute.map(|i| &self.profiles.columns[i])
        {
            for &code in codes {
                if code != MISSING_STRING {
                    self.accounts.intern(self.strings.get(code));
                }
            }
        }
        let (users, accounts) = (self.users.len(), self.accounts.len());
        let rows: usize = self.events.iter().map(|p| p.ts.len()).sum();
        let (events, profiles, account_rows) = if rows < SMALL_STORE_ROWS {
            // A small store (the service builds one per evaluation) is laid out here: waking
            // the thread pool would cost more than the work.
            let events = self.events.into_iter().map(|p| p.finish(users)).collect();
            (
                events,
                self.profiles.finish(users),
                self.account_rows.finish(accounts),
            )
        } else {
            // The tables are independent: each is laid out on a thread of its own.
            let (events, (profiles, account_rows)) = rayon::join(
                || {
                    self.events
                        .into_par_iter()
                        .map(|p| p.finish(users))
                        .collect()
                },
                || {
                    rayon::join(
                        || self.profiles.finish(users),
                        || self.account_rows.finish(accounts),
                    )
                },
            );
            (events, profiles, account_rows)
        };
        Store {
            events,
            profiles,
            account_rows,
            users: self.users,
            accounts: self.accounts,
            strings: self.strings,
            account_id_attribute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(entity: &[u32], ts: &[i64]) -> Pending {
        Pending {
            entity: entity.to_vec(),
            ts: ts.to_vec(),
            // The load order, to see where each row went.
            columns: vec![Column::Number(
                (0u32..).take(ts.len()).map(f64::from).collect(),
            )],
            offsets: Vec::new(),
        }
    }

    #[test]
    fn a_recycled_store_builds_the_same_store_as_a_new_one() {
        let text =
            "[events.buy]\nvalue = \"number\"\nsku = \"string\"\n[profile]\nplan = \"string\"\n";
        let schema = Schema::from_toml(crate::source::FileId(0), text).expect("a schema");
        let fill = |builder: &mut StoreBuilder<'_>, users: &[&str]| {
            for (i, user) in (0u32..).zip(users) {
                // The properties in schema order: `sku`, then `value`.
                let value = FieldValue::Number(f64::from(i));
                builder.add_event(
                    user,
                    EventId(0),
                    30 - i64::from(i),
                    &[FieldValue::Str(user), value],
                );
                builder.add_profile(user, None, &[FieldValue::Str("pro")]);
            }
        };
        let mut first = StoreBuilder::new(&schema);
        fill(&mut first, &["a", "b", "c"]);
        let used = first.finish();
        let mut recycled = StoreBuilder::recycle(&schema, used);
        fill(&mut recycled, &["z", "y"]);
        let recycled = recycled.finish();
        let mut fresh = StoreBuilder::new(&schema);
        fill(&mut fresh, &["z", "y"]);
        let fresh = fresh.finish();
        assert_eq!(recycled.users.ids, fresh.users.ids);
        assert_eq!(recycled.strings.len(), fresh.strings.len());
        for (a, b) in recycled.events.iter().zip(&fresh.events) {
            assert_eq!(
                (&a.offsets, &a.ts, &a.columns),
                (&b.offsets, &b.ts, &b.columns)
            );
        }
        assert_eq!(recycled.profiles.offsets, fresh.profiles.offsets);
        assert_eq!(recycled.profiles.columns, fresh.profiles.columns);
    }

    fn order(table: &Table) -> Vec<f64> {
        let Column::Number(v) = &table.columns[0] else {
            unreachable!()
        };
        v.clone()
    }

    #[test]
    fn grouped_rows_are_sorted_by_ts_within_each_entity_keeping_load_order() {
        // Grouped by entity; entity 1's rows out of time order, with a tie.
        let table = pending(&[0, 0, 1, 1, 1, 1, 2], &[1, 2, 9, 3, 9, 5, 0]).finish(4);
        assert_eq!(table.offsets, [0, 2, 6, 7, 7]);
        assert_eq!(table.ts, [1, 2, 3, 5, 9, 9, 0]);
        assert_eq!(order(&table), [0.0, 1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
    }

    #[test]
    fn interleaved_rows_are_grouped_by_entity() {
        let table = pending(&[1, 0, 1, 0, 2], &[7, 4, 6, 4, 1]).finish(3);
        assert_eq!(table.offsets, [0, 2, 4, 5]);
        assert_eq!(table.ts, [4, 4, 6, 7, 1]);
        assert_eq!(order(&table), [1.0, 3.0, 2.0, 0.0, 4.0]);
    }
}

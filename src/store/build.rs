//! Building the store: rows arrive in load order, typed by the loaders; `finish` sorts each
//! table's rows by (entity, ts) with a stable sort (so equal timestamps keep load order) and
//! lays them out as columns with per-entity offsets.

use super::{
    Column, Dictionary, IdIndex, Store, Table, BEGINNING, MISSING_BOOL, MISSING_NUMBER,
    MISSING_STRING, MISSING_TIMESTAMP,
};
use crate::schema::{EventId, Field, FieldType, Schema};

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
}

impl Pending {
    fn new(fields: &[Field]) -> Self {
        let columns = fields
            .iter()
            .map(|f| match f.ty {
                FieldType::Number => Column::Number(Vec::new()),
                FieldType::Bool => Column::Bool(Vec::new()),
                FieldType::Timestamp => Column::Timestamp(Vec::new()),
                FieldType::String => Column::String(Vec::new()),
            })
            .collect();
        Pending {
            entity: Vec::new(),
            ts: Vec::new(),
            columns,
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
            match (column, value) {
                (Column::Number(v), FieldValue::Number(n)) => v.push(*n),
                (Column::Number(v), _) => v.push(MISSING_NUMBER),
                (Column::Bool(v), FieldValue::Bool(b)) => v.push(u8::from(*b)),
                (Column::Bool(v), _) => v.push(MISSING_BOOL),
                (Column::Timestamp(v), FieldValue::Timestamp(t)) => v.push(*t),
                (Column::Timestamp(v), _) => v.push(MISSING_TIMESTAMP),
                (Column::String(v), FieldValue::Str(s)) => v.push(strings.intern(s)),
                (Column::String(v), _) => v.push(MISSING_STRING),
            }
        }
    }

    /// Sorts by (entity, ts), stable, and lays out offsets for `entities` entities: a counting
    /// sort by entity (stable, linear), then a stable sort by ts within each entity's run,
    /// which is short and usually nearly sorted already.
    fn finish(self, entities: usize) -> Table {
        let mut offsets = vec![0u32; entities + 1];
        for &e in &self.entity {
            offsets[e as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
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

fn permute<T: Copy>(values: &[T], order: &[u32]) -> Vec<T> {
    order.iter().map(|&i| values[i as usize]).collect()
}

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
        StoreBuilder {
            schema,
            users: IdIndex::default(),
            accounts: IdIndex::default(),
            strings: Dictionary::default(),
            events: schema
                .events
                .iter()
                .map(|e| Pending::new(&e.properties))
                .collect(),
            profiles: Pending::new(&schema.profile),
            account_rows: Pending::new(&schema.account),
            last_user: None,
        }
    }

    #[must_use]
    pub fn schema(&self) -> &'s Schema {
        self.schema
    }

    /// An event; `values` in the order of the event type's properties.
    pub fn add_event(&mut self, user: &str, event: EventId, ts: i64, values: &[FieldValue<'_>]) {
        let user = self.user_index(user);
        self.events[event.0 as usize].push(user, ts, values, &mut self.strings);
    }

    /// A profile row (`ts` None: from the beginning of time).
    pub fn add_profile(&mut self, user: &str, ts: Option<i64>, values: &[FieldValue<'_>]) {
        let user = self.user_index(user);
        self.profiles
            .push(user, ts.unwrap_or(BEGINNING), values, &mut self.strings);
    }

    /// An account row.
    pub fn add_account(&mut self, account: &str, ts: Option<i64>, values: &[FieldValue<'_>]) {
        let account = self.accounts.intern(account);
        self.account_rows
            .push(account, ts.unwrap_or(BEGINNING), values, &mut self.strings);
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
        let users = self.users.len();
        Store {
            events: self.events.into_iter().map(|p| p.finish(users)).collect(),
            profiles: self.profiles.finish(users),
            account_rows: self.account_rows.finish(self.accounts.len()),
            users: self.users,
            accounts: self.accounts,
            strings: self.strings,
            account_id_attribute,
        }
    }
}

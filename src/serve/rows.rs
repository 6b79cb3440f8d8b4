//! Rows the service holds outside the columnar store: each entity's rows as owned values, taken
//! out of a store (the last merge's, or a request's) and put back into a small store of a few
//! entities, which the interpreter evaluates exactly as it would the whole store.
//!
//! Order is what makes the small store agree with a batch load: a table's rows of one entity
//! are kept in (ts, load order); an entity's rows from the store come before its rows received
//! since, and those keep their arrival order.

use super::reach::Reads;
use crate::store::{
    Column, Dictionary, FieldValue, Store, StoreBuilder, Table, Target, BEGINNING, MISSING_BOOL,
    MISSING_STRING, MISSING_TIMESTAMP,
};

/// A typed value held apart from any store's dictionary.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Missing,
    Number(f64),
    Bool(bool),
    Timestamp(i64),
    Str(Box<str>),
}

impl Value {
    fn field(&self) -> FieldValue<'_> {
        match self {
            Value::Missing => FieldValue::Missing,
            Value::Number(n) => FieldValue::Number(*n),
            Value::Bool(b) => FieldValue::Bool(*b),
            Value::Timestamp(t) => FieldValue::Timestamp(*t),
            Value::Str(s) => FieldValue::Str(s),
        }
    }

    /// The value as JSON (missing values are left out by the callers).
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        match self {
            Value::Missing => serde_json::Value::Null,
            Value::Number(n) => serde_json::json!(n),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Timestamp(t) => serde_json::Value::String(crate::time::format_timestamp(*t)),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
        }
    }
}

/// One row of an entity: an event of a type, or a profile or account row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub table: Target,
    /// [`BEGINNING`] for an attribute row that holds from the beginning of time.
    pub ts: i64,
    /// In the order of the type's properties or the attributes.
    pub values: Box<[Value]>,
}

/// A store's value, held apart from its dictionary.
#[must_use]
pub fn value(column: &Column, row: usize, strings: &Dictionary) -> Value {
    match column {
        Column::Number(v) if v[row].is_nan() => Value::Missing,
        Column::Number(v) => Value::Number(v[row]),
        Column::Bool(v) if v[row] == MISSING_BOOL => Value::Missing,
        Column::Bool(v) => Value::Bool(v[row] == 1),
        Column::Timestamp(v) if v[row] == MISSING_TIMESTAMP => Value::Missing,
        Column::Timestamp(v) => Value::Timestamp(v[row]),
        Column::String(v) if v[row] == MISSING_STRING => Value::Missing,
        Column::String(v) => Value::Str(strings.get(v[row]).into()),
    }
}

fn table_rows(
    table: &Table,
    entity: u32,
    target: Target,
    strings: &Dictionary,
    out: &mut Vec<Row>,
) {
    for row in table.rows(entity) {
        out.push(Row {
            table: target,
            ts: table.ts[row],
            values: table
                .columns
                .iter()
                .map(|c| value(c, row, strings))
                .collect(),
        });
    }
}

/// Every row of user `user` of `store`: its events, type by type, then its profile rows.
pub fn user_rows(store: &Store, user: u32, out: &mut Vec<Row>) {
    for (event, table) in (0u32..).zip(&store.events) {
        let target = Target::Event(crate::schema::EventId(event));
        table_rows(table, user, target, &store.strings, out);
    }
    table_rows(&store.profiles, user, Target::Profile, &store.strings, out);
}

/// Every row of account `account` of `store`.
pub fn account_rows(store: &Store, account: u32, out: &mut Vec<Row>) {
    table_rows(
        &store.account_rows,
        account,
        Target::Account,
        &store.strings,
        out,
    );
}

/// A store's value as the builder takes it (borrowing the store's strings).
fn field<'s>(column: &Column, row: usize, strings: &'s Dictionary) -> FieldValue<'s> {
    match column {
        Column::Number(v) if v[row].is_nan() => FieldValue::Missing,
        Column::Number(v) => FieldValue::Number(v[row]),
        Column::Bool(v) if v[row] == MISSING_BOOL => FieldValue::Missing,
        Column::Bool(v) => FieldValue::Bool(v[row] == 1),
        Column::Timestamp(v) if v[row] == MISSING_TIMESTAMP => FieldValue::Missing,
        Column::Timestamp(v) => FieldValue::Timestamp(v[row]),
        Column::String(v) if v[row] == MISSING_STRING => FieldValue::Missing,
        Column::String(v) => FieldValue::Str(strings.get(v[row])),
    }
}

/// Adds the rows of user `user` of `store` that `needed` reads (its event types, and the
/// profile) to a builder as user `id`: the rows [`user_rows`] gives, without taking them out
/// of the store first.
pub fn copy_user(
    builder: &mut StoreBuilder<'_>,
    store: &Store,
    user: u32,
    id: &str,
    needed: &Reads,
) {
    builder.user(id);
    let mut values = Vec::new();
    for (event, table) in (0u32..).zip(&store.events) {
        if !needed.events[event as usize] {
            continue;
        }
        for row in table.rows(user) {
            values.clear();
            values.extend(table.columns.iter().map(|c| field(c, row, &store.strings)));
            builder.add_event(id, crate::schema::EventId(event), table.ts[row], &values);
        }
    }
    if !needed.profile {
        return;
    }
    let table = &store.profiles;
    for row in table.rows(user) {
        values.clear();
        values.extend(table.columns.iter().map(|c| field(c, row, &store.strings)));
        let ts = (table.ts[row] != BEGINNING).then_some(table.ts[row]);
        builder.add_profile(id, ts, &values);
    }
}

/// Adds every row of account `account` of `store` to a builder as account `id`.
pub fn copy_account(builder: &mut StoreBuilder<'_>, store: &Store, account: u32, id: &str) {
    builder.account(id);
    let mut values = Vec::new();
    let table = &store.account_rows;
    for row in table.rows(account) {
        values.clear();
        values.extend(table.columns.iter().map(|c| field(c, row, &store.strings)));
        let ts = (table.ts[row] != BEGINNING).then_some(table.ts[row]);
        builder.add_account(id, ts, &values);
    }
}

/// Adds a user's rows to a builder, in order.
pub fn add_user(builder: &mut StoreBuilder<'_>, id: &str, rows: &[Row]) {
    builder.user(id);
    add(builder, id, rows);
}

/// Adds an account's rows to a builder, in order.
pub fn add_account(builder: &mut StoreBuilder<'_>, id: &str, rows: &[Row]) {
    builder.account(id);
    add(builder, id, rows);
}

/// Adds rows to a builder, in order, for the entity `id` (already added).
pub fn add(builder: &mut StoreBuilder<'_>, id: &str, rows: &[Row]) {
    add_reading(builder, id, rows, None);
}

/// [`add`], leaving out the rows of tables `needed` does not read.
pub fn add_reading(builder: &mut StoreBuilder<'_>, id: &str, rows: &[Row], needed: Option<&Reads>) {
    let mut values = Vec::new();
    for row in rows {
        let read = needed.is_none_or(|n| match row.table {
            Target::Event(event) => n.events[event.0 as usize],
            Target::Profile => n.profile,
            Target::Account => true,
        });
        if !read {
            continue;
        }
        values.clear();
        values.extend(row.values.iter().map(Value::field));
        let ts = (row.ts != BEGINNING).then_some(row.ts);
        match row.table {
            Target::Event(event) => builder.add_event(id, event, row.ts, &values),
            Target::Profile => builder.add_profile(id, ts, &values),
            Target::Account => builder.add_account(id, ts, &values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    fn schema() -> Schema {
        let text =
            "[events.buy]\nvalue = \"number\"\nsku = \"string\"\n[profile]\nplan = \"string\"\n";
        Schema::from_toml(crate::source::FileId(0), text).expect("a schema")
    }

    #[test]
    fn rows_taken_out_of_a_store_build_the_same_store() {
        let schema = schema();
        let mut builder = StoreBuilder::new(&schema);
        let buy = crate::schema::EventId(0);
        builder.add_event(
            "u1",
            buy,
            20,
            &[FieldValue::Number(5.0), FieldValue::Str("a")],
        );
        builder.add_event("u1", buy, 10, &[FieldValue::Missing, FieldValue::Str("b")]);
        builder.add_profile("u1", None, &[FieldValue::Str("pro")]);
        builder.add_profile("u1", Some(15), &[FieldValue::Str("free")]);
        let store = builder.finish();
        let mut rows = Vec::new();
        user_rows(&store, 0, &mut rows);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].ts, 10, "events come in time order");
        assert_eq!(rows[0].values[0], Value::Missing);
        let mut again = StoreBuilder::new(&schema);
        add_user(&mut again, "u1", &rows);
        let again = again.finish();
        assert_eq!(again.events[0].ts, store.events[0].ts);
        assert_eq!(again.events[0].columns[0], store.events[0].columns[0]);
        assert_eq!(again.profiles.ts, store.profiles.ts);
    }
}

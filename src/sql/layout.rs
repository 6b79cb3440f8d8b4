//! `seg export-layout`: data files written as the tables `seg sql` reads (docs/warehouse.md),
//! as Parquet: `events` (`user_id, event, ts, seq`, one column per property), `profiles`
//! (`user_id, ts, seq`, attributes) and `accounts` (`account_id, ts, seq`, attributes). `seq`
//! is each row's place in its owner's rows (in `ts` order, ties in load order): the order the
//! engines break ties in `ts` by. A history row without `ts` has a null `ts`.

use std::path::Path;

use crate::schema::{FieldType, Schema};
use crate::store::load::Cell;
use crate::store::parquet::ParquetWriter;
use crate::store::{Column, Store, Table, BEGINNING};

/// Writes `events.parquet`, `profiles.parquet` and `accounts.parquet` into `dir`.
///
/// # Errors
/// When a file cannot be written, or the events' properties do not fit the layout.
pub fn write(store: &Store, schema: &Schema, dir: &Path) -> Result<(), String> {
    let props = super::event_columns(schema)?;
    let io = |e: std::io::Error| e.to_string();
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut columns = vec![
        ("user_id".to_string(), FieldType::String),
        ("event".into(), FieldType::String),
        ("ts".into(), FieldType::Timestamp),
        ("seq".into(), FieldType::Number),
    ];
    columns.extend(props.iter().cloned());
    let mut events = ParquetWriter::create(&dir.join("events.parquet"), columns).map_err(io)?;
    for (e, event) in schema.events.iter().enumerate() {
        let table = &store.events[e];
        // Where each of this event type's properties is among the layout's columns.
        let at: Vec<usize> = event
            .properties
            .iter()
            .map(|f| {
                props
                    .iter()
                    .position(|(n, _)| *n == f.name)
                    .expect("a column")
            })
            .collect();
        for (user, id) in store.users.ids.iter().enumerate() {
            let user = u32::try_from(user).expect("fewer than 2^32 users");
            for row in table.rows(user) {
                let mut cells = vec![
                    Some(Cell::Text(id.to_string())),
                    Some(Cell::Text(event.name.clone())),
                    Some(Cell::Instant(table.ts[row])),
                    Some(Cell::Number(seq(row))),
                ];
                cells.extend(std::iter::repeat_n(None, props.len()));
                for (column, &i) in table.columns.iter().zip(&at) {
                    cells[4 + i] = cell(store, column, row);
                }
                events.push(cells).map_err(io)?;
            }
        }
    }
    events.finish().map_err(io)?;
    history(
        store,
        &store.profiles,
        &store.users.ids,
        "user_id",
        &schema.profile,
        &dir.join("profiles.parquet"),
    )?;
    history(
        store,
        &store.account_rows,
        &store.accounts.ids,
        "account_id",
        &schema.account,
        &dir.join("accounts.parquet"),
    )
}

#[allow(clippy::cast_precision_loss)]
fn seq(row: usize) -> f64 {
    row as f64
}

fn history(
    store: &Store,
    table: &Table,
    owners: &[Box<str>],
    owner: &str,
    fields: &[crate::schema::Field],
    path: &Path,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    let kept: Vec<usize> = (0..fields.len())
        .filter(|&i| fields[i].name != owner)
        .collect();
    let mut columns = vec![
        (owner.to_string(), FieldType::String),
        ("ts".into(), FieldType::Timestamp),
        ("seq".into(), FieldType::Number),
    ];
    columns.extend(kept.iter().map(|&i| (fields[i].name.clone(), fields[i].ty)));
    let mut writer = ParquetWriter::create(path, columns).map_err(io)?;
    for (o, id) in owners.iter().enumerate() {
        let o = u32::try_from(o).expect("fewer than 2^32 owners");
        for row in table.rows(o) {
            let ts = table.ts[row];
            let mut cells = vec![
                Some(Cell::Text(id.to_string())),
                (ts != BEGINNING).then_some(Cell::Instant(ts)),
                Some(Cell::Number(seq(row))),
            ];
            cells.extend(kept.iter().map(|&i| cell(store, &table.columns[i], row)));
            writer.push(cells).map_err(io)?;
        }
    }
    writer.finish().map_err(io)
}

fn cell(store: &Store, column: &Column, row: usize) -> Option<Cell> {
    if column.is_missing(row) {
        return None;
    }
    Some(match column {
        Column::Number(v) => Cell::Number(v[row]),
        Column::Bool(v) => Cell::Bool(v[row] == 1),
        Column::Timestamp(v) => Cell::Instant(v[row]),
        Column::String(v) => Cell::Text(store.strings.get(v[row]).to_string()),
    })
}

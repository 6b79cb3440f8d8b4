//! Loading Parquet record batches column by column into a [`StoreBuilder`].
//!
//! A batch is checked in passes, each over one column: the keys (id, event type, ts), then
//! each row type's properties or attributes. A pass marks the rows it finds bad, keeping the
//! reason of the earliest; later passes skip marked rows, so each row keeps the first reason
//! the per-row loaders would give. The good rows are then coded (ids to entity indexes,
//! strings to dictionary codes) and appended to the builder in bulk, one row type at a time.
//! A dictionary-encoded string column is coded once per distinct value: codes are cached by
//! dictionary key for as long as batches share the dictionary (a row group, usually).
//! Columns of the common types take typed fast paths; any other column is typed cell by cell
//! with the routine the per-row loaders use, so every message is the same.

use rustc_hash::FxHashMap;

use arrow_array::{Array, ArrayRef, RecordBatch};

use super::build::{FieldValue, StoreBuilder, Target};
use super::load::{
    convert, optional_timestamp, required_text, DataError, Kind, LoadReport, OnBadRow, Raw,
};
use super::parquet::{columns_of, BatchColumn, Strings, View, OUT_OF_RANGE};
use super::{Column, BEGINNING, MISSING_BOOL, MISSING_NUMBER, MISSING_STRING, MISSING_TIMESTAMP};
use crate::schema::{EventId, Field, FieldType};

/// The mark of a row no pass has found bad.
const GOOD: u32 = u32::MAX;
/// A code not computed yet.
const UNSET: u32 = u32::MAX;
/// The row type of an event whose type the schema does not declare (the row is ignored).
const UNKNOWN: u32 = u32::MAX - 1;
/// The event-column code of an empty name.
const EMPTY: u32 = u32::MAX - 2;

/// Codes of a dictionary's values, by key, while batches share the dictionary.
#[derive(Default)]
struct KeyCodes {
    dictionary: Option<ArrayRef>,
    codes: Vec<u32>,
}

impl KeyCodes {
    /// The codes for `strings`' dictionary, all [`UNSET`] if it is not the cached one.
    fn of(&mut self, strings: &Strings<'_>) -> &mut [u32] {
        let dictionary = strings.dictionary.expect("a dictionary-encoded column");
        // The cache holds the dictionary, so equal buffer addresses mean the same values.
        let same = self.dictionary.as_ref().is_some_and(|cached| {
            std::sync::Arc::ptr_eq(cached, dictionary)
                || cached.to_data().ptr_eq(&dictionary.to_data())
        });
        if !same {
            self.dictionary = Some(dictionary.clone());
            self.codes.clear();
            self.codes.resize(dictionary.len(), UNSET);
        }
        &mut self.codes
    }
}

/// Per-row state of the batch being loaded.
struct Rows {
    /// [`GOOD`], or where the row turned out bad: 0 for its keys and (for events) its
    /// properties; for profiles and accounts, the position of the attribute column at fault
    /// (the per-row loader counts unknown columns before it).
    fail: Vec<u32>,
    /// The index of the row's type (event type, or 0 for profiles and accounts), or
    /// [`UNKNOWN`].
    kind: Vec<u32>,
    ts: Vec<i64>,
    entity: Vec<u32>,
    /// With `--on-bad-row fail`: the earliest bad row and why.
    first_bad: Option<(usize, String)>,
    keep_reasons: bool,
}

impl Rows {
    fn reset(&mut self, rows: usize) {
        self.fail.clear();
        self.fail.resize(rows, GOOD);
        self.kind.clear();
        self.kind.resize(rows, 0);
        self.ts.clear();
        self.ts.resize(rows, BEGINNING);
        self.entity.clear();
        self.entity.resize(rows, 0);
        self.first_bad = None;
    }

    fn good(&self, row: usize) -> bool {
        self.fail[row] == GOOD
    }

    /// Marks `row` bad (at `at`) unless an earlier pass did.
    fn fail(&mut self, row: usize, at: u32, reason: impl FnOnce() -> String) {
        if self.fail[row] != GOOD {
            return;
        }
        self.fail[row] = at;
        if self.keep_reasons
            && self
                .first_bad
                .as_ref()
                .is_none_or(|(first, _)| row < *first)
        {
            self.first_bad = Some((row, reason()));
        }
    }

    /// The rows to load: good, of a known type.
    fn loaded(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.fail.len()).filter(|&r| self.fail[r] == GOOD && self.kind[r] != UNKNOWN)
    }
}

/// A row type: where its rows go, the prefix of its unknown-column counts, and its fields.
struct RowType<'s> {
    target: Target,
    prefix: &'s str,
    fields: &'s [Field],
}

/// Loads the record batches of one Parquet file of one kind.
pub(super) struct BatchLoader<'b, 's, 'r> {
    builder: &'b mut StoreBuilder<'s>,
    kind: Kind,
    path: &'r str,
    report: &'r mut LoadReport,
    types: Vec<RowType<'s>>,
    event_ids: FxHashMap<&'s str, u32>,
    rows: Rows,
    /// Per column position.
    key_codes: Vec<KeyCodes>,
    /// Per row type: its rows in the batch, and its coded columns.
    by_type: Vec<Vec<u32>>,
    coded: Vec<Vec<Column>>,
    entities: Vec<u32>,
    ts: Vec<i64>,
}

/// The positions of a batch's key columns.
struct Keys {
    id: Option<usize>,
    event: Option<usize>,
    ts: Option<usize>,
}

impl Keys {
    fn is_key(&self, column: usize) -> bool {
        [self.id, self.event, self.ts].contains(&Some(column))
    }
}

/// Whether a column of this view holds values of this type as they are.
fn fits(view: &View<'_>, ty: FieldType) -> bool {
    matches!(
        (view, ty),
        (View::Numbers(_), FieldType::Number)
            | (View::Strings(_), FieldType::String)
            | (View::Bools(_), FieldType::Bool)
            | (View::Instants(_), FieldType::Timestamp)
    )
}

impl<'b, 's, 'r> BatchLoader<'b, 's, 'r> {
    pub fn new(
        builder: &'b mut StoreBuilder<'s>,
        kind: Kind,
        path: &'r str,
        on_bad_row: OnBadRow,
        report: &'r mut LoadReport,
    ) -> Self {
        let schema = builder.schema();
        let types: Vec<RowType<'s>> = match kind {
            Kind::Events => (0u32..)
                .zip(&schema.events)
                .map(|(i, e)| RowType {
                    target: Target::Event(EventId(i)),
                    prefix: &e.name,
                    fields: &e.properties,
                })
                .collect(),
            Kind::Profiles => vec![RowType {
                target: Target::Profile,
                prefix: "profile",
                fields: &schema.profile,
            }],
            Kind::Accounts => vec![RowType {
                target: Target::Account,
                prefix: "account",
                fields: &schema.account,
            }],
        };
        let event_ids = (0u32..)
            .zip(&schema.events)
            .map(|(i, e)| (e.name.as_str(), i))
            .collect();
        let coded = types
            .iter()
            .map(|t| t.fields.iter().map(|f| Column::empty(f.ty)).collect())
            .collect();
        BatchLoader {
            builder,
            kind,
            path,
            report,
            by_type: vec![Vec::new(); types.len()],
            coded,
            types,
            event_ids,
            rows: Rows {
                fail: Vec::new(),
                kind: Vec::new(),
                ts: Vec::new(),
                entity: Vec::new(),
                first_bad: None,
                keep_reasons: on_bad_row == OnBadRow::Fail,
            },
            key_codes: Vec::new(),
            entities: Vec::new(),
            ts: Vec::new(),
        }
    }

    fn id_key(&self) -> &'static str {
        if self.kind == Kind::Accounts {
            "account_id"
        } else {
            "user_id"
        }
    }

    /// Loads one batch whose first row is row `first` (1-based) of the file.
    pub fn batch(&mut self, first: u64, batch: &RecordBatch) -> Result<(), DataError> {
        let columns = columns_of(batch);
        if self.key_codes.len() < columns.len() {
            self.key_codes.resize_with(columns.len(), KeyCodes::default);
        }
        let position = |name: &str| columns.iter().position(|c| c.name == name);
        let keys = Keys {
            id: position(self.id_key()),
            event: if self.kind == Kind::Events {
                position("event")
            } else {
                None
            },
            ts: position("ts"),
        };
        let mut rows = batch.num_rows();
        let mut fatal = None;
        if self.kind != Kind::Events {
            // The per-row reader stops at the first cell of a type it does not read.
            fatal = first_unsupported_cell(&columns, rows);
            if let Some((row, _)) = &fatal {
                rows = *row;
            }
        }
        self.rows.reset(rows);
        self.check_keys(&columns, &keys, rows);
        let layouts = self.layouts(&columns);
        self.check_fields(&columns, &layouts);
        self.count_unknown_columns(&columns, &keys);
        if let Some((row, reason)) = self.rows.first_bad.take() {
            return Err(DataError::BadRow {
                path: self.path.to_string(),
                line: first + row as u64,
                reason,
            });
        }
        self.report.skipped += self.rows.fail.iter().filter(|&&f| f != GOOD).count();
        // Rows of undeclared event types are read, as in the other formats: counted, and
        // their users kept.
        self.report.rows += (0..rows)
            .filter(|&r| self.rows.good(r) && self.rows.kind[r] == UNKNOWN)
            .count();
        if let Some(id) = keys.id {
            self.code_entities(&columns[id], id);
            self.append(&columns, &layouts);
        }
        // A builder in spill mode may start afresh here: the cached codes go with it.
        if self.builder.checkpoint()? {
            self.key_codes.clear();
        }
        match fatal {
            Some((_, reason)) => Err(DataError::Format {
                path: self.path.to_string(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// The id, event type and ts of each row: events in that order, profiles and accounts in
    /// column order (as the per-row loaders read them).
    fn check_keys(&mut self, columns: &[BatchColumn<'_>], keys: &Keys, rows: usize) {
        let id_key = self.id_key();
        if let (Some(id), Some(event), Some(ts)) = (keys.id, keys.event, keys.ts) {
            check_id(&mut self.rows, &columns[id], id_key, rows);
            let codes = &mut self.key_codes[event];
            check_event(
                &mut self.rows,
                &columns[event],
                rows,
                codes,
                &self.event_ids,
            );
            check_ts(&mut self.rows, &columns[ts], rows, true);
            self.count_unknown_events(&columns[event], rows);
            return;
        }
        let mut order: Vec<usize> = [keys.id, keys.ts].into_iter().flatten().collect();
        order.sort_unstable();
        for c in order {
            if Some(c) == keys.id {
                check_id(&mut self.rows, &columns[c], id_key, rows);
            } else {
                check_ts(&mut self.rows, &columns[c], rows, false);
            }
        }
        if keys.id.is_none() {
            for r in 0..rows {
                self.rows
                    .fail(r, 0, || format!("the row has no `{id_key}`"));
            }
        }
    }

    /// Counts the rows (with good keys) of event types the schema does not declare.
    fn count_unknown_events(&mut self, column: &BatchColumn<'_>, rows: usize) {
        // Only names read as strings resolve to a type.
        let View::Strings(strings) = &column.view else {
            return;
        };
        let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
        for r in 0..rows {
            if self.rows.good(r) && self.rows.kind[r] == UNKNOWN {
                *counts.entry(strings.get(r)).or_default() += 1;
            }
        }
        for (name, n) in counts {
            *self
                .report
                .unknown
                .entry(format!("event type {name}"))
                .or_default() += n;
        }
    }

    /// Per row type, the column of each field (None: the file lacks it).
    fn layouts(&self, columns: &[BatchColumn<'_>]) -> Vec<Vec<Option<usize>>> {
        let mut positions: FxHashMap<&str, usize> = FxHashMap::default();
        for (c, column) in columns.iter().enumerate().rev() {
            positions.insert(column.name, c);
        }
        self.types
            .iter()
            .map(|t| {
                t.fields
                    .iter()
                    .map(|f| positions.get(f.name.as_str()).copied())
                    .collect()
            })
            .collect()
    }

    /// Types each row's fields: cells of unread column types first, then values of another
    /// type than declared; events in property order, profiles and accounts in column order.
    fn check_fields(&mut self, columns: &[BatchColumn<'_>], layouts: &[Vec<Option<usize>>]) {
        for rows in &mut self.by_type {
            rows.clear();
        }
        for r in self.rows.loaded() {
            self.by_type[self.rows.kind[r] as usize].push(u32::try_from(r).unwrap_or(u32::MAX));
        }
        let by_position = self.kind != Kind::Events;
        for (t, row_type) in self.types.iter().enumerate() {
            let rows = &self.by_type[t];
            if rows.is_empty() {
                continue;
            }
            let mut fields: Vec<(usize, &Field)> = layouts[t]
                .iter()
                .zip(row_type.fields)
                .filter_map(|(c, f)| c.map(|c| (c, f)))
                .collect();
            for &(c, _) in &fields {
                let column = &columns[c];
                if let View::Unsupported(reason) = &column.view {
                    for &r in rows {
                        let r = r as usize;
                        if !column.is_null(r) {
                            self.rows
                                .fail(r, 0, || format!("column `{}`: {reason}", column.name));
                        }
                    }
                }
            }
            if by_position {
                fields.sort_by_key(|&(c, _)| c);
            }
            for (c, field) in fields {
                let column = &columns[c];
                let at = if by_position {
                    u32::try_from(c).unwrap_or(0)
                } else {
                    0
                };
                if fits(&column.view, field.ty) {
                    check_fitting(&mut self.rows, column, field, rows, at);
                    continue;
                }
                if matches!(column.view, View::Unsupported(_)) {
                    continue;
                }
                for &r in rows {
                    let r = r as usize;
                    if !self.rows.good(r) {
                        continue;
                    }
                    let found = match column.raw(r) {
                        Ok(raw) => convert(&raw, field.ty).err(),
                        Err(reason) => Some(reason),
                    };
                    if let Some(found) = found {
                        self.rows.fail(r, at, || {
                            format!(
                                "`{}` must be a {}, found {found}",
                                field.name,
                                field.ty.name()
                            )
                        });
                    }
                }
            }
        }
    }

    /// Counts the values of columns that a row's type does not declare, for the warning:
    /// events count their good rows; profiles and accounts also the cells before the column
    /// that made a row bad, as the per-row loader does.
    fn count_unknown_columns(&mut self, columns: &[BatchColumn<'_>], keys: &Keys) {
        let rows = self.rows.fail.len();
        let mut counts = vec![0usize; self.types.len()];
        for (c, column) in columns.iter().enumerate() {
            if keys.is_key(c) {
                continue;
            }
            let declared: Vec<bool> = self
                .types
                .iter()
                .map(|t| t.fields.iter().any(|f| f.name == column.name))
                .collect();
            if declared.iter().all(|&d| d) {
                continue;
            }
            counts.fill(0);
            let at = u32::try_from(c).unwrap_or(u32::MAX);
            let mut count = |r: usize| {
                let kind = self.rows.kind[r];
                if at < self.rows.fail[r] && kind != UNKNOWN {
                    counts[kind as usize] += 1;
                }
            };
            match column.nulls {
                Some(nulls) => nulls
                    .valid_indices()
                    .take_while(|&r| r < rows)
                    .for_each(&mut count),
                None => (0..rows).for_each(&mut count),
            }
            for (t, &n) in counts.iter().enumerate() {
                if n > 0 && !declared[t] {
                    *self
                        .report
                        .unknown
                        .entry(format!("{}.{}", self.types[t].prefix, column.name))
                        .or_default() += n;
                }
            }
        }
    }

    /// The entity index of each good row, in row order (so indexes follow first appearance,
    /// as with the per-row loaders); rows of undeclared event types too, since every
    /// `user_id` seen is a user.
    fn code_entities(&mut self, column: &BatchColumn<'_>, position: usize) {
        let View::Strings(strings) = &column.view else {
            // Ids of another type make every row bad.
            return;
        };
        let accounts = self.kind == Kind::Accounts;
        let builder = &mut *self.builder;
        let mut entity = |id: &str| {
            if accounts {
                builder.account(id)
            } else {
                builder.user(id)
            }
        };
        let rows = &mut self.rows;
        if strings.keys.is_some() {
            let codes = self.key_codes[position].of(strings);
            for r in 0..rows.fail.len() {
                if rows.fail[r] == GOOD {
                    let key = strings.key(r);
                    if codes[key] == UNSET {
                        codes[key] = entity(strings.values.get(key));
                    }
                    rows.entity[r] = codes[key];
                }
            }
        } else {
            for r in 0..rows.fail.len() {
                if rows.fail[r] == GOOD {
                    rows.entity[r] = entity(strings.get(r));
                }
            }
        }
    }

    /// Codes each row type's good rows and appends them to the builder.
    fn append(&mut self, columns: &[BatchColumn<'_>], layouts: &[Vec<Option<usize>>]) {
        let types = self.types.iter().zip(layouts);
        for (((row_type, layout), rows), coded) in types.zip(&mut self.by_type).zip(&mut self.coded)
        {
            rows.retain(|&r| self.rows.fail[r as usize] == GOOD);
            if rows.is_empty() {
                continue;
            }
            self.report.rows += rows.len();
            self.entities.clear();
            self.entities
                .extend(rows.iter().map(|&r| self.rows.entity[r as usize]));
            self.ts.clear();
            self.ts
                .extend(rows.iter().map(|&r| self.rows.ts[r as usize]));
            for ((out, field), c) in coded.iter_mut().zip(row_type.fields).zip(layout) {
                clear(out);
                match c {
                    Some(c) => code_values(
                        &columns[*c],
                        field.ty,
                        rows,
                        out,
                        &mut self.key_codes[*c],
                        self.builder,
                    ),
                    None => fill_missing(out, rows.len()),
                }
            }
            self.builder
                .append(row_type.target, &self.entities, &self.ts, coded);
        }
    }
}

/// The first cell (row, then column) of a column type seg does not read, and the error.
fn first_unsupported_cell(columns: &[BatchColumn<'_>], rows: usize) -> Option<(usize, String)> {
    let mut first: Option<(usize, String)> = None;
    for column in columns {
        let View::Unsupported(reason) = &column.view else {
            continue;
        };
        let row = match column.nulls {
            Some(nulls) => nulls.valid_indices().next(),
            None => (rows > 0).then_some(0),
        };
        if let Some(row) = row {
            if first.as_ref().is_none_or(|(f, _)| row < *f) {
                first = Some((row, format!("column `{}`: {reason}", column.name)));
            }
        }
    }
    first
}

fn check_id(rows: &mut Rows, column: &BatchColumn<'_>, key: &str, n: usize) {
    if let View::Strings(strings) = &column.view {
        for r in 0..n {
            if rows.good(r) && (column.is_null(r) || strings.get(r).is_empty()) {
                rows.fail(r, 0, || format!("`{key}` is empty"));
            }
        }
        return;
    }
    for r in 0..n {
        if rows.good(r) {
            if let Err(reason) = column.raw(r).and_then(|raw| required_text(&raw, key)) {
                rows.fail(r, 0, || reason);
            }
        }
    }
}

/// The event type of each row (or [`UNKNOWN`]), coded once per distinct name of a
/// dictionary-encoded column.
fn check_event(
    rows: &mut Rows,
    column: &BatchColumn<'_>,
    n: usize,
    cache: &mut KeyCodes,
    event_ids: &FxHashMap<&str, u32>,
) {
    let code = |name: &str| {
        if name.is_empty() {
            EMPTY
        } else {
            event_ids.get(name).copied().unwrap_or(UNKNOWN)
        }
    };
    let empty = || "`event` is empty".to_string();
    match &column.view {
        View::Strings(strings) if strings.keys.is_some() => {
            let codes = cache.of(strings);
            for r in 0..n {
                if !rows.good(r) {
                    continue;
                }
                if column.is_null(r) {
                    rows.fail(r, 0, empty);
                    continue;
                }
                let key = strings.key(r);
                if codes[key] == UNSET {
                    codes[key] = code(strings.values.get(key));
                }
                match codes[key] {
                    EMPTY => rows.fail(r, 0, empty),
                    kind => rows.kind[r] = kind,
                }
            }
        }
        _ => {
            for r in 0..n {
                if !rows.good(r) {
                    continue;
                }
                match column.raw(r).and_then(|raw| required_text(&raw, "event")) {
                    Ok(name) => rows.kind[r] = code(&name),
                    Err(reason) => rows.fail(r, 0, || reason),
                }
            }
        }
    }
}

/// The `ts` of each row; without one, an event is bad and an attribute row holds from the
/// beginning of time.
fn check_ts(rows: &mut Rows, column: &BatchColumn<'_>, n: usize, required: bool) {
    let missing = || "the row has no `ts`".to_string();
    if let View::Instants(values) = &column.view {
        for r in 0..n {
            if column.is_null(r) {
                if required {
                    rows.fail(r, 0, missing);
                }
            } else if values[r] == OUT_OF_RANGE {
                rows.fail(r, 0, || column.out_of_range(r));
            } else {
                rows.ts[r] = values[r];
            }
        }
        return;
    }
    for r in 0..n {
        if !rows.good(r) {
            continue;
        }
        match column.raw(r).and_then(|raw| optional_timestamp(&raw)) {
            Ok(Some(ts)) => rows.ts[r] = ts,
            Ok(None) if required => rows.fail(r, 0, missing),
            Ok(None) => {}
            Err(reason) => rows.fail(r, 0, || reason),
        }
    }
}

/// The values of a column whose type is the field's that the field still cannot hold: NaN
/// and infinities (NaN is the missing number; the text formats refuse both), and instants out
/// of the supported range.
fn check_fitting(rows: &mut Rows, column: &BatchColumn<'_>, field: &Field, of: &[u32], at: u32) {
    match &column.view {
        View::Numbers(values) => {
            for &r in of {
                let r = r as usize;
                if !values[r].is_finite() && !column.is_null(r) {
                    rows.fail(r, at, || {
                        format!("`{}` must be a number, found `{}`", field.name, values[r])
                    });
                }
            }
        }
        View::Instants(values) => {
            for &r in of {
                let r = r as usize;
                if values[r] == OUT_OF_RANGE && !column.is_null(r) {
                    rows.fail(r, at, || column.out_of_range(r));
                }
            }
        }
        _ => {}
    }
}

fn clear(column: &mut Column) {
    match column {
        Column::Number(v) => v.clear(),
        Column::Bool(v) => v.clear(),
        Column::Timestamp(v) => v.clear(),
        Column::String(v) => v.clear(),
    }
}

fn fill_missing(column: &mut Column, n: usize) {
    match column {
        Column::Number(v) => v.resize(n, MISSING_NUMBER),
        Column::Bool(v) => v.resize(n, MISSING_BOOL),
        Column::Timestamp(v) => v.resize(n, MISSING_TIMESTAMP),
        Column::String(v) => v.resize(n, MISSING_STRING),
    }
}

/// Codes the values of `rows` of a column (already checked) into `out`, of type `ty`.
fn code_values(
    column: &BatchColumn<'_>,
    ty: FieldType,
    rows: &[u32],
    out: &mut Column,
    cache: &mut KeyCodes,
    builder: &mut StoreBuilder<'_>,
) {
    let null = |r: usize| column.is_null(r);
    match (&column.view, out) {
        (View::Numbers(values), Column::Number(out)) => out.extend(rows.iter().map(|&r| {
            let r = r as usize;
            if null(r) {
                MISSING_NUMBER
            } else {
                values[r]
            }
        })),
        (View::Instants(values), Column::Timestamp(out)) => out.extend(rows.iter().map(|&r| {
            let r = r as usize;
            if null(r) {
                MISSING_TIMESTAMP
            } else {
                values[r]
            }
        })),
        (View::Bools(values), Column::Bool(out)) => out.extend(rows.iter().map(|&r| {
            let r = r as usize;
            if null(r) {
                MISSING_BOOL
            } else {
                u8::from(values.value(r))
            }
        })),
        (View::Strings(strings), Column::String(out)) if strings.keys.is_some() => {
            let codes = cache.of(strings);
            out.extend(rows.iter().map(|&r| {
                let r = r as usize;
                if null(r) {
                    return MISSING_STRING;
                }
                let key = strings.key(r);
                if codes[key] == UNSET {
                    codes[key] = builder.string(strings.values.get(key));
                }
                codes[key]
            }));
        }
        (View::Strings(strings), Column::String(out)) => out.extend(rows.iter().map(|&r| {
            let r = r as usize;
            if null(r) {
                MISSING_STRING
            } else {
                builder.string(strings.get(r))
            }
        })),
        (_, out) => {
            for &r in rows {
                // Checked rows convert; a failure here would be a bug, read as missing.
                let raw = column.raw(r as usize).unwrap_or(Raw::Null);
                let value = convert(&raw, ty).unwrap_or(FieldValue::Missing);
                builder.push_value(out, value);
            }
        }
    }
}

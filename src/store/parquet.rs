//! Reading Parquet files (the arrow and parquet crates). String columns that the file
//! dictionary-encodes in every row group are read as Arrow dictionary arrays, so a loader can
//! code each distinct value once instead of once per row. One thread decodes record batches
//! while the caller codes the previous ones (a bounded channel between them). Each column of
//! a batch is typed once into a [`View`]: strings (plain, large, view or dictionary-encoded),
//! numbers widened to f64, bools, and timestamps of any unit and dates in microseconds; a row
//! number stands in for the line number in errors. The schema is checked before any row: its
//! column names (`header`) and the types of the key columns.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, LargeStringArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::ParquetMetaData;

use super::load::{DataError, Kind, Raw, RawField};
use crate::time::{MAX_INSTANT, MICROS_PER_DAY, MIN_INSTANT};

/// An instant in a [`View::Instants`] that does not fit the supported range (years 0000 to
/// 9999, what the text forms can write).
pub(super) const OUT_OF_RANGE: i64 = i64::MIN + 1;

/// An instant in microseconds, or [`OUT_OF_RANGE`].
fn in_range(micros: Option<i64>) -> i64 {
    micros
        .filter(|t| (MIN_INSTANT..=MAX_INSTANT).contains(t))
        .unwrap_or(OUT_OF_RANGE)
}

/// Rows per record batch: small enough for a batch's columns to stay in cache while they are
/// coded.
const BATCH_ROWS: usize = 8192;

/// Decoded batches waiting to be coded.
const BATCHES_IN_FLIGHT: usize = 4;

/// The values of a string column.
pub(super) enum Text<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Text<'a> {
    fn new(array: &'a dyn Array) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Utf8 => Text::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Text::Large(array.as_string::<i64>()),
            DataType::Utf8View => Text::View(array.as_string_view()),
            _ => return None,
        })
    }

    /// The string at `index` (a null slot reads as "").
    #[must_use]
    pub fn get(&self, index: usize) -> &'a str {
        match self {
            Text::Utf8(a) => a.value(index),
            Text::Large(a) => a.value(index),
            Text::View(a) => a.value(index),
        }
    }
}

/// Dictionary keys as indexes into the values.
pub(super) enum Keys<'a> {
    Int32(&'a [i32]),
    /// Other key types, normalized once per batch.
    Normalized(Vec<usize>),
}

/// A string column: its values, and for a dictionary-encoded column the key of each row.
pub(super) struct Strings<'a> {
    pub values: Text<'a>,
    pub keys: Option<Keys<'a>>,
    /// The dictionary's values, to tell whether two batches share a dictionary.
    pub dictionary: Option<&'a ArrayRef>,
}

impl<'a> Strings<'a> {
    /// The index into `values` of a (non-null) row.
    #[must_use]
    pub fn key(&self, row: usize) -> usize {
        match &self.keys {
            None => row,
            // A negative key is invalid Arrow; reading it as the first value cannot panic.
            Some(Keys::Int32(keys)) => usize::try_from(keys[row]).unwrap_or(0),
            Some(Keys::Normalized(keys)) => keys[row],
        }
    }

    #[must_use]
    pub fn get(&self, row: usize) -> &'a str {
        self.values.get(self.key(row))
    }
}

/// One column of a record batch, typed once per batch; null rows hold arbitrary values.
pub(super) enum View<'a> {
    Strings(Strings<'a>),
    /// Numbers of any width, as f64.
    Numbers(Cow<'a, [f64]>),
    Bools(BooleanBuffer),
    /// Timestamps and dates in microseconds; [`OUT_OF_RANGE`] where the value is out of the
    /// supported range.
    Instants(Cow<'a, [i64]>),
    /// A column of a type seg does not read; the reason.
    Unsupported(String),
}

#[allow(clippy::cast_precision_loss)]
fn numbers<T: ArrowPrimitiveType>(array: &dyn Array, widen: fn(T::Native) -> f64) -> View<'_> {
    View::Numbers(Cow::Owned(
        array
            .as_primitive::<T>()
            .values()
            .iter()
            .map(|&v| widen(v))
            .collect(),
    ))
}

fn instants<T: ArrowPrimitiveType<Native = i64>>(
    array: &dyn Array,
    to_micros: fn(i64) -> Option<i64>,
) -> View<'_> {
    View::Instants(Cow::Owned(
        array
            .as_primitive::<T>()
            .values()
            .iter()
            .map(|&v| in_range(to_micros(v)))
            .collect(),
    ))
}

impl<'a> View<'a> {
    #[allow(clippy::cast_precision_loss)]
    pub fn new(array: &'a dyn Array) -> Self {
        if let Some(text) = Text::new(array) {
            return View::Strings(Strings {
                values: text,
                keys: None,
                dictionary: None,
            });
        }
        match array.data_type() {
            DataType::Float64 => {
                View::Numbers(Cow::Borrowed(array.as_primitive::<Float64Type>().values()))
            }
            DataType::Float32 => numbers::<Float32Type>(array, f64::from),
            DataType::Int64 => numbers::<Int64Type>(array, |v| v as f64),
            DataType::Int32 => numbers::<Int32Type>(array, f64::from),
            DataType::Int16 => numbers::<Int16Type>(array, f64::from),
            DataType::Int8 => numbers::<Int8Type>(array, f64::from),
            DataType::UInt64 => numbers::<UInt64Type>(array, |v| v as f64),
            DataType::UInt32 => numbers::<UInt32Type>(array, f64::from),
            DataType::UInt16 => numbers::<UInt16Type>(array, f64::from),
            DataType::UInt8 => numbers::<UInt8Type>(array, f64::from),
            DataType::Boolean => View::Bools(array.as_boolean().values().clone()),
            DataType::Timestamp(TimeUnit::Second, _) => {
                instants::<TimestampSecondType>(array, |v| v.checked_mul(1_000_000))
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                instants::<TimestampMillisecondType>(array, |v| v.checked_mul(1000))
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                instants::<TimestampMicrosecondType>(array, Some)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                instants::<TimestampNanosecondType>(array, |v| Some(v.div_euclid(1000)))
            }
            DataType::Date64 => instants::<Date64Type>(array, |v| v.checked_mul(1000)),
            DataType::Date32 => View::Instants(Cow::Owned(
                array
                    .as_primitive::<Date32Type>()
                    .values()
                    .iter()
                    .map(|&d| in_range(i64::from(d).checked_mul(MICROS_PER_DAY)))
                    .collect(),
            )),
            DataType::Dictionary(..) => View::dictionary(array),
            other => View::Unsupported(format!("columns of type {other} are not supported")),
        }
    }

    /// A dictionary-encoded column: strings keep their keys; other values are looked up once.
    fn dictionary(array: &'a dyn Array) -> Self {
        let Some(dictionary) = array.as_any_dictionary_opt() else {
            return View::Unsupported(format!(
                "columns of type {} are not supported",
                array.data_type()
            ));
        };
        let values = dictionary.values();
        if let Some(text) = Text::new(values.as_ref()) {
            let keys = match array.as_dictionary_opt::<Int32Type>() {
                Some(d) => Keys::Int32(d.keys().values()),
                None => Keys::Normalized(dictionary.normalized_keys()),
            };
            return View::Strings(Strings {
                values: text,
                keys: Some(keys),
                dictionary: Some(values),
            });
        }
        let keys = dictionary.normalized_keys();
        // An all-null column may have no values at all.
        match View::new(values.as_ref()) {
            View::Numbers(v) => View::Numbers(Cow::Owned(
                keys.iter()
                    .map(|&k| v.get(k).copied().unwrap_or(f64::NAN))
                    .collect(),
            )),
            View::Instants(v) => View::Instants(Cow::Owned(
                keys.iter()
                    .map(|&k| v.get(k).copied().unwrap_or(OUT_OF_RANGE))
                    .collect(),
            )),
            View::Bools(v) => {
                View::Bools(keys.iter().map(|&k| k < v.len() && v.value(k)).collect())
            }
            View::Strings(_) => unreachable!("string values are handled above"),
            unsupported @ View::Unsupported(_) => unsupported,
        }
    }

    /// The (non-null) value at `row` as the file holds it; the reason if the column's type is
    /// not read.
    pub fn raw(&self, row: usize) -> Result<Raw<'a>, String> {
        Ok(match self {
            View::Strings(s) => Raw::Text(Cow::Borrowed(s.get(row))),
            View::Numbers(v) => Raw::Number(v[row]),
            View::Bools(v) => Raw::Bool(v.value(row)),
            View::Instants(v) if v[row] == OUT_OF_RANGE => {
                return Err("a timestamp out of the supported range".into())
            }
            View::Instants(v) => Raw::Instant(v[row]),
            View::Unsupported(reason) => return Err(reason.clone()),
        })
    }
}

/// A column of a batch: its name, values and validity (None: no nulls), and the array the
/// values come from (for messages).
pub(super) struct BatchColumn<'a> {
    pub name: &'a str,
    pub view: View<'a>,
    pub nulls: Option<&'a NullBuffer>,
    pub array: &'a dyn Array,
}

impl BatchColumn<'_> {
    /// Why the value at `row` of a timestamp or date column is out of range, naming the value
    /// as the file holds it and its type.
    #[must_use]
    pub fn out_of_range(&self, row: usize) -> String {
        let value = match self.array.data_type() {
            DataType::Timestamp(unit, _) => {
                let v = match unit {
                    TimeUnit::Second => self.primitive::<TimestampSecondType>(row),
                    TimeUnit::Millisecond => self.primitive::<TimestampMillisecondType>(row),
                    TimeUnit::Microsecond => self.primitive::<TimestampMicrosecondType>(row),
                    TimeUnit::Nanosecond => self.primitive::<TimestampNanosecondType>(row),
                };
                v.map(|v| v.to_string())
            }
            DataType::Date32 => self
                .array
                .as_primitive_opt::<Date32Type>()
                .map(|a| a.value(row).to_string()),
            DataType::Date64 => self.primitive::<Date64Type>(row).map(|v| v.to_string()),
            _ => None,
        };
        format!(
            "`{}` {}({}) is out of the supported range (years 0000 to 9999)",
            self.name,
            value.map_or(String::new(), |v| format!("{v} ")),
            self.array.data_type()
        )
    }

    fn primitive<T: ArrowPrimitiveType<Native = i64>>(&self, row: usize) -> Option<i64> {
        self.array.as_primitive_opt::<T>().map(|a| a.value(row))
    }

    #[must_use]
    pub fn is_null(&self, row: usize) -> bool {
        self.nulls.is_some_and(|nulls| nulls.is_null(row))
    }

    /// The cell at `row`, `Raw::Null` when null; the reason if the column's type is not read.
    pub fn raw(&self, row: usize) -> Result<Raw<'_>, String> {
        if self.is_null(row) {
            return Ok(Raw::Null);
        }
        self.view
            .raw(row)
            .map_err(|reason| format!("column `{}`: {reason}", self.name))
    }
}

/// The typed columns of a record batch.
pub(super) fn columns_of(batch: &RecordBatch) -> Vec<BatchColumn<'_>> {
    batch
        .schema_ref()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, array)| BatchColumn {
            name: field.name(),
            view: View::new(array.as_ref()),
            nulls: array.nulls(),
            array: array.as_ref(),
        })
        .collect()
}

/// The schema to read with: string columns that are dictionary-encoded in every row group
/// become dictionary arrays (the default reader expands them into plain strings).
fn dictionary_schema(
    schema: &arrow_schema::SchemaRef,
    metadata: &ParquetMetaData,
) -> Option<arrow_schema::SchemaRef> {
    let leaves = metadata.file_metadata().schema_descr().columns();
    let mut changed = false;
    let fields: Vec<arrow_schema::FieldRef> = schema
        .fields()
        .iter()
        .map(|field| {
            let is_text = matches!(field.data_type(), DataType::Utf8 | DataType::LargeUtf8);
            let mut paths = leaves.iter().enumerate().filter(|(_, leaf)| {
                leaf.path().parts().first().map(String::as_str) == Some(field.name())
            });
            let leaf = match (paths.next(), paths.next()) {
                (Some((leaf, _)), None) => Some(leaf),
                _ => None,
            };
            let encoded = leaf.is_some_and(|leaf| {
                metadata
                    .row_groups()
                    .iter()
                    .all(|group| group.column(leaf).dictionary_page_offset().is_some())
            });
            if is_text && encoded {
                changed = true;
                let data_type = DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(field.data_type().clone()),
                );
                Arc::new(field.as_ref().clone().with_data_type(data_type))
            } else {
                field.clone()
            }
        })
        .collect();
    changed.then(|| {
        Arc::new(arrow_schema::Schema::new_with_metadata(
            fields,
            schema.metadata().clone(),
        ))
    })
}

/// A reader of record batches, with dictionary-encoded string columns kept encoded where
/// the parquet crate allows it, and the number of rows the file's metadata declares.
fn open(file: std::fs::File, path: &str) -> Result<(ParquetRecordBatchReader, u64), DataError> {
    let format = |reason: String| DataError::Format {
        path: path.to_string(),
        reason,
    };
    let opened = decoding(|| {
        let plain = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| format!("not a readable Parquet file: {e}"))?;
        // The rows the file declares, which its row groups must add up to.
        let metadata = plain.metadata();
        let declared = metadata.file_metadata().num_rows();
        let in_groups: i64 = metadata
            .row_groups()
            .iter()
            .map(parquet::file::metadata::RowGroupMetaData::num_rows)
            .sum();
        if declared != in_groups {
            return Err(format!(
                "the file is corrupt: it declares {declared} rows, but its row groups hold {in_groups}"
            ));
        }
        let hinted = dictionary_schema(plain.schema(), plain.metadata()).and_then(|schema| {
            let options = ArrowReaderOptions::new().with_schema(schema);
            // A schema the parquet crate refuses is no reason to fail: read plain strings.
            ArrowReaderMetadata::try_new(plain.metadata().clone(), options).ok()
        });
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, hinted.unwrap_or(plain))
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| format!("cannot read: {e}"))?;
        Ok((reader, u64::try_from(declared).unwrap_or(0)))
    });
    opened.and_then(|r| r).map_err(format)
}

thread_local! {
    /// This thread is decoding a file: a panic in the parquet crate is caught and reported as
    /// a corrupt file, so the panic hook stays quiet.
    static DECODING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, which calls the parquet crate on a file's bytes; a panic there (the crate does
/// panic on some corrupt pages) becomes an error naming it, never a crash.
fn decoding<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DECODING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = DECODING.with(|d| d.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    DECODING.with(|d| d.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the file is corrupt: the Parquet decoder failed ({message})")
    })
}

/// Checks the columns of a file of `kind` (None: any kind) before any row is read: no name
/// twice, the required columns there, and key columns of types that can hold their values.
fn check_schema(
    schema: &arrow_schema::Schema,
    path: &str,
    kind: Option<Kind>,
) -> Result<(), DataError> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut result = super::header::check(kind, &names);
    if result.is_ok() && kind.is_some() {
        let keys = ["user_id", "account_id", "event", "ts"];
        if let Some(field) = schema
            .fields()
            .iter()
            .find(|f| keys.contains(&f.name().as_str()) && !key_fits(f.name(), f.data_type()))
        {
            let expected = if field.name() == "ts" {
                "timestamps, dates or strings"
            } else {
                "strings"
            };
            result = Err(format!(
                "the column `{}` holds {}: it must hold {expected}",
                field.name(),
                field.data_type()
            ));
        }
    }
    result.map_err(|reason| DataError::Format {
        path: path.to_string(),
        reason: format!("in the schema: {reason}"),
    })
}

/// Whether a key column of this type can hold its values: text for ids and event names, and
/// for `ts` also timestamps and dates (an all-null column is left to the rows).
fn key_fits(name: &str, data_type: &DataType) -> bool {
    match data_type {
        DataType::Null | DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => key_fits(name, values),
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => name == "ts",
        _ => false,
    }
}

/// Reads a Parquet file batch by batch, calling `on_batch` with the (1-based) number of the
/// batch's first row, after checking its schema for a file of `kind` (None: any kind).
/// Batches are decoded on another thread while `on_batch` runs.
pub(super) fn read_batches(
    file: std::fs::File,
    path: &str,
    kind: Option<Kind>,
    mut on_batch: impl FnMut(u64, &RecordBatch) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let (reader, declared) = open(file, path)?;
    check_schema(&arrow_array::RecordBatchReader::schema(&reader), path, kind)?;
    let (sender, receiver) = std::sync::mpsc::sync_channel(BATCHES_IN_FLIGHT);
    let format = |reason: String| DataError::Format {
        path: path.to_string(),
        reason,
    };
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut reader = reader;
            loop {
                let batch = match decoding(|| reader.next()) {
                    Ok(None) => return,
                    Ok(Some(batch)) => batch.map_err(|e| format!("cannot read a row group: {e}")),
                    Err(panic) => Err(panic),
                };
                let failed = batch.is_err();
                // The receiver is gone when the caller stopped early (an error).
                if sender.send(batch).is_err() || failed {
                    return;
                }
            }
        });
        let mut first = 1u64;
        for batch in receiver {
            let batch = batch.map_err(format)?;
            on_batch(first, &batch)?;
            first += batch.num_rows() as u64;
        }
        // A corrupt file can decode to fewer rows than it declares, without an error.
        let read = first - 1;
        if read != declared {
            return Err(format(format!(
                "the file is corrupt: its metadata declares {declared} rows, but {read} could be read"
            )));
        }
        Ok(())
    })
}

/// Reads every row of a Parquet file, calling `row` with its (1-based) number and fields.
pub(super) fn read(
    file: std::fs::File,
    path: &str,
    kind: Option<Kind>,
    mut row: impl FnMut(u64, &[RawField<'_>]) -> Result<(), DataError>,
) -> Result<(), DataError> {
    read_batches(file, path, kind, |first, batch| {
        let columns = columns_of(batch);
        let mut fields: Vec<RawField<'_>> = Vec::with_capacity(columns.len());
        for r in 0..batch.num_rows() {
            fields.clear();
            for column in &columns {
                let raw = column.raw(r).map_err(|reason| DataError::Format {
                    path: path.to_string(),
                    reason,
                })?;
                fields.push((Cow::Borrowed(column.name), raw));
            }
            row(first + r as u64, &fields)?;
        }
        Ok(())
    })
}

/// The columns of a data file of one kind: the keys, then every property or attribute the
/// schema declares (for events, the union over event types, first declaration's type).
#[must_use]
pub fn columns(
    schema: &crate::schema::Schema,
    kind: super::load::Kind,
) -> Vec<(String, crate::schema::FieldType)> {
    use super::load::Kind;
    use crate::schema::FieldType;
    let mut out: Vec<(String, FieldType)> = Vec::new();
    let keys: &[&str] = match kind {
        Kind::Events => &["user_id", "event"],
        Kind::Profiles => &["user_id"],
        Kind::Accounts => &["account_id"],
    };
    out.extend(keys.iter().map(|k| ((*k).to_string(), FieldType::String)));
    out.push(("ts".to_string(), FieldType::Timestamp));
    let fields: Vec<&crate::schema::Field> = match kind {
        Kind::Events => schema.events.iter().flat_map(|e| &e.properties).collect(),
        Kind::Profiles => schema.profile.iter().collect(),
        Kind::Accounts => schema.account.iter().collect(),
    };
    for field in fields {
        if !out.iter().any(|(name, _)| *name == field.name) {
            out.push((field.name.clone(), field.ty));
        }
    }
    out
}

/// Writes rows as a Parquet file (snappy), in batches.
pub struct ParquetWriter {
    columns: Vec<(String, crate::schema::FieldType)>,
    rows: Vec<Vec<Option<super::load::Cell>>>,
    writer: parquet::arrow::ArrowWriter<std::fs::File>,
    schema: std::sync::Arc<arrow_schema::Schema>,
}

impl ParquetWriter {
    pub fn create(
        path: &std::path::Path,
        columns: Vec<(String, crate::schema::FieldType)>,
    ) -> std::io::Result<Self> {
        use crate::schema::FieldType;
        use arrow_schema::Field;
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, ty)| {
                let data_type = match ty {
                    FieldType::String => DataType::Utf8,
                    FieldType::Number => DataType::Float64,
                    FieldType::Bool => DataType::Boolean,
                    FieldType::Timestamp => {
                        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
                    }
                };
                Field::new(name, data_type, true)
            })
            .collect();
        let schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
        let file = std::fs::File::create(path)?;
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let writer = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(properties))
            .map_err(std::io::Error::other)?;
        Ok(ParquetWriter {
            columns,
            rows: Vec::new(),
            writer,
            schema,
        })
    }

    /// Adds a row: a value (or None) per column, in column order.
    pub fn push(&mut self, row: Vec<Option<super::load::Cell>>) -> std::io::Result<()> {
        self.rows.push(row);
        if self.rows.len() >= 65_536 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        use super::load::Cell;
        use crate::schema::FieldType;
        use arrow_array::builder::{
            BooleanBuilder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder,
        };
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (i, (_, ty)) in self.columns.iter().enumerate() {
            let cells = self.rows.iter().map(|row| row.get(i).cloned().flatten());
            let array: ArrayRef = match ty {
                FieldType::String => {
                    let mut b = StringBuilder::new();
                    for cell in cells {
                        match cell {
                            Some(Cell::Text(s)) => b.append_value(s),
                            _ => b.append_null(),
                        }
                    }
                    std::sync::Arc::new(b.finish())
                }
                FieldType::Number => {
                    let mut b = Float64Builder::new();
                    for cell in cells {
                        b.append_option(if let Some(Cell::Number(n)) = cell {
                            Some(n)
                        } else {
                            None
                        });
                    }
                    std::sync::Arc::new(b.finish())
                }
                FieldType::Bool => {
                    let mut b = BooleanBuilder::new();
                    for cell in cells {
                        b.append_option(if let Some(Cell::Bool(v)) = cell {
                            Some(v)
                        } else {
                            None
                        });
                    }
                    std::sync::Arc::new(b.finish())
                }
                FieldType::Timestamp => {
                    let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
                    for cell in cells {
                        b.append_option(if let Some(Cell::Instant(t)) = cell {
                            Some(t)
                        } else {
                            None
                        });
                    }
                    std::sync::Arc::new(b.finish())
                }
            };
            arrays.push(array);
        }
        self.rows.clear();
        let batch = arrow_array::RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(std::io::Error::other)?;
        self.writer.write(&batch).map_err(std::io::Error::other)
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.flush()?;
        self.writer
            .close()
            .map(|_| ())
            .map_err(std::io::Error::other)
    }
}

/// Converts an NDJSON data file of one kind to Parquet with the schema's column types (the
/// generator writes its Parquet form this way, so the forms hold the same data).
pub fn ndjson_to_parquet(
    schema: &crate::schema::Schema,
    kind: super::load::Kind,
    source: &std::path::Path,
    target: &std::path::Path,
) -> std::io::Result<()> {
    use std::io::BufRead;
    let columns = columns(schema, kind);
    let mut writer = ParquetWriter::create(target, columns.clone())?;
    let reader = std::io::BufReader::new(std::fs::File::open(source)?);
    for (number, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let cells = super::load::parse_ndjson_cells(&line, &columns).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}:{}: {e}", source.display(), number + 1),
            )
        })?;
        writer.push(cells)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::properties::WriterProperties;

    /// The data types `read_batches` gives for a one-column string file.
    fn read_types(dictionary: bool) -> Vec<DataType> {
        let path = std::env::temp_dir().join(format!(
            "seg-parquet-types-{}-{dictionary}.parquet",
            std::process::id()
        ));
        let strings: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("a")]));
        let batch = RecordBatch::try_from_iter([("s", strings)]).unwrap();
        let properties = WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .set_max_row_group_row_count(Some(2))
            .build();
        let file = std::fs::File::create(&path).unwrap();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let mut types = Vec::new();
        read_batches(
            std::fs::File::open(&path).unwrap(),
            "t",
            None,
            |_, batch| {
                types.push(batch.column(0).data_type().clone());
                Ok(())
            },
        )
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        types
    }

    #[test]
    fn strings_stay_dictionary_encoded_where_the_file_encodes_them() {
        let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert!(read_types(true).iter().all(|t| *t == dictionary));
        assert!(read_types(false).iter().all(|t| *t == DataType::Utf8));
    }

    #[test]
    fn views_widen_numbers_and_convert_instants_to_microseconds() {
        let ints: ArrayRef = Arc::new(arrow_array::Int32Array::from(vec![3, -4]));
        let View::Numbers(numbers) = View::new(ints.as_ref()) else {
            panic!("numbers")
        };
        assert_eq!(*numbers, [3.0, -4.0]);
        let seconds: ArrayRef =
            Arc::new(arrow_array::TimestampSecondArray::from(vec![2, i64::MAX]));
        let View::Instants(instants) = View::new(seconds.as_ref()) else {
            panic!("instants")
        };
        assert_eq!(*instants, [2_000_000, OUT_OF_RANGE]);
    }
}

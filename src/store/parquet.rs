//! Reading Parquet files (the arrow and parquet crates): record batches are read in turn and
//! each row is handed to the same typing routine as NDJSON and CSV, cell by cell. Strings
//! (plain, large, view or dictionary-encoded), integers, floats, bools, timestamps of any unit
//! and dates are understood; a row number stands in for the line number in errors.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray};

/// The validity bits of a column whose nulls are physical (every type read here).
trait NullsRef {
    fn logical_nulls_ref(&self) -> Option<&arrow_buffer::NullBuffer>;
}

impl NullsRef for ArrayRef {
    fn logical_nulls_ref(&self) -> Option<&arrow_buffer::NullBuffer> {
        self.nulls()
    }
}
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::load::{DataError, Raw, RawField};
use crate::time::MICROS_PER_DAY;

/// The cells of one column, typed once per batch.
enum Cells<'a> {
    Text(Box<dyn Fn(usize) -> &'a str + 'a>),
    Number(Box<dyn Fn(usize) -> f64 + 'a>),
    Bool(&'a arrow_array::BooleanArray),
    Instant(Box<dyn Fn(usize) -> Option<i64> + 'a>),
    Dictionary {
        keys: Vec<usize>,
        values: Box<Cells<'a>>,
    },
    Unsupported(String),
}

fn numbers<T: ArrowPrimitiveType>(array: &ArrayRef, widen: fn(T::Native) -> f64) -> Cells<'_> {
    let array: &PrimitiveArray<T> = array.as_primitive::<T>();
    Cells::Number(Box::new(move |r| widen(array.value(r))))
}

fn instants<'a, T: ArrowPrimitiveType<Native = i64>>(
    array: &'a ArrayRef,
    to_micros: fn(i64) -> Option<i64>,
) -> Cells<'a> {
    let array: &'a PrimitiveArray<T> = array.as_primitive::<T>();
    Cells::Instant(Box::new(move |r| to_micros(array.value(r))))
}

#[allow(clippy::cast_precision_loss)]
fn cells(array: &ArrayRef) -> Cells<'_> {
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            Cells::Text(Box::new(move |r| a.value(r)))
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            Cells::Text(Box::new(move |r| a.value(r)))
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            Cells::Text(Box::new(move |r| a.value(r)))
        }
        DataType::Float64 => numbers::<Float64Type>(array, |v| v),
        DataType::Float32 => numbers::<Float32Type>(array, f64::from),
        DataType::Int64 => numbers::<Int64Type>(array, |v| v as f64),
        DataType::Int32 => numbers::<Int32Type>(array, f64::from),
        DataType::Int16 => numbers::<Int16Type>(array, f64::from),
        DataType::Int8 => numbers::<Int8Type>(array, f64::from),
        DataType::UInt64 => numbers::<UInt64Type>(array, |v| v as f64),
        DataType::UInt32 => numbers::<UInt32Type>(array, f64::from),
        DataType::UInt16 => numbers::<UInt16Type>(array, f64::from),
        DataType::UInt8 => numbers::<UInt8Type>(array, f64::from),
        DataType::Boolean => Cells::Bool(array.as_boolean()),
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
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            Cells::Instant(Box::new(move |r| {
                i64::from(a.value(r)).checked_mul(MICROS_PER_DAY)
            }))
        }
        DataType::Dictionary(..) => match array.as_any_dictionary_opt() {
            Some(dictionary) => Cells::Dictionary {
                keys: dictionary.normalized_keys(),
                values: Box::new(cells(dictionary.values())),
            },
            None => Cells::Unsupported(array.data_type().to_string()),
        },
        other => Cells::Unsupported(other.to_string()),
    }
}

impl<'a> Cells<'a> {
    fn get(&self, row: usize) -> Result<Raw<'a>, String> {
        Ok(match self {
            Cells::Text(f) => Raw::Text(Cow::Borrowed(f(row))),
            Cells::Number(f) => Raw::Number(f(row)),
            Cells::Bool(a) => Raw::Bool(a.value(row)),
            Cells::Instant(f) => f(row).map_or(Raw::Null, Raw::Instant),
            Cells::Dictionary { keys, values } => values.get(keys[row])?,
            Cells::Unsupported(t) => return Err(format!("columns of type {t} are not supported")),
        })
    }
}

/// One record batch: its column names and typed cell readers.
pub(super) struct Batch<'a> {
    pub names: Vec<&'a str>,
    columns: Vec<(&'a ArrayRef, Cells<'a>)>,
    /// Each column's validity bits (None: no nulls).
    validity: Vec<Option<&'a arrow_buffer::NullBuffer>>,
    pub rows: usize,
}

impl<'a> Batch<'a> {
    /// The cell at (`column`, `row`), `Raw::Null` when null.
    pub fn raw(&self, column: usize, row: usize) -> Result<Raw<'a>, String> {
        if self.is_null(column, row) {
            return Ok(Raw::Null);
        }
        self.columns[column]
            .1
            .get(row)
            .map_err(|reason| format!("column `{}`: {reason}", self.names[column]))
    }

    pub fn is_null(&self, column: usize, row: usize) -> bool {
        self.validity[column].is_some_and(|nulls| nulls.is_null(row))
    }
}

/// Reads a Parquet file batch by batch, calling `on_batch` with the (1-based) number of the
/// batch's first row.
pub(super) fn read_batches(
    file: std::fs::File,
    path: &str,
    mut on_batch: impl FnMut(u64, &Batch<'_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let format = |reason: String| DataError::Format {
        path: path.to_string(),
        reason,
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| format(format!("not a readable Parquet file: {e}")))?
        .with_batch_size(8192)
        .build()
        .map_err(|e| format(format!("cannot read: {e}")))?;
    let mut first = 1u64;
    for batch in reader {
        let batch = batch.map_err(|e| format(format!("cannot read a row group: {e}")))?;
        let schema = batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let columns = batch.columns().iter().map(|a| (a, cells(a))).collect();
        let validity = batch
            .columns()
            .iter()
            .map(|a| a.logical_nulls_ref())
            .collect();
        let batch_view = Batch {
            names,
            columns,
            validity,
            rows: batch.num_rows(),
        };
        on_batch(first, &batch_view)?;
        first += batch.num_rows() as u64;
    }
    Ok(())
}

/// Reads every row of a Parquet file, calling `row` with its (1-based) number and fields.
pub(super) fn read(
    file: std::fs::File,
    path: &str,
    mut row: impl FnMut(u64, &[RawField<'_>]) -> Result<(), DataError>,
) -> Result<(), DataError> {
    read_batches(file, path, |first, batch| {
        let mut fields: Vec<RawField<'_>> = Vec::with_capacity(batch.names.len());
        for r in 0..batch.rows {
            fields.clear();
            for (c, name) in batch.names.iter().enumerate() {
                let raw = batch.raw(c, r).map_err(|reason| DataError::Format {
                    path: path.to_string(),
                    reason,
                })?;
                fields.push((Cow::Borrowed(*name), raw));
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

//! `seg export [data flags] [--segment NAME]... [--attributes a,b] [--format csv|ndjson|parquet]
//! [--out F] [--diff PREVIOUS] [FILES]`: member lists with chosen attributes, for a CRM or an
//! ad platform; with `--diff`, only who was added and who was removed since an earlier export
//! (a first column `change`: `added` or `removed`), the delta sync.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::data::{self, DataArgs};
use super::{usage_error, EXIT_FOUND};
use crate::analytics::export::{attribute, csv, text, Cells, Out};
use crate::plan::Target;
use crate::schema::FieldType;
use crate::store::load::{read_text_rows, Cell};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Ndjson,
    Parquet,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Only these segments; repeatable (default: every segment).
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Attributes to add to each row, as of the evaluation instant: profile attributes for
    /// users, account attributes for accounts (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    attributes: Vec<String>,
    /// Output format (Parquet needs --out).
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "F")]
    out: Option<PathBuf>,
    /// An earlier export (any format, with the same attributes): write only the rows added and
    /// removed since, with a first column `change`.
    #[arg(long, value_name = "PREVIOUS")]
    diff: Option<PathBuf>,
}

/// An earlier export's rows: (segment, id) to its attributes as text.
type Previous = BTreeMap<(String, String), Vec<Option<String>>>;

pub fn run(mut args: ExportArgs) -> u8 {
    let checked = match data::check(&mut args.data) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let wanted = match data::selected(&checked.plan, &args.segments) {
        Ok(w) => w,
        Err(message) => return usage_error(message),
    };
    let schema = &checked.plan.schema;
    // Each attribute's type: the profile's, else the account's.
    let mut columns: Vec<(String, FieldType)> = Vec::new();
    for name in &args.attributes {
        let ty = schema
            .profile_attribute(name)
            .or_else(|| schema.account_attribute(name))
            .map(|(_, f)| f.ty);
        match ty {
            Some(ty) => columns.push((name.clone(), ty)),
            None => {
                return usage_error(format!(
                    "--attributes: `{name}` is neither a profile nor an account attribute of the schema"
                ))
            }
        }
    }
    if args.format == ExportFormat::Parquet && args.out.is_none() {
        return usage_error("--format parquet writes a file: name it with --out F");
    }
    let previous = match &args.diff {
        None => None,
        Some(path) => match read_previous(path, &args.attributes) {
            Ok(rows) => Some(rows),
            Err(message) => {
                let _ = writeln!(io::stderr(), "seg: error: {message}");
                return EXIT_FOUND;
            }
        },
    };
    let store = match data::load(&args.data, &checked) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let memberships = match data::evaluate(&checked, &store) {
        Ok(m) => m,
        Err(code) => return code,
    };
    // The rows, by (segment, id), in that order.
    let mut rows: BTreeMap<(String, String), Cells> = BTreeMap::new();
    for &s in &wanted {
        let segment = &checked.plan.segments[s];
        let ids = match segment.target {
            Target::User => &store.users.ids,
            Target::Account => &store.accounts.ids,
        };
        for (e, &member) in memberships.members[s].iter().enumerate() {
            if !member {
                continue;
            }
            let entity = u32::try_from(e).expect("fewer than 2^32 entities");
            let cells = columns
                .iter()
                .map(|(name, ty)| {
                    attribute(&store, schema, segment.target, entity, name, checked.now)
                        .filter(|cell| matches_type(cell, *ty))
                })
                .collect();
            rows.insert((segment.name.clone(), ids[e].to_string()), cells);
        }
    }
    let out: Vec<(Option<&str>, &(String, String), Cells)> = match &previous {
        None => rows
            .iter()
            .map(|(key, cells)| (None, key, cells.clone()))
            .collect(),
        Some(previous) => diff(previous, &rows, &columns),
    };
    let written = match args.format {
        ExportFormat::Parquet => write_parquet(
            args.out.as_deref().expect("checked above"),
            &columns,
            previous.is_some(),
            &out,
        ),
        ExportFormat::Csv | ExportFormat::Ndjson => {
            let text = if args.format == ExportFormat::Csv {
                csv(&columns, previous.is_some(), &out)
            } else {
                ndjson(&columns, previous.is_some(), &out)
            };
            match &args.out {
                Some(path) => std::fs::write(path, text),
                None => io::stdout().lock().write_all(text.as_bytes()),
            }
        }
    };
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => usage_error(e),
    }
}

fn matches_type(cell: &Cell, ty: FieldType) -> bool {
    matches!(
        (cell, ty),
        (Cell::Text(_), FieldType::String)
            | (Cell::Number(_), FieldType::Number)
            | (Cell::Bool(_), FieldType::Bool)
            | (Cell::Instant(_), FieldType::Timestamp)
    )
}

/// An earlier export's rows, by (segment, id), with its attributes as text.
fn read_previous(path: &Path, attributes: &[String]) -> Result<Previous, String> {
    let mut rows = BTreeMap::new();
    read_text_rows(path, &mut |_, fields| {
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        if get("change").is_some() {
            return Err("this is a diff (it has a `change` column), not an export".into());
        }
        let segment = get("segment").flatten().ok_or("the row has no `segment`")?;
        let id = get("user_id").flatten().ok_or("the row has no `user_id`")?;
        let mut cells = Vec::with_capacity(attributes.len());
        for name in attributes {
            let value = get(name).ok_or_else(|| {
                format!(
                    "the earlier export has no column `{name}`: export with the same --attributes"
                )
            })?;
            cells.push(value);
        }
        rows.insert((segment, id), cells);
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(rows)
}

/// Whether a row's cells read as the earlier export's text.
fn unchanged(cells: &Cells, old: &[Option<String>]) -> bool {
    cells
        .iter()
        .map(Option::as_ref)
        .map(text)
        .eq(old.iter().cloned())
}

/// The rows added and removed since `previous`: a row whose attributes changed is removed
/// (as it was) and added (as it is), so that applying the diff to the earlier export gives
/// this one.
fn diff<'k>(
    previous: &'k Previous,
    rows: &'k BTreeMap<(String, String), Cells>,
    columns: &[(String, FieldType)],
) -> Vec<(Option<&'static str>, &'k (String, String), Cells)> {
    let mut out = Vec::new();
    for (key, old) in previous {
        let same = rows.get(key).is_some_and(|cells| unchanged(cells, old));
        if !same {
            let cells = old
                .iter()
                .zip(columns)
                .map(|(value, (_, ty))| value.as_ref().map(|v| typed(v, *ty)))
                .collect();
            out.push((Some("removed"), key, cells));
        }
    }
    for (key, cells) in rows {
        let same = previous.get(key).is_some_and(|old| unchanged(cells, old));
        if !same {
            out.push((Some("added"), key, cells.clone()));
        }
    }
    // Removals before additions for the same row; rows in (segment, id) order.
    out.sort_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(&a.0)));
    out
}

/// A value read back as text, typed again for writing.
fn typed(text: &str, ty: FieldType) -> Cell {
    match ty {
        FieldType::Number => text
            .parse()
            .map_or_else(|_| Cell::Text(text.into()), Cell::Number),
        FieldType::Bool => match text {
            "true" => Cell::Bool(true),
            "false" => Cell::Bool(false),
            _ => Cell::Text(text.into()),
        },
        FieldType::Timestamp => crate::time::parse_timestamp(text)
            .map_or_else(|_| Cell::Text(text.into()), Cell::Instant),
        FieldType::String => Cell::Text(text.into()),
    }
}

fn ndjson(columns: &[(String, FieldType)], _diff: bool, rows: &Out<'_>) -> String {
    let mut out = String::new();
    for (change, (segment, id), cells) in rows {
        let mut object = serde_json::Map::new();
        if let Some(change) = change {
            object.insert("change".into(), (*change).into());
        }
        object.insert("segment".into(), segment.as_str().into());
        object.insert("user_id".into(), id.as_str().into());
        for ((name, _), cell) in columns.iter().zip(cells) {
            let value = match cell {
                None => serde_json::Value::Null,
                Some(Cell::Text(s)) => s.as_str().into(),
                Some(Cell::Number(n)) => serde_json::json!(n),
                Some(Cell::Bool(b)) => (*b).into(),
                Some(Cell::Instant(t)) => crate::time::format_timestamp(*t).into(),
            };
            object.insert(name.clone(), value);
        }
        out.push_str(&serde_json::Value::Object(object).to_string());
        out.push('\n');
    }
    out
}

fn write_parquet(
    path: &Path,
    columns: &[(String, FieldType)],
    diff: bool,
    rows: &Out<'_>,
) -> io::Result<()> {
    let mut all: Vec<(String, FieldType)> = Vec::new();
    if diff {
        all.push(("change".into(), FieldType::String));
    }
    all.push(("segment".into(), FieldType::String));
    all.push(("user_id".into(), FieldType::String));
    all.extend(columns.iter().cloned());
    let mut writer = crate::store::parquet::ParquetWriter::create(path, all)?;
    for (change, (segment, id), cells) in rows {
        let mut row: Vec<Option<Cell>> = Vec::new();
        if let Some(change) = change {
            row.push(Some(Cell::Text((*change).to_string())));
        }
        row.push(Some(Cell::Text(segment.clone())));
        row.push(Some(Cell::Text(id.clone())));
        row.extend(cells.iter().cloned());
        writer.push(row)?;
    }
    writer.finish()
}

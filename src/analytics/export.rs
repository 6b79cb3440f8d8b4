//! Member lists with chosen attributes, as `seg export` writes them (docs/analytics.md) and
//! `GET /v1/segments/{name}/members?format=csv&attributes=...` serves them: one reading of an
//! attribute's value in force, one CSV layout, so that both give the same bytes.

use crate::plan::Target;
use crate::schema::FieldType;
use crate::store::load::{number_text, Cell};
use crate::store::{Column, Store};

/// One exported row: its attributes' values as typed cells.
pub type Cells = Vec<Option<Cell>>;

/// Exported rows: a change (`added` or `removed`, for a diff), the segment and id, the cells.
pub type Out<'k> = [(Option<&'k str>, &'k (String, String), Cells)];

/// A cell as text (what a CSV holds, and what rows read back are compared as).
#[must_use]
pub fn text(cell: Option<&Cell>) -> Option<String> {
    cell.map(|c| match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => number_text(*n),
        Cell::Bool(b) => b.to_string(),
        Cell::Instant(t) => crate::time::format_timestamp(*t),
    })
}

/// An attribute's value in force at `now` for an entity, as a cell: a profile attribute
/// for a user, an account attribute for an account.
#[must_use]
pub fn attribute(
    store: &Store,
    schema: &crate::schema::Schema,
    target: Target,
    entity: u32,
    name: &str,
    now: i64,
) -> Option<Cell> {
    let (table, index) = match target {
        Target::User => (&store.profiles, schema.profile_attribute(name)?.0),
        Target::Account => (&store.account_rows, schema.account_attribute(name)?.0),
    };
    let row = Store::attribute_row(table, entity, index, now)?;
    Some(match &table.columns[index] {
        Column::Number(v) => Cell::Number(v[row]),
        Column::Bool(v) => Cell::Bool(v[row] == 1),
        Column::Timestamp(v) => Cell::Instant(v[row]),
        Column::String(v) => Cell::Text(store.strings.get(v[row]).to_string()),
    })
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The rows as CSV: `[change,]segment,user_id,ATTRIBUTES...` with a header line.
#[must_use]
pub fn csv(columns: &[(String, FieldType)], diff: bool, rows: &Out<'_>) -> String {
    let mut header: Vec<&str> = Vec::new();
    if diff {
        header.push("change");
    }
    header.extend(["segment", "user_id"]);
    header.extend(columns.iter().map(|(n, _)| n.as_str()));
    let mut out = header.join(",");
    out.push('\n');
    for (change, (segment, id), cells) in rows {
        let mut fields: Vec<String> = Vec::new();
        if let Some(change) = change {
            fields.push((*change).to_string());
        }
        fields.push(csv_field(segment));
        fields.push(csv_field(id));
        fields.extend(
            cells
                .iter()
                .map(|c| text(c.as_ref()).map_or_else(String::new, |t| csv_field(&t))),
        );
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

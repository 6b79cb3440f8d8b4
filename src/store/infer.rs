//! `seg infer-schema`: a draft schema from data files. Each file's kind is told by its first
//! row (an `event` column: events; `account_id` without `user_id`: accounts; else profiles).
//! Each value votes for a type (JSON numbers, bools; strings that parse as timestamps; CSV
//! cells by what they parse as); a property whose values disagree becomes a string.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::load::{read_rows, DataError, Raw};
use crate::schema::FieldType;
use crate::time::parse_timestamp;

/// What the data says about the schema.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Inferred {
    pub events: BTreeMap<String, BTreeMap<String, FieldType>>,
    pub profile: BTreeMap<String, FieldType>,
    pub account: BTreeMap<String, FieldType>,
    pub rows: usize,
}

fn guess(raw: &Raw<'_>) -> Option<FieldType> {
    let text = match raw {
        Raw::Null | Raw::Cell("") | Raw::Nested(_) => return None,
        Raw::Bool(_) => return Some(FieldType::Bool),
        Raw::Number(_) => return Some(FieldType::Number),
        Raw::Instant(_) => return Some(FieldType::Timestamp),
        Raw::Text(s) => {
            return Some(if s.len() >= 10 && parse_timestamp(s).is_ok() {
                FieldType::Timestamp
            } else {
                FieldType::String
            });
        }
        Raw::Cell(s) => *s,
    };
    Some(if text.parse::<f64>().is_ok_and(f64::is_finite) {
        FieldType::Number
    } else if matches!(text, "true" | "false" | "TRUE" | "FALSE" | "True" | "False") {
        FieldType::Bool
    } else if text.len() >= 10 && parse_timestamp(text).is_ok() {
        FieldType::Timestamp
    } else {
        FieldType::String
    })
}

fn vote(table: &mut BTreeMap<String, FieldType>, name: &str, ty: FieldType) {
    table
        .entry(name.to_string())
        .and_modify(|t| {
            if *t != ty {
                *t = FieldType::String;
            }
        })
        .or_insert(ty);
}

fn text<'a>(raw: &'a Raw<'_>) -> Option<&'a str> {
    match raw {
        Raw::Text(s) => Some(s),
        Raw::Cell(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// Reads the files and infers their schema.
pub fn infer(paths: &[PathBuf]) -> Result<Inferred, DataError> {
    let mut inferred = Inferred::default();
    for path in paths {
        let name = path.display().to_string();
        read_rows(path, None, &mut |line, fields| {
            let fields = fields.map_err(|reason| DataError::BadRow {
                path: name.clone(),
                line,
                reason,
            })?;
            inferred.rows += 1;
            let has = |key: &str| fields.iter().any(|(k, _)| *k == key);
            let (table, keys): (&mut BTreeMap<String, FieldType>, &[&str]) = if has("event") {
                let event = fields
                    .iter()
                    .find(|(k, _)| *k == "event")
                    .and_then(|(_, v)| text(v))
                    .unwrap_or("unnamed");
                (
                    inferred.events.entry(event.to_string()).or_default(),
                    &["user_id", "event", "ts"],
                )
            } else if has("account_id") && !has("user_id") {
                (&mut inferred.account, &["account_id", "ts"])
            } else {
                (&mut inferred.profile, &["user_id", "ts"])
            };
            for (key, raw) in fields {
                if !keys.contains(&key.as_ref()) {
                    if let Some(ty) = guess(raw) {
                        vote(table, key, ty);
                    }
                }
            }
            Ok(())
        })?;
    }
    Ok(inferred)
}

/// The inferred schema as TOML.
#[must_use]
pub fn to_toml(inferred: &Inferred) -> String {
    let mut out = format!(
        "# Draft schema inferred by `seg infer-schema` from {} rows: check the types, and add\n\
         # [verbs] such as visited = {{ event = \"page_view\", key = \"url\" }}.\n",
        inferred.rows
    );
    let table = |out: &mut String, header: &str, fields: &BTreeMap<String, FieldType>| {
        let _ = writeln!(out, "\n[{header}]");
        for (name, ty) in fields {
            let _ = writeln!(out, "{} = \"{}\"", toml_key(name), ty.name());
        }
    };
    for (event, properties) in &inferred.events {
        table(&mut out, &format!("events.{}", toml_key(event)), properties);
    }
    if !inferred.profile.is_empty() {
        table(&mut out, "profile", &inferred.profile);
    }
    if !inferred.account.is_empty() {
        table(&mut out, "account", &inferred.account);
    }
    out
}

/// A bare TOML key when possible, else a quoted one.
fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

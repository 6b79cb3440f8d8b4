//! The values an explanation shows: typed like the language's (number, string, bool,
//! timestamp, duration, list) plus `missing`, converted from the interpreter's values, shown
//! as seg writes them in text and as `{"type": ..., "value": ...}` in JSON.

use std::fmt;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::plan;
use crate::plan::value::V;
use crate::time::{format_duration, format_timestamp};

/// A value of a sub-expression, a property or an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Missing,
    Bool(bool),
    Number(f64),
    String(String),
    /// Microseconds since the epoch.
    Timestamp(i64),
    /// Microseconds.
    Duration(i64),
    List(Vec<Value>),
}

impl Value {
    pub(crate) fn from_v(v: &V<'_>) -> Value {
        match v {
            V::Missing => Value::Missing,
            V::Bool(b) => Value::Bool(*b),
            // `sum` over no events is -0.0; shown as 0.
            V::Num(n) => Value::Number(*n + 0.0),
            V::Str(s) => Value::String(s.to_string()),
            V::Ts(t) => Value::Timestamp(*t),
            V::Dur(d) => Value::Duration(*d),
            V::List(items) => Value::List(items.iter().map(Value::from_const).collect()),
            V::Items(items) => Value::List(items.iter().map(Value::from_v).collect()),
        }
    }

    fn from_const(value: &plan::Value) -> Value {
        match value {
            plan::Value::Bool(b) => Value::Bool(*b),
            plan::Value::Number(n) => Value::Number(*n),
            plan::Value::String(s) => Value::String(s.clone()),
            plan::Value::Timestamp(t) => Value::Timestamp(*t),
            plan::Value::Duration(d) => Value::Duration(*d),
            plan::Value::List(items) => Value::List(items.iter().map(Value::from_const).collect()),
        }
    }

    /// The type's name, as the JSON form's `type`.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Missing => "missing",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Timestamp(_) => "timestamp",
            Value::Duration(_) => "duration",
            Value::List(_) => "list",
        }
    }

    /// The value as a plain JSON scalar (timestamps and durations as their text; missing as
    /// null), for event properties.
    #[must_use]
    pub fn plain(&self) -> serde_json::Value {
        match self {
            Value::Missing => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            // Whole numbers as JSON integers (`20`, not `20.0`), as seg writes them.
            #[allow(clippy::cast_possible_truncation)]
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => (*n as i64).into(),
            Value::Number(n) => {
                serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
            }
            Value::String(s) => s.clone().into(),
            Value::Timestamp(t) => format_timestamp(*t).into(),
            Value::Duration(d) => format_duration(*d).into(),
            Value::List(items) => items.iter().map(Value::plain).collect(),
        }
    }
}

/// As seg writes values: `20`, `"p1"`, `true`, `2026-11-15T09:12:00Z`, `7d`, `["DE", "FR"]`,
/// and `missing`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("missing"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Timestamp(t) => f.write_str(&format_timestamp(*t)),
            Value::Duration(d) => f.write_str(&format_duration(*d)),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// `{"type": "number", "value": 20}`; timestamps and durations carry their text
/// (`"2026-11-15T09:12:00Z"`, `"7d"`), lists typed items, and `missing` no value.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", self.type_name())?;
        match self {
            Value::Missing => {}
            Value::List(items) => map.serialize_entry("value", items)?,
            other => map.serialize_entry("value", &other.plain())?,
        }
        map.end()
    }
}

/// Serializes an instant as RFC 3339 text.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
pub(super) fn instant<S: Serializer>(t: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_timestamp(*t))
}

/// Serializes an optional instant as RFC 3339 text or null.
#[allow(clippy::ref_option)]
pub(super) fn optional_instant<S: Serializer>(
    t: &Option<i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serializer.serialize_str(&format_timestamp(*t)),
        None => serializer.serialize_none(),
    }
}

//! Reading NDJSON: one flat JSON object per line, read with `serde_json` into borrowed keys and
//! values (no `Value` tree). A line is read up to [`MAX_ROW_BYTES`]; a longer one is a bad row
//! and the rest of it is skipped without being held. A row is bad when a key appears twice (one
//! of the values would be lost) or a value is an object or an array (it has no column to go to);
//! the reason names the key.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, Read};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::load::{DataError, Raw, RawField, RowResult};

/// The longest line (NDJSON) or record (CSV) a loader reads, in bytes: a row may not make a
/// loader hold more than this.
pub const MAX_ROW_BYTES: usize = 16 << 20;

/// Reads the lines of `reader` (each at most `limit` bytes, its line end aside) and hands each
/// non-blank line's fields, or why it is bad, to `on_row`. The first line read is line
/// `first_line` of the file (a part of a file may start further down).
pub(super) fn read_ndjson(
    mut reader: impl BufRead,
    path: &str,
    limit: usize,
    first_line: u64,
    on_row: &mut dyn FnMut(u64, RowResult<'_, '_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let io = |source| DataError::Io {
        path: path.to_string(),
        source,
    };
    let mut buffer = Vec::new();
    let mut line_number = first_line.saturating_sub(1);
    loop {
        buffer.clear();
        // The limit is on the line without its end (`\n` or `\r\n`).
        let bound = limit + 2;
        let read = (&mut reader)
            .take(bound as u64)
            .read_until(b'\n', &mut buffer)
            .map_err(io)?;
        if read == 0 {
            return Ok(());
        }
        line_number += 1;
        let ended = buffer.last() == Some(&b'\n');
        let mut length = buffer.len() - usize::from(ended);
        if ended && length > 0 && buffer[length - 1] == b'\r' {
            length -= 1;
        }
        if length > limit {
            if !ended && read == bound {
                skip_line(&mut reader).map_err(io)?;
            }
            on_row(
                line_number,
                Err(format!(
                    "the line is longer than {}, the limit for one row",
                    describe_bytes(limit)
                )),
            )?;
            continue;
        }
        let mut bytes = buffer.as_slice();
        if line_number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        while let [rest @ .., b'\n' | b'\r'] = bytes {
            bytes = rest;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            on_row(line_number, Err("the line is not valid UTF-8".into()))?;
            continue;
        };
        match parse_object(text) {
            Ok(fields) => on_row(line_number, Ok(&fields))?,
            Err(reason) => on_row(line_number, Err(reason))?,
        }
    }
}

/// `limit` bytes in words (`16 MiB`).
#[must_use]
pub fn describe_bytes(limit: usize) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MiB", limit >> 20)
    } else {
        format!("{limit} bytes")
    }
}

/// Consumes the rest of a line without holding it.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        if let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            reader.consume(end + 1);
            return Ok(());
        }
        let n = buffer.len();
        reader.consume(n);
    }
}

/// The fields of one line, or why it is not a flat JSON object.
pub(super) fn parse_object(text: &str) -> Result<Vec<RawField<'_>>, String> {
    let object = serde_json::from_str::<FlatObject<'_>>(text).map_err(|e| describe_error(&e))?;
    check_flat(&object.0)?;
    Ok(object.0)
}

/// Rows with at most this many keys are searched for a repeated key by scanning the keys before
/// each one (no allocation on the loader's hot path); wider rows go through a set, so that a
/// hostile row of many keys stays linear.
const SCANNED_KEYS: usize = 32;

/// A key that appears twice, or a nested value, makes the row bad.
fn check_flat(fields: &[RawField<'_>]) -> Result<(), String> {
    let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    let wide = fields.len() > SCANNED_KEYS;
    for (i, (key, raw)) in fields.iter().enumerate() {
        if let Raw::Nested(what) = raw {
            return Err(format!(
                "`{key}` holds {what}: values must be a string, number, bool or null"
            ));
        }
        let repeated = if wide {
            !seen.insert(key.as_ref())
        } else {
            fields[..i].iter().any(|(earlier, _)| earlier == key)
        };
        if repeated {
            return Err(format!(
                "the key `{key}` appears twice in the object; one of its values would be lost"
            ));
        }
    }
    Ok(())
}

fn describe_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    match error.classify() {
        serde_json::error::Category::Eof => format!("the line ends early: {message}"),
        serde_json::error::Category::Syntax if message == "number out of range" => format!(
            "the number at column {} is out of range (numbers are 64-bit floats)",
            error.column()
        ),
        serde_json::error::Category::Syntax => {
            format!("not valid JSON at column {}: {message}", error.column())
        }
        _ => format!("not a flat JSON object: {message}"),
    }
}

/// A flat JSON object with borrowed keys and values where the text allows.
struct FlatObject<'a>(Vec<RawField<'a>>);

impl<'de> Deserialize<'de> for FlatObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = FlatObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(8);
                while let Some(key) = map.next_key::<CowStr<'de>>()? {
                    let value = map.next_value::<RawValue<'de>>()?;
                    fields.push((key.0, value.0));
                }
                Ok(FlatObject(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

struct RawValue<'a>(Raw<'a>);

impl<'de> Deserialize<'de> for RawValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = RawValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, bool or null")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Bool(v)))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Number(v as f64)))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Number(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Number(v)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Text(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawValue(Raw::Null))
            }
            // A nested value is read past without being held (serde_json bounds its depth),
            // so the row's reason can name its key.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(RawValue(Raw::Nested("a JSON object")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawValue(Raw::Nested("a JSON array")))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line's number and its first key, or its reason.
    fn read(text: &str, limit: usize) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        read_ndjson(text.as_bytes(), "t", limit, 1, &mut |line, fields| {
            out.push((
                line,
                match fields {
                    Ok(fields) => fields[0].0.to_string(),
                    Err(reason) => reason,
                },
            ));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_line_at_the_limit_is_read_and_a_longer_one_is_skipped_whole() {
        let at = "{\"k\":\"123\"}";
        let over = "{\"k\":\"1234\"}";
        let lines = read(&format!("{at}\n{over}\n{at}"), at.len());
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0], (1, "k".to_string()));
        assert_eq!(
            lines[1],
            (
                2,
                format!(
                    "the line is longer than {} bytes, the limit for one row",
                    at.len()
                )
            )
        );
        assert_eq!(lines[2], (3, "k".to_string()));
    }

    #[test]
    fn duplicated_keys_and_nested_values_are_named() {
        let lines = read(
            "{\"a\":1,\"b\":2,\"a\":3}\n{\"a\":1,\"m\":{\"x\":[1,{}]}}\n{\"l\":[]}\n",
            MAX_ROW_BYTES,
        );
        assert_eq!(
            lines[0].1,
            "the key `a` appears twice in the object; one of its values would be lost"
        );
        assert_eq!(
            lines[1].1,
            "`m` holds a JSON object: values must be a string, number, bool or null"
        );
        assert!(
            lines[2].1.starts_with("`l` holds a JSON array"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_repeated_key_is_found_in_rows_wider_than_the_scan() {
        let keys: Vec<String> = (0..40).map(|k| format!("\"k{k}\":{k}")).collect();
        let wide = format!("{{{},\"k7\":0}}\n{{{}}}\n", keys.join(","), keys.join(","));
        let lines = read(&wide, MAX_ROW_BYTES);
        assert_eq!(
            lines[0].1,
            "the key `k7` appears twice in the object; one of its values would be lost"
        );
        assert_eq!(
            lines[1].1, "k0",
            "the same row without the repeat loads: {lines:?}"
        );
    }

    #[test]
    fn a_number_out_of_range_is_named_as_such() {
        let lines = read("{\"v\":1e999}\n", MAX_ROW_BYTES);
        assert!(lines[0].1.starts_with("the number at column"), "{lines:?}");
    }
}

//! `POST /v1/evaluate`: an ad-hoc expression, checked as the body of a segment in a file of
//! its own beside the service's segment files (so it may name what such a file may), then
//! evaluated over the whole data as of the clock.

use std::path::PathBuf;

use serde::Serialize;

use super::defs::Refused;
use super::state::Service;
use crate::check::{check_paths, WithFile};
use crate::plan::{SegmentId, Target};
use crate::source::SourceMap;

/// The ad-hoc file's name in diagnostics.
const FILE: &str = "<evaluate>.seg";

/// What an ad-hoc expression selects.
#[derive(Debug, Serialize)]
pub struct Evaluated {
    pub kind: &'static str,
    pub members: usize,
    /// The first members in id order.
    pub sample: Vec<String>,
    pub as_of: String,
}

/// The longest expression accepted, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 64 << 10;

/// Checks and evaluates `expression`; its diagnostics when it has errors.
pub fn evaluate(service: &Service, expression: &str, sample: usize) -> Result<Evaluated, Refused> {
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(Refused::Unreadable(format!(
            "the expression is longer than {MAX_EXPRESSION_BYTES} bytes"
        )));
    }
    let defs = service.definitions();
    let mut name = "evaluate_expression".to_string();
    while defs.segment(&name).is_some() {
        name.push('_');
    }
    let head = format!("segment {name} =\n    ");
    let text = format!("{head}{expression}\n");
    let mut sources = SourceMap::new();
    let mut roots = defs.roots.clone();
    roots.push(PathBuf::from(FILE));
    let checked = check_paths(
        &WithFile::new(FILE, &text),
        &mut sources,
        &defs.schema_path,
        &roots,
    )
    .map_err(|e| Refused::Unreadable(e.to_string()))?;
    let mut errors = super::defs::errors(&sources, &checked.diagnostics);
    let plan = match checked.plan {
        Some(plan) if errors.is_empty() => plan,
        _ => {
            // Where each error is in the expression itself (the console underlines it).
            let within = checked.diagnostics.iter().filter(|d| d.is_error());
            for (json, diagnostic) in errors.iter_mut().zip(within) {
                let span = diagnostic.primary.span;
                if sources.get(span.file).name != FILE {
                    continue;
                }
                let at = |byte: usize| utf16_offset(expression, byte.saturating_sub(head.len()));
                json["expression_start"] = at(span.start).into();
                json["expression_end"] = at(span.end).into();
            }
            return Err(Refused::Diagnostics(errors));
        }
    };
    let index = plan
        .segments
        .iter()
        .position(|s| s.name == name)
        .expect("the ad-hoc segment is in the plan");
    let (plan, roots) = plan.prune(&[SegmentId(u32::try_from(index).expect("fewer than 2^32"))]);
    let target = plan.segment(roots[0]).target;
    let (members, ids, now) = service.evaluate_plan(&plan, roots[0]);
    let mut chosen: Vec<&str> = members
        .iter()
        .zip(ids.iter())
        .filter(|(m, _)| **m)
        .map(|(_, id)| &**id)
        .collect();
    let count = chosen.len();
    chosen.sort_unstable();
    Ok(Evaluated {
        kind: if target == Target::User {
            "user"
        } else {
            "account"
        },
        members: count,
        sample: chosen
            .into_iter()
            .take(sample)
            .map(str::to_string)
            .collect(),
        as_of: crate::time::format_timestamp(now),
    })
}

/// A byte offset into `text` (clamped to its end) as UTF-16 code units, as a browser counts.
fn utf16_offset(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    text[..byte].encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::utf16_offset;

    #[test]
    fn utf16_offsets_count_pairs_twice_and_clamp_to_the_end() {
        let text = "é😀x";
        assert_eq!(utf16_offset(text, 0), 0);
        assert_eq!(utf16_offset(text, 2), 1);
        assert_eq!(utf16_offset(text, 6), 3);
        assert_eq!(utf16_offset(text, 7), 4);
        assert_eq!(utf16_offset(text, 100), 4);
        assert_eq!(utf16_offset(text, 4), 1, "inside a character: its start");
    }
}

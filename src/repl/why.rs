//! `:explain ID EXPR`: why a user (or account) is or is not matched.
//!
//! This is the REPL's stand-in until the member-details library (`seg explain`, being built
//! on its own branch) is in main; [`explain`] is the one function to swap for it. It gives the
//! verdict and the value of each top-level part of the condition (the operands of the
//! outermost `and`/`or`, `not`, comparison or arithmetic), each computed by the reference
//! interpreter ([`Interpreter::probe`]) for that one entity, so the verdict is the
//! interpreter's; a part that is a comparison also shows the values it compared. It goes no
//! deeper, and does not list the events an event set found.

use std::fmt::Write as _;

use super::input::EXPR_NAME;
use crate::interp::Interpreter;
use crate::plan::{Expr, ExprKind, Plan, SegmentId, Target, Value};
use crate::source::SourceMap;
use crate::store::Store;
use crate::time;

/// The verdict of `segment` for the user or account `id`, with the value of each top-level
/// part of its body; an error when the data has no such id.
pub fn explain(
    plan: &Plan,
    store: &Store,
    sources: &SourceMap,
    now: i64,
    segment: SegmentId,
    id: &str,
) -> Result<String, String> {
    let segment = plan.segment(segment);
    let target = segment.target;
    let index = match target {
        Target::User => store.users.get(id),
        Target::Account => store.accounts.get(id),
    }
    .ok_or_else(|| format!("there is no {} `{id}` in the data", target.noun()))?;
    let interpreter = Interpreter::new(plan, store, now);
    let member = interpreter.probe(&segment.body, target, index) == Some(Value::Bool(true));
    let what = if segment.name == EXPR_NAME {
        format!("matched by {}", source(sources, &segment.body))
    } else {
        format!("in segment `{}`", segment.name)
    };
    let verdict = if member { "is" } else { "is not" };
    let mut out = format!("{id} {verdict} {what}\n");
    let value = |e: &Expr| describe(interpreter.probe(e, target, index).as_ref());
    let rows: Vec<(String, String)> = parts(&segment.body)
        .into_iter()
        .map(|part| {
            let mut text = source(sources, part);
            let compared: Vec<String> = match &part.kind {
                ExprKind::Compare(_, a, b) => [a, b]
                    .into_iter()
                    .filter(|e| !matches!(e.kind, ExprKind::Const(_)))
                    .map(|e| format!("{} = {}", source(sources, e), value(e)))
                    .collect(),
                _ => Vec::new(),
            };
            if !compared.is_empty() {
                text = format!("{text}    [{}]", compared.join(", "));
            }
            (value(part), text)
        })
        .collect();
    let width = rows.iter().map(|(v, _)| v.len()).max().unwrap_or(0);
    for (value, text) in rows {
        let _ = writeln!(out, "  {value:width$}  {text}");
    }
    Ok(out)
}

/// The top-level parts of a condition worth showing (constants are not).
fn parts(body: &Expr) -> Vec<&Expr> {
    let parts: Vec<&Expr> = match &body.kind {
        ExprKind::And(items) | ExprKind::Or(items) => items.iter().collect(),
        ExprKind::Compare(_, a, b) | ExprKind::Arith(_, a, b) => vec![a, b],
        ExprKind::Not(inner)
        | ExprKind::Neg(inner)
        | ExprKind::IsSet { expr: inner, .. }
        | ExprKind::Matches(inner, _)
        | ExprKind::Lower(inner)
        | ExprKind::Len(inner)
        | ExprKind::Bucket(inner) => vec![inner],
        _ => Vec::new(),
    };
    parts
        .into_iter()
        .filter(|p| !matches!(p.kind, ExprKind::Const(_)))
        .collect()
}

/// The source text of an expression, on one line.
fn source(sources: &SourceMap, expr: &Expr) -> String {
    sources
        .snippet(expr.span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as the language writes it; `missing` for none.
fn describe(value: Option<&Value>) -> String {
    match value {
        None => "missing".into(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(Value::Timestamp(t)) => time::format_timestamp(*t),
        Some(Value::Duration(d)) => time::format_duration(*d),
        Some(Value::List(items)) => {
            let items: Vec<String> = items.iter().map(|v| describe(Some(v))).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

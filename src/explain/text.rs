//! The text form of an explanation: an indented tree, two spaces a level, one line per
//! sub-expression (`SOURCE = VALUE`; `and` and `or` by their operator alone, and literals that
//! only repeat their value left out), with the events, steps, users or history an event form
//! looked at below it.

use std::fmt::Write as _;

use super::{
    ChangedTrace, Detail, Event, EventsFound, Node, Report, SegmentExplanation, Step, UsersFound,
    Window,
};
use crate::time::format_timestamp;

/// A whole report: a heading line, then each segment after a blank line.
#[must_use]
pub fn report(report: &Report) -> String {
    let mut out = format!("{} as of {}\n", report.id, format_timestamp(report.as_of));
    for segment in &report.segments {
        out.push('\n');
        out.push_str(&self::segment(segment));
    }
    out
}

/// One segment: `NAME: member` (or `not a member`), then its tree.
#[must_use]
pub fn segment(explanation: &SegmentExplanation) -> String {
    let verdict = if explanation.member {
        "member"
    } else {
        "not a member"
    };
    let mut out = format!("{}: {verdict}\n", explanation.segment);
    write_node(&mut out, &explanation.tree, 1);
    out
}

/// A node and everything below it, starting at `depth` levels of indentation.
#[must_use]
pub fn node(node: &Node, depth: usize) -> String {
    let mut out = String::new();
    write_node(&mut out, node, depth);
    out
}

fn line(out: &mut String, depth: usize, text: &str) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

fn write_node(out: &mut String, node: &Node, depth: usize) {
    let label = match node.kind {
        "and" | "or" => node.kind,
        _ => node.source.as_str(),
    };
    line(out, depth, &format!("{label} = {}", node.value));
    for child in node.children.iter().filter(|c| worth_a_line(node, c)) {
        write_node(out, child, depth + 1);
    }
    match &node.detail {
        None => {}
        Some(Detail::Events(found)) => write_events(out, found, depth + 1),
        Some(Detail::Steps(steps)) => {
            for (i, step) in steps.iter().enumerate() {
                write_step(out, i + 1, step, depth + 1);
            }
        }
        Some(Detail::Users(users)) => line(out, depth + 1, &users_line(users)),
        Some(Detail::Changed(changed)) => write_changed(out, changed, depth + 1),
    }
}

/// Constants are shown only when named (a `let`): a literal says its value already. A child
/// with its parent's span was made by desugaring (`7d ago` is `now - 7d`): the parent says it.
fn worth_a_line(parent: &Node, child: &Node) -> bool {
    let is_name = |s: &str| {
        s.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let literal = child.kind == "constant"
        && !(is_name(&child.source) && child.source != "true" && child.source != "false");
    !literal && child.span != parent.span
}

/// `[from, to)`, `(from, to)` after a `then` step, `-inf` for the beginning of time.
#[must_use]
pub fn window(window: &Window) -> String {
    let from = window
        .from
        .map_or_else(|| "-inf".to_string(), format_timestamp);
    let open = if window.from_exclusive { '(' } else { '[' };
    let mut text = format!("{open}{from}, {})", format_timestamp(window.to));
    if let Some(during) = &window.during {
        let _ = write!(text, " during {during}");
    }
    text
}

fn count_text(n: usize) -> String {
    match n {
        0 => "none".to_string(),
        1 => "1 event".to_string(),
        n => format!("{n} events"),
    }
}

fn write_events(out: &mut String, found: &EventsFound, depth: usize) {
    let header = match &found.window {
        Some(w) => format!(
            "{} in {}: {}",
            found.event,
            window(w),
            count_text(found.count)
        ),
        None => format!(
            "{}: no window (a bound of it is missing): none",
            found.event
        ),
    };
    line(out, depth, &header);
    let hidden = found.count - found.events.len();
    if hidden > 0 && found.listed == "last" {
        line(out, depth + 1, &format!("... {hidden} earlier"));
    }
    for event in &found.events {
        line(out, depth + 1, &event_text(event));
    }
    if hidden > 0 && found.listed != "last" {
        line(out, depth + 1, &format!("... {hidden} more"));
    }
}

/// `2026-11-15T09:12:00Z product="p1" price=20`.
#[must_use]
pub fn event_text(event: &Event) -> String {
    let mut text = format_timestamp(event.ts);
    for (name, value) in &event.properties {
        let _ = write!(text, " {name}={value}");
    }
    text
}

fn write_step(out: &mut String, number: usize, step: &Step, depth: usize) {
    let name = if step.negated {
        format!("step {number}, then not {}", step.source)
    } else {
        format!("step {number}, {}", step.source)
    };
    let outcome = match (&step.found, &step.picked) {
        (None, _) => "not reached".to_string(),
        (Some(found), _) if step.negated => match found.count {
            0 => "none after it".to_string(),
            1 => "1 event after it".to_string(),
            n => format!("{n} events after it"),
        },
        (Some(_), Some(picked)) => {
            format!("took {} (the {})", format_timestamp(picked.ts), step.takes)
        }
        (Some(_), None) => "none found".to_string(),
    };
    line(out, depth, &format!("{name}: {outcome}"));
    if let Some(found) = &step.found {
        write_events(out, found, depth + 1);
    }
}

fn users_line(users: &UsersFound) -> String {
    let list = |ids: &[String], all: usize| {
        let mut text = ids.join(", ");
        if all > ids.len() {
            let _ = write!(text, ", ... {} more", all - ids.len());
        }
        text
    };
    let mut text = format!("users: {} of {} pass", users.passing, users.total);
    if users.passing > 0 {
        let _ = write!(text, "; passing: {}", list(&users.passed, users.passing));
    }
    let failing = users.total - users.passing;
    if failing > 0 {
        let _ = write!(text, "; failing: {}", list(&users.failed, failing));
    }
    text
}

fn write_changed(out: &mut String, changed: &ChangedTrace, depth: usize) {
    let searched = changed.window.as_ref().map_or_else(
        || "no window (a bound of it is missing)".to_string(),
        window,
    );
    let rows = match changed.rows {
        0 => "no history".to_string(),
        1 => "history of 1 row".to_string(),
        n => format!("history of {n} rows"),
    };
    line(
        out,
        depth,
        &format!("{} changes in {searched}; {rows}", changed.attribute),
    );
    let hidden = changed.rows - changed.history.len();
    if hidden > 0 {
        line(out, depth + 1, &format!("... {hidden} earlier"));
    }
    for row in &changed.history {
        let when = row
            .ts
            .map_or_else(|| "from the beginning".to_string(), format_timestamp);
        line(out, depth + 1, &format!("{when}: {}", row.value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_intervals() {
        let w = Window {
            from: None,
            from_exclusive: false,
            to: 0,
            during: Some("months(11, 12)".into()),
        };
        assert_eq!(
            window(&w),
            "[-inf, 1970-01-01T00:00:00Z) during months(11, 12)"
        );
        let w = Window {
            from: Some(0),
            from_exclusive: true,
            to: 1_000_000,
            during: None,
        };
        assert_eq!(window(&w), "(1970-01-01T00:00:00Z, 1970-01-01T00:00:01Z)");
    }
}

//! Rendering diagnostics: ariadne reports for people, JSON lines for machines.
//!
//! ariadne is told to count byte offsets (our spans are bytes). Colour is the caller's
//! choice; [`use_color`] gives the usual rule (a terminal, and `NO_COLOR` unset).

use std::io::{self, IsTerminal, Write};

use ariadne::{Color, Config, IndexType, Label as AriadneLabel, Report, ReportKind, Source};

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};

/// Colour when the stream is a terminal and `NO_COLOR` is not set.
#[must_use]
pub fn use_color(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether standard error is a terminal that takes colour.
#[must_use]
pub fn stderr_color() -> bool {
    use_color(io::stderr().is_terminal())
}

struct Cache<'a> {
    sources: &'a SourceMap,
    loaded: Vec<(FileId, Source<&'a str>)>,
}

impl<'a> ariadne::Cache<FileId> for Cache<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<&'a str>, impl std::fmt::Debug> {
        let index = if let Some(i) = self.loaded.iter().position(|(f, _)| f == id) {
            i
        } else {
            self.loaded
                .push((*id, Source::from(self.sources.get(*id).text.as_str())));
            self.loaded.len() - 1
        };
        Ok::<_, String>(&self.loaded[index].1)
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl std::fmt::Display + 'b> {
        Some(self.sources.get(*id).name.clone())
    }
}

/// Writes one human-readable report.
pub fn write_human(
    out: &mut dyn Write,
    sources: &SourceMap,
    diagnostic: &Diagnostic,
    color: bool,
) -> io::Result<()> {
    let (kind, accent) = match diagnostic.severity() {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };
    let span = |s: crate::source::Span| (s.file, s.range());
    let primary = diagnostic.primary.span;
    let mut report = Report::build(kind, span(primary))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(IndexType::Byte),
        )
        .with_code(diagnostic.code.id())
        .with_message(&diagnostic.message)
        .with_label(
            AriadneLabel::new(span(primary))
                .with_message(&diagnostic.primary.message)
                .with_color(accent)
                .with_order(0),
        );
    for (i, label) in diagnostic.secondary.iter().enumerate() {
        report = report.with_label(
            AriadneLabel::new(span(label.span))
                .with_message(&label.message)
                .with_color(Color::Blue)
                .with_order(i32::try_from(i + 1).unwrap_or(i32::MAX)),
        );
    }
    if let Some(help) = &diagnostic.help {
        report = report.with_help(help);
    }
    report.finish().write(
        Cache {
            sources,
            loaded: Vec::new(),
        },
        out,
    )
}

/// The fields of one JSON line.
#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// One JSON object for a diagnostic, without the newline.
#[must_use]
pub fn to_json(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let span = diagnostic.primary.span;
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    let json = JsonDiagnostic {
        file: &file.name,
        line,
        column,
        end_line,
        end_column,
        code: diagnostic.code.id(),
        severity: diagnostic.severity(),
        message: &diagnostic.message,
        help: diagnostic.help.as_deref(),
    };
    serde_json::to_string(&json).expect("a diagnostic serializes")
}

/// Renders every diagnostic in the chosen format.
pub fn write_all(
    out: &mut dyn Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    json: bool,
    color: bool,
) -> io::Result<()> {
    for d in diagnostics {
        if json {
            writeln!(out, "{}", to_json(sources, d))?;
        } else {
            write_human(out, sources, d, color)?;
        }
    }
    Ok(())
}

/// The human rendering as a string, without colour (tests and the REPL use it).
#[must_use]
pub fn to_plain_string(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = Vec::new();
    write_all(&mut out, sources, diagnostics, false, false).expect("writing to memory");
    String::from_utf8_lossy(&out).into_owned()
}

//! The canonical formatter behind `seg fmt`: one layout for every `.seg` file.
//!
//! The algorithm, in three steps:
//! 1. Parse the file; a file with a syntax error is not formatted (its diagnostics are the
//!    error).
//! 2. Walk the AST in source order while reading the source's token stream alongside
//!    ([`tokens`]): each node's tokens are printed as written (literals keep their text,
//!    parentheses stay), and the comments between tokens, which the AST does not keep, come
//!    out before the token they preceded, marked trailing (after code on the same line) or on
//!    their own line. The walk builds a pretty-printing document per item ([`layout`] holds the
//!    layout rules) and prints it in 100 columns with Wadler's algorithm ([`doc`]): a group of
//!    possible line breaks breaks all together or not at all, outermost first. Between items,
//!    comments and at most one empty line are kept.
//! 3. Parse the result and compare it with the first parse, spans erased: a formatter bug can
//!    then never change a program, it only fails.
//!
//! The output is a fixed point: formatting it again gives the same text (tests/fmt.rs checks
//! both properties on the examples and on generated programs).

mod doc;
mod layout;
mod tokens;

use crate::diag::Diagnostic;
use crate::source::FileId;
use crate::syntax::erase::same_ignoring_spans;
use crate::syntax::parse_file;

/// The line width the layout aims for (a long string or name can still exceed it).
pub const WIDTH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file does not parse; the diagnostics say why.
    #[error("the file has syntax errors")]
    Syntax(Vec<Diagnostic>),
    /// A bug in the formatter: its output would not be the same program.
    #[error("internal formatter error ({0}); the file is left as it was")]
    Internal(String),
}

impl FormatError {
    fn internal(message: impl Into<String>) -> Self {
        FormatError::Internal(message.into())
    }
}

/// Formats the text of a `.seg` file.
pub fn format(source: &str) -> Result<String, FormatError> {
    format_file(FileId::default(), source)
}

/// Formats the text of a `.seg` file; diagnostics point into `file`.
pub fn format_file(file: FileId, source: &str) -> Result<String, FormatError> {
    let parsed = parse_file(file, source);
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    let formatted = layout::Layout::new(source)?.file(&parsed.module, WIDTH)?;
    let again = parse_file(file, &formatted);
    if !again.diagnostics.is_empty() {
        return Err(FormatError::internal("the formatted text does not parse"));
    }
    if !same_ignoring_spans(&parsed.module, &again.module) {
        return Err(FormatError::internal(
            "the formatted text parses to a different program",
        ));
    }
    Ok(formatted)
}

//! The language's vocabulary, below every phase that reads it (the schema, the checker, the
//! engines' explanations, the REPL): the builtin functions declared once (`builtins.rs`), the
//! reserved words (the lexer's table, read here), and "did you mean" (`suggest.rs`).
//!
//! The schema and the checker both reserve and suggest names; keeping those rules here, and
//! not in either of them, keeps the dependency between the phases one way.

pub mod builtins;
pub mod suggest;

pub use suggest::closest;

use crate::syntax::lexer::KEYWORDS;

/// Whether `word` is a reserved word of the language (never a name).
#[must_use]
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|(k, _)| *k == word)
}

/// Whether `word` names a builtin function.
#[must_use]
pub fn is_builtin(word: &str) -> bool {
    builtins::find(word).is_some()
}

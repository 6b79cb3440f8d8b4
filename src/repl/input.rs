//! What a piece of REPL input is, and whether it is finished.
//!
//! Input starting with `:` is a command; input whose first token is `segment`, `let` or
//! `import` holds items, as in a file; anything else is an expression, parsed as the body of a
//! hidden segment (the text after [`EXPR_PREFIX`]). Input is unfinished when the parser says
//! it ended inside an open construct (an open bracket, a trailing operator): the typed
//! `incomplete` signal of [`crate::syntax::Parsed`], never an error message.

use crate::source::FileId;
use crate::syntax::lexer::{self, Token};
use crate::syntax::parse_file;

/// The name of the hidden segment an expression is checked as.
pub const EXPR_NAME: &str = "__expr";
/// What an expression is parsed after; spans are shifted back by its length for display.
pub const EXPR_PREFIX: &str = "segment __expr = ";

/// One piece of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// Only white space and comments.
    Empty,
    /// `:name rest`.
    Command { name: &'a str, rest: &'a str },
    /// `segment`, `let` and `import` items.
    Items(&'a str),
    /// A condition to evaluate.
    Expression(&'a str),
}

/// Tells commands, items and expressions apart.
#[must_use]
pub fn classify(text: &str) -> Input<'_> {
    let trimmed = text.trim_start();
    if let Some(command) = trimmed.strip_prefix(':') {
        let end = command.find(char::is_whitespace).unwrap_or(command.len());
        return Input::Command {
            name: &command[..end],
            rest: command[end..].trim(),
        };
    }
    let first = lexer::tokens(text)
        .into_iter()
        .find(|(t, _)| *t != Some(Token::Comment));
    match first {
        None => Input::Empty,
        Some((Some(t), _)) if t.starts_item() => Input::Items(text),
        Some(_) => Input::Expression(text),
    }
}

/// The text an expression is parsed and checked as.
#[must_use]
pub fn wrap_expression(expr: &str) -> String {
    format!("{EXPR_PREFIX}{expr}")
}

/// True when `text` ends inside an unfinished construct, so that a front end should read
/// another line before running it.
#[must_use]
pub fn is_incomplete(text: &str) -> bool {
    match classify(text) {
        Input::Empty => false,
        Input::Command { name, rest } => {
            // `:explain USER EXPR` takes an expression, which may span lines.
            name == "explain"
                && rest
                    .split_once(char::is_whitespace)
                    .is_some_and(|(_, expr)| is_incomplete(expr))
        }
        Input::Items(items) => parse_file(FileId(0), items).incomplete,
        Input::Expression(expr) => parse_file(FileId(0), &wrap_expression(expr)).incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_commands_items_and_expressions() {
        assert_eq!(
            classify("  :load  a.seg "),
            Input::Command {
                name: "load",
                rest: "a.seg"
            }
        );
        assert_eq!(
            classify(":quit"),
            Input::Command {
                name: "quit",
                rest: ""
            }
        );
        assert_eq!(classify("# just a note\n  "), Input::Empty);
        assert_eq!(classify("let x = 3"), Input::Items("let x = 3"));
        assert_eq!(
            classify("# lead\nsegment a = true"),
            Input::Items("# lead\nsegment a = true")
        );
        assert_eq!(
            classify("did(purchase)"),
            Input::Expression("did(purchase)")
        );
        // A name that starts like a keyword is still a name.
        assert_eq!(classify("segments_x"), Input::Expression("segments_x"));
    }

    #[test]
    fn open_brackets_and_trailing_operators_are_incomplete() {
        for text in [
            "did(purchase",
            "did(purchase) and",
            "count(login within 7d) >",
            "segment a = did(purchase where value > 10",
            "let xs = [\"a\",",
            ":explain u1 did(purchase",
            "profile.country in [\"DE\"",
            "let a = ",
        ] {
            assert!(is_incomplete(text), "{text:?} should be incomplete");
        }
    }

    #[test]
    fn finished_or_wrong_input_is_complete() {
        for text in [
            "",
            "did(purchase)",
            "did(purchase))",
            "did(purchase) and and x",
            "segment a = did(purchase)",
            ":segments",
            ":explain u1 did(purchase)",
            ":explain u1",
        ] {
            assert!(!is_incomplete(text), "{text:?} should be complete");
        }
    }
}

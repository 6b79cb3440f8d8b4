//! Syntax highlighting of REPL input with ANSI colours, from the logos token stream.
//!
//! Each token gets the colour of its kind (keywords, strings, numbers, durations and
//! instants, operators, comments); names are coloured by what they are in the session
//! (event types, builtins and verbs). The text between tokens is copied as it is, so the
//! highlighted line has the same width as the typed one. A `:command` at the start is
//! coloured as a command and the rest of the line as an expression.

use super::vocab::Vocabulary;
use crate::names::builtins;
use crate::syntax::lexer::{self, Token};

pub const RESET: &str = "\x1b[0m";
pub const KEYWORD: &str = "\x1b[35m";
pub const STRING: &str = "\x1b[32m";
pub const NUMBER: &str = "\x1b[33m";
/// Durations, dates, timestamps and `now`.
pub const TIME: &str = "\x1b[36m";
pub const OPERATOR: &str = "\x1b[1m";
pub const EVENT: &str = "\x1b[34m";
/// Builtins and verbs.
pub const FUNCTION: &str = "\x1b[96m";
pub const COMMENT: &str = "\x1b[90m";
pub const COMMAND: &str = "\x1b[1;35m";
/// A character no token starts with.
pub const INVALID: &str = "\x1b[31m";

/// `text` with ANSI colours.
#[must_use]
pub fn highlight(text: &str, vocab: &Vocabulary) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let leading = text.len() - text.trim_start().len();
    let mut code_start = 0;
    if text[leading..].starts_with(':') {
        let end = text[leading..]
            .find(char::is_whitespace)
            .map_or(text.len(), |i| leading + i);
        out.push_str(&text[..leading]);
        paint(&mut out, COMMAND, &text[leading..end]);
        code_start = end;
    }
    let code = &text[code_start..];
    let mut copied = 0;
    for (token, range) in lexer::tokens(code) {
        out.push_str(&code[copied..range.start]);
        let slice = &code[range.clone()];
        match colour(token, slice, vocab) {
            Some(colour) => paint(&mut out, colour, slice),
            None => out.push_str(slice),
        }
        copied = range.end;
    }
    out.push_str(&code[copied..]);
    out
}

fn paint(out: &mut String, colour: &str, text: &str) {
    out.push_str(colour);
    out.push_str(text);
    out.push_str(RESET);
}

fn colour(token: Option<Token>, text: &str, vocab: &Vocabulary) -> Option<&'static str> {
    let Some(token) = token else {
        return Some(INVALID);
    };
    Some(match token {
        Token::Comment => COMMENT,
        Token::String => STRING,
        Token::Number | Token::True | Token::False => NUMBER,
        Token::Duration | Token::Date | Token::Timestamp | Token::Now => TIME,
        Token::Ident if vocab.is_event(text) => EVENT,
        Token::Ident if builtins::find(text).is_some() || vocab.is_verb(text) => FUNCTION,
        Token::Ident => return None,
        t if t.is_punctuation() => return None,
        t if t.is_operator() => OPERATOR,
        keyword => {
            debug_assert!(keyword.is_keyword());
            KEYWORD
        }
    })
}

/// `text` without ANSI escape sequences (colours, and the cursor movements of a line editor).
#[must_use]
pub fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
        } else if chars.next() == Some('[') {
            // CSI: parameters and intermediates, then a final byte in `@`..=`~`.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        // Any other escape is two characters long (`ESC 7`, `ESC =`).
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary {
            events: vec![("purchase".into(), vec!["value".into()])],
            verbs: vec!["visited".into()],
            ..Vocabulary::default()
        }
    }

    fn painted(colour: &str, text: &str) -> String {
        format!("{colour}{text}{RESET}")
    }

    #[test]
    fn each_kind_of_token_gets_its_colour() {
        let line = "did(purchase where value >= 10.5 within 7d) and not visited(\"/x\") # hi";
        let out = highlight(line, &vocab());
        for (colour, text) in [
            (FUNCTION, "did"),
            (EVENT, "purchase"),
            (KEYWORD, "where"),
            (OPERATOR, ">="),
            (NUMBER, "10.5"),
            (KEYWORD, "within"),
            (TIME, "7d"),
            (KEYWORD, "and"),
            (KEYWORD, "not"),
            (FUNCTION, "visited"),
            (STRING, "\"/x\""),
            (COMMENT, "# hi"),
        ] {
            assert!(
                out.contains(&painted(colour, text)),
                "{text} is not painted {colour:?} in {out:?}"
            );
        }
        // Property names and brackets stay plain.
        assert!(out.contains(" value "), "{out:?}");
        assert!(out.contains(&format!("{RESET}({EVENT}")), "{out:?}");
    }

    #[test]
    fn the_text_is_unchanged_apart_from_colours() {
        for line in [
            "did(purchase where value >= 10.5 within 7d)\n  and  not x",
            ":explain u1 did(purchase)",
            "  :segments",
            "what ~ is $ this",
            "",
            "profile.country in [\"DE\", \"FR\"] and 2024-11-01 < now",
        ] {
            assert_eq!(strip(&highlight(line, &vocab())), line);
        }
    }

    #[test]
    fn commands_and_their_expression() {
        let out = highlight(":explain u1 did(purchase)", &vocab());
        assert!(out.starts_with(&painted(COMMAND, ":explain")), "{out:?}");
        assert!(out.contains(&painted(EVENT, "purchase")), "{out:?}");
        assert!(out.contains(" u1 "), "{out:?}");
    }

    #[test]
    fn strip_removes_colours_and_cursor_movements() {
        assert_eq!(
            strip("\x1b[1;35ma\x1b[0m\x1b[?2004h\x1b7b\x1b[2K\x1b[10G c"),
            "ab c"
        );
    }

    #[test]
    fn unknown_characters_are_marked() {
        let out = highlight("a ~ b", &vocab());
        assert!(out.contains(&painted(INVALID, "~")), "{out:?}");
    }
}

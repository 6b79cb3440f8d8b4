//! The source's tokens, read in order, with the comments between them.
//!
//! The AST keeps no comments and no operator positions, but the formatter prints the tokens
//! of the source in their order, so it reads them from this cursor as it goes: each token
//! taken carries the comments that stood before it (in the gap after the previous token).
//! A comment is `trailing` when code came before it on its line, and `blank_before` when an
//! empty line separated it from what came before.

use std::ops::Range;

use super::FormatError;
use crate::syntax::lexer::{self, Token};

/// A `#` comment, without the line break that ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub trailing: bool,
    pub blank_before: bool,
}

/// A token that is not a comment.
#[derive(Debug, Clone)]
struct Significant {
    token: Token,
    range: Range<usize>,
    /// An empty line separated it from the token or comment before it.
    blank_before: bool,
}

pub struct Tokens<'a> {
    source: &'a str,
    significant: Vec<Significant>,
    /// `gaps[i]`: the comments before token `i`; the last gap holds those after every token.
    gaps: Vec<Vec<Comment>>,
    next: usize,
}

/// Whether the text between two tokens holds an empty line.
fn has_blank_line(between: &str) -> bool {
    between.matches('\n').count() >= 2
}

impl<'a> Tokens<'a> {
    /// Lexes `source`, which must have parsed without a diagnostic.
    pub fn new(source: &'a str) -> Result<Self, FormatError> {
        let mut tokens = Vec::new();
        let mut gaps = vec![Vec::new()];
        let mut last_end: Option<usize> = None;
        let mut last_token_end: Option<usize> = None;
        for (token, range) in lexer::tokens(source) {
            let Some(token) = token else {
                return Err(FormatError::internal(format!(
                    "no token starts at byte {}",
                    range.start
                )));
            };
            let before = &source[last_end.unwrap_or(0)..range.start];
            let blank_before = last_end.is_some() && has_blank_line(before);
            last_end = Some(range.end);
            if token == Token::Comment {
                let trailing =
                    last_token_end.is_some_and(|end| !source[end..range.start].contains('\n'));
                let gap = gaps.last_mut().expect("a gap is always open");
                gap.push(Comment {
                    text: source[range].trim_end().to_string(),
                    trailing,
                    blank_before,
                });
            } else {
                last_token_end = Some(range.end);
                tokens.push(Significant {
                    token,
                    range,
                    blank_before,
                });
                gaps.push(Vec::new());
            }
        }
        Ok(Tokens {
            source,
            significant: tokens,
            gaps,
            next: 0,
        })
    }

    /// The kind of the next token, if any is left.
    pub fn peek(&self) -> Option<Token> {
        self.significant.get(self.next).map(|t| t.token)
    }

    /// The text of the next token.
    pub fn peek_text(&self) -> Option<&'a str> {
        self.significant
            .get(self.next)
            .map(|t| &self.source[t.range.clone()])
    }

    /// Whether an empty line came between the next token and the token or comment before it.
    pub fn blank_before_token(&self) -> bool {
        self.significant
            .get(self.next)
            .is_some_and(|t| t.blank_before)
    }

    /// Whether comments come before the next token.
    pub fn comments_next(&self) -> bool {
        !self.gaps[self.next].is_empty()
    }

    /// Takes the comments before the next token (those after the last one at the end).
    pub fn take_comments(&mut self) -> Vec<Comment> {
        std::mem::take(&mut self.gaps[self.next])
    }

    /// Takes the next token, which must be `token`, with the comments before it.
    pub fn take(&mut self, token: Token) -> Result<(Vec<Comment>, &'a str), FormatError> {
        match self.peek() {
            Some(found) if found == token => {}
            found => {
                return Err(FormatError::internal(format!(
                    "expected {token:?}, found {found:?} at token {}",
                    self.next
                )))
            }
        }
        let comments = self.take_comments();
        let text = self.peek_text().unwrap_or_default();
        self.next += 1;
        Ok((comments, text))
    }

    /// Skips the next token (a trailing comma the layout leaves out); its comments, and those
    /// after it, come before the token that follows.
    pub fn skip(&mut self) {
        let moved = self.take_comments();
        self.next += 1;
        self.prepend(moved);
    }

    /// Takes a comma; comments before it move after it, so that a comment between a list item
    /// and its comma ends the item's line.
    pub fn take_comma(&mut self) -> Result<&'a str, FormatError> {
        let moved = self.take_comments();
        let (_, text) = self.take(Token::Comma)?;
        self.prepend(moved);
        Ok(text)
    }

    fn prepend(&mut self, mut moved: Vec<Comment>) {
        if moved.is_empty() {
            return;
        }
        let gap = &mut self.gaps[self.next];
        if let Some(first) = gap.first_mut() {
            first.trailing = false;
        }
        moved.append(gap);
        *gap = moved;
    }

    /// Whether every token was taken.
    pub fn at_end(&self) -> bool {
        self.next == self.significant.len()
    }
}

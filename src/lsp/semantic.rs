//! Semantic tokens: each token of a document classified by what it is in the project, from
//! the lexer's tokens and the project's names (events, properties, builtins and verbs,
//! segments, `let`s), encoded as the protocol's relative five-number groups.

use lsp_types::{SemanticTokenType, SemanticTokensLegend};

use super::index::Kind;
use super::Project;
use crate::syntax::lexer::{self, Token, CONTEXTUAL_WORDS};

/// The token types, in the order the legend gives them (their index is what the data holds).
pub const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::EVENT,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::CLASS,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::NAMESPACE,
];

#[must_use]
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

fn index_of(ty: &SemanticTokenType) -> u32 {
    let i = TYPES
        .iter()
        .position(|t| t == ty)
        .expect("a type of the legend");
    u32::try_from(i).expect("a few types")
}

/// The kind of each token of `text` that has one, as (start, end, type) in byte offsets.
fn classify(project: &Project, text: &str) -> Vec<(usize, usize, SemanticTokenType)> {
    let tokens = lexer::tokens(text);
    let schema = project.schema.as_ref();
    let is_event = |w: &str| schema.is_some_and(|s| s.event_id(w).is_some());
    let is_verb = |w: &str| schema.is_some_and(|s| s.verb(w).is_some());
    let is_property =
        |w: &str| schema.is_some_and(|s| s.events.iter().any(|e| e.property(w).is_some()));
    let mut out = Vec::new();
    for (i, (token, range)) in tokens.iter().enumerate() {
        let Some(token) = token else { continue };
        let word = &text[range.clone()];
        let before = i.checked_sub(1).and_then(|j| tokens[j].0);
        let after = tokens.get(i + 1).and_then(|t| t.0);
        let ty = match token {
            Token::Comment => SemanticTokenType::COMMENT,
            Token::String => SemanticTokenType::STRING,
            Token::Number
            | Token::Duration
            | Token::Date
            | Token::Timestamp
            | Token::True
            | Token::False => SemanticTokenType::NUMBER,
            Token::Ident if before == Some(Token::Dot) => SemanticTokenType::PROPERTY,
            Token::Ident if after == Some(Token::Dot) && matches!(word, "profile" | "account") => {
                SemanticTokenType::NAMESPACE
            }
            Token::Ident if is_event(word) => SemanticTokenType::EVENT,
            Token::Ident if crate::names::is_builtin(word) || is_verb(word) => {
                SemanticTokenType::FUNCTION
            }
            Token::Ident => match project.index.definition(word).map(|d| d.kind) {
                Some(Kind::Segment(_) | Kind::Campaign) => SemanticTokenType::CLASS,
                Some(Kind::Let) => SemanticTokenType::VARIABLE,
                None if CONTEXTUAL_WORDS.contains(&word) => SemanticTokenType::KEYWORD,
                None if is_property(word) => SemanticTokenType::PROPERTY,
                None => continue,
            },
            t if t.is_operator() => SemanticTokenType::OPERATOR,
            t if t.is_punctuation() => continue,
            _ => SemanticTokenType::KEYWORD,
        };
        out.push((range.start, range.end, ty));
    }
    out
}

/// The protocol's data for `text`: for each token, the line (from the previous token's), the
/// start (from the previous token's on the same line), the length (UTF-16 units), the type
/// and no modifiers.
#[must_use]
pub fn encode(project: &Project, text: &str) -> Vec<u32> {
    let mut data = Vec::new();
    // The position of the previous token's start, walked forward token by token (computing
    // each position from the text's start would be quadratic in a long file).
    let (mut at_byte, mut line, mut start) = (0, 0, 0);
    for (from, to, ty) in classify(project, text) {
        let between = &text[at_byte..from];
        let (token_line, token_start) = match between.rfind('\n') {
            Some(i) => (
                line + u32::try_from(between.matches('\n').count()).unwrap_or(u32::MAX),
                utf16_len(&between[i + 1..]),
            ),
            None => (line, start + utf16_len(between)),
        };
        let delta_line = token_line - line;
        let delta_start = if delta_line == 0 {
            token_start - start
        } else {
            token_start
        };
        data.extend([
            delta_line,
            delta_start,
            utf16_len(&text[from..to]),
            index_of(&ty),
            0,
        ]);
        (at_byte, line, start) = (from, token_line, token_start);
    }
    data
}

/// The length of `s` in UTF-16 code units.
fn utf16_len(s: &str) -> u32 {
    u32::try_from(s.chars().map(char::len_utf16).sum::<usize>()).unwrap_or(u32::MAX)
}

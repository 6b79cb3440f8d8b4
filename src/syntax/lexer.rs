//! A token stream for the language (logos), for tools that need tokens without a full
//! parse: the item splitter of the parser, REPL highlighting and completion, the formatter,
//! and "did you mean" for keywords. tests/lexer.rs keeps it in step with grammar/seg.pest.

use logos::Logos;

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\n\u{FEFF}]+")]
pub enum Token {
    #[regex(r"#[^\n]*")]
    Comment,

    // Reserved words (the grammar's `keyword` rule).
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("in")]
    In,
    #[token("contains")]
    Contains,
    #[token("starts_with")]
    StartsWith,
    #[token("ends_with")]
    EndsWith,
    #[token("matches")]
    Matches,
    #[token("is")]
    Is,
    #[token("then")]
    Then,
    #[token("ago")]
    Ago,
    #[token("where")]
    Where,
    #[token("within")]
    Within,
    #[token("today")]
    Today,
    #[token("yesterday")]
    Yesterday,
    #[token("between")]
    Between,
    #[token("before")]
    Before,
    #[token("after")]
    After,
    #[token("during")]
    During,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("now")]
    Now,
    #[token("segment")]
    Segment,
    #[token("let")]
    Let,
    #[token("import")]
    Import,
    #[token("campaign")]
    Campaign,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?")]
    Timestamp,
    #[regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    Date,
    #[regex(r"[0-9]+[smhdw]")]
    Duration,
    #[regex(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")]
    Number,
    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    String,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("=")]
    Assign,
    #[token("==")]
    Eq,
    #[token("!=")]
    Ne,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
}

/// The reserved words with their tokens (the grammar's `keyword` rule lists the same words).
/// The words that start a window, in the order the language reference lists them.
pub const WINDOW_WORDS: [&str; 7] = [
    "within",
    "today",
    "yesterday",
    "between",
    "before",
    "after",
    "during",
];

pub const KEYWORDS: &[(&str, Token)] = &[
    ("and", Token::And),
    ("or", Token::Or),
    ("not", Token::Not),
    ("in", Token::In),
    ("contains", Token::Contains),
    ("starts_with", Token::StartsWith),
    ("ends_with", Token::EndsWith),
    ("matches", Token::Matches),
    ("is", Token::Is),
    ("then", Token::Then),
    ("ago", Token::Ago),
    ("where", Token::Where),
    ("within", Token::Within),
    ("today", Token::Today),
    ("yesterday", Token::Yesterday),
    ("between", Token::Between),
    ("before", Token::Before),
    ("after", Token::After),
    ("during", Token::During),
    ("true", Token::True),
    ("false", Token::False),
    ("now", Token::Now),
    ("segment", Token::Segment),
    ("let", Token::Let),
    ("import", Token::Import),
    ("campaign", Token::Campaign),
];

/// Words that are keywords only where the grammar expects them (`on account`, `is set`,
/// `from`, `to`, calendar units); elsewhere they are names.
pub const CONTEXTUAL_WORDS: &[&str] = &[
    "on", "account", "set", "from", "to", "months", "weekdays", "hours", "users", "profile",
    "target", "goal", "exclude", "holdout", "priority",
];

/// A token and its byte range; `None` for a character no token starts with.
pub type Spanned = (Option<Token>, std::ops::Range<usize>);

/// Every token of `text`, with the unlexable stretches as `None`.
#[must_use]
pub fn tokens(text: &str) -> Vec<Spanned> {
    Token::lexer(text)
        .spanned()
        .map(|(t, range)| (t.ok(), range))
        .collect()
}

impl Token {
    #[must_use]
    pub fn is_keyword(self) -> bool {
        KEYWORDS.iter().any(|(_, t)| *t == self)
    }

    #[must_use]
    pub fn is_literal(self) -> bool {
        matches!(
            self,
            Token::Timestamp
                | Token::Date
                | Token::Duration
                | Token::Number
                | Token::String
                | Token::True
                | Token::False
                | Token::Now
        )
    }

    /// A comparison or arithmetic operator, or `=`.
    #[must_use]
    pub fn is_operator(self) -> bool {
        matches!(
            self,
            Token::Assign
                | Token::Eq
                | Token::Ne
                | Token::Lt
                | Token::Le
                | Token::Gt
                | Token::Ge
                | Token::Plus
                | Token::Minus
                | Token::Star
                | Token::Slash
        )
    }

    /// Brackets, commas and the dot.
    #[must_use]
    pub fn is_punctuation(self) -> bool {
        matches!(
            self,
            Token::LParen
                | Token::RParen
                | Token::LBracket
                | Token::RBracket
                | Token::Comma
                | Token::Dot
        )
    }

    /// Starts an item: the parser cuts files at these.
    #[must_use]
    pub fn starts_item(self) -> bool {
        matches!(
            self,
            Token::Segment | Token::Let | Token::Import | Token::Campaign
        )
    }
}

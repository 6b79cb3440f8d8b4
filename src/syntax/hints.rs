//! Hints for the slips a new user makes, read from the tokens around a syntax error: what
//! stands there (`=>`, `;`, a window after the call, `7 days`), the token before it, what the
//! grammar expected, and the brackets still open. The first rule that fits gives the help; a
//! bracket that is never closed is also pointed at.

use std::ops::Range;

use super::lexer::{self, Token};

/// The help of a syntax error, and a bracket to point at ("never closed" or "closes nothing").
#[derive(Debug, Default)]
pub(super) struct Hint {
    pub help: Option<String>,
    pub bracket: Option<(Range<usize>, &'static str)>,
}

/// What the parser saw before the error.
struct Before<'t> {
    /// The last tokens before the error, latest last, with their text.
    tokens: Vec<(Option<Token>, &'t str)>,
    /// The brackets still open, innermost last, with the token before each.
    open: Vec<(Token, Range<usize>, Option<Token>)>,
    /// A closing bracket at the error that closes nothing.
    stray: bool,
}

impl Before<'_> {
    fn last(&self) -> Option<Token> {
        self.tokens.last().and_then(|(t, _)| *t)
    }

    fn last_text(&self) -> &str {
        self.tokens.last().map_or("", |(_, s)| s)
    }
}

fn before(text: &str, start: usize, pos: usize) -> Before<'_> {
    let mut tokens = Vec::new();
    let mut open: Vec<(Token, Range<usize>, Option<Token>)> = Vec::new();
    let mut previous = None;
    for (token, range) in lexer::tokens(&text[start..pos]) {
        if token == Some(Token::Comment) {
            continue;
        }
        let absolute = start + range.start..start + range.end;
        match token {
            Some(t @ (Token::LParen | Token::LBracket)) => {
                open.push((t, absolute.clone(), previous));
            }
            Some(Token::RParen | Token::RBracket) => {
                open.pop();
            }
            _ => {}
        }
        previous = token;
        tokens.push((token, &text[absolute]));
    }
    let at = &text[pos..];
    let stray = (at.starts_with(')') || at.starts_with(']')) && open.is_empty();
    Before {
        tokens,
        open,
        stray,
    }
}

const TIME_WORDS: [&str; 18] = [
    "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "hour", "hours",
    "day", "days", "week", "weeks", "month", "months", "years",
];

const BINARY_WORDS: [&str; 9] = [
    "and",
    "or",
    "in",
    "then",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "is",
];

/// The hint for an error at `pos` in the item `text[start..end]`; `expected` is what the
/// grammar wanted there, in our words.
pub(super) fn hint(text: &str, start: usize, pos: usize, end: usize, expected: &[String]) -> Hint {
    let pos = pos.min(end);
    let before = before(text, start, pos);
    let rest = &text[pos..end];
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let wants = |e: &str| expected.iter().any(|x| x == e);
    let mut hint = Hint {
        help: help(&before, rest, &word, &wants),
        bracket: None,
    };
    if before.stray {
        hint.bracket = Some((pos..pos + 1, "this closes no bracket"));
        hint.help.get_or_insert_with(|| {
            "this bracket closes nothing: remove it, or open it earlier".into()
        });
    } else if rest.is_empty() {
        if let Some((token, range, _)) = before.open.last() {
            let (open, close) = if *token == Token::LParen {
                ("(", ")")
            } else {
                ("[", "]")
            };
            hint.bracket = Some((range.clone(), "opened here"));
            hint.help.get_or_insert_with(|| {
                format!("this `{open}` is never closed: end it with `{close}`")
            });
        }
    }
    hint
}

fn help(
    before: &Before<'_>,
    rest: &str,
    word: &str,
    wants: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let expression_wanted = wants("an expression");
    let name_wanted = wants("a name");
    let last = before.last();
    if last == Some(Token::Import) && !rest.starts_with('"') {
        return Some("the path is a string: `import \"common.seg\"`".into());
    }
    if name_wanted && matches!(last, Some(Token::Segment | Token::Let)) {
        if rest.starts_with('"') {
            return Some("the name comes first: `segment NAME \"description\" = ...`".into());
        }
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Some("a name starts with a letter or `_`".into());
        }
    }
    if rest.starts_with('-') && before.tokens.len() == 2 && matches!(last, Some(Token::Ident)) {
        let name = before.last_text();
        return Some(format!(
            "names are letters, digits and `_`: write `{name}_...` rather than `{name}-...`"
        ));
    }
    if last == Some(Token::Ident) && before.last_text() == "on" && wants("`account`") {
        return Some(
            "`on account` makes an account segment; a segment without `on` is over users".into(),
        );
    }
    if last == Some(Token::Is) && !matches!(word, "set" | "not") {
        return Some("test whether a value is present with `is set` or `is not set`".into());
    }
    if last == Some(Token::Number) && TIME_WORDS.contains(&word) {
        return Some(if word.starts_with("month") || word.starts_with("year") {
            "a duration is written in days or weeks without a space: `30d`, `52w`".into()
        } else {
            "a duration is written without a space: `30s`, `15m`, `12h`, `7d`, `2w`".into()
        });
    }
    if matches!(word, "starts" | "ends" | "start" | "end")
        && rest[word.len()..].trim_start().starts_with("with")
    {
        let stem = if word.starts_with("start") {
            "starts"
        } else {
            "ends"
        };
        return Some(format!("write `{stem}_with`, in one word"));
    }
    if lexer::WINDOW_WORDS.contains(&word) && !wants("a window") {
        return Some(if before.open.is_empty() {
            format!("a window goes inside the call, after the event: `count(purchase {word} ...)`")
        } else if matches!(last, Some(Token::And | Token::Or)) {
            format!("a window ends the event set, without `and`: `did(purchase where value > 10 {word} ...)`")
        } else {
            "an event set takes one window, at its end".into()
        });
    }
    if expression_wanted && BINARY_WORDS.contains(&word) {
        return Some(format!(
            "`{word}` goes between two values: something is missing before it"
        ));
    }
    if expression_wanted && (rest.is_empty() || rest.starts_with([')', ']', ','])) {
        if let Some((_, text)) = before.tokens.last() {
            return Some(format!("`{text}` needs a value after it"));
        }
    }
    if let Some((keyword, _)) = lexer::KEYWORDS.iter().find(|(k, _)| *k == word) {
        if expression_wanted || name_wanted {
            return Some(format!(
                "`{keyword}` is a reserved word and cannot be used as a name"
            ));
        }
    }
    symbol_help(before, rest, wants)
}

/// Hints about symbols: quotes, `=` and its look-alikes, `;`, `&&`, `(` for a list.
fn symbol_help(before: &Before<'_>, rest: &str, wants: &dyn Fn(&str) -> bool) -> Option<String> {
    if rest.starts_with('"') && !rest[1..].lines().next().unwrap_or("").contains('"') {
        return Some("this string is never closed: end it with `\"` on the same line".into());
    }
    // `<>` fails at its `>`, after the grammar took `<`.
    let not_equal = rest.starts_with('>') && before.last() == Some(Token::Lt);
    if not_equal {
        return Some("write `!=`".into());
    }
    for (written, meant) in [("=>", ">="), ("=<", "<="), ("=!", "!=")] {
        if rest.starts_with(written) {
            return Some(format!("write `{meant}`"));
        }
    }
    // `segment s == ...`: the grammar took the first `=` and wants a value at the second.
    let doubled = before.last() == Some(Token::Assign) && rest.starts_with('=');
    if doubled || rest.starts_with("==") && wants("`=`") {
        return Some("a definition takes one `=`: `segment NAME = ...`, `let NAME = ...`".into());
    }
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("to compare two values write `==`".into());
    }
    if rest.starts_with(';') {
        return Some(
            "seg needs no `;`: an item ends where the next `segment`, `let` or `import` begins"
                .into(),
        );
    }
    if rest.starts_with(',')
        && before
            .open
            .last()
            .is_some_and(|(t, _, previous)| *t == Token::LParen && *previous != Some(Token::Ident))
    {
        return Some("a list is written in square brackets: `[\"DE\", \"FR\"]`".into());
    }
    if rest.starts_with('&')
        || rest.starts_with('|')
        || rest.starts_with('!') && !rest.starts_with("!=")
    {
        return Some("logic is written with the words `and`, `or` and `not`".into());
    }
    if rest.starts_with('\'') {
        return Some("strings are written in double quotes".into());
    }
    None
}

//! Syntax errors in our own words: pest's failed attempts (rule names and expected literal
//! tokens) become "expected X, Y or Z, found T", with a hint for the common slips (hints.rs:
//! `=` for `==`, `=>`, `&&`, single quotes, reserved words, unclosed strings and brackets).

use pest::error::{ErrorVariant, InputLocation};

use super::lexer::Token;
use super::parser::Rule;
use super::{hints, lexer};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    } + start;
    let mut expected: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !expected.contains(&s) {
            expected.push(s);
        }
    };
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(text) = describe_rule(*rule) {
                push(text.to_string());
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            // `ParsingToken` is not exported; its Debug form tells literal tokens apart.
            if format!("{token:?}").starts_with("Sensitive") {
                push(describe_token(&token.to_string()));
            }
        }
    }
    expected.retain(|e| !matches!(e.trim_matches('`').trim(), "" | "#" | "\u{feff}"));
    // Letters, `_` and `"` are the insides of a name, number, duration or string, and `(` and
    // `.` the continuations of a name: listing them (`expected `E`, `d`, `(`...`) names
    // nothing the user meant.
    expected.retain(|e| !is_inside_a_token(e));
    let wants = |word: &str| expected.iter().any(|e| e == word);
    let (window, on_account) = (wants("a window"), wants("`on account`"));
    let in_changed = text[start..pos.min(end)].contains("changed");
    expected.retain(|e| {
        !(window && lexer::WINDOW_WORDS.contains(&e.trim_matches('`'))
            || on_account && e == "`on`"
            || !in_changed && matches!(e.as_str(), "`from`" | "`to`"))
    });
    if expected.iter().any(|e| e == "an expression") {
        // Whatever starts an expression is said by "an expression".
        expected.retain(|e| !starts_expression(e) && !is_operator_token(e));
    } else if expected.iter().any(|e| e == "an operator") {
        expected.retain(|e| !is_operator_token(e));
    }
    expected.sort_by_key(|e| expected_rank(e));
    let found = found_at(text, pos, end);
    let span_end = next_token_end(text, pos, end);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let label = if pos >= end {
        "the item ends here".to_string()
    } else {
        format!("unexpected {found}")
    };
    let hint = hints::hint(text, start, pos, end, &expected);
    let mut diagnostic =
        Diagnostic::new(Code::Syntax, Span::new(file, pos, span_end), message, label);
    if let Some((range, label)) = hint.bracket {
        if range.end > span_end || range.start < pos {
            diagnostic = diagnostic.with_secondary(Span::new(file, range.start, range.end), label);
        }
    }
    if let Some(help) = hint.help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// A keyword where a `segment` or `let` item names itself: said as such, at the name, rather
/// than as whatever pest expected there.
pub(super) fn keyword_as_name(
    file: FileId,
    text: &str,
    (start, end): (usize, usize),
    tokens: &[lexer::Spanned],
) -> Option<Diagnostic> {
    let at = tokens.partition_point(|(_, r)| r.start < start);
    let mut rest = tokens[at..]
        .iter()
        .take_while(|(_, r)| r.end <= end)
        .filter(|(t, _)| *t != Some(Token::Comment));
    let (Some(Token::Segment | Token::Let), item) = rest.next()? else {
        return None;
    };
    let (Some(token), name) = rest.next()? else {
        return None;
    };
    if !token.is_keyword() {
        return None;
    }
    let (word, what) = (&text[name.clone()], &text[item.clone()]);
    let words: Vec<&str> = lexer::KEYWORDS.iter().map(|(k, _)| *k).collect();
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(file, name.start, name.end),
            format!("`{word}` is a keyword and cannot be the name of a {what}"),
            "a keyword, not a name",
        )
        .with_help(format!(
            "choose another name, such as `{word}_{what}`; the keywords are {}",
            words.join(", ")
        )),
    )
}

fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::expr
        | Rule::bound
        | Rule::paren
        | Rule::list
        | Rule::call
        | Rule::path
        | Rule::name
        | Rule::timestamp
        | Rule::date
        | Rule::duration
        | Rule::number
        | Rule::boolean
        | Rule::now => "an expression",
        Rule::ident => "a name",
        Rule::string | Rule::string_body => "a string",
        Rule::window
        | Rule::w_within
        | Rule::w_today
        | Rule::w_yesterday
        | Rule::w_between
        | Rule::w_before
        | Rule::w_after
        | Rule::w_during => "a window",
        Rule::integer => "a whole number",
        Rule::calendar_unit => "`months`, `weekdays` or `hours`",
        Rule::arg => "an argument",
        Rule::arg_where | Rule::kw_where => "`where`",
        Rule::arg_from | Rule::kw_from => "`from`",
        Rule::arg_to | Rule::kw_to => "`to`",
        Rule::on_account | Rule::kw_on => "`on account`",
        Rule::kw_account => "`account`",
        Rule::EOI => "the end of the item",
        r if format!("{r:?}").starts_with("op_") => "an operator",
        _ => return None,
    })
}

fn describe_token(token: &str) -> String {
    match token {
        "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "*" | "/" | "contains" | "starts_with"
        | "ends_with" | "matches" => "an operator".to_string(),
        t => format!("`{t}`"),
    }
}

/// A token that stands inside a longer one: a letter or `_` (of a name, an exponent, a
/// duration's unit), a quote (of a string), or `(` and `.` after a name.
fn is_inside_a_token(text: &str) -> bool {
    let inner = text.strip_prefix('`').and_then(|t| t.strip_suffix('`'));
    match inner {
        Some(t) if t.chars().count() == 1 => t
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '"' | '(' | '.')),
        _ => false,
    }
}

fn starts_expression(text: &str) -> bool {
    matches!(
        text,
        "a name"
            | "a string"
            | "an operator"
            | "`(`"
            | "`[`"
            | "`-`"
            | "`\"`"
            | "`_`"
            | "`true`"
            | "`false`"
            | "`now`"
            | "`not`"
    )
}

fn is_operator_token(text: &str) -> bool {
    [
        "`-`",
        "`and`",
        "`or`",
        "`not`",
        "`in`",
        "`then`",
        "`is`",
        "`contains`",
        "`matches`",
        "`ago`",
    ]
    .contains(&text)
}

/// Orders the alternatives of an "expected" list: the common ones first.
fn expected_rank(text: &str) -> (u8, String) {
    let rank = match text {
        "an expression" => 0,
        "a name" => 1,
        "a string" => 2,
        "an operator" => 8,
        "the end of the item" => 9,
        _ => 5,
    };
    (rank, text.to_string())
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What stands at `pos`: the next token, quoted, or "the end of the item".
fn found_at(text: &str, pos: usize, end: usize) -> String {
    if pos >= end {
        return "the end of the item".into();
    }
    let span_end = next_token_end(text, pos, end);
    let found = &text[pos..span_end];
    if found.chars().count() > 30 {
        format!("`{}...`", found.chars().take(27).collect::<String>())
    } else {
        format!("`{found}`")
    }
}

fn next_token_end(text: &str, pos: usize, end: usize) -> usize {
    if pos >= end {
        return pos;
    }
    match lexer::tokens(&text[pos..end]).first() {
        Some((_, range)) if range.start == 0 => pos + range.end.max(1),
        _ => pos + text[pos..].chars().next().map_or(0, char::len_utf8),
    }
}

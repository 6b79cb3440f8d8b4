//! Tab completion that knows where the cursor is.
//!
//! The text before the cursor is read with the logos lexer: the word being typed is the run of
//! name characters before the cursor; what may go there follows from the tokens before it.
//! `EVENT.` and `profile.` / `account.` offer that event's properties or those attributes;
//! the first argument of an event-set builtin (`did(`, `count(`, `sum(` ...) offers event
//! names, and after the event `where` and the windows; inside `where`, the event's properties
//! come first; elsewhere, segments, `let`s, builtins, verbs and keywords. A `:` at the start
//! of the input offers the commands, and their arguments where they have a fixed set (engines,
//! files for `:load`, help topics). Candidates are sorted and deduplicated.

use std::path::Path;

use super::commands::COMMANDS;
use super::vocab::{takes_event_set, Vocabulary};
use crate::names::builtins::BUILTINS;
use crate::syntax::lexer::{self, Token, KEYWORDS, WINDOW_WORDS};

/// A completion: the candidates replace `line[start..pos]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<String>,
}

/// Completes the word before `pos` in `line`.
#[must_use]
pub fn complete(line: &str, pos: usize, vocab: &Vocabulary) -> Completion {
    let pos = floor_boundary(line, pos);
    let before = &line[..pos];
    let start = word_start(before);
    let word = &before[start..];
    let leading = before.len() - before.trim_start().len();
    if before[leading..].starts_with(':') {
        return complete_command(before, leading + 1, vocab);
    }
    Completion {
        start,
        candidates: filter(expression_candidates(&before[..start], vocab), word),
    }
}

/// The largest char boundary at or before `pos`.
fn floor_boundary(line: &str, pos: usize) -> usize {
    let mut pos = pos.min(line.len());
    while !line.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the run of name characters that ends `text` starts.
fn word_start(text: &str) -> usize {
    text.trim_end_matches(is_name_char).len()
}

/// The candidates that start with `word`, sorted, without repeats.
fn filter(mut candidates: Vec<String>, word: &str) -> Vec<String> {
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return Vec::new();
    }
    candidates.retain(|c| c.starts_with(word) && c != word);
    candidates.sort();
    candidates.dedup();
    candidates
}

/// `:name` and its arguments; `name_start` is just after the colon.
fn complete_command(before: &str, name_start: usize, vocab: &Vocabulary) -> Completion {
    let rest = &before[name_start..];
    let Some(space) = rest.find(char::is_whitespace) else {
        let names = COMMANDS.iter().map(|c| c.name.to_string()).collect();
        return Completion {
            start: name_start,
            candidates: filter(names, rest),
        };
    };
    let name = &rest[..space];
    let args_start = name_start + space + (rest.len() - space - rest[space..].trim_start().len());
    let args = &before[args_start..];
    let start = word_start(before).max(args_start);
    let word = &before[start..];
    let fixed = |options: Vec<String>| Completion {
        start,
        candidates: filter(options, word),
    };
    match name {
        "engine" => fixed(vec!["interp".into(), "jit".into()]),
        "help" => fixed(
            COMMANDS
                .iter()
                .map(|c| c.name.to_string())
                .chain(BUILTINS.iter().map(|b| b.name.to_string()))
                .collect(),
        ),
        "load" => complete_path(args, args_start),
        "explain" => match args.find(char::is_whitespace) {
            // The user id: nothing to offer.
            None => Completion::default(),
            Some(_) => fixed(expression_candidates(&before[args_start..start], vocab)),
        },
        _ => Completion::default(),
    }
}

/// Folders and `.seg` files whose names start with the last path component typed.
fn complete_path(typed: &str, typed_start: usize) -> Completion {
    let (dir, prefix) = match typed.rfind('/') {
        Some(slash) => (&typed[..=slash], &typed[slash + 1..]),
        None => ("", typed),
    };
    let listing = std::fs::read_dir(if dir.is_empty() {
        Path::new(".")
    } else {
        Path::new(dir)
    });
    let mut candidates: Vec<String> = listing
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let is_dir = entry.path().is_dir();
            let wanted = name.starts_with(prefix)
                && !(prefix.is_empty() && name.starts_with('.'))
                && (is_dir || Path::new(&name).extension().is_some_and(|e| e == "seg"));
            wanted.then(|| if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    candidates.sort();
    Completion {
        start: typed_start + dir.len(),
        candidates,
    }
}

/// An open bracket and what the tokens inside it say so far.
#[derive(Debug, Default)]
struct Frame {
    /// The name before `(`, for a call.
    head: Option<String>,
    /// The tokens of the current argument so far.
    arg_tokens: usize,
    /// The event named first in the current argument (event sets).
    event: Option<String>,
    /// After `where` in the current argument.
    in_where: bool,
    /// The event whose properties are names here (inside a `where`, at any depth).
    scope: Option<String>,
}

impl Frame {
    fn scope(&self) -> Option<&str> {
        if self.in_where {
            self.event.as_deref()
        } else {
            self.scope.as_deref()
        }
    }
}

/// What may stand at the end of `text` (the text before the word being completed).
fn expression_candidates(text: &str, vocab: &Vocabulary) -> Vec<String> {
    if let Some(head) = text.strip_suffix('.') {
        let name = &head[word_start(head)..];
        return match name {
            "profile" => vocab.profile.clone(),
            "account" => vocab.account.clone(),
            event => vocab
                .properties(event)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        };
    }
    let tokens = lexer::tokens(text);
    if in_string(text) || matches!(tokens.last(), Some((None, _))) {
        // Inside a string, or after a character that is not seg.
        return Vec::new();
    }
    let frames = open_frames(text, &tokens);
    let top = frames.last();
    let event_set = top
        .and_then(|f| f.head.as_deref())
        .is_some_and(takes_event_set);
    match top {
        Some(frame) if event_set && frame.arg_tokens == 0 => {
            let mut names: Vec<String> = vocab.events.iter().map(|(e, _)| e.clone()).collect();
            if frame.head.as_deref() == Some("count") {
                names.push("users".into());
            }
            names
        }
        Some(frame) if event_set && !frame.in_where => {
            // What may follow an event inside an event set.
            std::iter::once("where")
                .chain(WINDOW_WORDS)
                .map(str::to_string)
                .collect()
        }
        Some(frame) if frame.head.as_deref() == Some("changed") && frame.arg_tokens == 0 => {
            vec!["profile.".into(), "account.".into()]
        }
        _ => {
            let mut names = general(vocab);
            if let Some(event) = top.and_then(Frame::scope) {
                names.extend(vocab.properties(event).unwrap_or_default().iter().cloned());
                names.push("ts".into());
            }
            names
        }
    }
}

/// True when `text` ends inside a string literal.
fn in_string(text: &str) -> bool {
    let (mut string, mut comment, mut escaped) = (false, false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if string => escaped = true,
            '"' if !comment => string = !string,
            '#' if !string => comment = true,
            '\n' => (string, comment) = (false, false),
            _ => {}
        }
    }
    string
}

/// The brackets still open at the end of `text`, outermost first.
fn open_frames(text: &str, tokens: &[lexer::Spanned]) -> Vec<Frame> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut previous: Option<(Token, &str)> = None;
    for (token, range) in tokens {
        let Some(token) = *token else { continue };
        let slice = &text[range.clone()];
        match token {
            Token::Comment => continue,
            Token::LParen | Token::LBracket => {
                let head = match previous {
                    Some((Token::Ident, name)) if token == Token::LParen => Some(name.to_string()),
                    _ => None,
                };
                let scope = frames.last().and_then(Frame::scope).map(str::to_string);
                frames.push(Frame {
                    head,
                    scope,
                    ..Frame::default()
                });
            }
            Token::RParen | Token::RBracket => {
                frames.pop();
                if let Some(frame) = frames.last_mut() {
                    frame.arg_tokens += 1;
                }
            }
            Token::Comma => {
                if let Some(frame) = frames.last_mut() {
                    frame.arg_tokens = 0;
                    frame.event = None;
                    frame.in_where = false;
                }
            }
            _ => {
                if let Some(frame) = frames.last_mut() {
                    if token == Token::Where {
                        frame.in_where = true;
                    } else if token == Token::Ident && frame.arg_tokens == 0 {
                        frame.event = Some(slice.to_string());
                    }
                    frame.arg_tokens += 1;
                }
            }
        }
        previous = Some((token, slice));
    }
    frames
}

/// Names that may start an expression anywhere.
fn general(vocab: &Vocabulary) -> Vec<String> {
    let mut names: Vec<String> = BUILTINS.iter().map(|b| format!("{}(", b.name)).collect();
    names.extend(vocab.verbs.iter().map(|v| format!("{v}(")));
    names.extend(vocab.segments.iter().cloned());
    names.extend(vocab.lets.iter().cloned());
    names.extend(["profile.".to_string(), "account.".to_string()]);
    names.extend(KEYWORDS.iter().map(|(k, _)| (*k).to_string()));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let props = |names: &[&str]| names.iter().map(|n| (*n).to_string()).collect();
        Vocabulary {
            events: vec![
                ("add_to_cart".into(), props(&["price", "product"])),
                ("login".into(), props(&["method"])),
                ("page_view".into(), props(&["url"])),
                ("purchase".into(), props(&["category", "value"])),
                ("push_unsubscribe".into(), Vec::new()),
            ],
            verbs: vec!["visited".into()],
            profile: vec!["country".into(), "email_opt_in".into()],
            account: vec!["seats".into(), "stage".into()],
            segments: vec!["cart_abandoners".into(), "high_value".into()],
            lets: vec!["big_order".into()],
        }
    }

    fn at_end(line: &str) -> Vec<String> {
        complete(line, line.len(), &vocab()).candidates
    }

    #[test]
    fn after_an_event_and_a_dot_only_its_properties() {
        assert_eq!(at_end("sum(purchase."), ["category", "value"]);
        assert_eq!(at_end("sum(purchase.v"), ["value"]);
        assert_eq!(at_end("top(add_to_cart."), ["price", "product"]);
        assert!(at_end("sum(nosuch.").is_empty());
    }

    #[test]
    fn after_profile_and_account_their_attributes() {
        assert_eq!(at_end("profile."), ["country", "email_opt_in"]);
        assert_eq!(at_end("did(login) and profile.co"), ["country"]);
        assert_eq!(at_end("account.s"), ["seats", "stage"]);
    }

    #[test]
    fn event_names_at_the_head_of_event_sets() {
        assert_eq!(at_end("did(pu"), ["purchase", "push_unsubscribe"]);
        assert_eq!(at_end("not did(add_to_cart today) and count(l"), ["login"]);
        assert_eq!(
            at_end("count("),
            [
                "add_to_cart",
                "login",
                "page_view",
                "purchase",
                "push_unsubscribe",
                "users"
            ]
        );
        assert_eq!(at_end("steps(did(page_view), did(pur"), ["purchase"]);
        let completion = complete("did(pur) and x", 7, &vocab());
        assert_eq!(completion.start, 4);
        assert_eq!(completion.candidates, ["purchase"]);
    }

    #[test]
    fn after_the_event_where_and_windows() {
        assert_eq!(at_end("did(purchase w"), ["where", "within"]);
        assert_eq!(at_end("count(login t"), ["today"]);
    }

    #[test]
    fn inside_where_the_events_properties_come_with_the_names() {
        let names = at_end("did(purchase where ");
        assert!(names.contains(&"category".to_string()), "{names:?}");
        assert!(names.contains(&"ts".to_string()), "{names:?}");
        assert!(names.contains(&"did(".to_string()), "{names:?}");
        assert!(!names.contains(&"url".to_string()), "{names:?}");
        assert_eq!(at_end("did(purchase where lower(cat"), ["category"]);
        assert_eq!(at_end("did(purchase where value > 1 and va"), ["value"]);
        // Not after the set is closed.
        assert!(at_end("did(purchase where value > 1) and va").is_empty());
    }

    #[test]
    fn elsewhere_segments_lets_builtins_and_keywords() {
        assert_eq!(at_end("cart"), ["cart_abandoners"]);
        assert_eq!(at_end("did(login) and hi"), ["high_value"]);
        assert_eq!(at_end("count(purchase) > bi"), ["big_order"]);
        assert_eq!(at_end("di"), ["did(", "distinct("]);
        assert_eq!(at_end("du"), ["during"]);
        assert_eq!(at_end("vis"), ["visited("]);
        assert_eq!(at_end("prof"), ["profile."]);
        assert_eq!(at_end("changed("), ["account.", "profile."]);
        assert_eq!(
            at_end("did(login) a"),
            ["account.", "after", "ago", "all(", "and", "any(", "avg("]
        );
    }

    #[test]
    fn nothing_inside_strings_or_numbers() {
        assert!(at_end("visited(\"/pri").is_empty());
        assert!(at_end("count(login) > 3").is_empty());
        assert!(at_end("within 7").is_empty());
    }

    #[test]
    fn commands_at_the_start_of_the_line() {
        assert_eq!(at_end(":"), names(COMMANDS.iter().map(|c| c.name)));
        assert_eq!(at_end(":se"), ["segments"]);
        let completion = complete(":ex", 3, &vocab());
        assert_eq!(
            (completion.start, completion.candidates),
            (1, vec!["explain".into()])
        );
        assert_eq!(at_end(":engine j"), ["jit"]);
        assert_eq!(at_end(":help su"), ["sum"]);
        assert_eq!(at_end(":explain u000001 did(pa"), ["page_view"]);
        assert!(at_end(":explain u0").is_empty());
        // Not a command in the middle of an expression.
        assert!(at_end("did(login) :").is_empty());
    }

    #[test]
    fn load_offers_folders_and_seg_files() {
        let dir = std::env::temp_dir().join(format!("seg-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("segs")).unwrap();
        std::fs::write(dir.join("retail.seg"), "").unwrap();
        std::fs::write(dir.join("readme.txt"), "").unwrap();
        let line = format!(":load {}/re", dir.display());
        let completion = complete(&line, line.len(), &vocab());
        assert_eq!(completion.candidates, ["retail.seg"]);
        assert_eq!(completion.start, line.len() - 2);
        let line = format!(":load {}/", dir.display());
        assert_eq!(at_end(&line), ["retail.seg", "segs/"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
        let mut names: Vec<String> = names.map(str::to_string).collect();
        names.sort();
        names
    }
}

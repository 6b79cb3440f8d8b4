//! The `TextMate` grammar of `.seg` files (editors/vscode/syntaxes/seg.tmLanguage.json), made
//! from the lexer's tables so that it cannot drift from them: the reserved words
//! ([`KEYWORDS`]), the words reserved where the grammar expects them ([`CONTEXTUAL_WORDS`]) and
//! the builtins ([`BUILTINS`]). tests/editors.rs checks the committed file against it.

use serde_json::{json, Value};

use crate::names::builtins::BUILTINS;
use crate::syntax::lexer::{CONTEXTUAL_WORDS, KEYWORDS};

/// `\b(a|b|...)\b` over `words`, longest first (so that no word shadows a longer one).
fn words(words: impl Iterator<Item = &'static str>) -> String {
    let mut words: Vec<&str> = words.collect();
    words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.dedup();
    format!("\\b({})\\b", words.join("|"))
}

/// The grammar, as the JSON the file holds.
#[must_use]
pub fn textmate() -> Value {
    let items = ["segment", "let", "import", "campaign"];
    let literals = ["true", "false", "now"];
    let keywords = words(
        KEYWORDS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| !items.contains(k) && !literals.contains(k)),
    );
    json!({
        "name": "seg",
        "scopeName": "source.seg",
        "fileTypes": ["seg"],
        "comment": "Generated from seg's lexer tables (src/lsp/grammar.rs); do not edit by hand.",
        "patterns": [
            {"name": "comment.line.number-sign.seg", "match": "#.*$"},
            {
                "name": "string.quoted.double.seg",
                "begin": "\"",
                "end": "\"|$",
                "patterns": [{"name": "constant.character.escape.seg", "match": "\\\\."}]
            },
            {
                "name": "constant.other.timestamp.seg",
                "match": "\\b[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?\\b"
            },
            {"name": "constant.numeric.duration.seg", "match": "\\b[0-9]+[smhdw]\\b"},
            {"name": "constant.numeric.seg", "match": "\\b[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?\\b"},
            {
                "match": "\\b(segment|campaign|let)\\s+([A-Za-z_][A-Za-z0-9_]*)",
                "captures": {
                    "1": {"name": "storage.type.seg"},
                    "2": {"name": "entity.name.function.seg"}
                }
            },
            {"name": "storage.type.seg", "match": words(items.into_iter())},
            {"name": "constant.language.seg", "match": words(literals.into_iter())},
            {"name": "keyword.other.seg", "match": keywords},
            {
                "name": "keyword.other.contextual.seg",
                "match": words(CONTEXTUAL_WORDS.iter().copied())
            },
            {
                "name": "support.function.builtin.seg",
                "match": format!("{}(?=\\s*\\()", words(BUILTINS.iter().map(|b| b.name)))
            },
            {"name": "keyword.operator.seg", "match": "==|!=|<=|>=|<|>|\\+|-|\\*|/|="},
            {"name": "variable.other.seg", "match": "\\b[A-Za-z_][A-Za-z0-9_]*\\b"}
        ]
    })
}

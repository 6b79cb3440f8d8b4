//! Keeps the logos lexer in step with the pest grammar: the same reserved words, and the same
//! literal forms (a literal rule matches a whole text exactly when the lexer reads that text as
//! one token of the matching kind), on fixed and generated samples.

use pest::Parser as _;
use proptest::prelude::*;

use super::lexer::{tokens, Token, KEYWORDS};
use super::parser::{Grammar, Rule};

const LITERALS: [(Rule, Token); 6] = [
    (Rule::timestamp, Token::Timestamp),
    (Rule::date, Token::Date),
    (Rule::duration, Token::Duration),
    (Rule::number, Token::Number),
    (Rule::string, Token::String),
    (Rule::ident, Token::Ident),
];

fn grammar_matches_whole(rule: Rule, text: &str) -> bool {
    Grammar::parse(rule, text).is_ok_and(|pairs| pairs.as_str() == text)
}

fn lexes_as_one(token: Token, text: &str) -> bool {
    matches!(tokens(text).as_slice(), [(Some(t), range)] if *t == token && range.len() == text.len())
}

fn assert_agree(text: &str) {
    for (rule, token) in LITERALS {
        assert_eq!(
            grammar_matches_whole(rule, text),
            lexes_as_one(token, text),
            "grammar rule {rule:?} and lexer token {token:?} disagree on {text:?}"
        );
    }
}

#[test]
fn keywords_are_the_same_in_grammar_and_lexer() {
    let grammar = include_str!("../../grammar/seg.pest");
    let start = grammar
        .find("\nkeyword = @{")
        .expect("the grammar has a keyword rule");
    let body = &grammar[start..start + grammar[start..].find("~ !ident_char").expect("rule end")];
    let mut in_grammar: Vec<&str> = body.split('"').skip(1).step_by(2).collect();
    let mut in_lexer: Vec<&str> = KEYWORDS.iter().map(|(k, _)| *k).collect();
    in_grammar.sort_unstable();
    in_lexer.sort_unstable();
    assert_eq!(in_grammar, in_lexer);
    for (word, token) in KEYWORDS {
        assert!(
            lexes_as_one(*token, word),
            "{word} lexes as {:?}",
            tokens(word)
        );
        assert!(
            grammar_matches_whole(Rule::keyword, word),
            "{word} is not a grammar keyword"
        );
        assert!(
            !grammar_matches_whole(Rule::ident, word),
            "{word} parses as a name"
        );
        let longer = format!("{word}_x");
        assert!(grammar_matches_whole(Rule::ident, &longer) && lexes_as_one(Token::Ident, &longer));
    }
}

#[test]
fn every_keyword_rule_is_skipped_by_the_builder() {
    let grammar = include_str!("../../grammar/seg.pest");
    let parser = include_str!("parser.rs");
    let rules = grammar
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("kw_"));
    for rule in rules {
        assert!(
            parser.contains(&format!("Rule::{rule} "))
                || parser.contains(&format!("Rule::{rule}\n")),
            "{rule} is missing from is_keyword_rule"
        );
    }
}

#[test]
fn fixed_literal_samples_agree() {
    for text in [
        "12",
        "3.5",
        "1e9",
        "2.5E-3",
        "7d",
        "30s",
        "15m",
        "12h",
        "2w",
        "2024-11-01",
        "2024-11-01T10:00:00Z",
        "2024-11-01t10:00:00.123z",
        "2024-11-01T10:00:00+02:00",
        "\"a\\\"b\"",
        "\"\"",
        "\"x\\ny\"",
        "user_id",
        "_x1",
        "12a",
        "7dd",
        "2024-11-01T10:00:00",
        "1.",
        ".5",
        "\"open",
        "2024-1-01",
        "12.5d",
    ] {
        assert_agree(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn generated_literal_forms_agree(text in prop_oneof![
        "[0-9]{1,4}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
        "[0-9]{1,4}[smhdwx]",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,7})?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?",
        "\"([a-z /]|\\\\[nt\"\\\\q])*\"?",
        "[A-Za-z_][A-Za-z0-9_]{0,8}",
        "[0-9a-zA-Z_.:+\\-\"\\\\ ]{1,12}",
    ]) {
        assert_agree(&text);
    }
}

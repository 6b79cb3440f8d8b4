//! The editor files: the `TextMate` grammar is the one made from the lexer's tables, and the
//! VS Code extension folder names files that exist and starts `seg lsp`.

use serde_json::Value;

use crate::cli::root;

const GRAMMAR: &str = "editors/vscode/syntaxes/seg.tmLanguage.json";

#[test]
fn the_textmate_grammar_is_made_from_the_lexers_keywords_and_the_builtins() {
    let want = seg::lsp::grammar::textmate();
    let path = root().join(GRAMMAR);
    let text = serde_json::to_string_pretty(&want).unwrap() + "\n";
    if std::env::var_os("SEG_UPDATE_GRAMMAR").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{GRAMMAR} is not the grammar made from the lexer's tables: run \
         `SEG_UPDATE_GRAMMAR=1 cargo test --test all editors::` and commit it"
    );
    // Every reserved word and every builtin is in one of its word lists.
    let grammar: Value = serde_json::from_str(&committed).unwrap();
    let lists: Vec<Vec<String>> = grammar["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["match"].as_str())
        .filter_map(|m| {
            let inner = m.strip_prefix("\\b(")?.split(")\\b").next()?;
            Some(inner.split('|').map(str::to_string).collect())
        })
        .collect();
    let listed = |word: &str| lists.iter().any(|l| l.iter().any(|w| w == word));
    for (keyword, _) in seg::syntax::lexer::KEYWORDS {
        assert!(listed(keyword), "`{keyword}` is not highlighted");
    }
    for builtin in seg::names::builtins::BUILTINS {
        assert!(
            listed(builtin.name),
            "`{}` is not highlighted",
            builtin.name
        );
    }
}

#[test]
fn the_vscode_extension_uses_the_grammar_and_starts_seg_lsp() {
    let dir = root().join("editors/vscode");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["id"], "seg");
    assert_eq!(contributes["languages"][0]["extensions"][0], ".seg");
    let grammar = contributes["grammars"][0]["path"].as_str().unwrap();
    assert_eq!(
        dir.join(grammar),
        root().join(GRAMMAR).canonicalize().unwrap()
    );
    assert_eq!(contributes["grammars"][0]["scopeName"], "source.seg");
    let configuration = contributes["languages"][0]["configuration"]
        .as_str()
        .unwrap();
    let configuration: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(configuration)).unwrap()).unwrap();
    assert_eq!(configuration["comments"]["lineComment"], "#");
    let main = manifest["main"].as_str().unwrap();
    let script = std::fs::read_to_string(dir.join(main)).unwrap();
    assert!(script.contains("args: [\"lsp\"]"), "{script}");
    assert!(manifest["dependencies"]["vscode-languageclient"].is_string());
}

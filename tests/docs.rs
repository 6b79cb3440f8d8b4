//! docs/language.md's table of functions is made from the builtin declarations
//! (src/names/builtins.rs); regenerate with `SEG_BLESS=1 cargo test --test all docs::`.
//! Every `seg` code block of the docs checks clean against the example schema.

use std::path::Path;

const START: &str = "<!-- builtins:start -->\n";
const END: &str = "<!-- builtins:end -->";

#[test]
fn language_reference_lists_every_builtin() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(START).expect("start marker") + START.len();
    let end = text.find(END).expect("end marker");
    let generated = seg::docs::builtins_markdown();
    if std::env::var_os("SEG_BLESS").is_some() {
        let updated = format!("{}{generated}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &text[start..end],
        generated,
        "docs/language.md's builtin table is out of date; run SEG_BLESS=1 cargo test --test all docs::"
    );
    for builtin in seg::names::builtins::BUILTINS {
        assert!(text[start..end].contains(builtin.name));
    }
}

#[test]
fn every_builtin_example_checks() {
    let common =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/schema.toml"))
            .unwrap();
    for builtin in seg::names::builtins::BUILTINS {
        let account = matches!(builtin.name, "any" | "all");
        let on = if account { " on account" } else { "" };
        let mut example = format!(
            "--- main.seg\nsegment s{on} = {}\n--- schema.toml\n{common}",
            wrap(builtin.example)
        );
        if builtin.form == seg::names::builtins::Form::Listed {
            example.push_str("--- lists/crm_leads.csv\nuser_id\nu1\n");
        }
        let (sources, checked) = seg::check::example::check_example(&example);
        assert!(
            checked.plan.is_some() && checked.diagnostics.is_empty(),
            "the example of `{}` does not check:\n{}",
            builtin.name,
            seg::diag::render::to_plain_string(&sources, &checked.diagnostics)
        );
    }
}

/// Examples that are not conditions are compared so that the segment body is one.
fn wrap(example: &str) -> String {
    let condition = [
        "==", ">", "<", "did(", "changed(", "any(", "all(", "listed(",
    ]
    .iter()
    .any(|op| example.contains(op));
    if condition {
        example.to_string()
    } else {
        format!("{example} > 0")
    }
}

#[test]
fn seg_blocks_in_the_docs_check_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = std::fs::read_to_string(root.join("examples/schema.toml")).unwrap();
    let common = std::fs::read_to_string(root.join("examples/segments/common.seg")).unwrap();
    for doc in ["docs/language.md", "README.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for (i, block) in text.split("```seg\n").skip(1).enumerate() {
            let block = &block[..block.find("```").expect("closed block")];
            let example = format!("--- main.seg\nimport \"common.seg\"\n{block}--- common.seg\n{common}--- schema.toml\n{schema}");
            let (sources, checked) = seg::check::example::check_example(&example);
            let errors: Vec<_> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            assert!(
                errors.is_empty(),
                "{doc}, seg block {}:\n{block}\n{}",
                i + 1,
                seg::diag::render::to_plain_string(&sources, &errors)
            );
        }
    }
}

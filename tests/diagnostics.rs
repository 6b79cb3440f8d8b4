//! Every diagnostic code: its wrong example produces it (the rendered text is a snapshot in
//! tests/snapshots), its corrected example checks clean, and docs/diagnostics.md is the
//! registry rendered (regenerate with `SEG_BLESS=1 cargo test --test diagnostics`).

use seg::check::example::check_example;
use seg::diag::codes::CODES;
use seg::diag::render::to_plain_string;

#[test]
fn every_code_has_a_snapshot_of_its_wrong_example() {
    for info in CODES {
        let (sources, checked) = check_example(info.wrong);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.id()).collect();
        assert!(
            codes.contains(&info.id),
            "{}: the wrong example gives {codes:?}",
            info.id
        );
        let rendered = to_plain_string(&sources, &checked.diagnostics);
        insta::with_settings!({ snapshot_suffix => info.id, description => info.title, omit_expression => true }, {
            insta::assert_snapshot!("wrong", rendered);
        });
    }
}

#[test]
fn every_corrected_example_checks_clean() {
    for info in CODES {
        let (sources, checked) = check_example(info.right);
        assert!(
            checked.diagnostics.is_empty() && checked.plan.is_some(),
            "{}: the corrected example still gives\n{}",
            info.id,
            to_plain_string(&sources, &checked.diagnostics)
        );
    }
}

#[test]
fn docs_list_every_code() {
    let generated = seg::docs::diagnostics_markdown();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md");
    if std::env::var_os("SEG_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/diagnostics.md is out of date with src/diag/codes.rs; run SEG_BLESS=1 cargo test --test diagnostics"
    );
}

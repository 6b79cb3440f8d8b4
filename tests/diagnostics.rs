//! Every diagnostic code: its wrong example produces it (the rendered text is a snapshot in
//! tests/snapshots), its corrected example checks clean, and docs/diagnostics.md is the
//! registry rendered (regenerate with `SEG_BLESS=1 cargo test --test all diagnostics::`).

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
        "docs/diagnostics.md is out of date with src/diag/codes.rs; run SEG_BLESS=1 cargo test --test all diagnostics::"
    );
}

/// The syntax error of a one-item program: its message, its help, and the text it points at.
fn syntax(source: &str) -> (String, String, String) {
    let (_, checked) = check_example(source);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.id() == "E0001")
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "{source:?} gives {:?}",
        checked.diagnostics
    );
    let d = errors[0];
    let span = d.primary.span;
    (
        d.message.clone(),
        d.help.clone().unwrap_or_default(),
        source[span.start..span.end].to_string(),
    )
}

#[test]
fn a_keyword_as_a_name_is_said_to_be_a_keyword_at_the_name() {
    for (source, word) in [
        ("segment segment = did(login)\n", "segment"),
        ("segment let = did(login)\n", "let"),
        ("segment import = did(login)\n", "import"),
        (
            "segment did_not = did(login)\nsegment and = did(login)\n",
            "and",
        ),
        ("let and = 1\nsegment s = did(login)\n", "and"),
        ("let let = 1\nsegment s = did(login)\n", "let"),
        ("let between = 1\nsegment s = did(login)\n", "between"),
        (
            "segment s = did(login)\nsegment now on account = account.seats > 1\n",
            "now",
        ),
    ] {
        let (message, help, at) = syntax(source);
        assert!(
            message.starts_with(&format!(
                "`{word}` is a keyword and cannot be the name of a "
            )),
            "{source:?}: {message}"
        );
        assert_eq!(at, word, "{source:?}");
        assert!(help.contains("choose another name"), "{source:?}: {help}");
    }
    // A `segment` left alone at the end of a line is an unfinished item, not a name.
    let (message, _, _) = syntax("segment\nsegment s = did(login)\n");
    assert!(message.contains("found the end of the item"), "{message}");
}

#[test]
fn common_slips_get_a_hint_that_names_their_cause() {
    let mut wrong = Vec::new();
    for (source, in_help) in [
        ("segment s = count(login) => 3\n", "write `>=`"),
        ("segment s = count(login) =< 3\n", "write `<=`"),
        ("segment s = count(login) <> 3\n", "write `!=`"),
        ("segment s = profile.country = \"DE\"\n", "write `==`"),
        ("segment s == did(login)\n", "one `=`"),
        ("segment s = did(login))\n", "closes nothing"),
        ("segment s = did(login\n", "never closed"),
        (
            "segment s = did(purchase where value > 10\n",
            "never closed",
        ),
        ("segment s = count(login) >\n", "needs a value"),
        (
            "segment s = count(login) > 3 within 30d\n",
            "inside the call",
        ),
        (
            "segment s = did(purchase where value > 3 and within 30d)\n",
            "without `and`",
        ),
        (
            "segment s = did(purchase within 7d within 3d)\n",
            "one window",
        ),
        ("segment s = did(login within 7 days)\n", "without a space"),
        (
            "segment s = did(login within 1 month)\n",
            "in days or weeks",
        ),
        (
            "segment s = did(page_view where url starts with \"/a\")\n",
            "`starts_with`",
        ),
        (
            "segment s = profile.country in (\"DE\", \"FR\")\n",
            "square brackets",
        ),
        ("segment s = profile.country is null\n", "`is set`"),
        (
            "segment s =\n  and did(login)\n",
            "something is missing before it",
        ),
        ("segment s = did(login);\n", "no `;`"),
        ("segment big-spenders = did(login)\n", "`big_...`"),
        (
            "segment \"Buyers\" = did(purchase)\n",
            "the name comes first",
        ),
        (
            "segment 2024_buyers = did(purchase)\n",
            "starts with a letter",
        ),
        ("segment s on users = did(login)\n", "`on account`"),
        (
            "import common.seg\nsegment s = did(login)\n",
            "the path is a string",
        ),
        ("segment s = profile.country == \"DE\n", "never closed"),
        (
            "segment s = did(login) && did(purchase)\n",
            "`and`, `or` and `not`",
        ),
        ("segment s = did(purchase where)\n", "`where` needs a value"),
    ] {
        let (message, help, _) = syntax(source);
        if !help.contains(in_help) {
            wrong.push(format!("{source:?}: {message} | {help}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn expected_lists_name_what_the_user_can_write() {
    // Not the insides of tokens (`E` of an exponent, `d` of a duration, `_` of a name), nor
    // each window word beside "a window", nor `from`/`to` outside `changed`.
    for source in [
        "segment s = did(purchase where value > 10\n",
        "segment s = did(login\n",
        "segment big-spenders = did(login)\n",
        "segment \"Buyers\" = did(purchase)\n",
        "import common.seg\n",
    ] {
        let (message, _, _) = syntax(source);
        for noise in [
            "`E`",
            "`d`",
            "`e`",
            "`_`",
            "`\"`",
            "`(`",
            "`.`",
            "`within`",
            "`from`",
            "`on`",
            "`starts_with`",
        ] {
            assert!(!message.contains(noise), "{source:?}: {message}");
        }
    }
    let (message, _, _) = syntax("segment s = changed(profile.country from \"a\"\n");
    assert!(message.contains("`to`"), "{message}");
}

#[test]
fn an_impossible_date_is_called_a_date() {
    let (_, checked) = check_example("segment s = did(login after 2024-13-01)\n");
    assert_eq!(
        checked.diagnostics[0].message,
        "`2024-13-01` is not a real date"
    );
}

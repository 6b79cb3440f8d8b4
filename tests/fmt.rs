//! The formatter (`seg::fmt`, `seg fmt`): its layout rules on small cases, the examples, and
//! two property tests. Every formatting must keep the program (the AST, spans erased), keep
//! every comment between the same two tokens, stay within 100 columns unless a long token
//! forbids it, and be a fixed point (formatting the output changes nothing).
//!
//! The property tests draw tapes of choices from a fixed seed (`ChaCha`), so `cargo test` runs
//! the same cases every time: 1,000 messy files (tests/fmt/messy.rs: odd spacing, comments
//! anywhere, redundant parentheses, long chains) and 300 well-typed programs of the
//! differential test's generator. More cases, another seed:
//!
//! ```text
//! SEG_FMT_CASES=100000 cargo test --release --test all fmt::
//! SEG_FMT_SEED=7 cargo test --test all fmt::
//! ```

#[path = "fmt/messy.rs"]
mod messy;

use crate::differential::{model, program, tape};

use std::cell::Cell;
use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use seg::fmt::{format, FormatError, WIDTH};
use seg::source::FileId;
use seg::syntax::erase::without_spans;
use seg::syntax::lexer::{tokens, Token};
use seg::syntax::parse_file;

/// A token at least this long may push its line past the width.
const LONG_TOKEN: usize = 30;
const DEFAULT_SEED: u64 = 0xf0_4a_77;

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not `{text}`")),
    )
}

/// The tokens of a text without its commas (the formatter drops trailing ones), and each
/// comment with the number of those tokens before it.
type Outline = (Vec<(Token, String)>, Vec<(usize, String)>);

fn outline(text: &str) -> Outline {
    let mut code = Vec::new();
    let mut comments = Vec::new();
    for (token, range) in tokens(text) {
        let token = token.expect("the text lexes");
        match token {
            Token::Comma => {}
            Token::Comment => comments.push((code.len(), text[range].trim_end().to_string())),
            _ => code.push((token, text[range].to_string())),
        }
    }
    (code, comments)
}

/// Lines longer than the width that hold no long token (comments do not count).
fn overlong_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| {
            let mut end = 0;
            let mut long = false;
            for (token, range) in tokens(line) {
                if token != Some(Token::Comment) {
                    long |= line[range.clone()].chars().count() >= LONG_TOKEN;
                    end = range.end;
                }
            }
            line[..end].chars().count() > WIDTH && !long
        })
        .collect()
}

/// Formats `source` and checks every property; returns the output.
fn check(source: &str) -> Result<String, String> {
    let show = |what: &str, output: &str| {
        format!(
            "{what}\n--- source ({} bytes):\n{source}\n--- output:\n{output}",
            source.len()
        )
    };
    let before = parse_file(FileId::default(), source);
    if !before.diagnostics.is_empty() {
        return Err(show(
            &format!("the source does not parse: {:?}", before.diagnostics),
            "",
        ));
    }
    let output = format(source).map_err(|e| show(&format!("format failed: {e}"), ""))?;
    let after = parse_file(FileId::default(), &output);
    if !after.diagnostics.is_empty() {
        return Err(show("the output does not parse", &output));
    }
    if without_spans(&before.module) != without_spans(&after.module) {
        return Err(show("the output is another program", &output));
    }
    let again =
        format(&output).map_err(|e| show(&format!("formatting again failed: {e}"), &output))?;
    if again != output {
        return Err(show(
            &format!("formatting again changed the text:\n{again}"),
            &output,
        ));
    }
    let (code_before, comments_before) = outline(source);
    let (code_after, comments_after) = outline(&output);
    if code_before != code_after {
        return Err(show("the tokens changed", &output));
    }
    if comments_before != comments_after {
        return Err(show(
            &format!("comments moved: {comments_before:?} became {comments_after:?}"),
            &output,
        ));
    }
    let overlong = overlong_lines(&output);
    if !overlong.is_empty() {
        return Err(show(
            &format!("lines over {WIDTH} columns: {overlong:#?}"),
            &output,
        ));
    }
    if !output.is_empty() && !output.ends_with('\n') {
        return Err(show("no line break at the end", &output));
    }
    if output.contains("\n\n\n") || output.lines().any(|l| l.ends_with(' ')) {
        return Err(show(
            "two empty lines in a row, or trailing spaces",
            &output,
        ));
    }
    Ok(output)
}

fn formatted(source: &str) -> String {
    check(source).unwrap_or_else(|e| panic!("{e}"))
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes
}

/// Runs `cases` cases of `case` over tapes from the seed; returns the seconds taken.
fn run_tapes(cases: u32, max_tape: usize, case: impl Fn(&[u32]) -> Result<(), String>) -> f64 {
    let seed = env_number("SEG_FMT_SEED").unwrap_or(DEFAULT_SEED);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
    );
    let started = std::time::Instant::now();
    let result = runner.run(&vec(any::<u32>(), 0..max_tape), |tape| {
        case(&tape).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, _)) => panic!("seed {seed} (SEG_FMT_SEED): {reason}"),
        Err(TestError::Abort(reason)) => panic!("proptest aborted: {reason}"),
    }
    started.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------------------------
// Property tests

#[test]
fn messy_files_keep_program_and_comments_and_reach_a_fixed_point() {
    let cases = env_number("SEG_FMT_CASES").map_or(1_000, |n| u32::try_from(n).unwrap());
    let (comments, lines, changed) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    let seconds = run_tapes(cases, 800, |tape| {
        let source = messy::file(tape);
        let output = check(&source)?;
        comments.set(comments.get() + outline(&source).1.len());
        lines.set(lines.get() + output.lines().count());
        changed.set(changed.get() + usize::from(output != source));
        Ok(())
    });
    let (comments, lines, changed) = (comments.get(), lines.get(), changed.get());
    eprintln!(
        "{cases} messy files in {seconds:.1} s: {lines} lines out, {comments} comments, {changed} changed"
    );
    // The generator must keep exercising the formatter (counts include shrinking runs).
    assert!(comments >= cases as usize, "too few comments: {comments}");
    assert!(
        lines >= 5 * cases as usize,
        "too little code: {lines} lines"
    );
}

#[test]
fn generated_programs_keep_their_meaning_and_reach_a_fixed_point() {
    let cases = env_number("SEG_FMT_CASES").map_or(300, |n| u32::try_from(n).unwrap());
    let now = model::now_at(0);
    let seconds = run_tapes(cases, 2_000, |tape| {
        let program = program::program(tape, now);
        check(&program.items.concat()).map(|_| ())
    });
    eprintln!("{cases} generated programs in {seconds:.1} s");
}

// ---------------------------------------------------------------------------------------------
// The examples

fn example_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/segments");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_examples_are_formatted() {
    for (path, text) in example_files() {
        assert_eq!(
            formatted(&text),
            text,
            "{path} is not formatted: run seg fmt examples/"
        );
    }
}

/// The `seg` code blocks of the README and the language guide are in the canonical layout too.
#[test]
fn the_docs_code_blocks_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut blocks = 0;
    for doc in ["README.md", "docs/language.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for (i, block) in text.split("```seg\n").skip(1).enumerate() {
            let code = &block[..block.find("```").expect("a closed code block")];
            assert_eq!(
                formatted(code),
                code,
                "{doc}, seg block {}: not in the layout of seg fmt",
                i + 1
            );
            blocks += 1;
        }
    }
    assert!(blocks >= 10, "only {blocks} seg blocks found");
}

#[test]
fn the_examples_unindented_format_back() {
    for (path, text) in example_files() {
        let flat: String = text.lines().flat_map(|l| [l.trim_start(), "\n"]).collect();
        assert_eq!(formatted(&flat), text, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Layout rules

/// Formats `source` with every check, and compares with `expected`.
#[track_caller]
fn assert_formats(source: &str, expected: &str) {
    assert_eq!(formatted(source), expected, "source:\n{source}");
}

#[test]
fn a_body_that_fits_stays_on_the_header_line() {
    assert_formats(
        "segment   buyer\t\"Bought\"=\n\n   did( purchase )",
        "segment buyer \"Bought\" = did(purchase)\n",
    );
    assert_formats("let  x=1\nlet y = [1,2,]", "let x = 1\nlet y = [1, 2]\n");
    assert_formats("import   \"common.seg\"", "import \"common.seg\"\n");
}

#[test]
fn a_long_body_goes_on_the_next_line_and_long_chains_break_per_operand() {
    let source = "segment churn_risk \"Customer with a warning sign\" = b2b_customer and (last(login) < 14d ago or last(nps_response.score) <= 6 or repeated_urgent_tickets or did(support_ticket where severity == \"urgent\"))";
    assert_formats(
        source,
        "segment churn_risk \"Customer with a warning sign\" =
    b2b_customer
    and (
        last(login) < 14d ago
        or last(nps_response.score) <= 6
        or repeated_urgent_tickets
        or did(support_ticket where severity == \"urgent\")
    )
",
    );
}

#[test]
fn comparisons_and_arithmetic_break_before_the_operator_indented() {
    assert_formats(
        "segment s on account = count(users where did(login within 7d)) < count(users where did(login between 14d ago and 7d ago))",
        "segment s on account =
    count(users where did(login within 7d))
        < count(users where did(login between 14d ago and 7d ago))
",
    );
    assert_formats(
        "segment content_engaged = count(article_read within 30d) + count(content_view within 30d) + count(video_view within 30d) >= 5",
        "segment content_engaged =
    count(article_read within 30d)
        + count(content_view within 30d)
        + count(video_view within 30d) >= 5
",
    );
}

#[test]
fn an_operand_chain_indents_under_its_operator() {
    assert_formats(
        "segment s = did(aaaaaaaaaaaaaaaaaaaaaa) or did(bbbbbbbbbbbbbbbbbbbbbbbb) and did(cccccccccccccccccccccccc) and did(dddddddddddddddddddddddddddddd)",
        "segment s =
    did(aaaaaaaaaaaaaaaaaaaaaa)
    or did(bbbbbbbbbbbbbbbbbbbbbbbb)
        and did(cccccccccccccccccccccccc)
        and did(dddddddddddddddddddddddddddddd)
",
    );
}

#[test]
fn calls_break_one_argument_per_line_and_arguments_before_their_modifiers() {
    assert_formats(
        "segment funnel = steps(visited(\"/pricing\"), did(demo_request), did(trial_start), did(subscription_start), did(renewal)) >= 2",
        "segment funnel =
    steps(
        visited(\"/pricing\"),
        did(demo_request),
        did(trial_start),
        did(subscription_start),
        did(renewal)
    ) >= 2
",
    );
    assert_formats(
        "segment s = did(purchase where category in family_categories and value > 100 and country == \"DE\" and lower(brand) contains \"north\" within 180d)",
        "segment s =
    did(
        purchase
            where category in family_categories
                and value > 100
                and country == \"DE\"
                and lower(brand) contains \"north\"
            within 180d
    )
",
    );
}

#[test]
fn lists_fill_their_lines_and_a_list_body_stays_after_the_equals() {
    let countries: Vec<String> = (0..30).map(|i| format!("\"C{i:02}\"")).collect();
    let source = format!("let eu = [{}]", countries.join(","));
    let expected = format!(
        "let eu = [\n    {},\n    {},\n    {}\n]\n",
        countries[..13].join(", "),
        countries[13..26].join(", "),
        countries[26..].join(", ")
    );
    assert_formats(&source, &expected);
}

#[test]
fn literals_and_parentheses_are_kept_as_written() {
    assert_formats(
        "let x = ((1.50)) + 1e3 * 007 - -2.5E-2\nlet s = \"a\\\"b\\\\c\\n\" + \"café\"\nlet t = 2024-11-01t10:00:00.5+02:00 - 2w",
        "let x = ((1.50)) + 1e3 * 007 - -2.5E-2\nlet s = \"a\\\"b\\\\c\\n\" + \"café\"\nlet t = 2024-11-01t10:00:00.5+02:00 - 2w\n",
    );
}

#[test]
fn windows_and_modifiers_are_spaced() {
    assert_formats(
        "segment s = did(x where a==1 during weekdays( 6,7, )) and changed(profile.stage from\"a\"to \"b\" between 14d ago and 7d ago) and did(y yesterday) and did(z today)",
        "segment s =
    did(x where a == 1 during weekdays(6, 7))
    and changed(profile.stage from \"a\" to \"b\" between 14d ago and 7d ago)
    and did(y yesterday)
    and did(z today)
",
    );
    assert_formats(
        "segment s = x is  not set and not  y is set and a then  not b and c not  in d",
        "segment s = x is not set and not y is set and a then not b and c not in d\n",
    );
}

#[test]
fn comments_stay_next_to_their_code() {
    assert_formats(
        "# header\n\n\n\n# about a\nlet a = 1 # one\n# about b\n\n\nlet b = 2\nsegment s = # why\n  did(x) # first\n  # second\n  and did(y)\n# the end\n",
        "# header

# about a
let a = 1 # one
# about b

let b = 2
segment s = # why
    did(x) # first
    # second
    and did(y)
# the end
",
    );
    assert_formats(
        "segment s = f(a, # after a\n b # after b\n)\n",
        "segment s =\n    f(\n        a, # after a\n        b # after b\n    )\n",
    );
    assert_formats(
        "segment s = f(a # before the comma\n, b,  # after the trailing comma\n)\n",
        "segment s =\n    f(\n        a, # before the comma\n        b # after the trailing comma\n    )\n",
    );
}

#[test]
fn line_endings_and_blank_lines_are_normalised() {
    assert_formats(
        "\u{feff}\r\n\r\nlet a = 1\r\n\r\n\r\n\r\nlet b = 2 # crlf\r\n\r\n",
        "let a = 1\n\nlet b = 2 # crlf\n",
    );
    assert_formats("", "");
    assert_formats("\n\n  \n", "");
    assert_formats("# only a comment", "# only a comment\n");
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let Err(FormatError::Syntax(diagnostics)) = format("segment s = did(\nlet x = 1 +") else {
        panic!("a syntax error must be reported");
    };
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    assert!(matches!(
        format("segment s = \"a\\q\""),
        Err(FormatError::Syntax(_))
    ));
}

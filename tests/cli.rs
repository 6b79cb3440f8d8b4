//! The `seg` binary as users and scripts run it: exit codes, output formats, seg.toml.

use std::path::Path;
use std::process::{Command, Output};

pub(crate) fn seg(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the seg binary runs")
}

/// `seg ARGS` in examples/: the exit code, stdout and stderr.
pub(crate) fn in_examples(args: &[&str]) -> (i32, String, String) {
    let output = seg(args, &root().join("examples"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn examples_check_clean() {
    let output = seg(&["check", "examples/"], root());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("0 warnings"), "{err}");
    assert!(!err.contains("Error"), "{err}");
}

#[test]
fn examples_check_from_their_folder_with_seg_toml_defaults() {
    let output = seg(&["check"], &root().join("examples"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("checked 5 files"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn ten_mistakes_are_all_reported_with_their_codes() {
    let output = seg(
        &[
            "check",
            "--schema",
            "examples/schema.toml",
            "tests/fixtures/ten_mistakes.seg",
        ],
        root(),
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let expected = [
        "E0101", "E0102", "E0103", "E0204", "E0201", "E0206", "E0207", "E0212", "E0213", "E0005",
        "E0001", "E0108",
    ];
    for code in expected {
        assert!(
            err.contains(&format!("[{code}]")),
            "{code} missing from:\n{err}"
        );
    }
    assert!(err.contains("12 errors"), "{err}");
}

#[test]
fn json_format_is_one_object_per_line() {
    let output = seg(
        &[
            "check",
            "--format",
            "json",
            "--schema",
            "examples/schema.toml",
            "tests/fixtures/ten_mistakes.seg",
        ],
        root(),
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 12, "{err}");
    for line in lines {
        let value: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
        for key in [
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "code",
            "severity",
            "message",
        ] {
            assert!(value.get(key).is_some(), "{key} missing in {line}");
        }
        assert_eq!(value["severity"], "error");
        assert!(value["line"].as_u64().unwrap() >= 2);
        assert!(value["file"]
            .as_str()
            .unwrap()
            .ends_with("ten_mistakes.seg"));
    }
}

#[test]
fn json_positions_count_from_one() {
    let dir = tempdir();
    std::fs::write(dir.join("a.seg"), "segment s = did(nope)\n").unwrap();
    let output = seg(
        &[
            "check",
            "--format",
            "json",
            "--schema",
            root().join("examples/schema.toml").to_str().unwrap(),
            "a.seg",
        ],
        &dir,
    );
    let value: serde_json::Value = serde_json::from_str(stderr(&output).trim()).unwrap();
    assert_eq!(
        (value["line"].as_u64(), value["column"].as_u64()),
        (Some(1), Some(17))
    );
    assert_eq!(
        (value["end_line"].as_u64(), value["end_column"].as_u64()),
        (Some(1), Some(21))
    );
    assert_eq!(value["code"], "E0101");
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempdir();
    std::fs::write(
        dir.join("w.seg"),
        "let unused = 1\nsegment s = did(login)\n",
    )
    .unwrap();
    let schema = root().join("examples/schema.toml");
    let schema = schema.to_str().unwrap();
    let output = seg(&["check", "--schema", schema, "w.seg"], &dir);
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("W0001"));
    let output = seg(
        &["check", "--deny-warnings", "--schema", schema, "w.seg"],
        &dir,
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = tempdir();
    let output = seg(&["check", "missing.seg"], &dir);
    assert_eq!(output.status.code(), Some(2), "no schema anywhere");
    assert!(stderr(&output).contains("no schema"));
    let schema = root().join("examples/schema.toml");
    let output = seg(
        &["check", "--schema", schema.to_str().unwrap(), "missing.seg"],
        &dir,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("missing.seg"));
    let output = seg(&["check", "--format", "yaml", "x.seg"], &dir);
    assert_eq!(output.status.code(), Some(2));
    let output = seg(&["frobnicate"], &dir);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn no_colour_when_not_a_terminal() {
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args([
            "check",
            "--schema",
            "examples/schema.toml",
            "tests/fixtures/ten_mistakes.seg",
        ])
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        !stderr(&output).contains('\u{1b}'),
        "escape codes in piped output"
    );
}

#[test]
fn bad_seg_toml_is_a_usage_error_with_its_location() {
    let dir = tempdir();
    std::fs::write(
        dir.join("seg.toml"),
        "schema = \"s.toml\"\nsegmnts = \"x\"\n",
    )
    .unwrap();
    let output = seg(&["check"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("seg.toml:2:1"),
        "{}",
        stderr(&output)
    );
}

pub(crate) fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seg-cli-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn explain_plan_names_the_engine_of_every_segment() {
    let dir = root().join("examples");
    for (engine, label) in [("jit", "jit (fused)"), ("interp", "interp (fused)")] {
        let output = seg(
            &[
                "eval",
                "--as-of",
                "2026-11-15T12:00:00Z",
                "--engine",
                engine,
                "--explain-plan",
            ],
            &dir,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        // Every segment of the examples is listed once, with its engine.
        let listed: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("    ") && l.contains(": "))
            .filter(|l| l.contains("(fused)") || l.contains("reference interpreter ("))
            .collect();
        assert_eq!(listed.len(), 64, "{text}");
        assert!(
            text.contains(&format!("  cart_abandoned_today: {label}")),
            "{text}"
        );
        // Account segments are fused too, in a program run per account.
        assert!(
            text.contains(&format!("  customer_account: {label}")),
            "{text}"
        );
        assert!(!text.contains("reference interpreter ("), "{text}");
        // The fused programs follow: per user, one loop per event type; per account, the
        // counts of each account's users that pass a `users where` filter.
        assert!(text.contains("per user:\nfused plan:"), "{text}");
        assert!(text.contains("for each add_to_cart row"), "{text}");
        assert!(text.contains("users-where column"), "{text}");
        assert!(text.contains("per account:\nfused plan:"), "{text}");
        assert!(
            text.contains("= how many of the account's users have column"),
            "{text}"
        );
        // Nothing is evaluated.
        assert!(!text.contains("segment,user_id"), "{text}");
    }
}

#[test]
fn completions_bash_mentions_the_subcommands() {
    let output = seg(&["completions", "bash"], root());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("complete -F"), "{script}");
    for subcommand in [
        "check",
        "eval",
        "gen",
        "infer-schema",
        "repl",
        "completions",
    ] {
        assert!(script.contains(subcommand), "{subcommand} missing");
    }
    assert!(script.contains("--as-of"), "flags are completed too");
    let output = seg(&["completions", "nushell"], root());
    assert_eq!(output.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------------
// seg fmt

const UNFORMATTED: &str = "segment  buyer=did( purchase )  # ever\nlet x=[1,2,]\n";
const FORMATTED: &str = "segment buyer = did(purchase) # ever\nlet x = [1, 2]\n";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn fmt_check_names_the_files_that_would_change_and_changes_none() {
    let dir = tempdir();
    std::fs::write(dir.join("messy.seg"), UNFORMATTED).unwrap();
    std::fs::write(dir.join("tidy.seg"), FORMATTED).unwrap();
    let output = seg(&["fmt", "--check", "messy.seg", "tidy.seg"], &dir);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "messy.seg\n");
    assert!(
        stderr(&output).contains("1 file not formatted"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("messy.seg")).unwrap(),
        UNFORMATTED
    );

    let output = seg(&["fmt", "--check", "tidy.seg"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        (stdout(&output), stderr(&output)),
        (String::new(), String::new())
    );
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = tempdir();
    std::fs::write(dir.join("messy.seg"), UNFORMATTED).unwrap();
    let output = seg(&["fmt", "messy.seg"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        (stdout(&output), stderr(&output)),
        (String::new(), String::new())
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("messy.seg")).unwrap(),
        FORMATTED
    );
    let output = seg(&["fmt", "--check", "messy.seg"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn fmt_searches_folders_recursively_for_seg_files() {
    let dir = tempdir();
    let deep = dir.join("segments/b2b/trials");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("a.seg"), UNFORMATTED).unwrap();
    std::fs::write(dir.join("segments/b.seg"), FORMATTED).unwrap();
    std::fs::write(dir.join("segments/notes.txt"), UNFORMATTED).unwrap();
    let output = seg(&["fmt", "--check", "segments"], &dir);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let listed = stdout(&output);
    assert_eq!(
        listed.trim_end(),
        Path::new("segments/b2b/trials/a.seg").display().to_string()
    );
    let output = seg(&["fmt", "segments"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(deep.join("a.seg")).unwrap(),
        FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("segments/notes.txt")).unwrap(),
        UNFORMATTED
    );
}

#[test]
fn fmt_reports_syntax_errors_and_leaves_the_file_alone() {
    let dir = tempdir();
    let broken = "segment s = did(purchase\nsegment t  =  did(login)\n";
    std::fs::write(dir.join("broken.seg"), broken).unwrap();
    std::fs::write(dir.join("messy.seg"), UNFORMATTED).unwrap();
    let output = seg(&["fmt", "broken.seg", "messy.seg"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("[E0001]") && err.contains("broken.seg:1:"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.seg")).unwrap(),
        broken
    );
    // The other files are still formatted.
    assert_eq!(
        std::fs::read_to_string(dir.join("messy.seg")).unwrap(),
        FORMATTED
    );
}

#[test]
fn fmt_io_errors_exit_2() {
    let dir = tempdir();
    let output = seg(&["fmt", "missing.seg"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("missing.seg"),
        "{}",
        stderr(&output)
    );
    let output = seg(&["fmt"], &dir);
    assert_eq!(output.status.code(), Some(2), "no files and no seg.toml");
}

#[test]
fn fmt_reads_standard_input_to_standard_output() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(UNFORMATTED.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), FORMATTED);
}

#[test]
fn fmt_check_passes_on_the_examples() {
    let output = seg(&["fmt", "--check", "examples/"], root());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    // From the examples folder, seg.toml names the segment files.
    let output = seg(&["fmt", "--check"], &root().join("examples"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[test]
fn eval_with_segment_evaluates_only_the_named_segments_and_what_they_use() {
    let examples = root().join("examples");
    let as_of = ["eval", "--as-of", "2026-11-15T12:00:00Z"];
    let named = [&as_of[..], &["--segment", "churn_outreach"]].concat();
    let plan = seg(&[&named[..], &["--explain-plan"]].concat(), &examples);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let plan = String::from_utf8(plan.stdout).unwrap();
    let segments: Vec<&str> = plan
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().split(':').next().unwrap())
        .collect();
    // churn_outreach uses churn_risk, which uses b2b_customer and repeated_urgent_tickets.
    let mut sorted = segments.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "b2b_customer",
            "churn_outreach",
            "churn_risk",
            "repeated_urgent_tickets"
        ],
        "{plan}"
    );
    // The members are those of a full run.
    let full = seg(&[&as_of[..], &["--format", "count"]].concat(), &examples);
    let one = seg(&[&named[..], &["--format", "count"]].concat(), &examples);
    let full = String::from_utf8(full.stdout).unwrap();
    let one = String::from_utf8(one.stdout).unwrap();
    let line = full
        .lines()
        .find(|l| l.starts_with("churn_outreach,"))
        .unwrap();
    assert_eq!(one, format!("segment,members\n{line}\n"));
}

#[test]
fn a_plan_over_the_compile_budget_is_interpreted_and_says_so() {
    let examples = root().join("examples");
    let as_of = ["eval", "--as-of", "2026-11-15T12:00:00Z"];
    let compiled = seg(&[&as_of[..], &["--timings"]].concat(), &examples);
    let over = seg(
        &[&as_of[..], &["--timings", "--compile-budget", "0"]].concat(),
        &examples,
    );
    assert_eq!(over.status.code(), Some(0), "{}", stderr(&over));
    assert_eq!(compiled.stdout, over.stdout);
    assert!(
        stderr(&compiled).contains("user program: ")
            && stderr(&compiled).contains(" functions, compiled in "),
        "{}",
        stderr(&compiled)
    );
    let said = stderr(&over);
    assert!(
        said.contains("user program: over the compile budget (0 of ")
            && said.contains("), interpreted"),
        "{said}"
    );
    let plan = seg(
        &[&as_of[..], &["--explain-plan", "--compile-budget", "0"]].concat(),
        &examples,
    );
    let plan = String::from_utf8(plan.stdout).unwrap();
    assert!(
        plan.contains("  buyer: interp (fused; over the compile budget)"),
        "{plan}"
    );
    // A budget that is not a number of seconds is a usage error.
    let bad = seg(&[&as_of[..], &["--compile-budget=-1"]].concat(), &examples);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--compile-budget must be a number of seconds"));
}

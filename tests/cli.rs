//! The `seg` binary as users and scripts run it: exit codes, output formats, seg.toml.

use std::path::Path;
use std::process::{Command, Output};

fn seg(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the seg binary runs")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stderr(output: &Output) -> String {
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
        stderr(&output).contains("checked 4 files"),
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

fn tempdir() -> std::path::PathBuf {
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

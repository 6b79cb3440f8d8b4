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

// Hostile input (issue 11): every file and flag bounded, loud and lossless.

/// Runs seg with standard input from `stdin`, killed after 60 s (a run that reads forever
/// fails the test instead of hanging it).
fn seg_bounded(args: &[&str], dir: &Path, stdin: std::process::Stdio) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the seg binary runs");
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_mins(1) {
            child.kill().unwrap();
            panic!("seg {args:?} ran for more than 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

const LOGINS: &str = "{\"user_id\":\"u1\",\"event\":\"login\",\"ts\":\"2026-11-01T00:00:00Z\"}\n";

/// A project in a fresh folder: the example schema, `seg/a.seg` (a segment counting logins),
/// and `data/events.ndjson` (one login of `u1`).
fn project() -> std::path::PathBuf {
    let dir = tempdir();
    std::fs::copy(root().join("examples/schema.toml"), dir.join("schema.toml")).unwrap();
    std::fs::create_dir_all(dir.join("seg")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        dir.join("seg/a.seg"),
        "segment logins = count(login) >= 1\n",
    )
    .unwrap();
    std::fs::write(dir.join("data/events.ndjson"), LOGINS).unwrap();
    dir
}

fn eval_count(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["eval", "--schema", "schema.toml", "--format", "count"];
    all.extend(["--as-of", "2026-11-15"]);
    all.extend(args);
    seg(&all, dir)
}

#[test]
fn a_data_folder_is_every_data_file_below_it_hive_folders_included() {
    let dir = project();
    let parts = dir.join("parts");
    std::fs::create_dir_all(parts.join("day=2026-11-02")).unwrap();
    std::fs::create_dir_all(parts.join("_temporary")).unwrap();
    std::fs::write(parts.join("a.ndjson"), LOGINS).unwrap();
    let csv = "user_id,event,ts\nu2,login,2026-11-02T00:00:00Z\n";
    std::fs::write(parts.join("day=2026-11-02/b.csv"), csv).unwrap();
    std::fs::write(parts.join("_temporary/c.ndjson"), "not read").unwrap();
    std::fs::write(parts.join("README.md"), "about the data").unwrap();
    let output = eval_count(&dir, &["seg/a.seg", "--events", "parts"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "segment,members\nlogins,2\n"
    );
    let err = stderr(&output);
    assert!(
        err.contains("skipped 1 file") && err.contains("README.md"),
        "{err}"
    );
    assert!(
        err.contains("key=value folders (day) are not columns"),
        "{err}"
    );
}

#[test]
fn a_folder_without_data_files_given_to_a_data_flag_is_an_error_naming_it() {
    let dir = project();
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    // A segment folder swallowed by --events: not quietly read as segments or as data.
    let output = eval_count(&dir, &["--events", "data/events.ndjson", "seg"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("--events seg: the folder holds no data files") && err.contains("`--`"),
        "{err}"
    );
    // After `--`, the folder is a segment folder.
    let output = eval_count(&dir, &["--events", "data/events.ndjson", "--", "seg"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = eval_count(&dir, &["seg", "--events", "data", "--profiles", "empty"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--profiles empty: the folder holds no data"));
    // The same in seg.toml.
    let toml = "schema = \"schema.toml\"\nsegments = \"seg\"\n[data]\nevents = \"empty\"\n";
    std::fs::write(dir.join("seg.toml"), toml).unwrap();
    let output = seg(&["eval"], &dir);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("`[data] events` of seg.toml: empty: the folder holds no"));
}

#[test]
fn a_run_with_no_segments_to_evaluate_is_a_usage_error() {
    let dir = project();
    let data = ["--schema", "schema.toml", "--events", "data"];
    for command in [&["eval"][..], &["explain", "--user", "u1"]] {
        let output = seg(&[command, &data[..]].concat(), &dir);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            stderr(&output)
        );
        let err = stderr(&output);
        assert!(
            err.contains("(FILES)") && err.contains("`segments = "),
            "{err}"
        );
    }
    std::fs::write(dir.join("lets.seg"), "let x = 1\n").unwrap();
    let output = eval_count(&dir, &["--events", "data", "--", "lets.seg"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no segments to evaluate: lets.seg defines none"));
    // A segment folder with no .seg file is an error too, for check and fmt.
    std::fs::create_dir_all(dir.join("none")).unwrap();
    for args in [
        &["check", "--schema", "schema.toml", "none"][..],
        &["fmt", "none"],
    ] {
        let output = seg(args, &dir);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("none: the folder holds no .seg files"));
    }
}

#[test]
fn a_data_file_named_twice_is_refused() {
    let dir = project();
    std::os::unix::fs::symlink(dir.join("data/events.ndjson"), dir.join("link.ndjson")).unwrap();
    let twice: [&[&str]; 4] = [
        &["--events", "data/events.ndjson", "data/events.ndjson"],
        &["--events", "data", "./data/events.ndjson"],
        &["--events", "link.ndjson", "data/events.ndjson"],
        &[
            "--events",
            "data/events.ndjson",
            "--profiles",
            "data/../data/events.ndjson",
        ],
    ];
    for args in twice {
        let mut args = args.to_vec();
        args.extend(["--", "seg/a.seg"]);
        let output = eval_count(&dir, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let err = stderr(&output);
        assert!(
            err.contains("events.ndjson is named twice"),
            "{args:?}: {err}"
        );
    }
    let output = seg(&["infer-schema", "data", "link.ndjson"], &dir);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_segment_file_under_two_spellings_is_loaded_once() {
    let dir = project();
    let absolute = dir.join("seg/a.seg").display().to_string();
    std::os::unix::fs::symlink(dir.join("seg/a.seg"), dir.join("link.seg")).unwrap();
    std::fs::write(
        dir.join("b.seg"),
        "import \"seg/a.seg\"\nsegment b = logins\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/c.seg"),
        "import \"../link.seg\"\nsegment c = logins\n",
    )
    .unwrap();
    let spellings: [&[&str]; 4] = [
        &["seg/a.seg", &absolute],
        &["./seg/a.seg", "link.seg", "seg"],
        &[&absolute, "b.seg"],
        &["b.seg", "sub/c.seg"],
    ];
    for files in spellings {
        let mut args = vec!["check", "--schema", "schema.toml"];
        args.extend(files);
        let output = seg(&args, &dir);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{files:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("E0107"), "{}", stderr(&output));
    }
}

#[test]
fn endless_and_oversized_text_files_stop_at_16_mib() {
    let dir = project();
    let limit = 16 * 1024 * 1024;
    // At the bound: a file of exactly 16 MiB (comments) is read; one byte more is refused.
    let line = format!("#{}\n", "x".repeat(1022));
    std::fs::write(dir.join("big.seg"), line.repeat(limit / 1024)).unwrap();
    let output = seg(&["check", "--schema", "schema.toml", "big.seg"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::fs::write(dir.join("big.seg"), line.repeat(limit / 1024) + "\n").unwrap();
    let output = seg(&["check", "--schema", "schema.toml", "big.seg"], &dir);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("cannot read big.seg: it is larger than 16 MiB"));
    let null = std::process::Stdio::null;
    for args in [
        &["check", "--schema", "schema.toml", "/dev/zero"][..],
        &["check", "--schema", "/dev/zero", "seg"],
        &["test", "/dev/zero"],
    ] {
        let output = seg_bounded(args, &dir, null());
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("/dev/zero: it is larger than 16 MiB"));
    }
    std::fs::write(
        dir.join("imp.seg"),
        "import \"/dev/zero\"\nsegment s = did(login)\n",
    )
    .unwrap();
    let output = seg_bounded(
        &["check", "--schema", "schema.toml", "imp.seg"],
        &dir,
        null(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("[E0110]") && err.contains("imp.seg:1:8"),
        "{err}"
    );
    assert!(err.contains("larger than 16 MiB"), "{err}");
    let zero = || std::fs::File::open("/dev/zero").unwrap().into();
    let output = seg_bounded(&["fmt", "-"], &dir, zero());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("standard input: it is larger than 16 MiB"));
    let output = seg_bounded(
        &["repl", "--schema", "schema.toml", "--events", "data"],
        &dir,
        zero(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("an input is longer than 1000 lines or 1 MiB"));
    // A folder where a file is expected says so.
    let output = seg(&["check", "--schema", "seg", "seg"], &dir);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("cannot read seg: it is a folder, not a file"));
}

#[test]
fn a_symlink_loop_in_a_folder_is_walked_once() {
    let dir = project();
    std::os::unix::fs::symlink(dir.join("seg"), dir.join("seg/loop")).unwrap();
    let output = seg(&["check", "--schema", "schema.toml", "seg"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("checked 1 file: 1 segment"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn explain_suggests_an_id_of_the_same_kind_and_number() {
    let output = seg(
        &[
            "explain",
            "--user",
            "u00001",
            "--as-of",
            "2026-11-15T12:00:00Z",
        ],
        &root().join("examples"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("did you mean `u000001`?"),
        "{}",
        stderr(&output)
    );
    let output = seg(
        &[
            "explain",
            "--user",
            "u000001",
            "--segment",
            "zzz",
            "--as-of",
            "2026-11-15",
        ],
        &root().join("examples"),
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the 64 segments are "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn gen_numbers_out_of_range_are_usage_errors() {
    let dir = tempdir();
    for args in [
        &["--users", "0"][..],
        &["--users", "100000001"],
        &["--events-per-user", "0"],
        &["--users", "100000000", "--events-per-user", "100"],
        &["--as-of", "0002-12-31T23:59:59Z"],
        &["--as-of", "9999-01-01"],
    ] {
        let mut all = vec!["gen", "--out", "out"];
        all.extend(args);
        let output = seg_bounded(&all, &dir, std::process::Stdio::null());
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(!dir.join("out").exists());
    // At the bounds, every generated timestamp is one seg reads back.
    for as_of in ["0003-01-01", "9998-12-31T23:59:59Z"] {
        let args = [
            "gen", "--users", "20", "--as-of", as_of, "--format", "ndjson", "--out", as_of,
        ];
        let output = seg(&args, &dir);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let schema = root().join("examples/schema.toml");
        let events = format!("{as_of}/events.ndjson");
        std::fs::write(dir.join("s.seg"), "segment s = did(login)\n").unwrap();
        let eval = [
            "eval",
            "--schema",
            schema.to_str().unwrap(),
            "--events",
            &events,
            "--",
            "s.seg",
        ];
        let output = seg(&eval, &dir);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{as_of}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn test_and_fmt_take_a_file_named_twice_once() {
    let dir = project();
    std::fs::write(
        dir.join("seg/a.seg"),
        "segment  logins = count(login) >= 1\n",
    )
    .unwrap();
    let output = seg(&["fmt", "--check", "seg", "seg/a.seg", "./seg/a.seg"], &dir);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "seg/a.seg\n");
    let test = "schema = \"schema.toml\"\nsegments = [\"seg\"]\nas_of = 2026-11-15T00:00:00Z\n\
        events = [{ user_id = \"u1\", event = \"login\", ts = 2026-11-01T00:00:00Z }]\n\
        [expect.logins]\nmembers = [\"u1\"]\n";
    std::fs::write(dir.join("a.segtest"), test).unwrap();
    std::fs::create_dir_all(dir.join("none")).unwrap();
    let output = seg(&["test", ".", "a.segtest", "./a.segtest"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed, 0 failed in 1 file"));
    let output = seg(&["test", "a.segtest", "none"], &dir);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no .segtest files in none"));
}

#[test]
fn data_files_among_segment_files_and_devices_among_data_files_are_refused() {
    let dir = project();
    let output = seg(
        &["check", "--schema", "schema.toml", "data/events.ndjson"],
        &dir,
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("data/events.ndjson is a data file, named where segment"));
    let output = seg_bounded(
        &[
            "eval",
            "--schema",
            "schema.toml",
            "--events",
            "/dev/zero",
            "--",
            "seg",
        ],
        &dir,
        std::process::Stdio::null(),
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--events /dev/zero: a device, not a data file"));
    let output = eval_count(&dir, &["--explain-plan", "--events", "data", "--", "seg"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

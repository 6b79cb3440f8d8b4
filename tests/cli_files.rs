//! The command line on hostile files and flags: data folders, files named twice, endless and
//! oversized files, runs with nothing to evaluate, numbers out of range, suggestions for ids.

use std::path::Path;
use std::process::{Command, Output};

use crate::cli::{root, seg, stderr, tempdir};

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

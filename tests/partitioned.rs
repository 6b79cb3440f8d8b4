//! `seg eval --memory-limit`: evaluation in partitions gives exactly the output of an
//! in-memory run (same members, same order, every format), for random programs and data (the
//! differential generators, accounts and profile history included) and for the examples;
//! bad rows fail it the same way; the limit is checked; the spill folder goes away.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::differential::{data, model, program};

fn seg_in(args: &[&str], dir: &Path, tmp: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TMPDIR", tmp)
        .output()
        .expect("the seg binary runs")
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-partitioned-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Spill folders left in `tmp`.
fn leftovers(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("seg-spill-"))
        .collect()
}

/// A deterministic tape of choices for the generators.
fn tape(seed: u64, len: usize) -> Vec<u32> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u32
        })
        .collect()
}

/// One bucket per partition, and the split's buffer handed to the spill every few rows.
const PARTITIONED: [&str; 6] = [
    "--memory-limit",
    "64MiB",
    "--partition-bytes",
    "1",
    "--spill-buffer",
    "3000",
];

#[test]
fn random_programs_and_data_give_the_same_output_in_partitions() {
    let dir = fresh_dir("random");
    let tmp = fresh_dir("random-tmp");
    std::fs::write(dir.join("schema.toml"), model::SCHEMA).unwrap();
    let (mut compared, mut with_members, mut accounts) = (0, 0, 0);
    for case in 0..60u64 {
        let data = data::data(&tape(case * 2 + 1, 4000));
        let program = program::program(&tape(case * 2 + 2, 1000), data.now);
        std::fs::write(dir.join("main.seg"), program.items.concat()).unwrap();
        std::fs::write(dir.join("events.ndjson"), &data.events).unwrap();
        std::fs::write(dir.join("profiles.ndjson"), &data.profiles).unwrap();
        std::fs::write(dir.join("accounts.ndjson"), &data.accounts).unwrap();
        let now = seg::time::format_timestamp(data.now);
        let base = [
            "eval",
            "--schema",
            "schema.toml",
            "--events",
            "events.ndjson",
            "--profiles",
            "profiles.ndjson",
            "--accounts",
            "accounts.ndjson",
            "--as-of",
            &now,
            "main.seg",
        ];
        let whole = seg_in(&base, &dir, &tmp);
        let parts = seg_in(&[&base[..], &PARTITIONED].concat(), &dir, &tmp);
        assert_eq!(
            whole.status.code(),
            parts.status.code(),
            "case {case}: {}",
            String::from_utf8_lossy(&parts.stderr)
        );
        if whole.status.code() != Some(0) {
            continue;
        }
        compared += 1;
        let text = String::from_utf8(whole.stdout.clone()).unwrap();
        if text.lines().count() > 1 {
            with_members += 1;
        }
        if program.items.iter().any(|i| i.contains(" on account")) {
            accounts += 1;
        }
        assert_eq!(
            text,
            String::from_utf8(parts.stdout).unwrap(),
            "case {case}: the partitioned run differs\n{}",
            program.items.concat()
        );
    }
    // The comparison is not vacuous: most cases check and have members, some on accounts.
    assert!(compared >= 40, "only {compared} of 60 cases checked clean");
    assert!(with_members >= 30, "only {with_members} cases had members");
    assert!(accounts >= 5, "only {accounts} cases had account segments");
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

#[test]
fn the_examples_give_the_same_output_in_partitions_in_every_format() {
    let examples = crate::cli::root().join("examples");
    let tmp = fresh_dir("examples-tmp");
    for format in ["csv", "ndjson", "count"] {
        let base = [
            "eval",
            "--as-of",
            "2026-11-15T12:00:00Z",
            "--format",
            format,
        ];
        let whole = seg_in(&base, &examples, &tmp);
        assert_eq!(whole.status.code(), Some(0));
        for bytes in ["1", "3000", "1000000000"] {
            let args = [
                &base[..],
                &["--memory-limit", "1GiB", "--partition-bytes", bytes],
            ]
            .concat();
            let parts = seg_in(&args, &examples, &tmp);
            assert_eq!(
                parts.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&parts.stderr)
            );
            assert_eq!(
                whole.stdout, parts.stdout,
                "format {format}, {bytes} bytes a partition"
            );
        }
    }
    // Partition sizes really vary: one byte a partition gives one per bucket.
    let timed = seg_in(
        &[
            "eval",
            "--as-of",
            "2026-11-15T12:00:00Z",
            "--timings",
            "--memory-limit",
            "1GiB",
            "--partition-bytes",
            "1",
        ],
        &examples,
        &tmp,
    );
    let stderr = String::from_utf8_lossy(&timed.stderr);
    assert!(
        stderr.contains("partitions: 64 (memory limit 1024 MiB)"),
        "{stderr}"
    );
    assert!(
        stderr.lines().next().unwrap().starts_with("load: "),
        "{stderr}"
    );
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

#[test]
fn seg_toml_sets_the_memory_limit() {
    let dir = fresh_dir("config");
    let tmp = fresh_dir("config-tmp");
    let examples = crate::cli::root().join("examples");
    for sub in ["data", "segments"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(examples.join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
        }
    }
    std::fs::copy(examples.join("schema.toml"), dir.join("schema.toml")).unwrap();
    let config = std::fs::read_to_string(examples.join("seg.toml")).unwrap();
    std::fs::write(
        dir.join("seg.toml"),
        format!("{config}\n[eval]\nmemory_limit = \"256MiB\"\n"),
    )
    .unwrap();
    let run = seg_in(
        &["eval", "--as-of", "2026-11-15T12:00:00Z", "--timings"],
        &dir,
        &tmp,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("(memory limit 256 MiB)"), "{stderr}");
    let whole = seg_in(
        &["eval", "--as-of", "2026-11-15T12:00:00Z"],
        &examples,
        &tmp,
    );
    assert_eq!(whole.stdout, run.stdout);
    // A bad size there is an error naming the file.
    std::fs::write(
        dir.join("seg.toml"),
        format!("{config}\n[eval]\nmemory_limit = \"lots\"\n"),
    )
    .unwrap();
    let run = seg_in(&["eval", "--as-of", "2026-11-15T12:00:00Z"], &dir, &tmp);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("seg.toml: [eval] memory_limit `lots` is not a size"),
        "{stderr}"
    );
}

#[test]
fn a_bad_row_fails_a_partitioned_run_as_it_fails_in_memory() {
    let dir = fresh_dir("bad");
    let tmp = fresh_dir("bad-tmp");
    let examples = crate::cli::root().join("examples");
    let mut events = std::fs::read_to_string(examples.join("data/events.ndjson")).unwrap();
    events.push_str("{\"user_id\":\"u1\",\"event\":\"purchase\",\"ts\":\"2026-01-01T00:00:00Z\",\"value\":\"abc\"}\n");
    std::fs::write(dir.join("events.ndjson"), &events).unwrap();
    let schema = examples.join("schema.toml");
    let segments = examples.join("segments");
    let base = [
        "eval",
        "--schema",
        schema.to_str().unwrap(),
        "--events",
        "events.ndjson",
        "--as-of",
        "2026-11-15T12:00:00Z",
        segments.to_str().unwrap(),
    ];
    let whole = seg_in(&base, &dir, &tmp);
    let parts = seg_in(&[&base[..], &PARTITIONED].concat(), &dir, &tmp);
    assert_eq!(whole.status.code(), Some(1));
    assert_eq!(parts.status.code(), Some(1));
    assert_eq!(whole.stderr, parts.stderr);
    assert!(String::from_utf8_lossy(&parts.stderr).contains("events.ndjson:"));
    // Skipped, it is counted once, as in memory.
    let skip = ["--on-bad-row", "skip"];
    let whole = seg_in(&[&base[..], &skip].concat(), &dir, &tmp);
    let parts = seg_in(&[&base[..], &skip, &PARTITIONED].concat(), &dir, &tmp);
    assert_eq!(parts.status.code(), Some(0));
    assert_eq!(whole.stdout, parts.stdout);
    assert_eq!(whole.stderr, parts.stderr);
    assert!(String::from_utf8_lossy(&parts.stderr).contains("skipped 1 bad rows"));
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

#[test]
fn the_memory_limit_must_be_a_usable_size() {
    let examples = crate::cli::root().join("examples");
    let tmp = fresh_dir("limit-tmp");
    for (limit, message) in [
        ("lots", "`lots` is not a size"),
        ("12 parsecs", "unknown unit `parsecs`"),
        ("1MiB", "below the smallest memory limit, 64MiB"),
        ("-5GiB", "is not a size seg can use"),
    ] {
        let flag = format!("--memory-limit={limit}");
        let run = seg_in(&["eval", &flag], &examples, &tmp);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{limit}: {stderr}");
        assert!(stderr.contains(message), "{limit}: {stderr}");
    }
    // The smallest limit itself is accepted.
    let run = seg_in(
        &["eval", "--memory-limit", "64MiB", "--format", "count"],
        &examples,
        &tmp,
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

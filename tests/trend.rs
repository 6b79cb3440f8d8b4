//! `seg trend` on the example data: a golden output, every step equal to `seg eval --as-of`
//! that instant, and the refusals.

use std::collections::BTreeMap;
use std::process::Command;

use crate::cli::in_examples as seg;
use crate::cli::root;

#[test]
fn a_trend_of_the_examples() {
    let (code, out, err) = seg(&[
        "trend",
        "--from",
        "2026-11-12T12:00:00Z",
        "--to",
        "2026-11-15T12:00:00Z",
        "--step",
        "12h",
        "--segment",
        "buyer",
        "--segment",
        "cart_abandoned_today",
        "--segment",
        "customer_account",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("examples", out);
}

#[test]
fn every_step_is_what_seg_eval_gives_as_of_its_instant() {
    let (code, out, err) = seg(&[
        "trend",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-29",
        "--step",
        "1w",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut steps: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("instant,segment,members"));
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        steps
            .entry(cells[0])
            .or_default()
            .insert(cells[1], cells[2]);
    }
    assert_eq!(steps.len(), 5, "2026-11-01 to 2026-11-29 a week apart");
    for (instant, counts) in &steps {
        let (code, eval, err) = seg(&["eval", "--as-of", instant, "--format", "count"]);
        assert_eq!(code, 0, "{err}");
        let expected: BTreeMap<&str, &str> = eval
            .lines()
            .skip(1)
            .map(|l| l.split_once(',').expect("segment,members"))
            .collect();
        assert_eq!(expected.len(), 64);
        assert_eq!(counts, &expected, "as of {instant}");
    }
}

#[test]
fn bad_instants_and_steps_are_refused() {
    for (args, message) in [
        (
            vec![
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-02",
                "--step",
                "1d",
                "--as-of",
                "2026-11-01",
            ],
            "no --as-of",
        ),
        (
            vec!["--from", "2026-11-02", "--to", "2026-11-01", "--step", "1d"],
            "--to is before --from",
        ),
        (
            vec!["--from", "2026-11-01", "--to", "2026-11-02", "--step", "1y"],
            "the unit is one of",
        ),
        (
            vec!["--from", "2026-11-01", "--to", "2026-11-02", "--step", "0h"],
            "above zero",
        ),
        (
            vec!["--from", "2000-01-01", "--to", "2027-05-19", "--step", "1d"],
            "at most 10000",
        ),
        (
            vec!["--from", "yesterday", "--to", "2026-11-02", "--step", "1d"],
            "--from `yesterday`",
        ),
    ] {
        let mut all = vec!["trend"];
        all.extend(args);
        let (code, _, err) = seg(&all);
        assert_eq!(code, 2, "{all:?}: {err}");
        assert!(err.contains(message), "{all:?}: {err}");
    }
    // At the bound: 10,000 steps are taken (of one segment, a minute apart).
    let (code, out, err) = seg(&[
        "trend",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-07T22:39:00Z",
        "--step",
        "1m",
        "--segment",
        "buyer",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 10_001);
}

#[test]
fn plots_are_png_or_svg_pictures_of_the_figures() {
    let dir = std::env::temp_dir().join(format!("seg-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let png = dir.join("trend.png");
    let svg = dir.join("compare.svg");
    let (code, _, err) = seg(&[
        "trend",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-15",
        "--step",
        "1d",
        "--segment",
        "buyer",
        "--segment",
        "ltv_silver",
        "--plot",
        &png.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&png).expect("the PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    // The IHDR chunk: width and height, big-endian.
    assert_eq!(
        u32::from_be_bytes(bytes[16..20].try_into().expect("4 bytes")),
        1100
    );
    assert_eq!(
        u32::from_be_bytes(bytes[20..24].try_into().expect("4 bytes")),
        620
    );
    let (code, _, err) = seg(&[
        "compare",
        "--as-of",
        "2026-11-15T12:00:00Z",
        "--segment",
        "ltv_gold",
        "--all",
        "--plot",
        &svg.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).expect("the SVG");
    assert!(text.contains("<svg"), "{text}");
    for label in ["ltv_gold", "all users", "purchase", "Events per member"] {
        assert!(text.contains(label), "{label} in the SVG");
    }
    // A font that is not one is said to be so.
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args([
            "trend",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-02",
            "--step",
            "1d",
            "--plot",
        ])
        .arg(dir.join("x.png"))
        .current_dir(root().join("examples"))
        .env("SEG_FONT", root().join("Cargo.toml"))
        .output()
        .expect("seg runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a TrueType font"));
    let _ = std::fs::remove_dir_all(&dir);
}

//! `seg test`: the shipped `.segtest` files pass, a wrong expectation fails with the ids, the
//! verdicts and the explanation, and a malformed test file is reported at its line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seg_test(args: &[&str], dir: &Path) -> (i32, String, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("test")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the seg binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seg-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A test file over the example schema and retail segments, with `body` after the header.
fn write_test(body: &str) -> PathBuf {
    let dir = tempdir();
    let examples = root().join("examples");
    let text = format!(
        "schema = {:?}\nsegments = [{:?}]\nas_of = 2026-11-15T12:00:00Z\n{body}",
        examples.join("schema.toml").display().to_string(),
        examples.join("segments/retail.seg").display().to_string(),
    );
    let path = dir.join("shop.segtest");
    std::fs::write(&path, text).unwrap();
    path
}

const CARTS: &str = r#"
events = [
  { user_id = "u1", event = "add_to_cart", ts = 2026-11-15T09:00:00Z, product = "p1", price = 20 },
  { user_id = "u2", event = "add_to_cart", ts = 2026-11-15T09:00:00Z, product = "p1", price = 20 },
  { user_id = "u2", event = "purchase", ts = 2026-11-15T10:00:00Z, value = 20 },
]
"#;

#[test]
fn the_example_tests_pass() {
    let (code, out, err) = seg_test(&["examples/"], root());
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("FAIL"), "{out}");
    // Every example segment file has its test file, and every example segment is tested.
    for file in ["common", "retail", "demand_gen", "customer_success"] {
        assert!(
            out.contains(&format!("tests/{file}.segtest: ")),
            "{file}.segtest did not run:\n{out}"
        );
    }
    assert!(
        out.contains("test result: ok. 64 passed, 0 failed in 4 files"),
        "{out}"
    );
}

#[test]
fn a_wrong_expectation_fails_with_the_explanation() {
    let path = write_test(&format!(
        "{CARTS}\n[expect.cart_abandoned_today]\nmembers = [\"u1\", \"u2\"]\n\n[expect.buyer]\nmembers = [\"u2\"]\nnon_members = [\"u1\"]\n"
    ));
    let (code, out, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("ok   "), "{out}");
    assert!(
        out.contains("shop.segtest: buyer (2 ids)"),
        "the passing segment is listed: {out}"
    );
    assert!(
        out.contains("FAIL ")
            && out.contains("shop.segtest: cart_abandoned_today (1 of 2 ids wrong)"),
        "{out}"
    );
    assert!(
        out.contains("    u2: expected a member, but every engine says not a member"),
        "{out}"
    );
    // The explanation of u2 in the segment follows, indented.
    for line in [
        "      cart_abandoned_today: not a member",
        "          not did(purchase today) = false",
        "              2026-11-15T10:00:00Z value=20",
    ] {
        assert!(out.contains(line), "`{line}` missing:\n{out}");
    }
    assert!(
        out.contains("test result: FAILED. 1 passed, 1 failed in 1 file"),
        "{out}"
    );
}

#[test]
fn malformed_toml_is_reported_at_its_line() {
    let path = write_test("events = [\n  { user_id = \"u1\", event = \"login\" \n]\n");
    let (code, out, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("shop.segtest:5:"), "{err}");
    assert!(out.contains("ERROR "), "{out}");
}

#[test]
fn a_bad_event_row_is_reported_at_its_line() {
    let path = write_test(
        "events = [\n  { user_id = \"u1\", event = \"purchase\", ts = 2026-11-01T10:00:00Z, value = \"lots\" },\n]\n[expect.buyer]\nmembers = [\"u1\"]\n",
    );
    let (code, _, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("shop.segtest:5:1: bad row: `value` must be a number, found a string"),
        "{err}"
    );
    // A typo in an event type is an error too, not a silently ignored row.
    let path = write_test(
        "[[events]]\nuser_id = \"u1\"\nevent = \"purchse\"\nts = 2026-11-01T10:00:00Z\n\n[expect.buyer]\nmembers = [\"u1\"]\n",
    );
    let (code, _, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("shop.segtest:4:1: bad row: there is no event type `purchse` in the schema"),
        "{err}"
    );
}

#[test]
fn an_unknown_segment_or_id_is_reported_with_a_suggestion() {
    let path = write_test(&format!(
        "{CARTS}\n[expect.cart_abandoned_tday]\nmembers = [\"u1\"]\n"
    ));
    let (code, _, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("shop.segtest:11:1: no segment is named `cart_abandoned_tday`")
            && err.contains("did you mean `cart_abandoned_today`?"),
        "{err}"
    );
    let path = write_test(&format!(
        "{CARTS}\n[expect.buyer]\nnon_members = [\"u3\"]\n"
    ));
    let (code, _, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`buyer` expects user `u3`, which has no rows in this test"),
        "{err}"
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let (code, _, err) = seg_test(&["no/such/folder"], root());
    assert_eq!(code, 2);
    assert!(err.contains("no/such/folder"), "{err}");
    let empty = tempdir();
    let (code, _, err) = seg_test(&[], &empty);
    assert_eq!(code, 2);
    assert!(err.contains("no .segtest files"), "{err}");
    let path = write_test(&format!("{CARTS}\n[expect.buyer]\nmembers = [\"u2\"]\n"));
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("retail.seg", "missing.seg");
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = seg_test(&[path.to_str().unwrap()], root());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.seg"), "{err}");
}

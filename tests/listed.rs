//! `listed("FILE")` through the real `seg` binary on the example data: the same members on
//! the interpreter and the JIT, equal to the list's ids that the data holds (computed here from
//! the files); in `explain` and in a `.segtest`; a missing, malformed or endless list is an
//! error located at the call.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{root, seg, stderr, tempdir};

/// A project over examples/: its schema and data, and `segments/leads.seg`, whose list is
/// `lists/leads.csv` beside it (written with `list`).
fn project(list: Option<&str>) -> PathBuf {
    let dir = tempdir();
    let examples = root().join("examples");
    std::fs::create_dir_all(dir.join("segments/lists")).unwrap();
    std::fs::write(
        dir.join("segments/leads.seg"),
        "segment leads \"Leads from the CRM\" = listed(\"lists/leads.csv\")\n\
         segment leads_who_bought = leads and did(purchase)\n\
         segment accounts_listed on account = listed(\"lists/leads.csv\")\n",
    )
    .unwrap();
    if let Some(list) = list {
        std::fs::write(dir.join("segments/lists/leads.csv"), list).unwrap();
    }
    std::fs::write(
        dir.join("seg.toml"),
        format!(
            "schema = \"{0}/schema.toml\"\nsegments = \"segments\"\n\n[data]\n\
             events = [\"{0}/data/events.ndjson\"]\nprofiles = [\"{0}/data/profiles.ndjson\"]\n\
             accounts = [\"{0}/data/accounts.ndjson\"]\n",
            examples.display()
        ),
    )
    .unwrap();
    dir
}

const AS_OF: &str = "2026-11-15T12:00:00Z";

/// `seg eval` with an engine: its (segment, id) rows.
fn eval(dir: &Path, engine: &str) -> BTreeSet<(String, String)> {
    let output = seg(&["eval", "--as-of", AS_OF, "--engine", engine], dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let (segment, id) = line.split_once(',').expect("segment,user_id");
            (segment.to_string(), id.to_string())
        })
        .collect()
}

/// The ids of the first column of an example data file (users or accounts).
fn ids_in(file: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("examples/data").join(file)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn listed_members_agree_on_every_engine_and_are_the_listed_ids_the_data_holds() {
    let users = ids_in("profiles.csv");
    let accounts = ids_in("accounts.csv");
    // Every seventh user, two accounts, and ids the data lacks; quoted CSV fields around them.
    let mut listed: Vec<String> = users.iter().step_by(7).cloned().collect();
    listed.extend(accounts.iter().take(2).cloned());
    listed.extend(["nobody".to_string(), "u999999".to_string()]);
    let mut csv = String::from("email,user_id\n");
    for (i, id) in listed.iter().enumerate() {
        let _ = writeln!(csv, "\"person{i}@example.com, x\",{id}");
    }
    let dir = project(Some(&csv));
    let interp = eval(&dir, "interp");
    let jit = eval(&dir, "jit");
    assert_eq!(interp, jit, "the interpreter and the JIT differ");
    let members = |segment: &str| -> BTreeSet<String> {
        interp
            .iter()
            .filter(|(s, _)| s == segment)
            .map(|(_, id)| id.clone())
            .collect()
    };
    let listed: BTreeSet<String> = listed.into_iter().collect();
    let want_users: BTreeSet<String> = users.intersection(&listed).cloned().collect();
    let want_accounts: BTreeSet<String> = accounts.intersection(&listed).cloned().collect();
    assert!(want_users.len() > 10 && want_accounts.len() == 2);
    assert_eq!(members("leads"), want_users);
    assert_eq!(members("accounts_listed"), want_accounts);
    let bought = members("leads_who_bought");
    assert!(!bought.is_empty() && bought.len() < want_users.len());
    assert!(bought.is_subset(&want_users));
}

#[test]
fn explain_and_segment_tests_read_the_list() {
    let dir = project(Some("u000001\nsomeone\n"));
    let output = seg(
        &[
            "explain",
            "--as-of",
            AS_OF,
            "--segment",
            "leads",
            "--user",
            "u000001",
        ],
        &dir,
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(text.contains("listed(\"lists/leads.csv\")"), "{text}");
    assert!(text.contains("member"), "{text}");
    let examples = root().join("examples");
    std::fs::write(
        dir.join("segments/leads.segtest"),
        format!(
            "schema = \"{}/schema.toml\"\nsegments = [\"leads.seg\"]\nas_of = {AS_OF}\n\n\
             events = [\n  {{ user_id = \"someone\", event = \"purchase\", ts = 2026-11-01T10:00:00Z, value = 5 }},\n\
             {{ user_id = \"stranger\", event = \"purchase\", ts = 2026-11-01T10:00:00Z, value = 5 }},\n]\n\n\
             [expect.leads_who_bought]\nmembers = [\"someone\"]\n",
            examples.display()
        ),
    )
    .unwrap();
    let output = seg(&["test", "segments/"], &dir);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
}

/// `seg check`'s exit code and its error output.
fn check(dir: &Path) -> (Option<i32>, String) {
    let output = seg(&["check"], dir);
    (output.status.code(), stderr(&output))
}

#[test]
fn a_missing_list_is_an_error_at_the_call() {
    let (code, err) = check(&project(None));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("[E0112]"), "{err}");
    assert!(err.contains("leads.seg:1:45"), "{err}");
    assert!(err.contains("lists/leads.csv"), "{err}");
}

#[test]
fn a_malformed_list_names_its_bad_line() {
    let (code, err) = check(&project(Some("u000001\n\nu000002\n")));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("[E0113]"), "{err}");
    assert!(err.contains("line 2: an empty id"), "{err}");
    assert!(err.contains("leads.seg:1:45"), "{err}");
    let (code, err) = check(&project(Some("email,name\na@example.com,Ann\n")));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("no `user_id`, `account_id` or `id` column"),
        "{err}"
    );
}

#[test]
fn an_endless_list_stops_at_the_bound() {
    let dir = project(None);
    std::os::unix::fs::symlink("/dev/zero", dir.join("segments/lists/leads.csv")).unwrap();
    let (code, err) = check(&dir);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("[E0112]"), "{err}");
    assert!(err.contains("larger than"), "{err}");
}

//! `seg repl`: a session driven in a real pseudo-terminal (completion, highlighting, multi-line
//! input, history), a script piped through standard input, and the session's library API.
//! Expected member counts come from the library (`seg::engine::evaluate` over the example
//! data), never from numbers written here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use seg::check::{check_paths, DiskFs};
use seg::engine::Engine;
use seg::repl::highlight::strip;
use seg::repl::{Program, Session};
use seg::schema::Schema;
use seg::source::SourceMap;
use seg::store::load::{load_file, Kind, LoadReport, OnBadRow};
use seg::store::{Store, StoreBuilder};

const AS_OF: &str = "2026-11-15T12:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> PathBuf {
    root().join("examples")
}

fn instant(text: &str) -> i64 {
    seg::time::parse_timestamp(text).unwrap()
}

fn example_store(schema: &Schema) -> Store {
    let mut builder = StoreBuilder::new(schema);
    let mut report = LoadReport::default();
    for (kind, file) in [
        (Kind::Events, "events"),
        (Kind::Profiles, "profiles"),
        (Kind::Accounts, "accounts"),
    ] {
        let path = examples().join(format!("data/{file}.ndjson"));
        load_file(&mut builder, kind, &path, OnBadRow::Fail, &mut report).unwrap();
    }
    builder.finish()
}

/// A scratch folder of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-repl-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The members (sorted ids) of each condition, as of `as_of`, next to the example segments:
/// checked and evaluated by the library with the interpreter.
fn expected(conditions: &[&str], as_of: &str) -> Vec<Vec<String>> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch("expected");
    let mut text = String::new();
    for (i, condition) in conditions.iter().enumerate() {
        let _ = writeln!(text, "segment expected_{i} = {condition}");
    }
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let file = dir.join(format!("expected{n}.seg"));
    std::fs::write(&file, text).unwrap();
    let mut sources = SourceMap::new();
    let checked = check_paths(
        &DiskFs,
        &mut sources,
        &examples().join("schema.toml"),
        &[examples().join("segments"), file],
    )
    .unwrap();
    let plan = checked.plan.expect("the expected conditions check");
    let store = example_store(&plan.schema);
    let memberships = seg::engine::evaluate(&plan, &store, instant(as_of), Engine::Interp);
    (0..conditions.len())
        .map(|i| {
            let id = plan.find(&format!("expected_{i}")).unwrap();
            let mut ids: Vec<String> = memberships.members[id.0 as usize]
                .iter()
                .zip(&store.users.ids)
                .filter(|(m, _)| **m)
                .map(|(_, id)| id.to_string())
                .collect();
            ids.sort();
            ids
        })
        .collect()
}

/// The line `N users (...)` for a member list.
fn count_line(members: &[String]) -> String {
    let noun = if members.len() == 1 { "user" } else { "users" };
    format!("{} {noun} (", members.len())
}

fn sample_line(members: &[String]) -> String {
    format!("sample: {}", members[..members.len().min(5)].join(" "))
}

#[test]
fn a_terminal_session_completes_highlights_and_counts() {
    use rexpect::reader::Options;
    let dir = scratch("pty");
    let history = dir.join("history");
    let _ = std::fs::remove_file(&history);
    let mut command = Command::new(env!("CARGO_BIN_EXE_seg"));
    command
        .args(["repl", "--as-of", AS_OF])
        .current_dir(examples())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env("SEG_HISTORY", &history);
    let options = Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(false);
    let mut p = rexpect::session::spawn_with_options(command, options).expect("a pty");
    p.exp_string("seg> ").expect("the prompt");

    // `purch` and `cart_abandoned_to` are completed with Tab.
    p.send("did(purch\t within 30d) and not cart_abandoned_to\t\r")
        .unwrap();
    p.flush().unwrap();
    let echoed = p.exp_string(" users (").expect("a count");
    let plain = strip(&echoed);
    assert!(
        plain.contains("did(purchase within 30d) and not cart_abandoned_today"),
        "the input was not completed: {plain:?}"
    );
    // The typed line was redrawn with colours: the event name, a keyword and a duration.
    for painted in [
        "\x1b[34mpurchase",
        "\x1b[35mwithin",
        "\x1b[36m30d",
        "\x1b[35mand",
    ] {
        assert!(
            echoed.contains(painted),
            "{painted:?} missing from the echoed input {echoed:?}"
        );
    }
    let [first, second] = &expected(
        &[
            "did(purchase within 30d) and not cart_abandoned_today",
            "count(login within 7d) > 2",
        ],
        AS_OF,
    )[..] else {
        unreachable!()
    };
    let printed = plain.split_whitespace().last().unwrap_or_default();
    assert_eq!(printed, first.len().to_string(), "{plain:?}");
    let rest = strip(&p.exp_string("seg> ").unwrap());
    assert!(rest.contains(&sample_line(first)), "{rest:?}");

    // An open bracket continues the input on the next line.
    p.send("count(login\r").unwrap();
    p.send("  within 7d) > 2\r").unwrap();
    p.flush().unwrap();
    let echoed = strip(&p.exp_string(" users (").expect("a count"));
    assert_eq!(
        echoed.split_whitespace().last().unwrap_or_default(),
        second.len().to_string(),
        "{echoed:?}"
    );
    p.exp_string("seg> ").unwrap();

    p.send(":quit\r").unwrap();
    p.flush().unwrap();
    p.exp_eof().expect("the session ends");
    let history = std::fs::read_to_string(&history).expect("a history file");
    assert!(
        history.contains("did(purchase within 30d) and not cart_abandoned_today"),
        "{history}"
    );
    assert!(history.contains(":quit"), "{history}");
}

/// Runs `seg repl` with `script` on standard input.
fn script(script: &str, args: &[&str]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("repl")
        .args(args)
        .current_dir(examples())
        .env("SEG_HISTORY", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_script_on_standard_input_prints_plain_results() {
    let input = "\
# definitions, then expressions that use them
segment big = sum(purchase.value) > 500
let recent = 30d
big and not did(login
    within recent)
:segments
:as-of 2026-10-01
did(purchase within 30d)
:quit
did(unread_after_quit
";
    let (code, out, err) = script(input, &["--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\x1b') && !err.contains('\x1b'), "{out}{err}");
    assert!(!out.contains("seg>"), "no prompts: {out}");
    let [big, big_idle] = &expected(
        &[
            "sum(purchase.value) > 500",
            "sum(purchase.value) > 500 and not did(login within 30d)",
        ],
        AS_OF,
    )[..] else {
        unreachable!()
    };
    let [october] = &expected(&["did(purchase within 30d)"], "2026-10-01")[..] else {
        unreachable!()
    };
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("segment big: {}", count_line(big))),
        "{out}"
    );
    assert!(lines[1].starts_with(&sample_line(big)), "{out}");
    assert_eq!(lines[3], "let recent");
    assert!(lines[4].starts_with(&count_line(big_idle)), "{out}");
    let listed = lines
        .iter()
        .find(|l| l.starts_with("big "))
        .expect(":segments lists `big`");
    assert_eq!(
        listed.split_whitespace().nth(1),
        Some(big.len().to_string().as_str()),
        "{listed}"
    );
    assert!(out.contains("cart_abandoned_today "), "{out}");
    assert!(out.contains("as of 2026-10-01T00:00:00Z\n"), "{out}");
    assert!(out.contains(&count_line(october)), "{out}");
    assert!(!out.contains("unread_after_quit"), "{out}");
    assert_eq!(err, "", "nothing after :quit is read");
}

#[test]
fn a_script_with_mistakes_reports_them_and_goes_on() {
    let input = "did(purchse)\nsegment s = count(login) > 2\n:nope\ncount(purchase)\n";
    let (code, out, err) = script(input, &["--as-of", AS_OF]);
    assert_eq!(code, 1, "{out}{err}");
    // Ariadne, on the line as typed.
    assert!(
        err.contains("[E0101] Error: there is no event type `purchse`"),
        "{err}"
    );
    assert!(err.contains("<input 1>:1:5"), "{err}");
    assert!(err.contains(" 1 │ did(purchse)"), "{err}");
    assert!(err.contains("did you mean `purchase`?"), "{err}");
    assert!(err.contains("there is no command `:nope`"), "{err}");
    assert!(err.contains("the expression is not a condition"), "{err}");
    assert!(err.contains(" 1 │ count(purchase)"), "{err}");
    let [s] = &expected(&["count(login) > 2"], AS_OF)[..] else {
        unreachable!()
    };
    assert!(
        out.starts_with(&format!("segment s: {}", count_line(s))),
        "{out}"
    );
}

#[test]
fn without_a_schema_it_is_a_usage_error() {
    let dir = scratch("empty");
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("repl")
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no schema"));
}

/// A session over the example project, without a terminal or a process.
fn session() -> Session {
    let (program, warnings) = Program::load(
        &DiskFs,
        &examples().join("schema.toml"),
        &[examples().join("segments")],
    )
    .unwrap();
    assert!(warnings.is_empty());
    let store = example_store(program.schema());
    Session::new(program, store, instant(AS_OF), Engine::Jit, false)
}

#[test]
fn definitions_that_do_not_check_leave_the_session_as_it_was() {
    let mut s = session();
    let [login, purchase] = &expected(&["did(login)", "did(purchase)"], AS_OF)[..] else {
        unreachable!()
    };
    let reply = s.run("segment a = did(login)");
    assert!(reply.output.contains(&count_line(login)), "{reply:?}");
    let reply = s.run("segment a = did(nosuch)");
    assert!(reply.failed && reply.errors.contains("E0101"), "{reply:?}");
    assert!(s.run("a").output.starts_with(&count_line(login)));
    // A cycle is refused too.
    assert!(!s.run("segment b = a").failed);
    let reply = s.run("segment a = b");
    assert!(reply.failed && reply.errors.contains("cycle"), "{reply:?}");
    // Redefining a name replaces it, for later uses too.
    assert!(!s.run("segment a = did(purchase)").failed);
    assert!(s.run("b").output.starts_with(&count_line(purchase)));
    assert!(s.vocabulary().segments.contains(&"b".to_string()));
}

#[test]
fn load_explain_as_of_and_engine() {
    let mut s = session();
    let dir = scratch("load");
    std::fs::write(dir.join("common.seg"), "let busy = 3\n").unwrap();
    std::fs::write(
        dir.join("extra.seg"),
        "import \"common.seg\"\nsegment busy_buyer = count(purchase) >= busy\n",
    )
    .unwrap();
    let reply = s.run(&format!(":load {}", dir.join("extra.seg").display()));
    assert!(!reply.failed, "{reply:?}");
    assert!(reply.output.contains("1 segment, 1 let"), "{reply:?}");
    let [busy] = &expected(&["count(purchase) >= 3"], AS_OF)[..] else {
        unreachable!()
    };
    assert!(s.run("busy_buyer").output.starts_with(&count_line(busy)));
    // A typed `import` reads the file as `:load` does.
    let path = dir.join("extra.seg");
    let reply = s.run(&format!(
        "import \"{}\"\nsegment idle = not did(login)",
        path.display()
    ));
    assert!(!reply.failed, "{reply:?}");
    assert!(reply.output.starts_with("loaded "), "{reply:?}");
    assert!(reply.output.contains("\nsegment idle: "), "{reply:?}");

    let member = &busy[0];
    let reply = s.run(&format!(":explain {member} busy_buyer"));
    assert!(
        reply
            .output
            .starts_with(&format!("{member} is in segment `busy_buyer`")),
        "{reply:?}"
    );
    let reply = s.run(&format!(
        ":explain {member} did(purchase) and not busy_buyer"
    ));
    // The explanation tree of `seg explain`: every sub-expression's value, the events found.
    assert!(reply.output.contains("is not matched by"), "{reply:?}");
    assert!(
        reply.output.contains("\n    did(purchase) = true\n"),
        "{reply:?}"
    );
    assert!(
        reply.output.contains("      purchase in [-inf, "),
        "{reply:?}"
    );
    assert!(
        reply.output.contains("\n    not busy_buyer = false\n"),
        "{reply:?}"
    );
    let reply = s.run(":explain nobody did(login)");
    assert!(
        reply.failed && reply.errors.contains("no user `nobody`"),
        "{reply:?}"
    );

    assert_eq!(s.run(":engine interp").output, "engine: interp\n");
    assert_eq!(s.engine(), Engine::Interp);
    assert!(s.run(":engine fast").failed);
    assert_eq!(
        s.run(":as-of 2026-10-01").output,
        "as of 2026-10-01T00:00:00Z\n"
    );
    let [october] = &expected(&["did(purchase within 30d)"], "2026-10-01")[..] else {
        unreachable!()
    };
    let reply = s.run("did(purchase within 30d)");
    assert!(reply.output.starts_with(&count_line(october)), "{reply:?}");
    assert!(reply.output.contains("(interp)"), "{reply:?}");
}

#[test]
fn schema_and_help_come_from_the_schema_and_the_declarations() {
    let mut s = session();
    let schema = s.run(":schema").output;
    assert!(schema.contains("purchase"), "{schema}");
    assert!(schema.contains("value: number"), "{schema}");
    assert!(schema.contains("visited(KEY)"), "{schema}");
    assert!(schema.contains("stage: string"), "{schema}");
    let help = s.run(":help").output;
    for builtin in seg::names::builtins::BUILTINS {
        assert!(help.contains(builtin.summary), "{} missing", builtin.name);
    }
    for command in seg::repl::commands::COMMANDS {
        assert!(
            help.contains(&format!(":{}", command.name)),
            "{}",
            command.name
        );
    }
    let sum = s.run(":help sum").output;
    assert!(sum.starts_with("sum(EVENT.PROPERTY"), "{sum}");
    assert!(s.run(":quit").quit);
}

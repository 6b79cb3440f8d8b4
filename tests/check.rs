//! The checker's output: the typed plan for well-formed programs (sugar expanded, names
//! resolved, segments in dependency order) and the diagnostics of the rules that are not a
//! registry example of their own.

use std::fmt::Write as _;

use seg::check::example::check_example;
use seg::diag::render::to_plain_string;
use seg::plan::{AggregateFn, ArithOp, CompareOp, ExprKind, Plan, Quantifier, Type, Value, Window};

fn plan(source: &str) -> Plan {
    let (sources, checked) = check_example(source);
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        to_plain_string(&sources, &checked.diagnostics)
    );
    checked.plan.expect("a plan")
}

fn codes(source: &str) -> Vec<&'static str> {
    let (_, checked) = check_example(source);
    checked.diagnostics.iter().map(|d| d.code.id()).collect()
}

#[test]
fn segments_come_after_the_segments_they_use() {
    let plan =
        plan("segment c = a and b\nsegment b = a or did(login)\nsegment a = did(purchase)\n");
    let names: Vec<&str> = plan.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let c = plan.segment(plan.find("c").unwrap());
    assert_eq!(
        c.depends_on,
        vec![plan.find("a").unwrap(), plan.find("b").unwrap()]
    );
    let ExprKind::And(items) = &c.body.kind else {
        panic!("{:?}", c.body.kind)
    };
    assert_eq!(items[0].kind, ExprKind::SegmentRef(plan.find("a").unwrap()));
}

#[test]
fn verbs_expand_to_an_event_set_with_a_key_test() {
    let plan = plan("segment s = visited([\"/a\", \"/b\"] within 7d)\n");
    let ExprKind::Aggregate(aggregate) = &plan.segments[0].body.kind else {
        panic!()
    };
    assert_eq!(aggregate.function, AggregateFn::Did);
    assert!(matches!(aggregate.set.window, Window::Within(_)));
    let filter = aggregate.set.filter.as_ref().unwrap();
    let ExprKind::Compare(CompareOp::In, property, key) = &filter.kind else {
        panic!("{:?}", filter.kind)
    };
    assert_eq!(property.kind, ExprKind::Property(0));
    assert_eq!(
        key.kind,
        ExprKind::Const(Value::List(vec![
            Value::String("/a".into()),
            Value::String("/b".into())
        ]))
    );
}

#[test]
fn ago_is_now_minus_a_duration_and_lets_are_expanded() {
    let plan = plan("let recent = 7d\nsegment s = last(login) > recent ago\n");
    let ExprKind::Compare(CompareOp::Gt, last, bound) = &plan.segments[0].body.kind else {
        panic!()
    };
    assert_eq!(last.ty, Type::Timestamp);
    let ExprKind::Arith(ArithOp::Sub, now, duration) = &bound.kind else {
        panic!("{:?}", bound.kind)
    };
    assert_eq!(now.kind, ExprKind::Now);
    assert_eq!(
        duration.kind,
        ExprKind::Const(Value::Duration(7 * 86_400_000_000))
    );
}

#[test]
fn then_not_marks_the_last_step() {
    let plan =
        plan("segment s = visited(\"/demo\") then did(login) then not visited(\"/demo/thanks\")\n");
    let ExprKind::Then {
        steps,
        last_negated,
    } = &plan.segments[0].body.kind
    else {
        panic!()
    };
    assert_eq!(steps.len(), 3);
    assert!(last_negated);
}

#[test]
fn users_where_is_a_user_scope_inside_an_account_segment() {
    let plan = plan("segment s on account = count(users where profile.country == \"DE\" and did(login)) > 2 and account.seats > 5\n");
    let ExprKind::And(items) = &plan.segments[0].body.kind else {
        panic!()
    };
    let ExprKind::Compare(_, count, _) = &items[0].kind else {
        panic!()
    };
    assert!(matches!(
        count.kind,
        ExprKind::Users {
            quantifier: Quantifier::Count,
            filter: Some(_)
        }
    ));
    assert_eq!(
        codes("segment s on account = profile.country == \"DE\"\n"),
        ["E0208"]
    );
    assert_eq!(
        codes("segment u = did(login)\nsegment s on account = u\n"),
        ["E0208"]
    );
    assert_eq!(
        codes("segment a on account = account.seats > 1\nsegment s = a\n"),
        ["E0207"]
    );
}

#[test]
fn an_events_own_property_may_be_qualified_inside_its_where() {
    plan("segment s = did(purchase where purchase.value > 10 and purchase.ts < now)\n");
    assert_eq!(
        codes("segment s = did(purchase where purchase.valu > 10)\n"),
        ["E0102"]
    );
    assert_eq!(codes("segment s = purchase.value > 10\n"), ["E0210"]);
    assert_eq!(
        codes("segment s = did(login where value > 10)\n"),
        ["E0106"]
    );
}

#[test]
fn windows_that_cannot_hold_an_event_are_warned_about() {
    assert_eq!(
        codes("segment s = did(login between 3d ago and 7d ago)\n"),
        ["W0002"]
    );
    assert_eq!(codes("segment s = did(login after now)\n"), ["W0002"]);
    assert_eq!(codes("segment s = did(login within 0d)\n"), ["W0002"]);
    assert!(codes("segment s = did(login between 7d ago and 3d ago)\n").is_empty());
    assert_eq!(
        codes("segment s = did(login within 2024-01-01)\n"),
        ["E0212"]
    );
    assert_eq!(
        codes("segment s = did(login during weekdays(8))\n"),
        ["E0212"]
    );
}

#[test]
fn let_cycles_and_self_reference_are_reported() {
    assert_eq!(codes("let a = b\nlet b = a\nsegment s = a\n"), ["E0108"]);
    assert_eq!(codes("segment s = s\n"), ["E0108"]);
}

#[test]
fn an_error_does_not_cascade() {
    // The unknown event makes `did(...)` an error; `and`, `not` and the body stay quiet.
    assert_eq!(
        codes("segment s = not did(nope) and count(nope2) > 1\n"),
        ["E0101", "E0101"]
    );
    // A broken item's name is known, so its use is not reported again.
    assert_eq!(
        codes("segment a = did(\nsegment b = a and did(login)\n"),
        ["E0001"]
    );
}

#[test]
fn files_are_loaded_once_and_may_start_with_a_byte_order_mark() {
    let source = "--- main.seg\nimport \"a.seg\"\nimport \"./a.seg\"\nsegment s = t\n--- a.seg\n\u{feff}segment t = did(login)\n";
    assert_eq!(plan(source).segments.len(), 2);
}

#[test]
fn every_example_segment_has_a_description() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = seg::source::SourceMap::new();
    let checked = seg::check::check_paths(
        &seg::check::DiskFs,
        &mut sources,
        &root.join("examples/schema.toml"),
        &[root.join("examples/segments")],
    )
    .unwrap();
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        to_plain_string(&sources, &checked.diagnostics)
    );
    let plan = checked.plan.unwrap();
    assert!(
        plan.segments.len() >= 45,
        "{} segments",
        plan.segments.len()
    );
    for segment in &plan.segments {
        assert!(
            segment.description.as_ref().is_some_and(|d| !d.is_empty()),
            "{} has no description",
            segment.name
        );
    }
}

// ---- Bounds on `let` expansion, and constant folding

/// `let a1 = a0 + a0`, `let a2 = a1 + a1`, ...: each line doubles the expansion.
fn doubling(base: &str, lines: usize, body: &str) -> String {
    let mut source = format!("let a0 = {base}\n");
    for k in 1..=lines {
        let _ = writeln!(source, "let a{k} = a{} + a{}", k - 1, k - 1);
    }
    let _ = writeln!(source, "segment s = {body}");
    source
}

/// `let l0 = l1 STEP`, `let l1 = l2 STEP`, ..., down to `let lN = base`.
fn chain(lines: usize, step: &str, base: &str) -> String {
    let mut source = String::from("segment s = l0 > 3\n");
    for k in 0..lines {
        let _ = writeln!(
            source,
            "let l{k} = {}",
            step.replace('#', &format!("l{}", k + 1))
        );
    }
    let _ = writeln!(source, "let l{lines} = {base}");
    source
}

#[test]
fn doubling_lets_over_constants_fold_to_one_constant() {
    let plan = plan(&doubling("1", 26, "count(purchase) > a26"));
    let ExprKind::Compare(_, _, bound) = &plan.segments[0].body.kind else {
        panic!()
    };
    assert_eq!(bound.kind, ExprKind::Const(Value::Number(67_108_864.0)));
}

#[test]
fn doubling_lets_are_refused_past_the_expansion_bound() {
    // a15 is 65,535 nodes, built from two copies of a14: within the bound of 100,000 nodes
    // copied into one item. a16 would copy a15 twice: 131,070.
    let accepted = doubling("count(purchase)", 15, "a15 > 3");
    assert!(codes(&accepted).is_empty(), "{:?}", codes(&accepted));
    assert_eq!(
        codes(&doubling("count(purchase)", 16, "a16 > 3")),
        ["E0111"]
    );
    // The 26-line file of the issue: one error, found without building the expansion.
    let (sources, checked) = check_example(&doubling("count(purchase)", 26, "a26 > 3"));
    let text = to_plain_string(&sources, &checked.diagnostics);
    assert_eq!(checked.diagnostics.len(), 1, "{text}");
    assert!(text.contains("larger than 100000 nodes"), "{text}");
}

#[test]
fn a_let_used_too_often_by_one_segment_is_refused() {
    // Each let is small, but the segment copies a15 (65,535 nodes) twice.
    let source = doubling("count(purchase)", 15, "a15 > 1 and a15 > 2");
    let (sources, checked) = check_example(&source);
    let text = to_plain_string(&sources, &checked.diagnostics);
    assert_eq!(codes(&source), ["E0111"], "{text}");
    assert!(text.contains("makes this segment larger"), "{text}");
}

/// The codes of checking `source` on a thread with the stack the `seg` binary gives its
/// phases: the bound on depth is what keeps the checker within it.
fn codes_on_a_big_stack(source: String) -> (Vec<&'static str>, String) {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let (sources, checked) = check_example(&source);
            let ids = checked.diagnostics.iter().map(|d| d.code.id()).collect();
            (ids, to_plain_string(&sources, &checked.diagnostics))
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn lets_cannot_make_an_expression_deeper_than_512() {
    // `l0 > 3` is 2 levels, each `# + 1` line adds 2 (the `+` and the name): 250 lines are 503
    // deep, 256 lines pass 512.
    let (ok, text) = codes_on_a_big_stack(chain(250, "# + 1", "count(purchase)"));
    assert!(ok.is_empty(), "{text}");
    let (refused, text) = codes_on_a_big_stack(chain(256, "# + 1", "count(purchase)"));
    assert_eq!(refused, ["E0111"], "{text}");
    assert!(text.contains("more than 512 levels deep"), "{text}");
    // The 8,000-line chain of the issue, and 8,000 aliases that add one level each: refused
    // once, at the bound.
    for step in ["# + 1", "#", "(# + 1) * 2 - 1"] {
        let (refused, text) = codes_on_a_big_stack(chain(8_000, step, "count(purchase)"));
        assert_eq!(refused, ["E0111"], "{step}: {text}");
    }
    // Five levels a line: 100 lines fit, 110 do not.
    let (ok, text) = codes_on_a_big_stack(chain(100, "(# + 1) * 2 - 1", "count(purchase)"));
    assert!(ok.is_empty(), "{text}");
    let (refused, _) = codes_on_a_big_stack(chain(110, "(# + 1) * 2 - 1", "count(purchase)"));
    assert_eq!(refused, ["E0111"]);
}

#[test]
fn constant_arithmetic_is_folded() {
    let plan = plan("let big = 100 * 5\nsegment s = sum(purchase.value) > big - 1\nsegment t = did(login within 2d * 3 + 12h)\n");
    let ExprKind::Compare(_, _, bound) = &plan.segments[0].body.kind else {
        panic!()
    };
    assert_eq!(bound.kind, ExprKind::Const(Value::Number(499.0)));
    let ExprKind::Aggregate(aggregate) = &plan.segments[1].body.kind else {
        panic!()
    };
    let Window::Within(d) = &aggregate.set.window else {
        panic!()
    };
    assert_eq!(
        d.kind,
        ExprKind::Const(Value::Duration(6 * 86_400_000_000 + 43_200_000_000))
    );
}

#[test]
fn constant_arithmetic_out_of_range_is_refused_where_it_is_written() {
    for (source, needle) in [
        (
            "segment s = did(purchase within 100000000d * 1000000)\n",
            "is out of range",
        ),
        (
            "segment s = last(login) < now + 100000000d * 1000\n",
            "is out of range",
        ),
        (
            "segment s = sum(purchase.value) > 1 / 0\n",
            "divides by zero",
        ),
        (
            "segment s = sum(purchase.value) > 1e300 * 1e300\n",
            "is out of range",
        ),
        ("segment s = did(login within 3d / 0)\n", "divides by zero"),
        (
            "let d = 50000000d\nsegment s = last(login) < 2024-01-01 + d * 3\n",
            "is out of range",
        ),
        (
            "segment s = last(login) > now - 106700000d\n",
            "for some evaluation instants",
        ),
        (
            "segment s = last(login) < now + 106700000d\n",
            "for some evaluation instants",
        ),
    ] {
        let (sources, checked) = check_example(source);
        let text = to_plain_string(&sources, &checked.diagnostics);
        let ids: Vec<_> = checked.diagnostics.iter().map(|d| d.code.id()).collect();
        assert_eq!(ids, ["E0215"], "{source}: {text}");
        assert!(text.contains(needle), "{source}: {text}");
    }
    // Within range: a far but representable offset from now is fine.
    assert!(codes("segment s = last(login) > now - 100000d\n").is_empty());
}

/// The help of each diagnostic of a program, in order.
fn helps(source: &str) -> Vec<String> {
    let (_, checked) = check_example(source);
    checked
        .diagnostics
        .iter()
        .map(|d| d.help.clone().unwrap_or_default())
        .collect()
}

#[test]
fn did_you_mean_finds_the_same_words_in_another_order_or_case() {
    let schema = "--- schema.toml\n[events.product_view]\nproduct_id = \"string\"\nlist_price = \"number\"\n[verbs]\nviewed_product = { event = \"product_view\", key = \"product_id\" }\n[profile]\nemail_opt_in = \"bool\"\n[account]\nplan_name = \"string\"\n";
    let case = |body: &str| {
        helps(&format!(
            "--- main.seg\nsegment big_spender = did(product_view)\n{body}\n{schema}"
        ))
    };
    // Events, properties (bare and qualified), attributes, verbs and segments.
    assert_eq!(
        case("segment s = count(view_product) > 1"),
        ["did you mean `product_view`?"]
    );
    assert_eq!(
        case("segment s = did(product_view where price_list > 1)"),
        ["did you mean `list_price`?"]
    );
    assert_eq!(
        case("segment s = sum(product_view.Price_List) > 1"),
        ["did you mean `product_view.list_price`?"]
    );
    assert_eq!(
        case("segment s = profile.opt_in_email"),
        ["did you mean `profile.email_opt_in`?"]
    );
    assert_eq!(
        case("segment s on account = account.name_plan == \"x\""),
        ["did you mean `account.plan_name`?"]
    );
    assert_eq!(
        case("segment s = product_viewed(\"p1\")"),
        ["did you mean `viewed_product`?"]
    );
    assert_eq!(
        case("segment s = spender_big"),
        ["did you mean `big_spender`?"]
    );
}

/// Each diagnostic of a program as `CODE message | help`.
fn said(source: &str) -> Vec<String> {
    let (_, checked) = check_example(source);
    checked
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {} | {}",
                d.code.id(),
                d.message,
                d.help.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn each_empty_window_says_why_it_is_empty() {
    let one = |window: &str| {
        let said = said(&format!("segment s = did(login {window})\n"));
        assert_eq!(said.len(), 1, "{window}: {said:?}");
        said[0].clone()
    };
    let zero = one("within 0d");
    assert!(
        zero.contains("an empty window") && zero.contains("zero"),
        "{zero}"
    );
    assert!(!zero.contains("order"), "{zero}");
    let negative = one("within -1d");
    assert!(negative.contains("negative duration"), "{negative}");
    assert!(!negative.contains("order"), "{negative}");
    let equal = one("between 2024-01-01 and 2024-01-01");
    assert!(equal.contains("the same instant"), "{equal}");
    let equal_ago = one("between 3d ago and 3d ago");
    assert!(equal_ago.contains("the same instant"), "{equal_ago}");
    let reversed = one("between 3d ago and 7d ago");
    assert!(
        reversed.contains("starts after its end") && reversed.contains("swap"),
        "{reversed}"
    );
    let after = one("after now");
    assert!(
        after.contains("after `now`") && !after.contains("order"),
        "{after}"
    );
}

/// The names of the unused `let`s reported when checking `roots` among `files`.
fn unused_lets(files: &[(&str, &str)], roots: &[&str]) -> Vec<String> {
    let mut fs = seg::check::MemoryFs::default();
    fs.files.insert(
        "schema.toml".into(),
        seg::diag::codes::DOC_SCHEMA.to_string(),
    );
    for (path, text) in files {
        fs.files.insert((*path).into(), (*text).to_string());
    }
    let roots: Vec<std::path::PathBuf> = roots.iter().map(Into::into).collect();
    let mut sources = seg::source::SourceMap::new();
    let checked = seg::check::check_paths(
        &fs,
        &mut sources,
        std::path::Path::new("schema.toml"),
        &roots,
    )
    .unwrap();
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code.id() == "W0001")
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn an_imported_files_lets_are_exports_unless_the_whole_project_is_checked() {
    let files = [
        (
            "project/common.seg",
            "let used = 10\nlet shared = 20\nlet nobody = 30\n",
        ),
        (
            "project/mine.seg",
            "import \"common.seg\"\nlet mine_unused = 1\nsegment s = count(login) > used\n",
        ),
        (
            "project/other.seg",
            "import \"common.seg\"\nsegment t = count(login) > shared\n",
        ),
    ];
    // One file that imports a shared one: only its own unused `let` is reported.
    assert_eq!(
        unused_lets(&files, &["project/mine.seg"]),
        ["`mine_unused` is never used"]
    );
    // The shared file named too, but imported by the other: still an export.
    assert_eq!(
        unused_lets(&files, &["project/mine.seg", "project/common.seg"]),
        ["`mine_unused` is never used"]
    );
    // The shared file alone: nothing imports it, its unused `let`s are reported.
    assert_eq!(unused_lets(&files, &["project/common.seg"]).len(), 3);
    // The whole folder: what no file uses is reported, wherever it is defined.
    assert_eq!(
        unused_lets(&files, &["project"]),
        ["`nobody` is never used", "`mine_unused` is never used"]
    );
}

#[test]
fn checking_one_example_file_does_not_warn_about_the_shared_lets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["retail.seg", "demand_gen.seg", "customer_success.seg"] {
        let mut sources = seg::source::SourceMap::new();
        let checked = seg::check::check_paths(
            &seg::check::DiskFs,
            &mut sources,
            &root.join("examples/schema.toml"),
            &[root.join("examples/segments").join(file)],
        )
        .unwrap();
        assert!(
            checked.diagnostics.is_empty(),
            "{file}: {}",
            to_plain_string(&sources, &checked.diagnostics)
        );
    }
}

#[test]
fn a_timestamp_literal_without_a_zone_is_utc_as_in_data() {
    let plan = plan("segment a = did(login after 2026-11-01T10:00:00)\nsegment b = did(login after 2026-11-01T10:00:00Z)\n");
    let bound = |i: usize| {
        let ExprKind::Aggregate(aggregate) = &plan.segments[i].body.kind else {
            panic!()
        };
        let Window::After(t) = &aggregate.set.window else {
            panic!()
        };
        t.kind.clone()
    };
    assert_eq!(bound(0), bound(1));
    assert_eq!(
        bound(0),
        ExprKind::Const(Value::Timestamp(1_793_527_200_000_000))
    );
}

#[test]
fn the_schema_does_not_import_the_checker() {
    // The data flows one way: names and suggestions live below both (src/names).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/schema");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("crate::check"),
            "{} imports the checker",
            path.display()
        );
    }
}

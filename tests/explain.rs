//! `seg explain`: golden text and JSON for one user of each kind of verdict (a member through
//! an event, a non-member through `not`, `then not` both ways, an aggregate threshold, an
//! account), its errors, and the agreement of every explanation's verdict with evaluation.

use std::path::Path;
use std::process::{Command, Output};

use seg::engine::Engine;
use seg::explain::{Entity, Explainer};
use seg::plan::{SegmentId, Target};

const AS_OF: &str = "2026-11-15T12:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the seg binary runs")
}

/// `seg explain` on the fixture shop, as of `AS_OF`.
fn explain(user: &str, segment: &str, format: &str) -> Output {
    let fixture = |name: &str| format!("tests/fixtures/explain/{name}");
    seg(&[
        "explain",
        "--user",
        user,
        "--segment",
        segment,
        "--format",
        format,
        "--as-of",
        AS_OF,
        "--schema",
        &fixture("schema.toml"),
        "--events",
        &fixture("events.ndjson"),
        "--profiles",
        &fixture("profiles.ndjson"),
        "--accounts",
        &fixture("accounts.ndjson"),
        &fixture("shop.seg"),
    ])
}

fn stdout(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// The text and the JSON of one explanation, as golden snapshots.
fn golden(name: &str, user: &str, segment: &str) {
    let text = stdout(&explain(user, segment, "text"));
    insta::assert_snapshot!(format!("{name}_text"), text);
    let json = stdout(&explain(user, segment, "json"));
    let value: serde_json::Value = serde_json::from_str(&json).expect("one JSON document");
    assert_eq!(value["id"], user);
    insta::assert_snapshot!(format!("{name}_json"), json);
}

#[test]
fn member_through_an_event() {
    golden("member_through_an_event", "carter", "cart_abandoned_today");
}

#[test]
fn non_member_through_not() {
    golden("non_member_through_not", "buyer", "cart_abandoned_today");
}

#[test]
fn then_not_searched_and_found_empty() {
    golden(
        "then_not_found_empty",
        "left_yesterday",
        "cart_abandoned_yesterday",
    );
}

#[test]
fn then_not_found_an_event_after() {
    golden(
        "then_not_found_an_event",
        "returner",
        "cart_abandoned_yesterday",
    );
}

#[test]
fn aggregate_threshold() {
    golden("aggregate_threshold", "spender", "upsell_candidates");
}

#[test]
fn account_segment_for_an_account() {
    golden("account_segment", "acme", "active_account");
}

#[test]
fn every_segment_of_the_id_kind_by_default() {
    let fixture = |name: &str| format!("tests/fixtures/explain/{name}");
    let output = seg(&[
        "explain",
        "--user",
        "carter",
        "--as-of",
        AS_OF,
        "--schema",
        &fixture("schema.toml"),
        "--events",
        &fixture("events.ndjson"),
        "--profiles",
        &fixture("profiles.ndjson"),
        "--accounts",
        &fixture("accounts.ndjson"),
        &fixture("shop.seg"),
    ]);
    let text = stdout(&output);
    let headers: Vec<&str> = text.lines().filter(|l| l.ends_with("member")).collect();
    assert_eq!(
        headers,
        [
            "cart_abandoned_today: member",
            "cart_abandoned_yesterday: not a member",
            "upsell_candidates: not a member"
        ],
        "{text}"
    );
}

#[test]
fn unknown_user_is_an_error() {
    let output = explain("carterr", "cart_abandoned_today", "text");
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("no user or account has the id `carterr`")
            && err.contains("did you mean `carter`?"),
        "{err}"
    );
}

#[test]
fn unknown_segment_is_a_usage_error_with_a_suggestion() {
    let output = explain("carter", "cart_abandoned_tody", "text");
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(
            "no segment is named `cart_abandoned_tody`; did you mean `cart_abandoned_today`?"
        ),
        "{err}"
    );
}

#[test]
fn account_segment_for_a_user_is_an_error() {
    let output = explain("carter", "active_account", "text");
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("`active_account` is an account segment, and no account has the id `carter`"),
        "{err}"
    );
}

/// For every user and account of the example data and every example segment, the verdict of
/// the explanation is the membership evaluation gives, with the reference interpreter and with
/// the JIT.
#[test]
fn explanations_agree_with_evaluation_on_the_examples() {
    use seg::store::load::{load_file, Kind, LoadReport, OnBadRow};
    let examples = root().join("examples");
    let mut sources = seg::source::SourceMap::new();
    let checked = seg::check::check_paths(
        &seg::check::DiskFs,
        &mut sources,
        &examples.join("schema.toml"),
        &[examples.join("segments")],
    )
    .expect("the examples load");
    let plan = checked.plan.expect("the examples check");
    let mut builder = seg::store::StoreBuilder::new(&plan.schema);
    let mut report = LoadReport::default();
    for (kind, file) in [
        (Kind::Events, "events.ndjson"),
        (Kind::Profiles, "profiles.ndjson"),
        (Kind::Accounts, "accounts.ndjson"),
    ] {
        let path = examples.join("data").join(file);
        load_file(&mut builder, kind, &path, OnBadRow::Fail, &mut report).expect("the data loads");
    }
    let store = builder.finish();
    let now = seg::time::parse_timestamp(AS_OF).unwrap();
    let explainer = Explainer::new(&plan, &store, &sources, now);
    for engine in [Engine::Reference, Engine::Jit] {
        let memberships = seg::engine::evaluate(&plan, &store, now, engine);
        let mut explained = 0;
        for (target, count) in [
            (Target::User, store.users.len()),
            (Target::Account, store.accounts.len()),
        ] {
            for index in 0..u32::try_from(count).unwrap() {
                let entity = match target {
                    Target::User => Entity::User(index),
                    Target::Account => Entity::Account(index),
                };
                let focus = explainer.focus(entity);
                for (s, segment) in plan.segments.iter().enumerate() {
                    if segment.target != target {
                        continue;
                    }
                    let explanation =
                        explainer.segment(&focus, SegmentId(u32::try_from(s).unwrap()));
                    assert_eq!(
                        explanation.member,
                        memberships.members[s][index as usize],
                        "{engine:?}: {} for {}:\n{}",
                        segment.name,
                        explanation.id,
                        seg::explain::text::segment(&explanation)
                    );
                    explained += 1;
                }
            }
        }
        assert!(explained > 10_000, "{explained} explanations");
    }
}

//! The conformance table for SPEC section 2's semantics: each case is a rule, a few segments,
//! hand-built events (and profiles, accounts) around an evaluation instant, and the exact
//! members expected. A case fails when its rule breaks; edges are the point (window bounds,
//! `now`, equal timestamps, missing values, empty sets, ties). Every case runs on every engine
//! (the reference interpreter, the fused interpreter and the JIT).

use std::collections::BTreeMap;
use std::path::PathBuf;

use seg::check::example::check_example;
use seg::engine::Engine;
use seg::store::load::{load_file, Kind, LoadReport, OnBadRow};
use seg::store::StoreBuilder;

const SCHEMA: &str = r#"
[events.buy]
value = "number"
item = "string"
[events.view]
url = "string"
[events.login]
[verbs]
visited = { event = "view", key = "url" }
[profile]
country = "string"
vip = "bool"
stage = "string"
account_id = "string"
[account]
plan = "string"
since = "timestamp"
"#;

/// `2026-11-15T12:00:00Z`, the instant every case is evaluated at.
const NOW: &str = "2026-11-15T12:00:00Z";

struct Case<'a> {
    rule: &'a str,
    segments: &'a str,
    events: &'a str,
    profiles: &'a str,
    accounts: &'a str,
    expected: &'a [(&'a str, &'a [&'a str])],
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "seg-sem-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The engines every case runs on.
const ENGINES: [Engine; 4] = [
    Engine::Reference,
    Engine::Interp,
    Engine::Jit,
    Engine::JitSplit,
];

/// Members per segment, for a case, with each engine.
fn evaluate(case: &Case<'_>) -> Vec<(Engine, BTreeMap<String, Vec<String>>)> {
    let example = format!("--- main.seg\n{}--- schema.toml\n{SCHEMA}", case.segments);
    let (sources, checked) = check_example(&example);
    let plan = checked.plan.unwrap_or_else(|| {
        panic!(
            "{}: {}",
            case.rule,
            seg::diag::render::to_plain_string(&sources, &checked.diagnostics)
        )
    });
    let schema = seg::schema::Schema::from_toml(seg::source::FileId(0), SCHEMA).unwrap();
    let mut builder = StoreBuilder::new(&schema);
    let mut report = LoadReport::default();
    for (kind, name, text) in [
        (Kind::Events, "e.ndjson", case.events),
        (Kind::Profiles, "p.ndjson", case.profiles),
        (Kind::Accounts, "a.ndjson", case.accounts),
    ] {
        let path = temp_file(name, text);
        load_file(&mut builder, kind, &path, OnBadRow::Fail, &mut report)
            .unwrap_or_else(|e| panic!("{}: {e}", case.rule));
    }
    let store = builder.finish();
    let now = seg::time::parse_timestamp(NOW).unwrap();
    ENGINES
        .iter()
        .map(|&engine| {
            let memberships = seg::engine::evaluate(&plan, &store, now, engine);
            let members = plan
                .segments
                .iter()
                .enumerate()
                .map(|(i, segment)| {
                    let ids = match segment.target {
                        seg::plan::Target::User => &store.users.ids,
                        seg::plan::Target::Account => &store.accounts.ids,
                    };
                    let mut members: Vec<String> = memberships.members[i]
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| **m)
                        .map(|(u, _)| ids[u].to_string())
                        .collect();
                    members.sort();
                    (segment.name.clone(), members)
                })
                .collect();
            (engine, members)
        })
        .collect()
}

/// Runs each case on every engine; each must give exactly the expected members.
fn run(cases: &[Case<'_>]) {
    for case in cases {
        for (engine, got) in evaluate(case) {
            for (segment, expected) in case.expected {
                let members = got
                    .get(*segment)
                    .unwrap_or_else(|| panic!("{}: no segment {segment}", case.rule));
                assert_eq!(
                    members, expected,
                    "{}: segment `{segment}`, engine {engine:?}",
                    case.rule
                );
            }
        }
    }
}

/// An event line.
macro_rules! ev {
    ($user:literal, $event:literal, $ts:literal $(, $key:literal : $value:expr)*) => {
        concat!("{\"user_id\":\"", $user, "\",\"event\":\"", $event, "\",\"ts\":\"", $ts, "\"" $(, ",\"", $key, "\":", $value)*, "}\n")
    };
}

#[test]
fn windows_are_half_open_and_stop_at_now() {
    run(&[Case {
        rule: "within 7d keeps now - 7d <= ts < now; events at or after now are ignored",
        segments: concat!(
            "segment w = did(login within 7d)\nsegment any_login = did(login)\nsegment c = count(login) == 1\n",
            "segment before_future = did(login before 2026-12-01)\n",
        ),
        events: concat!(
            ev!("at_start", "login", "2026-11-08T12:00:00Z"),
            ev!("before_start", "login", "2026-11-08T11:59:59.999999Z"),
            ev!("at_now", "login", "2026-11-15T12:00:00Z"),
            ev!("after_now", "login", "2026-11-16T00:00:00Z"),
            ev!("just_before_now", "login", "2026-11-15T11:59:59Z"),
            ev!("just_before_now", "login", "2026-11-15T12:00:01Z"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("w", &["at_start", "just_before_now"]),
            ("any_login", &["at_start", "before_start", "just_before_now"]),
            ("c", &["at_start", "before_start", "just_before_now"]),
            ("before_future", &["at_start", "before_start", "just_before_now"]),
        ],
    }]);
}

#[test]
fn today_yesterday_between_before_after() {
    run(&[Case {
        rule: "calendar-day windows in UTC and explicit bounds",
        segments: concat!(
            "segment t = did(login today)\n",
            "segment y = did(login yesterday)\n",
            "segment b = did(login between 2026-11-10 and 2026-11-12)\n",
            "segment before_ = did(login before 2026-11-10)\n",
            "segment after_ = did(login after 2026-11-12)\n",
        ),
        events: concat!(
            ev!("day_start", "login", "2026-11-15T00:00:00Z"),
            ev!("last_yesterday", "login", "2026-11-14T23:59:59.999999Z"),
            ev!("first_yesterday", "login", "2026-11-14T00:00:00Z"),
            ev!("two_days", "login", "2026-11-13T23:59:59Z"),
            ev!("lower_bound", "login", "2026-11-10T00:00:00Z"),
            ev!("upper_bound", "login", "2026-11-12T00:00:00Z"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("t", &["day_start"]),
            ("y", &["first_yesterday", "last_yesterday"]),
            ("b", &["lower_bound"]),
            ("before_", &[]),
            (
                "after_",
                &[
                    "day_start",
                    "first_yesterday",
                    "last_yesterday",
                    "two_days",
                    "upper_bound",
                ],
            ),
        ],
    }]);
}

#[test]
fn calendar_windows() {
    run(&[Case {
        rule: "during months, ISO weekdays and hours, in UTC",
        segments: concat!(
            "segment m = did(login during months(12))\n",
            "segment wkend = did(login during weekdays(6, 7))\n",
            "segment morning = did(login during hours(9))\n",
        ),
        events: concat!(
            ev!("december", "login", "2025-12-31T23:59:59Z"),
            ev!("saturday", "login", "2026-11-14T08:00:00Z"),
            ev!("sunday_nine", "login", "2026-11-08T09:30:00Z"),
            ev!("monday_ten", "login", "2026-11-09T10:00:00Z"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("m", &["december"]),
            ("wkend", &["saturday", "sunday_nine"]),
            ("morning", &["sunday_nine"]),
        ],
    }]);
}

#[test]
fn aggregates_skip_missing_values_and_have_empty_set_values() {
    run(&[Case {
        rule: "sum, avg, min, max, first, last, distinct, days over missing values and no events",
        segments: concat!(
            "segment sum_zero = sum(buy.value) == 0\n",
            "segment count_zero = count(buy) == 0\n",
            "segment avg_missing = not (avg(buy.value) > 0) and not (avg(buy.value) <= 0)\n",
            "segment avg_ten = avg(buy.value) == 10\n",
            "segment min_max = min(buy.value) == 5 and max(buy.value) == 15\n",
            "segment first_value = first(buy.value) == 5\n",
            "segment first_item = first(buy.item) == \"b\"\n",
            "segment last_missing = last(buy.value) is not set\n",
            "segment distinct_two = distinct(buy.item) == 2\n",
            "segment days_two = days(buy) == 2\n",
            "segment all_empty = min(buy.value) is not set and max(buy.value) is not set\n",
            "segment all_empty2 = first(buy) is not set and last(buy) is not set and top(buy.item) is not set\n",
            "segment all_empty3 = distinct(buy.item) == 0 and days(buy) == 0 and first(buy.value) is not set\n",
        ),
        events: concat!(
            ev!("mixed", "buy", "2026-11-01T10:00:00Z", "item": "null"),
            ev!("mixed", "buy", "2026-11-02T10:00:00Z", "value": "5", "item": "\"b\""),
            ev!("mixed", "buy", "2026-11-02T11:00:00Z", "value": "15", "item": "\"c\""),
            ev!("mixed", "buy", "2026-11-02T12:00:00Z", "item": "\"b\""),
            ev!("none", "login", "2026-11-01T10:00:00Z"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("sum_zero", &["none"]),
            ("count_zero", &["none"]),
            ("avg_missing", &["none"]),
            ("avg_ten", &["mixed"]),
            ("min_max", &["mixed"]),
            ("first_value", &["mixed"]),
            ("first_item", &["mixed"]),
            ("last_missing", &["none"]),
            ("distinct_two", &["mixed"]),
            ("days_two", &["mixed"]),
            ("all_empty", &["none"]),
            ("all_empty2", &["none"]),
            ("all_empty3", &["none"]),
        ],
    }]);
}

#[test]
fn equal_timestamps_keep_load_order_and_top_ties_go_to_the_smallest() {
    run(&[Case {
        rule: "first/last at equal ts follow load order; top ties to the smallest value",
        segments: concat!(
            "segment first_a = first(buy.item) == \"a\"\n",
            "segment last_b = last(buy.item) == \"b\"\n",
            "segment top_a = top(buy.item) == \"a\"\n",
            "segment top_num = top(buy.value) == 2\n",
        ),
        events: concat!(
            ev!("u1", "buy", "2026-11-01T10:00:00Z", "item": "\"a\"", "value": "3"),
            ev!("u1", "buy", "2026-11-01T10:00:00Z", "item": "\"b\"", "value": "2"),
            ev!("u2", "buy", "2026-11-01T10:00:00Z", "item": "\"b\"", "value": "2"),
            ev!("u2", "buy", "2026-11-01T10:00:00Z", "item": "\"a\"", "value": "3"),
            ev!("u2", "buy", "2026-11-01T09:00:00Z", "item": "\"b\"", "value": "3"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("first_a", &["u1"]),
            ("last_b", &["u1"]),
            ("top_a", &["u1"]),
            ("top_num", &["u1"]),
        ],
    }]);
}

#[test]
fn then_is_strict_and_then_not_looks_after_the_last_step() {
    run(&[Case {
        rule: "then needs strictly later ts; then not: no event of the last step after the chain",
        segments: concat!(
            "segment seq = did(view) then did(buy)\n",
            "segment demo_no_thanks = visited(\"/demo\") then not visited(\"/thanks\")\n",
            "segment three = did(login) then did(view) then not did(buy)\n",
        ),
        events: concat!(
            ev!("equal", "view", "2026-11-01T10:00:00Z", "url": "\"/demo\""),
            ev!("equal", "buy", "2026-11-01T10:00:00Z"),
            ev!("ordered", "view", "2026-11-01T10:00:00Z", "url": "\"/demo\""),
            ev!("ordered", "view", "2026-11-01T11:00:00Z", "url": "\"/thanks\""),
            ev!("ordered", "buy", "2026-11-01T12:00:00Z"),
            ev!("thanks_first", "view", "2026-11-01T09:00:00Z", "url": "\"/thanks\""),
            ev!("thanks_first", "view", "2026-11-01T10:00:00Z", "url": "\"/demo\""),
            ev!("late_view", "login", "2026-11-01T08:00:00Z"),
            ev!("late_view", "view", "2026-11-01T09:00:00Z", "url": "\"/x\""),
            ev!("late_view", "buy", "2026-11-01T10:00:00Z"),
            ev!("late_view", "view", "2026-11-01T11:00:00Z", "url": "\"/y\""),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("seq", &["late_view", "ordered"]),
            ("demo_no_thanks", &["equal", "thanks_first"]),
            ("three", &["late_view"]),
        ],
    }]);
}

#[test]
fn steps_match_each_step_at_the_earliest_event_after_the_previous() {
    run(&[Case {
        rule: "steps is greedy earliest, with repeated events",
        segments: concat!(
            "segment all_three = steps(did(view), did(login), did(buy)) == 3\n",
            "segment two = steps(did(view), did(login), did(buy)) == 2\n",
            "segment zero = steps(did(view), did(login)) == 0\n",
        ),
        events: concat!(
            ev!("repeat", "view", "2026-11-01T10:00:00Z", "url": "\"/\""),
            ev!("repeat", "view", "2026-11-01T11:00:00Z", "url": "\"/\""),
            ev!("repeat", "login", "2026-11-01T10:30:00Z"),
            ev!("repeat", "buy", "2026-11-01T10:45:00Z"),
            ev!("stuck", "buy", "2026-11-01T09:00:00Z"),
            ev!("stuck", "view", "2026-11-01T10:00:00Z", "url": "\"/\""),
            ev!("stuck", "login", "2026-11-01T11:00:00Z"),
            ev!("nothing", "buy", "2026-11-01T11:00:00Z"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("all_three", &["repeat"]),
            ("two", &["stuck"]),
            ("zero", &["nothing"]),
        ],
    }]);
}

#[test]
fn missing_values_in_comparisons_and_logic() {
    run(&[Case {
        rule:
            "a comparison with a missing value is false; not of it is true; is set tests presence",
        segments: concat!(
            "segment de = profile.country == \"DE\"\n",
            "segment not_de = not (profile.country == \"DE\")\n",
            "segment ne_de = profile.country != \"DE\"\n",
            "segment unset = profile.country is not set\n",
            "segment vip = profile.vip\n",
            "segment not_vip = not profile.vip\n",
            "segment in_list = profile.country in [\"DE\", \"FR\"]\n",
            "segment not_in_list = profile.country not in [\"DE\", \"FR\"]\n",
        ),
        events: ev!("nobody", "login", "2026-11-01T10:00:00Z"),
        profiles: concat!(
            "{\"user_id\":\"de\",\"country\":\"DE\",\"vip\":true}\n",
            "{\"user_id\":\"us\",\"country\":\"US\",\"vip\":false}\n",
            "{\"user_id\":\"blank\"}\n",
        ),
        accounts: "",
        expected: &[
            ("de", &["de"]),
            ("not_de", &["blank", "nobody", "us"]),
            ("ne_de", &["us"]),
            ("unset", &["blank", "nobody"]),
            ("vip", &["de"]),
            ("not_vip", &["blank", "nobody", "us"]),
            ("in_list", &["de"]),
            ("not_in_list", &["us"]),
        ],
    }]);
}

#[test]
fn strings_regexes_and_buckets() {
    run(&[Case {
        rule: "contains, starts_with, matches (unanchored), lower, len, bucket = md5(salt:id)[..8] % 100",
        segments: concat!(
            "segment blog = did(view where url matches \"^/blog/[0-9]+$\")\n",
            "segment anywhere = did(view where url matches \"log\")\n",
            "segment starts = did(view where url starts_with \"/bl\" and url contains \"12\")\n",
            "segment lower_de = lower(profile.country) == \"de\" and len(profile.country) == 2\n",
            "segment low_bucket = bucket(\"exp\") < 20\n",
            "segment b67 = bucket(\"exp\") == 67\n",
        ),
        events: concat!(
            ev!("u1", "view", "2026-11-01T10:00:00Z", "url": "\"/blog/12\""),
            ev!("u2", "view", "2026-11-01T10:00:00Z", "url": "\"/blog/12x\""),
            ev!("u3", "view", "2026-11-01T10:00:00Z", "url": "\"/catalog\""),
        ),
        profiles: "{\"user_id\":\"u2\",\"country\":\"De\"}\n",
        accounts: "",
        // md5("exp:u1") starts 59970967 (67), "exp:u2" c8372c1d (73), "exp:u3" 2d6b710a (10).
        expected: &[
            ("blog", &["u1"]),
            ("anywhere", &["u1", "u2", "u3"]),
            ("starts", &["u1", "u2"]),
            ("lower_de", &["u2"]),
            ("low_bucket", &["u3"]),
            ("b67", &["u1"]),
        ],
    }]);
}

#[test]
fn segment_references_nest() {
    run(&[Case {
        rule: "segments use segments, several levels deep",
        segments: concat!(
            "segment top_ = mid and not did(login)\n",
            "segment mid = base or did(view)\n",
            "segment base = did(buy)\n",
        ),
        events: concat!(
            ev!("buyer", "buy", "2026-11-01T10:00:00Z"),
            ev!("viewer", "view", "2026-11-01T10:00:00Z", "url": "\"/\""),
            ev!("viewer_login", "view", "2026-11-01T10:00:00Z", "url": "\"/\""),
            ev!("viewer_login", "login", "2026-11-01T10:00:00Z"),
        ),
        profiles: "",
        accounts: "",
        expected: &[
            ("base", &["buyer"]),
            ("mid", &["buyer", "viewer", "viewer_login"]),
            ("top_", &["buyer", "viewer"]),
        ],
    }]);
}

#[test]
fn profile_history_and_changed() {
    run(&[Case {
        rule: "attributes as of now; changed() with from, to and windows; rows without ts are not changes",
        segments: concat!(
            "segment now_mql = profile.stage == \"mql\"\n",
            "segment became_mql = changed(profile.stage from \"lead\" to \"mql\")\n",
            "segment recent_change = changed(profile.stage within 7d)\n",
            "segment to_sql = changed(profile.stage to \"sql\")\n",
        ),
        events: "",
        profiles: concat!(
            "{\"user_id\":\"a\",\"stage\":\"lead\"}\n",
            "{\"user_id\":\"a\",\"ts\":\"2026-11-10T00:00:00Z\",\"stage\":\"mql\"}\n",
            "{\"user_id\":\"b\",\"stage\":\"mql\"}\n",
            "{\"user_id\":\"c\",\"ts\":\"2026-10-01T00:00:00Z\",\"stage\":\"lead\"}\n",
            "{\"user_id\":\"c\",\"ts\":\"2026-10-02T00:00:00Z\",\"stage\":\"mql\"}\n",
            "{\"user_id\":\"c\",\"ts\":\"2026-11-20T00:00:00Z\",\"stage\":\"sql\"}\n",
        ),
        accounts: "",
        expected: &[
            ("now_mql", &["a", "b", "c"]),
            ("became_mql", &["a", "c"]),
            ("recent_change", &["a"]),
            ("to_sql", &[]),
        ],
    }]);
}

#[test]
fn account_windows_read_the_accounts_own_attributes() {
    run(&[Case {
        rule: "a window bound at account level is evaluated for that account",
        segments:
            "segment plan_changed_since on account = changed(account.plan after account.since)\n",
        events: "",
        profiles: "",
        accounts: concat!(
            "{\"account_id\":\"early\",\"plan\":\"free\",\"since\":\"2026-10-01T00:00:00Z\"}\n",
            "{\"account_id\":\"early\",\"ts\":\"2026-11-01T00:00:00Z\",\"plan\":\"pro\"}\n",
            "{\"account_id\":\"late\",\"plan\":\"free\",\"since\":\"2026-11-10T00:00:00Z\"}\n",
            "{\"account_id\":\"late\",\"ts\":\"2026-11-01T00:00:00Z\",\"plan\":\"pro\"}\n",
        ),
        expected: &[("plan_changed_since", &["early"])],
    }]);
}

#[test]
fn account_segments_over_their_users() {
    run(&[Case {
        rule: "count/any/all users of an account; all over no users is true; account.x in user segments",
        segments: concat!(
            "segment active on account = count(users where did(login within 7d)) >= 2\n",
            "segment some_de on account = any(users where profile.country == \"DE\")\n",
            "segment all_de on account = all(users where profile.country == \"DE\")\n",
            "segment pro on account = account.plan == \"pro\" and active\n",
            "segment pro_user = account.plan == \"pro\"\n",
        ),
        events: concat!(
            ev!("u1", "login", "2026-11-14T10:00:00Z"),
            ev!("u2", "login", "2026-11-13T10:00:00Z"),
            ev!("u3", "login", "2026-10-01T10:00:00Z"),
        ),
        profiles: concat!(
            "{\"user_id\":\"u1\",\"account_id\":\"a1\",\"country\":\"DE\"}\n",
            "{\"user_id\":\"u2\",\"account_id\":\"a1\",\"country\":\"DE\"}\n",
            "{\"user_id\":\"u3\",\"account_id\":\"a2\",\"country\":\"FR\"}\n",
        ),
        accounts: concat!(
            "{\"account_id\":\"a1\",\"plan\":\"pro\"}\n",
            "{\"account_id\":\"a2\",\"plan\":\"pro\"}\n",
            "{\"account_id\":\"a3\",\"plan\":\"free\"}\n",
        ),
        expected: &[
            ("active", &["a1"]),
            ("some_de", &["a1"]),
            ("all_de", &["a1", "a3"]),
            ("pro", &["a1"]),
            ("pro_user", &["u1", "u2", "u3"]),
        ],
    }]);
}

//! Source through check and run: programs of the differential generator
//! (tests/differential/program.rs), half of them edited at random (bytes, or tokens of the
//! language and of the test schema), are checked; every one that yields a plan is evaluated
//! on a small store by the reference interpreter, the fused interpreter and the JIT, which
//! must not panic and must agree. The stores (users, events, profile and account history from
//! the differential data generator) are built once, through the NDJSON loader.

use std::sync::OnceLock;

use proptest::prelude::*;
use seg::check::example::check_example;
use seg::engine::{prepare, Engine};
use seg::interp::Memberships;
use seg::plan::Plan;
use seg::schema::Schema;
use seg::source::FileId;
use seg::store::load::{load_file, Kind, LoadReport, OnBadRow};
use seg::store::{Store, StoreBuilder};

use super::harness::{case_runner, generate, Verdict};
use super::source::{apply, edits, thread_dir, Edits, TOKENS};
use super::{data, model, program};

/// How many stores the programs run on.
const STORES: usize = 6;

/// Tokens of the test schema, inserted by the edits besides the language's.
const SCHEMA_TOKENS: &[&str] = &[
    "buy",
    "view",
    "login",
    "rate",
    "value",
    "item",
    "gift",
    "ship_at",
    "url",
    "secs",
    "note",
    "ok",
    "visited",
    "bought",
    "rated",
    "country",
    "vip",
    "score",
    "signup",
    "stage",
    "account_id",
    "plan",
    "seats",
    "active",
    "since",
    "profile.score",
    "account.seats",
    "buy.value",
    "\"u1\"",
    "\"DE\"",
    "s0",
    "s1",
    "l0",
];

/// The stores (with their `now`), built once from fixed tapes.
fn stores() -> &'static [(i64, Store)] {
    static STORES_BUILT: OnceLock<Vec<(i64, Store)>> = OnceLock::new();
    STORES_BUILT.get_or_init(|| {
        let schema = Schema::from_toml(FileId(0), model::SCHEMA).expect("the test schema");
        // Fixed tapes (the fuzz seed does not change the stores).
        let mut runner = case_runner(0x5703e, 0);
        let tapes = prop::collection::vec(any::<u32>(), 2_000..6_000);
        (0..STORES)
            .map(|_| {
                let data = data::data(&generate(&tapes, &mut runner));
                let mut builder = StoreBuilder::new(&schema);
                let mut report = LoadReport::default();
                let dir = thread_dir();
                for (kind, name, text) in [
                    (Kind::Events, "events.ndjson", &data.events),
                    (Kind::Profiles, "profiles.ndjson", &data.profiles),
                    (Kind::Accounts, "accounts.ndjson", &data.accounts),
                ] {
                    let path = dir.join(name);
                    std::fs::write(&path, text).unwrap();
                    load_file(&mut builder, kind, &path, OnBadRow::Fail, &mut report).unwrap();
                }
                (data.now, builder.finish())
            })
            .collect()
    })
}

/// A program: the generator's tape, the store it runs on, and edits of its text.
#[derive(Debug, Clone)]
pub struct Program {
    tape: Vec<u32>,
    store: usize,
    edits: Option<Edits>,
}

pub fn program() -> impl Strategy<Value = Program> {
    (
        prop::collection::vec(any::<u32>(), 0..400),
        0..STORES,
        prop::option::of(edits()),
    )
        .prop_map(|(tape, store, edits)| Program { tape, store, edits })
}

impl Program {
    /// The program's text.
    pub fn text(&self) -> String {
        let now = stores()[self.store].0;
        let text = program::program(&self.tape, now).items.concat();
        let Some(edits) = &self.edits else {
            return text;
        };
        let tokens: Vec<&str> = TOKENS.iter().chain(SCHEMA_TOKENS).copied().collect();
        let mut bytes = text.into_bytes();
        apply(&mut bytes, edits, &tokens);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// The program and the store's `now`, as a report shows them.
pub fn describe(program: &Program) -> String {
    format!(
        "store {} (now {}), main.seg:\n{}",
        program.store,
        seg::time::format_timestamp(stores()[program.store].0),
        program.text()
    )
}

fn evaluate(plan: &Plan, store: &Store, now: i64, engine: Engine) -> Result<Memberships, String> {
    prepare(plan, store, now, engine)
        .map(|prepared| prepared.run())
        .map_err(|e| format!("the {engine:?} engine could not prepare the plan: {e}"))
}

/// Checks the program and, if it yields a plan, runs it on every engine.
pub fn check_and_run(program: &Program) -> Verdict {
    let (now, store) = &stores()[program.store];
    let text = program.text();
    let (_, checked) = check_example(&format!(
        "--- main.seg\n{text}--- schema.toml\n{}",
        model::SCHEMA
    ));
    let Some(plan) = checked.plan else {
        if checked.diagnostics.is_empty() {
            return Err("neither a plan nor a diagnostic".into());
        }
        return Ok(if program.edits.is_some() {
            "edited, rejected"
        } else {
            "generated, rejected"
        });
    };
    let reference = evaluate(&plan, store, *now, Engine::Reference)?;
    for engine in [Engine::Interp, Engine::Jit, Engine::JitSplit] {
        if evaluate(&plan, store, *now, engine)? != reference {
            return Err(format!(
                "the {engine:?} engine disagrees with the reference interpreter"
            ));
        }
    }
    Ok(if program.edits.is_some() {
        "edited, ran"
    } else {
        "generated, ran"
    })
}

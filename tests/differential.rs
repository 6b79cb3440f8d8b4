//! Differential testing of the engines (SPEC section 4): random well-typed segment programs
//! over random users, evaluated by the reference interpreter, the fused interpreter and the
//! JIT, which must give the same memberships on every input.
//!
//! Each case is two tapes of choices that proptest generates from a fixed seed (ChaCha): one
//! drives the data generator (differential/data.rs: users, events, profile and account rows as
//! NDJSON, loaded through the loader), the other the program generator
//! (differential/program.rs: every form of SPEC section 2). Every generated program must check
//! without a diagnostic. On a disagreement (or a panic), a delta-debugging reducer removes
//! program items and data lines while the engines still disagree, then the test prints the
//! seed, the case number, the reduced program and data, and the segments and entities that
//! differ. The generator's coverage of SPEC section 2 is asserted over the run: every form in
//! `program::FORMS` must appear in the first 2,000 cases.
//!
//! `cargo test --test all differential::` runs 2,000 cases. More cases, another seed:
//!
//! ```text
//! SEG_DIFF_CASES=100000 cargo test --release --test all differential::
//! SEG_DIFF_SEED=7 SEG_DIFF_CASES=20000 cargo test --release --test all differential::
//! SEG_DIFF_ENGINES=jit cargo test --test all differential::
//! SEG_DIFF_PRINT=1 SEG_DIFF_CASES=5 cargo test --test all differential:: -- --nocapture
//! ```
//!
//! `SEG_DIFF_ENGINES` picks the engines compared with the reference (default `interp,jit`);
//! `SEG_DIFF_PRINT` prints every case. `SEG_DIFF_REPLAY=case.txt` re-runs (and reduces) the
//! case of a failure report saved to a file, as printed or edited by hand, instead of random
//! cases.

// The generators, shared with the fmt and fuzz tests.
#[path = "differential/data.rs"]
pub(crate) mod data;
#[path = "differential/model.rs"]
pub(crate) mod model;
#[path = "differential/program.rs"]
pub(crate) mod program;
#[path = "differential/tape.rs"]
pub(crate) mod tape;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use seg::check::example::check_example;
use seg::engine::{evaluate, Engine};
use seg::interp::Memberships;
use seg::plan::{Plan, Target};
use seg::store::load::{load_file, Kind, LoadReport, OnBadRow};
use seg::store::{Store, StoreBuilder};

/// Cases in a plain `cargo test`.
const DEFAULT_CASES: u32 = 2_000;
/// The default seed of the case generator.
const DEFAULT_SEED: u64 = 0x5e6d_1ff0;

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not `{text}`")),
    )
}

/// The engines compared with the reference: `SEG_DIFF_ENGINES` (a comma-separated list of
/// `interp`, `jit`, `jit-split` and `reference`), by default the fused interpreter, the JIT
/// and the JIT with every program cut into functions of a few ops.
fn engines_under_test() -> Vec<Engine> {
    let Ok(names) = std::env::var("SEG_DIFF_ENGINES") else {
        return vec![Engine::Interp, Engine::Jit, Engine::JitSplit];
    };
    names
        .split(',')
        .map(|name| match name.trim() {
            "interp" => Engine::Interp,
            "jit" => Engine::Jit,
            "jit-split" => Engine::JitSplit,
            "reference" => Engine::Reference,
            other => panic!(
                "SEG_DIFF_ENGINES: unknown engine `{other}` (interp, jit, jit-split, reference)"
            ),
        })
        .collect()
}

/// Where a random case comes from, to regenerate it.
fn origin(seed: u64, case: u64) -> String {
    format!("seed {seed} (SEG_DIFF_SEED), case {case}")
}

/// A temporary folder for this process's data files.
fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A case as text: the program's items and the data's lines, which the reducer removes one
/// by one.
#[derive(Clone)]
pub(crate) struct TextCase {
    now: i64,
    items: Vec<String>,
    /// Events, profiles and accounts, one line each (with its line break).
    data: [Vec<String>; 3],
}

impl TextCase {
    pub(crate) fn new(program: &program::Program, data: &data::Data) -> Self {
        let lines = |text: &str| text.split_inclusive('\n').map(str::to_string).collect();
        TextCase {
            now: data.now,
            items: program.items.clone(),
            data: [
                lines(&data.events),
                lines(&data.profiles),
                lines(&data.accounts),
            ],
        }
    }

    /// Reads a case back from the text of [`TextCase::describe`] (a failure report).
    fn parse(text: &str) -> Self {
        let mut now = None;
        let mut section: Option<usize> = None;
        let mut case = TextCase {
            now: 0,
            items: Vec::new(),
            data: [Vec::new(), Vec::new(), Vec::new()],
        };
        for line in text.split_inclusive('\n') {
            if let Some(t) = line.strip_prefix("now: ") {
                now = Some(seg::time::parse_timestamp(t.trim()).expect("a `now:` instant"));
                continue;
            }
            if let Some(name) = line.strip_prefix("--- ") {
                section = match name.trim() {
                    "main.seg" => Some(0),
                    "events.ndjson" => Some(1),
                    "profiles.ndjson" => Some(2),
                    "accounts.ndjson" => Some(3),
                    _ => None,
                };
                continue;
            }
            match section {
                Some(0) if line.starts_with("let ") || line.starts_with("segment ") => {
                    case.items.push(line.to_string());
                }
                Some(0) => match case.items.last_mut() {
                    Some(item) => item.push_str(line),
                    None => case.items.push(line.to_string()),
                },
                Some(i) if line.trim_start().starts_with('{') => {
                    case.data[i - 1].push(line.to_string());
                }
                _ => {}
            }
        }
        case.now = now.expect("a line `now: TS`");
        case
    }

    /// The case's program as a checkable example: main.seg, the schema and the lists.
    pub(crate) fn example(&self) -> String {
        let mut example = format!(
            "--- main.seg\n{}--- schema.toml\n{}",
            self.program(),
            model::SCHEMA
        );
        for (name, text) in model::LIST_FILES {
            let _ = write!(example, "--- {name}\n{text}");
        }
        example
    }

    fn program(&self) -> String {
        self.items.concat()
    }

    fn size(&self) -> usize {
        self.items.len() + self.data.iter().map(Vec::len).sum::<usize>()
    }

    /// The program's items (0) or a data file's lines (1-3).
    fn part(&mut self, i: usize) -> &mut Vec<String> {
        if i == 0 {
            &mut self.items
        } else {
            &mut self.data[i - 1]
        }
    }

    /// The case as a failure report shows it (and [`TextCase::parse`] reads it back).
    fn describe(&self, header: &str) -> String {
        format!(
            "{header}\nnow: {}\n--- main.seg\n{}--- events.ndjson\n{}--- profiles.ndjson\n{}--- accounts.ndjson\n{}",
            seg::time::format_timestamp(self.now),
            self.program(),
            self.data[0].concat(),
            self.data[1].concat(),
            self.data[2].concat(),
        )
    }
}

/// The store of a case's data, through the NDJSON loader.
pub(crate) fn load(plan: &Plan, case: &TextCase, dir: &Path) -> Store {
    let mut builder = StoreBuilder::new(&plan.schema);
    let mut report = LoadReport::default();
    for (kind, name, lines) in [
        (Kind::Events, "events.ndjson", &case.data[0]),
        (Kind::Profiles, "profiles.ndjson", &case.data[1]),
        (Kind::Accounts, "accounts.ndjson", &case.data[2]),
    ] {
        let path = dir.join(name);
        let text = lines.concat();
        std::fs::write(&path, &text).unwrap();
        load_file(&mut builder, kind, &path, OnBadRow::Fail, &mut report)
            .unwrap_or_else(|e| panic!("the data generator wrote a bad row: {e}\n{text}"));
    }
    builder.finish()
}

/// The segments and entities on which `got` differs from `want`.
fn differences(plan: &Plan, store: &Store, want: &Memberships, got: &Memberships) -> String {
    let mut out = String::new();
    if want.members.len() != got.members.len() {
        let _ = writeln!(
            out,
            "{} segments from the reference, {} from this engine",
            want.members.len(),
            got.members.len()
        );
    }
    for (i, segment) in plan.segments.iter().enumerate() {
        let (Some(w), Some(g)) = (want.members.get(i), got.members.get(i)) else {
            continue;
        };
        let ids = match segment.target {
            Target::User => &store.users.ids,
            Target::Account => &store.accounts.ids,
        };
        if w.len() != g.len() {
            let _ = writeln!(
                out,
                "segment {}: {} entities from the reference, {} from this engine",
                segment.name,
                w.len(),
                g.len()
            );
            continue;
        }
        let differing: Vec<String> = (0..w.len())
            .filter(|&e| w[e] != g[e])
            .map(|e| format!("{} (reference {}, engine {})", ids[e], w[e], g[e]))
            .collect();
        if !differing.is_empty() {
            let _ = writeln!(out, "segment {}: {}", segment.name, differing.join(", "));
        }
    }
    out
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<a panic>".into())
}

/// Evaluates with one engine; a panic becomes an error.
fn run_engine(plan: &Plan, store: &Store, now: i64, engine: Engine) -> Result<Memberships, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        evaluate(plan, store, now, engine)
    }))
    .map_err(|p| format!("{engine:?} panicked: {}", panic_text(p.as_ref())))
}

/// How a case went.
enum Verdict {
    /// Every engine agreed: how many segments, how many had members and non-members, and
    /// why any were left to the reference interpreter.
    Agree {
        segments: usize,
        mixed: usize,
        fallback: Vec<String>,
    },
    /// The program did not check clean (a generator bug); the rendered diagnostics.
    Unchecked(String),
    /// The checker refused constant arithmetic whose value would be missing (E0215): the
    /// generator writes random constants, and the language refuses these before any run.
    RefusedConstant,
    /// An engine disagreed with the reference or panicked: what differed.
    Disagree(String),
}

/// Checks and evaluates a case on every engine. `strict`: a warning counts as a failure to
/// check (generated programs must check clean; reduced ones may leave a `let` unused).
fn judge(case: &TextCase, dir: &Path, strict: bool, engines: &[Engine]) -> Verdict {
    let (sources, checked) = check_example(&case.example());
    let plan = match checked.plan {
        Some(plan) if !strict || checked.diagnostics.is_empty() => plan,
        None if checked
            .diagnostics
            .iter()
            .all(|d| d.code == seg::diag::Code::ConstantOutOfRange) =>
        {
            return Verdict::RefusedConstant
        }
        _ => {
            return Verdict::Unchecked(seg::diag::render::to_plain_string(
                &sources,
                &checked.diagnostics,
            ))
        }
    };
    let store = load(&plan, case, dir);
    let reference = match run_engine(&plan, &store, case.now, Engine::Reference) {
        Ok(m) => m,
        Err(e) => return Verdict::Disagree(e),
    };
    for &engine in engines {
        match run_engine(&plan, &store, case.now, engine) {
            Err(e) => return Verdict::Disagree(e),
            Ok(got) if got != reference => {
                return Verdict::Disagree(format!(
                    "{engine:?} disagrees with the reference interpreter:\n{}",
                    differences(&plan, &store, &reference, &got)
                ))
            }
            Ok(_) => {}
        }
    }
    // The counts `seg trend` reads straight from the fused output are the members' counts.
    for &engine in engines {
        let counted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            seg::engine::prepare(&plan, &store, case.now, engine).map(|p| p.counts())
        }));
        let want: Vec<usize> = reference
            .members
            .iter()
            .map(|m| m.iter().filter(|&&b| b).count())
            .collect();
        match counted {
            Ok(Ok(counts)) if counts == want => {}
            Ok(Ok(counts)) => {
                return Verdict::Disagree(format!(
                    "{engine:?} counts {counts:?}, the reference's members {want:?}"
                ))
            }
            Ok(Err(e)) => return Verdict::Disagree(format!("{engine:?} did not prepare: {e}")),
            Err(p) => {
                return Verdict::Disagree(format!(
                    "{engine:?} counts panicked: {}",
                    panic_text(p.as_ref())
                ))
            }
        }
    }
    let programs = seg::fused::lower(&plan, &store, case.now);
    let fallback = programs
        .users
        .fallback
        .iter()
        .chain(&programs.accounts.fallback)
        .map(|(_, reason)| reason.clone())
        .collect();
    Verdict::Agree {
        fallback,
        segments: reference.members.len(),
        mixed: reference
            .members
            .iter()
            .filter(|m| m.contains(&true) && m.contains(&false))
            .count(),
    }
}

/// Delta debugging: removes chunks of program items and data lines (halving the chunk size
/// down to one) while an engine still disagrees, until nothing more can go or the budget of
/// evaluations is spent.
fn reduce(mut best: TextCase, dir: &Path, engines: &[Engine]) -> TextCase {
    let mut budget = 5_000usize;
    loop {
        let before = best.size();
        for part in 0..4 {
            let mut chunk = best.part(part).len().div_ceil(2).max(1);
            loop {
                let mut start = 0;
                while start < best.part(part).len() && budget > 0 {
                    let mut candidate = best.clone();
                    let len = candidate.part(part).len();
                    candidate.part(part).drain(start..(start + chunk).min(len));
                    budget -= 1;
                    if matches!(judge(&candidate, dir, false, engines), Verdict::Disagree(_)) {
                        best = candidate;
                    } else {
                        start += chunk;
                    }
                }
                if chunk == 1 {
                    break;
                }
                chunk /= 2;
            }
        }
        if best.size() == before || budget == 0 {
            return best;
        }
    }
}

/// `SEG_DIFF_REPLAY=FILE`: judges the case a failure report holds (as printed, or edited by
/// hand) instead of random cases, and reduces it if an engine still disagrees.
fn replay(path: &str, engines: &[Engine]) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let case = TextCase::parse(&text);
    let dir = temp_dir();
    let verdict = judge(&case, &dir, false, engines);
    let outcome = match verdict {
        Verdict::Agree {
            segments,
            mixed,
            fallback,
        } => {
            eprintln!("{path}: the engines agree ({segments} segments, {mixed} with members and non-members; left to the reference interpreter: {fallback:?})");
            None
        }
        Verdict::Unchecked(diagnostics) => Some(format!("{path} does not check:\n{diagnostics}")),
        Verdict::RefusedConstant => Some(format!("{path} has constant arithmetic out of range")),
        Verdict::Disagree(_) => {
            let reduced = reduce(case, &dir, engines);
            let Verdict::Disagree(what) = judge(&reduced, &dir, false, engines) else {
                unreachable!("the reducer keeps a disagreeing case")
            };
            Some(format!(
                "{what}\n{}",
                reduced.describe(&format!("reduced from {path}"))
            ))
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(failure) = outcome {
        panic!("{failure}");
    }
}

#[test]
fn engines_agree_with_the_reference_on_random_programs_and_data() {
    if let Ok(path) = std::env::var("SEG_DIFF_REPLAY") {
        replay(&path, &engines_under_test());
        return;
    }
    let cases = env_number("SEG_DIFF_CASES").map_or(DEFAULT_CASES, |n| {
        u32::try_from(n).expect("SEG_DIFF_CASES fits in 32 bits")
    });
    let seed = env_number("SEG_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let engines = engines_under_test();
    let mut seed_bytes = [0u8; 32];
    for (i, chunk) in seed_bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    let config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        // The reducer below shrinks a failing case far better than shrinking its tapes.
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let dir = temp_dir();
    let case = Cell::new(0u64);
    let forms: RefCell<BTreeMap<&'static str, u64>> = RefCell::new(BTreeMap::new());
    // Why segments were left to the reference interpreter, with how many.
    let reasons: RefCell<BTreeMap<String, usize>> = RefCell::new(BTreeMap::new());
    let (segments, mixed, text_size) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    let refused = Cell::new(0u64);
    let started = std::time::Instant::now();
    let strategy = (vec(any::<u32>(), 0..2000), vec(any::<u32>(), 500..8000));
    let result = runner.run(&strategy, |(program_tape, data_tape)| {
        let n = case.get();
        case.set(n + 1);
        let data = data::data(&data_tape);
        let program = program::program(&program_tape, data.now);
        let text_case = TextCase::new(&program, &data);
        if std::env::var_os("SEG_DIFF_PRINT").is_some() {
            eprintln!("{}", text_case.describe(&origin(seed, n)));
        }
        match judge(&text_case, &dir, true, &engines) {
            Verdict::Agree {
                segments: s,
                mixed: m,
                fallback,
            } => {
                let mut reasons = reasons.borrow_mut();
                for reason in fallback {
                    *reasons.entry(reason).or_default() += 1;
                }
                if n < u64::from(DEFAULT_CASES) {
                    let mut forms = forms.borrow_mut();
                    for form in program.forms {
                        *forms.entry(form).or_default() += 1;
                    }
                }
                segments.set(segments.get() + s);
                mixed.set(mixed.get() + m);
                text_size.set(text_size.get() + text_case.program().len());
                Ok(())
            }
            Verdict::RefusedConstant => {
                refused.set(refused.get() + 1);
                Ok(())
            }
            Verdict::Unchecked(diagnostics) => Err(TestCaseError::fail(format!(
                "the generator wrote a program that does not check clean:\n{diagnostics}\n{}",
                text_case.describe(&origin(seed, n))
            ))),
            Verdict::Disagree(first) => {
                let reduced = reduce(text_case.clone(), &dir, &engines);
                let Verdict::Disagree(what) = judge(&reduced, &dir, false, &engines) else {
                    unreachable!("the reducer keeps a disagreeing case")
                };
                let mut first = first;
                if first.len() > 2_000 {
                    let cut = (0..=2_000).rev().find(|&i| first.is_char_boundary(i)).unwrap_or(0);
                    first.truncate(cut);
                    first.push_str("...");
                }
                Err(TestCaseError::fail(format!(
                    "{what}\n{}\n(reduced from {} program items and data lines to {}; before reducing: {first})",
                    reduced.describe(&origin(seed, n)),
                    text_case.size(),
                    reduced.size(),
                )))
            }
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, _)) => panic!("{reason}"),
        Err(TestError::Abort(reason)) => panic!("proptest aborted: {reason}"),
    }
    eprintln!(
        "{cases} cases (seed {seed}) in {:.1} s: {} segments, {} with members and non-members; {} bytes of program per case",
        started.elapsed().as_secs_f64(),
        segments.get(),
        mixed.get(),
        text_size.get() / (cases.max(1) as usize),
    );
    // Programs refused for constant arithmetic out of range are not compared; they must stay
    // rare, so that the comparison covers almost every generated program.
    eprintln!(
        "refused for constant arithmetic out of range (E0215): {}",
        refused.get()
    );
    assert!(
        refused.get() * 50 <= u64::from(cases),
        "{} of {cases} generated programs were refused with E0215",
        refused.get()
    );
    let reasons = reasons.into_inner();
    let fallen: usize = reasons.values().sum();
    eprintln!("segments left to the reference interpreter: {fallen}");
    for (reason, n) in &reasons {
        eprintln!("  {n:>6}  {reason}");
    }
    // Every construct is compiled: no generated segment is left to the reference
    // interpreter, so the comparison above really tests the fused engines.
    assert_eq!(
        fallen, 0,
        "segments left to the reference interpreter: {reasons:?}"
    );

    // The generator must keep producing every form of SPEC section 2 (counted over the first
    // 2,000 cases, whatever the run's length).
    let forms = forms.into_inner();
    if cases >= DEFAULT_CASES {
        let missing: Vec<&str> = program::FORMS
            .iter()
            .copied()
            .filter(|f| !forms.contains_key(f))
            .collect();
        assert!(
            missing.is_empty(),
            "forms the generator never produced in {cases} cases: {missing:?}"
        );
    }
}

/// Every builtin of the declaration table is called by the generated programs (a builtin added
/// to the table without a generator form would go untested on the fast engines): 2,000
/// programs from a fixed seed, their calls read from the tokens.
#[test]
fn every_declared_builtin_is_called_by_generated_programs() {
    use proptest::strategy::ValueTree as _;
    use seg::syntax::lexer::{tokens, Token};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let tapes = vec(any::<u32>(), 0..2000);
    let now = 1_717_200_000_000_000;
    let mut called = std::collections::BTreeSet::new();
    for _ in 0..DEFAULT_CASES {
        let tape = tapes.new_tree(&mut runner).expect("a tape").current();
        for item in program::program(&tape, now).items {
            let found = tokens(&item);
            for pair in found.windows(2) {
                if let [(Some(Token::Ident), name), (Some(Token::LParen), _)] = pair {
                    called.insert(item[name.clone()].to_string());
                }
            }
        }
    }
    let missing: Vec<&str> = seg::names::builtins::BUILTINS
        .iter()
        .map(|b| b.name)
        .filter(|name| !called.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "builtins the generator never calls: {missing:?}"
    );
}

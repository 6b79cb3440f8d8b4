//! The fuzzing loop shared by the targets of tests/fuzz.rs: case `n` of a run is generated
//! from its own `ChaCha` generator seeded by (seed, n), so any case can be replayed alone
//! (`SEG_FUZZ_SEED=S SEG_FUZZ_FROM=n SEG_FUZZ_CASES=1`). Each input runs under
//! `catch_unwind`, so a run counts every panic instead of stopping at the first, and is
//! timed: an input slower than the hang bound counts as a hang, and a watchdog thread
//! reports the case and aborts the process if one never returns. A run prints, per target,
//! the inputs run, the wall time, the panics, broken invariants and hangs (with the first few
//! inputs of each), and how the inputs fared (`outcomes`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// The seed of a plain `cargo test` run.
pub const DEFAULT_SEED: u64 = 0x5e6f_0220;
/// How often a run prints how far it got.
const PROGRESS: Duration = Duration::from_mins(1);
/// How many failing inputs of each kind a run prints.
const SHOWN: usize = 3;

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not `{text}`")),
    )
}

/// A run's settings, from the environment: `SEG_FUZZ_CASES` (inputs per target),
/// `SEG_FUZZ_SEED`, `SEG_FUZZ_FROM` (the first case), `SEG_FUZZ_HANG_MS` (the time bound of
/// one input) and `SEG_FUZZ_ABORT_S` (after which a stuck input aborts the run).
pub struct Settings {
    pub cases: u64,
    pub seed: u64,
    pub from: u64,
    pub hang: Duration,
    pub abort: Duration,
}

impl Settings {
    pub fn from_env(default_cases: u64) -> Self {
        // A debug build on a loaded machine is slow; the bound is for release runs.
        let default_hang = if cfg!(debug_assertions) {
            20_000
        } else {
            2_000
        };
        Settings {
            cases: env_number("SEG_FUZZ_CASES").unwrap_or(default_cases),
            seed: env_number("SEG_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
            from: env_number("SEG_FUZZ_FROM").unwrap_or(0),
            hang: Duration::from_millis(env_number("SEG_FUZZ_HANG_MS").unwrap_or(default_hang)),
            abort: Duration::from_secs(env_number("SEG_FUZZ_ABORT_S").unwrap_or(300)),
        }
    }
}

/// The generator of case `case`: `ChaCha` seeded from the run's seed and the case number.
pub fn case_runner(seed: u64, case: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in (0u64..).zip(bytes.chunks_mut(8)) {
        let word = seed ^ case.rotate_left(17) ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    let config = Config {
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// One value of `strategy` from a runner.
pub fn generate<S: Strategy>(strategy: &S, runner: &mut TestRunner) -> S::Value {
    strategy
        .new_tree(runner)
        .unwrap_or_else(|e| panic!("the strategy gave no value: {e}"))
        .current()
}

/// Fuzz runs in progress: while any is, the panic hook records panics instead of printing.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// Whether the next panic's backtrace is wanted (only for the first few of a run).
static WANT_BACKTRACE: AtomicBool = AtomicBool::new(true);
/// The first panic of the input in progress: its message, place and (maybe) backtrace (a
/// panic on another thread comes first, then its resumption on the caller's).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) == 0 {
                default(info);
                return;
            }
            let mut text = info.to_string();
            if WANT_BACKTRACE.load(Ordering::Relaxed) {
                let _ = write!(text, "\n{}", std::backtrace::Backtrace::force_capture());
            }
            LAST_PANIC
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get_or_insert(text);
        }));
    });
}

/// What a target reports of one input: how it fared (a label counted over the run), or a
/// broken invariant.
pub type Verdict = Result<&'static str, String>;

/// Findings of one kind: how many, and the first few (case, input, what happened).
#[derive(Default)]
struct Findings {
    count: u64,
    shown: Vec<String>,
}

impl Findings {
    fn add(&mut self, case: u64, input: impl FnOnce() -> String, what: &str) {
        self.count += 1;
        if self.shown.len() < SHOWN {
            self.shown
                .push(format!("case {case}: {what}\n  input: {}", input()));
        }
    }
}

/// Runs `check` on `settings.cases` inputs of `strategy`, prints the figures, and panics if
/// any input panicked, broke an invariant or hung.
pub fn fuzz<S: Strategy>(
    target: &str,
    default_cases: u64,
    strategy: &S,
    describe: impl Fn(&S::Value) -> String,
    check: impl Fn(&S::Value) -> Verdict,
) {
    let settings = Settings::from_env(default_cases);
    install_hook();
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    let watch = Watchdog::start(target, &settings);
    let (mut panics, mut broken, mut hangs) = (
        Findings::default(),
        Findings::default(),
        Findings::default(),
    );
    let mut outcomes: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut slowest = (Duration::ZERO, 0);
    let started = Instant::now();
    let mut last_progress = started;
    for case in settings.from..settings.from + settings.cases {
        let input = generate(strategy, &mut case_runner(settings.seed, case));
        watch.begin(case);
        let begun = Instant::now();
        WANT_BACKTRACE.store(panics.count < SHOWN as u64, Ordering::Relaxed);
        LAST_PANIC
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let result = catch_unwind(AssertUnwindSafe(|| check(&input)));
        let took = begun.elapsed();
        watch.end();
        if took > slowest.0 {
            slowest = (took, case);
        }
        if took > settings.hang {
            hangs.add(case, || describe(&input), &format!("took {took:.2?}"));
        }
        if last_progress.elapsed() > PROGRESS {
            last_progress = Instant::now();
            eprintln!(
                "fuzz {target}: {} inputs in {:.0} s so far: {} panics, {} broken invariants, {} hangs",
                case + 1 - settings.from,
                started.elapsed().as_secs_f64(),
                panics.count,
                broken.count,
                hangs.count,
            );
        }
        match result {
            Ok(Ok(label)) => *outcomes.entry(label).or_default() += 1,
            Ok(Err(what)) => broken.add(case, || describe(&input), &what),
            Err(_) => {
                let what = LAST_PANIC
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
                    .unwrap_or_else(|| "a panic".into());
                panics.add(case, || describe(&input), &format!("panicked: {what}"));
            }
        }
    }
    let elapsed = started.elapsed();
    watch.stop();
    ACTIVE.fetch_sub(1, Ordering::SeqCst);
    let outcomes: Vec<String> = outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
    eprintln!(
        "fuzz {target}: {} inputs (seed {}, cases {}..{}) in {:.1} s: {} panics, {} broken invariants, {} hangs (over {:?}); slowest input {:.1?} (case {}); outcomes: {}",
        settings.cases,
        settings.seed,
        settings.from,
        settings.from + settings.cases,
        elapsed.as_secs_f64(),
        panics.count,
        broken.count,
        hangs.count,
        settings.hang,
        slowest.0,
        slowest.1,
        outcomes.join(", "),
    );
    let mut failures = String::new();
    for (kind, findings) in [
        ("panics", &panics),
        ("broken invariants", &broken),
        ("hangs", &hangs),
    ] {
        for shown in &findings.shown {
            let _ = writeln!(
                failures,
                "{target}, {kind} (seed {}): {shown}",
                settings.seed
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// Watches the input in progress; one that runs past the abort limit is reported and ends
/// the process, since a thread cannot be stopped from outside.
struct Watchdog {
    state: Arc<WatchState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct WatchState {
    /// Case in progress + 1 (0: none).
    case: AtomicU64,
    /// When it began, in milliseconds since `epoch`.
    began: AtomicU64,
    epoch: Instant,
    done: AtomicBool,
}

impl Watchdog {
    fn start(target: &str, settings: &Settings) -> Self {
        let state = Arc::new(WatchState {
            case: AtomicU64::new(0),
            began: AtomicU64::new(0),
            epoch: Instant::now(),
            done: AtomicBool::new(false),
        });
        let (watched, target, seed, limit) = (
            Arc::clone(&state),
            target.to_string(),
            settings.seed,
            settings.abort,
        );
        let thread = std::thread::spawn(move || {
            while !watched.done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(200));
                let case = watched.case.load(Ordering::SeqCst);
                let began = Duration::from_millis(watched.began.load(Ordering::SeqCst));
                if case > 0 && watched.epoch.elapsed().saturating_sub(began) > limit {
                    eprintln!(
                        "fuzz {target}: case {} has run for over {limit:?} (a hang); replay it with SEG_FUZZ_SEED={seed} SEG_FUZZ_FROM={} SEG_FUZZ_CASES=1",
                        case - 1,
                        case - 1
                    );
                    std::process::abort();
                }
            }
        });
        Watchdog {
            state,
            thread: Some(thread),
        }
    }

    fn begin(&self, case: u64) {
        let now = u64::try_from(self.state.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.state.began.store(now, Ordering::SeqCst);
        self.state.case.store(case + 1, Ordering::SeqCst);
    }

    fn end(&self) {
        self.state.case.store(0, Ordering::SeqCst);
    }

    fn stop(mut self) {
        self.state.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

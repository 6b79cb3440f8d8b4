//! The real-time cost of `seg serve` (issue 13): microseconds to re-evaluate every segment
//! for the user an event arrives for, on the service's own path (the user's rows gathered
//! from the store and the rows received since, a small store built, the interpreter run, the
//! changes logged), measured one event at a time.
//!
//!     realtime PROJECT_DIR DATA_DIR EVENTS
//!
//! `PROJECT_DIR` has schema.toml and segments/; `DATA_DIR` is a `seg serve` data folder (made
//! with `seg import`). Prints the median, p90, p99 and max over EVENTS events, each for a
//! user drawn from the data. Run by bench/serve.sh.

use std::path::Path;
use std::time::{Duration, Instant};

use seg::serve::defs::Definitions;
use seg::serve::state::{Clock, Service};
use seg::store::load::Kind;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, project, data, events] = &args[..] else {
        eprintln!("usage: realtime PROJECT_DIR DATA_DIR EVENTS");
        std::process::exit(2);
    };
    let project = Path::new(project);
    let events: usize = events.parse().expect("EVENTS is a number");
    let defs = Definitions::load(&project.join("schema.toml"), &[project.join("segments")])
        .unwrap_or_else(|e| panic!("the definitions: {e}"));
    let segments = defs.plan.segments.len();
    let now = seg::time::parse_timestamp("2026-11-15T12:00:00Z").expect("a time");
    let started = Service::start(
        Path::new(data),
        defs,
        Clock::Fixed(std::sync::Mutex::new(now)),
        Duration::from_hours(24),
    )
    .unwrap_or_else(|e| panic!("the service: {e}"));
    let service = started.service;
    // Evaluated here only, not also on the service's evaluator thread.
    service.stop();
    let (users, _) = service.entity_counts();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut times = Vec::with_capacity(events);
    let mut logging = Vec::with_capacity(events);
    let mut changes = 0;
    for i in 0..events {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let user = format!("u{:06}", 1 + state % users as u64);
        let row = format!(
            r#"{{"user_id":"{user}","event":"purchase","ts":"2026-11-15T11:{:02}:00Z","value":{},"category":"shoes"}}"#,
            i % 60,
            i % 500
        );
        service
            .ingest(Kind::Events, &[&row])
            .expect("the event is stored");
        let start = Instant::now();
        let changed = service.evaluate_marked();
        times.push(start.elapsed());
        changes += changed.len();
        let start = Instant::now();
        service.log_changes(&changed);
        logging.push(start.elapsed());
    }
    let report = |what: &str, mut times: Vec<Duration>| {
        times.sort();
        let at = |percent: usize| times[(times.len() * percent / 100).min(times.len() - 1)];
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{what}: median {:.1} us, p90 {:.1} us, p99 {:.1} us, max {:.1} us",
            us(at(50)),
            us(at(90)),
            us(at(99)),
            us(times[times.len() - 1])
        );
    };
    println!("{segments} segments, {users} users, {events} events, {changes} membership changes");
    report("re-evaluating the event's user", times);
    report("logging its changes (fsync)", logging);
}

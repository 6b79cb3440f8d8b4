//! A progress line on standard error while data loads: a spinner, the file being read and the
//! share of bytes read so far (counted per finished file). A thread redraws it every 100 ms,
//! starting only after [`DELAY`], so a quick load prints nothing; [`Progress::finish`] clears
//! it.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a load runs before the line appears.
pub const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);
const SPINNER: [char; 4] = ['|', '/', '-', '\\'];

#[derive(Default)]
struct State {
    file: String,
    done: u64,
    total: u64,
}

/// A running progress line (or nothing, when disabled).
pub struct Progress {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    drawer: Option<JoinHandle<bool>>,
}

impl Progress {
    /// Starts the line for `total` bytes; `enabled` false makes every call a no-op.
    #[must_use]
    pub fn start(total: u64, enabled: bool) -> Progress {
        let state = Arc::new(Mutex::new(State {
            total,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let drawer = enabled.then(|| {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || draw(&state, &stop))
        });
        Progress {
            state,
            stop,
            drawer,
        }
    }

    /// A file starts loading.
    pub fn file(&self, name: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.file = name.to_string();
        }
    }

    /// A file of `bytes` finished loading.
    pub fn done(&self, bytes: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.done += bytes;
        }
    }

    /// Stops and clears the line.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(drawer) = self.drawer.take() {
            if drawer.join().unwrap_or(false) {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            }
        }
    }
}

/// Redraws until stopped; true if it drew anything.
fn draw(state: &Mutex<State>, stop: &AtomicBool) -> bool {
    let started = Instant::now();
    let mut drawn = false;
    let mut tick = 0usize;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        if started.elapsed() < DELAY || stop.load(Ordering::Relaxed) {
            continue;
        }
        let line = match state.lock() {
            Ok(state) => line(&state, SPINNER[tick % SPINNER.len()]),
            Err(_) => break,
        };
        let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
        let _ = std::io::stderr().flush();
        drawn = true;
        tick += 1;
    }
    drawn
}

fn line(state: &State, spinner: char) -> String {
    #[allow(clippy::cast_precision_loss)]
    let share = state.done as f64 * 100.0 / state.total.max(1) as f64;
    format!("{spinner} loading {} ({share:.0}%)", state.file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_file_and_the_share() {
        let state = State {
            file: "events.ndjson".into(),
            done: 25,
            total: 100,
        };
        assert_eq!(line(&state, '|'), "| loading events.ndjson (25%)");
    }

    #[test]
    fn disabled_progress_draws_nothing() {
        let progress = Progress::start(10, false);
        progress.file("a");
        progress.done(10);
        assert!(progress.drawer.is_none());
        progress.finish();
    }
}

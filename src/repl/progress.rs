//! Progress on standard error (indicatif) for work that takes more than a moment: data loads
//! (the file being read and the share of bytes read, counted per finished file) and steps
//! (`seg trend`). Nothing is drawn for the first [`DELAY`], so quick work prints nothing, and
//! nothing at all when standard error is not a terminal (or when disabled); [`Progress::finish`]
//! clears the line.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before its line appears.
pub const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);

/// A progress line (or nothing, when disabled).
pub struct Progress {
    bar: ProgressBar,
    finished: Arc<AtomicBool>,
}

impl Progress {
    /// A load of `total` bytes; `enabled` false (or standard error not a terminal) draws
    /// nothing.
    #[must_use]
    pub fn start(total: u64, enabled: bool) -> Progress {
        Progress::new(total, enabled, "{spinner} loading {msg} ({percent}%)")
    }

    /// `total` steps of `what` (`seg trend`'s instants).
    #[must_use]
    pub fn steps(total: u64, what: &str) -> Progress {
        let template = format!("{{spinner}} {what} {{pos}} of {{len}} ({{percent}}%)");
        Progress::new(total, true, &template)
    }

    fn new(total: u64, enabled: bool, template: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.tick_chars("|/-\\ "));
        }
        let finished = Arc::new(AtomicBool::new(false));
        if enabled && std::io::stderr().is_terminal() {
            // Shown only once the work has taken longer than the delay.
            let (shown, done) = (bar.clone(), Arc::clone(&finished));
            std::thread::spawn(move || {
                std::thread::sleep(DELAY);
                if !done.load(Ordering::Relaxed) {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                    shown.enable_steady_tick(TICK);
                }
            });
        }
        Progress { bar, finished }
    }

    /// A file starts loading.
    pub fn file(&self, name: &str) {
        self.bar.set_message(name.to_string());
    }

    /// A file of `bytes` finished loading (or a step finished: `done(1)`).
    pub fn done(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    /// Stops and clears the line.
    pub fn finish(self) {
        self.finished.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }

    /// Whether a line may be drawn (enabled, on a terminal).
    #[must_use]
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_what_is_done_and_draws_nothing_off_a_terminal() {
        let progress = Progress::start(100, true);
        progress.file("events.ndjson");
        progress.done(25);
        assert_eq!(progress.bar.position(), 25);
        assert_eq!(progress.bar.message(), "events.ndjson");
        // Tests run with standard error captured, not on a terminal.
        assert!(progress.is_hidden());
        progress.finish();
    }

    #[test]
    fn disabled_progress_draws_nothing() {
        let progress = Progress::start(10, false);
        progress.file("a");
        progress.done(10);
        std::thread::sleep(DELAY + TICK);
        assert!(progress.is_hidden());
        progress.finish();
    }
}

//! Progress and messages on standard error.
//!
//! On a terminal each stage shows an indicatif spinner with its elapsed
//! time, replaced by a "done in" line when it ends. Elsewhere (a cron log, a
//! pipe) every event is one plain line. `quiet` keeps only warnings and
//! errors; `verbose` also announces each stage and prints every warning
//! instead of the first twenty.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Where progress messages go.
#[derive(Debug, Default)]
pub struct Log {
    quiet: bool,
    verbose: bool,
    terminal: bool,
    warned: AtomicUsize,
    spinner: Mutex<Option<ProgressBar>>,
    stage: Mutex<String>,
    reported: std::sync::atomic::AtomicU64,
}

/// Per-post warnings printed before the rest are only counted.
const WARN_LIMIT: usize = 20;
/// Posts between two progress lines in a log.
pub const PROGRESS_LINES: u64 = 250_000;

impl Log {
    /// A logger; `quiet` hides progress, `verbose` shows every warning.
    /// Spinners are used when standard error is a terminal.
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Log {
            quiet,
            verbose,
            terminal: std::io::stderr().is_terminal(),
            ..Default::default()
        }
    }

    /// A logger that prints nothing but warnings (for tests and benches).
    pub fn quiet() -> Self {
        Log::new(true, false)
    }

    /// Prints a line without tearing an active spinner.
    fn line(&self, msg: &str) {
        match self.spinner.lock().ok().as_deref().and_then(Option::as_ref) {
            Some(bar) => bar.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    /// A stage begins.
    pub fn stage_start(&self, stage: &str) {
        if let Ok(mut s) = self.stage.lock() {
            *s = stage.to_string();
        }
        self.reported.store(0, Ordering::Relaxed);
        if self.quiet {
            return;
        }
        if self.terminal {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{msg}] {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(stage.to_string());
            bar.enable_steady_tick(Duration::from_millis(100));
            if let Ok(mut s) = self.spinner.lock() {
                *s = Some(bar);
            }
        } else if self.verbose {
            eprintln!("[{stage}] ...");
        }
    }

    /// A stage ended after `secs` seconds.
    pub fn stage_done(&self, stage: &str, secs: f64) {
        if let Some(bar) = self.spinner.lock().ok().and_then(|mut s| s.take()) {
            bar.finish_and_clear();
        }
        if !self.quiet {
            eprintln!("[{stage}] done in {secs:.2} s");
        }
    }

    /// An informational line.
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            self.line(msg);
        }
    }

    /// A warning; after the first few, only counted unless verbose.
    pub fn warn(&self, msg: &str) {
        let n = self.warned.fetch_add(1, Ordering::Relaxed);
        if self.verbose || n < WARN_LIMIT {
            self.line(&format!("warning: {msg}"));
        } else if n == WARN_LIMIT {
            self.line("warning: more warnings follow; run with -v to see them all");
        }
    }

    /// Progress within the current stage: `done` posts so far. A spinner
    /// shows the count; a log gets a line every [`PROGRESS_LINES`] posts.
    pub fn progress(&self, done: u64) {
        if self.quiet {
            return;
        }
        if let Some(bar) = self.spinner.lock().ok().as_deref().and_then(Option::as_ref) {
            bar.set_message(format!(
                "{} · {done} posts",
                self.stage.lock().map(|s| s.clone()).unwrap_or_default()
            ));
            return;
        }
        let last = self.reported.swap(done, Ordering::Relaxed);
        if done / PROGRESS_LINES > last / PROGRESS_LINES {
            let stage = self.stage.lock().map(|s| s.clone()).unwrap_or_default();
            eprintln!("[{stage}] {done} posts");
        }
    }
}

/// Seconds spent per stage, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings(pub Vec<(&'static str, f64)>);

impl Timings {
    /// Runs `f`, recording its duration under `stage`.
    pub fn time<T>(&mut self, stage: &'static str, log: &Log, f: impl FnOnce() -> T) -> T {
        log.stage_start(stage);
        let start = std::time::Instant::now();
        let out = f();
        let secs = start.elapsed().as_secs_f64();
        self.0.push((stage, secs));
        log.stage_done(stage, secs);
        out
    }
}

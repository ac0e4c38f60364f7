//! Progress and messages on standard error.
//!
//! Plain lines, one per event, so that a cron log reads well: stage start and
//! end with seconds, counts, warnings. `quiet` keeps only warnings;
//! `verbose` also prints every per-post warning instead of a summary.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Where progress messages go.
#[derive(Debug, Default)]
pub struct Log {
    quiet: bool,
    verbose: bool,
    warned: AtomicUsize,
}

/// Per-post warnings printed before the rest are only counted.
const WARN_LIMIT: usize = 20;

impl Log {
    /// A logger; `quiet` hides progress, `verbose` shows every warning.
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Log {
            quiet,
            verbose,
            warned: AtomicUsize::new(0),
        }
    }

    /// A logger that prints nothing but warnings (for tests and benches).
    pub fn quiet() -> Self {
        Log::new(true, false)
    }

    /// A stage begins.
    pub fn stage_start(&self, stage: &str) {
        if self.verbose {
            eprintln!("[{stage}] ...");
        }
    }

    /// A stage ended after `secs` seconds.
    pub fn stage_done(&self, stage: &str, secs: f64) {
        if !self.quiet {
            eprintln!("[{stage}] done in {secs:.2} s");
        }
    }

    /// An informational line.
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// A warning; after the first few, only counted unless verbose.
    pub fn warn(&self, msg: &str) {
        let n = self.warned.fetch_add(1, Ordering::Relaxed);
        if self.verbose || n < WARN_LIMIT {
            eprintln!("warning: {msg}");
        } else if n == WARN_LIMIT {
            eprintln!("warning: more warnings follow; run with -v to see them all");
        }
    }

    /// How many warnings were issued.
    pub fn warnings(&self) -> usize {
        self.warned.load(Ordering::Relaxed)
    }
}

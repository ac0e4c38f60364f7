//! Faults injected by tests into a debug build: a panic while one post is
//! handled, a post file removed between the walk and its read, an events
//! stage whose posts do not fit in memory. A release
//! build has no hook: [`injected`] is always false there.
//!
//! The hook is the environment variable `THEME_TRENDS_FAULTS`, a
//! comma-separated list of `POINT=SUBJECT`; a fault fires where the code
//! passes `POINT` with a subject (a post's path below the input, say)
//! that contains `SUBJECT`. Read each time it is asked, so that in-process
//! tests may set and clear it.

/// Where a fault can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// Panic while one post is parsed and segmented.
    PanicPost,
    /// Remove a post file after the walk, before it is read.
    VanishPost,
    /// Replace a post file by a folder after the walk (a read that fails).
    UnreadablePost,
    /// Take 100 ms over one post (a slow disk): a run long enough to stop.
    SlowPost,
    /// Panic in the report stage (outside any one post).
    PanicReport,
    /// Sleep 30 s in the report stage, where no stop is looked for.
    HangReport,
    /// `terms`: wait 300 ms between reading the report and the cache.
    PauseTerms,
    /// The events stage keeps no posts in memory, as if they did not fit
    /// (every count reads the results again).
    EventsOverBudget,
}

impl Point {
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    fn name(self) -> &'static str {
        match self {
            Point::PanicPost => "panic-post",
            Point::VanishPost => "vanish-post",
            Point::UnreadablePost => "unreadable-post",
            Point::SlowPost => "slow-post",
            Point::PanicReport => "panic-report",
            Point::HangReport => "hang-report",
            Point::PauseTerms => "pause-terms",
            Point::EventsOverBudget => "events-over-budget",
        }
    }
}

/// The environment variable of the hook.
pub const VARIABLE: &str = "THEME_TRENDS_FAULTS";

/// Whether a test asked for the fault `point` on `subject`.
#[cfg(debug_assertions)]
pub fn injected(point: Point, subject: &str) -> bool {
    let Ok(spec) = std::env::var(VARIABLE) else {
        return false;
    };
    spec.split(',').any(|f| match f.split_once('=') {
        Some((p, s)) => p.trim() == point.name() && subject.contains(s.trim()),
        None => false,
    })
}

/// Whether a test asked for the fault `point` on `subject` (never, in a
/// release build).
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn injected(_point: Point, _subject: &str) -> bool {
    false
}

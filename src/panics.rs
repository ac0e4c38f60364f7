//! Panics turned into data or into one line.
//!
//! A panic is a bug of the tool, never the input's fault, and it must not
//! cost the night: while one post is handled, [`catch`] turns it into the
//! post's rejection (`internal error: …`) and the run goes on. Anywhere
//! else the binary catches it at the top ([`install_hook`] prints one line,
//! or Rust's full report with a backtrace under `-v`), the staging folder
//! and the lock are released on the way up, and the run ends with exit 1.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// Whether this thread is inside [`catch`]: the hook stays silent.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// The text of a panic payload.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `f`; a panic inside it comes back as its message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let outer = CATCHING.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| message(payload.as_ref()))
}

/// Installs the process's panic hook: silent inside [`catch`]; elsewhere
/// one line naming the bug (`verbose`: Rust's own report, with a
/// backtrace).
/// Call it before any thread starts.
pub fn install_hook(verbose: bool) {
    if verbose && std::env::var_os("RUST_BACKTRACE").is_none() {
        std::env::set_var("RUST_BACKTRACE", "1");
    }
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if CATCHING.with(Cell::get) {
            return;
        }
        if verbose {
            default(info);
            return;
        }
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error: {}{place} (a bug of theme-trends; the previous reports are untouched; -v shows a backtrace)",
            message(info.payload())
        );
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_is_its_message_and_nesting_restores_the_state() {
        assert_eq!(catch(|| 3), Ok(3));
        let r: Result<(), String> = catch(|| panic!("boom {}", 7));
        assert_eq!(r, Err("boom 7".to_string()));
        let inner = catch(|| catch(|| -> () { panic!("inner") }));
        assert_eq!(inner, Ok(Err("inner".to_string())));
        assert!(!CATCHING.with(Cell::get));
    }
}

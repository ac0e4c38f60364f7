//! Stopping on SIGTERM or SIGINT without leaving anything half-done.
//!
//! [`install`] starts a thread that waits for the signals. The first one
//! raises a flag that the long loops of every stage look at ([`check`]):
//! the work unwinds as an [`Error::Interrupted`], dropping the staging
//! folder and the lock on its way, and the process exits with 128 + the
//! signal (130 for SIGINT, 143 for SIGTERM). Should the work not come up
//! within [`GRACE`] (a long numeric step), or a second signal arrive, the
//! folders registered with [`Cleanup`] are removed and the process exits
//! at once. Publishing ([`critical`]) is never cut in two: the forced exit
//! waits for the swap to finish.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::error::{Error, Result};

/// How long the work may take to stop before it is stopped by force.
pub const GRACE: Duration = Duration::from_secs(3);

/// The signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Folders to remove when the process is stopped by force.
static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Held while the reports are swapped in.
static CRITICAL: Mutex<()> = Mutex::new(());

/// Starts waiting for SIGTERM and SIGINT (once per process; later calls
/// do nothing). Without it the signals keep their default action.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) else {
            return;
        };
        std::thread::spawn(move || {
            for signal in signals.forever() {
                if SIGNAL.swap(signal, Ordering::SeqCst) != 0 {
                    // A second signal: no more waiting.
                    force_exit(signal);
                }
                std::thread::spawn(move || {
                    std::thread::sleep(GRACE);
                    force_exit(signal);
                });
            }
        });
    });
}

/// Removes the registered folders and ends the process with 128 + `signal`.
fn force_exit(signal: i32) -> ! {
    let _publishing = CRITICAL.lock().unwrap_or_else(|p| p.into_inner());
    let folders = FOLDERS.lock().unwrap_or_else(|p| p.into_inner());
    for f in folders.iter() {
        let _ = std::fs::remove_dir_all(f);
    }
    eprintln!(
        "error: stopped by {}; nothing was published, the previous reports are as they were",
        crate::error::signal_name(signal)
    );
    std::process::exit(128 + signal)
}

/// The signal received, if any.
pub fn received() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Fails with [`Error::Interrupted`] once a signal came.
pub fn check() -> Result<()> {
    match received() {
        None => Ok(()),
        Some(signal) => Err(Error::Interrupted { signal }),
    }
}

/// Holds off a forced exit while held (the swap of the reports).
pub fn critical() -> MutexGuard<'static, ()> {
    CRITICAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A folder removed should the process be stopped by force, for as long
/// as this lives.
#[derive(Debug)]
pub struct Cleanup(PathBuf);

impl Cleanup {
    /// Registers `folder`.
    pub fn new(folder: &Path) -> Self {
        if let Ok(mut f) = FOLDERS.lock() {
            f.push(folder.to_path_buf());
        }
        Cleanup(folder.to_path_buf())
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut f) = FOLDERS.lock() {
            if let Some(i) = f.iter().position(|p| *p == self.0) {
                f.swap_remove(i);
            }
        }
    }
}

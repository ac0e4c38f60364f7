//! One run at a time per output folder.
//!
//! A run that publishes into `OUT` first takes an exclusive lock on a file
//! beside it (`.OUT.theme-trends.lock`, `flock(2)`), and keeps it until
//! its reports are swapped in. A second run on the same `OUT` (a cron run
//! and a hand-started one) is refused with the first one's pid, or with
//! `--wait` queues until the lock is free, then reads what the first run
//! published. The kernel drops the lock when its process ends, however it
//! ends, so a lock file left by a killed run never blocks the next one;
//! the file itself stays, holding the last holder's pid.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An exclusive lock on an output folder, held until dropped.
#[derive(Debug)]
pub struct OutLock {
    file: File,
}

/// The lock file of `out`: beside it, so that the swap of `out` itself
/// never moves it.
pub fn lock_path(out: &Path) -> Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| Error::param("--out", format!("{} has no folder name", out.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{name}.theme-trends.lock")))
}

impl OutLock {
    /// Takes the lock on `out`. When another process holds it: with `wait`,
    /// calls `waiting` with its pid and blocks until it is free; without,
    /// fails with [`Error::Locked`].
    pub fn acquire(out: &Path, wait: bool, waiting: impl FnOnce(&str)) -> Result<OutLock> {
        let path = lock_path(out)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::write(&path, e))?;
        if !try_flock(&file, libc::LOCK_EX | libc::LOCK_NB).map_err(|e| Error::write(&path, e))? {
            let holder = holder_pid(&mut file);
            if !wait {
                return Err(Error::Locked {
                    out: out.to_path_buf(),
                    pid: holder,
                });
            }
            waiting(&holder);
            try_flock(&file, libc::LOCK_EX).map_err(|e| Error::write(&path, e))?;
        }
        // Ours now: record who holds it, for the message a second run prints.
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .map_err(|e| Error::write(&path, e))?;
        Ok(OutLock { file })
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the
        // release immediate even if the descriptor was shared.
        let _ = try_flock(&self.file, libc::LOCK_UN);
    }
}

/// Readers of a finished run (`terms`) against the run that swaps new
/// reports in.
///
/// A reader holds a shared lock on `.OUT.theme-trends.readers.lock`
/// beside `OUT` while it reads; publishing holds it exclusively while it
/// swaps the folders (and a run whose cache lies outside `OUT` while it
/// rewrites that cache), so a reader sees one complete run, the old or the
/// new, never a mix. The lock is held for moments, not for a run.
#[derive(Debug)]
pub struct ReadersLock {
    _file: File,
}

impl ReadersLock {
    fn path(out: &Path) -> Result<PathBuf> {
        let lock = lock_path(out)?;
        Ok(lock.with_file_name(
            lock.file_name()
                .map(|n| n.to_string_lossy().replace(".lock", ".readers.lock"))
                .unwrap_or_default(),
        ))
    }

    fn take(out: &Path, op: libc::c_int, waiting: impl FnOnce()) -> Result<ReadersLock> {
        let path = Self::path(out)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::write(&path, e))?;
        if !try_flock(&file, op | libc::LOCK_NB).map_err(|e| Error::write(&path, e))? {
            waiting();
            try_flock(&file, op).map_err(|e| Error::write(&path, e))?;
        }
        Ok(ReadersLock { _file: file })
    }

    /// A reader's lock on `out`'s reports; `waiting` is called when a run
    /// is swapping them in (the lock then waits for it).
    pub fn read(out: &Path, waiting: impl FnOnce()) -> Result<ReadersLock> {
        Self::take(out, libc::LOCK_SH, waiting)
    }

    /// The writer's lock: waits for the readers of `out` to finish.
    pub fn write(out: &Path) -> Result<ReadersLock> {
        Self::take(out, libc::LOCK_EX, || {})
    }
}

/// `flock(2)`: Ok(false) when a non-blocking attempt found it taken.
fn try_flock(file: &File, op: libc::c_int) -> std::io::Result<bool> {
    loop {
        // SAFETY: the descriptor is valid for the lifetime of `file`.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(true);
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// The pid the holder wrote into the lock file ("unknown" if unreadable).
fn holder_pid(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    let pid = text.trim();
    if pid.is_empty() {
        "unknown".to_string()
    } else {
        pid.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        let first = OutLock::acquire(&out, false, |_| {}).unwrap();
        match OutLock::acquire(&out, false, |_| {}) {
            Err(Error::Locked { pid, .. }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("{other:?}"),
        }
        drop(first);
        assert!(OutLock::acquire(&out, false, |_| {}).is_ok());
    }

    #[test]
    fn a_lock_file_left_behind_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        std::fs::write(lock_path(&out).unwrap(), "4194303\n").unwrap();
        let lock = OutLock::acquire(&out, false, |_| {}).unwrap();
        let text = std::fs::read_to_string(lock_path(&out).unwrap()).unwrap();
        drop(lock);
        assert_eq!(text.trim(), std::process::id().to_string());
    }
}

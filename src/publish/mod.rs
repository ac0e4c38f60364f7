//! Safe publishing of a run's reports.
//!
//! A run writes everything into a staging folder beside the output folder
//! (`.<name>.theme-trends-tmp-<pid>`), and only when every file is complete
//! swaps it with the output folder in one atomic step (Linux
//! `renameat2(RENAME_EXCHANGE)`). A run killed at any moment therefore
//! leaves the previous reports whole. Files in the output folder that the
//! tool did not write (listed in no run's manifest) are carried over into
//! the new folder, so nothing of the user's is ever deleted; files an
//! earlier run wrote and this one did not (the chart of a theme that
//! disappeared) are removed. Staging folders left by killed runs are
//! cleaned up by the next run. Where the atomic swap is not available the
//! files are moved in one by one, each file still appearing whole.

mod lock;

pub use lock::{lock_path, OutLock, ReadersLock};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Lists, one per line, the files a run wrote (relative paths).
pub const MANIFEST: &str = ".theme-trends-manifest";

/// One publication of reports into an output folder: the lock on it, then
/// a staging folder to write into, then the swap. What `run` and the
/// `report` subcommand both go through.
#[derive(Debug)]
pub struct Publication {
    staging: Staging,
    _lock: OutLock,
}

impl Publication {
    /// Takes the lock on `out` (with `wait`, queueing behind another run,
    /// after telling `waiting` its pid) and makes the staging folder.
    pub fn begin(out: &Path, wait: bool, waiting: impl FnOnce(&str)) -> Result<Publication> {
        let lock = OutLock::acquire(out, wait, waiting)?;
        Ok(Publication {
            staging: Staging::new(out)?,
            _lock: lock,
        })
    }

    /// The staging folder.
    pub fn staging(&mut self) -> &mut Staging {
        &mut self.staging
    }

    /// Swaps the reports in and releases the lock; returns warnings about
    /// anything left behind.
    pub fn finish(self) -> Result<Vec<String>> {
        self.staging.publish()
    }
}

/// A staging folder for one run.
#[derive(Debug)]
pub struct Staging {
    staging: PathBuf,
    /// Removes the folder should the process be stopped by force.
    _cleanup: crate::interrupt::Cleanup,
    out: PathBuf,
    /// Folders (relative to `out`) whose files earlier runs wrote and this
    /// run keeps as they are when it writes nothing there.
    kept: Vec<PathBuf>,
    /// The readers' lock, when taken before publishing.
    readers: Option<ReadersLock>,
    /// Whether the reports were swapped in (the folder then holds the
    /// previous reports, or is gone).
    published: bool,
}

fn staging_prefix(out: &Path) -> Option<(PathBuf, String)> {
    let name = out.file_name()?.to_string_lossy().into_owned();
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some((parent.to_path_buf(), format!(".{name}.theme-trends-tmp-")))
}

impl Staging {
    /// Creates the staging folder beside `out` and removes those that
    /// killed runs left behind.
    pub fn new(out: &Path) -> Result<Self> {
        if out.exists() && !out.is_dir() {
            return Err(Error::param(
                "--out",
                format!("{} exists and is not a folder", out.display()),
            ));
        }
        let (parent, prefix) = staging_prefix(out).ok_or_else(|| {
            Error::param("--out", format!("{} has no folder name", out.display()))
        })?;
        std::fs::create_dir_all(&parent).map_err(|e| Error::write(&parent, e))?;
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let staging = parent.join(format!("{prefix}{}", std::process::id()));
        std::fs::create_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
        Ok(Staging {
            _cleanup: crate::interrupt::Cleanup::new(&staging),
            staging,
            out: out.to_path_buf(),
            kept: Vec::new(),
            readers: None,
            published: false,
        })
    }

    /// Keeps readers of the published reports (`terms`) out from now until
    /// the new reports are in: for a run that rewrites a cache outside the
    /// output folder, which readers of the old reports also read.
    pub fn lock_readers(&mut self) -> Result<()> {
        if self.readers.is_none() {
            self.readers = Some(ReadersLock::write(&self.out)?);
        }
        Ok(())
    }

    /// Keeps an earlier run's files below `rel` (relative to the output
    /// folder) when this run writes none there: a run with `--no-cache`
    /// leaves the cache of earlier runs in place.
    pub fn keep_previous(&mut self, rel: impl Into<PathBuf>) {
        self.kept.push(rel.into());
    }

    /// Where this run writes.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Records the files written (all files now in the staging folder),
    /// carries the user's own files over, and swaps the staging folder into
    /// place. Returns warnings about anything left behind.
    pub fn publish(mut self) -> Result<Vec<String>> {
        // Nothing is published once the run was asked to stop; a forced
        // stop waits for the swap.
        crate::interrupt::check()?;
        let _swapping = crate::interrupt::critical();
        let ours = previous_manifest(&self.out);
        for dir in &self.kept {
            if self.staging.join(dir).exists() {
                continue;
            }
            for rel in ours.iter().filter(|r| r.starts_with(dir)) {
                crate::fsx::link_or_copy(&self.out.join(rel), &self.staging.join(rel))?;
            }
        }
        let written = relative_files(&self.staging);
        let manifest: String = written
            .iter()
            .chain(std::iter::once(&PathBuf::from(MANIFEST)))
            .map(|p| format!("{}\n", p.display()))
            .collect();
        let manifest_path = self.staging.join(MANIFEST);
        std::fs::write(&manifest_path, manifest).map_err(|e| Error::write(&manifest_path, e))?;
        // Readers of the previous reports finish first; none starts until
        // the swap is done.
        let _readers = match self.readers.take() {
            Some(held) => held,
            None => ReadersLock::write(&self.out)?,
        };
        if !self.out.exists() {
            std::fs::rename(&self.staging, &self.out).map_err(|e| Error::write(&self.out, e))?;
            self.published = true;
            return Ok(Vec::new());
        }
        // The user's files: hard-link (or copy) them into the new folder.
        for rel in relative_files(&self.out) {
            if ours.contains(&rel) || written.contains(&rel) || rel == Path::new(MANIFEST) {
                continue;
            }
            crate::fsx::link_or_copy(&self.out.join(&rel), &self.staging.join(&rel))?;
        }
        match exchange(&self.staging, &self.out) {
            Ok(()) => {
                self.published = true;
                Ok(clean_old(&self.staging, &self.out, &ours))
            }
            Err(_) => {
                let done = self.publish_file_by_file(&written, &ours);
                self.published = done.is_ok();
                done
            }
        }
    }

    /// Fallback without an atomic folder swap: move each new file into
    /// place (each rename is atomic), then remove files only earlier runs
    /// wrote.
    fn publish_file_by_file(
        &self,
        written: &BTreeSet<PathBuf>,
        ours: &BTreeSet<PathBuf>,
    ) -> Result<Vec<String>> {
        for rel in written
            .iter()
            .chain(std::iter::once(&PathBuf::from(MANIFEST)))
        {
            let (from, to) = (self.staging.join(rel), self.out.join(rel));
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| Error::write(&to, e))?;
        }
        for rel in ours.difference(written) {
            let _ = std::fs::remove_file(self.out.join(rel));
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(Vec::new())
    }
}

/// A run that stops before publishing (an error, a full disk, a signal, a
/// panic unwinding) removes its staging folder.
impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published && self.staging.is_dir() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Atomically swaps two folders (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// After the swap `old` holds the previous reports: a file there that no
/// run wrote and that the new folder lacks (the user saved it while this
/// run was publishing) is moved over; then the folder is removed.
fn clean_old(old: &Path, out: &Path, ours: &BTreeSet<PathBuf>) -> Vec<String> {
    let mut warnings = Vec::new();
    for rel in relative_files(old) {
        if ours.contains(&rel) || rel == Path::new(MANIFEST) || out.join(&rel).exists() {
            continue;
        }
        let to = out.join(&rel);
        let moved = to
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::rename(old.join(&rel), &to));
        if let Err(e) = moved {
            warnings.push(format!(
                "{} could not be moved into {}: {e}",
                old.join(&rel).display(),
                out.display()
            ));
            return warnings;
        }
    }
    if let Err(e) = std::fs::remove_dir_all(old) {
        warnings.push(format!(
            "could not remove the previous reports at {}: {e}",
            old.display()
        ));
    }
    warnings
}

/// The files the previous run listed in its manifest. Only plain relative
/// paths count: a damaged or edited manifest can never make the tool touch
/// a file outside the output folder.
fn previous_manifest(out: &Path) -> BTreeSet<PathBuf> {
    std::fs::read_to_string(out.join(MANIFEST))
        .map(|t| {
            t.lines()
                .map(PathBuf::from)
                .filter(|p| {
                    p.components().next().is_some()
                        && p.components()
                            .all(|c| matches!(c, std::path::Component::Normal(_)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every file below `root`, as paths relative to it, sorted.
fn relative_files(root: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

/// The staging-folder name prefix for `out`.
#[cfg(test)]
fn staging_name_prefix(out: &Path) -> Option<std::ffi::OsString> {
    staging_prefix(out).map(|(_, p)| std::ffi::OsString::from(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_run_replaces_its_own_files_and_keeps_the_users() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        // First run.
        let s = Staging::new(&out).unwrap();
        write(&s.path().join("themes.csv"), "v1");
        write(&s.path().join("charts/themes/theme_7.png"), "old chart");
        s.publish().unwrap();
        // The user adds a note.
        write(&out.join("notes.txt"), "mine");
        write(&out.join("charts/mine.png"), "mine too");
        // Second run: theme 7 is gone.
        let s = Staging::new(&out).unwrap();
        write(&s.path().join("themes.csv"), "v2");
        write(&s.path().join("charts/themes/theme_8.png"), "new chart");
        s.publish().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("themes.csv")).unwrap(),
            "v2"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("charts/mine.png")).unwrap(),
            "mine too"
        );
        assert!(out.join("charts/themes/theme_8.png").exists());
        assert!(!out.join("charts/themes/theme_7.png").exists());
        // No staging folder is left.
        let prefix = staging_name_prefix(&out).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&*prefix.to_string_lossy())
            })
            .collect();
        assert!(left.is_empty());
    }

    #[test]
    fn an_unpublished_run_leaves_the_reports_alone_and_is_cleaned_up_later() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        let s = Staging::new(&out).unwrap();
        write(&s.path().join("themes.csv"), "v1");
        s.publish().unwrap();
        // A run that dies before publishing.
        let s = Staging::new(&out).unwrap();
        write(&s.path().join("themes.csv"), "half");
        let abandoned = s.path().to_path_buf();
        std::mem::forget(s);
        assert_eq!(
            std::fs::read_to_string(out.join("themes.csv")).unwrap(),
            "v1"
        );
        // A staging folder a killed run of another process left behind.
        let (parent, prefix) = staging_prefix(&out).unwrap();
        let foreign = parent.join(format!("{prefix}4194999"));
        write(&foreign.join("charts/theme_1.png"), "half");
        // The next run removes the leftovers: the abandoned folder has the
        // same name as its own (same process), but none of its content.
        let s = Staging::new(&out).unwrap();
        assert!(!abandoned.join("themes.csv").exists());
        assert_eq!(relative_files(s.path()), BTreeSet::new());
        assert!(!foreign.exists(), "{} left behind", foreign.display());
        assert_eq!(
            std::fs::read_to_string(out.join("themes.csv")).unwrap(),
            "v1"
        );
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        std::fs::write(&out, "x").unwrap();
        assert!(Staging::new(&out)
            .unwrap_err()
            .to_string()
            .contains("not a folder"));
    }

    #[test]
    fn a_manifest_cannot_point_outside_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(
            out.join(MANIFEST),
            "themes.csv\n../victim.txt\n/etc/passwd\ncharts/a.png\n\n",
        )
        .unwrap();
        let listed = previous_manifest(&out);
        assert_eq!(
            listed,
            BTreeSet::from([PathBuf::from("themes.csv"), PathBuf::from("charts/a.png")])
        );
    }
}

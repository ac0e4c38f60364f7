//! The file operations every stage writes with: a file appears whole or
//! not at all ([`write_atomic`]), a kept file is shared rather than copied
//! when it can be ([`link_or_copy`]), and the small versioned JSON states
//! that carry ids from one run to the next ([`load_state`], [`save_state`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// Writes `path` through a temporary file in the same folder, renamed into
/// place when `fill` succeeded (and synced to disk first: a report survives
/// a power cut). On failure nothing is left, not even the temporary file.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    write_through_tmp(path, true, fill)
}

/// [`write_atomic`] without the sync: for files of the cache, whose
/// checksum finds any damage and whose loss costs only a re-read.
pub fn write_atomic_unsynced(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    write_through_tmp(path, false, fill)
}

fn write_through_tmp(
    path: &Path,
    sync: bool,
    fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let file = File::create(&tmp).map_err(|e| Error::write(&tmp, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let result = fill(&mut w).and_then(|_| {
        w.flush().map_err(|e| Error::write(path, e))?;
        if sync {
            w.get_ref().sync_all().map_err(|e| Error::write(path, e))?;
        }
        Ok(())
    });
    drop(w);
    match result.and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::write(path, e))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Makes `from` present at `to` (its folder created): a hard link, or a
/// copy where links are not possible (another file system). An existing
/// `to` is left as it is.
pub fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    if to.exists() {
        return Ok(());
    }
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(|e| Error::write(to, e))?;
    }
    Ok(())
}

/// A JSON state file that names its own format version.
pub trait Versioned {
    /// The version this build writes and reads.
    const VERSION: u32;
    /// What the file is, for messages ("theme state").
    const WHAT: &'static str;
}

/// Reads the state at `path`: `Ok(None)` when there is none; a
/// [`Error::Damaged`] naming the file when it is unreadable, not such a
/// state, or of another version (the caller decides what that costs).
pub fn load_state<T: DeserializeOwned + Versioned>(path: &Path) -> Result<Option<T>> {
    let damaged = |reason: String| Error::Damaged {
        what: T::WHAT,
        path: path.to_path_buf(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(damaged(e.to_string())),
    };
    #[derive(serde::Deserialize)]
    struct Head {
        version: u32,
    }
    let head: Head =
        serde_json::from_str(&text).map_err(|e| damaged(format!("not a {} ({e})", T::WHAT)))?;
    if head.version != T::VERSION {
        return Err(damaged(format!(
            "version {} (this build reads {})",
            head.version,
            T::VERSION
        )));
    }
    let state: T =
        serde_json::from_str(&text).map_err(|e| damaged(format!("not a {} ({e})", T::WHAT)))?;
    Ok(Some(state))
}

/// Writes the state at `path`, whole or not at all.
pub fn save_state<T: Serialize + Versioned>(path: &Path, state: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer(&mut *w, state)
            .map_err(|e| Error::write(path, std::io::Error::other(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct S {
        version: u32,
        n: u32,
    }

    impl Versioned for S {
        const VERSION: u32 = 2;
        const WHAT: &'static str = "test state";
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_the_old_file_stands() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "old").unwrap();
        let r = write_atomic(&path, |w| {
            w.write_all(b"half").unwrap();
            Err(Error::param("--x", "boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic(&path, |w| {
            w.write_all(b"new").map_err(|e| Error::write("x", e))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn states_round_trip_and_a_foreign_one_is_named_as_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".s.json");
        assert_eq!(load_state::<S>(&path).unwrap(), None);
        save_state(&path, &S { version: 2, n: 7 }).unwrap();
        assert_eq!(
            load_state::<S>(&path).unwrap(),
            Some(S { version: 2, n: 7 })
        );
        std::fs::write(&path, r#"{"version":1,"n":7}"#).unwrap();
        let e = load_state::<S>(&path).unwrap_err();
        assert!(matches!(e, Error::Damaged { .. }), "{e}");
        assert!(e.to_string().contains("version 1"), "{e}");
        std::fs::write(&path, "{").unwrap();
        assert!(load_state::<S>(&path)
            .unwrap_err()
            .to_string()
            .contains("not a test state"));
    }

    #[test]
    fn link_or_copy_shares_the_file_and_makes_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("a");
        std::fs::write(&from, "x").unwrap();
        let to = dir.path().join("b/c/a");
        link_or_copy(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "x");
    }
}

//! The input as a stream of posts, never loaded whole.
//!
//! A folder is walked lazily, each directory's entries sorted by name, so
//! post files come in sorted path order; each carries its size, times and
//! inode, which decide whether a cached result still holds (as git's index
//! does). A table is read in batches: CSV and TSV record by record, JSON
//! lines line by line, Parquet in slices of rows (polars reads only the
//! pages a slice needs). A post's [`DocId`] is its place in that order.
//!
//! The posts can be split into parts for separate processes: part `i` of
//! `n` holds the blocks of [`BLOCK`] consecutive posts whose number is `i`
//! modulo `n`, so every part gets a share of every period and the ids stay
//! those of the whole input.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::item::{BodyFormat, FileStat, Item, Part, What};
use super::reject::{RejectReason, Rejection};
use super::table::TableFormat;
use crate::error::{Error, Result};
use crate::ids::DocId;

/// What the folder walk met besides post files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WalkNotes {
    /// Files that are not posts (other extensions, hidden files).
    pub ignored: u64,
    /// Paths that could not be read at all (no post id).
    pub problems: Vec<Rejection>,
    /// Things worth saying about the walk (symbolic-link loops).
    pub warnings: Vec<String>,
}

/// The input, opened.
#[derive(Debug, Clone)]
pub enum Source {
    /// A folder of post files.
    Folder(PathBuf),
    /// A table file.
    Table {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: TableFormat,
        /// Its carried columns (everything but text, title, date).
        columns: Vec<String>,
    },
}

impl Source {
    /// Opens a folder of posts, or a table recognised by its extension.
    pub fn open(input: &Path) -> Result<Source> {
        let meta = std::fs::metadata(input).map_err(|e| Error::read(input, e))?;
        if meta.is_dir() {
            return Ok(Source::Folder(input.to_path_buf()));
        }
        let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("");
        match TableFormat::from_extension(ext) {
            Some(format) => {
                let columns = super::table::carried_columns(input, format)?;
                Ok(Source::Table {
                    path: input.to_path_buf(),
                    format,
                    columns,
                })
            }
            None => Err(Error::param(
                "--input",
                format!(
                    "{} is neither a folder of posts nor a .csv, .tsv, .parquet or .jsonl table",
                    input.display()
                ),
            )),
        }
    }

    /// The carried table columns (none for a folder).
    pub fn columns(&self) -> &[String] {
        match self {
            Source::Folder(_) => &[],
            Source::Table { columns, .. } => columns,
        }
    }

    /// Whether the input is a folder of post files.
    pub fn is_folder(&self) -> bool {
        matches!(self, Source::Folder(_))
    }

    /// The posts of `part`, lazily, in input order. The walk's notes are
    /// filled in as the walk goes (complete once the stream ends).
    pub fn items<'a>(
        &'a self,
        part: Part,
        notes: &'a std::sync::Mutex<WalkNotes>,
    ) -> Result<Box<dyn Iterator<Item = Item> + Send + 'a>> {
        match self {
            Source::Folder(root) => Ok(Box::new(
                FolderWalk::new(root, notes).filter(move |i| part.holds(i.doc)),
            )),
            Source::Table { path, format, .. } => {
                super::table::rows(path, *format, self.columns(), part)
            }
        }
    }
}

/// Post files whose stat is taken at once, in parallel (the stat of a
/// million files is most of a night's walk; one core waits on each).
const STAT_AHEAD: usize = 2048;

/// One entry of a folder being walked.
struct Entry {
    name: std::ffi::OsString,
    kind: std::fs::FileType,
    /// Where the entry leads, once looked up (the link's target for a
    /// symbolic link).
    meta: Option<std::io::Result<Looked>>,
}

/// What the walk keeps of an entry's metadata (a `Metadata` is four times
/// the size, and a folder can hold a million entries).
#[derive(Debug, Clone, Copy)]
struct Looked {
    is_dir: bool,
    is_file: bool,
    /// Device and inode.
    id: (u64, u64),
    stat: FileStat,
}

impl Looked {
    fn of(m: &std::fs::Metadata) -> Self {
        Looked {
            is_dir: m.is_dir(),
            is_file: m.is_file(),
            id: (m.dev(), m.ino()),
            stat: FileStat::of(m),
        }
    }

    /// The entry `name` of the open folder `dir`, looked up by its name
    /// (`fstatat`), not by its whole path: a path is resolved folder by
    /// folder, and for a million files that was most of the walk's time.
    /// `follow`: where a symbolic link leads, not the link.
    fn at(dir: &std::fs::File, name: &std::ffi::OsStr, follow: bool) -> std::io::Result<Self> {
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::CString::new(name.as_bytes())?;
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: the folder's descriptor is open for the call, the name is
        // a NUL-terminated string, and `st` is written by the call before
        // it is read (only when the call succeeds).
        let rc = unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), flags) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let st = unsafe { st.assume_init() };
        let kind = st.st_mode & libc::S_IFMT;
        Ok(Looked {
            is_dir: kind == libc::S_IFDIR,
            is_file: kind == libc::S_IFREG,
            id: (st.st_dev, st.st_ino),
            stat: FileStat::from_parts(
                st.st_size as u64,
                (st.st_mtime, st.st_mtime_nsec),
                (st.st_ctime, st.st_ctime_nsec),
                st.st_ino,
            ),
        })
    }
}

impl Entry {
    fn hidden(&self) -> bool {
        self.name.as_encoded_bytes().first() == Some(&b'.')
    }

    /// A post file's format, from its extension; `None` for anything
    /// else (and hidden files).
    fn format(&self) -> Option<BodyFormat> {
        if self.hidden() {
            return None;
        }
        Path::new(&self.name)
            .extension()
            .and_then(|e| e.to_str())
            .and_then(BodyFormat::from_extension)
    }

    /// Whether the walk needs this entry's metadata: symbolic links (to
    /// know where they lead), folders it walks (to notice loops) and post
    /// files.
    fn needs_meta(&self) -> bool {
        self.kind.is_symlink() || (self.kind.is_dir() && !self.hidden()) || self.format().is_some()
    }
}

/// A folder being walked: its entries sorted by name. Only names and
/// types are kept, no open handle (a deep tree must not run out of file
/// descriptors).
struct Frame {
    dir: PathBuf,
    /// Its path below the input folder, with a trailing `/` ("" for the
    /// input folder itself): the start of its files' cache keys, so that
    /// `arch`, `./arch` and an absolute path all find the same entries.
    rel: String,
    /// Device and inode, to notice a link back to it.
    id: (u64, u64),
    entries: Vec<Entry>,
    at: usize,
}

/// The lazy walk of a folder: depth first, each folder's entries in the
/// order of their names' bytes, symbolic links followed, hidden folders
/// skipped. A link back to a folder being walked, or to a folder above
/// the input folder, is reported and not followed.
struct FolderWalk<'a> {
    root: PathBuf,
    frames: Vec<Frame>,
    /// The folders above the input folder: (device and inode, path).
    above: Vec<((u64, u64), PathBuf)>,
    started: bool,
    next_doc: u64,
    notes: &'a std::sync::Mutex<WalkNotes>,
}

impl<'a> FolderWalk<'a> {
    fn new(root: &Path, notes: &'a std::sync::Mutex<WalkNotes>) -> Self {
        FolderWalk {
            root: root.to_path_buf(),
            frames: Vec::new(),
            above: Vec::new(),
            started: false,
            next_doc: 0,
            notes,
        }
    }

    fn note(&self, f: impl FnOnce(&mut WalkNotes)) {
        if let Ok(mut n) = self.notes.lock() {
            f(&mut n);
        }
    }

    fn unreadable(&self, path: &Path, err: &std::io::Error) {
        let rejection = Rejection {
            doc_id: None,
            path: path.display().to_string(),
            reason: RejectReason::Unreadable(err.to_string()),
        };
        self.note(|n| n.problems.push(rejection));
    }

    /// Opens the input folder as the first frame, and notes the folders
    /// above it.
    fn start(&mut self) -> Option<()> {
        let root = self.root.clone();
        let id = match std::fs::metadata(&root) {
            Ok(m) => (m.dev(), m.ino()),
            Err(e) => {
                self.unreadable(&root, &e);
                return None;
            }
        };
        if let Ok(real) = root.canonicalize() {
            self.above = real
                .ancestors()
                .skip(1)
                .filter_map(|a| {
                    let m = std::fs::metadata(a).ok()?;
                    Some(((m.dev(), m.ino()), a.to_path_buf()))
                })
                .collect();
        }
        let frame = self.open(root, String::new(), id)?;
        self.frames.push(frame);
        Some(())
    }

    /// Reads `dir` as a frame (its entries read and sorted), or notes why
    /// it cannot be read.
    fn open(&self, dir: PathBuf, rel: String, id: (u64, u64)) -> Option<Frame> {
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) => {
                self.unreadable(&dir, &e);
                return None;
            }
        };
        let mut entries = Vec::new();
        for e in read {
            let entry = match e {
                Ok(e) => e,
                Err(e) => {
                    self.unreadable(&dir, &e);
                    continue;
                }
            };
            match entry.file_type() {
                Ok(kind) => entries.push(Entry {
                    name: entry.file_name(),
                    kind,
                    meta: None,
                }),
                Err(e) => self.unreadable(&entry.path(), &e),
            }
        }
        entries.sort_unstable_by(|a, b| a.name.as_encoded_bytes().cmp(b.name.as_encoded_bytes()));
        Some(Frame {
            dir,
            rel,
            id,
            entries,
            at: 0,
        })
    }

    /// Looks up, in parallel, the metadata of the entries from `at` on
    /// that need it, up to [`STAT_AHEAD`] of them. The folder is opened
    /// for the look-up and closed after it.
    fn look_ahead(frame: &mut Frame) {
        use rayon::prelude::*;
        let end = (frame.at + STAT_AHEAD).min(frame.entries.len());
        let batch = &mut frame.entries[frame.at..end];
        let dir = match std::fs::File::open(&frame.dir) {
            Ok(d) => d,
            Err(e) => {
                // The folder went away or closed since it was read: every
                // entry of the batch that needs looking up cannot be.
                for entry in batch
                    .iter_mut()
                    .filter(|e| e.meta.is_none() && e.needs_meta())
                {
                    entry.meta = Some(Err(std::io::Error::new(e.kind(), e.to_string())));
                }
                return;
            }
        };
        batch
            .par_iter_mut()
            .filter(|e| e.meta.is_none() && e.needs_meta())
            .for_each(|e| e.meta = Some(Looked::at(&dir, &e.name, e.kind.is_symlink())));
    }
}

impl Iterator for FolderWalk<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if !self.started {
            self.started = true;
            self.start()?;
        }
        loop {
            let frame = self.frames.last_mut()?;
            if frame.at == frame.entries.len() {
                self.frames.pop();
                continue;
            }
            let e = &frame.entries[frame.at];
            if e.meta.is_none() && e.needs_meta() {
                Self::look_ahead(frame);
            }
            let at = frame.at;
            frame.at += 1;
            let e = &mut frame.entries[at];
            let meta = e.meta.take();
            let (hidden, format, kind) = (e.hidden(), e.format(), e.kind);
            if !kind.is_symlink() && !kind.is_dir() && format.is_none() {
                // Not a post file (nor a way to one): nothing to look at.
                self.note(|n| n.ignored += 1);
                continue;
            }
            if kind.is_dir() && hidden {
                // Hidden folders (.git, .cache) hold no posts.
                continue;
            }
            let path = frame.dir.join(&e.name);
            let rel = format!("{}{}", frame.rel, e.name.to_string_lossy());
            let meta = match meta {
                Some(Ok(m)) => m,
                // A link that leads nowhere, or a folder that cannot be
                // looked at: reported, with no post id.
                Some(Err(err)) if kind.is_symlink() || kind.is_dir() => {
                    self.unreadable(&path, &err);
                    continue;
                }
                // A post file gone or unreadable since its folder was
                // read: a post that cannot be read.
                Some(Err(err)) => {
                    let doc = DocId(self.next_doc);
                    self.next_doc += 1;
                    return Some(Item {
                        doc,
                        key: rel,
                        path: path.display().to_string(),
                        what: What::Bad(RejectReason::Unreadable(err.to_string())),
                    });
                }
                None => match std::fs::metadata(&path) {
                    // (Every entry that gets here was looked up ahead;
                    // this only keeps a slip from losing a folder.)
                    Ok(m) => Looked::of(&m),
                    Err(err) => {
                        self.unreadable(&path, &err);
                        continue;
                    }
                },
            };
            if meta.is_dir {
                let walked = self.frames.iter().map(|f| (f.id, &f.dir));
                let above = self.above.iter().map(|(id, p)| (*id, p));
                if let Some((_, ancestor)) = walked.chain(above).find(|(id, _)| *id == meta.id) {
                    let msg = if kind.is_symlink() {
                        format!(
                            "{}: symbolic link loop back to {}, not followed",
                            path.display(),
                            ancestor.display()
                        )
                    } else {
                        format!(
                            "{}: the folder {} again (a mount inside itself?), not walked twice",
                            path.display(),
                            ancestor.display()
                        )
                    };
                    self.note(|n| n.warnings.push(msg));
                    continue;
                }
                if hidden {
                    continue;
                }
                if let Some(frame) = self.open(path, format!("{rel}/"), meta.id) {
                    self.frames.push(frame);
                }
                continue;
            }
            let Some(format) = format else {
                self.note(|n| n.ignored += 1);
                continue;
            };
            let doc = DocId(self.next_doc);
            self.next_doc += 1;
            let shown = path.display().to_string();
            // A named pipe or device would block the reader: refuse it.
            let what = if meta.is_file {
                What::File {
                    path,
                    format,
                    stat: meta.stat,
                }
            } else {
                What::Bad(RejectReason::Unreadable(
                    "not a regular file (a named pipe, socket or device)".into(),
                ))
            };
            return Some(Item {
                doc,
                key: rel,
                path: shown,
                what,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_goes_depth_first_in_name_order_and_notes_what_it_skips() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("posts");
        std::fs::create_dir_all(root.join("a/c")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for f in [
            "a-b.md",
            "a/b.md",
            "a/c/d.md",
            "B.md",
            "z.md",
            "notes.txt",
            ".x.md",
            ".git/y.md",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        std::os::unix::fs::symlink("z.md", root.join("link.md")).unwrap();
        std::os::unix::fs::symlink("gone.md", root.join("dangling.md")).unwrap();
        std::os::unix::fs::symlink("..", root.join("a/up")).unwrap();
        // A link above the input folder: its files are not the input's.
        std::fs::write(dir.path().join("outside.md"), "x").unwrap();
        std::os::unix::fs::symlink("..", root.join("above")).unwrap();
        // A hidden link back, and a hidden folder that is not walked.
        std::os::unix::fs::symlink(".", root.join(".self")).unwrap();

        let notes = std::sync::Mutex::new(WalkNotes::default());
        let items: Vec<Item> = FolderWalk::new(&root, &notes).collect();
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        // A folder's files come right after it, before its next sibling
        // ("a/…" before "a-b.md"), and names sort by their bytes ("B" < "a").
        assert_eq!(
            keys,
            ["B.md", "a/b.md", "a/c/d.md", "a-b.md", "link.md", "z.md"]
        );
        let docs: Vec<u64> = items.iter().map(|i| i.doc.0).collect();
        assert_eq!(docs, [0, 1, 2, 3, 4, 5]);
        let (link, z) = (&items[4].what, &items[5].what);
        let (What::File { stat: a, .. }, What::File { stat: b, .. }) = (link, z) else {
            panic!("{link:?} {z:?}");
        };
        assert_eq!(a, b, "a link to a post is the post it leads to");
        assert_eq!(items[0].path, root.join("B.md").display().to_string());

        let notes = notes.into_inner().unwrap();
        assert_eq!(notes.ignored, 2, "notes.txt and .x.md");
        assert_eq!(notes.problems.len(), 1, "{:?}", notes.problems);
        assert!(notes.problems[0].path.ends_with("dangling.md"));
        assert_eq!(notes.warnings.len(), 3, "{:?}", notes.warnings);
        assert!(notes
            .warnings
            .iter()
            .all(|w| w.contains("symbolic link loop")));
        for link in [".self", "above", "a/up"] {
            assert!(
                notes
                    .warnings
                    .iter()
                    .any(|w| w.starts_with(&root.join(link).display().to_string())),
                "{link}: {:?}",
                notes.warnings
            );
        }
    }
}

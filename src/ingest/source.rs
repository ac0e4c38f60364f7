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

/// The lazy walk of a folder.
struct FolderWalk<'a> {
    root: PathBuf,
    walk: walkdir::IntoIter,
    next_doc: u64,
    notes: &'a std::sync::Mutex<WalkNotes>,
}

impl<'a> FolderWalk<'a> {
    fn new(root: &Path, notes: &'a std::sync::Mutex<WalkNotes>) -> Self {
        let walk = walkdir::WalkDir::new(root)
            .follow_links(true)
            // Siblings share their parent's path, so their paths' bytes
            // sort as their names do; comparing the names instead parses
            // both paths at every comparison (most of the walk's CPU in a
            // folder of a million files).
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter();
        FolderWalk {
            root: root.to_path_buf(),
            walk,
            next_doc: 0,
            notes,
        }
    }

    fn note(&self, f: impl FnOnce(&mut WalkNotes)) {
        if let Ok(mut n) = self.notes.lock() {
            f(&mut n);
        }
    }
}

/// The cache key of a post file: its path below the input folder, so that
/// `arch`, `./arch` and an absolute path all find the same entries.
pub fn file_key(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

impl Iterator for FolderWalk<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let entry = match self.walk.next()? {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().unwrap_or(&self.root).to_path_buf();
                    if let Some(ancestor) = err.loop_ancestor() {
                        let msg = format!(
                            "{}: symbolic link loop back to {}, not followed",
                            path.display(),
                            ancestor.display()
                        );
                        self.note(|n| n.warnings.push(msg));
                    } else {
                        let reason = RejectReason::Unreadable(
                            err.io_error()
                                .map(|e| e.to_string())
                                .unwrap_or_else(|| err.to_string()),
                        );
                        self.note(|n| {
                            n.problems.push(Rejection {
                                doc_id: None,
                                path: path.display().to_string(),
                                reason,
                            })
                        });
                    }
                    continue;
                }
            };
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if entry.file_type().is_dir() {
                // Hidden folders (.git, .cache) hold no posts.
                if hidden && entry.depth() > 0 {
                    self.walk.skip_current_dir();
                }
                continue;
            }
            let format = entry
                .path()
                .extension()
                .and_then(|e| e.to_str())
                .and_then(BodyFormat::from_extension)
                .filter(|_| !hidden);
            let Some(format) = format else {
                self.note(|n| n.ignored += 1);
                continue;
            };
            let doc = DocId(self.next_doc);
            self.next_doc += 1;
            let path = entry.path().to_path_buf();
            let key = file_key(&self.root, &path);
            let shown = path.display().to_string();
            // A named pipe or device would block the reader: refuse it.
            let what = if !entry.file_type().is_file() {
                What::Bad(RejectReason::Unreadable(
                    "not a regular file (a named pipe, socket or device)".into(),
                ))
            } else {
                match entry.metadata() {
                    Ok(m) => What::File {
                        path,
                        format,
                        stat: FileStat::of(&m),
                    },
                    Err(e) => What::Bad(RejectReason::Unreadable(e.to_string())),
                }
            };
            return Some(Item {
                doc,
                key,
                path: shown,
                what,
            });
        }
    }
}

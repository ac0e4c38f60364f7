//! The input's items as the walk and the table readers hand them on: one
//! post file or table row ([`Item`]), where its body format, its file
//! status and the split into parts ([`Part`]) are known.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::reject::RejectReason;
use crate::error::{Error, Result};
use crate::ids::DocId;

/// How the body below the front matter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `.md` / `.markdown`: Markdown, possibly with embedded HTML.
    Markdown,
    /// `.html` / `.htm`: HTML.
    Html,
}

impl BodyFormat {
    /// The body format a post file's extension implies, or `None` when the
    /// file is not a post at all.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(BodyFormat::Markdown),
            "html" | "htm" => Some(BodyFormat::Html),
            _ => None,
        }
    }
}

/// Posts per block of the split into parts.
pub const BLOCK: u64 = 4096;

/// Part `index` of `count` (`--part I/N`, 0-based index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Part {
    /// Which part (0-based).
    pub index: u32,
    /// Of how many.
    pub count: u32,
}

impl Part {
    /// The whole input.
    pub const WHOLE: Part = Part { index: 0, count: 1 };

    /// Whether this part takes the `n`-th unit of a split: every `count`-th
    /// unit, starting with the `index`-th. The one rule of `--part I/N`,
    /// for the blocks of posts `prepare` reads and the segments `assign`
    /// assigns.
    pub fn takes(self, n: u64) -> bool {
        n % self.count as u64 == self.index as u64
    }

    /// Whether post `doc` belongs to this part: its block of [`BLOCK`]
    /// posts is taken.
    pub fn holds(self, doc: DocId) -> bool {
        self.takes(doc.0 / BLOCK)
    }
}

impl std::str::FromStr for Part {
    type Err = String;
    /// `I/N` with 1 ≤ I ≤ N, as a user counts parts.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("'{s}' is not I/N with 1 <= I <= N (for example 3/8)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (i, n): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if i == 0 || i > n {
            return Err(bad());
        }
        Ok(Part {
            index: i - 1,
            count: n,
        })
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// What identifies a post file's content without reading it: size,
/// modification and change times, inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileStat {
    /// Bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Status change time, nanoseconds since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub ino: u64,
}

impl FileStat {
    /// The stat of file metadata.
    pub fn of(m: &std::fs::Metadata) -> Self {
        Self::from_parts(
            m.len(),
            (m.mtime(), m.mtime_nsec()),
            (m.ctime(), m.ctime_nsec()),
            m.ino(),
        )
    }

    /// From size, modification and change times (seconds, nanoseconds)
    /// and inode. A time past what nanoseconds since the epoch can hold
    /// (a file dated after 2262) is held at the limit, not wrapped.
    pub fn from_parts(size: u64, mtime: (i64, i64), ctime: (i64, i64), ino: u64) -> Self {
        let ns = |(s, n): (i64, i64)| s.saturating_mul(1_000_000_000).saturating_add(n);
        FileStat {
            size,
            mtime_ns: ns(mtime),
            ctime_ns: ns(ctime),
            ino,
        }
    }
}

/// One table row as text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// The `text` column.
    pub text: Option<String>,
    /// The `title` column, if the table has one.
    pub title: Option<String>,
    /// The `date` column: `None` when the table has none, `Some(None)`
    /// when this row's is empty.
    pub date: Option<Option<String>>,
    /// The carried columns, in the order of [`Source::columns`].
    pub extra: Vec<String>,
}

/// What an input item holds.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A post file to read.
    File {
        /// Where it is.
        path: PathBuf,
        /// How its body is written.
        format: BodyFormat,
        /// Its size, times and inode.
        stat: FileStat,
    },
    /// A table row.
    Row(Row),
    /// A row that could not be read as text.
    Bad(RejectReason),
}

/// One post of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its place in the input.
    pub doc: DocId,
    /// The key of its cached result: the path below the input folder, or
    /// the row number.
    pub key: String,
    /// How the reports name it: the file path, or `table#row`.
    pub path: String,
    /// Its content.
    pub what: What,
}

/// Reads a JSON-lines file's lines, for the table reader.
pub(crate) fn json_lines(path: &Path) -> Result<impl Iterator<Item = std::io::Result<String>>> {
    let file = File::open(path).map_err(|e| Error::read(path, e))?;
    Ok(BufReader::with_capacity(1 << 20, file).lines())
}

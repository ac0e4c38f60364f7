//! A part's manifest: its segments, which of their records are no longer
//! current, and for folder input the index of every post file (size,
//! times, inode, content hash) a re-run decides what to read again from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::writer::SegmentEntry;
use crate::codec;
use crate::error::Result;
use crate::ids::DocId;
use crate::ingest::{FileStat, Part, Rejection};

/// Manifest file magic.
pub const MANIFEST_MAGIC: &[u8; 8] = b"TTMAN\x00\x00\x01";

/// A post file as the index knows it (folder input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Path below the input folder.
    pub key: String,
    /// Size, times, inode when it was read.
    pub stat: FileStat,
    /// xxh3 of its bytes.
    pub hash: u64,
    /// Its doc id then.
    pub doc: DocId,
    /// Position of its segment in the manifest's list.
    pub segment: u32,
    /// Position of its record in the segment file.
    pub record: u32,
}

/// What identifies the input a store was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputId {
    /// The input path as canonicalised when the store was written.
    pub path: String,
    /// For a table file: its size, times and inode (a changed table is
    /// read anew).
    pub table: Option<FileStat>,
}

/// Everything one `prepare` part left in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartManifest {
    /// Fingerprint of the settings that shape the records.
    pub fingerprint: u64,
    /// The input.
    pub input: InputId,
    /// Which part.
    pub part: Part,
    /// Carried table columns.
    pub columns: Vec<String>,
    /// Its segments.
    pub segments: Vec<SegmentEntry>,
    /// Files the walk ignored (folder input).
    pub ignored: u64,
    /// Paths the walk could not read at all (no doc id).
    pub problems: Vec<Rejection>,
    /// The walk's warnings (symbolic-link loops).
    pub warnings: Vec<String>,
    /// Every post file of the part, in doc order (folder input).
    pub index: Vec<IndexEntry>,
    /// Post files (or rows) of the part read anew by the run that wrote it.
    pub fresh: u64,
}

/// The manifest file of `part` in `store`.
pub fn manifest_path(store: &Path, part: Part) -> PathBuf {
    store.join(format!(
        "part-{:04}-of-{:04}.man",
        part.index + 1,
        part.count
    ))
}

impl PartManifest {
    /// Reads a part's manifest; `Ok(None)` when there is none.
    pub fn load(store: &Path, part: Part) -> Result<Option<PartManifest>> {
        codec::load(
            &manifest_path(store, part),
            MANIFEST_MAGIC,
            "store manifest",
        )
    }

    /// Writes it (renamed into place when complete).
    pub fn save(&self, store: &Path) -> Result<()> {
        codec::write_file(&manifest_path(store, self.part), MANIFEST_MAGIC, self)
    }

    /// Posts of the part (files or rows, rejected ones included, walk
    /// problems not).
    pub fn posts(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| (s.records as usize - s.dead.len()) as u64)
            .sum()
    }
}

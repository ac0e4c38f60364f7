//! The store: what `prepare` made of every post, on disk, partitioned by
//! month. It is the cache of nightly runs and what `fit` and `assign`
//! read.
//!
//! A *segment* holds up to [`SEGMENT_POSTS`] posts of one partition (the
//! calendar month of their date; undated table rows and rejected posts have
//! partitions of their own) with a local vocabulary: each post's words are
//! `u32` ids into it, and the vocabulary's document frequencies are kept
//! beside it. A second block holds the posts' clean text, read only when it
//! is needed (near-duplicate checks, word look-ups). Each `prepare` part
//! writes a *manifest* listing its segments, which of their records are no
//! longer current (a post file changed or removed), and for folder input an
//! index of every post file's size, times, inode and content hash, from
//! which a re-run decides what to read again.
//!
//! Files are written whole under new names and the manifest is renamed into
//! place last, so a store killed while being written is the previous one.
//! Memory: a segment at a time per reading thread; the manifest holds one
//! index entry per post file (about 80 bytes) for folder input, none for
//! tables.

mod manifest;
mod resident;
mod segment;
mod writer;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ingest::{Part, Rejection};

pub use manifest::{manifest_path, IndexEntry, InputId, PartManifest, MANIFEST_MAGIC};
pub use resident::{Resident, RESIDENT_BYTES};
pub use segment::{
    read_segment, write_segment, Features, Keys, Partition, PostRecord, Segment, Vocabulary, Want,
    SEGMENT_MAGIC, SEGMENT_POSTS,
};
pub use writer::{PendingPost, SegmentEntry, SegmentWriter};

/// A segment of an open store, with what is needed to read it.
#[derive(Debug, Clone)]
pub struct SegmentRef {
    /// Its file.
    pub path: PathBuf,
    /// Its entry.
    pub entry: SegmentEntry,
    /// The segment itself, when it is held in memory.
    pub resident: Option<std::sync::Arc<Segment>>,
}

impl SegmentRef {
    /// Reads the parts `want` of the segment's current records (all of
    /// them when it is held in memory).
    pub fn read(&self, want: Want) -> Result<std::sync::Arc<Segment>> {
        if let Some(s) = &self.resident {
            return Ok(s.clone());
        }
        read_segment(&self.path, &self.entry.dead, want)
            .map(std::sync::Arc::new)
            .map_err(|reason| Error::Damaged {
                what: "store segment",
                path: self.path.clone(),
                reason: format!("{reason}; run again with --fresh to rebuild the store"),
            })
    }
}

/// A complete store: the manifests of every part of one split.
#[derive(Debug, Clone)]
pub struct Store {
    /// Its folder.
    pub dir: PathBuf,
    /// One manifest per part, in part order.
    pub parts: Vec<PartManifest>,
    /// Segments held in memory (written by this process).
    pub resident: Option<std::sync::Arc<Resident>>,
}

impl Store {
    /// Opens the store in `dir`: every part of the split must be there,
    /// made with the settings of `fingerprint`.
    pub fn open(dir: &Path, fingerprint: u64) -> Result<Store> {
        let fail = |reason: String| Error::Damaged {
            what: "store",
            path: dir.to_path_buf(),
            reason,
        };
        let mut found: Vec<Part> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(rest) = name
                    .strip_prefix("part-")
                    .and_then(|r| r.strip_suffix(".man"))
                {
                    if let Some((i, n)) = rest.split_once("-of-") {
                        if let (Ok(i), Ok(n)) = (i.parse::<u32>(), n.parse::<u32>()) {
                            if i >= 1 && i <= n {
                                found.push(Part {
                                    index: i - 1,
                                    count: n,
                                });
                            }
                        }
                    }
                }
            }
        }
        let count = match found.iter().map(|p| p.count).max() {
            Some(n) => n,
            None => {
                return Err(fail(
                    "no prepared part: run `theme-trends prepare` first".into(),
                ))
            }
        };
        if found.iter().any(|p| p.count != count) {
            return Err(fail(format!(
                "parts of different splits are mixed ({}); remove the store and prepare again",
                found
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut parts = Vec::with_capacity(count as usize);
        for index in 0..count {
            let part = Part { index, count };
            let m = PartManifest::load(dir, part)?
                .ok_or_else(|| fail(format!("part {part} has not been prepared")))?;
            if m.fingerprint != fingerprint {
                return Err(fail(format!(
                    "part {part} was prepared with other segmentation settings, stop words or tool version; prepare it again"
                )));
            }
            parts.push(m);
        }
        if parts.windows(2).any(|w| w[0].input.path != w[1].input.path) {
            return Err(fail("its parts were prepared from different inputs".into()));
        }
        Ok(Store {
            dir: dir.to_path_buf(),
            parts,
            resident: None,
        })
    }

    /// The carried table columns.
    pub fn columns(&self) -> &[String] {
        self.parts.first().map_or(&[], |p| &p.columns)
    }

    /// Every segment, ordered by partition and then by first doc.
    pub fn segments(&self) -> Vec<SegmentRef> {
        let mut out: Vec<SegmentRef> = self
            .parts
            .iter()
            .flat_map(|p| p.segments.iter())
            .map(|e| SegmentRef {
                path: self.dir.join(&e.file),
                resident: if e.dead.is_empty() {
                    self.resident.as_ref().and_then(|r| r.get(&e.file))
                } else {
                    None
                },
                entry: e.clone(),
            })
            .collect();
        out.sort_by(|a, b| {
            (a.entry.partition, a.entry.first_doc, &a.entry.file).cmp(&(
                b.entry.partition,
                b.entry.first_doc,
                &b.entry.file,
            ))
        });
        out
    }

    /// Files ignored by the walk, all parts.
    pub fn ignored(&self) -> u64 {
        self.parts.iter().map(|p| p.ignored).sum()
    }

    /// Paths the walk could not read, all parts.
    pub fn problems(&self) -> Vec<Rejection> {
        self.parts
            .iter()
            .flat_map(|p| p.problems.iter().cloned())
            .collect()
    }

    /// The walk's warnings, all parts.
    pub fn warnings(&self) -> Vec<String> {
        self.parts
            .iter()
            .flat_map(|p| p.warnings.iter().cloned())
            .collect()
    }

    /// Posts read anew by the last prepare, all parts.
    pub fn fresh(&self) -> u64 {
        self.parts.iter().map(|p| p.fresh).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DocId;
    use crate::ingest::RejectReason;
    use chrono::NaiveDate;

    const VOCAB: [&str; 2] = ["铁路", "春运"];

    fn push(w: &mut SegmentWriter, post: PendingPost) {
        let vocab: Vec<String> = VOCAB.iter().map(|s| s.to_string()).collect();
        let mut remap = vec![u32::MAX; vocab.len()];
        w.push(post, &vocab, &mut remap).unwrap();
    }

    fn record(doc: u64, words_title: u32) -> PendingPost {
        PendingPost {
            record: PostRecord {
                doc: DocId(doc),
                key: format!("{doc}.md"),
                path: format!("/a/{doc}.md"),
                stat: None,
                hash: doc,
                outcome: Ok(Features {
                    date: Some(crate::time::Day(19_800)),
                    title: format!("标题{doc}"),
                    title_words: words_title,
                    words: vec![0, 1, 1],
                    ..Default::default()
                }),
            },
            text: format!("标题{doc}\n正文"),
            keys: (doc as u128, vec![doc as u32; 32]),
        }
    }

    #[test]
    fn segments_keep_posts_in_doc_order_with_sorted_words_and_their_df() {
        let dir = tempfile::tempdir().unwrap();
        let part = Partition::of(NaiveDate::from_ymd_opt(2024, 3, 9), false);
        assert_eq!(part.dir_name(), "2024-03");
        let mut w = SegmentWriter::new(dir.path(), part, "run1", None);
        push(&mut w, record(5, 1));
        push(&mut w, record(2, 2));
        let mut rejected = record(3, 0);
        rejected.record.outcome = Err(RejectReason::NoText);
        push(&mut w, rejected);
        let entries = w.finish().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].first_doc, DocId(2));
        let seg = read_segment(&dir.path().join(&entries[0].file), &[], Want::ALL).unwrap();
        assert_eq!(seg.vocab.words, ["春运", "铁路"]);
        assert_eq!(seg.vocab.df, [2, 2]);
        let docs: Vec<u64> = seg.records.iter().map(|r| r.doc.0).collect();
        assert_eq!(docs, [2, 3, 5]);
        assert_eq!(seg.records[0].outcome.as_ref().unwrap().words, [1, 0, 0]);
        assert_eq!(seg.texts.as_ref().unwrap()[2], "标题5\n正文");
        // A record no longer current is left out, with its text.
        let seg = read_segment(&dir.path().join(&entries[0].file), &[0], Want::ALL).unwrap();
        assert_eq!(seg.records.len(), 2);
        assert_eq!(seg.texts.unwrap()[0], "标题3\n正文");
        let keys = seg.keys.unwrap();
        assert_eq!(keys[1].doc, DocId(5));
        assert_eq!(keys[1].exact, 5);
        // The keys alone, without decoding the records.
        let only = read_segment(&dir.path().join(&entries[0].file), &[0], Want::KEYS).unwrap();
        assert!(only.records.is_empty());
        assert_eq!(only.keys.unwrap().len(), 2);
        assert_eq!(only.partition, part);
    }
}

//! Writing segments: posts collected per partition, their words remapped
//! into the segment's own vocabulary, each full segment encoded and written
//! on its own thread while the next posts are read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::resident::Resident;
use super::segment::{
    write_segment, Keys, Partition, PostRecord, Segment, Vocabulary, SEGMENT_POSTS,
};
use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::text::Interner;

/// A post on its way into a segment: its record, whose words are ids into
/// the vocabulary of the batch it was read in, its clean text and its
/// copy-finding keys.
#[derive(Debug, Clone)]
pub struct PendingPost {
    /// The record; an accepted post's `words` index the batch vocabulary
    /// given to [`SegmentWriter::push`].
    pub record: PostRecord,
    /// The clean text (title, then body).
    pub text: String,
    /// Exact-copy hash and MinHash signature (0 and empty when rejected).
    pub keys: (u128, Vec<u32>),
}

/// Collects the posts of one partition and writes them as segments of at
/// most [`SEGMENT_POSTS`].
#[derive(Debug)]
pub struct SegmentWriter {
    partition: Partition,
    dir: PathBuf,
    prefix: String,
    written: Vec<SegmentEntry>,
    interner: Interner,
    posts: Vec<PendingPost>,
    flushed_docs: Vec<Vec<DocId>>,
    resident: Option<std::sync::Arc<Resident>>,
    /// The segment being encoded and written on its own thread.
    writing: Option<std::thread::JoinHandle<Result<()>>>,
}

/// A segment as a manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentEntry {
    /// File name relative to the store folder.
    pub file: String,
    /// Its partition.
    pub partition: Partition,
    /// Records in the file.
    pub records: u32,
    /// Positions of records no longer current, ascending.
    pub dead: Vec<u32>,
    /// Lowest doc among its records (for ordering).
    pub first_doc: DocId,
}

impl SegmentWriter {
    /// A writer of `partition`'s segments into `store`, file names starting
    /// with `prefix` (unique to the writing run and part); segments written
    /// are offered to `resident`.
    pub fn new(
        store: &Path,
        partition: Partition,
        prefix: &str,
        resident: Option<std::sync::Arc<Resident>>,
    ) -> Self {
        SegmentWriter {
            partition,
            dir: store.to_path_buf(),
            prefix: prefix.to_string(),
            written: Vec::new(),
            interner: Interner::default(),
            posts: Vec::new(),
            flushed_docs: Vec::new(),
            resident,
            writing: None,
        }
    }

    /// Waits for the segment being written, if any.
    fn wait(&mut self) -> Result<()> {
        match self.writing.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        }
    }

    /// Adds a post whose words are ids into `vocab`; `remap` (as long as
    /// `vocab`, `u32::MAX` where unknown) caches their ids in this writer,
    /// so each distinct word of a batch is looked up once. Writes a segment
    /// when it is full.
    pub fn push(
        &mut self,
        mut post: PendingPost,
        vocab: &[String],
        remap: &mut [u32],
    ) -> Result<()> {
        if let Ok(f) = &mut post.record.outcome {
            for w in &mut f.words {
                let slot = &mut remap[*w as usize];
                if *slot == u32::MAX {
                    *slot = self.interner.id(&vocab[*w as usize]);
                }
                *w = *slot;
            }
        }
        self.posts.push(post);
        if self.posts.len() >= SEGMENT_POSTS {
            self.flush()?;
            // The ids cached for this writer belonged to the segment written.
            remap.fill(u32::MAX);
        }
        Ok(())
    }

    /// Writes the posts held, if any.
    pub fn flush(&mut self) -> Result<()> {
        if self.posts.is_empty() {
            return Ok(());
        }
        let interner = std::mem::take(&mut self.interner);
        let (words, remap) = interner.finish();
        let mut df = vec![0u32; words.len()];
        let mut posts = std::mem::take(&mut self.posts);
        posts.sort_by_key(|p| p.record.doc);
        let mut records = Vec::with_capacity(posts.len());
        let mut texts = Vec::with_capacity(posts.len());
        let mut keys = Vec::with_capacity(posts.len());
        let mut seen: Vec<u32> = Vec::new();
        let mut bytes = 0i64;
        for p in posts {
            let mut r = p.record;
            if let Ok(f) = &mut r.outcome {
                for w in &mut f.words {
                    *w = remap[*w as usize];
                }
                seen.clear();
                seen.extend_from_slice(&f.words);
                seen.sort_unstable();
                seen.dedup();
                for &w in &seen {
                    df[w as usize] += 1;
                }
                bytes += (f.words.len() * 4 + f.title.len()) as i64;
            }
            bytes += (p.text.len() + 2 * r.path.len() + p.keys.1.len() * 4 + 256) as i64;
            keys.push(Keys {
                doc: r.doc,
                path: r.path.clone(),
                exact: p.keys.0,
                signature: p.keys.1,
            });
            records.push(r);
            texts.push(p.text);
        }
        let dir_name = self.partition.dir_name();
        let folder = self.dir.join(&dir_name);
        std::fs::create_dir_all(&folder).map_err(|e| Error::write(&folder, e))?;
        let file = format!("{dir_name}/{}-{:04}.seg", self.prefix, self.written.len());
        let vocab = Vocabulary { words, df };
        self.flushed_docs
            .push(records.iter().map(|r| r.doc).collect());
        self.written.push(SegmentEntry {
            file: file.clone(),
            partition: self.partition,
            records: records.len() as u32,
            dead: Vec::new(),
            first_doc: records.first().map_or(DocId(0), |r| r.doc),
        });
        bytes += vocab.words.iter().map(|w| w.len() as i64 + 32).sum::<i64>();
        // Encoded and written on its own thread while the next posts are
        // read (one segment in flight per writer).
        self.wait()?;
        let (path, partition, resident) =
            (self.dir.join(&file), self.partition, self.resident.clone());
        self.writing = Some(std::thread::spawn(move || {
            let segment = Segment {
                partition,
                vocab,
                records,
                texts: Some(texts),
                keys: Some(keys),
            };
            match resident {
                // A scratch store keeps what fits in memory only.
                Some(r) if r.memory_only && r.reserve(bytes) => r.keep(&file, segment),
                Some(r) => {
                    write_segment(
                        &path,
                        partition,
                        &segment.vocab,
                        &segment.records,
                        segment.texts.as_deref().unwrap_or_default(),
                        segment.keys.as_deref().unwrap_or_default(),
                    )?;
                    if r.reserve(bytes) {
                        r.keep(&file, segment);
                    }
                }
                None => write_segment(
                    &path,
                    partition,
                    &segment.vocab,
                    &segment.records,
                    segment.texts.as_deref().unwrap_or_default(),
                    segment.keys.as_deref().unwrap_or_default(),
                )?,
            }
            Ok(())
        }));
        Ok(())
    }

    /// Writes what is left and returns the segments written.
    #[cfg(test)]
    pub fn finish(self) -> Result<Vec<SegmentEntry>> {
        Ok(self
            .finish_with_docs()?
            .into_iter()
            .map(|(e, _)| e)
            .collect())
    }

    /// Writes what is left and returns the segments written, each with the
    /// docs of its records in file order.
    pub fn finish_with_docs(mut self) -> Result<Vec<(SegmentEntry, Vec<DocId>)>> {
        self.flush()?;
        self.wait()?;
        Ok(std::mem::take(&mut self.written)
            .into_iter()
            .zip(std::mem::take(&mut self.flushed_docs))
            .collect())
    }
}

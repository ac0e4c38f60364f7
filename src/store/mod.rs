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

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use rustc_hash::FxHashMap as HashMap;

use crate::codec;
use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::ingest::{Field, FileStat, Part, RejectReason, Rejection, Tolerated};
use crate::text::Interner;
use crate::time::{epoch_days, from_epoch_days};

/// Posts per segment, at most.
pub const SEGMENT_POSTS: usize = 16_384;
/// Segment file magic (kind and format version).
pub const SEGMENT_MAGIC: &[u8; 8] = b"TTSEG\x00\x00\x01";
/// Manifest file magic.
pub const MANIFEST_MAGIC: &[u8; 8] = b"TTMAN\x00\x00\x01";
/// The store's folder inside the cache folder.
pub const STORE_DIR: &str = "store";

/// Where a post lives in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Partition {
    /// The calendar month starting on this day (days since 1970-01-01).
    Month(i32),
    /// Accepted posts without a date (tables without a `date` column).
    Undated,
    /// Posts that cannot be used.
    Rejected,
}

impl Partition {
    /// The partition of a post dated `date` (or rejected).
    pub fn of(date: Option<NaiveDate>, rejected: bool) -> Self {
        use chrono::Datelike;
        match (rejected, date) {
            (true, _) => Partition::Rejected,
            (false, None) => Partition::Undated,
            (false, Some(d)) => Partition::Month(epoch_days(d.with_day(1).expect("day 1"))),
        }
    }

    /// The folder name of the partition: `2024-03`, `undated`, `rejected`.
    pub fn dir_name(self) -> String {
        match self {
            Partition::Month(d) => from_epoch_days(d).format("%Y-%m").to_string(),
            Partition::Undated => "undated".into(),
            Partition::Rejected => "rejected".into(),
        }
    }

    /// The month, for a month partition.
    pub fn month(self) -> Option<NaiveDate> {
        match self {
            Partition::Month(d) => Some(from_epoch_days(d)),
            _ => None,
        }
    }
}

/// What prepare made of an accepted post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Features {
    /// Days since 1970-01-01; `None` for undated table rows.
    pub date: Option<i32>,
    /// Title.
    pub title: String,
    /// The outlet credited in the text.
    pub source: Option<String>,
    /// Front-matter fields other than title and date.
    pub fields: Vec<Field>,
    /// Carried table columns.
    pub extra: Vec<String>,
    /// Forms bent but accepted.
    pub tolerated: Vec<Tolerated>,
    /// Warnings about the post.
    pub warnings: Vec<String>,
    /// How many of `words` come from the title (they come first).
    pub title_words: u32,
    /// The kept words, ids into the segment's vocabulary, in text order.
    pub words: Vec<u32>,
}

/// What finding copies needs of a post, kept apart from its record so
/// that it can be read without the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Keys {
    /// The post.
    pub doc: DocId,
    /// How reports name it.
    pub path: String,
    /// Hash of the text with whitespace removed (exact copies); 0 for a
    /// rejected post.
    pub exact: u128,
    /// MinHash signature of the text's character 5-grams (empty when the
    /// text is too short to compare for near-copies, or rejected).
    pub signature: Vec<u32>,
}

impl Features {
    /// The date as a calendar date.
    pub fn day(&self) -> Option<NaiveDate> {
        self.date.map(from_epoch_days)
    }
}

/// One post of the input as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRecord {
    /// Its place in the input.
    pub doc: DocId,
    /// Cache key: path below the input folder, or row number.
    pub key: String,
    /// How reports name it.
    pub path: String,
    /// Size, times and inode of the post file (folder input).
    pub stat: Option<FileStat>,
    /// xxh3 of the file's bytes (folder input).
    pub hash: u64,
    /// The post's features, or why it cannot be used.
    pub outcome: std::result::Result<Features, RejectReason>,
}

impl PostRecord {
    /// The rejection, if the post cannot be used.
    pub fn rejection(&self) -> Option<Rejection> {
        self.outcome.as_ref().err().map(|reason| Rejection {
            doc_id: Some(self.doc),
            path: self.path.clone(),
            reason: reason.clone(),
        })
    }
}

/// A segment's vocabulary: sorted words and how many of the segment's
/// accepted posts contain each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Vocabulary {
    /// The words, sorted (a word's local id is its index).
    pub words: Vec<String>,
    /// Posts of the segment containing each word.
    pub df: Vec<u32>,
}

/// A segment as read: the parts asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Its partition.
    pub partition: Partition,
    /// Its vocabulary.
    pub vocab: Vocabulary,
    /// Its current records, in doc order (records no longer current are
    /// left out); empty when not asked for.
    pub records: Vec<PostRecord>,
    /// Each record's clean text (title, then body), when asked for.
    pub texts: Option<Vec<String>>,
    /// Each record's copy-finding keys, when asked for.
    pub keys: Option<Vec<Keys>>,
}

/// Which parts of a segment to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Want {
    /// The records (and the vocabulary).
    pub records: bool,
    /// The texts.
    pub texts: bool,
    /// The copy-finding keys.
    pub keys: bool,
}

impl Want {
    /// The records only.
    pub const RECORDS: Want = Want {
        records: true,
        texts: false,
        keys: false,
    };
    /// The keys only.
    pub const KEYS: Want = Want {
        records: false,
        texts: false,
        keys: true,
    };
    /// The keys and the texts.
    pub const KEYS_AND_TEXTS: Want = Want {
        records: false,
        texts: true,
        keys: true,
    };
    /// Everything.
    pub const ALL: Want = Want {
        records: true,
        texts: true,
        keys: true,
    };
}

#[derive(Serialize, Deserialize)]
struct SegmentHead {
    partition: Partition,
    vocab: Vocabulary,
    records: Vec<PostRecord>,
}

/// Writes a segment file.
pub fn write_segment(
    path: &Path,
    partition: Partition,
    vocab: &Vocabulary,
    records: &[PostRecord],
    texts: &[String],
    keys: &[Keys],
) -> Result<()> {
    #[derive(Serialize)]
    struct HeadRef<'a> {
        partition: Partition,
        vocab: &'a Vocabulary,
        records: &'a [PostRecord],
    }
    let fail = |e| Error::write(path, e);
    let head = codec::encode(&HeadRef {
        partition,
        vocab,
        records,
    })
    .map_err(fail)?;
    let text = codec::encode(&texts).map_err(fail)?;
    let keys = codec::encode(&keys).map_err(fail)?;
    codec::write_blocks(path, SEGMENT_MAGIC, &[&head, &text, &keys])
}

/// Keeps the items whose position is not in `dead` (ascending).
fn alive<T>(items: Vec<T>, dead: &[u32]) -> Vec<T> {
    if dead.is_empty() {
        return items;
    }
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| dead.binary_search(&(*i as u32)).is_err())
        .map(|(_, x)| x)
        .collect()
}

/// Reads the parts `want` of a segment file; `dead` lists record positions
/// no longer current.
pub fn read_segment(path: &Path, dead: &[u32], want: Want) -> std::result::Result<Segment, String> {
    let blocks = codec::read_blocks(path, SEGMENT_MAGIC)?;
    let [head, text, keys] = blocks.as_slice() else {
        return Err("not three blocks".into());
    };
    let (partition, vocab, records) = if want.records {
        let head: SegmentHead = codec::decode(head)?;
        (head.partition, head.vocab, head.records)
    } else {
        #[derive(Deserialize)]
        struct Partial {
            partition: Partition,
        }
        // Only the partition, which comes first.
        let p: Partial = codec::decode_prefix(head)?;
        (p.partition, Vocabulary::default(), Vec::new())
    };
    let texts: Option<Vec<String>> = if want.texts {
        Some(codec::decode(text)?)
    } else {
        None
    };
    let keys: Option<Vec<Keys>> = if want.keys {
        Some(codec::decode(keys)?)
    } else {
        None
    };
    let n_words = vocab.words.len();
    if vocab.df.len() != n_words
        || records.iter().any(|r| {
            r.outcome.as_ref().is_ok_and(|f| {
                f.words.iter().any(|&w| w as usize >= n_words)
                    || f.title_words as usize > f.words.len()
            })
        })
    {
        return Err("word ids out of range (damaged)".into());
    }
    Ok(Segment {
        partition,
        vocab,
        records: alive(records, dead),
        texts: texts.map(|t| alive(t, dead)),
        keys: keys.map(|k| alive(k, dead)),
    })
}

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

/// Segments kept in memory after they were written, up to a budget of
/// bytes, so that the stages of the same process read a small archive
/// without decoding it again; a large one is read from disk, a segment at
/// a time. A scratch store (`run --no-cache`) keeps in memory what fits and
/// writes only the rest.
#[derive(Debug, Default)]
pub struct Resident {
    left: std::sync::atomic::AtomicI64,
    segments: std::sync::Mutex<HashMap<String, std::sync::Arc<Segment>>>,
    memory_only: bool,
}

/// Bytes of segments kept in memory by default.
pub const RESIDENT_BYTES: i64 = 256 << 20;

impl Resident {
    /// Room for `bytes` of segments; `memory_only` for a scratch store.
    pub fn new(bytes: i64, memory_only: bool) -> Self {
        Resident {
            left: std::sync::atomic::AtomicI64::new(bytes),
            segments: Default::default(),
            memory_only,
        }
    }

    /// Takes `bytes` of the budget, if they are left.
    fn reserve(&self, bytes: i64) -> bool {
        use std::sync::atomic::Ordering;
        let taken = self.left.fetch_sub(bytes, Ordering::Relaxed) >= bytes;
        if !taken {
            self.left.fetch_add(bytes, Ordering::Relaxed);
        }
        taken
    }

    fn keep(&self, file: &str, segment: Segment) {
        if let Ok(mut m) = self.segments.lock() {
            m.insert(file.to_string(), std::sync::Arc::new(segment));
        }
    }

    /// The segment kept for `file`, if any.
    pub fn get(&self, file: &str) -> Option<std::sync::Arc<Segment>> {
        self.segments.lock().ok()?.get(file).cloned()
    }
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
                    date: Some(19_800),
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

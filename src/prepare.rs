//! The `prepare` stage: input (or one part of it) → the store.
//!
//! Every post is read, parsed and cleaned ([`crate::ingest`]), segmented
//! ([`crate::segment`]), hashed for exact copies and signed for near copies
//! ([`crate::dedup`]), in parallel batches, and written into the store's
//! month partitions ([`crate::store`]). Nothing of a post stays in memory
//! once its batch is written.
//!
//! A re-run keeps what still holds. For a folder, the walk is merged with
//! the previous manifest's index (both in path order): a post file whose
//! size, times and inode are unchanged is not read again (`--verify`
//! reads and hashes every file, and keeps a record when its bytes are the
//! same). A table whose size, times and inode are unchanged is not read
//! again at all. Records of files removed or changed are marked no longer
//! current; a segment with too many such records is rewritten.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::dedup;
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::ids::DocId;
use crate::ingest::source::WalkNotes;
use crate::ingest::IngestParams;
use crate::ingest::{self, FileStat, Item, Part, Source, What};
use crate::log::Log;
use crate::segment::SegmentParams;
use crate::segment::Segmenter;
use crate::store::{
    self, Features, IndexEntry, InputId, PartManifest, Partition, PendingPost, PostRecord,
    Resident, SegmentEntry, SegmentWriter, Want,
};
use crate::text::Interner;
use crate::{fault, interrupt, panics};
use serde::Serialize;

/// Input posts processed per parallel batch.
const BATCH: usize = 2048;
/// Posts per parallel task within a batch (each interns its own words).
const CHUNK: usize = 64;
/// A segment with more than this share of records no longer current is
/// rewritten.
const COMPACT_DEAD: f64 = 0.25;
/// The parameters of `prepare`: how posts are read and segmented. They
/// shape the store ([`PrepareParams::fingerprint`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrepareParams {
    /// Reading posts.
    pub ingest: IngestParams,
    /// Segmenting them.
    pub segment: SegmentParams,
}

impl PrepareParams {
    /// Checks both parts.
    pub fn check(self) -> Result<Checked<PrepareParams>> {
        self.ingest.check()?;
        self.segment.check()?;
        Ok(Checked::new(self))
    }

    /// The fingerprint of the store these settings make.
    pub fn fingerprint(&self) -> Result<u64> {
        crate::cache::store_fingerprint(&self.ingest, &self.segment)
    }
}

/// What identifies `input`: its canonical path, and for a table file its
/// size, times and inode.
pub fn input_id(input: &Path) -> Result<InputId> {
    let path = std::fs::canonicalize(input).map_err(|e| Error::read(input, e))?;
    let meta = std::fs::metadata(&path).map_err(|e| Error::read(input, e))?;
    Ok(InputId {
        path: path.display().to_string(),
        table: (!meta.is_dir()).then(|| FileStat::of(&meta)),
    })
}

/// Where a prepare run reads and writes.
#[derive(Debug, Clone)]
pub struct PrepareJob<'a> {
    /// The input.
    pub input: &'a Path,
    /// Which part of it.
    pub part: Part,
    /// The store folder written.
    pub store: &'a Path,
    /// A previous store to take unchanged records from (may be `store`).
    pub previous: Option<&'a Path>,
    /// Hash every post file instead of trusting size, times and inode.
    pub verify: bool,
    /// Where to keep the segments written in memory, for the stages of the
    /// same process (`None`: not kept).
    pub resident: Option<Arc<Resident>>,
}

/// Reads the part of the input into the store and returns its manifest
/// (also saved in the store).
pub fn prepare(
    job: &PrepareJob,
    params: &Checked<PrepareParams>,
    log: &Log,
) -> Result<PartManifest> {
    let fingerprint = params.fingerprint()?;
    let source = Source::open(job.input)?;
    let input = input_id(job.input)?;
    std::fs::create_dir_all(job.store).map_err(|e| Error::write(job.store, e))?;
    let old = match job.previous {
        None => None,
        Some(dir) => match PartManifest::load(dir, job.part) {
            Ok(Some(m)) if m.fingerprint == fingerprint && m.input.path == input.path => {
                Some((dir.to_path_buf(), m))
            }
            Ok(Some(_)) => {
                log.info("the store was made with other settings or another input: every post is read anew");
                None
            }
            Ok(None) => None,
            Err(e) => {
                log.warn(&format!("{e}; every post is read anew"));
                None
            }
        },
    };
    // An unchanged table is not read again.
    if let (Some((dir, m)), Some(stat)) = (&old, &input.table) {
        if m.input.table.as_ref() == Some(stat) && !job.verify {
            let mut m = m.clone();
            carry_segments(dir, job.store, &m.segments)?;
            m.fresh = 0;
            m.save(job.store)?;
            return Ok(m);
        }
    }
    let old = old.filter(|_| source.is_folder());
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let prefix = format!("p{:04}-{stamp:x}", job.part.index + 1);
    let mut run = Run {
        params,
        store: job.store,
        prefix,
        writers: HashMap::default(),
        segmenter: None,
        verify: job.verify,
        resident: job.resident.clone(),
    };
    let notes = Mutex::new(WalkNotes::default());
    let mut cursor = Cursor::new(old.as_ref().map(|(_, m)| m));
    let mut kept = Kept::default();
    let mut fresh = 0u64;
    let mut index: Vec<IndexEntry> = Vec::new();
    let items = source.items(job.part, &notes)?;
    // The input is read (and merged with the previous index) on its own
    // thread, a batch ahead of the posts being processed.
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Item, Option<Reuse>)>>(2);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for item in items {
                let reuse = cursor.check(&item);
                batch.push((item, reuse));
                if batch.len() == BATCH && tx.send(std::mem::take(&mut batch)).is_err() {
                    return;
                }
            }
            let _ = tx.send(batch);
        });
        let mut posts = 0u64;
        for batch in rx {
            interrupt::check()?;
            posts += batch.len() as u64;
            fresh += run.batch(batch, &mut kept, &mut index)?;
            log.progress(posts);
        }
        Ok(())
    })?;
    let notes = notes.into_inner().unwrap_or_default();

    // Records of reused segments that moved (another doc id) are written
    // anew; the rest of those segments stays as it is.
    let (old_dir, old_segments) = match &old {
        Some((dir, m)) => (Some(dir.as_path()), m.segments.clone()),
        None => (None, Vec::new()),
    };
    let mut kept_segments: Vec<(usize, SegmentEntry)> = Vec::new();
    for (s, entry) in old_segments.iter().enumerate() {
        let live = kept.live_in(s, entry.records);
        let n_live = live.iter().filter(|l| l.is_some()).count();
        if n_live == 0 {
            continue;
        }
        let dead_share = 1.0 - n_live as f64 / entry.records as f64;
        let moved = live
            .iter()
            .flatten()
            .any(|&(_, old_doc, new_doc)| old_doc != new_doc);
        if dead_share > COMPACT_DEAD || moved {
            // Rewrite its live records into new segments.
            run.rewrite(old_dir.expect("old segments have a folder"), entry, &live)?;
            continue;
        }
        let mut e = entry.clone();
        e.dead = live
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_none())
            .map(|(i, _)| i as u32)
            .collect();
        kept_segments.push((s, e));
    }
    if let Some(dir) = old_dir {
        carry_segments(
            dir,
            job.store,
            &kept_segments
                .iter()
                .map(|(_, e)| e.clone())
                .collect::<Vec<_>>(),
        )?;
    }
    let written = run.finish()?;

    // The manifest: kept segments, then the new ones; the index points
    // into that list.
    let mut segments: Vec<SegmentEntry> = Vec::new();
    let mut position: HashMap<DocId, (u32, u32)> = HashMap::default();
    let mut old_position: HashMap<usize, u32> = HashMap::default();
    for (s, e) in kept_segments {
        old_position.insert(s, segments.len() as u32);
        segments.push(e);
    }
    for (e, docs) in written {
        let seg = segments.len() as u32;
        for (r, d) in docs.into_iter().enumerate() {
            position.insert(d, (seg, r as u32));
        }
        segments.push(e);
    }
    if source.is_folder() {
        for entry in &mut index {
            match position.get(&entry.doc) {
                Some(&(seg, rec)) => {
                    entry.segment = seg;
                    entry.record = rec;
                }
                None => {
                    entry.segment = old_position[&(entry.segment as usize)];
                }
            }
        }
    } else {
        index.clear();
    }
    let manifest = PartManifest {
        fingerprint,
        input,
        part: job.part,
        columns: source.columns().to_vec(),
        segments,
        ignored: notes.ignored,
        problems: notes.problems,
        warnings: notes.warnings,
        index,
        fresh,
    };
    manifest.save(job.store)?;
    remove_unlisted(job.store, job.part, &manifest);
    Ok(manifest)
}

/// The old record of a post file: (old segment, record position, old doc
/// id, content hash), and whether size, times and inode are unchanged.
#[derive(Debug, Clone, Copy)]
struct Reuse {
    segment: usize,
    record: u32,
    old_doc: DocId,
    hash: u64,
    unchanged: bool,
}
/// The previous index, merged with the walk as it goes (both in path
/// order).
struct Cursor<'a> {
    old: &'a [IndexEntry],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(old: Option<&'a PartManifest>) -> Self {
        Cursor {
            old: old.map_or(&[][..], |m| &m.index),
            at: 0,
        }
    }

    /// The old record of `item`'s file, if the index has one.
    fn check(&mut self, item: &Item) -> Option<Reuse> {
        let What::File { stat, .. } = &item.what else {
            return None;
        };
        let key = Path::new(&item.key);
        while self.at < self.old.len() && Path::new(&self.old[self.at].key) < key {
            self.at += 1;
        }
        let entry = self.old.get(self.at).filter(|e| Path::new(&e.key) == key)?;
        self.at += 1;
        Some(Reuse {
            segment: entry.segment as usize,
            record: entry.record,
            old_doc: entry.doc,
            hash: entry.hash,
            unchanged: entry.stat == *stat,
        })
    }
}

/// The old records still current.
#[derive(Default)]
struct Kept {
    /// For each old segment, its records still current: (record, old doc,
    /// new doc).
    live: HashMap<usize, Vec<(u32, DocId, DocId)>>,
}

impl Kept {
    fn keep(&mut self, r: &Reuse, doc: DocId) {
        self.live
            .entry(r.segment)
            .or_default()
            .push((r.record, r.old_doc, doc));
    }

    /// For each record position of old segment `s` (of `n` records): the
    /// (position, old doc, new doc) when it is still current.
    fn live_in(&self, s: usize, n: u32) -> Vec<Option<(u32, DocId, DocId)>> {
        let mut out = vec![None; n as usize];
        if let Some(list) = self.live.get(&s) {
            for &(r, old, new) in list {
                if let Some(slot) = out.get_mut(r as usize) {
                    *slot = Some((r, old, new));
                }
            }
        }
        out
    }
}

/// The work of one prepare run.
struct Run<'a> {
    params: &'a Checked<PrepareParams>,
    store: &'a Path,
    prefix: String,
    writers: HashMap<Partition, SegmentWriter>,
    segmenter: Option<Segmenter>,
    verify: bool,
    resident: Option<Arc<Resident>>,
}

impl Run<'_> {
    fn segmenter(&mut self) -> Result<&Segmenter> {
        if self.segmenter.is_none() {
            self.segmenter = Some(Segmenter::new(&self.params.segment)?);
        }
        Ok(self.segmenter.as_ref().expect("loaded"))
    }

    /// Adds a post (words are ids into `vocab`); `remaps` caches each
    /// writer's ids of `vocab`'s words.
    fn push(
        &mut self,
        post: PendingPost,
        vocab: &[String],
        remaps: &mut HashMap<Partition, Vec<u32>>,
    ) -> Result<()> {
        let partition = match &post.record.outcome {
            Ok(f) => Partition::of(f.day(), false),
            Err(_) => Partition::Rejected,
        };
        let (store, prefix, resident) = (self.store, &self.prefix, &self.resident);
        let remap = remaps
            .entry(partition)
            .or_insert_with(|| vec![u32::MAX; vocab.len()]);
        self.writers
            .entry(partition)
            .or_insert_with(|| SegmentWriter::new(store, partition, prefix, resident.clone()))
            .push(post, vocab, remap)
    }

    /// Processes one batch of items: reused ones are noted, the others
    /// read, segmented and written. Returns how many were read anew.
    fn batch(
        &mut self,
        batch: Vec<(Item, Option<Reuse>)>,
        kept: &mut Kept,
        index: &mut Vec<IndexEntry>,
    ) -> Result<u64> {
        let verify = self.verify;
        let trusted = |r: &Option<Reuse>| r.is_some_and(|r| r.unchanged) && !verify;
        let needs_reading = batch.iter().any(|(_, r)| !trusted(r));
        if needs_reading {
            self.segmenter()?;
        }
        let seg = self.segmenter.as_ref();
        let ingest = &self.params.ingest;
        // In parallel, a chunk of posts at a time with its own vocabulary:
        // the posts that must be read; with --verify, a file whose bytes
        // hash as before keeps its record.
        let chunks: Vec<(Vec<String>, Vec<Option<PendingPost>>)> = batch
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut words = Interner::default();
                let made = chunk
                    .iter()
                    .map(|(item, reuse)| {
                        if trusted(reuse) || interrupt::received().is_some() {
                            return None;
                        }
                        // A panic here is a bug of the tool: the post is
                        // rejected with it, and the run goes on.
                        let handled = panics::catch(|| {
                            if fault::injected(fault::Point::PanicPost, &item.key) {
                                panic!("fault injected into {}", item.key);
                            }
                            let outcome = ingest::read_item(item, ingest);
                            // Touched but not changed: the bytes hash as before.
                            if reuse.is_some_and(|r| r.hash == outcome.hash && outcome.hash != 0) {
                                return None;
                            }
                            seg.map(|seg| make_post(item, outcome, seg, &mut words))
                        });
                        match handled {
                            Ok(post) => post,
                            Err(why) => {
                                Some(rejected_post(item, 0, ingest::RejectReason::Internal(why)))
                            }
                        }
                    })
                    .collect();
                (words.into_words(), made)
            })
            .collect();
        // A stop asked for while the batch was read: its posts were skipped.
        interrupt::check()?;
        let mut fresh = 0;
        let mut items = batch.into_iter();
        for (vocab, made) in chunks {
            let mut remaps: HashMap<Partition, Vec<u32>> = HashMap::default();
            for made in made {
                let (item, reuse) = items.next().expect("one result per item");
                let stat = match &item.what {
                    What::File { stat, .. } => Some(*stat),
                    _ => None,
                };
                match made {
                    None => {
                        let r = reuse.expect("only reused posts are skipped");
                        kept.keep(&r, item.doc);
                        if let Some(stat) = stat {
                            index.push(IndexEntry {
                                key: item.key,
                                stat,
                                hash: r.hash,
                                doc: item.doc,
                                segment: r.segment as u32,
                                record: r.record,
                            });
                        }
                    }
                    Some(post) => {
                        fresh += 1;
                        if let Some(stat) = stat {
                            index.push(IndexEntry {
                                key: item.key.clone(),
                                stat,
                                hash: post.record.hash,
                                doc: item.doc,
                                segment: u32::MAX,
                                record: u32::MAX,
                            });
                        }
                        self.push(post, &vocab, &mut remaps)?;
                    }
                }
            }
        }
        Ok(fresh)
    }

    /// Writes the current records of an old segment anew (it moved or
    /// holds too many records no longer current).
    fn rewrite(
        &mut self,
        old_dir: &Path,
        entry: &SegmentEntry,
        live: &[Option<(u32, DocId, DocId)>],
    ) -> Result<()> {
        let path = old_dir.join(&entry.file);
        let seg = store::read_segment(&path, &[], Want::ALL).map_err(|reason| Error::Damaged {
            what: "store segment",
            path: path.clone(),
            reason,
        })?;
        let texts = seg.texts.unwrap_or_default();
        let keys = seg.keys.unwrap_or_default();
        let mut remaps: HashMap<Partition, Vec<u32>> = HashMap::default();
        for (((mut record, text), key), l) in seg.records.into_iter().zip(texts).zip(keys).zip(live)
        {
            let Some((_, _, new_doc)) = l else { continue };
            record.doc = *new_doc;
            let post = PendingPost {
                record,
                text,
                keys: (key.exact, key.signature),
            };
            self.push(post, &seg.vocab.words, &mut remaps)?;
        }
        Ok(())
    }

    /// Writes every partition's last segment; returns the new segments
    /// with the docs of their records, in file order.
    fn finish(self) -> Result<Vec<(SegmentEntry, Vec<DocId>)>> {
        let mut writers: Vec<(Partition, SegmentWriter)> = self.writers.into_iter().collect();
        writers.sort_by_key(|(p, _)| *p);
        let mut out = Vec::new();
        for (_, w) in writers {
            out.extend(w.finish_with_docs()?);
        }
        Ok(out)
    }
}

/// The record of `item`, whose bytes hash to `hash`, with `outcome`.
fn record_of(
    item: &Item,
    hash: u64,
    outcome: std::result::Result<Features, ingest::RejectReason>,
) -> PostRecord {
    let stat = match &item.what {
        What::File { stat, .. } => Some(*stat),
        _ => None,
    };
    PostRecord {
        doc: item.doc,
        key: item.key.clone(),
        path: item.path.clone(),
        stat,
        hash,
        outcome,
    }
}

/// A rejected post as it goes into the store.
fn rejected_post(item: &Item, hash: u64, reason: ingest::RejectReason) -> PendingPost {
    PendingPost {
        record: record_of(item, hash, Err(reason)),
        text: String::new(),
        keys: (0, Vec::new()),
    }
}

/// A read post as it goes into the store; its words are interned in
/// `words`.
fn make_post(
    item: &Item,
    outcome: ingest::Outcome,
    seg: &Segmenter,
    words: &mut Interner,
) -> PendingPost {
    let mut record = record_of(item, outcome.hash, Err(ingest::RejectReason::Empty));
    match outcome.post {
        Err(reason) => rejected_post(item, outcome.hash, reason),
        Ok(post) => {
            let mut ids: Vec<u32> = seg.words(&post.title).iter().map(|w| words.id(w)).collect();
            let title_words = ids.len() as u32;
            ids.extend(seg.words(&post.body).iter().map(|w| words.id(w)));
            let text = if post.body.is_empty() {
                post.title.clone()
            } else {
                format!("{}\n{}", post.title, post.body)
            };
            let keys = (
                dedup::exact_key(&post.title, &post.body),
                dedup::signature(&post.title, &post.body),
            );
            record.outcome = Ok(Features {
                date: post.date.map(crate::time::Day::of),
                minute: post.time.map(crate::time::minute_of_day),
                title: post.title,
                source: post.source,
                fields: post.fields,
                extra: post.extra,
                tolerated: post.tolerated,
                warnings: post.warnings,
                title_words,
                words: ids,
            });
            PendingPost { record, text, keys }
        }
    }
}

/// Makes the segment files of `entries` (in `from`) present in `to`:
/// hard links, or copies where links are not possible.
fn carry_segments(from: &Path, to: &Path, entries: &[SegmentEntry]) -> Result<()> {
    if same_dir(from, to) {
        return Ok(());
    }
    for e in entries {
        crate::fsx::link_or_copy(&from.join(&e.file), &to.join(&e.file))?;
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Removes this part's segment files that its manifest no longer lists
/// (older runs' files), and empty partition folders.
fn remove_unlisted(store: &Path, part: Part, manifest: &PartManifest) {
    let listed: std::collections::HashSet<PathBuf> = manifest
        .segments
        .iter()
        .map(|s| store.join(&s.file))
        .collect();
    let mine = format!("p{:04}-", part.index + 1);
    let Ok(dirs) = std::fs::read_dir(store) else {
        return;
    };
    for d in dirs.flatten() {
        if !d.path().is_dir() {
            continue;
        }
        if let Ok(files) = std::fs::read_dir(d.path()) {
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.starts_with(&mine) && !listed.contains(&f.path()) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
        let _ = std::fs::remove_dir(d.path());
    }
}

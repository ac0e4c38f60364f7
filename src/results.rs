//! The assignment results: what `assign` leaves in the cache for each
//! store segment, and how the later stages read it back.
//!
//! A segment's result (its analysed posts as `assignments.csv` shows
//! them, its rejections and its [`Aggregates`]) is one file, headed by
//! what it was made from ([`ResultKey`]: the model, the segment, the
//! assign settings, the run's last day within the segment's month) and a
//! hash of the copies among its posts, so that a re-run with the same
//! model and settings takes it as it is. [`Results`] reads them month by
//! month, from memory where the same process kept them ([`Kept`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregates;
use crate::codec;
use crate::error::{Error, Result};
use crate::ids::{DocId, ThemeIdx};
use crate::ingest::Rejection;
use crate::store::SegmentRef;
use crate::time::Day;

/// Assignment output magic.
pub const ASSIGNED_MAGIC: &[u8; 8] = b"TTASG\x00\x00\x08";

/// One analysed post, as `assignments.csv` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The post's doc id.
    pub doc: DocId,
    /// The post file (or `table#row`).
    pub path: String,
    /// The post's date, if known.
    pub date: Option<Day>,
    /// The post's title.
    pub title: String,
    /// Its theme.
    pub theme: ThemeIdx,
    /// Cosine similarity to the theme's centre.
    pub score: f32,
    /// The outlet credited in the text.
    pub credit: Option<String>,
    /// The post's outlet (`--outlet`).
    pub outlet: Option<String>,
    /// Its time of day as written, minutes after midnight.
    pub minute: Option<u16>,
    /// Carried table columns.
    pub extra: Vec<String>,
    /// Keys ([`crate::text::word_key`]) of the post's most telling words,
    /// at most [`POST_TERMS`], ascending: what the post is matched to
    /// events by. Not written to `assignments.csv`.
    pub terms: Vec<u32>,
}

/// Words kept per post for events: the heaviest by TF-IDF, a word unknown
/// to the model weighing as the rarest feature (new words are what
/// events are made of).
pub const POST_TERMS: usize = 48;

/// A segment's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assigned {
    /// The analysed posts, in doc order.
    pub rows: Vec<Assignment>,
    /// The posts not used, in doc order.
    pub rejected: Vec<Rejection>,
    /// The sums.
    pub aggregates: Aggregates,
}

/// What a stored result was made from: it is used again only when all of
/// it is unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultKey {
    /// The model's id.
    pub model: u64,
    /// The segment's file.
    pub segment: String,
    /// Its records no longer current.
    pub dead: Vec<u32>,
    /// The assign settings (`AssignParams::key`).
    pub settings: String,
    /// The last day a post may be dated, as far as it matters to the
    /// segment's month: clamped to it, so that a past month's result holds
    /// from night to night, and the current month's is made again.
    pub last_day: Option<i32>,
}

/// The head of a stored result: its key, the segment's docs and a hash of
/// the copies among them when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Head {
    key: ResultKey,
    docs: Vec<DocId>,
    copies: u64,
}

/// The file of a segment's result in `dir`.
pub fn output_path(dir: &Path, seg: &SegmentRef) -> PathBuf {
    dir.join(format!("{}.out", seg.entry.file.replace('/', "_")))
}

/// The sums of the stored result of `seg` in `dir`, if it was made with
/// `key` and with the same copies among its posts (`copies` hashes them,
/// given the segment's docs). The rows are not decoded.
pub fn stored(
    dir: &Path,
    seg: &SegmentRef,
    key: &ResultKey,
    copies: impl Fn(&[DocId]) -> u64,
) -> Option<Aggregates> {
    let blocks = codec::read_blocks(&output_path(dir, seg), ASSIGNED_MAGIC).ok()?;
    let [head, _, sums] = blocks.as_slice() else {
        return None;
    };
    let head: Head = codec::decode(head).ok()?;
    if head.key != *key || head.copies != copies(&head.docs) {
        return None;
    }
    codec::decode(sums).ok()
}

/// A result's rows and rejections as written (its sums are a block of
/// their own).
#[derive(Serialize)]
struct BodyOut<'a> {
    rows: &'a [Assignment],
    rejected: &'a [Rejection],
}

/// See [`BodyOut`].
#[derive(Deserialize)]
struct BodyIn {
    rows: Vec<Assignment>,
    rejected: Vec<Rejection>,
}

/// Writes `a`, the result of `seg` made with `key` from `docs` whose copies
/// hash to `copies`, into `dir`: its head, its rows and rejections, and its
/// sums, three blocks, so that a re-run checks the head and takes the sums
/// without decoding the rows.
pub fn save(
    dir: &Path,
    seg: &SegmentRef,
    key: ResultKey,
    docs: Vec<DocId>,
    copies: u64,
    a: &Assigned,
) -> Result<()> {
    let head = Head { key, docs, copies };
    let head = &head;
    let path = output_path(dir, seg);
    let h = codec::encode(head).map_err(|e| Error::write(&path, e))?;
    let body = codec::encode(&BodyOut {
        rows: &a.rows,
        rejected: &a.rejected,
    })
    .map_err(|e| Error::write(&path, e))?;
    let sums = codec::encode(&a.aggregates).map_err(|e| Error::write(&path, e))?;
    codec::write_blocks(&path, ASSIGNED_MAGIC, &[&h, &body, &sums])
}

/// Assignment results kept in memory for the report of the same run (up
/// to a budget of bytes); with `write` false (a scratch cache) the results
/// kept are not written to disk at all.
#[derive(Debug, Default)]
pub struct Kept {
    results: std::sync::Mutex<rustc_hash::FxHashMap<String, std::sync::Arc<Assigned>>>,
    left: std::sync::atomic::AtomicI64,
    /// Whether the results kept are written to disk too.
    pub write: bool,
}

impl Kept {
    /// Room for `bytes` of results; `write` false keeps them off the disk.
    pub fn new(bytes: i64, write: bool) -> Self {
        Kept {
            results: Default::default(),
            left: std::sync::atomic::AtomicI64::new(bytes),
            write,
        }
    }

    /// Keeps `a` if the budget allows; whether it was kept.
    pub fn offer(&self, file: &str, a: &Assigned) -> bool {
        use std::sync::atomic::Ordering;
        let terms: usize = a.rows.iter().map(|r| r.terms.len() * 4).sum();
        let daily: usize = a.aggregates.daily.values().map(|d| d.df.len() * 8).sum();
        let names: usize = a.aggregates.names.values().map(|n| n.len() + 32).sum();
        let bytes =
            (a.rows.len() * 200 + a.rejected.len() * 200 + terms + daily + names) as i64 + 4096;
        if self.left.fetch_sub(bytes, Ordering::Relaxed) < bytes {
            self.left.fetch_add(bytes, Ordering::Relaxed);
            return false;
        }
        if let Ok(mut m) = self.results.lock() {
            m.insert(file.to_string(), std::sync::Arc::new(a.clone()));
        }
        true
    }

    /// The result kept for `seg`, if any.
    pub fn get(&self, seg: &SegmentRef) -> Option<std::sync::Arc<Assigned>> {
        self.results.lock().ok()?.get(&seg.entry.file).cloned()
    }
}

/// The sums of every segment's stored result in `dir` (all segments must
/// have been assigned with `model`).
pub fn collect(segments: &[SegmentRef], dir: &Path, model: u64) -> Result<Aggregates> {
    let mut total = Aggregates::default();
    for seg in segments {
        let path = output_path(dir, seg);
        let unassigned = |reason: String| Error::Damaged {
            what: "assignment result",
            path: path.clone(),
            reason,
        };
        let blocks = codec::read_blocks(&path, ASSIGNED_MAGIC).map_err(|r| {
            unassigned(format!(
                "{r}; run `theme-trends assign` for every part first"
            ))
        })?;
        let head: Head = blocks
            .first()
            .ok_or_else(|| unassigned("incomplete".into()))
            .and_then(|b| codec::decode(b).map_err(unassigned))?;
        if head.key.model != model {
            return Err(unassigned(
                "made with another model; run `theme-trends assign` again".into(),
            ));
        }
        let sums: Aggregates = blocks
            .get(2)
            .ok_or_else(|| unassigned("incomplete".into()))
            .and_then(|b| codec::decode(b).map_err(unassigned))?;
        total.merge(sums);
    }
    Ok(total)
}

/// Reads the rows and rejections of a segment's stored result (its sums
/// are left empty).
pub fn read_output(dir: &Path, seg: &SegmentRef) -> Result<Assigned> {
    let path = output_path(dir, seg);
    let blocks = codec::read_blocks(&path, ASSIGNED_MAGIC).map_err(|reason| Error::Damaged {
        what: "assignment result",
        path: path.clone(),
        reason: format!("{reason}; run `theme-trends assign` again"),
    })?;
    let body = blocks.get(1).ok_or_else(|| Error::Damaged {
        what: "assignment result",
        path: path.clone(),
        reason: "incomplete".into(),
    })?;
    let body: BodyIn = codec::decode(body).map_err(|reason| Error::Damaged {
        what: "assignment result",
        path,
        reason,
    })?;
    Ok(Assigned {
        rows: body.rows,
        rejected: body.rejected,
        aggregates: Aggregates::default(),
    })
}

/// The analysed posts and the rejections, segment by segment: what
/// `assign` left in its folder.
pub struct Results<'a> {
    /// The folder of the assignment results.
    pub dir: &'a Path,
    /// The segments, in report order.
    pub segments: &'a [SegmentRef],
    /// Paths the walk could not read (no doc id), listed first.
    pub problems: &'a [Rejection],
    /// Results still in memory from the assign stage.
    pub kept: Option<&'a Kept>,
}

impl Results<'_> {
    /// Calls `f` with the results of each partition (month), its rows and
    /// rejections in doc order: the segments of one month (from several
    /// parts, say) are merged, so the files do not depend on how the work
    /// was split. The next month is read (its segments in parallel) while
    /// `f` works on this one. Memory: the rows of two months, three while
    /// a month of several segments is merged.
    pub fn each(&self, mut f: impl FnMut(&Assigned) -> Result<()>) -> Result<()> {
        let months: Vec<&[SegmentRef]> = self
            .segments
            .chunk_by(|a, b| a.entry.partition == b.entry.partition)
            .collect();
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<MonthRows>>| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        std::thread::scope(|scope| {
            let mut next = months.first().map(|&m| scope.spawn(move || self.month(m)));
            for i in 0..months.len() {
                let current = join(next.take().expect("a month being read"))?;
                if let Some(&m) = months.get(i + 1) {
                    next = Some(scope.spawn(move || self.month(m)));
                }
                if let Err(e) = f(current.get()) {
                    // The month being read is waited for here, so that
                    // its own failure cannot hide this error.
                    if let Some(h) = next.take() {
                        let _ = h.join();
                    }
                    return Err(e);
                }
            }
            Ok(())
        })
    }

    /// The results of one month's segments, merged in doc order.
    fn month(&self, month: &[SegmentRef]) -> Result<MonthRows> {
        use rayon::prelude::*;
        let read = |seg: &SegmentRef| -> Result<std::sync::Arc<Assigned>> {
            match self.kept.and_then(|k| k.get(seg)) {
                Some(a) => Ok(a),
                None => read_output(self.dir, seg).map(std::sync::Arc::new),
            }
        };
        if let [seg] = month {
            return read(seg).map(MonthRows::Shared);
        }
        let parts: Vec<std::sync::Arc<Assigned>> =
            month.par_iter().map(read).collect::<Result<_>>()?;
        let mut all = Assigned {
            rows: Vec::with_capacity(parts.iter().map(|a| a.rows.len()).sum()),
            rejected: Vec::new(),
            aggregates: Default::default(),
        };
        for a in parts {
            // Read from disk here: moved. Kept in memory: copied.
            match std::sync::Arc::try_unwrap(a) {
                Ok(a) => {
                    all.rows.extend(a.rows);
                    all.rejected.extend(a.rejected);
                }
                Err(a) => {
                    all.rows.extend(a.rows.iter().cloned());
                    all.rejected.extend(a.rejected.iter().cloned());
                }
            }
        }
        all.rows.sort_by_key(|r| r.doc);
        all.rejected.sort_by_key(|r| r.doc_id);
        Ok(MonthRows::Merged(Box::new(all)))
    }
}

/// One month's results: a segment's as read or kept, or several merged.
enum MonthRows {
    Shared(std::sync::Arc<Assigned>),
    Merged(Box<Assigned>),
}

impl MonthRows {
    fn get(&self) -> &Assigned {
        match self {
            MonthRows::Shared(a) => a,
            MonthRows::Merged(a) => a,
        }
    }
}

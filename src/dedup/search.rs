//! The search for copies over the store: exact copies by spilled, sorted
//! key buckets; near copies by LSH candidates within a two-month window,
//! confirmed on exact 5-gram sets.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;

use super::keys::{band_keys, jaccard, shingle_set, BANDS, HASHES};
use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::ingest::RejectReason;
use crate::store::{Partition, SegmentRef, Want};

/// Candidates per post confirmed on exact shingle sets.
const MAX_VERIFIED: usize = 4;
/// Shingle sets of candidates remembered (about 5 KB each).
const MEMO_SETS: usize = 50_000;

/// The order in which posts count as earlier: month, then doc.
type Order = (Partition, DocId);

/// Buckets of spilled exact keys.
const BUCKETS: usize = 64;
/// Keys held in memory before the buckets are spilled to disk (36 MB).
pub(super) const SPILL_AT: usize = 1 << 20;
/// One spilled key: key (16), month (4), doc (8), segment (4), record (4).
const ENTRY: usize = 36;

fn month_code(p: Partition) -> i32 {
    match p {
        Partition::Month(d) => d,
        Partition::Undated => i32::MAX - 1,
        Partition::Rejected => i32::MAX,
    }
}

/// The first post of each distinct text: its exact key (two halves, so
/// that it takes 24 bytes) and where it is (its segment's place in the
/// list searched, its record among the segment's current records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Original {
    hi: u64,
    lo: u64,
    pub segment: u32,
    pub record: u32,
}

impl Original {
    pub fn new(key: u128, segment: u32, record: u32) -> Self {
        Original {
            hi: (key >> 64) as u64,
            lo: key as u64,
            segment,
            record,
        }
    }

    pub fn key(&self) -> u128 {
        (u128::from(self.hi) << 64) | u128::from(self.lo)
    }
}

/// What the exact-copy pass found.
pub(super) struct ExactPass {
    /// Each copy, and why.
    pub copies: std::collections::BTreeMap<DocId, RejectReason>,
    /// The original of every distinct text, sorted by key (when kept).
    pub originals: Vec<Original>,
    /// The latest post searched, in the order posts count as earlier.
    pub last: Option<(Partition, DocId)>,
}

/// Exact copies: every accepted post's key is spilled into one of
/// [`BUCKETS`] files by its top bits; each bucket is sorted alone, and in
/// each run of equal keys the earliest post is the original. Returns the
/// copies and, with `keep_originals`, every original, sorted by key (24
/// bytes a distinct post).
pub(super) fn exact_copies(
    segments: &[SegmentRef],
    tmp: &Path,
    spill_at: usize,
    keep_originals: bool,
) -> Result<ExactPass> {
    let bucket_path = |b: usize| tmp.join(format!("exact-{b:02}.bin"));
    // Keys are buffered per bucket and go to disk only when the buffers
    // outgrow `spill_at` keys: a small archive never touches the disk.
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); BUCKETS];
    let mut buffered = 0usize;
    let mut writers: Vec<BufWriter<std::fs::File>> = Vec::new();
    let spill =
        |buffers: &mut Vec<Vec<u8>>, writers: &mut Vec<BufWriter<std::fs::File>>| -> Result<()> {
            if writers.is_empty() {
                std::fs::create_dir_all(tmp).map_err(|e| Error::write(tmp, e))?;
                *writers = (0..BUCKETS)
                    .map(|b| {
                        std::fs::File::create(bucket_path(b))
                            .map(|f| BufWriter::with_capacity(1 << 16, f))
                            .map_err(|e| Error::write(bucket_path(b), e))
                    })
                    .collect::<Result<_>>()?;
            }
            for (b, (buf, w)) in buffers.iter_mut().zip(writers.iter_mut()).enumerate() {
                w.write_all(buf)
                    .map_err(|err| Error::write(bucket_path(b), err))?;
                buf.clear();
            }
            Ok(())
        };
    let mut last: Option<(Partition, DocId)> = None;
    for (s, seg) in segments.iter().enumerate() {
        let read = seg.read(Want::KEYS)?;
        for (r, k) in read.keys.iter().flatten().enumerate() {
            last = last.max(Some((seg.entry.partition, k.doc)));
            let b = (k.exact >> 122) as usize % BUCKETS;
            let buf = &mut buffers[b];
            buf.extend_from_slice(&k.exact.to_le_bytes());
            buf.extend_from_slice(&month_code(seg.entry.partition).to_le_bytes());
            buf.extend_from_slice(&k.doc.0.to_le_bytes());
            buf.extend_from_slice(&(s as u32).to_le_bytes());
            buf.extend_from_slice(&(r as u32).to_le_bytes());
            buffered += 1;
        }
        if buffered >= spill_at {
            spill(&mut buffers, &mut writers)?;
            buffered = 0;
        }
    }
    let spilled = !writers.is_empty();
    if spilled {
        spill(&mut buffers, &mut writers)?;
        for (b, w) in writers.iter_mut().enumerate() {
            w.flush().map_err(|e| Error::write(bucket_path(b), e))?;
        }
    }
    drop(writers);
    // (copy doc) → (segment, record) of its original.
    let mut pending: Vec<(DocId, u32, u32)> = Vec::new();
    let mut originals: Vec<Original> = Vec::new();
    for (b, buffer) in buffers.into_iter().enumerate() {
        let bytes = if spilled {
            let path = bucket_path(b);
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .map(BufReader::new)
                .and_then(|mut r| r.read_to_end(&mut bytes))
                .map_err(|e| Error::read(&path, e))?;
            let _ = std::fs::remove_file(&path);
            bytes
        } else {
            buffer
        };
        let mut entries: Vec<(u128, i32, u64, u32, u32)> = bytes
            .chunks_exact(ENTRY)
            .map(|e| {
                (
                    u128::from_le_bytes(e[..16].try_into().expect("16")),
                    i32::from_le_bytes(e[16..20].try_into().expect("4")),
                    u64::from_le_bytes(e[20..28].try_into().expect("8")),
                    u32::from_le_bytes(e[28..32].try_into().expect("4")),
                    u32::from_le_bytes(e[32..36].try_into().expect("4")),
                )
            })
            .collect();
        entries.sort_unstable();
        for run in entries.chunk_by(|a, b| a.0 == b.0) {
            let first = run[0];
            if keep_originals {
                originals.push(Original::new(first.0, first.3, first.4));
            }
            for e in &run[1..] {
                pending.push((DocId(e.2), first.3, first.4));
            }
        }
    }
    if spilled {
        let _ = std::fs::remove_dir(tmp);
    }
    // Buckets are taken by the keys' top bits, in order: the originals
    // come out sorted by key.
    debug_assert!(originals.windows(2).all(|w| w[0].key() < w[1].key()));
    let mut out = std::collections::BTreeMap::new();
    name_originals(segments, pending, &mut out)?;
    Ok(ExactPass {
        copies: out,
        originals,
        last,
    })
}

/// Records each copy of `pending` (copy, segment and record of its
/// original) as a duplicate of its original's path, read one segment at a
/// time.
pub(super) fn name_originals(
    segments: &[SegmentRef],
    mut pending: Vec<(DocId, u32, u32)>,
    out: &mut std::collections::BTreeMap<DocId, RejectReason>,
) -> Result<()> {
    pending.sort_by_key(|&(_, s, r)| (s, r));
    for group in pending.chunk_by(|a, b| a.1 == b.1) {
        let seg = segments[group[0].1 as usize].read(Want::KEYS)?;
        let keys = seg.keys.as_deref().unwrap_or_default();
        for &(copy, _, r) in group {
            let original = keys.get(r as usize).ok_or_else(|| Error::Damaged {
                what: "store",
                path: segments[group[0].1 as usize].path.clone(),
                reason: format!("record {r} of an original is missing"),
            })?;
            out.insert(
                copy,
                RejectReason::Duplicate {
                    of: original.path.clone(),
                },
            );
        }
    }
    Ok(())
}

/// A post taking part in the near-copy search.
struct Candidate {
    order: Order,
    path: String,
    signature: Vec<u32>,
    keys: [u64; BANDS],
    text: String,
}

/// Near copies within a window of the same and the previous month.
/// Posts are settled in order: each is compared with the earlier posts of
/// the window that were kept (its LSH candidates, best-agreeing first,
/// at most [`MAX_VERIFIED`] confirmed on exact 5-gram sets); the first that
/// reaches the threshold is its original.
///
/// Posts of the segments in `settled` were settled by an earlier search
/// and sort before every other post: they are not searched again, only
/// kept in the window when they are no copy.
pub(super) fn near_copies(
    segments: &[SegmentRef],
    threshold: f64,
    copies: &mut std::collections::BTreeMap<DocId, RejectReason>,
    settled: &rustc_hash::FxHashSet<&str>,
) -> Result<()> {
    // The kept posts of the window, and their band buckets.
    let mut kept: Vec<Candidate> = Vec::new();
    let mut buckets: Vec<HashMap<u64, Vec<usize>>> = vec![HashMap::default(); BANDS];
    let mut window_month: Option<Partition> = None;
    for month in segments.chunk_by(|a, b| a.entry.partition == b.entry.partition) {
        let partition = month[0].entry.partition;
        // Slide the window: keep only the previous month's posts.
        let previous = window_month.and_then(|p| p.month());
        let adjacent = match (previous, partition.month()) {
            (Some(prev), Some(cur)) => prev.checked_add_months(chrono::Months::new(1)) == Some(cur),
            _ => false,
        };
        kept.retain(|c| adjacent && c.order.0 == window_month.expect("a window"));
        for b in &mut buckets {
            b.clear();
        }
        for (i, c) in kept.iter().enumerate() {
            for (k, b) in c.keys.iter().zip(buckets.iter_mut()) {
                b.entry(*k).or_default().push(i);
            }
        }
        window_month = Some(partition);
        let mut posts: Vec<(Candidate, bool)> = Vec::new();
        for seg in month {
            let read = seg.read(Want::KEYS_AND_TEXTS)?;
            let texts = read.texts.as_deref().unwrap_or_default();
            let known = settled.contains(seg.entry.file.as_str());
            for (k, text) in read.keys.iter().flatten().zip(texts) {
                if k.signature.len() != HASHES || copies.contains_key(&k.doc) {
                    continue;
                }
                posts.push((
                    Candidate {
                        order: (partition, k.doc),
                        path: k.path.clone(),
                        keys: band_keys(&k.signature),
                        signature: k.signature.clone(),
                        text: text.clone(),
                    },
                    known,
                ));
            }
        }
        posts.sort_by_key(|c| c.0.order);
        let mut memo: HashMap<usize, Vec<u64>> = HashMap::default();
        for (post, known) in posts {
            if known {
                // Settled before, and no copy: it stays in the window.
                let i = kept.len();
                for (k, bucket) in post.keys.iter().zip(buckets.iter_mut()) {
                    bucket.entry(*k).or_default().push(i);
                }
                kept.push(post);
                continue;
            }
            let mut candidates: Vec<usize> = post
                .keys
                .iter()
                .zip(&buckets)
                .filter_map(|(k, bucket)| bucket.get(k))
                .flatten()
                .copied()
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            let mut estimated: Vec<(usize, usize)> = candidates
                .into_iter()
                .map(|j| {
                    let agree = post
                        .signature
                        .iter()
                        .zip(&kept[j].signature)
                        .filter(|(a, b)| a == b)
                        .count();
                    (j, agree)
                })
                .filter(|&(_, agree)| agree as f64 >= (threshold - 0.15) * HASHES as f64)
                .collect();
            estimated.sort_by(|a, b| b.1.cmp(&a.1).then(kept[a.0].order.cmp(&kept[b.0].order)));
            estimated.truncate(MAX_VERIFIED);
            let mut own: Option<Vec<u64>> = None;
            let original = estimated.into_iter().find_map(|(j, _)| {
                let mine = own.get_or_insert_with(|| shingle_set(&post.text));
                if memo.len() >= MEMO_SETS && !memo.contains_key(&j) {
                    memo.clear();
                }
                let theirs = memo.entry(j).or_insert_with(|| shingle_set(&kept[j].text));
                let similarity = jaccard(mine, theirs);
                (similarity >= threshold).then_some((j, similarity))
            });
            match original {
                Some((j, similarity)) => {
                    copies.insert(
                        post.order.1,
                        RejectReason::NearDuplicate {
                            of: kept[j].path.clone(),
                            similarity,
                        },
                    );
                }
                None => {
                    let i = kept.len();
                    for (k, bucket) in post.keys.iter().zip(buckets.iter_mut()) {
                        bucket.entry(*k).or_default().push(i);
                    }
                    kept.push(post);
                }
            }
        }
    }
    Ok(())
}

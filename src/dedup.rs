//! Finding re-published copies: exact duplicates and near-duplicates, over
//! the whole store, in bounded memory.
//!
//! Two posts are exact duplicates when their title + body are equal once
//! whitespace is ignored ([`exact_key`], computed by `prepare`). They are
//! near-duplicates when the Jaccard similarity of their character 5-gram
//! sets (letters and digits only) is at least `--near-duplicate`;
//! candidates come from MinHash signatures ([`signature`], also computed by
//! `prepare`) with LSH banding, and are confirmed on the exact 5-gram sets
//! of the two texts, so a reported near-duplicate is never a hashing
//! accident.
//!
//! The earliest post — by month, then by place in the input — is kept;
//! each later copy is reported as a copy *of it*. Exact copies are found
//! across the whole archive by spilling the keys into hash buckets on disk
//! and sorting each bucket alone. Near copies are looked for within a
//! window of the same and the previous month, which is where a feed
//! re-publishes: memory holds the signatures and texts of two months, not
//! of the archive.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::ingest::RejectReason;
use crate::store::{Partition, SegmentRef, Store, Want};

/// Parameters of duplicate detection.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct DedupParams {
    /// A post sharing at least this fraction of its text (character
    /// 5-grams) with an earlier post is a re-publication and is dropped.
    #[arg(
        long,
        default_value_t = 0.9,
        value_name = "FRACTION",
        help_heading = "Input"
    )]
    pub near_duplicate: f64,

    /// Keep near-duplicate posts (exact copies are still dropped).
    #[arg(long, help_heading = "Input")]
    pub keep_near_duplicates: bool,
}

impl Default for DedupParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl DedupParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if !(0.5..=1.0).contains(&self.near_duplicate) {
            return Err(Error::param(
                "--near-duplicate",
                "must be between 0.5 and 1",
            ));
        }
        Ok(())
    }
}

const SHINGLE: usize = 5;
const BANDS: usize = 8;
const ROWS: usize = 4;
const HASHES: usize = BANDS * ROWS;
/// Candidates per post confirmed on exact shingle sets.
const MAX_VERIFIED: usize = 4;
/// Shingle sets of candidates remembered (about 5 KB each).
const MEMO_SETS: usize = 50_000;
/// Texts shorter than this (in letters and digits) are only checked for
/// exact copies: short flashes share too much wording by nature.
const MIN_NEAR_CHARS: usize = 60;

/// xxh3-128 of title and body with every whitespace character removed,
/// hashed piece by piece (the same value as hashing the squeezed text).
pub fn exact_key(title: &str, body: &str) -> u128 {
    let mut h = Xxh3::new();
    for part in [title, body] {
        for piece in part.split(char::is_whitespace) {
            h.update(piece.as_bytes());
        }
    }
    h.digest128()
}

/// The hashed 5-grams of a post's letters and digits, in text order (with
/// repeats); empty for texts too short to compare. A polynomial rolling
/// hash over the characters, finished by a mixer: one multiply-add per
/// character instead of hashing every window.
fn shingle_hashes(text: &str) -> Vec<u64> {
    const BASE: u64 = 0x100_0000_01B3;
    let chars: Vec<u64> = text
        .chars()
        .filter_map(fold_char)
        .map(|c| mix(c as u64))
        .collect();
    if chars.len() < MIN_NEAR_CHARS {
        return Vec::new();
    }
    let top = (1..SHINGLE).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let mut h = 0u64;
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if i >= SHINGLE {
            h = h.wrapping_sub(chars[i - SHINGLE].wrapping_mul(top));
        }
        h = h.wrapping_mul(BASE).wrapping_add(c);
        if i + 1 >= SHINGLE {
            out.push(mix(h));
        }
    }
    out
}

/// A letter or digit as compared (lower-cased), or `None` for anything else.
/// CJK ideographs and ASCII, nearly all of a Chinese archive, take a fast
/// path; other characters go through the Unicode tables.
fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
    } else if crate::text::is_common_cjk(c) {
        Some(c)
    } else if c.is_alphanumeric() {
        c.to_lowercase().next()
    } else {
        None
    }
}

/// The distinct shingle hashes of a text, sorted (for exact Jaccard).
fn shingle_set(text: &str) -> Vec<u64> {
    let mut set = shingle_hashes(text);
    set.sort_unstable();
    set.dedup();
    set
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// MinHash signature by one-permutation hashing: each shingle hash (already
/// well mixed) falls into one of the `HASHES` bins by its top bits, and a bin
/// keeps the smallest of its values. Two sets agree on a bin with a
/// probability close to their Jaccard similarity, as with `HASHES` separate
/// hash functions, at one comparison per shingle instead of `HASHES`.
/// Repeated shingles do not change a minimum, so the set need not be built.
fn min_hashes(shingles: &[u64]) -> [u64; HASHES] {
    const BIN_BITS: u32 = HASHES.trailing_zeros();
    const EMPTY: u64 = u64::MAX;
    let mut sig = [EMPTY; HASHES];
    for &x in shingles {
        let bin = (x >> (64 - BIN_BITS)) as usize;
        let value = x & (EMPTY >> BIN_BITS);
        if value < sig[bin] {
            sig[bin] = value;
        }
    }
    densify(&mut sig, EMPTY);
    sig
}

/// Fills the empty bins of a one-permutation signature ("optimal
/// densification", Shrivastava 2017): empty bin `i` copies the first
/// non-empty bin of a probe sequence that depends on `i` only, so that two
/// posts fill the same bin from the same place. Needs one non-empty bin.
fn densify(sig: &mut [u64; HASHES], empty: u64) {
    let filled = *sig;
    if filled.iter().all(|&v| v == empty) {
        return;
    }
    for (i, slot) in sig.iter_mut().enumerate() {
        if *slot != empty {
            continue;
        }
        // A pseudo-random walk over the bins, then (never needed in
        // practice) a scan to the right, so that the loop always ends.
        let walk = (1..=4 * HASHES as u64)
            .map(|attempt| (mix(((i as u64) << 32) | attempt) % HASHES as u64) as usize);
        let scan = (1..HASHES).map(|d| (i + d) % HASHES);
        *slot = walk
            .chain(scan)
            .map(|probe| filled[probe])
            .find(|&v| v != empty)
            .expect("one bin is filled");
    }
}

/// A 64-bit finaliser (splitmix64): cheap, well mixed.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The MinHash signature of a post's text (title and body), 32 values;
/// empty for texts too short to compare (under 60 letters and digits).
pub fn signature(title: &str, body: &str) -> Vec<u32> {
    let mut text = String::with_capacity(title.len() + body.len() + 1);
    text.push_str(title);
    text.push('\n');
    text.push_str(body);
    let s = shingle_hashes(&text);
    if s.is_empty() {
        Vec::new()
    } else {
        // The top 32 of each minimum's 59 bits: equal minima stay equal,
        // and unequal ones look equal once in four billion.
        min_hashes(&s).iter().map(|&v| (v >> 27) as u32).collect()
    }
}

/// The LSH band keys of a signature.
fn band_keys(sig: &[u32]) -> [u64; BANDS] {
    std::array::from_fn(|b| {
        let band = &sig[b * ROWS..(b + 1) * ROWS];
        band.iter().fold(b as u64, |acc, &v| mix(acc ^ v as u64))
    })
}

/// The posts found to be copies, with why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Duplicates {
    /// Each copy and its reason (`duplicate of PATH`, `near-duplicate of
    /// PATH (93% …)`), by doc.
    pub copies: std::collections::BTreeMap<DocId, RejectReason>,
}

/// Copies file magic.
pub const DUPLICATES_MAGIC: &[u8; 8] = b"TTDUP\x00\x00\x01";
/// The copies' file name in the cache folder.
pub const DUPLICATES_FILE: &str = "duplicates.bin";

impl Duplicates {
    /// Writes the copies into `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        crate::codec::write_file(&dir.join(DUPLICATES_FILE), DUPLICATES_MAGIC, self)
    }

    /// Reads the copies `fit` found, from `dir`.
    pub fn load(dir: &Path) -> Result<Duplicates> {
        let path = dir.join(DUPLICATES_FILE);
        crate::codec::read_file(&path, DUPLICATES_MAGIC).map_err(|reason| Error::Damaged {
            what: "list of copies",
            path,
            reason: format!("{reason}; run `theme-trends fit` first"),
        })
    }

    /// Why `doc` is a copy, if it is one.
    pub fn of(&self, doc: DocId) -> Option<&RejectReason> {
        self.copies.get(&doc)
    }

    /// Number of copies.
    pub fn len(&self) -> usize {
        self.copies.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }
}

/// The order in which posts count as earlier: month, then doc.
type Order = (Partition, DocId);

/// Buckets of spilled exact keys.
const BUCKETS: usize = 64;
/// Keys held in memory before the buckets are spilled to disk (36 MB).
const SPILL_AT: usize = 1 << 20;
/// One spilled key: key (16), month (4), doc (8), segment (4), record (4).
const ENTRY: usize = 36;

/// Finds every exact and near copy in the store.
pub fn find_duplicates(store: &Store, params: &DedupParams, tmp: &Path) -> Result<Duplicates> {
    let segments: Vec<SegmentRef> = store
        .segments()
        .into_iter()
        .filter(|s| s.entry.partition != Partition::Rejected)
        .collect();
    let mut copies = exact_copies(&segments, tmp, SPILL_AT)?;
    if !params.keep_near_duplicates {
        near_copies(&segments, params.near_duplicate, &mut copies)?;
    }
    Ok(Duplicates { copies })
}

fn month_code(p: Partition) -> i32 {
    match p {
        Partition::Month(d) => d,
        Partition::Undated => i32::MAX - 1,
        Partition::Rejected => i32::MAX,
    }
}

/// Exact copies: every accepted post's key is spilled into one of
/// [`BUCKETS`] files by its top bits; each bucket is sorted alone, and in
/// each run of equal keys the earliest post is the original.
fn exact_copies(
    segments: &[SegmentRef],
    tmp: &Path,
    spill_at: usize,
) -> Result<std::collections::BTreeMap<DocId, RejectReason>> {
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
    for (s, seg) in segments.iter().enumerate() {
        let read = seg.read(Want::KEYS)?;
        for (r, k) in read.keys.iter().flatten().enumerate() {
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
            for e in &run[1..] {
                pending.push((DocId(e.2), first.3, first.4));
            }
        }
    }
    if spilled {
        let _ = std::fs::remove_dir(tmp);
    }
    // The originals' paths, one segment read at a time.
    pending.sort_by_key(|&(_, s, r)| (s, r));
    let mut out = std::collections::BTreeMap::new();
    for group in pending.chunk_by(|a, b| a.1 == b.1) {
        let seg = segments[group[0].1 as usize].read(Want::KEYS)?;
        let keys = seg.keys.as_deref().unwrap_or_default();
        for &(copy, _, r) in group {
            out.insert(
                copy,
                RejectReason::Duplicate {
                    of: keys[r as usize].path.clone(),
                },
            );
        }
    }
    Ok(out)
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
fn near_copies(
    segments: &[SegmentRef],
    threshold: f64,
    copies: &mut std::collections::BTreeMap<DocId, RejectReason>,
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
        let mut posts: Vec<Candidate> = Vec::new();
        for seg in month {
            let read = seg.read(Want::KEYS_AND_TEXTS)?;
            let texts = read.texts.as_deref().unwrap_or_default();
            for (k, text) in read.keys.iter().flatten().zip(texts) {
                if k.signature.len() != HASHES || copies.contains_key(&k.doc) {
                    continue;
                }
                posts.push(Candidate {
                    order: (partition, k.doc),
                    path: k.path.clone(),
                    keys: band_keys(&k.signature),
                    signature: k.signature.clone(),
                    text: text.clone(),
                });
            }
        }
        posts.sort_by_key(|c| c.order);
        let mut memo: HashMap<usize, Vec<u64>> = HashMap::default();
        for post in posts {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Part;
    use crate::store::{Features, InputId, PartManifest, PendingPost, PostRecord, SegmentWriter};

    /// A store of posts (doc, month, title, body), one segment per month.
    fn store_of(dir: &Path, posts: &[(u64, u32, &str, &str)]) -> Store {
        let mut entries = Vec::new();
        let mut months: Vec<u32> = posts.iter().map(|p| p.1).collect();
        months.sort_unstable();
        months.dedup();
        for m in months {
            let day = chrono::NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
            let mut w = SegmentWriter::new(dir, Partition::of(Some(day), false), "t", None);
            for &(doc, _, title, body) in posts.iter().filter(|p| p.1 == m) {
                w.push(
                    PendingPost {
                        record: PostRecord {
                            doc: DocId(doc),
                            key: format!("{doc}"),
                            path: format!("p{doc}.md"),
                            stat: None,
                            hash: 0,
                            outcome: Ok(Features {
                                date: Some(crate::time::epoch_days(day)),
                                title: title.into(),
                                ..Default::default()
                            }),
                        },
                        text: format!("{title}\n{body}"),
                        keys: (exact_key(title, body), signature(title, body)),
                    },
                    &[],
                    &mut [],
                )
                .unwrap();
            }
            entries.extend(w.finish().unwrap());
        }
        let m = PartManifest {
            fingerprint: 1,
            input: InputId {
                path: "x".into(),
                table: None,
            },
            part: Part::WHOLE,
            columns: vec![],
            segments: entries,
            ignored: 0,
            problems: vec![],
            warnings: vec![],
            index: vec![],
            fresh: 0,
        };
        m.save(dir).unwrap();
        Store::open(dir, 1).unwrap()
    }

    fn find(posts: &[(u64, u32, &str, &str)], threshold: f64) -> Vec<(u64, RejectReason)> {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), posts);
        let params = DedupParams {
            near_duplicate: threshold,
            keep_near_duplicates: false,
        };
        find_duplicates(&store, &params, &dir.path().join("tmp"))
            .unwrap()
            .copies
            .into_iter()
            .map(|(d, r)| (d.0, r))
            .collect()
    }

    const STORY: &str = "国家统计局今天发布数据显示，前三季度国内生产总值同比增长百分之五点二，经济运行总体平稳，稳中有进，就业形势保持稳定，居民消费价格温和上涨，国际收支基本平衡，高质量发展扎实推进。";
    const OTHER: &str = "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行，返乡人流明显增加，民航和公路客运同步加强运力。";

    #[test]
    fn exact_copies_are_found_ignoring_whitespace_across_the_archive() {
        let spaced = format!("  {STORY}\n");
        let dups = find(
            &[
                (0, 1, "标题", STORY),
                (1, 2, "别的", "完全不同的内容"),
                (2, 9, "标题", &spaced),
            ],
            0.9,
        );
        assert_eq!(
            dups,
            vec![(2, RejectReason::Duplicate { of: "p0.md".into() })]
        );
    }

    #[test]
    fn keys_spilled_to_disk_find_the_same_copies_as_keys_kept_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let texts: Vec<String> = (0..40).map(|i| format!("{STORY}{}", i % 7)).collect();
        let posts: Vec<(u64, u32, &str, &str)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u64, 1 + (i as u32 % 5), "标题", t.as_str()))
            .collect();
        let store = store_of(dir.path(), &posts);
        let segments = store.segments();
        let tmp = dir.path().join("tmp");
        let in_memory = exact_copies(&segments, &tmp, usize::MAX).unwrap();
        let spilled = exact_copies(&segments, &tmp, 1).unwrap();
        assert_eq!(in_memory.len(), 33);
        assert_eq!(spilled, in_memory);
        assert!(!tmp.exists(), "the spill folder is removed");
    }

    #[test]
    fn a_lightly_edited_republication_is_a_near_duplicate() {
        let edited = STORY.replace("今天", "今日");
        let dups = find(
            &[
                (0, 3, "统计局发布数据", STORY),
                (1, 3, "统计局发布数据（转载）", &edited),
                (2, 3, "春运", OTHER),
            ],
            0.75,
        );
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].0, 1);
        match &dups[0].1 {
            RejectReason::NearDuplicate { of, similarity } => {
                assert_eq!(of, "p0.md");
                assert!(*similarity >= 0.75 && *similarity < 1.0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn near_copies_are_sought_in_the_same_and_the_previous_month_only() {
        let edited = STORY.replace("今天", "今日");
        // Next month: found. Two months later: a new story as far as the
        // feed is concerned.
        assert_eq!(
            find(&[(0, 3, "统计", STORY), (1, 4, "统计", &edited)], 0.75).len(),
            1
        );
        assert!(find(&[(0, 3, "统计", STORY), (1, 5, "统计", &edited)], 0.75).is_empty());
        // The earlier month holds the original, whatever the doc order.
        let dups = find(&[(5, 3, "统计", STORY), (1, 4, "统计", &edited)], 0.75);
        assert_eq!(dups[0].0, 1);
    }

    #[test]
    fn different_stories_on_the_same_subject_are_kept() {
        let a = "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行。";
        let b = "春运第十天民航运送旅客二百万人次，机场加强运行保障，航空公司增加航班，旅客出行需求持续旺盛，客座率明显提升。";
        assert!(find(&[(0, 1, "春运", a), (1, 1, "春运", b)], 0.9).is_empty());
    }

    /// Lightly edited copies of two stories, interleaved: each copy is
    /// reported against the first post of its own story, and a copy that
    /// only resembles another copy (a chain) is kept.
    #[test]
    fn interleaved_stories_and_chains_are_settled_in_order() {
        let a1 = STORY.replacen("今天", "今日", 1);
        let a2 = a1.replacen("总体平稳", "总体稳定", 1);
        let b1 = OTHER.replacen("秩序井然", "秩序良好", 1);
        let sim = |x: &str, y: &str| jaccard(&shingle_set(x), &shingle_set(y));
        let t = |s: &str| format!("\n{s}");
        let threshold =
            (sim(&t(STORY), &t(&a1)).min(sim(&t(&a1), &t(&a2))) + sim(&t(STORY), &t(&a2))) / 2.0;
        assert!(sim(&t(STORY), &t(&a2)) < threshold);
        let dups = find(
            &[
                (0, 1, "", STORY),
                (1, 1, "", OTHER),
                (2, 1, "", &a1),
                (3, 1, "", &b1),
                (4, 1, "", &a2),
            ],
            threshold,
        );
        let found: Vec<(u64, String)> = dups
            .into_iter()
            .map(|(i, r)| match r {
                RejectReason::NearDuplicate { of, .. } => (i, of),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found, vec![(2, "p0.md".into()), (3, "p1.md".into())]);
    }

    #[test]
    fn the_exact_key_hashes_the_text_without_whitespace() {
        assert_eq!(
            exact_key("标题 A", "第一段\n\n第二　段 end "),
            xxhash_rust::xxh3::xxh3_128("标题A第一段第二段end".as_bytes())
        );
    }

    #[test]
    fn short_texts_have_no_signature() {
        assert!(signature("快讯", "股市收涨").is_empty());
        assert_eq!(signature("统计", STORY).len(), HASHES);
    }
}

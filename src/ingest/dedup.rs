//! Finding re-published copies: exact duplicates and near-duplicates.
//!
//! Two posts are exact duplicates when their title + body are equal once
//! whitespace is ignored. They are near-duplicates when the Jaccard
//! similarity of their character 5-gram sets (letters and digits only) is at
//! least the threshold; candidates come from MinHash with LSH banding and
//! are confirmed by computing the exact similarity, so a reported
//! near-duplicate is never a hashing accident. The earliest post (in doc_id
//! order) is kept; each later copy is reported as a duplicate *of it*.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::{Doc, RejectReason};

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

/// A post's MinHash signature (empty for texts too short to compare).
pub type Signature = Vec<u64>;

/// The MinHash signature of a post.
pub fn signature_of(doc: &Doc) -> Signature {
    let s = shingle_hashes(doc);
    if s.is_empty() {
        Vec::new()
    } else {
        signature(&s).to_vec()
    }
}

/// The posts that are copies of an earlier one: (index into `docs`,
/// reason). `signatures[i]` is post `i`'s MinHash signature (see
/// [`signature_of`]); only used for near-duplicates.
pub fn find_duplicates(
    docs: &[Doc],
    signatures: &[Signature],
    near_threshold: Option<f64>,
) -> Vec<(usize, RejectReason)> {
    let mut out = Vec::new();
    let mut first_by_hash: HashMap<u128, usize> = HashMap::default();
    let mut is_copy = vec![false; docs.len()];
    let hashes: Vec<u128> = docs.par_iter().map(exact_key).collect();
    for (i, h) in hashes.iter().enumerate() {
        match first_by_hash.get(h) {
            Some(&orig) => {
                is_copy[i] = true;
                out.push((
                    i,
                    RejectReason::Duplicate {
                        of: docs[orig].path.clone(),
                    },
                ));
            }
            None => {
                first_by_hash.insert(*h, i);
            }
        }
    }
    if let Some(threshold) = near_threshold {
        out.extend(near_duplicates(docs, signatures, &is_copy, threshold));
        out.sort_by_key(|(i, _)| *i);
    }
    out
}

/// xxh3-128 of title and body with every whitespace character removed,
/// hashed piece by piece (the same value as hashing the squeezed text).
fn exact_key(doc: &Doc) -> u128 {
    let mut h = Xxh3::new();
    for part in [doc.title.as_str(), doc.body.as_str()] {
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
fn shingle_hashes(doc: &Doc) -> Vec<u64> {
    const BASE: u64 = 0x100_0000_01B3;
    let chars: Vec<u64> = doc
        .title
        .chars()
        .chain(doc.body.chars())
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
    } else if crate::segment::is_common_cjk(c) {
        Some(c)
    } else if c.is_alphanumeric() {
        c.to_lowercase().next()
    } else {
        None
    }
}

/// The distinct shingle hashes of a post, sorted (for exact Jaccard).
fn shingle_set(doc: &Doc) -> Vec<u64> {
    let mut set = shingle_hashes(doc);
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
fn signature(shingles: &[u64]) -> [u64; HASHES] {
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

fn near_duplicates(
    docs: &[Doc],
    signatures: &[Signature],
    is_copy: &[bool],
    threshold: f64,
) -> Vec<(usize, RejectReason)> {
    let sigs: Vec<Option<&[u64]>> = signatures
        .iter()
        .zip(is_copy)
        .map(|(s, &copy)| (!copy && s.len() == HASHES).then_some(s.as_slice()))
        .collect();
    let keys: Vec<Option<[u64; BANDS]>> = sigs.par_iter().map(|sig| sig.map(band_keys)).collect();
    // A post's candidates always share a band key with it, so the posts
    // fall into groups (connected by shared keys) that never see each other:
    // each group is settled on its own, in parallel, with the same result
    // as one pass over all posts.
    let mut groups: Vec<Vec<usize>> = related_groups(&keys);
    groups.retain(|g| g.len() > 1);
    let mut out: Vec<(usize, RejectReason)> = groups
        .par_iter()
        .flat_map_iter(|members| settle_group(members, docs, &sigs, &keys, threshold))
        .collect();
    out.sort_by_key(|(i, _)| *i);
    out
}

/// The LSH band keys of a signature.
fn band_keys(sig: &[u64]) -> [u64; BANDS] {
    std::array::from_fn(|b| {
        let band = &sig[b * ROWS..(b + 1) * ROWS];
        band.iter().fold(b as u64, |acc, &v| mix(acc ^ v))
    })
}

/// Posts connected by shared band keys (union-find), each group in post
/// order; posts without a signature are left out.
fn related_groups(keys: &[Option<[u64; BANDS]>]) -> Vec<Vec<usize>> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    let mut first: HashMap<u64, usize> = HashMap::default();
    for b in 0..BANDS {
        first.clear();
        for (i, k) in keys.iter().enumerate() {
            let Some(k) = k else { continue };
            let j = *first.entry(k[b]).or_insert(i);
            let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
            if ri != rj {
                parent[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let mut index: HashMap<usize, usize> = HashMap::default();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in (0..keys.len()).filter(|&i| keys[i].is_some()) {
        let r = root(&mut parent, i);
        let g = *index.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}

/// The near-duplicates among one group of related posts (`members` in post
/// order).
fn settle_group(
    members: &[usize],
    docs: &[Doc],
    sigs: &[Option<&[u64]>],
    keys: &[Option<[u64; BANDS]>],
    threshold: f64,
) -> Vec<(usize, RejectReason)> {
    // In post order: LSH candidates among the posts kept so far, ranked by
    // signature agreement (an estimate of the similarity with a standard
    // error of about 0.05 near 0.9 with 32 bins). Candidates more than 0.15
    // below the threshold are dropped; the others are confirmed on the
    // exact shingle sets, best-looking first (at most four, so the work per
    // post stays bounded when a story has many lightly edited copies), and
    // the first that reaches the threshold is the original. Sets of
    // candidates are kept in a bounded memo: the same original is met by
    // each of its copies.
    let mut buckets: Vec<HashMap<u64, Vec<usize>>> = vec![HashMap::default(); BANDS];
    let mut memo: HashMap<usize, Vec<u64>> = HashMap::default();
    let mut out = Vec::new();
    for &i in members {
        let (Some(sig), Some(keys)) = (sigs[i], keys[i]) else {
            continue;
        };
        let mut candidates: Vec<usize> = keys
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
                let other = sigs[j].expect("bucketed posts have signatures");
                (j, sig.iter().zip(other).filter(|(a, b)| a == b).count())
            })
            .filter(|&(_, agree)| agree as f64 >= (threshold - 0.15) * HASHES as f64)
            .collect();
        estimated.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        estimated.truncate(MAX_VERIFIED);
        let mut own: Option<Vec<u64>> = None;
        let original = estimated.into_iter().find_map(|(j, _)| {
            let mine = own.get_or_insert_with(|| shingle_set(&docs[i]));
            if memo.len() >= MEMO_SETS && !memo.contains_key(&j) {
                memo.clear();
            }
            let theirs = memo.entry(j).or_insert_with(|| shingle_set(&docs[j]));
            let similarity = jaccard(mine, theirs);
            (similarity >= threshold).then_some((j, similarity))
        });
        match original {
            Some((j, similarity)) => out.push((
                i,
                RejectReason::NearDuplicate {
                    of: docs[j].path.clone(),
                    similarity,
                },
            )),
            None => {
                for (k, bucket) in keys.into_iter().zip(buckets.iter_mut()) {
                    bucket.entry(k).or_default().push(i);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: usize, title: &str, body: &str) -> Doc {
        Doc {
            doc_id: id,
            path: format!("p{id}.md"),
            date: None,
            title: title.into(),
            body: body.into(),
            source: None,
            fields: vec![],
            extra: vec![],
        }
    }

    fn sigs(docs: &[Doc]) -> Vec<Signature> {
        docs.iter().map(signature_of).collect()
    }

    const STORY: &str = "国家统计局今天发布数据显示，前三季度国内生产总值同比增长百分之五点二，经济运行总体平稳，稳中有进，就业形势保持稳定，居民消费价格温和上涨，国际收支基本平衡，高质量发展扎实推进。";

    #[test]
    fn exact_copies_are_found_ignoring_whitespace() {
        let docs = vec![
            doc(0, "标题", STORY),
            doc(1, "别的", "完全不同的内容"),
            doc(2, "标题", &format!("  {STORY}\n")),
        ];
        let dups = find_duplicates(&docs, &sigs(&docs), None);
        assert_eq!(
            dups,
            vec![(2, RejectReason::Duplicate { of: "p0.md".into() })]
        );
    }

    #[test]
    fn a_lightly_edited_republication_is_a_near_duplicate() {
        let edited = STORY.replace("今天", "今日");
        let docs = vec![
            doc(0, "统计局发布数据", STORY),
            doc(1, "统计局发布数据（转载）", &edited),
            doc(2, "春运", "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行，返乡人流明显增加。"),
        ];
        // One changed character and a changed title: 79% of 5-grams shared.
        let dups = find_duplicates(&docs, &sigs(&docs), Some(0.75));
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
    fn different_stories_on_the_same_subject_are_kept() {
        let docs = vec![
            doc(0, "春运", "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行。"),
            doc(1, "春运", "春运第十天民航运送旅客二百万人次，机场加强运行保障，航空公司增加航班，旅客出行需求持续旺盛，客座率明显提升。"),
        ];
        assert!(find_duplicates(&docs, &sigs(&docs), Some(0.9)).is_empty());
    }

    /// Lightly edited copies of two stories, interleaved: each copy is
    /// reported against the first post of its own story, and a copy that
    /// only resembles another copy (a chain) is kept, as a single pass over
    /// all posts would decide.
    #[test]
    fn interleaved_stories_are_settled_as_in_one_pass() {
        const OTHER: &str = "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行，返乡人流明显增加，民航和公路客运同步加强运力。";
        // Each edit swaps one phrase; 0 and 4 differ by two edits.
        let a1 = STORY.replacen("今天", "今日", 1);
        let a2 = a1.replacen("总体平稳", "总体稳定", 1);
        let b1 = OTHER.replacen("秩序井然", "秩序良好", 1);
        let docs = vec![
            doc(0, "", STORY),
            doc(1, "", OTHER),
            doc(2, "", &a1),
            doc(3, "", &b1),
            doc(4, "", &a2),
        ];
        let s = sigs(&docs);
        let sim = |i: usize, j: usize| jaccard(&shingle_set(&docs[i]), &shingle_set(&docs[j]));
        let threshold = (sim(0, 2).min(sim(2, 4)) + sim(0, 4)) / 2.0;
        assert!(sim(0, 4) < threshold && sim(0, 2) >= threshold && sim(2, 4) >= threshold);
        let dups = find_duplicates(&docs, &s, Some(threshold));
        let found: Vec<(usize, String)> = dups
            .into_iter()
            .map(|(i, r)| match r {
                RejectReason::NearDuplicate { of, .. } => (i, of),
                other => panic!("{other:?}"),
            })
            .collect();
        // 2 copies 0; 3 copies 1; 4 resembles only 2, which is not kept.
        assert_eq!(found, vec![(2, "p0.md".into()), (3, "p1.md".into())]);
    }

    #[test]
    fn the_exact_key_hashes_the_text_without_whitespace() {
        let d = doc(0, "标题 A", "第一段\n\n第二　段 end ");
        assert_eq!(
            exact_key(&d),
            xxhash_rust::xxh3::xxh3_128("标题A第一段第二段end".as_bytes())
        );
    }
}

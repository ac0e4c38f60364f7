//! The keys `prepare` computes for each post so that copies can be found
//! later without reading the texts again: an exact-copy hash of the text
//! with whitespace removed, and a MinHash signature of its character
//! 5-grams (one-permutation, densified) with its LSH band keys.

use xxhash_rust::xxh3::Xxh3;

pub(super) const SHINGLE: usize = 5;
pub(super) const BANDS: usize = 8;
pub(super) const ROWS: usize = 4;
pub(super) const HASHES: usize = BANDS * ROWS;
/// Texts shorter than this (in letters and digits) are only checked for
/// exact copies: short flashes share too much wording by nature.
pub(super) const MIN_NEAR_CHARS: usize = 60;

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
pub(super) fn shingle_set(text: &str) -> Vec<u64> {
    let mut set = shingle_hashes(text);
    set.sort_unstable();
    set.dedup();
    set
}

pub(super) fn jaccard(a: &[u64], b: &[u64]) -> f64 {
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

/// A 64-bit mix of `z` (splitmix64: one step, then the finaliser).
fn mix(z: u64) -> u64 {
    crate::text::splitmix(z.wrapping_add(crate::text::GOLDEN))
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
pub(super) fn band_keys(sig: &[u32]) -> [u64; BANDS] {
    std::array::from_fn(|b| {
        let band = &sig[b * ROWS..(b + 1) * ROWS];
        band.iter().fold(b as u64, |acc, &v| mix(acc ^ v as u64))
    })
}

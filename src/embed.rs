//! Embed (an algorithm of `fit` and `assign`, layer 9): word vectors learned
//! from the archive itself, and a post's vector made of its words' vectors.
//!
//! TF-IDF → LSA gives two posts about one story different rows when they
//! use different words (降准 / 下调存款准备金率): a short post shares few
//! words with its neighbours. The archive itself says which words are used
//! alike. From the fitting sample (a bounded number of posts):
//!
//! 1. **Words**: the `--vector-words` most frequent words of the sample
//!    seen at least [`MIN_COUNT`] times (ties by word).
//! 2. **Co-occurrence**: every pair of those words at most `--vector-window`
//!    positions apart in a post counts `window + 1 − distance` (an integer,
//!    so the sums are exact whatever the order or the thread count). Pairs
//!    are counted in fixed blocks of posts and added into one table of at
//!    most [`MAX_PAIRS`] pairs: bounded memory (a pair first met when the
//!    table is full is left out, and the log says how many were).
//! 3. **PPMI**: positive pointwise mutual information, with the context
//!    distribution smoothed by the power 0.75 (Levy, Goldberg & Dagan 2015).
//! 4. **SVD**: the randomized truncated SVD of `reduce` on the PPMI matrix;
//!    a word's vector is its row of `U·Σ^½`, scaled to unit length.
//!
//! A post's vector is the sum of its words' vectors (every occurrence),
//! each weighted as SIF does (Arora, Liang & Ma 2017): `a / (a + p(w))` with
//! `a` = [`SIF_A`] and `p(w)` the word's share of the sample's words; then
//! scaled to unit length. Words without a vector add nothing. The row
//! k-means works on is the post's LSA row and its vector side by side,
//! weighted `1 − weight` and `weight` ([`combine`]), scaled to unit length.
//!
//! **Form words** ([`form_words`]): the words of a genre's formulas are
//! used alike in posts of every subject, so their vectors lie along the
//! archive's common direction (the first principal direction of the post
//! vectors, the component SIF removes). The fit lists them in run.json and,
//! with `--form-weight` below 1, weighs them down.
//!
//! Measured (docs/quality.md): the vector side raises NMI on short texts
//! of both labelled sets; weighing form words down lowered it on both, so
//! `--form-weight` defaults to 1; tapering the weight for long posts
//! (`--vector-full-words`) lowered it on whole articles, so it defaults to
//! off.
//!
//! The vectors are part of the model (`model.bin`), so `assign` and a re-run
//! that keeps the model do not learn them again, and another run can take
//! them (`--vectors-from`): a model fitted on a large archive lends its
//! word meaning to a run on a small one.

use std::path::PathBuf;

use ndarray::{Array1, Array2, ArrayView1};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::reduce::{self, ReduceParams};

/// Parameters of the word vectors.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbedParams {
    /// Dimensions of the word vectors learned from the archive (0: none,
    /// themes from the LSA rows alone).
    #[arg(
        long,
        default_value_t = 50,
        value_name = "N",
        help_heading = "Word vectors"
    )]
    pub vector_dims: usize,

    /// Words given a vector: the most frequent ones of the fitting sample.
    #[arg(
        long,
        default_value_t = 30_000,
        value_name = "N",
        help_heading = "Word vectors"
    )]
    pub vector_words: usize,

    /// Words on each side of a word that count as its context.
    #[arg(
        long,
        default_value_t = 5,
        value_name = "N",
        help_heading = "Word vectors"
    )]
    pub vector_window: usize,

    /// Weight of a post's word-vector side against its LSA side in the
    /// rows the themes are found in (0: LSA alone, 1: vectors alone).
    #[arg(
        long,
        default_value_t = 0.5,
        value_name = "0..1",
        help_heading = "Word vectors"
    )]
    pub vector_weight: f32,

    /// Remove from each post vector its component along the common
    /// direction of the fitting sample's post vectors, as SIF does.
    #[arg(long, help_heading = "Word vectors")]
    pub vector_remove_common: bool,

    /// Posts of up to this many words get the full `--vector-weight`; a
    /// longer post of n words gets `--vector-weight` × N / n, as its own
    /// words tell more of its subject the more of them there are (0: the
    /// full weight for every post).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "N",
        help_heading = "Word vectors"
    )]
    pub vector_full_words: u32,

    /// Take the word vectors from another run's model (its model.bin, or
    /// the cache folder holding it) instead of learning them from this
    /// archive: a model fitted on a large archive lends its word meaning to
    /// a small one.
    #[arg(long, value_name = "FILE|DIR", help_heading = "Word vectors")]
    pub vectors_from: Option<PathBuf>,

    /// How far form words are weighed down: their idf and their weight in
    /// a post's vector are multiplied by this (1: not at all). Form words
    /// are found from the archive either way (run.json lists them); weighing
    /// them down lowered NMI on both labelled sets (docs/quality.md), hence
    /// the default 1.
    #[arg(
        long,
        default_value_t = 1.0,
        value_name = "0..1",
        help_heading = "Word vectors"
    )]
    pub form_weight: f32,
}

impl Default for EmbedParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl EmbedParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if self.vector_dims > 500 {
            return Err(Error::param("--vector-dims", "must be at most 500"));
        }
        if self.vector_dims == 1 {
            return Err(Error::param(
                "--vector-dims",
                "must be 0 (none) or at least 2",
            ));
        }
        if !(100..=1_000_000).contains(&self.vector_words) {
            return Err(Error::param(
                "--vector-words",
                "must be between 100 and 1,000,000",
            ));
        }
        if !(1..=20).contains(&self.vector_window) {
            return Err(Error::param("--vector-window", "must be between 1 and 20"));
        }
        if !(0.0..=1.0).contains(&self.vector_weight) {
            return Err(Error::param("--vector-weight", "must be between 0 and 1"));
        }
        if !(0.0..=1.0).contains(&self.form_weight) {
            return Err(Error::param("--form-weight", "must be between 0 and 1"));
        }
        Ok(())
    }

    /// Whether posts get a vector side at all.
    pub fn enabled(&self) -> bool {
        self.vector_weight > 0.0 && (self.vector_dims > 0 || self.vectors_from.is_some())
    }
}

/// A word needs this many occurrences in the sample to get a vector.
pub const MIN_COUNT: u64 = 5;
/// At most this many distinct word pairs are counted (about 16 bytes each).
pub const MAX_PAIRS: usize = 40_000_000;
/// SIF's smoothing constant `a`.
pub const SIF_A: f32 = 1e-3;
/// Posts per block of the co-occurrence count (fixed, for determinism).
const BLOCK: usize = 1024;
/// Power iterations of the SVD of the PPMI matrix.
const SVD_ITERS: usize = 5;
/// Context-distribution smoothing of PPMI.
const CONTEXT_POWER: f64 = 0.75;

/// The word vectors of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordVectors {
    /// The words, sorted (a word's index is its place here).
    pub words: Vec<String>,
    /// Words × dims, rows of unit length (zero for a word with no pair).
    pub vectors: Array2<f32>,
    /// Each word's SIF weight `a / (a + p(w))`.
    pub weight: Vec<f32>,
    /// Posts they were learned on.
    pub posts: u64,
    /// Distinct pairs counted, and pairs left out for the table being full.
    pub pairs: u64,
    /// Pairs met when the table was full (left out).
    pub pairs_dropped: u64,
    /// Where they came from: `learned` or the model file they were taken from.
    pub source: String,
}

/// What run.json says of the vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorsInfo {
    /// `learned` (from this archive) or the model file they came from.
    pub source: String,
    /// Words with a vector.
    pub words: usize,
    /// Their dimensions.
    pub dims: usize,
    /// Posts they were learned on.
    pub posts: u64,
    /// Distinct word pairs counted.
    pub pairs: u64,
    /// Weight of the vector side of a post's row.
    pub weight: f32,
    /// `--form-weight`: how far the form words were weighed down (1: not).
    pub form_weight: f32,
    /// Posts up to this many words get the full weight (0: all).
    pub full_words: u32,
    /// Form words found (weighed down), most formulaic first.
    pub form_words: Vec<String>,
}

impl WordVectors {
    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.vectors.ncols()
    }

    /// The index of `word`, if it has a vector.
    pub fn index(&self, word: &str) -> Option<u32> {
        self.words
            .binary_search_by(|w| w.as_str().cmp(word))
            .ok()
            .map(|i| i as u32)
    }

    /// For each word of a sorted local vocabulary, its index: one merge of
    /// two sorted lists.
    pub fn map_sorted<S: AsRef<str>>(&self, vocab: &[S]) -> Vec<Option<u32>> {
        let mut out = Vec::with_capacity(vocab.len());
        let mut f = 0usize;
        for w in vocab {
            let w = w.as_ref();
            while f < self.words.len() && self.words[f].as_str() < w {
                f += 1;
            }
            out.push((f < self.words.len() && self.words[f] == w).then_some(f as u32));
        }
        out
    }

    /// A post's vector from its words' indexes (with repeats): the SIF
    /// weighted sum, unit length, zero when no word has a vector.
    pub fn post(&self, words: &[u32]) -> Array1<f32> {
        let mut v = Array1::<f32>::zeros(self.dims());
        for &w in words {
            v.scaled_add(self.weight[w as usize], &self.vectors.row(w as usize));
        }
        let norm = v.dot(&v).sqrt();
        if norm > 0.0 {
            v /= norm;
        }
        v
    }

    /// The `n` words nearest to `word` by cosine, with it; `None` when the
    /// word has no vector.
    pub fn nearest(&self, word: &str, n: usize) -> Option<Vec<(String, f32)>> {
        let i = self.index(word)? as usize;
        let q = self.vectors.row(i);
        if q.iter().all(|&x| x == 0.0) {
            return Some(Vec::new());
        }
        let sims = self.vectors.dot(&q);
        let mut order: Vec<usize> = (0..self.words.len()).filter(|&j| j != i).collect();
        order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]).then(a.cmp(&b)));
        Some(
            order
                .into_iter()
                .take(n)
                .map(|j| (self.words[j].clone(), sims[j]))
                .collect(),
        )
    }

    /// What run.json says of them.
    pub fn info(
        &self,
        weight: f32,
        full_words: u32,
        form_weight: f32,
        form_words: &[String],
    ) -> VectorsInfo {
        VectorsInfo {
            source: self.source.clone(),
            words: self.words.len(),
            dims: self.dims(),
            posts: self.posts,
            pairs: self.pairs,
            weight,
            full_words,
            form_weight,
            form_words: form_words.to_vec(),
        }
    }
}

/// The weight of the vector side of a post of `n_words` words (with
/// repeats): `weight` up to `full_words` words, then `weight × full_words /
/// n_words` (`full_words` 0: always `weight`).
pub fn side_weight(weight: f32, full_words: u32, n_words: usize) -> f32 {
    if full_words == 0 || n_words <= full_words as usize {
        weight
    } else {
        weight * full_words as f32 / n_words as f32
    }
}

/// A post's LSA row and word vector side by side, weighted `1 − weight` and
/// `weight`, scaled to unit length. Both parts come unit length (or zero).
pub fn combine(lsa: ArrayView1<f32>, vector: ArrayView1<f32>, weight: f32) -> Array1<f32> {
    let mut out = Array1::<f32>::zeros(lsa.len() + vector.len());
    let (a, b) = (1.0 - weight, weight);
    for (o, &x) in out.iter_mut().zip(lsa.iter()) {
        *o = a * x;
    }
    for (o, &x) in out.iter_mut().skip(lsa.len()).zip(vector.iter()) {
        *o = b * x;
    }
    let norm = out.dot(&out).sqrt();
    if norm > 0.0 {
        out /= norm;
    }
    out
}

/// Learns word vectors from `posts` (each a list of word ids of a
/// vocabulary of `n_words` words named by `name`), as the module says.
pub fn learn(
    posts: &[&[u32]],
    n_words: usize,
    name: &dyn Fn(u32) -> String,
    params: &EmbedParams,
    seed: u64,
) -> Result<Learned> {
    // Words: the most frequent of the sample.
    let mut cf = vec![0u64; n_words];
    let mut tokens = 0u64;
    for p in posts {
        for &w in p.iter() {
            cf[w as usize] += 1;
            tokens += 1;
        }
    }
    let mut chosen: Vec<u32> = (0..n_words as u32)
        .filter(|&w| cf[w as usize] >= MIN_COUNT)
        .collect();
    chosen.sort_by(|&a, &b| cf[b as usize].cmp(&cf[a as usize]).then(a.cmp(&b)));
    chosen.truncate(params.vector_words);
    // Sorted by word: a word's index is its place among the names.
    let mut named: Vec<(String, u32)> = chosen.iter().map(|&w| (name(w), w)).collect();
    named.sort();
    let v = named.len();
    let mut local = vec![u32::MAX; n_words];
    for (i, (_, w)) in named.iter().enumerate() {
        local[*w as usize] = i as u32;
    }
    if v < 3 {
        return Err(Error::Numeric {
            stage: "vectors",
            reason: format!(
                "{v} words occur {MIN_COUNT} times or more in the posts fitted on, at least 3 needed for word vectors (--vector-dims 0 turns them off)"
            ),
        });
    }
    let (pairs, dropped) = cooccurrence(posts, &local, v, params.vector_window);
    let ppmi = ppmi(&pairs, v)?;
    let dims = params.vector_dims.min(v - 1);
    let basis = reduce::fit_basis(
        &ppmi,
        &ReduceParams {
            dims,
            svd_iters: SVD_ITERS,
        },
        seed,
        None,
    )?;
    let mut vectors = basis.components;
    for (mut col, &s) in vectors
        .columns_mut()
        .into_iter()
        .zip(&basis.singular_values)
    {
        col *= s.max(0.0).sqrt();
    }
    for mut row in vectors.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
    let total = tokens.max(1) as f32;
    let weight = named
        .iter()
        .map(|(_, w)| SIF_A / (SIF_A + cf[*w as usize] as f32 / total))
        .collect();
    Ok(Learned {
        vectors: WordVectors {
            words: named.into_iter().map(|(s, _)| s).collect(),
            vectors,
            weight,
            posts: posts.len() as u64,
            pairs: pairs.len() as u64,
            pairs_dropped: dropped,
            source: "learned".into(),
        },
        local,
    })
}

/// Learned vectors and, for each id of the vocabulary learned from, its
/// index among them (`u32::MAX`: none).
pub struct Learned {
    /// The vectors.
    pub vectors: WordVectors,
    /// Vocabulary id → vector index.
    pub local: Vec<u32>,
}

/// Pair counts `(a, b, count)` with `a < b`, sorted; and the number of
/// pair occurrences left out because the table was full.
fn cooccurrence(
    posts: &[&[u32]],
    local: &[u32],
    v: usize,
    window: usize,
) -> (Vec<(u32, u32, u32)>, u64) {
    let key = |a: u32, b: u32| (a.min(b) as u64) * v as u64 + a.max(b) as u64;
    let blocks: Vec<Vec<(u64, u32)>> = posts
        .par_chunks(BLOCK)
        .map(|block| {
            let mut events: Vec<(u64, u32)> = Vec::new();
            for p in block {
                let ids: Vec<u32> = p.iter().map(|&w| local[w as usize]).collect();
                for (i, &a) in ids.iter().enumerate() {
                    if a == u32::MAX {
                        continue;
                    }
                    for (d, &b) in ids.iter().enumerate().skip(i + 1).take(window) {
                        if b == u32::MAX || b == a {
                            continue;
                        }
                        events.push((key(a, b), (window + 1 - (d - i)) as u32));
                    }
                }
            }
            events.sort_unstable_by_key(|e| e.0);
            let mut out: Vec<(u64, u32)> = Vec::with_capacity(events.len() / 2);
            for e in events {
                match out.last_mut() {
                    Some(last) if last.0 == e.0 => last.1 += e.1,
                    _ => out.push(e),
                }
            }
            out
        })
        .collect();
    let mut table: HashMap<u64, u32> = HashMap::default();
    let mut dropped = 0u64;
    for block in blocks {
        for (k, c) in block {
            if let Some(x) = table.get_mut(&k) {
                *x = x.saturating_add(c);
            } else if table.len() < MAX_PAIRS {
                table.insert(k, c);
            } else {
                dropped += 1;
            }
        }
    }
    let mut pairs: Vec<(u32, u32, u32)> = table
        .into_iter()
        .map(|(k, c)| ((k / v as u64) as u32, (k % v as u64) as u32, c))
        .collect();
    pairs.par_sort_unstable();
    (pairs, dropped)
}

/// The PPMI matrix of symmetric pair counts, `v × v`, CSR.
fn ppmi(pairs: &[(u32, u32, u32)], v: usize) -> Result<crate::vectorize::SparseMatrix> {
    let mut marginal = vec![0f64; v];
    for &(a, b, c) in pairs {
        marginal[a as usize] += c as f64;
        marginal[b as usize] += c as f64;
    }
    let total: f64 = marginal.iter().sum();
    let smoothed: Vec<f64> = marginal.iter().map(|m| m.powf(CONTEXT_POWER)).collect();
    let smoothed_total: f64 = smoothed.iter().sum();
    if total <= 0.0 {
        return Err(Error::Numeric {
            stage: "vectors",
            reason: "no two words with a vector occur near each other in the posts fitted on"
                .into(),
        });
    }
    let pmi = |a: usize, b: usize, c: f64| -> f32 {
        // log( P(a,b) / (P(a) · Pα(b)) )
        ((c / total) / ((marginal[a] / total) * (smoothed[b] / smoothed_total))).ln() as f32
    };
    let mut tri = sprs::TriMatI::<f32, u32>::with_capacity((v, v), 2 * pairs.len());
    for &(a, b, c) in pairs {
        let (a, b, c) = (a as usize, b as usize, c as f64);
        let ab = pmi(a, b, c);
        if ab > 0.0 {
            tri.add_triplet(a, b, ab);
        }
        let ba = pmi(b, a, c);
        if ba > 0.0 {
            tri.add_triplet(b, a, ba);
        }
    }
    Ok(tri.to_csr::<usize>())
}

/// Form words: among `candidates` (indexes of words with a vector, e.g.
/// the lexicon's frequent features), those whose vector lies closest to the
/// common direction of the post vectors `posts` (its first principal
/// direction, uncentred: the direction every post shares, whatever its
/// subject), at most `max`, most formulaic first. A word qualifies when
/// its cosine to that direction stands out among the candidates': at least
/// `z` standard deviations above their mean.
pub fn form_words(
    vectors: &WordVectors,
    common: ArrayView1<f32>,
    candidates: &[u32],
    z: f32,
    max: usize,
) -> Vec<(u32, f32)> {
    if vectors.dims() == 0 || candidates.len() < 10 {
        return Vec::new();
    }
    let cos: Vec<(u32, f32)> = candidates
        .iter()
        .map(|&w| (w, vectors.vectors.row(w as usize).dot(&common)))
        .collect();
    let n = cos.len() as f64;
    let mean = cos.iter().map(|c| c.1 as f64).sum::<f64>() / n;
    let sd = (cos.iter().map(|c| (c.1 as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    let threshold = (mean + z as f64 * sd) as f32;
    let mut scored: Vec<(u32, f32)> = cos.into_iter().filter(|&(_, c)| c >= threshold).collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(max);
    scored
}

/// Removes from a post vector its component along the unit vector
/// `common` (SIF's common-component removal) and scales it back to unit
/// length; nothing when `common` is empty.
pub fn remove_common(v: &mut Array1<f32>, common: &[f32]) {
    if common.len() != v.len() {
        return;
    }
    let along: f32 = v.iter().zip(common).map(|(a, b)| a * b).sum();
    for (x, &c) in v.iter_mut().zip(common) {
        *x -= along * c;
    }
    let norm = v.dot(v).sqrt();
    if norm > 0.0 {
        *v /= norm;
    }
}

/// The common direction of post vectors `x` (rows × dims): the first right
/// singular vector, sign fixed so that the rows' mean projection is
/// positive. Zero for fewer than two rows.
pub fn common_direction(x: &Array2<f32>) -> Result<Array1<f32>> {
    if x.nrows() < 2 {
        return Ok(Array1::zeros(x.ncols()));
    }
    let xd = x.mapv(f64::from);
    let g = xd.t().dot(&xd);
    let (_, vecs) = reduce::symmetric_eigen(&g)?;
    let mut d = vecs.column(0).mapv(|v| v as f32);
    let mean: f32 = x.dot(&d).sum();
    if mean < 0.0 {
        d.mapv_inplace(|v| -v);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two groups of words never seen together but each with the same
    /// neighbours: the words of a group come out close, the groups apart.
    #[test]
    fn words_used_alike_get_close_vectors() {
        // Group A: words 0-4 with contexts 10-14; group B: 5-9 with 15-19.
        // Words 0 and 1 never meet, but share their contexts.
        let mut posts: Vec<Vec<u32>> = Vec::new();
        for i in 0..400u32 {
            let g = if i % 2 == 0 { 0 } else { 5 };
            let w = g + (i / 2) % 5;
            let c1 = 10 + g + (i / 3) % 5;
            let c2 = 10 + g + (i / 7) % 5;
            posts.push(vec![c1, w, c2]);
        }
        let refs: Vec<&[u32]> = posts.iter().map(|p| p.as_slice()).collect();
        let params = EmbedParams {
            vector_dims: 4,
            vector_window: 2,
            vector_words: 100,
            ..Default::default()
        };
        let name = |w: u32| format!("w{w:02}");
        let l = learn(&refs, 20, &name, &params, 7).unwrap();
        let vec = |w: &str| {
            l.vectors
                .vectors
                .row(l.vectors.index(w).unwrap() as usize)
                .to_owned()
        };
        let same = vec("w00").dot(&vec("w01"));
        let other = vec("w00").dot(&vec("w05"));
        assert!(same > 0.8, "{same}");
        assert!(other < 0.3, "{other}");
        let near = l.vectors.nearest("w00", 4).unwrap();
        assert!(
            near.iter().all(|(w, _)| [
                "w01", "w02", "w03", "w04", "w10", "w11", "w12", "w13", "w14"
            ]
            .contains(&w.as_str())),
            "{near:?}"
        );
    }
}

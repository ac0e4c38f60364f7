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
//!    are counted in fixed blocks of posts, placed by word (a counting
//!    sort) and summed row by row. A sample holding more than
//!    `--vector-tokens` words is first thinned to evenly spaced posts: the
//!    pair statistics settle long before a sample of long articles is
//!    exhausted, and the memory stays bounded.
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
//! vectors, the component SIF removes), and the posts that hold them are
//! spread like the archive's (the mean of their vectors lies near the mean
//! of all: [`spread_distances`]). The fit lists them in run.json and, with
//! `--form-weight` below 1, weighs them down.
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

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
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

    /// Words (with repeats) the word pairs are counted in: a fitting
    /// sample holding more is thinned to evenly spaced posts (in doc order)
    /// holding about this many. Pair statistics settle long before a
    /// sample of long articles is exhausted; short posts never reach it.
    #[arg(
        long,
        default_value_t = 4_000_000,
        value_name = "N",
        help_heading = "Word vectors"
    )]
    pub vector_tokens: u64,

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
        if self.vector_tokens < 10_000 {
            return Err(Error::param("--vector-tokens", "must be at least 10,000"));
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
/// SIF's smoothing constant `a`.
pub const SIF_A: f32 = 1e-3;
/// Words (with repeats) per block of the co-occurrence count (fixed by the
/// posts, for determinism; a block's pair occurrences take about 16 bytes
/// × `--vector-window` per word).
const BLOCK_TOKENS: usize = 250_000;
/// Power iterations of the SVD of the PPMI matrix. Three instead of five
/// gave the same NMI on THUCNews, whole and cut short, but lowered the
/// flash archive's theme coherence (NPMI over the raw texts, `--k 55`,
/// seeds 0–3: 0.234 against 0.246), so five stay.
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
    /// Distinct pairs counted.
    pub pairs: u64,
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
    let counted = thin(posts, tokens, params.vector_tokens);
    let pairs = cooccurrence(&counted, &local, v, params.vector_window);
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
            posts: counted.len() as u64,
            pairs: pairs.cols.len() as u64 / 2,
            source: "learned".into(),
        },
        local,
    })
}

/// The posts the word pairs are counted in: all of `posts` when their
/// `tokens` words are within `budget`, else `m` evenly spaced ones, with
/// `m` the share of posts that holds about `budget` words.
fn thin<'a>(posts: &[&'a [u32]], tokens: u64, budget: u64) -> Vec<&'a [u32]> {
    let n = posts.len();
    if tokens <= budget || n == 0 {
        return posts.to_vec();
    }
    let m = ((n as u128 * budget as u128).div_ceil(tokens as u128) as usize).clamp(1, n);
    (0..m).map(|j| posts[j * n / m]).collect()
}

/// Learned vectors and, for each id of the vocabulary learned from, its
/// index among them (`u32::MAX`: none).
pub struct Learned {
    /// The vectors.
    pub vectors: WordVectors,
    /// Vocabulary id → vector index.
    pub local: Vec<u32>,
}

/// The symmetric matrix of pair counts among the `v` words with a vector
/// (`local` maps a vocabulary id to its index, `u32::MAX`: none): row `a`,
/// column `b` holds the summed weights `window + 1 − distance` of every
/// time `a` and `b` (`a ≠ b`) occur at most `window` positions apart.
///
/// Counted without a hash table or a sort of all pair occurrences: each
/// fixed block of posts places its occurrences by row (a counting sort)
/// and sums them per row; the blocks' rows are then summed row by row in
/// parallel. Integer sums, so the result does not depend on the order or
/// the thread count. Memory: about 8 bytes per pair occurrence of the posts
/// (bounded by `--vector-tokens` × 2 × `--vector-window`).
fn cooccurrence(posts: &[&[u32]], local: &[u32], v: usize, window: usize) -> CountRows {
    count_pairs(posts, local, v, window, BLOCK_TOKENS)
}

/// [`cooccurrence`] in blocks of about `block_tokens` words.
fn count_pairs(
    posts: &[&[u32]],
    local: &[u32],
    v: usize,
    window: usize,
    block_tokens: usize,
) -> CountRows {
    // Blocks of about `block_tokens` words: fixed by the posts alone.
    let mut bounds = vec![0usize];
    let mut words = 0usize;
    for (i, p) in posts.iter().enumerate() {
        words += p.len();
        if words >= block_tokens {
            bounds.push(i + 1);
            words = 0;
        }
    }
    if *bounds.last().unwrap() < posts.len() {
        bounds.push(posts.len());
    }
    let blocks: Vec<CountRows> = bounds
        .par_windows(2)
        .map(|w| block_counts(&posts[w[0]..w[1]], local, v, window))
        .collect();
    // Rows in ranges, in parallel; each row is the merge of its blocks'
    // (sorted) rows.
    const ROWS: usize = 512;
    let ranges: Vec<(Vec<usize>, Vec<u32>, Vec<u32>)> = (0..v.div_ceil(ROWS))
        .into_par_iter()
        .map(|r| {
            let (lo, hi) = (r * ROWS, ((r + 1) * ROWS).min(v));
            let mut lens = Vec::with_capacity(hi - lo);
            let mut cols = Vec::new();
            let mut counts = Vec::new();
            let mut sums = RowSums::new(v);
            for a in lo..hi {
                for b in &blocks {
                    let (s, e) = (b.offsets[a], b.offsets[a + 1]);
                    for (&c, &n) in b.cols[s..e].iter().zip(&b.counts[s..e]) {
                        sums.add(c, n);
                    }
                }
                lens.push(sums.drain_into(&mut cols, &mut counts));
            }
            (lens, cols, counts)
        })
        .collect();
    let mut out = CountRows {
        offsets: Vec::with_capacity(v + 1),
        cols: Vec::new(),
        counts: Vec::new(),
    };
    out.offsets.push(0);
    for (lens, cols, counts) in ranges {
        for l in lens {
            out.offsets.push(out.offsets.last().unwrap() + l);
        }
        out.cols.extend(cols);
        out.counts.extend(counts);
    }
    out
}

/// Pair counts by row: row `a` is `cols[offsets[a]..offsets[a + 1]]`
/// (ascending) with their `counts`.
struct CountRows {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    counts: Vec<u32>,
}

/// Sums by column of one row at a time: a dense array over the columns and
/// the list of columns touched.
struct RowSums {
    sum: Vec<u32>,
    touched: Vec<u32>,
}

impl RowSums {
    fn new(v: usize) -> Self {
        RowSums {
            sum: vec![0; v],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, col: u32, n: u32) {
        let s = &mut self.sum[col as usize];
        if *s == 0 {
            self.touched.push(col);
        }
        *s = s.saturating_add(n);
    }

    /// Appends the row's columns (ascending) and sums, clears it, and
    /// returns how many there were.
    fn drain_into(&mut self, cols: &mut Vec<u32>, counts: &mut Vec<u32>) -> usize {
        self.touched.sort_unstable();
        for &c in &self.touched {
            cols.push(c);
            counts.push(std::mem::take(&mut self.sum[c as usize]));
        }
        let n = self.touched.len();
        self.touched.clear();
        n
    }
}

/// One block's pair counts by row, both directions.
fn block_counts(block: &[&[u32]], local: &[u32], v: usize, window: usize) -> CountRows {
    let mut ids: Vec<u32> = Vec::new();
    // Calls `f(a, b, weight)` for each pair occurrence, both ways; generic
    // in `f`, so that each pass's closure is inlined into the loop.
    fn each(
        block: &[&[u32]],
        local: &[u32],
        window: usize,
        ids: &mut Vec<u32>,
        mut f: impl FnMut(u32, u32, u32),
    ) {
        for p in block {
            ids.clear();
            ids.extend(p.iter().map(|&w| local[w as usize]));
            for (i, &a) in ids.iter().enumerate() {
                if a == u32::MAX {
                    continue;
                }
                for (d, &b) in ids.iter().enumerate().skip(i + 1).take(window) {
                    if b == u32::MAX || b == a {
                        continue;
                    }
                    let weight = (window + 1 - (d - i)) as u32;
                    f(a, b, weight);
                    f(b, a, weight);
                }
            }
        }
    }
    let mut offsets = vec![0usize; v + 1];
    each(block, local, window, &mut ids, |a, _, _| {
        offsets[a as usize + 1] += 1
    });
    for a in 0..v {
        offsets[a + 1] += offsets[a];
    }
    let mut cursor = offsets.clone();
    let total = offsets[v];
    let mut cols = vec![0u32; total];
    let mut counts = vec![0u32; total];
    each(block, local, window, &mut ids, |a, b, w| {
        let at = &mut cursor[a as usize];
        cols[*at] = b;
        counts[*at] = w;
        *at += 1;
    });
    // Each row summed by column (ascending), compacted in place: a row's
    // sums never outnumber its occurrences, so they fit where it starts.
    let mut sums = RowSums::new(v);
    let mut kept = 0usize;
    let mut new_offsets = Vec::with_capacity(v + 1);
    new_offsets.push(0);
    let mut row_cols = Vec::new();
    let mut row_counts = Vec::new();
    for a in 0..v {
        for i in offsets[a]..offsets[a + 1] {
            sums.add(cols[i], counts[i]);
        }
        row_cols.clear();
        row_counts.clear();
        let n = sums.drain_into(&mut row_cols, &mut row_counts);
        cols[kept..kept + n].copy_from_slice(&row_cols);
        counts[kept..kept + n].copy_from_slice(&row_counts);
        kept += n;
        new_offsets.push(kept);
    }
    // Only the sums are kept until the blocks are merged.
    cols.truncate(kept);
    cols.shrink_to_fit();
    counts.truncate(kept);
    counts.shrink_to_fit();
    CountRows {
        offsets: new_offsets,
        cols,
        counts,
    }
}

/// The PPMI matrix of the symmetric pair counts, `v × v`, CSR.
fn ppmi(pairs: &CountRows, v: usize) -> Result<crate::vectorize::SparseMatrix> {
    let marginal: Vec<f64> = (0..v)
        .map(|a| {
            pairs.counts[pairs.offsets[a]..pairs.offsets[a + 1]]
                .iter()
                .map(|&c| c as f64)
                .sum()
        })
        .collect();
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
    let mut indptr = Vec::with_capacity(v + 1);
    let mut indices = Vec::with_capacity(pairs.cols.len());
    let mut data = Vec::with_capacity(pairs.cols.len());
    indptr.push(0usize);
    for a in 0..v {
        let (s, e) = (pairs.offsets[a], pairs.offsets[a + 1]);
        for (&b, &c) in pairs.cols[s..e].iter().zip(&pairs.counts[s..e]) {
            let x = pmi(a, b as usize, c as f64);
            if x > 0.0 {
                indices.push(b);
                data.push(x);
            }
        }
        indptr.push(indices.len());
    }
    crate::vectorize::SparseMatrix::try_new((v, v), indptr, indices, data).map_err(|e| {
        Error::Numeric {
            stage: "vectors",
            reason: format!("the PPMI matrix: {}", e.3),
        }
    })
}

/// A form word's spread ([`spread_distances`]) is at most this quantile of
/// the candidates' (ties pass; 0, within chance, always does).
pub const FORM_SPREAD_SHARE: f64 = 0.25;

/// Form words: among `candidates` (indexes of words with a vector, e.g.
/// the lexicon's frequent features), those used alike in posts of every
/// subject, at most `max`, most formulaic first. A word qualifies on two
/// counts:
/// - its vector lies along the common direction of the post vectors
///   `common` (their first principal direction, uncentred: the direction
///   every post shares, whatever its subject): its cosine to it is at
///   least `z` standard deviations above the candidates' mean;
/// - the posts that hold it are spread like the archive: `spread`
///   ([`spread_distances`], one per candidate) is within the lowest
///   [`FORM_SPREAD_SHARE`] of the candidates'. A subject word can lie along
///   the common direction too (a word of the archive's main subject), but
///   its posts are that subject's.
pub fn form_words(
    vectors: &WordVectors,
    common: ArrayView1<f32>,
    candidates: &[u32],
    spread: &[f32],
    z: f32,
    max: usize,
) -> Vec<(u32, f32)> {
    debug_assert_eq!(spread.len(), candidates.len(), "one spread per candidate");
    if vectors.dims() == 0 || candidates.len() < 10 || spread.len() != candidates.len() {
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
    let mut known: Vec<f32> = spread.iter().copied().filter(|d| d.is_finite()).collect();
    if known.is_empty() {
        return Vec::new();
    }
    known.sort_by(f32::total_cmp);
    let spread_max = known[((known.len() - 1) as f64 * FORM_SPREAD_SHARE) as usize];
    let mut scored: Vec<(u32, f32)> = cos
        .into_iter()
        .zip(spread)
        .filter(|&((_, c), &d)| c >= threshold && d <= spread_max)
        .map(|(c, _)| c)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(max);
    scored
}

/// The fixed point of [`spread_distances`]' sums: 2^32 steps per unit (a
/// post vector's parts are at most 1, so 2^31 posts fit in an `i64`).
const FIXED: f64 = (1u64 << 32) as f64;

/// For each of `candidates` (word indexes), how far the posts that hold it
/// lie from the posts that do not, apart from what every post shares: the
/// distance `d` between the mean vectors of the two groups, with its
/// component along the common direction `common` removed (longer posts
/// lean further along it, whatever their subject), and
/// `sqrt(max(0, d² − E))`, where `E` is the squared distance two random
/// groups of the same sizes would show (so a word held by a hundred posts
/// is not made to look like a subject's by chance alone). 0: within chance.
///
/// `posts` holds one vector per post; `words_of(i, buf)` fills `buf` with
/// the word indexes of post `i` (repeats allowed), below `n_words`. Only
/// posts with a vector (a non-zero row) count. A candidate held by no such
/// post is `INFINITY`; one held by all, 0. The sums are exact integers, so
/// the result does not depend on the number of threads.
pub fn spread_distances<F>(
    posts: ArrayView2<f32>,
    words_of: F,
    candidates: &[u32],
    n_words: usize,
    common: ArrayView1<f32>,
) -> Vec<f32>
where
    F: Fn(usize, &mut Vec<u32>) + Sync,
{
    let dims = posts.ncols();
    let mut slot = vec![u32::MAX; n_words];
    for (i, &w) in candidates.iter().enumerate() {
        if let Some(s) = slot.get_mut(w as usize) {
            *s = i as u32;
        }
    }
    let live: Vec<bool> = posts
        .axis_iter(Axis(0))
        .map(|r| r.iter().any(|&x| x != 0.0))
        .collect();
    let n_all = live.iter().filter(|&&l| l).count();
    if n_all == 0 || dims == 0 {
        return vec![f32::INFINITY; candidates.len()];
    }
    let along = |v: ArrayView1<f32>| -> f64 {
        if common.len() == dims {
            v.iter()
                .zip(&common)
                .map(|(&x, &c)| x as f64 * c as f64)
                .sum()
        } else {
            0.0
        }
    };
    // The sum of all live posts, and the variance (trace) of a post off
    // the common direction.
    // In the fixed point of the per-word sums below, so that the posts
    // without a word are exactly all posts less those with it.
    let fixed = |x: f32| (x as f64 * FIXED).round() as i64;
    let mut total_fixed = vec![0i64; dims];
    let mut square = 0f64;
    for (r, _) in posts.axis_iter(Axis(0)).zip(&live).filter(|(_, &l)| l) {
        total_fixed
            .iter_mut()
            .zip(r)
            .for_each(|(t, &x)| *t += fixed(x));
        let a = along(r);
        square += r.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() - a * a;
    }
    let mean_all: Vec<f64> = total_fixed
        .iter()
        .map(|&t| t as f64 / FIXED / n_all as f64)
        .collect();
    let mean_along: f64 = if common.len() == dims {
        mean_all
            .iter()
            .zip(&common)
            .map(|(m, &c)| m * c as f64)
            .sum()
    } else {
        0.0
    };
    let variance = (square / n_all as f64
        - (mean_all.iter().map(|x| x * x).sum::<f64>() - mean_along.powi(2)))
    .max(0.0);
    // Each candidate's sum over the live posts that hold it, in parallel,
    // in fixed point: integer sums do not depend on the order the threads
    // add them in, so the list is the same on any number of threads.
    let (sums, held) = (0..posts.nrows())
        .into_par_iter()
        .filter(|&i| live[i])
        .fold(
            || {
                (
                    vec![0i64; candidates.len() * dims],
                    vec![0u32; candidates.len()],
                    Vec::<u32>::new(),
                )
            },
            |(mut sums, mut held, mut buf), i| {
                buf.clear();
                words_of(i, &mut buf);
                for w in buf.iter_mut() {
                    *w = slot.get(*w as usize).copied().unwrap_or(u32::MAX);
                }
                buf.sort_unstable();
                buf.dedup();
                let row = posts.row(i);
                for &s in buf.iter().take_while(|&&s| s != u32::MAX) {
                    let at = s as usize * dims;
                    sums[at..at + dims]
                        .iter_mut()
                        .zip(row)
                        .for_each(|(t, &x)| *t += fixed(x));
                    held[s as usize] += 1;
                }
                (sums, held, buf)
            },
        )
        .map(|(s, h, _)| (s, h))
        .reduce(
            || {
                (
                    vec![0i64; candidates.len() * dims],
                    vec![0u32; candidates.len()],
                )
            },
            |(mut s, mut h), (s2, h2)| {
                s.iter_mut().zip(&s2).for_each(|(a, b)| *a += b);
                h.iter_mut().zip(&h2).for_each(|(a, b)| *a += b);
                (s, h)
            },
        );
    (0..candidates.len())
        .map(|c| {
            let n = held[c] as usize;
            if n == 0 {
                return f32::INFINITY;
            }
            if n >= n_all {
                return 0.0;
            }
            let sum = &sums[c * dims..(c + 1) * dims];
            let rest = n_all - n;
            let mut diff: Vec<f64> = sum
                .iter()
                .zip(&total_fixed)
                .map(|(&s, &t)| (s as f64 / n as f64 - (t - s) as f64 / rest as f64) / FIXED)
                .collect();
            if common.len() == dims {
                let a: f64 = diff.iter().zip(&common).map(|(d, &c)| d * c as f64).sum();
                diff.iter_mut()
                    .zip(&common)
                    .for_each(|(d, &c)| *d -= a * c as f64);
            }
            let chance = variance * (1.0 / n as f64 + 1.0 / rest as f64);
            let d2 = diff.iter().map(|d| d * d).sum::<f64>() - chance;
            d2.max(0.0).sqrt() as f32
        })
        .collect()
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

    /// Pairs at most `window` apart, counted one by one.
    fn brute_pairs(posts: &[Vec<u32>], local: &[u32], window: usize) -> Vec<(u32, u32, u32)> {
        let mut m = std::collections::BTreeMap::new();
        for p in posts {
            for i in 0..p.len() {
                for j in i + 1..(i + 1 + window).min(p.len()) {
                    let (a, b) = (local[p[i] as usize], local[p[j] as usize]);
                    if a == u32::MAX || b == u32::MAX || a == b {
                        continue;
                    }
                    let w = (window + 1 - (j - i)) as u32;
                    *m.entry((a, b)).or_insert(0) += w;
                    *m.entry((b, a)).or_insert(0) += w;
                }
            }
        }
        m.into_iter().map(|((a, b), c)| (a, b, c)).collect()
    }

    #[test]
    fn a_word_along_the_common_direction_is_form_only_when_its_posts_are_of_every_subject() {
        // Two subjects; every post leans along e0 (the common direction).
        let norm = |v: [f32; 3]| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            vec![v[0] / n, v[1] / n, v[2] / n]
        };
        let (one, two) = (norm([1.0, 1.0, 0.0]), norm([1.0, 0.0, 1.0]));
        // Words 0–9 and 12 lie off the common direction; 10 and 11 along it.
        let mut vectors = Array2::<f32>::zeros((13, 3));
        for w in (0..10).chain([12]) {
            vectors
                .row_mut(w)
                .assign(&Array1::from(norm([0.1, 1.0, w as f32 * 0.1])));
        }
        vectors
            .row_mut(10)
            .assign(&Array1::from(vec![1.0, 0.0, 0.0]));
        vectors
            .row_mut(11)
            .assign(&Array1::from(vec![1.0, 0.0, 0.0]));
        let wv = WordVectors {
            words: (0..13).map(|w| format!("w{w:02}")).collect(),
            vectors,
            weight: vec![1.0; 13],
            posts: 0,
            pairs: 0,
            source: "test".into(),
        };
        // 40 posts, alternating subjects, and one with no vector at all.
        let mut posts = Array2::<f32>::zeros((41, 3));
        for i in 0..40 {
            posts.row_mut(i).assign(&Array1::from(if i % 2 == 0 {
                one.clone()
            } else {
                two.clone()
            }));
        }
        let firsts: Vec<usize> = (0..40).step_by(2).collect();
        let seconds: Vec<usize> = (1..40).step_by(2).collect();
        let mut words: Vec<Vec<u32>> = vec![Vec::new(); 41];
        for (i, w) in words.iter_mut().enumerate().take(40) {
            // Word 10, a formula: in three posts of four, of both subjects.
            if (i / 2) % 4 != 3 {
                w.push(10);
            }
        }
        for &i in &firsts {
            // Word 11, the first subject's own word: in all of its posts.
            words[i].push(11);
        }
        for f in 0..5 {
            // Fillers 0–4: three posts of the first subject to one of the second.
            for &i in &firsts[f * 3..f * 3 + 3] {
                words[i].push(f as u32);
            }
            words[seconds[f]].push(f as u32);
            // Fillers 5–9: three posts of the second subject only.
            for &i in &seconds[5 + f * 3..8 + f * 3] {
                words[i].push(5 + f as u32);
            }
        }
        // Word 12 is in no post; the post without a vector holds word 11.
        words[40].push(11);
        let candidates: Vec<u32> = (0..13).collect();
        let common = Array1::from(vec![1.0f32, 0.0, 0.0]);
        let spread = spread_distances(
            posts.view(),
            |i, buf| buf.extend(&words[i]),
            &candidates,
            13,
            common.view(),
        );
        assert!(spread[10] < 1e-6, "{spread:?}");
        assert!(spread[11] > 0.9, "{spread:?}");
        assert!(spread[0] > 0.0 && spread[0] < spread[5], "{spread:?}");
        assert_eq!(spread[12], f32::INFINITY);
        let found = form_words(&wv, common.view(), &candidates, &spread, 1.0, 10);
        let found: Vec<u32> = found.iter().map(|f| f.0).collect();
        assert_eq!(
            found,
            [10],
            "the subject word along the common direction is no form word"
        );
    }

    #[test]
    fn the_spread_is_the_same_on_any_number_of_threads() {
        // 5,000 pseudo-random unit rows of 8 dimensions, 40 words.
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut posts = Array2::<f32>::zeros((5000, 8));
        let mut words: Vec<Vec<u32>> = Vec::new();
        for mut row in posts.axis_iter_mut(Axis(0)) {
            for v in row.iter_mut() {
                *v = (next() % 2001) as f32 / 1000.0 - 1.0;
            }
            let n = row.dot(&row).sqrt();
            row.mapv_inplace(|v| v / n);
            words.push((0..6).map(|_| (next() % 40) as u32).collect());
        }
        let candidates: Vec<u32> = (0..40).collect();
        let common = Array1::from(vec![0.5f32, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]);
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    spread_distances(
                        posts.view(),
                        |i, buf| buf.extend(&words[i]),
                        &candidates,
                        40,
                        common.view(),
                    )
                })
        };
        let one = on(1);
        for threads in [2, 4, 7] {
            let other = on(threads);
            let same = one
                .iter()
                .zip(&other)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{threads} threads: {one:?} against {other:?}");
        }
    }

    #[test]
    fn pair_counts_are_exact_whatever_the_blocks() {
        // 40 posts of 0..30 words over 12 words, one of them without a
        // vector (index u32::MAX).
        let mut x = 7u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u32
        };
        let posts: Vec<Vec<u32>> = (0..40)
            .map(|_| {
                let n = next() % 30;
                (0..n).map(|_| next() % 12).collect()
            })
            .collect();
        let local: Vec<u32> = (0..12)
            .map(|w| if w == 5 { u32::MAX } else { w.min(10) })
            .collect();
        let refs: Vec<&[u32]> = posts.iter().map(|p| p.as_slice()).collect();
        let want = brute_pairs(&posts, &local, 3);
        for block in [1, 7, 50, 1_000_000] {
            let got = count_pairs(&refs, &local, 11, 3, block);
            let mut flat = Vec::new();
            for a in 0..11 {
                for i in got.offsets[a]..got.offsets[a + 1] {
                    flat.push((a as u32, got.cols[i], got.counts[i]));
                }
            }
            assert_eq!(flat, want, "blocks of {block} words");
        }
    }

    #[test]
    fn a_sample_over_the_word_budget_is_thinned_evenly() {
        let posts: Vec<Vec<u32>> = (0..100).map(|i| vec![i; 10]).collect();
        let refs: Vec<&[u32]> = posts.iter().map(|p| p.as_slice()).collect();
        assert_eq!(thin(&refs, 1000, 1000).len(), 100);
        let kept = thin(&refs, 1000, 250);
        assert_eq!(kept.len(), 25);
        let firsts: Vec<u32> = kept.iter().map(|p| p[0]).collect();
        assert_eq!(firsts, (0..25).map(|j| j * 4).collect::<Vec<u32>>());
    }

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

//! Stage 3, vectorize: segmented posts → sparse TF-IDF matrix.
//!
//! Weights follow the usual LSA recipe: sublinear term frequency
//! `1 + ln(tf)`, smoothed inverse document frequency
//! `ln((1 + n) / (1 + df)) + 1`, rows scaled to unit L2 norm. Words in fewer
//! than `min_df` or more than `max_df` posts are dropped (each either a count
//! or a fraction of the posts), then only the `max_features` most frequent
//! remain. Words of the title can count more than once (`title_weight`).
//! The matrix is CSR with `u32` column indices and `f32` values (sprs).

use std::str::FromStr;

use rayon::prelude::*;
use sprs::CsMatI;

use crate::error::{Error, Result};
use crate::segment::Segmented;

/// The sparse matrix type of the pipeline: CSR, `f32` values, `u32` columns.
pub type SparseMatrix = CsMatI<f32, u32, usize>;

/// A document-frequency bound: an absolute number of posts or a fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DocFreq {
    /// At least / at most this many posts.
    Count(usize),
    /// At least / at most this fraction of the posts (0–1).
    Fraction(f64),
}

impl DocFreq {
    /// The bound as a number of posts out of `n`.
    pub fn resolve(self, n: usize) -> usize {
        match self {
            DocFreq::Count(c) => c,
            DocFreq::Fraction(f) => (f * n as f64).floor() as usize,
        }
    }
}

impl FromStr for DocFreq {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if let Ok(c) = s.parse::<usize>() {
            return Ok(DocFreq::Count(c));
        }
        match s.parse::<f64>() {
            Ok(f) if (0.0..=1.0).contains(&f) => Ok(DocFreq::Fraction(f)),
            _ => Err(format!(
                "'{s}' is neither a whole number of posts nor a fraction between 0 and 1"
            )),
        }
    }
}

impl std::fmt::Display for DocFreq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocFreq::Count(c) => write!(f, "{c}"),
            DocFreq::Fraction(x) => write!(f, "{x}"),
        }
    }
}

/// Parameters of the vectorize stage.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorizeParams {
    min_df: DocFreq,
    max_df: DocFreq,
    max_features: Option<usize>,
    title_weight: u32,
}

impl Default for VectorizeParams {
    fn default() -> Self {
        VectorizeParams {
            min_df: DocFreq::Count(2),
            max_df: DocFreq::Fraction(0.3),
            max_features: None,
            title_weight: 1,
        }
    }
}

impl VectorizeParams {
    /// Words in fewer posts than this are dropped.
    pub fn min_df(mut self, v: DocFreq) -> Self {
        self.min_df = v;
        self
    }

    /// Words in more posts than this are dropped.
    pub fn max_df(mut self, v: DocFreq) -> Self {
        self.max_df = v;
        self
    }

    /// Keep at most this many words (the most frequent).
    pub fn max_features(mut self, v: Option<usize>) -> Result<Self> {
        if v == Some(0) {
            return Err(Error::param("--max-features", "must be at least 1"));
        }
        self.max_features = v;
        Ok(self)
    }

    /// How many times a title word counts (1 = like any body word).
    pub fn title_weight(mut self, w: u32) -> Result<Self> {
        if !(1..=10).contains(&w) {
            return Err(Error::param("--title-weight", "must be between 1 and 10"));
        }
        self.title_weight = w;
        Ok(self)
    }

    /// The lower document-frequency bound.
    pub fn get_min_df(&self) -> DocFreq {
        self.min_df
    }
    /// The upper document-frequency bound.
    pub fn get_max_df(&self) -> DocFreq {
        self.max_df
    }
    /// The vocabulary size cap.
    pub fn get_max_features(&self) -> Option<usize> {
        self.max_features
    }
    /// The title weight.
    pub fn get_title_weight(&self) -> u32 {
        self.title_weight
    }
}

/// The TF-IDF matrix and its vocabulary.
#[derive(Debug, Clone)]
pub struct TfIdf {
    /// Posts × features, rows L2-normalised (an empty row stays empty).
    pub matrix: SparseMatrix,
    /// For each feature, its word id in [`Segmented::vocab`].
    pub feature_word: Vec<u32>,
    /// For each word id of [`Segmented::vocab`], its feature, if kept.
    pub word_feature: Vec<Option<u32>>,
    /// Inverse document frequency of each feature.
    pub idf: Vec<f32>,
    /// Posts whose row is empty (no word survived the filters).
    pub empty_rows: Vec<usize>,
}

impl TfIdf {
    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.feature_word.len()
    }
}

/// Builds the TF-IDF matrix.
pub fn vectorize(seg: &Segmented, params: &VectorizeParams) -> Result<TfIdf> {
    let n = seg.len();
    let n_words = seg.vocab.len();
    let (df, cf) = seg
        .docs
        .par_iter()
        .fold(
            || (vec![0u32; n_words], vec![0u64; n_words], Vec::<u32>::new()),
            |(mut df, mut cf, mut seen), ids| {
                seen.clear();
                seen.extend_from_slice(ids);
                seen.sort_unstable();
                seen.dedup();
                for &id in &seen {
                    df[id as usize] += 1;
                }
                for &id in ids {
                    cf[id as usize] += 1;
                }
                (df, cf, seen)
            },
        )
        .map(|(df, cf, _)| (df, cf))
        .reduce(
            || (vec![0u32; n_words], vec![0u64; n_words]),
            |(mut a, mut ac), (b, bc)| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                ac.iter_mut().zip(&bc).for_each(|(x, y)| *x += y);
                (a, ac)
            },
        );

    let lo = params.min_df.resolve(n).max(1);
    let hi = params.max_df.resolve(n);
    if lo > hi {
        return Err(Error::param(
            "--min-df/--max-df",
            format!("with {n} posts, min-df means {lo} posts and max-df {hi}: no word can be kept"),
        ));
    }
    let mut kept: Vec<u32> = (0..n_words as u32)
        .filter(|&w| (lo..=hi).contains(&(df[w as usize] as usize)))
        .collect();
    if let Some(cap) = params.max_features {
        if kept.len() > cap {
            // Most frequent first; ties broken by word id for determinism.
            kept.sort_by(|&a, &b| cf[b as usize].cmp(&cf[a as usize]).then(a.cmp(&b)));
            kept.truncate(cap);
            kept.sort_unstable();
        }
    }
    let mut word_feature = vec![None; n_words];
    for (f, &w) in kept.iter().enumerate() {
        word_feature[w as usize] = Some(f as u32);
    }
    let idf: Vec<f32> = kept
        .iter()
        .map(|&w| (((1 + n) as f64 / (1 + df[w as usize]) as f64).ln() + 1.0) as f32)
        .collect();

    let rows: Vec<(Vec<u32>, Vec<f32>)> = seg
        .docs
        .par_iter()
        .zip(&seg.title_len)
        .map(|(ids, &title_len)| {
            let mut feats: Vec<u32> = Vec::with_capacity(ids.len() + title_len as usize);
            for (pos, &id) in ids.iter().enumerate() {
                if let Some(f) = word_feature[id as usize] {
                    let times = if pos < title_len as usize {
                        params.title_weight
                    } else {
                        1
                    };
                    feats.extend(std::iter::repeat_n(f, times as usize));
                }
            }
            feats.sort_unstable();
            let mut cols = Vec::new();
            let mut vals = Vec::new();
            for run in feats.chunk_by(|a, b| a == b) {
                let tf = 1.0 + (run.len() as f32).ln();
                cols.push(run[0]);
                vals.push(tf * idf[run[0] as usize]);
            }
            let norm = vals.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                vals.iter_mut().for_each(|v| *v /= norm);
            }
            (cols, vals)
        })
        .collect();

    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0usize);
    let nnz: usize = rows.iter().map(|(c, _)| c.len()).sum();
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    let mut empty_rows = Vec::new();
    for (i, (cols, vals)) in rows.into_iter().enumerate() {
        if cols.is_empty() {
            empty_rows.push(i);
        }
        indices.extend(cols);
        data.extend(vals);
        indptr.push(indices.len());
    }
    let matrix =
        CsMatI::try_new((n, kept.len()), indptr, indices, data).map_err(|(_, _, _, e)| {
            Error::Numeric {
                stage: "vectorize",
                reason: e.to_string(),
            }
        })?;
    Ok(TfIdf {
        matrix,
        feature_word: kept,
        word_feature,
        idf,
        empty_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(docs: Vec<Vec<u32>>, n_words: usize) -> Segmented {
        Segmented {
            vocab: (0..n_words).map(|i| format!("w{i}")).collect(),
            title_len: vec![0; docs.len()],
            docs,
        }
    }

    #[test]
    fn doc_freq_parses_counts_and_fractions() {
        assert_eq!("2".parse::<DocFreq>(), Ok(DocFreq::Count(2)));
        assert_eq!("0.5".parse::<DocFreq>(), Ok(DocFreq::Fraction(0.5)));
        assert!("1.5".parse::<DocFreq>().is_err());
        assert!("lots".parse::<DocFreq>().is_err());
        assert_eq!(DocFreq::Fraction(0.5).resolve(9), 4);
    }

    #[test]
    fn rare_and_ubiquitous_words_are_dropped_and_rows_are_unit_length() {
        // w0 in every post, w1 in two, w2 in one, w3 in two.
        let s = seg(
            vec![vec![0, 1, 1, 3], vec![0, 1, 2], vec![0, 3], vec![0]],
            4,
        );
        let p = VectorizeParams::default().max_df(DocFreq::Fraction(0.5));
        let t = vectorize(&s, &p).unwrap();
        assert_eq!(t.feature_word, vec![1, 3]);
        assert_eq!(t.empty_rows, vec![3]);
        for i in 0..3 {
            let row = t.matrix.outer_view(i).unwrap();
            let norm: f32 = row.data().iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        // Post 0 has w1 twice and w3 once: sublinear tf weighs w1 more.
        let row0 = t.matrix.outer_view(0).unwrap();
        assert!(row0.data()[0] > row0.data()[1]);
    }

    #[test]
    fn max_features_keeps_the_most_frequent() {
        let s = seg(
            vec![vec![1, 1, 1, 2], vec![1, 2, 3], vec![3, 2], vec![0]],
            4,
        );
        let p = VectorizeParams::default()
            .max_df(DocFreq::Fraction(1.0))
            .max_features(Some(2))
            .unwrap();
        let t = vectorize(&s, &p).unwrap();
        assert_eq!(t.feature_word, vec![1, 2]);
    }

    #[test]
    fn impossible_bounds_are_refused() {
        let s = seg(vec![vec![0], vec![1]], 2);
        let p = VectorizeParams::default().min_df(DocFreq::Count(5));
        let err = vectorize(&s, &p).unwrap_err().to_string();
        assert!(err.contains("min-df"), "{err}");
    }
}

//! Vectorize (an algorithm of `fit` and `assign`, layer 7): words → sparse TF-IDF rows.
//!
//! Weights follow the usual LSA recipe: sublinear term frequency
//! `1 + ln(tf)`, smoothed inverse document frequency
//! `ln((1 + n) / (1 + df)) + 1`, rows scaled to unit L2 norm. Words in fewer
//! than `min_df` or more than `max_df` posts are dropped (each either a count
//! or a fraction of the posts), then only the `max_features` most frequent
//! remain. Words of the title can count more than once (`title_weight`).
//! The word counts come from the whole archive (streamed by `fit`); the
//! features chosen are a [`Lexicon`], which turns any post's words into its
//! row. Matrices are CSR with `u32` column indices and `f32` values (sprs).

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sprs::CsMatI;

use crate::error::{Error, Result};

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
            // Always with a decimal point: `1.0` is every post, `1` one.
            DocFreq::Fraction(x) => write!(f, "{x:?}"),
        }
    }
}

crate::serde_as_text!(DocFreq);

/// Parameters of the vectorize stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct VectorizeParams {
    /// Drop words found in fewer posts than this: a count (2) or a fraction
    /// of all posts (0.001).
    #[arg(
        long,
        default_value = "2",
        value_name = "N|FRACTION",
        help_heading = "Words"
    )]
    pub min_df: DocFreq,

    /// Drop words found in more posts than this: a count or a fraction (0.5
    /// = in more than half of the posts).
    #[arg(
        long,
        default_value = "0.3",
        value_name = "N|FRACTION",
        help_heading = "Words"
    )]
    pub max_df: DocFreq,

    /// Keep only this many words, the most frequent (default: all).
    #[arg(long, value_name = "N", help_heading = "Words")]
    pub max_features: Option<usize>,

    /// How many times a word of the title counts (1 = like a body word).
    #[arg(long, default_value_t = 1, value_name = "N", help_heading = "Words")]
    pub title_weight: u32,
}

impl Default for VectorizeParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl VectorizeParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if self.max_features == Some(0) {
            return Err(Error::param("--max-features", "must be at least 1"));
        }
        if !(1..=10).contains(&self.title_weight) {
            return Err(Error::param("--title-weight", "must be between 1 and 10"));
        }
        Ok(())
    }
}

/// How often a word occurs: in how many posts, and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WordCount {
    /// Posts containing it.
    pub df: u32,
    /// Occurrences.
    pub cf: u64,
}

/// The words kept as features, with their inverse document frequency.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Lexicon {
    /// The features, sorted (a feature's index is its place here).
    pub words: Vec<String>,
    /// Inverse document frequency of each feature.
    pub idf: Vec<f32>,
    /// Words left out for being in more posts than `max_df` allows,
    /// sorted: boilerplate, not news (events give them no weight).
    pub common: Vec<String>,
}

impl Lexicon {
    /// Number of features.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The feature of `word`, if kept.
    pub fn feature(&self, word: &str) -> Option<u32> {
        self.words
            .binary_search_by(|w| w.as_str().cmp(word))
            .ok()
            .map(|f| f as u32)
    }

    /// For each word of a sorted local vocabulary, its feature: one merge
    /// of two sorted lists.
    pub fn map_sorted(&self, vocab: &[String]) -> Vec<Option<u32>> {
        let words: Vec<&str> = vocab.iter().map(String::as_str).collect();
        self.map_sorted_str(&words)
    }

    /// [`Lexicon::map_sorted`] of borrowed words.
    pub fn map_sorted_str(&self, vocab: &[&str]) -> Vec<Option<u32>> {
        let mut out = Vec::with_capacity(vocab.len());
        let mut f = 0usize;
        for &w in vocab {
            while f < self.words.len() && self.words[f].as_str() < w {
                f += 1;
            }
            out.push((f < self.words.len() && self.words[f] == w).then_some(f as u32));
        }
        out
    }
}

/// Chooses the features among counted words: within the document-frequency
/// bounds (of `n` posts), then the `max_features` most frequent. `counts`
/// must be sorted by word.
pub fn select_features(
    counts: &[(String, WordCount)],
    n: usize,
    params: &VectorizeParams,
) -> Result<Lexicon> {
    let lo = params.min_df.resolve(n).max(1);
    let hi = params.max_df.resolve(n);
    if lo > hi {
        return Err(Error::param(
            "--min-df/--max-df",
            format!("with {n} posts, min-df means {lo} posts and max-df {hi}: no word can be kept"),
        ));
    }
    let mut kept: Vec<usize> = (0..counts.len())
        .filter(|&i| (lo..=hi).contains(&(counts[i].1.df as usize)))
        .collect();
    if let Some(cap) = params.max_features {
        if kept.len() > cap {
            // Most frequent first; ties broken by word for determinism.
            kept.sort_by(|&a, &b| counts[b].1.cf.cmp(&counts[a].1.cf).then(a.cmp(&b)));
            kept.truncate(cap);
            kept.sort_unstable();
        }
    }
    Ok(Lexicon {
        common: (0..counts.len())
            .filter(|&i| counts[i].1.df as usize > hi)
            .map(|i| counts[i].0.clone())
            .collect(),
        words: kept.iter().map(|&i| counts[i].0.clone()).collect(),
        idf: kept
            .iter()
            .map(|&i| (((1 + n) as f64 / (1 + counts[i].1.df) as f64).ln() + 1.0) as f32)
            .collect(),
    })
}

/// A sparse TF-IDF row: sorted feature indexes and their weights.
pub type Row = (Vec<u32>, Vec<f32>);

/// The TF-IDF row of a post: `words` are ids of a local vocabulary whose
/// features `map` gives; the first `title_words` come from the title.
/// The row is scaled to unit length (empty when no word is a feature).
pub fn tfidf_row(
    words: &[u32],
    title_words: u32,
    map: &[Option<u32>],
    lexicon: &Lexicon,
    title_weight: u32,
) -> Row {
    let mut feats: Vec<u32> = Vec::with_capacity(words.len() + title_words as usize);
    for (pos, &w) in words.iter().enumerate() {
        if let Some(f) = map[w as usize] {
            let times = if pos < title_words as usize {
                title_weight
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
        vals.push(tf * lexicon.idf[run[0] as usize]);
    }
    let norm = vals.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        vals.iter_mut().for_each(|v| *v /= norm);
    }
    (cols, vals)
}

/// Rows stacked into a CSR matrix with `n_features` columns.
pub fn matrix(rows: &[Row], n_features: usize) -> Result<SparseMatrix> {
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    indptr.push(0usize);
    let nnz: usize = rows.iter().map(|(c, _)| c.len()).sum();
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    for (cols, vals) in rows {
        indices.extend_from_slice(cols);
        data.extend_from_slice(vals);
        indptr.push(indices.len());
    }
    CsMatI::try_new((rows.len(), n_features), indptr, indices, data).map_err(|(_, _, _, e)| {
        Error::Numeric {
            stage: "vectorize",
            reason: e.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(list: &[(&str, u32, u64)]) -> Vec<(String, WordCount)> {
        list.iter()
            .map(|&(w, df, cf)| (w.to_string(), WordCount { df, cf }))
            .collect()
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
        // 4 posts: w0 in every post, w1 in two, w2 in one, w3 in two.
        let c = counts(&[("w0", 4, 4), ("w1", 2, 3), ("w2", 1, 1), ("w3", 2, 2)]);
        let p = VectorizeParams {
            max_df: DocFreq::Fraction(0.5),
            ..Default::default()
        };
        let lex = select_features(&c, 4, &p).unwrap();
        assert_eq!(lex.words, ["w1", "w3"]);
        let vocab: Vec<String> = ["w0", "w1", "w2", "w3"].map(String::from).to_vec();
        let map = lex.map_sorted(&vocab);
        assert_eq!(map, [None, Some(0), None, Some(1)]);
        let (cols, vals) = tfidf_row(&[0, 1, 1, 3], 0, &map, &lex, 1);
        assert_eq!(cols, [0, 1]);
        let norm: f32 = vals.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        // w1 twice and w3 once: sublinear tf weighs w1 more.
        assert!(vals[0] > vals[1]);
        assert_eq!(tfidf_row(&[0, 2], 0, &map, &lex, 1).0.len(), 0);
        // A title word counts title_weight times.
        let (_, title) = tfidf_row(&[3, 1], 1, &map, &lex, 3);
        assert!(title[1] > title[0]);
    }

    #[test]
    fn max_features_keeps_the_most_frequent() {
        let c = counts(&[("a", 1, 1), ("b", 2, 4), ("c", 3, 3), ("d", 2, 2)]);
        let p = VectorizeParams {
            max_df: DocFreq::Fraction(1.0),
            min_df: DocFreq::Count(1),
            max_features: Some(2),
            ..Default::default()
        };
        assert_eq!(select_features(&c, 4, &p).unwrap().words, ["b", "c"]);
    }

    #[test]
    fn impossible_bounds_are_refused() {
        let c = counts(&[("a", 1, 1)]);
        let p = VectorizeParams {
            min_df: DocFreq::Count(5),
            ..Default::default()
        };
        let err = select_features(&c, 2, &p).unwrap_err().to_string();
        assert!(err.contains("min-df"), "{err}");
    }
}

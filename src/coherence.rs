//! Topic coherence: how often a theme's top words occur together in posts.
//!
//! NPMI (normalised pointwise mutual information, Bouma 2009) of every pair
//! of a theme's top words, with co-occurrence counted within posts of the
//! corpus itself: `NPMI(a, b) = ln(P(a,b) / (P(a) P(b))) / −ln P(a,b)`,
//! −1 when the words never meet, 0 when independent, 1 when they always
//! occur together. A theme's coherence is the mean over its word pairs.
//! Postings lists (sorted post ids per word) make a pair's count one merge.

use crate::vectorize::SparseMatrix;

/// For each feature, the sorted ids of the posts that contain it (all
/// lists in one array, feature `f`'s at `starts[f]..starts[f + 1]`).
#[derive(Debug, Clone)]
pub struct Postings {
    docs: Vec<u32>,
    starts: Vec<usize>,
    n_docs: usize,
}

impl Postings {
    /// Postings from the TF-IDF matrix transposed (features × posts, CSR):
    /// its rows are the lists. Post ids are matrix rows; only counts matter.
    /// `n_docs` counts the posts with features.
    pub fn new(transposed: &SparseMatrix, n_docs: usize) -> Self {
        Postings {
            docs: transposed.indices().to_vec(),
            starts: transposed.indptr().to_proper().into_owned(),
            n_docs,
        }
    }

    fn list(&self, f: usize) -> &[u32] {
        &self.docs[self.starts[f]..self.starts[f + 1]]
    }

    /// Posts containing feature `f`.
    pub fn df(&self, f: usize) -> usize {
        self.starts[f + 1] - self.starts[f]
    }

    /// Posts containing both features.
    pub fn co_df(&self, a: usize, b: usize) -> usize {
        let (x, y) = (self.list(a), self.list(b));
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }

    /// NPMI of two features.
    pub fn npmi(&self, a: usize, b: usize) -> f64 {
        let n = self.n_docs as f64;
        let joint = self.co_df(a, b) as f64;
        if joint == 0.0 {
            return -1.0;
        }
        let p_ab = joint / n;
        let p_a = self.df(a) as f64 / n;
        let p_b = self.df(b) as f64 / n;
        if p_ab >= 1.0 {
            return 1.0;
        }
        (p_ab / (p_a * p_b)).ln() / -p_ab.ln()
    }

    /// Mean NPMI over all pairs of `features` (0 for fewer than two).
    pub fn coherence(&self, features: &[usize]) -> f64 {
        let mut sum = 0.0;
        let mut pairs = 0usize;
        for (i, &a) in features.iter().enumerate() {
            for &b in &features[i + 1..] {
                sum += self.npmi(a, b);
                pairs += 1;
            }
        }
        if pairs == 0 {
            0.0
        } else {
            sum / pairs as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn postings(lists: Vec<Vec<u32>>, n_docs: usize) -> Postings {
        let mut starts = vec![0];
        for l in &lists {
            starts.push(starts.last().unwrap() + l.len());
        }
        Postings {
            docs: lists.concat(),
            starts,
            n_docs,
        }
    }

    #[test]
    fn words_that_always_meet_score_high_and_strangers_minus_one() {
        // 0 and 1 always together (in 2 of 10 posts); 2 elsewhere.
        let p = postings(vec![vec![0, 1], vec![0, 1], vec![5, 6, 7]], 10);
        assert!((p.npmi(0, 1) - 1.0).abs() < 1e-12);
        assert_eq!(p.npmi(0, 2), -1.0);
        assert!((p.coherence(&[0, 1, 2]) - (1.0 - 1.0 - 1.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn independent_words_score_near_zero() {
        // a in even posts, b in posts < 50: independent over 100 posts.
        let a: Vec<u32> = (0..100).filter(|i| i % 2 == 0).collect();
        let b: Vec<u32> = (0..50).collect();
        let p = postings(vec![a, b], 100);
        assert!(p.npmi(0, 1).abs() < 1e-9);
    }
}

//! Scoring themes against known labels (when the input table has a `label`
//! column): NMI, ARI, V-measure (with homogeneity and completeness) and
//! purity, as scikit-learn defines them (NMI with the arithmetic mean of the
//! two entropies, which makes it equal to the V-measure).

use std::collections::HashMap;
use std::hash::Hash;

/// Agreement between themes and reference labels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LabelScores {
    /// Normalised mutual information (arithmetic normalisation).
    pub nmi: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Harmonic mean of homogeneity and completeness.
    pub v_measure: f64,
    /// Each theme holds posts of a single label (0–1).
    pub homogeneity: f64,
    /// Each label's posts are in a single theme (0–1).
    pub completeness: f64,
    /// Share of posts whose label is their theme's majority label.
    pub purity: f64,
    /// Posts scored.
    pub n: usize,
}

/// Scores `themes` against reference `labels` (any hashable ids or names).
pub fn score<A: Hash + Eq + Copy, B: Hash + Eq + Copy>(themes: &[A], labels: &[B]) -> LabelScores {
    assert_eq!(themes.len(), labels.len());
    score_counts(
        themes
            .iter()
            .copied()
            .zip(labels.iter().copied())
            .map(|p| (p, 1)),
    )
}

/// Scores a contingency table given as ((theme, label), posts) cells.
pub fn score_counts<A: Hash + Eq, B: Hash + Eq>(
    cells_in: impl IntoIterator<Item = ((A, B), u64)>,
) -> LabelScores {
    let mut label_ids: HashMap<B, usize> = HashMap::new();
    let mut theme_ids: HashMap<A, usize> = HashMap::new();
    let mut cells: HashMap<(usize, usize), f64> = HashMap::new();
    let mut n = 0usize;
    for ((t, l), c) in cells_in {
        let next_t = theme_ids.len();
        let t = *theme_ids.entry(t).or_insert(next_t);
        let next_l = label_ids.len();
        let l = *label_ids.entry(l).or_insert(next_l);
        *cells.entry((t, l)).or_default() += c as f64;
        n += c as usize;
    }
    // Sums in a fixed order: the scores do not depend on hashing.
    let mut cells: Vec<((usize, usize), f64)> = cells.into_iter().collect();
    cells.sort_by_key(|&(k, _)| k);
    let mut a = vec![0f64; theme_ids.len()];
    let mut b = vec![0f64; label_ids.len()];
    for &((t, l), c) in &cells {
        a[t] += c;
        b[l] += c;
    }
    let nf = n as f64;
    let entropy = |v: &[f64]| -> f64 {
        v.iter()
            .filter(|&&x| x > 0.0)
            .map(|&x| -(x / nf) * (x / nf).ln())
            .sum()
    };
    let (h_theme, h_label) = (entropy(&a), entropy(&b));
    let mi: f64 = cells
        .iter()
        .map(|&((t, l), c)| (c / nf) * ((c * nf) / (a[t] * b[l])).ln())
        .sum();
    let homogeneity = if h_label == 0.0 { 1.0 } else { mi / h_label };
    let completeness = if h_theme == 0.0 { 1.0 } else { mi / h_theme };
    let v_measure = if homogeneity + completeness == 0.0 {
        0.0
    } else {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    };
    let nmi = if h_theme + h_label == 0.0 {
        1.0
    } else {
        mi / ((h_theme + h_label) / 2.0)
    };
    let pairs = |x: f64| x * (x - 1.0) / 2.0;
    let sum_cells: f64 = cells.iter().map(|&(_, c)| pairs(c)).sum();
    let sum_a: f64 = a.iter().map(|&x| pairs(x)).sum();
    let sum_b: f64 = b.iter().map(|&x| pairs(x)).sum();
    let expected = sum_a * sum_b / pairs(nf).max(1.0);
    let max_index = (sum_a + sum_b) / 2.0;
    let ari = if (max_index - expected).abs() < 1e-12 {
        1.0
    } else {
        (sum_cells - expected) / (max_index - expected)
    };
    let mut best = vec![0f64; theme_ids.len()];
    for &((t, _), c) in &cells {
        best[t] = best[t].max(c);
    }
    LabelScores {
        nmi,
        ari,
        v_measure,
        homogeneity,
        completeness,
        purity: best.iter().sum::<f64>() / nf.max(1.0),
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_partitions_score_one_whatever_the_names() {
        let s = score(&[0, 0, 1, 1, 2], &["a", "a", "b", "b", "c"]);
        assert!((s.nmi - 1.0).abs() < 1e-12);
        assert!((s.ari - 1.0).abs() < 1e-12);
        assert!((s.purity - 1.0).abs() < 1e-12);
    }

    #[test]
    fn matches_scikit_learn_on_a_known_case() {
        // sklearn: labels_true = [0,0,0,1,1,1], labels_pred = [0,0,1,1,2,2]
        // NMI = 0.5158037429793889, ARI = 0.24242424242424243,
        // homogeneity = 0.6666666666666669, completeness = 0.420619835714305.
        let s = score(&[0, 0, 1, 1, 2, 2], &["x", "x", "x", "y", "y", "y"]);
        assert!((s.nmi - 0.5158037429793889).abs() < 1e-9, "{s:?}");
        assert!((s.ari - 0.24242424242424243).abs() < 1e-9, "{s:?}");
        assert!((s.homogeneity - 0.6666666666666669).abs() < 1e-9);
        assert!((s.completeness - 0.420619835714305).abs() < 1e-9);
        assert!((s.v_measure - s.nmi).abs() < 1e-12);
        assert!((s.purity - 5.0 / 6.0).abs() < 1e-12);
    }
}

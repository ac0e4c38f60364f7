//! Label (an algorithm of `fit`, layer 8): name each theme by its characteristic words.
//!
//! Class-based TF-IDF (as in BERTopic): all posts of a theme are pooled into
//! one document, and a word's weight in theme `c` is
//! `tf(w, c) / |c| · ln(1 + A / f(w))`, where `|c|` is the number of word
//! occurrences in the theme, `A` the average of `|c|` over themes and `f(w)`
//! the occurrences of `w` in all themes. Only words of the TF-IDF vocabulary
//! count, so stop words, numbers and words outside the document-frequency
//! bounds can never name a theme. These weights rank a theme's
//! characteristic words (`top_terms`). The short label is three of those
//! words, the ones with the highest lift (how much more often the word
//! occurs in the theme than in the archive, [`lift`]), extended by the
//! next ones where two themes would share a label.

use rayon::prelude::*;

use crate::vectorize::Lexicon;

/// Parameters of the label stage.
#[derive(Debug, Clone, PartialEq, clap::Args, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LabelParams {
    /// Characteristic words listed per theme.
    #[arg(long, default_value_t = 10, value_name = "N", help_heading = "Themes")]
    pub top_terms: usize,
}

/// Words in a theme's short label (more when two themes would share one).
pub const LABEL_TERMS: usize = 3;

impl Default for LabelParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl LabelParams {
    /// Checks the values.
    pub fn check(&self) -> crate::Result<()> {
        if !(1..=100).contains(&self.top_terms) {
            return Err(crate::Error::param(
                "--top-terms",
                "must be between 1 and 100",
            ));
        }
        Ok(())
    }
}

/// A theme's description.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeLabel {
    /// Short label: three characteristic words of the highest lift, joined by `·`.
    pub label: String,
    /// Characteristic words with their c-TF-IDF weight, strongest first.
    pub top_terms: Vec<(String, f32)>,
    /// The same words as TF-IDF feature indexes.
    pub features: Vec<usize>,
}

/// Word counts per theme: `counts[theme][feature]`, from posts given as
/// their features (with repeats) and their themes. One count vector per
/// theme, themes in parallel: memory stays at k × features.
pub fn theme_term_counts(
    posts: &[Vec<u32>],
    labels: &[usize],
    k: usize,
    n_features: usize,
) -> Vec<Vec<u32>> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &theme) in labels.iter().enumerate() {
        members[theme].push(i);
    }
    members
        .par_iter()
        .map(|docs| {
            let mut counts = vec![0u32; n_features];
            for &d in docs {
                for &f in &posts[d] {
                    counts[f as usize] += 1;
                }
            }
            counts
        })
        .collect()
}

/// c-TF-IDF weights from per-theme counts: `weights[theme][feature]`.
pub fn ctfidf(counts: &[Vec<u32>]) -> Vec<Vec<f32>> {
    let class_size: Vec<f64> = counts
        .iter()
        .map(|c| c.iter().map(|&x| x as f64).sum())
        .collect();
    let idf = class_idf(counts);
    counts
        .iter()
        .zip(&class_size)
        .map(|(c, &size)| {
            c.iter()
                .zip(&idf)
                .map(|(&x, &w)| {
                    if size > 0.0 {
                        (x as f64 / size * w) as f32
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

/// The class-based idf of every feature: `ln(1 + A / f(w))`.
pub fn class_idf(counts: &[Vec<u32>]) -> Vec<f64> {
    class_idf_of_totals(&feature_totals(counts), counts.len())
}

/// Each feature's count over all themes, `f(w)`.
fn feature_totals(counts: &[Vec<u32>]) -> Vec<f64> {
    let f = counts.first().map_or(0, Vec::len);
    let mut total = vec![0f64; f];
    for c in counts {
        total.iter_mut().zip(c).for_each(|(t, &x)| *t += x as f64);
    }
    total
}

/// The class-based idf from each feature's total count `f(w)` over `k`
/// classes: `ln(1 + A / f(w))`, `A` the mean count of a class.
pub fn class_idf_of_totals(total: &[f64], k: usize) -> Vec<f64> {
    let avg = total.iter().sum::<f64>() / k.max(1) as f64;
    total
        .iter()
        .map(|&t| if t > 0.0 { (1.0 + avg / t).ln() } else { 0.0 })
        .collect()
}

/// The top `n` words of one (theme, period) cell from its feature counts:
/// weighted with the theme-level class idf (`idf`, [`class_idf`]), so the
/// words say what the theme was about in that period.
pub fn cell_terms(
    counts: &rustc_hash::FxHashMap<u32, u32>,
    idf: &[f64],
    lexicon: &Lexicon,
    n: usize,
) -> Vec<(String, f32)> {
    let size: u64 = counts.values().map(|&c| c as u64).sum();
    let mut weighted: Vec<(u32, f32)> = counts
        .iter()
        .map(|(&f, &c)| (f, (c as f64 / size.max(1) as f64 * idf[f as usize]) as f32))
        .filter(|&(_, w)| w > 0.0)
        .collect();
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    weighted.truncate(n);
    weighted
        .into_iter()
        .map(|(f, w)| (lexicon.words[f as usize].clone(), w))
        .collect()
}

/// The `n` heaviest features of a weight row (ties by feature index).
pub fn top_features(weights: &[f32], n: usize) -> Vec<(usize, f32)> {
    let mut idx: Vec<usize> = (0..weights.len()).filter(|&i| weights[i] > 0.0).collect();
    idx.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    idx.truncate(n);
    idx.into_iter().map(|i| (i, weights[i])).collect()
}

/// Each theme's `n` characteristic features with their c-TF-IDF weight,
/// from per-theme counts.
pub fn theme_top_features(counts: &[Vec<u32>], n: usize) -> Vec<Vec<(usize, f32)>> {
    ctfidf(counts).iter().map(|w| top_features(w, n)).collect()
}

/// Short labels from ranked words: the first `n` words, extended by the
/// next words of the list while another theme already has the same label.
pub fn unique_labels(ranked: &[Vec<String>], n: usize) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    ranked
        .iter()
        .enumerate()
        .map(|(t, words)| {
            let mut len = n.min(words.len());
            let mut label = words[..len].join("·");
            while taken.contains(&label) {
                if len < words.len() {
                    len += 1;
                    label = words[..len].join("·");
                } else {
                    label = format!("{label}#{t}");
                }
            }
            taken.insert(label.clone());
            label
        })
        .collect()
}

/// Pseudo-occurrences added to each word, spread over the themes like all
/// words: a word must be seen about this often before how its occurrences
/// spread over the themes is believed (a word seen twice, both times in one theme, is no
/// more that theme's than one seen 40 times, 36 of them there).
pub const LIFT_PRIOR: f64 = 10.0;

/// A word's lift in a theme: the share of its occurrences that fall in
/// the theme over the theme's share of all words (`share`), the first
/// smoothed towards the second by [`LIFT_PRIOR`] occurrences:
/// `((tf(w, c) + K·share) / (f(w) + K)) / share`, with `count` = tf(w, c)
/// and `total` = f(w). 1 for a word spread like all words, up to
/// `1 / share` for one found only in the theme (and often).
pub fn lift(count: u32, total: f64, share: f64) -> f64 {
    (count as f64 + LIFT_PRIOR * share) / (total + LIFT_PRIOR) / share
}

/// A theme's characteristic features re-ordered for its label: the most
/// theme-specific first (highest lift), ties in their c-TF-IDF order.
/// c-TF-IDF ranks by frequency in the theme, so words common to the whole
/// archive (发展, 公司, 中国) head many lists although they tell no theme
/// apart; among the same characteristic words, lift puts first the ones
/// that do (十五五 规划, 全资 子公司).
fn by_lift(top: &[(usize, f32)], lift_of: impl Fn(usize) -> f64) -> Vec<usize> {
    let lifts: Vec<f64> = top.iter().map(|&(f, _)| lift_of(f)).collect();
    let mut order: Vec<usize> = (0..top.len()).collect();
    order.sort_by(|&a, &b| lifts[b].total_cmp(&lifts[a]).then(a.cmp(&b)));
    order.into_iter().map(|i| top[i].0).collect()
}

/// Labels every theme from its word counts ([`theme_term_counts`]).
pub fn label_themes(
    lexicon: &Lexicon,
    counts: &[Vec<u32>],
    params: &LabelParams,
) -> Vec<ThemeLabel> {
    let tops: Vec<Vec<(usize, f32)>> = ctfidf(counts)
        .iter()
        .map(|w| top_features(w, params.top_terms))
        .collect();
    let word = |feat: usize| lexicon.words[feat].clone();
    let total = feature_totals(counts);
    let all: f64 = total.iter().sum();
    let ranked: Vec<Vec<String>> = tops
        .iter()
        .zip(counts)
        .map(|(t, c)| {
            let share = c.iter().map(|&x| x as f64).sum::<f64>() / all;
            by_lift(t, |f| lift(c[f], total[f], share))
                .into_iter()
                .map(word)
                .collect()
        })
        .collect();
    let short = unique_labels(&ranked, LABEL_TERMS);
    tops.into_iter()
        .zip(short)
        .map(|(top, label)| ThemeLabel {
            label,
            features: top.iter().map(|&(f, _)| f).collect(),
            top_terms: top.into_iter().map(|(f, x)| (word(f), x)).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_typical_of_one_theme_outrank_words_shared_by_all() {
        // Feature 0 is everywhere; 1 only in theme 0; 2 only in theme 1.
        let counts = vec![vec![10, 8, 0], vec![10, 0, 8]];
        let w = ctfidf(&counts);
        assert!(w[0][1] > w[0][0]);
        assert!(w[1][2] > w[1][0]);
        assert_eq!(w[0][2], 0.0);
        assert_eq!(top_features(&w[0], 1)[0].0, 1);
        assert_eq!(top_features(&w[1], 5).len(), 2);
    }

    #[test]
    fn a_label_puts_theme_specific_words_before_words_common_to_every_theme() {
        // Feature 0 (发展) is the most frequent word of both themes; 1–3
        // belong to theme 0 only, 4 to theme 1 only.
        let words = ["发展", "十五五", "规划", "印发", "关税"];
        let lexicon = Lexicon {
            words: words.iter().map(|w| w.to_string()).collect(),
            ..Lexicon::default()
        };
        let counts = vec![vec![40, 12, 10, 8, 0], vec![40, 0, 0, 0, 30]];
        let params = LabelParams::default();
        let labels = label_themes(&lexicon, &counts, &params);
        // The characteristic words keep their c-TF-IDF order, 发展 first …
        assert_eq!(labels[0].top_terms[0].0, "发展");
        // … but the label is made of the words no other theme has.
        assert_eq!(labels[0].label, "十五五·规划·印发");
        assert_eq!(labels[1].label, "关税·发展");
    }

    #[test]
    fn a_word_seen_twice_is_not_more_specific_than_one_seen_often() {
        // Theme 0 holds 150 of the 250 words (a share of 0.6). Word 0: 36 of
        // its 40 occurrences in theme 0; word 1: 2 of 2; a word spread
        // exactly like all words: 60 of 100.
        let share = 0.6;
        assert!(lift(36, 40.0, share) > lift(2, 2.0, share));
        // ((2 + 10 · 0.6) / (2 + 10)) / 0.6
        assert!((lift(2, 2.0, share) - 10.0 / 9.0).abs() < 1e-12);
        assert!((lift(60, 100.0, share) - 1.0).abs() < 1e-12);
        assert!((lift(40, 100.0, 0.4) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn equal_labels_are_told_apart_by_their_next_words() {
        let ranked: Vec<Vec<String>> = [
            vec!["美国", "关税", "贸易", "加征"],
            vec!["美国", "关税", "贸易", "谈判"],
            vec!["春运", "旅客", "铁路"],
        ]
        .iter()
        .map(|v| v.iter().map(|s| s.to_string()).collect())
        .collect();
        let l = unique_labels(&ranked, 3);
        assert_eq!(
            l,
            vec!["美国·关税·贸易", "美国·关税·贸易·谈判", "春运·旅客·铁路"]
        );
    }
}

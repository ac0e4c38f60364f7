//! Choosing the number of themes automatically (`--k auto`).
//!
//! For each candidate k a fixed sample of the reduced posts (8,000 by
//! default) is clustered three times, with three seeds, by short k-means
//! runs.
//! Three things are measured:
//!
//! * **coherence**: NPMI of each theme's top 10 words (co-occurrence counted
//!   over all posts), averaged over posts, i.e. weighted by theme size —
//!   whether the words of the theme a post lands in really occur together.
//!   A theme mixing two subjects has low coherence, so splitting it raises
//!   the score;
//! * **stability**: the mean adjusted Rand index between the three
//!   clusterings (three pairs) —
//!   whether the themes are a property of the data or of the seed;
//! * **diversity**: the share of distinct words among all themes' top words
//!   (Dieng et al. 2020). It falls when new themes only repeat the words of
//!   existing ones, i.e. split a subject instead of finding a new one.
//!
//! The score is `coherence × stability` over the candidates whose diversity
//! is at least `min_diversity` (0.75: at most a quarter of the top words
//! shared); the others score 0. Scores of neighbouring k are close and a
//! little noisy, so the chosen k is the *largest* whose score is within
//! `tolerance` (5%) of the best: among equally good clusterings the one with
//! finer themes. Finer is the safer error: the report groups related themes
//! into at most twelve bands (`cluster::group`), but nothing can split a
//! theme that merged two subjects (on the xwlb archive, the smallest k
//! within 5% put space flights and sports medals in one theme).
//! Candidates run from `min` to `max` in at most about twelve steps;
//! the search stops early once `patience` candidates in a row have not beaten
//! the best score, so the choice stays within a few steps of the best, but
//! never before the lower half of the range is tried: a small k whose
//! seeds happen to agree would otherwise end the search at once. The
//! segmented and reduced data are shared by every candidate, so a candidate
//! costs three short k-means runs on the sample.

use std::time::Instant;

use ndarray::{ArrayView2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use rayon::prelude::*;

use super::{cluster, KMeans};

/// Clusterings per candidate k whose pairwise agreement is its stability.
const STABILITY_RUNS: u64 = 3;
use crate::error::{Error, Result};
use crate::evaluate;

/// Where to look for k.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectParams {
    min: usize,
    max: usize,
    max_iter: u64,
    patience: usize,
    sample: usize,
    tolerance: f64,
    min_diversity: f64,
}

impl Default for SelectParams {
    fn default() -> Self {
        SelectParams {
            min: 10,
            max: 60,
            max_iter: 50,
            patience: 3,
            sample: 8000,
            tolerance: 0.05,
            min_diversity: 0.75,
        }
    }
}

impl SelectParams {
    /// The range searched, inclusive (`MIN..MAX` on the command line).
    pub fn range(mut self, min: usize, max: usize) -> Result<Self> {
        if min < 2 || max < min || max > 500 {
            return Err(Error::param(
                "--k-range",
                format!("{min}..{max}: need 2 <= MIN <= MAX <= 500"),
            ));
        }
        self.min = min;
        self.max = max;
        Ok(self)
    }

    /// The inclusive range.
    pub fn get_range(&self) -> (usize, usize) {
        (self.min, self.max)
    }

    /// The score of a candidate: `coherence × stability` when its themes
    /// are diverse enough (at least `min_diversity`), else 0. The `first`
    /// candidate always counts, so that the search has a baseline.
    pub fn score(&self, q: WordQuality, stability: f64, first: bool) -> f64 {
        if q.diversity >= self.min_diversity || first {
            q.coherence.max(0.0) * stability
        } else {
            0.0
        }
    }

    /// Whether the search stops after the candidates scored so far (in the
    /// order tried): the last `patience` of them did not beat the best
    /// score before them.
    pub fn search_done(&self, scores: &[f64]) -> bool {
        let mut best: Option<f64> = None;
        let mut since_best = 0usize;
        for &score in scores {
            if best.is_none_or(|b| score > b) {
                best = Some(score);
                since_best = 0;
            } else {
                since_best += 1;
            }
        }
        since_best >= self.patience
    }

    /// Whether the search, having tried `k`, has covered enough of the
    /// range to stop: the lower half is always tried. A small k whose
    /// three seeds happen to agree (broad themes are easy to agree on)
    /// would otherwise end the search before finer themes were tried.
    pub fn covered(&self, k: usize) -> bool {
        k >= self.min + (self.max - self.min) / 2
    }

    /// The k chosen among the candidates tried, `(k, score)` in the order
    /// tried (ascending k): the last (largest) whose score is within
    /// `tolerance` of the best. `None` when nothing was tried.
    pub fn choose(&self, tried: &[(usize, f64)]) -> Option<usize> {
        let mut best: Option<f64> = None;
        for &(_, score) in tried {
            if best.is_none_or(|b| score > b) {
                best = Some(score);
            }
        }
        let top = best?;
        if top <= 0.0 {
            // Nothing scored (no candidate diverse enough): the smallest.
            return Some(tried[0].0);
        }
        Some(
            tried
                .iter()
                .rev()
                .find(|(_, score)| *score >= top * (1.0 - self.tolerance))
                .map_or(tried[0].0, |(k, _)| *k),
        )
    }

    /// The k values tried, in order, capped at `n_posts`.
    pub fn candidates(&self, n_posts: usize) -> Vec<usize> {
        let max = self.max.min(n_posts);
        if max < self.min {
            return vec![max.max(2)];
        }
        let span = max - self.min;
        let step = span.div_ceil(12).max(1);
        let mut ks: Vec<usize> = (self.min..=max).step_by(step).collect();
        if ks.last() != Some(&max) {
            ks.push(max);
        }
        ks
    }
}

/// `--k`: a number of themes, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// Choose k in the `--k-range` by coherence × stability.
    Auto,
    /// Exactly this many themes.
    Fixed(usize),
}

impl std::str::FromStr for KChoice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(KChoice::Auto);
        }
        s.parse::<usize>()
            .map(KChoice::Fixed)
            .map_err(|_| format!("'{s}' is neither a number of themes nor 'auto'"))
    }
}

impl std::fmt::Display for KChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KChoice::Auto => write!(f, "auto"),
            KChoice::Fixed(k) => write!(f, "{k}"),
        }
    }
}

crate::serde_as_text!(KChoice);
crate::serde_as_text!(KRange);

/// `--k-range`: `MIN..MAX`, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KRange(pub usize, pub usize);

impl From<(usize, usize)> for KRange {
    fn from((a, b): (usize, usize)) -> Self {
        KRange(a, b)
    }
}

impl std::str::FromStr for KRange {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        parse_range(s).map(KRange::from)
    }
}

impl std::fmt::Display for KRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.0, self.1)
    }
}

/// Parses `MIN..MAX` (also `MIN-MAX`).
pub fn parse_range(s: &str) -> std::result::Result<(usize, usize), String> {
    let (a, b) = s
        .split_once("..")
        .or_else(|| s.split_once('-'))
        .ok_or_else(|| format!("'{s}' is not MIN..MAX, e.g. 10..60"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{s}' is not MIN..MAX, e.g. 10..60"))
    };
    Ok((num(a)?, num(b)?))
}

/// How good one clustering's theme words are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordQuality {
    /// Mean NPMI of each theme's top words.
    pub coherence: f64,
    /// Distinct words / all top words over the themes (1 = no theme repeats
    /// another's words).
    pub diversity: f64,
}

/// Scores the theme words of one clustering: `(rows of x, their themes, k)`.
pub type WordScorer<'a> = dyn Fn(&[usize], &[usize], usize) -> WordQuality + Sync + 'a;

/// What was measured for one candidate k.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KScore {
    /// Number of themes tried.
    pub k: usize,
    /// Mean NPMI of the themes' top words.
    pub coherence: f64,
    /// Share of distinct words among all themes' top words.
    pub diversity: f64,
    /// Mean adjusted Rand index between the three seeds' clusterings.
    pub stability: f64,
    /// `coherence × stability`, or 0 when diversity is too low.
    pub score: f64,
    /// Mean squared distance to the centres (first seed).
    pub inertia: f64,
    /// Seconds spent on this candidate.
    pub seconds: f64,
}

/// Why `--k auto` chose the smallest k it tried, when it did and larger
/// ones were tried too: which measure fell as k grew (the stability across
/// seeds, or the diversity of the top words), with its figures, and what a
/// user can do. `None` otherwise. `scores` are in the order tried
/// (ascending k).
pub fn bottom_note(scores: &[KScore], chosen: usize) -> Option<String> {
    let (first, larger) = scores.split_first()?;
    if first.k != chosen || larger.is_empty() {
        return None;
    }
    let last = larger.last().map_or(first.k, |s| s.k);
    let advice = "--k N or a lower --k-range minimum gives finer themes";
    if larger
        .iter()
        .all(|s| s.score <= 0.0 && s.coherence * s.stability > 0.0)
    {
        let best = larger.iter().map(|s| s.diversity).fold(0.0, f64::max);
        return Some(format!(
            "bottom of the range: at every k from {} to {last} the themes repeat each other's top words \
             (diversity at most {best:.2}, against {:.2} at k = {}), so only k = {} scored; {advice}",
            larger[0].k, first.diversity, first.k, first.k
        ));
    }
    let mean = |f: fn(&KScore) -> f64| larger.iter().map(f).sum::<f64>() / larger.len() as f64;
    let (stab, coh) = (mean(|s| s.stability), mean(|s| s.coherence));
    let (lo, hi) = larger.iter().fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.stability), hi.max(s.stability))
    });
    let stab_ratio = if first.stability > 0.0 {
        stab / first.stability
    } else {
        1.0
    };
    let coh_ratio = if first.coherence > 0.0 {
        coh / first.coherence
    } else {
        1.0
    };
    Some(if stab_ratio <= coh_ratio {
        format!(
            "bottom of the range: stability falls from {:.2} at k = {} to {lo:.2}-{hi:.2} at k = {}-{last} \
             while coherence goes from {:.3} to {coh:.3} on average: the seeds agree on a few broad themes \
             but not on how to split them (subjects that overlap, as in a long archive of many years); {advice}",
            first.stability, first.k, larger[0].k, first.coherence
        )
    } else {
        format!(
            "bottom of the range: coherence falls from {:.3} at k = {} to {coh:.3} on average at k = {}-{last} \
             (stability {:.2} to {stab:.2}): finer themes' top words occur together less often; {advice}",
            first.coherence, first.k, larger[0].k, first.stability
        )
    })
}

/// A fixed pseudo-random sample of `size` of `0..n` (all when `n <= size`),
/// in ascending order.
pub fn sample_rows(n: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if n > size {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5A3F_1E00);
        for i in 0..size {
            let j = i + (rng.next_u64() % (n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(size);
        idx.sort_unstable();
    }
    idx
}

/// Searches k. `words(rows, labels, k)` scores the theme words of one
/// clustering of the given rows of `x`. Returns the chosen k and every
/// candidate's scores, in the order tried.
pub fn select_k(
    x: ArrayView2<f32>,
    params: &SelectParams,
    base: &KMeans,
    words: &WordScorer,
) -> Result<(usize, Vec<KScore>)> {
    let rows = sample_rows(x.nrows(), params.sample, base.get_seed());
    let sample = x.select(Axis(0), &rows);
    let x = sample.view();
    let mut scores: Vec<KScore> = Vec::new();
    for k in params.candidates(x.nrows()) {
        crate::interrupt::check()?;
        let started = Instant::now();
        let quick = base
            .clone()
            .k(k)?
            .n_runs(1)?
            .max_iter(params.max_iter.min(base.get_max_iter()))?
            .plain_seeding();
        // Three clusterings with three seeds: stability is the mean
        // agreement of the three pairs, less at the mercy of one unlucky
        // start than a single pair.
        let runs: Vec<Result<super::Clustering>> = (0..STABILITY_RUNS)
            .into_par_iter()
            .map(|r| cluster(x, &quick.clone().seed(base.get_seed().wrapping_add(r))))
            .collect();
        let runs = runs.into_iter().collect::<Result<Vec<_>>>()?;
        let mut agreement = Vec::new();
        for i in 0..runs.len() {
            for j in i + 1..runs.len() {
                agreement.push(
                    evaluate::score(&runs[i].labels, &runs[j].labels)
                        .ari
                        .max(0.0),
                );
            }
        }
        let stability = agreement.iter().sum::<f64>() / agreement.len() as f64;
        let a = &runs[0];
        let q = words(&rows, &a.labels, a.k());
        let score = params.score(q, stability, scores.is_empty());
        scores.push(KScore {
            k,
            coherence: q.coherence,
            diversity: q.diversity,
            stability,
            score,
            inertia: a.inertia as f64,
            seconds: started.elapsed().as_secs_f64(),
        });
        let so_far: Vec<f64> = scores.iter().map(|s| s.score).collect();
        if params.search_done(&so_far) && params.covered(k) {
            break;
        }
    }
    let tried: Vec<(usize, f64)> = scores.iter().map(|s| (s.k, s.score)).collect();
    let k = params.choose(&tried).ok_or_else(|| Error::Numeric {
        stage: "cluster",
        reason: "no k could be tried".into(),
    })?;
    Ok((k, scores))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn candidates_cover_the_range_in_few_steps() {
        let p = SelectParams::default();
        let ks = p.candidates(10_000);
        assert_eq!(ks.first(), Some(&10));
        assert_eq!(ks.last(), Some(&60));
        assert!(ks.len() <= 14);
        assert_eq!(
            SelectParams::default().range(3, 6).unwrap().candidates(100),
            vec![3, 4, 5, 6]
        );
        assert_eq!(p.candidates(25).last(), Some(&25));
        assert!(SelectParams::default().range(8, 4).is_err());
    }

    #[test]
    fn samples_are_fixed_sorted_and_distinct() {
        let s = sample_rows(1000, 100, 7);
        assert_eq!(s, sample_rows(1000, 100, 7));
        assert_eq!(s.len(), 100);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample_rows(50, 100, 7), (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("10..60"), Ok((10, 60)));
        assert_eq!(parse_range("5-9"), Ok((5, 9)));
        assert!(parse_range("ten").is_err());
    }

    fn quality(coherence: f64, diversity: f64) -> WordQuality {
        WordQuality {
            coherence,
            diversity,
        }
    }

    #[test]
    fn a_candidate_scores_coherence_times_stability_when_diverse_enough() {
        let p = SelectParams::default();
        assert_eq!(p.score(quality(0.5, 0.9), 0.8, false), 0.5 * 0.8);
        // Diversity 0.75 is enough, just below it is not…
        assert_eq!(p.score(quality(0.5, 0.75), 0.8, false), 0.5 * 0.8);
        assert_eq!(p.score(quality(0.5, 0.74), 0.8, false), 0.0);
        // …except for the first candidate.
        assert_eq!(p.score(quality(0.5, 0.74), 0.8, true), 0.5 * 0.8);
        // Negative coherence counts as none.
        assert_eq!(p.score(quality(-0.2, 0.9), 0.8, false), 0.0);
    }

    #[test]
    fn the_largest_k_within_5_percent_of_the_best_is_chosen() {
        let p = SelectParams::default();
        // Best 1.00 at k = 20: 0.96 at k = 25 is within 5%, 0.94 at 30 not.
        assert_eq!(
            p.choose(&[(10, 0.97), (15, 0.96), (20, 1.0), (25, 0.96), (30, 0.94)]),
            Some(25)
        );
        assert_eq!(p.choose(&[(10, 1.0), (15, 0.951)]), Some(15));
        assert_eq!(p.choose(&[(10, 1.0), (15, 0.949)]), Some(10));
        // A smaller k within 5% before the best does not win: largest first.
        assert_eq!(p.choose(&[(10, 0.99), (15, 1.0), (20, 0.5)]), Some(15));
        // Candidates scored 0 (too little diversity) are never chosen while
        // another scores.
        assert_eq!(p.choose(&[(10, 0.0), (15, 0.3), (20, 0.0)]), Some(15));
        assert_eq!(p.choose(&[(10, 0.0)]), Some(10));
        // When nothing scores, the smallest k tried, not the largest.
        assert_eq!(p.choose(&[(10, 0.0), (15, 0.0), (20, 0.0)]), Some(10));
        assert_eq!(p.choose(&[]), None);
        // The tolerance is a parameter of the rule, not built in.
        let strict = SelectParams {
            tolerance: 0.0,
            ..SelectParams::default()
        };
        assert_eq!(strict.choose(&[(10, 1.0), (15, 0.99)]), Some(10));
    }

    #[test]
    fn the_search_stops_after_three_candidates_without_improvement() {
        let p = SelectParams::default();
        assert!(!p.search_done(&[]));
        assert!(!p.search_done(&[0.5]));
        assert!(!p.search_done(&[0.5, 0.4, 0.4]));
        assert!(p.search_done(&[0.5, 0.4, 0.4, 0.4]));
        // Equal to the best is no improvement.
        assert!(p.search_done(&[0.5, 0.5, 0.5, 0.5]));
        // An improvement starts the count again.
        assert!(!p.search_done(&[0.5, 0.4, 0.6, 0.4, 0.4]));
        assert!(p.search_done(&[0.5, 0.4, 0.6, 0.4, 0.4, 0.59]));
        // Improving on the last candidate is not enough: the best counts.
        assert!(p.search_done(&[0.5, 0.1, 0.2, 0.3]));
        let patient = SelectParams {
            patience: 5,
            ..SelectParams::default()
        };
        assert!(!patient.search_done(&[0.5, 0.4, 0.4, 0.4]));
    }

    #[test]
    fn the_search_tries_the_lower_half_of_the_range_whatever_the_scores() {
        let p = SelectParams::default().range(10, 60).unwrap();
        assert!(!p.covered(25));
        assert!(p.covered(35));
        let x = Array2::from_shape_fn((400, 6), |(i, j)| {
            if i % 6 == j {
                1.0
            } else {
                0.01 * ((i * 7 + j) % 5) as f32
            }
        });
        let falling = |_rows: &[usize], _labels: &[usize], k: usize| -> WordQuality {
            quality(1.0 / k as f64, 1.0)
        };
        let (_, scores) = select_k(x.view(), &p, &KMeans::default(), &falling).unwrap();
        let last = scores.last().unwrap().k;
        assert!(last >= 35, "stopped at k = {last}: {scores:?}");
    }

    #[test]
    fn select_k_stops_the_search_and_applies_the_rule() {
        // Two well-separated groups (k = 2 is stable); the stand-in
        // coherence falls tenfold with each candidate, so the first stays
        // the best and the search ends after three more candidates.
        let mut rows = Vec::new();
        for i in 0..250 {
            let mut v = [0.0f32; 8];
            v[i % 2] = 1.0;
            v[5 + i % 3] = 0.15 * ((i % 7) as f32 / 7.0);
            rows.extend(v);
        }
        let x = Array2::from_shape_vec((250, 8), rows).unwrap();
        let falling = |_rows: &[usize], _labels: &[usize], k: usize| -> WordQuality {
            quality(10f64.powi(-(k as i32)), 1.0)
        };
        let params = SelectParams::default().range(2, 9).unwrap();
        let (k, scores) = select_k(x.view(), &params, &KMeans::default(), &falling).unwrap();
        let tried: Vec<usize> = scores.iter().map(|s| s.k).collect();
        assert_eq!(tried, [2, 3, 4, 5], "{scores:?}");
        assert_eq!(k, 2);
    }

    #[test]
    fn the_true_number_of_groups_is_chosen() {
        // Five well-separated groups on the axes of 8 dimensions.
        let mut rows = Vec::new();
        for i in 0..250 {
            let mut v = [0.0f32; 8];
            v[i % 5] = 1.0;
            v[5 + i % 3] = 0.15 * ((i % 7) as f32 / 7.0);
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            rows.extend(v.iter().map(|x| x / n));
        }
        let x = Array2::from_shape_vec((250, 8), rows).unwrap();
        // Coherence stand-in: purity of the groups, as a real corpus would give.
        let purity = |_rows: &[usize], labels: &[usize], k: usize| -> WordQuality {
            let truth: Vec<usize> = (0..250).map(|i| i % 5).collect();
            WordQuality {
                coherence: evaluate::score(labels, &truth).homogeneity,
                diversity: 5.0 / k.max(5) as f64,
            }
        };
        let params = SelectParams::default().range(2, 9).unwrap();
        let (k, scores) = select_k(x.view(), &params, &KMeans::default(), &purity).unwrap();
        assert_eq!(k, 5, "{scores:?}");
        assert!(scores
            .iter()
            .all(|s| s.stability >= 0.0 && s.stability <= 1.0));
    }

    fn score(k: usize, coherence: f64, stability: f64, diversity: f64, score: f64) -> KScore {
        KScore {
            k,
            coherence,
            diversity,
            stability,
            score,
            inertia: 0.0,
            seconds: 0.0,
        }
    }

    /// The figures of the eight-year finance archive: stability
    /// 0.66 at k = 10, 0.49 at 15-25, coherence flat. The note names
    /// stability and its figures; none when k is not the bottom.
    #[test]
    fn the_bottom_of_the_range_is_explained() {
        let scores = [
            score(10, 0.20, 0.66, 0.9, 0.132),
            score(15, 0.21, 0.49, 0.9, 0.103),
            score(20, 0.21, 0.50, 0.9, 0.105),
            score(25, 0.22, 0.49, 0.9, 0.108),
        ];
        let note = bottom_note(&scores, 10).unwrap();
        assert!(
            note.contains("stability falls from 0.66 at k = 10 to 0.49-0.50 at k = 15-25"),
            "{note}"
        );
        assert!(note.contains("--k N"), "{note}");
        assert_eq!(bottom_note(&scores, 20), None);
        assert_eq!(bottom_note(&scores[..1], 10), None);
        // Larger k all repeating their words: diversity is the reason.
        let repeated = [
            score(10, 0.20, 0.66, 0.80, 0.132),
            score(15, 0.21, 0.60, 0.60, 0.0),
            score(20, 0.21, 0.60, 0.55, 0.0),
        ];
        let note = bottom_note(&repeated, 10).unwrap();
        assert!(note.contains("diversity at most 0.60"), "{note}");
    }
}

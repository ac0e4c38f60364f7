//! A refine: the previous model's themes carried onto a grown archive, so
//! that they move only as much as the data does, and new themes for new
//! content.
//!
//! The space the themes live in is learned anew (features, LSA basis, word
//! vectors): a refine follows the archive's words, and the previous
//! centres' coordinates mean nothing in the new space (its axes come out in
//! another order and with other signs). What carries over is the previous
//! model's verdict on each post: the sample is assigned with the previous
//! model, exactly as the previous run assigned it, and each previous theme
//! starts from the mean of its posts in the new space. Then:
//!
//! 1. k-means (linfa, from those centres, at most [`WARM_ITERS`]
//!    iterations) follows what moved; k is kept, and a theme left without
//!    posts disappears.
//! 2. Posts dated after the newest day the previous model was fitted on are
//!    new content (undated posts never are; with a fixed `--k` no new theme
//!    is added). Those served worse than nine in ten of the old posts
//!    (cosine to their centre below the old posts' [`POOR_QUANTILE`]) are
//!    the candidates: first all of them as one group; a group that does
//!    not hold as a new theme (below) is split in two by k-means, as long
//!    as both halves could.
//! 3. With every post at its nearest centre, a group holds as a new theme
//!    when it has as large a share of the new posts as the smaller quarter of
//!    the themes hold of all posts ([`SMALL_QUANTILE`]; at least
//!    [`MIN_NEW_POSTS`]), its top words are as coherent (NPMI) as those of
//!    the less coherent quarter, and old posts are at most half as
//!    frequent among its posts as in the sample ([`OLD_SHARE`]: it is
//!    made of new content, not cut off old themes). The groups
//!    that hold alone are then judged together: those that fail are
//!    dropped and the rest judged again, until every one left holds.
//!
//! Everything is computed in a fixed order: the result does not depend on
//! the number of threads.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::params::{FitParams, COHERENCE_TERMS, WARM_ITERS};
use super::sample::SampleRows;
use super::scan::Scan;
use crate::cluster::{self, Clustering};
use crate::coherence::Postings;
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::label;
use crate::log::Log;
use crate::model::Model;
use crate::vectorize;

/// New posts whose cosine to their theme's centre is below this quantile
/// of the old posts' are poorly served by the themes.
pub const POOR_QUANTILE: f64 = 0.10;
/// A new theme holds at least as large a share of the new posts as the
/// themes at this quantile of size hold of all posts, and is at least as
/// coherent as the themes at this quantile of coherence.
pub const SMALL_QUANTILE: f64 = 0.25;
/// A new theme holds at least this many posts of the sample.
pub const MIN_NEW_POSTS: usize = 5;
/// A new theme's share of old posts is at most this fraction of the
/// sample's: it is made of new content, not cut off old themes.
pub const OLD_SHARE: f64 = 0.5;
/// At most this many groups of poor posts judged per refine.
const MAX_CANDIDATES: usize = 64;

/// The previous model's theme (its index among that model's themes) for
/// each post of the sample, as the previous run assigned it (`None`: the
/// post has no word that model knows).
pub(super) fn previous_themes(
    old: &Model,
    scan: &Scan,
    sample: &SampleRows,
    title_weight: u32,
) -> Vec<Option<usize>> {
    let words: Vec<&str> = scan.counts.iter().map(|(w, _)| w.as_str()).collect();
    let map = old.lexicon.map_sorted_str(&words);
    let vmap = old
        .vectors
        .as_ref()
        .map(|v| v.map_sorted(&words))
        .unwrap_or_default();
    sample
        .sampled
        .par_iter()
        .map(|&i| {
            let s = &scan.sample[i];
            let row =
                vectorize::tfidf_row(&s.words, s.title_words, &map, &old.lexicon, title_weight);
            let vw: Vec<u32> = if vmap.is_empty() {
                Vec::new()
            } else {
                s.words.iter().filter_map(|&w| vmap[w as usize]).collect()
            };
            old.assign_post(&row, &vw, s.words.len())
                .map(|(t, _)| t.get())
        })
        .collect()
}

/// Whether each post of the sample is new content to `old`: dated after
/// the newest day it was fitted on.
pub(super) fn new_content(old: &Model, scan: &Scan, sample: &SampleRows) -> Vec<bool> {
    sample
        .sampled
        .iter()
        .map(|&i| match (scan.sample[i].day, old.newest_day) {
            (Some(d), Some(newest)) => d > newest,
            _ => false,
        })
        .collect()
}

/// The posts to refine the clustered themes on.
pub(super) struct Posts<'a> {
    /// Their rows in the new space.
    pub x: ArrayView2<'a, f32>,
    /// The previous model's clustered theme of each (index among its
    /// clustered themes).
    pub before: Vec<Option<usize>>,
    /// Whether each is new content.
    pub new: Vec<bool>,
    /// The features of each (with repeats), for the themes' words.
    pub features: Vec<Vec<u32>>,
}

/// The refined themes.
pub(super) struct Refined {
    /// Themes of the posts: the previous ones that kept posts, in their
    /// order, then the new ones.
    pub clustering: Clustering,
    /// For each theme, the previous clustered theme it comes from (`None`:
    /// a new theme).
    pub lineage: Vec<Option<usize>>,
}

/// Refines `k_before` previous clustered themes on `posts`; `None` when
/// fewer than two of them hold any post (the themes are then found anew).
pub(super) fn refine(
    posts: &Posts,
    k_before: usize,
    params: &Checked<FitParams>,
    postings: &Postings,
    n_features: usize,
    log: &Log,
) -> Result<Option<Refined>> {
    let x = posts.x;
    let n = x.nrows();
    // Each previous theme starts from the mean of its posts.
    let mut sums = Array2::<f32>::zeros((k_before, x.ncols()));
    let mut counts = vec![0usize; k_before];
    for (r, b) in posts.before.iter().enumerate() {
        if let Some(j) = *b {
            let mut s = sums.row_mut(j);
            s += &x.row(r);
            counts[j] += 1;
        }
    }
    let from: Vec<usize> = (0..k_before).filter(|&j| counts[j] > 0).collect();
    if from.len() < 2 || n < from.len() {
        return Ok(None);
    }
    let mut start = Array2::<f32>::zeros((from.len(), x.ncols()));
    for (i, &j) in from.iter().enumerate() {
        start.row_mut(i).assign(&(&sums.row(j) / counts[j] as f32));
    }
    let centres = warm_kmeans(x, start, params)?;
    let labels = nearest(x, centres.view());
    let scores = cluster::scores(x, centres.view(), &labels);

    // What the themes are like: the smaller quarter's share of the posts,
    // the less coherent quarter's coherence. A new theme is drawn from the
    // new posts: it must hold as large a share of them as the smaller
    // themes hold of all.
    let k = centres.nrows();
    let sizes = cluster::sizes(&labels, k);
    let live: Vec<usize> = (0..k).filter(|&t| sizes[t] > 0).collect();
    let n_new = posts.new.iter().filter(|&&b| b).count();
    let small_share = quantile(
        live.iter().map(|&t| sizes[t] as f64 / n as f64).collect(),
        SMALL_QUANTILE,
    );
    let min_size = ((small_share * n_new as f64).ceil() as usize).max(MIN_NEW_POSTS);
    let coherence = coherences(&posts.features, &labels, k, n_features, postings);
    let min_coherence = quantile(live.iter().map(|&t| coherence[t]).collect(), SMALL_QUANTILE);

    // New content the themes serve poorly.
    let old_scores: Vec<f64> = (0..n)
        .filter(|&r| !posts.new[r])
        .map(|r| scores[r] as f64)
        .collect();
    // A fixed --k is a number of themes asked for: no new ones.
    let fixed_k = matches!(params.cluster.k, cluster::KChoice::Fixed(_));
    let poor: Vec<usize> = if old_scores.is_empty() || fixed_k {
        Vec::new()
    } else {
        let floor = quantile(old_scores, POOR_QUANTILE) as f32;
        (0..n)
            .filter(|&r| posts.new[r] && scores[r] < floor)
            .collect()
    };
    let rule = Rule {
        min_size,
        min_coherence,
        max_old_share: OLD_SHARE * (n - n_new) as f64 / n as f64,
        n_features,
    };
    let (mut candidates, tried) = candidates(
        posts,
        &poor,
        centres.view(),
        &labels,
        &rule,
        postings,
        params,
    )?;

    // Keep the candidates that hold together, judged with every post at
    // its nearest centre.
    let mut labels = labels;
    while candidates.nrows() > 0 {
        let all =
            ndarray::concatenate(Axis(0), &[centres.view(), candidates.view()]).map_err(numeric)?;
        let l = nearest(x, all.view());
        let holds: Vec<usize> = rule
            .verdicts(posts, &l, all.nrows(), k, postings)
            .iter()
            .enumerate()
            .filter(|(_, &ok)| ok)
            .map(|(c, _)| c)
            .collect();
        if holds.len() == candidates.nrows() {
            labels = l;
            break;
        }
        candidates = candidates.select(Axis(0), &holds);
    }

    // The themes: the previous ones that kept posts, then the new ones.
    let all =
        ndarray::concatenate(Axis(0), &[centres.view(), candidates.view()]).map_err(numeric)?;
    let size = cluster::sizes(&labels, all.nrows());
    let order: Vec<usize> = (0..all.nrows()).filter(|&t| size[t] > 0).collect();
    let mut place = vec![usize::MAX; all.nrows()];
    for (i, &t) in order.iter().enumerate() {
        place[t] = i;
    }
    let labels: Vec<usize> = labels.iter().map(|&t| place[t]).collect();
    let centroids = all.select(Axis(0), &order);
    let lineage: Vec<Option<usize>> = order.iter().map(|&t| (t < k).then(|| from[t])).collect();
    let scores = cluster::scores(x, centroids.view(), &labels);
    let inertia = (0..n)
        .map(|r| cluster::squared_distance(x.row(r), centroids.row(labels[r])) as f64)
        .sum::<f64>()
        / n.max(1) as f64;
    let continued = lineage.iter().filter(|l| l.is_some()).count();
    log.info(&format!(
        "refined the previous model's {k_before} themes from their posts: {continued} continue, {} left without posts; {} new for new content ({n_new} new posts of {n}, {} poorly served, {tried} groups of them judged; a new theme holds at least {min_size} posts, coherence at least {min_coherence:.3})",
        k_before - continued,
        order.len() - continued,
        poor.len(),
    ));
    Ok(Some(Refined {
        clustering: Clustering {
            labels,
            scores,
            centroids,
            inertia: inertia as f32,
        },
        lineage,
    }))
}

/// linfa's k-means from `start`, on the k-means sample of `x`, at most
/// [`WARM_ITERS`] iterations; the themes stay in the order of `start`.
fn warm_kmeans(
    x: ArrayView2<f32>,
    start: Array2<f32>,
    params: &Checked<FitParams>,
) -> Result<Array2<f32>> {
    let iters = params.cluster.kmeans_iters.min(WARM_ITERS);
    if iters == 0 {
        return Ok(start);
    }
    let kmeans = params
        .cluster
        .kmeans(start.nrows(), params.seed)?
        .max_iter(iters)?;
    cluster::follow(x, &start, &kmeans)
}

/// What a new theme must be.
struct Rule {
    /// Posts of the sample it holds, at least.
    min_size: usize,
    /// The coherence of its top words, at least.
    min_coherence: f64,
    /// The share of old posts among its posts, at most.
    max_old_share: f64,
    /// Features of the lexicon.
    n_features: usize,
}

impl Rule {
    /// Whether each of the themes `first..k` of `labels` holds as a new
    /// theme: large enough, coherent enough, made of new content.
    fn verdicts(
        &self,
        posts: &Posts,
        labels: &[usize],
        k: usize,
        first: usize,
        postings: &Postings,
    ) -> Vec<bool> {
        let size = cluster::sizes(labels, k);
        let mut fresh = vec![0usize; k];
        for (r, &t) in labels.iter().enumerate() {
            if posts.new[r] {
                fresh[t] += 1;
            }
        }
        let coherence = coherences(&posts.features, labels, k, self.n_features, postings);
        (first..k)
            .map(|t| {
                size[t] >= self.min_size
                    && coherence[t] >= self.min_coherence
                    && (size[t] - fresh[t]) as f64 <= self.max_old_share * size[t] as f64
            })
            .collect()
    }
}

/// Candidate new themes among the `poor` posts, each judged alone beside
/// the `centres` (which give the posts their `labels`): the poor posts as
/// one group, and a group that does not hold split in two by k-means, as
/// long as both halves could still hold. Returns the centres of the groups
/// that hold (each the mean of its posts) and the number of groups judged.
fn candidates(
    posts: &Posts,
    poor: &[usize],
    centres: ArrayView2<f32>,
    labels: &[usize],
    rule: &Rule,
    postings: &Postings,
    params: &Checked<FitParams>,
) -> Result<(Array2<f32>, usize)> {
    let x = posts.x;
    let k = centres.nrows();
    let own: Vec<f32> = labels
        .par_iter()
        .enumerate()
        .map(|(r, &t)| cluster::squared_distance(x.row(r), centres.row(t)))
        .collect();
    let mut found: Vec<Array1<f32>> = Vec::new();
    let mut stack = vec![poor.to_vec()];
    let mut judged = 0;
    while let Some(group) = stack.pop() {
        if group.len() < rule.min_size.max(2) || judged >= MAX_CANDIDATES {
            continue;
        }
        judged += 1;
        let centre: Array1<f32> = x
            .select(Axis(0), &group)
            .mean_axis(Axis(0))
            .expect("a group has posts");
        // The posts it would take: those nearer to it than to their theme.
        let with: Vec<usize> = (0..x.nrows())
            .into_par_iter()
            .map(|r| {
                if cluster::squared_distance(x.row(r), centre.view()) < own[r] {
                    k
                } else {
                    labels[r]
                }
            })
            .collect();
        if rule.verdicts(posts, &with, k + 1, k, postings)[0] {
            found.push(centre);
            continue;
        }
        if group.len() < 2 * rule.min_size {
            continue;
        }
        let rows = x.select(Axis(0), &group);
        let halves = cluster::cluster(rows.view(), &params.cluster.kmeans(2, params.seed)?)?;
        if halves.k() < 2 {
            continue;
        }
        for half in [1, 0] {
            stack.push(
                group
                    .iter()
                    .zip(&halves.labels)
                    .filter(|(_, &l)| l == half)
                    .map(|(&r, _)| r)
                    .collect(),
            );
        }
    }
    let mut out = Array2::<f32>::zeros((found.len(), x.ncols()));
    for (mut row, c) in out.rows_mut().into_iter().zip(&found) {
        row.assign(c);
    }
    Ok((out, judged))
}

/// Each row's nearest centre (squared Euclidean distance, ties to the
/// lower index: the rule of [`Model::assign`]).
fn nearest(x: ArrayView2<f32>, centres: ArrayView2<f32>) -> Vec<usize> {
    (0..x.nrows())
        .into_par_iter()
        .map(|r| cluster::nearest_centre(x.row(r), centres).unwrap_or(0))
        .collect()
}

/// Each theme's coherence: the NPMI of its top words (c-TF-IDF among these
/// themes) over the sample.
fn coherences(
    features: &[Vec<u32>],
    labels: &[usize],
    k: usize,
    n_features: usize,
    postings: &Postings,
) -> Vec<f64> {
    let counts = label::theme_term_counts(features, labels, k, n_features);
    label::theme_top_features(&counts, COHERENCE_TERMS)
        .iter()
        .map(|top| postings.coherence(&top.iter().map(|&(f, _)| f).collect::<Vec<_>>()))
        .collect()
}

/// The `q` quantile of `values` (the lower of the two around it; 0 when
/// there are none).
fn quantile(mut values: Vec<f64>, q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).floor() as usize]
}

fn numeric(e: impl std::fmt::Display) -> Error {
    Error::Numeric {
        stage: "cluster",
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_lower_value() {
        assert_eq!(quantile(vec![4.0, 1.0, 3.0, 2.0], 0.25), 1.0);
        assert_eq!(quantile(vec![4.0, 1.0, 3.0, 2.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(Vec::new(), 0.5), 0.0);
    }

    #[test]
    fn the_nearest_centre_breaks_ties_towards_the_lower_index() {
        let x = ndarray::arr2(&[[1.0f32, 0.0], [0.0, 1.0], [0.6, 0.6]]);
        let c = ndarray::arr2(&[[1.0f32, 0.0], [0.0, 1.0]]);
        assert_eq!(nearest(x.view(), c.view()), vec![0, 1, 0]);
    }
}

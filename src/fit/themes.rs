//! The themes of the fitting sample: posts of the named themes first,
//! then k-means on the rest (k chosen by coherence × stability when asked),
//! or the previous model's themes refined ([`super::refine`]).

use ndarray::{Array1, Array2, Axis};

use super::params::{FitParams, COHERENCE_TERMS};
use super::refine::{self, Posts};
use super::sample::SampleRows;
use crate::cluster::named::{self, NamedTheme};
use crate::cluster::select::{self, KScore, WordQuality};
use crate::cluster::{self, Clustering};
use crate::coherence::Postings;
use crate::embed::{self, WordVectors};
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::label;
use crate::log::Log;
use crate::model::Model;
use crate::reduce::Basis;
use crate::segment::Segmenter;
use crate::vectorize::{Lexicon, Row};

/// A named theme's seed words as a TF-IDF row (idf weights, unit length).
fn seed_row(theme: &NamedTheme, segmenter: &Segmenter, lexicon: &Lexicon) -> Row {
    let mut feats: Vec<u32> = theme
        .seeds
        .iter()
        .flat_map(|s| segmenter.words(s))
        .filter_map(|w| lexicon.feature(&w))
        .collect();
    feats.sort_unstable();
    feats.dedup();
    let vals: Vec<f32> = feats.iter().map(|&f| lexicon.idf[f as usize]).collect();
    let norm = vals
        .iter()
        .map(|v| v * v)
        .sum::<f32>()
        .sqrt()
        .max(f32::MIN_POSITIVE);
    let vals = vals.into_iter().map(|v| v / norm).collect();
    (feats, vals)
}

/// The themes found on the sample: named ones first, then the clustered.
pub(super) struct Found {
    pub(super) clustering: Clustering,
    pub(super) k_selection: Vec<KScore>,
    /// The named themes' thresholds (the first themes).
    pub(super) thresholds: Vec<f32>,
    /// For each theme of a refine, the id of the previous theme it comes
    /// from (`None`: named, new, or not a refine).
    pub(super) lineage: Vec<Option<u32>>,
    /// Whether the previous themes were refined (false: found anew, also
    /// when a refine was asked for but the previous themes held too few
    /// posts).
    pub(super) refined: bool,
}

/// A previous model to refine, and what it says of each post of the
/// sample.
pub(super) struct Warm<'a> {
    pub(super) model: &'a Model,
    /// The previous model's theme of each post (index among its themes).
    pub(super) before: Vec<Option<usize>>,
    /// Whether each post is new content to it.
    pub(super) new: Vec<bool>,
}

/// Assigns sample posts to the named themes, then clusters the rest
/// (choosing k when asked, or refining a previous model's themes from their posts).
#[allow(clippy::too_many_arguments)]
pub(super) fn find_themes(
    sample: &SampleRows,
    lexicon: &Lexicon,
    postings: &Postings,
    basis: &Basis,
    x: ndarray::ArrayView2<f32>,
    vectors: Option<(&WordVectors, &[f32])>,
    named: &[NamedTheme],
    params: &Checked<FitParams>,
    warm: Option<&Warm>,
    log: &Log,
) -> Result<Found> {
    let m = named.len();
    let mut of_row: Vec<Option<usize>> = vec![None; x.nrows()];
    let mut named_score = vec![0f32; x.nrows()];
    let mut named_centres = Array2::<f32>::zeros((m, x.ncols()));
    let thresholds: Vec<f32> = named
        .iter()
        .map(|t| t.min_similarity.unwrap_or(named::DEFAULT_MIN_SIMILARITY))
        .collect();
    if m > 0 {
        let segmenter = Segmenter::new(&params.segment)?;
        let seeds: Vec<Array1<f32>> = named
            .iter()
            .map(|t| {
                let row = seed_row(t, &segmenter, lexicon);
                if row.0.is_empty() {
                    log.warn(&format!(
                        "named theme '{}': none of its seed words occurs often enough in the archive; it stays empty",
                        t.name
                    ));
                }
                let lsa = basis.project((&row.0, &row.1));
                match vectors {
                    Some((v, common)) => {
                        let words: Vec<u32> = t
                            .seeds
                            .iter()
                            .flat_map(|s| segmenter.words(s))
                            .filter_map(|w| v.index(&w))
                            .collect();
                        let e = &params.embed;
                        let w = embed::side_weight(e.vector_weight, e.vector_full_words, words.len());
                        let mut pv = v.post(&words);
                        embed::remove_common(&mut pv, common);
                        embed::combine(lsa.view(), pv.view(), w)
                    }
                    None => lsa,
                }
            })
            .collect();
        let a = named::assign(x, &seeds, &thresholds);
        of_row = a.theme;
        named_score = a.score;
        named_centres = a.centres;
    }
    let rest: Vec<usize> = (0..x.nrows()).filter(|&r| of_row[r].is_none()).collect();
    let x_rest = x.select(Axis(0), &rest);

    let k_selection;
    let mut lineage = vec![None; m];
    let refined = match warm {
        Some(w) if rest.len() >= 2 => {
            let m_before = w.model.named();
            let posts = Posts {
                x: x_rest.view(),
                before: rest
                    .iter()
                    .map(|&r| w.before[r].filter(|&t| t >= m_before).map(|t| t - m_before))
                    .collect(),
                new: rest.iter().map(|&r| w.new[r]).collect(),
                features: rest.iter().map(|&r| sample.features[r].clone()).collect(),
            };
            let k_before = w.model.k() - m_before;
            refine::refine(&posts, k_before, params, postings, lexicon.len(), log)?.map(|r| {
                lineage.extend(
                    r.lineage
                        .iter()
                        .map(|j| j.map(|j| w.model.themes[m_before + j].id.0)),
                );
                r.clustering
            })
        }
        _ => None,
    };
    if warm.is_some() && refined.is_none() {
        log.info("the previous themes hold too few of the posts to refine: themes found anew");
    }
    let was_refined = refined.is_some();
    let clustered = match refined {
        Some(c) => {
            // k was chosen when the themes were fitted: its scores stay
            // the ones that chose it (k_selection.csv, the chart).
            k_selection = warm.map_or_else(Vec::new, |w| w.model.k_selection.clone());
            Some(c)
        }
        None => {
            let (c, scores) =
                cluster_rest(sample, lexicon, postings, x_rest.view(), &rest, params, log)?;
            k_selection = scores;
            c
        }
    };

    // Named themes come first, clustered ones follow.
    let mut labels: Vec<usize> = of_row.iter().map(|t| t.unwrap_or(usize::MAX)).collect();
    let mut scores = named_score;
    let mut centroids = named_centres;
    let mut inertia = 0.0;
    if let Some(c) = clustered {
        for (i, &r) in rest.iter().enumerate() {
            labels[r] = m + c.labels[i];
            scores[r] = c.scores[i];
        }
        centroids = ndarray::concatenate(Axis(0), &[centroids.view(), c.centroids.view()])
            .map_err(|e| Error::Numeric {
                stage: "cluster",
                reason: e.to_string(),
            })?;
        inertia = c.inertia;
    } else if !rest.is_empty() {
        // A single post outside the named themes cannot make a theme of its
        // own: it joins the named theme it is closest to.
        if m == 0 {
            return Err(Error::Numeric {
                stage: "cluster",
                reason: format!("{} post(s) to cluster, at least 2 needed", rest.len()),
            });
        }
        log.warn(&format!(
            "{} post(s) outside the named themes, too few to cluster: each joins its closest named theme",
            rest.len()
        ));
        for &r in &rest {
            let sims = centroids.dot(&x.row(r));
            let (t, &s) = sims
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                .expect("m > 0 named themes");
            labels[r] = t;
            scores[r] = s;
        }
    }
    Ok(Found {
        clustering: Clustering {
            labels,
            scores,
            centroids,
            inertia,
        },
        k_selection,
        thresholds,
        lineage,
        refined: was_refined,
    })
}

/// k-means on the posts outside the named themes (`rest`, rows `x_rest`),
/// k chosen when asked: the clustering (`None` with fewer than two posts)
/// and the scores of the k tried.
fn cluster_rest(
    sample: &SampleRows,
    lexicon: &Lexicon,
    postings: &Postings,
    x_rest: ndarray::ArrayView2<f32>,
    rest: &[usize],
    params: &Checked<FitParams>,
    log: &Log,
) -> Result<(Option<Clustering>, Vec<KScore>)> {
    let mut k_selection = Vec::new();
    let seed = params.seed;
    let mut kmeans = match params.cluster.selection()? {
        Some(sel) if rest.len() >= 2 => {
            let quality = |rows: &[usize], labels: &[usize], k: usize| {
                let feats: Vec<Vec<u32>> = rows
                    .iter()
                    .map(|&r| sample.features[rest[r]].clone())
                    .collect();
                word_quality(&feats, labels, k, lexicon.len(), postings)
            };
            let base = params.cluster.kmeans(2, seed)?;
            let (k, scores) = select::select_k(x_rest.view(), &sel, &base, &quality)?;
            log.info(&format!(
                "k = {k} chosen from {} candidates in {}..{} by coherence × stability (see k_selection.csv)",
                scores.len(),
                sel.get_range().0,
                sel.get_range().1
            ));
            k_selection = scores;
            params.cluster.kmeans(k, seed)?
        }
        _ => {
            let k = match params.cluster.k {
                cluster::KChoice::Fixed(k) => k,
                cluster::KChoice::Auto => 2,
            };
            params.cluster.kmeans(k, seed)?
        }
    };
    let k_asked = kmeans.get_k().min(rest.len());
    if k_asked < kmeans.get_k() {
        log.warn(&format!(
            "only {} posts to cluster: {} themes instead of {}",
            rest.len(),
            k_asked,
            kmeans.get_k()
        ));
        kmeans = kmeans.k(k_asked.max(2))?;
    }
    let clustered = if k_asked >= 2 {
        let c = cluster::cluster(x_rest.view(), &kmeans)?;
        if c.k() < k_asked {
            log.warn(&format!(
                "{} of the {k_asked} themes came out empty and were dropped",
                k_asked - c.k()
            ));
        }
        Some(c)
    } else {
        None
    };
    Ok((clustered, k_selection))
}

/// Coherence and diversity of one clustering's theme words (`posts[i]`
/// are the features of the post labelled `labels[i]`).
fn word_quality(
    posts: &[Vec<u32>],
    labels: &[usize],
    k: usize,
    n_features: usize,
    postings: &Postings,
) -> WordQuality {
    let counts = label::theme_term_counts(posts, labels, k, n_features);
    let tops = label::theme_top_features(&counts, COHERENCE_TERMS);
    let lists: Vec<Vec<usize>> = tops
        .iter()
        .map(|t| t.iter().map(|&(f, _)| f).collect())
        .collect();
    let all: Vec<usize> = lists.iter().flatten().copied().collect();
    let distinct: std::collections::HashSet<usize> = all.iter().copied().collect();
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    WordQuality {
        coherence: lists
            .iter()
            .zip(&sizes)
            .map(|(l, &n)| postings.coherence(l) * n as f64)
            .sum::<f64>()
            / labels.len().max(1) as f64,
        diversity: distinct.len() as f64 / all.len().max(1) as f64,
    }
}

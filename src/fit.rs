//! The `fit` stage: the store → a [`Model`].
//!
//! One streamed pass over the store counts every word (in how many posts,
//! how often) and draws a fixed sample of posts: the `--sample` posts with
//! the lowest hash of (seed, doc id), whatever the order or the split the
//! store was prepared in. Copies and posts outside `--since`/`--until` take
//! no part. From the counts come the features and their idf; from the
//! sample the LSA basis, the named themes' centres, the choice of k, the
//! k-means centres, the theme words and the themes' ids (matched to the
//! previous run's). Memory holds the word counts and the sample, never the
//! archive: O(vocabulary + sample + themes × features).

use std::collections::BinaryHeap;
use std::path::PathBuf;

use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::cluster::named::{self, NamedTheme};
use crate::cluster::select::{self, KScore, WordQuality};
use crate::cluster::ClusterParams;
use crate::cluster::{self, Clustering};
use crate::coherence::Postings;
use crate::dedup::Duplicates;
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::identity;
use crate::ids::{DocId, ThemeId};
use crate::label;
use crate::label::LabelParams;
use crate::log::{Log, Timings};
use crate::model::{Model, ModelSource, ThemeModel};
use crate::reduce::ReduceParams;
use crate::reduce::{self, Basis};
use crate::segment::SegmentParams;
use crate::segment::Segmenter;
use crate::store::{Partition, SegmentRef, Store};
use crate::time::Verdict;
use crate::time::Window;
use crate::vectorize::VectorizeParams;
use crate::vectorize::{self, Lexicon, Row, WordCount};
use serde::Serialize;

/// The parameters of `fit`: everything that shapes a model. Their serde
/// form is the model's key ([`FitParams::key`]): another key, another
/// model. Report settings (granularity, facets, charts) are no part of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitParams {
    /// Seed of every random choice.
    pub seed: u64,
    /// Which posts are analysed (`--since`/`--until`; the moment of the
    /// run is not part of the key).
    pub window: Window,
    /// Word selection and weighting.
    pub vectorize: VectorizeParams,
    /// The LSA.
    pub reduce: ReduceParams,
    /// k-means and the choice of k.
    pub cluster: ClusterParams,
    /// Theme words.
    pub label: LabelParams,
    /// Segmenting the named themes' seed words (part of the store's
    /// fingerprint, which the model also records, not of its key).
    #[serde(skip)]
    pub segment: SegmentParams,
    /// The named themes (`--themes`), read.
    pub named: Vec<NamedTheme>,
}

impl FitParams {
    /// The key of the model these parameters fit.
    pub fn key(&self) -> String {
        crate::cache::key(self)
    }
}

/// Change in the number of analysed posts from which the model is fitted
/// anew (k chosen anew) instead of kept.
pub const REFIT_GROWTH: f64 = 0.10;

/// How a run comes by its model.
pub enum Plan {
    /// The previous model, as it is.
    Keep(Box<Model>),
    /// The previous model refined: its basis and centres as starting
    /// points, k kept.
    Refine(Box<Model>),
    /// A model fitted anew.
    Fit,
}

/// Chooses between keeping the previous model (`old`), refining it and
/// fitting anew. A new model is fitted when there is none, when the
/// settings that shape it changed (the store's fingerprint or the
/// parameters' key), or when the number of analysed posts (`posts`)
/// changed by [`REFIT_GROWTH`] or more since it was fitted; `refit`
/// refines it (k kept) whatever the change. Otherwise it is kept: the new
/// posts are assigned to the existing themes, and a re-run costs what the
/// new posts cost plus writing the reports.
pub fn plan(
    old: Option<Model>,
    refit: bool,
    params: &FitParams,
    store: &Store,
    posts: u64,
    log: &Log,
) -> Plan {
    let Some(old) = old else {
        return Plan::Fit;
    };
    if old.fingerprint != store.parts[0].fingerprint || old.key != params.key() {
        log.info("the settings that shape the themes changed: fitting anew");
        return Plan::Fit;
    }
    let change = (posts as f64 - old.posts as f64).abs() / old.posts.max(1) as f64;
    if change >= REFIT_GROWTH {
        log.info(&format!(
            "the archive changed by {:.1}% since the themes were fitted: fitting anew",
            change * 100.0
        ));
        return Plan::Fit;
    }
    if refit {
        return Plan::Refine(Box::new(old));
    }
    log.info(&format!(
        "keeping the themes fitted {} (the archive changed by {:.1}%; --refit refines them, --fresh starts anew)",
        old.fitted_at,
        change * 100.0
    ));
    Plan::Keep(Box::new(old))
}

/// Posts that `fit` would analyse: accepted, not copies, in `window`.
pub fn analysed_posts(store: &Store, dups: &Duplicates, window: &Window) -> Result<u64> {
    // The manifests do not know dates at day precision; count from the
    // segments' records (no texts) where the window cuts into a month.
    let mut n = 0u64;
    for seg in store.segments() {
        if seg.entry.partition == Partition::Rejected {
            continue;
        }
        // Undated posts, and those of a month wholly before the run's
        // last day, are all analysed.
        let whole_month_analysed = match seg.entry.partition.month() {
            None => true,
            Some(m) => window.last_day().is_some_and(|last| {
                m.checked_add_months(chrono::Months::new(1))
                    .is_some_and(|next| next <= last)
            }),
        };
        if window.since.is_none() && window.until.is_none() && whole_month_analysed {
            n += (seg.entry.records as usize - seg.entry.dead.len()) as u64;
            continue;
        }
        let read = seg.read(crate::store::Want::RECORDS)?;
        n += read
            .records
            .iter()
            .filter(|r| {
                r.outcome
                    .as_ref()
                    .is_ok_and(|f| window.verdict(f.day()) == Verdict::Analysed)
            })
            .count() as u64;
    }
    Ok(n.saturating_sub(dups.len() as u64))
}

/// Words per theme whose co-occurrence measures coherence.
pub const COHERENCE_TERMS: usize = 10;
/// k-means iterations from the previous model's centres.
const WARM_ITERS: u64 = 10;

/// What `fit` starts from.
#[derive(Debug, Clone, Copy)]
pub struct FitInput<'a> {
    /// The prepared posts.
    pub store: &'a Store,
    /// The copies found in them.
    pub duplicates: &'a Duplicates,
    /// The previous run's themes, for stable ids (`None` with `--fresh`).
    pub previous: Option<&'a identity::State>,
    /// A model to refine instead of starting anew: its basis seeds the SVD
    /// and its centres k-means (k is kept).
    pub warm: Option<&'a Model>,
}

/// A post of the fitting sample.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sampled {
    priority: u64,
    doc: DocId,
    title_words: u32,
    /// Word ids: positions in the segment's counts while scanning, then in
    /// the sorted counts of [`Scan`].
    words: Vec<u32>,
}

impl Ord for Sampled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.priority, self.doc).cmp(&(other.priority, other.doc))
    }
}

impl PartialOrd for Sampled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A post's place in the sampling order: a mix of the seed and its doc id.
fn priority(seed: u64, doc: DocId) -> u64 {
    crate::text::splitmix(seed ^ doc.0.wrapping_mul(crate::text::GOLDEN))
}

/// The word counts and the sample of the whole store.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every word with its counts, sorted by word.
    pub counts: Vec<(String, WordCount)>,
    /// Posts counted (accepted, not copies, in the window).
    pub posts: u64,
    sample: Vec<Sampled>,
}

/// What one segment contributes to the scan.
struct SegmentScan {
    counts: Vec<(String, WordCount)>,
    posts: u64,
    sample: Vec<Sampled>,
}

fn scan_segment(
    seg: &SegmentRef,
    duplicates: &Duplicates,
    params: &FitParams,
    size: usize,
) -> Result<SegmentScan> {
    let read = seg.read(crate::store::Want::RECORDS)?;
    let n_words = read.vocab.words.len();
    let mut df = vec![0u32; n_words];
    let mut cf = vec![0u64; n_words];
    let mut seen: Vec<u32> = Vec::new();
    // Sampled posts keep the segment's local ids until the counts are made.
    let mut heap: BinaryHeap<Sampled> = BinaryHeap::new();
    let mut posts = 0u64;
    for rec in &read.records {
        let Ok(f) = &rec.outcome else { continue };
        if duplicates.of(rec.doc).is_some() || params.window.verdict(f.day()) != Verdict::Analysed {
            continue;
        }
        posts += 1;
        seen.clear();
        seen.extend_from_slice(&f.words);
        seen.sort_unstable();
        seen.dedup();
        for &w in &seen {
            df[w as usize] += 1;
        }
        for &w in &f.words {
            cf[w as usize] += 1;
        }
        let p = priority(params.seed, rec.doc);
        if heap.len() < size
            || heap
                .peek()
                .is_some_and(|top| (p, rec.doc) < (top.priority, top.doc))
        {
            heap.push(Sampled {
                priority: p,
                doc: rec.doc,
                title_words: f.title_words,
                words: f.words.clone(),
            });
            if heap.len() > size {
                heap.pop();
            }
        }
    }
    // Only the words counted; the sample's ids become positions among them.
    let mut position = vec![u32::MAX; n_words];
    let mut counts = Vec::new();
    for (w, word) in read.vocab.words.iter().enumerate() {
        if df[w] > 0 {
            position[w] = counts.len() as u32;
            counts.push((
                word.clone(),
                WordCount {
                    df: df[w],
                    cf: cf[w],
                },
            ));
        }
    }
    let mut sample = heap.into_vec();
    for s in &mut sample {
        for w in &mut s.words {
            *w = position[*w as usize];
        }
    }
    Ok(SegmentScan {
        counts,
        posts,
        sample,
    })
}

/// Counts every word of the store and draws the fitting sample, a few
/// segments at a time (in parallel), merged in segment order.
pub fn scan(store: &Store, duplicates: &Duplicates, params: &FitParams, log: &Log) -> Result<Scan> {
    let size = params.cluster.sample;
    let segments: Vec<SegmentRef> = store
        .segments()
        .into_iter()
        .filter(|s| s.entry.partition != Partition::Rejected)
        .collect();
    // Every word gets a global id as it is first met.
    let mut ids: HashMap<String, u32> = HashMap::default();
    let mut totals: Vec<(String, WordCount)> = Vec::new();
    let mut sample: Vec<Sampled> = Vec::new();
    let mut posts = 0u64;
    let step = (rayon::current_num_threads() * 2).max(2);
    for chunk in segments.chunks(step) {
        let scans: Vec<SegmentScan> = chunk
            .par_iter()
            .map(|s| scan_segment(s, duplicates, params, size))
            .collect::<Result<_>>()?;
        for s in scans {
            posts += s.posts;
            let global: Vec<u32> = s
                .counts
                .into_iter()
                .map(|(w, c)| {
                    let g = match ids.get(&w) {
                        Some(&g) => g,
                        None => {
                            let g = totals.len() as u32;
                            ids.insert(w.clone(), g);
                            totals.push((w, WordCount::default()));
                            g
                        }
                    };
                    let e = &mut totals[g as usize].1;
                    e.df += c.df;
                    e.cf += c.cf;
                    g
                })
                .collect();
            sample.extend(s.sample.into_iter().map(|mut x| {
                for w in &mut x.words {
                    *w = global[*w as usize];
                }
                x
            }));
            if sample.len() > 2 * size {
                sample.sort_unstable();
                sample.truncate(size);
            }
        }
        log.progress(posts);
    }
    sample.sort_unstable();
    sample.truncate(size);
    // In doc order, as the posts come.
    sample.sort_by_key(|s| s.doc);
    drop(ids);
    // Sorted by word; the sample's ids follow.
    let mut order: Vec<u32> = (0..totals.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| totals[a as usize].0.cmp(&totals[b as usize].0));
    let mut sorted_id = vec![0u32; totals.len()];
    for (new, &old) in order.iter().enumerate() {
        sorted_id[old as usize] = new as u32;
    }
    for s in &mut sample {
        for w in &mut s.words {
            *w = sorted_id[*w as usize];
        }
    }
    let mut slots: Vec<Option<(String, WordCount)>> = totals.into_iter().map(Some).collect();
    let counts: Vec<(String, WordCount)> = order
        .iter()
        .map(|&old| slots[old as usize].take().expect("each word once"))
        .collect();
    Ok(Scan {
        counts,
        posts,
        sample,
    })
}

/// The fitting sample as TF-IDF rows, and as lists of features (with
/// repeats, for word counts); posts with no feature are left out.
struct SampleRows {
    docs: Vec<DocId>,
    rows: Vec<Row>,
    features: Vec<Vec<u32>>,
}

fn sample_rows(scan: &Scan, lexicon: &Lexicon, title_weight: u32) -> SampleRows {
    // The features of the scan's sorted word ids: one merge of two sorted
    // lists.
    let words: Vec<&str> = scan.counts.iter().map(|(w, _)| w.as_str()).collect();
    let map = lexicon.map_sorted_str(&words);
    let made: Vec<Option<(DocId, Row, Vec<u32>)>> = scan
        .sample
        .par_iter()
        .map(|s| {
            let row = vectorize::tfidf_row(&s.words, s.title_words, &map, lexicon, title_weight);
            if row.0.is_empty() {
                return None;
            }
            let feats: Vec<u32> = s.words.iter().filter_map(|&w| map[w as usize]).collect();
            Some((s.doc, row, feats))
        })
        .collect();
    let mut out = SampleRows {
        docs: Vec::new(),
        rows: Vec::new(),
        features: Vec::new(),
    };
    for (d, r, f) in made.into_iter().flatten() {
        out.docs.push(d);
        out.rows.push(r);
        out.features.push(f);
    }
    out
}

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

/// The previous model's basis mapped onto this lexicon's features: a
/// word's row if the previous model had it, zeros otherwise.
fn basis_start(previous: &Model, lexicon: &Lexicon) -> Array2<f32> {
    let dims = previous.basis.dims();
    let mut start = Array2::<f32>::zeros((lexicon.len(), dims));
    for (f, w) in lexicon.words.iter().enumerate() {
        if let Some(old) = previous.lexicon.feature(w) {
            start
                .row_mut(f)
                .assign(&previous.basis.components.row(old as usize));
        }
    }
    start
}

/// The error for a store with too few posts to fit themes on.
fn too_few(store: &Store, detail: String) -> Error {
    Error::NoPosts {
        input: store
            .parts
            .first()
            .map_or_else(PathBuf::new, |p| PathBuf::from(&p.input.path)),
        detail,
    }
}

/// Fits the model.
pub fn fit(
    input: &FitInput,
    params: &Checked<FitParams>,
    log: &Log,
    timings: &mut Timings,
) -> Result<Model> {
    let scan = timings.time("scan", log, || {
        scan(input.store, input.duplicates, params, log)
    })?;
    if scan.posts < 2 {
        return Err(too_few(
            input.store,
            format!("{} posts to analyse, at least 2 needed", scan.posts),
        ));
    }
    let lexicon = vectorize::select_features(&scan.counts, scan.posts as usize, &params.vectorize)?;
    log.info(&format!(
        "{} distinct words, {} kept as features; fitting on {} of {} posts",
        scan.counts.len(),
        lexicon.len(),
        scan.sample.len(),
        scan.posts
    ));
    if lexicon.len() < 2 {
        return Err(too_few(
            input.store,
            format!(
                "{} of the posts' words kept as features, at least 2 needed to tell themes apart (see --min-df/--max-df)",
                lexicon.len()
            ),
        ));
    }
    let sample = sample_rows(&scan, &lexicon, params.vectorize.title_weight);
    if sample.rows.len() < 2 {
        return Err(too_few(
            input.store,
            format!(
                "{} of the posts fitted on have words in the vocabulary, at least 2 needed (see --min-df/--max-df, and rejected.csv of a run with more posts)",
                sample.rows.len()
            ),
        ));
    }
    let warm = input.warm;
    // The sample's TF-IDF matrix, and its postings (which posts hold each
    // feature) for coherence: made once, for the SVD, the choice of k and
    // the themes' words.
    let a = vectorize::matrix(&sample.rows, lexicon.len())?;
    let postings = Postings::new(&a.transpose_view().to_csr(), sample.rows.len());
    let basis = timings.time("reduce", log, || {
        let start = warm.map(|m| basis_start(m, &lexicon));
        reduce::fit_basis(&a, &params.reduce, params.seed, start.as_ref())
    })?;
    drop(a);
    let x = basis.project_rows(&sample.rows);
    let named = &params.named;
    let themes = timings.time("cluster", log, || {
        find_themes(
            &sample,
            &lexicon,
            &postings,
            &basis,
            x.view(),
            named,
            params,
            warm,
            log,
        )
    })?;
    let Found {
        clustering,
        k_selection,
        thresholds,
    } = themes;

    // Words of each theme over the sample: labels, coherence, term vectors.
    let k = clustering.k();
    let counts = label::theme_term_counts(&sample.features, &clustering.labels, k, lexicon.len());
    let labels = label::label_themes(&lexicon, &counts, &params.label);
    let vectors = identity::term_vectors(&lexicon, &sample.rows, &clustering.labels, k);
    let names: Vec<Option<String>> = (0..k)
        .map(|t| named.get(t).map(|n| n.name.clone()))
        .collect();
    let keys: Vec<identity::ThemeKey> = names
        .iter()
        .zip(&vectors)
        .map(|(n, v)| (n.as_deref(), v.as_slice()))
        .collect();
    let matching = identity::assign_ids(&keys, input.previous);
    if input.previous.is_some() {
        let kept = matching.continued.iter().filter(|c| c.is_some()).count();
        log.info(&format!(
            "{kept} of {k} themes continue a theme of the previous run; {} new, {} disappeared",
            k - kept,
            matching.disappeared.len()
        ));
    }
    let sizes = clustering.sizes();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&t| matching.ids[t]);
    let themes: Vec<ThemeModel> = order
        .iter()
        .map(|&t| {
            let l = &labels[t];
            let top: Vec<usize> = l.features.iter().copied().take(COHERENCE_TERMS).collect();
            ThemeModel {
                id: ThemeId(matching.ids[t]),
                label: names[t].clone().unwrap_or_else(|| l.label.clone()),
                named: names[t].clone(),
                threshold: thresholds.get(t).copied(),
                top_terms: l.top_terms.clone(),
                features: l.features.iter().map(|&f| f as u32).collect(),
                coherence: postings.coherence(&top),
                terms: vectors[t].clone(),
                sample_size: sizes[t] as u64,
            }
        })
        .collect();
    let centres = clustering.centroids.select(Axis(0), &order);
    Ok(Model {
        id: 0,
        fingerprint: input.store.parts[0].fingerprint,
        params: params.key(),
        key: params.key(),
        source: ModelSource::Fitted,
        fitted_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        posts: scan.posts,
        sample: sample.rows.len() as u64,
        vocabulary: scan.counts.len() as u64,
        lexicon,
        basis,
        centres,
        themes,
        next_id: matching.next_id,
        disappeared: matching.disappeared,
        k_selection,
    })
}

/// The themes found on the sample: named ones first, then the clustered.
struct Found {
    clustering: Clustering,
    k_selection: Vec<KScore>,
    /// The named themes' thresholds (the first themes).
    thresholds: Vec<f32>,
}

/// Assigns sample posts to the named themes, then clusters the rest
/// (choosing k when asked, or refining a previous model's centres).
#[allow(clippy::too_many_arguments)]
fn find_themes(
    sample: &SampleRows,
    lexicon: &Lexicon,
    postings: &Postings,
    basis: &Basis,
    x: ndarray::ArrayView2<f32>,
    named: &[NamedTheme],
    params: &Checked<FitParams>,
    warm: Option<&Model>,
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
                basis.project((&row.0, &row.1))
            })
            .collect();
        let a = named::assign(x, &seeds, &thresholds);
        of_row = a.theme;
        named_score = a.score;
        named_centres = a.centres;
    }
    let rest: Vec<usize> = (0..x.nrows()).filter(|&r| of_row[r].is_none()).collect();
    let x_rest = x.select(Axis(0), &rest);

    let mut k_selection = Vec::new();
    let seed = params.seed;
    let previous_centres = warm.map(|w| w.centres.slice(ndarray::s![w.named().., ..]).to_owned());
    let mut kmeans = match (previous_centres, params.cluster.selection()?) {
        (Some(centres), _) if centres.nrows() >= 2 && centres.ncols() == x.ncols() => {
            // From the previous model's centres k-means only follows the
            // little the archive moved: a few iterations settle it.
            let iters = params.cluster.kmeans_iters.min(WARM_ITERS);
            log.info(&format!(
                "refining the previous model's {} themes (k kept; --fresh chooses k anew)",
                centres.nrows()
            ));
            params
                .cluster
                .kmeans(centres.nrows(), seed)?
                .initial_centroids(Some(centres))?
                .max_iter(iters)?
        }
        (_, Some(sel)) if rest.len() >= 2 => {
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
        kmeans = kmeans.k(k_asked.max(2))?.initial_centroids(None)?;
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
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampling_order_does_not_depend_on_anything_but_seed_and_doc() {
        assert_eq!(priority(42, DocId(7)), priority(42, DocId(7)));
        assert_ne!(priority(42, DocId(7)), priority(43, DocId(7)));
        // About half of the posts fall below the median.
        let below = (0..10_000u64)
            .filter(|&d| priority(42, DocId(d)) < u64::MAX / 2)
            .count();
        assert!((4_500..5_500).contains(&below), "{below}");
    }
}

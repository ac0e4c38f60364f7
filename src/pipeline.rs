//! The whole job: ingest → segment → vectorize → reduce → cluster → label →
//! trend, then charts and reports.
//!
//! [`analyse`] runs the analysis stages in memory and returns an
//! [`Analysis`]; [`run`] adds the charts and report files. Both take a
//! [`RunParams`], which holds each stage's checked parameters. Every stage is
//! timed; the times go to `run.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use ndarray::Axis;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use crate::cache::{self, PostCache};
use crate::chart::{self, ChartInput, ChartParams};
use crate::cluster::named::{self, NamedTheme};
use crate::cluster::select::{self, KScore, SelectParams, WordQuality};
use crate::cluster::{self, ClusterParams, Clustering};
use crate::coherence::Postings;
use crate::error::{Error, Result};
use crate::evaluate::{self, LabelScores};
use crate::identity;
use crate::ingest::{self, IngestCounts, IngestParams, RejectReason, Rejection};
use crate::label::{self, LabelParams, PostRef, Theme};
use crate::log::Log;
use crate::publish::{OutLock, Staging};
use crate::reduce::{self, ReduceParams};
use crate::report;
use crate::segment::{self, SegmentParams, Segmenter};
use crate::trend::{self, Momentum, ThemeBurst, TrendMatrix, TrendParams};
use crate::vectorize::{self, VectorizeParams};

/// The cache folder inside the output folder, unless `--cache` moves it.
pub const DEFAULT_CACHE_DIR: &str = ".cache";

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct RunParams {
    /// Folder of posts or table file.
    pub input: PathBuf,
    /// Folder the reports are written to.
    pub out: PathBuf,
    /// Ingest stage.
    pub ingest: IngestParams,
    /// Segment stage.
    pub segment: SegmentParams,
    /// Vectorize stage.
    pub vectorize: VectorizeParams,
    /// Reduce stage.
    pub reduce: ReduceParams,
    /// Cluster stage (its k is used when `select` is `None`).
    pub cluster: ClusterParams,
    /// Automatic choice of k (`--k auto`); `None` uses `cluster`'s k.
    pub select: Option<SelectParams>,
    /// Themes defined by seed words (`--themes`), numbered first.
    pub named: Vec<NamedTheme>,
    /// The file the named themes came from, for the record.
    pub themes_file: Option<PathBuf>,
    /// Ignore the previous run's themes: number themes anew and choose k
    /// anew (`--fresh`).
    pub fresh: bool,
    /// Wait for another run writing the same output folder instead of
    /// failing (`--wait`).
    pub wait: bool,
    /// Folder of the incremental cache (`None`: neither read nor written).
    pub cache: Option<PathBuf>,
    /// Only posts dated within (since, until), both inclusive, are analysed.
    pub window: (Option<NaiveDate>, Option<NaiveDate>),
    /// Label stage.
    pub label: LabelParams,
    /// Trend stage: periods, smoothing, bursts.
    pub trend: TrendParams,
    /// Chart stage; `None` draws no charts.
    pub chart: Option<ChartParams>,
}

impl RunParams {
    /// Default parameters for `input` → `out`.
    pub fn new(input: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        let out = out.into();
        RunParams {
            input: input.into(),
            cache: Some(out.join(DEFAULT_CACHE_DIR)),
            out,
            ingest: IngestParams::default(),
            segment: SegmentParams::default(),
            vectorize: VectorizeParams::default(),
            reduce: ReduceParams::default(),
            cluster: ClusterParams::default(),
            select: Some(SelectParams::default()),
            named: Vec::new(),
            themes_file: None,
            fresh: false,
            wait: false,
            window: (None, None),
            label: LabelParams::default(),
            trend: TrendParams::default(),
            chart: Some(ChartParams::default()),
        }
    }

    /// Checks what no single stage can: the output folder must not be the
    /// input or inside it (a re-run would read its own reports).
    pub fn check(&self) -> Result<()> {
        let input = std::fs::canonicalize(&self.input).map_err(|e| Error::read(&self.input, e))?;
        let out = absolute_lexical(&self.out);
        let out = canonical_prefix(&out);
        if out == input || (input.is_dir() && out.starts_with(&input)) {
            return Err(Error::param(
                "--out",
                format!(
                    "{} is the input folder or inside it; write the reports elsewhere",
                    self.out.display()
                ),
            ));
        }
        Ok(())
    }
}

/// `path` made absolute against the current folder, without touching the disk.
fn absolute_lexical(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    }
}

/// Canonicalises the longest existing prefix of `path` and appends the rest,
/// so a not-yet-created output folder can be compared with the input.
fn canonical_prefix(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for part in rest.into_iter().rev() {
        out.push(part);
    }
    out
}

/// A post and the theme it went to.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The post's doc_id.
    pub doc_id: usize,
    /// The post file (or `table#row`).
    pub path: String,
    /// The post's date, if known.
    pub date: Option<NaiveDate>,
    /// The post's title.
    pub title: String,
    /// Its theme.
    pub theme_id: u32,
    /// Cosine similarity to the theme's centre.
    pub score: f32,
    /// The outlet the post credits, if any.
    pub source: Option<String>,
    /// The post's values of each `--facet` field, in flag order.
    pub facets: Vec<Vec<String>>,
    /// Carried table columns.
    pub extra: Vec<String>,
}

/// Seconds spent per stage, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings(pub Vec<(&'static str, f64)>);

impl Timings {
    /// Runs `f`, recording its duration under `stage`.
    pub fn time<T>(&mut self, stage: &'static str, log: &Log, f: impl FnOnce() -> T) -> T {
        log.stage_start(stage);
        let start = Instant::now();
        let out = f();
        let secs = start.elapsed().as_secs_f64();
        self.0.push((stage, secs));
        log.stage_done(stage, secs);
        out
    }
}

/// What the next run's cache will hold.
#[derive(Debug, Clone)]
pub struct CacheOut {
    /// Fingerprint of the settings.
    pub fingerprint: u64,
    /// The vocabulary word ids refer to.
    pub vocab: Vec<String>,
    /// This run's LSA basis.
    pub basis: cache::Basis,
    /// One entry per post file.
    pub entries: Vec<(String, cache::Entry)>,
}

/// What the analysis found.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Ingest counts (rejections by later stages included).
    pub counts: IngestCounts,
    /// Every post not used, in doc_id order.
    pub rejected: Vec<Rejection>,
    /// Warnings about kept posts and the walk.
    pub warnings: Vec<String>,
    /// Names of carried table columns.
    pub extra_columns: Vec<String>,
    /// One row per clustered post, in doc_id order.
    pub assignments: Vec<Assignment>,
    /// The themes, index = theme_id.
    pub themes: Vec<Theme>,
    /// Trends over time (`None` when posts have no dates).
    pub trends: Option<Trends>,
    /// Vocabulary size after segmentation.
    pub vocabulary: usize,
    /// TF-IDF features kept.
    pub features: usize,
    /// Dense dimensions actually used.
    pub dims: usize,
    /// The cache for the next run, when caching.
    pub cache: Option<CacheOut>,
    /// What this run leaves for the next (stable theme ids).
    pub state: identity::State,
    /// Themes of the previous run with no successor: (id, label).
    pub disappeared: Vec<(u32, String)>,
    /// With a cache: post files read anew (new or changed).
    pub fresh_posts: Option<usize>,
    /// Scores of every k tried when k was chosen automatically.
    pub k_selection: Vec<KScore>,
    /// Agreement with the input's `label` column, when it has one.
    pub label_scores: Option<LabelScores>,
    /// Stage times.
    pub timings: Timings,
}

/// Everything known about the themes over time.
#[derive(Debug, Clone)]
pub struct Trends {
    /// The trend table (period, theme_id, count, share, share_smoothed, partial).
    pub table: DataFrame,
    /// The same as arrays.
    pub matrix: TrendMatrix,
    /// Bursts of every theme, newest first.
    pub bursts: Vec<ThemeBurst>,
    /// Recent against long-run share, per theme.
    pub momentum: Vec<Momentum>,
    /// Top words of each theme in each period it has posts.
    pub period_terms: Vec<label::PeriodTerms>,
    /// `trends_by_facet` (facet, value, period, theme_id, count, share);
    /// `None` without `--facet`.
    pub facet_table: Option<DataFrame>,
    /// The largest values of each facet, for the page and the charts.
    pub facets: Vec<trend::facet::FacetView>,
}

/// Values of each facet shown on the page and in its chart.
const FACET_VALUES_SHOWN: usize = 12;

/// Words listed per theme and period.
const PERIOD_TERMS: usize = 8;

fn analyse_trends(
    words: &Words,
    dates: &[NaiveDate],
    facet_values: &trend::facet::PostFacets,
    clustering: &Clustering,
    ids: &[u32],
    class_idf: &[f64],
    params: &TrendParams,
) -> Result<Trends> {
    let theme_ids: Vec<u32> = clustering.labels.iter().map(|&t| ids[t]).collect();
    let table = trend::trend_table(dates, &theme_ids, ids, params)?;
    let matrix = TrendMatrix::from_table(&table, ids)?;
    let g = params.get_granularity();
    let period_of: Vec<usize> = dates
        .iter()
        .map(|d| {
            matrix
                .periods
                .binary_search(&g.period_start(*d))
                .expect("every post's period is in the table")
        })
        .collect();
    let period_terms = label::period_terms(
        words.seg,
        words.tfidf,
        words.usable,
        &clustering.labels,
        &period_of,
        class_idf,
        PERIOD_TERMS,
    );
    let names = params.get_facets();
    let (facet_table, facets) = if names.is_empty() {
        (None, Vec::new())
    } else {
        let starts: Vec<NaiveDate> = period_of.iter().map(|&p| matrix.periods[p]).collect();
        let table = trend::facet::facet_table(names, facet_values, &starts, &theme_ids)?;
        let views = trend::facet::views(&table, names, ids, &matrix.periods, FACET_VALUES_SHOWN)?;
        (Some(table), views)
    };
    Ok(Trends {
        bursts: trend::bursts(&matrix, params),
        momentum: trend::momentum(&matrix, params),
        table,
        matrix,
        period_terms,
        facet_table,
        facets,
    })
}

/// What the theme search needs to judge theme words.
struct Words<'a> {
    seg: &'a segment::Segmented,
    tfidf: &'a vectorize::TfIdf,
    /// Clustered row → index into `seg.docs`.
    usable: &'a [usize],
    postings: &'a Postings,
    /// The LSA space (to place seed words and previous themes in it).
    reduced: &'a reduce::Reduced,
    /// The segmenter, when loaded (needed for named themes' seeds).
    segmenter: Option<&'a Segmenter>,
}

impl Words<'_> {
    /// Coherence and diversity of the themes of `rows` (indexes into
    /// `usable`) labelled `labels`.
    fn quality(&self, rows: &[usize], labels: &[usize], k: usize) -> WordQuality {
        let docs: Vec<usize> = rows.iter().map(|&r| self.usable[r]).collect();
        let tops =
            label::theme_top_features(self.seg, self.tfidf, &docs, labels, k, COHERENCE_TERMS);
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
                .map(|(l, &n)| self.postings.coherence(l) * n as f64)
                .sum::<f64>()
                / labels.len().max(1) as f64,
            diversity: distinct.len() as f64 / all.len().max(1) as f64,
        }
    }

    /// A named theme's seed words as a TF-IDF vector (feature, weight).
    fn seed_vector(&self, theme: &NamedTheme, segmenter: &Segmenter) -> Vec<(usize, f32)> {
        let mut feats: Vec<(usize, f32)> = theme
            .seeds
            .iter()
            .flat_map(|s| segmenter.words(s))
            .filter_map(|w| self.seg.vocab.binary_search_by(|v| v.as_str().cmp(&w)).ok())
            .filter_map(|id| self.tfidf.word_feature[id])
            .map(|f| (f as usize, self.tfidf.idf[f as usize]))
            .collect();
        feats.sort_by_key(|&(f, _)| f);
        feats.dedup_by_key(|&mut (f, _)| f);
        feats
    }
}

/// The themes found: named ones first, then the clustered ones.
struct Found {
    clustering: Clustering,
    k_selection: Vec<KScore>,
}

/// Assigns posts to the named themes, then clusters the rest (choosing k
/// when asked), and numbers named themes first.
fn find_themes(
    words: &Words,
    x: ndarray::ArrayView2<f32>,
    params: &RunParams,
    previous: Option<&identity::State>,
    timings: &mut Timings,
    log: &Log,
) -> Result<Found> {
    let m = params.named.len();
    let mut of_row: Vec<Option<usize>> = vec![None; x.nrows()];
    let mut named_score = vec![0f32; x.nrows()];
    let mut named_centres = ndarray::Array2::<f32>::zeros((m, x.ncols()));
    if m > 0 {
        let seeds: Vec<ndarray::Array1<f32>> = params
            .named
            .iter()
            .map(|t| {
                let v = words.seed_vector(t, words.segmenter.expect("loaded for named themes"));
                if v.is_empty() {
                    log.warn(&format!(
                        "named theme '{}': none of its seed words occurs often enough in the archive; it stays empty",
                        t.name
                    ));
                }
                words.reduced.project(&v)
            })
            .collect();
        let thresholds: Vec<f32> = params
            .named
            .iter()
            .map(|t| t.min_similarity.unwrap_or(named::DEFAULT_MIN_SIMILARITY))
            .collect();
        let a = timings.time("named-themes", log, || {
            named::assign(x, &seeds, &thresholds)
        });
        of_row = a.theme;
        named_score = a.score;
        named_centres = a.centres;
    }
    let rest: Vec<usize> = (0..x.nrows()).filter(|&r| of_row[r].is_none()).collect();
    let x_rest = x.select(Axis(0), &rest);

    let mut cluster_params = params.cluster.clone();
    let mut k_selection = Vec::new();
    let warm = previous.and_then(|p| warm_start(words, p, x.nrows(), params, log));
    if let Some(centres) = warm {
        // From the previous run's centres k-means only follows the little
        // the archive moved: a few iterations settle it.
        let iters = cluster_params.get_max_iter().min(WARM_ITERS);
        cluster_params = cluster_params
            .initial_centroids(Some(centres))?
            .max_iter(iters)?;
    } else if let Some(sel) = params.select.as_ref().filter(|_| rest.len() >= 2) {
        let quality = |rows: &[usize], labels: &[usize], k: usize| {
            let rows: Vec<usize> = rows.iter().map(|&r| rest[r]).collect();
            words.quality(&rows, labels, k)
        };
        let (k, scores) = timings.time("select-k", log, || {
            select::select_k(x_rest.view(), sel, &params.cluster, &quality)
        })?;
        log.info(&format!(
            "k = {k} chosen from {} candidates in {}..{} by coherence × stability (see k_selection.csv)",
            scores.len(),
            sel.get_range().0,
            sel.get_range().1
        ));
        cluster_params = cluster_params.k(k)?;
        k_selection = scores;
    }
    let k_asked = cluster_params.get_k().min(rest.len());
    if k_asked < cluster_params.get_k() {
        log.warn(&format!(
            "only {} posts to cluster: {} themes instead of {}",
            rest.len(),
            k_asked,
            cluster_params.get_k()
        ));
    }
    let clustered = if k_asked >= 2 {
        let p = cluster_params.k(k_asked)?;
        let c = timings.time("cluster", log, || cluster::cluster(x_rest.view(), &p))?;
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

    // Named themes take ids 0..m, clustered ones follow.
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
    })
}

/// Archive growth up to which the previous run's themes seed this run's
/// k-means (and its k is kept) instead of a new search.
const WARM_START_GROWTH: f64 = 0.10;

/// The previous run's LSA basis as a start block for this run's features:
/// a word's row if the previous run had it, zeros otherwise.
fn basis_start(
    basis: &cache::Basis,
    old_vocab: &[String],
    seg: &segment::Segmented,
    tfidf: &vectorize::TfIdf,
) -> ndarray::Array2<f32> {
    let dims = basis.dims as usize;
    let mut start = ndarray::Array2::<f32>::zeros((tfidf.n_features(), dims));
    for (f, &w) in tfidf.feature_word.iter().enumerate() {
        let word = &seg.vocab[w as usize];
        let Ok(old_id) = old_vocab.binary_search(word) else {
            continue;
        };
        if let Ok(row) = basis.words.binary_search(&(old_id as u32)) {
            start.row_mut(f).assign(&ndarray::ArrayView1::from(
                &basis.values[row * dims..(row + 1) * dims],
            ));
        }
    }
    start
}

/// The error for an archive with fewer than two usable posts.
fn no_posts(params: &RunParams, c: &IngestCounts) -> Error {
    Error::NoPosts {
        input: params.input.clone(),
        detail: format!(
            "{} posts read, {} rejected, {} outside --since/--until; at least 2 usable posts are needed",
            c.posts, c.rejected, c.outside_window
        ),
    }
}

/// Relative change of the number of posts between two runs.
fn growth(before: usize, now: usize) -> f64 {
    (now as f64 - before as f64).abs() / before.max(1) as f64
}

/// k-means iterations from the previous run's centres.
const WARM_ITERS: u64 = 10;

/// The previous run's clustered themes.
fn clustered_themes(previous: &identity::State) -> Vec<&identity::ThemeRecord> {
    previous
        .themes
        .iter()
        .filter(|t| t.named.is_none())
        .collect()
}

/// Whether this run continues the previous one: the archive changed little
/// and the flags allow the previous number of themes. Then the SVD refines
/// the previous basis and k-means starts from the previous centres.
fn continues(previous: &identity::State, posts: usize, params: &RunParams) -> bool {
    let k = clustered_themes(previous).len();
    let k_ok = match &params.select {
        Some(sel) => (sel.get_range().0..=sel.get_range().1).contains(&k),
        None => k == params.cluster.get_k(),
    };
    growth(previous.posts, posts) <= WARM_START_GROWTH && k_ok && k >= 2
}

/// The previous run's clustered themes as starting centres in this run's
/// LSA space, when this run [`continues`] it (and every centre still has
/// words in this run's vocabulary).
fn warm_start(
    words: &Words,
    previous: &identity::State,
    posts: usize,
    params: &RunParams,
    log: &Log,
) -> Option<ndarray::Array2<f32>> {
    if !continues(previous, posts, params) {
        return None;
    }
    let change = growth(previous.posts, posts);
    let themes = clustered_themes(previous);
    let mut centres =
        ndarray::Array2::<f32>::zeros((themes.len(), words.reduced.components.ncols()));
    for (mut row, t) in centres.rows_mut().into_iter().zip(&themes) {
        let v = words
            .reduced
            .project(&identity::to_features(&t.terms, words.seg, words.tfidf));
        if v.iter().all(|&x| x == 0.0) {
            return None;
        }
        row.assign(&v);
    }
    log.info(&format!(
        "starting from the previous run's {} themes (archive changed by {:.1}%; --fresh chooses k anew)",
        themes.len(),
        change * 100.0
    ));
    Some(centres)
}

/// Words per theme whose co-occurrence measures coherence.
const COHERENCE_TERMS: usize = 10;
/// Representative titles listed per theme.
const REPRESENTATIVE_TITLES: usize = 3;

/// Labels, sizes and quality figures of every theme.
/// `counts` are the themes' word counts ([`label::theme_term_counts`]).
fn describe_themes(
    words: &Words,
    clustering: &Clustering,
    counts: &[Vec<u32>],
    docs: &[ingest::Doc],
    params: &LabelParams,
    names: &[Option<String>],
    ids: &[u32],
) -> Vec<Theme> {
    let k = clustering.k();
    let (usable, postings) = (words.usable, words.postings);
    let labels = label::label_themes(words.seg, words.tfidf, counts, params);
    let sizes = clustering.sizes();
    let total = usable.len() as f64;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (row, &t) in clustering.labels.iter().enumerate() {
        members[t].push(row);
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(t, l)| {
            let mut by_score = members[t].clone();
            by_score.sort_by(|&a, &b| {
                clustering.scores[b]
                    .total_cmp(&clustering.scores[a])
                    .then(a.cmp(&b))
            });
            let mut representatives: Vec<PostRef> = Vec::new();
            for &r in &by_score {
                let doc = &docs[usable[r]];
                if !doc.title.is_empty() && !representatives.iter().any(|p| p.title == doc.title) {
                    representatives.push(PostRef {
                        title: doc.title.clone(),
                        path: doc.path.clone(),
                    });
                    if representatives.len() == REPRESENTATIVE_TITLES {
                        break;
                    }
                }
            }
            let cohesion = members[t]
                .iter()
                .map(|&r| clustering.scores[r] as f64)
                .sum::<f64>()
                / sizes[t].max(1) as f64;
            let top: Vec<usize> = l.features.iter().copied().take(COHERENCE_TERMS).collect();
            Theme {
                id: ids[t],
                label: names[t].clone().unwrap_or(l.label),
                size: sizes[t],
                share: sizes[t] as f64 / total,
                top_terms: l.top_terms,
                coherence: postings.coherence(&top),
                cohesion,
                representatives,
            }
        })
        .collect()
}

/// Runs the analysis stages (no files written).
pub fn analyse(params: &RunParams, log: &Log) -> Result<Analysis> {
    let mut timings = Timings::default();
    let fingerprint = match &params.cache {
        Some(_) => Some(cache::fingerprint(&params.segment, &params.ingest)?),
        None => None,
    };
    // jieba's dictionary loads on its own thread while the posts are read.
    let loader = {
        let seg_params = params.segment.clone();
        std::thread::spawn(move || Segmenter::new(&seg_params))
    };
    // The cache loads while the input folder is walked.
    log.stage_start("ingest");
    let ingest_start = Instant::now();
    let (source, loaded) = rayon::join(
        || ingest::Source::open(&params.input),
        || {
            params.cache.as_ref().zip(fingerprint).map(|(dir, fp)| {
                let start = Instant::now();
                let (cache, warning) = PostCache::load(dir, fp);
                (cache, warning, start.elapsed().as_secs_f64())
            })
        },
    );
    let mut post_cache = loaded.map(|(cache, warning, secs)| {
        timings.0.push(("cache-load", secs));
        if let Some(w) = warning {
            log.warn(&w);
        }
        cache
    });
    let mut corpus = ingest::read(source?, &params.ingest, post_cache.as_mut())?;
    let ingest_secs = ingest_start.elapsed().as_secs_f64();
    timings.0.push(("ingest", ingest_secs));
    log.stage_done("ingest", ingest_secs);
    let (since, until) = params.window;
    if since.is_some() || until.is_some() {
        let before = corpus.docs.len();
        corpus.docs.retain(|d| match d.date {
            Some(day) => since.is_none_or(|s| day >= s) && until.is_none_or(|u| day <= u),
            None => true,
        });
        corpus.counts.outside_window = before - corpus.docs.len();
        corpus.counts.accepted = corpus.docs.len();
    }
    let (cache_vocab, cache_basis) = post_cache.map_or((Vec::new(), None), |c| (c.vocab, c.basis));
    if params.cache.is_some() && !corpus.cache_entries.is_empty() {
        log.info(&format!(
            "{} post files new or changed since the cache was written, {} taken from the cache",
            corpus.fresh_posts,
            corpus.cache_entries.len() - corpus.fresh_posts
        ));
    }
    log.info(&format!(
        "{} posts read: {} accepted, {} rejected ({} duplicates), {} other files ignored",
        corpus.counts.posts,
        corpus.counts.accepted,
        corpus.counts.rejected,
        corpus.counts.duplicates,
        corpus.counts.ignored
    ));
    for w in &corpus.warnings {
        log.warn(w);
    }

    if corpus.docs.len() < 2 {
        return Err(no_posts(params, &corpus.counts));
    }
    let all_known = (0..corpus.docs.len()).all(|i| corpus.known_words(i).is_some());
    let segmenter = if all_known && params.named.is_empty() {
        None
    } else {
        let loaded = loader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Some(loaded?)
    };
    let seg = timings.time("segment", log, || {
        segment::segment(
            (0..corpus.docs.len()).into_par_iter().map(|i| {
                let d = &corpus.docs[i];
                (d.title.as_str(), d.body.as_str(), corpus.known_words(i))
            }),
            segmenter.as_ref(),
            &cache_vocab,
        )
    });
    // The next cache refers to this run's vocabulary: every accepted post's
    // words are re-recorded, other entries lose theirs.
    // Bodies are not needed after segmentation: free them (at a million
    // posts they are the largest thing in memory).
    for d in &mut corpus.docs {
        d.body = String::new();
    }
    let fresh_posts = corpus.fresh_posts;
    let mut cache_entries = std::mem::take(&mut corpus.cache_entries);
    for (_, e) in cache_entries.iter_mut() {
        if let Ok(post) = &mut e.parsed {
            post.words = None;
        }
    }
    for (i, doc) in corpus.docs.iter().enumerate() {
        if let Some(Ok(post)) = cache_entries
            .get_mut(doc.doc_id)
            .map(|(_, e)| &mut e.parsed)
        {
            post.words = Some(seg.words_of(i));
        }
    }
    let tfidf = timings.time("vectorize", log, || {
        vectorize::vectorize(&seg, &params.vectorize)
    })?;
    log.info(&format!(
        "{} distinct words, {} kept as features",
        seg.vocab.len(),
        tfidf.n_features()
    ));

    let mut unusable: Vec<(usize, RejectReason)> = tfidf
        .empty_rows
        .iter()
        .map(|&i| {
            let reason = if seg.docs[i].is_empty() {
                RejectReason::NoWords
            } else {
                RejectReason::NoTerms
            };
            (i, reason)
        })
        .collect();
    let usable: Vec<usize> = {
        let empty: std::collections::HashSet<usize> = tfidf.empty_rows.iter().copied().collect();
        (0..corpus.docs.len())
            .filter(|i| !empty.contains(i))
            .collect()
    };
    if usable.len() < 2 {
        corpus.reject(std::mem::take(&mut unusable));
        return Err(no_posts(params, &corpus.counts));
    }

    let previous = if params.fresh {
        None
    } else {
        identity::State::load(&params.out).unwrap_or_else(|warning| {
            log.warn(&warning);
            None
        })
    };
    // When this run continues the previous one, the SVD needs less
    // sharpening: the previous basis is refined without power iterations.
    let warm = previous
        .as_ref()
        .is_some_and(|p| continues(p, usable.len(), params));
    let start = cache_basis
        .filter(|_| warm)
        .map(|b| basis_start(&b, &cache_vocab, &seg, &tfidf));
    let reduce_params = if start.is_some() {
        params.reduce.clone().power_iters(0)?
    } else {
        params.reduce.clone()
    };
    drop(cache_vocab);
    // Posts × features turned around: the SVD and the postings both use it.
    let (transposed, reduced) = timings.time("reduce", log, || {
        let transposed = tfidf.matrix.transpose_view().to_csr();
        let reduced =
            reduce::reduce_from(&tfidf.matrix, &transposed, &reduce_params, start.as_ref());
        reduced.map(|r| (transposed, r))
    })?;
    let rows = reduced.rows.select(Axis(0), &usable);
    let postings = Postings::new(&transposed, usable.len());
    drop(transposed);

    let words = Words {
        seg: &seg,
        tfidf: &tfidf,
        usable: &usable,
        postings: &postings,
        reduced: &reduced,
        segmenter: segmenter.as_ref(),
    };
    let found = find_themes(
        &words,
        rows.view(),
        params,
        previous.as_ref(),
        &mut timings,
        log,
    )?;
    let (mut clustering, k_selection) = (found.clustering, found.k_selection);

    // Stable ids: match this run's themes to the previous run's, then
    // order the themes by id.
    let k = clustering.k();
    let names: Vec<Option<String>> = (0..k)
        .map(|t| params.named.get(t).map(|n| n.name.clone()))
        .collect();
    let vectors = identity::term_vectors(&seg, &tfidf, &usable, &clustering.labels, k);
    let keys: Vec<identity::ThemeKey> = names
        .iter()
        .zip(&vectors)
        .map(|(n, v)| (n.as_deref(), v.as_slice()))
        .collect();
    let matching = identity::assign_ids(&keys, previous.as_ref());
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&t| matching.ids[t]);
    clustering.permute(&order);
    let ids: Vec<u32> = order.iter().map(|&t| matching.ids[t]).collect();
    let names: Vec<Option<String>> = order.iter().map(|&t| names[t].clone()).collect();
    let vectors: Vec<Vec<(String, f32)>> = order.iter().map(|&t| vectors[t].clone()).collect();
    if previous.is_some() {
        let kept = matching.continued.iter().filter(|c| c.is_some()).count();
        log.info(&format!(
            "{kept} of {k} themes continue a theme of the previous run; {} new, {} disappeared",
            k - kept,
            matching.disappeared.len()
        ));
    }

    // One count of every theme's words serves its labels and the words of
    // each period.
    let (counts, themes) = timings.time("label", log, || {
        let counts =
            label::theme_term_counts(&seg, &tfidf, &usable, &clustering.labels, clustering.k());
        let themes = describe_themes(
            &words,
            &clustering,
            &counts,
            &corpus.docs,
            &params.label,
            &names,
            &ids,
        );
        (counts, themes)
    });

    let assignments: Vec<Assignment> = usable
        .iter()
        .zip(&clustering.labels)
        .zip(&clustering.scores)
        .map(|((&pos, &theme), &score)| {
            let d = &corpus.docs[pos];
            Assignment {
                doc_id: d.doc_id,
                path: d.path.clone(),
                date: d.date,
                title: d.title.clone(),
                theme_id: ids[theme],
                score,
                source: d.source.clone(),
                facets: params
                    .trend
                    .get_facets()
                    .iter()
                    .map(|f| d.facet_values(f, &corpus.extra_columns))
                    .collect(),
                extra: d.extra.clone(),
            }
        })
        .collect();

    let dated: Option<Vec<NaiveDate>> = assignments.iter().map(|a| a.date).collect();
    let trends = match dated {
        Some(dates) => Some(timings.time("trend", log, || {
            let facet_values: Vec<&[Vec<String>]> =
                assignments.iter().map(|a| a.facets.as_slice()).collect();
            analyse_trends(
                &words,
                &dates,
                &facet_values,
                &clustering,
                &ids,
                &label::class_idf(&counts),
                &params.trend,
            )
        })?),
        None => {
            log.info("the input has no dates: no trend table and no time charts");
            None
        }
    };

    let label_scores = corpus
        .extra_columns
        .iter()
        .position(|c| c == "label")
        .map(|col| {
            let themes: Vec<u32> = assignments.iter().map(|a| a.theme_id).collect();
            let labels: Vec<&str> = assignments.iter().map(|a| a.extra[col].as_str()).collect();
            evaluate::score(&themes, &labels)
        });
    if let Some(s) = &label_scores {
        log.info(&format!(
            "against the input's labels: NMI {:.3}, ARI {:.3}, V-measure {:.3}, purity {:.3}",
            s.nmi, s.ari, s.v_measure, s.purity
        ));
    }

    let state = identity::State::new(
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        matching.next_id,
        themes
            .iter()
            .zip(&names)
            .zip(vectors)
            .map(|((t, n), terms)| identity::ThemeRecord {
                id: t.id,
                label: t.label.clone(),
                named: n.clone(),
                size: t.size,
                terms,
            })
            .collect(),
        usable.len(),
        k,
    );
    corpus.reject(unusable);
    Ok(Analysis {
        counts: corpus.counts,
        rejected: corpus.rejected,
        warnings: corpus.warnings,
        extra_columns: corpus.extra_columns,
        assignments,
        themes,
        trends,
        vocabulary: seg.vocab.len(),
        features: tfidf.n_features(),
        dims: reduced.rows.ncols(),
        cache: fingerprint
            .filter(|_| !cache_entries.is_empty())
            .map(|fp| CacheOut {
                fingerprint: fp,
                vocab: seg.vocab.clone(),
                basis: cache::Basis {
                    words: tfidf.feature_word.clone(),
                    dims: reduced.components.ncols() as u32,
                    values: reduced.components.iter().copied().collect(),
                },
                entries: cache_entries,
            }),
        state,
        disappeared: matching.disappeared,
        fresh_posts: params.cache.as_ref().map(|_| fresh_posts),
        k_selection,
        label_scores,
        timings,
    })
}

/// What a finished run reports back.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The analysis.
    pub analysis: Analysis,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Wall-clock seconds of the whole run (stages overlap, so this is
    /// not their sum).
    pub seconds: f64,
}

/// Runs the whole job and writes every report into `params.out`.
pub fn run(params: &RunParams, log: &Log) -> Result<RunSummary> {
    params.check()?;
    if let Some(chart) = &params.chart {
        // Fail before the long work if charts cannot be drawn.
        chart::font::ensure_font(chart.get_font())?;
    }
    let started = Instant::now();
    // One run at a time per output folder: taken before the previous
    // run's state is read, held until the reports are swapped in.
    let _lock = OutLock::acquire(&params.out, params.wait, |pid| {
        log.info(&format!(
            "another run (pid {pid}) is writing {}; waiting for it (--wait)",
            params.out.display()
        ))
    })?;
    let mut staging = Staging::new(&params.out)?;
    if params.cache.is_none() {
        // --no-cache neither reads nor writes the cache: an earlier one stays.
        staging.keep_previous(DEFAULT_CACHE_DIR);
    }
    let mut analysis = analyse(params, log)?;
    let dir = staging.path().to_path_buf();
    // The next run's cache is written on its own thread while the charts
    // and reports are drawn.
    let cache_job = match (&params.cache, analysis.cache.take()) {
        (Some(cache_dir), Some(out)) => {
            // Inside the output folder the cache is published with the reports.
            let target = match cache_dir.strip_prefix(&params.out) {
                Ok(rel) => dir.join(rel),
                Err(_) => cache_dir.clone(),
            };
            Some((target, out))
        }
        _ => None,
    };
    let mut files = Vec::new();
    let mut report_secs = 0.0;
    let written = std::thread::scope(|scope| {
        let saver = cache_job.map(|(target, out)| {
            scope.spawn(move || {
                cache::save(
                    &target,
                    out.fingerprint,
                    out.vocab,
                    Some(out.basis),
                    out.entries,
                )
            })
        });
        if let (Some(chart_params), Some(trends)) = (&params.chart, &analysis.trends) {
            let input = ChartInput {
                themes: &analysis.themes,
                trends,
                granularity: params.trend.get_granularity(),
                k_selection: &analysis.k_selection,
            };
            let charts = dir.join("charts");
            let drawn = analysis.timings.time("chart", log, || {
                chart::draw_all(&charts, &input, chart_params)
            })?;
            files.extend(drawn);
        }
        log.stage_start("report");
        let report_start = Instant::now();
        let written = report::write_all(&dir, params, &analysis, &files, started)?;
        analysis.state.save(&dir)?;
        if let Some(saver) = saver {
            saver
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        }
        report_secs = report_start.elapsed().as_secs_f64();
        Ok::<_, Error>(written)
    })?;
    analysis.timings.0.push(("report", report_secs));
    log.stage_done("report", report_secs);
    files.extend(written);
    for warning in staging.publish()? {
        log.warn(&warning);
    }
    let files = files
        .into_iter()
        .map(|f| {
            f.strip_prefix(&dir)
                .map_or(f.clone(), |rel| params.out.join(rel))
        })
        .collect();
    Ok(RunSummary {
        analysis,
        files,
        seconds: started.elapsed().as_secs_f64(),
    })
}

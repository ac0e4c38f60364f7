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

use crate::chart::{self, ChartInput, ChartParams};
use crate::cluster::named::{self, NamedTheme};
use crate::cluster::select::{self, KScore, SelectParams, WordQuality};
use crate::cluster::{self, ClusterParams, Clustering};
use crate::coherence::Postings;
use crate::error::{Error, Result};
use crate::evaluate::{self, LabelScores};
use crate::ingest::{self, IngestCounts, IngestParams, RejectReason, Rejection};
use crate::label::{self, LabelParams, PostRef, Theme};
use crate::log::Log;
use crate::reduce::{self, ReduceParams};
use crate::report;
use crate::segment::{self, SegmentParams, Segmenter};
use crate::trend::{self, Momentum, ThemeBurst, TrendMatrix, TrendParams};
use crate::vectorize::{self, VectorizeParams};

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
        RunParams {
            input: input.into(),
            out: out.into(),
            ingest: IngestParams::default(),
            segment: SegmentParams::default(),
            vectorize: VectorizeParams::default(),
            reduce: ReduceParams::default(),
            cluster: ClusterParams::default(),
            select: Some(SelectParams::default()),
            named: Vec::new(),
            themes_file: None,
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

    /// Total seconds.
    pub fn total(&self) -> f64 {
        self.0.iter().map(|(_, s)| s).sum()
    }
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
}

/// Words listed per theme and period.
const PERIOD_TERMS: usize = 8;

fn analyse_trends(
    words: &Words,
    dates: &[NaiveDate],
    clustering: &Clustering,
    params: &TrendParams,
) -> Result<Trends> {
    let k = clustering.k();
    let theme_ids: Vec<u32> = clustering.labels.iter().map(|&t| t as u32).collect();
    let table = trend::trend_table(dates, &theme_ids, k, params)?;
    let matrix = TrendMatrix::from_table(&table, k)?;
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
        k,
        PERIOD_TERMS,
    );
    Ok(Trends {
        bursts: trend::bursts(&matrix, params),
        momentum: trend::momentum(&matrix, params),
        table,
        matrix,
        period_terms,
    })
}

/// What the theme search needs to judge theme words.
struct Words<'a> {
    seg: &'a segment::Segmented,
    tfidf: &'a vectorize::TfIdf,
    /// Clustered row → index into `seg.docs`.
    usable: &'a [usize],
    postings: &'a Postings,
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
    reduced: &reduce::Reduced,
    segmenter: &Segmenter,
    params: &RunParams,
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
                let v = words.seed_vector(t, segmenter);
                if v.is_empty() {
                    log.warn(&format!(
                        "named theme '{}': none of its seed words occurs often enough in the archive; it stays empty",
                        t.name
                    ));
                }
                reduced.project(&v)
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
    if let Some(sel) = params.select.as_ref().filter(|_| rest.len() >= 2) {
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
    } else if let Some(&r) = rest.first() {
        return Err(Error::Numeric {
            stage: "cluster",
            reason: format!(
                "{} post(s) left outside the named themes (first: row {r}), too few to cluster",
                rest.len()
            ),
        });
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

/// Words per theme whose co-occurrence measures coherence.
const COHERENCE_TERMS: usize = 10;
/// Representative titles listed per theme.
const REPRESENTATIVE_TITLES: usize = 3;

/// Labels, sizes and quality figures of every theme.
fn describe_themes(
    words: &Words,
    clustering: &Clustering,
    docs: &[ingest::Doc],
    params: &LabelParams,
    named: &[NamedTheme],
) -> Vec<Theme> {
    let k = clustering.k();
    let (usable, postings) = (words.usable, words.postings);
    let labels = label::label_themes(
        words.seg,
        words.tfidf,
        usable,
        &clustering.labels,
        k,
        params,
    );
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
                id: t as u32,
                label: named.get(t).map_or(l.label, |n| n.name.clone()),
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
    let mut corpus = timings.time("ingest", log, || {
        ingest::ingest(&params.input, &params.ingest)
    })?;
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

    let segmenter = Segmenter::new(&params.segment)?;
    let seg = timings.time("segment", log, || {
        segment::segment(
            corpus
                .docs
                .par_iter()
                .map(|d| (d.title.as_str(), d.body.as_str())),
            &segmenter,
        )
    });
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
        return Err(Error::NoPosts {
            input: params.input.clone(),
            detail: format!(
                "{} posts read, {} usable; {} rejected",
                corpus.counts.posts,
                usable.len(),
                corpus.counts.rejected
            ),
        });
    }

    let reduced = timings.time("reduce", log, || {
        reduce::reduce(&tfidf.matrix, &params.reduce)
    })?;
    let rows = reduced.rows.select(Axis(0), &usable);
    let postings = Postings::new(&seg, &tfidf, &usable);

    let words = Words {
        seg: &seg,
        tfidf: &tfidf,
        usable: &usable,
        postings: &postings,
    };
    let found = find_themes(
        &words,
        rows.view(),
        &reduced,
        &segmenter,
        params,
        &mut timings,
        log,
    )?;
    let (clustering, k_selection) = (found.clustering, found.k_selection);

    let themes = timings.time("label", log, || {
        describe_themes(
            &words,
            &clustering,
            &corpus.docs,
            &params.label,
            &params.named,
        )
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
                theme_id: theme as u32,
                score,
                extra: d.extra.clone(),
            }
        })
        .collect();

    let dated: Option<Vec<NaiveDate>> = assignments.iter().map(|a| a.date).collect();
    let trends = match dated {
        Some(dates) => Some(timings.time("trend", log, || {
            analyse_trends(&words, &dates, &clustering, &params.trend)
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
}

/// Runs the whole job and writes every report into `params.out`.
pub fn run(params: &RunParams, log: &Log) -> Result<RunSummary> {
    params.check()?;
    if let Some(chart) = &params.chart {
        // Fail before the long work if charts cannot be drawn.
        chart::font::ensure_font(chart.get_font())?;
    }
    let started = Instant::now();
    let mut analysis = analyse(params, log)?;
    std::fs::create_dir_all(&params.out).map_err(|e| Error::write(&params.out, e))?;
    let mut files = Vec::new();
    if let (Some(chart_params), Some(trends)) = (&params.chart, &analysis.trends) {
        let input = ChartInput {
            themes: &analysis.themes,
            trends,
            granularity: params.trend.get_granularity(),
            k_selection: &analysis.k_selection,
        };
        let dir = params.out.join("charts");
        let drawn = analysis
            .timings
            .time("chart", log, || chart::draw_all(&dir, &input, chart_params))?;
        files.extend(drawn);
    }
    log.stage_start("report");
    let report_start = Instant::now();
    let written = report::write_all(&params.out, params, &analysis, &files, started)?;
    let secs = report_start.elapsed().as_secs_f64();
    analysis.timings.0.push(("report", secs));
    log.stage_done("report", secs);
    files.extend(written);
    Ok(RunSummary { analysis, files })
}

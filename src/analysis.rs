//! What the reports and charts show: the themes, their trends, the counts
//! of the run. Built by the report stage from the model and the sums of
//! `assign`; plain data, defined here, below the charts and the reports
//! that read it, so that nothing imports from the pipeline above it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::Serialize;

use crate::cluster::select::KScore;
use crate::evaluate::LabelScores;
use crate::ids::ThemeIdx;
use crate::log::Timings;
use crate::model::ModelSource;
use crate::trend::facet::FacetView;
use crate::trend::{Momentum, ThemeBurst, TrendMatrix};

/// A theme as the reports show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Stable theme id (kept across runs; named themes first).
    pub id: u32,
    /// Short label.
    pub label: String,
    /// Number of posts.
    pub size: usize,
    /// Fraction of all clustered posts.
    pub share: f64,
    /// Characteristic words with weights, strongest first.
    pub top_terms: Vec<(String, f32)>,
    /// Mean NPMI of the top words (co-occurrence within posts).
    pub coherence: f64,
    /// Mean cosine similarity of the theme's posts to its centre.
    pub cohesion: f64,
    /// The posts closest to the centre (distinct titles).
    pub representatives: Vec<PostRef>,
}

/// A post as the reports cite it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PostRef {
    /// Its title.
    pub title: String,
    /// Its file (or `table#row`).
    pub path: String,
}

/// A theme's characteristic words within one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodTerms {
    /// The theme.
    pub theme: ThemeIdx,
    /// Period index.
    pub period: usize,
    /// Posts of the theme in the period.
    pub posts: usize,
    /// Words and weights, strongest first.
    pub terms: Vec<(String, f32)>,
}

/// Counts of the run, as `run.json` gives them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Post files (or rows) read, and paths that could not be read.
    pub posts: u64,
    /// Posts analysed: `posts = accepted + rejected + outside_window`.
    pub accepted: u64,
    /// Posts not used, copies included.
    pub rejected: u64,
    /// Of the rejected, exact or near copies.
    pub duplicates: u64,
    /// Files that are not posts.
    pub ignored: u64,
    /// Accepted posts dated outside `--since`/`--until`.
    pub outside_window: u64,
    /// Posts given a theme.
    pub assigned: u64,
    /// Post files (or rows) read anew by this run (the rest came from the
    /// cache).
    pub new_or_changed: Option<u64>,
    /// Posts read although they bend the layout, by form.
    pub tolerated: BTreeMap<crate::ingest::Tolerated, u64>,
    /// Posts with a warning.
    pub warned: u64,
    /// Analysed posts dated so far outside the archive's span that they
    /// are left off the time axis ([`crate::time::TimeAxis`]).
    pub off_axis: u64,
}

/// About the model the themes come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// How it came about.
    pub source: ModelSource,
    /// When it was fitted.
    pub fitted_at: String,
    /// Posts analysed when it was fitted.
    pub posts: u64,
    /// Posts of its fitting sample.
    pub sample: u64,
    /// Its word vectors and form words (`None` without vectors).
    pub vectors: Option<crate::embed::VectorsInfo>,
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
    pub period_terms: Vec<PeriodTerms>,
    /// `trends_by_facet` (facet, value, period, theme_id, count, share);
    /// `None` without `--facet`.
    pub facet_table: Option<DataFrame>,
    /// The largest values of each facet, for the page and the charts.
    pub facets: Vec<FacetView>,
    /// A few posts of each theme in each period it has posts, for the
    /// page's click lists.
    pub samples: Vec<PeriodPosts>,
}

/// The posts closest to a theme's centre in one period (at most
/// [`crate::aggregate::PERIOD_SAMPLE`]), best first.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodPosts {
    /// The theme.
    pub theme: ThemeIdx,
    /// Period index (into `TrendMatrix::periods`).
    pub period: usize,
    /// The posts, closest first.
    pub posts: Vec<SampledPost>,
}

/// A post of a [`PeriodPosts`] sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledPost {
    /// The post.
    pub post: PostRef,
    /// Its date.
    pub date: Option<NaiveDate>,
    /// Its cosine similarity to its theme's centre.
    pub score: f32,
}

/// A word that suddenly became frequent: one burst of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RisingTerm {
    /// The word.
    pub term: String,
    /// First day of the burst's first week (not before the first post).
    pub start: NaiveDate,
    /// Last day of the burst's last week (not after the last post).
    pub end: NaiveDate,
    /// The report period of the burst's busiest week.
    pub peak_period: NaiveDate,
    /// Log-likelihood gained over the word's usual rate.
    pub strength: f64,
    /// Posts containing the word during the burst.
    pub posts: u64,
    /// Whether the burst runs into the last week.
    pub ongoing: bool,
}

/// An event: posts confined in time that share words which burst
/// together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Its id, stable across runs.
    pub id: u32,
    /// The theme most of its posts belong to, `None` when no theme holds
    /// half of them.
    pub theme: Option<ThemeIdx>,
    /// Its label: its top words joined by `·`.
    pub label: String,
    /// Its words, most posts first.
    pub terms: Vec<String>,
    /// Date of its first post.
    pub start: NaiveDate,
    /// Date of its last post.
    pub end: NaiveDate,
    /// The report period with most of its posts.
    pub peak_period: NaiveDate,
    /// Its posts.
    pub posts: u64,
    /// The bursts' log-likelihood gain, summed over its words.
    pub strength: f64,
    /// Its posts that share most of its words.
    pub representatives: Vec<PostRef>,
    /// Whether it runs into the last week of the archive.
    pub ongoing: bool,
    /// Whether it is new since the previous run (no earlier id).
    pub new: bool,
}

/// What happened: events and rising words.
#[derive(Debug, Clone, Default)]
pub struct Happenings {
    /// Events, earliest first.
    pub events: Vec<Event>,
    /// Word bursts, newest first.
    pub rising: Vec<RisingTerm>,
    /// Posts in events.
    pub posts_in_events: u64,
}

/// What the analysis found.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// When the run finished (RFC 3339).
    pub run_at: String,
    /// Counts.
    pub counts: Counts,
    /// The themes, in report order (named first, then by id).
    pub themes: Vec<Theme>,
    /// Trends over time (`None` when posts have no dates).
    pub trends: Option<Trends>,
    /// Distinct words counted.
    pub vocabulary: u64,
    /// TF-IDF features kept.
    pub features: usize,
    /// Dense dimensions used.
    pub dims: usize,
    /// Themes of the previous run with no successor: (id, label).
    pub disappeared: Vec<(u32, String)>,
    /// Scores of every k tried when k was chosen automatically.
    pub k_selection: Vec<KScore>,
    /// Agreement with the input's `label` column, when it has one.
    pub label_scores: Option<LabelScores>,
    /// Names of the carried table columns.
    pub columns: Vec<String>,
    /// The model.
    pub model: ModelInfo,
    /// Stage times.
    pub timings: Timings,
    /// Events and rising words.
    pub happenings: Happenings,
    /// Super-themes: the theme groups of the stacked chart (at most
    /// [`crate::cluster::group::MAX_BANDS`] bands).
    pub groups: Vec<crate::cluster::group::Group>,
    /// The stretch of time the trends and charts show (`None` without
    /// dated posts).
    pub axis: Option<crate::time::TimeAxis>,
}

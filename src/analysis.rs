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
    /// First day of the burst (not before the first post).
    pub start: NaiveDate,
    /// Last day of the burst (not after the last post).
    pub end: NaiveDate,
    /// The burst's busiest day (or the Monday of its busiest week).
    pub peak: NaiveDate,
    /// Log-likelihood gained over the word's usual rate.
    pub strength: f64,
    /// Posts containing the word during the burst.
    pub posts: u64,
    /// Whether the burst runs into the last day (week) of the archive.
    pub ongoing: bool,
}

/// The time unit events are found and dated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventUnit {
    /// Days: archives with enough posts a day (a flash feed).
    #[default]
    Day,
    /// ISO weeks from Monday: sparser archives.
    Week,
}

/// An event: a story confined in time, told by posts that share words
/// which burst together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Its id, stable across runs.
    pub id: u32,
    /// The longer story it is part of (a match of a tournament), if any.
    pub parent: Option<u32>,
    /// The theme most of its posts belong to, `None` when no theme holds
    /// half of them.
    pub theme: Option<ThemeIdx>,
    /// Its label: the words that name the story, joined by `·`.
    pub label: String,
    /// Its words, most telling first.
    pub terms: Vec<String>,
    /// First day of its core (where its posts are).
    pub start: NaiveDate,
    /// Last day of its core.
    pub end: NaiveDate,
    /// Its busiest day (with weeks: the first day of its busiest week that
    /// lies within the event).
    pub peak: NaiveDate,
    /// The report period of its peak.
    pub peak_period: NaiveDate,
    /// When its first post of the core came out, when posts have a time.
    pub broke: Option<chrono::NaiveDateTime>,
    /// Hours from its first to its last post, when posts have a time.
    pub hours: Option<f64>,
    /// Its posts (its children's included).
    pub posts: u64,
    /// The outlets its posts came from, with their posts, most first.
    pub outlets: Vec<(String, u64)>,
    /// How surprising it is: twice the log-likelihood ratio of its posts
    /// per day against its seed word's usual rate (a G statistic).
    pub score: f64,
    /// Its posts per day (per week) over its core and a little around.
    pub series: Vec<(NaiveDate, u64)>,
    /// Its posts that share most of its words (no roundup among them).
    pub representatives: Vec<PostRef>,
    /// Whether it runs into the last day (week) of the archive.
    pub ongoing: bool,
    /// Whether it is new since the previous run (no earlier id).
    pub new: bool,
}

/// What happened: events and rising words.
#[derive(Debug, Clone, Default)]
pub struct Happenings {
    /// The reported events, earliest first.
    pub events: Vec<Event>,
    /// Word bursts, newest first.
    pub rising: Vec<RisingTerm>,
    /// Posts in reported events.
    pub posts_in_events: u64,
    /// The unit events are found in.
    pub unit: EventUnit,
    /// The median of analysed posts per day with posts: what chose the
    /// unit.
    pub posts_per_day: f64,
    /// The rule that chose the unit, in words.
    pub unit_rule: String,
    /// Candidates found before the evidence rule (`--all-events` reports
    /// them all).
    pub candidates: usize,
    /// Posts recognised as roundups (digests of many stories): in no event.
    pub roundups: u64,
    /// Where posts' outlets were read from.
    pub outlet_field: String,
    /// Reported events that rest on a single bursting word.
    pub single_word: usize,
    /// The latest day with analysed posts.
    pub latest: Option<NaiveDate>,
    /// Whether that day was not over when the run took place (its events
    /// are partial).
    pub partial: bool,
    /// The latest day with posts before the day of the run (`--now`): the
    /// morning page's "yesterday".
    pub complete: Option<NaiveDate>,
}

/// The most events a morning list shows.
pub const MORNING_EVENTS: usize = 10;

/// What the morning page, the digest and the run's summary tell first:
/// the events of the latest complete day and of the week up to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Morning<'a> {
    /// The latest day that was over when the run took place.
    pub day: NaiveDate,
    /// Its events, strongest first (at most [`MORNING_EVENTS`]): those
    /// whose core holds the day. A story with parts shows the part of the
    /// day rather than the whole.
    pub day_events: Vec<&'a Event>,
    /// The latest day with posts, when it is the run's own day (or later)
    /// and so not over.
    pub partial: Option<NaiveDate>,
    /// Events of the partial day that began on it, strongest first.
    pub partial_events: Vec<&'a Event>,
    /// The week: seven days ending on `day`.
    pub week: (NaiveDate, NaiveDate),
    /// Its events, strongest first (at most [`MORNING_EVENTS`]): stories
    /// rather than their parts.
    pub week_events: Vec<&'a Event>,
}

impl Happenings {
    /// The morning lists, or `None` when the archive has no complete day.
    pub fn morning<'a>(&'a self) -> Option<Morning<'a>> {
        let day = self.complete?;
        let week = (day - chrono::Days::new(6), day);
        let overlaps = |e: &Event, (a, b): (NaiveDate, NaiveDate)| e.start <= b && e.end >= a;
        let strongest = |mut v: Vec<&'a Event>| {
            v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
            v.truncate(MORNING_EVENTS);
            v
        };
        // A day: the parts active on it, and the stories with none.
        let on = |d: NaiveDate| -> Vec<&Event> {
            let active: Vec<&Event> = self.events.iter().filter(|e| overlaps(e, (d, d))).collect();
            active
                .iter()
                .copied()
                .filter(|e| !active.iter().any(|c| c.parent == Some(e.id)))
                .collect()
        };
        let partial = self.latest.filter(|&l| self.partial && l > day);
        let partial_events = partial.map_or(Vec::new(), |p| {
            on(p).into_iter().filter(|e| e.start == p).collect()
        });
        Some(Morning {
            day,
            day_events: strongest(on(day)),
            partial,
            partial_events: strongest(partial_events),
            week,
            week_events: strongest(
                self.events
                    .iter()
                    .filter(|e| e.parent.is_none() && overlaps(e, week))
                    .collect(),
            ),
        })
    }
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

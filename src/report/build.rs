//! From the model and the sums of `assign` to an [`Analysis`]: the themes
//! with their sizes and representative posts, the trend table (polars),
//! bursts, momentum, each theme's words per period, the facet tables and
//! the agreement with an input `label` column.

use chrono::NaiveDate;
use rustc_hash::FxHashMap as HashMap;

use crate::aggregate::Aggregates;
use crate::analysis::{Analysis, Counts, ModelInfo, PeriodPosts, SampledPost, Trends};
use crate::analysis::{PeriodTerms, PostRef, Theme};
use crate::error::Result;
use crate::evaluate;
use crate::ids::ThemeIdx;
use crate::label;
use crate::log::Timings;
use crate::model::Model;
use crate::time::{Day, TimeAxis};
use crate::trend::TrendParams;
use crate::trend::{self, TrendMatrix};

/// Representative titles listed per theme.
pub const REPRESENTATIVE_TITLES: usize = 3;
/// Words listed per theme and period.
const PERIOD_TERMS: usize = 8;
/// Values of each facet shown on the page and in its chart.
const FACET_VALUES_SHOWN: usize = 12;

/// What the store says besides the posts' records.
#[derive(Debug, Clone, Default)]
pub struct StoreNotes {
    /// Files the walk ignored.
    pub ignored: u64,
    /// Paths the walk could not read.
    pub problems: u64,
    /// Post files read anew (with a cache).
    pub fresh: Option<u64>,
    /// The walk's warnings.
    pub warnings: Vec<String>,
    /// Carried table columns.
    pub columns: Vec<String>,
}

/// Builds the analysis.
pub fn build(
    model: &Model,
    agg: &Aggregates,
    notes: &StoreNotes,
    params: &TrendParams,
    info: ModelInfo,
) -> Result<Analysis> {
    let k = model.k();
    let c = &agg.counts;
    let posts = c.posts + notes.problems;
    let rejected = c.rejected + notes.problems;
    let counts = Counts {
        posts,
        accepted: c.assigned,
        rejected,
        duplicates: c.duplicates,
        ignored: notes.ignored,
        outside_window: c.outside_window,
        assigned: c.assigned,
        new_or_changed: notes.fresh,
        tolerated: c.tolerated.clone(),
        warned: c.warned,
        off_axis: 0,
    };
    let mut sizes = vec![0u64; k];
    for (&(t, _), &n) in &agg.themes {
        sizes[t.get()] += n;
    }
    let themes: Vec<Theme> = model
        .themes
        .iter()
        .enumerate()
        .map(|(t, m)| {
            let size = sizes[t];
            let representatives = agg
                .representatives
                .get(&ThemeIdx(t as u32))
                .map(|list| {
                    list.iter()
                        .take(REPRESENTATIVE_TITLES)
                        .map(|c| PostRef {
                            title: c.title.clone(),
                            path: c.path.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Theme {
                id: m.id.0,
                label: m.label.clone(),
                size: size as usize,
                share: size as f64 / c.assigned.max(1) as f64,
                top_terms: m.top_terms.clone(),
                coherence: m.coherence,
                cohesion: agg
                    .cohesion
                    .get(&ThemeIdx(t as u32))
                    .map_or(0.0, |s| s / size.max(1) as f64),
                representatives,
            }
        })
        .collect();
    let axis = TimeAxis::of(&agg.days, params.granularity);
    let trends = match &axis {
        Some(axis) => Some(trends(model, agg, params, axis)?),
        None => None,
    };
    let label_scores = (!agg.labels.is_empty()).then(|| {
        evaluate::score_counts(agg.labels.iter().map(|((t, l), &n)| ((t.0, l.as_str()), n)))
    });
    let groups = crate::cluster::group::group_themes(
        model.centres.view(),
        &themes.iter().map(|t| t.id).collect::<Vec<_>>(),
        &themes.iter().map(|t| t.label.clone()).collect::<Vec<_>>(),
        &themes.iter().map(|t| t.share).collect::<Vec<_>>(),
    );
    let mut counts = counts;
    counts.off_axis = axis.as_ref().map_or(0, |a| a.off);
    Ok(Analysis {
        run_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        counts,
        themes,
        trends,
        vocabulary: model.vocabulary,
        features: model.lexicon.len(),
        dims: model.basis.dims(),
        disappeared: model.disappeared.clone(),
        k_selection: model.k_selection.clone(),
        label_scores,
        columns: notes.columns.clone(),
        model: info,
        timings: Timings::default(),
        happenings: Default::default(),
        groups,
        axis,
    })
}

/// The trend table and what is derived from it.
fn trends(model: &Model, agg: &Aggregates, tp: &TrendParams, axis: &TimeAxis) -> Result<Trends> {
    let ids: Vec<u32> = model.themes.iter().map(|t| t.id.0).collect();
    // Undated posts and posts off the time axis have no place in the
    // trends.
    let counts: Vec<(i32, u32, u64)> = agg
        .themes
        .iter()
        .filter_map(|(&(t, p), &n)| {
            let p = p.filter(|_| axis.holds_period(p))?;
            Some((p.0, ids[t.get()], n))
        })
        .collect();
    let table = trend::trend_table(&counts, &ids, Some(axis.span), tp)?;
    let matrix = TrendMatrix::from_table(&table, &ids)?;
    let period_terms = period_terms(model, agg, &matrix.periods);
    let samples = samples(agg, &matrix.periods);
    let names = &tp.facets;
    let (facet_table, facets) = if names.is_empty() {
        (None, Vec::new())
    } else {
        let rows: Vec<(u16, &str, i32, u32, u64)> = agg
            .facets
            .iter()
            .filter_map(|((f, v, t, p), &n)| {
                let p = p.filter(|_| axis.holds_period(*p))?;
                Some((*f, v.as_str(), p.0, ids[t.get()], n))
            })
            .collect();
        let table = trend::facet::facet_table(names, &rows)?;
        let views = trend::facet::views(&table, names, &ids, &matrix.periods, FACET_VALUES_SHOWN)?;
        (Some(table), views)
    };
    Ok(Trends {
        bursts: trend::bursts(&matrix, tp),
        momentum: trend::momentum(&matrix, tp),
        table,
        matrix,
        period_terms,
        facet_table,
        facets,
        samples,
    })
}

/// Each period's place among `periods` (their first days).
fn index_of_periods(periods: &[NaiveDate]) -> HashMap<Day, usize> {
    periods
        .iter()
        .enumerate()
        .map(|(i, d)| (Day::of(*d), i))
        .collect()
}

/// The sampled posts of each theme and period, as the page lists them.
fn samples(agg: &Aggregates, periods: &[NaiveDate]) -> Vec<PeriodPosts> {
    let period_index = index_of_periods(periods);
    agg.samples
        .iter()
        .filter_map(|(&(t, p), list)| {
            Some(PeriodPosts {
                theme: t,
                period: *period_index.get(&p)?,
                posts: list
                    .iter()
                    .map(|c| SampledPost {
                        post: PostRef {
                            title: c.title.clone(),
                            path: c.path.clone(),
                        },
                        date: c.date.map(Day::date),
                        score: c.score,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Each theme's words in each period it has posts, weighted by the
/// class idf of the whole archive's theme word counts.
fn period_terms(model: &Model, agg: &Aggregates, periods: &[NaiveDate]) -> Vec<PeriodTerms> {
    let mut total = vec![0f64; model.lexicon.len()];
    for cell in agg.words.values() {
        for (&f, &c) in cell {
            total[f as usize] += c as f64;
        }
    }
    let idf = label::class_idf_of_totals(&total, model.k());
    let period_index = index_of_periods(periods);
    agg.words
        .iter()
        .filter_map(|(&(t, p), cell)| {
            let period = *period_index.get(&p?)?;
            Some(PeriodTerms {
                theme: t,
                period,
                posts: agg.themes.get(&(t, p)).copied().unwrap_or(0) as usize,
                terms: label::cell_terms(cell, &idf, &model.lexicon, PERIOD_TERMS),
            })
        })
        .collect()
}

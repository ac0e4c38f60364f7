//! The `report` stage: the sums of `assign` → the analysis, the events,
//! the charts and every report file, in a staging folder.
//!
//! [`run`] composes the steps below it: [`build`] makes the analysis from
//! the model and the sums (trends, bursts, momentum, facets), the events
//! stage finds what happened, [`crate::chart`] draws, [`files`] and the
//! page writers write; the states the next run's theme and event ids come
//! from are saved beside the reports. It writes only into the staging
//! folder it is given: locking and publishing are the caller's
//! ([`crate::publish::Publication`]), the same for `run` and for the
//! `report` subcommand.

pub mod build;
pub mod files;
mod html;
mod interactive;
pub mod morning;

use std::path::Path;
use std::time::Instant;

use crate::aggregate::Aggregates;
use crate::analysis::{Analysis, ModelInfo};
use crate::chart::{self, ChartInput, ChartParams};
use crate::error::Result;
use crate::events::{self, EventParams};
use crate::flags::Checked;
use crate::identity;
use crate::log::{Log, Timings};
use crate::model::{Model, ModelSource};
use crate::results::{Kept, Results};
use crate::store::Store;
use crate::trend::TrendParams;

pub use build::StoreNotes;

/// The parameters of the report stage.
#[derive(Debug, Clone, Copy)]
pub struct ReportParams<'a> {
    /// Trends.
    pub trend: &'a Checked<TrendParams>,
    /// Events.
    pub events: &'a Checked<EventParams>,
    /// Charts.
    pub chart: &'a Checked<ChartParams>,
    /// Every parameter and the job, as `run.json` records them.
    pub record: &'a serde_json::Value,
    /// The moment the run takes for now: a latest day not yet over is
    /// partial.
    pub now: chrono::NaiveDateTime,
}

/// What the report stage reads.
pub struct ReportInput<'a> {
    /// The store (what the walk noted, the segments' order).
    pub store: &'a Store,
    /// The model.
    pub model: &'a Model,
    /// How the model came about.
    pub source: ModelSource,
    /// The sums of every segment.
    pub aggregates: Aggregates,
    /// The folder of the assignment results.
    pub assigned: &'a Path,
    /// Results still in memory from the assign stage.
    pub kept: Option<&'a Kept>,
    /// Post files read anew by this run (with a cache).
    pub fresh: Option<u64>,
    /// The input, as the reports name it.
    pub input: &'a Path,
    /// The output folder as published: the previous run's states and
    /// history are read there.
    pub out: &'a Path,
    /// Where the reports are written.
    pub staging: &'a Path,
    /// The stages' times so far.
    pub timings: Timings,
    /// When the run started.
    pub started: Instant,
}

/// Builds the analysis and writes every report, chart and state into the
/// staging folder.
pub fn run(input: ReportInput, params: ReportParams, log: &Log) -> Result<Analysis> {
    let ReportInput {
        store,
        model,
        mut aggregates,
        staging,
        mut timings,
        ..
    } = input;
    let notes = StoreNotes {
        ignored: store.ignored(),
        problems: store.problems().len() as u64,
        fresh: input.fresh,
        warnings: store.warnings(),
        columns: store.columns().to_vec(),
    };
    let info = ModelInfo {
        source: input.source,
        fitted_at: model.fitted_at.clone(),
        posts: model.posts,
        sample: model.sample,
        vectors: model.vectors.as_ref().map(|v| {
            v.info(
                model.vector_weight,
                model.vector_full_words,
                model.form_weight,
                &model.form_words,
            )
        }),
    };
    for w in notes.warnings.iter().chain(&aggregates.warnings) {
        log.warn(w);
    }
    if crate::fault::injected(crate::fault::Point::PanicReport, "report") {
        panic!("fault injected into the report stage");
    }
    if crate::fault::injected(crate::fault::Point::HangReport, "report") {
        std::thread::sleep(std::time::Duration::from_secs(30));
    }
    let mut analysis = timings.time("trend", log, || {
        build::build(model, &aggregates, &notes, params.trend, info)
    })?;
    let problems = store.problems();
    let segments = store.segments();
    let rows = Results {
        dir: input.assigned,
        segments: &segments,
        problems: &problems,
        kept: input.kept,
    };
    let previous_events = events::EventState::load(input.out).unwrap_or_else(|e| {
        log.warn(&format!("{e}; event ids start anew"));
        None
    });
    // Posts off the time axis take no part in the events either.
    let g = params.trend.granularity;
    match &analysis.axis {
        Some(axis) => aggregates.daily.retain(|&d, _| axis.holds_day(d, g)),
        None => aggregates.daily.clear(),
    }
    let outlet_field = params.events.outlet.resolve(store.columns()).describe();
    let found = timings.time("events", log, || {
        events::detect(&events::EventInput {
            daily: &aggregates.daily,
            names: &aggregates.names,
            results: &rows,
            assigned: aggregates.counts.assigned,
            themes: analysis.themes.len(),
            granularity: g,
            previous: previous_events.as_ref(),
            outlet_field,
            now: params.now,
            params: params.events,
        })
    })?;
    analysis.happenings = found.happenings;
    let mut files = Vec::new();
    let mut font = None;
    if let (false, Some(trends)) = (params.chart.no_charts, &analysis.trends) {
        let chart_input = ChartInput {
            themes: &analysis.themes,
            trends,
            granularity: g,
            k_selection: &analysis.k_selection,
            groups: &analysis.groups,
            happenings: &analysis.happenings,
        };
        let drawn = timings.time("chart", log, || {
            chart::draw_all(&staging.join("charts"), &chart_input, params.chart)
        })?;
        font = Some(drawn.font);
        files.extend(drawn.files);
    }
    log.stage_start("report");
    let report_start = Instant::now();
    analysis.timings = timings.clone();
    let cx = files::Context {
        dir: staging,
        published: input.out,
        input: input.input,
        parameters: params.record,
        trend: params.trend,
        chart_font: font.as_deref(),
        started: input.started,
    };
    let written = files::write_all(&cx, &analysis, &rows, &found.membership, &files)?;
    state_of(model, &analysis).save(staging)?;
    // Without events this run (--no-events), the ids of the last run
    // with events are kept for the next.
    if let Some(state) = found.state.as_ref().or(previous_events.as_ref()) {
        state.save(staging)?;
    }
    let secs = report_start.elapsed().as_secs_f64();
    timings.0.push(("report", secs));
    log.stage_done("report", secs);
    analysis.timings = timings;
    files.extend(written);
    Ok(analysis)
}

/// What this run leaves for the next one's theme ids.
fn state_of(model: &Model, analysis: &Analysis) -> identity::State {
    identity::State::new(
        analysis.run_at.clone(),
        model.next_id,
        model
            .themes
            .iter()
            .zip(&analysis.themes)
            .map(|(m, t)| identity::ThemeRecord {
                id: m.id.0,
                label: t.label.clone(),
                named: m.named.clone(),
                size: t.size,
                terms: m.terms.clone(),
            })
            .collect(),
        analysis.counts.assigned as usize,
        model.themes.iter().filter(|t| t.named.is_none()).count(),
    )
}

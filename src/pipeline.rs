//! `theme-trends run`: the four stages composed — [`prepare`] the input
//! into the store, find the copies, [`fit`] the model (or keep the one
//! that still holds), [`assign`] every post, [`report`] — with the cache,
//! the lock and safe publishing around them.
//!
//! The model is fitted anew when there is none, when the settings that
//! shape it changed, with `--fresh`, or when the number of analysed posts
//! changed by [`REFIT_GROWTH`] or more since it was fitted; `--refit`
//! refines it (k kept) whatever the change. Otherwise it is kept: the new
//! posts are assigned to the existing themes, and a re-run costs what the
//! new posts cost plus writing the reports.
//!
//! [`prepare`]: crate::prepare
//! [`fit`]: crate::fit
//! [`assign`]: crate::assign
//! [`report`]: crate::report

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::{Analysis, ModelInfo, ModelSource};
use crate::assign::{self, AssignInput};
use crate::chart::{self, ChartInput};
use crate::dedup::{self, Duplicates};
use crate::error::{Error, Result};
use crate::events;
use crate::fit::{self, FitInput};
use crate::identity;
use crate::ingest::Part;
use crate::log::{Log, Timings};
use crate::model::{self, Model};
use crate::params::{Checked, Job, Params, DEFAULT_CACHE_DIR};
use crate::prepare::{self, PrepareJob};
use crate::publish::{OutLock, Staging};
use crate::report::{self, build::StoreNotes};
use crate::results::{self, ASSIGNED_DIR};
use crate::store::{Store, STORE_DIR};
use crate::time::Verdict;

/// Bytes of assignment results kept in memory for the report.
const RESULTS_IN_MEMORY: i64 = 256 << 20;

/// Change in the number of analysed posts from which the model is fitted
/// anew (k chosen anew) instead of kept.
pub const REFIT_GROWTH: f64 = 0.10;

/// What a finished run reports back.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The analysis.
    pub analysis: Analysis,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// Checks what no single stage can: the output folder must not be the
/// input or inside it (a re-run would read its own reports).
pub fn check_job(job: &Job) -> Result<()> {
    let input = std::fs::canonicalize(&job.input).map_err(|e| Error::read(&job.input, e))?;
    let out = canonical_prefix(&absolute_lexical(&job.out));
    if out == input || (input.is_dir() && out.starts_with(&input)) {
        return Err(Error::param(
            "--out",
            format!(
                "{} is the input folder or inside it; write the reports elsewhere",
                job.out.display()
            ),
        ));
    }
    Ok(())
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

/// Where this run reads its cache from and writes it to.
struct CacheDirs {
    /// The cache of the previous run (`None` without one).
    previous: Option<PathBuf>,
    /// Where this run's store, model and results go.
    current: PathBuf,
    /// A working folder to remove at the end (`--no-cache`).
    scratch: Option<PathBuf>,
}

fn cache_dirs(job: &Job, staging: &Path) -> CacheDirs {
    match &job.cache {
        Some(dir) => match dir.strip_prefix(&job.out) {
            // Inside the output folder the cache is published with the
            // reports: written into the staging folder, read from the
            // published one.
            Ok(rel) => CacheDirs {
                previous: Some(dir.clone()),
                current: staging.join(rel),
                scratch: None,
            },
            Err(_) => CacheDirs {
                previous: Some(dir.clone()),
                current: dir.clone(),
                scratch: None,
            },
        },
        None => {
            let scratch = staging.with_file_name(format!(
                "{}-work",
                staging.file_name().map_or_else(
                    || "theme-trends".into(),
                    |n| n.to_string_lossy().into_owned()
                )
            ));
            CacheDirs {
                previous: None,
                current: scratch.clone(),
                scratch: Some(scratch),
            }
        }
    }
}

/// Whether files can be written in `dir` (made if missing).
fn writable(dir: &Path) -> std::result::Result<(), std::io::Error> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".theme-trends-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// The working folder of a run without cache: removed however the run
/// ends, and by a forced stop.
struct Scratch {
    dir: PathBuf,
    _cleanup: crate::interrupt::Cleanup,
}

impl Scratch {
    fn new(dir: &Path) -> Self {
        Scratch {
            dir: dir.to_path_buf(),
            _cleanup: crate::interrupt::Cleanup::new(dir),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether an error comes from a damaged file of the cache.
fn is_cache_damage(e: &Error) -> bool {
    matches!(e, Error::Damaged { .. })
}

/// How this run comes by its model.
enum Plan {
    Keep(Box<Model>),
    Refine(Box<Model>),
    Fit,
}

/// Chooses between keeping, refining and fitting anew (see the module
/// documentation).
fn plan(
    old: Option<Model>,
    job: &Job,
    params: &Params,
    store: &Store,
    posts: u64,
    log: &Log,
) -> Result<Plan> {
    let Some(old) = old else {
        return Ok(Plan::Fit);
    };
    if job.fresh {
        return Ok(Plan::Fit);
    }
    if old.fingerprint != store.parts[0].fingerprint || old.key != model::model_key(params)? {
        log.info("the settings that shape the themes changed: fitting anew");
        return Ok(Plan::Fit);
    }
    let change = (posts as f64 - old.posts as f64).abs() / old.posts.max(1) as f64;
    if change >= REFIT_GROWTH {
        log.info(&format!(
            "the archive changed by {:.1}% since the themes were fitted: fitting anew",
            change * 100.0
        ));
        return Ok(Plan::Fit);
    }
    if job.refit {
        return Ok(Plan::Refine(Box::new(old)));
    }
    log.info(&format!(
        "keeping the themes fitted {} (the archive changed by {:.1}%; --refit refines them, --fresh starts anew)",
        old.fitted_at,
        change * 100.0
    ));
    Ok(Plan::Keep(Box::new(old)))
}

/// Posts that `fit` would analyse: accepted, not copies, in the window.
fn analysed_posts(store: &Store, dups: &Duplicates, params: &Params) -> Result<u64> {
    // The manifests do not know dates at day precision; count from the
    // segments' records (no texts).
    let mut n = 0u64;
    for seg in store.segments() {
        if seg.entry.partition == crate::store::Partition::Rejected {
            continue;
        }
        // Undated posts, and those of a month wholly before the run's
        // last day, are all analysed.
        let whole_month_analysed = match seg.entry.partition.month() {
            None => true,
            Some(m) => params.window().last_day().is_some_and(|last| {
                m.checked_add_months(chrono::Months::new(1))
                    .is_some_and(|next| next <= last)
            }),
        };
        if params.since.is_none() && params.until.is_none() && whole_month_analysed {
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
                    .is_ok_and(|f| params.window().verdict(f.day()) == Verdict::Analysed)
            })
            .count() as u64;
    }
    Ok(n.saturating_sub(dups.len() as u64))
}

/// Runs the whole job and writes every report into `job.out`.
pub fn run(job: &Job, params: &Checked<Params>, log: &Log) -> Result<RunSummary> {
    check_job(job)?;
    if !params.chart.no_charts {
        // Fail before the long work if charts cannot be drawn.
        let font = chart::font::ensure_font(params.chart.get_font())?;
        log.info(&format!("charts: font {}", font.display()));
    }
    let started = Instant::now();
    // One run at a time per output folder: taken before the previous
    // run's state is read, held until the reports are swapped in.
    let _lock = OutLock::acquire(&job.out, job.wait, |pid| {
        log.info(&format!(
            "another run (pid {pid}) is writing {}; waiting for it (--wait)",
            job.out.display()
        ))
    })?;
    let mut staging = Staging::new(&job.out)?;
    if job.cache.is_none() {
        // --no-cache neither reads nor writes the cache: an earlier one stays.
        staging.keep_previous(DEFAULT_CACHE_DIR);
    }
    let mut dirs = cache_dirs(job, staging.path());
    if let Err(why) = writable(&dirs.current) {
        // A read-only or unmakeable cache folder costs the cache, not the
        // night: the run goes on without one, and says so.
        log.warn(&format!(
            "cannot write the cache in {}: {why}; this run reads every post anew and keeps no cache",
            dirs.current.display()
        ));
        let mut no_cache = job.clone();
        no_cache.cache = None;
        dirs = cache_dirs(&no_cache, staging.path());
    }
    let _scratch = dirs.scratch.as_deref().map(Scratch::new);
    if dirs.scratch.is_none() && !dirs.current.starts_with(staging.path()) {
        // The cache outside the output folder is rewritten in place:
        // readers of the published run wait until the new one is in.
        staging.lock_readers()?;
    }
    log.stage_done("start", started.elapsed().as_secs_f64());
    let mut result = analyse_and_write(job, params, &dirs, staging.path(), started, log);
    if let (Err(e), Some(_)) = (&result, &dirs.previous) {
        if is_cache_damage(e) {
            // A damaged cache is never trusted: the run starts over
            // without it.
            log.warn(&format!(
                "{e}: the cache is damaged; every post is read anew"
            ));
            let fresh = CacheDirs {
                previous: None,
                current: dirs.current.clone(),
                scratch: dirs.scratch.clone(),
            };
            result = analyse_and_write(job, params, &fresh, staging.path(), started, log);
        }
    }
    if let Some(scratch) = &dirs.scratch {
        let t = Instant::now();
        let _ = std::fs::remove_dir_all(scratch);
        log.stage_done("scratch", t.elapsed().as_secs_f64());
    }
    let (analysis, files) = result?;
    let publish_start = Instant::now();
    for warning in staging.publish()? {
        log.warn(&warning);
    }
    log.stage_done("publish", publish_start.elapsed().as_secs_f64());
    Ok(RunSummary {
        analysis,
        files,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn analyse_and_write(
    job: &Job,
    params: &Checked<Params>,
    dirs: &CacheDirs,
    staging: &Path,
    started: Instant,
    log: &Log,
) -> Result<(Analysis, Vec<PathBuf>)> {
    let mut timings = Timings::default();
    let store_dir = dirs.current.join(STORE_DIR);
    let resident = std::sync::Arc::new(crate::store::Resident::new(
        crate::store::RESIDENT_BYTES,
        dirs.scratch.is_some(),
    ));
    let previous_store = dirs.previous.as_ref().map(|p| p.join(STORE_DIR));
    let manifest = timings.time("prepare", log, || {
        prepare::prepare(
            &PrepareJob {
                input: &job.input,
                part: Part::WHOLE,
                store: &store_dir,
                previous: previous_store.as_deref(),
                verify: job.verify,
                resident: Some(resident.clone()),
            },
            params,
            log,
        )
    })?;
    let mut store = Store::open(&store_dir, manifest.fingerprint)?;
    store.resident = Some(resident);
    if job.cache.is_some() {
        log.info(&format!(
            "{} post files new or changed since the cache was written, {} taken from the cache",
            store.fresh(),
            store.parts[0].posts().saturating_sub(store.fresh())
        ));
    }
    let dups = timings.time("dedup", log, || {
        dedup::find_duplicates(&store, &params.dedup, &dirs.current.join("tmp-dedup"))
    })?;
    let previous_state = if job.fresh {
        None
    } else {
        identity::State::load(&job.out).unwrap_or_else(|e| {
            log.warn(&format!("{e}; theme ids start anew"));
            None
        })
    };
    let old_model = dirs.previous.as_ref().and_then(|dir| {
        Model::load(dir).unwrap_or_else(|e| {
            log.warn(&format!("{e}; the themes are fitted anew"));
            None
        })
    });
    let posts = analysed_posts(&store, &dups, params)?;
    if posts < 2 {
        return Err(no_posts(job, &store, posts));
    }
    let (mut model, source) = match plan(old_model, job, params, &store, posts, log)? {
        Plan::Keep(m) => (*m, ModelSource::Kept),
        plan => {
            let warm = match &plan {
                Plan::Refine(m) => Some(m.as_ref()),
                _ => None,
            };
            let input = FitInput {
                store: &store,
                duplicates: &dups,
                previous: previous_state.as_ref(),
                warm,
            };
            let source = if warm.is_some() {
                ModelSource::Refined
            } else {
                ModelSource::Fitted
            };
            (fit::fit(&input, params, log, &mut timings)?, source)
        }
    };
    model.seal();
    let segments = store.segments();
    let assigned_dir = dirs.current.join(ASSIGNED_DIR);
    let previous_assigned = dirs.previous.as_ref().map(|p| p.join(ASSIGNED_DIR));
    let input = AssignInput {
        model: &model,
        duplicates: &dups,
        params,
        columns: store.columns(),
    };
    let scratch = dirs.scratch.is_some();
    let kept = results::Kept::new(RESULTS_IN_MEMORY, !scratch);
    // The model is written (for the next run) while the posts are assigned;
    // a scratch cache has no next run.
    let (saved, assigned) = std::thread::scope(|scope| {
        let saver = (!scratch).then(|| scope.spawn(|| model.save(&dirs.current)));
        let assigned = timings.time("assign", log, || {
            assign::assign(
                &segments,
                &input,
                &assigned_dir,
                previous_assigned
                    .as_deref()
                    .filter(|_| source == ModelSource::Kept),
                Some(&kept),
                log,
            )
        });
        let saved = saver.map_or(Ok(()), |h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (saved, assigned)
    });
    saved?;
    let (aggregates, summary) = assigned?;
    if summary.reused > 0 {
        log.info(&format!(
            "{} segments assigned, {} taken from the previous run",
            summary.assigned, summary.reused
        ));
    }
    if aggregates.counts.assigned < 2 {
        return Err(no_posts(job, &store, aggregates.counts.assigned));
    }
    let written = write_reports(
        &Reporting {
            job,
            params,
            store: &store,
            model: &model,
            source,
            assigned: &assigned_dir,
            kept: Some(&kept),
            staging,
            started,
        },
        aggregates,
        timings,
        log,
    )?;
    Ok(written)
}

/// What the reports are written from.
pub struct Reporting<'a> {
    /// The job (output folder, input for the record).
    pub job: &'a Job,
    /// The parameters.
    pub params: &'a Checked<Params>,
    /// The store.
    pub store: &'a Store,
    /// The model.
    pub model: &'a Model,
    /// How the model came about.
    pub source: ModelSource,
    /// The folder of the assignment results.
    pub assigned: &'a Path,
    /// Results still in memory from the assign stage.
    pub kept: Option<&'a results::Kept>,
    /// Where the reports are written (the staging folder).
    pub staging: &'a Path,
    /// When the run started.
    pub started: Instant,
}

/// Builds the analysis from the sums and writes every report and chart
/// into the staging folder, with the state the next run's theme ids come
/// from. Returns the analysis and the files (as they will be once
/// published).
pub fn write_reports(
    r: &Reporting,
    mut aggregates: crate::aggregate::Aggregates,
    mut timings: Timings,
    log: &Log,
) -> Result<(Analysis, Vec<PathBuf>)> {
    let (job, params, store, model, staging) = (r.job, r.params, r.store, r.model, r.staging);
    let notes = StoreNotes {
        ignored: store.ignored(),
        problems: store.problems().len() as u64,
        fresh: job.cache.as_ref().map(|_| store.fresh()),
        warnings: store.warnings(),
        columns: store.columns().to_vec(),
    };
    let info = ModelInfo {
        source: r.source,
        fitted_at: model.fitted_at.clone(),
        posts: model.posts,
        sample: model.sample,
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
        report::build::build(model, &aggregates, &notes, params, info, Timings::default())
    })?;
    let problems = store.problems();
    let segments = store.segments();
    let rows = results::Results {
        dir: r.assigned,
        segments: &segments,
        problems: &problems,
        kept: r.kept,
    };
    let previous_events = events::EventState::load(&job.out).unwrap_or_else(|e| {
        log.warn(&format!("{e}; event ids start anew"));
        None
    });
    // Posts off the time axis take no part in the events either.
    let span = match &analysis.axis {
        Some(axis) => {
            let g = params.trend.granularity;
            aggregates
                .weekly
                .retain(|&monday, _| axis.holds_day(monday, g) || axis.holds_day(monday + 6, g));
            (
                crate::time::epoch_days(axis.span.0),
                crate::time::epoch_days(axis.span.1),
            )
        }
        None => (0, 0),
    };
    let found = timings.time("events", log, || {
        events::detect(&events::EventInput {
            weekly: &aggregates.weekly,
            names: &aggregates.names,
            results: &rows,
            assigned: aggregates.counts.assigned,
            span,
            themes: analysis.themes.len(),
            granularity: params.trend.granularity,
            previous: previous_events.as_ref(),
            params: &params.events,
        })
    })?;
    analysis.happenings = found.happenings;
    let mut files = Vec::new();
    if let (false, Some(trends)) = (params.chart.no_charts, &analysis.trends) {
        let input = ChartInput {
            themes: &analysis.themes,
            trends,
            granularity: params.trend.granularity,
            k_selection: &analysis.k_selection,
            groups: &analysis.groups,
            happenings: &analysis.happenings,
        };
        let charts = staging.join("charts");
        let drawn = timings.time("chart", log, || {
            chart::draw_all(&charts, &input, &params.chart)
        })?;
        files.extend(drawn);
    }
    log.stage_start("report");
    let report_start = Instant::now();
    analysis.timings = timings.clone();
    let written = report::write_all(
        staging,
        params,
        job,
        &analysis,
        &rows,
        &found.membership,
        &files,
        r.started,
    )?;
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
    let files = files
        .into_iter()
        .map(|f| {
            f.strip_prefix(staging)
                .map_or(f.clone(), |rel| job.out.join(rel))
        })
        .collect();
    Ok((analysis, files))
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

/// The error for an archive with fewer than two usable posts.
pub fn no_posts(job: &Job, store: &Store, usable: u64) -> Error {
    let posts: u64 =
        store.parts.iter().map(|p| p.posts()).sum::<u64>() + store.problems().len() as u64;
    Error::NoPosts {
        input: job.input.clone(),
        detail: format!(
            "{posts} posts read, {usable} usable (see rejected.csv of a run with more posts, or the log); at least 2 usable posts are needed"
        ),
    }
}

//! `theme-trends run`: the four stages composed — [`prepare`] the input
//! into the store, find the copies, [`fit`] the model (or keep the one
//! that still holds, [`fit::plan`]), [`assign`] every post, [`report`] —
//! with the cache ([`crate::cache::Layout`]), the lock and safe publishing
//! ([`Publication`]) around them.
//!
//! [`prepare`]: crate::prepare
//! [`assign`]: crate::assign
//! [`report`]: crate::report

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::Analysis;
use crate::assign::{self, AssignInput};
use crate::cache::{CacheDir, Layout};
use crate::chart;
use crate::dedup::{self, Duplicates};
use crate::error::{Error, Result};
use crate::fit::{self, FitInput, Plan};
use crate::identity;
use crate::ingest::Part;
use crate::log::{Log, Timings};
use crate::model::{Model, ModelSource};
use crate::params::{Checked, Job, Params};
use crate::prepare::{self, PrepareJob};
use crate::publish::Publication;
use crate::report::{self, ReportInput, ReportParams};
use crate::results::{self, Kept};
use crate::store::{Resident, Store, RESIDENT_BYTES};

/// Bytes of assignment results kept in memory for the report.
const RESULTS_IN_MEMORY: i64 = 256 << 20;

/// What a finished run reports back.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The analysis.
    pub analysis: Analysis,
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

/// Fails before the long work if the charts cannot be drawn.
pub fn check_font(params: &Params, log: &Log) -> Result<()> {
    if !params.chart.no_charts {
        let font = chart::font::ensure_font(params.chart.get_font())?;
        log.info(&format!("charts: font {}", font.display()));
    }
    Ok(())
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

/// The cache layout of `job` writing into `staging`. A cache folder that
/// cannot be written costs the cache, not the night: the run goes on
/// without one, and says so.
fn layout(job: &Job, staging: &Path, log: &Log) -> Layout {
    let layout = Layout::new(job.cache.as_deref(), &job.out, staging);
    match writable(layout.current.path()) {
        Ok(()) => layout,
        Err(why) => {
            log.warn(&format!(
                "cannot write the cache in {}: {why}; this run reads every post anew and keeps no cache",
                layout.current.path().display()
            ));
            Layout::new(None, &job.out, staging)
        }
    }
}

/// Runs the whole job and writes every report into `job.out`.
pub fn run(job: &Job, params: &Checked<Params>, log: &Log) -> Result<RunSummary> {
    check_job(job)?;
    check_font(params, log)?;
    let started = Instant::now();
    // Segmenting new posts and the events' word kinds need jieba's
    // dictionary: it loads while the posts are read (on a thread outside
    // the --threads pool, for about 0.1 s).
    crate::segment::load_dictionary_ahead();
    // One run at a time per output folder: taken before the previous
    // run's state is read, held until the reports are swapped in.
    let mut publication = Publication::begin(&job.out, job.wait, |pid| {
        log.info(&format!(
            "another run (pid {pid}) is writing {}; waiting for it (--wait)",
            job.out.display()
        ))
    })?;
    let staging = publication.staging().path().to_path_buf();
    if job.cache.is_none() {
        // --no-cache neither reads nor writes the cache: an earlier one stays.
        publication.staging().keep_previous(crate::cache::IN_OUT);
    }
    let dirs = layout(job, &staging, log);
    let scratch = dirs.scratch.as_deref().map(Scratch::new);
    if dirs.in_place(&staging) {
        // The cache outside the output folder is rewritten in place:
        // readers of the published run wait until the new one is in.
        publication.staging().lock_readers()?;
    }
    log.stage_done("start", started.elapsed().as_secs_f64());
    let mut result = analyse(job, params, &dirs, &staging, started, log);
    if let (Err(e @ Error::Damaged { .. }), Some(_)) = (&result, &dirs.previous) {
        // A damaged cache is never trusted: the run starts over without it.
        log.warn(&format!(
            "{e}: the cache is damaged; every post is read anew"
        ));
        result = analyse(
            job,
            params,
            &dirs.without_previous(),
            &staging,
            started,
            log,
        );
    }
    if let Some(scratch) = scratch {
        let t = Instant::now();
        drop(scratch);
        log.stage_done("scratch", t.elapsed().as_secs_f64());
    }
    let analysis = result?;
    let publish_start = Instant::now();
    for warning in publication.finish()? {
        log.warn(&warning);
    }
    log.stage_done("publish", publish_start.elapsed().as_secs_f64());
    Ok(RunSummary {
        analysis,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The four stages, from the input to the reports in `staging`.
fn analyse(
    job: &Job,
    params: &Checked<Params>,
    dirs: &Layout,
    staging: &Path,
    started: Instant,
    log: &Log,
) -> Result<Analysis> {
    let mut timings = Timings::default();
    let store = prepared_store(job, params, dirs, &mut timings, log)?;
    let dups = timings.time("dedup", log, || {
        let (dups, how) = dedup::find_duplicates_since(
            &store,
            &params.dedup(),
            &dirs.current.dedup_spill(),
            dirs.previous.as_ref().map(|d| d.duplicates()),
            dirs.scratch.is_none().then(|| dirs.current.duplicates()),
        )?;
        log.info(&how.describe());
        Ok::<_, Error>(dups)
    })?;
    let (model, source) = model_of(job, params, dirs, &store, &dups, &mut timings, log)?;
    let scratch = dirs.scratch.is_some();
    let kept = Kept::new(RESULTS_IN_MEMORY, !scratch);
    let aggregates = assigned(
        params,
        dirs,
        &store,
        &dups,
        &model,
        source,
        &kept,
        &mut timings,
        log,
    )?;
    if aggregates.counts.assigned < 2 {
        return Err(no_posts(&job.input, &store, aggregates.counts.assigned));
    }
    let record = params.record(job);
    let (trend, events, chart) = (params.trend(), params.events(), params.chart());
    report::run(
        ReportInput {
            store: &store,
            model: &model,
            source,
            aggregates,
            assigned: &dirs.current.assigned(),
            kept: Some(&kept),
            fresh: job.cache.as_ref().map(|_| store.fresh()),
            input: &job.input,
            out: &job.out,
            staging,
            timings,
            started,
        },
        ReportParams {
            trend: &trend,
            events: &events,
            chart: &chart,
            record: &record,
            now: params.now(),
        },
        log,
    )
}

/// `prepare`: the input into the store of `dirs.current`, taking what
/// still holds from the previous store.
fn prepared_store(
    job: &Job,
    params: &Checked<Params>,
    dirs: &Layout,
    timings: &mut Timings,
    log: &Log,
) -> Result<Store> {
    let store_dir = dirs.current.store();
    let resident = std::sync::Arc::new(Resident::new(RESIDENT_BYTES, dirs.scratch.is_some()));
    let previous_store = dirs.previous.as_ref().map(CacheDir::store);
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
            &params.prepare(),
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
    Ok(store)
}

/// The model of this run and how it came about: the previous one kept or
/// refined, or one fitted anew ([`fit::plan`]).
fn model_of(
    job: &Job,
    params: &Checked<Params>,
    dirs: &Layout,
    store: &Store,
    dups: &Duplicates,
    timings: &mut Timings,
    log: &Log,
) -> Result<(Model, ModelSource)> {
    let fit_params = params.fit();
    let previous_state = if job.fresh {
        None
    } else {
        identity::State::load(&job.out).unwrap_or_else(|e| {
            log.warn(&format!("{e}; theme ids start anew"));
            None
        })
    };
    let old_model = dirs.previous.as_ref().and_then(|dir| {
        Model::load(dir.model()).unwrap_or_else(|e| {
            log.warn(&format!("{e}; the themes are fitted anew"));
            None
        })
    });
    let posts = fit::analysed_posts(store, dups, &fit_params.window)?;
    if posts < 2 {
        return Err(no_posts(&job.input, store, posts));
    }
    let old = old_model.filter(|_| !job.fresh);
    let mut model = match fit::plan(old, job.refit, &fit_params, store, posts, log) {
        Plan::Keep(m) => {
            let mut m = *m;
            m.source = ModelSource::Kept;
            m
        }
        plan => {
            // The fit says whether it refined (a refine asked for falls
            // back to a fresh fit when the previous themes hold too few
            // posts).
            let warm = match &plan {
                Plan::Refine(m) => Some(m.as_ref()),
                _ => None,
            };
            let input = FitInput {
                store,
                duplicates: dups,
                previous: previous_state.as_ref(),
                warm,
            };
            fit::fit(&input, &fit_params, log, timings)?
        }
    };
    model.seal();
    let source = model.source;
    Ok((model, source))
}

/// `assign`: every segment's sums, from the previous results where they
/// still hold (a kept model). The model is written for the next run while
/// the posts are assigned.
#[allow(clippy::too_many_arguments)]
fn assigned(
    params: &Checked<Params>,
    dirs: &Layout,
    store: &Store,
    dups: &Duplicates,
    model: &Model,
    source: ModelSource,
    kept: &Kept,
    timings: &mut Timings,
    log: &Log,
) -> Result<crate::aggregate::Aggregates> {
    let segments = store.segments();
    let assigned_dir = dirs.current.assigned();
    let previous_assigned = dirs.previous.as_ref().map(CacheDir::assigned);
    let assign_params = params.assign();
    let input = AssignInput {
        model,
        duplicates: dups,
        params: &assign_params,
        columns: store.columns(),
    };
    let scratch = dirs.scratch.is_some();
    let (saved, assigned) = std::thread::scope(|scope| {
        // A scratch cache has no next run.
        let saver = (!scratch).then(|| scope.spawn(|| model.save(dirs.current.model())));
        let assigned = timings.time("assign", log, || {
            assign::assign(
                &segments,
                &input,
                &assigned_dir,
                previous_assigned
                    .as_deref()
                    .filter(|_| source == ModelSource::Kept),
                Some(kept),
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
    Ok(aggregates)
}

/// The error for an archive with fewer than two usable posts.
pub fn no_posts(input: &Path, store: &Store, usable: u64) -> Error {
    let posts: u64 =
        store.parts.iter().map(|p| p.posts()).sum::<u64>() + store.problems().len() as u64;
    Error::NoPosts {
        input: input.to_path_buf(),
        detail: format!(
            "{posts} posts read, {usable} usable (see rejected.csv of a run with more posts, or the log); at least 2 usable posts are needed"
        ),
    }
}

/// The results of a finished `assign` in `cache` (for the `report`
/// subcommand): every segment must have been assigned with `model`.
pub fn collected(
    store: &Store,
    cache: &CacheDir,
    model: &Model,
) -> Result<crate::aggregate::Aggregates> {
    results::collect(&store.segments(), &cache.assigned(), model.id)
}

//! `theme-trends prepare | fit | assign | report`: the stages of `run`, one
//! at a time, on a cache folder they share. `prepare` and `assign` take a
//! part (`--part I/N`), so that a cluster engine can run them on many
//! machines; `fit` and `report` run once. All four read the same flags and
//! config file as `run`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{exit, Common};
use crate::assign::{self, AssignInput};
use crate::cache::CacheDir;
use crate::dedup::{self, Duplicates};
use crate::error::Result;
use crate::fit::{self, FitInput};
use crate::flags::Checked;
use crate::identity;
use crate::ingest::Part;
use crate::log::Timings;
use crate::model::Model;
use crate::params::{Job, Params};
use crate::pipeline;
use crate::prepare::{self, PrepareJob};
use crate::publish::Publication;
use crate::report::{self, ReportInput, ReportParams};
use crate::store::Store;

/// Flags of `theme-trends prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// Folder of posts or table file (as for `run`).
    #[arg(
        long,
        short = 'i',
        value_name = "PATH",
        help_heading = "Input and output"
    )]
    pub input: PathBuf,

    /// The work folder the stages share (its `store` is written).
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub cache: PathBuf,

    /// Which part of the input to prepare: I/N takes every N-th block of
    /// 4,096 posts starting with the I-th. Run every part (in any order,
    /// at once or not) before `fit`.
    #[arg(
        long,
        default_value = "1/1",
        value_name = "I/N",
        help_heading = "Input and output"
    )]
    pub part: Part,

    /// Read and hash every post file instead of trusting unchanged size,
    /// modification time and inode.
    #[arg(long, help_heading = "Nightly")]
    pub verify: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub params: Params,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// Flags of `theme-trends fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// The work folder the stages share (its store is read, `model.bin`
    /// and `duplicates.bin` written).
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub cache: PathBuf,

    /// The report folder of the previous run, whose themes keep their ids.
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub params: Params,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// Flags of `theme-trends assign`.
#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The work folder the stages share (store and model read, results
    /// written into its `assigned` folder).
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub cache: PathBuf,

    /// Which part of the store's segments to assign: every N-th, starting
    /// with the I-th. Run every part before `report`.
    #[arg(
        long,
        default_value = "1/1",
        value_name = "I/N",
        help_heading = "Input and output"
    )]
    pub part: Part,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub params: Params,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// Flags of `theme-trends report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The work folder the stages share.
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub cache: PathBuf,

    /// Folder for the reports (written whole or not at all).
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        help_heading = "Input and output"
    )]
    pub out: PathBuf,

    /// Exit with code 3 when any post was rejected.
    #[arg(long, help_heading = "Nightly")]
    pub strict: bool,

    /// When another run is writing the same --out, wait for it.
    #[arg(long, help_heading = "Nightly")]
    pub wait: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub params: Params,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

fn store_of(cache: &CacheDir, params: &Checked<Params>) -> Result<Store> {
    Store::open(&cache.store(), params.prepare().fingerprint()?)
}

/// Runs `theme-trends prepare`.
pub fn prepare(args: &PrepareArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let store = CacheDir::at(&args.cache).store();
    let manifest = args.common.pool(|| {
        prepare::prepare(
            &PrepareJob {
                input: &args.input,
                part: args.part,
                store: &store,
                previous: Some(&store),
                verify: args.verify,
                resident: None,
            },
            &params.prepare(),
            &log,
        )
    })?;
    log.info(&format!(
        "part {}: {} posts in {} segments ({} read anew)",
        args.part,
        manifest.posts(),
        manifest.segments.len(),
        manifest.fresh
    ));
    Ok(exit::OK)
}

/// Runs `theme-trends fit`.
pub fn fit(args: &FitArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let cache = CacheDir::at(&args.cache);
    args.common.pool(|| {
        let store = store_of(&cache, &params)?;
        let mut timings = Timings::default();
        let dups = timings.time("dedup", &log, || {
            dedup::find_duplicates(&store, &params.dedup(), &cache.dedup_spill())
        })?;
        dups.save(cache.duplicates())?;
        let previous = match &args.out {
            Some(out) => identity::State::load(out).unwrap_or_else(|e| {
                log.warn(&format!("{e}; theme ids start anew"));
                None
            }),
            None => None,
        };
        let input = FitInput {
            store: &store,
            duplicates: &dups,
            previous: previous.as_ref(),
            warm: None,
        };
        let mut model = fit::fit(&input, &params.fit(), &log, &mut timings)?;
        model.seal();
        model.save(cache.model())?;
        log.info(&format!(
            "{} themes fitted on {} of {} posts; {} copies found",
            model.k(),
            model.sample,
            model.posts,
            dups.len()
        ));
        Ok(exit::OK)
    })
}

/// Runs `theme-trends assign`.
pub fn assign(args: &AssignArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let cache = CacheDir::at(&args.cache);
    args.common.pool(|| {
        let store = store_of(&cache, &params)?;
        let model = Model::require(cache.model())?;
        let dups = Duplicates::load(cache.duplicates())?;
        let segments: Vec<_> = store
            .segments()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| args.part.takes(*i as u64))
            .map(|(_, s)| s)
            .collect();
        let assign_params = params.assign();
        let input = AssignInput {
            model: &model,
            duplicates: &dups,
            params: &assign_params,
            columns: store.columns(),
        };
        let dir = cache.assigned();
        let (agg, summary) = assign::assign(&segments, &input, &dir, Some(&dir), None, &log)?;
        log.info(&format!(
            "part {}: {} posts of {} segments assigned ({} results still held)",
            args.part,
            agg.counts.assigned,
            segments.len(),
            summary.reused
        ));
        Ok(exit::OK)
    })
}

/// Runs `theme-trends report`: the reports of a cache whose every part was
/// assigned, published into `--out` as `run` publishes them. A cache inside
/// `--out` stays (it is carried into the new reports), and `run.json`
/// names the model's true source.
pub fn report(args: &ReportArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let started = Instant::now();
    let cache = CacheDir::at(&args.cache);
    let analysis = args.common.pool(|| {
        let store = store_of(&cache, &params)?;
        let model = Model::require(cache.model())?;
        let aggregates = pipeline::collected(&store, &cache, &model)?;
        let mut job = Job::new(PathBuf::from(&store.parts[0].input.path), &args.out);
        job.cache = Some(args.cache.clone());
        job.wait = args.wait;
        pipeline::check_font(&params, &log)?;
        let mut publication = Publication::begin(&args.out, args.wait, |pid| {
            log.info(&format!(
                "another run (pid {pid}) is writing {}; waiting",
                args.out.display()
            ))
        })?;
        if let Ok(rel) = args.cache.strip_prefix(&args.out) {
            // The cache is the published one: it goes on with the reports.
            publication.staging().keep_previous(rel);
        }
        if aggregates.counts.assigned < 2 {
            return Err(pipeline::no_posts(
                &job.input,
                &store,
                aggregates.counts.assigned,
            ));
        }
        let staging = publication.staging().path().to_path_buf();
        let record = params.record(&job);
        let (trend, events, chart) = (params.trend(), params.events(), params.chart());
        let written = report::run(
            ReportInput {
                store: &store,
                model: &model,
                source: model.source,
                aggregates,
                assigned: &cache.assigned(),
                kept: None,
                fresh: Some(store.fresh()),
                input: &job.input,
                out: &args.out,
                staging: &staging,
                timings: Timings::default(),
                started,
            },
            ReportParams {
                trend: &trend,
                events: &events,
                chart: &chart,
                record: &record,
                now: params.now(),
            },
            &log,
        )?;
        for w in publication.finish()? {
            log.warn(&w);
        }
        Ok(written)
    })?;
    log.info(&format!(
        "{} posts analysed into {} themes; reports in {}",
        analysis.counts.assigned,
        analysis.themes.len(),
        args.out.display()
    ));
    if args.strict && analysis.counts.rejected > 0 {
        return Ok(exit::REJECTED);
    }
    Ok(exit::OK)
}

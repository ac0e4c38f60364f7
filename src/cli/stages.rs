//! `theme-trends prepare | fit | assign | report`: the stages of `run`, one
//! at a time, on a cache folder they share. `prepare` and `assign` take a
//! part (`--part I/N`), so that a cluster engine can run them on many
//! machines; `fit` and `report` run once. All four read the same flags and
//! config file as `run`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{exit, Common};
use crate::analysis::ModelSource;
use crate::assign::{self, AssignInput};
use crate::dedup::{self, Duplicates};
use crate::error::Result;
use crate::fit::{self, FitInput};
use crate::identity;
use crate::ingest::Part;
use crate::log::Timings;
use crate::model::Model;
use crate::params::{Job, Params};
use crate::pipeline::{self, Reporting};
use crate::prepare::{self, PrepareJob};
use crate::publish::{OutLock, Staging};
use crate::results::{self, ASSIGNED_DIR};
use crate::store::{Store, STORE_DIR};

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

fn store_of(cache: &std::path::Path, params: &Params) -> Result<Store> {
    Store::open(&cache.join(STORE_DIR), prepare::fingerprint(params)?)
}

/// Runs `theme-trends prepare`.
pub fn prepare(args: &PrepareArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let store = args.cache.join(STORE_DIR);
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
            &params,
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
    args.common.pool(|| {
        let store = store_of(&args.cache, &params)?;
        let mut timings = Timings::default();
        let dups = timings.time("dedup", &log, || {
            dedup::find_duplicates(&store, &params.dedup, &args.cache.join("tmp-dedup"))
        })?;
        dups.save(&args.cache)?;
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
        let mut model = fit::fit(&input, &params, &log, &mut timings)?;
        model.seal();
        model.save(&args.cache)?;
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
    args.common.pool(|| {
        let store = store_of(&args.cache, &params)?;
        let model = Model::require(&args.cache)?;
        let dups = Duplicates::load(&args.cache)?;
        let segments: Vec<_> = store
            .segments()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i as u32 % args.part.count == args.part.index)
            .map(|(_, s)| s)
            .collect();
        let input = AssignInput {
            model: &model,
            duplicates: &dups,
            params: &params,
            columns: store.columns(),
        };
        let dir = args.cache.join(ASSIGNED_DIR);
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

/// Runs `theme-trends report`.
pub fn report(args: &ReportArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let started = Instant::now();
    let (analysis, _) = args.common.pool(|| {
        let store = store_of(&args.cache, &params)?;
        let model = Model::require(&args.cache)?;
        let dir = args.cache.join(ASSIGNED_DIR);
        let segments = store.segments();
        let aggregates = results::collect(&segments, &dir, model.id)?;
        let mut job = Job::new(PathBuf::from(&store.parts[0].input.path), &args.out);
        job.cache = Some(args.cache.clone());
        job.wait = args.wait;
        if !params.chart.no_charts {
            let font = crate::chart::font::ensure_font(params.chart.get_font())?;
            log.info(&format!("charts: font {}", font.display()));
        }
        let _lock = OutLock::acquire(&args.out, args.wait, |pid| {
            log.info(&format!(
                "another run (pid {pid}) is writing {}; waiting",
                args.out.display()
            ))
        })?;
        let staging = Staging::new(&args.out)?;
        if aggregates.counts.assigned < 2 {
            return Err(pipeline::no_posts(&job, &store, aggregates.counts.assigned));
        }
        let written = pipeline::write_reports(
            &Reporting {
                job: &job,
                params: &params,
                store: &store,
                model: &model,
                source: ModelSource::Fitted,
                assigned: &dir,
                kept: None,
                staging: staging.path(),
                started,
            },
            aggregates,
            Timings::default(),
            &log,
        )?;
        for w in staging.publish()? {
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

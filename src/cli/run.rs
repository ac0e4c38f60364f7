//! `theme-trends run`: the whole job.

use std::path::PathBuf;

use clap::Args;

use super::{exit, Common};
use crate::error::Result;
use crate::params::{Job, Params};
use crate::pipeline::{self, RunSummary};

/// Flags of `theme-trends run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Folder of Jekyll posts (*.md, *.markdown, *.html, searched
    /// recursively), or a table file (.csv, .tsv, .parquet, .jsonl) with a
    /// `text` column and optional `title`, `date` columns (any other column
    /// is carried into assignments.csv).
    #[arg(
        long,
        short = 'i',
        value_name = "PATH",
        help_heading = "Input and output"
    )]
    pub input: PathBuf,

    /// Folder for the reports (created if missing; must not be inside the
    /// input). Written whole or not at all: a run killed half-way leaves
    /// the previous reports as they were.
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        help_heading = "Input and output"
    )]
    pub out: PathBuf,

    /// Folder of the cache (the prepared posts, the model and the
    /// assignments, reused by the next run) [default: OUT/.cache].
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub cache: Option<PathBuf>,

    /// Neither read nor write the cache: read every post, fit anew.
    #[arg(long, conflicts_with = "cache", help_heading = "Input and output")]
    pub no_cache: bool,

    /// Forget the previous run in --out: number themes anew and choose k
    /// anew (the history file is kept and continued).
    #[arg(long, help_heading = "Nightly")]
    pub fresh: bool,

    /// Refine the themes even though the archive changed by less than 10%
    /// (otherwise they are kept and the new posts assigned to them; from
    /// 10% on they are refined): k is kept, new themes may appear for new
    /// posts.
    #[arg(long, help_heading = "Nightly")]
    pub refit: bool,

    /// Read and hash every post file instead of trusting unchanged size,
    /// modification time and inode.
    #[arg(long, help_heading = "Nightly")]
    pub verify: bool,

    /// Exit with code 3 when any post was rejected (the reports are still
    /// written), for cron jobs that must notice bad input.
    #[arg(long, help_heading = "Nightly")]
    pub strict: bool,

    /// When another run is writing the same --out, wait for it to finish
    /// instead of exiting with code 4.
    #[arg(long, help_heading = "Nightly")]
    pub wait: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub params: Params,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

impl RunArgs {
    /// The job these flags describe.
    pub fn job(&self) -> Job {
        let mut job = Job::new(&self.input, &self.out);
        if self.no_cache {
            job.cache = None;
        } else if let Some(dir) = &self.cache {
            job.cache = Some(dir.clone());
        }
        job.fresh = self.fresh;
        job.refit = self.refit;
        job.verify = self.verify;
        job.wait = self.wait;
        job
    }
}

/// Runs `theme-trends run`.
pub fn execute(args: &RunArgs) -> Result<i32> {
    let log = args.common.log();
    let params = args.params.clone().check()?;
    let job = args.job();
    let summary = args.common.pool(|| pipeline::run(&job, &params, &log))?;
    log.info(&summary_text(&job.out, &summary));
    let rejected = summary.analysis.counts.rejected;
    if args.strict && rejected > 0 {
        eprintln!(
            "strict: {rejected} posts were rejected (see rejected.csv); exit code {}",
            exit::REJECTED
        );
        return Ok(exit::REJECTED);
    }
    Ok(exit::OK)
}

/// The closing paragraph of a run.
pub fn summary_text(out: &std::path::Path, s: &RunSummary) -> String {
    let a = &s.analysis;
    let c = &a.counts;
    let mut text = format!("Read {} posts", c.posts);
    if let Some(fresh) = c.new_or_changed {
        text.push_str(&format!(" ({fresh} new or changed)"));
    }
    text.push_str(&format!(
        "; analysed {} into {} themes; rejected {} ({} duplicates)",
        c.assigned,
        a.themes.len(),
        c.rejected,
        c.duplicates
    ));
    if c.outside_window > 0 {
        text.push_str(&format!("; {} outside --since/--until", c.outside_window));
    }
    if let Some((first, last)) = a.axis.as_ref().and_then(|x| x.off_span) {
        let dates = if first == last {
            first.to_string()
        } else {
            format!("{first} to {last}")
        };
        text.push_str(&format!(
            "; {} dated far outside the archive's span ({dates}) analysed but left off the trends",
            c.off_axis
        ));
    }
    if !a.disappeared.is_empty() {
        text.push_str(&format!(
            "; {} themes of the previous run disappeared",
            a.disappeared.len()
        ));
    }
    text.push('.');
    if !c.tolerated.is_empty() {
        let forms: Vec<String> = crate::ingest::Tolerated::ALL
            .iter()
            .filter_map(|f| {
                c.tolerated
                    .get(f)
                    .map(|n| format!("{n} with {}", f.describe()))
            })
            .collect();
        text.push_str(&format!(" Read although irregular: {}.", forms.join("; ")));
    }
    if let Some(trends) = &a.trends {
        let rising: Vec<&str> = trends
            .bursts
            .iter()
            .filter(|b| b.ongoing)
            .map(|b| a.themes[b.theme.get()].label.as_str())
            .collect();
        if rising.is_empty() {
            text.push_str(" No theme is in a burst now.");
        } else {
            text.push_str(&format!(" Rising now: {}.", rising.join(", ")));
        }
    }
    if let Some(line) = crate::report::morning::headline(a) {
        text.push(' ');
        text.push_str(&line);
    }
    text.push_str(&format!(
        " Took {:.1} s. Reports in {} (open index.html).",
        s.seconds,
        out.display()
    ));
    text
}

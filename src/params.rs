//! Every parameter of the job, declared once.
//!
//! Each stage owns a parameter struct (`ingest::IngestParams`,
//! `vectorize::VectorizeParams`, …) whose fields *are* the command-line
//! flags: a doc comment (the `--help` text), a clap default and a serde
//! name. From that one declaration come the flags of every subcommand,
//! the config file keys (`--config`, the flag names without `--`), the
//! defaults of the library ([`defaults`]), `run.json`'s `parameters`, the
//! fingerprint of the settings that shape the store, and the job file of a
//! cluster engine (the same TOML). Each struct's `check` validates it; the
//! composite [`Params::check`] turns a [`Params`] into [`Checked`] ones,
//! which is what the stages take (params → checked params, as linfa does).

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::chart::ChartParams;
use crate::cluster::ClusterParams;
use crate::dedup::DedupParams;
use crate::error::{Error, Result};
use crate::events::EventParams;
pub use crate::flags::Checked;
use crate::ingest::IngestParams;
use crate::label::LabelParams;
use crate::reduce::ReduceParams;
use crate::segment::SegmentParams;
use crate::time::Window;
use crate::trend::TrendParams;
use crate::vectorize::VectorizeParams;

/// Every analysis parameter, grouped by stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    /// Analyse only posts dated on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day, help_heading = "Input")]
    pub since: Option<NaiveDate>,

    /// Analyse only posts dated on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day, help_heading = "Input")]
    pub until: Option<NaiveDate>,

    /// The moment of the run, YYYY-MM-DD[ HH:MM[:SS]] (default: the
    /// clock). A post dated more than a day after it is rejected as dated
    /// in the future, and judged again by the next run.
    #[arg(long, value_name = "TIME", value_parser = parse_moment, help_heading = "Input")]
    pub now: Option<NaiveDateTime>,

    /// Seed of every random choice (the fitting sample, SVD sampling,
    /// k-means++): the same seed, input and flags give the same themes.
    #[arg(long, default_value_t = 42, help_heading = "Themes")]
    pub seed: u64,

    /// Themes you define by seed words (TOML, see README): posts close to
    /// them go there and keep the name as label; the rest is clustered.
    #[arg(long, value_name = "FILE", help_heading = "Themes")]
    pub themes: Option<PathBuf>,

    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub ingest: IngestParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub segment: SegmentParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub dedup: DedupParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub vectorize: VectorizeParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub reduce: ReduceParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub cluster: ClusterParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub label: LabelParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub trend: TrendParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub events: EventParams,
    #[command(flatten)]
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub chart: ChartParams,
}

impl Default for Params {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl Params {
    /// Checks every stage's parameters and what no single stage can see.
    /// Named themes (`themes`) are read here, and their seed words handed
    /// to the segmenter, so the library and the command line behave alike.
    pub fn check(mut self) -> Result<Checked<Params>> {
        let now = *self.now.get_or_insert_with(|| {
            chrono::Local::now()
                .naive_local()
                .with_nanosecond(0)
                .unwrap_or_default()
        });
        if !crate::ingest::Years::HOLDABLE.holds(now.date()) {
            return Err(Error::param(
                "--now",
                format!("{now} is not a year 1..9999"),
            ));
        }
        if let (Some(a), Some(b)) = (self.since, self.until) {
            if a > b {
                return Err(Error::param("--since/--until", format!("{a} is after {b}")));
            }
        }
        self.ingest.check()?;
        self.segment.check()?;
        self.dedup.check()?;
        self.vectorize.check()?;
        self.reduce.check()?;
        self.cluster.check()?;
        self.label.check()?;
        self.trend.check()?;
        self.events.check()?;
        self.chart.check()?;
        let seeds: Vec<String> = self
            .named_themes()?
            .iter()
            .flat_map(|t| t.seeds.iter().cloned())
            .collect();
        self.segment.extra_words = seeds;
        Ok(Checked::new(self))
    }

    /// The named themes of `--themes`, read and checked (none without it).
    pub fn named_themes(&self) -> Result<Vec<crate::cluster::named::NamedTheme>> {
        match &self.themes {
            Some(file) => crate::cluster::named::load(file),
            None => Ok(Vec::new()),
        }
    }

    /// Which posts the run analyses, by their date.
    pub fn window(&self) -> Window {
        Window {
            since: self.since,
            until: self.until,
            now: self.now,
        }
    }
}

/// Parses the moment of `--now`: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or
/// with a `T` between day and time.
pub fn parse_moment(s: &str) -> std::result::Result<NaiveDateTime, String> {
    let t = s.trim();
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(m) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(m);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| format!("'{s}' is not a moment YYYY-MM-DD[ HH:MM[:SS]]"))
}

/// Parses a day for `--since` / `--until`.
pub fn parse_day(s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date YYYY-MM-DD"))
}

/// The run's job: where to read, where to write, how to behave. Not part
/// of the analysis (the same analysis can be run from another place).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Folder of posts or table file.
    pub input: PathBuf,
    /// Folder the reports are written to.
    pub out: PathBuf,
    /// Folder of the store and the model (`None`: a temporary one,
    /// removed at the end, `--no-cache`).
    pub cache: Option<PathBuf>,
    /// Forget the previous run: number themes anew and choose k anew.
    pub fresh: bool,
    /// Fit the model anew even when the archive changed little.
    pub refit: bool,
    /// Hash every post file instead of trusting size, mtime and inode.
    pub verify: bool,
    /// Wait for another run writing the same output folder.
    pub wait: bool,
}

/// The cache folder inside the output folder, unless `--cache` moves it.
pub const DEFAULT_CACHE_DIR: &str = ".cache";

impl Job {
    /// A job reading `input` and writing `out`, caching in `OUT/.cache`.
    pub fn new(input: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        let out = out.into();
        Job {
            input: input.into(),
            cache: Some(out.join(DEFAULT_CACHE_DIR)),
            out,
            fresh: false,
            refit: false,
            verify: false,
            wait: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_flags_and_survive_json_and_toml() {
        let p = Params::default();
        assert_eq!(p.seed, 42);
        assert_eq!(p.reduce.dims, 50);
        let json = serde_json::to_string(&p).unwrap();
        let back: Params = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        let toml: Params = toml::from_str("seed = 7\nk = \"12\"\n").unwrap();
        assert_eq!(toml.seed, 7);
        assert_eq!(toml.cluster.k.to_string(), "12");
        assert_eq!(toml.reduce, p.reduce);
    }

    #[test]
    fn checking_refuses_what_no_stage_can_see() {
        let p = Params {
            since: NaiveDate::from_ymd_opt(2024, 2, 1),
            until: NaiveDate::from_ymd_opt(2024, 1, 1),
            ..Default::default()
        };
        assert!(p.check().is_err());
        let mut p = Params::default();
        p.reduce.dims = 1;
        assert!(p.check().is_err());
    }
}

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

use crate::assign::AssignParams;
use crate::chart::ChartParams;
use crate::cluster::named::NamedTheme;
use crate::cluster::ClusterParams;
use crate::dedup::DedupParams;
use crate::embed::EmbedParams;
use crate::error::{Error, Result};
use crate::events::EventParams;
use crate::fit::FitParams;
pub use crate::flags::Checked;
use crate::ingest::IngestParams;
use crate::label::LabelParams;
use crate::prepare::PrepareParams;
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
    pub embed: EmbedParams,
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

    /// The named themes of `--themes`, read by [`Params::check`].
    #[arg(skip)]
    #[serde(skip)]
    pub named: Vec<NamedTheme>,
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
        self.embed.check()?;
        self.cluster.check()?;
        self.label.check()?;
        self.trend.check()?;
        self.events.check()?;
        self.chart.check()?;
        self.named = match &self.themes {
            Some(file) => crate::cluster::named::load(file)?,
            None => Vec::new(),
        };
        self.segment.extra_words = self
            .named
            .iter()
            .flat_map(|t| t.seeds.iter().cloned())
            .collect();
        Ok(Checked::new(self))
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

/// Each stage's own parameters, taken from the checked whole (params →
/// checked params: the parts of checked parameters are checked).
impl Checked<Params> {
    /// The parameters as `run.json` records them: every analysis parameter
    /// (as its flag is named) and the job.
    pub fn record(&self, job: &Job) -> serde_json::Value {
        let mut p = serde_json::to_value(&**self).unwrap_or_default();
        if let Some(map) = p.as_object_mut() {
            map.insert(
                "input".into(),
                serde_json::json!(job.input.display().to_string()),
            );
            map.insert(
                "out".into(),
                serde_json::json!(job.out.display().to_string()),
            );
            map.insert(
                "cache".into(),
                serde_json::json!(job.cache.as_ref().map(|c| c.display().to_string())),
            );
            map.insert("fresh".into(), serde_json::json!(job.fresh));
            map.insert("refit".into(), serde_json::json!(job.refit));
            map.insert("verify".into(), serde_json::json!(job.verify));
            map.insert(
                "threads".into(),
                serde_json::json!(rayon::current_num_threads()),
            );
            let named: Vec<String> = self.named.iter().map(|t| t.name.clone()).collect();
            map.insert("named_themes".into(), serde_json::json!(named));
        }
        p
    }

    /// `prepare`: reading and segmenting.
    pub fn prepare(&self) -> Checked<PrepareParams> {
        Checked::new(PrepareParams {
            ingest: self.ingest.clone(),
            segment: self.segment.clone(),
        })
    }

    /// Finding copies.
    pub fn dedup(&self) -> Checked<DedupParams> {
        Checked::new(self.dedup.clone())
    }

    /// `fit`: everything that shapes the model.
    pub fn fit(&self) -> Checked<FitParams> {
        Checked::new(FitParams {
            seed: self.seed,
            window: self.window(),
            vectorize: self.vectorize.clone(),
            reduce: self.reduce.clone(),
            cluster: self.cluster.clone(),
            label: self.label.clone(),
            embed: self.embed.clone(),
            segment: self.segment.clone(),
            named: self.named.clone(),
        })
    }

    /// `assign`: what each segment's sums are counted by.
    pub fn assign(&self) -> Checked<AssignParams> {
        Checked::new(AssignParams {
            window: self.window(),
            granularity: self.trend.granularity,
            facets: self.trend.facets.clone(),
            title_weight: self.vectorize.title_weight,
            outlet: self.events.outlet.clone(),
        })
    }

    /// The moment the run takes for now (resolved by `check`).
    pub fn now(&self) -> NaiveDateTime {
        self.now.unwrap_or_default()
    }

    /// The events stage.
    pub fn events(&self) -> Checked<EventParams> {
        Checked::new(self.events.clone())
    }

    /// The trends of the report.
    pub fn trend(&self) -> Checked<TrendParams> {
        Checked::new(self.trend.clone())
    }

    /// The charts.
    pub fn chart(&self) -> Checked<ChartParams> {
        Checked::new(self.chart.clone())
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
pub const DEFAULT_CACHE_DIR: &str = crate::cache::IN_OUT;

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

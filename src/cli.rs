//! The command line: argument definitions and their translation into
//! [`RunParams`]. `main.rs` only parses and calls [`execute`]; tests drive
//! the same code.

use std::path::PathBuf;

use chrono::NaiveDate;

use clap::{Args, Parser, Subcommand};

use crate::chart::ChartParams;
use crate::chart::ChartSize;
use crate::cluster::select::{KChoice, KRange, SelectParams};
use crate::cluster::{named, ClusterParams};
use crate::error::{Error, Result};
use crate::ingest::IngestParams;
use crate::label::LabelParams;
use crate::log::Log;
use crate::pipeline::{self, RunParams, RunSummary};
use crate::reduce::ReduceParams;
use crate::segment::SegmentParams;
use crate::trend::{Granularity, TrendParams};
use crate::vectorize::{DocFreq, VectorizeParams};

/// Find the themes in an archive of Chinese news posts and show how each
/// rises and falls over time.
#[derive(Debug, Parser)]
#[command(name = "theme-trends", version, about, long_about = None, args_override_self = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum Command {
    /// Analyse an archive and write themes, trends, charts and reports.
    ///
    /// Example: theme-trends run --input data/demo/_posts --out reports/demo
    ///
    /// Every flag can also come from a TOML file (--config FILE, see
    /// `theme-trends init-config`); flags on the command line win.
    Run(RunArgs),
    /// Print a commented configuration file holding every `run` flag with
    /// its default, to save and edit: theme-trends init-config > nightly.toml
    InitConfig,
}

/// Flags of `theme-trends run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Folder of Jekyll posts (*.md, *.markdown, *.html, searched
    /// recursively), or a table file (.csv, .tsv, .parquet, .jsonl) with a
    /// `text` column and optional `title`, `date`, `id` columns.
    #[arg(long, short = 'i', value_name = "PATH")]
    pub input: PathBuf,

    /// Folder for the reports (created if missing; must not be inside the input).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,

    /// Read flags from this TOML file (keys are the flag names without
    /// `--`, e.g. `k = 30`, `granularity = "week"`); command-line flags win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Analyse only posts dated on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub since: Option<NaiveDate>,

    /// Analyse only posts dated on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub until: Option<NaiveDate>,

    /// Exit with code 3 when any post was rejected (the reports are still
    /// written), for cron jobs that must notice bad input.
    #[arg(long)]
    pub strict: bool,

    /// When another run is writing the same --out, wait for it to finish
    /// instead of exiting with code 4.
    #[arg(long)]
    pub wait: bool,

    /// Number of themes, or `auto` to choose it in --k-range by topic
    /// coherence (NPMI of each theme's top words) × stability across seeds.
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    pub k: KChoice,

    /// Range searched by `--k auto`, inclusive.
    #[arg(long, default_value_t = KRange::from(SelectParams::default().get_range()), value_name = "MIN..MAX")]
    pub k_range: KRange,

    /// Themes you define by seed words (TOML, see README): posts close to
    /// them go there and keep the name as label; the rest is clustered.
    #[arg(long, value_name = "FILE")]
    pub themes: Option<PathBuf>,

    /// Also count theme shares within each value of this field
    /// (`trends_by_facet.csv`, a section of index.html): a front-matter
    /// field such as `categories` or `tags`, a table column, or `source`
    /// (the outlet credited in the text, e.g. `（新华社）`). May be repeated.
    #[arg(long, value_name = "FIELD")]
    pub facet: Vec<String>,

    /// Length of a trend period: day, week (ISO, from Monday) or month.
    #[arg(long, value_enum, default_value_t = TrendParams::default().get_granularity())]
    pub granularity: Granularity,

    /// Periods in the centred rolling mean of each theme's share
    /// (`share_smoothed`; 1 = no smoothing).
    #[arg(long, default_value_t = TrendParams::default().get_smooth(), value_name = "N")]
    pub smooth: usize,

    /// Periods that count as "now" when comparing a theme's recent share
    /// with its long-run share.
    #[arg(long, default_value_t = TrendParams::default().get_recent(), value_name = "N")]
    pub recent: usize,

    /// Burst detection: a burst is a run of periods where the theme is this
    /// many times more frequent than its long-run share (Kleinberg's s).
    #[arg(long, default_value_t = TrendParams::default().get_burst().scale, value_name = "S")]
    pub burst_scale: f64,

    /// Burst detection: cost of entering a burst (Kleinberg's γ); higher
    /// finds fewer, stronger bursts.
    #[arg(long, default_value_t = TrendParams::default().get_burst().gamma, value_name = "G")]
    pub burst_gamma: f64,

    /// Dense dimensions of the LSA reduction that k-means works on.
    #[arg(long, default_value_t = ReduceParams::default().get_dims(), value_name = "N")]
    pub dims: usize,

    /// Drop words found in fewer posts than this: a count (2) or a fraction
    /// of all posts (0.001).
    #[arg(long, default_value_t = VectorizeParams::default().get_min_df(), value_name = "N|FRACTION")]
    pub min_df: DocFreq,

    /// Drop words found in more posts than this: a count or a fraction (0.5
    /// = in more than half of the posts).
    #[arg(long, default_value_t = VectorizeParams::default().get_max_df(), value_name = "N|FRACTION")]
    pub max_df: DocFreq,

    /// Keep only this many words, the most frequent (default: all).
    #[arg(long, value_name = "N")]
    pub max_features: Option<usize>,

    /// How many times a word of the title counts (1 = like a body word).
    #[arg(long, default_value_t = VectorizeParams::default().get_title_weight(), value_name = "N")]
    pub title_weight: u32,

    /// Seed for the random parts (SVD sampling, k-means++): the same seed,
    /// input and flags give the same themes.
    #[arg(long, default_value_t = ClusterParams::default().get_seed())]
    pub seed: u64,

    /// Independent k-means runs; the one with the lowest inertia is kept.
    #[arg(long, default_value_t = ClusterParams::default().get_n_runs(), value_name = "N")]
    pub kmeans_runs: usize,

    /// Iteration cap of each k-means run.
    #[arg(long, default_value_t = ClusterParams::default().get_max_iter(), value_name = "N")]
    pub kmeans_iters: u64,

    /// Posts the k-means centres are fitted on (a fixed random sample);
    /// every post is then assigned to its nearest centre. Larger is slower
    /// and barely changes the themes (docs/quality.md).
    #[arg(long, default_value_t = ClusterParams::default().get_fit_sample(), value_name = "N")]
    pub kmeans_sample: usize,

    /// Power iterations of the randomized SVD (more = more exact, slower).
    #[arg(long, default_value_t = ReduceParams::default().get_power_iters(), value_name = "N")]
    pub svd_iters: usize,

    /// Extra stop words, one per line (`#` starts a comment); adds to the
    /// built-in list (data/stopwords.txt). May be repeated.
    #[arg(long, value_name = "FILE")]
    pub stopwords: Vec<PathBuf>,

    /// A jieba user dictionary (`word [freq] [tag]` per line) for names and
    /// terms jieba splits wrongly.
    #[arg(long, value_name = "FILE")]
    pub user_dict: Option<PathBuf>,

    /// Shortest word kept, in characters.
    #[arg(long, default_value_t = SegmentParams::default().get_min_chars(), value_name = "N")]
    pub min_word_chars: usize,

    /// Do not let jieba guess unknown words (names) with its HMM.
    #[arg(long)]
    pub no_hmm: bool,

    /// Cut post bodies longer than this many characters (with a warning).
    #[arg(long, default_value_t = IngestParams::default().get_max_chars(), value_name = "N")]
    pub max_chars: usize,

    /// A post sharing at least this fraction of its text (character
    /// 5-grams) with an earlier post is a re-publication and is dropped.
    #[arg(long, default_value_t = IngestParams::default().get_near_duplicate().unwrap_or(0.9), value_name = "FRACTION")]
    pub near_duplicate: f64,

    /// Keep near-duplicate posts (exact copies are still dropped).
    #[arg(long)]
    pub keep_near_duplicates: bool,

    /// Characteristic words listed per theme.
    #[arg(long, default_value_t = LabelParams::default().get_top_terms(), value_name = "N")]
    pub top_terms: usize,

    /// Chart size in pixels.
    #[arg(long, default_value_t = ChartSize::from(ChartParams::default().get_size()), value_name = "WxH")]
    pub chart_size: ChartSize,

    /// Font file with Chinese glyphs for the charts (default: the first
    /// installed of WenQuanYi Micro Hei, Noto Sans CJK, ...).
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,

    /// Forget the previous run in --out: number themes anew and choose k
    /// anew (the history file is kept and continued).
    #[arg(long)]
    pub fresh: bool,

    /// Folder of the incremental cache (read and segmented posts, reused by
    /// the next run for unchanged posts) [default: OUT/.cache].
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,

    /// Neither read nor write the cache: read and segment every post.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,

    /// Do not draw charts.
    #[arg(long)]
    pub no_charts: bool,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print every warning and each stage as it starts.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl RunArgs {
    /// Checks every value and builds the run's parameters.
    pub fn to_params(&self) -> Result<RunParams> {
        let mut p = RunParams::new(&self.input, &self.out);
        p.ingest = IngestParams::default()
            .max_chars(self.max_chars)?
            .near_duplicate((!self.keep_near_duplicates).then_some(self.near_duplicate))?;
        let mut seg = SegmentParams::default()
            .user_dict(self.user_dict.clone())
            .min_chars(self.min_word_chars)?
            .hmm(!self.no_hmm);
        for f in &self.stopwords {
            seg = seg.stopwords(f);
        }
        if let Some(file) = &self.themes {
            p.named = named::load(file)?;
            p.themes_file = Some(file.clone());
            seg = seg.extra_words(p.named.iter().flat_map(|t| t.seeds.iter().cloned()));
        }
        p.segment = seg;
        p.vectorize = VectorizeParams::default()
            .min_df(self.min_df)
            .max_df(self.max_df)
            .max_features(self.max_features)?
            .title_weight(self.title_weight)?;
        p.reduce = ReduceParams::default()
            .dims(self.dims)?
            .power_iters(self.svd_iters)?
            .seed(self.seed);
        let KRange(min, max) = self.k_range;
        let select = SelectParams::default().range(min, max)?;
        p.select = match self.k {
            KChoice::Auto => Some(select),
            KChoice::Fixed(_) => None,
        };
        let fixed_k = match self.k {
            KChoice::Fixed(k) => k,
            KChoice::Auto => ClusterParams::default().get_k(),
        };
        p.cluster = ClusterParams::default()
            .k(fixed_k)?
            .seed(self.seed)
            .n_runs(self.kmeans_runs)?
            .max_iter(self.kmeans_iters)?
            .fit_sample(self.kmeans_sample)?;
        p.label = LabelParams::default().top_terms(self.top_terms)?;
        p.fresh = self.fresh;
        p.wait = self.wait;
        if let (Some(a), Some(b)) = (self.since, self.until) {
            if a > b {
                return Err(Error::param("--since/--until", format!("{a} is after {b}")));
            }
        }
        p.window = (self.since, self.until);
        if self.no_cache {
            p.cache = None;
        } else if let Some(dir) = &self.cache {
            p.cache = Some(dir.clone());
        }
        p.trend = TrendParams::default()
            .granularity(self.granularity)
            .smooth(self.smooth)?
            .recent(self.recent)?
            .burst(self.burst_scale, self.burst_gamma)?
            .facets(self.facet.clone())?;
        p.chart = if self.no_charts {
            None
        } else {
            Some(
                ChartParams::default()
                    .size(self.chart_size.0, self.chart_size.1)?
                    .font(self.font.clone()),
            )
        };
        Ok(p)
    }
}

/// Process exit codes.
pub mod exit {
    /// The run finished.
    pub const OK: i32 = 0;
    /// The run failed.
    pub const FAILURE: i32 = 1;
    /// The command line, a parameter or the config file is wrong.
    pub const USAGE: i32 = 2;
    /// `--strict` and some posts were rejected (reports were written).
    pub const REJECTED: i32 = 3;
    /// Another run is writing the same output folder (and `--wait` was
    /// not given); nothing was written.
    pub const LOCKED: i32 = 4;
}

/// Parses a day for `--since` / `--until`.
fn parse_day(s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date YYYY-MM-DD"))
}

/// Why the command line could not be used.
#[derive(Debug)]
pub enum ArgsError {
    /// clap's own error (bad flag, `--help`, `--version`): print and exit.
    Clap(clap::Error),
    /// The config file is unreadable or wrong.
    Config(String),
}

/// Parses the process arguments, merging a `--config` file of the `run`
/// command in front of the command-line flags (which therefore win).
pub fn parse_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> std::result::Result<Cli, ArgsError> {
    let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
    if let Some(run) = args.iter().position(|a| a == "run") {
        let mut config = None;
        for (i, a) in args.iter().enumerate().skip(run + 1) {
            let a = a.to_string_lossy();
            if a == "--config" {
                config = args.get(i + 1).map(PathBuf::from);
            } else if let Some(v) = a.strip_prefix("--config=") {
                config = Some(PathBuf::from(v));
            }
        }
        if let Some(path) = config {
            let flags = config_flags(&path).map_err(ArgsError::Config)?;
            args.splice(run + 1..run + 1, flags);
        }
    }
    Cli::try_parse_from(args).map_err(ArgsError::Clap)
}

/// The flags a config file stands for, in the order of its keys.
fn config_flags(path: &std::path::Path) -> std::result::Result<Vec<std::ffi::OsString>, String> {
    use clap::CommandFactory;
    let fail = |why: String| format!("cannot use config file {}: {why}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let cmd = Cli::command();
    let run = cmd.find_subcommand("run").expect("run exists");
    let mut flags = Vec::new();
    for (key, value) in table {
        let id = key.replace('-', "_");
        let arg = run
            .get_arguments()
            .find(|a| a.get_id() == id.as_str() && a.get_long().is_some() && id != "config")
            .ok_or_else(|| {
                fail(format!(
                    "unknown setting '{key}' (settings are the flags of `theme-trends run` without '--', see `theme-trends init-config`)"
                ))
            })?;
        let flag = format!("--{}", arg.get_long().expect("has a long name"));
        let is_switch = matches!(arg.get_action(), clap::ArgAction::SetTrue);
        let scalar = |v: &toml::Value| -> std::result::Result<String, String> {
            match v {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                toml::Value::Float(f) => Ok(f.to_string()),
                other => Err(fail(format!(
                    "'{key}' must be a text or a number, not {}",
                    other.type_str()
                ))),
            }
        };
        match (&value, is_switch) {
            (toml::Value::Boolean(true), true) => flags.push(flag.into()),
            (toml::Value::Boolean(false), true) => {}
            (_, true) => {
                return Err(fail(format!(
                    "'{key}' is a switch: write {key} = true or false"
                )))
            }
            (toml::Value::Array(items), false) => {
                for item in items {
                    flags.push(flag.clone().into());
                    flags.push(scalar(item)?.into());
                }
            }
            (v, false) => {
                flags.push(flag.into());
                flags.push(scalar(v)?.into());
            }
        }
    }
    Ok(flags)
}

/// The text `theme-trends init-config` prints.
pub fn default_config() -> String {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let run = cmd.find_subcommand("run").expect("run exists");
    let mut out = String::from(
        "# theme-trends configuration: every flag of `theme-trends run`, with its default.\n\
         # Use it with `theme-trends run --config FILE`; flags given on the command line win.\n\
         # Keys are the flag names without '--'. Uncomment and edit what you need.\n",
    );
    for arg in run.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.get_long().is_none() || matches!(id, "help" | "config") {
            continue;
        }
        out.push('\n');
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        for line in help.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("# {}\n", line.trim()));
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let toml_value = |v: &str| -> String {
            if v.parse::<f64>().is_ok() && !v.starts_with('.') {
                v.to_string()
            } else {
                format!("{v:?}")
            }
        };
        match (arg.get_action(), defaults.first()) {
            (clap::ArgAction::SetTrue, _) => out.push_str(&format!("# {id} = false\n")),
            (_, Some(d)) => out.push_str(&format!("# {id} = {}\n", toml_value(d))),
            (clap::ArgAction::Append, None) => out.push_str(&format!("# {id} = []\n")),
            (_, None) if matches!(id, "input" | "out") => {
                let example = if id == "input" {
                    "archive/_posts"
                } else {
                    "reports"
                };
                out.push_str(&format!("{id} = \"{example}\"\n"));
            }
            (_, None) => out.push_str(&format!("# {id} = \n")),
        }
    }
    out
}

/// Runs a parsed command line; returns the process exit code.
pub fn execute(cli: Cli) -> i32 {
    match cli.command {
        Command::InitConfig => {
            print!("{}", default_config());
            exit::OK
        }
        Command::Run(args) => {
            let log = Log::new(args.quiet, args.verbose);
            match run_command(&args, &log) {
                Ok(summary) => {
                    print_summary(&args, &summary, &log);
                    if args.strict && summary.analysis.counts.rejected > 0 {
                        eprintln!(
                            "strict: {} posts were rejected (see rejected.csv); exit code {}",
                            summary.analysis.counts.rejected,
                            exit::REJECTED
                        );
                        exit::REJECTED
                    } else {
                        exit::OK
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    match e {
                        Error::Param { .. } | Error::Resource { .. } => exit::USAGE,
                        Error::Locked { .. } => exit::LOCKED,
                        _ => exit::FAILURE,
                    }
                }
            }
        }
    }
}

fn run_command(args: &RunArgs, log: &Log) -> Result<RunSummary> {
    let params = args.to_params()?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        if n == 0 {
            return Err(Error::param("--threads", "must be at least 1"));
        }
        pool = pool.num_threads(n);
    }
    let pool = pool
        .build()
        .map_err(|e| Error::param("--threads", e.to_string()))?;
    pool.install(|| pipeline::run(&params, log))
}

/// The closing paragraph of a run.
pub fn summary_text(out: &std::path::Path, s: &RunSummary) -> String {
    let a = &s.analysis;
    let c = &a.counts;
    let mut text = format!("Read {} posts", c.posts);
    if let Some(fresh) = a.fresh_posts {
        text.push_str(&format!(" ({fresh} new or changed)"));
    }
    text.push_str(&format!(
        "; analysed {} into {} themes; rejected {} ({} duplicates)",
        a.assignments.len(),
        a.themes.len(),
        c.rejected,
        c.duplicates
    ));
    if c.outside_window > 0 {
        text.push_str(&format!("; {} outside --since/--until", c.outside_window));
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
                    .get(f.key())
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
            .map(|b| a.themes[b.theme].label.as_str())
            .collect();
        if rising.is_empty() {
            text.push_str(" No theme is in a burst now.");
        } else {
            text.push_str(&format!(" Rising now: {}.", rising.join(", ")));
        }
    }
    text.push_str(&format!(
        " Took {:.1} s. Reports in {} (open index.html).",
        s.seconds,
        out.display()
    ));
    text
}

fn print_summary(args: &RunArgs, s: &RunSummary, log: &Log) {
    log.info(&summary_text(&args.out, s));
}

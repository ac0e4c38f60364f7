//! The command line: one module per subcommand (as xsv does), each turning
//! its flags into the library's parameters and calling one function of it.
//! `main.rs` only parses arguments and calls [`execute`]; tests drive the
//! same code.
//!
//! `run` is the one command a user needs. `prepare`, `fit`, `assign` and
//! `report` are its stages, each runnable alone on a part of the work, so
//! that a cluster engine can spread `prepare` and `assign` over machines
//! (docs/scaling.md).

pub mod config;
mod run;
mod stages;
mod terms;

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::log::Log;

pub use config::default_config;
pub use run::summary_text;

/// Find the themes in an archive of Chinese news posts and show how each
/// rises and falls over time.
///
/// Start with `theme-trends run --input ARCHIVE/_posts --out REPORTS` and
/// open REPORTS/index.html. `theme-trends run --help` explains every
/// setting; `theme-trends init-config` prints them as a config file.
#[derive(Debug, Parser)]
#[command(
    name = "theme-trends",
    version,
    about,
    long_about,
    args_override_self = true
)]
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
    /// A re-run reads only new or changed posts (the cache is in OUT/.cache)
    /// and keeps the themes while the archive changes by less than 10%.
    /// Every flag can also come from a TOML file (--config FILE, see
    /// `theme-trends init-config`); flags on the command line win.
    Run(run::RunArgs),
    /// Stage 1 of `run`: read, clean and segment the posts of the input
    /// (or of one part of it) into the store in CACHE.
    ///
    /// Example, four processes: theme-trends prepare --input posts.parquet
    /// --cache work --part 1/4 (… --part 4/4)
    Prepare(stages::PrepareArgs),
    /// Stage 2 of `run`: find the copies and fit the model (themes) on the
    /// prepared store in CACHE.
    Fit(stages::FitArgs),
    /// Stage 3 of `run`: give every post (of one part of the store) its
    /// theme with the fitted model, and count.
    Assign(stages::AssignArgs),
    /// Stage 4 of `run`: write the reports from the assigned store.
    Report(stages::ReportArgs),
    /// How often words were used, period by period, from a finished run's
    /// cache (no new analysis): CSV `term,period,count,share,top_themes` on
    /// standard output.
    ///
    /// Example: theme-trends terms --out reports/demo --chart words.png 供应链 人民币
    Terms(terms::TermsArgs),
    /// Print a commented configuration file holding every `run` flag with
    /// its default, to save and edit: theme-trends init-config > nightly.toml
    InitConfig,
}

impl Cli {
    /// Whether `-v` was given.
    pub fn verbose(&self) -> bool {
        match &self.command {
            Command::Run(a) => a.common.verbose,
            Command::Prepare(a) => a.common.verbose,
            Command::Fit(a) => a.common.verbose,
            Command::Assign(a) => a.common.verbose,
            Command::Report(a) => a.common.verbose,
            Command::Terms(a) => a.common.verbose,
            Command::InitConfig => false,
        }
    }
}

/// Flags every subcommand has.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Read flags from this TOML file (keys are the flag names without
    /// `--`, e.g. `k = 30`, `granularity = "week"`); command-line flags win.
    #[arg(long, value_name = "FILE", help_heading = "Running")]
    pub config: Option<std::path::PathBuf>,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", help_heading = "Running")]
    pub threads: Option<usize>,

    /// Print only warnings and errors.
    #[arg(long, short = 'q', help_heading = "Running")]
    pub quiet: bool,

    /// Print every warning and each stage as it starts.
    #[arg(long, short = 'v', help_heading = "Running")]
    pub verbose: bool,
}

impl Common {
    fn log(&self) -> Log {
        Log::new(self.quiet, self.verbose)
    }

    /// Runs `f` on a thread pool of `--threads` threads.
    fn pool<T>(&self, f: impl FnOnce() -> Result<T> + Send) -> Result<T>
    where
        T: Send,
    {
        let mut pool = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            if n == 0 {
                return Err(Error::param("--threads", "must be at least 1"));
            }
            pool = pool.num_threads(n);
        }
        let pool = pool
            .build()
            .map_err(|e| Error::param("--threads", e.to_string()))?;
        pool.install(f)
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

/// Why the command line could not be used.
#[derive(Debug)]
pub enum ArgsError {
    /// clap's own error (bad flag, `--help`, `--version`): print and exit.
    Clap(clap::Error),
    /// The config file is unreadable or wrong.
    Config(String),
}

/// Parses the process arguments, merging a `--config` file in front of the
/// command-line flags (which therefore win).
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> std::result::Result<Cli, ArgsError> {
    let args = config::merge(args.into_iter().collect()).map_err(ArgsError::Config)?;
    Cli::try_parse_from(args).map_err(ArgsError::Clap)
}

/// The exit code of a failure.
fn failure(e: &Error) -> i32 {
    eprintln!("error: {e}");
    match e {
        // A bad flag, value or file named by a flag (themes, stop words,
        // dictionary) is bad usage.
        Error::Param { .. } | Error::Resource { .. } => exit::USAGE,
        Error::Locked { .. } => exit::LOCKED,
        Error::Interrupted { signal } => 128 + signal,
        _ => exit::FAILURE,
    }
}

/// Runs a parsed command line as the binary does: SIGTERM and SIGINT stop
/// it cleanly, and a panic is one line on standard error (Rust's report
/// with `-v`) and exit 1, the staging folder and the lock released on the
/// way. Returns the process exit code.
pub fn main(cli: Cli) -> i32 {
    crate::panics::install_hook(cli.verbose());
    crate::interrupt::install();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(cli))) {
        Ok(code) => code,
        // The hook printed the message.
        Err(_) => exit::FAILURE,
    }
}

/// Runs a parsed command line; returns the process exit code.
pub fn execute(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::InitConfig => {
            print!("{}", default_config());
            Ok(exit::OK)
        }
        Command::Run(args) => run::execute(&args),
        Command::Prepare(args) => stages::prepare(&args),
        Command::Fit(args) => stages::fit(&args),
        Command::Assign(args) => stages::assign(&args),
        Command::Report(args) => stages::report(&args),
        Command::Terms(args) => terms::execute(&args),
    };
    result.unwrap_or_else(|e| failure(&e))
}

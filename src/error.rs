//! The library's error type.
//!
//! Every variant names what failed and why, and where a file is involved it
//! names the file, so that the message printed at the command line is enough
//! to act on. Problems with single posts are not errors: they become
//! [`crate::ingest::Rejection`]s and the run goes on.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of its allowed range or inconsistent with another.
    #[error("invalid value for {name}: {reason}")]
    Param {
        /// The parameter, as the user spells it (e.g. `--k`).
        name: &'static str,
        /// Why the value is refused.
        reason: String,
    },

    /// A file or folder could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot read", "cannot write", ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// An input table (CSV, TSV, Parquet, JSONL) could not be used.
    #[error("cannot use table {path}: {reason}")]
    Table {
        /// The table file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// A supporting file named by a flag (themes file, stop words, user
    /// dictionary) is bad: bad usage, like a bad value.
    #[error("cannot use {what} {path}: {reason}")]
    Resource {
        /// What kind of file ("stop-word list", "user dictionary", ...).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// A file the tool keeps in the output folder between runs (the theme
    /// history) cannot be used.
    #[error("cannot use {what} {path}: {reason}")]
    Kept {
        /// What kind of file ("theme history").
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// A file of the cache (store, model, assignment results) or a state
    /// file is damaged, foreign or of another version. The cache is then
    /// rebuilt, a state started anew; nothing of it is trusted.
    #[error("{what} {path} cannot be used: {reason}")]
    Damaged {
        /// What kind of file ("store segment", "model", "theme state").
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// Nothing usable was left to analyse.
    #[error("no usable posts in {input}: {detail}")]
    NoPosts {
        /// The input path.
        input: PathBuf,
        /// Counts and where to look.
        detail: String,
    },

    /// No font able to draw Chinese text was found.
    #[error("no CJK font: {0}")]
    Font(String),

    /// A chart could not be drawn.
    #[error("cannot draw chart {name}: {reason}")]
    Chart {
        /// The chart's file stem.
        name: String,
        /// The drawing backend's message.
        reason: String,
    },

    /// A polars operation failed while building a table.
    #[error("{context}: {source}")]
    Polars {
        /// What was being built.
        context: String,
        /// polars' error.
        #[source]
        source: polars::prelude::PolarsError,
    },

    /// Another run holds the lock on the output folder.
    #[error("another run (pid {pid}) is writing {}; wait for it, or pass --wait to queue behind it", out.display())]
    Locked {
        /// The output folder.
        out: PathBuf,
        /// The process holding the lock, as it recorded itself.
        pid: String,
    },

    /// SIGTERM or SIGINT came: the run stopped, nothing was published.
    #[error("stopped by {}; nothing was published, the previous reports are as they were", signal_name(*signal))]
    Interrupted {
        /// The signal.
        signal: i32,
    },

    /// A numeric stage could not complete (clustering, decomposition).
    #[error("{stage}: {reason}")]
    Numeric {
        /// The stage.
        stage: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// The name of a signal that stops a run.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

impl Error {
    /// Shorthand for [`Error::Param`].
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error::Param {
            name,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`] when reading.
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action: "cannot read",
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`Error::Io`] when writing.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action: "cannot write",
            path: path.into(),
            source,
        }
    }

    /// Wraps a polars error with what was being done.
    pub fn polars(context: impl Into<String>, source: polars::prelude::PolarsError) -> Self {
        Error::Polars {
            context: context.into(),
            source,
        }
    }
}

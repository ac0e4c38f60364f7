//! theme-trends: find the themes in an archive of Chinese news posts and show
//! how each rises and falls over time.
//!
//! The job runs in four stages, each a function of plain, serialisable
//! inputs, each a subcommand that can run alone on a part of the work:
//!
//! 1. [`prepare`]: the input → the [`store`] of per-post features
//!    ([`ingest`] → [`segment`] → hashes for [`dedup`]), month by month;
//! 2. [`fit`]: the store → a [`model`] ([`dedup`], [`vectorize`] on streamed
//!    word counts, [`reduce`], [`embed`], [`cluster`], [`label`], [`identity`]) fitted
//!    on a bounded sample;
//! 3. [`assign`]: model + store → each post's theme and mergeable
//!    [`aggregate`] sums;
//! 4. [`report`]: the sums → an [`analysis`] ([`trend`]), [`chart`]s and
//!    files.
//!
//! [`pipeline`] composes them into `run`, with the cache, the lock and safe
//! [`publish`]ing; [`cli`] maps the command line onto [`params`]. The
//! binary only parses arguments and calls [`cli::main`]. The modules stand
//! in layers, each importing only from lower ones: `docs/architecture.md`
//! has the table, and `tests/architecture.rs` checks it.

pub mod aggregate;
pub mod analysis;
pub mod assign;
pub mod cache;
pub mod chart;
pub mod cli;
pub mod cluster;
pub mod codec;
pub mod coherence;
pub mod dedup;
pub mod embed;
pub mod error;
pub mod evaluate;
pub mod events;
pub mod fault;
pub mod fit;
pub mod flags;
pub mod fsx;
pub mod identity;
pub mod ids;
pub mod ingest;
pub mod interrupt;
pub mod label;
pub mod log;
pub mod look;
pub mod model;
pub mod panics;
pub mod params;
pub mod pipeline;
pub mod prepare;
pub mod publish;
pub mod reduce;
pub mod report;
pub mod results;
pub mod segment;
pub mod store;
pub mod terms;
pub mod text;
pub mod time;
pub mod trend;
pub mod vectorize;

pub use error::{Error, Result};
pub use params::{Job, Params};
pub use pipeline::{run, RunSummary};

//! theme-trends: find the themes in an archive of Chinese news posts and show
//! how each rises and falls over time.
//!
//! The pipeline is a chain of stages, one module each, data flowing one way
//! through plain structs:
//!
//! [`ingest`] → [`segment`] → [`vectorize`] → [`reduce`] → [`cluster`] →
//! [`label`] → [`trend`] → [`chart`] → [`report`].
//!
//! [`pipeline`] strings them together; [`cli`] maps the command line onto
//! [`pipeline::RunParams`]. The binary only parses arguments and calls
//! [`cli::execute`].

pub mod cache;
pub mod chart;
pub mod cli;
pub mod cluster;
pub mod coherence;
pub mod error;
pub mod evaluate;
pub mod identity;
pub mod ingest;
pub mod label;
pub mod log;
pub mod pipeline;
pub mod publish;
pub mod reduce;
pub mod report;
pub mod segment;
pub mod trend;
pub mod vectorize;

pub use error::{Error, Result};
pub use pipeline::{analyse, run, Analysis, RunParams, RunSummary};

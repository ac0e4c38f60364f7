//! `theme-trends terms`: word trends on demand from a finished run's cache
//! (see [`crate::terms`]). Prints CSV to standard output; notes (a word
//! matched as a substring, a chart written) go to standard error.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{exit, Common};
use crate::error::{Error, Result};
use crate::publish::ReadersLock;
use crate::segment::Segmenter;
use crate::terms::{self, Match, Source};
use crate::time::Granularity;

/// Flags of `theme-trends terms`.
#[derive(Debug, Args)]
pub struct TermsArgs {
    /// The report folder of a finished run (its run.json, themes.csv and,
    /// unless --cache says otherwise, its cache OUT/.cache are read).
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        help_heading = "Input and output"
    )]
    pub out: PathBuf,

    /// The run's cache folder, when it was not OUT/.cache.
    #[arg(long, value_name = "DIR", help_heading = "Input and output")]
    pub cache: Option<PathBuf>,

    /// Period of the counts [default: the run's].
    #[arg(long, value_enum, help_heading = "Trends")]
    pub granularity: Option<Granularity>,

    /// Also draw the shares as a line chart into FILE (.png or .svg).
    #[arg(long, value_name = "FILE", help_heading = "Input and output")]
    pub chart: Option<PathBuf>,

    /// The words. A word the segmenter keeps whole is matched as a word of
    /// the post; any other (a phrase, a name it splits) as a substring of
    /// the post's text.
    #[arg(required = true, value_name = "WORD")]
    pub words: Vec<String>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// Runs `theme-trends terms`.
pub fn execute(args: &TermsArgs) -> Result<i32> {
    let log = args.common.log();
    // One complete run, old or new: a run swapping its reports in waits
    // for this one to read, or this one for the swap.
    let reading = ReadersLock::read(&args.out, || {
        log.info(&format!(
            "a run is publishing into {}; waiting for it",
            args.out.display()
        ))
    })?;
    let source = Source::of_report(&args.out, args.cache.as_deref())?;
    if crate::fault::injected(crate::fault::Point::PauseTerms, "terms") {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let segmenter = Segmenter::new(&source.params.segment)?;
    let matches: Vec<(String, Match)> = args
        .words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .fold(Vec::<&str>::new(), |mut seen, w| {
            if !seen.contains(&w) {
                seen.push(w);
            }
            seen
        })
        .into_iter()
        .map(|w| (w.to_string(), Match::of(w, &segmenter)))
        .collect();
    if matches.is_empty() {
        return Err(Error::param("WORD", "give at least one non-empty word"));
    }
    for (term, m) in &matches {
        if let Match::Substring(_) = m {
            log.warn(&format!(
                "'{term}' is not a word the segmenter keeps whole: matched as a substring of each post's text"
            ));
        }
    }
    let granularity = args
        .granularity
        .unwrap_or(source.params.trend.get_granularity());
    let rows = args
        .common
        .pool(|| terms::term_trends(&source, &matches, granularity))?;
    drop(reading);
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    let csv_err = |e: csv::Error| Error::param("stdout", e.to_string());
    out.write_record(["term", "period", "count", "share", "top_themes"])
        .map_err(csv_err)?;
    for r in &rows {
        out.write_record([
            r.term.clone(),
            r.period.to_string(),
            r.count.to_string(),
            format!("{:.6}", r.share),
            terms::themes_field(&r.top_themes),
        ])
        .map_err(csv_err)?;
    }
    out.flush()
        .map_err(|e| Error::param("stdout", e.to_string()))?;
    if let Some(path) = &args.chart {
        crate::chart::terms::draw_term_trends(
            path,
            &rows,
            granularity,
            source.params.chart.get_size(),
            source.params.chart.get_font(),
        )?;
        log.info(&format!("chart written to {}", path.display()));
    }
    let _ = std::io::stderr().flush();
    Ok(exit::OK)
}

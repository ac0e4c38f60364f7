//! `theme-trends terms`: word trends on demand from a finished run's cache
//! (see [`crate::terms`]). Prints CSV to standard output; notes (a word
//! matched as a substring, a chart written) go to standard error.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{exit, Common};
use crate::cache::CacheDir;
use crate::error::{Error, Result};
use crate::params::Params;
use crate::prepare::PrepareParams;
use crate::publish::ReadersLock;
use crate::segment::Segmenter;
use crate::terms::{self, Match, Source};
use crate::time::Granularity;
use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

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

    /// Instead of trends, list the words nearest to each WORD in the word
    /// vectors the run learned from the archive (CSV: term, word,
    /// similarity, form_word): near words help write `--themes` seed lists.
    #[arg(long, help_heading = "Similar words")]
    pub similar: bool,

    /// How many near words `--similar` lists per WORD.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 20,
        help_heading = "Similar words"
    )]
    pub similar_count: usize,

    /// The words. A word the segmenter keeps whole is matched as a word of
    /// the post; any other (a phrase, a name it splits) as a substring of
    /// the post's text.
    #[arg(required = true, value_name = "WORD")]
    pub words: Vec<String>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// What a finished run wrote that `terms` reads: its parameters (from
/// `run.json`), its cache folder and its theme labels (`themes.csv`).
struct Report {
    cache: PathBuf,
    params: Params,
    labels: HashMap<u32, String>,
}

impl Report {
    /// Reads the parameters and the theme labels the run wrote to `out`;
    /// the cache is `cache`, or the run's (OUT/.cache by default).
    fn of_report(out: &Path, cache: Option<&Path>) -> Result<Report> {
        let run_json = out.join("run.json");
        let text = std::fs::read_to_string(&run_json).map_err(|e| Error::Resource {
            what: "report folder",
            path: run_json.clone(),
            reason: format!("{e}; give the --out folder of a finished run"),
        })?;
        let bad = |reason: String| Error::Resource {
            what: "run.json",
            path: run_json.clone(),
            reason,
        };
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON ({e})")))?;
        let p = json
            .get("parameters")
            .ok_or_else(|| bad("no \"parameters\"".into()))?;
        let params: Params = serde_json::from_value(p.clone())
            .map_err(|e| bad(format!("its parameters do not read back ({e})")))?;
        let cache = match cache {
            Some(c) => c.to_path_buf(),
            None => match p.get("cache").and_then(|c| c.as_str()) {
                Some(c) => PathBuf::from(c),
                None => {
                    return Err(bad(
                        "the run kept no cache (--no-cache): run it again without --no-cache, \
                     or give --cache"
                            .into(),
                    ))
                }
            },
        };
        let themes_csv = out.join("themes.csv");
        let mut labels = HashMap::default();
        let mut reader = csv::Reader::from_path(&themes_csv).map_err(|e| Error::Resource {
            what: "themes file",
            path: themes_csv.clone(),
            reason: e.to_string(),
        })?;
        for rec in reader.records() {
            let rec = rec.map_err(|e| Error::Resource {
                what: "themes file",
                path: themes_csv.clone(),
                reason: e.to_string(),
            })?;
            if let (Some(id), Some(label)) = (rec.get(0), rec.get(1)) {
                if let Ok(id) = id.parse::<u32>() {
                    labels.insert(id, label.to_string());
                }
            }
        }
        Ok(Report {
            cache,
            params,
            labels,
        })
    }
}

/// Writes `rows` as CSV to standard output; an error is the system's.
fn write_rows(rows: &[terms::TermRow]) -> std::io::Result<()> {
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    };
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(["term", "period", "count", "share", "top_themes"])
        .map_err(io)?;
    for r in rows {
        out.write_record([
            r.term.clone(),
            r.period.to_string(),
            r.count.to_string(),
            format!("{:.6}", r.share),
            terms::themes_field(&r.top_themes),
        ])
        .map_err(io)?;
    }
    out.flush()
}

/// `terms --similar N`: the nearest words of each asked word, as CSV.
fn similar(args: &TermsArgs, cache: &Path, n: usize, log: &crate::log::Log) -> Result<i32> {
    if n == 0 {
        return Err(Error::param("--similar-count", "must be at least 1"));
    }
    let words: Vec<String> = args
        .words
        .iter()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Err(Error::param("WORD", "give at least one non-empty word"));
    }
    let (rows, missing) = terms::similar_words(&CacheDir::at(cache), &words, n)?;
    for w in &missing {
        log.warn(&format!(
            "'{w}' has no word vector (too rare in the posts fitted on, or not a word the segmenter keeps whole)"
        ));
    }
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    };
    let written = (|| -> std::io::Result<()> {
        let mut out = csv::Writer::from_writer(std::io::stdout().lock());
        out.write_record(["term", "word", "similarity", "form_word"])
            .map_err(io)?;
        for r in &rows {
            out.write_record([
                r.term.clone(),
                r.word.clone(),
                format!("{:.4}", r.similarity),
                r.form_word.to_string(),
            ])
            .map_err(io)?;
        }
        out.flush()
    })();
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::write("standard output", e)),
    }
    Ok(if missing.len() == words.len() {
        exit::FAILURE
    } else {
        exit::OK
    })
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
    let report = Report::of_report(&args.out, args.cache.as_deref())?;
    let params = report.params;
    if args.similar {
        return similar(args, &report.cache, args.similar_count, &log);
    }
    if crate::fault::injected(crate::fault::Point::PauseTerms, "terms") {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let prepared = PrepareParams {
        ingest: params.ingest.clone(),
        segment: params.segment.clone(),
    }
    .check()?;
    let source = Source {
        cache: CacheDir::at(&report.cache),
        fingerprint: prepared.fingerprint()?,
        labels: report.labels,
    };
    let segmenter = Segmenter::new(&prepared.segment)?;
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
    let granularity = args.granularity.unwrap_or(params.trend.get_granularity());
    let rows = args
        .common
        .pool(|| terms::term_trends(&source, &matches, granularity))?;
    drop(reading);
    match write_rows(&rows) {
        Ok(()) => {}
        // The reader went away (`| head`): it has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::write("standard output", e)),
    }
    if let Some(path) = &args.chart {
        crate::chart::terms::draw_term_trends(
            path,
            &rows,
            granularity,
            params.chart.get_size(),
            params.chart.get_font(),
        )?;
        log.info(&format!("chart written to {}", path.display()));
    }
    let _ = std::io::stderr().flush();
    Ok(exit::OK)
}

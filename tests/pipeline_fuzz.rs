//! The pipeline fuzzer: small archives of hostile posts (mutations of real
//! ones, `tests/support/hostile.rs`) run through prepare → fit → assign →
//! report in this process, with parameters drawn at random too. The
//! oracle, for every archive:
//!
//! - no panic, and no error but "no usable posts" (an archive with fewer
//!   than two usable posts);
//! - every post file is analysed (`assignments.csv`) or rejected
//!   (`rejected.csv`) exactly once, and `run.json` adds up
//!   (`posts = accepted + rejected + outside_window`);
//! - every CSV, Parquet and JSON file parses;
//! - shares sum to 1 within each period (and within each facet value);
//! - a second run on the same folder, from the cache, writes the same
//!   themes, assignments and trends.
//!
//! `cargo test` runs a bounded number of archives, and every seed listed
//! in `tests/fuzz_regressions/pipeline_seeds.txt` (the findings of long
//! runs). A long run: `PIPELINE_FUZZ_SECONDS=1800 cargo test --release
//! --test pipeline_fuzz -- --nocapture` tries fresh seeds until the time is
//! up and prints each failing seed, to be added to that file.

#[path = "support/hostile.rs"]
mod hostile;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use theme_trends::log::Log;
use theme_trends::params::{Job, Params};
use theme_trends::Error;

/// Archives tried by a plain `cargo test`.
const BOUNDED: u64 = 48;

fn shared_corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.exists() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("{} is absent and CI is set", p.display());
    } else {
        eprintln!("the shared corpus is absent: templates from this repository only");
        None
    }
}

/// The parameters of archive `seed`'s run.
fn params_for(seed: u64) -> Params {
    let mut rng = hostile::Rng::new(seed ^ 0xA5A5);
    let mut p = Params::default();
    p.now = Some(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    );
    p.vectorize.min_df = "1".parse().unwrap();
    p.vectorize.max_df = "1.0".parse().unwrap();
    p.cluster.k = ["2", "3", "auto"][rng.below(3)].parse().unwrap();
    p.cluster.k_range = "2..4".parse().unwrap();
    use theme_trends::time::Granularity;
    p.trend.granularity = [Granularity::Day, Granularity::Week, Granularity::Month][rng.below(3)];
    p.chart.no_charts = !rng.chance(0.2);
    if rng.chance(0.4) {
        p.trend.facets = vec![["credit", "categories", "tags"][rng.below(3)].to_string()];
    }
    if rng.chance(0.15) {
        p.events.no_events = true;
    }
    p.events.event_min_posts = 2;
    if rng.chance(0.1) {
        p.since = chrono::NaiveDate::from_ymd_opt(2024, 1, 1);
    }
    p
}

/// What went wrong with one archive.
type Finding = String;

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), Finding> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        if rec.len() != header.len() {
            return Err(format!("{}: a row of {} fields", path.display(), rec.len()));
        }
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

fn col(header: &[String], name: &str, file: &str) -> Result<usize, Finding> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("{file} has no column {name}"))
}

/// Checks every output file of `out` parses, and what the oracle asks.
fn check_reports(out: &Path, archive: &hostile::Archive, input: &Path) -> Result<(), Finding> {
    let run: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("run.json")).map_err(|e| format!("run.json: {e}"))?,
    )
    .map_err(|e| format!("run.json: {e}"))?;
    let count = |k: &str| run["counts"][k].as_u64().unwrap_or(u64::MAX);
    let (posts, accepted, rejected, outside) = (
        count("posts"),
        count("accepted"),
        count("rejected"),
        count("outside_window"),
    );
    if posts != accepted + rejected + outside {
        return Err(format!(
            "run.json: posts {posts} != accepted {accepted} + rejected {rejected} + outside {outside}"
        ));
    }
    let (ah, arows) = read_csv(&out.join("assignments.csv"))?;
    let (rh, rrows) = read_csv(&out.join("rejected.csv"))?;
    if arows.len() as u64 != accepted {
        return Err(format!(
            "{} rows in assignments.csv, {accepted} accepted",
            arows.len()
        ));
    }
    if rrows.len() as u64 != rejected {
        return Err(format!(
            "{} rows in rejected.csv, {rejected} rejected",
            rrows.len()
        ));
    }
    // Every post is in one of the two lists, once.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let (ap, rp) = (
        col(&ah, "path", "assignments")?,
        col(&rh, "path", "rejected")?,
    );
    for p in arows
        .iter()
        .map(|r| &r[ap])
        .chain(rrows.iter().map(|r| &r[rp]))
    {
        *seen
            .entry(p.trim_start_matches('\'').to_string())
            .or_default() += 1;
    }
    if let Some((p, n)) = seen.iter().find(|(_, &n)| n > 1) {
        return Err(format!("{p} is listed {n} times"));
    }
    let expected: u64 = match &archive.table {
        Some((_, _, rows)) => *rows as u64,
        None => archive.post_files().len() as u64,
    };
    if posts != expected {
        return Err(format!(
            "run.json counts {posts} posts, the archive has {expected}"
        ));
    }
    if seen.len() as u64 + outside != expected {
        return Err(format!(
            "{} posts listed and {outside} outside the window, of {expected}",
            seen.len()
        ));
    }
    if archive.table.is_none() && outside == 0 {
        for f in archive.post_files() {
            let path = input.join(&f.rel).display().to_string();
            if !seen.contains_key(&path) {
                return Err(format!("{path} is neither analysed nor rejected"));
            }
        }
    }
    // Every other file parses.
    let mut csvs = Vec::new();
    for entry in walkdir::WalkDir::new(out).into_iter().flatten() {
        let p = entry.path();
        if p.components().any(|c| c.as_os_str() == ".cache") {
            continue;
        }
        match p.extension().and_then(|e| e.to_str()) {
            Some("csv") => csvs.push(p.to_path_buf()),
            Some("parquet") => {
                let f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
                use polars::prelude::SerReader;
                polars_io::parquet::read::ParquetReader::new(f)
                    .finish()
                    .map_err(|e| format!("{}: {e}", p.display()))?;
            }
            Some("json") => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| format!("{}: {e}", p.display()))?;
            }
            Some("html") => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                if !text.trim_end().ends_with("</html>") {
                    return Err(format!("{} is cut short", p.display()));
                }
            }
            _ => {}
        }
    }
    for p in &csvs {
        read_csv(p)?;
    }
    // Shares sum to 1 within each period, and within each facet value.
    let sums = |file: &str, keys: &[&str]| -> Result<(), Finding> {
        let path = out.join(file);
        if !path.exists() {
            return Ok(());
        }
        let (h, rows) = read_csv(&path)?;
        let idx: Vec<usize> = keys
            .iter()
            .map(|k| col(&h, k, file))
            .collect::<Result<_, _>>()?;
        let share = col(&h, "share", file)?;
        let mut total: BTreeMap<Vec<String>, f64> = BTreeMap::new();
        for r in &rows {
            let key: Vec<String> = idx.iter().map(|&i| r[i].clone()).collect();
            let s: f64 = r[share]
                .parse()
                .map_err(|_| format!("{file}: share '{}'", r[share]))?;
            *total.entry(key).or_default() += s;
        }
        match total.iter().find(|(_, &s)| (s - 1.0).abs() > 1e-6) {
            Some((k, s)) => Err(format!("{file}: shares of {k:?} sum to {s}")),
            None => Ok(()),
        }
    };
    sums("trends.csv", &["period"])?;
    sums("trends_by_facet.csv", &["facet", "value", "period"])?;
    Ok(())
}

/// Runs archive `seed`; `None` when the oracle holds.
fn try_seed(seed: u64, templates: &[hostile::Template], work: &Path) -> Option<Finding> {
    let archive = hostile::archive(seed, templates);
    let root = work.join(format!("a{seed}"));
    let _ = std::fs::remove_dir_all(&root);
    let input = match archive.write(&root) {
        Ok(i) => i,
        Err(e) => return Some(format!("writing the archive: {e}")),
    };
    let out = root.join("out");
    let params = match params_for(seed).check() {
        Ok(p) => p,
        Err(e) => return Some(format!("the drawn parameters are refused: {e}")),
    };
    let job = Job::new(&input, &out);
    let log = Log::quiet();
    let first = std::panic::catch_unwind(|| theme_trends::run(&job, &params, &log));
    if std::env::var_os("PIPELINE_FUZZ_VERBOSE").is_some() {
        let what = match &first {
            Err(_) => "panic".to_string(),
            Ok(Err(e)) => format!("error: {e}"),
            Ok(Ok(s)) => format!(
                "{} posts, {} analysed, {} themes",
                s.analysis.counts.posts,
                s.analysis.counts.assigned,
                s.analysis.themes.len()
            ),
        };
        eprintln!(
            "seed {seed}: {} files, table {:?}: {what}",
            archive.files.len(),
            archive.table.as_ref().map(|t| t.0)
        );
    }
    let finding = match first {
        Err(p) => Some(format!(
            "panic: {}",
            theme_trends::panics::message(p.as_ref())
        )),
        Ok(Err(Error::NoPosts { .. })) => None,
        Ok(Err(e)) => Some(format!("error: {e}")),
        Ok(Ok(_)) => check_reports(&out, &archive, &input).err().or_else(|| {
            // Again, from the cache: the same reports.
            let keep = |f: &str| std::fs::read(out.join(f)).unwrap_or_default();
            let before: Vec<Vec<u8>> = ["themes.csv", "assignments.csv", "trends.csv"]
                .iter()
                .map(|f| keep(f))
                .collect();
            match std::panic::catch_unwind(|| theme_trends::run(&job, &params, &log)) {
                Err(p) => Some(format!(
                    "panic on the cached re-run: {}",
                    theme_trends::panics::message(p.as_ref())
                )),
                Ok(Err(e)) => Some(format!("error on the cached re-run: {e}")),
                Ok(Ok(_)) => {
                    let after: Vec<Vec<u8>> = ["themes.csv", "assignments.csv", "trends.csv"]
                        .iter()
                        .map(|f| keep(f))
                        .collect();
                    (before != after)
                        .then(|| "the cached re-run wrote other reports".to_string())
                        .or_else(|| check_reports(&out, &archive, &input).err())
                }
            }
        }),
    };
    if finding.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    finding
}

/// The seeds of earlier findings, one per line (`#` comments).
fn regression_seeds() -> Vec<u64> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/pipeline_seeds.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split('#').next())
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[test]
fn hostile_archives_run_end_to_end_and_every_post_is_accounted_for() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = shared_corpus();
    let templates = hostile::templates(repo, shared.as_deref());
    assert!(templates.len() >= 50, "{} templates", templates.len());
    let work = tempfile::tempdir().unwrap();
    let long = std::env::var("PIPELINE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let started = Instant::now();
    let mut failures: Vec<(u64, Finding)> = Vec::new();
    let mut tried = 0u64;
    let mut seeds: BTreeSet<u64> = regression_seeds().into_iter().collect();
    let first_fresh = match long {
        // A long run starts where no earlier run did.
        Some(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1_000_000, |d| d.as_secs() * 1000),
        None => 1,
    };
    let mut next = first_fresh;
    loop {
        let seed = match seeds.pop_first() {
            Some(s) => s,
            None => {
                let done = match long {
                    Some(secs) => started.elapsed() > Duration::from_secs(secs),
                    None => next >= first_fresh + BOUNDED,
                };
                if done {
                    break;
                }
                next += 1;
                next - 1
            }
        };
        tried += 1;
        if let Some(f) = try_seed(seed, &templates, work.path()) {
            eprintln!("FINDING seed {seed}: {f}");
            failures.push((seed, f));
        }
    }
    eprintln!(
        "{tried} archives in {:.0} s, {} findings",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    if !failures.is_empty() {
        // Keep the archives of the findings for a look.
        let keep = std::env::temp_dir().join("pipeline-fuzz-findings");
        let _ = std::fs::remove_dir_all(&keep);
        let _ = std::fs::rename(work.path(), &keep);
        panic!(
            "{} of {tried} archives broke the oracle (archives kept in {}):\n{}",
            failures.len(),
            keep.display(),
            failures
                .iter()
                .map(|(s, f)| format!("seed {s}: {f}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

//! End-to-end run over the real CCTV evening-news archive
//! (`../shared/corpus/xwlb/_posts`, 19,541 posts). Skipped with a message
//! when the shared corpus is absent.

mod common;

use std::collections::{HashMap, HashSet};

use theme_trends::chart::font;
use theme_trends::cluster::KChoice;
use theme_trends::log::Log;
use theme_trends::segment::{is_content_word, SegmentParams, Segmenter};
use theme_trends::time::Granularity;
use theme_trends::{Job, Params};

#[test]
fn the_whole_archive_is_accounted_for_and_reported() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut params = Params::default();
    params.cluster.k = KChoice::Fixed(20);
    params.trend.granularity = Granularity::Month;
    let job = Job::new(&input, out.path());
    let summary = theme_trends::run(&job, &params.check().unwrap(), &Log::quiet()).unwrap();
    let dir = out.path();

    // Every post is either assigned exactly once or rejected with a reason.
    let (h, assigned) = common::read_csv(&dir.join("assignments.csv"));
    assert_eq!(
        h[..6],
        ["doc_id", "path", "date", "title", "theme_id", "score"]
    );
    let (h, rejected) = common::read_csv(&dir.join("rejected.csv"));
    assert_eq!(h, ["path", "reason"]);
    assert_eq!(assigned.len() + rejected.len(), 19_541);
    let assigned_paths: HashSet<&str> = assigned.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        assigned_paths.len(),
        assigned.len(),
        "a post assigned twice"
    );
    let ids: HashSet<usize> = assigned.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(ids.len(), assigned.len());
    for r in &rejected {
        assert!(
            !assigned_paths.contains(r[0].as_str()),
            "{} both assigned and rejected",
            r[0]
        );
        assert!(!r[1].is_empty());
    }
    let files = std::fs::read_dir(&input).unwrap().count();
    assert_eq!(files, 19_541);

    // Themes: 20, sizes add up to the assigned posts, clean top terms.
    let (_, themes) = common::read_csv(&dir.join("themes.csv"));
    assert_eq!(themes.len(), 20);
    let sizes: usize = themes.iter().map(|t| t[2].parse::<usize>().unwrap()).sum();
    assert_eq!(sizes, assigned.len());
    let seg = Segmenter::new(&SegmentParams::default()).unwrap();
    for t in &themes {
        for pair in t[4].split(';') {
            let (term, weight) = pair.rsplit_once(':').unwrap();
            assert!(weight.parse::<f64>().unwrap() > 0.0);
            assert!(
                term.chars().count() >= 2,
                "single character {term} in theme {}",
                t[0]
            );
            assert!(is_content_word(term), "{term} is punctuation or a number");
            assert!(!term.chars().any(|c| c.is_ascii_digit()), "digit in {term}");
            assert!(!seg.is_stopword(term), "stop word {term} in theme {}", t[0]);
        }
    }

    // Trends: counts sum to the assigned posts, shares of a period sum to 1.
    let (h, trends) = common::read_csv(&dir.join("trends.csv"));
    assert_eq!(
        h,
        [
            "period",
            "theme_id",
            "count",
            "share",
            "share_smoothed",
            "partial"
        ]
    );
    // The archive runs from 2022-09-24 to 2026-08-22: only the first and
    // the last month are partial.
    let partial: std::collections::BTreeSet<&str> = trends
        .iter()
        .filter(|r| r[5] == "true")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(
        partial.into_iter().collect::<Vec<_>>(),
        ["2022-09-01", "2026-08-01"]
    );
    let total: usize = trends.iter().map(|r| r[2].parse::<usize>().unwrap()).sum();
    assert_eq!(total, assigned.len());
    let mut per_period: HashMap<&str, f64> = HashMap::new();
    for r in &trends {
        *per_period.entry(r[0].as_str()).or_default() += r[3].parse::<f64>().unwrap();
    }
    assert_eq!(per_period.len(), 48, "Sept 2022 to Aug 2026 is 48 months");
    for (p, s) in per_period {
        assert!((s - 1.0).abs() < 1e-9, "shares of {p} sum to {s}");
    }

    // Charts are real pictures with the Chinese theme labels in them.
    let label0 = summary.analysis.themes[0].label.clone();
    for stem in [
        "theme_share_area",
        "theme_small_multiples",
        "theme_heatmap",
        "theme_top_terms",
    ] {
        common::assert_real_png(&dir.join(format!("charts/{stem}.png")));
        let first_word = label0.split('·').next().unwrap();
        common::assert_real_svg(&dir.join(format!("charts/{stem}.svg")), &[first_word]);
    }
    let svg = std::fs::read_to_string(dir.join("charts/theme_share_area.svg")).unwrap();
    assert!(svg.contains(font::FAMILY), "SVG names the CJK font family");

    // The report files exist and run.json accounts for the posts.
    for f in [
        "assignments.parquet",
        "trends.parquet",
        "index.html",
        "emerging.csv",
        "momentum.csv",
        "theme_terms_by_period.csv",
    ] {
        assert!(dir.join(f).metadata().unwrap().len() > 100, "{f}");
    }
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    let c = &run["counts"];
    assert_eq!(c["posts"], 19_541);
    assert_eq!(
        c["accepted"].as_u64().unwrap() + c["rejected"].as_u64().unwrap(),
        19_541
    );
    assert_eq!(c["assigned"].as_u64().unwrap() as usize, assigned.len());
    for stage in [
        "prepare", "dedup", "scan", "reduce", "cluster", "assign", "trend", "chart",
    ] {
        assert!(run["seconds"][stage].is_number(), "no time for {stage}");
    }
}

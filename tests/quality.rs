//! Theme quality on real corpora with the default settings (skipped when
//! `../shared/corpus` is absent): THUCNews against its labels, and the xwlb
//! archive's events getting their own themes at the right time.

mod common;

use std::collections::{HashMap, HashSet};

use theme_trends::cluster::KChoice;
use theme_trends::log::Log;
use theme_trends::segment::{is_content_word, SegmentParams, Segmenter};
use theme_trends::{Job, Params};

#[test]
fn thucnews_themes_agree_with_the_editors_categories() {
    let Some(tsv) = common::corpus("thucnews/dev.tsv") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut params = Params::default();
    params.cluster.k = KChoice::Fixed(10);
    params.seed = 1;
    params.chart.no_charts = true;
    let job = Job::new(&tsv, out.path());
    let a = theme_trends::run(&job, &params.check().unwrap(), &Log::quiet())
        .unwrap()
        .analysis;
    let s = a.label_scores.expect("the label column is scored");
    assert_eq!(s.n as u64, a.counts.assigned);
    // Seeds 1-5 average NMI 0.86 / ARI 0.80 (benches/quality.sh; seed 1
    // alone 0.875 / 0.826). One seed must still meet the target of
    // docs/quality.md, NMI >= 0.85 and ARI >= 0.75: clearly above the
    // Python peer's NMI of 0.81-0.83, not merely level with it.
    assert!(s.nmi >= 0.85, "NMI {}", s.nmi);
    assert!(s.ari >= 0.75, "ARI {}", s.ari);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("run.json")).unwrap())
            .unwrap();
    assert!(run["evaluation"]["v_measure"].as_f64().unwrap() > 0.0);
}

/// Months in which the theme whose top terms contain all of `words` has its
/// largest shares.
fn peak_months(
    themes: &[Vec<String>],
    trends: &[Vec<String>],
    words: &[&str],
    n: usize,
) -> Vec<String> {
    let theme = themes
        .iter()
        .find(|t| {
            let top: Vec<&str> = t[4]
                .split(';')
                .take(10)
                .map(|p| p.split(':').next().unwrap())
                .collect();
            words.iter().all(|w| top.contains(w))
        })
        .unwrap_or_else(|| panic!("no theme with {words:?} among its top terms"));
    let mut rows: Vec<(&str, f64)> = trends
        .iter()
        .filter(|r| r[1] == theme[0])
        .map(|r| (r[0].as_str(), r[3].parse().unwrap()))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    rows.iter()
        .take(n)
        .map(|(p, _)| p[..7].to_string())
        .collect()
}

#[test]
fn xwlb_events_get_their_own_themes_when_they_happened() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut params = Params::default();
    params.chart.no_charts = true;
    let job = Job::new(&input, out.path());
    theme_trends::run(&job, &params.check().unwrap(), &Log::quiet()).unwrap();
    let (_, themes) = common::read_csv(&out.path().join("themes.csv"));
    let (_, trends) = common::read_csv(&out.path().join("trends.csv"));
    assert!((30..=60).contains(&themes.len()), "{} themes", themes.len());

    // Clean, distinct labels and top terms.
    let seg = Segmenter::new(&SegmentParams::default()).unwrap();
    let labels: HashSet<&str> = themes.iter().map(|t| t[1].as_str()).collect();
    assert_eq!(labels.len(), themes.len(), "two themes share a label");
    for t in &themes {
        for term in t[4]
            .split(';')
            .take(10)
            .map(|p| p.rsplit_once(':').unwrap().0)
        {
            assert!(term.chars().count() >= 2, "single character {term}");
            assert!(
                is_content_word(term) && !term.chars().any(|c| c.is_ascii_digit()),
                "{term}"
            );
            assert!(!seg.is_stopword(term), "stop word {term}");
        }
    }

    // Spring travel peaks in January/February.
    let travel = peak_months(&themes, &trends, &["旅客", "铁路"], 4);
    assert!(
        travel
            .iter()
            .all(|m| m.ends_with("-01") || m.ends_with("-02")),
        "{travel:?}"
    );
    // The Hangzhou Asian Games: September/October 2023 among the top months.
    let games = peak_months(&themes, &trends, &["金牌", "杭州"], 3);
    assert!(
        games.iter().any(|m| m == "2023-09" || m == "2023-10"),
        "{games:?}"
    );
    // The Gaza war: nothing before October 2023 among its top months.
    let gaza = peak_months(&themes, &trends, &["加沙"], 6);
    assert!(gaza.iter().all(|m| m.as_str() >= "2023-10"), "{gaza:?}");
    // The epidemic measures of late 2022.
    let covid = peak_months(&themes, &trends, &["病例", "新冠"], 3);
    assert!(covid.iter().all(|m| m.as_str() <= "2023-01"), "{covid:?}");

    // Bursts a reader of the news would name, newest first.
    let (h, bursts) = common::read_csv(&out.path().join("emerging.csv"));
    assert_eq!(
        h[..7],
        [
            "theme_id",
            "label",
            "start",
            "end",
            "strength",
            "peak_period",
            "peak_share"
        ]
    );
    let starts: Vec<&str> = bursts.iter().map(|b| b[2].as_str()).collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "not newest first");
    let burst_of = |words: &[&str]| -> Vec<&Vec<String>> {
        let ids: Vec<&str> = themes
            .iter()
            .filter(|t| {
                words.iter().all(|w| {
                    t[4].split(';')
                        .take(10)
                        .any(|p| p.starts_with(&format!("{w}:")))
                })
            })
            .map(|t| t[0].as_str())
            .collect();
        bursts
            .iter()
            .filter(|b| ids.contains(&b[0].as_str()))
            .collect()
    };
    let games = burst_of(&["金牌", "杭州"]);
    assert!(
        games
            .iter()
            .any(|b| b[2].as_str() <= "2023-09-01" && b[3].as_str() >= "2023-09-01"),
        "no burst over the Asian Games: {games:?}"
    );
    // The Gaza theme's burst begins with the war, or the month after when
    // October's half-month keeps the theme under three times its long-run
    // share (a war of three years raises that share); the week of the
    // outbreak is asked of the events below.
    let gaza = burst_of(&["加沙"]);
    assert!(
        gaza.iter()
            .any(|b| b[2] == "2023-10-01" || b[2] == "2023-11-01"),
        "no Gaza burst from 2023-10 or 2023-11: {gaza:?}"
    );
    let (h, events) = common::read_csv(&out.path().join("events.csv"));
    assert_eq!(h[4..6], ["start", "end"]);
    assert_eq!(h[13], "top_terms");
    let outbreak: Vec<&Vec<String>> = events
        .iter()
        .filter(|e| e[13].split(';').any(|w| w == "哈马斯" || w == "加沙"))
        .filter(|e| ("2023-10-02".."2023-10-16").contains(&e[4].as_str()))
        .collect();
    assert!(
        !outbreak.is_empty(),
        "no event of the Gaza war's outbreak in its first two weeks"
    );
    let travel = burst_of(&["旅客", "铁路"]);
    for year in ["2023", "2024", "2025", "2026"] {
        assert!(
            travel
                .iter()
                .any(|b| b[2].starts_with(year) || b[3].starts_with(year)),
            "no spring-travel burst in {year}: {travel:?}"
        );
    }

    // k_selection.csv lists what was tried and marks one choice.
    let (h, ks) = common::read_csv(&out.path().join("k_selection.csv"));
    assert_eq!(h[0], "k");
    let chosen: Vec<&Vec<String>> = ks.iter().filter(|r| r[7] == "true").collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0][0].parse::<usize>().unwrap(), themes.len());
    let per_theme: HashMap<&str, usize> = themes
        .iter()
        .map(|t| (t[0].as_str(), t[2].parse().unwrap()))
        .collect();
    assert!(per_theme.values().all(|&n| n > 0));
}

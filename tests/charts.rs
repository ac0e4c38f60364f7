//! The charts say what they must: read from their SVG form, each chart
//! holds its title, a legend or labels naming every theme as `themes.csv`
//! names it (with its share where the legend gives one), and dated axes
//! with the periods of `trends.csv`. A chart that lost its legend, its
//! labels or its dates fails here, not only a blank one.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::read_csv;

/// The texts of an SVG file (`<text …>…</text>`), unescaped.
fn texts(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut rest = svg.as_str();
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let Some(close) = rest.find("</text>") else {
            break;
        };
        let inner = &rest[open_end + 1..close];
        out.push(
            inner
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[close + 7..];
    }
    out
}

fn has(texts: &[String], needle: &str) -> bool {
    texts.iter().any(|t| t.contains(needle))
}

#[test]
fn every_chart_names_the_themes_and_dates_its_axis() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = common::tool(&[
        "run",
        "--input",
        common::demo().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--k",
        "4",
        "-q",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let (h, themes) = read_csv(&out.join("themes.csv"));
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let names: Vec<(String, String, f64)> = themes
        .iter()
        .map(|r| {
            (
                format!("T{} {}", r[col("theme_id")], r[col("label")]),
                r[col("top_terms")]
                    .split(';')
                    .next()
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string(),
                r[col("share")].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(names.len(), 4);
    let (_, trends) = read_csv(&out.join("trends.csv"));
    let months: BTreeSet<String> = trends.iter().map(|r| r[0][..7].to_string()).collect();
    let chart = |stem: &str| texts(&out.join(format!("charts/{stem}.svg")));

    // The stacked shares: a legend of every band with its share, and the
    // months on the time axis.
    let area = chart("theme_share_area");
    assert!(has(&area, "主题 · themes"), "no legend title: {area:?}");
    for (name, _, share) in &names {
        let entry = format!("{name} ({:.1}%)", share * 100.0);
        assert!(has(&area, &entry), "the legend lacks {entry}: {area:?}");
    }
    let dated = months.iter().filter(|m| has(&area, m)).count();
    assert!(
        dated >= 3,
        "only {dated} of the months {months:?} on the axis: {area:?}"
    );

    // One panel per theme, captioned by its name, on dated axes.
    let small = chart("theme_small_multiples");
    for (name, _, _) in &names {
        assert!(has(&small, name), "no panel for {name}");
    }
    assert!(
        months.iter().any(|m| has(&small, m)),
        "the panels carry no dates"
    );

    // The heatmap names each theme's row and dates its columns.
    let heat = chart("theme_heatmap");
    for (name, _, _) in &names {
        assert!(has(&heat, name), "no heatmap row for {name}");
    }
    assert!(months.iter().filter(|m| has(&heat, m)).count() >= 3);

    // The top terms: each theme's strongest word.
    let terms = chart("theme_top_terms");
    for (name, word, _) in &names {
        assert!(has(&terms, word), "{name}'s word {word} is not drawn");
    }

    // Each theme's own chart (a PNG for its section of the page), named
    // by its id.
    for r in &themes {
        let id = &r[col("theme_id")];
        common::assert_real_png(&out.join(format!("charts/themes/theme_{id}.png")));
    }
}

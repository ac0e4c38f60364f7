//! The interactive share chart of `index.html`: the counts of every theme
//! in every period and a bounded sample of their posts, embedded in the
//! page as JSON (`<script type="application/json" id="tt-data">`), drawn
//! by `page.js` (shipped in the binary with `include_str!`, no library, no
//! fetch: the page still opens from disk).
//!
//! The page stays small and fast however long the archive: periods are
//! added up into weeks or months when there are more than
//! [`MAX_PERIODS`] of them or more than [`MAX_CELLS`] (theme, period)
//! cells, and at most [`POST_BUDGET`] posts are embedded in all (at most
//! [`PERIOD_SAMPLE`] per theme and period, the closest to its centre; the
//! rest are counted as "N more", to be found in assignments.csv). Assumes
//! the trend matrix and the samples of the same analysis.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::aggregate::PERIOD_SAMPLE;
use crate::analysis::{Analysis, SampledPost, Trends};
use crate::look::palette::theme_css;
use crate::look::period_label;
use crate::time::Granularity;

/// The script that draws the chart.
pub const SCRIPT: &str = include_str!("page.js");

/// Periods drawn at most before they are added up into longer ones.
pub const MAX_PERIODS: usize = 400;
/// (theme, period) cells drawn at most before periods are added up.
pub const MAX_CELLS: usize = 12_000;
/// Posts embedded in the page at most.
pub const POST_BUDGET: usize = 15_000;

/// The period the chart draws: the report's, or a longer one when there
/// are too many.
pub fn display_unit(g: Granularity, periods: &[NaiveDate], themes: usize) -> Granularity {
    let units: &[Granularity] = match g {
        Granularity::Day => &[Granularity::Day, Granularity::Week, Granularity::Month],
        Granularity::Week => &[Granularity::Week, Granularity::Month],
        Granularity::Month => &[Granularity::Month],
    };
    for &u in units {
        let mut n = 0;
        let mut last = None;
        for &p in periods {
            let start = u.period_start(p);
            if last != Some(start) {
                n += 1;
                last = Some(start);
            }
        }
        if n <= MAX_PERIODS && n * themes.max(1) <= MAX_CELLS {
            return u;
        }
    }
    Granularity::Month
}

/// The chart's section: the filter box, the chart, its tooltip and the
/// list of posts a click fills.
pub fn section(unit: Granularity, g: Granularity) -> String {
    let note = if unit != g {
        format!(
            " Periods are added up by {} here (the report's are by {}; see trends.csv).",
            unit.name(),
            g.name()
        )
    } else {
        String::new()
    };
    format!(
        "<h2 id=\"over-time\">主题份额 · Theme share over time</h2>\n\
<p><label for=\"tt-filter\">筛选 · Filter themes: </label><input id=\"tt-filter\" type=\"search\" placeholder=\"a word of a label or top terms\" size=\"30\"> <span id=\"tt-shown\" class=\"muted\"></span></p>\n\
<p class=\"muted\">Hover over a band for its period, theme, share and posts; click it to list the theme's posts of that period.{note} The filter also applies to the themes table below.</p>\n\
<div id=\"tt-chart\"><noscript>The interactive chart needs JavaScript; the charts below are images.</noscript></div>\n\
<div id=\"tt-tooltip\" role=\"status\" hidden></div>\n\
<div id=\"tt-posts\"></div>\n"
    )
}

/// The embedded data and the script, for the end of the page.
pub fn data_and_script(
    out: &Path,
    a: &Analysis,
    trends: &Trends,
    unit: Granularity,
    href: impl Fn(&str) -> Option<String>,
) -> String {
    let m = &trends.matrix;
    // Buckets: the display periods, each the union of report periods.
    let mut buckets: Vec<NaiveDate> = Vec::new();
    let bucket_of: Vec<usize> = m
        .periods
        .iter()
        .map(|&p| {
            let start = unit.period_start(p);
            if buckets.last() != Some(&start) {
                buckets.push(start);
            }
            buckets.len() - 1
        })
        .collect();
    let nb = buckets.len();
    let mut totals = vec![0u64; nb];
    let counts: Vec<Vec<u64>> = m
        .count
        .iter()
        .map(|row| {
            let mut c = vec![0u64; nb];
            for (p, &n) in row.iter().enumerate() {
                c[bucket_of[p]] += n as u64;
            }
            c
        })
        .collect();
    for row in &counts {
        for (b, &n) in row.iter().enumerate() {
            totals[b] += n;
        }
    }
    // Samples per (theme, bucket), closest first, within the budget.
    let mut cells: HashMap<(usize, usize), Vec<&SampledPost>> = HashMap::new();
    for s in &trends.samples {
        cells
            .entry((s.theme.get(), bucket_of[s.period]))
            .or_default()
            .extend(s.posts.iter());
    }
    let cap = (POST_BUDGET / cells.len().max(1)).clamp(1, PERIOD_SAMPLE);
    let mut keys: Vec<(usize, usize)> = cells.keys().copied().collect();
    keys.sort_unstable();
    let mut posts = Vec::with_capacity(keys.len());
    let mut hrefs: Vec<String> = Vec::new();
    for key in keys {
        let list = cells.get_mut(&key).expect("key of cells");
        list.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then(x.post.path.cmp(&y.post.path))
        });
        list.truncate(cap);
        let rows: Vec<Value> = list
            .iter()
            .map(|s| {
                let link = href(&s.post.path);
                // Without a link (a table row), the path is shown instead.
                let shown_path = if link.is_none() {
                    s.post.path.as_str()
                } else {
                    ""
                };
                let link = link.unwrap_or_default();
                hrefs.push(link.clone());
                let title = if s.post.title.is_empty() {
                    &s.post.path
                } else {
                    &s.post.title
                };
                json!([
                    title,
                    s.date
                        .map_or(String::new(), |d| d.format("%Y-%m-%d").to_string()),
                    link,
                    shown_path
                ])
            })
            .collect();
        let (t, b) = key;
        let more = counts[t][b].saturating_sub(rows.len() as u64);
        posts.push(json!([t, b, more, rows]));
    }
    // The folder every link starts with, written once.
    let prefix = common_folder(hrefs.iter().filter(|h| !h.is_empty()));
    if !prefix.is_empty() {
        for p in &mut posts {
            if let Some(rows) = p.get_mut(3).and_then(Value::as_array_mut) {
                for r in rows {
                    if let Some(Value::String(h)) = r.get_mut(2) {
                        if let Some(rest) = h.strip_prefix(prefix.as_str()) {
                            *h = rest.to_string();
                        }
                    }
                }
            }
        }
    }
    let themes: Vec<Value> = a
        .themes
        .iter()
        .enumerate()
        .map(|(t, th)| {
            json!({
                "id": th.id,
                "label": th.label,
                "terms": th.top_terms.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(),
                "color": theme_css(th.id as usize),
                "counts": counts[t],
            })
        })
        .collect();
    let data = json!({
        "unit": unit.name(),
        "periods": buckets.iter().map(|&d| period_label(d, unit)).collect::<Vec<_>>(),
        "totals": totals,
        "themes": themes,
        "posts": posts,
        "prefix": prefix,
        "assignments": out.join("assignments.csv").exists().then_some("assignments.csv"),
    });
    // `<` only occurs inside JSON strings, where `\u003c` means the same:
    // no text of a post can close the script element.
    let text = data.to_string().replace('<', "\\u003c");
    format!(
        "<script type=\"application/json\" id=\"tt-data\">{text}</script>\n<script>\n{SCRIPT}</script>\n"
    )
}

/// The longest folder prefix (ending in `/`) shared by all `links`.
fn common_folder<'a>(mut links: impl Iterator<Item = &'a String>) -> String {
    let Some(first) = links.next() else {
        return String::new();
    };
    let mut len = first.rfind('/').map_or(0, |i| i + 1);
    for l in links {
        while len > 0 && !(l.len() >= len && l.as_bytes()[..len] == first.as_bytes()[..len]) {
            len = first[..len - 1].rfind('/').map_or(0, |i| i + 1);
        }
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_archives_are_drawn_by_longer_periods() {
        let day0 = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let days: Vec<NaiveDate> = (0..1500)
            .map(|i| day0 + chrono::Duration::days(i))
            .collect();
        assert_eq!(
            display_unit(Granularity::Day, &days[..300], 20),
            Granularity::Day
        );
        assert_eq!(display_unit(Granularity::Day, &days, 20), Granularity::Week);
        assert_eq!(
            display_unit(Granularity::Day, &days, 200),
            Granularity::Month
        );
        let months: Vec<NaiveDate> = (0..48)
            .map(|i| day0.checked_add_months(chrono::Months::new(i)).unwrap())
            .collect();
        assert_eq!(
            display_unit(Granularity::Month, &months, 45),
            Granularity::Month
        );
    }

    #[test]
    fn links_share_their_folder_once() {
        let l = ["../a/_posts/x.md", "../a/_posts/y.md"].map(String::from);
        assert_eq!(common_folder(l.iter()), "../a/_posts/");
        let l = ["../a/_posts/x.md", "../a/other/y.md"].map(String::from);
        assert_eq!(common_folder(l.iter()), "../a/");
        let l = ["x.md", "../a/y.md"].map(String::from);
        assert_eq!(common_folder(l.iter()), "");
    }
}

//! The interactive charts of `index.html`, drawn in the page by Apache
//! ECharts: the theme shares over time (a stacked area with a zoom slider,
//! the legend, a tooltip, the events as pins and "save as image"), each
//! theme's small chart and the facet charts.
//!
//! ECharts (`data/echarts/echarts.min.js`, fetched from the npm registry by
//! `data/echarts/fetch.sh`) and the page's own script (`page.js`) are in
//! the binary (`include_str!`) and inlined into the page with the data:
//! the page stays one file that opens from disk and fetches nothing.
//!
//! The data are embedded as JSON (`<script type="application/json"
//! id="tt-data">`, every `<`, `>` and `&` written as a `\u` escape, so that
//! no text of a post can end the element). What is embedded:
//! - the posts of each theme on each day of the time axis ([`DailyCounts`],
//!   counted from the assignment results whatever `--granularity`): the
//!   page adds them up into days, weeks or months itself. When the days
//!   would take more than [`DATA_BUDGET`] bytes, weeks are embedded, then
//!   months, and the page says so;
//! - a sample of posts for the click lists: at most [`POST_BUDGET`] in all
//!   and [`PERIOD_SAMPLE`] per theme and period, the closest to the theme's
//!   centre (the sample `assign` keeps while it streams);
//! - the super-themes (the bands when more than twelve themes are shown),
//!   the bursts, the events with their representative posts, and each
//!   facet's largest values by report period.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::aggregate::PERIOD_SAMPLE;
use crate::analysis::{Analysis, SampledPost, Trends};
use crate::cluster::group::MAX_BANDS;
use crate::look::html_escape as esc;
use crate::look::palette::theme_css;
use crate::results::Assigned;
use crate::time::{epoch_days, Granularity, TimeAxis};

/// Apache ECharts, the full minified build (`data/echarts/README.md`).
pub const ECHARTS: &str = include_str!("../../data/echarts/echarts.min.js");

/// The page's script: reads the data and draws the charts with ECharts.
pub const SCRIPT: &str = include_str!("page.js");

/// Bytes the embedded counts take at most: above it the page embeds
/// longer periods (weeks, then months).
pub const DATA_BUDGET: usize = 2_000_000;

/// Posts embedded in the page at most.
pub const POST_BUDGET: usize = 15_000;

/// Themes drawn in a facet value's panel; the others are one grey band
/// (as in the facet PNG).
const FACET_THEMES: usize = 6;

/// Values of a facet drawn as panels (as in the facet PNG).
const FACET_PANELS: usize = 6;

/// The periods from the shortest: what the page can add days up into.
const UNITS: [Granularity; 3] = [Granularity::Day, Granularity::Week, Granularity::Month];

/// The place of `g` among [`UNITS`]: longer periods are larger.
fn rank(g: Granularity) -> usize {
    match g {
        Granularity::Day => 0,
        Granularity::Week => 1,
        Granularity::Month => 2,
    }
}

/// Posts of each theme on each day of the time axis, from the first day
/// of its first report period to the last day of its last.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyCounts {
    /// The first day.
    pub first: NaiveDate,
    /// `counts[theme][day]`, days from `first`.
    pub counts: Vec<Vec<u32>>,
}

/// [`DailyCounts`] counted month by month, as a pass over the results
/// that also does other work reads them (memory: themes × days of the
/// axis). Posts without a date or off the axis are left out, as in the
/// trends.
pub struct DailyCounter<'a> {
    axis: &'a TimeAxis,
    g: Granularity,
    first_day: i32,
    counts: DailyCounts,
}

impl<'a> DailyCounter<'a> {
    /// No posts counted yet, for `themes` themes over `axis`.
    pub fn new(themes: usize, axis: &'a TimeAxis, g: Granularity) -> Self {
        let first = axis.first_period;
        let end = g.next_start(axis.last_period);
        let days = (end - first).num_days().max(0) as usize;
        DailyCounter {
            axis,
            g,
            first_day: epoch_days(first),
            counts: DailyCounts {
                first,
                counts: vec![vec![0u32; days]; themes],
            },
        }
    }

    /// Counts the analysed posts of one month's results.
    pub fn add(&mut self, a: &Assigned) {
        for r in &a.rows {
            let Some(day) = r.date else { continue };
            if !self.axis.holds_day(day, self.g) {
                continue;
            }
            let Ok(i) = usize::try_from(day.0 - self.first_day) else {
                continue;
            };
            if let Some(c) = self
                .counts
                .counts
                .get_mut(r.theme.get())
                .and_then(|row| row.get_mut(i))
            {
                *c += 1;
            }
        }
    }

    /// The counts.
    pub fn finish(self) -> DailyCounts {
        self.counts
    }
}

impl DailyCounts {
    /// The counts added up into periods of `unit`: the first period's
    /// first day and `[theme][period]`, every period from the first to the
    /// last (those without posts included).
    pub fn by(&self, unit: Granularity) -> (NaiveDate, Vec<Vec<u32>>) {
        let days = self.counts.first().map_or(0, Vec::len);
        let mut starts: Vec<NaiveDate> = Vec::new();
        let mut bucket = Vec::with_capacity(days);
        let mut day = self.first;
        for _ in 0..days {
            let s = unit.period_start(day);
            if starts.last() != Some(&s) {
                starts.push(s);
            }
            bucket.push(starts.len() - 1);
            day = day.succ_opt().unwrap_or(day);
        }
        let counts = self
            .counts
            .iter()
            .map(|row| {
                let mut c = vec![0u32; starts.len()];
                for (i, &n) in row.iter().enumerate() {
                    c[bucket[i]] += n;
                }
                c
            })
            .collect();
        let first = starts
            .first()
            .copied()
            .unwrap_or_else(|| unit.period_start(self.first));
        (first, counts)
    }
}

/// A series of counts written short: a count as itself, a run of `n ≥ 2`
/// zeros as `-n` (`page.js` reads it back).
fn run_length(xs: &[u32]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut zeros = 0i64;
    for &x in xs {
        if x == 0 {
            zeros += 1;
            continue;
        }
        match zeros {
            0 => {}
            1 => out.push(0),
            n => out.push(-n),
        }
        zeros = 0;
        out.push(x as i64);
    }
    match zeros {
        0 => {}
        1 => out.push(0),
        n => out.push(-n),
    }
    out
}

/// The counts at one period length, encoded for the page.
struct Embedded {
    unit: Granularity,
    first: NaiveDate,
    periods: usize,
    counts: Vec<Vec<i64>>,
    bytes: usize,
}

fn embed(daily: &DailyCounts, unit: Granularity) -> Embedded {
    let (first, counts) = daily.by(unit);
    let periods = counts.first().map_or(0, Vec::len);
    let counts: Vec<Vec<i64>> = counts.iter().map(|c| run_length(c)).collect();
    let bytes = serde_json::to_string(&counts).map_or(usize::MAX, |s| s.len());
    Embedded {
        unit,
        first,
        periods,
        counts,
        bytes,
    }
}

/// The shortest period whose counts fit in `budget` bytes (months when
/// none does), and the size of each shorter one left out.
fn fitting(daily: &DailyCounts, budget: usize) -> (Embedded, Vec<(Granularity, usize)>) {
    let mut left_out = Vec::new();
    for unit in [Granularity::Day, Granularity::Week] {
        let e = embed(daily, unit);
        if e.bytes <= budget {
            return (e, left_out);
        }
        left_out.push((unit, e.bytes));
    }
    (embed(daily, Granularity::Month), left_out)
}

/// Which sampled posts are embedded: `(theme, post)` closest first within
/// each theme, at most [`PERIOD_SAMPLE`] per theme and period and
/// [`POST_BUDGET`] in all. The periods the budget is shared over are the
/// report's, or longer ones when the report's have more cells (theme,
/// period) than the budget has posts. Returns the posts and the period.
fn choose_posts(
    trends: &Trends,
    g: Granularity,
    budget: usize,
) -> (Vec<(usize, &SampledPost)>, Granularity) {
    let periods = &trends.matrix.periods;
    let units: Vec<Granularity> = UNITS.into_iter().filter(|&u| rank(u) >= rank(g)).collect();
    let mut chosen = Vec::new();
    let mut cell_unit = Granularity::Month;
    for &u in &units {
        let mut cells: HashMap<(usize, NaiveDate), Vec<&SampledPost>> = HashMap::new();
        for s in &trends.samples {
            let Some(p) = periods.get(s.period) else {
                continue;
            };
            cells
                .entry((s.theme.get(), u.period_start(*p)))
                .or_default()
                .extend(s.posts.iter());
        }
        if cells.len() > budget && u != Granularity::Month {
            continue;
        }
        let cap = (budget / cells.len().max(1)).clamp(1, PERIOD_SAMPLE);
        for ((t, _), mut list) in cells {
            list.sort_by(|x, y| {
                y.score
                    .total_cmp(&x.score)
                    .then(x.post.path.cmp(&y.post.path))
            });
            chosen.extend(list.into_iter().take(cap).map(|p| (t, p)));
        }
        cell_unit = u;
        break;
    }
    chosen.sort_by(|(ta, a), (tb, b)| {
        ta.cmp(tb)
            .then(b.score.total_cmp(&a.score))
            .then(a.post.path.cmp(&b.post.path))
    });
    (chosen, cell_unit)
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

/// JSON text that can stand inside a `<script>` element: `<`, `>` and `&`
/// (which only occur inside JSON strings, where the `\u` escapes mean the
/// same), and the line separators JavaScript once read as line ends, as
/// `\u` escapes.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// A post as the page lists it: title (the path when it has none), link
/// (relative to the page, empty for a table row) and, without a link, the
/// path shown instead.
fn post_fields(
    title: &str,
    path: &str,
    href: &impl Fn(&str) -> Option<String>,
) -> (String, String, String) {
    let link = href(path);
    let shown = if link.is_none() { path } else { "" };
    let title = if title.is_empty() { path } else { title };
    (
        title.to_string(),
        link.unwrap_or_default(),
        shown.to_string(),
    )
}

/// The page's interactive charts: their data and what the page says about
/// them.
pub struct Page {
    /// The data, as JSON text safe inside a `<script>` element.
    json: String,
    /// The report's period.
    g: Granularity,
    /// The period of the embedded counts.
    base: Granularity,
    /// Shorter periods left out, with the bytes their counts would take.
    left_out: Vec<(Granularity, usize)>,
    /// Posts embedded, and the period over which the budget was shared.
    posts: (usize, Granularity),
    /// Themes, and whether the chart draws super-themes.
    themes: usize,
}

impl Page {
    /// The data of the charts of `a`: counts from `daily`, links to posts
    /// made by `href` (a post's path → a link relative to the page, `None`
    /// when it has no file). `smooth` is `--smooth`.
    pub fn new(
        out: &Path,
        a: &Analysis,
        trends: &Trends,
        daily: &DailyCounts,
        g: Granularity,
        smooth: usize,
        href: impl Fn(&str) -> Option<String>,
    ) -> Page {
        let (embedded, left_out) = fitting(daily, DATA_BUDGET);
        let shown_unit = if rank(embedded.unit) <= rank(g) {
            g
        } else {
            embedded.unit
        };
        let day = |d: NaiveDate| epoch_days(d);
        // Posts for the click lists, with their links.
        let (chosen, cell_unit) = choose_posts(trends, g, POST_BUDGET);
        let mut posts: Vec<Value> = Vec::with_capacity(chosen.len());
        let mut links: Vec<String> = Vec::new();
        for (t, s) in &chosen {
            let (title, link, shown) = post_fields(&s.post.title, &s.post.path, &href);
            let date = s
                .date
                .or_else(|| trends.matrix.periods.first().copied())
                .map_or(0, day);
            if !link.is_empty() {
                links.push(link.clone());
            }
            posts.push(json!([t, date, title, link, shown]));
        }
        let events: Vec<Value> = a
            .happenings
            .events
            .iter()
            .map(|e| {
                let reps: Vec<Value> = e
                    .representatives
                    .iter()
                    .map(|p| {
                        let (title, link, shown) = post_fields(&p.title, &p.path, &href);
                        if !link.is_empty() {
                            links.push(link.clone());
                        }
                        json!([title, link, shown])
                    })
                    .collect();
                json!({
                    "id": e.id,
                    "label": e.label,
                    "start": day(e.start),
                    "end": day(e.end),
                    "peak": day(e.peak),
                    "posts": e.posts,
                    "theme": e.theme.map(|t| t.get()),
                    "score": (e.score * 1000.0).round() / 1000.0,
                    "reps": reps,
                })
            })
            .collect();
        // The folder every link starts with, written once.
        let prefix = common_folder(links.iter());
        let strip = |v: &mut Value, at: usize| {
            if let Some(Value::String(h)) = v.get_mut(at) {
                if let Some(rest) = h.strip_prefix(prefix.as_str()) {
                    *h = rest.to_string();
                }
            }
        };
        if !prefix.is_empty() {
            for p in &mut posts {
                strip(p, 3);
            }
        }
        let mut events = events;
        if !prefix.is_empty() {
            for e in &mut events {
                if let Some(reps) = e.get_mut("reps").and_then(Value::as_array_mut) {
                    for r in reps {
                        strip(r, 1);
                    }
                }
            }
        }
        let themes: Vec<Value> = a
            .themes
            .iter()
            .zip(&embedded.counts)
            .map(|(th, counts)| {
                json!({
                    "id": th.id,
                    "label": th.label,
                    "terms": th.top_terms.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(),
                    "color": theme_css(th.id as usize),
                    "counts": counts,
                })
            })
            .collect();
        let groups: Vec<Value> = a
            .groups
            .iter()
            .map(|gr| {
                json!({
                    "other": gr.id.is_none(),
                    "color": gr.id.map_or("#aaaaaa".to_string(), |id| theme_css(id as usize)),
                    "themes": gr.themes,
                })
            })
            .collect();
        let bursts: Vec<Value> = trends
            .bursts
            .iter()
            .map(|b| {
                let end = g.next_start(b.end).pred_opt().unwrap_or(b.end);
                json!([b.theme.get(), day(b.start), day(end)])
            })
            .collect();
        let facets: Vec<Value> = trends
            .facets
            .iter()
            .map(|f| {
                let values: Vec<Value> = f
                    .values
                    .iter()
                    .take(FACET_PANELS)
                    .map(|v| {
                        let mut top: Vec<usize> = (0..v.theme_posts.len())
                            .filter(|&t| v.theme_posts[t] > 0)
                            .collect();
                        top.sort_by(|&x, &y| {
                            v.theme_posts[y].cmp(&v.theme_posts[x]).then(x.cmp(&y))
                        });
                        top.truncate(FACET_THEMES);
                        let counts: Vec<Vec<i64>> = top
                            .iter()
                            .map(|&t| run_length(v.counts.get(t).map_or(&[][..], Vec::as_slice)))
                            .collect();
                        json!({
                            "value": v.value,
                            "posts": v.posts,
                            "themes": top,
                            "counts": counts,
                            "totals": run_length(&v.totals),
                        })
                    })
                    .collect();
                json!({ "facet": f.facet, "distinct": f.distinct, "values": values })
            })
            .collect();
        let span = a
            .axis
            .as_ref()
            .map_or((0, 0), |x| (day(x.span.0), day(x.span.1)));
        let data = json!({
            "g": g.name(),
            "unit": shown_unit.name(),
            "base": embedded.unit.name(),
            "first": day(embedded.first),
            "n": embedded.periods,
            "span": [span.0, span.1],
            "smooth": smooth,
            "maxBands": MAX_BANDS,
            "periodSample": PERIOD_SAMPLE,
            "themes": themes,
            "groups": groups,
            "posts": posts,
            "events": events,
            "bursts": bursts,
            "periods": trends.matrix.periods.iter().map(|&d| day(d)).collect::<Vec<_>>(),
            "facets": facets,
            "prefix": prefix,
            "assignments": out.join("assignments.csv").exists().then_some("assignments.csv"),
        });
        Page {
            json: script_safe(&data.to_string()),
            g,
            base: embedded.unit,
            left_out,
            posts: (chosen.len(), cell_unit),
            themes: a.themes.len(),
        }
    }

    /// The chart's section: the filter box, the period and share/posts
    /// switches, what the chart shows, the chart and the list a click
    /// fills.
    pub fn section(&self) -> String {
        let mut note = String::new();
        if !self.left_out.is_empty() {
            let sizes: Vec<String> = self
                .left_out
                .iter()
                .map(|(u, b)| format!("by {} {:.1} MB", u.name(), *b as f64 / 1e6))
                .collect();
            let _ = write!(
                note,
                " 按{}嵌入 · The page holds the counts by {}, the shortest period within its {:.0} MB bound ({}).",
                zh(self.base),
                self.base.name(),
                DATA_BUDGET as f64 / 1e6,
                sizes.join(", ")
            );
            if rank(self.base) > rank(self.g) {
                let _ = write!(
                    note,
                    " The report's periods are {}s: see trends.csv.",
                    self.g.name()
                );
            }
        }
        if self.themes > MAX_BANDS {
            let _ = write!(
                note,
                " With more than {MAX_BANDS} themes shown the bands are super-themes (related themes together, as in the stacked PNG); the filter box shows themes one by one once {MAX_BANDS} or fewer are left."
            );
        }
        let _ = write!(
            note,
            " Click lists come from {} sampled posts (the closest to each theme's centre, at most {PERIOD_SAMPLE} per theme and {}).",
            self.posts.0,
            self.posts.1.name()
        );
        let mut buttons = String::new();
        for u in UNITS {
            let disabled = if rank(u) < rank(self.base) {
                format!(
                    " disabled title=\"not embedded: above the page's {:.0} MB bound\"",
                    DATA_BUDGET as f64 / 1e6
                )
            } else {
                String::new()
            };
            let _ = write!(
                buttons,
                "<button type=\"button\" data-unit=\"{}\"{disabled}>{} · {}</button>",
                u.name(),
                zh(u),
                u.name()
            );
        }
        format!(
            "<h2 id=\"over-time\">主题份额 · Theme share over time</h2>\n\
<p><label for=\"tt-filter\">筛选 · Filter themes: </label><input id=\"tt-filter\" type=\"search\" placeholder=\"a word of a label or top terms\" size=\"30\"> <span id=\"tt-shown\" class=\"muted\"></span></p>\n\
<p class=\"tt-controls\"><span class=\"muted\">周期 · Period:</span> <span id=\"tt-units\">{buttons}</span> <span class=\"muted\">显示 · Show:</span> <span id=\"tt-modes\"><button type=\"button\" data-mode=\"share\">份额 · share</button><button type=\"button\" data-mode=\"count\">篇数 · posts</button></span></p>\n\
<p class=\"muted\">Hover for each band's share and posts of the period (share = the band's posts / all posts of the period); click a band to list its posts of that period, a pin (E…) for an event's posts. Legend: click hides a band, double-click shows it alone. Drag the slider below the chart (or scroll over it) to zoom. The camera icon saves the chart as an image.{}</p>\n\
<div id=\"tt-chart\" class=\"tt-main\"><noscript>The interactive chart needs JavaScript; the charts below are images.</noscript></div>\n\
<div id=\"tt-posts\"></div>\n",
            esc(&note)
        )
    }

    /// The place of a theme's small chart in its section (`t`: the theme's
    /// index), with its PNG for a page without scripts.
    pub fn theme_chart(t: usize, id: u32, png: bool) -> String {
        let img = if png {
            format!(
                "<noscript><img src=\"charts/themes/theme_{id}.png\" alt=\"T{id} share over time\" loading=\"lazy\"></noscript>"
            )
        } else {
            String::new()
        };
        let link = if png {
            format!(" <a class=\"muted\" href=\"charts/themes/theme_{id}.png\">PNG</a>")
        } else {
            String::new()
        };
        format!("<div class=\"tt-small\" data-theme=\"{t}\">{img}</div>{link}\n")
    }

    /// The place of facet `f`'s chart in its section.
    pub fn facet_chart(f: usize) -> String {
        format!("<div class=\"tt-facet\" data-facet=\"{f}\"></div>\n")
    }

    /// The embedded data, ECharts and the page's script, for the end of the
    /// page.
    pub fn script(&self) -> String {
        format!(
            "<script type=\"application/json\" id=\"tt-data\">{}</script>\n<script>\n{ECHARTS}\n</script>\n<script>\n{SCRIPT}</script>\n",
            self.json
        )
    }
}

/// The Chinese name of a period.
fn zh(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "日",
        Granularity::Week => "周",
        Granularity::Month => "月",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_add_up_into_weeks_and_months() {
        // 2024-02-26 is a Monday; 10 days to 2024-03-06.
        let d = DailyCounts {
            first: day("2024-02-26"),
            counts: vec![vec![1, 0, 0, 2, 0, 0, 0, 3, 0, 4], vec![0; 10]],
        };
        let (first, weeks) = d.by(Granularity::Week);
        assert_eq!(first, day("2024-02-26"));
        assert_eq!(weeks, vec![vec![3, 7], vec![0, 0]]);
        let (first, months) = d.by(Granularity::Month);
        assert_eq!(first, day("2024-02-01"));
        assert_eq!(months, vec![vec![3, 7], vec![0, 0]]);
        let (_, days) = d.by(Granularity::Day);
        assert_eq!(days, d.counts);
    }

    #[test]
    fn zeros_are_written_as_runs() {
        assert_eq!(run_length(&[0, 0, 0, 5, 0, 2, 0, 0]), vec![-3, 5, 0, 2, -2]);
        assert_eq!(run_length(&[1, 2]), vec![1, 2]);
        assert_eq!(run_length(&[0]), vec![0]);
        assert!(run_length(&[]).is_empty());
    }

    #[test]
    fn the_shortest_period_that_fits_the_budget_is_embedded() {
        // 2,000 days of one theme with a post every day: "1," per day.
        let d = DailyCounts {
            first: day("2020-01-01"),
            counts: vec![vec![1; 2000]],
        };
        let (e, left) = fitting(&d, 100_000);
        assert_eq!(e.unit, Granularity::Day);
        assert!(left.is_empty());
        let (e, left) = fitting(&d, 3_000);
        assert_eq!(e.unit, Granularity::Week);
        assert_eq!(left.len(), 1);
        assert!(left[0].1 > 3_000, "{left:?}");
        let (e, left) = fitting(&d, 10);
        assert_eq!(e.unit, Granularity::Month, "months when nothing fits");
        assert_eq!(left.len(), 2);
    }

    #[test]
    fn no_text_can_end_the_script_element() {
        let v = json!({"t": "</script><script>alert(1)</script>&<!--\u{2028}"});
        let s = script_safe(&v.to_string());
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn a_page_above_the_bound_offers_the_shortest_period_that_fits_and_says_so() {
        let page = Page {
            json: String::new(),
            g: Granularity::Day,
            base: Granularity::Week,
            left_out: vec![(Granularity::Day, 2_600_000)],
            posts: (100, Granularity::Month),
            themes: 3,
        };
        let h = page.section();
        let button = |u: &str| {
            let at = h.find(&format!("data-unit=\"{u}\"")).unwrap();
            h[at..at + h[at..].find('>').unwrap()].to_string()
        };
        assert!(button("day").contains(" disabled"), "{h}");
        assert!(!button("week").contains(" disabled"), "{h}");
        assert!(!button("month").contains(" disabled"), "{h}");
        assert!(
            h.contains("The page holds the counts by week, the shortest period within its 2 MB bound (by day 2.6 MB)."),
            "{h}"
        );
        assert!(
            h.contains("The report&#39;s periods are days: see trends.csv."),
            "{h}"
        );
        let fits = Page {
            base: Granularity::Day,
            left_out: Vec::new(),
            ..page
        };
        let h = fits.section();
        assert!(!h.contains(" disabled"), "{h}");
        assert!(!h.contains("bound"), "{h}");
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

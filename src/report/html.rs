//! `index.html`: the page the analyst opens each morning.
//!
//! A static file that opens from disk and fetches nothing from the network:
//! styles and scripts are inline, charts are the PNG files beside it
//! (each linked to its SVG), sparklines are inline SVG, and the
//! interactive charts (the share chart, each theme's chart, the facet
//! charts) are drawn by ECharts, inlined, from data embedded in the page
//! ([`super::interactive`]). Order: a summary line, the rising themes
//! (bursts, newest first, and the largest recent gains in share), the
//! interactive chart with its filter box, the themes table, all charts,
//! then one section per theme with its chart,
//! words (overall and in the latest period) and representative posts
//! linked to their files. Every text that comes from posts is escaped.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::look::html_escape as esc;
use std::collections::HashMap;
use std::io::Write as _;

use crate::analysis::Theme;
use crate::analysis::{Analysis, Event, RisingTerm, Trends};
use crate::error::{Error, Result};
use crate::look::palette::theme_css;
use crate::look::period_label;
use crate::results::Assigned;
use crate::time::Granularity;
use crate::trend::TrendParams;

use super::interactive::{DailyCounts, Page};

/// Bursts listed in the "rising" table.
const MAX_BURSTS: usize = 15;
/// Themes listed as gaining share.
const MAX_GAINERS: usize = 5;

pub(super) const STYLE: &str = "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:2em auto;color:#222;max-width:1600px;padding:0 1em}
table{border-collapse:collapse;margin:0.6em 0 1.4em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right;white-space:nowrap}.sw{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle;border-radius:2px}
img{max-width:100%;border:1px solid #ddd;margin:0.4em 0}.summary{font-size:1.1em;background:#f7f7f7;padding:0.6em 1em;border-left:4px solid #1f77b4}
.badge{background:#d62728;color:#fff;border-radius:3px;padding:0 5px;font-size:0.85em}.muted{color:#777}section.theme{border-top:1px solid #ddd;margin-top:1.5em}
ol.titles li{margin:0.2em 0}#tt-chart svg{width:100%;height:auto;max-width:1200px;display:block}
.tt-main{height:560px;max-width:1400px}.tt-small{height:240px;max-width:1100px}.tt-facet{height:560px;max-width:1400px}
.tt-controls button{font:inherit;font-size:0.9em;margin-right:2px;padding:2px 8px;border:1px solid #bbb;background:#f6f6f6;border-radius:3px;cursor:pointer}
.tt-controls button[aria-pressed=true]{background:#1f77b4;border-color:#1f77b4;color:#fff}.tt-controls button:disabled{color:#aaa;cursor:default}
.tt-tip .tt-row{white-space:nowrap}.tt-tip .tt-hit{font-weight:bold}.tt-tip .tt-sw{display:inline-block;width:9px;height:9px;margin-right:5px;border-radius:2px}
#tt-posts{background:#fafafa;border-left:4px solid #999;padding:0 1em;margin:0.6em 0}#tt-posts:empty{display:none}
ol.events>li{margin:0.5em 0}ol.events ul.titles{margin:0.2em 0;font-size:0.92em}svg.spark{vertical-align:middle;margin-left:8px}.badge.partial{background:#888}";

/// A path written relative to `from` (a folder) when both share a root,
/// for links that survive moving the two together.
fn relative_to(target: &Path, from: &Path) -> Option<PathBuf> {
    let target = std::fs::canonicalize(target).ok()?;
    let from = std::fs::canonicalize(from).ok()?;
    let t: Vec<Component> = target.components().collect();
    let f: Vec<Component> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut rel = PathBuf::new();
    for _ in common..f.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    Some(rel)
}

/// Percent-encodes a relative path for an `href`, keeping `/`.
fn url_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn swatch(t: usize) -> String {
    format!(
        "<span class=\"sw\" style=\"background:{}\"></span>",
        theme_css(t)
    )
}

fn theme_link(theme: &Theme) -> String {
    format!(
        "<a href=\"#theme-{id}\">{sw}T{id} {label}</a>",
        id = theme.id,
        sw = swatch(theme.id as usize),
        label = esc(&theme.label)
    )
}

/// An inline SVG line of a share series (scaled to its own maximum).
fn sparkline(values: &[f64], t: usize) -> String {
    let (w, h) = (140.0, 26.0);
    let max = values.iter().copied().fold(0.0, f64::max);
    if values.len() < 2 || max <= 0.0 {
        return String::new();
    }
    let step = w / (values.len() - 1) as f64;
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                h - 2.0 - v / max * (h - 4.0)
            )
        })
        .collect();
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"share over time\"><polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" points=\"{}\"/></svg>",
        theme_css(t),
        pts.join(" ")
    )
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Builds the page; `daily` holds the posts of each theme per day, for
/// the interactive charts (none without dated posts).
pub fn render(
    out: &Path,
    trend: &TrendParams,
    input: &Path,
    a: &Analysis,
    charts: &[PathBuf],
    daily: Option<&DailyCounts>,
) -> String {
    let g = trend.get_granularity();
    let page = match (&a.trends, daily) {
        (Some(trends), Some(daily)) => {
            Some(Page::new(out, a, trends, daily, g, trend.smooth, |path| {
                relative_to(Path::new(path), out).map(|rel| url_path(&rel))
            }))
        }
        _ => None,
    };
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>theme-trends report</title>\n<style>\n");
    h.push_str(STYLE);
    h.push_str("\n</style>\n</head>\n<body>\n<h1>主题趋势 · theme-trends report</h1>\n");
    summary(&mut h, input, a, g);
    what_happened(&mut h, out, a, g);
    if let Some(trends) = &a.trends {
        rising(&mut h, a, trends, g, trend.get_recent());
    }
    if let Some(page) = &page {
        h.push_str(&page.section());
    }
    themes_table(&mut h, a);
    if let Some(trends) = &a.trends {
        for (i, f) in trends.facets.iter().enumerate() {
            // A facet no post has a value of has no chart to draw.
            let chart = page
                .as_ref()
                .filter(|_| !f.values.is_empty())
                .map(|_| Page::facet_chart(i));
            facet_section(&mut h, out, a, trends, f, g, chart.as_deref());
        }
    }
    h.push_str("<h2 id=\"charts\">图表 · Charts</h2>\n");
    for png in charts.iter().filter(|p| {
        p.extension().is_some_and(|e| e == "png")
            && p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d == "charts")
            && !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("facet_"))
    }) {
        let stem = png
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<p><a href=\"charts/{0}.svg\"><img src=\"charts/{0}.png\" alt=\"{0}\" loading=\"lazy\"></a></p>",
            esc(&stem)
        );
    }
    h.push_str("<h2 id=\"themes-detail\">各主题 · Each theme</h2>\n");
    for t in 0..a.themes.len() {
        theme_section(&mut h, out, a, t, g, page.is_some());
    }
    h.push_str("<h2>文件 · Files</h2>\n<ul>\n");
    for f in [
        "digest.md",
        "themes.csv",
        "events.csv",
        "events/index.html",
        "rising_terms.csv",
        "assignments.csv",
        "trends.csv",
        "trends_by_facet.csv",
        "emerging.csv",
        "momentum.csv",
        "theme_terms_by_period.csv",
        "k_selection.csv",
        "rejected.csv",
        "run.json",
    ] {
        if out.join(f).exists() || matches!(f, "rejected.csv" | "run.json") {
            let _ = writeln!(h, "<li><a href=\"{f}\">{f}</a></li>");
        }
    }
    h.push_str("</ul>\n");
    if let Some(page) = &page {
        h.push_str(&page.script());
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// Rising words listed as new in the latest period.
const MAX_NEW_WORDS: usize = 30;
/// Posts listed on an event's page.
const MAX_EVENT_POSTS: usize = 500;

fn date_range(e: &Event) -> String {
    if e.start == e.end {
        e.start.format("%Y-%m-%d").to_string()
    } else {
        format!(
            "{} – {}",
            e.start.format("%Y-%m-%d"),
            e.end.format("%Y-%m-%d")
        )
    }
}

/// "What happened": the morning lists (the latest complete day's events
/// and the week's), the events on a time axis and the words rising in
/// the latest period.
fn what_happened(h: &mut String, out: &Path, a: &Analysis, g: Granularity) {
    let hp = &a.happenings;
    h.push_str("<h2 id=\"what-happened\">发生了什么 · What happened</h2>\n");
    if hp.events.is_empty() && hp.rising.is_empty() {
        h.push_str("<p class=\"muted\">No events: no words burst in this archive (events need posts over at least two days in a dense archive, two weeks in a sparse one; see README, What happened).</p>\n");
        return;
    }
    h.push_str(&super::morning::section(a, &|p| {
        relative_to(Path::new(p), out).map(|rel| url_path(&rel))
    }));
    let _ = writeln!(
        h,
        "<p>{} events, holding {} of {} analysed posts ({}); {} word bursts. Every event is in <a href=\"events.csv\">events.csv</a>, every burst in <a href=\"rising_terms.csv\">rising_terms.csv</a>, and each post's event in assignments.csv (<code>event_id</code>).</p>",
        hp.events.len(),
        hp.posts_in_events,
        a.counts.assigned,
        pct(hp.posts_in_events as f64 / a.counts.assigned.max(1) as f64),
        hp.rising.len()
    );
    if out.join("charts/event_timeline.png").exists() {
        h.push_str("<p><a href=\"charts/event_timeline.svg\"><img src=\"charts/event_timeline.png\" alt=\"events on a time axis\"></a></p>\n");
    }
    // Words new in the latest period.
    if let Some(last) = a
        .trends
        .as_ref()
        .and_then(|t| t.matrix.periods.last().copied())
    {
        let mut words: Vec<&RisingTerm> = hp.rising.iter().filter(|r| r.end >= last).collect();
        words.sort_by(|x, y| y.strength.total_cmp(&x.strength).then(x.term.cmp(&y.term)));
        if !words.is_empty() {
            let list: Vec<String> = words
                .iter()
                .take(MAX_NEW_WORDS)
                .map(|r| {
                    format!(
                        "{} <span class=\"muted\">({} posts since {})</span>",
                        esc(&r.term),
                        r.posts,
                        r.start.format("%m-%d")
                    )
                })
                .collect();
            let _ = writeln!(
                h,
                "<p><b>Rising words in {}:</b> {}</p>",
                period_label(last, g),
                list.join("、")
            );
        }
    }
}

/// The posts each event's page lists (its first [`MAX_EVENT_POSTS`]),
/// collected month by month as a pass over the results that also does
/// other work reads them.
pub struct EventPosts<'a> {
    events: &'a [Event],
    index: HashMap<u32, usize>,
    posts: Vec<Vec<(Option<i32>, String, String)>>,
}

impl<'a> EventPosts<'a> {
    /// None collected yet, for the events of `a`.
    pub fn new(a: &'a Analysis) -> Self {
        let events = &a.happenings.events;
        EventPosts {
            events,
            index: events.iter().enumerate().map(|(i, e)| (e.id, i)).collect(),
            posts: vec![Vec::new(); events.len()],
        }
    }

    /// Takes the posts of one month's results, each in the event of
    /// `events` (its id).
    pub fn add(&mut self, res: &Assigned, events: &[Option<u32>]) {
        for (r, event) in res.rows.iter().zip(events) {
            // A part's posts are its story's too: the story's page lists
            // what its count holds.
            let part = event.and_then(|id| self.index.get(&id)).copied();
            let story = part
                .and_then(|i| self.events[i].parent)
                .and_then(|p| self.index.get(&p))
                .copied();
            for i in [part, story].into_iter().flatten() {
                if self.posts[i].len() < MAX_EVENT_POSTS {
                    self.posts[i].push((r.date.map(|d| d.0), r.title.clone(), r.path.clone()));
                }
            }
        }
    }
}

/// One page per event (`events/event_ID.html`) listing its posts, linked
/// to their files. Returns the pages written.
pub fn write_event_pages(out: &Path, a: &Analysis, posts: EventPosts) -> Result<Vec<PathBuf>> {
    let events = &a.happenings.events;
    let dir = out.join("events");
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    let posts = posts.posts;
    let mut written = Vec::new();
    for (e, list) in events.iter().zip(posts) {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n<title>E{id} {label}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<p><a href=\"../index.html#what-happened\">← report</a></p>\n<h1>E{id} {label}</h1>\n<p>{dates}, peak {peak}; {posts} posts; words: {words}.</p>\n",
            id = e.id,
            label = esc(&e.label),
            dates = date_range(e),
            peak = e.peak.format("%Y-%m-%d"),
            posts = e.posts,
            words = esc(&e.terms.join("、")),
        );
        if let Some(t) = e.theme {
            let th = &a.themes[t.get()];
            let _ = writeln!(
                h,
                "<p>Mostly in theme <a href=\"../index.html#theme-{}\">T{} {}</a>.</p>",
                th.id,
                th.id,
                esc(&th.label)
            );
        }
        if e.posts as usize > list.len() {
            let _ = writeln!(
                h,
                "<p class=\"muted\">The first {} of its {} posts; all are in assignments.csv with event_id {} (or the id of one of its parts, whose parent_event_id it is).</p>",
                list.len(),
                e.posts,
                e.id
            );
        }
        h.push_str("<ol class=\"titles\">\n");
        for (date, title, path) in &list {
            let day = date.map_or(String::new(), |d| {
                crate::time::from_epoch_days(d)
                    .format("%Y-%m-%d")
                    .to_string()
            });
            let title = if title.is_empty() { path } else { title };
            match relative_to(Path::new(path), &dir) {
                Some(rel) => {
                    let _ = writeln!(
                        h,
                        "<li><span class=\"muted\">{day}</span> <a href=\"{}\">{}</a></li>",
                        esc(&url_path(&rel)),
                        esc(title)
                    );
                }
                None => {
                    let _ = writeln!(
                        h,
                        "<li><span class=\"muted\">{day}</span> {} <span class=\"muted\">{}</span></li>",
                        esc(title),
                        esc(path)
                    );
                }
            }
        }
        h.push_str("</ol>\n</body>\n</html>\n");
        let path = dir.join(format!("event_{}.html", e.id));
        crate::fsx::write_atomic(&path, |w| {
            w.write_all(h.as_bytes())
                .map_err(|err| Error::write(&path, err))
        })?;
        written.push(path);
    }
    Ok(written)
}

fn summary(h: &mut String, input: &Path, a: &Analysis, g: Granularity) {
    let c = &a.counts;
    let range = a
        .trends
        .as_ref()
        .and_then(|t| Some((t.matrix.periods.first()?, t.matrix.periods.last()?)))
        .map(|(x, y)| {
            format!(
                "{} – {} (by {})",
                period_label(*x, g),
                period_label(*y, g),
                g.name()
            )
        })
        .unwrap_or_else(|| "no dates".into());
    let _ = writeln!(
        h,
        "<p class=\"summary\">{} posts read, {} analysed into <b>{} themes</b>; periods {}; <a href=\"rejected.csv\">{} rejected</a> ({} duplicates), {} other files ignored.</p>",
        c.posts,
        c.assigned,
        a.themes.len(),
        esc(&range),
        c.rejected,
        c.duplicates,
        c.ignored
    );
    let tolerated: Vec<String> = crate::ingest::Tolerated::ALL
        .iter()
        .filter_map(|f| {
            c.tolerated
                .get(f)
                .map(|n| format!("{n} with {}", f.describe()))
        })
        .collect();
    if !tolerated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Read although irregular: {}.</p>",
            esc(&tolerated.join("; "))
        );
    }
    let _ = writeln!(
        h,
        "<p class=\"muted\">Input {} · theme-trends {}</p>",
        esc(&input.display().to_string()),
        env!("CARGO_PKG_VERSION")
    );
}

fn rising(h: &mut String, a: &Analysis, t: &Trends, g: Granularity, recent: usize) {
    h.push_str("<h2 id=\"rising\">上升中的主题 · Rising themes</h2>\n");
    h.push_str("<p class=\"muted\">Bursts: runs of periods in which a theme is far more frequent than its long-run share (Kleinberg's burst automaton), newest first. Full list in <a href=\"emerging.csv\">emerging.csv</a>.</p>\n");
    if t.bursts.is_empty() {
        h.push_str("<p>No bursts.</p>\n");
    } else {
        h.push_str("<table>\n<tr><th>theme</th><th>from</th><th>to</th><th>peak</th><th class=\"num\">peak share</th><th class=\"num\">strength</th></tr>\n");
        for b in t.bursts.iter().take(MAX_BURSTS) {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td></tr>",
                theme_link(&a.themes[b.theme.get()]),
                period_label(b.start, g),
                period_label(b.end, g),
                if b.ongoing { " <span class=\"badge\">ongoing</span>" } else { "" },
                period_label(b.peak, g),
                pct(b.peak_share),
                b.strength
            );
        }
        h.push_str("</table>\n");
    }
    let gainers: Vec<_> = crate::trend::largest_gain_first(&t.momentum)
        .into_iter()
        .filter(|m| m.change > 0.0)
        .collect();
    let _ = writeln!(
        h,
        "<p>Largest gains in share over the last {recent} periods against the long run (<a href=\"momentum.csv\">momentum.csv</a>):</p>"
    );
    h.push_str("<table>\n<tr><th>theme</th><th class=\"num\">recent share</th><th class=\"num\">long-run share</th><th class=\"num\">change</th></tr>\n");
    for m in gainers.iter().take(MAX_GAINERS) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">+{:.1} pt</td></tr>",
            theme_link(&a.themes[m.theme.get()]),
            pct(m.recent_share),
            pct(m.long_run_share),
            m.change * 100.0
        );
    }
    h.push_str("</table>\n");
}

fn themes_table(h: &mut String, a: &Analysis) {
    h.push_str("<h2 id=\"themes\">主题 · Themes</h2>\n<table>\n<tr><th>theme</th><th class=\"num\">posts</th><th class=\"num\">share</th><th>trend</th><th>representative titles</th></tr>\n");
    for (t, theme) in a.themes.iter().enumerate() {
        let spark = a
            .trends
            .as_ref()
            .map(|tr| sparkline(&tr.matrix.smoothed[t], theme.id as usize))
            .unwrap_or_default();
        let titles: Vec<String> = theme
            .representatives
            .iter()
            .map(|p| esc(&p.title))
            .collect();
        let _ = writeln!(
            h,
            "<tr data-theme-id=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            theme.id,
            theme_link(theme),
            theme.size,
            pct(theme.share),
            spark,
            titles.join("<br>")
        );
    }
    h.push_str("</table>\n");
}

/// Themes listed per facet value.
const FACET_TOP_THEMES: usize = 3;

/// The largest themes of `counts` (posts per theme index), as links with
/// their share of `total`.
fn top_themes(a: &Analysis, counts: &[u64], total: u64) -> String {
    let mut order: Vec<usize> = (0..counts.len()).filter(|&t| counts[t] > 0).collect();
    order.sort_by(|&x, &y| counts[y].cmp(&counts[x]).then(x.cmp(&y)));
    order
        .iter()
        .take(FACET_TOP_THEMES)
        .map(|&t| {
            format!(
                "{} <span class=\"muted\">{}</span>",
                theme_link(&a.themes[t]),
                pct(counts[t] as f64 / total.max(1) as f64)
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A section per `--facet`: which themes each value (outlet, category…)
/// carries overall and in its latest period, and the chart of how that
/// changed: `chart`, drawn in the page, when given (the PNG is then
/// linked below it), else the PNG.
fn facet_section(
    h: &mut String,
    out: &Path,
    a: &Analysis,
    trends: &Trends,
    f: &crate::trend::facet::FacetView,
    g: Granularity,
    chart: Option<&str>,
) {
    let _ = writeln!(
        h,
        "<h2 id=\"facet-{0}\">按 {0} · Themes by {0}</h2>\n<p class=\"muted\">{1} distinct values; the {2} with most posts are shown. Every value, period and theme is in <a href=\"trends_by_facet.csv\">trends_by_facet.csv</a>.</p>",
        esc(&f.facet),
        f.distinct,
        f.values.len()
    );
    h.push_str("<table>\n<tr><th>value</th><th class=\"num\">posts</th><th>its largest themes</th><th>in its latest period</th></tr>\n");
    for v in &f.values {
        let latest = (0..v.totals.len()).rev().find(|&p| v.totals[p] > 0);
        let recent = latest.map(|p| {
            let counts: Vec<u64> = v.counts.iter().map(|row| row[p] as u64).collect();
            format!(
                "<span class=\"muted\">{} · {} posts</span><br>{}",
                period_label(trends.matrix.periods[p], g),
                v.totals[p],
                top_themes(a, &counts, v.totals[p] as u64)
            )
        });
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&v.value),
            v.posts,
            top_themes(a, &v.theme_posts, v.posts),
            recent.unwrap_or_default()
        );
    }
    h.push_str("</table>\n");
    let stem = crate::look::facet_stem(&f.facet);
    if let Some(chart) = chart {
        h.push_str(chart);
    }
    if chart.is_some() && out.join(format!("charts/{stem}.png")).exists() {
        let _ = writeln!(
            h,
            "<p class=\"muted\">For e-mail: <a href=\"charts/{0}.png\">PNG</a> · <a href=\"charts/{0}.svg\">SVG</a></p>",
            esc(&url_path(Path::new(&stem)))
        );
    } else if out.join(format!("charts/{stem}.png")).exists() {
        let _ = writeln!(
            h,
            "<p><a href=\"charts/{0}.svg\"><img src=\"charts/{0}.png\" alt=\"theme shares by {1}\" loading=\"lazy\"></a></p>",
            esc(&url_path(Path::new(&stem))),
            esc(&f.facet)
        );
    }
}

/// A theme's section; with `interactive`, its chart is drawn in the page
/// (the PNG stays linked).
fn theme_section(
    h: &mut String,
    out: &Path,
    a: &Analysis,
    t: usize,
    g: Granularity,
    interactive: bool,
) {
    let theme = &a.themes[t];
    let id = theme.id;
    let _ = writeln!(
        h,
        "<section class=\"theme\" id=\"theme-{id}\">\n<h3>{}T{id} {}</h3>",
        swatch(id as usize),
        esc(&theme.label)
    );
    let _ = writeln!(
        h,
        "<p>{} posts ({}), coherence {:.2}, cohesion {:.2}.</p>",
        theme.size,
        pct(theme.share),
        theme.coherence,
        theme.cohesion
    );
    let png = a.trends.is_some() && out.join(format!("charts/themes/theme_{id}.png")).exists();
    if interactive {
        h.push_str(&Page::theme_chart(t, id, png));
    } else if png {
        let _ = writeln!(h, "<p><img src=\"charts/themes/theme_{id}.png\" alt=\"T{id} share over time\" loading=\"lazy\"></p>");
    }
    let terms: Vec<String> = theme
        .top_terms
        .iter()
        .map(|(w, x)| format!("{} <span class=\"muted\">{:.3}</span>", esc(w), x))
        .collect();
    let _ = writeln!(h, "<p><b>Words:</b> {}</p>", terms.join("、"));
    if let Some(trends) = &a.trends {
        if let Some(latest) = trends
            .period_terms
            .iter()
            .filter(|p| p.theme.get() == t)
            .max_by_key(|p| p.period)
        {
            let words: Vec<String> = latest.terms.iter().map(|(w, _)| esc(w)).collect();
            let _ = writeln!(
                h,
                "<p><b>In {} ({} posts):</b> {}</p>",
                period_label(trends.matrix.periods[latest.period], g),
                latest.posts,
                words.join("、")
            );
        }
        let bursts: Vec<String> = trends
            .bursts
            .iter()
            .filter(|b| b.theme.get() == t)
            .map(|b| format!("{} – {}", period_label(b.start, g), period_label(b.end, g)))
            .collect();
        if !bursts.is_empty() {
            let _ = writeln!(h, "<p><b>Bursts:</b> {}</p>", esc(&bursts.join(", ")));
        }
    }
    h.push_str("<ol class=\"titles\">\n");
    for p in &theme.representatives {
        match relative_to(Path::new(&p.path), out) {
            Some(rel) => {
                let _ = writeln!(
                    h,
                    "<li><a href=\"{}\">{}</a></li>",
                    esc(&url_path(&rel)),
                    esc(&p.title)
                );
            }
            None => {
                let _ = writeln!(
                    h,
                    "<li>{} <span class=\"muted\">{}</span></li>",
                    esc(&p.title),
                    esc(&p.path)
                );
            }
        }
    }
    h.push_str("</ol>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_and_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let posts = dir.path().join("archive/_posts");
        let out = dir.path().join("reports/today");
        std::fs::create_dir_all(&posts).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let post = posts.join("2024-01-01-春运 #1.md");
        std::fs::write(&post, "x").unwrap();
        let rel = relative_to(&post, &out).unwrap();
        assert_eq!(rel, Path::new("../../archive/_posts/2024-01-01-春运 #1.md"));
        let url = url_path(&rel);
        assert!(
            url.starts_with("../../archive/_posts/2024-01-01-%E6%98%A5"),
            "{url}"
        );
        assert!(url.ends_with("%20%231.md"), "{url}");
    }

    #[test]
    fn sparklines_scale_to_their_maximum() {
        let s = sparkline(&[0.0, 0.5, 1.0], 0);
        assert!(s.starts_with("<svg"));
        assert!(s.contains("points=\"0.0,24.0 70.0,13.0 140.0,2.0\""), "{s}");
        assert_eq!(sparkline(&[0.0, 0.0], 0), "");
    }
}

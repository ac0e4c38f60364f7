//! The morning lists: what happened on the latest complete day and in the
//! week up to it, as `index.html` shows them, as `digest.md` gives them
//! (for e-mail or chat) and as `events/index.html` lists every event.
//!
//! Reads [`Happenings::morning`](crate::analysis::Happenings::morning):
//! at most ten events a list, strongest (highest score) first, each with
//! its dates, peak, posts, outlets, a sparkline of its posts per day and
//! two or three of its titles linked to their files. A day that was not
//! over when the run took place is marked partial. Every text from the
//! archive is escaped.

use crate::analysis::{Analysis, Event, EventUnit, Morning};
use crate::look::html_escape as esc;
use std::fmt::Write as _;

/// A post's link from `index.html` (relative and encoded), when it has a
/// file to link to.
pub type LinkOf<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Titles shown under an event in a morning list.
const TITLES: usize = 3;

fn day_name(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d (%a)").to_string()
}

fn dates(e: &Event) -> String {
    if e.start == e.end {
        e.start.format("%Y-%m-%d").to_string()
    } else {
        format!("{} – {}", e.start.format("%Y-%m-%d"), e.end.format("%m-%d"))
    }
}

fn outlets(e: &Event, max: usize) -> String {
    let mut parts: Vec<String> = e
        .outlets
        .iter()
        .take(max)
        .map(|(o, n)| format!("{o} {n}"))
        .collect();
    if e.outlets.len() > max {
        parts.push(format!("+{} more", e.outlets.len() - max));
    }
    parts.join(", ")
}

/// "broke 08:31, ran 6 h" when posts have a time of day.
fn timing(e: &Event) -> Option<String> {
    let broke = e.broke?;
    let mut s = format!("broke {}", broke.format("%m-%d %H:%M"));
    if let Some(h) = e.hours {
        let _ = write!(s, ", ran {}", hours(h));
    }
    Some(s)
}

fn hours(h: f64) -> String {
    if h < 1.0 {
        format!("{} min", (h * 60.0).round())
    } else if h < 48.0 {
        format!("{h:.0} h")
    } else {
        format!("{:.1} days", h / 24.0)
    }
}

/// An inline SVG of an event's posts per day (per week): one bar each,
/// the event's own darker, the partial day's (week's) grey.
pub fn sparkline(e: &Event, partial: Option<chrono::NaiveDate>, unit: EventUnit) -> String {
    let (w, h) = (120.0_f64, 22.0_f64);
    let max = e.series.iter().map(|x| x.1).max().unwrap_or(0);
    if e.series.is_empty() || max == 0 {
        return String::new();
    }
    let step = w / e.series.len() as f64;
    let mut s = format!(
        "<svg class=\"spark\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"posts per period, peak {max}\">"
    );
    let span = match unit {
        EventUnit::Day => 0,
        EventUnit::Week => 6,
    };
    for (i, (d, n)) in e.series.iter().enumerate() {
        let last = *d + chrono::Days::new(span);
        let bh = (*n as f64 / max as f64 * (h - 2.0)).max(if *n > 0 { 1.0 } else { 0.0 });
        let fill = if partial.is_some_and(|p| *d <= p && p <= last) {
            "#bbb"
        } else if *d <= e.end && last >= e.start {
            "#1f77b4"
        } else {
            "#9ecae1"
        };
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{} {n}</title></rect>",
            i as f64 * step,
            h - bh,
            (step - 1.0).max(1.0),
            bh,
            d.format("%Y-%m-%d")
        );
    }
    s.push_str("</svg>");
    s
}

/// A link to a post's file, or its title alone.
fn title_link(title: &str, path: &str, link: LinkOf) -> String {
    let shown = if title.is_empty() { path } else { title };
    match link(path) {
        Some(url) => format!("<a href=\"{}\">{}</a>", esc(&url), esc(shown)),
        None => esc(shown),
    }
}

fn event_item(h: &mut String, e: &Event, link: LinkOf, m: &Morning, unit: EventUnit) {
    let peak = match unit {
        EventUnit::Day => e.peak.format("%m-%d").to_string(),
        EventUnit::Week => format!("week of {}", e.peak.format("%m-%d")),
    };
    let mut facts = vec![
        dates(e),
        format!("peak {peak}"),
        format!("{} posts", e.posts),
    ];
    if !e.outlets.is_empty() {
        facts.push(esc(&outlets(e, 3)));
    }
    if let Some(t) = timing(e) {
        facts.push(t);
    }
    let mut badges = String::new();
    if e.new {
        badges.push_str(" <span class=\"badge\">new</span>");
    }
    if m.partial.is_some_and(|p| e.end >= p) {
        badges.push_str(" <span class=\"badge partial\">still running</span>");
    }
    let _ = writeln!(
        h,
        "<li data-event=\"{id}\" data-score=\"{score:.1}\"><a href=\"events/event_{id}.html\"><b>{label}</b></a>{badges} {spark}<br><span class=\"muted\">{facts}</span>",
        id = e.id,
        score = e.score,
        label = esc(&e.label),
        spark = sparkline(e, m.partial, unit),
        facts = facts.join(" · "),
    );
    let titles: Vec<String> = e
        .representatives
        .iter()
        .take(TITLES)
        .map(|p| format!("<li>{}</li>", title_link(&p.title, &p.path, link)))
        .collect();
    if !titles.is_empty() {
        let _ = writeln!(h, "<ul class=\"titles\">{}</ul>", titles.join(""));
    }
    h.push_str("</li>\n");
}

fn event_list(
    h: &mut String,
    id: &str,
    events: &[&Event],
    link: LinkOf,
    m: &Morning,
    unit: EventUnit,
) {
    if events.is_empty() {
        let _ = writeln!(h, "<p id=\"{id}\" class=\"muted\">No event.</p>");
        return;
    }
    let _ = writeln!(h, "<ol id=\"{id}\" class=\"events\">");
    for e in events {
        event_item(h, e, link, m, unit);
    }
    h.push_str("</ol>\n");
}

/// The morning section of `index.html`: the latest complete day's events,
/// the partial day's new ones, then the week's.
pub fn section(a: &Analysis, link: LinkOf) -> String {
    let hp = &a.happenings;
    let mut h = String::new();
    let Some(m) = hp.morning() else {
        return h;
    };
    let _ = writeln!(
        h,
        "<h3 id=\"latest-day\">最近一天 · {}</h3>",
        day_name(m.day)
    );
    event_list(&mut h, "day-events", &m.day_events, link, &m, hp.unit);
    if let Some(p) = m.partial {
        let _ = writeln!(
            h,
            "<h3 id=\"partial-day\">最新 · {} <span class=\"badge partial\">partial</span></h3>\n<p class=\"muted\">The run took place before this day was over: its counts are incomplete. Events that began on it:</p>",
            day_name(p)
        );
        event_list(
            &mut h,
            "partial-events",
            &m.partial_events,
            link,
            &m,
            hp.unit,
        );
    }
    let _ = writeln!(
        h,
        "<h3 id=\"latest-week\">本周 · The week {} – {}</h3>",
        m.week.0.format("%Y-%m-%d"),
        m.week.1.format("%Y-%m-%d")
    );
    event_list(&mut h, "week-events", &m.week_events, link, &m, hp.unit);
    let _ = writeln!(
        h,
        "<p>Each list shows at most ten events, strongest first. <a href=\"events/index.html\">All {} events</a>, strongest first; a summary for e-mail in <a href=\"digest.md\">digest.md</a>.</p>",
        hp.events.len()
    );
    h
}

/// `events/index.html`: every event, strongest first.
pub fn list_page(a: &Analysis, style: &str) -> String {
    let hp = &a.happenings;
    let mut events: Vec<&Event> = hp.events.iter().collect();
    events.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.id.cmp(&y.id)));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n<title>事件 · All events</title>\n<style>\n{style}\n</style>\n</head>\n<body>\n<p><a href=\"../index.html#what-happened\">← report</a></p>\n<h1>事件 · All {} events, strongest first</h1>\n<p class=\"muted\">Score: how far the event's posts exceed its seed word's usual rate (a G statistic). A part of a longer story says so (<code>parent_event_id</code> in events.csv).</p>\n<table>\n<tr><th>event</th><th>dates</th><th>peak</th><th class=\"num\">posts</th><th>outlets</th><th class=\"num\">score</th></tr>\n",
        events.len()
    );
    for e in events {
        let _ = writeln!(
            h,
            "<tr><td><a href=\"event_{id}.html\">E{id} {label}</a>{part}</td><td>{dates}</td><td>{peak}</td><td class=\"num\">{posts}</td><td>{outlets}</td><td class=\"num\">{score:.0}</td></tr>",
            id = e.id,
            label = esc(&e.label),
            part = e.parent.map_or(String::new(), |p| format!(" <span class=\"muted\">(part of E{p})</span>")),
            dates = dates(e),
            peak = e.peak.format("%Y-%m-%d"),
            posts = e.posts,
            outlets = esc(&outlets(e, 3)),
            score = e.score,
        );
    }
    h.push_str("</table>\n</body>\n</html>\n");
    h
}

/// Markdown text from the archive, kept on one line and with its markup
/// characters escaped.
fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => o.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '&' | '~' | ':' => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

fn md_list(d: &mut String, events: &[&Event]) {
    if events.is_empty() {
        d.push_str("No event.\n");
        return;
    }
    for (i, e) in events.iter().enumerate() {
        let mut facts = vec![dates(e), format!("{} posts", e.posts)];
        if !e.outlets.is_empty() {
            facts.push(md(&outlets(e, 3)));
        }
        if let Some(t) = timing(e) {
            facts.push(t);
        }
        let _ = writeln!(
            d,
            "{}. **{}**{} — {} (E{})",
            i + 1,
            md(&e.label),
            if e.new { " (new)" } else { "" },
            facts.join(" · "),
            e.id
        );
        for p in e.representatives.iter().take(TITLES) {
            let t = if p.title.is_empty() {
                &p.path
            } else {
                &p.title
            };
            let _ = writeln!(d, "   - {}", md(t));
        }
    }
}

/// `digest.md`: the morning lists as text.
pub fn digest(a: &Analysis) -> String {
    let hp = &a.happenings;
    let mut d = String::new();
    let Some(m) = hp.morning() else {
        d.push_str(
            "# What happened\n\nNo complete day with analysed posts, so no events to tell.\n",
        );
        return d;
    };
    let _ = writeln!(d, "# What happened — {}\n", day_name(m.day));
    let _ = writeln!(
        d,
        "{} events in the archive; these lists show at most ten each, strongest first. Events are found by the {}.\n",
        hp.events.len(),
        match hp.unit {
            EventUnit::Day => "day",
            EventUnit::Week => "week",
        }
    );
    let _ = writeln!(d, "## {}\n", day_name(m.day));
    md_list(&mut d, &m.day_events);
    if let Some(p) = m.partial {
        let _ = writeln!(d, "\n## {} (partial: the day was not over)\n", day_name(p));
        md_list(&mut d, &m.partial_events);
    }
    let _ = writeln!(
        d,
        "\n## The week {} – {}\n",
        m.week.0.format("%Y-%m-%d"),
        m.week.1.format("%Y-%m-%d")
    );
    md_list(&mut d, &m.week_events);
    d
}

/// The summary line's sentence: the three strongest events of the latest
/// complete day (of the week up to it, when events are found by the week).
pub fn headline(a: &Analysis) -> Option<String> {
    let m = a.happenings.morning()?;
    // Events found by the week tell the week rather than its last day.
    let (events, when) = match a.happenings.unit {
        EventUnit::Day => (&m.day_events, format!("On {}", m.day)),
        EventUnit::Week => (&m.week_events, format!("In the week to {}", m.day)),
    };
    if events.is_empty() {
        return Some(format!("{when}: no event."));
    }
    let top: Vec<String> = events
        .iter()
        .take(3)
        .map(|e| format!("{} ({} posts)", e.label, e.posts))
        .collect();
    Some(format!("{when}: {}.", top.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_from_the_archive_stays_text() {
        assert_eq!(md("**x** [a](b)\n#1"), "\\*\\*x\\*\\* \\[a\\](b) \\#1");
    }
}

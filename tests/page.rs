//! The interactive charts of `index.html` as a reader uses them: headless
//! Chromium opens the page from disk and is driven through the DevTools
//! protocol (a small client over a plain WebSocket, below). ECharts draws
//! to a canvas, so what the page shows is read from the chart's option
//! (`echarts.getInstanceByDom(…).getOption()`) and from the tooltip's
//! text, and compared with the CSVs:
//! - the bands' shares with trends.csv (bands: themes.csv's groups);
//! - hovering a period: its share and "N of M posts in P";
//! - clicking a band: its posts of that period, as assignments.csv has them;
//! - zooming (the mouse wheel, then a range), hiding a band and isolating
//!   one (clicks and a double click on the legend);
//! - switching to weeks: the weekly shares, counted from assignments.csv;
//! - clicking an event's pin: the event's posts, as events.csv and its
//!   page have them;
//! - saving the chart as an image (the toolbox's icon): a PNG with its
//!   Chinese labels drawn;
//! - a theme's chart and a facet chart, with trends.csv and
//!   trends_by_facet.csv; the filter box, with the themes table;
//! - text from the archive (a hostile theme name and titles) shown as
//!   text, never run;
//! - no request leaves the disk (the DevTools protocol's network events).
//!
//! Without Chromium the tests are skipped with a message, or fail when
//! `CI` is set (`.ci/run` installs Debian's `chromium` and a CJK font;
//! `CHROMIUM` names another browser).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

/// A headless Chromium, killed when dropped.
struct Browser(Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A DevTools protocol session over a WebSocket (RFC 6455, text frames).
struct Cdp {
    stream: TcpStream,
    next: u64,
    /// The events received so far (`Network.requestWillBeSent`, …).
    events: Vec<Value>,
}

impl Cdp {
    /// Starts Chromium with a debugging port and connects to its page.
    fn launch(browser: &Path, profile: &Path) -> (Browser, Cdp) {
        let child = Command::new(browser)
            .args(common::HEADLESS_FLAGS)
            .args(["--remote-debugging-port=0", "--window-size=1400,1000"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let browser = Browser(child);
        // Chromium writes the port it chose into the profile.
        let started = Instant::now();
        let port = loop {
            if let Ok(s) = std::fs::read_to_string(profile.join("DevToolsActivePort")) {
                if let Some(p) = s.lines().next().and_then(|l| l.trim().parse::<u16>().ok()) {
                    break p;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "chromium opened no debugging port within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let targets: Value = serde_json::from_str(&http_get(port, "/json/list")).unwrap();
        let ws = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let path = &ws[ws.find("/devtools").expect("a devtools path")..];
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 101 "), "no WebSocket: {status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        (
            browser,
            Cdp {
                stream,
                next: 1,
                events: Vec::new(),
            },
        )
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend((n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend((n as u64).to_be_bytes());
            }
        }
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        frame.extend(mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).unwrap();
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.stream.read_exact(&mut b).unwrap();
                    u16::from_be_bytes(b) as usize
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.stream.read_exact(&mut b).unwrap();
                    u64::from_be_bytes(b) as usize
                }
                n => n as usize,
            };
            let mut body = vec![0u8; len];
            self.stream.read_exact(&mut body).unwrap();
            match head[0] & 0x0f {
                0x8 => panic!("chromium closed the DevTools connection"),
                0x9 | 0xA => continue,
                _ => message.extend(body),
            }
            if head[0] & 0x80 != 0 {
                return String::from_utf8(message).unwrap();
            }
        }
    }

    /// Calls `method` and returns its result (events in between are kept
    /// in `events`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let v: Value = serde_json::from_str(&self.receive()).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {}", v["error"]);
                return v["result"].clone();
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// Evaluates `expr` in the page and returns its value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expr}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    fn mouse(&mut self, kind: &str, x: f64, y: f64, clicks: u32) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": if kind == "mouseMoved" { "none" } else { "left" }, "clickCount": clicks}),
        );
    }

    /// Moves the mouse to (x, y) and clicks there (`clicks`: 2 for the
    /// second click of a double click).
    fn click(&mut self, x: f64, y: f64, clicks: u32) {
        self.mouse("mouseMoved", x, y, 0);
        self.mouse("mousePressed", x, y, clicks);
        self.mouse("mouseReleased", x, y, clicks);
    }

    /// A `{x, y}` the page gives, as a point.
    fn point(&mut self, expr: &str) -> (f64, f64) {
        let p = self.eval(expr);
        match (p["x"].as_f64(), p["y"].as_f64()) {
            (Some(x), Some(y)) => (x, y),
            _ => panic!("{expr} gives no point: {p}"),
        }
    }

    /// Waits until `expr` is true in the page.
    fn wait_for(&mut self, expr: &str, what: &str) {
        let started = Instant::now();
        while self.eval(expr) != json!(true) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{what}: not within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // Chromium may keep the connection open: read the body by its length.
    let mut reader = BufReader::new(s);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap();
            }
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

/// Index of a CSV column by name.
fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// A theme as themes.csv gives it.
struct ThemeRow {
    id: u32,
    label: String,
    terms: String,
    group_id: String,
    group_label: String,
}

/// A post as assignments.csv gives it.
struct PostRow {
    file: String,
    date: NaiveDate,
    title: String,
    theme: u32,
    event: Option<u32>,
}

/// An event as events.csv gives it.
struct EventRow {
    id: u32,
    label: String,
    posts: u64,
    titles: Vec<String>,
}

/// What the report's CSVs say, for comparing with the page.
struct Report {
    /// trends.csv: the periods (as the page labels them), in order.
    periods: Vec<String>,
    /// trends.csv: (period, theme) → (count, share, share_smoothed).
    cells: HashMap<(String, u32), (u64, f64, f64)>,
    /// All posts of each period.
    totals: HashMap<String, u64>,
    themes: Vec<ThemeRow>,
    posts: Vec<PostRow>,
    events: Vec<EventRow>,
}

/// How the page labels the period of `g` holding `d`.
fn label_of(d: NaiveDate, g: &str) -> String {
    match g {
        "month" => d.format("%Y-%m").to_string(),
        "week" => (d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64))
            .format("%Y-%m-%d")
            .to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

impl Report {
    fn read(out: &Path, g: &'static str) -> Report {
        let (h, rows) = common::read_csv(&out.join("trends.csv"));
        let (cp, ct, cc, cs, cm) = (
            column(&h, "period"),
            column(&h, "theme_id"),
            column(&h, "count"),
            column(&h, "share"),
            column(&h, "share_smoothed"),
        );
        let mut periods: Vec<String> = Vec::new();
        let mut cells = HashMap::new();
        let mut totals: HashMap<String, u64> = HashMap::new();
        for r in &rows {
            let p = label_of(day(&r[cp]), g);
            if periods.last() != Some(&p) {
                periods.push(p.clone());
            }
            let n: u64 = r[cc].parse().unwrap();
            *totals.entry(p.clone()).or_default() += n;
            cells.insert(
                (p, r[ct].parse().unwrap()),
                (n, r[cs].parse().unwrap(), r[cm].parse().unwrap()),
            );
        }
        let (th, trows) = common::read_csv(&out.join("themes.csv"));
        let themes = trows
            .iter()
            .map(|r| ThemeRow {
                id: r[column(&th, "theme_id")].parse().unwrap(),
                label: r[column(&th, "label")].clone(),
                terms: r[column(&th, "top_terms")].clone(),
                group_id: r[column(&th, "group_id")].clone(),
                group_label: r[column(&th, "group_label")].clone(),
            })
            .collect();
        let (ah, arows) = common::read_csv(&out.join("assignments.csv"));
        let posts = arows
            .iter()
            .filter(|r| !r[column(&ah, "date")].is_empty())
            .map(|r| PostRow {
                file: file_name(&r[column(&ah, "path")]),
                date: day(&r[column(&ah, "date")]),
                title: r[column(&ah, "title")].clone(),
                theme: r[column(&ah, "theme_id")].parse().unwrap(),
                event: r[column(&ah, "event_id")].parse().ok(),
            })
            .collect();
        let (eh, erows) = common::read_csv(&out.join("events.csv"));
        let events = erows
            .iter()
            .map(|r| EventRow {
                id: r[column(&eh, "event_id")].parse().unwrap(),
                label: r[column(&eh, "label")].clone(),
                posts: r[column(&eh, "posts")].parse().unwrap(),
                titles: r[column(&eh, "representative_titles")]
                    .split(" | ")
                    .map(str::to_string)
                    .collect(),
            })
            .collect();
        Report {
            periods,
            cells,
            totals,
            themes,
            posts,
            events,
        }
    }

    fn theme(&self, id: u32) -> &ThemeRow {
        self.themes.iter().find(|t| t.id == id).unwrap()
    }

    /// The bands of the share chart, as themes.csv's groups make them:
    /// band name → its themes.
    fn bands(&self) -> BTreeMap<String, BTreeSet<u32>> {
        let mut bands: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        for t in &self.themes {
            let name = if self.themes.len() <= 12 {
                format!("T{} {}", t.id, t.label)
            } else if t.group_id.is_empty() {
                t.group_label.clone()
            } else {
                format!("T{} {}", t.group_id, t.group_label)
            };
            bands.entry(name).or_default().insert(t.id);
        }
        bands
    }

    /// Posts of `themes` in each period of `unit` (from assignments.csv),
    /// and all posts of each period.
    fn counts_by(
        &self,
        unit: &str,
        themes: &BTreeSet<u32>,
    ) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let mut of: BTreeMap<String, u64> = BTreeMap::new();
        let mut all: BTreeMap<String, u64> = BTreeMap::new();
        for p in &self.posts {
            let l = label_of(p.date, unit);
            *all.entry(l.clone()).or_default() += 1;
            if themes.contains(&p.theme) {
                *of.entry(l).or_default() += 1;
            }
        }
        (of, all)
    }
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Decodes `%XX` escapes of a link.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 3 <= b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Runs the binary on `input` with `flags` into `dir/report`.
fn run_report(dir: &Path, input: &Path, flags: &[&str]) -> PathBuf {
    let out = dir.join("report");
    let o = Command::new(env!("CARGO_BIN_EXE_theme-trends"))
        .args(["run", "--input"])
        .arg(input)
        .arg("--out")
        .arg(&out)
        .args(flags)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    out
}

const CHART: &str = "echarts.getInstanceByDom(document.getElementById('tt-chart'))";

/// The share chart's bands as its option has them: name → values.
fn option_series(cdp: &mut Cdp) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let o = cdp.eval(&format!(
        "(function(){{var o={CHART}.getOption();return {{x:o.xAxis[0].data,s:o.series.filter(function(s){{return s.stack==='all';}}).map(function(s){{return [s.name,s.data];}})}};}})()"
    ));
    let x: Vec<String> = serde_json::from_value(o["x"].clone()).unwrap();
    let s = o["s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p[0].as_str().unwrap().to_string();
            let vals = p[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            (name, vals)
        })
        .collect();
    (x, s)
}

/// The tooltip's text once it shows (ECharts may fill it a moment after
/// the mouse moves), or None when it does not within two seconds.
fn tooltip(cdp: &mut Cdp, chart: &str) -> Option<String> {
    let started = Instant::now();
    loop {
        let text = cdp.eval(&format!(
            "(function(){{var t=Array.from(document.querySelectorAll('{chart} .tt-tip')).filter(function(t){{return t.style.display!=='none'&&t.innerText.trim();}});return t.length?t[t.length-1].innerText:null;}})()"
        ));
        if let Some(t) = text.as_str() {
            return Some(t.to_string());
        }
        if started.elapsed() > Duration::from_secs(2) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The tooltip's line of `band`.
fn tip_line(tip: &str, band: &str) -> Option<String> {
    tip.lines()
        .find(|l| l.starts_with(&format!("{band}: ")))
        .map(str::to_string)
}

/// The share a tooltip line gives ("NAME: 12.3% · …"), in percent.
fn tip_share(line: &str) -> f64 {
    line.rsplit(": ")
        .find_map(|part| part.split('%').next().and_then(|x| x.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no share in {line:?}"))
}

/// The legend's selection.
fn legend_selected(cdp: &mut Cdp) -> BTreeMap<String, bool> {
    serde_json::from_value(cdp.eval(&format!("{CHART}.getOption().legend[0].selected"))).unwrap()
}

/// Opens `out`'s index.html in `browser` and goes through every
/// interaction, comparing the page with the CSVs of `g` periods. Returns
/// the open page for further checks.
fn check_page(browser: &Path, dir: &Path, out: &Path, g: &'static str) -> (Browser, Cdp, Report) {
    let r = Report::read(out, g);
    let (chromium, mut cdp) = Cdp::launch(browser, &dir.join("profile"));
    cdp.call("Page.enable", json!({}));
    cdp.call("Network.enable", json!({}));
    let url = format!("file://{}", out.join("index.html").display());
    cdp.call("Page.navigate", json!({ "url": url }));
    cdp.wait_for(
        "document.readyState === 'complete' && !!document.querySelector('#tt-chart[data-drawn-ms]')",
        "the chart is drawn",
    );
    cdp.eval("document.getElementById('tt-chart').scrollIntoView(); 0");

    // The bands are themes.csv's groups; their values are trends.csv's
    // shares added up.
    let bands = r.bands();
    let page_bands: BTreeMap<String, BTreeSet<u32>> =
        serde_json::from_value::<Vec<Value>>(cdp.eval("ttPage.bands()"))
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["name"].as_str().unwrap().to_string(),
                    serde_json::from_value(b["members"].clone()).unwrap(),
                )
            })
            .collect();
    assert_eq!(page_bands, bands, "the bands are themes.csv's groups");
    assert!(bands.len() <= 12);
    // Every legend item and the legend's buttons are drawn inside the chart.
    let width = cdp
        .eval("document.getElementById('tt-chart').clientWidth")
        .as_f64()
        .unwrap();
    let items =
        bands
            .keys()
            .map(String::as_str)
            .chain(["事件 · events", "全选 · all", "反选 · invert"]);
    for name in items {
        let t = cdp.eval(&format!("ttPage.text({})", json!(name)));
        let right = t["left"]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} not drawn"))
            + t["w"].as_f64().unwrap();
        assert!(right <= width, "{name} is cut off: {right} > {width}");
    }
    let (x, series) = option_series(&mut cdp);
    assert_eq!(x, r.periods, "the chart draws trends.csv's periods");
    for (name, vals) in &series {
        let members = &bands[name];
        for (b, p) in r.periods.iter().enumerate() {
            let want: f64 = members
                .iter()
                .map(|&t| r.cells.get(&(p.clone(), t)).map_or(0.0, |c| c.1))
                .sum();
            assert!(
                (vals[b] - want).abs() < 1e-9,
                "{name} in {p}: the chart has {}, trends.csv {want}",
                vals[b]
            );
        }
    }

    // Hover: the busiest cell of trends.csv, in its band.
    let ((period, theme), (count, _, _)) = r
        .cells
        .iter()
        .max_by_key(|((p, t), c)| (c.0, std::cmp::Reverse((p.clone(), *t))))
        .map(|(k, v)| (k.clone(), *v))
        .unwrap();
    let (band, members) = bands.iter().find(|(_, m)| m.contains(&theme)).unwrap();
    let band_count: u64 = members
        .iter()
        .map(|&t| r.cells.get(&(period.clone(), t)).map_or(0, |c| c.0))
        .sum();
    let total = r.totals[&period];
    let (x0, y0) = cdp.point(&format!("ttPage.point({}, {})", json!(band), json!(period)));
    cdp.mouse("mouseMoved", x0, y0, 0);
    let tip = tooltip(&mut cdp, "#tt-chart").expect("the tooltip shows on hover");
    assert!(
        tip.starts_with(&format!("{period} · {total} posts")),
        "{tip}"
    );
    let line = tip_line(&tip, band).unwrap_or_else(|| panic!("{tip:?} has no line for {band}"));
    assert!(
        line.contains(&format!("{band_count} of {total} posts in {period}")),
        "{line:?}: the denominator said"
    );
    let shown = tip_share(&line);
    assert!(
        (shown - band_count as f64 / total as f64 * 100.0).abs() <= 0.051,
        "{line:?}"
    );
    let hit = cdp.eval("(document.querySelector('#tt-chart .tt-tip .tt-hit')||{}).innerText||''");
    assert!(
        hit.as_str().unwrap().starts_with(band.as_str()),
        "the band under the mouse is marked: {hit}"
    );
    if members.len() == 1 {
        assert!(
            line.starts_with(&format!("T{theme} {}", r.theme(theme).label)),
            "{line}"
        );
    }

    // Click: the band's posts of that period.
    cdp.click(x0, y0, 1);
    let heading = cdp.eval("document.querySelector('#tt-posts h3').textContent");
    let heading = heading.as_str().unwrap();
    assert!(
        heading.starts_with(&format!("{band} · {period} · {band_count} posts")),
        "{heading}"
    );
    let listed = cdp.eval(
        "Array.from(document.querySelectorAll('#tt-posts li')).map(function(li){var a=li.querySelector('a');return [li.querySelector('span').textContent, a.textContent, a.getAttribute('href')];})",
    );
    let listed = listed.as_array().unwrap();
    assert!(!listed.is_empty());
    let of_band: HashMap<&str, &PostRow> = r
        .posts
        .iter()
        .filter(|p| members.contains(&p.theme) && label_of(p.date, g) == period)
        .map(|p| (p.file.as_str(), p))
        .collect();
    assert_eq!(
        of_band.len() as u64,
        band_count,
        "assignments.csv and trends.csv agree"
    );
    for row in listed {
        let (date, title, href) = (
            row[0].as_str().unwrap(),
            row[1].as_str().unwrap(),
            row[2].as_str().unwrap(),
        );
        let file = percent_decode(href.rsplit('/').next().unwrap());
        let post = of_band
            .get(file.as_str())
            .unwrap_or_else(|| panic!("{file} is not a post of {band} in {period}"));
        assert_eq!(title, post.title.trim_start_matches('\''));
        assert_eq!(date, post.date.to_string());
        let target = out.join(percent_decode(href));
        assert!(target.is_file(), "{} is not a file", target.display());
    }
    if members.len() == 1 {
        assert_eq!(listed.len() as u64, count.min(5), "{listed:?}");
        if count > 5 {
            let more =
                cdp.eval("(document.querySelector('#tt-posts .tt-more')||{}).textContent||''");
            assert!(
                more.as_str()
                    .unwrap()
                    .starts_with(&format!("{} more", count - 5)),
                "{more}"
            );
        }
    }

    // Zoom: the mouse wheel over the chart narrows it; then a range.
    let n = r.periods.len();
    if n >= 4 {
        cdp.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseWheel", "x": x0, "y": y0, "deltaX": 0, "deltaY": -600}),
        );
        cdp.wait_for(
            &format!("(function(){{var d={CHART}.getOption().dataZoom[0];return d.start>0||d.end<100;}})()"),
            "the wheel zooms",
        );
        let (a, z) = (1, n - 2);
        cdp.eval(&format!(
            "{CHART}.dispatchAction({{type:'dataZoom',startValue:{a},endValue:{z}}}); 0"
        ));
        let extent = cdp.eval(&format!(
            "{CHART}.getModel().getComponent('xAxis',0).axis.scale.getExtent()"
        ));
        assert_eq!(
            extent,
            json!([a, z]),
            "the chart shows {}..{}",
            r.periods[a],
            r.periods[z]
        );
        let pins = cdp.eval(&format!(
            "{CHART}.getOption().series.slice(-1)[0].markPoint.data.map(function(p){{return p.coord[0];}})"
        ));
        for p in pins.as_array().unwrap() {
            let b = p.as_u64().unwrap() as usize;
            assert!((a..=z).contains(&b), "a pin outside the range: {pins}");
        }
        cdp.eval(&format!(
            "{CHART}.dispatchAction({{type:'dataZoom',start:0,end:100}}); 0"
        ));
    }

    // Hide a band (a click on its legend item), then show one alone (a
    // double click).
    let names: Vec<&String> = series.iter().map(|(n, _)| n).collect();
    if names.len() >= 2 {
        let hidden = names[0].clone();
        let (lx, ly) = cdp.point(&format!("ttPage.text({})", json!(hidden)));
        cdp.click(lx, ly, 1);
        let sel = legend_selected(&mut cdp);
        assert_eq!(sel.get(&hidden), Some(&false), "{hidden} hidden: {sel:?}");
        cdp.eval("ttPage.chart.dispatchAction({type:'hideTip'}); 0");
        std::thread::sleep(Duration::from_millis(600)); // not a double click
        let other = band_point(&mut cdp, names[1], &period);
        cdp.mouse("mouseMoved", other.0, other.1, 0);
        let tip = tooltip(&mut cdp, "#tt-chart").expect("a tooltip");
        assert!(tip_line(&tip, &hidden).is_none(), "{hidden} still in {tip}");
        // The pins stand on the bands left: 1 - the hidden band's share.
        let pins = cdp.eval(&format!(
            "{CHART}.getOption().series.slice(-1)[0].markPoint.data.map(function(p){{return p.coord;}})"
        ));
        for p in pins.as_array().unwrap() {
            let b = p[0].as_u64().unwrap() as usize;
            let want: f64 = 1.0
                - bands[&hidden]
                    .iter()
                    .map(|&t| r.cells.get(&(r.periods[b].clone(), t)).map_or(0.0, |c| c.1))
                    .sum::<f64>();
            assert!(
                (p[1].as_f64().unwrap() - want).abs() < 1e-9,
                "pin {p} against {want}"
            );
        }

        let alone = names[1].clone();
        let (lx, ly) = cdp.point(&format!("ttPage.text({})", json!(alone)));
        cdp.click(lx, ly, 1);
        cdp.click(lx, ly, 2);
        let sel = legend_selected(&mut cdp);
        for (name, on) in &sel {
            if name != "事件 · events" {
                assert_eq!(*on, name == &alone, "{alone} alone: {sel:?}");
            }
        }
        let p = band_point(&mut cdp, &alone, &period);
        cdp.mouse("mouseMoved", p.0, p.1, 0);
        let tip = tooltip(&mut cdp, "#tt-chart").expect("a tooltip");
        let rows: Vec<&str> = tip.lines().filter(|l| l.contains(" posts in ")).collect();
        assert_eq!(rows.len(), 1, "only {alone}: {tip}");
        assert!(rows[0].starts_with(&format!("{alone}: ")), "{tip}");
        cdp.eval("ttPage.chart.dispatchAction({type:'legendAllSelect'}); 0");
    }

    // Weeks: the shares of each week, counted from assignments.csv.
    press(&mut cdp, "#tt-units button[data-unit=week]");
    let (x, series) = option_series(&mut cdp);
    let all: BTreeSet<u32> = r.themes.iter().map(|t| t.id).collect();
    let (_, weekly) = r.counts_by("week", &all);
    assert_eq!(
        x,
        weekly.keys().cloned().collect::<Vec<_>>(),
        "the weeks with posts"
    );
    for (name, vals) in &series {
        let (of, _) = r.counts_by("week", &bands[name]);
        for (b, w) in x.iter().enumerate() {
            let want = of.get(w).copied().unwrap_or(0) as f64 / weekly[w] as f64;
            assert!(
                (vals[b] - want).abs() < 1e-9,
                "{name} in the week of {w}: {} against {want}",
                vals[b]
            );
        }
    }
    let title = cdp.eval(&format!("{CHART}.getOption().title[0].text"));
    assert_eq!(title, json!("主题份额 · theme share by week"));
    // Posts instead of shares, and back.
    press(&mut cdp, "#tt-modes button[data-mode=count]");
    let (_, counted) = option_series(&mut cdp);
    for (name, vals) in &counted {
        let (of, _) = r.counts_by("week", &bands[name]);
        for (b, w) in x.iter().enumerate() {
            assert_eq!(
                vals[b],
                of.get(w).copied().unwrap_or(0) as f64,
                "{name}, {w}"
            );
        }
    }
    press(&mut cdp, "#tt-modes button[data-mode=share]");
    press(&mut cdp, &format!("#tt-units button[data-unit={g}]"));
    let (x, _) = option_series(&mut cdp);
    assert_eq!(x, r.periods);
    cdp.eval("document.getElementById('tt-chart').scrollIntoView(); 0");

    // An event's pin lists its posts and links to its page.
    if let Some(pin) = cdp
        .eval(&format!(
            "{CHART}.getOption().series.slice(-1)[0].markPoint.data[0]"
        ))
        .get("eid")
        .and_then(Value::as_u64)
    {
        let e = r
            .events
            .iter()
            .find(|e| e.id as u64 == pin)
            .expect("the pin's event is in events.csv");
        let (px, py) = cdp.point(&format!("ttPage.text('E{}')", e.id));
        cdp.click(px, py, 1);
        let heading = cdp.eval("document.querySelector('#tt-posts h3').textContent");
        assert!(
            heading
                .as_str()
                .unwrap()
                .starts_with(&format!("E{} {} · ", e.id, e.label)),
            "{heading}"
        );
        assert!(heading
            .as_str()
            .unwrap()
            .ends_with(&format!(" · {} posts", e.posts)));
        let titles: Vec<String> = serde_json::from_value(cdp.eval(
            "Array.from(document.querySelectorAll('#tt-posts li a')).map(function(a){return a.textContent;})",
        ))
        .unwrap();
        let want: Vec<String> = e
            .titles
            .iter()
            .map(|t| t.trim_start_matches('\'').to_string())
            .collect();
        assert_eq!(titles, want, "the event's representative posts");
        let of_event: BTreeSet<&str> = r
            .posts
            .iter()
            .filter(|p| p.event == Some(e.id))
            .map(|p| p.title.trim_start_matches('\''))
            .collect();
        assert!(of_event.len() as u64 <= e.posts);
        for t in &titles {
            assert!(
                of_event.contains(t.as_str()),
                "{t} is not a post of E{}",
                e.id
            );
        }
        let href =
            cdp.eval("document.querySelector('#tt-posts .tt-event-link a').getAttribute('href')");
        let page = out.join(href.as_str().unwrap());
        let html = std::fs::read_to_string(&page)
            .unwrap_or_else(|err| panic!("{}: {err}", page.display()));
        assert!(
            html.contains(&format!("<h1>E{} ", e.id)),
            "{}",
            page.display()
        );
        // The event's span is marked on the chart.
        let area = cdp.eval(&format!(
            "{CHART}.getOption().series.slice(-1)[0].markArea.data.length"
        ));
        assert_eq!(area, json!(1));
    } else {
        assert!(r.events.is_empty(), "events but no pin");
    }

    // Save as image: the toolbox's icon downloads a PNG of the chart.
    let downloads = dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    cdp.call(
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.display().to_string()}),
    );
    let (ix, iy) = cdp.point("ttPage.saveIcon()");
    cdp.click(ix, iy, 1);
    let png = downloads.join(format!("theme_share_{g}.png"));
    let started = Instant::now();
    while !png.is_file() || std::fs::metadata(&png).map_or(0, |m| m.len()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no {} downloaded",
            png.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    common::assert_real_png(&png);
    let (w, h, pixels) = read_png(&png);
    let width = cdp
        .eval("document.getElementById('tt-chart').clientWidth")
        .as_u64()
        .unwrap();
    assert_eq!(w as u64, 2 * width, "drawn at twice the page's pixels");
    // Its labels: the title is drawn where the chart draws it.
    let t = cdp.eval(&format!("ttPage.text({CHART}.getOption().title[0].text)"));
    let (tl, tt, tw, th) = (
        t["left"].as_f64().unwrap(),
        t["top"].as_f64().unwrap(),
        t["w"].as_f64().unwrap(),
        t["h"].as_f64().unwrap(),
    );
    let dark = (2 * tt as usize..2 * (tt + th) as usize)
        .flat_map(|y| (2 * tl as usize..2 * (tl + tw) as usize).map(move |x| (x, y)))
        .filter(|&(x, y)| x < w && y < h && pixels[y * w + x] < 128)
        .count();
    assert!(dark > 200, "the exported title has {dark} dark pixels");
    cjk_font_or_skip(&mut cdp);
    (chromium, cdp, r)
}

/// The middle of `band` in `period`.
fn band_point(cdp: &mut Cdp, band: &str, period: &str) -> (f64, f64) {
    cdp.point(&format!("ttPage.point({}, {})", json!(band), json!(period)))
}

/// Clicks the button `selector` (scrolled into view), then brings the chart
/// back into view.
fn press(cdp: &mut Cdp, selector: &str) {
    cdp.eval(&format!(
        "document.querySelector('{selector}').scrollIntoView({{block:'center'}}); 0"
    ));
    let (x, y) = cdp.point(&format!(
        "(function(){{var r=document.querySelector('{selector}').getBoundingClientRect();return {{x:r.left+r.width/2,y:r.top+r.height/2}};}})()"
    ));
    cdp.click(x, y, 1);
    assert_eq!(
        cdp.eval(&format!(
            "document.querySelector('{selector}').getAttribute('aria-pressed')"
        )),
        json!("true"),
        "{selector} pressed"
    );
}

/// A PNG's width, height and grey levels.
fn read_png(path: &Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let grey = buf[..info.buffer_size()]
        .chunks_exact(px)
        .map(|p| {
            if px >= 3 {
                ((p[0] as u32 + p[1] as u32 + p[2] as u32) / 3) as u8
            } else {
                p[0]
            }
        })
        .collect();
    (info.width as usize, info.height as usize, grey)
}

/// Chinese labels need a CJK font in the browser: the page's font draws
/// hanzi unlike characters no font has (the empty boxes of a browser
/// without one). Without one the check is skipped, or fails when `CI` is
/// set (`.ci/run` installs fonts-wqy-microhei).
fn cjk_font_or_skip(cdp: &mut Cdp) {
    let drawn = cdp.eval(
        "(function(){var c=document.createElement('canvas');c.width=160;c.height=40;var x=c.getContext('2d');function draw(s){x.clearRect(0,0,160,40);x.font=\"20px 'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif\";x.fillText(s,4,30);return Array.from(x.getImageData(0,0,160,40).data).join(',');}return draw('主题份额')!==draw('\\uE000\\uE001\\uE002\\uE003');})()",
    );
    if drawn != json!(true) {
        if std::env::var_os("CI").is_some() {
            panic!("the browser has no CJK font, and CI is set: install fonts-wqy-microhei");
        }
        eprintln!("SKIPPED: the exported image's Chinese labels (no CJK font; apt-get install fonts-wqy-microhei)");
    }
}

/// Writes one post of subject `key` numbered `n` on `date`, with `extra`
/// words in its title and body, `title` instead of its own when given, and
/// a `categories` field.
fn post(dir: &Path, key: &str, n: usize, date: NaiveDate, extra: &[&str], title: Option<&str>) {
    let (own, body) = common::subject_text(common::subject(key), n);
    let title = title.map_or_else(|| format!("{}{own}", extra.join("")), str::to_string);
    let body = format!("{body}{}。", extra.join("，"));
    let category = ["经济", "社会", "国际"][n % 3];
    std::fs::write(
        dir.join(format!("{date}-{key}-{n:05}.md")),
        format!("---\ntitle: \"{title}\"\ndate: {date}\ncategories: {category}\n---\n{body}\n"),
    )
    .unwrap();
}

/// A theme name and titles that would run as script if the page put them
/// in as markup.
const HOSTILE_NAME: &str = "<img src=x onerror=window.ttPwned=1>春运";
const HOSTILE_TITLES: [&str; 2] = [
    "<img src=x onerror=window.ttPwned=2>春运铁路旅客",
    "</script><script>window.ttPwned=3</script>春运旅客",
];

/// Three subjects, one post of each a day from 2024-01-01 to 2024-06-30,
/// and an event: twelve more space posts with the words of the winter games
/// from 2024-03-04. The travel posts of February have hostile titles (so
/// that any sample of that month's posts lists them).
fn archive(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut n = 0;
    for i in 0..182 {
        let d = first + chrono::Duration::days(i);
        for key in ["travel", "farm", "space"] {
            n += 1;
            let title = (key == "travel" && d.month() == 2).then(|| HOSTILE_TITLES[i as usize % 2]);
            post(dir, key, n, d, &[], title);
        }
    }
    let start = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    for i in 0..12 {
        n += 1;
        post(
            dir,
            "space",
            n,
            start + chrono::Duration::days(i),
            &["冬奥会", "滑雪", "冰球"],
            None,
        );
    }
}

#[test]
fn every_interaction_of_the_share_chart_shows_what_the_csvs_say() {
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("posts");
    archive(&input);
    let themes = dir.path().join("themes.toml");
    std::fs::write(
        &themes,
        format!("[[theme]]\nname = {HOSTILE_NAME:?}\nseeds = [\"春运\", \"旅客\"]\n"),
    )
    .unwrap();
    let out = run_report(
        dir.path(),
        &input,
        &[
            "--k",
            "3",
            "--facet",
            "categories",
            "--themes",
            themes.to_str().unwrap(),
        ],
    );
    let (_chromium, mut cdp, r) = check_page(&browser, dir.path(), &out, "month");
    assert!(!r.events.is_empty(), "the archive has an event");

    // The hostile name and titles are text on the page, never markup.
    let named = r
        .themes
        .iter()
        .find(|t| t.label == HOSTILE_NAME)
        .expect("the named theme");
    let band = format!("T{} {HOSTILE_NAME}", named.id);
    let period = r.periods[2].clone();
    let (x, y) = band_point(&mut cdp, &band, &period);
    cdp.mouse("mouseMoved", x, y, 0);
    let tip = tooltip(&mut cdp, "#tt-chart").expect("a tooltip");
    assert!(tip_line(&tip, &band).is_some(), "{tip}");
    let html = cdp.eval("document.querySelector('#tt-chart .tt-tip').innerHTML");
    assert!(html.as_str().unwrap().contains("&lt;img src=x"), "{html}");
    // Its posts of each period, listed by a click: the hostile titles
    // among them, as text.
    let mut listed: Vec<String> = Vec::new();
    for period in r.periods.clone() {
        let (x, y) = band_point(&mut cdp, &band, &period);
        cdp.click(x, y, 1);
        listed.extend(serde_json::from_value::<Vec<String>>(cdp.eval(
            "Array.from(document.querySelectorAll('#tt-posts li a')).map(function(a){return a.textContent;})",
        ))
        .unwrap());
    }
    assert!(
        listed.iter().any(|t| HOSTILE_TITLES.contains(&t.as_str())),
        "{listed:?}"
    );

    // A theme's chart, drawn when scrolled to: trends.csv's shares.
    let t = r.themes.iter().position(|t| t.id == named.id).unwrap();
    let sel = format!(".tt-small[data-theme='{t}']");
    cdp.eval(&format!(
        "document.querySelector(\"{sel}\").scrollIntoView(); 0"
    ));
    cdp.wait_for(
        &format!("!!document.querySelector(\"{sel}\").getAttribute('data-drawn')"),
        "the theme's chart",
    );
    let o = cdp.eval(&format!(
        "(function(){{var o=echarts.getInstanceByDom(document.querySelector(\"{sel}\")).getOption();return [o.series[0].data,o.series[1].data];}})()"
    ));
    for (k, p) in r.periods.iter().enumerate() {
        let (_, share, smoothed) = r.cells[&(p.clone(), named.id)];
        assert!(
            (o[0][k][1].as_f64().unwrap() - share).abs() < 1e-9,
            "{p}: {} against {share}",
            o[0][k]
        );
        assert!(
            (o[1][k][1].as_f64().unwrap() - smoothed).abs() < 1e-9,
            "{p} smoothed: {} against {smoothed}",
            o[1][k]
        );
    }
    let (sx, sy) = cdp.point(&format!(
        "(function(){{var r=document.querySelector(\"{sel}\").getBoundingClientRect();return {{x:r.left+r.width/2,y:r.top+r.height/2}};}})()"
    ));
    cdp.mouse("mouseMoved", sx, sy, 0);
    let tip = tooltip(&mut cdp, &sel.replace('\'', "\\'")).unwrap_or_default();
    assert!(
        tip.contains(&format!("T{} {HOSTILE_NAME}: ", named.id)),
        "{tip:?}"
    );

    // The facet chart: trends_by_facet.csv's shares within each value.
    let (fh, frows) = common::read_csv(&out.join("trends_by_facet.csv"));
    cdp.eval("document.querySelector('.tt-facet').scrollIntoView(); 0");
    cdp.wait_for(
        "!!document.querySelector('.tt-facet').getAttribute('data-drawn')",
        "the facet chart",
    );
    let o = cdp.eval(
        "(function(){var o=echarts.getInstanceByDom(document.querySelector('.tt-facet')).getOption();return {titles:o.title.map(function(t){return t.text;}),series:o.series.map(function(s){return [s.name,s.xAxisIndex,s.data];})};})()",
    );
    let mut checked = 0;
    for s in o["series"].as_array().unwrap() {
        let name = s[0].as_str().unwrap();
        let Some(theme) = r
            .themes
            .iter()
            .find(|t| name == format!("T{} {}", t.id, t.label))
        else {
            continue;
        };
        let panel = s[1].as_u64().unwrap() as usize;
        let value = o["titles"][panel + 1]
            .as_str()
            .unwrap()
            .split(" · ")
            .next()
            .unwrap()
            .to_string();
        for (k, p) in r.periods.iter().enumerate() {
            let want = frows
                .iter()
                .find(|f| {
                    f[column(&fh, "value")] == value
                        && label_of(day(&f[column(&fh, "period")]), "month") == *p
                        && f[column(&fh, "theme_id")] == theme.id.to_string()
                })
                .map_or(0.0, |f| f[column(&fh, "share")].parse().unwrap());
            let got = s[2][k].as_f64().unwrap_or(0.0);
            assert!(
                (got - want).abs() < 1e-9,
                "{value}, {p}, {name}: {got} against {want}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no facet series checked: {o}");

    // The filter box: the themes of a word, in the chart and the table.
    filter_shows_the_same_themes(&mut cdp, &r);
    nothing_fetched(&mut cdp, &out);
    assert_eq!(
        cdp.eval("window.ttPwned === undefined"),
        json!(true),
        "a title or name ran as script"
    );
    assert_eq!(
        cdp.eval("document.querySelectorAll('img[src=\"x\"]').length"),
        json!(0)
    );
}

/// Every request the page made since it was opened: the page itself from
/// disk, and images it made itself (`data:`, `blob:`; the exported PNG),
/// never the network. Scrolls through the whole page first, so that every
/// lazily drawn chart has been drawn.
fn nothing_fetched(cdp: &mut Cdp, out: &Path) {
    let height = cdp
        .eval("document.documentElement.scrollHeight")
        .as_f64()
        .unwrap();
    let mut y = 0.0;
    while y < height {
        cdp.eval(&format!("window.scrollTo(0, {y}); 0"));
        std::thread::sleep(Duration::from_millis(30));
        y += 800.0;
    }
    std::thread::sleep(Duration::from_millis(300));
    let drawn = cdp.eval(
        "[document.querySelectorAll('.tt-small, .tt-facet').length, document.querySelectorAll('.tt-small[data-drawn], .tt-facet[data-drawn]').length]",
    );
    assert_eq!(drawn[0], drawn[1], "every chart drawn once seen: {drawn}");
    let urls: Vec<String> = cdp
        .events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .filter_map(|e| e["params"]["request"]["url"].as_str().map(str::to_string))
        .collect();
    let page = format!("file://{}", out.join("index.html").display());
    assert!(
        urls.contains(&page),
        "the page's own request seen: {urls:?}"
    );
    for u in &urls {
        assert!(
            u.starts_with("file://") || u.starts_with("data:") || u.starts_with("blob:"),
            "the page fetched {u}"
        );
    }
}

/// Types a word of a theme's label into the filter box: the chart's bands
/// and the table's rows are the themes whose label or top terms hold it.
fn filter_shows_the_same_themes(cdp: &mut Cdp, r: &Report) {
    let other = &r.themes[r.themes.len() - 1];
    let word: String = other.label.chars().take(2).collect();
    let matching: BTreeSet<u32> = r
        .themes
        .iter()
        .filter(|t| t.label.contains(&word) || t.terms.contains(&word))
        .map(|t| t.id)
        .collect();
    cdp.eval("document.getElementById('tt-filter').scrollIntoView(); document.getElementById('tt-filter').focus(); 0");
    cdp.call("Input.insertText", json!({ "text": word }));
    let rows: BTreeSet<u32> = serde_json::from_value::<Vec<String>>(cdp.eval(
        "Array.from(document.querySelectorAll('tr[data-theme-id]')).filter(function(r){return r.style.display!=='none';}).map(function(r){return r.getAttribute('data-theme-id');})",
    ))
    .unwrap()
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let bands: Vec<Value> = serde_json::from_value(cdp.eval("ttPage.bands()")).unwrap();
    let in_chart: BTreeSet<u32> = bands
        .iter()
        .flat_map(|b| serde_json::from_value::<Vec<u32>>(b["members"].clone()).unwrap())
        .collect();
    assert_eq!(rows, matching, "{word}: the table");
    assert_eq!(in_chart, matching, "{word}: the chart");
    assert!(matching.contains(&other.id));
    assert!(matching.len() < r.themes.len(), "{word} hides no theme");
    cdp.eval("(function(){var f=document.getElementById('tt-filter');f.value='';f.dispatchEvent(new Event('input'));})(); 0");
}

#[test]
fn the_demo_report_page_answers_hover_click_zoom_legend_weeks_and_export() {
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path(), &common::demo(), &["--k", "4"]);
    let (_chromium, mut cdp, r) = check_page(&browser, dir.path(), &out, "month");
    filter_shows_the_same_themes(&mut cdp, &r);
    nothing_fetched(&mut cdp, &out);
}

/// The same on the xwlb archive's report (about 40 themes in twelve
/// super-themes over 48 months, hundreds of events).
#[test]
fn the_xwlb_report_page_answers_every_interaction() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path(), &input, &["--no-cache"]);
    let (_chromium, mut cdp, r) = check_page(&browser, dir.path(), &out, "month");
    assert!(r.themes.len() > 12, "super-themes drawn");
    assert!(!r.events.is_empty());
    filter_shows_the_same_themes(&mut cdp, &r);
    nothing_fetched(&mut cdp, &out);
}

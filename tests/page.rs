//! The interactive chart of `index.html` as a reader uses it: headless
//! Chromium opens the page from disk and is driven through the DevTools
//! protocol (a small client over a plain WebSocket, below). Hovering a
//! band must show its period, theme, share and posts as trends.csv gives
//! them; clicking it must list that theme's posts of that period as
//! assignments.csv has them; the filter box must hide the other themes.
//! Without Chromium the test is skipped with a message, or fails when `CI`
//! is set (`.ci/run` installs Debian's `chromium`; `CHROMIUM` names
//! another).

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
}

impl Cdp {
    /// Starts Chromium with a debugging port and connects to its page.
    fn launch(browser: &Path, profile: &Path) -> (Browser, Cdp) {
        let child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--window-size=1400,1000",
            ])
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
        (browser, Cdp { stream, next: 1 })
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

    /// Calls `method` and returns its result (events in between are
    /// dropped).
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

    fn mouse(&mut self, kind: &str, x: f64, y: f64) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": if kind == "mouseMoved" { "none" } else { "left" }, "clickCount": 1}),
        );
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

#[test]
fn hovering_and_clicking_the_share_chart_shows_the_reports_figures_and_posts() {
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    check_page(&browser, &common::demo(), &["--k", "4"]);
}

/// The same on the xwlb archive's report (about 40 themes over 48 months).
#[test]
fn the_xwlb_report_page_answers_hover_click_and_filter() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    check_page(&browser, &input, &["--no-cache"]);
}

/// Runs the binary on `input` with `flags`, opens its index.html in
/// `browser` and checks hover, click and filter against the CSV reports.
fn check_page(browser: &Path, input: &Path, flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
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

    // The busiest (period, theme) of trends.csv: a band wide enough to hit.
    let (h, rows) = common::read_csv(&out.join("trends.csv"));
    let (cp, ct, cc, cs) = (
        column(&h, "period"),
        column(&h, "theme_id"),
        column(&h, "count"),
        column(&h, "share"),
    );
    let mut periods: Vec<&str> = rows.iter().map(|r| r[cp].as_str()).collect();
    periods.dedup();
    let best = rows
        .iter()
        .max_by_key(|r| r[cc].parse::<u64>().unwrap())
        .unwrap();
    let theme: u32 = best[ct].parse().unwrap();
    let count: u64 = best[cc].parse().unwrap();
    let share: f64 = best[cs].parse().unwrap();
    let period = &best[cp];
    let b = periods.iter().position(|p| p == period).unwrap();
    let (th, themes) = common::read_csv(&out.join("themes.csv"));
    let label = themes
        .iter()
        .find(|r| r[column(&th, "theme_id")] == theme.to_string())
        .map(|r| r[column(&th, "label")].clone())
        .unwrap();

    let (_chromium, mut cdp) = Cdp::launch(browser, &dir.path().join("profile"));
    cdp.call("Page.enable", json!({}));
    let url = format!("file://{}", out.join("index.html").display());
    cdp.call("Page.navigate", json!({ "url": url }));
    let started = Instant::now();
    while cdp.eval("document.readyState === 'complete' && !!document.querySelector('#tt-chart[data-drawn-ms]')") != json!(true) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the chart was not drawn within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The chart draws the report's periods (the demo is not added up).
    let drawn = cdp.eval("JSON.parse(document.getElementById('tt-data').textContent).periods");
    assert_eq!(
        drawn.as_array().unwrap().len(),
        periods.len(),
        "periods drawn: {drawn}"
    );
    assert_eq!(drawn[b], json!(&period[..7]));

    cdp.eval("document.getElementById('tt-chart').scrollIntoView(); 0");
    let point = cdp.eval(&format!("window.ttChart.point({theme}, {b})"));
    let (x, y) = (point["x"].as_f64().unwrap(), point["y"].as_f64().unwrap());

    // Hover: the tooltip shows what trends.csv says.
    cdp.mouse("mouseMoved", x, y);
    let tip = cdp.eval("(function(){var t=document.getElementById('tt-tooltip');return t.hidden?null:t.innerText;})()");
    let tip = tip.as_str().expect("the tooltip shows on hover");
    let expected = [
        period[..7].to_string(),
        format!("T{theme} {label}"),
        format!("{count} posts"),
    ];
    for e in &expected {
        assert!(tip.contains(e.as_str()), "tooltip {tip:?} lacks {e:?}");
    }
    // The share to one decimal: within rounding of trends.csv's share.
    let shown: f64 = tip
        .split("share ")
        .nth(1)
        .and_then(|t| t.split('%').next())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or_else(|| panic!("tooltip {tip:?} shows no share"));
    assert!(
        (shown - share * 100.0).abs() <= 0.051,
        "tooltip share {shown}% against {}%",
        share * 100.0
    );

    // Click: the list holds that theme's posts of that period.
    cdp.mouse("mousePressed", x, y);
    cdp.mouse("mouseReleased", x, y);
    let listed = cdp.eval(
        "Array.from(document.querySelectorAll('#tt-posts li')).map(function(li){var a=li.querySelector('a');return [li.querySelector('span').textContent, a.textContent, a.getAttribute('href')];})",
    );
    let listed = listed.as_array().unwrap();
    let heading = cdp.eval("document.querySelector('#tt-posts h3').textContent");
    assert!(
        heading
            .as_str()
            .is_some_and(|h| h.contains(&format!("T{theme} ")) && h.contains(&period[..7])),
        "{heading}"
    );
    let (ah, assigned) = common::read_csv(&out.join("assignments.csv"));
    let (ap, ad, at, ai) = (
        column(&ah, "path"),
        column(&ah, "date"),
        column(&ah, "title"),
        column(&ah, "theme_id"),
    );
    let of_cell: HashMap<String, (&str, &str)> = assigned
        .iter()
        .filter(|r| r[ai] == theme.to_string() && r[ad].starts_with(&period[..7]))
        .map(|r| {
            let file = Path::new(&r[ap]).file_name().unwrap().to_string_lossy();
            (file.into_owned(), (r[at].as_str(), r[ad].as_str()))
        })
        .collect();
    assert_eq!(
        of_cell.len() as u64,
        count,
        "assignments.csv and trends.csv agree"
    );
    assert_eq!(listed.len() as u64, count.min(5), "{listed:?}");
    for row in listed {
        let (date, title, href) = (
            row[0].as_str().unwrap(),
            row[1].as_str().unwrap(),
            row[2].as_str().unwrap(),
        );
        let file = href.rsplit('/').next().unwrap();
        let file = percent_decode(file);
        let (want_title, want_date) = of_cell
            .get(&file)
            .unwrap_or_else(|| panic!("{file} is not a post of T{theme} in {period}"));
        assert_eq!((title, date), (*want_title, &want_date[..10]));
        // The link leads to the post's file.
        let target = out.join(percent_decode(href));
        assert!(target.is_file(), "{} is not a file", target.display());
    }
    let more = cdp.eval("(document.querySelector('#tt-posts .tt-more')||{}).textContent||''");
    if count > 5 {
        assert!(
            more.as_str()
                .unwrap()
                .starts_with(&format!("{} more", count - 5)),
            "{more}"
        );
    }

    // Filter: a word of another theme's label keeps that theme only.
    let other = themes
        .iter()
        .find(|r| r[column(&th, "theme_id")] != theme.to_string())
        .unwrap();
    let other_id = &other[column(&th, "theme_id")];
    let word: String = other[column(&th, "label")].chars().take(2).collect();
    let matching: Vec<&Vec<String>> = themes
        .iter()
        .filter(|r| {
            r[column(&th, "label")].contains(&word) || r[column(&th, "top_terms")].contains(&word)
        })
        .collect();
    cdp.eval("document.getElementById('tt-filter').focus(); 0");
    cdp.call("Input.insertText", json!({ "text": word }));
    let shown_rows = cdp.eval("Array.from(document.querySelectorAll('tr[data-theme-id]')).filter(function(r){return r.style.display!=='none';}).map(function(r){return r.getAttribute('data-theme-id');})");
    let bands = cdp.eval("Array.from(document.querySelectorAll('#tt-chart path[data-theme]')).map(function(p){return p.getAttribute('data-theme');})");
    assert_eq!(shown_rows, bands, "table and chart show the same themes");
    let shown_rows = shown_rows.as_array().unwrap();
    assert!(
        shown_rows.contains(&json!(other_id)),
        "{word}: {shown_rows:?}"
    );
    assert_eq!(shown_rows.len(), matching.len(), "{word}: {shown_rows:?}");
    assert!(shown_rows.len() < themes.len(), "{word} hides no theme");
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

//! Bad and unusual input: every post file of an archive ends up in exactly
//! one place — analysed (`assignments.csv`), rejected with a reason a person
//! understands (`rejected.csv`) or, for files that are not posts, ignored —
//! and no bad post stops, hangs or crashes the run.
//!
//! Archives are written into temporary folders by each test. Most runs open
//! the vocabulary filters (`--min-df 1 --max-df 1.0`): with the defaults an
//! archive of a dozen posts keeps almost no word, and these tests are about
//! what happens to each file, not about vocabulary filtering.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use theme_trends::ingest::reject::DateSource;
use theme_trends::ingest::{Part, RejectReason, Rejection};
use theme_trends::log::Log;
use theme_trends::prepare::{self, PrepareJob};
use theme_trends::store::{Store, Want};
use theme_trends::{dedup, Params};

/// A run that takes longer than this is taken for a hang and killed.
const GUARD: Duration = Duration::from_secs(60);

/// Opens the vocabulary filters for tiny archives (see the module comment).
const OPEN_VOCABULARY: [&str; 4] = ["--min-df", "1", "--max-df", "1.0"];

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

struct Run {
    code: Option<i32>,
    stderr: String,
}

impl Run {
    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && self.code != Some(101),
            "the tool panicked (exit {:?}):\n{}",
            self.code,
            self.stderr
        );
    }
}

/// Runs the binary with `args`, killing it (and failing) after `guard`.
fn tool(args: &[OsString], guard: Duration) -> Run {
    tool_command(
        Command::new(env!("CARGO_BIN_EXE_theme-trends")),
        args,
        guard,
    )
}

/// Runs `command` (the binary, maybe with another user) with `args`,
/// killing it (and failing) after `guard`.
fn tool_command(mut command: Command, args: &[OsString], guard: Duration) -> Run {
    let mut out = tempfile::tempfile().unwrap();
    let mut err = tempfile::tempfile().unwrap();
    let mut child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > guard {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "theme-trends {args:?} did not finish within {} s: killed",
                guard.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |f: &mut std::fs::File| {
        f.rewind().unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let _stdout = read(&mut out);
    Run {
        code: status.code(),
        stderr: read(&mut err),
    }
}

/// `run --input IN --out OUT --k 2 -q` plus `extra` (charts drawn unless
/// `extra` says `--no-charts`).
fn run_args(input: &Path, out: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "run".into(),
        "--input".into(),
        input.into(),
        "--out".into(),
        out.into(),
        "-q".into(),
    ];
    if !extra.contains(&"--k") {
        args.extend(["--k".into(), "2".into()]);
    }
    args.extend(extra.iter().map(OsString::from));
    args
}

/// The usual run of these tests: k = 2, no charts, open vocabulary.
fn run_quick(input: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut all = vec!["--no-charts"];
    all.extend(OPEN_VOCABULARY);
    all.extend(extra);
    tool(&run_args(input, out, &all), GUARD)
}

fn run_json(out: &Path) -> serde_json::Value {
    let path = out.join("run.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn count(run: &serde_json::Value, name: &str) -> u64 {
    run["counts"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("run.json counts.{name} missing: {}", run["counts"]))
}

/// `assignments.csv` as (path, date, title) rows.
fn assignments(out: &Path) -> Vec<(String, String, String)> {
    let (header, rows) = common::read_csv(&out.join("assignments.csv"));
    assert_eq!(
        &header[..6],
        ["doc_id", "path", "date", "title", "theme_id", "score"]
    );
    rows.into_iter()
        .map(|r| (r[1].clone(), r[2].clone(), r[3].clone()))
        .collect()
}

/// `rejected.csv` as (path, reason) rows.
fn rejections(out: &Path) -> Vec<(String, String)> {
    let (header, rows) = common::read_csv(&out.join("rejected.csv"));
    assert_eq!(header, ["path", "reason"]);
    rows.into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// Writing archives
// ---------------------------------------------------------------------------

/// A temporary folder holding an archive (`_posts`) and room for the reports.
struct Archive {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Archive {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("_posts");
        std::fs::create_dir(&root).unwrap();
        Archive { dir, root }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Writes `rel` (folders created) and returns its path.
    fn put(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The path of `rel` as the tool reports it.
    fn shown(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }
}

/// A post with a front matter of `fields` lines and `body`.
fn post(fields: &str, body: &str) -> String {
    format!("---\n{fields}\n---\n{body}")
}

/// What must become of a post file.
#[derive(Debug, Clone)]
enum Expect {
    /// Analysed, with this date and title in `assignments.csv`.
    Accepted { date: String, title: String },
    /// In `rejected.csv` with exactly this reason.
    Reason(String),
    /// In `rejected.csv` with a reason starting and ending so.
    ReasonLike { starts: String, ends: String },
}

fn accepted(date: &str, title: &str) -> Expect {
    Expect::Accepted {
        date: date.into(),
        title: title.into(),
    }
}

fn reason(r: &str) -> Expect {
    Expect::Reason(r.into())
}

/// A long flood report: 45 distinct sentences (about 1,300 characters);
/// `changed` replaces sentence 20 with an unrelated one, as a re-publication
/// with one sentence edited would.
fn long_report(changed: bool) -> String {
    const RIVERS: [&str; 11] = [
        "长江",
        "淮河",
        "珠江",
        "松花江",
        "黄河",
        "海河",
        "太湖",
        "洞庭湖",
        "鄱阳湖",
        "汉江",
        "嘉陵江",
    ];
    const EVENTS: [&str; 7] = [
        "水位持续上涨",
        "出现超警洪水",
        "迎来强降雨过程",
        "堤防出现管涌险情",
        "水库开闸泄洪",
        "河道流量明显加大",
        "支流水位开始回落",
    ];
    const MEASURES: [&str; 5] = [
        "防汛人员昼夜巡查堤段",
        "抢险队伍连夜加固堤坝",
        "当地政府转移受威胁群众",
        "有关部门启动四级应急响应",
        "专家组赶赴现场指导处置",
    ];
    let mut text = String::new();
    for i in 0..45 {
        if changed && i == 20 {
            text.push_str("另据报道，一座新建的跨江公路大桥今天上午正式通车运营。");
        } else {
            text.push_str(&format!(
                "{}流域第{}号监测点{}，{}。",
                RIVERS[i % 11],
                i + 1,
                EVENTS[i % 7],
                MEASURES[i % 5]
            ));
        }
        if i % 5 == 4 {
            text.push_str("\n\n");
        }
    }
    text
}

/// Writes the main archive: one file per case of the brief, and returns
/// what must become of every post file (by path relative to the archive).
/// Also writes two files that are not posts (`photo.png`, `readme.txt`).
fn write_main_archive(a: &Archive) -> BTreeMap<&'static str, Expect> {
    let mut expect = BTreeMap::new();

    // ---- valid posts -----------------------------------------------------
    // UTF-8 BOM and CRLF line endings throughout.
    let crlf = "\u{feff}---\r\ntitle: 春运首日铁路客流\r\ndate: 2024-01-03\r\n---\r\n春运首日，全国铁路发送旅客一千多万人次。\r\n\r\n各地车站增开临时售票窗口。\r\n";
    a.put("2024-01-03-bom-crlf.md", crlf);
    expect.insert(
        "2024-01-03-bom-crlf.md",
        accepted("2024-01-03", "春运首日铁路客流"),
    );

    // No date field: the date comes from the Jekyll file-name prefix.
    a.put(
        "2024-01-04-date-from-file-name.md",
        post(
            "title: 铁路加开夜间高铁\nlayout: post",
            "铁路部门加开夜间高铁列车，方便旅客返乡过年。\n",
        ),
    );
    expect.insert(
        "2024-01-04-date-from-file-name.md",
        accepted("2024-01-04", "铁路加开夜间高铁"),
    );

    // RFC 3339 date, in a file name without a date.
    a.put(
        "rfc3339-date.md",
        post(
            "title: 机场春运航班增加\ndate: 2024-03-01T08:00:00+08:00",
            "各大机场春运期间增加航班，旅客出行更加便利。\n",
        ),
    );
    expect.insert(
        "rfc3339-date.md",
        accepted("2024-03-01", "机场春运航班增加"),
    );

    // Date-only date, in a file name without a date.
    a.put(
        "date-only.md",
        post(
            "title: 公路客运平稳有序\ndate: 2024-02-10",
            "春运期间公路客运平稳有序，长途客车准点发车。\n",
        ),
    );
    expect.insert("date-only.md", accepted("2024-02-10", "公路客运平稳有序"));

    // Single-quoted YAML title with doubled quotes, double quotes and colons.
    a.put(
        "2024-01-06-quoted-title.md",
        post(
            "title: '他说：''你好'' 答: \"回家过年\"'\ndate: 2024-01-06",
            "返乡旅客在候车大厅互致问候，车站志愿者引导乘车。\n",
        ),
    );
    expect.insert(
        "2024-01-06-quoted-title.md",
        accepted("2024-01-06", "他说：'你好' 答: \"回家过年\""),
    );

    // Tags as a YAML flow list.
    a.put(
        "2024-01-07-tags-flow.md",
        post(
            "title: 春运售票高峰\ndate: 2024-01-07\ntags: [春运, 铁路, \"返乡\"]",
            "铁路售票进入高峰，热门线路车票很快售罄。\n",
        ),
    );
    expect.insert(
        "2024-01-07-tags-flow.md",
        accepted("2024-01-07", "春运售票高峰"),
    );

    // Tags as a YAML block list.
    a.put(
        "2024-01-08-tags-block.md",
        post(
            "title: 南方暴雨防汛\ndate: 2024-01-08\ntags:\n  - 防汛\n  - 暴雨\ncategories:\n  - 新闻",
            "南方多地出现暴雨，防汛部门加强值守。\n",
        ),
    );
    expect.insert(
        "2024-01-08-tags-block.md",
        accepted("2024-01-08", "南方暴雨防汛"),
    );

    // A Markdown body: headings, lists, a quote, emphasis.
    a.put(
        "2024-01-09-markdown.md",
        post(
            "title: 防汛会商部署\ndate: 2024-01-09",
            "# 防汛会商会议召开\n\n## 重点部署\n\n- 加强水库巡查\n- 转移低洼地区群众\n\n1. 储备抢险物资\n2. 检修排涝泵站\n\n> 水利部门提醒主汛期防汛形势严峻。\n\n会议要求**压实**防汛责任。\n",
        ),
    );
    expect.insert(
        "2024-01-09-markdown.md",
        accepted("2024-01-09", "防汛会商部署"),
    );

    // Markdown with <style> and <script> blocks (one with a blank line
    // inside): their content must not reach the text.
    a.put(
        "2024-01-10-script-style.md",
        post(
            "title: 暴雨预警发布\ndate: 2024-01-10",
            "<style>\n.leakedstyleword { color: red; }\n</style>\n\n暴雨预警发布后，防汛部门连夜巡查堤防。\n\n<script>\nvar leakedscriptword = 1;\n\nvar leakedsecondline = 2;\n</script>\n\n水位回落后群众陆续返回家中。\n",
        ),
    );
    expect.insert(
        "2024-01-10-script-style.md",
        accepted("2024-01-10", "暴雨预警发布"),
    );

    // An HTML post with an entity, an inline script and a style element.
    a.put(
        "2024-01-11-html-body.html",
        post(
            "title: 城市内涝排水\ndate: 2024-01-11",
            "<p>气象台发布暴雨橙色预警&amp;内涝提醒</p><script>document.write(\"leakedhtmlscript\")</script><style>p { leakedhtmlstyle: 1 }</style><p>城市排水部门开足泵站排除积水。</p>\n",
        ),
    );
    expect.insert(
        "2024-01-11-html-body.html",
        accepted("2024-01-11", "城市内涝排水"),
    );

    // A title-only flash (empty body).
    a.put(
        "2024-01-12-flash.md",
        post("title: \"快讯：铁路春运今日启动\"\ndate: 2024-01-12", ""),
    );
    expect.insert(
        "2024-01-12-flash.md",
        accepted("2024-01-12", "快讯：铁路春运今日启动"),
    );

    // A 6 MB post: valid, body cut at --max-chars with a warning.
    let mut huge = post("title: 防汛监测年度汇总\ndate: 2024-01-13", "");
    let mut i = 0;
    while huge.len() < 6 * 1024 * 1024 {
        huge.push_str(&format!(
            "第{i}号水文监测站报告水位平稳，堤防巡查正常。\n\n"
        ));
        i += 1;
    }
    a.put("2024-01-13-huge.md", &huge);
    expect.insert(
        "2024-01-13-huge.md",
        accepted("2024-01-13", "防汛监测年度汇总"),
    );

    // GBK bytes (not UTF-8): decoded as GB18030.
    let gbk_text = post(
        "title: 春运返程客流高峰\ndate: 2024-01-14",
        "春节假期结束，返程旅客乘坐火车回到城市。\n",
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&gbk_text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the GBK fixture must not be UTF-8"
    );
    a.put("2024-01-14-gbk.md", &gbk);
    expect.insert(
        "2024-01-14-gbk.md",
        accepted("2024-01-14", "春运返程客流高峰"),
    );

    // The original of an exact copy below.
    let original = post(
        "title: 春运车票预售开启\ndate: 2024-01-15",
        "铁路网站开始发售春运车票，旅客可提前十五天购票。\n",
    );
    a.put("2024-01-15-original.md", &original);
    expect.insert(
        "2024-01-15-original.md",
        accepted("2024-01-15", "春运车票预售开启"),
    );

    // The original of a re-publication below.
    a.put(
        "2024-01-20-long-report.md",
        post(
            "title: 各流域汛情通报\ndate: 2024-01-20",
            &long_report(false),
        ),
    );
    expect.insert(
        "2024-01-20-long-report.md",
        accepted("2024-01-20", "各流域汛情通报"),
    );

    // ---- rejected posts --------------------------------------------------
    a.put("2024-01-21-exact-copy.md", &original);
    let exact_reason = format!("duplicate of {}", a.shown("2024-01-15-original.md"));
    expect.insert("2024-01-21-exact-copy.md", Expect::Reason(exact_reason));

    a.put(
        "2024-01-22-republished.md",
        post(
            "title: 各流域汛情通报\ndate: 2024-01-22",
            &long_report(true),
        ),
    );
    expect.insert(
        "2024-01-22-republished.md",
        Expect::ReasonLike {
            starts: format!(
                "near-duplicate of {} (",
                a.shown("2024-01-20-long-report.md")
            ),
            ends: "% of the text shared)".into(),
        },
    );

    a.put(
        "2024-02-01-no-front-matter.md",
        "春运期间没有前言的稿件。\n",
    );
    expect.insert(
        "2024-02-01-no-front-matter.md",
        reason("no front matter: the file must start with a '---' line"),
    );

    a.put(
        "2024-02-02-unterminated.md",
        "---\ntitle: 未闭合的前言\ndate: 2024-02-02\n春运正文没有结束线。\n",
    );
    expect.insert(
        "2024-02-02-unterminated.md",
        reason("front matter never closed: no second '---' line"),
    );

    // An unquoted colon inside a value: the classic Jekyll YAML mistake.
    // The position is the file's (line 2 is the title line, column 10 the
    // second colon).
    a.put(
        "2024-02-03-invalid-yaml.md",
        post("title: 通知: 春运: 开始\ndate: 2024-02-03", "春运正文。\n"),
    );
    expect.insert(
        "2024-02-03-invalid-yaml.md",
        reason("front matter is not valid YAML: line 2, column 10: mapping values are not allowed in this context"),
    );

    a.put(
        "no-date-anywhere.md",
        post("title: 没有日期的稿件", "铁路春运正文内容。\n"),
    );
    expect.insert(
        "no-date-anywhere.md",
        reason("no date: neither a 'date' field nor a YYYY-MM-DD- file-name prefix"),
    );

    a.put(
        "2024-02-05-impossible-date.md",
        post("title: 不可能的日期\ndate: 2023-13-45", "防汛正文内容。\n"),
    );
    expect.insert(
        "2024-02-05-impossible-date.md",
        reason("impossible or unreadable date '2023-13-45' in the front matter"),
    );

    a.put("2024-02-06-empty.md", "");
    expect.insert("2024-02-06-empty.md", reason("empty file"));

    a.put(
        "2024-02-07-binary.md",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde",
    );
    expect.insert(
        "2024-02-07-binary.md",
        reason("binary file (contains NUL bytes), not a text post"),
    );

    a.put(
        "2024-02-08-no-text.md",
        post("title: ''\ndate: 2024-02-08", "\n<p> </p>\n"),
    );
    expect.insert(
        "2024-02-08-no-text.md",
        reason("no text: title and body are both empty"),
    );

    // Bytes that are neither UTF-8 nor GB18030 (0xFF starts no character
    // in either).
    let mut undecodable = post("title: 乱码稿件\ndate: 2024-02-09", "").into_bytes();
    let offset = undecodable.len();
    undecodable.extend(b"\xff\xfe\xff\n");
    a.put("2024-02-09-undecodable.md", undecodable);
    expect.insert(
        "2024-02-09-undecodable.md",
        Expect::Reason(format!(
            "unknown text encoding: neither UTF-8 (invalid byte at offset {offset}) nor GB18030"
        )),
    );

    // YAML nested deeper than 200 levels: refused before the parser
    // exhausts the stack.
    a.put(
        "2024-02-10-deep-yaml.md",
        post(
            &format!(
                "title: 层层嵌套\ndate: 2024-02-10\ntags: {}春运{}",
                "[".repeat(250),
                "]".repeat(250)
            ),
            "春运正文。\n",
        ),
    );
    expect.insert("2024-02-10-deep-yaml.md", reason(DEEP_YAML_REASON));

    // ---- not posts -------------------------------------------------------
    a.put(
        "photo.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0",
    );
    a.put("readme.txt", "这个文件夹存放新闻稿件。\n");

    expect
}

const MAIN_IGNORED: u64 = 2;

/// The reason for `2024-02-10-deep-yaml.md`: line 4 is the `tags` line, and
/// the bracket that opens level 201 (the front matter's mapping is level 1)
/// is at column 206.
const DEEP_YAML_REASON: &str =
    "front matter is not valid YAML: line 4, column 206: nested more than 200 levels deep";

// ---------------------------------------------------------------------------
// The main archive, through the binary
// ---------------------------------------------------------------------------

#[test]
fn every_post_of_a_messy_archive_is_analysed_or_rejected_with_its_reason() {
    let a = Archive::new();
    let expect = write_main_archive(&a);
    let out = a.out();
    let run = run_quick(&a.root, &out, &["--max-chars", "100000"]);
    run.assert_no_panic();
    assert_eq!(
        run.code,
        Some(0),
        "bad posts must not stop the run:\n{}",
        run.stderr
    );

    let assigned = assignments(&out);
    let rejected = rejections(&out);
    eprintln!(
        "assignments.csv: {assigned:#?}\nrejected.csv: {rejected:#?}\nstderr:\n{}",
        run.stderr
    );

    // Every row is a known post file; every post file is in exactly one row.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for p in assigned
        .iter()
        .map(|r| &r.0)
        .chain(rejected.iter().map(|r| &r.0))
    {
        *seen.entry(p.clone()).or_default() += 1;
    }
    let known: BTreeSet<String> = expect.keys().map(|rel| a.shown(rel)).collect();
    for (p, n) in &seen {
        assert!(known.contains(p), "unexpected row for {p}");
        assert_eq!(
            *n, 1,
            "{p} appears {n} times in assignments.csv + rejected.csv"
        );
    }
    for rel in expect.keys() {
        assert!(
            seen.contains_key(&a.shown(rel)),
            "{rel} was lost: in neither CSV"
        );
    }

    for (rel, e) in &expect {
        let path = a.shown(rel);
        let row = assigned.iter().find(|r| r.0 == path);
        let why = rejected.iter().find(|r| r.0 == path).map(|r| r.1.as_str());
        match e {
            Expect::Accepted { date, title } => {
                let row =
                    row.unwrap_or_else(|| panic!("{rel} must be analysed, was rejected: {why:?}"));
                assert_eq!(&row.1, date, "date of {rel}");
                assert_eq!(&row.2, title, "title of {rel}");
            }
            Expect::Reason(r) => {
                let why = why.unwrap_or_else(|| panic!("{rel} must be rejected, was analysed"));
                assert_eq!(why, r, "reason for {rel}");
            }
            Expect::ReasonLike { starts, ends } => {
                let why = why.unwrap_or_else(|| panic!("{rel} must be rejected, was analysed"));
                assert!(
                    why.starts_with(starts.as_str()) && why.ends_with(ends.as_str()),
                    "reason for {rel}: {why:?}, expected {starts:?}…{ends:?}"
                );
            }
        }
    }

    // The re-publication shares at least the --near-duplicate threshold (90%).
    let near = &rejected
        .iter()
        .find(|r| r.0 == a.shown("2024-01-22-republished.md"))
        .unwrap()
        .1;
    let pct: f64 = near
        .rsplit_once(" (")
        .and_then(|(_, p)| p.split_once('%'))
        .map(|(p, _)| p.parse().unwrap())
        .unwrap();
    assert!((90.0..100.0).contains(&pct), "{near}");

    // Files that are not posts are in neither CSV.
    for name in ["photo.png", "readme.txt"] {
        assert!(!seen.contains_key(&a.shown(name)), "{name} must be ignored");
    }

    // Accounting.
    let n_posts = expect.len() as u64;
    let n_accepted = expect
        .values()
        .filter(|e| matches!(e, Expect::Accepted { .. }))
        .count() as u64;
    let j = run_json(&out);
    assert_eq!(count(&j, "posts"), n_posts, "{}", j["counts"]);
    assert_eq!(count(&j, "accepted"), n_accepted, "{}", j["counts"]);
    assert_eq!(
        count(&j, "rejected"),
        n_posts - n_accepted,
        "{}",
        j["counts"]
    );
    assert_eq!(count(&j, "outside_window"), 0);
    assert_eq!(
        count(&j, "posts"),
        count(&j, "accepted") + count(&j, "rejected") + count(&j, "outside_window")
    );
    assert_eq!(
        count(&j, "duplicates"),
        2,
        "exact + near copy: {}",
        j["counts"]
    );
    assert_eq!(count(&j, "ignored"), MAIN_IGNORED, "{}", j["counts"]);
    assert_eq!(count(&j, "assigned"), assigned.len() as u64);
    assert_eq!(assigned.len() as u64, n_accepted);
    assert_eq!(rejected.len() as u64, n_posts - n_accepted);

    // Warnings: the 6 MB body was cut, the GBK post was decoded.
    let huge = a.shown("2024-01-13-huge.md");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains(&huge)
                && l.contains("characters cut to the first 100000 (--max-chars)")),
        "no --max-chars warning for the 6 MB post:\n{}",
        run.stderr
    );
    let gbk = a.shown("2024-01-14-gbk.md");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains(&gbk) && l.contains("decoded as GB18030/GBK")),
        "no decoding warning for the GBK post:\n{}",
        run.stderr
    );

    // <script>/<style> content reached no report (it would be a word: the
    // vocabulary is open, so any leaked word would be a term).
    for file in [
        "themes.csv",
        "theme_terms_by_period.csv",
        "assignments.csv",
        "run.json",
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        for leaked in ["leaked", "color", "document"] {
            assert!(!text.contains(leaked), "{file} holds {leaked:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// The main archive, through the library: the text each post becomes
// ---------------------------------------------------------------------------

#[test]
fn ingest_gives_each_valid_post_its_exact_text_and_each_bad_one_its_reason() {
    let a = Archive::new();
    let expect = write_main_archive(&a);
    let mut params = Params::default();
    params.ingest.max_chars = 100_000;
    let params = params.check().unwrap();
    let work = tempfile::tempdir().unwrap();
    let store_dir = work.path().join("store");
    let manifest = prepare::prepare(
        &PrepareJob {
            input: &a.root,
            part: Part::WHOLE,
            store: &store_dir,
            previous: None,
            verify: false,
            resident: None,
        },
        &params.prepare(),
        &Log::quiet(),
    )
    .unwrap();
    let store = Store::open(&store_dir, manifest.fingerprint).unwrap();
    let copies = dedup::find_duplicates(&store, &params.dedup(), &work.path().join("tmp")).unwrap();
    // Every post of the store: accepted ones with their text, the rest with
    // their reason (copies found by the dedup stage).
    let mut docs: Vec<Doc> = Vec::new();
    let mut rejected: Vec<Rejection> = store.problems();
    let mut warnings: Vec<String> = Vec::new();
    for seg in store.segments() {
        let read = seg.read(Want::ALL).unwrap();
        for (rec, text) in read.records.iter().zip(read.texts.as_ref().unwrap()) {
            match (&rec.outcome, copies.of(rec.doc)) {
                (Err(reason), _) | (Ok(_), Some(reason)) => rejected.push(Rejection {
                    doc_id: Some(rec.doc),
                    path: rec.path.clone(),
                    reason: reason.clone(),
                }),
                (Ok(f), None) => {
                    warnings.extend(f.warnings.iter().map(|w| format!("{}: {w}", rec.path)));
                    docs.push(Doc {
                        doc_id: rec.doc.0 as usize,
                        path: rec.path.clone(),
                        date: f.day(),
                        title: f.title.clone(),
                        body: text.split_once('\n').map_or("", |(_, b)| b).to_string(),
                    });
                }
            }
        }
    }

    let doc = |rel: &str| {
        let path = a.shown(rel);
        docs.iter()
            .find(|d| d.path == path)
            .unwrap_or_else(|| panic!("{rel} not accepted: {rejected:?}"))
    };
    let reason_of = |rel: &str| {
        let path = a.shown(rel);
        rejected
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("{rel} not rejected"))
            .reason
            .clone()
    };

    // BOM and CR are gone from title and body.
    let d = doc("2024-01-03-bom-crlf.md");
    assert_eq!(d.title, "春运首日铁路客流");
    assert_eq!(
        d.body,
        "春运首日，全国铁路发送旅客一千多万人次。\n各地车站增开临时售票窗口。"
    );

    // Markdown markup is gone, every block is a line, all text is kept.
    assert_eq!(
        doc("2024-01-09-markdown.md").body,
        "防汛会商会议召开\n重点部署\n加强水库巡查\n转移低洼地区群众\n储备抢险物资\n检修排涝泵站\n水利部门提醒主汛期防汛形势严峻。\n会议要求压实防汛责任。"
    );

    // <script> and <style> content is dropped, the text around kept.
    assert_eq!(
        doc("2024-01-10-script-style.md").body,
        "暴雨预警发布后，防汛部门连夜巡查堤防。\n水位回落后群众陆续返回家中。"
    );
    assert_eq!(
        doc("2024-01-11-html-body.html").body,
        "气象台发布暴雨橙色预警&内涝提醒\n城市排水部门开足泵站排除积水。"
    );

    // The flash has a title and no body.
    let d = doc("2024-01-12-flash.md");
    assert_eq!(
        (d.title.as_str(), d.body.as_str()),
        ("快讯：铁路春运今日启动", "")
    );

    // The 6 MB post is cut to exactly --max-chars characters, from its start.
    let d = doc("2024-01-13-huge.md");
    assert_eq!(d.body.chars().count(), 100_000);
    assert!(d
        .body
        .starts_with("第0号水文监测站报告水位平稳，堤防巡查正常。\n第1号"));
    let huge = a.shown("2024-01-13-huge.md");
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with(&huge) && w.contains("cut to the first 100000")),
        "{warnings:?}"
    );

    // GBK decoded to the original characters.
    let d = doc("2024-01-14-gbk.md");
    assert_eq!(d.title, "春运返程客流高峰");
    assert_eq!(d.body, "春节假期结束，返程旅客乘坐火车回到城市。");

    // Dates.
    let date = |rel: &str| doc(rel).date.unwrap().to_string();
    assert_eq!(date("2024-01-04-date-from-file-name.md"), "2024-01-04");
    assert_eq!(date("rfc3339-date.md"), "2024-03-01");
    assert_eq!(date("date-only.md"), "2024-02-10");
    assert_eq!(
        doc("2024-01-06-quoted-title.md").title,
        "他说：'你好' 答: \"回家过年\""
    );

    // Reasons, as values.
    assert_eq!(reason_of("no-date-anywhere.md"), RejectReason::NoDate);
    assert_eq!(
        reason_of("2024-02-05-impossible-date.md"),
        RejectReason::BadDate {
            value: "2023-13-45".into(),
            source: DateSource::FrontMatter
        }
    );
    assert_eq!(reason_of("2024-02-06-empty.md"), RejectReason::Empty);
    assert_eq!(reason_of("2024-02-07-binary.md"), RejectReason::Binary);
    assert_eq!(reason_of("2024-02-08-no-text.md"), RejectReason::NoText);
    assert_eq!(
        reason_of("2024-02-01-no-front-matter.md"),
        RejectReason::NoFrontMatter
    );
    assert_eq!(
        reason_of("2024-02-02-unterminated.md"),
        RejectReason::UnterminatedFrontMatter
    );
    assert!(matches!(
        reason_of("2024-02-03-invalid-yaml.md"),
        RejectReason::InvalidYaml(_)
    ));
    assert!(matches!(
        reason_of("2024-02-09-undecodable.md"),
        RejectReason::Encoding(_)
    ));
    assert_eq!(
        reason_of("2024-02-10-deep-yaml.md").to_string(),
        DEEP_YAML_REASON
    );
    assert_eq!(
        reason_of("2024-01-21-exact-copy.md"),
        RejectReason::Duplicate {
            of: a.shown("2024-01-15-original.md")
        }
    );
    match reason_of("2024-01-22-republished.md") {
        RejectReason::NearDuplicate { of, similarity } => {
            assert_eq!(of, a.shown("2024-01-20-long-report.md"));
            assert!((0.9..1.0).contains(&similarity), "{similarity}");
        }
        other => panic!("republished: {other:?}"),
    }

    // Counts agree with the expectations, and every post has one place.
    let n_accepted = expect
        .values()
        .filter(|e| matches!(e, Expect::Accepted { .. }))
        .count();
    assert_eq!(docs.len(), n_accepted);
    assert_eq!(rejected.len(), expect.len() - n_accepted);
    assert_eq!(
        store.parts[0].posts() as usize + store.problems().len(),
        expect.len()
    );
    assert_eq!(copies.len(), 2);
    assert_eq!(store.ignored(), MAIN_IGNORED);
    let mut ids: Vec<usize> = docs
        .iter()
        .map(|d| d.doc_id)
        .chain(
            rejected
                .iter()
                .map(|r| r.doc_id.expect("post files have ids").0 as usize),
        )
        .collect();
    ids.sort();
    assert_eq!(ids, (0..expect.len()).collect::<Vec<_>>());
}

/// An accepted post as the store keeps it.
#[derive(Debug)]
struct Doc {
    doc_id: usize,
    path: String,
    date: Option<chrono::NaiveDate>,
    title: String,
    body: String,
}

// ---------------------------------------------------------------------------
// Posts that segmentation or the vocabulary empties; kept near-duplicates
// ---------------------------------------------------------------------------

/// With the default vocabulary filters: a post of stop words and numbers
/// has no words after segmentation; a post whose words no other post uses
/// has none in the vocabulary (`--min-df 2`). Both are listed with the
/// README's reasons, and the rest of the archive is analysed.
#[test]
fn posts_without_words_or_without_vocabulary_are_rejected_with_their_reasons() {
    let a = Archive::new();
    let mut good = Vec::new();
    for (key, start) in [
        ("travel", "2024-01-02"),
        ("flood", "2024-05-02"),
        ("trade", "2024-03-02"),
    ] {
        good.extend(common::write_subject(&a.root, key, 0, 12, start, 3));
    }
    a.put(
        "2024-03-20-stop-words.md",
        post(
            "title: 我们的2024\ndate: 2024-03-20",
            "他们的，我们的。123，456。\n",
        ),
    );
    a.put(
        "2024-03-21-rare-words.md",
        post(
            "title: 航天火箭\ndate: 2024-03-21",
            "卫星，发射，空间站。\n",
        ),
    );
    let out = a.out();
    let run = tool(
        &run_args(&a.root, &out, &["--k", "3", "--no-charts"]),
        GUARD,
    );
    run.assert_no_panic();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        rejections(&out),
        [
            (
                a.shown("2024-03-20-stop-words.md"),
                "no words left after segmentation (only stop words, numbers or punctuation)"
                    .to_string()
            ),
            (
                a.shown("2024-03-21-rare-words.md"),
                "none of its words is in the vocabulary (all rarer than --min-df or commoner than --max-df)"
                    .to_string()
            ),
        ]
    );
    let analysed: BTreeSet<String> = assignments(&out).into_iter().map(|r| r.0).collect();
    let want: BTreeSet<String> = good.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(analysed, want);
    let j = run_json(&out);
    assert_eq!(count(&j, "posts"), 38);
    assert_eq!(count(&j, "accepted"), 36, "{}", j["counts"]);
    assert_eq!(count(&j, "rejected"), 2, "{}", j["counts"]);
}

/// `--keep-near-duplicates` analyses a re-publication with small edits;
/// an exact copy is still set aside.
#[test]
fn keep_near_duplicates_keeps_the_republication_but_not_the_exact_copy() {
    let a = Archive::new();
    write_four_posts(&a);
    a.put(
        "2024-01-20-long-report.md",
        post(
            "title: 各流域汛情通报\ndate: 2024-01-20",
            &long_report(false),
        ),
    );
    a.put(
        "2024-01-22-republished.md",
        post(
            "title: 各流域汛情通报\ndate: 2024-01-22",
            &long_report(true),
        ),
    );
    let copy = std::fs::read(a.root.join("2024-03-01-a.md")).unwrap();
    a.put("2024-03-05-exact-copy.md", copy);
    let out = a.out();

    // Without the flag the re-publication is rejected…
    let run = run_quick(&a.root, &out, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rejected: Vec<String> = rejections(&out).into_iter().map(|r| r.0).collect();
    assert_eq!(
        rejected,
        [
            a.shown("2024-01-22-republished.md"),
            a.shown("2024-03-05-exact-copy.md")
        ]
    );

    // …with it, it is analysed like any post.
    let run = run_quick(&a.root, &out, &["--keep-near-duplicates"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        rejections(&out),
        [(
            a.shown("2024-03-05-exact-copy.md"),
            format!("duplicate of {}", a.shown("2024-03-01-a.md"))
        )]
    );
    let analysed: BTreeSet<String> = assignments(&out).into_iter().map(|r| r.0).collect();
    assert!(
        analysed.contains(&a.shown("2024-01-22-republished.md"))
            && analysed.contains(&a.shown("2024-01-20-long-report.md")),
        "{analysed:?}"
    );
    assert_eq!(analysed.len(), 6);
    let j = run_json(&out);
    assert_eq!(count(&j, "duplicates"), 1, "{}", j["counts"]);
    assert_eq!(j["parameters"]["keep_near_duplicates"], true);
}

// ---------------------------------------------------------------------------
// Ignored files
// ---------------------------------------------------------------------------

/// Two travel posts and two flood posts, March 2024, distinct texts.
fn write_four_posts(a: &Archive) -> Vec<&'static str> {
    let posts = [
        (
            "2024-03-01-a.md",
            "春运铁路旅客",
            "铁路部门加开列车运送返乡旅客，车站秩序井然。",
        ),
        (
            "2024-03-02-b.md",
            "铁路春运车票",
            "春运车票预售火爆，旅客通过网站抢购火车票。",
        ),
        (
            "2024-03-03-c.md",
            "防汛暴雨水位",
            "暴雨导致河道水位上涨，防汛人员巡查堤坝。",
        ),
        (
            "2024-03-04-d.md",
            "暴雨防汛抢险",
            "防汛抢险队伍转移群众，水库开闸泄洪。",
        ),
    ];
    for (name, title, body) in posts {
        let date = &name[..10];
        a.put(name, post(&format!("title: {title}\ndate: {date}"), body));
    }
    posts.iter().map(|p| p.0).collect()
}

#[test]
fn hidden_ds_store_files_are_skipped_silently() {
    let a = Archive::new();
    let names = write_four_posts(&a);
    a.put(".DS_Store", b"\0\0\0\x01Bud1\0\0\x10\0\0\0\x08\0");
    a.put("sub/.DS_Store", b"\0\0\0\x01Bud1\0\0\x10\0\0\0\x08\0");
    let out = a.out();
    let run = run_quick(&a.root, &out, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(rejections(&out).is_empty(), "{:?}", rejections(&out));
    let paths: BTreeSet<String> = assignments(&out).into_iter().map(|r| r.0).collect();
    let want: BTreeSet<String> = names.iter().map(|n| a.shown(n)).collect();
    assert_eq!(paths, want);
    let j = run_json(&out);
    assert_eq!(count(&j, "posts"), 4);
    assert!(
        !run.stderr.contains("DS_Store"),
        "not silent:\n{}",
        run.stderr
    );
}

#[test]
fn ds_store_png_and_txt_are_all_counted_as_ignored() {
    let a = Archive::new();
    write_four_posts(&a);
    a.put(".DS_Store", b"\0\0\0\x01Bud1\0\0\x10\0\0\0\x08\0");
    a.put("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    a.put("notes.txt", "笔记");
    let out = a.out();
    let run = run_quick(&a.root, &out, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(rejections(&out).is_empty());
    let j = run_json(&out);
    assert_eq!(count(&j, "ignored"), 3, "{}", j["counts"]);
}

// ---------------------------------------------------------------------------
// Unreadable files, links, pipes
// ---------------------------------------------------------------------------

#[test]
fn an_unreadable_post_is_rejected_with_the_system_reason() {
    use std::os::unix::fs::PermissionsExt;
    let a = Archive::new();
    write_four_posts(&a);
    let locked = a.put(
        "2024-03-05-locked.md",
        post("title: 锁住的稿件\ndate: 2024-03-05", "防汛正文。\n"),
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut out = a.out();
    let mut args = run_args(&a.root, &out, &["--no-charts"]);
    args.extend(OPEN_VOCABULARY.iter().map(OsString::from));
    let run = if std::fs::read(&locked).is_ok() {
        // Root reads a file whatever its mode, and CI runs as root: the tool
        // then runs as the unprivileged user `nobody`, for whom mode 000
        // holds. It needs its own copy of the binary (the build folder may
        // be private to root) and a folder of its own to write the reports.
        let (command, writable) = as_nobody(&a);
        out = writable.join("out");
        args = run_args(&a.root, &out, &["--no-charts"]);
        args.extend(OPEN_VOCABULARY.iter().map(OsString::from));
        let run = tool_command(command, &args, GUARD);
        assert!(
            std::fs::read(&locked).is_ok(),
            "the test runs as root, so the file must be readable to the test itself"
        );
        run
    } else {
        tool(&args, GUARD)
    };
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rejected = rejections(&out);
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].0, a.shown("2024-03-05-locked.md"));
    assert!(
        rejected[0]
            .1
            .starts_with("cannot read the file: Permission denied"),
        "{}",
        rejected[0].1
    );
    let j = run_json(&out);
    assert_eq!(count(&j, "posts"), 5);
    assert_eq!(count(&j, "accepted"), 4);
    assert_eq!(count(&j, "rejected"), 1);
}

/// User and group id of `nobody`.
const NOBODY: u32 = 65534;

/// A command running a copy of the binary as `nobody` (the caller is root),
/// and a folder in the archive's temporary folder that `nobody` may write.
fn as_nobody(a: &Archive) -> (Command, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let base = a.dir.path();
    std::fs::set_permissions(base, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = base.join("theme-trends");
    let built = env!("CARGO_BIN_EXE_theme-trends");
    if std::fs::hard_link(built, &exe).is_err() {
        std::fs::copy(built, &exe).unwrap();
    }
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let writable = base.join("nobody");
    std::fs::create_dir(&writable).unwrap();
    std::os::unix::fs::chown(&writable, Some(NOBODY), Some(NOBODY)).unwrap();
    let mut command = Command::new(exe);
    command.uid(NOBODY).gid(NOBODY);
    (command, writable)
}

#[test]
fn a_dangling_symlink_post_is_rejected_as_unreadable_and_counted() {
    let a = Archive::new();
    write_four_posts(&a);
    std::os::unix::fs::symlink("gone.md", a.root.join("2024-03-06-dangling.md")).unwrap();
    let out = a.out();
    let run = run_quick(&a.root, &out, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rejected = rejections(&out);
    assert_eq!(
        rejected,
        [(
            a.shown("2024-03-06-dangling.md"),
            "cannot read the file: No such file or directory (os error 2)".to_string()
        )]
    );
    assert_eq!(assignments(&out).len(), 4);
    let j = run_json(&out);
    assert_eq!(
        count(&j, "posts"),
        count(&j, "accepted") + count(&j, "rejected") + count(&j, "outside_window"),
        "{}",
        j["counts"]
    );
}

#[test]
fn a_named_pipe_called_md_does_not_hang_the_run() {
    let a = Archive::new();
    write_four_posts(&a);
    let fifo = a.root.join("2024-03-07-pipe.md");
    let status = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let out = a.out();
    let mut args = run_args(&a.root, &out, &["--no-charts"]);
    args.extend(OPEN_VOCABULARY.iter().map(OsString::from));
    let run = tool(&args, Duration::from_secs(30));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rejected = rejections(&out);
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].0, a.shown("2024-03-07-pipe.md"));
}

#[test]
fn symlink_loops_do_not_hang_the_run_and_no_post_is_read_twice() {
    let a = Archive::new();
    let mut names = write_four_posts(&a);
    a.put(
        "2024/2024-03-08-in-sub.md",
        post(
            "title: 春运铁路返程\ndate: 2024-03-08",
            "返程旅客乘坐高铁回到城市。\n",
        ),
    );
    names.push("2024/2024-03-08-in-sub.md");
    // A folder link to its parent (the archive root), and one to itself.
    std::os::unix::fs::symlink("..", a.root.join("2024/loop")).unwrap();
    std::os::unix::fs::symlink(".", a.root.join("self")).unwrap();
    let out = a.out();
    let run = run_quick(&a.root, &out, &[]);
    run.assert_no_panic();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("symbolic link loop"),
        "the loops are not reported:\n{}",
        run.stderr
    );
    assert!(rejections(&out).is_empty(), "{:?}", rejections(&out));
    let mut paths: Vec<String> = assignments(&out).into_iter().map(|r| r.0).collect();
    paths.sort();
    let mut want: Vec<String> = names.iter().map(|n| a.shown(n)).collect();
    want.sort();
    assert_eq!(paths, want);
    let j = run_json(&out);
    assert_eq!(count(&j, "posts"), 5);
    assert_eq!(count(&j, "duplicates"), 0);
}

// ---------------------------------------------------------------------------
// Output safety
// ---------------------------------------------------------------------------

#[test]
fn formula_titles_are_defused_and_script_titles_escaped_in_html_and_svg() {
    let a = Archive::new();
    let posts = [
        (
            "2024-01-01-eq.md",
            r#""=HYPERLINK(\"http://x\")""#,
            r#"=HYPERLINK("http://x")"#,
            "春运铁路旅客返乡，车站加开列车运送旅客。",
        ),
        (
            "2024-01-02-plus.md",
            r#""+春运铁路加开列车""#,
            "+春运铁路加开列车",
            "铁路春运旅客增多，列车车票售罄，旅客返乡。",
        ),
        (
            "2024-01-03-script.md",
            r#""<script>alert(1)</script>春运旅客""#,
            "<script>alert(1)</script>春运旅客",
            "春运旅客乘坐铁路列车，车站秩序良好。",
        ),
        (
            "2024-02-01-minus.md",
            r#""-防汛暴雨预警""#,
            "-防汛暴雨预警",
            "暴雨导致河道水位上涨，防汛人员巡查堤坝抢险。",
        ),
        (
            "2024-02-02-at.md",
            r#""@防汛指挥部通知""#,
            "@防汛指挥部通知",
            "防汛指挥部部署抢险，暴雨水位上涨，转移群众。",
        ),
        (
            "2024-02-03-plain.md",
            "防汛抢险",
            "防汛抢险",
            "水库水位上涨开闸泄洪，防汛抢险队伍巡查堤坝。",
        ),
    ];
    for (name, yaml_title, _, body) in posts {
        let date = &name[..10];
        a.put(
            name,
            post(&format!("title: {yaml_title}\ndate: {date}"), body),
        );
    }
    // Titles never reach the charts; a named theme's name is its label
    // everywhere, the charts included.
    const HOSTILE: &str = "<script>alert(2)</script>春运";
    let themes = a.dir.path().join("themes.toml");
    std::fs::write(
        &themes,
        format!("[[theme]]\nname = {HOSTILE:?}\nseeds = [\"春运\", \"旅客\"]\n"),
    )
    .unwrap();
    let out = a.out();
    let mut args = run_args(&a.root, &out, &["--chart-size", "800x600"]);
    args.extend(OPEN_VOCABULARY.iter().map(OsString::from));
    args.extend(["--themes".into(), themes.into_os_string()]);
    let run = tool(&args, GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // CSV: a leading apostrophe exactly for the titles a spreadsheet would run.
    let assigned = assignments(&out);
    assert_eq!(assigned.len(), posts.len());
    for (name, _, title, _) in posts {
        let row = assigned.iter().find(|r| r.0 == a.shown(name)).unwrap();
        let want = if title.starts_with(['=', '+', '-', '@']) {
            format!("'{title}")
        } else {
            title.to_string()
        };
        assert_eq!(row.2, want, "title of {name} in assignments.csv");
    }
    let (_, themes) = common::read_csv(&out.join("themes.csv"));
    for t in &themes {
        assert!(!t[7].starts_with(['=', '+', '-', '@']), "{t:?}");
    }

    // HTML and SVG: the title is shown escaped, never as markup.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !index.contains("<script>alert"),
        "raw <script> in index.html"
    );
    assert!(
        index.contains("&lt;script&gt;alert(1)&lt;/script&gt;春运旅客"),
        "the script title should be shown, escaped, among the representative titles"
    );
    let mut svgs = Vec::new();
    let mut stack = vec![out.join("charts")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "svg") {
                svgs.push(p);
            }
        }
    }
    assert!(!svgs.is_empty(), "no SVG charts written");
    // Charts cut long labels (`…`): the start of the name must be there.
    let escaped_start = "&lt;script&gt;alert(2";
    let mut shown = 0;
    for svg in &svgs {
        let text = std::fs::read_to_string(svg).unwrap();
        assert!(
            !text.contains("<script"),
            "raw <script> in {}",
            svg.display()
        );
        shown += usize::from(text.contains(escaped_start));
    }
    assert!(
        shown > 0,
        "the named theme {HOSTILE:?} is shown, escaped, in no SVG chart: {svgs:?}"
    );
    assert!(
        index.contains("&lt;script&gt;alert(2)&lt;/script&gt;春运")
            && !index.contains("<script>alert(2)"),
        "the named theme's label in index.html"
    );
}

#[test]
fn output_equal_to_the_input_is_refused() {
    let a = Archive::new();
    write_four_posts(&a);
    let before: BTreeSet<_> = std::fs::read_dir(&a.root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // The folder itself, spelt three ways, and a symbolic link to it.
    let link = a.dir.path().join("posts-link");
    std::os::unix::fs::symlink(&a.root, &link).unwrap();
    let slash = PathBuf::from(format!("{}/", a.root.display()));
    for out in [a.root.clone(), a.root.join("."), slash, link] {
        let run = run_quick(&a.root, &out, &[]);
        assert_eq!(run.code, Some(2), "--out {}: {}", out.display(), run.stderr);
        assert!(
            run.stderr.contains("--out") && run.stderr.contains("is the input folder or inside it"),
            "{}",
            run.stderr
        );
    }
    let after: BTreeSet<_> = std::fs::read_dir(&a.root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "nothing may be written into the input");
}

// ---------------------------------------------------------------------------
// Resource bounds
// ---------------------------------------------------------------------------

#[test]
fn an_empty_archive_fails_without_panic_and_without_reports() {
    let a = Archive::new();
    let out = a.out();
    for extra in [&[][..], &OPEN_VOCABULARY[..]] {
        let mut args = run_args(&a.root, &out, &["--no-charts"]);
        args.extend(extra.iter().map(OsString::from));
        let run = tool(&args, GUARD);
        run.assert_no_panic();
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(
            run.stderr
                .starts_with(&format!("error: no usable posts in {}", a.root.display())),
            "{}",
            run.stderr
        );
        assert!(!out.join("run.json").exists());
    }
}

#[test]
fn an_empty_archive_is_a_failure_naming_the_input() {
    let a = Archive::new();
    let out = a.out();
    let run = tool(&run_args(&a.root, &out, &["--no-charts"]), GUARD);
    run.assert_no_panic();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&a.root.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("--min-df"), "{}", run.stderr);
}

#[test]
fn a_single_post_is_a_clear_failure_naming_the_input() {
    let a = Archive::new();
    a.put(
        "2024-01-05-only.md",
        post(
            "title: 春运铁路旅客\ndate: 2024-01-05",
            "春运铁路旅客返乡。\n",
        ),
    );
    let out = a.out();
    let run = run_quick(&a.root, &out, &[]);
    run.assert_no_panic();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let root = a.root.display().to_string();
    assert!(
        run.stderr.contains(&format!("no usable posts in {root}")),
        "{}",
        run.stderr
    );
    assert!(!out.join("run.json").exists());
}

#[test]
fn a_single_post_with_default_flags_is_a_failure_naming_the_input() {
    let a = Archive::new();
    a.put(
        "2024-01-05-only.md",
        post(
            "title: 春运铁路旅客\ndate: 2024-01-05",
            "春运铁路旅客返乡。\n",
        ),
    );
    let out = a.out();
    let run = tool(&run_args(&a.root, &out, &["--no-charts"]), GUARD);
    run.assert_no_panic();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&a.root.display().to_string()),
        "{}",
        run.stderr
    );
}

#[test]
fn posts_all_in_one_period_give_one_period() {
    let a = Archive::new();
    write_four_posts(&a);
    let out = a.out();
    let run = run_quick(&a.root, &out, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (header, rows) = common::read_csv(&out.join("trends.csv"));
    assert_eq!(header[0], "period");
    let periods: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(periods, BTreeSet::from(["2024-03-01"]));
    let j = run_json(&out);
    assert_eq!(count(&j, "periods"), 1);
    // One row per theme, and the shares of the period add up to 1.
    assert_eq!(rows.len() as u64, count(&j, "themes"));
    let total: f64 = rows.iter().map(|r| r[3].parse::<f64>().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
}

#[test]
fn k_larger_than_the_archive_is_capped_with_a_warning() {
    let a = Archive::new();
    let mut names = write_four_posts(&a);
    a.put(
        "2024-03-09-e.md",
        post(
            "title: 外贸出口增长\ndate: 2024-03-09",
            "外贸企业出口订单增长，港口集装箱吞吐量上升。\n",
        ),
    );
    names.push("2024-03-09-e.md");

    // The defaults cannot keep a word in 5 posts (max-df 0.3 × 5 = 1 post,
    // min-df 2): a usage error that says so, before k matters.
    let out = a.out();
    let run = tool(
        &run_args(&a.root, &out, &["--no-charts", "--k", "50"]),
        GUARD,
    );
    run.assert_no_panic();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--min-df/--max-df"), "{}", run.stderr);

    // With words to work on, k is capped at the number of posts.
    let run = run_quick(&a.root, &out, &["--k", "50"]);
    run.assert_no_panic();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("only 5 posts to cluster: 5 themes instead of 50"),
        "{}",
        run.stderr
    );
    let j = run_json(&out);
    let themes = count(&j, "themes");
    assert!((1..=5).contains(&themes), "{themes} themes");
    let (_, theme_rows) = common::read_csv(&out.join("themes.csv"));
    assert_eq!(theme_rows.len() as u64, themes);
    assert_eq!(assignments(&out).len(), 5);
}

/// Two file names that are not UTF-8 and show alike, with the same content:
/// one is a duplicate of the other, on the first run and on a re-run that
/// takes them from the cache.
#[test]
fn names_that_are_not_utf8_survive_a_cached_rerun() {
    use std::os::unix::ffi::OsStrExt;
    let a = Archive::new();
    write_four_posts(&a);
    let text = post(
        "title: 春运铁路客流\ndate: 2024-03-07",
        "铁路部门加开列车运送返乡旅客，车站秩序井然。\n",
    );
    for name in [&b"2024-03-07-a\xff.md"[..], &b"2024-03-07-a\xfe.md"[..]] {
        std::fs::write(a.root.join(std::ffi::OsStr::from_bytes(name)), &text).unwrap();
    }
    let out = a.out();
    // Read anew: all six posts on the first run; none on the re-run — each
    // of the two names that show alike finds its own entry (the index is
    // walked in path order and checks size, times and inode).
    for read_anew in [6, 0] {
        let run = run_quick(&a.root, &out, &[]);
        run.assert_no_panic();
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let j = run_json(&out);
        assert_eq!(count(&j, "posts"), 6);
        assert_eq!(count(&j, "duplicates"), 1, "{}", j["counts"]);
        assert_eq!(count(&j, "new_or_changed"), read_anew, "{}", j["counts"]);
    }
}

// ---------------------------------------------------------------------------
// Dates a scraper gets wrong
// ---------------------------------------------------------------------------

/// A year the trend code cannot hold, and years outside the plausible
/// window, are rejections that quote the date as written; the run goes on.
#[test]
fn implausible_years_are_rejected_quoting_the_date_and_the_run_goes_on() {
    let a = Archive::new();
    common::write_subject(&a.root, "travel", 0, 6, "2024-01-02", 3);
    common::write_subject(&a.root, "flood", 10, 6, "2024-01-03", 3);
    for (name, date) in [
        ("far.md", "+262142-12-01"),
        ("end.md", "9999-12-31"),
        ("old.md", "1850-03-01 10:00:00"),
    ] {
        a.put(
            name,
            post(&format!("title: 春运\ndate: {date}"), "春运旅客铁路车票。"),
        );
    }
    let r = run_quick(&a.root, &a.out(), &["--now", "2026-12-01"]);
    r.assert_no_panic();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rejected: BTreeMap<String, String> = rejections(&a.out()).into_iter().collect();
    for (name, date) in [
        ("far.md", "+262142-12-01"),
        ("end.md", "9999-12-31"),
        ("old.md", "1850-03-01 10:00:00"),
    ] {
        assert_eq!(
            rejected[&a.shown(name)],
            format!("date '{date}' in the front matter is outside the plausible years 1900..2100 (--years)"),
        );
    }
    assert_eq!(count(&run_json(&a.out()), "assigned"), 12);
    // The window is a flag.
    let out2 = a.dir.path().join("out2");
    let r = run_quick(
        &a.root,
        &out2,
        &["--now", "2026-12-01", "--years", "1800..2100"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(count(&run_json(&out2), "assigned"), 13);
}

/// A post dated after the run's moment is rejected as dated in the
/// future, and judged again by the next run: once its date has come it is
/// analysed, although the cache holds it.
#[test]
fn a_post_dated_in_the_future_is_rejected_until_its_date_comes() {
    let a = Archive::new();
    common::write_subject(&a.root, "travel", 0, 8, "2024-01-02", 3);
    common::write_subject(&a.root, "flood", 10, 8, "2024-01-03", 3);
    let soon = a.put(
        "2024-03-05-soon.md",
        post(
            "title: 春运返乡高峰\ndate: 2024-03-05 08:00:00",
            "春运旅客铁路车票列车返乡车站候车。",
        ),
    );
    // The day after the moment is allowed (time zones); two days are not.
    a.put(
        "2024-03-02-tomorrow.md",
        post(
            "title: 防汛\ndate: 2024-03-02",
            "防汛暴雨洪水水位堤坝抢险。",
        ),
    );
    let r = run_quick(&a.root, &a.out(), &["--now", "2024-03-01 23:00"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let run = run_json(&a.out());
    assert_eq!(run["parameters"]["now"], "2024-03-01T23:00:00");
    let rejected: BTreeMap<String, String> = rejections(&a.out()).into_iter().collect();
    assert_eq!(
        rejected.get(&soon.display().to_string()).map(String::as_str),
        Some("dated in the future: 2024-03-05 is more than a day after the run's moment 2024-03-01 23:00 (--now); it is analysed once its date has come")
    );
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(count(&run, "assigned"), 17);
    // Four days later, from the cache: the post is analysed, not read anew.
    let r = run_quick(&a.root, &a.out(), &["--now", "2024-03-05 07:00"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let run = run_json(&a.out());
    assert_eq!(count(&run, "new_or_changed"), 0);
    assert_eq!(count(&run, "assigned"), 18);
    assert!(rejections(&a.out()).is_empty());
    assert!(assignments(&a.out())
        .iter()
        .any(|(p, d, _)| *p == soon.display().to_string() && d == "2024-03-05"));
}

/// A post dated decades before the rest (a scraper's epoch default) is
/// analysed but left off the time axis: the trends start with the archive,
/// and run.json and the summary say what was left off.
#[test]
fn a_post_far_outside_the_archives_span_is_analysed_but_kept_off_the_time_axis() {
    let a = Archive::new();
    common::write_subject(&a.root, "travel", 0, 60, "2024-01-01", 2);
    common::write_subject(&a.root, "flood", 100, 60, "2024-01-02", 2);
    let epoch = a.put(
        "epoch.md",
        post(
            "title: 春运列车\ndate: 1970-01-01 00:00:00",
            "春运旅客铁路车票列车返乡车站。",
        ),
    );
    let mut extra = vec!["--no-charts", "--now", "2026-12-01"];
    extra.extend(OPEN_VOCABULARY);
    let mut args = run_args(&a.root, &a.out(), &extra);
    args.retain(|x| x != "-q");
    let r = tool(&args, GUARD);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let run = run_json(&a.out());
    assert_eq!(count(&run, "assigned"), 121);
    assert_eq!(count(&run, "off_axis"), 1);
    assert_eq!(
        run["time_axis"]["off_axis_dates"],
        serde_json::json!(["1970-01-01", "1970-01-01"])
    );
    assert_eq!(run["time_axis"]["first_period"], "2024-01-01");
    assert!(assignments(&a.out())
        .iter()
        .any(|(p, _, _)| *p == epoch.display().to_string()));
    let (_, trends) = common::read_csv(&a.out().join("trends.csv"));
    assert!(
        trends.iter().all(|r| r[0].starts_with("2024-")),
        "{:?}",
        trends.first()
    );
    assert!(
        r.stderr.contains(
            "1 dated far outside the archive's span (1970-01-01) analysed but left off the trends"
        ),
        "{}",
        r.stderr
    );
}

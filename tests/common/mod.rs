//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary with `args` and waits for it.
pub fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_theme-trends"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The run's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The shared corpus folder beside the checkout (`../shared/corpus`).
/// `None` means skip; with `CI` set an absent corpus is a failure instead
/// (CI has it beside the clone).
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is absent and CI is set: the shared corpus must lie beside the checkout",
            p.display()
        );
    }
    eprintln!(
        "SKIPPED: {} is absent (the shared corpus is expected beside the checkout)",
        p.display()
    );
    None
}

/// Copies the post files of `from` (a flat `_posts` folder) whose names
/// sort before `cut` (a date, `YYYY-MM-DD`) into `into`, and returns the
/// others, for a later night to add with [`add_posts`].
pub fn posts_before(from: &Path, into: &Path, cut: &str) -> Vec<PathBuf> {
    std::fs::create_dir_all(into).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut later = Vec::new();
    for f in files {
        if f.file_name().unwrap().to_string_lossy().as_ref() < cut {
            std::fs::copy(&f, into.join(f.file_name().unwrap())).unwrap();
        } else {
            later.push(f);
        }
    }
    later
}

/// Copies `files` into the folder `into`.
pub fn add_posts(files: &[PathBuf], into: &Path) {
    for f in files {
        std::fs::copy(f, into.join(f.file_name().unwrap())).unwrap();
    }
}

/// The demo archive shipped in `data/demo`.
pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo/_posts")
}

/// Reads a CSV file into header + rows of strings.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Asserts that a PNG file decodes and is not a blank canvas: it must hold
/// many distinct colours.
pub fn assert_real_png(path: &Path) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(
        info.width >= 400 && info.height >= 300,
        "{}",
        path.display()
    );
    let px = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0usize;
    for p in buf[..info.buffer_size()].chunks_exact(px) {
        colours.insert(p.to_vec());
        if p.iter().take(3).any(|&c| c < 240) {
            non_white += 1;
        }
    }
    assert!(
        colours.len() > 20,
        "{} has only {} colours",
        path.display(),
        colours.len()
    );
    let total = (info.width * info.height) as usize;
    assert!(non_white * 20 > total, "{} is nearly blank", path.display());
}

/// Asserts that an SVG file is a complete SVG document with drawn shapes and
/// the given texts (XML-escaped as plotters writes them).
pub fn assert_real_svg(path: &Path, texts: &[&str]) {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(s.contains("<svg"), "{}", path.display());
    assert!(
        s.trim_end().ends_with("</svg>"),
        "{} is cut short",
        path.display()
    );
    let shapes =
        s.matches("<polygon").count() + s.matches("<rect").count() + s.matches("<polyline").count();
    assert!(shapes > 10, "{} has {shapes} shapes", path.display());
    for t in texts {
        assert!(s.contains(t), "{} lacks text {t}", path.display());
    }
}

/// A subject of a synthetic archive: a key (in every file name) and words
/// no other subject uses, so that each subject is one theme.
pub struct Subject {
    /// Short ASCII key, part of each post's file name.
    pub key: &'static str,
    /// The subject's words.
    pub words: [&'static str; 16],
}

/// Subjects with disjoint vocabularies.
pub const SUBJECTS: [Subject; 6] = [
    Subject {
        key: "travel",
        words: [
            "春运", "旅客", "铁路", "车票", "列车", "返乡", "车站", "候车", "高铁", "售票", "客流",
            "乘客", "加开", "站台", "行李", "检票",
        ],
    },
    Subject {
        key: "flood",
        words: [
            "防汛", "暴雨", "洪水", "水位", "堤坝", "抢险", "水库", "泄洪", "汛期", "巡查", "险情",
            "排涝", "降雨", "河道", "堤防", "水文",
        ],
    },
    Subject {
        key: "trade",
        words: [
            "外贸",
            "出口",
            "进口",
            "关税",
            "港口",
            "集装箱",
            "订单",
            "贸易",
            "海关",
            "货物",
            "航运",
            "顺差",
            "汇率",
            "报关",
            "外商",
            "口岸",
        ],
    },
    Subject {
        key: "space",
        words: [
            "航天",
            "火箭",
            "卫星",
            "发射",
            "空间站",
            "航天员",
            "轨道",
            "飞船",
            "探测器",
            "月球",
            "载人",
            "太空",
            "出舱",
            "对接",
            "返回舱",
            "发射场",
        ],
    },
    Subject {
        key: "farm",
        words: [
            "小麦", "玉米", "收割", "播种", "农机", "粮食", "耕地", "灌溉", "化肥", "农户", "丰收",
            "种子", "秧苗", "水稻", "大棚", "良种",
        ],
    },
    Subject {
        key: "health",
        words: [
            "医院", "医生", "患者", "门诊", "手术", "药品", "医保", "护士", "病房", "挂号", "疫苗",
            "体检", "诊疗", "急诊", "住院", "处方",
        ],
    },
];

/// The subject with `key`.
pub fn subject(key: &str) -> &'static Subject {
    SUBJECTS
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no subject {key}"))
}

/// Text of post `n` of a subject: twelve of its sixteen words (two in the
/// title), chosen and ordered by `n`, and the post's number (no two posts
/// alike). A word is in about three quarters of its subject's posts, so a
/// subject with more than 40% of an archive's posts needs `--max-df` above
/// the default 0.3.
pub fn subject_text(s: &Subject, n: usize) -> (String, String) {
    let mut state = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ s.key.len() as u64;
    let mut words: Vec<&str> = s.words.to_vec();
    // Fisher-Yates with a small LCG: a fixed shuffle per post.
    for i in (1..words.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = ((state >> 33) % (i as u64 + 1)) as usize;
        words.swap(i, j);
    }
    let title = format!("{}{}第{n}期", words[0], words[1]);
    let body = format!(
        "{}，{}，{}。{}，{}，{}。{}，{}，{}，{}。编号{n}。",
        words[2],
        words[3],
        words[4],
        words[5],
        words[6],
        words[7],
        words[8],
        words[9],
        words[10],
        words[11]
    );
    (title, body)
}

/// Writes `count` posts of the subject `key` into `dir`, numbered from
/// `first`, the i-th dated `start + i * step_days` days; file names are
/// `DATE-KEY-NNN.md`. Returns the paths written.
pub fn write_subject(
    dir: &Path,
    key: &str,
    first: usize,
    count: usize,
    start: &str,
    step_days: i64,
) -> Vec<PathBuf> {
    let start = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap();
    let dates: Vec<String> = (0..count)
        .map(|i| (start + chrono::Duration::days(i as i64 * step_days)).to_string())
        .collect();
    let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
    write_subject_on(dir, key, first, &dates)
}

/// Writes one post of the subject `key` on each of `dates` (`YYYY-MM-DD`),
/// numbered from `first`, as [`write_subject`] does.
pub fn write_subject_on(dir: &Path, key: &str, first: usize, dates: &[&str]) -> Vec<PathBuf> {
    let s = subject(key);
    std::fs::create_dir_all(dir).unwrap();
    dates
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let n = first + i;
            let (title, body) = subject_text(s, n);
            let path = dir.join(format!("{date}-{}-{n:03}.md", s.key));
            std::fs::write(
                &path,
                format!("---\ntitle: \"{title}\"\ndate: {date}\n---\n{body}\n"),
            )
            .unwrap();
            path
        })
        .collect()
}

/// The subject key in a post's path (`…-KEY-NNN.md`), if any.
pub fn subject_of(path: &str) -> Option<&'static str> {
    let name = Path::new(path).file_name()?.to_str()?;
    SUBJECTS
        .iter()
        .map(|s| s.key)
        .find(|k| name.contains(&format!("-{k}-")))
}

/// Reads `run.json` of a report folder.
pub fn run_json(out: &Path) -> serde_json::Value {
    let path = out.join("run.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// For each subject, the theme id its posts were assigned in `out`'s
/// `assignments.csv`. Panics unless every subject's posts share one theme
/// and no two subjects share one: the archive's themes were found.
pub fn theme_of_subjects(out: &Path) -> std::collections::BTreeMap<&'static str, String> {
    use std::collections::{BTreeMap, BTreeSet};
    let (header, rows) = read_csv(&out.join("assignments.csv"));
    assert_eq!(header[1], "path");
    assert_eq!(header[4], "theme_id");
    let mut ids: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        let key = subject_of(&r[1]).unwrap_or_else(|| panic!("{} is of no subject", r[1]));
        ids.entry(key).or_default().insert(r[4].clone());
    }
    let one: BTreeMap<&'static str, String> = ids
        .iter()
        .map(|(k, v)| {
            assert_eq!(v.len(), 1, "the {k} posts are split over themes {v:?}");
            (*k, v.iter().next().unwrap().clone())
        })
        .collect();
    let distinct: BTreeSet<&String> = one.values().collect();
    assert_eq!(
        distinct.len(),
        one.len(),
        "two subjects share a theme: {one:?}"
    );
    one
}

/// The system Chromium (`CHROMIUM`, else `chromium`, `chromium-browser` or
/// `google-chrome` on the PATH). `None` means skip: with `CI` set a
/// missing browser is a failure instead (`.ci/run` installs one).
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = std::env::var("CHROMIUM")
        .ok()
        .map(PathBuf::from)
        .or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|name| {
                    std::env::var_os("PATH").and_then(|paths| {
                        std::env::split_paths(&paths)
                            .map(|d| d.join(name))
                            .find(|p| p.is_file())
                    })
                })
        });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("no Chromium found, and CI is set: install Debian's chromium or set CHROMIUM");
        }
        eprintln!("SKIPPED: no Chromium found (install Debian's chromium, or set CHROMIUM)");
    }
    found
}

/// The flags headless Chromium needs on this machine (no sandbox as root,
/// no GPU, nothing fetched in the background).
pub const HEADLESS_FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// Runs headless Chromium with the flags this machine needs; returns stdout.
pub fn headless(browser: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(browser)
        .args(HEADLESS_FLAGS)
        .arg("--hide-scrollbars")
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read while it runs: a page's DOM (ECharts inlined, over a megabyte)
    // is more than a pipe holds, and Chromium waits until it is read.
    let mut stdout = child.stdout.take().expect("chromium's stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
        out
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = reader.join().expect("chromium's output");
    String::from_utf8_lossy(&out).into_owned()
}

//! Hostile archives for the pipeline fuzzer (`tests/pipeline_fuzz.rs`):
//! small folders (or tables) of posts made by mutating real ones, every
//! front-matter field and the body, with copies and near-copies among
//! them. Deterministic: the same seed and templates give the same archive,
//! so a finding is replayed from its seed.
//!
//! Templates are real posts: the demo archive of this repository, the
//! feed-shaped posts of `tests/support/archive.rs`, and, when the shared
//! corpus lies beside the checkout, a fixed sample of its xwlb posts, its
//! seed post and its flashes (read there at test time, never copied into
//! the repository).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A small deterministic generator (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A real post taken apart: its front-matter fields as written, its body.
#[derive(Debug, Clone)]
pub struct Template {
    pub fields: Vec<(String, String)>,
    pub body: String,
    /// `html` or `md`.
    pub ext: &'static str,
}

impl Template {
    /// Splits a post file; `None` when it has no front matter.
    pub fn of_post(text: &str, ext: &'static str) -> Option<Template> {
        let text = text.trim_start_matches('\u{feff}').trim_start();
        let rest = text.strip_prefix("---")?;
        let end = rest.find("\n---")?;
        let front = &rest[..end];
        let body = rest[end + 4..].trim_start_matches('\n').to_string();
        let fields = front
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, _)| !k.is_empty() && !k.starts_with(' '))
            .collect();
        Some(Template { fields, body, ext })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The templates: the demo archive and feed-shaped posts always, the
/// shared corpus's posts when `shared` (its `corpus` folder) exists.
pub fn templates(repo: &Path, shared: Option<&Path>) -> Vec<Template> {
    let mut out = Vec::new();
    let mut read_folder = |dir: &Path, take: usize, step: usize| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files.iter().step_by(step.max(1)).take(take) {
            let ext = if f.extension().is_some_and(|e| e == "html") {
                "html"
            } else {
                "md"
            };
            if let Some(t) = std::fs::read_to_string(f)
                .ok()
                .and_then(|s| Template::of_post(&s, ext))
            {
                out.push(t);
            }
        }
    };
    read_folder(&repo.join("data/demo/_posts"), 100, 1);
    if let Some(corpus) = shared {
        read_folder(&corpus.join("xwlb/_posts"), 40, 487);
        read_folder(&corpus.join("seed/_posts"), 5, 1);
        // Flashes: a row every 1,931 of the table, made into posts as the
        // user's scraper writes them.
        if let Ok(text) = std::fs::read_to_string(corpus.join("flash/flash-2026-05-06.tsv")) {
            for line in text.lines().skip(1).step_by(1931).take(30) {
                let cols: Vec<&str> = line.split('\t').collect();
                if let [date, title, body, source] = cols[..] {
                    out.push(Template {
                        fields: vec![
                            ("layout".into(), "post".into()),
                            ("title".into(), format!("\"{}\"", title.replace('"', "'"))),
                            ("date".into(), format!("{date} +0800")),
                            ("categories".into(), "flash".into()),
                            ("tags".into(), source.to_string()),
                        ],
                        body: format!(
                            "> {body}\n\n<http://example.com/a/1.html>\n\n[返回快讯](../flash/)｜[返回首页](../)\n"
                        ),
                        ext: "md",
                    });
                }
            }
        }
    }
    out
}

/// Dates a scraper bug or a hostile hand could write.
const DATES: &[&str] = &[
    "+262142-12-01",
    "262142-12-01",
    "-0001-01-01",
    "0000-01-01",
    "0001-01-01",
    "1899-12-31",
    "1900-01-01",
    "1970-01-01",
    "1970-01-01 00:00:00 +0000",
    "2024-02-29",
    "2023-02-29",
    "2023-13-45",
    "2024-12-31 23:59:59 +1400",
    "2024-01-01 00:00:00 -1200",
    "2024-06-01T12:00:00Z",
    "2024-06-01T25:61:00",
    "2024-06-01 12:00:00 +9999",
    "2100-12-31",
    "2101-01-01",
    "2026-12-02",
    "2026-12-03 08:00",
    "2030-01-01",
    "9999-12-31",
    "99999-01-01",
    "+0800",
    "''",
    "~",
    "20240601",
    "1717200000",
    "2024-06",
    "2024/06/01",
    "[2024-06-01, 2024-06-02]",
    "{year: 2024}",
    "!!timestamp 2024-06-01",
    "&a 2024-06-01",
    "\"2024-06-01\"",
    "yesterday",
];

/// Titles of every shape YAML allows and some it does not.
fn title(rng: &mut Rng, real: &str) -> String {
    let long: String = "长".repeat(1 + rng.below(120_000));
    let options: Vec<String> = vec![
        String::new(),
        "''".into(),
        "~".into(),
        "[a, b, c]".into(),
        "{a: 1, b: [2, 3]}".into(),
        "12345".into(),
        "3.14e100".into(),
        format!("\"{long}\""),
        "\"<script>alert(1)</script>&amp;\"".into(),
        "\"=HYPERLINK(\\\"http://x\\\")\"".into(),
        "'他说：''好'' \"ok\"'".into(),
        "\"a\\tb\\nc\\u0000d\"".into(),
        "\"\u{202e}右到左\u{200b}零宽\"".into(),
        "\"😀🎉𠀀𪚥\"".into(),
        "|\n  多行\n  标题".into(),
        ">\n  折叠\n  标题".into(),
        "\"".into(),
        "'unterminated".into(),
        format!("{}{}", "[".repeat(300), "]".repeat(300)),
        "*alias".into(),
        "&anchor 标题".into(),
        "!!binary aGVsbG8=".into(),
        real.to_string(),
        format!("{real}{real}"),
        format!("\"{}\"", "空格 ".repeat(50)),
    ];
    rng.pick(&options).clone()
}

/// Values for `categories` / `tags` / other fields.
fn field_value(rng: &mut Rng) -> String {
    let options: Vec<String> = vec![
        String::new(),
        "emnews".into(),
        "东财滚动新闻".into(),
        "a b c".into(),
        "[emnews, 财经]".into(),
        "[[nested], {map: 1}]".into(),
        "{a: 1}".into(),
        "42".into(),
        "true".into(),
        "null".into(),
        format!(
            "[{}]",
            (0..500)
                .map(|i| format!("t{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "x".repeat(5000),
        "\"<b>粗</b>\"".into(),
        "\"=1+1\"".into(),
        "\n  - 一\n  - 二\n  -\n  - [三]".into(),
        "\n  k: v\n  k2: [1, 2]".into(),
    ];
    rng.pick(&options).clone()
}

/// Bodies: the real one, cut, repeated, wrapped, broken.
fn body(rng: &mut Rng, real: &str) -> String {
    let pick = rng.below(26);
    match pick {
        0 => String::new(),
        1 => "字".into(),
        2 => real.repeat(40),
        3 => format!("{}x{}", "<div>".repeat(250), "</div>".repeat(250)),
        4 => format!("{}x\n", ">".repeat(400)),
        5 => format!("<script>var a = '{real}';</script><style>p{{}}</style>{real}"),
        6 => format!("<p>{real}"),
        7 => real.replace('。', "").replace('，', ""),
        8 => "的 了 是 在 和 1 2 3 2024 。，！？".repeat(20),
        9 => "1234567890 ".repeat(100),
        10 => "&amp;&lt;&gt;&#x4E2D;&#20013;&bogus;&#xFFFFFF;&#0;".repeat(10),
        11 => format!("{{% include x.html %}}{{{{ page.title }}}}{real}"),
        12 => format!("{real}（新华社）\n\n<http://a.b/c>\n\n[返回首页](../)"),
        13 => format!("```\n{real}\n```\n| a | b |\n|---|---|\n| {real} | x |"),
        14 => "\u{200b}\u{feff}\u{202e}\u{0}".repeat(3) + real,
        15 => "𠀀𪚥😀🇨🇳".repeat(30),
        16 => real.chars().rev().collect(),
        17 => {
            let cut = rng.below(real.len().max(1));
            let mut i = cut.min(real.len());
            while !real.is_char_boundary(i) {
                i -= 1;
            }
            real[..i].to_string()
        }
        18 => format!("<![CDATA[{real}]]><!-- {real} -->"),
        19 => "<p>".repeat(3000),
        20 => format!("<table><tr><td>{real}</td></tr></table><img src=x onerror=alert(1)>"),
        21 => "a".repeat(300_000),
        22 => format!("{real}\r\n\r\n{real}\r"),
        23 => "---\n---\n---\n".repeat(5),
        _ => real.to_string(),
    }
}

/// The bytes of a post's text, re-encoded now and then.
fn encode(rng: &mut Rng, text: &str) -> Vec<u8> {
    match rng.below(12) {
        0 => encoding_rs::GB18030.encode(text).0.into_owned(),
        1 => {
            let mut b = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                b.extend_from_slice(&u.to_le_bytes());
            }
            b
        }
        2 => {
            let mut b = text.as_bytes().to_vec();
            let at = rng.below(b.len().max(1));
            b.insert(at.min(b.len()), 0xC3);
            b
        }
        3 => {
            let mut b = text.as_bytes().to_vec();
            let at = rng.below(b.len().max(1));
            b.insert(at.min(b.len()), 0);
            b
        }
        4 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        _ => text.as_bytes().to_vec(),
    }
}

/// One post file of an archive.
#[derive(Debug, Clone)]
pub struct PostFile {
    /// Path below the archive's root.
    pub rel: PathBuf,
    pub bytes: Vec<u8>,
}

/// A hostile archive.
#[derive(Debug, Clone)]
pub struct Archive {
    /// Post files (and a few files that are not posts).
    pub files: Vec<PostFile>,
    /// When set, the archive is this table instead (`.csv`, `.tsv` or
    /// `.jsonl`), with `rows` rows.
    pub table: Option<(&'static str, Vec<u8>, usize)>,
}

impl Archive {
    /// Writes it below `root`; returns the input path to give `--input`.
    pub fn write(&self, root: &Path) -> std::io::Result<PathBuf> {
        if let Some((ext, bytes, _)) = &self.table {
            std::fs::create_dir_all(root)?;
            let path = root.join(format!("table.{ext}"));
            std::fs::write(&path, bytes)?;
            return Ok(path);
        }
        let posts = root.join("_posts");
        std::fs::create_dir_all(&posts)?;
        for f in &self.files {
            let path = posts.join(&f.rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, &f.bytes)?;
        }
        Ok(posts)
    }

    /// The post files a run must account for (those with a post's
    /// extension, not hidden).
    pub fn post_files(&self) -> Vec<&PostFile> {
        self.files
            .iter()
            .filter(|f| {
                let name = f.rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let ext = f
                    .rel
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                !name.starts_with('.')
                    && !f
                        .rel
                        .components()
                        .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
                    && matches!(ext.as_str(), "md" | "markdown" | "html" | "htm")
            })
            .collect()
    }
}

/// A day between 2023 and 2025, as the file name and date write it.
fn plain_day(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        2023 + rng.below(3),
        1 + rng.below(12),
        1 + rng.below(28)
    )
}

/// The text of one mutated post made from `t`; `n` numbers it.
fn mutated(rng: &mut Rng, t: &Template, n: usize, day: &str) -> String {
    let mut fields: Vec<(String, String)> = t.fields.clone();
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: String| match fields
        .iter_mut()
        .find(|(key, _)| key == k)
    {
        Some(slot) => slot.1 = v,
        None => fields.push((k.to_string(), v)),
    };
    // Most posts keep a plain date so that the archive has something to
    // analyse; the rest get a hostile one.
    if rng.chance(0.6) {
        set(
            &mut fields,
            "date",
            format!("{day} {:02}:{:02}:00 +0800", rng.below(24), rng.below(60)),
        );
    }
    let mutations = rng.below(4);
    for _ in 0..mutations {
        match rng.below(9) {
            0 | 1 => set(&mut fields, "date", rng.pick(DATES).to_string()),
            2 => fields.retain(|(k, _)| k != "date"),
            3 => {
                let real = t.get("title").unwrap_or("").to_string();
                set(&mut fields, "title", title(rng, &real));
            }
            4 => set(&mut fields, "categories", field_value(rng)),
            5 => set(&mut fields, "tags", field_value(rng)),
            6 => {
                let k = ["keywords", "author", "source", "x-y", "标签", "layout"][rng.below(6)];
                set(&mut fields, k, field_value(rng));
            }
            7 => {
                // A repeated key.
                let f = rng.pick(&fields.clone()).clone();
                fields.push(f);
            }
            _ => fields.reverse(),
        }
    }
    let mut text = String::new();
    match rng.below(14) {
        0 => text.push_str("\n\n  \n"),
        1 => text.push_str("  "),
        2 => text.push_str("前言\n"),
        _ => {}
    }
    text.push_str("---\n");
    for (k, v) in &fields {
        let _ = writeln!(text, "{k}: {v}");
    }
    match rng.below(20) {
        0 => {}
        1 => text.push_str("...\n"),
        _ => text.push_str("---\n"),
    }
    let real = if rng.chance(0.85) {
        t.body.clone()
    } else {
        body(rng, &t.body)
    };
    text.push_str(&real);
    if rng.chance(0.5) {
        let _ = write!(text, "\n编号{n}。");
    }
    if rng.chance(0.1) {
        text = text.replace('\n', "\r\n");
    }
    text
}

/// Builds archive `seed` of 2 to about 14 posts from `templates`.
pub fn archive(seed: u64, templates: &[Template]) -> Archive {
    let mut rng = Rng::new(seed);
    let n = 2 + rng.below(13);
    let mut files: Vec<PostFile> = Vec::new();
    for i in 0..n {
        let t = rng.pick(templates).clone();
        let day = plain_day(&mut rng);
        let text = mutated(&mut rng, &t, i, &day);
        let ext = match rng.below(10) {
            0 => "html",
            1 => "markdown",
            2 => "MD",
            3 => "htm",
            _ => t.ext,
        };
        let name = match rng.below(10) {
            0 => format!("{i}-无日期.{ext}"),
            1 => format!("2023-02-30-{i}.{ext}"),
            2 => format!("1850-01-01-{i}.{ext}"),
            3 => format!("{day}-{}-{i}.{ext}", "长".repeat(60)),
            4 => format!("sub dir/{day}-x{i}.{ext}"),
            5 => format!("{day}-空 格 {i}.{ext}"),
            _ => format!("{day}-{i:03}.{ext}"),
        };
        files.push(PostFile {
            rel: PathBuf::from(name),
            bytes: encode(&mut rng, &text),
        });
    }
    // Copies and near-copies of posts of the archive.
    for _ in 0..rng.below(4) {
        let f = rng.pick(&files.clone()).clone();
        let mut bytes = f.bytes.clone();
        if rng.chance(0.5) {
            bytes.extend_from_slice("另".as_bytes());
        }
        let stem = f
            .rel
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("x")
            .to_string();
        files.push(PostFile {
            rel: PathBuf::from(format!("{stem}-copy{}.md", files.len())),
            bytes,
        });
    }
    // Files that are not posts.
    if rng.chance(0.3) {
        files.push(PostFile {
            rel: ".DS_Store".into(),
            bytes: vec![0, 1, 2],
        });
        files.push(PostFile {
            rel: "note.txt".into(),
            bytes: b"not a post".to_vec(),
        });
    }
    // Now and then the same posts as a table.
    let table = if rng.chance(0.2) {
        let kind = *rng.pick(&["csv", "tsv", "jsonl"]);
        let mut out = String::new();
        let rows = files.len();
        match kind {
            "csv" => out.push_str("date,title,text,source\n"),
            "tsv" => out.push_str("date\ttitle\ttext\tsource\n"),
            _ => {}
        }
        for (i, f) in files.iter().enumerate() {
            let text = String::from_utf8_lossy(&f.bytes).replace(['\t', '\r'], " ");
            let body: String = text.chars().filter(|c| *c != '\n').take(2000).collect();
            let date = if rng.chance(0.8) {
                plain_day(&mut rng)
            } else {
                rng.pick(DATES).to_string()
            };
            let title = format!("标题{i}");
            match kind {
                "csv" => {
                    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                    let _ = writeln!(out, "{},{},{},{}", q(&date), q(&title), q(&body), q("东财"));
                }
                "tsv" => {
                    let _ = writeln!(out, "{date}\t{title}\t{body}\t东财");
                }
                _ => {
                    let row = serde_json::json!({"date": date, "title": title, "text": body, "source": "东财"});
                    let _ = writeln!(out, "{row}");
                }
            }
        }
        Some((kind, out.into_bytes(), rows))
    } else {
        None
    };
    Archive { files, table }
}

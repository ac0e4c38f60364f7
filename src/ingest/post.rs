//! Parsing one Jekyll post file: bytes → title, date and clean text.
//!
//! This is a pure function of the file name and its bytes, so it can be
//! tested and fuzzed without touching the disk. It assumes the Jekyll layout:
//! a YAML front matter block between `---` lines at the very top, then the
//! body (HTML, or Markdown that may embed HTML). Whatever makes the file
//! unusable is returned as a [`RejectReason`]; nothing here panics on bad
//! input.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError};
use yaml_rust2::{Yaml, YamlLoader};

use super::clean;
use super::reject::{DateSource, RejectReason};

/// How the body below the front matter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `.md` / `.markdown`: Markdown, possibly with embedded HTML.
    Markdown,
    /// `.html` / `.htm`: HTML.
    Html,
}

impl BodyFormat {
    /// The body format a post file's extension implies, or `None` when the
    /// file is not a post at all.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(BodyFormat::Markdown),
            "html" | "htm" => Some(BodyFormat::Html),
            _ => None,
        }
    }
}

/// A post that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPost {
    /// The front matter's title (may be empty when the body is not).
    pub title: String,
    /// The post's calendar date as written (no time-zone shift).
    pub date: NaiveDate,
    /// The body as plain text, boilerplate removed, paragraphs on lines.
    pub body: String,
    /// Things worth telling the user that did not stop the post.
    pub warnings: Vec<String>,
}

/// Deepest element nesting accepted (real posts stay far below; the HTML
/// parser slows down with the square of the depth).
pub const MAX_NESTING: usize = 200;

/// Bytes looked at when deciding whether a file is binary.
const BINARY_SNIFF: usize = 8192;

/// Parses one post. `file_name` is only used for the Jekyll date prefix.
/// Bodies longer than `max_chars` characters are cut there, with a warning.
pub fn parse_post(
    file_name: &str,
    bytes: &[u8],
    format: BodyFormat,
    max_chars: usize,
) -> Result<ParsedPost, RejectReason> {
    let mut warnings = Vec::new();
    let text = decode(bytes, &mut warnings)?;
    let (front, body) = split_front_matter(&text)?;
    let fields = parse_front_matter(front)?;

    let title = match fields.title {
        Some(t) => normalise_title(&t),
        None => String::new(),
    };
    let date = match fields.date {
        Some(raw) => parse_date(&raw).ok_or_else(|| RejectReason::BadDate {
            value: raw.clone(),
            source: DateSource::FrontMatter,
        })?,
        None => date_from_file_name(file_name)?,
    };

    let html_body = match format {
        BodyFormat::Markdown => clean::markdown_to_html(body),
        BodyFormat::Html => body.to_string(),
    };
    let depth = clean::nesting_depth(&html_body);
    if depth > MAX_NESTING {
        return Err(RejectReason::TooDeep(depth));
    }
    let mut body = clean::remove_boilerplate(&clean::html_to_text(&html_body));
    if let Some((cut, total)) = truncate_chars(&mut body, max_chars) {
        warnings.push(format!(
            "body of {total} characters cut to the first {cut} (--max-chars)"
        ));
    }
    if title.is_empty() && body.trim().is_empty() {
        return Err(RejectReason::NoText);
    }
    Ok(ParsedPost {
        title,
        date,
        body,
        warnings,
    })
}

/// Bytes → text. UTF-8 (with or without BOM) is taken as is; other text is
/// tried as GB18030 (a superset of GBK and GB2312, common in Chinese
/// archives); anything else is refused, naming what was found.
pub fn decode(bytes: &[u8], warnings: &mut Vec<String>) -> Result<String, RejectReason> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(RejectReason::Empty);
    }
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return Err(RejectReason::Binary);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(utf8_err) => {
            let (decoded, had_errors) = encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|s| (s, false))
                .unwrap_or_else(|| (Default::default(), true));
            if had_errors {
                return Err(RejectReason::Encoding(format!(
                    "neither UTF-8 (invalid byte at offset {}) nor GB18030",
                    utf8_err.valid_up_to()
                )));
            }
            warnings.push("not UTF-8: decoded as GB18030/GBK".to_string());
            Ok(decoded.into_owned())
        }
    }
}

/// Splits `---\n<yaml>\n---\n<body>`; accepts CRLF and a closing `...`.
fn split_front_matter(text: &str) -> Result<(&str, &str), RejectReason> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(RejectReason::NoFrontMatter);
    }
    let front_start = first.len();
    let mut pos = front_start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok((&text[front_start..pos], &text[pos + line.len()..]));
        }
        pos += line.len();
    }
    Err(RejectReason::UnterminatedFrontMatter)
}

/// The front-matter fields the pipeline uses.
#[derive(Debug, Default)]
struct FrontMatter {
    title: Option<String>,
    date: Option<String>,
}

/// Counts alias events (`*name`) without building the document: the loader
/// copies the anchored node for every alias, so a few hundred bytes of
/// nested aliases would expand to gigabytes ("billion laughs").
#[derive(Default)]
struct AliasCounter {
    first: Option<Marker>,
}

impl MarkedEventReceiver for AliasCounter {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if matches!(ev, Event::Alias(_)) && self.first.is_none() {
            self.first = Some(mark);
        }
    }
}

fn yaml_error(e: &ScanError) -> RejectReason {
    RejectReason::InvalidYaml(format!(
        "line {}, column {}: {}",
        e.marker().line() + 1,
        e.marker().col() + 1,
        e.info()
    ))
}

fn parse_front_matter(front: &str) -> Result<FrontMatter, RejectReason> {
    let mut aliases = AliasCounter::default();
    Parser::new_from_str(front)
        .load(&mut aliases, true)
        .map_err(|e| yaml_error(&e))?;
    if let Some(mark) = aliases.first {
        return Err(RejectReason::InvalidYaml(format!(
            "line {}, column {}: YAML aliases (*name) are not allowed in front matter",
            mark.line() + 1,
            mark.col() + 1
        )));
    }
    let docs = YamlLoader::load_from_str(front).map_err(|e| yaml_error(&e))?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(FrontMatter::default());
    };
    let hash = match doc {
        Yaml::Hash(h) => h,
        Yaml::Null => return Ok(FrontMatter::default()),
        _ => return Err(RejectReason::FrontMatterNotMapping),
    };
    let field = |name: &str| -> Result<Option<String>, RejectReason> {
        match hash.get(&Yaml::String(name.to_string())) {
            None | Some(Yaml::Null) => Ok(None),
            Some(value) => scalar_text(value)
                .map(Some)
                .ok_or_else(|| RejectReason::BadField {
                    field: name.to_string(),
                    reason: "not a single value".to_string(),
                }),
        }
    };
    Ok(FrontMatter {
        title: field("title")?,
        date: field("date")?,
    })
}

/// The text of a YAML scalar, whatever type YAML gave it.
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Titles are single lines; collapse whitespace (including U+3000).
fn normalise_title(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses the date forms Jekyll accepts in front matter: `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM[:SS[.fff]] [±ZZZZ]` and RFC 3339. The result is the
/// calendar date as written: a time zone is validated but not applied.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_local().date());
    }
    const WITH_ZONE: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M %z",
        "%Y-%m-%dT%H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ];
    for fmt in WITH_ZONE {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.naive_local().date());
        }
    }
    const LOCAL: [&str; 3] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
    ];
    LOCAL
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
        .map(|dt| dt.date())
}

/// The Jekyll `YYYY-MM-DD-` file-name prefix, when front matter has no date.
fn date_from_file_name(file_name: &str) -> Result<NaiveDate, RejectReason> {
    let prefix = file_name.get(..11).filter(|p| {
        let b = p.as_bytes();
        b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'-'
            && [0, 1, 2, 3, 5, 6, 8, 9]
                .iter()
                .all(|&i| b[i].is_ascii_digit())
    });
    match prefix {
        None => Err(RejectReason::NoDate),
        Some(p) => {
            NaiveDate::parse_from_str(&p[..10], "%Y-%m-%d").map_err(|_| RejectReason::BadDate {
                value: p[..10].to_string(),
                source: DateSource::FileName,
            })
        }
    }
}

/// Cuts `text` to `max` characters; returns (kept, original) when it did.
fn truncate_chars(text: &mut String, max: usize) -> Option<(usize, usize)> {
    let (cut_at, _) = text.char_indices().nth(max)?;
    let total = text.chars().count();
    text.truncate(cut_at);
    Some((max, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<ParsedPost, RejectReason> {
        parse_post(name, text.as_bytes(), BodyFormat::Markdown, 100_000)
    }

    #[test]
    fn dates_in_every_accepted_form_keep_the_written_calendar_day() {
        let day = NaiveDate::from_ymd_opt(2022, 9, 24).unwrap();
        for s in [
            "2022-09-24",
            "2022-09-24 19:00",
            "2022-09-24 19:00:00",
            "2022-09-24 23:30:00 +0800",
            "2022-09-24T23:30:00+08:00",
            "2022-09-24T23:30:00Z",
            "2022-09-24T23:30:00-05:00",
            " 2022-09-24 19:00:00.5 +08:00 ",
        ] {
            assert_eq!(parse_date(s), Some(day), "{s}");
        }
        for s in ["2023-13-45", "2023-02-30", "yesterday", "24/09/2022", ""] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn front_matter_date_wins_over_file_name() {
        let p = parse(
            "2020-01-01-x.md",
            "---\ntitle: t\ndate: 2022-09-24\n---\n正文",
        )
        .unwrap();
        assert_eq!(p.date, NaiveDate::from_ymd_opt(2022, 9, 24).unwrap());
    }

    #[test]
    fn file_name_gives_the_date_when_front_matter_has_none() {
        let p = parse("2021-03-04-x.md", "---\ntitle: t\n---\n正文").unwrap();
        assert_eq!(p.date, NaiveDate::from_ymd_opt(2021, 3, 4).unwrap());
        assert_eq!(
            parse("notes.md", "---\ntitle: t\n---\n正文"),
            Err(RejectReason::NoDate)
        );
        assert!(matches!(
            parse("2021-02-30-x.md", "---\ntitle: t\n---\n正文"),
            Err(RejectReason::BadDate { .. })
        ));
    }

    #[test]
    fn an_invalid_front_matter_date_is_rejected_not_replaced() {
        let r = parse("2021-03-04-x.md", "---\ndate: 2023-13-45\n---\n正文");
        assert_eq!(
            r,
            Err(RejectReason::BadDate {
                value: "2023-13-45".into(),
                source: DateSource::FrontMatter
            })
        );
    }

    #[test]
    fn bom_crlf_and_quoted_titles_are_read() {
        let text = "\u{feff}---\r\ntitle: '他说：''好'' \"ok\"'\r\ndate: 2022-01-02\r\ntags:\r\n  - a\r\n  - b\r\n---\r\n<p>正文内容</p>\r\n";
        let p = parse("x.md", text).unwrap();
        assert_eq!(p.title, "他说：'好' \"ok\"");
        assert_eq!(p.body, "正文内容");
    }

    #[test]
    fn structural_problems_are_named() {
        assert_eq!(parse("a.md", ""), Err(RejectReason::Empty));
        assert_eq!(parse("a.md", "\n \n"), Err(RejectReason::Empty));
        assert_eq!(parse("a.md", "正文"), Err(RejectReason::NoFrontMatter));
        assert_eq!(
            parse("a.md", "---\ntitle: x\n正文"),
            Err(RejectReason::UnterminatedFrontMatter)
        );
        assert!(matches!(
            parse("a.md", "---\ntitle: [x\ndate: 2022-01-01\n---\n正文"),
            Err(RejectReason::InvalidYaml(_))
        ));
        assert_eq!(
            parse("a.md", "---\n- a\n- b\n---\n正文"),
            Err(RejectReason::FrontMatterNotMapping)
        );
        assert_eq!(
            parse("2022-01-01-a.md", "---\ntitle: ''\n---\n<p> </p>"),
            Err(RejectReason::NoText)
        );
        assert_eq!(
            parse_post("a.md", b"---\n\0\x01\x02", BodyFormat::Markdown, 10),
            Err(RejectReason::Binary)
        );
    }

    #[test]
    fn yaml_alias_bombs_are_refused_before_they_expand() {
        let mut fm = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            fm.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        fm.push_str("---\nbody");
        match parse("2022-01-01-a.md", &fm) {
            Err(RejectReason::InvalidYaml(m)) => assert!(m.contains("aliases"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn absurdly_nested_bodies_are_refused_quickly() {
        let body = format!("{} x\n", ">".repeat(60_000));
        let r = parse("2022-01-01-a.md", &format!("---\ntitle: t\n---\n{body}"));
        assert!(
            matches!(r, Err(RejectReason::TooDeep(d)) if d > MAX_NESTING),
            "{r:?}"
        );
    }

    #[test]
    fn gb18030_text_is_decoded() {
        let (bytes, _, _) =
            encoding_rs::GB18030.encode("---\ntitle: 春运\ndate: 2023-01-07\n---\n春运开始了");
        let p = parse_post("x.md", &bytes, BodyFormat::Markdown, 1000).unwrap();
        assert_eq!(p.title, "春运");
        assert_eq!(p.body, "春运开始了");
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn long_bodies_are_cut_with_a_warning() {
        let body = "字".repeat(50);
        let p = parse_post(
            "2022-01-01-a.md",
            format!("---\ntitle: t\n---\n{body}").as_bytes(),
            BodyFormat::Markdown,
            10,
        )
        .unwrap();
        assert_eq!(p.body.chars().count(), 10);
        assert!(p.warnings[0].contains("50"));
    }

    #[test]
    fn title_only_flash_is_valid() {
        let p = parse("2022-01-01-a.md", "---\ntitle: \"快讯：股市收涨\"\n---\n").unwrap();
        assert_eq!(p.title, "快讯：股市收涨");
        assert_eq!(p.body, "");
    }
}

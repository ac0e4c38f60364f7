//! Parsing one Jekyll post file: bytes → title, date and clean text.
//!
//! This is a pure function of the file name and its bytes, so it can be
//! tested and fuzzed without touching the disk. It assumes the Jekyll layout:
//! a YAML front matter block between `---` lines at the very top, then the
//! body (HTML, or Markdown that may embed HTML). Whatever makes the file
//! unusable is returned as a [`RejectReason`]; nothing here panics on bad
//! input.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::clean;
use super::item::BodyFormat;
use super::limits::{Limits, Years, MAX_NESTING};
use super::reject::{DateSource, RejectReason};

/// A front-matter field as the pipeline keeps it: its name and its values
/// (one for a scalar, several for a list; Jekyll splits `categories` and
/// `tags` written as one string at spaces).
pub type Field = (String, Vec<String>);

/// A form of post that is accepted although it bends the Jekyll layout.
/// Each is counted once per post in `run.json` (`tolerated`), never warned
/// about post by post.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Tolerated {
    /// Blank lines or spaces before the opening `---`.
    BlankBeforeFrontMatter,
    /// A UTF-8 byte-order mark at the start of the file.
    ByteOrderMark,
    /// A `date` that holds no day (`date: +0800`): dated from the file name.
    DateWithoutDay,
}

impl Tolerated {
    /// Every form, in the order reports list them.
    pub const ALL: [Tolerated; 3] = [
        Tolerated::BlankBeforeFrontMatter,
        Tolerated::ByteOrderMark,
        Tolerated::DateWithoutDay,
    ];

    /// What the summary says of it.
    pub fn describe(self) -> &'static str {
        match self {
            Tolerated::BlankBeforeFrontMatter => "blank lines before the front matter",
            Tolerated::ByteOrderMark => "a byte-order mark",
            Tolerated::DateWithoutDay => "a date with no day (dated from the file name)",
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
    /// Its time of day as written, when the date field gives one.
    pub time: Option<NaiveTime>,
    /// The body as plain text, boilerplate and the outlet's credit removed,
    /// paragraphs on lines.
    pub body: String,
    /// The outlet credited in the text (`（新华社）` at the end of a flash,
    /// a `新华社北京12月8日电` dateline, `（文章来源：中国商报）`).
    pub source: Option<String>,
    /// The other front-matter fields (`categories`, `tags`, …) with scalar
    /// or list values, in file order.
    pub fields: Vec<Field>,
    /// The forms bent but accepted.
    pub tolerated: Vec<Tolerated>,
    /// Things worth telling the user that did not stop the post.
    pub warnings: Vec<String>,
}

/// Bytes looked at when deciding whether a file is binary.
const BINARY_SNIFF: usize = 8192;

/// Checks that `date`, read from `raw` at `source`, falls in `years`.
pub fn check_year(
    date: NaiveDate,
    raw: &str,
    source: DateSource,
    years: Years,
) -> Result<NaiveDate, RejectReason> {
    if years.holds(date) {
        Ok(date)
    } else {
        Err(RejectReason::ImplausibleDate {
            value: raw.trim().to_string(),
            source,
            years,
        })
    }
}

/// Reads a date written `raw` at `source`: unreadable, or outside `years`,
/// it is a rejection quoting it.
pub fn read_date(raw: &str, source: DateSource, years: Years) -> Result<NaiveDate, RejectReason> {
    let date = parse_any_date(raw).ok_or_else(|| RejectReason::BadDate {
        value: raw.to_string(),
        source,
    })?;
    check_year(date, raw, source, years)
}

/// Parses one post. `file_name` is only used for the Jekyll date prefix.
/// Bodies longer than `limits.max_chars` characters are cut there, with a
/// warning; a date outside `limits.years` is a rejection.
pub fn parse_post(
    file_name: &str,
    bytes: &[u8],
    format: BodyFormat,
    limits: &Limits,
) -> Result<ParsedPost, RejectReason> {
    let max_chars = limits.max_chars;
    let mut warnings = Vec::new();
    let mut tolerated = Vec::new();
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        tolerated.push(Tolerated::ByteOrderMark);
    }
    let text = decode(bytes, &mut warnings)?;
    let split = split_front_matter(&text)?;
    if split.bent {
        tolerated.push(Tolerated::BlankBeforeFrontMatter);
    }
    let fields = parse_front_matter(split.front, split.skipped_lines)?;

    let title = match fields.title {
        Some(t) => normalise_title(&t),
        None => String::new(),
    };
    let years = limits.years;
    let time = fields.date.as_deref().and_then(time_of);
    let date = match fields.date {
        Some(raw) if has_no_day(&raw) => match date_from_file_name(file_name, years) {
            Ok(d) => {
                tolerated.push(Tolerated::DateWithoutDay);
                d
            }
            Err(RejectReason::NoDate) => return Err(RejectReason::DateWithoutDay(raw)),
            Err(other) => return Err(other),
        },
        Some(raw) => read_date(&raw, DateSource::FrontMatter, years)?,
        None => date_from_file_name(file_name, years)?,
    };

    let body = clean::strip_liquid(split.body);
    let html_body = match format {
        BodyFormat::Markdown => clean::markdown_to_html(&body),
        BodyFormat::Html => body.into_owned(),
    };
    let depth = clean::nesting_depth(&html_body);
    if depth > MAX_NESTING {
        return Err(RejectReason::TooDeep(depth));
    }
    let cleaned = clean::clean_text(&clean::html_to_text(&html_body));
    let mut body = cleaned.text;
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
        time,
        body,
        source: cleaned.source,
        fields: fields.others,
        tolerated,
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

/// A file split at its front matter.
struct Split<'a> {
    /// Blank (or space-only) lines before the opening `---`.
    skipped_lines: usize,
    /// Whether anything (blank lines, spaces) came before the `---`.
    bent: bool,
    front: &'a str,
    body: &'a str,
}

/// Splits `---\n<yaml>\n---\n<body>`; accepts CRLF, a closing `...`, and
/// blank lines before the opening `---` (scrapers write them).
fn split_front_matter(text: &str) -> Result<Split<'_>, RejectReason> {
    let mut lines = text.split_inclusive('\n');
    let mut skipped_lines = 0;
    let bent;
    let mut front_start = 0;
    loop {
        let Some(line) = lines.next() else {
            return Err(RejectReason::NoFrontMatter);
        };
        front_start += line.len();
        let trimmed = line.trim();
        if trimmed == "---" {
            // Spaces before the `---` itself bend the layout too.
            bent = skipped_lines > 0 || line.trim_end() != trimmed;
            break;
        }
        if !trimmed.is_empty() {
            return Err(RejectReason::NoFrontMatter);
        }
        skipped_lines += 1;
    }
    let mut pos = front_start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok(Split {
                skipped_lines,
                bent,
                front: &text[front_start..pos],
                body: &text[pos + line.len()..],
            });
        }
        pos += line.len();
    }
    Err(RejectReason::UnterminatedFrontMatter)
}

/// The front-matter fields the pipeline uses.
#[derive(Debug, Default)]
struct FrontMatter {
    title: Option<String>,
    /// The date as written (YAML would have turned `+0800` into 800).
    date: Option<String>,
    /// Every other field with scalar or list-of-scalar values.
    others: Vec<Field>,
}

/// A top-level value being read.
enum Value {
    Scalar(Option<String>),
    List(Vec<String>),
    /// A mapping, or a list holding more than scalars: not a usable field.
    Nested,
}

/// Reads the front matter from the YAML parser's events in one pass: the
/// top-level mapping's scalar and list fields as written. Aliases
/// (`*name`) are refused before anything expands them ("billion laughs"),
/// and so is nesting deeper than [`MAX_NESTING`].
#[derive(Default)]
struct FieldReader {
    depth: usize,
    /// Whether the document's root is a mapping (None before it starts).
    root_is_mapping: Option<bool>,
    /// In the top-level mapping: the next node is a value (of `key`).
    expect_value: bool,
    /// The key whose value comes next; `None` for a key that is not a
    /// scalar (its value is skipped).
    key: Option<String>,
    /// A top-level collection being read: whether it is a key, and what it
    /// holds so far.
    open: Option<(bool, Value)>,
    fields: Vec<(String, Value)>,
    problem: Option<(Marker, String)>,
}

impl FieldReader {
    fn fail(&mut self, mark: Marker, why: String) {
        if self.problem.is_none() {
            self.problem = Some((mark, why));
        }
    }

    /// A complete top-level node: a key or the value of the last key.
    fn node(&mut self, key_text: Option<String>, value: Value) {
        if self.expect_value {
            if let Some(key) = self.key.take() {
                self.fields.push((key, value));
            }
            self.expect_value = false;
        } else {
            self.key = key_text;
            self.expect_value = true;
        }
    }
}

impl MarkedEventReceiver for FieldReader {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.problem.is_some() {
            return;
        }
        let in_root_map = self.root_is_mapping == Some(true);
        match ev {
            Event::Alias(_) => self.fail(
                mark,
                "YAML aliases (*name) are not allowed in front matter".into(),
            ),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    self.fail(mark, format!("nested more than {MAX_NESTING} levels deep"));
                    return;
                }
                let is_list = matches!(ev, Event::SequenceStart(..));
                if self.depth == 1 {
                    self.root_is_mapping = Some(!is_list);
                } else if self.depth == 2 && in_root_map {
                    let value = if is_list {
                        Value::List(Vec::new())
                    } else {
                        Value::Nested
                    };
                    self.open = Some((!self.expect_value, value));
                } else if let Some((_, v)) = self.open.as_mut() {
                    *v = Value::Nested;
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if self.depth == 2 && in_root_map {
                    if let Some((_, value)) = self.open.take() {
                        self.node(None, value);
                    }
                }
                self.depth = self.depth.saturating_sub(1);
            }
            Event::Scalar(text, style, ..) => {
                let null = style == TScalarStyle::Plain && is_null(&text);
                match self.depth {
                    0 => self.root_is_mapping = Some(null),
                    1 if in_root_map => {
                        let value = Value::Scalar((!null).then(|| text.clone()));
                        self.node(Some(text), value);
                    }
                    2 => {
                        if let Some((false, Value::List(items))) = self.open.as_mut() {
                            if !null {
                                items.push(text);
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// Whether a plain YAML scalar means "no value".
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn yaml_error(e: &ScanError, line_offset: usize) -> RejectReason {
    RejectReason::InvalidYaml(format!(
        "line {}, column {}: {}",
        e.marker().line() + 1 + line_offset,
        e.marker().col() + 1,
        e.info()
    ))
}

/// Reads the front matter; `skipped` lines came before its `---` (for
/// positions counted from the top of the file).
fn parse_front_matter(front: &str, skipped: usize) -> Result<FrontMatter, RejectReason> {
    let mut reader = FieldReader::default();
    Parser::new_from_str(front)
        .load(&mut reader, false)
        .map_err(|e| yaml_error(&e, skipped))?;
    if let Some((mark, why)) = reader.problem {
        return Err(RejectReason::InvalidYaml(format!(
            "line {}, column {}: {why}",
            mark.line() + 1 + skipped,
            mark.col() + 1
        )));
    }
    if reader.root_is_mapping == Some(false) {
        return Err(RejectReason::FrontMatterNotMapping);
    }
    let mut out = FrontMatter::default();
    // A repeated key: the last one counts, as YAML loaders do.
    let mut seen = std::collections::HashSet::new();
    for (name, value) in reader.fields.into_iter().rev() {
        if name.is_empty() || !seen.insert(name.clone()) {
            continue;
        }
        let single = |value: Value| -> Result<Option<String>, RejectReason> {
            match value {
                Value::Scalar(s) => Ok(s),
                _ => Err(RejectReason::BadField {
                    field: name.clone(),
                    reason: "not a single value".to_string(),
                }),
            }
        };
        match name.as_str() {
            "title" => out.title = single(value)?,
            "date" => out.date = single(value)?,
            _ => {
                let values = match value {
                    Value::Scalar(None) | Value::Nested => continue,
                    Value::Scalar(Some(s)) if matches!(name.as_str(), "categories" | "tags") => {
                        s.split_whitespace().map(str::to_string).collect()
                    }
                    Value::Scalar(Some(s)) => vec![s],
                    Value::List(items) => items,
                };
                out.others.push((name, values));
            }
        }
    }
    out.others.reverse();
    Ok(out)
}

/// Titles are single lines; collapse whitespace (including U+3000).
fn normalise_title(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a front-matter date names no day at all: empty, or only a time
/// zone such as `+0800` (the feed writes `date:  +0800` when it lost the
/// time stamp).
fn has_no_day(raw: &str) -> bool {
    let s = raw.trim();
    let b = s.as_bytes();
    let offset = match b.first() {
        Some(b'+' | b'-') => {
            let rest = &s[1..];
            let digits: String = rest.chars().filter(|c| *c != ':').collect();
            digits.len() == 4 && digits.bytes().all(|c| c.is_ascii_digit()) && rest.len() <= 5
        }
        _ => false,
    };
    s.is_empty() || offset || s == "Z"
}

/// Parses the date forms Jekyll accepts in front matter: `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM[:SS[.fff]] [±ZZZZ]` and RFC 3339. The result is the
/// calendar date as written: a time zone is validated but not applied.
/// Years outside [`Years::HOLDABLE`] (chrono reads `+262142-12-01`) are
/// no dates at all.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    parse_any_date(raw).filter(|d| Years::HOLDABLE.holds(*d))
}

fn parse_any_date(raw: &str) -> Option<NaiveDate> {
    parse_stamp(raw).map(|(d, _)| d)
}

/// The calendar date and, when written, the time of day of a date field
/// (as written: a time zone is validated but not applied).
pub fn parse_stamp(raw: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let s = raw.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some((d, None));
    }
    let parts = |dt: NaiveDateTime| (dt.date(), Some(dt.time()));
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(parts(dt.naive_local()));
    }
    const WITH_ZONE: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M %z",
        "%Y-%m-%dT%H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ];
    for fmt in WITH_ZONE {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(parts(dt.naive_local()));
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
        .map(parts)
}

/// The time of day a date field names, if it names one (and its date is
/// readable).
pub fn time_of(raw: &str) -> Option<NaiveTime> {
    parse_stamp(raw).and_then(|(_, t)| t)
}

/// The Jekyll `YYYY-MM-DD-` file-name prefix, when front matter has no date.
fn date_from_file_name(file_name: &str, years: Years) -> Result<NaiveDate, RejectReason> {
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
            let date = NaiveDate::parse_from_str(&p[..10], "%Y-%m-%d").map_err(|_| {
                RejectReason::BadDate {
                    value: p[..10].to_string(),
                    source: DateSource::FileName,
                }
            })?;
            check_year(date, &p[..10], DateSource::FileName, years)
        }
    }
}

/// Cuts `text` to `max` characters; returns (kept, original) when it did.
pub(crate) fn truncate_chars(text: &mut String, max: usize) -> Option<(usize, usize)> {
    let (cut_at, _) = text.char_indices().nth(max)?;
    let total = text.chars().count();
    text.truncate(cut_at);
    Some((max, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_chars: usize) -> Limits {
        Limits {
            max_chars,
            ..Limits::default()
        }
    }

    fn parse(name: &str, text: &str) -> Result<ParsedPost, RejectReason> {
        parse_post(
            name,
            text.as_bytes(),
            BodyFormat::Markdown,
            &limits(100_000),
        )
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

    /// A year the trend code cannot hold, or one outside the window, is a
    /// rejection that quotes the value as written, wherever it was read.
    #[test]
    fn dates_outside_the_plausible_years_are_rejected_as_written() {
        for (raw, year) in [
            ("+262142-12-01", 262142),
            ("1850-03-01", 1850),
            ("9999-12-31 23:59", 9999),
            ("0001-01-01", 1),
        ] {
            let r = parse("x.md", &format!("---\ndate: {raw}\n---\n正文"));
            assert_eq!(
                r,
                Err(RejectReason::ImplausibleDate {
                    value: raw.into(),
                    source: DateSource::FrontMatter,
                    years: Years::DEFAULT,
                }),
                "{raw}"
            );
            assert!(
                r.unwrap_err().to_string().contains(&format!("'{raw}'")),
                "{year}"
            );
        }
        // Beyond what the trend code holds, `parse_date` sees no date at all.
        assert_eq!(parse_date("+262142-12-01"), None);
        let r = parse("1850-03-01-x.md", "---\ntitle: t\n---\n正文");
        assert!(
            matches!(
                r,
                Err(RejectReason::ImplausibleDate {
                    source: DateSource::FileName,
                    ..
                })
            ),
            "{r:?}"
        );
        assert_eq!(
            r.unwrap_err().to_string(),
            "date '1850-03-01' in the file name is outside the plausible years 1900..2100 (--years)"
        );
        // The window is a setting: 1970 is plausible by default, not with 1990..2100.
        let text = "---\ndate: 1970-01-01\n---\n正文";
        assert!(parse("x.md", text).is_ok());
        let narrow = Limits {
            years: "1990..2100".parse().unwrap(),
            ..limits(1000)
        };
        assert!(parse_post("x.md", text.as_bytes(), BodyFormat::Markdown, &narrow).is_err());
        assert_eq!("1900..2100".parse::<Years>(), Ok(Years::DEFAULT));
        for bad in ["2100..1900", "0..2000", "1900..10000", "1900", "a..b"] {
            assert!(bad.parse::<Years>().is_err(), "{bad}");
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
            parse_post(
                "a.md",
                b"---\n\0\x01\x02",
                BodyFormat::Markdown,
                &limits(10)
            ),
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
        let p = parse_post("x.md", &bytes, BodyFormat::Markdown, &limits(1000)).unwrap();
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
            &limits(10),
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

    /// What the scraper writes before the front matter: blank lines,
    /// spaces, a byte-order mark. Each is read and counted as tolerated.
    #[test]
    fn blank_lines_spaces_and_a_bom_before_the_front_matter_are_tolerated() {
        let post = "---\ntitle: \"央行开展逆回购\"\ndate: 2021-12-08 09:15:02 +0800\n---\n正文。";
        for (prefix, forms) in [
            ("\n", vec![Tolerated::BlankBeforeFrontMatter]),
            ("\n\n  \n", vec![Tolerated::BlankBeforeFrontMatter]),
            ("\r\n", vec![Tolerated::BlankBeforeFrontMatter]),
            ("  ", vec![Tolerated::BlankBeforeFrontMatter]),
            ("\u{feff}", vec![Tolerated::ByteOrderMark]),
            (
                "\u{feff}\n",
                vec![Tolerated::ByteOrderMark, Tolerated::BlankBeforeFrontMatter],
            ),
            ("", vec![]),
        ] {
            let p = parse("x.md", &format!("{prefix}{post}")).unwrap();
            assert_eq!(p.title, "央行开展逆回购", "{prefix:?}");
            assert_eq!(p.tolerated, forms, "{prefix:?}");
        }
        // Text before the front matter is still no front matter.
        assert_eq!(
            parse("x.md", &format!("\n正文\n{post}")),
            Err(RejectReason::NoFrontMatter)
        );
    }

    #[test]
    fn yaml_errors_count_lines_from_the_top_of_the_file() {
        let r = parse("x.md", "\n\n---\ntitle: a: b\n---\n正文");
        match r {
            Err(RejectReason::InvalidYaml(m)) => assert!(m.starts_with("line 4,"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_date_of_only_an_offset_takes_the_file_name_or_is_refused_as_written() {
        for raw in ["+0800", " +0800", "+08:00", "-0500", "''", "Z"] {
            let text = format!("---\ntitle: ''\ndate: {raw}\n---\n央行开展逆回购操作。");
            let p = parse("2021-12-08-202112082206574512.md", &text).unwrap();
            assert_eq!(
                p.date,
                NaiveDate::from_ymd_opt(2021, 12, 8).unwrap(),
                "{raw}"
            );
            assert_eq!(p.tolerated, vec![Tolerated::DateWithoutDay], "{raw}");
            let r = parse("202112082206574512.md", &text);
            let written = raw.trim().trim_matches('\'');
            assert_eq!(
                r,
                Err(RejectReason::DateWithoutDay(written.into())),
                "{raw}"
            );
        }
        let r = parse("x.md", "---\ndate:  +0800\n---\n正文");
        assert_eq!(
            r.unwrap_err().to_string(),
            "date '+0800' has no day, and the file name has no YYYY-MM-DD- prefix"
        );
        // A real but impossible date is still an impossible date.
        assert!(matches!(
            parse("2021-12-08-x.md", "---\ndate: 2021-13-45\n---\n正文"),
            Err(RejectReason::BadDate { .. })
        ));
    }

    #[test]
    fn front_matter_fields_are_kept_as_written() {
        let p = parse(
            "2022-05-24-x.md",
            "---\nlayout: post\ntitle: \"标题\"\ndate: 2022-05-24 11:24:35 +0800\ncategories: zhongguoshangbao finance\ntags: 中国商报新闻\nkeywords: [中小企业, 融通创新]\nauthor:\n  name: 张三\nempty:\n---\n正文",
        )
        .unwrap();
        assert_eq!(
            p.fields,
            vec![
                ("layout".to_string(), vec!["post".to_string()]),
                (
                    "categories".to_string(),
                    vec!["zhongguoshangbao".to_string(), "finance".to_string()]
                ),
                ("tags".to_string(), vec!["中国商报新闻".to_string()]),
                (
                    "keywords".to_string(),
                    vec!["中小企业".to_string(), "融通创新".to_string()]
                ),
            ]
        );
        // A repeated key: the last counts.
        let p = parse(
            "x.md",
            "---\ntitle: 一\ntitle: 二\ndate: 2022-01-01\n---\n正文",
        )
        .unwrap();
        assert_eq!(p.title, "二");
        // A complex key does not shift the fields after it.
        let p = parse(
            "x.md",
            "---\n? [a, b]\n: c\ntitle: 三\ndate: 2022-01-01\n---\n正文",
        )
        .unwrap();
        assert_eq!(p.title, "三");
    }

    #[test]
    fn deeply_nested_front_matter_is_refused() {
        let deep = format!(
            "---\nx: {}1{}\ndate: 2022-01-01\n---\n正文",
            "[".repeat(250),
            "]".repeat(250)
        );
        match parse("x.md", &deep) {
            Err(RejectReason::InvalidYaml(m)) => {
                assert!(m.contains("nested") || m.contains("recursion"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn liquid_tags_and_credits_are_out_of_the_body() {
        let p = parse(
            "2021-12-08-x.md",
            "\n---\ntitle: \"逆回购\"\ndate: 2021-12-08\n---\n{% include ad.html %}\n央行开展逆回购操作。（新华社）\n\n<http://finance.eastmoney.com/a/1.html>\n\n[返回东财滚动新闻](../emnews/)｜[返回首页](../)\n",
        )
        .unwrap();
        assert_eq!(p.body, "央行开展逆回购操作。");
        assert_eq!(p.source.as_deref(), Some("新华社"));
    }
}

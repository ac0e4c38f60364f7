//! The checks shared by the `parse_post` fuzz target and the regression test
//! `tests/fuzz_regressions.rs` (both include this file with `#[path]`, so a
//! saved fuzz input is replayed through exactly the same code).
//!
//! Only `std` and `theme_trends` are used here, so the file compiles in both
//! crates without extra dependencies.
//!
//! # Input format (self-describing, so saved inputs can be read and written by hand)
//!
//! ```text
//! <F><file name>\n<file content…>
//! ```
//!
//! * The **header** is everything before the first `\n` (the whole input if
//!   there is none; the content is then empty).
//! * `F`, the header's first byte, picks the body format: an **odd** byte
//!   means Markdown (`m` = 0x6D is odd), an **even** byte means HTML (`h` =
//!   0x68 is even). An empty header means Markdown.
//! * The rest of the header, decoded as lossy UTF-8, is the **file name**
//!   handed to `parse_post` (only its `YYYY-MM-DD-` prefix matters).
//! * Everything after the first `\n` is the **file content**, raw bytes
//!   (BOM, CRLF, GBK, NUL… all allowed).
//!
//! Example: `m2022-09-24-post.md\n---\ntitle: 标题\n---\n正文` is a Markdown
//! post named `2022-09-24-post.md`.

use theme_trends::ingest::clean::{html_to_text, remove_boilerplate};
use theme_trends::ingest::{
    parse_date, parse_post, BodyFormat, Limits, ParsedPost, RejectReason, Years,
};

/// `max_chars` of the main parse.
pub const MAX_CHARS: usize = 5000;
/// `max_chars` of the second parse, to exercise cutting on small inputs.
pub const SMALL_MAX_CHARS: usize = 7;
/// Bytes `parse_post` looks at to call a file binary (its `BINARY_SNIFF`).
const BINARY_SNIFF: usize = 8192;
/// The limits of a parse that cuts bodies at `max_chars`.
fn limits(max_chars: usize) -> Limits {
    Limits {
        max_chars,
        years: Years::DEFAULT,
    }
}

/// A file name with no Jekyll date prefix.
const UNDATED_NAME: &str = "post.md";

/// A fuzz input split into what `parse_post` takes.
#[derive(Debug)]
pub struct Input<'a> {
    /// File name given to `parse_post`.
    pub file_name: String,
    /// Body format.
    pub format: BodyFormat,
    /// The file's bytes.
    pub content: &'a [u8],
}

/// Splits a raw fuzz input (see the module docs for the format).
pub fn decode_input(data: &[u8]) -> Input<'_> {
    let (header, content) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let format = match header.first() {
        Some(b) if b % 2 == 0 => BodyFormat::Html,
        _ => BodyFormat::Markdown,
    };
    let name = header.get(1..).unwrap_or(&[]);
    Input {
        file_name: String::from_utf8_lossy(name).into_owned(),
        format,
        content,
    }
}

/// Runs every check on one raw input; panics (with a message saying which
/// invariant broke) when one fails.
pub fn check(data: &[u8]) {
    let input = decode_input(data);
    check_parse_post(&input);

    let text = String::from_utf8_lossy(input.content);
    check_parse_date(&input.file_name);
    check_parse_date(&text);
    for line in text.lines().take(16) {
        check_parse_date(line);
    }
    let plain = html_to_text(&text);
    check_html_to_text(&text, &plain);
    check_remove_boilerplate(&text);
    check_remove_boilerplate(&plain);
}

fn check_parse_post(input: &Input<'_>) {
    let bytes = input.content;
    let result = parse_post(&input.file_name, bytes, input.format, &limits(MAX_CHARS));

    // The first rejections depend on the bytes alone.
    let blank = bytes.iter().all(|b| b.is_ascii_whitespace());
    let nul = bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0);
    match &result {
        Err(RejectReason::Empty) => assert!(blank, "Empty but the file has non-blank bytes"),
        Err(RejectReason::Binary) => assert!(
            !blank && nul,
            "Binary but no NUL in the first {BINARY_SNIFF} bytes"
        ),
        _ => {
            assert!(!blank, "a blank file gave {result:?}, not Empty");
            assert!(!nul, "a file with a NUL byte gave {result:?}, not Binary");
        }
    }

    if let Ok(post) = &result {
        check_post(post, MAX_CHARS);
    }

    // Cutting the body shorter changes nothing but the body (and the cut warning).
    let small = parse_post(
        &input.file_name,
        bytes,
        input.format,
        &limits(SMALL_MAX_CHARS),
    );
    match (&result, &small) {
        (Ok(big), Ok(small)) => {
            check_post(small, SMALL_MAX_CHARS);
            assert_eq!(big.title, small.title, "title depends on max_chars");
            assert_eq!(big.date, small.date, "date depends on max_chars");
            // Both are cuts of the same body, so the short one starts the long one.
            let prefix: String = big.body.chars().take(SMALL_MAX_CHARS).collect();
            assert_eq!(
                small.body, prefix,
                "body cut to {SMALL_MAX_CHARS} chars is not the start of the body cut to {MAX_CHARS}"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "the rejection depends on max_chars"),
        (a, b) => {
            panic!("max_chars {MAX_CHARS} gave {a:?} but max_chars {SMALL_MAX_CHARS} gave {b:?}")
        }
    }

    // Where the date came from: parse again under a name with no date prefix.
    // Either the front matter had the date (same result), or it had none and
    // the date is the file name's `YYYY-MM-DD-` prefix, exactly as written.
    if let Ok(post) = &result {
        let undated = parse_post(UNDATED_NAME, bytes, input.format, &limits(MAX_CHARS));
        match &undated {
            Ok(again) => assert_eq!(
                again, post,
                "the file name changed a post whose date is in the front matter"
            ),
            Err(RejectReason::NoDate | RejectReason::DateWithoutDay(_)) => {
                let prefix = jekyll_prefix(&input.file_name).unwrap_or_else(|| {
                    panic!(
                        "date {} came from neither the front matter nor a YYYY-MM-DD- file-name prefix ({:?})",
                        post.date, input.file_name
                    )
                });
                assert_eq!(
                    post.date.to_string(),
                    prefix,
                    "date is not the file name's prefix as written"
                );
            }
            Err(other) => panic!(
                "the file name {:?} gave Ok, but {UNDATED_NAME:?} gave {other:?}",
                input.file_name
            ),
        }
    }
}

/// The `YYYY-MM-DD` of a `YYYY-MM-DD-…` file name (digits and dashes only;
/// whether it is a real date is for the caller).
fn jekyll_prefix(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    let shape = b.len() >= 11
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    shape.then(|| &name[..10])
}

/// What every accepted post must look like.
fn check_post(post: &ParsedPost, max_chars: usize) {
    // Titles are one line, whitespace collapsed to single spaces.
    assert!(
        !post.title.contains(|c: char| c.is_whitespace() && c != ' '),
        "title holds a newline or other whitespace: {:?}",
        post.title
    );
    assert_eq!(post.title, post.title.trim(), "title not trimmed");
    assert!(
        !post.title.contains("  "),
        "title holds a double space: {:?}",
        post.title
    );

    // The body: at most max_chars, paragraphs on non-empty trimmed lines.
    let chars = post.body.chars().count();
    assert!(
        chars <= max_chars,
        "body of {chars} chars > max_chars {max_chars}"
    );
    let cut = post.warnings.iter().any(|w| w.contains("--max-chars"));
    if cut {
        assert_eq!(
            chars, max_chars,
            "a cut warning but the body was not cut to max_chars"
        );
    }
    assert!(
        !post
            .body
            .contains(|c: char| c.is_whitespace() && c != ' ' && c != '\n'),
        "body holds whitespace other than space and newline: {:?}",
        post.body
    );
    let lines: Vec<&str> = post.body.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        if cut && i + 1 == lines.len() {
            continue; // the cut may fall anywhere in the last line
        }
        if post.body.is_empty() {
            break;
        }
        assert!(
            !line.is_empty(),
            "body has an empty line {i}: {:?}",
            post.body
        );
        assert_eq!(*line, line.trim(), "body line {i} not trimmed");
    }
    assert!(
        !(post.title.is_empty() && post.body.trim().is_empty()),
        "a post with neither title nor body text was accepted"
    );

    // The date lies in the plausible years.
    assert!(
        Years::DEFAULT.holds(post.date),
        "the accepted date {} is outside {}",
        post.date,
        Years::DEFAULT
    );

    // The date is valid and survives the way it is written out.
    assert_eq!(
        parse_date(&post.date.to_string()),
        Some(post.date),
        "the accepted date {} does not read back",
        post.date
    );
}

/// `parse_date` returns the calendar date as written (no time-zone shift)
/// and reads back its own output.
fn check_parse_date(raw: &str) {
    let Some(date) = parse_date(raw) else { return };
    let written = leading_ymd(raw.trim()).unwrap_or_else(|| {
        panic!("parse_date({raw:?}) = {date} but the text does not start with Y-M-D")
    });
    let shown = date.to_string();
    assert_eq!(
        leading_ymd(&shown),
        Some(written),
        "parse_date({raw:?}) = {shown}, not the calendar date as written"
    );
    assert_eq!(
        parse_date(&shown),
        Some(date),
        "parse_date does not read back {shown}"
    );
    assert_eq!(
        parse_date(&format!(" \t{raw}\n ")),
        Some(date),
        "parse_date({raw:?}) changes with surrounding whitespace"
    );
}

/// `[+-]digits - digits - digits` at the start of `s` (spaces allowed before
/// each number, as chrono allows), as (year, month, day).
fn leading_ymd(s: &str) -> Option<(i64, u32, u32)> {
    fn number(s: &str) -> Option<(i64, &str)> {
        let s = s.trim_start();
        let (sign, s) = match s.as_bytes().first()? {
            b'+' => (1, &s[1..]),
            b'-' => (-1, &s[1..]),
            _ => (1, s),
        };
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let value: i64 = s[..end].parse().ok()?;
        Some((sign * value, &s[end..]))
    }
    let (y, rest) = number(s)?;
    let rest = rest.trim_start().strip_prefix('-')?;
    let (m, rest) = number(rest)?;
    let rest = rest.trim_start().strip_prefix('-')?;
    let (d, _) = number(rest)?;
    Some((y, u32::try_from(m).ok()?, u32::try_from(d).ok()?))
}

/// `html_to_text` output: non-empty trimmed lines, single spaces; and plain
/// text with no markup comes out as itself, whitespace collapsed.
fn check_html_to_text(html: &str, text: &str) {
    assert!(
        !text.contains(|c: char| c.is_whitespace() && c != ' ' && c != '\n'),
        "html_to_text left whitespace other than space and newline: {text:?}"
    );
    assert!(
        !text.contains("  "),
        "html_to_text left a double space: {text:?}"
    );
    for line in text.split('\n') {
        if text.is_empty() {
            break;
        }
        assert!(
            !line.is_empty(),
            "html_to_text left an empty line: {text:?}"
        );
        assert_eq!(line, line.trim(), "html_to_text left an untrimmed line");
    }
    if !html.contains(['<', '&', '\0', '\r']) {
        // The HTML parser drops a byte-order mark at the very start, as HTML says.
        let expected: Vec<String> = html
            .strip_prefix('\u{feff}')
            .unwrap_or(html)
            .split('\n')
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            text,
            expected.join("\n"),
            "html_to_text changed plain text {html:?}"
        );
    }
}

/// `remove_boilerplate` only removes: trimmed non-empty lines, no more lines
/// or bytes than it was given.
fn check_remove_boilerplate(text: &str) {
    let out = remove_boilerplate(text);
    assert!(
        out.len() <= text.len(),
        "remove_boilerplate made the text longer"
    );
    assert!(
        out.lines().count() <= text.lines().count(),
        "remove_boilerplate added lines"
    );
    for line in out.split('\n') {
        if out.is_empty() {
            break;
        }
        assert!(
            !line.is_empty(),
            "remove_boilerplate left an empty line: {out:?}"
        );
        assert_eq!(
            line,
            line.trim(),
            "remove_boilerplate left an untrimmed line"
        );
    }
}

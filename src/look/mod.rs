//! How the job shows things, in the charts and in the report files alike:
//! one colour per theme ([`palette`]), how a period is written, the file
//! stem of a facet's chart, and text made safe for a spreadsheet cell or an
//! HTML page.

pub mod palette;

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::time::Granularity;

/// How a period is written on an axis.
pub fn period_label(d: NaiveDate, g: Granularity) -> String {
    match g {
        Granularity::Month => d.format("%Y-%m").to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// The file stem of the chart of facet `name`: letters and digits kept,
/// anything else (a `/` above all) made `_`.
pub fn facet_stem(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("facet_{safe}")
}

/// Makes a CSV field safe to open in a spreadsheet: text that would start a
/// formula gets a leading apostrophe.
pub fn csv_safe(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_plain_text_is_untouched() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("-2"), "'-2");
        assert_eq!(csv_safe("@SUM"), "'@SUM");
        assert_eq!(csv_safe("春运"), "春运");
        assert_eq!(csv_safe(""), "");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}

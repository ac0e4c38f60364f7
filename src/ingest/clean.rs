//! Turning a post body into plain text: Markdown → HTML → text, then news
//! boilerplate removed line by line.
//!
//! HTML is parsed with a real HTML parser (html5ever, through `scraper`):
//! entities are decoded, `<script>`, `<style>` and similar invisible
//! elements are dropped with their content, and block elements become line
//! breaks so that each paragraph is one line. The boilerplate rules then
//! remove what every post of an outlet repeats (source links, credits,
//! back-links, bylines, the "央视网消息（新闻联播）：" lead), which would
//! otherwise become the strongest "theme" of a large archive.

use std::borrow::Cow;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{Html, Node};

/// Renders Markdown to HTML (raw HTML blocks pass through unchanged).
pub fn markdown_to_html(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::empty());
    let mut html = String::with_capacity(md.len() + md.len() / 8);
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// Elements whose content is never visible text.
fn is_hidden(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "head"
            | "title"
            | "iframe"
            | "object"
            | "svg"
    )
}

/// Elements that start a new line of text.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "hr"
            | "dd"
            | "dt"
            | "figcaption"
    )
}

/// Elements that never hold content, or that the parser closes by itself
/// when the next one starts: they do not deepen the tree.
fn is_flat(tag: &[u8]) -> bool {
    const FLAT: [&[u8]; 20] = [
        b"br", b"img", b"hr", b"input", b"meta", b"link", b"wbr", b"source", b"area", b"base",
        b"col", b"embed", b"param", b"track", b"p", b"li", b"td", b"tr", b"dt", b"dd",
    ];
    FLAT.iter().any(|f| f.eq_ignore_ascii_case(tag))
}

/// A cheap upper estimate of how deeply `html` nests its elements, found
/// by a single scan of the tags. The HTML parser's work grows with the
/// square of the nesting depth (it searches the stack of open elements at
/// every block start tag), so absurdly deep input is refused before parsing.
pub fn nesting_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    let name_at = |at: usize| {
        let len = b[at..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        (len > 0 && b[at].is_ascii_alphabetic()).then(|| &b[at..at + len])
    };
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        i += off + 1;
        if b.get(i) == Some(&b'/') {
            // Closing a flat element (`</p>`) closes nothing that counted.
            if name_at(i + 1).is_none_or(|name| !is_flat(name)) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let Some(name) = name_at(i) else { continue };
        let name_len = name.len();
        // The tag ends at its '>' or, unclosed, where the next tag starts:
        // the scan stays linear.
        let end = b[i..]
            .iter()
            .position(|&c| c == b'>' || c == b'<')
            .map_or(b.len(), |p| i + p);
        let self_closing = end > 0 && b.get(end - 1) == Some(&b'/');
        if !self_closing && !is_flat(name) {
            depth += 1;
            max = max.max(depth);
        }
        i += name_len;
    }
    max
}

/// HTML → text: one line per block, whitespace collapsed, empty lines dropped.
pub fn html_to_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let mut raw = String::with_capacity(html.len());
    let mut hidden_depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) if is_hidden(e.name()) => hidden_depth += 1,
                Node::Element(e) if hidden_depth == 0 && is_block(e.name()) => raw.push('\n'),
                Node::Text(t) if hidden_depth == 0 => raw.push_str(t),
                _ => {}
            },
            Edge::Close(node) => match node.value() {
                Node::Element(e) if is_hidden(e.name()) => hidden_depth -= 1,
                Node::Element(e) if hidden_depth == 0 && is_block(e.name()) => raw.push('\n'),
                _ => {}
            },
        }
    }
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let mut words = line.split(char::is_whitespace).filter(|w| !w.is_empty());
        if let Some(first) = words.next() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(first);
            for w in words {
                out.push(' ');
                out.push_str(w);
            }
        }
    }
    out
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("boilerplate pattern compiles")
}

/// A Markdown link left as text (inside an HTML block): keep its label.
static MD_LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]\n]*)\]\([^)\n]*\)"));
/// Lines that are nothing but a web address.
static URL_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^[<(（]?\s*(https?:)?//\S+\s*[>)）]?$"));
/// Navigation back-links: 返回中国商报新闻｜返回首页.
static BACKLINKS: LazyLock<Regex> = LazyLock::new(|| re(r"^(返回[^｜|\s]{1,24}\s*[｜|]?\s*)+$"));
/// Whole-line credits: （文章来源：中国商报）, 责任编辑：张三, 本报记者 李远方.
static CREDIT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[（(【\[]?\s*((文章|新闻|稿件)?来源|责任编辑|编辑|责编|校对|审核|监制|制作|原标题)\s*[：:].{0,60}$|^(本报|本台|本刊|新华社|人民网|央视网?)?(特约|实习)?(记者|通讯员)[\s：:]*[\p{Han}A-Za-z·、\s]{2,24}$",
    )
});
/// Lead formulas at the start of a story: 央视网消息（新闻联播）：, 新华社北京9月24日电（记者 某某）, 本报讯.
static LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(央视网消息|新华网消息|人民网消息|中新网消息|本报讯|本台消息|本网讯|新华社[^，。：:]{0,16}电)\s*([（(][^）)]{0,30}[）)])?\s*[：:]?\s*",
    )
});
/// Credits inside a line: （记者 某某）, （文章来源：…）.
static INLINE_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"[（(]\s*((本报|本台)?(特约)?记者|通讯员|(文章)?来源|责任编辑|编辑)[^）)]{0,40}[）)]")
});

/// Lines that are an empty autolink, as the feed writes when it has no
/// source address: `<>`.
static EMPTY_LINK: LazyLock<Regex> = LazyLock::new(|| re(r"^<\s*>$"));
/// A credit line naming the source: （文章来源：中国商报）, 来源：新华社.
static SOURCE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[（(【\[]?\s*(?:文章|新闻|稿件)?来源\s*[：:]\s*([^）)】\]]{1,40}?)\s*[）)】\]]?$")
});
/// The outlet a lead formula names: 新华社北京12月8日电 → 新华社.
static LEAD_OUTLET: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(央视网|新华网|人民网|中新网|新华社)"));
/// Endings of outlet names, which make a closing parenthesis a credit
/// wherever it stands.
const OUTLET_ENDINGS: [&str; 16] = [
    "社",
    "报",
    "网",
    "新闻",
    "财经",
    "数据",
    "电视台",
    "客户端",
    "日报",
    "时报",
    "周刊",
    "杂志",
    "传媒",
    "证券",
    "资讯",
    "快讯",
];
/// Liquid comments, tags and output (`{% … %}`, `{{ … }}`): template code,
/// never text.
static LIQUID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?s)\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}|\{%.*?%\}|\{\{.*?\}\}")
});

/// Removes Liquid template code from a body before it is rendered.
pub fn strip_liquid(body: &str) -> std::borrow::Cow<'_, str> {
    if body.contains("{%") || body.contains("{{") {
        LIQUID.replace_all(body, "")
    } else {
        std::borrow::Cow::Borrowed(body)
    }
}

/// The outlet credited at the end of `line`, if the closing parenthesis is
/// a credit: it follows the end of a sentence (or stands alone), or it
/// names something that reads as an outlet (`…社`, `…报`, `…新闻`). A
/// closing `（同比）` after a number is not a credit.
///
/// The credit is the last bracketed group, `（…）` or `(…)`, closing the
/// line: 2 to 20 letters (Han or Latin, with `·`, `&`, `-` or spaces
/// inside), nothing after it. Returns the text before it (without the
/// spaces between) and the outlet.
fn trailing_credit(line: &str) -> Option<(&str, &str)> {
    let inner_end = line.strip_suffix(['）', ')'])?;
    let open = inner_end.rfind(['（', '('])?;
    let open_len = inner_end[open..].chars().next()?.len_utf8();
    let outlet = inner_end[open + open_len..].trim();
    let letter = |c: char| {
        c.is_alphabetic()
            && (crate::text::is_common_cjk(c) || c.is_ascii_alphabetic() || c.is_alphabetic())
    };
    let n = outlet.chars().count();
    if !(2..=20).contains(&n)
        || !outlet.chars().next().is_some_and(letter)
        || !outlet.chars().last().is_some_and(letter)
        || !outlet
            .chars()
            .all(|c| letter(c) || matches!(c, '·' | '&' | '-' | ' '))
    {
        return None;
    }
    let head = &line[..open];
    let before = head.trim_end_matches(|c: char| c.is_whitespace());
    let after_sentence = before.is_empty()
        || before.ends_with(['。', '！', '？', '!', '?', '…', '”', '"', '」', '；', ';'])
        || before.len() < head.len();
    let named = OUTLET_ENDINGS.iter().any(|e| outlet.ends_with(e))
        || outlet.contains(|c: char| c.is_ascii_alphabetic());
    // An unnamed parenthesis standing after a sentence is a credit only
    // when it is short, as outlet names are (not `（以下按姓氏笔画排序）`).
    let short = outlet.chars().count() <= 8;
    (named || (after_sentence && short)).then_some((before, outlet))
}

/// Clean text and the outlet it credits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cleaned {
    /// The text without boilerplate or credits, one paragraph per line.
    pub text: String,
    /// The outlet credited: a closing `（新华社）`, a `来源：` line, or a
    /// `新华社…电` lead, in that order of preference.
    pub source: Option<String>,
}

/// Longest line the credit-line rule can match (its patterns allow at most
/// a keyword and 60 characters).
const CREDIT_LINE_CHARS: usize = 80;
/// How the lead formulas of [`LEAD`] start.
const LEAD_STARTS: [&str; 8] = [
    "央视网消息",
    "新华网消息",
    "人民网消息",
    "中新网消息",
    "本报讯",
    "本台消息",
    "本网讯",
    "新华社",
];

/// Removes news boilerplate from plain text (one paragraph per line) and
/// takes out the outlet's credit, which is kept apart as the source.
pub fn clean_text(text: &str) -> Cleaned {
    let mut out = String::with_capacity(text.len());
    let (mut trailing, mut credited, mut lead) = (None, None, None);
    for line in text.lines() {
        // Each rule runs only where its cheap sign is present: most lines
        // of a large archive are plain sentences.
        let line = if line.contains("](") {
            MD_LINK.replace_all(line, "$1")
        } else {
            Cow::Borrowed(line)
        };
        let line = line.trim();
        if line.is_empty()
            || (line.contains("//") && URL_LINE.is_match(line))
            || (line.starts_with('<') && EMPTY_LINK.is_match(line))
            || (line.contains("返回") && BACKLINKS.is_match(line))
        {
            continue;
        }
        if line.contains("来源") {
            if let Some(c) = SOURCE_LINE.captures(line) {
                credited = c.get(1).map(|m| m.as_str().trim().to_string());
                continue;
            }
        }
        if line.chars().count() <= CREDIT_LINE_CHARS && CREDIT_LINE.is_match(line) {
            continue;
        }
        let line = if LEAD_STARTS.iter().any(|p| line.starts_with(p)) {
            if let Some(m) = LEAD.find(line) {
                if lead.is_none() {
                    lead = LEAD_OUTLET.find(m.as_str()).map(|o| o.as_str().to_string());
                }
            }
            LEAD.replace(line, "")
        } else {
            Cow::Borrowed(line)
        };
        let line = if line.contains(['（', '(']) {
            INLINE_CREDIT.replace_all(&line, "")
        } else {
            Cow::Borrowed(line.as_ref())
        };
        let mut line = line.trim();
        if line.ends_with(['）', ')']) {
            if let Some((before, outlet)) = trailing_credit(line) {
                trailing = Some(outlet.to_string());
                line = before.trim();
            }
        }
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    Cleaned {
        text: out,
        source: trailing.or(credited).or(lead),
    }
}

/// Removes news boilerplate and credits from plain text (one paragraph per
/// line); [`clean_text`] without the source.
pub fn remove_boilerplate(text: &str) -> String {
    clean_text(text).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_paragraphs_become_lines_and_entities_are_decoded() {
        let t =
            html_to_text("<p><strong>甲</strong>乙&amp;丙&nbsp;丁</p>\n <p>第二段<br>第三行</p>");
        assert_eq!(t, "甲乙&丙 丁\n第二段\n第三行");
    }

    #[test]
    fn script_and_style_content_never_reaches_the_text() {
        let t = html_to_text(
            "<p>正文</p><script>var secret = 1;</script><style>p{color:red}</style><p>结尾</p>",
        );
        assert_eq!(t, "正文\n结尾");
    }

    #[test]
    fn nesting_depth_counts_open_elements_not_paragraphs() {
        assert_eq!(nesting_depth("<p>a<p>b<p>c"), 0);
        assert_eq!(
            nesting_depth("<div><span>x</span><br/><img src=x></div>"),
            2
        );
        assert_eq!(nesting_depth(&"<div>".repeat(1000)), 1000);
        // Closing paragraphs does not hide the divs left open.
        assert_eq!(nesting_depth(&"<div><p>x</p>".repeat(1000)), 1000);
        assert_eq!(nesting_depth("<div><p>x</p></div><div></div>"), 1);
        // Tags that never close are still counted, one each.
        assert_eq!(nesting_depth(&"<a".repeat(1000)), 1000);
        assert_eq!(nesting_depth("a < b and c<3"), 0);
        let quotes = markdown_to_html(&format!("{} x\n", ">".repeat(300)));
        assert!(nesting_depth(&quotes) >= 300);
    }

    #[test]
    fn markdown_is_rendered_to_text() {
        let html = markdown_to_html("# 标题\n\n> 引用的*摘要*\n\n- 一\n- 二\n");
        assert_eq!(html_to_text(&html), "标题\n引用的摘要\n一\n二");
    }

    #[test]
    fn seed_archive_boilerplate_is_removed() {
        let md = "<p>本报记者李远方</p>\n <p>为了推动大企业加强引领带动。</p><p class=\"em_media\">（文章来源：中国商报）</p>\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1>\n\n[返回中国商报新闻](//finews.withounder.com/category/zhongguoshangbao.html)｜[返回首页](//finews.withounder.com/)\n";
        let text = remove_boilerplate(&html_to_text(&markdown_to_html(md)));
        assert_eq!(text, "为了推动大企业加强引领带动。");
    }

    #[test]
    fn lead_formulas_and_inline_credits_are_removed() {
        let text = remove_boilerplate(
            "央视网消息（新闻联播）：长江是母亲河。\n新华社北京9月24日电（记者 张三）今天发布。\n会议召开（记者 李四 王五）。",
        );
        assert_eq!(text, "长江是母亲河。\n今天发布。\n会议召开。");
    }

    #[test]
    fn ordinary_sentences_mentioning_reporters_are_kept() {
        let short = "记者从交通运输部获悉，春运首日发送旅客三千万人次。";
        assert_eq!(remove_boilerplate(short), short);
        assert_eq!(remove_boilerplate("本报记者 张三 李四\n正文。"), "正文。");
        let line = "记者从国家统计局获悉，前三季度国内生产总值同比增长百分之五点二，经济运行总体平稳，稳中有进。";
        assert_eq!(remove_boilerplate(line), line);
    }

    /// The end of a rolling-news flash as the feed writes it, in each of
    /// its spellings: the credit goes to the source, links and back-links
    /// vanish.
    #[test]
    fn flash_endings_are_removed_and_the_credit_kept_apart() {
        let endings = [
            "<http://finance.eastmoney.com/news/11158,20211208123456789.html>\n\n[返回东财滚动新闻](../emnews/)\n[返回首页](../)",
            "<>\n\n[返回东财滚动新闻](./)｜[返回首页](./)",
            "<http://finance.eastmoney.com/a/202112082206574512.html>\n\n[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)",
            "[返回东财滚动新闻](../emnews/) | [返回首页](../)",
        ];
        let credits = [
            ("（新华社）", "新华社"),
            ("（中国基金报）", "中国基金报"),
            ("(央视新闻)", "央视新闻"),
            (" （证券时报）", "证券时报"),
            ("(东方财富Choice数据)", "东方财富Choice数据"),
        ];
        for ending in endings {
            for (credit, outlet) in credits {
                let md = format!(
                    "> 央行开展逆回购操作。\n\n央行今日开展1000亿元7天期逆回购操作，中标利率持平。{credit}\n\n{ending}\n"
                );
                let c = clean_text(&html_to_text(&markdown_to_html(&md)));
                assert_eq!(
                    c.text,
                    "央行开展逆回购操作。\n央行今日开展1000亿元7天期逆回购操作，中标利率持平。",
                    "{md}"
                );
                assert_eq!(c.source.as_deref(), Some(outlet), "{md}");
            }
        }
    }

    #[test]
    fn a_dateline_or_a_source_line_gives_the_source() {
        let c = clean_text("新华社北京12月8日电 国务院常务会议今天召开。");
        assert_eq!(c.text, "国务院常务会议今天召开。");
        assert_eq!(c.source.as_deref(), Some("新华社"));
        let c = clean_text("为了推动大企业加强引领带动。\n（文章来源：中国商报）");
        assert_eq!(c.text, "为了推动大企业加强引领带动。");
        assert_eq!(c.source.as_deref(), Some("中国商报"));
        // A closing credit wins over the dateline.
        let c = clean_text("新华社北京12月8日电 会议召开。（人民日报）");
        assert_eq!(c.source.as_deref(), Some("人民日报"));
    }

    #[test]
    fn parentheses_that_are_not_credits_stay() {
        for line in [
            "前三季度出口增长5%（同比）",
            "工业增加值增长（按可比价格计算）",
            "名单如下（以下按姓氏笔画排序）",
        ] {
            let c = clean_text(line);
            assert_eq!(c.text, line);
            assert_eq!(c.source, None, "{line}");
        }
    }

    #[test]
    fn liquid_tags_never_reach_the_text() {
        let body = "{% include head.html %}\n正文第一段。{{ page.title }}\n{% comment %}草稿{% endcomment %}结尾。{%- raw -%}";
        assert_eq!(strip_liquid(body), "\n正文第一段。\n结尾。");
        assert!(matches!(
            strip_liquid("纯文本"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}

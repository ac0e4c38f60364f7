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

/// Removes news boilerplate from plain text (one paragraph per line).
pub fn remove_boilerplate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = MD_LINK.replace_all(line, "$1");
        let line = line.trim();
        if line.is_empty()
            || URL_LINE.is_match(line)
            || BACKLINKS.is_match(line)
            || CREDIT_LINE.is_match(line)
        {
            continue;
        }
        let line = LEAD.replace(line, "");
        let line = INLINE_CREDIT.replace_all(&line, "");
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
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
}

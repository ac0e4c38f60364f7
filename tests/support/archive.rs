//! A generator of archive folders shaped like the user's: a Jekyll
//! `_posts` folder fed by a scraper, mostly rolling-news flashes
//! (`categories: emnews`, `tags: 东财滚动新闻`) and some longer articles
//! (`categories: zhongguoshangbao`).
//!
//! Every form the real feed writes appears, in known proportions, so that
//! tests can check what became of each post:
//! - a blank line (or a few, or spaces) before the opening `---`;
//! - `date:  +0800` with an empty title (the file name carries the day);
//! - a one-line digest, sometimes as a Markdown quote, then the full text;
//! - the outlet's credit closing the flash, full- or half-width, with or
//!   without a space: `（新华社）`, `(央视新闻)`, ` （证券时报）`;
//! - a `新华社北京12月8日电` dateline;
//! - the source autolink `<http://finance.eastmoney.com/…>` or an empty `<>`;
//! - back-links in each spelling, on two lines or joined by `｜`;
//! - Liquid tags.
//!
//! The text comes from built-in theme templates (no data needed), or from
//! sentences of a corpus folder (`../shared/corpus/xwlb/_posts`) for
//! benchmarks. Used by `tests/real_archive.rs` and by
//! `cargo bench --bench gen_archive` (see `benches/README.md`), and by the
//! determinism and stage tests.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A small deterministic generator (splitmix64), so the archive does not
/// depend on a crate's random stream.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Outlets credited at the end of flashes, as written (bracket style and
/// spacing included), and the name the tool must find.
pub const CREDITS: [(&str, &str); 6] = [
    ("（新华社）", "新华社"),
    ("（中国基金报）", "中国基金报"),
    ("(央视新闻)", "央视新闻"),
    (" （证券时报）", "证券时报"),
    ("(东方财富Choice数据)", "东方财富Choice数据"),
    ("（上海证券报）", "上海证券报"),
];

/// The back-link block in each spelling the feed uses.
pub const BACKLINKS: [&str; 5] = [
    "[返回东财滚动新闻](../emnews/)\n\n[返回首页](../)",
    "[返回东财滚动新闻](./)｜[返回首页](./)",
    "[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)",
    "[返回东财滚动新闻](../emnews/)\n[返回首页](//finews.withounder.com/)",
    "[返回东财滚动新闻](//finews.withounder.com/emnews/) | [返回首页](../)",
];

/// Built-in themes: (name, title stems, sentence templates). `{n}` is
/// replaced by a number, `{p}` by a place.
pub const THEMES: [(&str, &[&str], &[&str]); 6] = [
    (
        "央行流动性",
        &[
            "央行开展逆回购操作",
            "央行公开市场净投放",
            "央行下调存款准备金率",
            "货币市场利率走低",
        ],
        &[
            "央行今日开展{n}亿元7天期逆回购操作，中标利率保持不变。",
            "当日有{n}亿元逆回购到期，公开市场实现净投放。",
            "市场人士认为，央行此举意在维护银行体系流动性合理充裕。",
            "货币市场资金面总体平稳，隔夜回购利率小幅下行。",
            "存款准备金率下调后，预计释放长期资金约{n}亿元。",
        ],
    ),
    (
        "新能源汽车",
        &[
            "新能源汽车销量创新高",
            "动力电池装车量增长",
            "充电桩建设提速",
            "车企发布新款电动车",
        ],
        &[
            "{p}新能源汽车销量同比增长{n}%，渗透率持续提升。",
            "动力电池装车量达到{n}吉瓦时，电池企业加快扩产。",
            "充电基础设施建设提速，{p}新增公共充电桩{n}台。",
            "多家车企发布新款电动车型，续航里程进一步提高。",
            "业内预计新能源汽车产业链景气度将延续。",
        ],
    ),
    (
        "防汛救灾",
        &[
            "多地启动防汛应急响应",
            "强降雨致河流水位上涨",
            "水利部部署防汛工作",
            "抢险救援力量集结",
        ],
        &[
            "受强降雨影响，{p}多条河流水位上涨，防汛形势严峻。",
            "水利部启动洪水防御四级应急响应，派出工作组赴一线。",
            "各地转移受威胁群众{n}人，抢险队伍全天值守。",
            "气象部门预计未来三天仍有大到暴雨，需防范山洪地质灾害。",
            "水库科学调度泄洪，堤防巡查加密。",
        ],
    ),
    (
        "外贸港口",
        &[
            "外贸进出口保持增长",
            "港口集装箱吞吐量上升",
            "海关总署发布贸易数据",
            "跨境电商出口活跃",
        ],
        &[
            "海关总署数据显示，前{n}个月我国货物贸易进出口总值同比增长。",
            "{p}港口集装箱吞吐量突破{n}万标准箱，航线持续加密。",
            "跨境电商出口订单增加，外贸企业积极开拓新兴市场。",
            "机电产品出口占比提高，贸易结构持续优化。",
            "中欧班列开行{n}列，国际物流通道畅通。",
        ],
    ),
    (
        "中小企业",
        &[
            "专精特新企业加快培育",
            "中小企业融资环境改善",
            "工信部推动大中小企业融通",
            "数字化转型助力中小企业",
        ],
        &[
            "工信部表示，将培育一批专精特新中小企业，目前已达{n}家。",
            "普惠小微贷款余额同比增长{n}%，中小企业融资成本下降。",
            "大企业向中小企业开放创新资源，推动产业链融通发展。",
            "{p}出台措施支持中小企业数字化转型，降低转型成本。",
            "中小企业发展指数回升，企业预期改善。",
        ],
    ),
    (
        "疫情防控",
        &[
            "疫情防控措施优化",
            "新增本土确诊病例",
            "疫苗接种加快推进",
            "核酸检测点调整",
        ],
        &[
            "{p}新增本土确诊病例{n}例，无症状感染者有所下降。",
            "疫情防控措施进一步优化，重点人群疫苗接种加快推进。",
            "各地调整核酸检测点布局，保障群众就医需求。",
            "卫健委要求做好药品储备，加强基层医疗服务能力。",
            "疫情防控进入新阶段，生产生活秩序加快恢复。",
        ],
    ),
];

const PLACES: [&str; 8] = [
    "北京", "上海", "广东", "浙江", "江苏", "湖北", "四川", "山东",
];

/// Which forms a generated post has: tests check each one's fate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forms {
    /// Blank lines or spaces before the opening `---`.
    pub blank_before: bool,
    /// `date:  +0800` and an empty title.
    pub offset_only_date: bool,
    /// The digest written as a Markdown quote.
    pub quoted_digest: bool,
    /// A `新华社…电` dateline opens the text.
    pub dateline: bool,
    /// An empty `<>` instead of the source link.
    pub empty_link: bool,
    /// A Liquid tag in the body.
    pub liquid: bool,
    /// Index into [`BACKLINKS`].
    pub backlinks: usize,
}

/// One generated post and what the tool must make of it.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Path below the archive's root.
    pub rel: PathBuf,
    /// `emnews` or `zhongguoshangbao`.
    pub category: &'static str,
    /// The theme it was written about (built-in themes; `None` for corpus
    /// sentences).
    pub theme: Option<&'static str>,
    /// The title written (empty with an offset-only date).
    pub title: String,
    /// The day of the file name.
    pub day: String,
    /// The outlet the tool must find (`None` when none is credited).
    pub source: Option<&'static str>,
    pub forms: Forms,
}

/// Settings of [`generate`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub posts: usize,
    pub seed: u64,
    /// First day; posts spread over `days` days from it.
    pub first_day: (i32, u32, u32),
    pub days: u32,
    /// Share of long articles (`zhongguoshangbao`) among the posts.
    pub articles: f64,
    /// Stories (each a list of sentences, in archive order) to write
    /// flashes from instead of the built-in themes.
    pub stories: Option<Vec<Vec<String>>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            posts: 300,
            seed: 7,
            first_day: (2021, 12, 1),
            days: 90,
            articles: 0.1,
            stories: None,
        }
    }
}

/// Days since 1970-01-01 → (y, m, d) (civil calendar).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// (y, m, d) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The stories of a folder of posts (each its sentences, HTML paragraphs
/// split at 。！？), in file order, for benchmarks that want real
/// vocabulary. At most `limit` stories.
pub fn corpus_stories(folder: &Path, limit: usize) -> Vec<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files.into_iter().take(limit) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let body = text.split("\n---\n").nth(1).unwrap_or("");
        let mut plain = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag && !c.is_whitespace() => plain.push(c),
                _ => {}
            }
        }
        let plain = plain
            .replace("央视网消息（新闻联播）：", "")
            .replace("&nbsp;", "");
        let sentences: Vec<String> = plain
            .split_inclusive(['。', '！', '？'])
            .filter(|s| (15..=90).contains(&s.chars().count()))
            .map(str::to_string)
            .collect();
        if !sentences.is_empty() {
            out.push(sentences);
        }
    }
    out
}

/// Writes the archive into `root` (its `_posts` folder is created) and
/// returns what was written, in file order.
pub fn generate(root: &Path, s: &Settings) -> std::io::Result<Vec<Generated>> {
    let posts_dir = root.join("_posts");
    std::fs::create_dir_all(&posts_dir)?;
    let mut rng = Rng::new(s.seed);
    let first = days_from_civil(s.first_day.0 as i64, s.first_day.1, s.first_day.2);
    let mut out = Vec::with_capacity(s.posts);
    for i in 0..s.posts {
        // Posts spread evenly over the days, in order, as a feed writes.
        let day = first + (i as i64 * s.days as i64) / s.posts.max(1) as i64;
        let (y, m, d) = civil(day);
        let (hh, mm, ss) = (rng.below(24), rng.below(60), rng.below(60));
        let stamp = format!("{y:04}-{m:02}-{d:02}");
        let id = format!(
            "{y:04}{m:02}{d:02}{:010}",
            (i as u64 * 7_919 + rng.below(7_919) as u64) % 10_000_000_000
        );
        let article = rng.chance(s.articles);
        let (text, generated) = if article {
            article_post(&mut rng, s, &stamp, (hh, mm, ss), i)
        } else {
            flash_post(&mut rng, s, &stamp, (hh, mm, ss), &id, i)
        };
        let rel = PathBuf::from("_posts").join(format!("{stamp}-{id}.md"));
        std::fs::write(root.join(&rel), text)?;
        out.push(Generated { rel, ..generated });
    }
    Ok(out)
}

/// Title, digest and full text of a flash about the built-in theme
/// `theme` (or corpus sentences). Post `i` numbers its facts with its own
/// figures, so no two flashes are copies of each other.
fn flash_text(
    rng: &mut Rng,
    s: &Settings,
    theme: usize,
    i: usize,
) -> (Option<&'static str>, String, String, String) {
    match &s.stories {
        Some(stories) if !stories.is_empty() => {
            // Two sentences running on in one story, and one from a story
            // of about the same days: a flash about one thing, with enough
            // of its own that two flashes are hardly ever copies.
            let k = rng.below(stories.len());
            let story = &stories[k];
            let at = rng.below(story.len());
            let mut body = story[at].clone();
            if let Some(next) = story.get(at + 1) {
                body.push_str(next);
            }
            let near = (k + rng.below(101))
                .saturating_sub(50)
                .min(stories.len() - 1);
            let other = &stories[near];
            body.push_str(&other[rng.below(other.len())]);
            let title: String = story[at]
                .trim_end_matches(['。', '！', '？'])
                .chars()
                .take(12 + rng.below(13))
                .collect();
            let _ = (theme, i);
            (None, title, story[at].clone(), body)
        }
        _ => {
            let (name, titles, sentences) = THEMES[theme % THEMES.len()];
            let title = rng.pick(titles).to_string();
            let mut fill = |template: &str, k: usize| {
                template
                    .replace("{n}", &(10 + (i * 13 + k * 7) % 99_990).to_string())
                    .replace("{p}", PLACES[rng.below(PLACES.len())])
            };
            // The digest is a sentence with a figure; one or two more follow.
            let numbered: Vec<usize> = (0..sentences.len())
                .filter(|&j| sentences[j].contains("{n}"))
                .collect();
            let first = numbered[i % numbered.len()];
            let digest = fill(sentences[first], 0);
            let mut body = digest.clone();
            for k in 1..1 + (i % 3) {
                body.push_str(&fill(sentences[(first + k) % sentences.len()], k));
            }
            (Some(name), title, digest, body)
        }
    }
}

fn flash_post(
    rng: &mut Rng,
    s: &Settings,
    stamp: &str,
    (hh, mm, ss): (usize, usize, usize),
    id: &str,
    i: usize,
) -> (String, Generated) {
    let forms = Forms {
        blank_before: rng.chance(0.15),
        offset_only_date: rng.chance(0.05),
        quoted_digest: rng.chance(0.5),
        dateline: rng.chance(0.1),
        empty_link: rng.chance(0.1),
        liquid: rng.chance(0.05),
        backlinks: rng.below(BACKLINKS.len()),
    };
    let theme_index = rng.below(THEMES.len());
    let (theme, title, digest, body) = flash_text(rng, s, theme_index, i);
    let credit = if forms.dateline || rng.chance(0.85) {
        Some(*rng.pick(&CREDITS))
    } else {
        None
    };
    let mut t = String::new();
    if forms.blank_before {
        t.push_str(["\n", "\n\n", "  \n"][rng.below(3)]);
    }
    t.push_str("---\nlayout: post\n");
    let shown_title = if forms.offset_only_date {
        String::new()
    } else {
        title
    };
    let _ = writeln!(t, "title: \"{shown_title}\"");
    if forms.offset_only_date {
        t.push_str("date:  +0800\n");
    } else {
        let _ = writeln!(t, "date: {stamp} {hh:02}:{mm:02}:{ss:02} +0800");
    }
    t.push_str("categories: emnews\ntags: 东财滚动新闻\n---\n");
    if forms.liquid {
        t.push_str("{% include ad.html %}\n");
    }
    if forms.quoted_digest {
        let _ = writeln!(t, "> {digest}\n");
    } else {
        let _ = writeln!(t, "{digest}\n");
    }
    if forms.dateline {
        t.push_str("新华社北京12月8日电 ");
    }
    t.push_str(&body);
    // A dateline names the outlet; the closing credit then repeats it.
    let source = match credit {
        Some((written, name)) => {
            t.push_str(written);
            Some(name)
        }
        None => None,
    };
    t.push_str("\n\n");
    if forms.empty_link {
        t.push_str("<>\n\n");
    } else {
        let _ = writeln!(t, "<http://finance.eastmoney.com/a/{id}.html>\n");
    }
    t.push_str(BACKLINKS[forms.backlinks]);
    t.push('\n');
    let generated = Generated {
        rel: PathBuf::new(),
        category: "emnews",
        theme,
        title: shown_title,
        day: stamp.to_string(),
        source,
        forms,
    };
    (t, generated)
}

fn article_post(
    rng: &mut Rng,
    s: &Settings,
    stamp: &str,
    (hh, mm, ss): (usize, usize, usize),
    i: usize,
) -> (String, Generated) {
    let theme_index = rng.below(THEMES.len());
    let (theme, title, _, _) = flash_text(rng, s, theme_index, i);
    let mut t = String::new();
    let _ = write!(
        t,
        "---\nlayout: post\ntitle: \"{title}\"\ndate: {stamp} {hh:02}:{mm:02}:{ss:02} +0800\ncategories: zhongguoshangbao\ntags: 中国商报新闻\n---\n<p>本报记者李远方</p>\n"
    );
    for p in 0..4 + rng.below(4) {
        let (_, _, _, para) = flash_text(rng, s, theme_index, i * 11 + p);
        let _ = writeln!(t, " <p>{para}</p>");
    }
    let _ = write!(
        t,
        "<p class=\"em_media\">（文章来源：中国商报）</p>\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW{i:012}>\n\n[返回中国商报新闻](//finews.withounder.com/category/zhongguoshangbao.html)｜[返回首页](//finews.withounder.com/)\n"
    );
    let generated = Generated {
        rel: PathBuf::new(),
        category: "zhongguoshangbao",
        theme,
        title,
        day: stamp.to_string(),
        source: Some("中国商报"),
        forms: Forms::default(),
    };
    (t, generated)
}

/// Writes `s.posts` flashes as a Parquet table (`date`, `title`, `text`,
/// `categories`), in slices of 100,000 rows, the feed's order (dates
/// ascending). The text ends with the outlet's credit as the feed writes
/// it. Returns the number of rows.
pub fn generate_table(path: &Path, s: &Settings) -> std::io::Result<usize> {
    use polars::prelude::*;
    use polars_io::prelude::ParquetWriter;
    let mut rng = Rng::new(s.seed);
    let first = days_from_civil(s.first_day.0 as i64, s.first_day.1, s.first_day.2);
    let file = std::fs::File::create(path)?;
    let schema = Schema::from_iter([
        Field::new("date".into(), DataType::Date),
        Field::new("title".into(), DataType::String),
        Field::new("text".into(), DataType::String),
        Field::new("categories".into(), DataType::String),
    ]);
    let mut writer = ParquetWriter::new(file)
        .with_row_group_size(Some(100_000))
        .batched(&schema)
        .map_err(std::io::Error::other)?;
    const SLICE: usize = 100_000;
    let mut done = 0;
    while done < s.posts {
        let n = SLICE.min(s.posts - done);
        let (mut dates, mut titles, mut texts, mut cats) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in done..done + n {
            let day = first + (i as i64 * s.days as i64) / s.posts.max(1) as i64;
            let theme = rng.below(THEMES.len());
            let (_, title, _, mut body) = flash_text(&mut rng, s, theme, i);
            if rng.chance(0.8) {
                body.push_str(CREDITS[rng.below(CREDITS.len())].0);
            }
            dates.push(day as i32);
            titles.push(title);
            texts.push(body);
            cats.push(if rng.chance(0.85) {
                "emnews"
            } else {
                "zhongguoshangbao"
            });
        }
        let df = DataFrame::new(
            n,
            vec![
                Column::new("date".into(), dates)
                    .cast(&DataType::Date)
                    .map_err(std::io::Error::other)?,
                Column::new("title".into(), titles),
                Column::new("text".into(), texts),
                Column::new("categories".into(), cats),
            ],
        )
        .map_err(std::io::Error::other)?;
        writer.write_batch(&df).map_err(std::io::Error::other)?;
        done += n;
    }
    writer.finish().map_err(std::io::Error::other)?;
    Ok(done)
}

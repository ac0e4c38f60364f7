//! Ingest (the input of `prepare`, layer 3): read the archive and turn every post into clean text.
//!
//! The input is either a folder of Jekyll posts (`*.md`, `*.markdown`,
//! `*.html`, searched recursively in sorted path order, symlinks followed
//! but never into a loop or above the input folder) or a table file (`.csv`, `.tsv`, `.parquet`,
//! `.jsonl`), streamed by [`source`]: never loaded whole. A post's
//! [`DocId`](crate::ids::DocId) is its 0-based place among the post files
//! (or table rows) in that order, rejected ones included, so ids do not move
//! when a bad file is fixed.
//!
//! [`read_item`] turns one input item into a clean [`Post`] or the
//! [`RejectReason`] it cannot be used for; it is pure but for reading the
//! file. Files that are not posts at all (images, `.DS_Store`, `.txt`) are
//! counted as ignored by the walk and otherwise left alone.

pub mod clean;
pub mod item;
pub mod limits;
pub mod post;
pub mod reject;
pub mod source;
pub mod table;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use item::{BodyFormat, FileStat, Item, Part, What};
pub use limits::{Limits, Years};
pub use post::{parse_date, parse_post, parse_stamp, Field, ParsedPost, Tolerated};
pub use reject::{RejectReason, Rejection};
pub use source::Source;

/// Parameters of the ingest stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestParams {
    /// Cut post bodies longer than this many characters (with a warning).
    #[arg(
        long,
        default_value_t = 200_000,
        value_name = "N",
        help_heading = "Input"
    )]
    pub max_chars: usize,

    /// Plausible years of a post's date, FIRST..LAST: a post dated outside
    /// them (a scraper's epoch default, a year 262142) is rejected with
    /// the date as written.
    #[arg(
        long,
        default_value_t = Years::DEFAULT,
        value_name = "FIRST..LAST",
        help_heading = "Input"
    )]
    pub years: Years,
}

impl Default for IngestParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl IngestParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if self.max_chars < 100 {
            return Err(Error::param("--max-chars", "must be at least 100"));
        }
        Ok(())
    }

    /// What a post may be.
    pub fn limits(&self) -> Limits {
        Limits {
            max_chars: self.max_chars,
            years: self.years,
        }
    }
}

/// A post that can be analysed: clean text and what is known of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Post {
    /// Calendar date; `None` only for a table without a `date` column.
    pub date: Option<NaiveDate>,
    /// Time of day as written, when the date gives one.
    pub time: Option<chrono::NaiveTime>,
    /// Title (may be empty).
    pub title: String,
    /// Body as clean text, one paragraph per line.
    pub body: String,
    /// The outlet the text credits.
    pub source: Option<String>,
    /// Front-matter fields other than title and date.
    pub fields: Vec<Field>,
    /// Carried table columns, in the order of [`Source::columns`].
    pub extra: Vec<String>,
    /// Forms bent but accepted.
    pub tolerated: Vec<Tolerated>,
    /// Things worth telling the user that did not stop the post.
    pub warnings: Vec<String>,
}

/// The facet name of the outlet credited in the text (`（新华社）`).
pub const CREDIT: &str = "credit";
/// The facet name of the post's outlet (its feed, by `--outlet`).
pub const OUTLET: &str = "outlet";

/// The values of the field `name` of a post, from its parts: a
/// front-matter field, or else a carried table column (`columns` names
/// `extra`). Empty when the post has none. ([`CREDIT`] and [`OUTLET`]
/// are not fields: the caller answers them.)
pub fn field_values(
    name: &str,
    fields: &[Field],
    extra: &[String],
    columns: &[String],
) -> Vec<String> {
    if let Some((_, values)) = fields.iter().find(|(n, _)| n == name) {
        return values.clone();
    }
    columns
        .iter()
        .position(|c| c == name)
        .and_then(|j| extra.get(j))
        .filter(|v| !v.trim().is_empty())
        .map(|v| vec![v.trim().to_string()])
        .unwrap_or_default()
}

/// Which field names a post's outlet (`--outlet`): a name, or `auto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutletField {
    /// The first of [`OutletField::TABLE_COLUMNS`] a table has; for a
    /// folder of posts the front matter's `categories`, else its `tags`.
    Auto,
    /// This front-matter field or table column.
    Named(String),
}

impl OutletField {
    /// Table columns `auto` takes, in this order.
    pub const TABLE_COLUMNS: [&'static str; 6] =
        ["outlet", "source", "feed", "channel", "site", "media"];

    /// The field the outlet is read from, given the table's carried
    /// `columns` (empty for a folder): `None` when the input has none.
    pub fn resolve(&self, columns: &[String]) -> ResolvedOutlet {
        match self {
            OutletField::Named(n) if columns.contains(n) => ResolvedOutlet::Column(n.clone()),
            OutletField::Named(n) => ResolvedOutlet::Field(n.clone()),
            OutletField::Auto if columns.is_empty() => ResolvedOutlet::CategoriesOrTags,
            OutletField::Auto => Self::TABLE_COLUMNS
                .iter()
                .find(|c| columns.iter().any(|x| x == *c))
                .map_or(ResolvedOutlet::None, |c| {
                    ResolvedOutlet::Column(c.to_string())
                }),
        }
    }
}

impl std::str::FromStr for OutletField {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "" => Err("an outlet field needs a name, or auto".into()),
            "auto" => Ok(OutletField::Auto),
            n => Ok(OutletField::Named(n.to_string())),
        }
    }
}

impl std::fmt::Display for OutletField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutletField::Auto => f.write_str("auto"),
            OutletField::Named(n) => f.write_str(n),
        }
    }
}

crate::serde_as_text!(OutletField);

/// Where an archive's outlets are read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ResolvedOutlet {
    /// A table column.
    Column(String),
    /// A front-matter field.
    Field(String),
    /// The front matter's `categories`, or `tags` when a post has none.
    CategoriesOrTags,
    /// The input names no outlet.
    None,
}

impl ResolvedOutlet {
    /// The post's outlet (the first value of the field).
    pub fn of(&self, fields: &[Field], extra: &[String], columns: &[String]) -> Option<String> {
        let first = |name: &str| {
            field_values(name, fields, extra, columns)
                .into_iter()
                .next()
        };
        match self {
            ResolvedOutlet::Column(n) | ResolvedOutlet::Field(n) => first(n),
            ResolvedOutlet::CategoriesOrTags => first("categories").or_else(|| first("tags")),
            ResolvedOutlet::None => None,
        }
    }

    /// How `run.json` and the summary name it.
    pub fn describe(&self) -> String {
        match self {
            ResolvedOutlet::Column(n) => format!("{n} (table column)"),
            ResolvedOutlet::Field(n) => format!("{n} (front matter)"),
            ResolvedOutlet::CategoriesOrTags => "categories, else tags (front matter)".into(),
            ResolvedOutlet::None => "none (the input names no outlet)".into(),
        }
    }
}

/// Hash of a post file's bytes, which decides whether a cached result still
/// holds when `--verify` asks to look at the bytes.
pub fn content_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// What one input item gave: its content hash (post files) and the post
/// or why it cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// xxh3 of the file's bytes (0 for table rows).
    pub hash: u64,
    /// The post, or why not.
    pub post: std::result::Result<Post, RejectReason>,
}

/// Reads one input item into a clean post.
pub fn read_item(item: &Item, params: &IngestParams) -> Outcome {
    match &item.what {
        What::File { path, format, .. } => {
            use crate::fault::{injected, Point};
            if injected(Point::VanishPost, &item.key) {
                let _ = std::fs::remove_file(path);
            }
            if injected(Point::UnreadablePost, &item.key) {
                let _ = std::fs::remove_file(path).and_then(|()| std::fs::create_dir(path));
            }
            if injected(Point::SlowPost, &item.key) {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    return Outcome {
                        hash: 0,
                        post: Err(RejectReason::Unreadable(e.to_string())),
                    }
                }
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let post = parse_post(&name, &bytes, *format, &params.limits()).map(|p| Post {
                date: Some(p.date),
                time: p.time,
                title: p.title,
                body: p.body,
                source: p.source,
                fields: p.fields,
                extra: Vec::new(),
                tolerated: p.tolerated,
                warnings: p.warnings,
            });
            Outcome {
                hash: content_hash(&bytes),
                post,
            }
        }
        What::Row(row) => Outcome {
            hash: 0,
            post: read_row(row, params),
        },
        What::Bad(reason) => Outcome {
            hash: 0,
            post: Err(reason.clone()),
        },
    }
}

/// A table row as a post: the text cleaned like a post body.
fn read_row(row: &item::Row, params: &IngestParams) -> std::result::Result<Post, RejectReason> {
    let title = row
        .title
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let cleaned = clean::clean_text(row.text.as_deref().unwrap_or(""));
    let mut body = cleaned.text;
    let mut warnings = Vec::new();
    if let Some((cut, total)) = post::truncate_chars(&mut body, params.max_chars) {
        warnings.push(format!(
            "text of {total} characters cut to the first {cut} (--max-chars)"
        ));
    }
    let date = match &row.date {
        None => None,
        Some(None) => return Err(RejectReason::NoDate),
        Some(Some(raw)) => Some(post::read_date(
            raw,
            reject::DateSource::Column,
            params.years,
        )?),
    };
    if title.is_empty() && body.is_empty() {
        return Err(RejectReason::NoText);
    }
    let time = match &row.date {
        Some(Some(raw)) => post::time_of(raw),
        _ => None,
    };
    Ok(Post {
        date,
        time,
        title,
        body,
        source: cleaned.source,
        fields: Vec::new(),
        extra: row.extra.clone(),
        tolerated: Vec::new(),
        warnings,
    })
}

//! Stage 1, ingest: read the archive and turn every post into clean text.
//!
//! The input is either a folder of Jekyll posts (`*.md`, `*.markdown`,
//! `*.html`, searched recursively in sorted path order, symlinks followed
//! but never into a loop) or a table file (`.csv`, `.tsv`, `.parquet`,
//! `.jsonl`). A post's `doc_id` is its 0-based index among the post files
//! (or table rows) in that order, rejected ones included, so ids do not move
//! when a bad file is fixed.
//!
//! Every post ends up in exactly one of two places: [`Corpus::docs`] or
//! [`Corpus::rejected`] with a reason. Files that are not posts at all
//! (images, `.DS_Store`, `.txt`) are counted as ignored and otherwise left
//! alone. Files are read and parsed in parallel with rayon.

pub mod clean;
pub mod dedup;
pub mod post;
pub mod reject;
pub mod table;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::cache::{self, PostCache};
use crate::error::{Error, Result};
use crate::segment::KnownWords;
use crate::trend;
pub use post::{parse_date, parse_post, BodyFormat, Field, ParsedPost, Tolerated};
pub use reject::{RejectReason, Rejection};
use table::TableFormat;

/// Parameters of the ingest stage.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestParams {
    max_chars: usize,
    near_duplicate: Option<f64>,
}

impl Default for IngestParams {
    fn default() -> Self {
        IngestParams {
            max_chars: 200_000,
            near_duplicate: Some(0.9),
        }
    }
}

impl IngestParams {
    /// Bodies longer than this many characters are cut (with a warning).
    pub fn max_chars(mut self, n: usize) -> Result<Self> {
        if n < 100 {
            return Err(Error::param("--max-chars", "must be at least 100"));
        }
        self.max_chars = n;
        Ok(self)
    }

    /// Similarity (0–1, of character shingles) from which a later post is a
    /// near-duplicate of an earlier one; `None` keeps near-duplicates.
    pub fn near_duplicate(mut self, threshold: Option<f64>) -> Result<Self> {
        if let Some(t) = threshold {
            if !(0.5..=1.0).contains(&t) {
                return Err(Error::param(
                    "--near-duplicate",
                    "must be between 0.5 and 1",
                ));
            }
        }
        self.near_duplicate = threshold;
        Ok(self)
    }

    /// The configured body length cap, in characters.
    pub fn get_max_chars(&self) -> usize {
        self.max_chars
    }

    /// The configured near-duplicate threshold.
    pub fn get_near_duplicate(&self) -> Option<f64> {
        self.near_duplicate
    }
}

/// One accepted post.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// 0-based index among all posts of the input, rejected ones included.
    pub doc_id: usize,
    /// The post file, or `table#row` for table input.
    pub path: String,
    /// Calendar date of the post; `None` only for tables without dates.
    pub date: Option<NaiveDate>,
    /// Title (may be empty).
    pub title: String,
    /// Body as clean text, one paragraph per line.
    pub body: String,
    /// The outlet the text credits (empty when none).
    pub source: Option<String>,
    /// Front-matter fields other than title and date (folder input).
    pub fields: Vec<Field>,
    /// Carried table columns, in [`Corpus::extra_columns`] order.
    pub extra: Vec<String>,
}

impl Doc {
    /// The text that is segmented and clustered: title, then body.
    pub fn text(&self) -> String {
        if self.body.is_empty() {
            self.title.clone()
        } else {
            format!("{}\n{}", self.title, self.body)
        }
    }

    /// The values of the field `name` for `--facet`: `source` is the
    /// outlet's credit; otherwise a front-matter field, or else a carried
    /// table column (`columns` names [`Doc::extra`]). Empty when the post
    /// has none.
    pub fn facet_values(&self, name: &str, columns: &[String]) -> Vec<String> {
        if name == "source" {
            return self.source.iter().cloned().collect();
        }
        if let Some((_, values)) = self.fields.iter().find(|(n, _)| n == name) {
            return values.clone();
        }
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|j| self.extra.get(j))
            .filter(|v| !v.trim().is_empty())
            .map(|v| vec![v.trim().to_string()])
            .unwrap_or_default()
    }
}

/// Counts of what ingest saw. `posts = accepted + rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestCounts {
    /// Post files (or table rows) read, and paths that could not be read.
    pub posts: usize,
    /// Posts kept.
    pub accepted: usize,
    /// Posts rejected, duplicates included.
    pub rejected: usize,
    /// Of the rejected, exact or near duplicates.
    pub duplicates: usize,
    /// Files that are not posts (other extensions), skipped silently.
    pub ignored: usize,
    /// Accepted posts dated outside `--since`/`--until`, not analysed.
    pub outside_window: usize,
    /// Posts read although they bend the layout, by form
    /// ([`Tolerated::key`]).
    pub tolerated: std::collections::BTreeMap<&'static str, usize>,
}

/// Everything ingest produced.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Accepted posts, in doc_id order.
    pub docs: Vec<Doc>,
    /// Names of carried table columns.
    pub extra_columns: Vec<String>,
    /// Posts not used, in doc_id order.
    pub rejected: Vec<Rejection>,
    /// Counts.
    pub counts: IngestCounts,
    /// Warnings about posts that were kept (decoded, cut) or about the walk.
    pub warnings: Vec<String>,
    /// With a cache: one entry per post file, index = doc_id, as read
    /// (before duplicates were set aside), for the next run's cache.
    pub cache_entries: Vec<(String, cache::Entry)>,
    /// With a cache: how many post files were read anew (new or changed).
    pub fresh_posts: usize,
}

impl Corpus {
    /// The cache entry of the post with `doc_id`, when it parsed.
    pub fn cached_post(&self, doc_id: usize) -> Option<&cache::CachedPost> {
        self.cache_entries
            .get(doc_id)
            .and_then(|(_, e)| e.parsed.as_ref().ok())
    }

    /// [`Corpus::cached_post`], to update.
    pub fn cached_post_mut(&mut self, doc_id: usize) -> Option<&mut cache::CachedPost> {
        self.cache_entries
            .get_mut(doc_id)
            .and_then(|(_, e)| e.parsed.as_mut().ok())
    }

    /// The words the cache knows for accepted doc `i`.
    pub fn known_words(&self, i: usize) -> Option<&KnownWords> {
        self.cached_post(self.docs[i].doc_id)
            .and_then(|p| p.words.as_ref())
    }
}

impl Corpus {
    /// Moves the docs at `positions` (indexes into `docs`) to `rejected`
    /// with the reason given, keeping both lists in doc_id order.
    pub fn reject(&mut self, mut removals: Vec<(usize, RejectReason)>) {
        if removals.is_empty() {
            return;
        }
        removals.sort_by_key(|(pos, _)| *pos);
        let mut reasons = removals.into_iter().peekable();
        let docs = std::mem::take(&mut self.docs);
        for (pos, doc) in docs.into_iter().enumerate() {
            if reasons.peek().is_some_and(|(p, _)| *p == pos) {
                let (_, reason) = reasons.next().expect("peeked");
                if reason.is_duplicate() {
                    self.counts.duplicates += 1;
                }
                self.rejected.push(Rejection {
                    doc_id: Some(doc.doc_id),
                    path: doc.path,
                    reason,
                });
            } else {
                self.docs.push(doc);
            }
        }
        self.rejected.sort_by_key(|r| r.doc_id);
        self.counts.accepted = self.docs.len();
        self.counts.rejected = self.rejected.len();
    }
}

/// Reads the input (folder or table) into a [`Corpus`]. With a `cache`
/// (folder input only), unchanged posts are taken from it instead of being
/// parsed, and the corpus records every post file for the next cache.
pub fn ingest(
    input: &Path,
    params: &IngestParams,
    cache: Option<&mut PostCache>,
) -> Result<Corpus> {
    read(Source::open(input)?, params, cache)
}

/// The input, located: a folder already walked (its post files found,
/// in path order), or a table file of a known format. Opening needs no
/// cache, so the caller may load the cache meanwhile.
pub struct Source(SourceKind);

enum SourceKind {
    Folder(Walk),
    Table(PathBuf, TableFormat),
}

impl Source {
    /// Walks a folder of posts, or recognises a table by its extension.
    pub fn open(input: &Path) -> Result<Source> {
        let meta = std::fs::metadata(input).map_err(|e| Error::read(input, e))?;
        if meta.is_dir() {
            return Ok(Source(SourceKind::Folder(walk_folder(input))));
        }
        let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("");
        match TableFormat::from_extension(ext) {
            Some(format) => Ok(Source(SourceKind::Table(input.to_path_buf(), format))),
            None => Err(Error::param(
                "--input",
                format!(
                    "{} is neither a folder of posts nor a .csv, .tsv, .parquet or .jsonl table",
                    input.display()
                ),
            )),
        }
    }
}

/// Reads an opened input into a [`Corpus`] (see [`ingest`]).
pub fn read(
    source: Source,
    params: &IngestParams,
    cache: Option<&mut PostCache>,
) -> Result<Corpus> {
    let mut corpus = match source.0 {
        SourceKind::Folder(walk) => ingest_folder(walk, params, cache)?,
        SourceKind::Table(path, format) => ingest_table(&path, format)?,
    };
    let signatures: Vec<dedup::Signature> = match params.near_duplicate {
        None => vec![Vec::new(); corpus.docs.len()],
        Some(_) => {
            let known: Vec<Option<dedup::Signature>> = corpus
                .docs
                .iter()
                .map(|d| corpus.cached_post(d.doc_id).and_then(|p| p.minhash.clone()))
                .collect();
            let sigs: Vec<dedup::Signature> = corpus
                .docs
                .par_iter()
                .zip(known)
                .map(|(d, k)| k.unwrap_or_else(|| dedup::signature_of(d)))
                .collect();
            let ids: Vec<usize> = corpus.docs.iter().map(|d| d.doc_id).collect();
            for (id, s) in ids.into_iter().zip(&sigs) {
                if let Some(p) = corpus.cached_post_mut(id) {
                    p.minhash.get_or_insert_with(|| s.clone());
                }
            }
            sigs
        }
    };
    let duplicates = dedup::find_duplicates(&corpus.docs, &signatures, params.near_duplicate);
    corpus.reject(duplicates);
    Ok(corpus)
}

/// What the folder walk found.
struct Walk {
    /// The folder walked.
    root: PathBuf,
    posts: Vec<(PathBuf, BodyFormat)>,
    ignored: usize,
    problems: Vec<Rejection>,
    warnings: Vec<String>,
}

fn walk_folder(root: &Path) -> Walk {
    let mut walk = Walk {
        root: root.to_path_buf(),
        posts: Vec::new(),
        ignored: 0,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            // Hidden folders (.git, .cache) hold no posts; hidden files
            // (.DS_Store) are counted as ignored below.
            e.depth() == 0
                || !e.file_type().is_dir()
                || !e.file_name().to_string_lossy().starts_with('.')
        });
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                if let Some(ancestor) = err.loop_ancestor() {
                    walk.warnings.push(format!(
                        "{}: symbolic link loop back to {}, not followed",
                        path.display(),
                        ancestor.display()
                    ));
                } else {
                    walk.problems.push(Rejection {
                        doc_id: None,
                        path: path.display().to_string(),
                        reason: RejectReason::Unreadable(
                            err.io_error()
                                .map(|e| e.to_string())
                                .unwrap_or_else(|| err.to_string()),
                        ),
                    });
                }
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let format = entry
            .path()
            .extension()
            .and_then(|e| e.to_str())
            .and_then(BodyFormat::from_extension)
            .filter(|_| !hidden);
        match format {
            // A named pipe or device would block the reader: refuse it.
            Some(_) if !entry.file_type().is_file() => walk.problems.push(Rejection {
                doc_id: None,
                path: entry.path().display().to_string(),
                reason: RejectReason::Unreadable(
                    "not a regular file (a named pipe, socket or device)".into(),
                ),
            }),
            Some(f) => walk.posts.push((entry.into_path(), f)),
            None => walk.ignored += 1,
        }
    }
    walk.posts.sort_by(|a, b| a.0.cmp(&b.0));
    walk
}

/// One post file as read: its content hash, and its parse result unless
/// the cache holds an entry for this path and content.
type Read = (u64, Option<Result<ParsedPost, RejectReason>>);

/// The cache key of a post file: its path below the input folder, so that
/// `arch`, `./arch` and an absolute path all find the same entries.
fn cache_key(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn read_post(
    path: &Path,
    key: &str,
    format: BodyFormat,
    params: &IngestParams,
    cache: Option<&PostCache>,
) -> Read {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return (0, Some(Err(RejectReason::Unreadable(e.to_string())))),
    };
    let hash = cache::content_hash(&bytes);
    if cache.is_some_and(|c| c.get(key, hash).is_some()) {
        return (hash, None);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    (
        hash,
        Some(parse_post(&name, &bytes, format, params.max_chars)),
    )
}

fn ingest_folder(
    walk: Walk,
    params: &IngestParams,
    mut cache: Option<&mut PostCache>,
) -> Result<Corpus> {
    let reads: Vec<Read> = walk
        .posts
        .par_iter()
        .map(|(path, format)| {
            let key = cache_key(&walk.root, path);
            read_post(path, &key, *format, params, cache.as_deref())
        })
        .collect();
    let mut cache_entries = Vec::new();
    let mut fresh_posts = 0;
    let mut results = Vec::with_capacity(reads.len());
    for ((path, format), (hash, parsed)) in walk.posts.iter().zip(reads) {
        let key = cache_key(&walk.root, path);
        // A cache hit: the entry moves into this run's cache as it is.
        // (Two file names that are not UTF-8 can show alike: the second
        // finds the entry taken and is read anew.)
        let hit = match (&parsed, cache.as_deref_mut()) {
            (None, Some(c)) => c.take(&key),
            _ => None,
        };
        if let Some(entry) = hit {
            results.push(match &entry.parsed {
                Ok(p) => Ok(ParsedPost {
                    title: p.title.clone(),
                    date: trend::from_epoch_days(p.date),
                    body: p.body.clone(),
                    source: p.source.clone(),
                    fields: p.fields.clone(),
                    tolerated: p.tolerated.clone(),
                    warnings: p.warnings.clone(),
                }),
                Err(reason) => Err(reason.clone()),
            });
            cache_entries.push((key, entry));
            continue;
        }
        let (hash, parsed) = match parsed {
            Some(parsed) => (hash, parsed),
            None => {
                let (hash, parsed) = read_post(path, &key, *format, params, None);
                (hash, parsed.expect("a read without a cache parses"))
            }
        };
        if cache.is_some() {
            fresh_posts += 1;
            let entry = cache::Entry {
                hash,
                parsed: parsed
                    .as_ref()
                    .map(|p| cache::CachedPost {
                        title: p.title.clone(),
                        date: trend::epoch_days(p.date),
                        body: p.body.clone(),
                        source: p.source.clone(),
                        fields: p.fields.clone(),
                        tolerated: p.tolerated.clone(),
                        warnings: p.warnings.clone(),
                        words: None,
                        minhash: None,
                    })
                    .map_err(Clone::clone),
            };
            cache_entries.push((key, entry));
        }
        results.push(parsed);
    }

    let mut corpus = Corpus {
        warnings: walk.warnings,
        cache_entries,
        fresh_posts,
        ..Default::default()
    };
    corpus.counts.ignored = walk.ignored;
    corpus.counts.posts = walk.posts.len();
    for (doc_id, ((path, _), result)) in walk.posts.iter().zip(results).enumerate() {
        let path = path.display().to_string();
        match result {
            Ok(post) => {
                corpus
                    .warnings
                    .extend(post.warnings.iter().map(|w| format!("{path}: {w}")));
                for form in &post.tolerated {
                    *corpus.counts.tolerated.entry(form.key()).or_default() += 1;
                }
                corpus.docs.push(Doc {
                    doc_id,
                    path,
                    date: Some(post.date),
                    title: post.title,
                    body: post.body,
                    source: post.source,
                    fields: post.fields,
                    extra: Vec::new(),
                });
            }
            Err(reason) => corpus.rejected.push(Rejection {
                doc_id: Some(doc_id),
                path,
                reason,
            }),
        }
    }
    // Unreadable paths are not posts with an id, but the user must hear of
    // them, and they count among the posts read so the counts add up.
    corpus.counts.posts += walk.problems.len();
    corpus.rejected.extend(walk.problems);
    corpus.counts.accepted = corpus.docs.len();
    corpus.counts.rejected = corpus.rejected.len();
    Ok(corpus)
}

fn ingest_table(path: &Path, format: TableFormat) -> Result<Corpus> {
    let cols = table::read_table(path, format)?;
    let shown = path.display().to_string();
    let mut corpus = Corpus {
        extra_columns: cols.extra_names.clone(),
        ..Default::default()
    };
    corpus.counts.posts = cols.text.len();
    let mut extra = cols.extra.into_iter();
    for (row, text) in cols.text.into_iter().enumerate() {
        let row_path = format!("{shown}#{row}");
        let carried = extra.next().unwrap_or_default();
        let title = cols
            .title
            .as_ref()
            .and_then(|t| t[row].as_deref())
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        let cleaned = clean::clean_text(text.as_deref().unwrap_or(""));
        let body = cleaned.text;
        let date = match cols.date.as_ref().map(|d| d[row].as_deref()) {
            None => Ok(None),
            Some(None) | Some(Some("")) => Err(RejectReason::NoDate),
            Some(Some(raw)) => parse_date(raw).map(Some).ok_or(RejectReason::BadDate {
                value: raw.to_string(),
                source: reject::DateSource::Column,
            }),
        };
        let outcome = date.and_then(|date| {
            if title.is_empty() && body.is_empty() {
                Err(RejectReason::NoText)
            } else {
                Ok(date)
            }
        });
        match outcome {
            Ok(date) => corpus.docs.push(Doc {
                doc_id: row,
                path: row_path,
                date,
                title,
                body,
                source: cleaned.source,
                fields: Vec::new(),
                extra: carried,
            }),
            Err(reason) => corpus.rejected.push(Rejection {
                doc_id: Some(row),
                path: row_path,
                reason,
            }),
        }
    }
    corpus.counts.accepted = corpus.docs.len();
    corpus.counts.rejected = corpus.rejected.len();
    Ok(corpus)
}

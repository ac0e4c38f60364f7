//! Word trends on demand (`theme-trends terms`): for each asked word, how
//! many of the analysed posts of each period contain it, their share of the
//! period's posts, and the themes those posts are in.
//!
//! It reads what a run left in its cache — the store of prepared posts
//! (their words, and their clean text when a word must be matched as a
//! substring) and the assignment results (each post's theme) — so it needs
//! neither the archive nor a new analysis. Assumes the cache belongs to the
//! run that wrote the report folder (same parameters; `run.json` holds
//! them). Only analysed posts count: duplicates and rejected posts are not
//! in the assignment results. A word the segmenter keeps whole is matched
//! as a word of the post; any other is looked for in the post's text
//! (title and body), as a substring. Memory: one segment at a time per
//! thread, plus periods × words × themes counts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::cache::CacheDir;
use crate::error::Result;
use crate::ids::DocId;
use crate::model::Model;
use crate::results;
use crate::segment::Segmenter;
use crate::store::{Store, Want};
use crate::time::{from_epoch_days, Granularity};

/// How an asked word is found in a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// As one of the post's words (the segmenter keeps it whole).
    Word(String),
    /// As a substring of the post's text (the segmenter splits it, or
    /// drops it as a stop word).
    Substring(String),
}

impl Match {
    /// How `term` is matched by `segmenter`.
    pub fn of(term: &str, segmenter: &Segmenter) -> Match {
        let words = segmenter.words(term);
        match words.as_slice() {
            [w] if w.as_ref() == term.to_lowercase() => Match::Word(w.to_string()),
            _ => Match::Substring(term.to_string()),
        }
    }

    fn is_substring(&self) -> bool {
        matches!(self, Match::Substring(_))
    }
}

/// One row of the output: a term in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct TermRow {
    /// The term as asked.
    pub term: String,
    /// First day of the period.
    pub period: NaiveDate,
    /// Analysed posts of the period containing it.
    pub count: u64,
    /// `count` over the period's analysed posts.
    pub share: f64,
    /// The themes of those posts, most posts first: (theme id, label,
    /// posts), at most [`TOP_THEMES`].
    pub top_themes: Vec<(u32, String, u64)>,
}

/// Themes listed per term and period.
pub const TOP_THEMES: usize = 3;

/// Where a run's results are, as `terms` needs them.
pub struct Source {
    /// The run's cache folder.
    pub cache: CacheDir,
    /// The fingerprint of the run's store (how it prepared its posts).
    pub fingerprint: u64,
    /// Theme labels by id, as the report shows them.
    pub labels: HashMap<u32, String>,
}

/// Counts of one segment: per (term, period) posts and per theme.
#[derive(Default)]
struct Counts {
    posts: BTreeMap<i32, u64>,
    terms: Vec<BTreeMap<i32, (u64, BTreeMap<u32, u64>)>>,
}

impl Counts {
    fn new(n: usize) -> Self {
        Counts {
            posts: BTreeMap::new(),
            terms: vec![BTreeMap::new(); n],
        }
    }

    fn merge(mut self, other: Counts) -> Counts {
        for (p, n) in other.posts {
            *self.posts.entry(p).or_default() += n;
        }
        for (mine, theirs) in self.terms.iter_mut().zip(other.terms) {
            for (p, (n, themes)) in theirs {
                let e = mine.entry(p).or_default();
                e.0 += n;
                for (t, c) in themes {
                    *e.1.entry(t).or_default() += c;
                }
            }
        }
        self
    }
}

/// The trend of each of `matches` by `granularity`: every period with
/// analysed posts, for every term (count 0 included), terms in the order
/// asked.
pub fn term_trends(
    source: &Source,
    matches: &[(String, Match)],
    granularity: Granularity,
) -> Result<Vec<TermRow>> {
    let store = Store::open(&source.cache.store(), source.fingerprint)?;
    let model = Model::require(source.cache.model())?;
    let theme_ids: Vec<u32> = model.themes.iter().map(|t| t.id.0).collect();
    let dir = source.cache.assigned();
    let texts = matches.iter().any(|(_, m)| m.is_substring());
    let want = Want {
        records: true,
        texts,
        keys: false,
    };
    let counts = store
        .segments()
        .par_iter()
        .map(|seg| -> Result<Counts> {
            let mut c = Counts::new(matches.len());
            let assigned = results::read_output(&dir, seg)?;
            if assigned.rows.is_empty() {
                return Ok(c);
            }
            let segment = seg.read(want)?;
            let position: HashMap<DocId, usize> = segment
                .records
                .iter()
                .enumerate()
                .map(|(i, r)| (r.doc, i))
                .collect();
            // The local word id of each word-matched term.
            let local: Vec<Option<u32>> = matches
                .iter()
                .map(|(_, m)| match m {
                    Match::Word(w) => segment
                        .vocab
                        .words
                        .iter()
                        .position(|v| v == w)
                        .map(|i| i as u32),
                    Match::Substring(_) => None,
                })
                .collect();
            for row in &assigned.rows {
                let Some(date) = row.date else { continue };
                let period = date.period(granularity).0;
                *c.posts.entry(period).or_default() += 1;
                let Some(&i) = position.get(&row.doc) else {
                    continue;
                };
                let record = &segment.records[i];
                let theme = theme_ids
                    .get(row.theme.get())
                    .copied()
                    .unwrap_or(row.theme.get() as u32);
                for (t, (_, m)) in matches.iter().enumerate() {
                    let hit = match m {
                        Match::Word(_) => local[t].is_some_and(|id| {
                            record.outcome.as_ref().is_ok_and(|f| f.words.contains(&id))
                        }),
                        Match::Substring(s) => segment
                            .texts
                            .as_ref()
                            .and_then(|t| t.get(i))
                            .is_some_and(|text| {
                                text.contains(s.as_str())
                                    || record
                                        .outcome
                                        .as_ref()
                                        .is_ok_and(|f| f.title.contains(s.as_str()))
                            }),
                    };
                    if hit {
                        let e = c.terms[t].entry(period).or_default();
                        e.0 += 1;
                        *e.1.entry(theme).or_default() += 1;
                    }
                }
            }
            Ok(c)
        })
        .try_reduce(|| Counts::new(matches.len()), |a, b| Ok(a.merge(b)))?;

    let mut out = Vec::new();
    for (t, (term, _)) in matches.iter().enumerate() {
        for (&period, &posts) in &counts.posts {
            let (count, themes) = counts.terms[t].get(&period).cloned().unwrap_or_default();
            let mut top: Vec<(u32, String, u64)> = themes
                .into_iter()
                .map(|(id, n)| {
                    let label = source.labels.get(&id).cloned().unwrap_or_default();
                    (id, label, n)
                })
                .collect();
            top.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            top.truncate(TOP_THEMES);
            out.push(TermRow {
                term: term.clone(),
                period: from_epoch_days(period),
                count,
                share: count as f64 / posts.max(1) as f64,
                top_themes: top,
            });
        }
    }
    Ok(out)
}

/// `top_themes` as one CSV field: `label (id): posts; …`.
pub fn themes_field(top: &[(u32, String, u64)]) -> String {
    top.iter()
        .map(|(id, label, n)| format!("{label} ({id}): {n}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One row of `terms --similar`: a word of the archive near an asked word.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarRow {
    /// The word as asked.
    pub term: String,
    /// A near word, nearest first.
    pub word: String,
    /// Their cosine similarity in the model's word vectors.
    pub similarity: f32,
    /// Whether the fit weighed it down as a form word.
    pub form_word: bool,
}

/// The `n` words nearest to each of `terms` in the word vectors of the
/// model in `cache` (terms are looked up as the segmenter writes them,
/// lower case). A term without a vector gives no rows; the caller is told
/// which ones in the second list. An error when the model has no vectors.
pub fn similar_words(
    cache: &CacheDir,
    terms: &[String],
    n: usize,
) -> Result<(Vec<SimilarRow>, Vec<String>)> {
    let model = Model::require(cache.model())?;
    let vectors = model
        .vectors
        .as_ref()
        .ok_or_else(|| crate::error::Error::Damaged {
            what: "model",
            path: cache.model().join(crate::model::MODEL_FILE),
            reason: "it has no word vectors (fitted with --vector-dims 0 or --vector-weight 0): \
                 run again with word vectors to list similar words"
                .into(),
        })?;
    let form: std::collections::HashSet<&str> =
        model.form_words.iter().map(|w| w.as_str()).collect();
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for term in terms {
        match vectors.nearest(&term.to_lowercase(), n) {
            Some(near) if !near.is_empty() => {
                rows.extend(near.into_iter().map(|(word, similarity)| SimilarRow {
                    term: term.clone(),
                    form_word: form.contains(word.as_str()),
                    word,
                    similarity,
                }))
            }
            _ => missing.push(term.clone()),
        }
    }
    Ok((rows, missing))
}

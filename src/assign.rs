//! The `assign` stage: model + store segments → each post's theme, and the
//! sums the reports are made of.
//!
//! Each segment is assigned alone: every current, accepted post that is
//! not a copy and lies in the window gets its TF-IDF row through the
//! model's lexicon, its place in the LSA space through the model's basis
//! and its theme by the model's rule; the rest is rejected with the
//! reason or counted as outside the window. A segment's result — its rows
//! for `assignments.csv`, its rejections and its [`Aggregates`] — is one
//! file in the cache, keyed by the model, the segment, the copies among its
//! posts and the report settings, so a re-run with the same model assigns
//! only new or changed segments, and a cluster engine can assign segments
//! on many machines. Memory: one segment per thread.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregates, Candidate, PostCounts};
use crate::dedup::Duplicates;
use crate::error::{Error, Result};
use crate::events;
use crate::ids::{DocId, ThemeIdx};
use crate::ingest::{self, RejectReason, Rejection};
use crate::log::Log;
use crate::model::Model;
use crate::params::{Checked, Params, Verdict};
use crate::store::{codec, SegmentRef};
use crate::trend::{epoch_days, from_epoch_days};
use crate::vectorize;

/// Assignment output magic.
pub const ASSIGNED_MAGIC: &[u8; 8] = b"TTASG\x00\x00\x05";
/// Folder of the assignment outputs in the cache.
pub const ASSIGNED_DIR: &str = "assigned";

/// One analysed post, as `assignments.csv` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The post's doc id.
    pub doc: DocId,
    /// The post file (or `table#row`).
    pub path: String,
    /// The post's date (days since 1970-01-01), if known.
    pub date: Option<i32>,
    /// The post's title.
    pub title: String,
    /// Its theme.
    pub theme: ThemeIdx,
    /// Cosine similarity to the theme's centre.
    pub score: f32,
    /// The outlet credited.
    pub source: Option<String>,
    /// Carried table columns.
    pub extra: Vec<String>,
    /// Keys ([`crate::events::word_key`]) of the post's most telling words,
    /// at most [`POST_TERMS`], ascending: what the post is matched to
    /// events by. Not written to `assignments.csv`.
    pub terms: Vec<u32>,
}

/// Words kept per post for events: the heaviest by TF-IDF, a word unknown
/// to the model weighing as the rarest feature (new words are what
/// events are made of).
pub const POST_TERMS: usize = 48;

/// A segment's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assigned {
    /// The analysed posts, in doc order.
    pub rows: Vec<Assignment>,
    /// The posts not used, in doc order.
    pub rejected: Vec<Rejection>,
    /// The sums.
    pub aggregates: Aggregates,
}

/// What a stored result was made from: it is used again only when all of
/// it is unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Key {
    model: u64,
    segment: String,
    dead: Vec<u32>,
    settings: String,
    /// The last day a post may be dated, as far as it matters to the
    /// segment's month: clamped to it, so that a past month's result holds
    /// from night to night, and the current month's is made again.
    last_day: Option<i32>,
}

/// The head of a stored result: its key, the segment's docs and a hash of
/// the copies among them when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Head {
    key: Key,
    docs: Vec<DocId>,
    copies: u64,
}

/// The settings of `params` that shape an assignment result.
fn settings(params: &Params) -> String {
    serde_json::json!({
        "since": params.since,
        "until": params.until,
        "granularity": params.trend.granularity,
        "facets": params.trend.facets,
    })
    .to_string()
}

/// The run's last day ([`Params::last_day`]) clamped to the days of
/// `partition`'s month: all that a segment's result depends on of it.
fn last_day_in(partition: crate::store::Partition, params: &Params) -> Option<i32> {
    let month = partition.month()?;
    let last = params.last_day()?;
    let first = epoch_days(month);
    let end = month
        .checked_add_months(chrono::Months::new(1))
        .map_or(i32::MAX, epoch_days);
    Some(epoch_days(last).clamp(first - 1, end - 1))
}

/// A hash of the copies among the posts of `docs` (sorted).
fn copies_hash(duplicates: &Duplicates, docs: &[DocId]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for d in docs {
        if let Some(r) = duplicates.of(*d) {
            h.update(&d.0.to_le_bytes());
            h.update(r.to_string().as_bytes());
        }
    }
    h.digest()
}

/// The file of a segment's result in `dir`.
pub fn output_path(dir: &Path, seg: &SegmentRef) -> PathBuf {
    dir.join(format!("{}.out", seg.entry.file.replace('/', "_")))
}

/// Everything assigning needs besides the segment.
#[derive(Debug, Clone, Copy)]
pub struct AssignInput<'a> {
    /// The model applied.
    pub model: &'a Model,
    /// The copies found in the store.
    pub duplicates: &'a Duplicates,
    /// The run's parameters (window, granularity, facets).
    pub params: &'a Checked<Params>,
    /// The store's carried table columns.
    pub columns: &'a [String],
}

/// Assigns one segment; also returns the docs of all its posts.
pub fn assign_segment(seg: &SegmentRef, input: &AssignInput) -> Result<(Assigned, Vec<DocId>)> {
    let read = seg.read(crate::store::Want::RECORDS)?;
    let docs: Vec<DocId> = read.records.iter().map(|r| r.doc).collect();
    let model = input.model;
    let params = input.params;
    let map = model.lexicon.map_sorted(&read.vocab.words);
    let g = params.trend.granularity;
    let label_col = input.columns.iter().position(|c| c == "label");
    let mut out = Assigned {
        rows: Vec::new(),
        rejected: Vec::new(),
        aggregates: Aggregates::default(),
    };
    let agg = &mut out.aggregates;
    // Event words: every word of the segment by key, its weight, and the
    // posts it occurs in.
    let keys: Vec<u32> = read
        .vocab
        .words
        .iter()
        .map(|w| events::word_key(w))
        .collect();
    // A word of the lexicon weighs its idf; a word left out for being too
    // common (boilerplate) nothing; any other (too rare for the lexicon, or
    // new since the fit) as the rarest feature: new words are what events
    // are made of.
    let rarest = model.lexicon.idf.iter().copied().fold(1.0f32, f32::max);
    let common = &model.lexicon.common;
    let weight: Vec<f32> = map
        .iter()
        .zip(&read.vocab.words)
        .map(|(f, w)| match f {
            Some(f) => model.lexicon.idf[*f as usize],
            None if common.binary_search(w).is_ok() => 0.0,
            None => rarest,
        })
        .collect();
    let mut seen_in = vec![0u32; keys.len()];
    let mut distinct: Vec<u32> = Vec::new();
    for rec in &read.records {
        agg.counts.posts += 1;
        let reject = |reason: RejectReason, out: &mut Vec<Rejection>, counts: &mut PostCounts| {
            counts.rejected += 1;
            if reason.is_duplicate() {
                counts.duplicates += 1;
            }
            out.push(Rejection {
                doc_id: Some(rec.doc),
                path: rec.path.clone(),
                reason,
            });
        };
        let f = match &rec.outcome {
            Err(reason) => {
                reject(reason.clone(), &mut out.rejected, &mut agg.counts);
                continue;
            }
            Ok(f) => f,
        };
        for t in &f.tolerated {
            *agg.counts.tolerated.entry(t.key().to_string()).or_default() += 1;
        }
        if let Some(reason) = input.duplicates.of(rec.doc) {
            reject(reason.clone(), &mut out.rejected, &mut agg.counts);
            continue;
        }
        match params.verdict(f.day()) {
            Verdict::Analysed => {}
            Verdict::OutsideWindow => {
                agg.counts.outside_window += 1;
                continue;
            }
            Verdict::Future => {
                let day = f.day().unwrap_or_default();
                reject(params.future(day), &mut out.rejected, &mut agg.counts);
                continue;
            }
        }
        if !f.warnings.is_empty() {
            agg.counts.warned += 1;
            for w in &f.warnings {
                agg.warn(format!("{}: {w}", rec.path));
            }
        }
        let row = vectorize::tfidf_row(
            &f.words,
            f.title_words,
            &map,
            &model.lexicon,
            params.vectorize.title_weight,
        );
        let Some((theme, score)) = model.assign_row(&row) else {
            let reason = if f.words.is_empty() {
                RejectReason::NoWords
            } else {
                RejectReason::NoTerms
            };
            reject(reason, &mut out.rejected, &mut agg.counts);
            continue;
        };
        agg.counts.assigned += 1;
        let period = f
            .day()
            .map(|d| epoch_days(g.period_start(d)))
            .unwrap_or(i32::MIN);
        match f.date {
            Some(d) => agg.saw(d),
            None => agg.undated += 1,
        }
        distinct.clear();
        distinct.extend_from_slice(&f.words);
        distinct.sort_unstable();
        let terms = post_terms(&mut distinct, &keys, &weight);
        for &w in &distinct {
            seen_in[w as usize] += 1;
        }
        if let Some(d) = f.date {
            let week = agg.weekly.entry(events::week_of(d)).or_default();
            week.posts += 1;
            for &w in &distinct {
                *week.df.entry(keys[w as usize]).or_default() += 1;
            }
        }
        *agg.themes.entry((period, theme)).or_default() += 1;
        let cell = agg.words.entry((theme, period)).or_default();
        for &w in &f.words {
            if let Some(feat) = map[w as usize] {
                *cell.entry(feat).or_default() += 1;
            }
        }
        for (i, name) in params.trend.facets.iter().enumerate() {
            let mut values =
                ingest::facet_values(name, &f.source, &f.fields, &f.extra, input.columns);
            values.sort();
            values.dedup();
            for v in values.into_iter().filter(|v| !v.is_empty()) {
                *agg.facets.entry((i as u16, v, period, theme)).or_default() += 1;
            }
        }
        *agg.cohesion.entry(theme).or_default() += score as f64;
        if let Some(col) = label_col {
            let label = f.extra.get(col).cloned().unwrap_or_default();
            *agg.labels.entry((theme, label)).or_default() += 1;
        }
        let candidate = || Candidate {
            score,
            doc: rec.doc,
            title: f.title.clone(),
            path: rec.path.clone(),
            date: f.date,
        };
        if period != i32::MIN {
            agg.sample_with(theme, period, score, rec.doc, candidate);
        }
        agg.offer(theme, candidate());
        out.rows.push(Assignment {
            doc: rec.doc,
            path: rec.path.clone(),
            date: f.date,
            title: f.title.clone(),
            theme,
            score,
            source: f.source.clone(),
            extra: f.extra.clone(),
            terms,
        });
    }
    for (w, &n) in seen_in.iter().enumerate() {
        if n >= 1 {
            crate::aggregate::keep_name(&mut agg.names, keys[w], read.vocab.words[w].clone());
        }
    }
    Ok((out, docs))
}

/// The keys of a post's heaviest words (at most [`POST_TERMS`]), ascending.
/// `distinct` holds the post's word ids sorted; on return, without
/// repeats.
fn post_terms(distinct: &mut Vec<u32>, keys: &[u32], weight: &[f32]) -> Vec<u32> {
    let mut tf: Vec<(u32, u32)> = Vec::with_capacity(distinct.len());
    for run in distinct.chunk_by(|a, b| a == b) {
        tf.push((run[0], run.len() as u32));
    }
    distinct.dedup();
    if tf.len() > POST_TERMS {
        let score = |&(w, n): &(u32, u32)| (1.0 + (n as f32).ln()) * weight[w as usize];
        tf.select_nth_unstable_by(POST_TERMS - 1, |a, b| {
            score(b).total_cmp(&score(a)).then(a.0.cmp(&b.0))
        });
        tf.truncate(POST_TERMS);
    }
    let mut out: Vec<u32> = tf
        .into_iter()
        .filter(|&(w, _)| weight[w as usize] > 0.0)
        .map(|(w, _)| keys[w as usize])
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The stored result of `seg` in `dir`, if it was made from the same
/// model, segment and settings, with the same copies among its posts.
fn stored(dir: &Path, seg: &SegmentRef, key: &Key, duplicates: &Duplicates) -> Option<Assigned> {
    let blocks = codec::read_blocks(&output_path(dir, seg), ASSIGNED_MAGIC).ok()?;
    let [head, body] = blocks.as_slice() else {
        return None;
    };
    let head: Head = codec::decode(head).ok()?;
    if head.key != *key || head.copies != copies_hash(duplicates, &head.docs) {
        return None;
    }
    codec::decode(body).ok()
}

fn save(dir: &Path, seg: &SegmentRef, head: &Head, a: &Assigned) -> Result<()> {
    let path = output_path(dir, seg);
    let h = codec::encode(head).map_err(|e| Error::write(&path, e))?;
    let body = codec::encode(a).map_err(|e| Error::write(&path, e))?;
    codec::write_blocks(&path, ASSIGNED_MAGIC, &[&h, &body])
}

/// Assignment results kept in memory for the report of the same run (up
/// to a budget of bytes); with `write` false (a scratch cache) the results
/// kept are not written to disk at all.
#[derive(Debug, Default)]
pub struct Kept {
    results: std::sync::Mutex<rustc_hash::FxHashMap<String, std::sync::Arc<Assigned>>>,
    left: std::sync::atomic::AtomicI64,
    write: bool,
}

impl Kept {
    /// Room for `bytes` of results; `write` false keeps them off the disk.
    pub fn new(bytes: i64, write: bool) -> Self {
        Kept {
            results: Default::default(),
            left: std::sync::atomic::AtomicI64::new(bytes),
            write,
        }
    }

    /// Keeps `a` if the budget allows; whether it was kept.
    fn offer(&self, file: &str, a: &Assigned) -> bool {
        use std::sync::atomic::Ordering;
        let terms: usize = a.rows.iter().map(|r| r.terms.len() * 4).sum();
        let weekly: usize = a.aggregates.weekly.values().map(|w| w.df.len() * 12).sum();
        let names: usize = a.aggregates.names.values().map(|n| n.len() + 32).sum();
        let bytes =
            (a.rows.len() * 200 + a.rejected.len() * 200 + terms + weekly + names) as i64 + 4096;
        if self.left.fetch_sub(bytes, Ordering::Relaxed) < bytes {
            self.left.fetch_add(bytes, Ordering::Relaxed);
            return false;
        }
        if let Ok(mut m) = self.results.lock() {
            m.insert(file.to_string(), std::sync::Arc::new(a.clone()));
        }
        true
    }

    /// The result kept for `seg`, if any.
    pub fn get(&self, seg: &SegmentRef) -> Option<std::sync::Arc<Assigned>> {
        self.results.lock().ok()?.get(&seg.entry.file).cloned()
    }
}

/// What [`assign`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssignSummary {
    /// Segments assigned anew.
    pub assigned: usize,
    /// Segments whose stored result still held.
    pub reused: usize,
}

/// Assigns `segments`, writing each result into `dir`, and returns the
/// sums of all of them. A result in `previous` (a folder of earlier
/// results, possibly `dir` itself) that still holds is taken instead of
/// assigning the segment again.
pub fn assign(
    segments: &[SegmentRef],
    input: &AssignInput,
    dir: &Path,
    previous: Option<&Path>,
    kept: Option<&Kept>,
    log: &Log,
) -> Result<(Aggregates, AssignSummary)> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let settings = settings(input.params);
    let step = (rayon::current_num_threads() * 2).max(2);
    let mut total = Aggregates::default();
    let mut summary = AssignSummary::default();
    let mut posts = 0u64;
    for chunk in segments.chunks(step) {
        crate::interrupt::check()?;
        let results: Vec<(Aggregates, bool)> = chunk
            .par_iter()
            .map(|seg| {
                let key = Key {
                    model: input.model.id,
                    segment: seg.entry.file.clone(),
                    dead: seg.entry.dead.clone(),
                    settings: settings.clone(),
                    last_day: last_day_in(seg.entry.partition, input.params),
                };
                if let Some(prev) = previous {
                    if let Some(a) = stored(prev, seg, &key, input.duplicates) {
                        carry(prev, dir, seg)?;
                        return Ok((a.aggregates, true));
                    }
                }
                let (a, docs) = assign_segment(seg, input)?;
                let in_memory = kept.is_some_and(|k| k.offer(&seg.entry.file, &a));
                if !in_memory || kept.is_none_or(|k| k.write) {
                    let head = Head {
                        copies: copies_hash(input.duplicates, &docs),
                        docs,
                        key,
                    };
                    save(dir, seg, &head, &a)?;
                }
                Ok((a.aggregates, false))
            })
            .collect::<Result<_>>()?;
        for (agg, was_stored) in results {
            posts += agg.counts.posts;
            if was_stored {
                summary.reused += 1;
            } else {
                summary.assigned += 1;
            }
            total.merge(agg);
        }
        log.progress(posts);
    }
    Ok((total, summary))
}

/// Makes a stored result in `from` present in `to` (a hard link, or a
/// copy where links are not possible).
fn carry(from: &Path, to: &Path, seg: &SegmentRef) -> Result<()> {
    let (src, dst) = (output_path(from, seg), output_path(to, seg));
    if src == dst || dst.exists() {
        return Ok(());
    }
    if std::fs::hard_link(&src, &dst).is_err() {
        std::fs::copy(&src, &dst).map_err(|e| Error::write(&dst, e))?;
    }
    Ok(())
}

/// The sums of every segment's stored result in `dir` (all segments must
/// have been assigned with `model`).
pub fn collect(segments: &[SegmentRef], dir: &Path, model: &Model) -> Result<Aggregates> {
    let mut total = Aggregates::default();
    for seg in segments {
        let path = output_path(dir, seg);
        let unassigned = |reason: String| Error::Kept {
            what: "assignment result",
            path: path.clone(),
            reason,
        };
        let blocks = codec::read_blocks(&path, ASSIGNED_MAGIC).map_err(|r| {
            unassigned(format!(
                "{r}; run `theme-trends assign` for every part first"
            ))
        })?;
        let head: Head = blocks
            .first()
            .ok_or_else(|| unassigned("incomplete".into()))
            .and_then(|b| codec::decode(b).map_err(unassigned))?;
        if head.key.model != model.id {
            return Err(unassigned(
                "made with another model; run `theme-trends assign` again".into(),
            ));
        }
        let body: Assigned = blocks
            .get(1)
            .ok_or_else(|| unassigned("incomplete".into()))
            .and_then(|b| codec::decode(b).map_err(unassigned))?;
        total.merge(body.aggregates);
    }
    Ok(total)
}

/// Reads the rows and rejections of a segment's stored result.
pub fn read_output(dir: &Path, seg: &SegmentRef) -> Result<Assigned> {
    let path = output_path(dir, seg);
    let blocks = codec::read_blocks(&path, ASSIGNED_MAGIC).map_err(|reason| Error::Kept {
        what: "assignment result",
        path: path.clone(),
        reason: format!("{reason}; run `theme-trends assign` again"),
    })?;
    let body = blocks.get(1).ok_or_else(|| Error::Kept {
        what: "assignment result",
        path: path.clone(),
        reason: "incomplete".into(),
    })?;
    codec::decode(body).map_err(|reason| Error::Kept {
        what: "assignment result",
        path,
        reason,
    })
}

/// The analysed posts and the rejections, segment by segment: what
/// `assign` left in its folder.
pub struct Results<'a> {
    /// The folder of the assignment results.
    pub dir: &'a Path,
    /// The segments, in report order.
    pub segments: &'a [SegmentRef],
    /// Paths the walk could not read (no doc id), listed first.
    pub problems: &'a [Rejection],
    /// Results still in memory from the assign stage.
    pub kept: Option<&'a Kept>,
}

impl Results<'_> {
    /// Calls `f` with the results of each partition (month), its rows and
    /// rejections in doc order: the segments of one month (from several
    /// parts, say) are merged, so the files do not depend on how the work
    /// was split. Memory: one month's rows.
    pub fn each(&self, mut f: impl FnMut(&Assigned) -> Result<()>) -> Result<()> {
        for month in self
            .segments
            .chunk_by(|a, b| a.entry.partition == b.entry.partition)
        {
            let read = |seg: &SegmentRef| -> Result<std::sync::Arc<Assigned>> {
                match self.kept.and_then(|k| k.get(seg)) {
                    Some(a) => Ok(a),
                    None => read_output(self.dir, seg).map(std::sync::Arc::new),
                }
            };
            if let [seg] = month {
                f(read(seg)?.as_ref())?;
                continue;
            }
            let mut all = Assigned {
                rows: Vec::new(),
                rejected: Vec::new(),
                aggregates: Default::default(),
            };
            for seg in month {
                let a = read(seg)?;
                all.rows.extend(a.rows.iter().cloned());
                all.rejected.extend(a.rejected.iter().cloned());
            }
            all.rows.sort_by_key(|r| r.doc);
            all.rejected.sort_by_key(|r| r.doc_id);
            f(&all)?;
        }
        Ok(())
    }
}

/// The date of an assignment as a calendar date.
pub fn day(a: &Assignment) -> Option<chrono::NaiveDate> {
    a.date.map(from_epoch_days)
}

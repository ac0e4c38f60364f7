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

use std::path::Path;

use rayon::prelude::*;

use crate::aggregate::{Aggregates, Candidate, Daily, PostCounts};
use crate::dedup::Duplicates;
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::ids::{DocId, ThemeIdx};
use crate::ingest::ResolvedOutlet;
use crate::ingest::{self, RejectReason, Rejection};
use crate::log::Log;
use crate::model::Model;
use crate::results::{self, output_path, Assigned, Assignment, Kept, ResultKey, POST_TERMS};
use crate::store::{Features, PostRecord, SegmentRef};
use crate::time::Verdict;
use crate::time::{epoch_days, Period};
use crate::time::{Granularity, Window};
use crate::vectorize;
use serde::Serialize;

/// The parameters of `assign`. Their serde form keys each segment's
/// result ([`AssignParams::key`]), with the model's id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignParams {
    /// Which posts are analysed (the moment of the run is applied per
    /// segment, see [`last_day_in`]).
    pub window: Window,
    /// The report's periods the sums are counted in.
    pub granularity: Granularity,
    /// The facets counted.
    pub facets: Vec<String>,
    /// How many times a title word counts (as the model was fitted).
    pub title_weight: u32,
    /// The field of each post's outlet.
    pub outlet: crate::ingest::OutletField,
}

impl AssignParams {
    /// The key of the results these parameters make.
    pub fn key(&self) -> String {
        crate::cache::key(self)
    }
}

/// The run's last day ([`Params::last_day`]) clamped to the days of
/// `partition`'s month: all that a segment's result depends on of it.
fn last_day_in(partition: crate::store::Partition, params: &AssignParams) -> Option<i32> {
    let month = partition.month()?;
    let last = params.window.last_day()?;
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

/// Everything assigning needs besides the segment.
#[derive(Debug, Clone, Copy)]
pub struct AssignInput<'a> {
    /// The model applied.
    pub model: &'a Model,
    /// The copies found in the store.
    pub duplicates: &'a Duplicates,
    /// The parameters.
    pub params: &'a Checked<AssignParams>,
    /// The store's carried table columns.
    pub columns: &'a [String],
}

/// A segment's vocabulary as assigning sees it: each word's feature in the
/// model's lexicon, its key in the sums, and its weight among a post's
/// event words.
struct SegmentWords {
    /// The lexicon feature of each word, if it has one.
    map: Vec<Option<u32>>,
    /// Each word's key ([`crate::text::word_key`]).
    keys: Vec<u32>,
    /// A word of the lexicon weighs its idf; a word left out for being too
    /// common (boilerplate) nothing; any other (too rare for the lexicon,
    /// or new since the fit) as the rarest feature: new words are what
    /// events are made of.
    weight: Vec<f32>,
    /// Each word's index among the model's word vectors, if it has one
    /// (empty for a model without vectors).
    vectors: Vec<Option<u32>>,
}

impl SegmentWords {
    fn of(words: &[String], model: &Model) -> Self {
        let map = model.lexicon.map_sorted(words);
        let keys = words.iter().map(|w| crate::text::word_key(w)).collect();
        let rarest = model.lexicon.idf.iter().copied().fold(1.0f32, f32::max);
        let common = &model.lexicon.common;
        let weight = map
            .iter()
            .zip(words)
            .map(|(f, w)| match f {
                Some(f) => model.lexicon.idf[*f as usize],
                None if common.binary_search(w).is_ok() => 0.0,
                None => rarest,
            })
            .collect();
        let vectors = model
            .vectors
            .as_ref()
            .map_or_else(Vec::new, |v| v.map_sorted(words));
        SegmentWords {
            map,
            keys,
            weight,
            vectors,
        }
    }
}

/// Whether a post of the segment is analysed: its features, or why not
/// (`None`: outside the window, only counted).
fn analysed<'a>(
    rec: &'a PostRecord,
    input: &AssignInput,
    counts: &mut PostCounts,
) -> std::result::Result<&'a Features, Option<RejectReason>> {
    let f = rec.outcome.as_ref().map_err(|r| Some(r.clone()))?;
    for t in &f.tolerated {
        *counts.tolerated.entry(*t).or_default() += 1;
    }
    if let Some(reason) = input.duplicates.of(rec.doc) {
        return Err(Some(reason.clone()));
    }
    let window = &input.params.window;
    match window.verdict(f.day()) {
        Verdict::Analysed => Ok(f),
        Verdict::OutsideWindow => {
            counts.outside_window += 1;
            Err(None)
        }
        Verdict::Future => Err(Some(RejectReason::DatedInFuture {
            date: f.day().unwrap_or_default(),
            now: window.now.unwrap_or_default(),
        })),
    }
}

/// Assigns one segment; also returns the docs of all its posts.
pub fn assign_segment(seg: &SegmentRef, input: &AssignInput) -> Result<(Assigned, Vec<DocId>)> {
    let read = seg.read(crate::store::Want::RECORDS)?;
    let docs: Vec<DocId> = read.records.iter().map(|r| r.doc).collect();
    let model = input.model;
    let params = input.params;
    let words = SegmentWords::of(&read.vocab.words, model);
    let outlet = params.outlet.resolve(input.columns);
    let mut out = Assigned {
        rows: Vec::new(),
        rejected: Vec::new(),
        aggregates: Aggregates::default(),
    };
    let agg = &mut out.aggregates;
    let mut seen_in = vec![0u32; words.keys.len()];
    let mut days = DayCounts::default();
    let mut distinct: Vec<u32> = Vec::new();
    for rec in &read.records {
        agg.counts.posts += 1;
        let mut reject = |reason: RejectReason, agg: &mut Aggregates| {
            agg.counts.rejected += 1;
            if reason.is_duplicate() {
                agg.counts.duplicates += 1;
            }
            out.rejected.push(Rejection {
                doc_id: Some(rec.doc),
                path: rec.path.clone(),
                reason,
            });
        };
        let f = match analysed(rec, input, &mut agg.counts) {
            Ok(f) => f,
            Err(Some(reason)) => {
                reject(reason, agg);
                continue;
            }
            Err(None) => continue,
        };
        if !f.warnings.is_empty() {
            agg.counts.warned += 1;
            for w in &f.warnings {
                agg.warn(format!("{}: {w}", rec.path));
            }
        }
        let row = vectorize::tfidf_row(
            &f.words,
            f.title_words,
            &words.map,
            &model.lexicon,
            params.title_weight,
        );
        let vector_words: Vec<u32> = if words.vectors.is_empty() {
            Vec::new()
        } else {
            f.words
                .iter()
                .filter_map(|&w| words.vectors[w as usize])
                .collect()
        };
        let Some((theme, score)) = model.assign_post(&row, &vector_words, f.words.len()) else {
            let reason = if f.words.is_empty() {
                RejectReason::NoWords
            } else {
                RejectReason::NoTerms
            };
            reject(reason, agg);
            continue;
        };
        distinct.clear();
        distinct.extend_from_slice(&f.words);
        distinct.sort_unstable();
        let terms = post_terms(&mut distinct, &words.keys, &words.weight);
        for &w in &distinct {
            seen_in[w as usize] += 1;
        }
        count(
            agg, rec, f, theme, score, &distinct, &words, &outlet, &mut days, input,
        );
        out.rows.push(Assignment {
            doc: rec.doc,
            path: rec.path.clone(),
            date: f.date,
            title: f.title.clone(),
            theme,
            score,
            credit: f.source.clone(),
            outlet: outlet.of(&f.fields, &f.extra, input.columns),
            minute: f.minute,
            extra: f.extra.clone(),
            terms,
        });
    }
    agg.daily = days
        .into_iter()
        .map(|(day, (posts, df))| {
            let mut df: Vec<(u32, u32)> = df.into_iter().collect();
            df.sort_unstable();
            (day, Daily { posts, df })
        })
        .collect();
    for (w, &n) in seen_in.iter().enumerate() {
        if n >= 1 {
            let name = read.vocab.words[w].clone();
            crate::aggregate::keep_name(&mut agg.names, words.keys[w], name);
        }
    }
    Ok((out, docs))
}

/// A segment's posts and word counts per day, before they are sorted into
/// [`Daily`] sums.
type DayCounts =
    std::collections::BTreeMap<crate::time::Day, (u32, rustc_hash::FxHashMap<u32, u32>)>;

/// Adds an analysed post (its `distinct` words, sorted) of theme `theme`
/// to the sums.
#[allow(clippy::too_many_arguments)]
fn count(
    agg: &mut Aggregates,
    rec: &PostRecord,
    f: &Features,
    theme: ThemeIdx,
    score: f32,
    distinct: &[u32],
    words: &SegmentWords,
    outlet: &ResolvedOutlet,
    days: &mut DayCounts,
    input: &AssignInput,
) {
    let params = input.params;
    agg.counts.assigned += 1;
    let period: Period = f.date.map(|d| d.period(params.granularity));
    match f.date {
        Some(d) => agg.saw(d),
        None => agg.undated += 1,
    }
    if let Some(d) = f.date {
        let day = days.entry(d).or_default();
        day.0 += 1;
        for &w in distinct {
            *day.1.entry(words.keys[w as usize]).or_default() += 1;
        }
    }
    *agg.themes.entry((theme, period)).or_default() += 1;
    let cell = agg.words.entry((theme, period)).or_default();
    for &w in &f.words {
        if let Some(feat) = words.map[w as usize] {
            *cell.entry(feat).or_default() += 1;
        }
    }
    for (i, name) in params.facets.iter().enumerate() {
        let mut values = match name.as_str() {
            ingest::CREDIT => f.source.iter().cloned().collect(),
            ingest::OUTLET => outlet
                .of(&f.fields, &f.extra, input.columns)
                .into_iter()
                .collect(),
            _ => ingest::field_values(name, &f.fields, &f.extra, input.columns),
        };
        values.sort();
        values.dedup();
        for v in values.into_iter().filter(|v| !v.is_empty()) {
            *agg.facets.entry((i as u16, v, theme, period)).or_default() += 1;
        }
    }
    *agg.cohesion.entry(theme).or_default() += score as f64;
    if let Some(col) = input.columns.iter().position(|c| c == "label") {
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
    if let Some(period) = period {
        agg.sample_with(theme, period, score, rec.doc, candidate);
    }
    agg.offer(theme, candidate());
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
    let settings = input.params.key();
    let step = (rayon::current_num_threads() * 2).max(2);
    let mut total = Aggregates::default();
    let mut summary = AssignSummary::default();
    let mut posts = 0u64;
    for chunk in segments.chunks(step) {
        crate::interrupt::check()?;
        let results: Vec<(Aggregates, bool)> = chunk
            .par_iter()
            .map(|seg| {
                let key = ResultKey {
                    model: input.model.id,
                    segment: seg.entry.file.clone(),
                    dead: seg.entry.dead.clone(),
                    settings: settings.clone(),
                    last_day: last_day_in(seg.entry.partition, input.params),
                };
                if let Some(prev) = previous {
                    let copies = |docs: &[DocId]| copies_hash(input.duplicates, docs);
                    if let Some(sums) = results::stored(prev, seg, &key, copies) {
                        carry(prev, dir, seg)?;
                        return Ok((sums, true));
                    }
                }
                let (a, docs) = assign_segment(seg, input)?;
                let in_memory = kept.is_some_and(|k| k.offer(&seg.entry.file, &a));
                if !in_memory || kept.is_none_or(|k| k.write) {
                    let copies = copies_hash(input.duplicates, &docs);
                    results::save(dir, seg, key, docs, copies, &a)?;
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
    if src == dst {
        return Ok(());
    }
    crate::fsx::link_or_copy(&src, &dst)
}
